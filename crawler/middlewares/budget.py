"""The per-site crawl budget: how many responses and requests one run may spend on a site.

`CrawlBudget` is a downloader middleware (each site has its own crawler, so its counts
are the site's). Once a run has received `NEWS_MAX_PAGES` responses (robots.txt aside)
or made `NEWS_MAX_REQUESTS` requests, it refuses every further download and closes the
spider with reason "budget_pages" or "budget_requests". Downloads under way count
against the page budget, so a run never receives more pages than it allows.

Why a run stopped short of its site is `crawler.limits.budget_warning`.
"""

from __future__ import annotations

import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.defer import deferred_from_coro

from crawler import stats_keys
from crawler.limits import BUDGET_PAGES, BUDGET_REQUESTS, limit_text

__all__ = ["CrawlBudget"]

logger = logging.getLogger(__name__)

_COUNTED = "budget_counted"  # request meta: counted by the budget, not yet answered


class CrawlBudget:
    """Downloader middleware, after robots.txt and before Scrapy's download stats
    (850): counts the site's requests and responses, refuses downloads past the budget
    (`IgnoreRequest`) and closes the spider when the budget is spent."""

    def __init__(self, crawler: Crawler, max_pages: int, max_requests: int) -> None:
        self.crawler = crawler
        self.max_pages = max_pages
        self.max_requests = max_requests
        self.requests = 0
        self.pages = 0
        self.pages_pending = 0  # page requests sent and not answered yet
        self.spent: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlBudget:
        """Create the middleware with `NEWS_MAX_PAGES` and `NEWS_MAX_REQUESTS` (0: no
        limit; with neither, it is not installed)."""
        max_pages = crawler.settings.getint("NEWS_MAX_PAGES")
        max_requests = crawler.settings.getint("NEWS_MAX_REQUESTS")
        if not max_pages and not max_requests:
            raise NotConfigured
        return cls(crawler, max_pages, max_requests)

    def process_request(self, request: Request) -> None:
        """Count `request`, or refuse it if the budget is spent (once spent, it stays so:
        the spider is closing)."""
        reason = self.spent or self._exhausted()
        if reason:
            self._stop(reason)
            self.crawler.stats.inc_value(stats_keys.BUDGET_REQUESTS_REFUSED)
            raise IgnoreRequest(f"crawl budget spent ({reason})")
        self.requests += 1
        request.meta[_COUNTED] = True
        if _is_page(request):
            self.pages_pending += 1

    def process_response(self, request: Request, response: Response) -> Response:
        """Count the response of a counted request."""
        if self._answered(request) and _is_page(request):
            self.pages += 1
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        """A counted request that failed is no longer pending."""
        self._answered(request)

    def _answered(self, request: Request) -> bool:
        if not request.meta.pop(_COUNTED, False):
            return False
        if _is_page(request):
            self.pages_pending -= 1
        return True

    def _exhausted(self) -> str | None:
        if self.max_requests and self.requests >= self.max_requests:
            return BUDGET_REQUESTS
        if self.max_pages and self.pages + self.pages_pending >= self.max_pages:
            return BUDGET_PAGES
        return None

    def _stop(self, reason: str) -> None:
        """Close the spider, once, saying which budget ran out."""
        if self.spent is not None:
            return
        self.spent = reason
        self.crawler.stats.set_value(stats_keys.BUDGET_SPENT, reason)
        logger.warning(
            "Crawl budget spent after %s responses and %s requests (%s): "
            "no further page of this site is fetched in this run",
            self.pages + self.pages_pending,
            self.requests,
            limit_text(reason, self.crawler.settings),
        )
        deferred_from_coro(self.crawler.engine.close_spider_async(reason=reason))


def _is_page(request: Request) -> bool:
    """A request of the site's pages, not one of robots.txt that Scrapy makes itself
    (which the run's `pages_fetched` does not count either)."""
    return not request.meta.get("dont_obey_robotstxt")
