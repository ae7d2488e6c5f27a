"""A crawl run's status: a pure function of what the run did and why it closed.

The store stage gathers the facts when the crawl closes (its counts, Scrapy's close
reason, whether a budget cut it short, its first errors, what could not be written) and
`run_status` turns them into the `crawl_runs` status and error message:

- `interrupted`: the crawl was stopped (Ctrl-C, SIGTERM) before its end;
- `failed`: no page of the site could be read (unreachable, every page an HTTP error),
  or nothing could be written;
- `warning`: it ended, but short of the site (a budget, the memory limit, `DEPTH_LIMIT`),
  or with pages that were walls instead of the site's pages, with no article found at
  all, or with items that could not be written;
- `ok`: everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from pipelines.archive.runs import RunCounts

# Close reasons of a run that did not end by itself.
INTERRUPTED_REASONS = frozenset({"shutdown", "cancelled"})


@dataclass(frozen=True)
class RunFacts:
    """What a run's status is worked out from."""

    reason: str  # Scrapy's close reason: finished, shutdown, a budget's name...
    counts: RunCounts
    pages_read: int = 0  # pages of the site the spider could read, of any kind
    cut_short: str | None = None  # why the run stopped short of its site, if it did
    first_error: tuple[str, str, str] | None = None  # (url, kind, message)
    first_wall: tuple[str, str, str] | None = None  # the first error of kind "wall"
    unwritten: tuple[str, ...] = ()  # URLs of the items that could not be written


def run_status(facts: RunFacts) -> tuple[str, str | None]:
    """The run's status and error message (None when there is nothing to say)."""
    status, error = _crawl_status(facts)
    if facts.unwritten:
        status, error = _storage_status(facts, status, error)
    return status, error


def _crawl_status(facts: RunFacts) -> tuple[str, str | None]:
    """The status from the crawl alone (as if every item had been written)."""
    counts = facts.counts
    if facts.reason in INTERRUPTED_REASONS:
        return "interrupted", f"crawl stopped before the end ({facts.reason})"
    if facts.cut_short:
        return "warning", facts.cut_short
    walls = counts.errors_by_kind.get("wall", 0)
    if counts.errors and not facts.pages_read and not walls and facts.first_error:
        url, kind, message = facts.first_error
        what = "no page could be fetched" if kind == "http" else "site unreachable"
        return "failed", f"{what}: {url}: {message}"
    if walls and facts.first_wall:
        url, _, message = facts.first_wall
        return "warning", f"{walls} page(s) were not the site's pages but a {message}: {url}"
    articles = (
        counts.articles_new
        + counts.articles_updated
        + counts.articles_unchanged
        + counts.articles_not_modified
        + counts.articles_skipped
        + counts.errors_by_kind.get("extraction", 0)
    )
    if not articles and facts.reason == "finished":
        return "warning", "no article found: the start pages, feeds and sitemaps led to none"
    return "ok", None


def _storage_status(facts: RunFacts, status: str, error: str | None) -> tuple[str, str | None]:
    """The status when items could not be written: `failed` if nothing was archived,
    else `warning` (an interrupted run stays `interrupted`)."""
    lost = len(facts.unwritten)
    what = f"{lost} item(s) could not be written to the archive (first: {facts.unwritten[0]})"
    if status == "interrupted":
        return status, f"{error}; {what}"
    counts = facts.counts
    stored = counts.articles_new + counts.articles_updated + counts.articles_unchanged
    return ("warning" if stored else "failed"), what
