"""Incremental crawling: the archive is the crawl state.

`IncrementalMiddleware` is a spider middleware, in the spirit of scrapy-deltafetch but
with the archive itself as its memory. When the spider opens it reads, from the archive,
what is known of the site's articles. Then, for the requests the spider yields:

- an article URL already archived is dropped unless it is due for a revisit (see
  `crawler/middlewares/revisit.py`; a newer sitemap/feed `lastmod` makes it due); a due one is sent
  as a conditional request (If-None-Match / If-Modified-Since), 304 meaning unchanged;
- once a listing page links only to articles already archived, its pagination links are
  dropped, so a scheduled run reads the first pages of each section and stops. A
  `--backfill` run (setting `NEWS_BACKFILL`) pages through everything, and so does a run
  after one that did not finish (killed, interrupted, or stopped by `--max-articles`):
  what it missed may lie deeper;
- in an incremental run, a listing page only leads to the next page, not to pages
  further on that numbered pagination links to;
- a sitemap index's child sitemaps whose `lastmod` is older than the start of the last
  complete run are not fetched again: they list nothing new;
- a page an earlier run fetched and found to be no article and no listing (`other`), a
  variant of an archived story (`duplicate`), without article text (`rejected`) or gone
  (404, 410) is not fetched again (`fetched_urls`), and the site's learned URL shapes
  (`url_shapes`) are handed to the spider.

Because the state is the archive's own committed rows, a crawl killed at any point (even
with SIGKILL) resumes by running it again: nothing stored is fetched again, nothing is
stored twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response

from crawler import stats_keys
from crawler.extensions.archive_run import ArchiveRun
from crawler.middlewares.revisit import RevisitPolicy, is_due, parse_time
from crawler.pages.urls import url_key

__all__ = ["SKIPPED_KINDS", "IncrementalMiddleware"]

# What a page fetched before may have turned out to be that makes fetching it again
# pointless: not an article nor a listing, a variant of an archived story, or gone.
SKIPPED_KINDS = frozenset({"other", "rejected", "duplicate", "gone"})

logger = logging.getLogger(__name__)


class IncrementalMiddleware:
    """Skips archived articles that are not due and known pages that are no articles,
    makes revisits conditional, and stops pagination at the first listing page that holds
    only known articles."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.backfill = crawler.settings.getbool("NEWS_BACKFILL")
        self.default_policy = RevisitPolicy.from_settings(crawler.settings)
        self.known: dict[str, dict[str, Any]] = {}  # archived articles, by url_key
        self.known_pages: dict[str, str] = {}  # url_key -> kind, of pages not archived
        self.skipped_pages: set[str] = set()  # url_keys of known pages not fetched again
        self.early_stop = False
        self.since: datetime | None = None  # start of the last complete run
        self.policy = self.default_policy
        self.skipped: set[str] = set()  # known articles not due: not fetched
        self.revisited: set[str] = set()
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> IncrementalMiddleware:
        """Create the middleware for a crawler."""
        return cls(crawler)

    def spider_opened(self, spider: scrapy.Spider) -> None:
        """Load what the archive knows of the site, and whether pagination may stop early."""
        site = getattr(spider, "site", None)
        if site is None:
            return
        self.policy = self.default_policy.with_overrides(site.revisit)
        run = ArchiveRun.of(self.crawler).open()
        archive = run.archive
        self.known = archive.known_articles(site.name)
        self.known_pages = archive.known_pages(site.name)
        shapes = getattr(spider, "shapes", None)
        if shapes is not None:
            shapes.load(archive.url_shapes(site.name))
        complete_since = archive.previous_complete_run(site.name, run.run_id)
        self.early_stop = complete_since is not None and not self.backfill
        self.since = parse_time(complete_since) if self.early_stop else None
        logger.info(
            "%s articles and %s other pages of %s known; %s",
            len(self.known),
            len(self.known_pages),
            site.name,
            "pagination stops at known pages" if self.early_stop else "paging through listings",
        )

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        """Filter the requests a callback yields (items pass through)."""
        outputs: Iterable[Any] = result
        if response.meta.get("role") in ("listing", "pagination") and self.early_stop:
            outputs = self._limit_pagination(response, list(result))
        for output in outputs:
            if isinstance(output, scrapy.Request):
                role = output.meta.get("role")
                if self._known_non_article(output):
                    output = None
                elif role == "article":
                    output = self._article_request(output)
                elif role == "sitemap" and self._unchanged_sitemap(output):
                    output = None
                if output is None:
                    continue
            yield output

    def _known_non_article(self, request: scrapy.Request) -> bool:
        """True for a page an earlier run fetched and found to be no article and no
        listing (or a variant of an archived story, or gone): not fetched again. Start
        URLs, listings, feeds and sitemaps are always read."""
        if request.dont_filter or request.meta.get("role") in ("feed", "sitemap", "robots"):
            return False
        key = url_key(request.url)
        if self.known_pages.get(key) not in SKIPPED_KINDS:
            return False
        if key not in self.skipped_pages:  # counted once per page, however often linked
            self.skipped_pages.add(key)
            self.crawler.stats.inc_value(stats_keys.KNOWN_PAGES_SKIPPED)
        return True

    def _unchanged_sitemap(self, request: scrapy.Request) -> bool:
        """True for a child sitemap last modified before the last complete run began."""
        lastmod = parse_time(request.meta.get("lastmod"))
        if self.since is None or lastmod is None or lastmod >= self.since:
            return False
        self.crawler.stats.inc_value(stats_keys.SITEMAPS_UNCHANGED)
        return True

    async def process_spider_output_async(self, response: Response, result: Any) -> Any:
        """The asynchronous form of `process_spider_output`."""
        if response.meta.get("role") in ("listing", "pagination") and self.early_stop:
            outputs = [output async for output in result]
            for output in self.process_spider_output(response, outputs):
                yield output
            return
        async for output in result:
            for kept in self.process_spider_output(response, [output]):
                yield kept

    def _article_request(self, request: scrapy.Request) -> scrapy.Request | None:
        """None for a known article that is not due; a conditional request for a due one."""
        url = url_key(request.url)
        known = self.known.get(url)
        if known is None:
            return request
        stats = self.crawler.stats
        if not is_due(known, self.policy, datetime.now(UTC), request.meta.get("lastmod")):
            # Counted once per URL, and not at all if a sitemap or feed makes it due.
            if url not in self.skipped and url not in self.revisited:
                self.skipped.add(url)
                stats.inc_value(stats_keys.SKIPPED_ARTICLES)
            return None
        if url in self.skipped:
            self.skipped.discard(url)
            stats.inc_value(stats_keys.SKIPPED_ARTICLES, -1)
        self.revisited.add(url)
        stats.inc_value(stats_keys.REVISITS)
        headers = {}
        if known.get("etag"):
            headers["If-None-Match"] = known["etag"]
        if known.get("http_last_modified"):
            headers["If-Modified-Since"] = known["http_last_modified"]
        return request.replace(
            headers={**request.headers.to_unicode_dict(), **headers},
            meta={
                **request.meta,
                "handle_httpstatus_list": [304],
                "revisit": True,
                "archived_url": known["url"],  # the URL the article is archived under
            },
        )

    def _limit_pagination(self, response: Response, outputs: list[Any]) -> list[Any]:
        """Drop pagination when every article the listing links to is archived; otherwise
        keep only the link to the next page."""
        articles = [
            o for o in outputs if isinstance(o, scrapy.Request) and o.meta.get("role") == "article"
        ]
        fully_known = bool(articles) and all(url_key(o.url) in self.known for o in articles)
        page = response.meta.get("page", 1)
        kept = []
        for output in outputs:
            if isinstance(output, scrapy.Request) and output.meta.get("role") == "pagination":
                target = output.meta.get("page", 1)
                if fully_known or target > page + 1:
                    self.crawler.stats.inc_value(stats_keys.PAGINATION_STOPPED)
                    continue
            kept.append(output)
        return kept
