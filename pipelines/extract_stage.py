"""The extract stage: turns each `ArticlePage` into an `Article` (or a `CrawlError`).

Pages are extracted in worker processes (`crawler.extraction_pool`, `EXTRACT_WORKERS`
of them, one per core by default; 0: inline), so the crawl goes on downloading meanwhile:
`process_item` is a coroutine that awaits the page's extraction. Scrapy
keeps a response "active" until its items are through the pipelines, and stops starting
downloads while the active responses exceed `SCRAPER_SLOT_MAX_ACTIVE_SIZE`: the pages
waiting for a worker are bounded by that.

Learned boilerplate stays in this process: each extracted page's text blocks are counted
for its site in memory (`pipelines.extraction.site_blocks.BlockLearner`), the blocks learned as the
site's boilerplate are dropped, and the page's blocks go on with the `Article` for the
store stage to write with its batch.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from typing import Any

from scrapy.crawler import Crawler
from scrapy.utils.defer import maybe_deferred_to_future

from crawler import stats_keys
from crawler.extensions.archive_run import ArchiveRun
from crawler.items import Article, ArticlePage, CrawlError
from pipelines.extraction.site_blocks import BlockLearner, LearningSettings

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Runs `extract_article` on article pages; other items pass through unchanged."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.selectors: tuple[str, ...] = ()
        self.learning = LearningSettings.from_settings(crawler.settings)
        self.learner: BlockLearner | None = None
        self.pool: Any = None  # an ExtractionPool, made when the spider opens
        self._shutdown_trigger: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        """Create the stage for a crawler."""
        return cls(crawler)

    def open_spider(self) -> None:
        """Take the site's extra boilerplate selectors from the spider's site, if it has one,
        start the extraction workers, and read the site's block statistics."""
        # Imported here: trafilatura takes a noticeable part of the start-up of a command.
        from crawler.extraction_pool import ExtractionPool

        site = getattr(self.crawler.spider, "site", None)
        if site is not None:
            self.selectors = tuple(site.boilerplate_selectors)
        from twisted.internet import reactor  # the one Scrapy installed

        self.pool = ExtractionPool.for_crawler(self.crawler)  # the spider reads pages in it
        # A reactor stopped at once (a second Ctrl-C) stops the workers at once too.
        self._shutdown_trigger = reactor.addSystemEventTrigger(
            "before", "shutdown", self._stop_pool
        )
        if self.learning.enabled:  # the site's block statistics, read from the archive
            archive = ArchiveRun.of(self.crawler).open().archive
            self.learner = BlockLearner(archive, self.learning, write=False)

    def close_spider(self) -> None:
        """Stop the workers (every page in hand is done by now)."""
        from twisted.internet import reactor

        if self._shutdown_trigger is not None:
            reactor.removeSystemEventTrigger(self._shutdown_trigger)
            self._shutdown_trigger = None
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def _stop_pool(self) -> None:
        """The reactor stops before the crawl closed: stop the workers at once."""
        self._shutdown_trigger = None
        if self.pool is not None:
            self.pool.close(wait=False)
            self.pool = None

    async def process_item(self, item: Any) -> Any:
        """Extract an `ArticlePage` into an `Article`, awaiting its worker; a page without
        article text, or whose extraction failed, becomes a `CrawlError`."""
        if not isinstance(item, ArticlePage):
            return item
        from pipelines.extraction import SiteProfile

        if item.extraction is not None and item.extraction[0] == item.url:
            done: Future[Any] = Future()  # extracted where the spider had it read
            done.set_result(item.extraction[1])
            item.extraction = None
            self.crawler.stats.inc_value(stats_keys.EXTRACTED_WHERE_READ)
            return self._finish(item, done)
        # Decoded in the worker with the response's encoding, not a guess.
        future = self.pool.extract(item.body, item.url, SiteProfile(self.selectors), item.encoding)
        if not future.done():  # in a worker: wait in the reactor's thread (one learner)
            from crawler.extraction_pool import in_reactor

            await maybe_deferred_to_future(in_reactor(future).addErrback(lambda _: None))
        return self._finish(item, future)

    def _finish(self, item: ArticlePage, done: Future[Any]) -> Article | CrawlError:
        """The `Article` of a page whose extraction is `done`, or the `CrawlError` of one
        whose extraction found nothing or failed."""
        from crawler.extraction_pool import ExtractionFailed

        try:
            extracted = done.result()
        except ExtractionFailed as error:
            return self._failed(item, str(error))
        except Exception as error:  # one broken page must not stop the crawl
            logger.exception("Extraction of %s failed", item.url)
            return self._failed(item, f"extraction failed: {type(error).__name__}: {error}")
        if extracted is None:
            self.crawler.stats.inc_value(stats_keys.EXTRACT_FAILED)
            logger.warning("No article text extracted from %s", item.url)
            return CrawlError(
                url=item.url,
                kind="extraction",
                status=item.status,
                message="no article text found in the page",
                found_via=item.found_via,
            )
        blocks = None
        if self.learner is not None:
            blocks = self.learner.learn(item.site, item.url, extracted)
            cleaned = self.learner.clean(item.site, extracted)
            if cleaned is not extracted:
                self.crawler.stats.inc_value(stats_keys.LEARNED_BOILERPLATE_REMOVED)
            extracted = cleaned
        self.crawler.stats.inc_value(stats_keys.EXTRACT_OK)
        return Article(page=item, extracted=extracted, blocks=blocks)

    def _failed(self, item: ArticlePage, message: str) -> CrawlError:
        self.crawler.stats.inc_value(stats_keys.EXTRACT_CRASHED)
        logger.error("Extraction of %s failed: %s", item.url, message)
        return CrawlError(
            url=item.url,
            kind="extraction_failed",
            status=item.status,
            message=message,
            found_via=item.found_via,
        )
