"""What a crawl shows while it runs and when it ends, with rich.

In an interactive terminal `newsarchive crawl` shows a live table, one row per site,
refreshed from each crawler's stats; at the end every run gets a summary (a table in a
terminal, plain lines otherwise, so that cron mails stay short and greppable).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from crawler import stats_keys

if TYPE_CHECKING:
    from newsarchive.runner import RunReport
    from pipelines.archive import RunCounts

__all__ = ["LiveProgress", "requests_per_article", "summary_lines", "summary_table"]


class LiveProgress:
    """A live per-site table of a running crawl; call `update` with each site's stats."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.started = time.monotonic()
        self.live = Live(console=console, refresh_per_second=4, transient=True)

    def __enter__(self) -> LiveProgress:
        self.live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.__exit__(*exc)

    def update(self, sites: Sequence[tuple[str, dict[str, Any]]]) -> None:
        """Redraw the table from `(site name, Scrapy stats dict)` pairs."""
        elapsed = max(time.monotonic() - self.started, 0.001)
        table = Table(title=f"Crawling ({elapsed:.0f} s)", title_justify="left")
        for column in ("site", "listings", "new", "updated", "unchanged", "known", "errors"):
            table.add_column(column, justify="left" if column == "site" else "right")
        table.add_column("pages/s", justify="right")
        for name, stats in sites:
            table.add_row(
                name,
                str(
                    stats.get(stats_keys.LISTING_PAGES, 0)
                    + stats.get(stats_keys.FEEDS, 0)
                    + stats.get(stats_keys.SITEMAPS, 0)
                ),
                str(stats.get(stats_keys.ARTICLES_NEW, 0)),
                str(stats.get(stats_keys.ARTICLES_UPDATED, 0)),
                str(
                    stats.get(stats_keys.ARTICLES_UNCHANGED, 0)
                    + stats.get(stats_keys.ARTICLES_NOT_MODIFIED, 0)
                ),
                str(stats.get(stats_keys.SKIPPED_ARTICLES, 0)),
                str(stats.get(stats_keys.ERRORS, 0)),
                f"{stats.get(stats_keys.RESPONSES, 0) / elapsed:.1f}",
            )
        self.live.update(table)


def summary_lines(report: RunReport) -> list[str]:
    """A run's summary as plain text lines."""
    c = report.counts
    errors = ", ".join(f"{kind} {n}" for kind, n in sorted(c.errors_by_kind.items()))
    return [
        f"{report.site}: run {report.run_id} {report.status} in {report.duration_seconds:.1f} s",
        f"  articles: {c.articles_new} new, {c.articles_updated} updated, "
        f"{c.articles_unchanged} unchanged, {c.articles_not_modified} not modified, "
        f"{c.articles_skipped} already archived (not fetched)",
        f"  pages fetched: {c.pages_fetched} (listings {c.listing_pages}, feeds {c.feed_pages}, "
        f"sitemaps {c.sitemap_pages}), {_size(c.bytes_received)}, "
        f"errors: {c.errors}" + (f" ({errors})" if errors else ""),
        f"  requests: {c.requests} ({requests_per_article(c)} per archived article), "
        f"{c.known_pages_skipped} known non-article pages not fetched again, "
        f"{c.duplicates} other URLs of archived stories",
    ]


def requests_per_article(counts: RunCounts) -> str:
    """Requests made per article archived (new, updated or unchanged), or "-" for a
    run that archived none."""
    archived = counts.articles_new + counts.articles_updated + counts.articles_unchanged
    return f"{counts.requests / archived:.2f}" if archived else "-"


def summary_table(reports: Sequence[RunReport]) -> Table:
    """The runs' summaries as one rich table."""
    table = Table(title="Crawl summary", title_justify="left")
    columns = ("site", "run", "status", "new", "updated", "unchanged", "not modified")
    for column in (*columns, "known", "pages", "req/article", "errors", "time"):
        table.add_column(column, justify="left" if column in ("site", "status") else "right")
    for r in reports:
        c = r.counts
        style = {"ok": "green", "warning": "yellow"}.get(r.status, "red")
        table.add_row(
            r.site,
            str(r.run_id or "-"),
            f"[{style}]{r.status}[/]",
            str(c.articles_new),
            str(c.articles_updated),
            str(c.articles_unchanged),
            str(c.articles_not_modified),
            str(c.articles_skipped),
            str(c.pages_fetched),
            requests_per_article(c),
            str(c.errors),
            f"{r.duration_seconds:.1f} s",
        )
    return table


def _size(count: int) -> str:
    for unit in ("B", "KB", "MB"):
        if count < 1024:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1024
    return f"{count:.1f} GB"
