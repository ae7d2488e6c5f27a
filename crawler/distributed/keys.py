"""The Redis keys of a distributed crawl, in one place.

Per site (`site:<name>:…`): the request queue (`requests`, a scrapy-redis priority
queue), the fingerprints of the requests seen in the current crawl (`seen`), the start
requests waiting for a worker to make them (`seed`), the requests each worker is working
on (`inflight:<worker>`) and the snapshot of what the archive knows of the site
(`knowledge`, written by the writer). Shared: the sites being crawled (`sites`, name ->
site configuration), each live worker's heartbeat (`worker:<worker>`, expiring) and the
stream of items for the writer (`items`, read by the consumer group `writers`).
"""

from __future__ import annotations

from typing import Any

PREFIX = "newsarchive"
SITES = f"{PREFIX}:sites"
ITEMS = f"{PREFIX}:items"
WRITERS = "writers"  # the consumer group of ITEMS
WRITER = "writer"  # its one consumer: the archive's writer holds the archive's lock


def requests(site: str) -> str:
    """The site's request queue."""
    return f"{PREFIX}:site:{site}:requests"


def seen(site: str) -> str:
    """The fingerprints of the site's requests seen in the current crawl."""
    return f"{PREFIX}:site:{site}:seen"


def seed(site: str) -> str:
    """Set while the site's start requests wait for a worker to make them."""
    return f"{PREFIX}:site:{site}:seed"


def inflight(site: str, worker: str) -> str:
    """The site's requests `worker` has taken and not finished (fingerprint -> request)."""
    return f"{PREFIX}:site:{site}:inflight:{worker}"


def inflight_pattern(site: str) -> str:
    """A SCAN pattern matching every worker's `inflight` key of the site."""
    return f"{PREFIX}:site:{site}:inflight:*"


def knowledge(site: str) -> str:
    """The snapshot of what the archive knows of the site."""
    return f"{PREFIX}:site:{site}:knowledge"


def worker(name: str) -> str:
    """The heartbeat of worker `name` (host:pid); it expires when the worker dies."""
    return f"{PREFIX}:worker:{name}"


WORKER_PATTERN = f"{PREFIX}:worker:*"


def text(value: Any) -> str:
    """A key, field or value as Redis returned it (bytes), as text."""
    return value.decode() if isinstance(value, bytes) else str(value)
