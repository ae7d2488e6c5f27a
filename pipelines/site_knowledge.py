"""What the archive knows of a site, as a snapshot a distributed worker reads.

A local crawl reads the archive directly (`crawler/incremental.py`, the extract stage's
`BlockLearner`). A worker of a distributed crawl has no archive: the writer
(`pipelines/ingest.py`) publishes `knowledge_of(archive, site)` to Redis, and the worker
answers the same questions from `KnowledgeSnapshot`, which has the methods of `Archive`
those components call. Pages counted for learned boilerplate are not in the snapshot:
a revisited page's blocks are counted again in the worker's memory (the writer's counts,
which the next snapshot carries, count each page once).
"""

from __future__ import annotations

import sys
from typing import Any

from pipelines.archive import Archive, now_iso

__all__ = ["KnowledgeSnapshot", "knowledge_of"]


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
