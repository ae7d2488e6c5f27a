"""Running crawls in-process: build the settings, run one crawler per site, report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler.sites import SiteConfig
from crawler.spiders.news import NewsSpider
from pipelines.archive import Archive


@dataclass
class RunReport:
    """What one site's crawl run did, read back from `crawl_runs`."""

    site: str
    run_id: int | None
    status: str
    pages_fetched: int
    articles_new: int
    articles_updated: int
    articles_unchanged: int
    errors: int
    error: str | None
    duration_seconds: float


def crawl_settings(db_path: Path, overrides: dict[str, str] | None = None) -> Settings:
    """The project's Scrapy settings, with the archive path and `-s NAME=VALUE` overrides."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("ARCHIVE_DB", str(db_path), priority="cmdline")
    for name, value in (overrides or {}).items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawls(
    sites: list[SiteConfig], settings: Settings, max_articles: int = 0
) -> list[RunReport]:
    """Crawl every site (in parallel, one crawler each) and return one report per site."""
    process = CrawlerProcess(settings)
    crawlers = []
    for site in sites:
        crawler = process.create_crawler(NewsSpider)
        process.crawl(crawler, site=site, max_articles=max_articles)
        crawlers.append((site, crawler))
    process.start()
    archive = Archive.open(settings.get("ARCHIVE_DB"))
    try:
        return [_report(archive, site, crawler.stats.get_stats()) for site, crawler in crawlers]
    finally:
        archive.close()


def _report(archive: Archive, site: SiteConfig, stats: dict[str, Any]) -> RunReport:
    run_id = stats.get("archive/run_id")
    if run_id is None:  # the crawler never opened the archive
        return RunReport(site.name, None, "failed", 0, 0, 0, 0, 1, "the crawl did not start", 0.0)
    run = archive.get_run(run_id)
    return RunReport(
        site=site.name,
        run_id=run_id,
        status=run["status"],
        pages_fetched=run["pages_fetched"],
        articles_new=run["articles_new"],
        articles_updated=run["articles_updated"],
        articles_unchanged=run["articles_unchanged"],
        errors=run["errors"],
        error=run["error"],
        duration_seconds=run["duration_seconds"] or 0.0,
    )
