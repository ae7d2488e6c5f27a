"""The ship stage of a distributed worker: items go to the writer's Redis stream.

It takes the store stage's place in a worker (`crawler.distributed.worker_settings`):
each `Article`, `NotModified`, `PageVisit` and `CrawlError` becomes an entry of the
stream `newsarchive:items` (`crawler/distributed/item_codec.py`), tagged with the worker's run,
which the writer (`newsarchive ingest`, `pipelines/ingest.py`) stores with the same code
as a local crawl. While more than `REDIS_MAX_WAITING` entries wait for the writer (it is
stopped, or slower than the workers), the stage waits: Scrapy starts no new downloads
meanwhile, and Redis's memory stays bounded (the stream's length is read every
`WAIT_SECONDS`, so it may pass the bound by the items of that half second). Items are
encoded and sent in the reactor's thread pool, so that the crawl does not wait on them.
When Redis is unreachable, the item is dropped and the worker stops
(`crawler/distributed/signals.py`): its request stays in the worker's in-flight hash, to
be fetched again.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet import task, threads

from crawler import stats_keys
from crawler.distributed import keys
from crawler.distributed.item_codec import encode_item
from crawler.distributed.signals import UNREACHABLE_ERRORS, report_unreachable
from crawler.items import Article, CrawlError, NotModified, PageVisit

__all__ = ["ShipPipeline"]

logger = logging.getLogger(__name__)

WAIT_SECONDS = 0.5


class ShipPipeline:
    """Adds every archive item to the writer's stream (see the module's docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.max_waiting = crawler.settings.getint("REDIS_MAX_WAITING")
        self.run: Any = None  # the crawl's WorkerRun
        self._waiting_said = False
        self._length_read = -WAIT_SECONDS  # when the stream's length was last read

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ShipPipeline:
        """Create the stage for a worker's crawler."""
        return cls(crawler)

    def open_spider(self) -> None:
        """Take the worker's run (announcing it to the writer if no component did)."""
        from crawler.distributed.worker import WorkerRun

        run = WorkerRun.of(self.crawler).open()
        assert isinstance(run, WorkerRun)
        self.run = run

    async def process_item(self, item: Any) -> Any:
        """Ship an archive item to the stream; the records of other pages end here."""
        if not isinstance(item, Article | NotModified | PageVisit | CrawlError):
            return item
        try:
            await self._ship(item)
        except UNREACHABLE_ERRORS as error:  # its request stays in the worker's hands
            report_unreachable(self.crawler, error)
            raise DropItem(
                f"Redis unreachable: {type(item).__name__} not shipped", log_level="DEBUG"
            ) from error
        self.crawler.stats.inc_value(stats_keys.ITEMS_SHIPPED)
        if isinstance(item, PageVisit | CrawlError):
            raise DropItem(f"{type(item).__name__} shipped: {item.url}", log_level="DEBUG")
        return item

    async def _ship(self, item: Article | NotModified | PageVisit | CrawlError) -> None:
        await self._wait_for_writer()
        # Encoded and sent in a thread of the reactor's pool: zlib and the socket let go of
        # the GIL, so the crawl goes on meanwhile (entries of one run need no order).
        await maybe_deferred_to_future(threads.deferToThread(self._send, item))

    def _send(self, item: Article | NotModified | PageVisit | CrawlError) -> None:
        data = encode_item(item)
        self.run.server.xadd(keys.ITEMS, {"kind": "item", "run": self.run.worker_run, "data": data})

    async def _wait_for_writer(self) -> None:
        """Wait while more than `REDIS_MAX_WAITING` entries wait for the writer (the
        stream's length read at most every `WAIT_SECONDS`, not for every item)."""
        if self.max_waiting <= 0 or time.monotonic() - self._length_read < WAIT_SECONDS:
            return
        server = self.run.server
        while server.xlen(keys.ITEMS) > self.max_waiting:
            if not self._waiting_said:
                logger.warning(
                    "More than %s items wait for the writer (is `newsarchive ingest` running?):"
                    " waiting",
                    self.max_waiting,
                )
                self._waiting_said = True
            self.crawler.stats.inc_value(stats_keys.WAITS_FOR_WRITER)
            await maybe_deferred_to_future(_sleep(WAIT_SECONDS))
        self._waiting_said = False
        self._length_read = time.monotonic()


def _sleep(seconds: float) -> Any:
    from twisted.internet import reactor

    return task.deferLater(reactor, seconds, lambda: None)
