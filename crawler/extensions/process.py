"""Scrapy extensions: one writer per archive, and crawls that stop on time.

`ArchiveLockExtension` takes the lock of the archive the crawl writes to (`ARCHIVE_DB`,
see `pipelines/archive/lock.py`) before any component opens it, whichever way the crawl
was started (`newsarchive crawl`, whose lock it shares, or `scrapy crawl news`). When
another process holds it, the crawl ends before it opens the archive or fetches anything.

`StopDeadlineExtension` bounds how long a stopping crawl (Ctrl-C, SIGTERM) takes. Scrapy waits for
every download under way, and a server that accepts a connection and never answers holds each for
`DOWNLOAD_TIMEOUT` (times its retries). Once the crawl has been stopping for `STOP_GRACE_SECONDS`,
the downloads still under way are aborted (and `crawler.middlewares.scope.StopGuardMiddleware` turns
them into ignored requests, not errors); if the crawl has still not closed `STOP_FORCE_SECONDS`
later, the reactor is stopped, as a second signal does. A run that the stop left `running` is then
marked `interrupted`.

`MemoryTrimExtension` gives the memory freed by parsed pages back to the system every
`MEMORY_TRIM_SECONDS` (`crawler/extensions/memory.py`; 0: not installed), so a long crawl's
resident memory stays near what its pages in hand need.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import ExitStack, suppress
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import CloseSpider, NotConfigured
from scrapy.settings import SETTINGS_PRIORITIES
from twisted.internet import error as twisted_error
from twisted.internet import tcp
from twisted.internet.task import LoopingCall

from crawler import stats_keys
from crawler.extensions.archive_run import FORCED_STOP
from crawler.extensions.memory import release_free_memory
from pipelines.archive import Archive, ArchiveError, RunCounts
from pipelines.archive.lock import ArchiveLocked, archive_lock

__all__ = [
    "LOCK_REFUSED",
    "STOP_FORCE_SECONDS",
    "STOP_GRACE_SECONDS",
    "ArchiveLockExtension",
    "MemoryTrimExtension",
    "StopDeadlineExtension",
    "abort_downloads",
    "mark_interrupted",
]

logger = logging.getLogger(__name__)

LOCK_REFUSED = "archive_locked"  # the close reason of a crawl refused the archive's lock
STOP_GRACE_SECONDS = 5.0  # downloads under way may finish this long after a stop signal
STOP_FORCE_SECONDS = 3.0  # then, after aborting them, the crawl has this long to close
_POLL_SECONDS = 0.25

_OVER_CMDLINE = SETTINGS_PRIORITIES["cmdline"] + 10  # above `-s NAME=VALUE`


class ArchiveLockExtension:
    """Holds the lock of the crawl's archive (`ARCHIVE_DB`) from the crawl's start until
    its engine stops; a crawl whose archive another process holds is closed (reason
    `archive_locked`) before any component opens the archive or anything is fetched."""

    def __init__(self, crawler: Crawler, archive: Path) -> None:
        self.crawler = crawler
        self.archive = archive
        self._lock = ExitStack()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveLockExtension:
        """Create the extension and take the lock: extensions are built before the
        engine, so before the item pipelines and middlewares that open the archive."""
        extension = cls(crawler, Path(crawler.settings.get("ARCHIVE_DB")))
        refusal = extension.acquire()
        if refusal is None:
            crawler.signals.connect(extension.release, signal=signals.engine_stopped)
        else:
            extension.refuse(refusal)
        return extension

    def acquire(self) -> str | None:
        """Take the lock (nothing to do if this process holds it); return why it could
        not be taken, or None."""
        try:
            self._lock.enter_context(archive_lock(self.archive))
        except ArchiveLocked as error:
            return str(error)
        except OSError as error:
            return f"cannot lock archive {self.archive}: {error.strerror}"
        return None

    def release(self) -> None:
        """Release the lock (if this process held it before the crawl, it keeps it)."""
        self._lock.close()

    def refuse(self, reason: str) -> None:
        """Log why, and make the crawl close at once without touching the archive.

        Nothing Scrapy runs before the item pipelines open can close a crawl cleanly, so
        the refused crawl is made one that cannot write or fetch: the settings are not
        frozen while extensions are built, and the project's pipelines and middlewares
        (all that open the archive) are switched off; the spider starts with no request,
        and closes as soon as it opens."""
        logger.error("%s", reason)
        self.crawler.stats.set_value(stats_keys.LOCK_REFUSED, reason)
        for name in ("ITEM_PIPELINES", "SPIDER_MIDDLEWARES", "DOWNLOADER_MIDDLEWARES"):
            self.crawler.settings.set(name, {}, priority=_OVER_CMDLINE)
        self.crawler.spider.start = _no_requests  # type: ignore[method-assign]
        self.crawler.signals.connect(_close_refused, signal=signals.spider_opened)


async def _no_requests() -> AsyncIterator[Any]:
    """The start of a refused crawl: no request."""
    return
    yield  # makes this an asynchronous generator


def _close_refused() -> None:
    """Close a refused crawl as soon as it opens."""
    raise CloseSpider(LOCK_REFUSED)


class MemoryTrimExtension:
    """Releases the crawl process's free C-heap memory every `MEMORY_TRIM_SECONDS`
    while the crawl runs (0: never, and the extension is not installed)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._trim: LoopingCall | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MemoryTrimExtension:
        """Create the extension for a crawler; `NotConfigured` when `MEMORY_TRIM_SECONDS`
        is 0 (or less)."""
        seconds = crawler.settings.getfloat("MEMORY_TRIM_SECONDS")
        if seconds <= 0:
            raise NotConfigured("MEMORY_TRIM_SECONDS is 0")
        extension = cls(seconds)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        """Start releasing, unless the C library cannot."""
        if release_free_memory():
            self._trim = LoopingCall(release_free_memory)
            self._trim.start(self.seconds, now=False)

    def engine_stopped(self) -> None:
        """Stop releasing."""
        if self._trim is not None and self._trim.running:
            self._trim.stop()
        self._trim = None


class StopDeadlineExtension:
    """Ends a stopping crawl on time whatever the servers do (see the module's
    docstring), and marks its run `interrupted` if the reactor stopped before the run's
    end was recorded."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._poll: LoopingCall | None = None
        self._stopping_since: float | None = None
        self._aborted = False
        self._shutdown_trigger: Any = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StopDeadlineExtension:
        """Create the extension for a crawler."""
        extension = cls(crawler)
        crawler.signals.connect(extension.engine_started, signal=signals.engine_started)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def engine_started(self) -> None:
        """Watch for the crawl to start stopping, and make sure its run is closed even if
        the reactor stops first."""
        from twisted.internet import reactor

        self._poll = LoopingCall(self._check)
        self._poll.start(_POLL_SECONDS, now=False)
        self._shutdown_trigger = reactor.addSystemEventTrigger(
            "after", "shutdown", self._close_unfinished_run
        )

    def spider_closed(self) -> None:
        """Stop watching: the crawl has closed."""
        self._stop_polling()

    def engine_stopped(self) -> None:
        """The run's end is recorded: nothing to do at shutdown."""
        from twisted.internet import reactor

        if self._shutdown_trigger is not None:
            reactor.removeSystemEventTrigger(self._shutdown_trigger)
            self._shutdown_trigger = None

    def _check(self) -> None:
        """Abort the downloads still under way once the crawl has been stopping for the
        grace period (again at each check: queued downloads start as others end), and
        stop the reactor if it is still not closed some seconds later."""
        engine = self.crawler.engine
        if engine is None or engine.running or engine.spider is None:
            return
        now = time.monotonic()
        if self._stopping_since is None:
            self._stopping_since = now
            logger.info("Stopping: downloads still under way end in %s s", STOP_GRACE_SECONDS)
            return
        stopping_for = now - self._stopping_since
        if stopping_for >= STOP_GRACE_SECONDS + STOP_FORCE_SECONDS:
            logger.error("The crawl did not close after its downloads were aborted: stopping")
            self._stop_polling()
            _stop_reactor()
        elif stopping_for >= STOP_GRACE_SECONDS:
            aborted = abort_downloads()
            if aborted:
                if not self._aborted:
                    logger.warning("Stopping: %s download(s) under way aborted", aborted)
                self._aborted = True
                self.crawler.stats.inc_value(stats_keys.STOP_DOWNLOADS_ABORTED, aborted)

    def _stop_polling(self) -> None:
        if self._poll is not None and self._poll.running:
            self._poll.stop()

    def _close_unfinished_run(self) -> None:
        """At reactor shutdown: mark the run `interrupted` if it is still `running`."""
        run_id = self.crawler.stats.get_value(stats_keys.RUN_ID)
        if run_id is not None:
            mark_interrupted(Path(self.crawler.settings.get("ARCHIVE_DB")), [run_id])


def abort_downloads() -> int:
    """Abort every outgoing TCP connection of this process (connected or connecting):
    the downloads under way fail at once. Return how many there were."""
    from twisted.internet import reactor

    clients = {
        selectable
        for selectable in [*reactor.getReaders(), *reactor.getWriters()]
        if isinstance(selectable, tcp.Client)
    }
    for client in clients:
        if client.connected:
            client.abortConnection()
        else:
            client.failIfNotConnected(twisted_error.ConnectionAborted())
    return len(clients)


def mark_interrupted(db_path: Path, run_ids: Iterable[int], why: str = FORCED_STOP) -> list[int]:
    """Close the runs among `run_ids` still `running` in the archive at `db_path` as
    `interrupted` (with the counts their rows hold and their error rows); return their
    ids. Failures to write are logged, not raised: this runs as the process ends."""
    run_ids = list(run_ids)
    if not run_ids:
        return []
    try:
        archive = Archive.open(db_path)
    except ArchiveError as error:
        logger.error("Could not record the end of the run(s): %s", error)
        return []
    closed = []
    try:
        for run_id in run_ids:
            run = archive.get_run(run_id)
            if run["status"] != "running":
                continue
            counts = RunCounts.from_row(run)
            counts.errors_by_kind = archive.errors_by_kind(run_id)
            counts.errors = sum(counts.errors_by_kind.values())
            archive.finish_run(run_id, "interrupted", counts, why)
            closed.append(run_id)
    except sqlite3.Error as error:
        logger.error("Could not record the end of the run(s): %s", error)
    finally:
        archive.close()
    return closed


def _stop_reactor() -> None:
    """Stop the reactor (nothing if it is stopping already)."""
    from twisted.internet import reactor

    with suppress(twisted_error.ReactorNotRunning):
        reactor.stop()
