"""The store stage: the one writer of the crawl's archive.

Writes each article (new, updated or unchanged), records each error in `crawl_errors`,
and remembers every fetched page in `fetched_urls` (articles, the `PageVisit` of other
pages, pages without article text, pages gone), in batches, in the crawl's run: the
archive and the run's `crawl_runs` row are the crawl's `ArchiveRun`
(`crawler/extensions/archive_run.py`), which finishes the row when the crawl closes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from twisted.internet.task import LoopingCall

from crawler.items import Article, CrawlError, NotModified, PageVisit
from pipelines.archive import Archive
from pipelines.item_writes import write_item

if TYPE_CHECKING:
    from crawler.extensions.archive_run import ArchiveRun


class StorePipeline:
    """Archives `Article` items and records `CrawlError` items, in the crawl's run
    (`crawler.extensions.archive_run.ArchiveRun`, which opens the archive and keeps the run's row).

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
        from crawler.extensions.archive_run import ArchiveRun

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
