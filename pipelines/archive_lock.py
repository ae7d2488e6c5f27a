"""One writer per archive: an advisory lock file beside the archive.

Scheduled crawls can overlap (a slow hourly run still going when the next one starts).
SQLite would serialise their writes, but two crawls of the same sites would fetch and
store the same articles twice over; so the second run does not start at all. The lock is
`flock` on `<archive>.lock`, released by the kernel when the process ends, even if it is
killed, so a stale lock never blocks the next run.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ArchiveLocked", "archive_lock", "lock_path"]


class ArchiveLocked(Exception):
    """Another process holds the archive's lock."""


def lock_path(archive: Path) -> Path:
    """The lock file of an archive: `archive.db` → `archive.db.lock`."""
    return archive.with_name(archive.name + ".lock")


@contextmanager
def archive_lock(archive: Path) -> Iterator[None]:
    """Hold the archive's lock for the duration of the block.

    Raises `ArchiveLocked` (naming the holder's process id) if another process holds it,
    and `OSError` if the lock file cannot be created.
    """
    path = lock_path(archive)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
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
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
