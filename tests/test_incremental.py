"""Scheduled crawls: incremental runs, history, discovery by feed and sitemap, early stop
of pagination, consent walls. Each test serves a generated news site (`Newsroom`) on
127.0.0.1, crawls it with `newsarchive crawl`, changes it, and crawls again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from conftest import rows, run_cli
from newsarchive.demo.server import SiteServer, serve_site
from newsroom import Newsroom, generate_articles

ARTICLE_PATH = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]+/$")


@pytest.fixture
def newsroom(tmp_path: Path) -> Iterator[tuple[Newsroom, SiteServer]]:
    """100 articles in 4 sections (25 each: 3 listing pages), served on 127.0.0.1."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    with serve_site(site_dir) as server:
        room = Newsroom(site_dir, server.base_url, generate_articles(100))
        room.write()
        yield room, server


def crawl(server: SiteServer, db: Path, *args: str):
    """One `newsarchive crawl` of the served site; the server's log starts afresh."""
    server.request_log.clear()
    return run_cli("crawl", server.base_url, "--db", str(db), "--no-throttle", *args)


def article_paths(server: SiteServer) -> list[str]:
    """The article pages requested since the log was cleared."""
    return [path for path in server.request_log if ARTICLE_PATH.match(path)]


def run_row(db: Path, run_id: int) -> dict:
    """A `crawl_runs` row as a dict."""
    names = [r[1] for r in rows(db, "PRAGMA table_info(crawl_runs)")]
    (values,) = rows(db, "SELECT * FROM crawl_runs WHERE id = ?", (run_id,))
    return dict(zip(names, values, strict=True))


def test_second_run_fetches_only_new_and_changed(newsroom, tmp_path: Path):
    """Edit 3, delete 1, add 5: run 2 stores exactly 5 new articles and 3 new versions,
    fetches no unchanged article, and keeps the deleted one."""
    room, server = newsroom
    db = tmp_path / "archive.db"
    first = crawl(server, db)
    assert first.returncode == 0, first.stderr
    assert rows(db, "SELECT count(*) FROM articles") == [(100,)]
    assert len(set(article_paths(server))) == 100

    newest = room.newest_first()
    edited = [newest[10], newest[40], newest[70]]
    deleted = newest[55]
    now = datetime.now(UTC)
    for article in edited:
        room.edit(article.slug, f"Update: the council corrected {article.slug}.", now)
    room.delete(deleted.slug)
    added = generate_articles(5, newest=newest[0].published + timedelta(days=1), seed=99)
    for number, article in enumerate(added):
        article.slug = f"late-breaking-story-number-{number}"
    room.add(added)

    second = crawl(server, db)
    assert second.returncode == 0, second.stderr
    fetched = article_paths(server)
    assert sorted(fetched) == sorted(a.path for a in added + edited)
    run = run_row(db, 2)
    assert (
        run["status"],
        run["articles_new"],
        run["articles_updated"],
        run["articles_unchanged"],
        run["articles_skipped"],
        run["errors"],
    ) == ("ok", 5, 3, 0, 96, 0)
    assert rows(db, "SELECT count(*) FROM articles") == [(105,)]
    # History: the edited articles are at version 2, their first text kept as version 1.
    versions = rows(
        db,
        "SELECT a.url, a.version, v.version, instr(a.text, 'Update: the council'),"
        " instr(v.text, 'Update: the council') FROM article_versions v"
        " JOIN articles a ON a.id = v.article_id ORDER BY a.url",
    )
    assert [(url, *rest[:2]) for url, *rest in versions] == sorted(
        (server.base_url.rstrip("/") + a.path, 2, 1) for a in edited
    )
    assert all(in_new > 0 and in_old == 0 for *_, in_new, in_old in versions)
    # The deleted article stays archived, untouched.
    deleted_url = server.base_url.rstrip("/") + deleted.path
    assert rows(db, "SELECT version, crawl_run_id FROM articles WHERE url = ?", (deleted_url,)) == [
        (1, 1)
    ]
    assert "5 new, 3 updated" in second.stdout
    assert "96 already archived (not fetched)" in second.stdout


def test_pagination_stops_at_first_known_page(newsroom, tmp_path: Path):
    """Run 2 reads a section's listing pages up to the first one whose articles are all
    archived; `--backfill` reads them all."""
    room, server = newsroom
    db = tmp_path / "archive.db"
    assert crawl(server, db).returncode == 0
    assert "/section/news/page/3/" in server.request_log  # run 1 paged through everything

    added = generate_articles(
        2, sections=("news",), newest=room.newest_first()[0].published + timedelta(days=1), seed=5
    )
    for number, article in enumerate(added):
        article.slug = f"news-only-addition-number-{number}"
    room.add(added)
    assert crawl(server, db).returncode == 0
    listings = {p for p in server.request_log if p.startswith("/section/")}
    # "news" page 1 has the new articles, page 2 is all known: page 3 is not read.
    assert listings == {
        "/section/news/",
        "/section/news/page/2/",
        "/section/business/",
        "/section/science/",
        "/section/sport/",
    }
    assert rows(db, "SELECT articles_new FROM crawl_runs WHERE id = 2") == [(2,)]

    backfill = crawl(server, db, "--backfill")
    assert backfill.returncode == 0, backfill.stderr
    listings = {p for p in server.request_log if p.startswith("/section/")}
    expected = {f"/section/{s}/" for s in room.sections()} | {
        f"/section/{s}/page/{n}/" for s in room.sections() for n in (2, 3)
    }
    assert listings == expected
    assert article_paths(server) == []  # nothing new to fetch, even when paging through all
    assert rows(db, "SELECT mode FROM crawl_runs ORDER BY id") == [
        ("incremental",),
        ("incremental",),
        ("backfill",),
    ]


def test_feed_only_site(tmp_path: Path):
    """A site whose pages link to no article, with a feed announced on its home page."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    with serve_site(site_dir) as server:
        articles = generate_articles(30)
        Newsroom(
            site_dir, server.base_url, articles, listings=False, sitemap=False, feed_size=None
        ).write()
        result = crawl(server, tmp_path / "a.db")
    db = tmp_path / "a.db"
    assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT count(*), count(DISTINCT found_via), min(found_via) FROM articles") == [
        (30, 1, server.base_url + "feed.xml")
    ]
    assert rows(db, "SELECT count(*) FROM crawl_errors") == [(0,)]
    assert rows(db, "SELECT status, feed_pages, sitemap_pages FROM crawl_runs") == [("ok", 1, 0)]


def test_sitemap_only_site(tmp_path: Path):
    """A site with neither article links nor feed: its robots.txt names a sitemap index."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    with serve_site(site_dir) as server:
        articles = generate_articles(30)
        Newsroom(
            site_dir, server.base_url, articles, listings=False, feed=False, sitemap_index_size=8
        ).write()
        result = crawl(server, tmp_path / "a.db")
    db = tmp_path / "a.db"
    assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT count(*) FROM articles") == [(30,)]
    found = {via for (via,) in rows(db, "SELECT DISTINCT found_via FROM articles")}
    assert found == {f"{server.base_url}sitemap-{n}.xml" for n in (1, 2, 3, 4)}
    assert rows(db, "SELECT status, feed_pages, sitemap_pages FROM crawl_runs") == [("ok", 0, 5)]


def test_revisit_is_conditional_and_304_is_not_modified(newsroom, tmp_path: Path):
    """A due revisit sends If-Modified-Since; the server's 304 counts as not modified and
    stores nothing new."""
    _, server = newsroom
    db = tmp_path / "archive.db"
    assert crawl(server, db).returncode == 0
    # Every article is due at once: revisit anything fetched more than 0 days ago.
    second = crawl(server, db, "-s", "REVISIT_OLD_EVERY_DAYS=0.0000001")
    assert second.returncode == 0, second.stderr
    run = run_row(db, 2)
    assert (run["articles_not_modified"], run["articles_unchanged"], run["articles_new"]) == (
        100,
        0,
        0,
    )
    assert rows(db, "SELECT count(*) FROM pages") == [(100,)]
    assert rows(db, "SELECT count(*) FROM articles WHERE crawl_run_id = 2") == [(100,)]


def test_consent_wall_is_a_warning_and_overwrites_nothing(newsroom, tmp_path: Path):
    """On run 2 every page is a consent wall: the run is "warning", the exit status 3, and
    no article text is replaced by the wall's."""
    room, server = newsroom
    db = tmp_path / "archive.db"
    assert crawl(server, db).returncode == 0
    before = rows(db, "SELECT url, text, content_hash FROM articles ORDER BY url")
    changed = room.newest_first()[:4]
    for article in changed:  # the sitemap says these changed: they are fetched again
        room.edit(article.slug, "Update: a correction.", datetime.now(UTC))
    room.wall()
    second = crawl(server, db)
    assert second.returncode == 3, second.stderr
    assert "Warning:" in second.stderr and "consent wall" in second.stderr
    assert sorted(article_paths(server)) == sorted(a.path for a in changed)
    assert rows(db, "SELECT url, text, content_hash FROM articles ORDER BY url") == before
    assert rows(db, "SELECT count(*) FROM article_versions") == [(0,)]
    (status, error, kinds) = rows(
        db, "SELECT status, error, errors_by_kind FROM crawl_runs WHERE id = 2"
    )[0]
    assert status == "warning"
    assert "consent wall" in error
    assert kinds == '{"wall": 5}'  # the home page and the 4 changed articles


def test_site_without_articles_is_a_warning(tmp_path: Path):
    """A site that yields no article link at all is a warning, not a silent success."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    (site_dir / "index.html").write_text(
        "<html><head><title>Parked</title></head><body><p>Coming soon.</p></body></html>"
    )
    with serve_site(site_dir) as server:
        result = crawl(server, tmp_path / "a.db")
    assert result.returncode == 3
    assert rows(tmp_path / "a.db", "SELECT status, error FROM crawl_runs") == [
        ("warning", "no article found: the start pages, feeds and sitemaps led to none")
    ]
    assert "Warning:" in result.stderr and "no article found" in result.stderr


def test_unchanged_child_sitemaps_are_not_fetched_again(tmp_path: Path):
    """In a sitemap index, child sitemaps whose lastmod predates the last complete run are
    skipped by the next run; the changed one is read and its new articles archived."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    db = tmp_path / "a.db"
    with serve_site(site_dir) as server:
        room = Newsroom(
            site_dir,
            server.base_url,
            generate_articles(30),
            listings=False,
            feed=False,
            sitemap_index_size=8,
        )
        room.write()
        assert crawl(server, db).returncode == 0
        added = generate_articles(2, newest=datetime.now(UTC), seed=3)
        for number, article in enumerate(added):
            article.slug = f"fresh-sitemap-entry-number-{number}"
        room.add(added)
        second = crawl(server, db)
    assert second.returncode == 0, second.stderr
    sitemaps = [p for p in server.request_log if p.endswith(".xml")]
    assert sorted(sitemaps) == ["/sitemap-1.xml", "/sitemap.xml"]
    assert sorted(article_paths(server)) == sorted(a.path for a in added)
    assert rows(db, "SELECT articles_new, sitemap_pages FROM crawl_runs WHERE id = 2") == [(2, 2)]
