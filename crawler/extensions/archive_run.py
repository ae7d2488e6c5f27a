"""The crawl's archive and its run: opened once per crawl, shared by the components.

`ArchiveRun` is a Scrapy extension (in `EXTENSIONS`). The components that need the
archive (the extract stage for the learned boilerplate, the store stage, the incremental
middleware) ask it for the archive with `ArchiveRun.of(crawler).open()`; the first to ask
opens it (the process's one `ArchiveWriter` of that file), closes the site's runs that a
killed crawl left `running`, and starts this crawl's `crawl_runs` row. Its id is the
run's `run_id` (and the `RUN_ID` stat, which the runner reports). Only the store stage
writes items; reads go through the same connection (they see the open batch).

When the spider closes (after the item pipelines, so after every item is through them
and the store stage wrote the URL shapes the spider learned), the run commits the last
batch and finishes its row: counts from the crawl's stats, status from
`pipelines.archive.run_status`. When the reactor stops before the crawl could close (a second
Ctrl-C, SIGTERM), it commits what is written and records the run as interrupted.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from crawler import stats_keys
from crawler.limits import budget_warning
from crawler.pages.classify import PageKind
from pipelines.archive import Archive, RunCounts
from pipelines.archive.run_status import RunFacts, run_status
from pipelines.archive.writer import ArchiveWriter

logger = logging.getLogger(__name__)

# The error of a run whose reactor stopped before the crawl could close.
FORCED_STOP = "crawl stopped at once (a second Ctrl-C or SIGTERM, or a stop that hung)"


class ArchiveRun:
    """The crawl's archive (opened on first use, once) and its `crawl_runs` row."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.db_path: str = crawler.settings.get("ARCHIVE_DB")
        self.writer: ArchiveWriter | None = None
        self.run_id: int | None = None
        self.unwritten: list[str] = []  # URLs of the items that could not be written
        self._shutdown_trigger: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveRun:
        """Create the extension; it opens nothing until a component asks for the archive."""
        run = cls(crawler)
        crawler.signals.connect(run.spider_closed, signal=signals.spider_closed)
        return run

    @classmethod
    def of(cls, crawler: Crawler) -> ArchiveRun:
        """The crawl's `ArchiveRun` (the extension Scrapy built for `crawler`)."""
        manager = getattr(crawler, "extensions", None)
        for extension in getattr(manager, "middlewares", ()):
            if isinstance(extension, cls):
                return extension
        raise RuntimeError(
            "crawler.extensions.archive_run.ArchiveRun is not in the crawl's EXTENSIONS: "
            "the stages and middlewares that use the archive need it"
        )

    @property
    def archive(self) -> Archive:
        """The open archive (after `open`)."""
        assert self.writer is not None, "the archive is not open"
        return self.writer.archive

    def open(self) -> ArchiveRun:
        """Open the archive and start the run, the first time; return the run."""
        if self.writer is not None:
            return self
        from twisted.internet import reactor  # the one Scrapy installed

        self.writer = ArchiveWriter.acquire(self.db_path)
        name = self.site_name
        stale = self.archive.close_stale_runs(name)
        if stale:
            logger.warning("%s earlier run(s) of %s had been killed; resuming", stale, name)
        site = getattr(self.crawler.spider, "site", None)
        mode = "backfill" if self.crawler.settings.getbool("NEWS_BACKFILL") else "incremental"
        self.run_id = self.archive.start_run(name, site.start_urls if site else [], mode)
        self.crawler.stats.set_value(stats_keys.RUN_ID, self.run_id)
        logger.info("Crawl run %s started, archiving into %s", self.run_id, self.db_path)
        self._shutdown_trigger = reactor.addSystemEventTrigger(
            "before", "shutdown", self._reactor_stopping
        )
        return self

    @property
    def site_name(self) -> str:
        """The name of the site the crawl archives (the spider's name without one)."""
        site = getattr(self.crawler.spider, "site", None)
        return site.name if site else self.crawler.spider.name

    def lost(self, items: list[tuple[str, str | None]], error: sqlite3.Error) -> None:
        """Report items that could not be written: a log line, and a `storage` error row
        each (on stderr if even those cannot be written); the run will not end `ok`."""
        assert self.run_id is not None
        message = f"could not be written to the archive: {type(error).__name__}: {error}"
        logger.error("%s item(s) %s", len(items), message)
        self.unwritten.extend(url for url, _ in items)
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
        """Commit the last batch and finish the run with its counts and status (from the
        close `reason`); then release the archive."""
        if self.writer is None or self.run_id is None:
            return
        self.writer.flush()
        counts = self.counts()
        status, error = run_status(self._facts(reason, counts))
        complete = status == "ok" and reason == "finished"
        self._finish(status, counts, error, complete)
        logger.info("Crawl run %s %s: %s", self.run_id, status, counts)
        self._release()

    def _reactor_stopping(self) -> None:
        """The reactor stops before the crawl closed (a second Ctrl-C or SIGTERM): commit
        what is written and record the run as interrupted, with its counts."""
        self._shutdown_trigger = None
        if self.writer is None or self.run_id is None:
            return
        self.writer.flush()
        self._finish("interrupted", self.counts(), FORCED_STOP)
        self._release()

    def _finish(
        self, status: str, counts: RunCounts, error: str | None, complete: bool = False
    ) -> None:
        assert self.run_id is not None
        try:
            self.archive.finish_run(self.run_id, status, counts, error, complete=complete)
        except sqlite3.Error as failure:
            print(
                f"newsarchive: the end of run {self.run_id} could not be recorded: {failure}",
                file=sys.stderr,
            )

    def _forget_shutdown_trigger(self) -> None:
        from twisted.internet import reactor

        if self._shutdown_trigger is not None:
            reactor.removeSystemEventTrigger(self._shutdown_trigger)
            self._shutdown_trigger = None

    def _release(self) -> None:
        self._forget_shutdown_trigger()
        if self.writer is not None:
            self.writer.release()
        self.writer = None

    def counts(self) -> RunCounts:
        """The run's counts so far, from the crawl's stats and its error rows."""
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
            errors_by_kind=self._errors_by_kind(),
        )

    def _errors_by_kind(self) -> dict[str, int]:
        assert self.run_id is not None
        return self.archive.errors_by_kind(self.run_id)

    def pages_read(self) -> int:
        """How many pages the spider read (of any kind)."""
        stats = self.crawler.stats
        return sum(stats.get_value(stats_keys.pages(kind), 0) for kind in PageKind)

    def cut_short(self, reason: str) -> str | None:
        """The warning of a crawl its budget ended (`crawler.middlewares.budget`), if it did."""
        return budget_warning(reason, self.crawler.stats, self.crawler.settings)

    def _facts(self, reason: str, counts: RunCounts) -> RunFacts:
        """What the run's status is worked out from (`pipelines.archive.run_status`)."""
        return RunFacts(
            reason=reason,
            counts=counts,
            pages_read=self.pages_read(),
            cut_short=self.cut_short(reason),
            first_error=self._first_error(),
            first_wall=self._first_error("wall"),
            unwritten=tuple(self.unwritten),
        )

    def _first_error(self, kind: str | None = None) -> tuple[str, str, str] | None:
        """URL, kind and message of the run's first error (of `kind`, if given), if any."""
        assert self.run_id is not None
        return self.archive.first_error(self.run_id, kind)
