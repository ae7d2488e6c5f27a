"""The crawl's limits: the close reasons of a spent budget, and why a run stopped short.

A run closed by `crawler.middlewares.budget.CrawlBudget` ("budget_pages",
"budget_requests") or by Scrapy's memory limit (`MEMUSAGE_LIMIT_MB`), or one that left
links beyond `DEPTH_LIMIT`, ends with status "warning" and is not complete:
`budget_warning` says why, for the run's row (`crawler.extensions.archive_run`).
"""

from __future__ import annotations

from scrapy.settings import BaseSettings
from scrapy.statscollectors import StatsCollector

from crawler import stats_keys

__all__ = ["BUDGET_PAGES", "BUDGET_REQUESTS", "budget_warning", "limit_text"]

# Close reasons of a run that spent its budget.
BUDGET_PAGES = "budget_pages"
BUDGET_REQUESTS = "budget_requests"


def budget_warning(reason: str, stats: StatsCollector, settings: BaseSettings) -> str | None:
    """Why a run closed for `reason` stopped short of its site, or None: a budget or the
    memory limit ran out, or links were left beyond `DEPTH_LIMIT`."""
    if reason in (BUDGET_PAGES, BUDGET_REQUESTS, "memusage_exceeded"):
        limit = limit_text(reason, settings)
        return f"stopped at the crawl's limit ({limit}): the site was not crawled to the end"
    ignored = stats.get_value(stats_keys.DEPTH_IGNORED, 0)
    if ignored:
        depth = settings.getint("DEPTH_LIMIT")
        return f"{ignored} link(s) deeper than DEPTH_LIMIT={depth} were not followed"
    return None


def limit_text(reason: str, settings: BaseSettings) -> str:
    """The setting whose limit closed a run for `reason`, with its value: `NEWS_MAX_PAGES=50`."""
    setting = {
        BUDGET_PAGES: "NEWS_MAX_PAGES",
        BUDGET_REQUESTS: "NEWS_MAX_REQUESTS",
        "memusage_exceeded": "MEMUSAGE_LIMIT_MB",
    }[reason]
    return f"{setting}={settings.getint(setting)}"
