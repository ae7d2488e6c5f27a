"""What the archive knows of each site: the URL shapes the crawler learned, the block
statistics behind learned boilerplate, and the snapshot of both a distributed worker reads.

A local crawl reads the archive directly (`crawler/middlewares/incremental.py`, the extract
stage's `BlockLearner`). A worker of a distributed crawl has no archive: the writer
(`pipelines/ingest.py`) publishes `knowledge_of(archive, site)` to Redis, and the worker
answers the same questions from `KnowledgeSnapshot`, which has the methods of `Archive`
those components call. Pages counted for learned boilerplate are not in the snapshot:
a revisited page's blocks are counted again in the worker's memory (the writer's counts,
which the next snapshot carries, count each page once).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlite_utils import Database

from pipelines.archive.basics import now_iso

if TYPE_CHECKING:  # the snapshot is made of an open archive
    from pipelines.archive.core import Archive


__all__ = ["KnowledgeSnapshot", "SiteKnowledgeMixin", "knowledge_of"]

_PAGE_FINGERPRINTS = "SELECT fingerprints FROM block_stats_pages WHERE site = ? AND url = ?"


class SiteKnowledgeMixin:
    """The `Archive` methods that keep what the crawler learns of sites: URL shapes and
    block statistics."""

    db: Database
    path: Path

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

    # Per-site block statistics for `pipelines.extraction.site_blocks`, and re-extraction of stored
    # pages by `newsarchive.reextract`. Every write of those two modules is here.

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


def knowledge_of(archive: Archive, site: str) -> dict[str, Any]:
    """What a worker needs to know of `site` from the archive, as JSON-able values."""
    pages, frequent = archive.block_counts(site)
    return {
        "site": site,
        "taken": now_iso(),
        "known_articles": archive.known_articles(site),
        "known_pages": archive.known_pages(site),
        "url_shapes": [list(row) for row in archive.url_shapes(site)],
        "complete_since": archive.previous_complete_run(site, sys.maxsize),
        "block_pages": pages,
        "block_counts": dict(frequent),
    }


class KnowledgeSnapshot:
    """A read-only stand-in for the archive, answering from snapshots of sites (a site
    without one is a site the archive knows nothing of)."""

    def __init__(self, snapshots: dict[str, dict[str, Any]]) -> None:
        self.snapshots = snapshots

    def _of(self, site: str) -> dict[str, Any]:
        return self.snapshots.get(site) or {}

    def known_articles(self, site: str) -> dict[str, dict[str, Any]]:
        """As `Archive.known_articles`."""
        return self._of(site).get("known_articles", {})

    def known_pages(self, site: str) -> dict[str, str]:
        """As `Archive.known_pages`."""
        return self._of(site).get("known_pages", {})

    def url_shapes(self, site: str) -> list[tuple[str, int, int, int]]:
        """As `Archive.url_shapes`."""
        return [tuple(row) for row in self._of(site).get("url_shapes", [])]  # type: ignore[misc]

    def previous_complete_run(self, site: str, run_id: int | None) -> str | None:
        """When the last run of `site` the snapshot knows began, if it was complete."""
        return self._of(site).get("complete_since")

    def block_counts(self, site: str) -> tuple[int, dict[str, int]]:
        """As `Archive.block_counts`."""
        snapshot = self._of(site)
        return snapshot.get("block_pages", 0), snapshot.get("block_counts", {})

    def page_fingerprints(self, site: str, url: str) -> set[str] | None:
        """None: the snapshot does not hold each page's blocks."""
        return None
