"""The archive: one SQLite file that owns the schema, the writes and the reads.

Every write goes through this module (the store pipeline, later re-extraction); nothing
else writes SQL. The schema is created and changed by the migrations below, applied when
the archive is opened.

Tables: `articles` (latest state of each article, `url` unique), `pages` (raw HTML of
article responses, zstd-compressed with a dictionary per site from `page_dictionaries`;
see `pipelines/page_codec.py`), `crawl_runs` (one row per run, with counts),
`crawl_errors` (what could not be archived and why), and `articles_fts` (FTS5 over title
and text).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlite_utils import Database, Migrations

from crawler.url_shapes import url_template
from crawler.urls import url_key
from pipelines import page_codec

if TYPE_CHECKING:  # the archive never runs extraction (nor loads trafilatura)
    from crawler.items import ArticlePage
    from pipelines.extraction import ExtractedArticle

__all__ = ["Archive", "ArchiveError", "Outcome", "RunCounts", "now_iso", "this_worker"]

Outcome = Literal["new", "updated", "unchanged"]
RUN_STATUSES = ("running", "ok", "warning", "failed", "interrupted")
logger = logging.getLogger(__name__)

migrations = Migrations("newsarchive")


@migrations()
def m001_initial(db: Database) -> None:
    """Articles, pages, crawl runs and errors, full-text search and facet indexes."""
    db["crawl_runs"].create(
        {
            "id": int,
            "site": str,
            "start_urls": str,
            "started": str,
            "finished": str,
            "status": str,
            "pages_fetched": int,
            "articles_new": int,
            "articles_updated": int,
            "articles_unchanged": int,
            "errors": int,
            "error": str,
            "duration_seconds": float,
        },
        pk="id",
        not_null={"site", "started", "status"},
        defaults={
            "status": "running",
            "pages_fetched": 0,
            "articles_new": 0,
            "articles_updated": 0,
            "articles_unchanged": 0,
            "errors": 0,
        },
    )
    db["articles"].create(
        {
            "id": int,
            "url": str,
            "canonical_url": str,
            "site": str,
            "title": str,
            "authors": str,
            "published": str,
            "modified": str,
            "section": str,
            "tags": str,
            "language": str,
            "description": str,
            "image": str,
            "text": str,
            "word_count": int,
            "content_hash": str,
            "extractor_version": str,
            "found_via": str,
            "first_seen": str,
            "last_seen": str,
            "crawl_run_id": int,
            "page_id": int,
        },
        pk="id",
        not_null={"url", "site", "text", "first_seen", "last_seen"},
        foreign_keys=[("crawl_run_id", "crawl_runs", "id")],
    )
    db["articles"].create_index(["url"], unique=True)
    for column in ("site", "section", "published", "language", "crawl_run_id"):
        db["articles"].create_index([column])
    db["pages"].create(
        {
            "id": int,
            "url": str,
            "requested_url": str,
            "article_id": int,
            "status": int,
            "headers": str,
            "fetched_at": str,
            "encoding": str,
            "content_length": int,
            "sha256": str,
            "html_zlib": bytes,
            "crawl_run_id": int,
        },
        pk="id",
        not_null={"url", "status", "fetched_at", "sha256", "html_zlib"},
        foreign_keys=[("article_id", "articles", "id"), ("crawl_run_id", "crawl_runs", "id")],
    )
    db["pages"].create_index(["url", "sha256"], unique=True)
    db["pages"].create_index(["article_id"])
    db["crawl_errors"].create(
        {
            "id": int,
            "crawl_run_id": int,
            "url": str,
            "kind": str,
            "status": int,
            "message": str,
            "found_via": str,
            "at": str,
        },
        pk="id",
        not_null={"crawl_run_id", "url", "kind", "at"},
        foreign_keys=[("crawl_run_id", "crawl_runs", "id")],
    )
    db["crawl_errors"].create_index(["crawl_run_id"])
    db["articles"].enable_fts(["title", "text"], create_triggers=True, tokenize="porter")


@migrations()
def m002_history(db: Database) -> None:
    """Article history, HTTP validators for revisits, and per-run counts by kind.

    `article_versions` keeps every earlier state of an article that changed; `articles`
    gains its current version number and the ETag / Last-Modified of its last response
    (for conditional revisits) and the sitemap `lastmod` seen for it; `crawl_runs` gains
    the counts of listing, feed and sitemap pages, 304 answers, bytes and errors by kind.
    """
    db["article_versions"].create(
        {
            "id": int,
            "article_id": int,
            "version": int,
            "fetched_at": str,
            "title": str,
            "text": str,
            "content_hash": str,
            "extractor_version": str,
            "crawl_run_id": int,
            "page_id": int,
        },
        pk="id",
        not_null={"article_id", "version", "fetched_at", "text", "content_hash"},
        foreign_keys=[
            ("article_id", "articles", "id"),
            ("crawl_run_id", "crawl_runs", "id"),
            ("page_id", "pages", "id"),
        ],
    )
    db["article_versions"].create_index(["article_id", "version"], unique=True)
    articles = db["articles"]
    articles.add_column("version", int, not_null_default=1)
    articles.add_column("etag", str)
    articles.add_column("http_last_modified", str)
    articles.add_column("sitemap_lastmod", str)
    articles.add_column("last_fetched", str)
    db.execute("UPDATE articles SET last_fetched = last_seen")
    runs = db["crawl_runs"]
    runs.add_column("mode", str)
    runs.add_column("complete", int, not_null_default=0)
    for column in (
        "articles_skipped",
        "listing_pages",
        "feed_pages",
        "sitemap_pages",
        "articles_not_modified",
        "bytes_received",
    ):
        runs.add_column(column, int, not_null_default=0)
    runs.add_column("errors_by_kind", str)


@migrations()
def m003_block_stats(db: Database) -> None:
    """Per-site statistics of text-block fingerprints, for learned boilerplate.

    `block_stats_pages` has one row per archived page URL of a site with the set of block
    fingerprints seen on it (so a re-fetch never counts twice); `block_stats` counts, per
    site and fingerprint, on how many of those pages the block appears.
    """
    db["block_stats_pages"].create(
        {"site": str, "url": str, "fingerprints": str, "updated": str},
        pk=("site", "url"),
        not_null={"fingerprints"},
    )
    db["block_stats"].create(
        {
            "site": str,
            "fingerprint": str,
            "page_count": int,
            "sample_text": str,
            "first_seen": str,
            "last_seen": str,
        },
        pk=("site", "fingerprint"),
        not_null={"page_count"},
        defaults={"page_count": 0},
    )
    # Which blocks recur on a site is asked for every extracted page: by count, not scan.
    db["block_stats"].create_index(["site", "page_count"])


@migrations()
def m004_article_terms(db: Database) -> None:
    """`article_terms`: the authors and tags of each article, one row each, indexed, so
    that Datasette counts them (its authors and tags facets) without parsing every
    article's JSON. Triggers keep it in step with `articles`."""
    db.execute(
        """CREATE TABLE "article_terms" (
   "kind" TEXT NOT NULL,
   "value" TEXT NOT NULL,
   "article_id" INTEGER NOT NULL REFERENCES "articles"("id"),
   PRIMARY KEY ("kind", "value", "article_id")
) WITHOUT ROWID"""
    )
    db.execute('CREATE INDEX "idx_article_terms_article_id" ON "article_terms" ("article_id")')
    terms_of_new = """INSERT OR IGNORE INTO article_terms (kind, value, article_id)
    SELECT 'author', value, new.id FROM json_each(new.authors)
    WHERE json_valid(new.authors) AND type = 'text'
    UNION SELECT 'tag', value, new.id FROM json_each(new.tags)
    WHERE json_valid(new.tags) AND type = 'text';"""
    forget_old = "DELETE FROM article_terms WHERE article_id = old.id;"
    db.execute(
        f"""CREATE TRIGGER "article_terms_ai" AFTER INSERT ON "articles" BEGIN
  {terms_of_new}
END"""
    )
    db.execute(
        f"""CREATE TRIGGER "article_terms_au" AFTER UPDATE OF authors, tags ON "articles" BEGIN
  {forget_old}
  {terms_of_new}
END"""
    )
    db.execute(
        f"""CREATE TRIGGER "article_terms_ad" AFTER DELETE ON "articles" BEGIN
  {forget_old}
END"""
    )
    db.execute(
        """INSERT OR IGNORE INTO article_terms (kind, value, article_id)
        SELECT 'author', j.value, a.id FROM articles a, json_each(a.authors) j
        WHERE json_valid(a.authors) AND j.type = 'text'
        UNION SELECT 'tag', j.value, a.id FROM articles a, json_each(a.tags) j
        WHERE json_valid(a.tags) AND j.type = 'text'"""
    )


@migrations()
def m005_site_knowledge(db: Database) -> None:
    """What the crawler learns of each site, and one row per story.

    `fetched_urls` remembers every URL a crawl fetched (what it turned out to be, its
    status, when, its validators), so that a scheduled run does not fetch a known
    non-article page again; `url_shapes` counts per site and URL template how many pages
    were articles, listings or other pages (see `crawler/url_shapes.py`); `articles`
    gains `url_key`, the form of its URL that variants share, so that a variant updates
    the story instead of adding a row; `crawl_runs` gains the requests it made and the
    known pages it did not fetch again.
    """
    db["fetched_urls"].create(
        {
            "site": str,
            "url": str,
            "url_key": str,
            "kind": str,
            "status": int,
            "template": str,
            "article_id": int,
            "first_fetched": str,
            "last_fetched": str,
            "etag": str,
            "http_last_modified": str,
            "crawl_run_id": int,
        },
        pk=("site", "url"),
        not_null={"kind", "last_fetched"},
    )
    db["fetched_urls"].create_index(["site", "url_key"])
    db["url_shapes"].create(
        {
            "site": str,
            "template": str,
            "articles": int,
            "listings": int,
            "others": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk=("site", "template"),
        not_null={"articles", "listings", "others"},
    )
    articles = db["articles"]
    articles.add_column("url_key", str)
    for article_id, url in db.execute("SELECT id, url FROM articles").fetchall():
        db.execute("UPDATE articles SET url_key = ? WHERE id = ?", [url_key(url), article_id])
    articles.create_index(["url_key"])
    articles.create_index(["site", "content_hash"])
    runs = db["crawl_runs"]
    runs.add_column("requests", int, not_null_default=0)
    runs.add_column("known_pages_skipped", int, not_null_default=0)
    runs.add_column("duplicates", int, not_null_default=0)


@migrations()
def m006_page_dictionaries(db: Database) -> None:
    """Raw pages compressed with zstd, with a dictionary per site.

    `page_dictionaries` holds the zstd dictionaries trained on each site's first stored
    pages (see `pipelines/page_codec.py`); `pages` gains `html_zstd` (the body as a zstd
    frame) and `dictionary_id` (the dictionary it was compressed with, if any), and
    `html_zlib` becomes optional: pages stored before keep it, later ones have `html_zstd`.
    """
    db["page_dictionaries"].create(
        {
            "id": int,
            "site": str,
            "trained": str,
            "sample_pages": int,
            "sample_bytes": int,
            "size": int,
            "zstd_id": int,
            "dictionary": bytes,
        },
        pk="id",
        not_null={
            "site",
            "trained",
            "sample_pages",
            "sample_bytes",
            "size",
            "zstd_id",
            "dictionary",
        },
    )
    db["page_dictionaries"].create_index(["site"])
    pages = db["pages"]
    pages.add_column("html_zstd", bytes)
    pages.add_column("dictionary_id", int)
    order = [c.name for c in pages.columns if c.name not in ("html_zstd", "dictionary_id")]
    at = order.index("html_zlib") + 1
    pages.transform(
        not_null={"html_zlib": False},
        column_order=[*order[:at], "html_zstd", "dictionary_id", *order[at:]],
        add_foreign_keys=[("dictionary_id", "page_dictionaries", "id")],
    )


@migrations()
def m007_workers(db: Database) -> None:
    """Runs of several crawler processes (`newsarchive crawl --redis`) into one archive.

    `crawl_runs` gains `worker`, the host and process id of the process that crawled
    (every run has it, local or distributed), and `worker_run`, the name a distributed
    worker gave its run (the writer finds the run's row by it); `ingest_progress` holds,
    per Redis stream, the id of the last entry the writer committed, in the same
    transaction as the entry's rows, so that an entry delivered again is not stored twice.
    """
    runs = db["crawl_runs"]
    runs.add_column("worker", str)
    runs.add_column("worker_run", str)
    runs.create_index(["worker_run"], unique=True)
    db["ingest_progress"].create(
        {"stream": str, "last_id": str, "updated": str}, pk="stream", not_null={"last_id"}
    )


# The statements that store an article, written once rather than built for every row.
_ARTICLE_BY_URL = "SELECT * FROM articles WHERE url = ? LIMIT 1"
_ARTICLE_BY_URL_KEY = "SELECT * FROM articles WHERE url_key = ? LIMIT 1"
_ARTICLE_BY_CONTENT = "SELECT * FROM articles WHERE site = ? AND content_hash = ? LIMIT 1"
_NEXT_ARTICLE_ID = "SELECT coalesce(max(id), 0) + 1 FROM articles"
_UPDATE_UNCHANGED_ARTICLE = (
    "UPDATE articles SET last_seen = ?, last_fetched = ?, page_id = ?, sitemap_lastmod = ?,"
    " etag = ?, http_last_modified = ? WHERE id = ?"
)
_INSERT_VERSION = (
    "INSERT INTO article_versions (article_id, version, fetched_at, title, text,"
    " content_hash, extractor_version, crawl_run_id, page_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_KNOWN_PAGE = "SELECT id FROM pages WHERE url = ? AND sha256 = ? LIMIT 1"
_INSERT_PAGE = (
    "INSERT INTO pages (url, requested_url, article_id, status, headers, fetched_at, encoding,"
    " content_length, sha256, html_zstd, dictionary_id, crawl_run_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_PAGE_FINGERPRINTS = "SELECT fingerprints FROM block_stats_pages WHERE site = ? AND url = ?"


@lru_cache(maxsize=4)
def _insert_article_sql(columns: tuple[str, ...]) -> str:
    """The INSERT of an `articles` row with an `id` and `columns` (named parameters)."""
    return (
        f"INSERT INTO articles (id, {', '.join(columns)})"
        f" VALUES (:id, {', '.join(':' + column for column in columns)})"
    )


@lru_cache(maxsize=4)
def _update_article_sql(columns: tuple[str, ...]) -> str:
    """The UPDATE of `columns` of the `articles` row `:id` (named parameters)."""
    return (
        "UPDATE articles SET "
        + ", ".join(f"{column} = :{column}" for column in columns)
        + " WHERE id = :id"
    )


# The counters of `crawl_runs` that the writer of a distributed crawl adds to.
_RUN_COUNTERS = frozenset(
    {"articles_new", "articles_updated", "articles_unchanged", "articles_not_modified", "errors"}
)


class ArchiveError(Exception):
    """The archive cannot be opened or written."""


@dataclass
class RunCounts:
    """What a crawl run did, as stored in `crawl_runs`."""

    pages_fetched: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    errors: int = 0
    articles_skipped: int = 0  # archived articles not due for a revisit: not fetched
    listing_pages: int = 0
    feed_pages: int = 0
    sitemap_pages: int = 0
    articles_not_modified: int = 0  # revisits answered 304 Not Modified
    bytes_received: int = 0
    requests: int = 0  # every request made, robots.txt, feeds and sitemaps included
    known_pages_skipped: int = 0  # known non-article pages not fetched again
    duplicates: int = 0  # pages that were another URL of an archived story
    errors_by_kind: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> RunCounts:
        """The counts of a `crawl_runs` row."""
        values = {f.name: row[f.name] for f in fields(cls)}
        values["errors_by_kind"] = json.loads(values["errors_by_kind"] or "{}")
        return cls(**values)

    def as_row(self) -> dict[str, Any]:
        """The counts as `crawl_runs` columns."""
        row = asdict(self)
        row["errors_by_kind"] = json.dumps(self.errors_by_kind, sort_keys=True)
        return row


def this_worker() -> str:
    """This process, as `crawl_runs.worker` names it: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def now_iso(timespec: str = "seconds") -> str:
    """The current UTC time in ISO 8601 (to the second unless `timespec` says otherwise)."""
    return datetime.now(UTC).isoformat(timespec=timespec)


def content_hash(title: str | None, text: str) -> str:
    """The hash that tells whether an article's content changed."""
    return hashlib.sha256(f"{title or ''}\n{text}".encode()).hexdigest()


class Archive:
    """An open archive file. Use `Archive.open(path)`; close it with `close()`."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path, for_reading: bool = False) -> Archive:
        """Open (creating if needed) the archive at `path`, migrated to the current schema.

        Raises `ArchiveError` with a clear message if the file cannot be created or written
        (not checked `for_reading`: a reader must not wait for the writer's batch).
        """
        path = Path(path)
        if not path.parent.is_dir():
            raise ArchiveError(f"cannot create archive {path}: folder {path.parent} does not exist")
        try:
            db = Database(path)
            db.execute("PRAGMA busy_timeout = 10000")
            db.enable_wal()
            migrations.apply(db)
            if not for_reading:
                db.conn.execute("BEGIN IMMEDIATE")  # proves the file is writable, writes nothing
                db.conn.execute("ROLLBACK")
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"cannot open archive {path} for writing: {error}") from error
        return cls(db, path)

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    # Batches ----------------------------------------------------------------------------
    # A writer that stores many items (the crawl's store stage) opens a batch: one
    # transaction, committed by `commit_batch`. The methods below still each write
    # atomically: inside a batch, as a savepoint of their own.

    @property
    def in_batch(self) -> bool:
        """True while a batch (an open transaction) holds uncommitted writes."""
        return self.db.conn.in_transaction

    def begin_batch(self) -> None:
        """Open a batch, unless one is open: the writes that follow are committed
        together by `commit_batch`."""
        if not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN IMMEDIATE")

    def commit_batch(self) -> None:
        """Commit the open batch (nothing if none is open)."""
        if self.db.conn.in_transaction:
            self.db.conn.execute("COMMIT")

    def rollback_batch(self) -> None:
        """Undo the open batch (nothing if none is open)."""
        if self.db.conn.in_transaction:
            self.db.conn.rollback()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run the block atomically: in a transaction of its own, or in a savepoint of the
        open one (as `Database.atomic` does, under one savepoint name: its statements
        are prepared once, not on every write)."""
        conn = self.db.conn
        if not conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("SAVEPOINT archive_write")
        try:
            yield
        except BaseException:
            # An error that undid the whole transaction (a full disk) took the savepoint
            # with it: there is nothing left to undo.
            if conn.in_transaction:
                conn.execute("ROLLBACK TO SAVEPOINT archive_write")
                conn.execute("RELEASE SAVEPOINT archive_write")
            raise
        conn.execute("RELEASE SAVEPOINT archive_write")

    # Crawl runs -----------------------------------------------------------------------

    def start_run(
        self,
        site: str,
        start_urls: list[str],
        mode: str = "incremental",
        worker: str | None = None,
        worker_run: str | None = None,
        started: str | None = None,
    ) -> int:
        """Record the start of a crawl run (`mode` "incremental" or "backfill") by the
        process `worker` (host:pid; this one if not given), named `worker_run` by a
        distributed worker, at `started` (now if not given); return its id."""
        with self.atomic():
            table = self.db["crawl_runs"].insert(
                {
                    "site": site,
                    "start_urls": json.dumps(start_urls),
                    "started": started or now_iso("milliseconds"),
                    "status": "running",
                    "mode": mode,
                    "worker": worker or this_worker(),
                    "worker_run": worker_run,
                }
            )
        return int(table.last_pk)

    def run_of_worker(self, worker_run: str) -> int | None:
        """The id of the run a distributed worker named `worker_run`, if it is recorded."""
        row = self.db.execute(
            "SELECT id FROM crawl_runs WHERE worker_run = ?", [worker_run]
        ).fetchone()
        return row[0] if row else None

    def open_worker_runs(self) -> list[tuple[int, str, str]]:
        """Id, worker and run name of each distributed run still `running`."""
        return self.db.execute(
            "SELECT id, worker, worker_run FROM crawl_runs"
            " WHERE status = 'running' AND worker_run IS NOT NULL ORDER BY id"
        ).fetchall()

    def add_run_counts(self, run_id: int, counts: dict[str, int]) -> None:
        """Add to the `crawl_runs` counters named in `counts` (e.g. `articles_new`)."""
        names = [name for name in counts if name in _RUN_COUNTERS]
        if names:
            self.db.execute(
                "UPDATE crawl_runs SET "
                + ", ".join(f"{name} = {name} + ?" for name in names)
                + " WHERE id = ?",
                [*(counts[name] for name in names), run_id],
            )

    def ingested_until(self, stream: str) -> str | None:
        """The id of the last entry of the Redis `stream` committed to the archive."""
        row = self.db.execute(
            "SELECT last_id FROM ingest_progress WHERE stream = ?", [stream]
        ).fetchone()
        return row[0] if row else None

    def set_ingested_until(self, stream: str, last_id: str) -> None:
        """Record `last_id` as the last entry of `stream` committed (in the open batch)."""
        self.db.execute(
            "INSERT INTO ingest_progress (stream, last_id, updated) VALUES (?, ?, ?)"
            " ON CONFLICT (stream) DO UPDATE SET last_id = excluded.last_id,"
            " updated = excluded.updated",
            [stream, last_id, now_iso()],
        )

    def finish_run(
        self,
        run_id: int,
        status: str,
        counts: RunCounts,
        error: str | None,
        complete: bool = False,
    ) -> None:
        """Record the end of a run: its status, counts, the error or warning, and whether
        it went through everything it found (`complete`: the next run may stop paging
        through listings early)."""
        if status not in RUN_STATUSES:
            raise ValueError(f"unknown run status {status!r}")
        run = self.get_run(run_id)
        finished = now_iso("milliseconds")
        duration = (
            datetime.fromisoformat(finished) - datetime.fromisoformat(run["started"])
        ).total_seconds()
        with self.atomic():
            self.db["crawl_runs"].update(
                run_id,
                {
                    "finished": finished,
                    "status": status,
                    "error": error,
                    "duration_seconds": duration,
                    "complete": int(complete),
                    **counts.as_row(),
                },
            )

    def get_run(self, run_id: int) -> dict[str, Any]:
        """The `crawl_runs` row of a run."""
        return self.db["crawl_runs"].get(run_id)

    def errors_by_kind(self, run_id: int) -> dict[str, int]:
        """How many `crawl_errors` rows of each kind a run has."""
        rows = self.db.execute(
            "SELECT kind, count(*) FROM crawl_errors WHERE crawl_run_id = ? GROUP BY kind",
            [run_id],
        ).fetchall()
        return dict(rows)

    def first_error(self, run_id: int, kind: str | None = None) -> tuple[str, str, str] | None:
        """URL, kind and message of the run's first error (of `kind`, if given), if any."""
        return self.db.execute(
            "SELECT url, kind, message FROM crawl_errors WHERE crawl_run_id = ?"
            " AND (? IS NULL OR kind = ?) ORDER BY id LIMIT 1",
            [run_id, kind, kind],
        ).fetchone()

    def close_stale_runs(self, site: str) -> int:
        """Mark runs of `site` still "running" as interrupted: their process was killed
        before it could record the end (call it while holding the archive's crawl lock).
        Return how many there were."""
        with self.atomic():
            cursor = self.db.execute(
                "UPDATE crawl_runs SET status = 'interrupted', error = ?"
                " WHERE site = ? AND status = 'running'",
                ["the run ended without recording its end (the process was killed)", site],
            )
        return cursor.rowcount

    def previous_complete_run(self, site: str, run_id: int) -> str | None:
        """When the last run of `site` before `run_id` started, if that run went through
        everything it found (so that articles older than what listings show first are all
        archived); None if it did not, or if there is none."""
        row = self.db.execute(
            "SELECT complete, started FROM crawl_runs WHERE site = ? AND id < ?"
            " ORDER BY id DESC LIMIT 1",
            [site, run_id],
        ).fetchone()
        return row[1] if row and row[0] else None

    def record_error(
        self,
        run_id: int,
        url: str,
        kind: str,
        message: str,
        status: int | None = None,
        found_via: str | None = None,
    ) -> None:
        """Add a row to `crawl_errors`."""
        with self.atomic():
            self.db["crawl_errors"].insert(
                {
                    "crawl_run_id": run_id,
                    "url": url,
                    "kind": kind,
                    "status": status,
                    "message": message,
                    "found_via": found_via,
                    "at": now_iso(),
                }
            )

    # Articles -------------------------------------------------------------------------

    def store_article(self, page: ArticlePage, article: ExtractedArticle, run_id: int) -> Outcome:
        """Archive an article and its raw page in one transaction; say whether it was new,
        updated (its content changed) or unchanged.

        One story is one row: a page whose URL (or canonical URL) is a variant of an
        archived article's (see `crawler.urls.url_key`), or whose title and text are
        those of an archived article of the site, updates that article."""
        digest = content_hash(article.title, article.text)
        key = url_key(article.url)
        validators = _validators(page)
        conn = self.db.conn
        with self.atomic():
            existing = self._same_story(page.site, article.url, digest, key)
            if existing is None:
                # The id SQLite gives the row (one past the largest), known before the
                # page is stored, so that the page row is written once with it.
                (article_id,) = conn.execute(_NEXT_ARTICLE_ID).fetchone()
                page_id = self._store_page(page, run_id, article_id)
                row = self._article_row(page, article, digest, run_id, page_id, key, validators)
                conn.execute(_insert_article_sql(tuple(row)), {"id": article_id, **row})
                outcome: Outcome = "new"
            elif existing["content_hash"] == digest:
                article_id = existing["id"]
                page_id = self._store_page(page, run_id, article_id, claim=False)
                conn.execute(
                    _UPDATE_UNCHANGED_ARTICLE,
                    [
                        page.fetched_at,
                        page.fetched_at,
                        page_id,
                        page.lastmod or existing["sitemap_lastmod"],
                        validators["etag"],
                        validators["http_last_modified"],
                        article_id,
                    ],
                )
                outcome = "unchanged"
            else:
                article_id = existing["id"]
                page_id = self._store_page(page, run_id, article_id, claim=False)
                row = self._article_row(page, article, digest, run_id, page_id, key, validators)
                self._keep_version(existing)
                row["url"] = existing["url"]
                row["url_key"] = existing["url_key"]
                row["first_seen"] = existing["first_seen"]
                row["version"] = existing["version"] + 1
                conn.execute(_update_article_sql(tuple(row)), {"id": article_id, **row})
                outcome = "updated"
            for url in dict.fromkeys((page.fetched_url or page.url, article.url)):
                self._record_fetch(
                    page.site,
                    url,
                    "article",
                    page.status,
                    run_id,
                    page,
                    article_id,
                    key=key if url == article.url else None,
                    validators=validators,
                )
        return outcome

    def _same_story(
        self, site: str, url: str, digest: str, key: str | None = None
    ) -> dict[str, Any] | None:
        """The archived article that a page at `url` (whose `url_key` is `key`, worked out
        if not given) with content `digest` is: the one with that URL, else one whose URL
        is a variant of it, else one of the same site with the same title and text."""
        conn = self.db.conn
        for sql, params in (
            (_ARTICLE_BY_URL, (url,)),
            (_ARTICLE_BY_URL_KEY, (key or url_key(url),)),
            (_ARTICLE_BY_CONTENT, (site, digest)),
        ):
            cursor = conn.execute(sql, params)
            values = cursor.fetchone()
            if values is not None:
                return dict(zip([column[0] for column in cursor.description], values, strict=True))
        return None

    # What the crawler learns of sites ------------------------------------------------

    def record_fetch(
        self,
        site: str,
        url: str,
        kind: str,
        status: int | None,
        run_id: int,
        template: str | None = None,
    ) -> None:
        """Remember that `url` of `site` was fetched and turned out to be `kind`
        ("listing", "other", "duplicate", "rejected" or "gone"; "article" rows are
        written by `store_article`)."""
        with self.atomic():
            self._record_fetch(site, url, kind, status, run_id, template=template)

    def _record_fetch(
        self,
        site: str,
        url: str,
        kind: str,
        status: int | None,
        run_id: int,
        page: ArticlePage | None = None,
        article_id: int | None = None,
        template: str | None = None,
        key: str | None = None,
        validators: dict[str, str | None] | None = None,
    ) -> None:
        """Upsert the `fetched_urls` row of `url` (inside a transaction); `key` is its
        `url_key` and `validators` those of `page`, when the caller has them already."""
        now = page.fetched_at if page is not None else now_iso()
        if validators is None:
            validators = _validators(page) if page is not None else {}
        self.db.conn.execute(
            "INSERT INTO fetched_urls (site, url, url_key, kind, status, template, article_id,"
            " first_fetched, last_fetched, etag, http_last_modified, crawl_run_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (site, url) DO UPDATE SET"
            # An archived article's own URL stays "article" when it comes again as a
            # duplicate of itself (a start URL, a revisit).
            " kind = CASE WHEN kind = 'article' AND excluded.kind = 'duplicate' THEN kind"
            " ELSE excluded.kind END, status = excluded.status,"
            " template = coalesce(excluded.template, template),"
            " article_id = coalesce(excluded.article_id, article_id),"
            " last_fetched = excluded.last_fetched, etag = excluded.etag,"
            " http_last_modified = excluded.http_last_modified,"
            " crawl_run_id = excluded.crawl_run_id",
            [
                site,
                url,
                key or url_key(url),
                kind,
                status,
                template or url_template(url),
                article_id,
                now,
                now,
                validators.get("etag"),
                validators.get("http_last_modified"),
                run_id,
            ],
        )

    def known_pages(self, site: str) -> dict[str, str]:
        """What each URL of `site` fetched before and not archived turned out to be, by
        `url_key`: "listing", "other", "duplicate", "rejected" or "gone"."""
        rows = self.db.execute(
            "SELECT url_key, kind FROM fetched_urls WHERE site = ? AND kind != 'article'",
            [site],
        )
        return dict(rows.fetchall())

    def url_shapes(self, site: str) -> list[tuple[str, int, int, int]]:
        """The URL templates learned for `site`: (template, articles, listings, others)."""
        return self.db.execute(
            "SELECT template, articles, listings, others FROM url_shapes WHERE site = ?",
            [site],
        ).fetchall()

    def save_url_shapes(self, site: str, shapes: list[tuple[str, int, int, int]]) -> None:
        """Store the counts of `site`'s URL templates (replacing earlier counts)."""
        self._upsert_url_shapes(site, shapes, "excluded.{0}")

    def add_url_shapes(self, site: str, shapes: list[tuple[str, int, int, int]]) -> None:
        """Add counts of `site`'s URL templates to those stored (`ShapeBook.observed`:
        what one worker of a distributed crawl counted)."""
        self._upsert_url_shapes(site, shapes, "{0} + excluded.{0}")

    def _upsert_url_shapes(
        self, site: str, shapes: list[tuple[str, int, int, int]], stored_count: str
    ) -> None:
        """Write `shapes`; a template already stored gets `stored_count` (an SQL
        expression of the count column `{0}`) for each count."""
        counts = ", ".join(
            f"{column} = {stored_count.format(column)}"
            for column in ("articles", "listings", "others")
        )
        sql = (
            "INSERT INTO url_shapes (site, template, articles, listings, others,"
            " first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?)"
            f" ON CONFLICT (site, template) DO UPDATE SET {counts},"
            " last_seen = excluded.last_seen"
        )
        now = now_iso()
        with self.atomic():
            for template, articles, listings, others in shapes:
                self.db.execute(sql, [site, template, articles, listings, others, now, now])

    def _keep_version(self, article: dict[str, Any]) -> None:
        """Copy the current state of an article into `article_versions`."""
        self.db.conn.execute(
            _INSERT_VERSION,
            [
                article["id"],
                article["version"],
                article["last_fetched"] or article["last_seen"],
                article["title"],
                article["text"],
                article["content_hash"],
                article["extractor_version"],
                article["crawl_run_id"],
                article["page_id"],
            ],
        )

    def known_articles(self, site: str) -> dict[str, dict[str, Any]]:
        """What the archive knows of each article of `site`: dates, last fetch and HTTP
        validators, by the `url_key` of its URL and of every other URL it was fetched
        under (a redirect's first URL, a variant whose canonical link named it)."""
        rows = self.db.execute(
            "SELECT a.id, a.url, a.published, a.modified, a.first_seen,"
            " a.last_fetched, a.etag, a.http_last_modified, a.sitemap_lastmod"
            " FROM articles a WHERE a.site = ?",
            [site],
        )
        names = [column[0] for column in rows.description]
        by_id: dict[int, dict[str, Any]] = {}
        known: dict[str, dict[str, Any]] = {}
        for values in rows.fetchall():
            row = dict(zip(names, values, strict=True))
            by_id[row.pop("id")] = row
            known[url_key(row["url"])] = row
        aliases = self.db.execute(
            "SELECT article_id, requested_url FROM pages WHERE url != requested_url"
            " AND article_id IN (SELECT id FROM articles WHERE site = ?)"
            " UNION SELECT article_id, url FROM fetched_urls"
            " WHERE site = ? AND article_id IS NOT NULL",
            [site, site],
        )
        for article_id, url in aliases.fetchall():
            if article_id in by_id and url:
                known.setdefault(url_key(url), by_id[article_id])
        return known

    def mark_not_modified(self, url: str, fetched_at: str, run_id: int) -> bool:
        """Record that a revisit found the article at `url` unchanged (HTTP 304); return
        False if no article has that URL."""
        with self.atomic():
            cursor = self.db.execute(
                "UPDATE articles SET last_seen = ?, last_fetched = ?, crawl_run_id = ?"
                " WHERE url = ?",
                [fetched_at, fetched_at, run_id, url],
            )
        return cursor.rowcount > 0

    def count(self, table: str) -> int:
        """Number of rows in a table of the archive."""
        return self.db[table].count

    def _article_by_url(self, url: str) -> dict[str, Any] | None:
        rows = list(self.db["articles"].rows_where("url = ?", [url], limit=1))
        return rows[0] if rows else None

    def _store_page(
        self, page: ArticlePage, run_id: int, article_id: int | None, claim: bool = True
    ) -> int:
        """Insert the raw page unless the same bytes are already archived for this URL
        (then, with `claim`, that page becomes `article_id`'s); its body compressed with
        zstd, with its site's dictionary once the site has one. Return the page's id."""
        conn = self.db.conn
        sha256 = hashlib.sha256(page.body).hexdigest()
        known = conn.execute(_KNOWN_PAGE, [page.url, sha256]).fetchone()
        if known:
            if claim:
                conn.execute("UPDATE pages SET article_id = ? WHERE id = ?", [article_id, known[0]])
            return int(known[0])
        dictionary_id, dictionary = self._site_dictionary(page.site) or (None, None)
        cursor = conn.execute(
            _INSERT_PAGE,
            [
                page.url,
                page.requested_url,
                article_id,
                page.status,
                json.dumps(page.headers),
                page.fetched_at,
                page.encoding,
                len(page.body),
                sha256,
                page_codec.compress(page.body, dictionary),
                dictionary_id,
                run_id,
            ],
        )
        return int(cursor.lastrowid)

    # Raw pages: zstd with a dictionary per site ---------------------------------------
    # A site's first `page_codec.TRAIN_AFTER` pages are stored with plain zstd; the next
    # one trains a dictionary from them (in `page_dictionaries`), which its later pages
    # are compressed with. Which dictionary a site uses is read from the table on every
    # page (an indexed lookup), so a rolled-back batch never leaves pages pointing at a
    # dictionary row that is gone.

    def page_html(self, row: dict[str, Any]) -> bytes:
        """The raw HTML bytes of a `pages` row (with its `html_zlib`, `html_zstd` and
        `dictionary_id` columns)."""
        return self._page_body(row["html_zlib"], row["html_zstd"], row["dictionary_id"])

    def _page_body(
        self, html_zlib: bytes | None, html_zstd: bytes | None, dictionary_id: int | None
    ) -> bytes:
        if html_zstd is None:  # stored before zstd
            return page_codec.decompress_zlib(html_zlib or b"")
        dictionary = self._page_dictionary(dictionary_id) if dictionary_id else None
        return page_codec.decompress(html_zstd, dictionary)

    @cached_property
    def _page_dictionaries(self) -> _PageDictionaries:
        return _PageDictionaries()

    def _page_dictionary(
        self, dictionary_id: int, zstd_id: int | None = None
    ) -> page_codec.PageDictionary:
        """The dictionary of `page_dictionaries` row `dictionary_id` (whose `zstd_id` the
        caller may have read with it), loaded once."""
        conn = self.db.conn
        if zstd_id is None:
            row = conn.execute(
                "SELECT zstd_id FROM page_dictionaries WHERE id = ?", [dictionary_id]
            ).fetchone()
            if row is None:
                raise ArchiveError(f"page dictionary {dictionary_id} is missing from {self.path}")
            zstd_id = row[0]
        key = (dictionary_id, zstd_id)  # a row id reused after a rollback is another one
        loaded = self._page_dictionaries.loaded
        dictionary = loaded.get(key)
        if dictionary is None:
            (data,) = conn.execute(
                "SELECT dictionary FROM page_dictionaries WHERE id = ?", [dictionary_id]
            ).fetchone()
            dictionary = page_codec.PageDictionary(data)
            loaded.put(key, dictionary)
        return dictionary

    def _site_dictionary(self, site: str) -> tuple[int, page_codec.PageDictionary] | None:
        """The id and the dictionary the next page of `site` is compressed with: its
        newest, or one trained now if the site has enough pages stored without; None
        before that."""
        row = self.db.conn.execute(
            "SELECT id, zstd_id FROM page_dictionaries WHERE site = ? ORDER BY id DESC LIMIT 1",
            [site],
        ).fetchone()
        if row is not None:
            return int(row[0]), self._page_dictionary(int(row[0]), row[1])
        pages_to_go = self._page_dictionaries.pages_to_go
        if site not in pages_to_go:
            (stored,) = self.db.execute(
                "SELECT count(*) FROM pages WHERE article_id IN"
                " (SELECT id FROM articles WHERE site = ?)",
                [site],
            ).fetchone()
            pages_to_go[site] = max(page_codec.TRAIN_AFTER - stored, 0)
        if pages_to_go[site] > 0:
            pages_to_go[site] -= 1
            return None
        trained = self._train_page_dictionary(site)
        if trained is None:  # nothing to learn yet: try again as many pages later
            pages_to_go[site] = page_codec.TRAIN_AFTER
        return trained

    def _train_page_dictionary(self, site: str) -> tuple[int, page_codec.PageDictionary] | None:
        """Train a dictionary on the newest stored pages of `site` and store it; its id
        and the dictionary, or None if they have too little in common."""
        started = time.perf_counter()
        rows = self.db.execute(
            "SELECT p.html_zlib, p.html_zstd, p.dictionary_id FROM pages p"
            " JOIN articles a ON a.id = p.article_id WHERE a.site = ?"
            " ORDER BY p.id DESC LIMIT ?",
            [site, page_codec.TRAIN_AFTER],
        ).fetchall()
        samples = [self._page_body(*row) for row in rows]
        data = page_codec.train(samples)
        if data is None:
            logger.info(
                "No page dictionary for %s yet: its %d pages are too small", site, len(rows)
            )
            return None
        dictionary = page_codec.PageDictionary(data)
        dictionary_id = int(
            self.db["page_dictionaries"]
            .insert(
                {
                    "site": site,
                    "trained": now_iso(),
                    "sample_pages": len(samples),
                    "sample_bytes": min(sum(map(len, samples)), page_codec.SAMPLE_BYTES),
                    "size": len(data),
                    "zstd_id": dictionary.zstd_id,
                    "dictionary": data,
                }
            )
            .last_pk
        )
        self._page_dictionaries.loaded.put((dictionary_id, dictionary.zstd_id), dictionary)
        logger.info(
            "Trained a %d KB page dictionary for %s on %d pages in %.0f ms",
            len(data) // 1024,
            site,
            len(samples),
            (time.perf_counter() - started) * 1000,
        )
        return dictionary_id, dictionary

    @staticmethod
    def _article_row(
        page: ArticlePage,
        article: ExtractedArticle,
        digest: str,
        run_id: int,
        page_id: int,
        key: str,
        validators: dict[str, str | None],
    ) -> dict[str, Any]:
        """The `articles` columns of a stored page; `key` is the `url_key` of the
        article's URL, `validators` the page's."""
        return {
            "url": article.url,
            "url_key": key,
            "site": page.site,
            **_extracted_fields(article),
            "content_hash": digest,
            "extractor_version": article.extractor_version,
            "found_via": page.found_via,
            "first_seen": page.fetched_at,
            "last_seen": page.fetched_at,
            "last_fetched": page.fetched_at,
            "sitemap_lastmod": page.lastmod,
            "crawl_run_id": run_id,
            "page_id": page_id,
            **validators,
        }

    # Re-extraction and learned boilerplate (issue 3) ----------------------------------
    # Per-site block statistics for `pipelines.site_blocks`, and re-extraction of stored
    # pages by `pipelines.reextract`. Every write of those two modules is here.

    def record_page_blocks(self, site: str, url: str, blocks: dict[str, str]) -> None:
        """Count the blocks (fingerprint -> text) of the page at `url` for `site`; a page
        counted before has its earlier blocks uncounted first, so each URL counts once."""
        now = now_iso()
        conn = self.db.conn
        with self.atomic():
            row = conn.execute(_PAGE_FINGERPRINTS, [site, url]).fetchone()
            old = set(json.loads(row[0])) if row else set()
            gone = old - set(blocks)
            if gone:
                conn.executemany(
                    "UPDATE block_stats SET page_count = page_count - 1"
                    " WHERE site = ? AND fingerprint = ?",
                    [(site, key) for key in gone],
                )
            conn.executemany(
                "INSERT INTO block_stats"
                " (site, fingerprint, page_count, sample_text, first_seen, last_seen)"
                " VALUES (?, ?, 1, ?, ?, ?) ON CONFLICT (site, fingerprint) DO UPDATE"
                " SET page_count = page_count + 1, last_seen = excluded.last_seen",
                [(site, key, blocks[key][:200], now, now) for key in set(blocks) - old],
            )
            conn.execute(
                "INSERT INTO block_stats_pages (site, url, fingerprints, updated)"
                " VALUES (?, ?, ?, ?) ON CONFLICT (site, url) DO UPDATE"
                " SET fingerprints = excluded.fingerprints, updated = excluded.updated",
                [site, url, json.dumps(sorted(blocks)), now],
            )

    def recurring_blocks(
        self, site: str, min_pages: int, share: float, min_repeats: int = 2
    ) -> set[str]:
        """The fingerprints found on more than `share` of `site`'s counted pages and on at
        least `min_repeats` of them (at least two), once the site has `min_pages` pages; an
        empty set before that."""
        (pages,) = self.db.execute(
            "SELECT count(*) FROM block_stats_pages WHERE site = ?", [site]
        ).fetchone()
        if pages < max(min_pages, 1):
            return set()
        rows = self.db.execute(
            "SELECT fingerprint FROM block_stats WHERE site = ? AND page_count > ?"
            " AND page_count >= ?",
            [site, share * pages, max(min_repeats, 2)],
        ).fetchall()
        return {key for (key,) in rows}

    def block_counts(self, site: str) -> tuple[int, dict[str, int]]:
        """How many pages of `site` have their blocks counted, and the page count of each
        block found on two of them or more."""
        (pages,) = self.db.execute(
            "SELECT count(*) FROM block_stats_pages WHERE site = ?", [site]
        ).fetchone()
        rows = self.db.execute(
            "SELECT fingerprint, page_count FROM block_stats WHERE site = ? AND page_count >= 2",
            [site],
        )
        return pages, dict(rows.fetchall())

    def page_fingerprints(self, site: str, url: str) -> set[str] | None:
        """The fingerprints of the blocks counted for the page at `url` of `site`; None if
        the page is not counted."""
        row = self.db.conn.execute(_PAGE_FINGERPRINTS, [site, url]).fetchone()
        return set(json.loads(row[0])) if row else None

    def has_page_blocks(self, site: str, url: str) -> bool:
        """True if the blocks of the page at `url` are counted for `site`."""
        return (
            self.db.conn.execute(
                "SELECT 1 FROM block_stats_pages WHERE site = ? AND url = ?", [site, url]
            ).fetchone()
            is not None
        )

    def article_keys(self, site: str | None = None) -> list[tuple[int, str, str]]:
        """(id, site, url) of the archived articles (of one site, if given), oldest first."""
        where, params = ("WHERE site = ?", [site]) if site else ("", [])
        query = f"SELECT id, site, url FROM articles {where} ORDER BY id"
        return [(row[0], row[1], row[2]) for row in self.db.execute(query, params)]

    def article_with_page(self, article_id: int) -> tuple[dict[str, Any], bytes] | None:
        """An article's row and the raw HTML of its latest stored page (None if the article
        has no stored page)."""
        stored = self.article_with_page_and_encoding(article_id)
        return stored[:2] if stored is not None else None

    def article_with_page_and_encoding(
        self, article_id: int
    ) -> tuple[dict[str, Any], bytes, str | None] | None:
        """An article's row, the raw HTML of its latest stored page and the encoding
        recorded for that page (None if the article has no stored page)."""
        article = self.db["articles"].get(article_id)
        row = self.db.execute(
            "SELECT html_zlib, html_zstd, dictionary_id, encoding FROM pages"
            " WHERE article_id = ? OR id = ? ORDER BY fetched_at DESC, id DESC LIMIT 1",
            [article_id, article["page_id"]],
        ).fetchone()
        if row is None:
            return None
        return article, self._page_body(*row[:3]), row[3]

    def update_extraction(self, article_id: int, article: ExtractedArticle) -> bool:
        """Store what a new extraction made of an archived article; return True if its text
        or metadata changed. A changed text or title keeps the old state in
        `article_versions`, as a changed re-fetch does; the extractor version is recorded
        either way."""
        with self.atomic():
            existing = self.db["articles"].get(article_id)
            digest = content_hash(article.title, article.text)
            fields_now = _extracted_fields(article)
            changed = {k: v for k, v in fields_now.items() if existing[k] != v}
            update: dict[str, Any] = {"extractor_version": article.extractor_version}
            if changed:
                update |= changed | {"content_hash": digest}
            if existing["content_hash"] != digest:
                self._keep_version(existing)
                update["version"] = existing["version"] + 1
            self.db["articles"].update(article_id, update)
        return bool(changed)


def _validators(page: ArticlePage) -> dict[str, str | None]:
    """The HTTP validators of a response, for a conditional request on the next visit."""
    headers = {name.lower(): value for name, value in page.headers.items()}
    return {"etag": headers.get("etag"), "http_last_modified": headers.get("last-modified")}


def _extracted_fields(article: ExtractedArticle) -> dict[str, Any]:
    """The `articles` columns that extraction decides."""
    return {
        "canonical_url": article.canonical_url,
        "title": article.title,
        "authors": json.dumps(article.authors, ensure_ascii=False),
        "published": article.published,
        "modified": article.modified,
        "section": article.section,
        "tags": json.dumps(article.tags, ensure_ascii=False),
        "language": article.language,
        "description": article.description,
        "image": article.image,
        "text": article.text,
        "word_count": article.word_count,
    }


@dataclass
class _PageDictionaries:
    """What an open archive keeps in memory of its page dictionaries."""

    loaded: page_codec.DictionaryCache = field(default_factory=page_codec.DictionaryCache)
    # Per site without a dictionary: pages to store before one is trained.
    pages_to_go: dict[str, int] = field(default_factory=dict)
