"""Raw pages: stored zstd-compressed, with a dictionary trained per site
(`pipelines/archive/page_codec.py`), and read back for re-extraction."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from pipelines.archive import page_codec
from pipelines.archive.basics import ArchiveError, now_iso

if TYPE_CHECKING:  # the archive never runs extraction (nor loads trafilatura)
    from crawler.items import ArticlePage


__all__ = ["PagesMixin"]

logger = logging.getLogger(__name__)

_KNOWN_PAGE = "SELECT id FROM pages WHERE url = ? AND sha256 = ? LIMIT 1"
_INSERT_PAGE = (
    "INSERT INTO pages (url, requested_url, article_id, status, headers, fetched_at, encoding,"
    " content_length, sha256, html_zstd, dictionary_id, crawl_run_id)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


@dataclass
class _PageDictionaries:
    """What an open archive keeps in memory of its page dictionaries."""

    loaded: page_codec.DictionaryCache = field(default_factory=page_codec.DictionaryCache)
    # Per site without a dictionary: pages to store before one is trained.
    pages_to_go: dict[str, int] = field(default_factory=dict)


class PagesMixin:
    """The `Archive` methods that store raw pages and read them back."""

    db: Database
    path: Path

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
