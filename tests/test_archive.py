"""Tests for the archive: schema, article and page storage, runs, errors and search."""

import hashlib
import json
import os
import socket
import sqlite3
from contextlib import closing
from dataclasses import replace
from datetime import datetime

import pytest
import zstandard

from crawler.items import ArticlePage
from pipelines.archive import Archive, ArchiveError, RunCounts
from pipelines.extraction import EXTRACTOR_VERSION, ExtractedArticle

URL = "http://127.0.0.1:8765/2023/03/18/harbour-pier-to-close/"
LISTING = "http://127.0.0.1:8765/category/local/"
TEXT = (
    "The harbour authority confirmed that the eastern pier will close for repairs.\n\n"
    "Fishing boats will unload at the western quay instead."
)
TEXT_UPDATED = (
    "The harbour authority confirmed that the eastern pier will close for repairs.\n\n"
    "Fishing boats will unload at the western quay instead.\n\n"
    "Update: the lighthouse keeper said the walkway stays open until April."
)
BODY = b"<html><body><article><p>The eastern pier will close.</p></article></body></html>"
BODY_CHANGED = b"<html><body><article><p>The eastern pier will close!</p></article></body></html>"

TABLES = {
    "articles",
    "pages",
    "crawl_runs",
    "crawl_errors",
    "articles_fts",
    "article_versions",
    "block_stats",
    "block_stats_pages",
    "article_terms",
    "fetched_urls",
    "url_shapes",
    "page_dictionaries",
    "ingest_progress",
}


def make_page(
    body: bytes = BODY, fetched_at: str = "2023-03-18T10:00:00+00:00", url: str = URL
) -> ArticlePage:
    """An `ArticlePage` as the spider yields it."""
    return ArticlePage(
        url=url,
        requested_url=url + "?utm_source=feed",
        status=200,
        headers={"Content-Type": "text/html; charset=UTF-8"},
        body=body,
        encoding="utf-8",
        site="coastline",
        found_via=LISTING,
        fetched_at=fetched_at,
    )


def make_article(text: str = TEXT, url: str = URL, title: str = "Eastern pier to close"):
    """An `ExtractedArticle` as extraction returns it."""
    return ExtractedArticle(
        url=url,
        canonical_url=url,
        title=title,
        authors=["Jane Doe", "Zoë Brandt"],
        published="2023-03-18T08:15:00+00:00",
        modified=None,
        section="Local",
        tags=["Harbour", "Ferries"],
        language="en",
        description="The eastern pier closes for repairs in May.",
        image="http://127.0.0.1:8765/wp-content/uploads/pier.jpg",
        text=text,
        word_count=len(text.split()),
    )


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fts_ids(archive: Archive, query: str) -> list[int]:
    """The rowids of articles matching a full-text query."""
    sql = "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ? ORDER BY rowid"
    return [row[0] for row in archive.db.execute(sql, [query]).fetchall()]


# Opening -------------------------------------------------------------------------------


def test_open_creates_file_with_tables(tmp_path):
    """A new archive file has the articles, pages, runs, errors and FTS tables."""
    path = tmp_path / "archive.db"
    with closing(Archive.open(path)) as archive:
        assert path.is_file()
        names = set(archive.db.table_names())
        assert {name for name in names if not name.startswith(("_", "articles_fts_"))} == TABLES
        for table in ("articles", "pages", "crawl_runs", "crawl_errors"):
            assert archive.count(table) == 0


def test_open_accepts_str_path(tmp_path):
    """A path given as a string works too."""
    with closing(Archive.open(str(tmp_path / "archive.db"))) as archive:
        assert archive.path == tmp_path / "archive.db"


def test_open_uses_wal_journal(tmp_path):
    """The archive is in WAL mode, also as seen by a separate connection."""
    path = tmp_path / "archive.db"
    with closing(Archive.open(path)) as archive:
        assert archive.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_open_twice_applies_migrations_once(tmp_path):
    """Reopening an archive applies no migration again and keeps its rows."""
    path = tmp_path / "archive.db"
    with closing(Archive.open(path)) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), make_article(), run_id)
        applied = list(archive.db["_sqlite_migrations"].rows)
    with closing(Archive.open(path)) as archive:
        assert list(archive.db["_sqlite_migrations"].rows) == applied
        assert [row["name"] for row in applied] == [
            "m001_initial",
            "m002_history",
            "m003_block_stats",
            "m004_article_terms",
            "m005_site_knowledge",
            "m006_page_dictionaries",
            "m007_workers",
        ]
        assert archive.count("articles") == 1
        assert archive.count("crawl_runs") == 1


def test_open_in_missing_folder_raises(tmp_path):
    """A path whose folder does not exist is an ArchiveError naming the folder."""
    path = tmp_path / "missing" / "archive.db"
    with pytest.raises(ArchiveError, match="does not exist"):
        Archive.open(path)
    assert not (tmp_path / "missing").exists()


def test_open_directory_raises(tmp_path):
    """A path that is a directory is an ArchiveError."""
    folder = tmp_path / "folder.db"
    folder.mkdir()
    with pytest.raises(ArchiveError, match=r"folder\.db"):
        Archive.open(folder)


def test_open_non_sqlite_file_raises(tmp_path):
    """A file that is not an SQLite database is an ArchiveError, and is left as it was."""
    path = tmp_path / "notes.db"
    path.write_text("These are notes, not a database. " * 20)
    with pytest.raises(ArchiveError, match=r"notes\.db"):
        Archive.open(path)
    assert path.read_text() == "These are notes, not a database. " * 20


# Storing articles ----------------------------------------------------------------------


def test_store_new_article_exact_row(tmp_path):
    """A new article is one articles row with every field, and one pages row."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        assert archive.store_article(make_page(), make_article(), run_id) == "new"
        articles = list(archive.db["articles"].rows)
        pages = list(archive.db["pages"].rows)
    assert len(pages) == 1
    assert articles == [
        {
            "id": 1,
            "url": URL,
            "canonical_url": URL,
            "site": "coastline",
            "title": "Eastern pier to close",
            "authors": '["Jane Doe", "Zoë Brandt"]',
            "published": "2023-03-18T08:15:00+00:00",
            "modified": None,
            "section": "Local",
            "tags": '["Harbour", "Ferries"]',
            "language": "en",
            "description": "The eastern pier closes for repairs in May.",
            "image": "http://127.0.0.1:8765/wp-content/uploads/pier.jpg",
            "text": TEXT,
            "word_count": 21,
            "content_hash": sha256(f"Eastern pier to close\n{TEXT}".encode()),
            "extractor_version": EXTRACTOR_VERSION,
            "found_via": LISTING,
            "first_seen": "2023-03-18T10:00:00+00:00",
            "last_seen": "2023-03-18T10:00:00+00:00",
            "crawl_run_id": run_id,
            "page_id": pages[0]["id"],
            "version": 1,
            "etag": None,
            "http_last_modified": None,
            "sitemap_lastmod": None,
            "last_fetched": "2023-03-18T10:00:00+00:00",
            "url_key": URL.rstrip("/"),
        }
    ]


def test_store_new_article_exact_page_row(tmp_path):
    """The pages row holds the response, its body zstd-compressed, linked to the article."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), make_article(), run_id)
        (page,) = list(archive.db["pages"].rows)
        (article,) = list(archive.db["articles"].rows)
        assert archive.page_html(page) == BODY
    assert zstandard.ZstdDecompressor().decompress(page["html_zstd"]) == BODY
    assert {k: v for k, v in page.items() if k != "html_zstd"} == {
        "id": 1,
        "url": URL,
        "requested_url": URL + "?utm_source=feed",
        "article_id": article["id"],
        "status": 200,
        "headers": '{"Content-Type": "text/html; charset=UTF-8"}',
        "fetched_at": "2023-03-18T10:00:00+00:00",
        "encoding": "utf-8",
        "content_length": len(BODY),
        "sha256": sha256(BODY),
        "html_zlib": None,
        "dictionary_id": None,
        "crawl_run_id": run_id,
    }


def test_authors_and_tags_stored_as_json_arrays(tmp_path):
    """Authors and tags are JSON arrays; empty lists are stored as []."""
    article = replace(make_article(), authors=[], tags=["Harbour"])
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), article, run_id)
        (row,) = list(archive.db["articles"].rows)
    assert json.loads(row["authors"]) == []
    assert json.loads(row["tags"]) == ["Harbour"]


def test_store_same_content_is_unchanged(tmp_path):
    """The same article again is "unchanged": no new rows, last_seen moves on."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), make_article(), run_id)
        before = list(archive.db["articles"].rows)
        later = make_page(fetched_at="2023-03-19T10:00:00+00:00")
        assert archive.store_article(later, make_article(), run_id) == "unchanged"
        after = list(archive.db["articles"].rows)
        assert archive.count("articles") == 1
        assert archive.count("pages") == 1
    assert after == [
        {
            **before[0],
            "last_seen": "2023-03-19T10:00:00+00:00",
            "last_fetched": "2023-03-19T10:00:00+00:00",
        }
    ]


def test_store_changed_text_is_updated(tmp_path):
    """Changed text is "updated": same row id, first_seen kept, text and hash replaced."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        first_run = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), make_article(), first_run)
        (before,) = list(archive.db["articles"].rows)
        second_run = archive.start_run("coastline", [LISTING])
        later = make_page(body=BODY_CHANGED, fetched_at="2023-03-20T10:00:00+00:00")
        outcome = archive.store_article(later, make_article(TEXT_UPDATED), second_run)
        after = list(archive.db["articles"].rows)
        pages = list(archive.db["pages"].rows)
    assert outcome == "updated"
    assert len(after) == 1
    assert after[0] == {
        **before,
        "text": TEXT_UPDATED,
        "word_count": len(TEXT_UPDATED.split()),
        "content_hash": sha256(f"Eastern pier to close\n{TEXT_UPDATED}".encode()),
        "last_seen": "2023-03-20T10:00:00+00:00",
        "last_fetched": "2023-03-20T10:00:00+00:00",
        "version": 2,
        "crawl_run_id": second_run,
        "page_id": pages[1]["id"],
    }
    assert after[0]["id"] == before["id"]
    assert after[0]["first_seen"] == "2023-03-18T10:00:00+00:00"


def test_store_changed_title_is_updated(tmp_path):
    """A changed title alone is a content change."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), make_article(), run_id)
        outcome = archive.store_article(
            make_page(), make_article(title="Eastern pier closes in May"), run_id
        )
        assert outcome == "updated"
        assert [row["title"] for row in archive.db["articles"].rows] == [
            "Eastern pier closes in May"
        ]


def test_sequence_of_outcomes_and_counts(tmp_path):
    """new, unchanged, updated, unchanged: one article row throughout."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        outcomes = [
            archive.store_article(make_page(), make_article(), run_id),
            archive.store_article(make_page(), make_article(), run_id),
            archive.store_article(make_page(BODY_CHANGED), make_article(TEXT_UPDATED), run_id),
            archive.store_article(make_page(BODY_CHANGED), make_article(TEXT_UPDATED), run_id),
        ]
        assert outcomes == ["new", "unchanged", "updated", "unchanged"]
        assert archive.count("articles") == 1
        assert archive.count("pages") == 2


def test_identical_page_bytes_add_no_page_row(tmp_path):
    """The same bytes for the same URL are stored once."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), make_article(), run_id)
        archive.store_article(make_page(fetched_at="2023-03-19T10:00:00+00:00"), make_article(), 1)
        assert [(row["id"], row["fetched_at"]) for row in archive.db["pages"].rows] == [
            (1, "2023-03-18T10:00:00+00:00")
        ]


def test_changed_page_bytes_add_page_row_for_unchanged_article(tmp_path):
    """Changed bytes with the same article text add a pages row linked to the article."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), make_article(), run_id)
        later = make_page(BODY_CHANGED, fetched_at="2023-03-19T10:00:00+00:00")
        assert archive.store_article(later, make_article(), run_id) == "unchanged"
        pages = list(archive.db["pages"].rows)
        (article,) = list(archive.db["articles"].rows)
        assert [archive.page_html(p) for p in pages] == [BODY, BODY_CHANGED]
    assert [(p["id"], p["article_id"], p["sha256"]) for p in pages] == [
        (1, article["id"], sha256(BODY)),
        (2, article["id"], sha256(BODY_CHANGED)),
    ]
    assert article["page_id"] == 2
    assert article["last_seen"] == "2023-03-19T10:00:00+00:00"


def test_two_urls_are_two_articles(tmp_path):
    """Different URLs with different texts are different articles."""
    other = "http://127.0.0.1:8765/2023/03/19/market-day-moves/"
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        assert archive.store_article(make_page(), make_article(), run_id) == "new"
        changed = make_article(url=other, text=TEXT + " The market moves too.")
        assert archive.store_article(make_page(url=other), changed, run_id) == "new"
        assert [(r["id"], r["url"]) for r in archive.db["articles"].rows] == [(1, URL), (2, other)]
        assert [(r["url"], r["article_id"]) for r in archive.db["pages"].rows] == [
            (URL, 1),
            (other, 2),
        ]


def test_same_text_under_another_url_is_the_same_story(tmp_path):
    """An identical title and text under a new URL of the site updates the archived
    article: one row, and the new URL is remembered as fetched for it."""
    other = "http://127.0.0.1:8765/old/story-5.html"
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        assert archive.store_article(make_page(), make_article(), run_id) == "new"
        assert archive.store_article(make_page(url=other), make_article(url=other), run_id) == (
            "unchanged"
        )
        assert [(r["id"], r["url"]) for r in archive.db["articles"].rows] == [(1, URL)]
        fetched = archive.db.execute(
            "SELECT url, kind, article_id FROM fetched_urls ORDER BY url"
        ).fetchall()
        assert fetched == [(URL, "article", 1), (other, "article", 1)]
        assert set(archive.known_articles("coastline")) == {URL.rstrip("/"), other}


def test_variant_url_updates_the_story(tmp_path):
    """A variant of an archived URL (trailing slash, AMP, index.html) with a changed
    text is a new version of the same article, under its first URL."""
    variant = URL.rstrip("/") + "/amp/"
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), make_article(), run_id)
        changed = make_article(url=variant, text=TEXT + " Update: the pier reopens in June.")
        assert archive.store_article(make_page(url=variant), changed, run_id) == "updated"
        rows = archive.db.execute("SELECT id, url, version FROM articles").fetchall()
        assert rows == [(1, URL, 2)]


# Full-text search ----------------------------------------------------------------------


def test_fts_finds_article_by_word_and_follows_updates(tmp_path):
    """The FTS index finds an article by a word of its text, and follows text updates."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), make_article(), run_id)
        assert fts_ids(archive, "quay") == [1]
        assert fts_ids(archive, "pier") == [1]
        assert fts_ids(archive, "lighthouse") == []
        archive.store_article(
            make_page(BODY_CHANGED), make_article(TEXT_UPDATED.replace("quay", "harbour")), run_id
        )
        assert fts_ids(archive, "lighthouse") == [1]
        assert fts_ids(archive, "quay") == []


def test_fts_searches_title(tmp_path):
    """Words of the title are searchable too."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), make_article(title="Gull colony returns"), run_id)
        assert fts_ids(archive, "colony") == [1]


# Runs and errors -----------------------------------------------------------------------


def test_start_run_row(tmp_path):
    """A started run is "running" with zero counts and its start URLs as JSON."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING, "http://127.0.0.1:8765/"])
        run = archive.get_run(run_id)
    datetime.fromisoformat(run["started"])
    assert run == {
        "id": run_id,
        "site": "coastline",
        "start_urls": json.dumps([LISTING, "http://127.0.0.1:8765/"]),
        "started": run["started"],
        "finished": None,
        "status": "running",
        "pages_fetched": 0,
        "articles_new": 0,
        "articles_updated": 0,
        "articles_unchanged": 0,
        "errors": 0,
        "error": None,
        "duration_seconds": None,
        "mode": "incremental",
        "complete": 0,
        "articles_skipped": 0,
        "listing_pages": 0,
        "feed_pages": 0,
        "sitemap_pages": 0,
        "articles_not_modified": 0,
        "bytes_received": 0,
        "errors_by_kind": None,
        "requests": 0,
        "known_pages_skipped": 0,
        "duplicates": 0,
        "worker": f"{socket.gethostname()}:{os.getpid()}",  # this process crawled
        "worker_run": None,  # not a distributed worker's run
    }


@pytest.mark.parametrize(
    ("status", "error"),
    [("ok", None), ("failed", "DNS lookup failed"), ("interrupted", None)],
)
def test_finish_run_fills_row(tmp_path, status, error):
    """Finishing a run records status, counts, error, finish time and duration."""
    counts = RunCounts(
        pages_fetched=12, articles_new=5, articles_updated=2, articles_unchanged=3, errors=1
    )
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.finish_run(run_id, status, counts, error)
        run = archive.get_run(run_id)
    assert (
        run["status"],
        run["pages_fetched"],
        run["articles_new"],
        run["articles_updated"],
        run["articles_unchanged"],
        run["errors"],
        run["error"],
    ) == (status, 12, 5, 2, 3, 1, error)
    assert run["finished"] is not None
    assert datetime.fromisoformat(run["finished"]) >= datetime.fromisoformat(run["started"])
    assert isinstance(run["duration_seconds"], float)
    assert run["duration_seconds"] >= 0


def test_finish_run_rejects_unknown_status(tmp_path):
    """An unknown status is a ValueError and leaves the run as it was."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        with pytest.raises(ValueError, match="'done'"):
            archive.finish_run(run_id, "done", RunCounts(), None)
        run = archive.get_run(run_id)
    assert run["status"] == "running"
    assert run["finished"] is None


def test_runs_get_distinct_ids(tmp_path):
    """Each run has its own row."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        first = archive.start_run("coastline", [LISTING])
        second = archive.start_run("valley", ["http://127.0.0.1:8766/"])
        assert first != second
        assert [(r["id"], r["site"]) for r in archive.db["crawl_runs"].rows] == [
            (first, "coastline"),
            (second, "valley"),
        ]


def test_record_error_adds_row(tmp_path):
    """An error is one crawl_errors row with its run, URL, kind, status and message."""
    missing = "http://127.0.0.1:8765/2023/03/01/gone/"
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.record_error(run_id, missing, "http", "Not Found", status=404, found_via=LISTING)
        archive.record_error(run_id, URL, "extraction", "no article text")
        rows = list(archive.db["crawl_errors"].rows)
    for row in rows:
        datetime.fromisoformat(row.pop("at"))
    assert rows == [
        {
            "id": 1,
            "crawl_run_id": run_id,
            "url": missing,
            "kind": "http",
            "status": 404,
            "message": "Not Found",
            "found_via": LISTING,
        },
        {
            "id": 2,
            "crawl_run_id": run_id,
            "url": URL,
            "kind": "extraction",
            "status": None,
            "message": "no article text",
            "found_via": None,
        },
    ]


def test_known_pages_skip_non_articles_but_never_an_archived_article(tmp_path):
    """`known_pages` lists the fetched pages that were no article, by url_key; an article's
    own URL fetched again as a duplicate of itself stays an article (it is revisited)."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [LISTING])
        archive.store_article(make_page(), make_article(), run_id)
        archive.record_fetch("coastline", URL, "duplicate", 200, run_id)
        archive.record_fetch("coastline", "http://127.0.0.1:8765/about/", "other", 200, run_id)
        archive.record_fetch("coastline", LISTING, "listing", 200, run_id)
        assert archive.known_pages("coastline") == {
            "http://127.0.0.1:8765/about": "other",
            LISTING.rstrip("/"): "listing",
        }
        assert archive.db.execute(
            "SELECT kind, template FROM fetched_urls WHERE url = ?", [URL]
        ).fetchall() == [("article", "/{year}/{month}/{day}/{slug}/")]
