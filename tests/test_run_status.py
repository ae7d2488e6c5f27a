"""A run's status as a pure function of what it did (`pipelines.archive.run_status`), and the
stats keys its inputs are counted under, named in one module (`crawler.stats_keys`)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from crawler import stats_keys
from pipelines.archive import RunCounts
from pipelines.archive.run_status import RunFacts, run_status

REPO_ROOT = Path(__file__).resolve().parent.parent
STATS_METHODS = frozenset({"inc_value", "get_value", "set_value", "max_value", "min_value"})

ARCHIVED = RunCounts(pages_fetched=12, articles_new=10, listing_pages=2)
UNREACHABLE = ("https://news.example/", "dns", "DNS lookup failed: no such host")


def test_a_finished_run_that_archived_articles_is_ok() -> None:
    assert run_status(RunFacts("finished", ARCHIVED, pages_read=12)) == ("ok", None)


@pytest.mark.parametrize("reason", ["shutdown", "cancelled"])
def test_a_stopped_run_is_interrupted_whatever_it_did(reason: str) -> None:
    facts = RunFacts(reason, ARCHIVED, pages_read=12, cut_short="a budget ran out")
    assert run_status(facts) == ("interrupted", f"crawl stopped before the end ({reason})")


def test_a_run_cut_short_by_a_budget_is_a_warning_with_the_reason() -> None:
    why = "stopped at the crawl's limit (NEWS_MAX_PAGES=50): the site was not crawled to the end"
    facts = RunFacts("budget_pages", ARCHIVED, pages_read=50, cut_short=why)
    assert run_status(facts) == ("warning", why)


def test_a_site_none_of_whose_pages_could_be_read_failed_with_its_first_error() -> None:
    counts = RunCounts(errors=3, errors_by_kind={"dns": 3})
    facts = RunFacts("finished", counts, pages_read=0, first_error=UNREACHABLE)
    assert run_status(facts) == (
        "failed",
        "site unreachable: https://news.example/: DNS lookup failed: no such host",
    )
    http = ("https://news.example/", "http", "HTTP 503")
    counts = RunCounts(pages_fetched=1, errors=1, errors_by_kind={"http": 1})
    assert run_status(RunFacts("finished", counts, first_error=http)) == (
        "failed",
        "no page could be fetched: https://news.example/: HTTP 503",
    )


def test_errors_on_a_site_whose_pages_were_read_do_not_fail_the_run() -> None:
    counts = RunCounts(articles_new=4, errors=1, errors_by_kind={"http": 1})
    facts = RunFacts("finished", counts, pages_read=5, first_error=UNREACHABLE)
    assert run_status(facts) == ("ok", None)


def test_walls_instead_of_pages_are_a_warning_naming_the_first() -> None:
    wall = ("https://news.example/a", "wall", "consent wall")
    counts = RunCounts(errors=2, errors_by_kind={"wall": 2})
    facts = RunFacts("finished", counts, first_error=wall, first_wall=wall)
    assert run_status(facts) == (
        "warning",
        "2 page(s) were not the site's pages but a consent wall: https://news.example/a",
    )


def test_a_finished_run_that_found_no_article_is_a_warning() -> None:
    counts = RunCounts(pages_fetched=3, listing_pages=3)
    assert run_status(RunFacts("finished", counts, pages_read=3)) == (
        "warning",
        "no article found: the start pages, feeds and sitemaps led to none",
    )
    # Articles not due for a revisit, or pages without article text, are articles found.
    for found in (RunCounts(articles_skipped=5), RunCounts(errors_by_kind={"extraction": 1})):
        assert run_status(RunFacts("finished", found, pages_read=3)) == ("ok", None)
    # A run closed for another reason is not held to it.
    assert run_status(RunFacts("closespider_timeout", counts, pages_read=3)) == ("ok", None)


def test_items_that_could_not_be_written_make_a_warning_or_a_failure() -> None:
    unwritten = ("https://news.example/a", "https://news.example/b")
    what = "2 item(s) could not be written to the archive (first: https://news.example/a)"
    assert run_status(RunFacts("finished", ARCHIVED, pages_read=12, unwritten=unwritten)) == (
        "warning",
        what,
    )
    nothing = RunCounts(pages_fetched=12)
    assert run_status(RunFacts("finished", nothing, pages_read=12, unwritten=unwritten)) == (
        "failed",
        what,
    )
    assert run_status(RunFacts("shutdown", ARCHIVED, unwritten=unwritten)) == (
        "interrupted",
        f"crawl stopped before the end (shutdown); {what}",
    )


def _literal_stats_keys(path: Path, root: Path = REPO_ROOT) -> list[str]:
    """`file:line key` of each stats call in `path` whose key is written out as a string."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in STATS_METHODS or not node.args:
            continue
        key = node.args[0]
        if isinstance(key, ast.Constant | ast.JoinedStr):
            found.append(f"{path.relative_to(root)}:{node.lineno} {ast.unparse(key)}")
    return found


def test_stats_keys_are_named_in_one_module() -> None:
    """The components count under the names of `crawler.stats_keys`, never a string of
    their own: the keys one component writes and another reads cannot drift apart."""
    sources = [
        path
        for folder in ("newsarchive", "crawler", "pipelines")
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        if "site" not in path.relative_to(REPO_ROOT).parts
    ]
    literals = [hit for path in sources for hit in _literal_stats_keys(path)]
    assert literals == []
    assert stats_keys.pages("listing") == stats_keys.LISTING_PAGES == "news/pages/listing"
    assert stats_keys.articles("new") == stats_keys.ARTICLES_NEW


def test_the_scan_finds_keys_written_out(tmp_path: Path) -> None:
    source = tmp_path / "sample.py"
    source.write_text(
        'stats.inc_value("news/walls")\nstats.get_value(f"news/pages/{kind}", 0)\n'
        "stats.inc_value(stats_keys.WALLS)\n",
        encoding="utf-8",
    )
    assert _literal_stats_keys(source, tmp_path) == [
        "sample.py:1 'news/walls'",
        "sample.py:2 f'news/pages/{kind}'",
    ]
