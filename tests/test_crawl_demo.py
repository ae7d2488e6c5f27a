"""End to end: `newsarchive crawl` of the demo site served on 127.0.0.1 into a SQLite file."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import rows, run_cli
from newsarchive.demo.build import article_path, story_paragraphs

SEED_SLUG = "south-korea-to-normalise-military-pact-with-japan"
SEED_BOILERPLATE = [
    'Press "Enter" to skip to content',
    "READ MORE:",
    "Japan, South Korea pledge renewed ‘shuttle diplomacy’ after ties reset",
    "Is the threat of North Korea spurring Japan-South Korea rapprochement?",
    "More from Asia",
    "More posts in Asia »",
    "Be First to Comment",
    "Leave a Reply",
    "Your email address will not be published.",
    "Required fields are marked",
]


def _seed(demo_content: dict) -> dict:
    return next(a for a in demo_content["articles"] if a["slug"] == SEED_SLUG)


def test_every_demo_article_archived_exactly_once(demo_archive: Path, demo_content: dict):
    """Every article page of the demo site is one row; no listing, tag or home page is."""
    archived = rows(demo_archive, "SELECT url FROM articles ORDER BY url")
    paths = sorted("/" + url.split("/", 3)[3] for (url,) in archived)
    expected = sorted(article_path(a) for a in demo_content["articles"])
    assert paths == expected
    assert len(archived) == len(demo_content["articles"]) >= 40


def test_no_listing_pages_archived(demo_archive: Path):
    """Home, section, pagination, tag, author, about and robots-disallowed pages are not
    articles."""
    archived = {url.split("/", 3)[3] for (url,) in rows(demo_archive, "SELECT url FROM articles")}
    assert "" not in archived
    for prefix in ("category/", "tag/", "author/", "about/", "privacy/", "private/", "video/"):
        assert not [path for path in archived if path.startswith(prefix)]
    assert not [path for path in archived if "/page/" in path]


def test_seed_article_text_is_the_story_only(demo_archive: Path, demo_content: dict):
    """The seed article keeps each story paragraph in order and none of its boilerplate."""
    seed = _seed(demo_content)
    [(text,)] = rows(
        demo_archive, "SELECT text FROM articles WHERE url LIKE ?", (f"%/{SEED_SLUG}/",)
    )
    paragraphs = story_paragraphs(seed)
    assert paragraphs[0].startswith("South Korea will fully implement")
    assert paragraphs[-1].endswith("increase in weapons production.")
    assert "Security challenge" in paragraphs
    assert text.split("\n\n") == paragraphs
    for phrase in SEED_BOILERPLATE:
        assert phrase not in text


def test_seed_article_metadata(demo_archive: Path, demo_content: dict):
    """Title, date, author, section and tags come from the page's own metadata."""
    seed = _seed(demo_content)
    author = next(a["name"] for a in demo_content["authors"] if a["slug"] == seed["author"])
    [row] = rows(
        demo_archive,
        "SELECT title, published, authors, section, tags, language, canonical_url, word_count,"
        " text FROM articles WHERE url LIKE ?",
        (f"%/{SEED_SLUG}/",),
    )
    title, published, authors, section, tags, language, canonical, word_count, text = row
    assert title == "South Korea to ‘normalise’ military pact with Japan after Tokyo summit"
    assert published == "2023-03-18T08:15:00+00:00"
    assert json.loads(authors) == [author]
    assert section == "Asia"
    assert json.loads(tags) == seed["tags"]
    assert language == "en-GB"
    assert canonical.endswith(f"/2023/03/18/{SEED_SLUG}/") and canonical.startswith("http://")
    assert word_count == len(text.split())


def test_raw_page_kept_for_every_article(demo_archive: Path):
    """Each article has its raw HTML in `pages`, compressed, with status and headers."""
    missing = rows(
        demo_archive,
        "SELECT a.url FROM articles a LEFT JOIN pages p ON p.id = a.page_id WHERE p.id IS NULL",
    )
    assert missing == []
    [(status, headers, length)] = rows(
        demo_archive,
        "SELECT p.status, p.headers, length(p.html_zstd) < p.content_length FROM pages p"
        " JOIN articles a ON a.page_id = p.id WHERE a.url LIKE ?",
        (f"%/{SEED_SLUG}/",),
    )
    assert status == 200
    assert json.loads(headers)["Content-Type"].startswith("text/html")
    assert length == 1


def test_crawl_run_recorded(demo_archive: Path, demo_content: dict):
    """The run is logged with its status and counts."""
    [(status, new, unchanged, errors, pages, finished)] = rows(
        demo_archive,
        "SELECT status, articles_new, articles_unchanged, errors, pages_fetched, finished"
        " FROM crawl_runs",
    )
    assert (status, new, unchanged, errors) == ("ok", len(demo_content["articles"]), 0, 0)
    assert pages > new
    assert finished is not None


def test_second_crawl_adds_no_rows(tmp_path: Path, demo_site, demo_content: dict):
    """Crawling the same site again adds no article or page rows, fetches no archived
    article again (none is due for a revisit), and logs a second run."""
    db = tmp_path / "archive.db"
    first = run_cli("crawl", demo_site.base_url, "--db", str(db), "--no-throttle")
    assert first.returncode == 0, first.stderr
    counts = rows(db, "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM pages)")
    second = run_cli("crawl", demo_site.base_url, "--db", str(db), "--no-throttle")
    assert second.returncode == 0, second.stderr
    assert (
        rows(db, "SELECT (SELECT count(*) FROM articles), (SELECT count(*) FROM pages)") == counts
    )
    n = len(demo_content["articles"])
    assert rows(
        db,
        "SELECT id, status, articles_new, articles_unchanged, articles_skipped FROM crawl_runs",
    ) == [(1, "ok", n, 0, 0), (2, "ok", 0, 0, n)]
    assert f"0 new, 0 updated, 0 unchanged, 0 not modified, {n} already archived" in second.stdout


def test_robots_txt_obeyed_and_user_agent(demo_site, tmp_path: Path):
    """A disallowed path is never requested; every request names the project."""
    result = run_cli("crawl", demo_site.base_url, "--db", str(tmp_path / "a.db"), "--no-throttle")
    assert result.returncode == 0, result.stderr
    assert "/robots.txt" in demo_site.request_log
    assert demo_site.user_agents == {"newsarchive/0.1.0 (news archiving crawler; Scrapy)"}
    assert not [path for path in demo_site.request_log if path.startswith("/private/")]


def test_max_articles(demo_site, tmp_path: Path):
    """--max-articles stops the crawl after that many articles."""
    db = tmp_path / "a.db"
    result = run_cli(
        "crawl", demo_site.base_url, "--db", str(db), "--no-throttle", "--max-articles", "5"
    )
    assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT count(*) FROM articles") == [(5,)]


def test_section_start_url_stays_in_section(demo_site, tmp_path: Path, demo_content: dict):
    """Starting from a section page archives that section's articles (all its pages)."""
    db = tmp_path / "a.db"
    result = run_cli(
        "crawl", demo_site.base_url + "category/science/", "--db", str(db), "--no-throttle"
    )
    assert result.returncode == 0, result.stderr
    sections = rows(db, "SELECT DISTINCT section FROM articles")
    expected = sum(1 for a in demo_content["articles"] if a["section"] == "science")
    assert sections == [("Science",)]
    assert rows(db, "SELECT count(*) FROM articles") == [(expected,)]


def test_every_demo_article_text_and_metadata(demo_archive: Path, demo_content: dict):
    """Every demo article's text is exactly its story paragraphs (no promo, comment,
    share or sidebar text), and its metadata is the page's own."""
    authors = {a["slug"]: a["name"] for a in demo_content["authors"]}
    sections = {s["slug"]: s["name"] for s in demo_content["sections"]}
    for article in demo_content["articles"]:
        [row] = rows(
            demo_archive,
            "SELECT text, title, published, modified, authors, section, tags FROM articles"
            " WHERE url LIKE ?",
            (f"%{article_path(article)}",),
        )
        text, title, published, modified, authors_json, section, tags = row
        assert text.split("\n\n") == story_paragraphs(article), article["slug"]
        assert (title, published, modified) == (
            article["title"],
            article["published"],
            article["modified"],
        )
        assert json.loads(authors_json) == [authors[article["author"]]]
        assert section == sections[article["section"]]
        assert json.loads(tags) == article["tags"]
