"""A worker of a distributed crawl: the `news` spider on scrapy-redis, shipping items.

`worker_settings` turns the crawl's settings into a worker's: scrapy-redis's scheduler and
duplicate filter (`crawler/distributed/scheduler.py`), requests and seen-sets persisted in
Redis, the items shipped to the writer's stream (`pipelines/ship_stage.py`) instead of
stored, no archive and no archive lock. `WorkerRun` takes the place of the crawl's
`ArchiveRun`: the incremental middleware and the extract stage read what the archive knows
from the writer's snapshot (`pipelines/archive/site_knowledge.py`), and the run's start and end go
to the stream for the writer to record in `crawl_runs`, tagged with this worker.

`WorkerRun` also keeps the worker's heartbeat (an expiring key), returns to the queue the
requests of workers whose heartbeat expired, hands requests to an idle engine at once, and
keeps the spider open while the crawl has work anywhere: a worker closes once the site's
queue has been empty, and no worker has held a request of it, for `REDIS_IDLE_SECONDS`.
`SeedStart` lets only the worker that claims a site's seed make its start requests.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any, ClassVar

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from scrapy.settings import Settings
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.task import LoopingCall

from crawler import stats_keys
from crawler.distributed import keys
from crawler.distributed.item_codec import decode_message, encode_message
from crawler.distributed.scheduler import SharedScheduler
from crawler.distributed.signals import REDIS_UNREACHABLE, UNREACHABLE_ERRORS, redis_unreachable
from crawler.extensions.archive_run import FORCED_STOP, ArchiveRun
from pipelines.archive import now_iso, this_worker
from pipelines.archive.site_knowledge import KnowledgeSnapshot

__all__ = ["SeedStart", "WorkerRun", "redis_client", "worker_settings"]

logger = logging.getLogger(__name__)

TICK_SECONDS = 0.5  # how often a worker syncs its in-flight requests and looks for work


def worker_settings(settings: Settings, redis_url: str) -> Settings:
    """`settings` made a worker's of the distributed crawl at `redis_url`."""
    settings.set("REDIS_URL", redis_url, priority="cmdline")
    settings.set("NEWS_WORKER_NAME", this_worker(), priority="cmdline")
    settings.set("SCHEDULER", "crawler.distributed.scheduler.SharedScheduler", priority="cmdline")
    settings.set("SCHEDULER_PERSIST", True, priority="cmdline")
    # Made per site when the scheduler opens (scrapy-redis asks only that it be one of its).
    settings.set(
        "DUPEFILTER_CLASS", "crawler.distributed.scheduler.SharedDupeFilter", priority="cmdline"
    )
    extensions = settings.getdict("EXTENSIONS")
    extensions.update(
        {
            "crawler.extensions.process.ArchiveLockExtension": None,  # the writer holds the lock
            "crawler.extensions.archive_run.ArchiveRun": None,
            "crawler.distributed.worker.WorkerRun": 0,
        }
    )
    settings.set("EXTENSIONS", extensions, priority="cmdline")
    pipelines = settings.getdict("ITEM_PIPELINES")
    pipelines.pop("pipelines.store_stage.StorePipeline", None)
    pipelines["pipelines.ship_stage.ShipPipeline"] = 800
    settings.set("ITEM_PIPELINES", pipelines, priority="cmdline")
    middlewares = settings.getdict("SPIDER_MIDDLEWARES")
    middlewares["crawler.distributed.worker.SeedStart"] = 10
    settings.set("SPIDER_MIDDLEWARES", middlewares, priority="cmdline")
    return settings


def redis_client(url: str) -> Any:
    """A Redis client for `url` (bytes replies), checked with a PING: raises
    `redis.RedisError` with the reason when the server cannot be reached."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=30, socket_connect_timeout=10)
    client.ping()
    return client


class WorkerRun(ArchiveRun):
    """The run of one site in a worker (see the module's docstring)."""

    _heartbeats: ClassVar[dict[str, int]] = {}  # worker -> how many of its crawlers beat

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        url = settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("not a worker of a distributed crawl (no REDIS_URL)")
        self.server = redis_client(url)
        self.worker: str = settings.get("NEWS_WORKER_NAME")
        self.idle_seconds = settings.getfloat("REDIS_IDLE_SECONDS")
        self.worker_timeout = max(settings.getfloat("REDIS_WORKER_TIMEOUT"), 1.0)
        self.snapshot: KnowledgeSnapshot | None = None
        self.worker_run: str | None = None
        self.work_seen = time.monotonic()  # when the crawl last had work
        self._last_beat = 0.0
        self._ticker: LoopingCall | None = None
        self.unreachable: str | None = None  # why Redis could not be reached, once it was not

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WorkerRun:
        """Create the extension of a worker's crawler."""
        run = cls(crawler)
        crawler.signals.connect(run.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(run.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(run.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(run.redis_lost, signal=redis_unreachable)
        return run

    def redis_lost(self, error: Exception) -> None:
        """Redis is unreachable: say so once and close the spider (the crawl cannot go on;
        see `crawler/distributed/signals.py`)."""
        if self.unreachable is not None:
            return
        self.unreachable = str(error)
        self.crawler.stats.set_value(stats_keys.REDIS_ERROR, self.unreachable)
        logger.error(
            "Redis at %s unreachable (%s): the worker stops; the requests it held stay in Redis",
            self.crawler.settings.get("REDIS_URL"),
            error,
        )
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        engine = self.crawler.engine
        if engine is not None and engine.running:
            deferred_from_coro(engine.close_spider_async(reason=REDIS_UNREACHABLE))

    @property
    def archive(self) -> Any:
        """What the archive knows of the site: the writer's snapshot (read-only)."""
        assert self.snapshot is not None, "the run is not open"
        return self.snapshot

    def open(self) -> WorkerRun:
        """Read the site's snapshot and announce the run to the writer, the first time."""
        if self.snapshot is not None:
            return self
        name = self.site_name
        data = self.server.get(keys.knowledge(name))
        self.snapshot = KnowledgeSnapshot({name: decode_message(data)} if data else {})
        if data is None:
            logger.warning("No snapshot of %s from the writer: every page counts as new", name)
        started = now_iso("milliseconds")
        self.worker_run = f"{self.worker}/{name}/{started}"
        site = getattr(self.crawler.spider, "site", None)
        mode = "backfill" if self.crawler.settings.getbool("NEWS_BACKFILL") else "incremental"
        self.send(
            "run_started",
            {
                "site": name,
                "start_urls": site.start_urls if site else [],
                "mode": mode,
                "worker": self.worker,
                "started": started,
            },
        )
        logger.info("Worker run %s started", self.worker_run)
        return self

    def send(self, kind: str, message: dict[str, Any]) -> None:
        """Add an entry of `kind` about this run to the writer's stream."""
        self.server.xadd(
            keys.ITEMS,
            {"kind": kind, "run": self.worker_run or "", "data": encode_message(message)},
        )

    def spider_opened(self) -> None:
        """Start beating and looking for work."""
        self.open()
        WorkerRun._heartbeats[self.worker] = WorkerRun._heartbeats.get(self.worker, 0) + 1
        self._beat()
        self._ticker = LoopingCall(self._tick)
        self._ticker.start(TICK_SECONDS, now=False)

    @property
    def scheduler(self) -> SharedScheduler | None:
        """The crawl's shared scheduler, once the engine has opened it."""
        slot = getattr(self.crawler.engine, "_slot", None)
        scheduler = getattr(slot, "scheduler", None)
        return scheduler if isinstance(scheduler, SharedScheduler) else None

    def _tick(self) -> None:
        """Sync the in-flight requests, beat, reclaim dead workers' requests, and give an
        idle engine a request at once."""
        scheduler = self.scheduler
        if scheduler is None:
            return
        try:
            scheduler.forget_finished(scheduler.engine_in_progress())
            now = time.monotonic()
            if now - self._last_beat >= self.worker_timeout / 3:
                self._beat()
                scheduler.reclaim_dead(self.is_alive)
            if not self.crawler.engine.downloader.active and not scheduler.handed:
                scheduler.hand_to_engine()
            if scheduler.has_pending_requests() or scheduler.inflight_anywhere():
                self.work_seen = now
        except UNREACHABLE_ERRORS as error:
            self.redis_lost(error)

    def is_alive(self, worker: str) -> bool:
        """True while `worker`'s heartbeat has not expired."""
        return bool(self.server.exists(keys.worker(worker)))

    def _beat(self) -> None:
        """Refresh this worker's heartbeat (its sites, when it last had pages)."""
        self._last_beat = time.monotonic()
        stats = self.crawler.stats
        self.server.set(
            keys.worker(self.worker),
            json.dumps(
                {
                    "worker": self.worker,
                    "site": self.site_name,
                    "beat": now_iso(),
                    "responses": stats.get_value(stats_keys.RESPONSES, 0),
                }
            ),
            ex=max(int(self.worker_timeout), 1),
        )

    def spider_idle(self) -> None:
        """Keep the spider open while the crawl has work anywhere, and for
        `REDIS_IDLE_SECONDS` after it last had."""
        scheduler = self.scheduler
        if scheduler is not None:
            try:
                if scheduler.has_pending_requests() or scheduler.inflight_anywhere():
                    self.work_seen = time.monotonic()
                if self.server.exists(keys.seed(self.site_name)):
                    self.work_seen = time.monotonic()
            except UNREACHABLE_ERRORS as error:
                self.redis_lost(error)
                return
        if time.monotonic() - self.work_seen < self.idle_seconds:
            raise DontCloseSpider("the distributed crawl may still have work")

    def spider_closed(self, reason: str) -> None:
        """Announce the run's end (counts, close reason, the URL shapes learned) to the
        writer, which records its status; stop beating."""
        if self._ticker is not None and self._ticker.running:
            self._ticker.stop()
        if self.snapshot is None:
            return
        if self.unreachable is None:
            self._finish_message(reason)  # else the writer closes the run as lost
        self.snapshot = None
        self._forget_shutdown_trigger()
        WorkerRun._heartbeats[self.worker] -= 1
        if WorkerRun._heartbeats[self.worker] <= 0 and self.unreachable is None:
            self.server.delete(keys.worker(self.worker))  # the last site of this process

    def _reactor_stopping(self) -> None:
        self._shutdown_trigger = None
        if self.snapshot is not None and self.unreachable is None:
            self._finish_message("shutdown", forced=True)
            self.snapshot = None

    def _finish_message(self, reason: str, forced: bool = False) -> None:
        shapes = getattr(self.crawler.spider, "shapes", None)
        counts = self.counts()
        self.send(
            "run_finished",
            {
                "reason": reason,
                "forced": FORCED_STOP if forced else None,
                "counts": asdict(counts),
                "pages_read": self.pages_read(),
                "cut_short": self.cut_short(reason),
                # What this worker counted: the writer adds it to the stored counts.
                "shapes": [list(row) for row in shapes.observed()] if shapes else [],
            },
        )
        logger.info("Worker run %s ended (%s): %s", self.worker_run, reason, counts)

    def _errors_by_kind(self) -> dict[str, int]:
        return {}  # the writer counts the run's error rows


class SeedStart:
    """A spider middleware: a worker makes a site's start requests only if it claims the
    site's seed (`newsarchive crawl --redis … --seed`); the other workers take their
    requests from the shared queue."""

    def __init__(self, crawler: Crawler) -> None:
        url = crawler.settings.get("REDIS_URL")
        if not url:
            raise NotConfigured("not a worker of a distributed crawl")
        self.crawler = crawler
        self.server = redis_client(url)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SeedStart:
        """Create the middleware of a worker's crawler."""
        return cls(crawler)

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        """The spider's start requests if this worker claims the seed, else none."""
        site = self.crawler.spider.site.name  # type: ignore[union-attr]
        if self.server.getdel(keys.seed(site)) is None:
            logger.info("%s: start requests made by another worker; taking from the queue", site)
            return
        logger.info("%s: this worker claimed the seed and makes the start requests", site)
        async for request in start:
            yield request
