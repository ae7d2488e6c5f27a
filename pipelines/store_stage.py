"""The store stage: writes articles and errors to the archive and keeps the crawl log.

Opens the archive named by the `ARCHIVE_DB` setting when the spider opens, records a
`crawl_runs` row for the run, remembers every fetched page in `fetched_urls` (articles,
the `PageVisit` of other pages, pages without article text, pages gone), stores the URL
shapes the spider learned, and closes the run with its status and counts.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.classify import PageKind
from crawler.items import Article, CrawlError, NotModified, PageVisit
from pipelines.archive import Archive, RunCounts

logger = logging.getLogger(__name__)

# Close reasons of a run that did not end by itself.
_INTERRUPTED_REASONS = frozenset({"shutdown", "cancelled"})


class StorePipeline:
    """Archives `Article` items and records `CrawlError` items; one run row per crawl."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.archive: Archive | None = None
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        """Create the stage with the archive path of the `ARCHIVE_DB` setting."""
        pipeline = cls(crawler, crawler.settings.get("ARCHIVE_DB"))
        crawler.signals.connect(pipeline.spider_closed, signal=signals.spider_closed)
        return pipeline

    def open_spider(self) -> None:
        """Open the archive and start the run's `crawl_runs` row."""
        self.archive = Archive.open(self.db_path)
        site = getattr(self.crawler.spider, "site", None)
        name = self._site_name()
        stale = self.archive.close_stale_runs(name)
        if stale:
            logger.warning("%s earlier run(s) of %s had been killed; resuming", stale, name)
        mode = "backfill" if self.crawler.settings.getbool("NEWS_BACKFILL") else "incremental"
        self.run_id = self.archive.start_run(name, site.start_urls if site else [], mode)
        self.crawler.stats.set_value("archive/run_id", self.run_id)
        logger.info("Crawl run %s started, archiving into %s", self.run_id, self.db_path)

    def process_item(self, item: Any) -> Any:
        """Store an article (counting new / updated / unchanged) or record an error."""
        assert self.archive is not None and self.run_id is not None
        if isinstance(item, PageVisit):
            self.archive.record_fetch(
                item.site, item.url, item.kind, item.status, self.run_id, item.template
            )
            raise DropItem(f"{item.kind} page recorded: {item.url}", log_level="DEBUG")
        if isinstance(item, CrawlError):
            self.archive.record_error(
                self.run_id, item.url, item.kind, item.message, item.status, item.found_via
            )
            remembered = _remembered_error_kind(item)
            if remembered is not None:
                self.archive.record_fetch(
                    self._site_name(), item.url, remembered, item.status, self.run_id
                )
            self.crawler.stats.inc_value("archive/errors")
            raise DropItem(f"{item.kind} error recorded for {item.url}", log_level="DEBUG")
        if isinstance(item, Article):
            outcome = self.archive.store_article(item.page, item.extracted, self.run_id)
            self.crawler.stats.inc_value(f"archive/articles_{outcome}")
        elif isinstance(item, NotModified) and self.archive.mark_not_modified(
            item.url, item.fetched_at, self.run_id
        ):
            self.crawler.stats.inc_value("archive/articles_not_modified")
        return item

    def spider_closed(self, reason: str) -> None:
        """Close the run with its status (from the close `reason`) and counts, then the
        archive. Runs after every item has gone through the pipelines."""
        if self.archive is None or self.run_id is None:
            return
        shapes = getattr(self.crawler.spider, "shapes", None)
        if shapes is not None:
            self.archive.save_url_shapes(self._site_name(), shapes.rows(only_changed=True))
        counts = self._counts()
        status, error = self._run_status(reason, counts)
        complete = status == "ok" and reason == "finished"
        self.archive.finish_run(self.run_id, status, counts, error, complete=complete)
        logger.info("Crawl run %s %s: %s", self.run_id, status, counts)
        self.archive.close()
        self.archive = None

    def _counts(self) -> RunCounts:
        stats = self.crawler.stats
        return RunCounts(
            pages_fetched=stats.get_value("downloader/response_count", 0)
            - stats.get_value("robotstxt/response_count", 0),
            articles_new=stats.get_value("archive/articles_new", 0),
            articles_updated=stats.get_value("archive/articles_updated", 0),
            articles_unchanged=stats.get_value("archive/articles_unchanged", 0),
            articles_not_modified=stats.get_value("archive/articles_not_modified", 0),
            articles_skipped=stats.get_value("incremental/skipped", 0),
            errors=stats.get_value("archive/errors", 0),
            listing_pages=stats.get_value(f"news/pages/{PageKind.LISTING}", 0),
            feed_pages=stats.get_value("news/feeds", 0),
            sitemap_pages=stats.get_value("news/sitemaps", 0),
            bytes_received=stats.get_value("downloader/response_bytes", 0),
            requests=stats.get_value("downloader/request_count", 0),
            known_pages_skipped=stats.get_value("incremental/known_pages_skipped", 0),
            duplicates=stats.get_value("news/duplicates", 0),
            errors_by_kind=self.archive.errors_by_kind(self.run_id),
        )

    def _run_status(self, reason: str, counts: RunCounts) -> tuple[str, str | None]:
        if reason in _INTERRUPTED_REASONS:
            return "interrupted", f"crawl stopped before the end ({reason})"
        walls = counts.errors_by_kind.get("wall", 0)
        if counts.errors and not self._any_page_parsed() and not walls:
            url, kind, message = self._first_error()
            what = "no page could be fetched" if kind == "http" else "site unreachable"
            return "failed", f"{what}: {url}: {message}"
        if walls:
            url, _, message = self._first_error("wall")
            return "warning", f"{walls} page(s) were not the site's pages but a {message}: {url}"
        articles = (
            counts.articles_new
            + counts.articles_updated
            + counts.articles_unchanged
            + counts.articles_not_modified
            + counts.articles_skipped
            + counts.errors_by_kind.get("extraction", 0)
        )
        if not articles and reason == "finished":
            return "warning", "no article found: the start pages, feeds and sitemaps led to none"
        return "ok", None

    def _site_name(self) -> str:
        site = getattr(self.crawler.spider, "site", None)
        return site.name if site else self.crawler.spider.name

    def _first_error(self, kind: str | None = None) -> tuple[str, str, str]:
        """URL, kind and message of the run's first error (of `kind`, if given)."""
        assert self.archive is not None
        return self.archive.db.execute(
            "SELECT url, kind, message FROM crawl_errors WHERE crawl_run_id = ?"
            " AND (? IS NULL OR kind = ?) ORDER BY id LIMIT 1",
            [self.run_id, kind, kind],
        ).fetchone()

    def _any_page_parsed(self) -> bool:
        """True if the spider got at least one page of the site it could read."""
        stats = self.crawler.stats
        return any(stats.get_value(f"news/pages/{kind}", 0) for kind in PageKind)


def _remembered_error_kind(error: CrawlError) -> str | None:
    """What a failed page is remembered as in `fetched_urls`, so later runs do not fetch
    it again: a page with no article text is "rejected", one that is gone (404, 410) is
    "gone"; other failures may be passing, and are not remembered."""
    if error.kind == "extraction":
        return "rejected"
    if error.kind == "http" and error.status in (404, 410):
        return "gone"
    return None
