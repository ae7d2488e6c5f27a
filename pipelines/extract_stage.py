"""The extract stage: turns each `ArticlePage` into an `Article` (or a `CrawlError`).

Each extracted page's text blocks are counted for its site in the archive, and the
blocks learned as the site's boilerplate are dropped (see `pipelines.site_blocks`).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler

from crawler.items import Article, ArticlePage, CrawlError
from pipelines.archive import Archive
from pipelines.site_blocks import BlockLearner, LearningSettings

logger = logging.getLogger(__name__)


class ExtractPipeline:
    """Runs `extract_article` on article pages; other items pass through unchanged."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.selectors: tuple[str, ...] = ()
        self.learning = LearningSettings.from_settings(crawler.settings)
        self.archive: Archive | None = None
        self.learner: BlockLearner | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        """Create the stage for a crawler."""
        return cls(crawler)

    def open_spider(self) -> None:
        """Take the site's extra boilerplate selectors from the spider's site, if it has one,
        and open the archive that keeps the block statistics."""
        site = getattr(self.crawler.spider, "site", None)
        if site is not None:
            self.selectors = tuple(site.boilerplate_selectors)
        if self.learning.enabled:
            self.archive = Archive.open(self.crawler.settings.get("ARCHIVE_DB"))
            self.learner = BlockLearner(self.archive, self.learning)

    def close_spider(self) -> None:
        """Close the archive."""
        if self.archive is not None:
            self.archive.close()
            self.archive = None

    def process_item(self, item: Any) -> Any:
        """Extract an `ArticlePage`; a page without article text becomes a `CrawlError`."""
        if not isinstance(item, ArticlePage):
            return item
        # Imported on the first article page: trafilatura takes a noticeable part of a
        # scheduled run's start-up, and a run that finds nothing new never needs it.
        from pipelines.extraction import SiteProfile, extract_article

        extracted = extract_article(item.body, item.url, SiteProfile(self.selectors))
        if extracted is None:
            self.crawler.stats.inc_value("extract/failed")
            logger.warning("No article text extracted from %s", item.url)
            return CrawlError(
                url=item.url,
                kind="extraction",
                status=item.status,
                message="no article text found in the page",
                found_via=item.found_via,
            )
        if self.learner is not None:
            cleaned = self.learner.learn_and_clean(item.site, item.url, extracted)
            if cleaned is not extracted:
                self.crawler.stats.inc_value("extract/learned_boilerplate_removed")
            extracted = cleaned
        self.crawler.stats.inc_value("extract/ok")
        return Article(page=item, extracted=extracted)
