"""Extraction off the reactor: `extract_article` in a pool of worker processes.

Parsing and extracting a page costs far more than fetching it, so a crawl hands its
article pages to worker processes (pebble's `ProcessPool`, one per core by default) and
goes on downloading while they work. A worker that crashes or takes longer than the
timeout on a page is replaced; that page fails with `ExtractionFailed`, the crawl goes on.

Workers come from a fork server (not forked from the crawling process, which runs threads)
with the extraction modules preloaded, and ignore SIGINT: on Ctrl-C the crawl stops them
itself once the pages in hand are extracted. With 0 workers, extraction runs inline.

    pool = ExtractionPool(workers=2)
    article = pool.extract(html, url, profile).result()  # a concurrent.futures.Future
    pool.close()
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import time
import weakref
from concurrent.futures import Future, TimeoutError
from typing import TYPE_CHECKING, Any

from pebble import ProcessExpired, ProcessPool

from crawler import settings as defaults
from crawler.extensions.memory import release_free_memory
from pipelines.extraction import ExtractedArticle, SiteProfile, extract_article
from pipelines.extraction.encoding import page_encoding, page_text

if TYPE_CHECKING:
    from pebble import ProcessFuture
    from scrapy.crawler import Crawler
    from scrapy.settings import BaseSettings
    from twisted.internet.defer import Deferred

    from crawler.pages.page_reading import PageReading

__all__ = [
    "TEST_FAULT_MARKERS",
    "ExtractionFailed",
    "ExtractionPool",
    "default_workers",
    "in_reactor",
    "pool_of",
]

logger = logging.getLogger(__name__)

# With `test_faults` on (the `EXTRACT_TEST_FAULTS` setting, for tests only), a page holding
# one of these comments makes its worker exit or hang, as a worker hit by a crash or an
# endless loop in a parser would.
TEST_FAULT_MARKERS = {
    "crash": b"<!-- newsarchive-test-fault: crash -->",
    "hang": b"<!-- newsarchive-test-fault: hang -->",
}
_PRELOADED_MODULES = [
    "pipelines.extraction.core",
    "crawler.extraction_pool",
    "pipelines.extraction.encoding",
    "crawler.pages.page_reading",
]
# A worker gives the memory its parsed pages freed back to the system every this many
# pages (`crawler.extensions.memory`): its resident memory then stays near one page's worth.
TRIM_EVERY_PAGES = 10
_pages_since_trim = 0


# The pool of each running crawl (`ExtractionPool.for_crawler`), for the spider to read
# its article pages in (`pool_of`).
_CRAWL_POOLS: weakref.WeakKeyDictionary[Crawler, ExtractionPool] = weakref.WeakKeyDictionary()


class ExtractionFailed(Exception):
    """A page's extraction did not finish: its worker crashed or timed out."""


def default_workers() -> int:
    """One worker per CPU this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class ExtractionPool:
    """`extract_article` in `workers` processes (0: inline, in the calling thread), each
    replaced by a fresh one after `pages_per_worker` pages (0: never), which keeps the
    memory of a long crawl's workers where it started. The defaults are the project's
    `EXTRACT_TIMEOUT`, `EXTRACT_TEST_FAULTS` and `EXTRACT_WORKER_PAGES` settings."""

    def __init__(
        self,
        workers: int,
        timeout: float = defaults.EXTRACT_TIMEOUT,
        test_faults: bool = defaults.EXTRACT_TEST_FAULTS,
        pages_per_worker: int = defaults.EXTRACT_WORKER_PAGES,
    ) -> None:
        self.workers = workers
        self.timeout = timeout
        self.test_faults = test_faults
        self._pool: ProcessPool | None = None
        self._crawler: Any = None  # a weak reference to the crawler it serves, if any
        if workers > 0:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(_PRELOADED_MODULES)
            self._pool = ProcessPool(
                max_workers=workers,
                max_tasks=pages_per_worker,
                initializer=_ignore_ctrl_c,
                context=context,
            )

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> ExtractionPool:
        """The pool the `EXTRACT_WORKERS`, `EXTRACT_TIMEOUT`, `EXTRACT_WORKER_PAGES` and
        `EXTRACT_TEST_FAULTS` settings describe (`EXTRACT_WORKERS` None: one per CPU)."""
        workers = settings.get("EXTRACT_WORKERS")
        return cls(
            workers=default_workers() if workers in (None, "") else int(workers),
            timeout=settings.getfloat("EXTRACT_TIMEOUT"),
            test_faults=settings.getbool("EXTRACT_TEST_FAULTS"),
            pages_per_worker=settings.getint("EXTRACT_WORKER_PAGES"),
        )

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> ExtractionPool:
        """A new pool for `crawler`'s settings, which its spider finds with `pool_of`
        until `close`."""
        pool = cls.from_settings(crawler.settings)
        pool._crawler = weakref.ref(crawler)
        _CRAWL_POOLS[crawler] = pool
        return pool

    def extract(
        self,
        html: bytes | str,
        url: str,
        profile: SiteProfile | None = None,
        encoding: str | None = None,
    ) -> Future[ExtractedArticle | None]:
        """The article of a page, as a future: its result is the `ExtractedArticle` (None
        if the page holds no article text); it fails with `ExtractionFailed` when the
        worker died or timed out, and with the error of `extract_article` if that raised.

        Bytes are decoded first (in the worker) with `encoding`, the response's, else as
        the page declares it (`pipelines.extraction.encoding.page_text`)."""
        args = (html, url, profile, encoding, self.test_faults)
        if self._pool is None:
            future: Future[ExtractedArticle | None] = Future()
            try:
                future.set_result(_extract(*args, inline=True))
            except Exception as error:  # handed to the caller
                future.set_exception(error)
            return future
        scheduled = self._pool.schedule(_extract, args=args, timeout=self.timeout)
        return _explained(scheduled, url, self.timeout)

    def read(
        self,
        url: str,
        body: bytes,
        encoding: str,
        content_type: str,
        score: bool,
        extract_above: float | None = None,
        extract_as: tuple[str, SiteProfile] | None = None,
    ) -> Future[PageReading]:
        """The spider's reading of an HTML page (`crawler.pages.page_reading.read_response`:
        `encoding` is the response's, `content_type` its header), made in a worker, as a
        future (failing with `ExtractionFailed` as `extract` does). With `extract_as`
        (`(url, profile)`), a page whose article score is above `extract_above` is
        extracted there too, as `extract` would extract it for that URL: the page goes
        to a worker once. Only for a pool with workers."""
        assert self._pool is not None, "an inline pool reads nothing"
        args = (url, body, encoding, content_type, score, extract_above, extract_as)
        args += (self.test_faults,)
        scheduled = self._pool.schedule(_read, args=args, timeout=self.timeout)
        return _explained(scheduled, url, self.timeout)

    def close(self, wait: bool = True) -> None:
        """Stop the workers: after the pages in hand are done (`wait`), or at once."""
        crawler = self._crawler() if self._crawler is not None else None
        if crawler is not None and _CRAWL_POOLS.get(crawler) is self:
            del _CRAWL_POOLS[crawler]
        if self._pool is None:
            return
        pool, self._pool = self._pool, None
        if wait:
            pool.close()
        else:
            pool.stop()
        pool.join()


def pool_of(crawler: Crawler) -> ExtractionPool | None:
    """The extraction workers of `crawler`'s crawl (`for_crawler`), or None when it has
    none (inline extraction, or no extract stage)."""
    pool = _CRAWL_POOLS.get(crawler)
    return pool if pool is not None and pool.workers > 0 else None


def in_reactor(future: Future[Any]) -> Deferred[Any]:
    """A Deferred fired with `future`'s outcome in the reactor's thread (a worker's result
    arrives in one of pebble's threads)."""
    from twisted.internet import defer, reactor  # the one Scrapy installed

    deferred: Deferred[Any] = defer.Deferred()

    def fire(done: Future[Any]) -> None:
        try:
            result = done.result()
        except Exception as error:
            deferred.errback(error)
        else:
            deferred.callback(result)

    future.add_done_callback(lambda done: reactor.callFromThread(fire, done))
    return deferred


def _read(
    url: str,
    body: bytes,
    encoding: str,
    content_type: str,
    score: bool,
    extract_above: float | None,
    extract_as: tuple[str, SiteProfile] | None,
    test_faults: bool,
) -> PageReading:
    """What a worker runs to read a page for the spider (and to extract it, when its
    score says it is an article)."""
    from dataclasses import replace

    from crawler.pages.page_reading import read_response

    reading = read_response(url, body, encoding, score)
    if (
        extract_as is not None
        and extract_above is not None
        and reading.article_score is not None
        and reading.article_score > extract_above
    ):
        article_url, profile = extract_as
        if test_faults:
            _act_on_test_faults(body)
        try:
            article = extract_article(
                page_text(body, page_encoding(body, content_type)), article_url, profile
            )
        except Exception:  # left to the extract stage, which reports it
            logger.debug("Extraction of %s failed where it was read", url, exc_info=True)
        else:
            reading = replace(reading, extraction=(article_url, article))
    _count_page_for_trim()
    return reading


def _explained(
    scheduled: ProcessFuture[ExtractedArticle | None], url: str, timeout: float
) -> Future[ExtractedArticle | None]:
    """A future with the result of `scheduled`, or an `ExtractionFailed` that says why."""
    future: Future[ExtractedArticle | None] = Future()

    def done(finished: ProcessFuture[ExtractedArticle | None]) -> None:
        try:
            future.set_result(finished.result())
        except TimeoutError:
            message = f"extraction took longer than {timeout:g} s (worker stopped)"
            future.set_exception(ExtractionFailed(message))
        except ProcessExpired as error:
            message = f"the extraction worker died (exit code {error.exitcode})"
            future.set_exception(ExtractionFailed(message))
        except Exception as error:  # handed to the caller
            future.set_exception(error)

    scheduled.add_done_callback(done)
    return future


def _extract(
    html: bytes | str,
    url: str,
    profile: SiteProfile | None,
    encoding: str | None,
    test_faults: bool,
    inline: bool = False,
) -> ExtractedArticle | None:
    """What a worker runs for a page."""
    if test_faults and not inline:
        _act_on_test_faults(html.encode() if isinstance(html, str) else html)
    text = page_text(html, encoding) if isinstance(html, bytes) else html
    article = extract_article(text, url, profile)
    if not inline:
        _count_page_for_trim()
    return article


def _act_on_test_faults(body: bytes) -> None:
    """In a worker, with test faults on: exit or hang on a page marked for it."""
    if TEST_FAULT_MARKERS["crash"] in body:
        os._exit(70)
    if TEST_FAULT_MARKERS["hang"] in body:
        time.sleep(3600)


def _count_page_for_trim() -> None:
    """In a worker: release free memory after every `TRIM_EVERY_PAGES` pages."""
    global _pages_since_trim
    _pages_since_trim += 1
    if _pages_since_trim >= TRIM_EVERY_PAGES:
        _pages_since_trim = 0
        release_free_memory()


def _ignore_ctrl_c() -> None:
    """Workers leave Ctrl-C to the crawl: the terminal sends it to the whole process group,
    and the crawl, stopping, still takes the pages in hand before it closes the pool.
    SIGTERM ends a worker (the pool stops its workers that way)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
