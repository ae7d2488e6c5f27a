"""scrapy-redis's scheduler and duplicate filter, per site, losing no request to a
killed worker.

`SharedScheduler` is scrapy-redis's `Scheduler` with the site's keys (`keys.requests`,
`keys.seen`), the project's request fingerprints (`StoryFingerprinter`: variants of one
story's URL are one request), and one addition scrapy-redis lacks: a worker that takes a
request from the shared queue moves it, atomically, into its own in-flight hash
(`keys.inflight`), and removes it from there only once Scrapy is done with it (its
response parsed and its items through the pipelines, so its article is in the stream).
When a worker dies, its heartbeat expires and another worker puts its in-flight requests
back into the queue (`reclaim_dead`): they are fetched again, not lost.
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Any

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.scheduler import Scheduler

from crawler import stats_keys
from crawler.distributed import keys
from crawler.distributed.signals import UNREACHABLE_ERRORS, report_unreachable

__all__ = ["SharedDupeFilter", "SharedScheduler"]

logger = logging.getLogger(__name__)

# Take the best request of the queue (a sorted set, lowest score first, as scrapy-redis
# orders it) into the worker's in-flight hash (request -> score), in one step.
_TAKE = """
local taken = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #taken == 0 then return false end
redis.call('ZREM', KEYS[1], taken[1])
redis.call('HSET', KEYS[2], taken[1], taken[2])
return taken[1]
"""
# Put every request of an in-flight hash back into the queue, with its score; drop the hash.
_RETURN_ALL = """
local taken = redis.call('HGETALL', KEYS[1])
for i = 1, #taken, 2 do redis.call('ZADD', KEYS[2], taken[i + 1], taken[i]) end
redis.call('DEL', KEYS[1])
return #taken / 2
"""


class SharedDupeFilter(RFPDupeFilter):
    """scrapy-redis's duplicate filter with the crawl's own request fingerprints."""

    def __init__(self, server: Any, key: str, crawler: Crawler) -> None:
        super().__init__(server, key)
        self.fingerprinter = crawler.request_fingerprinter

    def request_fingerprint(self, request: Request) -> str:
        """The request's fingerprint as the crawl computes it (`StoryFingerprinter`)."""
        return self.fingerprinter.fingerprint(request).hex()


class SharedScheduler(Scheduler):
    """The site's share of a distributed crawl's queue (see the module's docstring)."""

    crawler: Crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        """The scheduler of a worker's crawler (scrapy-redis reads `REDIS_URL`)."""
        scheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.worker = crawler.settings.get("NEWS_WORKER_NAME")
        return scheduler

    def open(self, spider: Spider) -> Any:
        """Open the site's queue and seen-set."""
        site = spider.site.name  # type: ignore[attr-defined]
        self.queue_key = keys.requests(site)
        self.df = SharedDupeFilter(self.server, keys.seen(site), self.crawler)
        self.inflight_key = keys.inflight(site, self.worker)
        self.inflight_pattern = keys.inflight_pattern(site)
        self.taken: dict[Request, bytes] = {}  # request -> its encoded form in the hash
        self.handed: deque[Request] = deque()  # taken, handed to the engine, not yet out
        self._handing: Request | None = None
        self._take = self.server.register_script(_TAKE)
        self._return_all = self.server.register_script(_RETURN_ALL)
        super().open(spider)
        # What a killed worker left in its hash goes back to the queue once its heartbeat
        # expires (`reclaim_dead`); a hash of this very name (a killed worker whose
        # process id this one reuses) goes back now.
        self._return_all(keys=[self.inflight_key, self.queue.key])

    def close(self, reason: str) -> None:
        """Return what this worker still holds to the queue (nothing, after a crawl that
        finished); the queue and seen-set persist for the other workers."""
        try:
            self.forget_finished(self.engine_in_progress())
            self._return_all(keys=[self.inflight_key, self.queue.key])
        except UNREACHABLE_ERRORS as error:  # they stay in the hash (module docstring)
            report_unreachable(self.crawler, error)
        super().close(reason)

    def has_pending_requests(self) -> bool:
        """True while the shared queue, or this worker's hand-back, holds requests
        (False once Redis is unreachable: the worker stops)."""
        if self.handed:
            return True
        try:
            return len(self) > 0
        except UNREACHABLE_ERRORS as error:
            report_unreachable(self.crawler, error)
            return False

    def enqueue_request(self, request: Request) -> bool:
        """Push `request` to the shared queue (unless seen); a request this worker took
        and hands to its engine (`hand_to_engine`) stays here. False when Redis is
        unreachable (reported: the worker stops)."""
        try:
            return self._enqueue(request)
        except UNREACHABLE_ERRORS as error:
            report_unreachable(self.crawler, error)
            return False

    def _enqueue(self, request: Request) -> bool:
        if request is self._handing:
            self.handed.append(request)
            return True
        if not request.dont_filter and self.df.request_seen(request):
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value(stats_keys.SCHEDULER_ENQUEUED)
        self.queue.push(request)
        return True

    def next_request(self) -> Request | None:
        """The next request: one handed to the engine, else one taken from the queue."""
        if self.handed:
            return self.handed.popleft()
        try:
            return self.take()
        except UNREACHABLE_ERRORS as error:
            report_unreachable(self.crawler, error)
            return None

    def take(self) -> Request | None:
        """Move the queue's best request into this worker's in-flight hash; return it."""
        encoded = self._take(keys=[self.queue.key, self.inflight_key])
        if not encoded:
            return None
        request = self.queue._decode_request(encoded)
        self.taken[request] = encoded
        if self.stats:
            self.stats.inc_value(stats_keys.SCHEDULER_DEQUEUED)
        return request

    def hand_to_engine(self) -> bool:
        """Take a request and give it to the engine now (`engine.crawl`), rather than at
        its next heartbeat (every 5 s when idle): a worker that ran dry starts on new
        requests at once. False if the queue is empty."""
        request = self.take()
        if request is None:
            return False
        self._handing = request
        try:
            self.crawler.engine.crawl(request)
        finally:
            self._handing = None
        return True

    def engine_in_progress(self) -> set[Request] | None:
        """The requests Scrapy's engine is working on (its slot's `inprogress`: a request
        leaves it once its response is parsed and its items are through the pipelines);
        None if this Scrapy does not say."""
        slot = getattr(self.crawler.engine, "_slot", None)
        in_progress = getattr(slot, "inprogress", None)
        return in_progress if isinstance(in_progress, set) else None

    def forget_finished(self, in_progress: set[Request] | None) -> int:
        """Remove from the in-flight hash the requests Scrapy is done with (those not
        `in_progress`, nor waiting here); return how many. With None (Scrapy's engine
        does not say), nothing is removed until the crawl closes."""
        if in_progress is None:
            return 0
        waiting = set(self.handed)
        done = [r for r in self.taken if r not in in_progress and r not in waiting]
        if done:
            self.server.hdel(self.inflight_key, *(self.taken.pop(r) for r in done))
        return len(done)

    def reclaim_dead(self, is_alive: Any) -> int:
        """Put back into the queue the in-flight requests of the site's workers that
        `is_alive(worker)` says are dead; return how many."""
        returned = 0
        prefix = self.inflight_pattern[:-1]
        for key in self.server.scan_iter(match=self.inflight_pattern):
            name = (key.decode() if isinstance(key, bytes) else key)[len(prefix) :]
            if name != self.worker and not is_alive(name):
                count = int(self._return_all(keys=[key, self.queue.key]))
                if count:
                    logger.warning(
                        "Worker %s stopped with %s request(s) in hand: back in the queue",
                        name,
                        count,
                    )
                returned += count
        return returned

    def inflight_anywhere(self) -> int:
        """How many requests of the site the workers (this one included) have in hand."""
        return sum(
            self.server.hlen(key) for key in self.server.scan_iter(match=self.inflight_pattern)
        )
