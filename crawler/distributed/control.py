"""Seeding, finding and watching a distributed crawl: what the CLI does with Redis.

`seed_sites` registers sites (their configuration, for workers started without one) and
starts a new crawl of each: its seen-set is emptied (the archive's snapshot, not the last
crawl's fingerprints, says what is known) and its seed is set, for the first worker to
make its start requests. Requests still queued from a crawl that did not finish stay
queued and are crawled too. `crawl_status` reads what `newsarchive status` shows.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from typing import Any

from crawler.distributed import keys
from crawler.sites import SiteConfig
from pipelines.archive import now_iso

__all__ = ["CrawlStatus", "crawl_status", "registered_sites", "seed_sites", "wait_for_sites"]


def seed_sites(server: Any, sites: list[SiteConfig]) -> None:
    """Register `sites` and start a crawl of each (see the module's docstring)."""
    pipe = server.pipeline(transaction=True)
    for site in sites:
        pipe.hset(keys.SITES, site.name, json.dumps(asdict(site)))
        pipe.delete(keys.seen(site.name))
        pipe.set(keys.seed(site.name), now_iso())
    pipe.execute()


def registered_sites(server: Any) -> list[SiteConfig]:
    """The sites seeded into the crawl, by name."""
    sites = server.hgetall(keys.SITES)
    return [SiteConfig(**json.loads(sites[name])) for name in sorted(sites)]


def wait_for_sites(server: Any, seconds: float, poll: float = 0.5) -> list[SiteConfig]:
    """The sites of the crawl, waiting up to `seconds` for the first to be seeded."""
    deadline = time.monotonic() + seconds
    while True:
        sites = registered_sites(server)
        if sites or time.monotonic() >= deadline:
            return sites
        time.sleep(poll)


@dataclass
class CrawlStatus:
    """A distributed crawl as Redis holds it."""

    sites: list[dict[str, Any]]  # name, queued, in_hand, seen, seed_waiting
    workers: list[dict[str, Any]]  # each live worker's last heartbeat
    waiting_for_writer: int  # stream entries not yet stored
    delivered_not_stored: int  # delivered to the writer, not yet acknowledged


def crawl_status(server: Any) -> CrawlStatus:
    """The queues, workers and stream of the crawl at `server`."""
    sites = []
    for site in registered_sites(server):
        in_hand = sum(
            server.hlen(k) for k in server.scan_iter(match=keys.inflight_pattern(site.name))
        )
        sites.append(
            {
                "name": site.name,
                "queued": server.zcard(keys.requests(site.name)),
                "in_hand": in_hand,
                "seen": server.scard(keys.seen(site.name)),
                "seed_waiting": bool(server.exists(keys.seed(site.name))),
            }
        )
    workers = []
    for key in sorted(server.scan_iter(match=keys.WORKER_PATTERN)):
        beat = server.get(key)
        if beat:
            workers.append(json.loads(beat))
    pending = 0
    if server.exists(keys.ITEMS):
        groups = {keys.text(g["name"]): g for g in server.xinfo_groups(keys.ITEMS)}
        group = groups.get(keys.WRITERS)
        pending = int(group["pending"]) if group else 0
    return CrawlStatus(sites, workers, server.xlen(keys.ITEMS), pending)
