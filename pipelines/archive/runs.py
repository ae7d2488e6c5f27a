"""Crawl runs: their `crawl_runs` rows, counts and errors (`crawl_errors`)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from pipelines.archive.basics import now_iso, this_worker

__all__ = ["RUN_STATUSES", "RunCounts", "RunsMixin"]

RUN_STATUSES = ("running", "ok", "warning", "failed", "interrupted")


# The counters of `crawl_runs` that the writer of a distributed crawl adds to.
_RUN_COUNTERS = frozenset(
    {"articles_new", "articles_updated", "articles_unchanged", "articles_not_modified", "errors"}
)


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


class RunsMixin:
    """The `Archive` methods that start, count and finish crawl runs and record their errors."""

    db: Database
    path: Path

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
