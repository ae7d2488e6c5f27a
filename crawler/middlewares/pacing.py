"""Reading a sitemap index a few child sitemaps at a time.

A sitemap index may list thousands of sitemaps of up to 50,000 URLs each: scheduled at
once, their requests and then all their URLs filled the scheduler (and the memory).
`SitemapPacer` is a spider middleware placed after the incremental one (so it only sees
the child sitemaps that are to be read): it lets `at_once` child sitemaps out, keeps the
others, and lets the next one out each time a child sitemap's response has been parsed
(or the crawl has nothing else left to do). The spider marks the child sitemaps of an
index with `meta["sitemap_child"]`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response

from crawler import stats_keys

__all__ = ["MAX_PENDING_SITEMAPS", "SITEMAPS_AT_ONCE", "SitemapPacer"]

logger = logging.getLogger(__name__)

SITEMAPS_AT_ONCE = 2  # child sitemaps out (scheduled or downloading) at a time
MAX_PENDING_SITEMAPS = 50_000  # the most a sitemap index may list, by the protocol
_PACED = "sitemap_paced"  # request meta: a child sitemap let out by the pacer


class SitemapPacer:
    """Keeps child sitemaps back until fewer than `at_once` are out."""

    def __init__(self, crawler: Crawler, at_once: int = SITEMAPS_AT_ONCE) -> None:
        self.crawler = crawler
        self.at_once = at_once
        self.pending: deque[scrapy.Request] = deque()
        self.out = 0
        self.dropped = 0
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SitemapPacer:
        """Create the middleware for a crawler."""
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        """Hold back the child sitemaps among `result`; let out the next ones once a
        child sitemap's response is parsed."""
        if response.meta.get(_PACED):
            self.out = max(0, self.out - 1)
        for output in result:
            if self._hold(output):
                continue
            yield output
        yield from self._release()

    async def process_spider_output_async(
        self, response: Response, result: AsyncIterator[Any]
    ) -> AsyncIterator[Any]:
        """The asynchronous form of `process_spider_output`."""
        if response.meta.get(_PACED):
            self.out = max(0, self.out - 1)
        async for output in result:
            if not self._hold(output):
                yield output
        for request in self._release():
            yield request

    def spider_idle(self) -> None:
        """Nothing else to do (a child sitemap out may have failed): let out the next."""
        self.out = 0
        released = list(self._release())
        if not released:
            return
        for request in released:
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _hold(self, output: Any) -> bool:
        """Keep a child sitemap request back; False for anything else."""
        if not isinstance(output, scrapy.Request) or not output.meta.get("sitemap_child"):
            return False
        if len(self.pending) >= MAX_PENDING_SITEMAPS:
            self.dropped += 1
            self.crawler.stats.inc_value(stats_keys.SITEMAPS_DROPPED)
            if self.dropped == 1:
                logger.warning(
                    "More than %s child sitemaps waiting: %s and later ones are not read",
                    MAX_PENDING_SITEMAPS,
                    output.url,
                )
            return True
        self.pending.append(output)
        return True

    def _release(self) -> Iterator[scrapy.Request]:
        while self.pending and self.out < self.at_once:
            request = self.pending.popleft()
            request.meta[_PACED] = True
            self.out += 1
            self.crawler.stats.inc_value(stats_keys.SITEMAPS_PACED)
            yield request
