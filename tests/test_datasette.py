"""`newsarchive serve`: the real Datasette server over an archive of the demo site, over HTTP.

The archive (`explore_archive`) is the demo crawl plus an article full of HTML and script and
an article changed once; it is called `newsroom.db`, so every page is checked under a
database name other than the metadata's `archive`.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path
from types import ModuleType

import markupsafe

from archive_samples import CHANGED_SLUG, CORRECTION, HOSTILE_TITLE, HOSTILE_URL
from conftest import (
    REPO_ROOT,
    SEED_SLUG,
    SEED_TITLE,
    free_tcp_port,
    rows,
    serve_datasette,
)
from newsarchive.demo.build import story_paragraphs
from newsarchive.serve import PLUGINS_DIR, datasette_metadata

DB = "newsroom"


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


def _json(url: str) -> list[dict]:
    return json.loads(_get(url))


def _query(base: str, name: str, **params: str) -> list[dict]:
    """The rows of a canned query, as JSON objects."""
    query = urllib.parse.urlencode({**params, "_shape": "array"})
    return _json(f"{base}/{DB}/{name}.json?{query}")


def _id_of(db: Path, slug: str) -> int:
    [(id_,)] = rows(db, "SELECT id FROM articles WHERE url LIKE ?", (f"%/{slug}/",))
    return id_


def test_articles_table_lists_every_article(datasette_url: str, explore_archive: Path):
    """The articles table page shows every archived article's title."""
    page = _get(datasette_url + f"/{DB}/articles?_size=100")
    titles = [title for (title,) in rows(explore_archive, "SELECT title FROM articles")]
    assert len(titles) >= 40
    for title in titles:
        assert _html_escape(title) in page


def test_articles_table_shows_a_snippet_not_the_text(datasette_url: str, explore_archive: Path):
    """The text column shows the start of each article, cut with "…", never the whole text."""
    page = _get(datasette_url + f"/{DB}/articles?_size=100")
    [(text,)] = rows(
        explore_archive, "SELECT text FROM articles WHERE url LIKE ?", (f"%/{SEED_SLUG}/",)
    )
    first, last = text.split("\n\n")[0], text.split("\n\n")[-1]
    assert _html_escape(first[:120]) in page
    assert _html_escape(last) not in page
    # Every demo article is longer than a snippet; the hostile one is not.
    assert page.count(" …</td>") == 45
    # Authors and tags read as names, not JSON.
    assert '<td class="col-authors type-str">Mei-Lin Tan</td>' in page
    assert '<td class="col-tags type-str">South Korea, Japan, Defence</td>' in page


def test_articles_sorted_by_published_desc(datasette_url: str, explore_archive: Path):
    """The default order of the articles table is newest first."""
    data = _json(datasette_url + f"/{DB}/articles.json?_shape=array&_size=5")
    expected = rows(explore_archive, "SELECT id FROM articles ORDER BY published DESC LIMIT 5")
    assert [row["id"] for row in data] == [id_ for (id_,) in expected]


def test_full_text_search_finds_seed(datasette_url: str):
    """A phrase of the seed article, searched in the articles table, returns it."""
    query = urllib.parse.quote('"intelligence-sharing pact"')
    data = _json(datasette_url + f"/{DB}/articles.json?_search={query}&_shape=array")
    assert [row["title"] for row in data] == [SEED_TITLE]
    page = _get(datasette_url + f"/{DB}/articles?_search={query}")
    assert _html_escape(SEED_TITLE) in page
    assert 'id="_search"' in page


def test_facets_configured(datasette_url: str, explore_archive: Path):
    """Site, section, authors, tags, published-date and language facets, with the right
    counts."""
    data = _json(datasette_url + f"/{DB}/articles.json")
    facets = data["facet_results"]
    assert set(facets) == {
        "site",
        "section",
        "authors",
        "tags",
        "published",
        "published_2",
        "language",
    }
    by_type = {facet["type"]: facet for key, facet in facets.items() if key.startswith("published")}
    assert set(by_type) == {"date", "month"}
    months = {f["value"]: f["count"] for f in by_type["month"]["results"]}
    assert months == dict(
        rows(
            explore_archive,
            "SELECT substr(published, 1, 7) AS m, count(*) FROM articles GROUP BY m",
        )
    )
    assert list(months) == sorted(months, reverse=True)
    [march] = [f for f in by_type["month"]["results"] if f["value"] == "2023-03"]
    assert march["toggle_url"].endswith("published__startswith=2023-03")
    filtered = _json(
        datasette_url + f"/{DB}/articles.json?published__startswith=2023-03&_shape=array&_size=max"
    )
    assert len(filtered) == march["count"] > 0
    counts = {f["value"]: f["count"] for f in facets["section"]["results"]}
    expected = dict(
        rows(explore_archive, "SELECT section, count(*) FROM articles GROUP BY section")
    )
    assert counts == expected
    tags = {f["value"]: f["count"] for f in facets["tags"]["results"]}
    assert (
        tags["Trade"]
        == rows(explore_archive, "SELECT count(*) FROM articles WHERE tags LIKE '%\"Trade\"%'")[0][
            0
        ]
    )


def test_authors_and_tags_facets_count_json_lists(datasette_url: str, explore_archive: Path):
    """The authors and tags facets (the indexed `terms` facet) count each article once per
    name, for the rows shown: the whole table, then one section, then a search."""
    for query, where in (
        ("", ""),
        ("section=Asia&", "WHERE section = 'Asia'"),
        (
            "_search=minister&",
            "WHERE id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH 'minister')",
        ),
    ):
        data = _json(datasette_url + f"/{DB}/articles.json?{query}_facet_size=100")
        for column in ("authors", "tags"):
            expected: dict[str, int] = {}
            for (values,) in rows(explore_archive, f"SELECT {column} FROM articles {where}"):
                for value in set(json.loads(values)):
                    expected[value] = expected.get(value, 0) + 1
            facet = data["facet_results"][column]
            assert facet["type"] == "terms"
            assert {v["value"]: v["count"] for v in facet["results"]} == expected, (query, column)
    mei = _json(
        datasette_url + f"/{DB}/articles.json?_shape=array&authors__arraycontains=Mei-Lin+Tan"
    )
    assert SEED_TITLE in [row["title"] for row in mei]


def test_internal_tables_hidden(datasette_url: str):
    """FTS shadow tables, block statistics, page dictionaries, the distributed writer's
    progress and migrations are hidden; the rest are not."""
    tables = _json(datasette_url + f"/{DB}.json")["tables"]
    hidden = {table["name"] for table in tables if table["hidden"]}
    shown = {table["name"] for table in tables if not table["hidden"]}
    assert hidden == {
        "articles_fts",
        "articles_fts_config",
        "articles_fts_data",
        "articles_fts_docsize",
        "articles_fts_idx",
        "article_terms",
        "block_stats",
        "block_stats_pages",
        "page_dictionaries",
        "ingest_progress",
        "_sqlite_migrations",
    }
    assert shown == {
        "articles",
        "article_versions",
        "pages",
        "crawl_runs",
        "crawl_errors",
        "fetched_urls",
        "url_shapes",
    }
    page = _get(datasette_url + f"/{DB}")
    assert "block_stats" not in page
    assert "page_dictionaries" not in page


def test_latest_articles_query(datasette_url: str, explore_archive: Path):
    """The canned query lists the newest articles first."""
    data = _query(datasette_url, "latest_articles")
    expected = rows(explore_archive, "SELECT title FROM articles ORDER BY published DESC LIMIT 50")
    assert [row["title"] for row in data] == [title for (title,) in expected]


def test_search_query_highlights_matches(datasette_url: str):
    """The search query finds the seed and shows its matching words in <mark>, escaped."""
    data = _query(datasette_url, "search_articles", q='"intelligence-sharing pact"')
    assert [row["title"] for row in data] == [SEED_TITLE]
    assert "military \x02intelligence-sharing pact\x03 with Japan" in data[0]["snippet"]
    page = _get(datasette_url + f"/{DB}/search_articles?q=pact")
    assert "<mark>pact</mark>" in page
    hostile = _get(datasette_url + f"/{DB}/search_articles?q=onerror")
    assert "&lt;img src=&#34;x&#34; <mark>onerror</mark>=&#34;alert(2)&#34;&gt;" in hostile
    assert "<img src" not in hostile


def test_articles_per_day_query(datasette_url: str, explore_archive: Path):
    """Per day and site, the number of articles published."""
    data = _query(datasette_url, "articles_per_day")
    expected = rows(
        explore_archive,
        "SELECT substr(published, 1, 10) AS d, site, count(*) FROM articles "
        "GROUP BY d, site ORDER BY d DESC, site",
    )
    assert [(r["day"], r["site"], r["articles"]) for r in data] == expected
    assert sum(r["articles"] for r in data) == 46


def test_crawl_history_query(datasette_url: str, explore_archive: Path):
    """Crawl history lists every run, newest first, with its counts and errors."""
    data = _query(datasette_url, "crawl_history")
    expected = rows(
        explore_archive,
        "SELECT id, site, status, pages_fetched, articles_new, articles_updated, errors "
        "FROM crawl_runs ORDER BY id DESC",
    )
    assert [
        (
            r["run"],
            r["site"],
            r["status"],
            r["pages_fetched"],
            r["articles_new"],
            r["articles_updated"],
            r["errors"],
        )
        for r in data
    ] == expected
    assert [r["site"] for r in data][1] == "hostile"
    assert data[2]["articles_new"] == 45
    assert [
        (r["listing_pages"], r["articles_skipped"], r["errors_by_kind"], r["megabytes"])
        for r in data
    ] == rows(
        explore_archive,
        "SELECT listing_pages, articles_skipped, errors_by_kind,"
        " round(bytes_received / 1048576.0, 2) FROM crawl_runs ORDER BY id DESC",
    )
    # Each run names the process that crawled it (host:pid), to tell workers apart.
    workers = [r["worker"] for r in data]
    assert [(w,) for w in workers] == rows(
        explore_archive, "SELECT worker FROM crawl_runs ORDER BY id DESC"
    )
    assert all(re.fullmatch(r".+:\d+", worker) for worker in workers), workers
    assert data[2]["listing_pages"] > 0
    page = _get(datasette_url + f"/{DB}/crawl_history")
    assert "<h1" in page and "Crawl history" in page


def test_changed_articles_query(datasette_url: str, explore_archive: Path):
    """Only the article that changed is listed, with its two versions."""
    data = _query(datasette_url, "changed_articles")
    assert [(r["id"], r["versions"]) for r in data] == [(_id_of(explore_archive, CHANGED_SLUG), 2)]


def test_top_authors_and_sections_queries(datasette_url: str, explore_archive: Path):
    """Authors and sections, most articles first."""
    authors = _query(datasette_url, "top_authors")
    counted: dict[str, int] = {}
    for (names,) in rows(explore_archive, "SELECT authors FROM articles"):
        for name in json.loads(names):
            counted[name] = counted.get(name, 0) + 1
    assert {r["author"]: r["articles"] for r in authors} == counted
    assert [r["articles"] for r in authors] == sorted(counted.values(), reverse=True)
    sections = _query(datasette_url, "top_sections")
    expected = rows(
        explore_archive,
        "SELECT site, section, count(*) AS n FROM articles WHERE section IS NOT NULL "
        "GROUP BY site, section ORDER BY n DESC, site, section",
    )
    assert [(r["site"], r["section"], r["articles"]) for r in sections] == expected


def test_article_page_is_readable(datasette_url: str, explore_archive: Path, demo_content: dict):
    """The seed's row page shows its title, byline and paragraphs, and links to its versions
    and raw page."""
    seed_id = _id_of(explore_archive, SEED_SLUG)
    page = _get(datasette_url + f"/{DB}/articles/{seed_id}")
    seed = next(a for a in demo_content["articles"] if a["slug"] == SEED_SLUG)
    article = page.split('<div class="article-text">')[1].split("</div>")[0]
    paragraphs = [p.split("</p>")[0] for p in article.split("<p>")[1:]]
    assert paragraphs == [_html_escape(p) for p in story_paragraphs(seed)]
    assert 'class="article-title"' in page and _html_escape(SEED_TITLE) in page
    [(page_id,)] = rows(explore_archive, "SELECT page_id FROM articles WHERE id = ?", (seed_id,))
    assert f'href="/{DB}/pages/{page_id}">Raw page record</a>' in page
    assert f'href="/{DB}/article_versions?article_id={seed_id}">Earlier versions (0)</a>' in page


def test_changed_article_links_to_its_versions(datasette_url: str, explore_archive: Path):
    """A changed article shows its new text and links to its one earlier version."""
    changed_id = _id_of(explore_archive, CHANGED_SLUG)
    page = _get(datasette_url + f"/{DB}/articles/{changed_id}")
    assert f"<p>{_html_escape(CORRECTION)}</p>" in page
    assert "Version 2." in page
    assert f'article_versions?article_id={changed_id}">Earlier versions (1)</a>' in page
    versions = _json(
        datasette_url + f"/{DB}/article_versions.json?article_id={changed_id}&_shape=array"
    )
    assert [(v["version"], CORRECTION in v["text"]) for v in versions] == [(1, False)]
    version_page = _get(datasette_url + f"/{DB}/article_versions/{versions[0]['id']}")
    [(text,)] = rows(
        explore_archive, "SELECT text FROM article_versions WHERE id = ?", (versions[0]["id"],)
    )
    shown = version_page.split('<div class="article-text">')[1].split("</div>")[0]
    assert [p.split("</p>")[0] for p in shown.split("<p>")[1:]] == [
        _html_escape(p) for p in text.split("\n\n")
    ]
    assert "Version 1, as fetched" in version_page
    assert f'href="/{DB}/articles/{changed_id}">The article as it is now</a>' in version_page


def test_hostile_article_is_escaped(datasette_url: str, explore_archive: Path):
    """Title, byline, section, tags and text holding HTML are shown as text; a javascript:
    canonical URL is not a link."""
    [(hostile_id,)] = rows(explore_archive, "SELECT id FROM articles WHERE url = ?", (HOSTILE_URL,))
    page = _get(datasette_url + f"/{DB}/articles/{hostile_id}")
    assert _html_escape(HOSTILE_TITLE) in page
    for raw in ("<script>alert(", "<img src", "<b>bold", "<em>World", "<i>tag", 'href="javascript'):
        assert raw not in page
    assert "Original: javascript:alert(4)" in page
    table = _get(datasette_url + f"/{DB}/articles?site=hostile")
    assert _html_escape(HOSTILE_TITLE) in table and "<script>alert(" not in table


def test_article_template_under_the_default_name(demo_archive: Path):
    """Served as `archive.db`, the database Datasette names `archive`, the template whose
    name says so is used directly."""
    with serve_datasette(demo_archive) as base:
        seed_id = _id_of(demo_archive, SEED_SLUG)
        page = _get(base + f"/archive/articles/{seed_id}")
    assert '<div class="article-text">' in page and _html_escape(SEED_TITLE) in page


def test_charts_dashboard(datasette_url: str, explore_archive: Path):
    """The charts page lists its charts; each chart's query runs on this archive."""
    page = _get(datasette_url + "/-/dashboards/archive")
    for chart in ("articles-per-day", "run-durations", "run-counts"):
        assert f'id="chart-{chart}"' in page
    dashboards = _json(datasette_url + "/-/metadata.json")["plugins"]["datasette-dashboards"]
    charts = dashboards["archive"]["charts"]
    assert {chart["db"] for chart in charts.values()} == {DB}
    per_day = charts["articles-per-day"]["query"]
    data = _json(datasette_url + f"/{DB}.json?_shape=array&sql=" + urllib.parse.quote(per_day))
    assert sum(r["articles"] for r in data) == 46


def test_home_page_searches_all_tables(datasette_url: str):
    """The home page has the cross-table search form (datasette-search-all)."""
    page = _get(datasette_url + "/")
    assert '<form class="core" action="/-/search" method="get">' in page
    assert f'href="/{DB}/crawl_history"' in page


def test_no_writing_plugin(datasette_url: str):
    """Only the plugins that display are installed; the database is read-only."""
    plugins = {p["name"] for p in _json(datasette_url + "/-/plugins.json")}
    assert plugins == {
        "datasette-dashboards",
        "datasette-search-all",
        "datasette-render-markdown",
        "datasette-leaflet",
        "newsarchive_facets.py",
        "newsarchive_views.py",
    }
    databases = _json(datasette_url + "/-/databases.json")
    assert [(d["name"], d["is_mutable"]) for d in databases] == [(DB, True)]


def test_listens_on_loopback_only(datasette_url: str):
    """Datasette binds to 127.0.0.1 by default, with its time limits set."""
    assert datasette_url.startswith("http://127.0.0.1:")
    data = _json(datasette_url + "/-/settings.json")
    assert (data["sql_time_limit_ms"], data["facet_time_limit_ms"]) == (3000, 1000)
    assert data["suggest_facets"] is False


def test_public_prints_a_warning(demo_archive: Path):
    """`serve --public` listens on every interface and says so on stderr."""
    port = free_tcp_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsarchive",
            "serve",
            "--db",
            str(demo_archive),
            "--port",
            str(port),
            "--public",
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        warning = process.stderr.readline()
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(f"http://127.0.0.1:{port}/-/versions.json")
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline
                time.sleep(0.2)
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()
    assert warning == (
        "Warning: --public: Datasette listens on 0.0.0.0 (every network interface); anyone "
        "who can reach this machine on that port can read the whole archive.\n"
    )


def _html_escape(text: str) -> str:
    """`text` as Datasette's templates (Jinja with markupsafe) write it in HTML."""
    return str(markupsafe.escape(text))


def test_metadata_follows_the_archive_name():
    """The metadata, its home-page links and its charts use the database name Datasette
    gives the archive file (tilde-encoded in URLs)."""
    metadata = datasette_metadata(Path("/data/news.2024.db"))
    assert list(metadata["databases"]) == ["news.2024"]
    assert 'href="/news~2E2024/crawl_history"' in metadata["description_html"]
    assert "/archive/" not in metadata["description_html"]
    charts = metadata["plugins"]["datasette-dashboards"]["archive"]["charts"]
    assert {chart["db"] for chart in charts.values()} == {"news.2024"}
    default = datasette_metadata(Path("archive.db"))
    assert list(default["databases"]) == ["archive"]


def _plugin(name: str) -> ModuleType:
    """A module of `newsarchive/datasette/plugins/` (loaded by Datasette from that folder)."""
    path = PLUGINS_DIR / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"plugin_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_display_helpers():
    """Snippets cut at a word, matches highlighted with everything else escaped, only
    http(s) links, JSON lists read leniently."""
    views = _plugin("newsarchive_views")
    assert views.text_snippet("One two\n\nthree", limit=20) == "One two three"
    assert views.text_snippet("alpha beta gamma delta", limit=12) == "alpha beta …"
    assert str(views.highlight_matches("a <b> \x02pact\x03 & c")) == (
        "a &lt;b&gt; <mark>pact</mark> &amp; c"
    )
    assert views.http_url(" https://example.org/a ") == "https://example.org/a"
    assert views.http_url("javascript:alert(1)") == ""
    assert views.http_url(None) == ""
    assert views.json_list('["A", "", 3]') == ["A", "3"]
    assert views.json_list("not json") == []
    assert views.json_list('{"a": 1}') == []
    assert views.paragraphs("p1\n\n\n\n p2 \n\n") == ["p1", "p2"]


def test_whole_table_detection():
    """The terms facet counts from the index only when the page shows every article."""
    facets = _plugin("newsarchive_facets")
    assert facets._whole_table('select id, [title], "text" from articles ')
    assert facets._whole_table("select id from [articles]")
    assert not facets._whole_table("select id, title from articles where section = :p0")
    assert not facets._whole_table("select id from article_versions")
