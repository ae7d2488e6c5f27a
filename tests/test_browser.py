"""`newsarchive serve` in a real browser: Debian's headless Chromium driven by Playwright.

Playwright never downloads a browser here (`playwright install` is never run): it launches
`/usr/bin/chromium`, which `.ci/run` installs with apt-get. Each test saves a screenshot of
its page under `artifacts/screenshots/` (git-ignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Dialog, Page, expect, sync_playwright
from test_crawl_demo import SEED_BOILERPLATE

from archive_samples import HOSTILE_PARAGRAPHS, HOSTILE_TITLE, HOSTILE_URL
from conftest import REPO_ROOT, SEED_SLUG, SEED_TITLE, rows
from newsarchive.demo.build import story_paragraphs

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO_ROOT / "artifacts" / "screenshots"
DB = "newsroom"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium, for the module's tests."""
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install chromium"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def dialogs() -> list[str]:
    """The messages of the JavaScript dialogs (alert, confirm…) the test's page opened."""
    return []


@pytest.fixture
def page(browser: Browser, dialogs: list[str]) -> Iterator[Page]:
    """A fresh page that records (and dismisses) every dialog; any dialog fails the test."""
    context = browser.new_context(viewport={"width": 1024, "height": 720})
    page = context.new_page()

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()
    assert dialogs == [], f"a dialog fired: {dialogs}"


def _screenshot(page: Page, name: str, full_page: bool = False, height: int = 0) -> None:
    """Save a screenshot of the page: the viewport, the whole page, or its top `height`
    pixels."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    if height:
        clip = {"x": 0, "y": 0, "width": page.viewport_size["width"], "height": height}
        page.screenshot(path=path, full_page=True, clip=clip)
    else:
        page.screenshot(path=path, full_page=full_page)


def _article_id(db: Path, url_pattern: str) -> int:
    [(id_,)] = rows(db, "SELECT id FROM articles WHERE url LIKE ?", (url_pattern,))
    return id_


def test_search_box_finds_seed_article(page: Page, datasette_url: str):
    """A phrase typed into the articles search box finds the seed article, and only it."""
    page.goto(f"{datasette_url}/{DB}/articles")
    expect(page.locator("table.rows-and-columns tbody tr")).to_have_count(46)
    expect(page.locator("th.col-title")).to_be_visible()
    expect(page.locator("th.col-text")).to_be_visible()
    expect(page.locator("th.col-content_hash")).to_be_hidden()  # technical: on demand
    page.goto(f"{datasette_url}/{DB}/articles?_size=4")
    _screenshot(page, "articles", height=1150)
    page.locator("table.rows-and-columns").scroll_into_view_if_needed()
    expect(page.locator("td.col-text").first).to_contain_text(" …")
    _screenshot(page, "articles-rows")
    page.goto(f"{datasette_url}/{DB}/articles")
    page.fill("input#_search", '"intelligence-sharing pact"')
    page.press("input#_search", "Enter")
    page.wait_for_url("**_search=*")
    titles = page.locator("table.rows-and-columns tbody td.col-title")
    expect(titles).to_have_text([SEED_TITLE])
    expect(page.locator("h3").first).to_contain_text("1 row where search matches")
    _screenshot(page, "articles-search")
    page.goto(f"{datasette_url}/{DB}/articles?_col=title&_col=content_hash")
    expect(page.locator("th.col-content_hash")).to_be_visible()


def test_search_query_highlights_matches(page: Page, datasette_url: str):
    """The "Search articles" query form finds the seed, its matching words highlighted."""
    page.goto(f"{datasette_url}/{DB}/search_articles")
    page.fill("input[name=q]", "military pact")
    page.press("input[name=q]", "Enter")
    page.wait_for_url("**q=military*")
    expect(page.locator("td.col-title").first).to_have_text(SEED_TITLE)
    marks = page.locator("tbody tr").first.locator("td.col-snippet mark")
    expect(marks.first).to_be_visible()
    assert {text.lower() for text in marks.all_inner_texts()} == {"military", "pact"}
    _screenshot(page, "search")


def test_home_page_searches_every_table(page: Page, datasette_url: str):
    """The home page's search box (datasette-search-all) finds the seed article."""
    page.goto(f"{datasette_url}/")
    page.fill("#search-all-q", '"intelligence-sharing pact"')
    page.press("#search-all-q", "Enter")
    page.wait_for_url("**/-/search?q=*")
    results = page.locator("#search-all-results")
    expect(results.locator("h2")).to_have_text(f"1 result in {DB}: articles")
    expect(results.locator("td", has_text=SEED_TITLE)).to_have_count(1)
    _screenshot(page, "home-search")


def test_article_page_shows_paragraphs_without_boilerplate(
    page: Page, datasette_url: str, explore_archive: Path, demo_content: dict
):
    """The seed article's page shows its title, byline and story paragraphs, and none of the
    page's boilerplate."""
    seed_id = _article_id(explore_archive, f"%/{SEED_SLUG}/")
    page.goto(f"{datasette_url}/{DB}/articles/{seed_id}")
    seed = next(a for a in demo_content["articles"] if a["slug"] == SEED_SLUG)
    expect(page.locator("h1.article-title")).to_have_text(SEED_TITLE)
    expect(page.locator(".article-text p")).to_have_text(story_paragraphs(seed))
    expect(page.locator(".byline")).to_have_text("By Mei-Lin Tan")
    article_text = page.locator("article").inner_text()
    for phrase in SEED_BOILERPLATE:
        assert phrase not in article_text
    expect(page.get_by_role("link", name="Earlier versions (0)")).to_be_visible()
    _screenshot(page, "article")
    page.get_by_role("link", name="Raw page record").click()
    page.wait_for_url(f"**/{DB}/pages/*")
    expect(page.locator("td.col-url")).to_contain_text(SEED_SLUG)


def test_chart_page_renders_charts(page: Page, datasette_url: str, explore_archive: Path):
    """The charts page draws articles per day per site (one bar per day and site) and the
    crawl runs over time, as SVG."""
    page.goto(f"{datasette_url}/-/dashboards/archive")
    bars = page.locator("#chart-articles-per-day svg g.mark-rect.role-mark path")
    expected_bars = rows(
        explore_archive,
        "SELECT count(*) FROM (SELECT DISTINCT substr(published, 1, 10), site FROM articles)",
    )[0][0]
    expect(bars).to_have_count(expected_bars)
    [(runs,)] = rows(explore_archive, "SELECT count(*) FROM crawl_runs")
    durations = page.locator("#chart-run-durations svg g.mark-symbol.role-mark path")
    expect(durations).to_have_count(runs)  # one point per run
    counts = page.locator("#chart-run-counts svg g.mark-symbol.role-mark path")
    expect(counts).to_have_count(4 * runs)  # pages, new, updated, errors of each run
    expect(page.locator("#chart-articles-total")).to_contain_text("46")
    _screenshot(page, "charts", full_page=True)


def test_crawl_history_shows_the_run(page: Page, datasette_url: str, explore_archive: Path):
    """Crawl history lists the demo crawl with its status and counts."""
    page.goto(f"{datasette_url}/{DB}/crawl_history")
    expect(page.locator("h1")).to_have_text("Crawl history")
    [(site, pages)] = rows(
        explore_archive, "SELECT site, pages_fetched FROM crawl_runs WHERE id = 1"
    )
    run = (
        page.locator("table.rows-and-columns tbody tr")
        .filter(has=page.locator("td.col-run", has_text="1"))
        .filter(has=page.locator("td.col-site", has_text=site))
    )
    expect(run).to_have_count(1)
    expect(run.locator("td.col-status")).to_have_text("ok")
    expect(run.locator("td.col-pages_fetched")).to_have_text(str(pages))
    expect(run.locator("td.col-articles_new")).to_have_text("45")
    expect(page.locator("table.rows-and-columns tbody tr")).to_have_count(3)
    _screenshot(page, "crawl-history")


def test_script_in_title_is_text_not_code(
    page: Page, dialogs: list[str], datasette_url: str, explore_archive: Path
):
    """An article whose title holds <script>alert(1)</script> shows it literally, and no
    dialog fires on its page, in the table, in search results or in cross-table search."""
    hostile_id = _article_id(explore_archive, HOSTILE_URL)
    page.goto(f"{datasette_url}/{DB}/articles/{hostile_id}")
    expect(page.locator("h1.article-title")).to_have_text(HOSTILE_TITLE)
    expect(page.locator(".article-text p")).to_have_text(HOSTILE_PARAGRAPHS)
    assert page.locator("article script, article img, article b").count() == 0
    _screenshot(page, "hostile-article")
    page.goto(f"{datasette_url}/{DB}/articles?site=hostile")
    expect(page.locator("td.col-title")).to_have_text([HOSTILE_TITLE])
    page.goto(f"{datasette_url}/{DB}/search_articles?q=alert")
    expect(page.locator("td.col-title")).to_have_text([HOSTILE_TITLE])
    expect(page.locator("td.col-snippet mark").first).to_have_text("alert")
    page.goto(f"{datasette_url}/-/search?q=alert")
    expect(page.locator("#search-all-results td").first).to_be_visible()
    expect(page.locator("#search-all-results")).to_contain_text(HOSTILE_TITLE)
    page.wait_for_timeout(300)  # time for a dialog to fire, had any script run
    assert dialogs == []
