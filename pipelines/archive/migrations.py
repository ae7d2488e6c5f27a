"""The archive's schema: the migrations that create and change it, applied in order
when an archive is opened (sqlite-utils' `Migrations`, recorded in `_sqlite_migrations`)."""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from crawler.pages.urls import url_key

__all__ = ["migrations"]

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
    were articles, listings or other pages (see `crawler/pages/url_shapes.py`); `articles`
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
    pages (see `pipelines/archive/page_codec.py`); `pages` gains `html_zstd` (the body as a zstd
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
