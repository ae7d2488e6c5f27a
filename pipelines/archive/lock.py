"""One writer per archive: an advisory lock file beside the archive.

Scheduled crawls can overlap (a slow hourly run still going when the next one starts).
SQLite would serialise their writes, but two crawls of the same sites would fetch and
store the same articles twice over; so the second run does not start at all. The lock is
`flock` on `<archive>.lock`, released by the kernel when the process ends, even if it is
killed, so a stale lock never blocks the next run.

Every way of writing an archive takes it: the `newsarchive` commands (`--db`), and the
crawl itself, whatever `ARCHIVE_DB` names (`crawler.extensions.process.ArchiveLockExtension`,
which covers `scrapy crawl news` too). Within one process the lock is re-entrant: a crawl
started by a command that holds it already does not lock again (two `flock`s of one file
in one process would exclude each other).
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ArchiveLocked", "archive_lock", "holds_lock", "lock_path"]

# The lock files this process holds, as (device, inode): a process-wide fact, as flock is.
_held: set[tuple[int, int]] = set()


class ArchiveLocked(Exception):
    """Another process holds the archive's lock."""


def lock_path(archive: Path) -> Path:
    """The lock file of an archive: `archive.db` → `archive.db.lock`."""
    return archive.with_name(archive.name + ".lock")


@contextmanager
def archive_lock(archive: Path) -> Iterator[None]:
    """Hold the archive's lock for the duration of the block (if this process holds it
    already, the block runs under that lock, and leaving it releases nothing).

    Raises `ArchiveLocked` (naming the holder's process id) if another process holds it,
    and `OSError` if the lock file cannot be created.
    """
    path = lock_path(archive)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        key = _file_key(fd)
        if key in _held:  # flock locks are per open file: closing this fd releases nothing
            yield
            return
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise ArchiveLocked(
                f"another newsarchive process (pid {holder}) is writing to {archive}; "
                "this run did not start"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        _held.add(key)
        try:
            yield
        finally:
            _held.discard(key)
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def holds_lock(archive: Path) -> bool:
    """True if this process holds the lock of `archive`."""
    try:
        stat = os.stat(lock_path(archive))
    except OSError:
        return False
    return (stat.st_dev, stat.st_ino) in _held


def _file_key(fd: int) -> tuple[int, int]:
    """What identifies an open file whatever path it was opened by."""
    stat = os.fstat(fd)
    return stat.st_dev, stat.st_ino
