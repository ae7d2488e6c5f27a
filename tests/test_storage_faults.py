"""A full disk, for real: a crawl whose archive's disk fills up loses what it could not
write and says so (`storage` rows in `crawl_errors`, or stderr when even those cannot be
written), ends `warning` or `failed` with a non-zero exit status and never `complete`,
keeps every article it committed before whole, and leaves nothing remembered that was not
stored, so that the next run, with room again, archives the lost articles.

The disk is a 16 MiB tmpfs mounted for the test when this process may mount one (as root:
`.ci/run` runs the suite as root), and always, as well, a file size limit
(`RLIMIT_FSIZE`, set on the running crawl with `prlimit`): SQLite then gets `EFBIG` where a
full disk gives `ENOSPC` (Python ignores `SIGXFSZ`, so the write fails instead of killing
the process). Either way the disk fills while the crawl runs, at a moment the test picks,
leaving a reserve: room for small writes (a run's row, error rows) but not for a batch of
articles.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from test_extraction_pool import SlowHandler, archived, build_site, crawl_process, wait_for

from conftest import rows, run_cli
from newsarchive.demo.server import SiteServer, serve_site
from pipelines.archive import Archive
from pipelines.archive.writer import ArchiveWriter

RESERVE = 256 * 1024  # room left on the full disk: a few WAL frames, not 40 articles' worth
TMPFS_SIZE = "16m"  # a whole crawl of these sites needs about 3 MiB
LOST_LINE = re.compile(
    r"^newsarchive: \d+ item\(s\) could not be written to the archive: .*$", re.M
)
URL = re.compile(r"https?://\S+")


class Disk:
    """Where a test's archive lives, and how that disk is made full."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def fill(self, db: Path, pid: int, reserve: int) -> None:
        """Leave only `reserve` bytes of room for the archive `db` of crawl `pid`."""
        raise NotImplementedError

    def make_room(self) -> None:
        """Give the archive room again (for the processes that start from now on)."""


class Tmpfs(Disk):
    """A small tmpfs, filled by a file of zeros."""

    def fill(self, db: Path, pid: int, reserve: int) -> None:
        """Write zeros until the tmpfs is full, then give `reserve` bytes back."""
        with (self.folder / "filler").open("ab", buffering=0) as out:
            with contextlib.suppress(OSError):  # ENOSPC: full
                while True:
                    out.write(bytes(1 << 16))
            out.truncate(max(os.fstat(out.fileno()).st_size - reserve, 0))

    def make_room(self) -> None:
        """Remove the file of zeros."""
        (self.folder / "filler").unlink(missing_ok=True)


class FileSizeLimit(Disk):
    """An ordinary folder; the crawl process may not write past a file size limit."""

    def fill(self, db: Path, pid: int, reserve: int) -> None:
        """Limit crawl `pid`'s files to the size of the archive's log (WAL) plus
        `reserve` (the archive file itself is not written while its log is below SQLite's
        checkpoint size)."""
        wal = db.with_name(db.name + "-wal")
        limit = (wal.stat().st_size if wal.exists() else 0) + reserve
        _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, hard))


class CannotMount(Exception):
    """Mounting a tmpfs is not allowed here (not root)."""


@contextlib.contextmanager
def mounted_tmpfs(folder: Path) -> Iterator[Tmpfs]:
    """A tmpfs of `TMPFS_SIZE` mounted on `folder` (`CannotMount` if it cannot be)."""
    folder.mkdir()
    mount = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={TMPFS_SIZE},mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mount.returncode != 0:
        raise CannotMount(mount.stderr.strip())
    try:
        yield Tmpfs(folder)
    finally:
        if subprocess.run(["umount", str(folder)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "--lazy", str(folder)], check=True)


@pytest.fixture(params=["tmpfs", "rlimit"])
def disk(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Disk]:
    """The disk of the test's archive: a small tmpfs, or a file size limit. Where a tmpfs
    cannot be mounted (not root: CI runs as root), the tmpfs case runs on a file size limit
    too, never skipped."""
    folder = tmp_path / "disk"
    if request.param == "tmpfs":
        try:
            with mounted_tmpfs(folder) as tmpfs:
                yield tmpfs
            return
        except CannotMount:
            pass
    folder.mkdir(exist_ok=True)
    yield FileSizeLimit(folder)


def whole_articles(db: Path) -> set[str]:
    """The URLs of the archived articles, having checked that the archive is intact and
    that each article is there once, whole: its row and its stored page, which holds its
    title; and that no page is there without its article."""
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db, "SELECT count(*) FROM pages WHERE article_id IS NULL") == [(0,)]
    assert rows(
        db,
        "SELECT count(*) FROM pages p LEFT JOIN articles a ON a.id = p.article_id"
        " WHERE a.id IS NULL",
    ) == [(0,)]
    archive = Archive.open(db, for_reading=True)
    try:
        urls: Counter[str] = Counter()
        for article_id, _, url in archive.article_keys():
            stored = archive.article_with_page(article_id)
            assert stored is not None, url
            article, html = stored
            assert article["title"].encode() in html, url
            urls[url] += 1
    finally:
        archive.close()
    assert [url for url, count in urls.items() if count > 1] == []
    return set(urls)


def named_on_stderr(stderr: str) -> set[str]:
    """The URLs that stderr reports as not written, with their error rows not written
    either."""
    lines = LOST_LINE.findall(stderr)
    return {url for line in lines for url in URL.findall(line.split("): ", 1)[1])}


def storage_errors(db: Path) -> set[str]:
    """The URLs of the `storage` error rows."""
    return {url for (url,) in rows(db, "SELECT url FROM crawl_errors WHERE kind = 'storage'")}


def run_statuses(db: Path) -> list[tuple[str, int]]:
    """Each run's status and `complete` flag, in order."""
    return rows(db, "SELECT status, complete FROM crawl_runs ORDER BY id")


def rerun_with_room(server: SiteServer, db: Path, paths: list[str], lost: set[str]) -> None:
    """Crawl again with room on the disk: the run fetches exactly the lost articles (none
    was remembered as fetched) and archives them, so every article is archived once."""
    server.request_log.clear()
    result = run_cli("crawl", server.base_url, "--db", str(db), "--no-throttle")
    assert result.returncode == 0, result.stdout + result.stderr
    base = server.base_url.rstrip("/")
    fetched = sorted(base + path for path in server.request_log if path in paths)
    assert fetched == sorted(lost)
    assert whole_articles(db) == {base + path for path in paths}


def test_disk_fills_mid_crawl(disk: Disk, tmp_path: Path):
    """The disk fills after the first batches: the crawl goes on, each article it could
    not write is a `storage` error row (or on stderr), the run ends `warning` (exit 3), not
    complete, what was committed before stays whole, and the next run archives the rest."""
    root = tmp_path / "site"
    paths = build_site(root, 150)
    db = disk.folder / "archive.db"
    with serve_site(root, handler_class=SlowHandler) as server:
        site = {server.base_url.rstrip("/") + path for path in paths}
        crawl = crawl_process(server.base_url, db, "STORE_BATCH_SIZE=40", "STORE_BATCH_SECONDS=600")
        wait_for(lambda: archived(db) > 0, timeout=120)
        disk.fill(db, crawl.pid, RESERVE)
        committed = whole_articles(db)
        stdout, stderr = crawl.communicate(timeout=240)
        assert crawl.returncode == 3, stdout + stderr
        [(status, complete, error, new)] = rows(
            db, "SELECT status, complete, error, articles_new FROM crawl_runs"
        )
        assert (status, complete) == ("warning", 0)
        assert re.fullmatch(
            r"\d+ item\(s\) could not be written to the archive \(first: \S+\)", error
        ), error
        kept = whole_articles(db)
        assert committed <= kept
        assert new == len(kept)
        lost = site - kept
        assert len(lost) >= 40  # a batch at least: no batch fits in the reserve
        storage = storage_errors(db)
        assert storage, stderr  # the reserve holds error rows
        assert lost <= storage | named_on_stderr(stderr)
        assert storage - {"url_shapes"} <= lost
        assert error in stderr
        remembered = {url for (url,) in rows(db, "SELECT url FROM fetched_urls")}
        assert not lost & remembered
        disk.make_room()
        rerun_with_room(server, db, paths, lost)
    assert run_statuses(db) == [("warning", 0), ("ok", 1)]


def test_disk_full_before_any_article_fails(disk: Disk, tmp_path: Path):
    """On a disk with room for the run's row but no article, nothing is stored: every
    article is a `storage` error row, the run ends `failed` (exit 1), and the next run
    with room archives them all."""
    root = tmp_path / "site"
    paths = build_site(root, 50)
    db = disk.folder / "archive.db"
    Archive.open(db).close()  # the schema: the crawl starts on a full disk, not an absent file
    with serve_site(root, handler_class=SlowHandler) as server:
        site = {server.base_url.rstrip("/") + path for path in paths}
        # One batch for the whole crawl, committed as it ends.
        crawl = crawl_process(
            server.base_url, db, "STORE_BATCH_SIZE=1000", "STORE_BATCH_SECONDS=600"
        )
        disk.fill(db, crawl.pid, RESERVE)
        stdout, stderr = crawl.communicate(timeout=240)
        assert crawl.returncode == 1, stdout + stderr
        [(status, complete, error, new, errors)] = rows(
            db, "SELECT status, complete, error, articles_new, errors FROM crawl_runs"
        )
        assert (status, complete, new) == ("failed", 0, 0)
        assert error.startswith(f"{errors} item(s) could not be written to the archive"), error
        assert error in stderr
        assert whole_articles(db) == set()
        storage = storage_errors(db)
        assert site <= storage
        assert rows(db, "SELECT count(*) FROM fetched_urls") == [(0,)]
        disk.make_room()
        rerun_with_room(server, db, paths, site)
    assert run_statuses(db) == [("failed", 0), ("ok", 1)]


def test_disk_without_any_room_reports_on_stderr(disk: Disk, tmp_path: Path):
    """With no room left at all, not even the error rows nor the run's end can be
    written: each lost article is named on stderr, so is the run's end, the exit status
    is 1, what was committed stays whole; the run is not complete (`running`, which the
    next run closes as `interrupted`, or already `interrupted`), and the next run, with
    room, archives the lost articles."""
    root = tmp_path / "site"
    paths = build_site(root, 80)
    db = disk.folder / "archive.db"
    with serve_site(root, handler_class=SlowHandler) as server:
        site = {server.base_url.rstrip("/") + path for path in paths}
        crawl = crawl_process(server.base_url, db, "STORE_BATCH_SIZE=20", "STORE_BATCH_SECONDS=600")
        wait_for(lambda: archived(db) > 0, timeout=120)
        disk.fill(db, crawl.pid, 0)
        committed = whole_articles(db)
        stdout, stderr = crawl.communicate(timeout=240)
        assert crawl.returncode == 1, stdout + stderr
        [(run_id, status, complete)] = rows(db, "SELECT id, status, complete FROM crawl_runs")
        # Its end could not be written by the store stage. The process's last word (the
        # runner marking runs still running as interrupted) may find the room an update
        # in place needs, or not: either way the run is not complete.
        assert (status, complete) in (("running", 0), ("interrupted", 0))
        assert f"newsarchive: the end of run {run_id} could not be recorded: " in stderr
        kept = whole_articles(db)
        assert committed <= kept
        lost = site - kept
        assert lost
        assert lost <= named_on_stderr(stderr)
        assert rows(db, "SELECT count(*) FROM crawl_errors") == [(0,)]
        disk.make_room()
        rerun_with_room(server, db, paths, lost)
    assert run_statuses(db) == [("interrupted", 0), ("ok", 1)]


class _Stats(Counter):
    """The part of Scrapy's stats collector that the writer uses."""

    def inc_value(self, key: str, count: int = 1) -> None:
        """Add `count` to counter `key`."""
        self[key] += count


class _Stage:
    """A store stage reduced to what `ArchiveWriter` calls: its stats, and `lost`."""

    def __init__(self) -> None:
        self.crawler = SimpleNamespace(stats=_Stats())
        self.lost_urls: list[str] = []

    def lost(self, items: list[tuple[str, str | None]], error: Exception) -> None:
        """Record the URLs reported lost."""
        self.lost_urls += [url for url, _ in items]


def test_batch_undone_by_a_failed_write_is_reported(tmp_path: Path):
    """A write that fails while SQLite spills the batch's pages to a full disk undoes the
    whole batch, not only its own savepoint: every item of the batch is reported lost (and
    its counter taken back), none silently, and the next batch is stored."""
    db = tmp_path / "archive.db"
    archive = Archive.open(db)
    try:
        run_id = archive.start_run("example", [])
        archive.db.execute("PRAGMA cache_size = 5")  # spill to the log after a few pages
        writer, stage = ArchiveWriter(archive, db), _Stage()

        def error_row(url: str, size: int = 100):  # type: ignore[no-untyped-def]
            def write() -> str:
                archive.record_error(run_id, url, "http", "x" * size)
                return "archive/errors"

            return write

        a, b, c = (f"http://example.test/{name}" for name in "abc")
        writer.write(stage, a, error_row(a))
        wal = db.with_name(db.name + "-wal")
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (wal.stat().st_size + 8192, hard))
        try:  # 200 kB does not fit in two more pages of the log: the spill fails
            writer.write(stage, b, error_row(b, 200_000))
        finally:
            resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        writer.write(stage, c, error_row(c))
        writer.flush()
        assert stage.lost_urls == [a, b]
        assert stage.crawler.stats == Counter({"archive/errors": 1})
        assert rows(db, "SELECT url FROM crawl_errors") == [(c,)]
    finally:
        archive.close()
