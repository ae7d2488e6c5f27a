"""Running crawls in-process: build the settings, run one crawler per site, report."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings
from twisted.internet.task import LoopingCall

from crawler import stats_keys
from crawler.extensions.process import mark_interrupted
from crawler.sites import SiteConfig
from crawler.spiders.news import NewsSpider
from newsarchive.overrides import project_settings
from pipelines.archive import Archive, RunCounts

# Scrapy loggers that log a traceback for a failed download the spider reports anyway.
_FETCH_ERROR_LOGGERS = (
    "scrapy.downloadermiddlewares.robotstxt",
    "scrapy.downloadermiddlewares.retry",
)


@dataclass
class RunReport:
    """What one site's crawl run did, read back from `crawl_runs`."""

    site: str
    run_id: int | None
    status: str
    counts: RunCounts
    error: str | None
    duration_seconds: float

    @classmethod
    def read(cls, archive: Archive, site: str, run_id: int | None) -> RunReport:
        """The report of run `run_id` of `site`; a run that never started is a failure."""
        if run_id is None:  # the crawler never opened the archive
            return cls(site, None, "failed", RunCounts(errors=1), "the crawl did not start", 0.0)
        run = archive.get_run(run_id)
        return cls(
            site=site,
            run_id=run_id,
            status=run["status"],
            counts=RunCounts.from_row(run),
            error=run["error"],
            duration_seconds=run["duration_seconds"] or 0.0,
        )


def crawl_settings(db_path: Path, overrides: dict[str, str] | None = None) -> Settings:
    """The project's Scrapy settings, with the archive path and `-s NAME=VALUE` overrides."""
    settings = project_settings()
    settings.set("ARCHIVE_DB", str(db_path), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawls(
    sites: list[SiteConfig],
    settings: Settings,
    max_articles: int | None = None,
    quiet_fetch_errors: bool = False,
    on_progress: Callable[[list[tuple[str, dict[str, Any]]]], None] | None = None,
) -> list[int | None]:
    """Crawl every site (in parallel, one crawler each); return each site's run id (None
    for a crawl that never started). `max_articles`, if given, is each spider's
    `max_articles` argument (else the `NEWS_MAX_ARTICLES` setting applies).

    With `quiet_fetch_errors`, Scrapy's own error logs (with tracebacks) of failed
    downloads are kept out of the terminal: the spider reports each failure in one line,
    and in `crawl_errors`. `on_progress`, if given, is called a few times a second with
    each site's name and current Scrapy stats.
    """
    crawlers = _run(sites, settings, max_articles, quiet_fetch_errors, on_progress)
    run_ids = [crawler.stats.get_value(stats_keys.RUN_ID) for crawler in crawlers]
    # A reactor stopped at once (a second Ctrl-C or SIGTERM) leaves runs whose end was
    # never recorded: they are interrupted, not running.
    mark_interrupted(Path(settings.get("ARCHIVE_DB")), [rid for rid in run_ids if rid is not None])
    return run_ids


def run_worker(
    sites: list[SiteConfig], settings: Settings, quiet_fetch_errors: bool = False
) -> list[dict[str, Any]]:
    """Crawl every site as a worker of a distributed crawl (`settings` from
    `crawler.distributed.worker.worker_settings`); return each site's final stats."""
    crawlers = _run(sites, settings, None, quiet_fetch_errors, None)
    return [crawler.stats.get_stats() if crawler.stats else {} for crawler in crawlers]


def _run(
    sites: list[SiteConfig],
    settings: Settings,
    max_articles: int | None,
    quiet_fetch_errors: bool,
    on_progress: Callable[[list[tuple[str, dict[str, Any]]]], None] | None,
) -> list[Any]:
    """Run one crawler per site in this process until all are done; return them."""
    process = CrawlerProcess(settings)  # configures logging, resetting these loggers' levels
    if quiet_fetch_errors:
        for name in _FETCH_ERROR_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(NewsSpider)
        arguments = {} if max_articles is None else {"max_articles": max_articles}
        process.crawl(crawler, site=site, **arguments)
        crawlers.append(crawler)
    if on_progress is not None:
        names = [site.name for site in sites]

        def report() -> None:
            on_progress(
                [
                    (name, crawler.stats.get_stats() if crawler.stats else {})
                    for name, crawler in zip(names, crawlers, strict=True)
                ]
            )

        LoopingCall(report).start(0.25)
    process.start()
    return crawlers
