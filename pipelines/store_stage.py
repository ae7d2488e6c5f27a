"""The store stage: the one writer of the crawl's archive.

Writes each article (new, updated or unchanged), records each error in `crawl_errors`,
and remembers every fetched page in `fetched_urls` (articles, the `PageVisit` of other
pages, pages without article text, pages gone), in batches, in the crawl's run: the
archive and the run's `crawl_runs` row are the crawl's `ArchiveRun`
(`pipelines/archive_run.py`), which finishes the row when the crawl closes.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from twisted.internet.task import LoopingCall

from crawler.items import Article, CrawlError, NotModified, PageVisit
from pipelines.archive import Archive
from pipelines.item_writes import write_item

if TYPE_CHECKING:
    from pipelines.archive_run import ArchiveRun

logger = logging.getLogger(__name__)


class BatchUser(Protocol):
    """What wrote an item into a batch: its crawler's stats count the item, and it is
    told of the items that could not be written."""

    crawler: Crawler

    def lost(self, items: list[tuple[str, str | None]], error: sqlite3.Error) -> None:
        """Report items of the batch that could not be written."""


class ArchiveWriter:
    """The one connection that writes an archive file in this process, and its open batch.

    A crawl of several sites runs one crawler (and one store stage) per site in one
    process; SQLite takes one writer at a time, so they share this writer and its batch
    instead of each holding a transaction that the others would wait for."""

    _open: ClassVar[dict[Path, ArchiveWriter]] = {}

    def __init__(self, archive: Archive, key: Path) -> None:
        self.archive = archive
        self.key = key
        self.users = 0
        # The items written in the open batch: their stage, URL and the counter they raised.
        self.pending: list[tuple[BatchUser, str, str | None]] = []

    @classmethod
    def acquire(cls, path: str | Path) -> ArchiveWriter:
        """The writer of the archive at `path`, opened on first use."""
        key = Path(path).resolve()
        writer = cls._open.get(key)
        if writer is None:
            writer = cls._open[key] = cls(Archive.open(path), key)
        writer.users += 1
        return writer

    def release(self) -> None:
        """Commit what is pending; close the archive when no stage uses it any more."""
        self.flush()
        self.users -= 1
        if self.users <= 0:
            self._open.pop(self.key, None)
            self.archive.close()

    def write(self, stage: BatchUser, url: str, write: Callable[[], str | None]) -> None:
        """Run `write` (which returns the stats counter it raised) in a savepoint of its
        own in the open batch, for `stage`."""
        try:
            self.archive.begin_batch()
            with self.archive.atomic():
                counter = write()
        except sqlite3.Error as error:
            if self.pending and not self.archive.in_batch:
                # SQLite undid the whole batch, not only this savepoint (it does when a
                # full disk stops it spilling pages): the batch's items are lost too.
                self._lose_pending(error)
            stage.lost([(url, None)], error)
            return
        if counter:
            stage.crawler.stats.inc_value(counter)
        self.pending.append((stage, url, counter))

    def flush(self) -> None:
        """Commit the open batch. If the commit fails (a full disk), every item of the
        batch is lost: each is reported to its stage, whose run will not end `ok`."""
        if not self.archive.in_batch:
            return
        try:
            self.archive.commit_batch()
        except sqlite3.Error as error:
            self.archive.rollback_batch()
            self._lose_pending(error)
        else:
            self.pending = []

    def _lose_pending(self, error: sqlite3.Error) -> None:
        """Report every item of the undone batch to its stage as lost, and take back the
        counters they raised."""
        pending, self.pending = self.pending, []
        by_stage: dict[BatchUser, list[tuple[str, str | None]]] = {}
        for stage, url, counter in pending:
            if counter:
                stage.crawler.stats.inc_value(counter, -1)
            by_stage.setdefault(stage, []).append((url, counter))
        for stage, items in by_stage.items():
            stage.lost(items, error)


class StorePipeline:
    """Archives `Article` items and records `CrawlError` items, in the crawl's run
    (`pipelines.archive_run.ArchiveRun`, which opens the archive and keeps the run's row).

    Writes go in batches: one transaction of at most `STORE_BATCH_SIZE` items, committed
    at least every `STORE_BATCH_SECONDS`, when the crawl ends, and when the reactor stops
    (a second Ctrl-C included). Each item is a savepoint of its own inside it, so a write
    that fails loses that item alone, unless SQLite undid the whole batch (a full disk):
    then every item of it is reported lost. What could not be written is a `crawl_errors` row of
    kind `storage` (on stderr if even that cannot be written), and the run does not end
    `ok`. The stages of every crawler writing one archive in this process share its
    `ArchiveWriter`."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run: ArchiveRun | None = None
        self.archive: Archive | None = None  # the run's, for the whole crawl
        self.run_id: int | None = None
        settings = crawler.settings
        self.batch_size = max(settings.getint("STORE_BATCH_SIZE"), 1)
        self.batch_seconds = settings.getfloat("STORE_BATCH_SECONDS")
        self._flusher: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Create the stage for a crawler."""
        return cls(crawler)

    def open_spider(self) -> None:
        """Take the crawl's archive and run (opening them if no component did yet), and
        start committing batches every `STORE_BATCH_SECONDS`."""
        from pipelines.archive_run import ArchiveRun

        self.run = ArchiveRun.of(self.crawler).open()
        self.archive = self.run.archive
        self.run_id = self.run.run_id
        self._flusher = LoopingCall(self.flush)
        self._flusher.start(self.batch_seconds, now=False)

    def close_spider(self) -> None:
        """Write the URL shapes the spider learned and commit the open batch (the run
        finishes its row when the spider has closed)."""
        if self._flusher is not None and self._flusher.running:
            self._flusher.stop()
        shapes = getattr(self.crawler.spider, "shapes", None)
        if shapes is not None and self.run is not None:
            self._write("url_shapes", lambda: self._save_shapes(shapes))
        self.flush()

    def _save_shapes(self, shapes: Any) -> None:
        assert self.archive is not None and self.run is not None
        self.archive.save_url_shapes(self.run.site_name, shapes.rows(only_changed=True))

    def process_item(self, item: Any) -> Any:
        """Store an article (counting new / updated / unchanged) or record an error."""
        assert self.archive is not None and self.run_id is not None
        if isinstance(item, PageVisit | CrawlError):
            self._write(item.url, lambda: self._write_item(item))
            raise DropItem(f"{type(item).__name__} recorded: {item.url}", log_level="DEBUG")
        if isinstance(item, Article):
            self._write(item.page.url, lambda: self._write_item(item))
        elif isinstance(item, NotModified):
            self._write(item.url, lambda: self._write_item(item))
        return item

    def _write(self, url: str, write: Callable[[], str | None]) -> None:
        """Run `write` in the open batch; commit the batch when it is full."""
        assert self.run is not None and self.run.writer is not None
        writer = self.run.writer
        writer.write(self, url, write)
        if len(writer.pending) >= self.batch_size:
            writer.flush()

    def _write_item(self, item: Any) -> str | None:
        assert self.archive is not None and self.run_id is not None and self.run is not None
        return write_item(self.archive, self.run_id, self.run.site_name, item)

    def flush(self) -> None:
        """Commit the open batch (of every stage writing this archive)."""
        if self.run is not None and self.run.writer is not None:  # not once the run closed
            self.run.writer.flush()

    def lost(self, items: list[tuple[str, str | None]], error: sqlite3.Error) -> None:
        """Items that could not be written: reported to the run (a `storage` error row
        each)."""
        assert self.run is not None
        self.run.lost(items, error)
