"""The store stage: writes articles and errors to the archive and keeps the crawl log.

Opens the archive named by the `ARCHIVE_DB` setting when the spider opens, records a
`crawl_runs` row for the run, remembers every fetched page in `fetched_urls` (articles,
the `PageVisit` of other pages, pages without article text, pages gone), stores the URL
shapes the spider learned, and closes the run with its status and counts.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from twisted.internet.task import LoopingCall

from crawler import stats_keys
from crawler.budget import budget_warning
from crawler.classify import PageKind
from crawler.items import Article, CrawlError, NotModified, PageVisit
from pipelines.archive import Archive, RunCounts
from pipelines.run_status import RunFacts, run_status

logger = logging.getLogger(__name__)

# The error of a run whose reactor stopped before the crawl could close.
FORCED_STOP = "crawl stopped at once (a second Ctrl-C or SIGTERM, or a stop that hung)"


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
        self.pending: list[tuple[StorePipeline, str, str | None]] = []

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

    def write(self, stage: StorePipeline, url: str, write: Callable[[], str | None]) -> None:
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
        by_stage: dict[StorePipeline, list[tuple[str, str | None]]] = {}
        for stage, url, counter in pending:
            if counter:
                stage.crawler.stats.inc_value(counter, -1)
            by_stage.setdefault(stage, []).append((url, counter))
        for stage, items in by_stage.items():
            stage.lost(items, error)


class StorePipeline:
    """Archives `Article` items and records `CrawlError` items; one run row per crawl.

    Writes go in batches: one transaction of at most `STORE_BATCH_SIZE` items, committed
    at least every `STORE_BATCH_SECONDS`, when the crawl ends, and when the reactor stops
    (a second Ctrl-C included). Each item is a savepoint of its own inside it, so a write
    that fails loses that item alone, unless SQLite undid the whole batch (a full disk):
    then every item of it is reported lost. What could not be written is a `crawl_errors` row of
    kind `storage` (on stderr if even that cannot be written), and the run does not end
    `ok`. The stages of every crawler writing one archive in this process share its
    `ArchiveWriter`."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.archive: Archive | None = None
        self.writer: ArchiveWriter | None = None
        self.run_id: int | None = None
        settings = crawler.settings
        self.batch_size = max(settings.getint("STORE_BATCH_SIZE"), 1)
        self.batch_seconds = settings.getfloat("STORE_BATCH_SECONDS")
        self._flusher: LoopingCall | None = None
        self._shutdown_trigger: Any = None
        self.storage_errors: list[str] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Create the stage with the archive path of the `ARCHIVE_DB` setting."""
        pipeline = cls(crawler, crawler.settings.get("ARCHIVE_DB"))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        """Open the archive and start the run's `crawl_runs` row."""
        from twisted.internet import reactor  # the one Scrapy installed

        self.writer = ArchiveWriter.acquire(self.db_path)
        self.archive = self.writer.archive
        site = getattr(self.crawler.spider, "site", None)
        name = self._site_name()
        stale = self.archive.close_stale_runs(name)
        if stale:
            logger.warning("%s earlier run(s) of %s had been killed; resuming", stale, name)
        mode = "backfill" if self.crawler.settings.getbool("NEWS_BACKFILL") else "incremental"
        self.run_id = self.archive.start_run(name, site.start_urls if site else [], mode)
        self.crawler.stats.set_value(stats_keys.RUN_ID, self.run_id)
        logger.info("Crawl run %s started, archiving into %s", self.run_id, self.db_path)
        self._flusher = LoopingCall(self.flush)
        self._flusher.start(self.batch_seconds, now=False)
        self._shutdown_trigger = reactor.addSystemEventTrigger(
            "before", "shutdown", self._reactor_stopping
        )

    def process_item(self, item: Any) -> Any:
        """Store an article (counting new / updated / unchanged) or record an error."""
        assert self.archive is not None and self.run_id is not None
        if isinstance(item, PageVisit | CrawlError):
            self._write(item.url, lambda: self._record(item))
            raise DropItem(f"{type(item).__name__} recorded: {item.url}", log_level="DEBUG")
        if isinstance(item, Article):
            self._write(item.page.url, lambda: self._store(item))
        elif isinstance(item, NotModified):
            self._write(item.url, lambda: self._not_modified(item))
        return item

    def _write(self, url: str, write: Callable[[], str | None]) -> None:
        """Run `write` in the open batch; commit the batch when it is full."""
        assert self.writer is not None
        self.writer.write(self, url, write)
        if len(self.writer.pending) >= self.batch_size:
            self.writer.flush()

    def _store(self, item: Article) -> str:
        assert self.archive is not None and self.run_id is not None
        outcome = self.archive.store_article(item.page, item.extracted, self.run_id)
        if item.blocks is not None:
            self.archive.record_page_blocks(item.page.site, item.page.url, item.blocks)
        return stats_keys.articles(outcome)

    def _not_modified(self, item: NotModified) -> str | None:
        assert self.archive is not None and self.run_id is not None
        if self.archive.mark_not_modified(item.url, item.fetched_at, self.run_id):
            return stats_keys.ARTICLES_NOT_MODIFIED
        return None

    def _record(self, item: PageVisit | CrawlError) -> str | None:
        assert self.archive is not None and self.run_id is not None
        if isinstance(item, PageVisit):
            self.archive.record_fetch(
                item.site, item.url, item.kind, item.status, self.run_id, item.template
            )
            return None
        self.archive.record_error(
            self.run_id, item.url, item.kind, item.message, item.status, item.found_via
        )
        remembered = _remembered_error_kind(item)
        if remembered is not None:
            self.archive.record_fetch(
                self._site_name(), item.url, remembered, item.status, self.run_id
            )
        return stats_keys.ERRORS

    def flush(self) -> None:
        """Commit the open batch (of every stage writing this archive)."""
        if self.writer is not None:
            self.writer.flush()

    def lost(self, items: list[tuple[str, str | None]], error: sqlite3.Error) -> None:
        """Report items that could not be written: a log line, and a `storage` error row
        each (on stderr if even those cannot be written)."""
        assert self.archive is not None and self.run_id is not None
        message = f"could not be written to the archive: {type(error).__name__}: {error}"
        logger.error("%s item(s) %s", len(items), message)
        self.storage_errors.extend(url for url, _ in items)
        self.crawler.stats.inc_value(stats_keys.STORAGE_ERRORS, len(items))
        try:
            with self.archive.db.atomic():
                for url, _ in items:
                    self.archive.record_error(self.run_id, url, "storage", message)
        except sqlite3.Error as again:
            print(
                f"newsarchive: {len(items)} item(s) {message}; the error rows could not be"
                f" written either ({again}): " + " ".join(url for url, _ in items),
                file=sys.stderr,
            )

    def spider_closed(self, reason: str) -> None:
        """Commit the last batch, close the run with its status (from the close `reason`)
        and counts, then the archive. Runs after every item has gone through the
        pipelines."""
        if self.archive is None or self.run_id is None:
            return
        from twisted.internet import reactor

        if self._flusher is not None and self._flusher.running:
            self._flusher.stop()
        if self._shutdown_trigger is not None:
            reactor.removeSystemEventTrigger(self._shutdown_trigger)
            self._shutdown_trigger = None
        shapes = getattr(self.crawler.spider, "shapes", None)
        if shapes is not None:
            self._write("url_shapes", lambda: self._save_shapes(shapes))
        self.flush()
        counts = self._counts()
        status, error = run_status(self._facts(reason, counts))
        complete = status == "ok" and reason == "finished"
        try:
            self.archive.finish_run(self.run_id, status, counts, error, complete=complete)
        except sqlite3.Error as failure:
            print(
                f"newsarchive: the end of run {self.run_id} could not be recorded: {failure}",
                file=sys.stderr,
            )
        logger.info("Crawl run %s %s: %s", self.run_id, status, counts)
        self._release()

    def _reactor_stopping(self) -> None:
        """The reactor stops before the crawl closed (a second Ctrl-C or SIGTERM): commit
        what is written and record the run as interrupted, with its counts."""
        self._shutdown_trigger = None
        if self.archive is None or self.run_id is None:
            return
        self.flush()
        counts = self._counts()
        try:
            self.archive.finish_run(self.run_id, "interrupted", counts, FORCED_STOP)
        except sqlite3.Error as failure:
            print(
                f"newsarchive: the end of run {self.run_id} could not be recorded: {failure}",
                file=sys.stderr,
            )
        self._release()

    def _release(self) -> None:
        if self._flusher is not None and self._flusher.running:
            self._flusher.stop()
        if self.writer is not None:
            self.writer.release()
        self.writer = None
        self.archive = None

    def _save_shapes(self, shapes: Any) -> None:
        assert self.archive is not None
        self.archive.save_url_shapes(self._site_name(), shapes.rows(only_changed=True))

    def _counts(self) -> RunCounts:
        stats = self.crawler.stats
        return RunCounts(
            pages_fetched=stats.get_value(stats_keys.RESPONSES, 0)
            - stats.get_value(stats_keys.ROBOTS_RESPONSES, 0),
            articles_new=stats.get_value(stats_keys.ARTICLES_NEW, 0),
            articles_updated=stats.get_value(stats_keys.ARTICLES_UPDATED, 0),
            articles_unchanged=stats.get_value(stats_keys.ARTICLES_UNCHANGED, 0),
            articles_not_modified=stats.get_value(stats_keys.ARTICLES_NOT_MODIFIED, 0),
            articles_skipped=stats.get_value(stats_keys.SKIPPED_ARTICLES, 0),
            errors=stats.get_value(stats_keys.ERRORS, 0)
            + stats.get_value(stats_keys.STORAGE_ERRORS, 0),
            listing_pages=stats.get_value(stats_keys.LISTING_PAGES, 0),
            feed_pages=stats.get_value(stats_keys.FEEDS, 0),
            sitemap_pages=stats.get_value(stats_keys.SITEMAPS, 0),
            bytes_received=stats.get_value(stats_keys.RESPONSE_BYTES, 0),
            requests=stats.get_value(stats_keys.REQUESTS, 0),
            known_pages_skipped=stats.get_value(stats_keys.KNOWN_PAGES_SKIPPED, 0),
            duplicates=stats.get_value(stats_keys.DUPLICATES, 0),
            errors_by_kind=self.archive.errors_by_kind(self.run_id),
        )

    def _facts(self, reason: str, counts: RunCounts) -> RunFacts:
        """What the run's status is worked out from (`pipelines.run_status`)."""
        stats = self.crawler.stats
        return RunFacts(
            reason=reason,
            counts=counts,
            pages_read=sum(stats.get_value(stats_keys.pages(kind), 0) for kind in PageKind),
            cut_short=budget_warning(reason, stats, self.crawler.settings),
            first_error=self._first_error(),
            first_wall=self._first_error("wall"),
            unwritten=tuple(self.storage_errors),
        )

    def _site_name(self) -> str:
        site = getattr(self.crawler.spider, "site", None)
        return site.name if site else self.crawler.spider.name

    def _first_error(self, kind: str | None = None) -> tuple[str, str, str] | None:
        """URL, kind and message of the run's first error (of `kind`, if given), if any."""
        assert self.archive is not None
        return self.archive.db.execute(
            "SELECT url, kind, message FROM crawl_errors WHERE crawl_run_id = ?"
            " AND (? IS NULL OR kind = ?) ORDER BY id LIMIT 1",
            [self.run_id, kind, kind],
        ).fetchone()


def _remembered_error_kind(error: CrawlError) -> str | None:
    """What a failed page is remembered as in `fetched_urls`, so later runs do not fetch
    it again: a page with no article text is "rejected", one that is gone (404, 410) is
    "gone"; other failures may be passing, and are not remembered."""
    if error.kind == "extraction":
        return "rejected"
    if error.kind == "http" and error.status in (404, 410):
        return "gone"
    return None
