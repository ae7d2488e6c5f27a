"""Articles: storing them (new, updated, unchanged, with versions), the fetches of
every page, and the reads that incremental runs and re-extraction need."""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from sqlite_utils import Database

from crawler.pages.url_shapes import url_template
from crawler.pages.urls import url_key
from pipelines.archive.basics import now_iso

if TYPE_CHECKING:  # the archive never runs extraction (nor loads trafilatura)
    from crawler.items import ArticlePage
    from pipelines.extraction.core import ExtractedArticle


__all__ = ["ArticlesMixin", "Outcome", "content_hash"]

Outcome = Literal["new", "updated", "unchanged"]


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


def content_hash(title: str | None, text: str) -> str:
    """The hash that tells whether an article's content changed."""
    return hashlib.sha256(f"{title or ''}\n{text}".encode()).hexdigest()


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


class ArticlesMixin:
    """The `Archive` methods that store articles and fetched pages and read them back."""

    db: Database
    path: Path

    def store_article(self, page: ArticlePage, article: ExtractedArticle, run_id: int) -> Outcome:
        """Archive an article and its raw page in one transaction; say whether it was new,
        updated (its content changed) or unchanged.

        One story is one row: a page whose URL (or canonical URL) is a variant of an
        archived article's (see `crawler.pages.urls.url_key`), or whose title and text are
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

    def _article_by_url(self, url: str) -> dict[str, Any] | None:
        rows = list(self.db["articles"].rows_where("url = ?", [url], limit=1))
        return rows[0] if rows else None

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
