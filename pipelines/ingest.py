"""The writer of a distributed crawl: drains the workers' stream into the archive.

`newsarchive ingest --redis URL` runs `Ingester`. It reads the stream `newsarchive:items`
as the one consumer of the group `writers`, and stores its entries in batches with the
same code as a local crawl's store stage (`pipelines/item_writes.py`):

- `run_started` entries become `crawl_runs` rows, tagged with the worker (host:pid) and
  the name the worker gave its run; items are written in that run, and the articles new,
  updated, unchanged and not modified, and the errors, are added to its row;
- `run_finished` entries finish the row: the worker's counts, the status
  (`pipelines.archive.run_status`), the URL shapes it learned;
- a run whose worker's heartbeat expired before its end came (a killed worker) is
  recorded as interrupted.

Each batch is one transaction, which also records the id of its last entry
(`ingest_progress`); entries are acknowledged (and deleted from the stream) only once it
is committed. A killed writer loses nothing: its unacknowledged entries are delivered to
it again when it restarts, and those it had committed are recognised by their ids and
not stored twice. Every few seconds the writer publishes, per site, a snapshot of what
the archive knows (`pipelines/archive/site_knowledge.py`) for the workers' next runs.
"""

from __future__ import annotations

import logging
import sqlite3
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

from crawler import stats_keys
from crawler.distributed import keys
from crawler.distributed.item_codec import decode_item, decode_message, encode_message
from pipelines.archive import Archive, RunCounts
from pipelines.archive.run_status import RunFacts, run_status
from pipelines.archive.site_knowledge import knowledge_of
from pipelines.item_writes import write_item

__all__ = ["WORKER_LOST", "IngestReport", "Ingester"]

logger = logging.getLogger(__name__)

WORKER_LOST = "the worker stopped without ending its run (killed, or cut off from Redis)"
_COLUMNS = {
    stats_keys.ARTICLES_NEW: "articles_new",
    stats_keys.ARTICLES_UPDATED: "articles_updated",
    stats_keys.ARTICLES_UNCHANGED: "articles_unchanged",
    stats_keys.ARTICLES_NOT_MODIFIED: "articles_not_modified",
    stats_keys.ERRORS: "errors",
}
# The counts of a run that the writer, not the worker, knows.
_WRITER_COUNTS = frozenset(_COLUMNS.values())


def _entry_order(entry_id: str) -> tuple[int, int]:
    milliseconds, _, sequence = entry_id.partition("-")
    return int(milliseconds), int(sequence or 0)


@dataclass
class IngestReport:
    """What a writer did: entries stored and skipped, runs started and finished."""

    entries: int = 0
    items: int = 0
    skipped: int = 0  # delivered again after a commit: already stored
    runs_started: int = 0
    runs_finished: int = 0
    runs_lost: int = 0
    counters: dict[str, int] = field(default_factory=dict)


class Ingester:
    """Stores the stream's entries into `archive` (see the module's docstring)."""

    def __init__(
        self,
        server: Any,
        archive: Archive,
        batch_size: int,
        batch_seconds: float,
        snapshot_seconds: float = 5.0,
    ) -> None:
        self.server = server
        self.archive = archive
        self.batch_size = max(batch_size, 1)
        self.block_ms = max(int(batch_seconds * 1000), 1)
        self.snapshot_seconds = snapshot_seconds
        self.report = IngestReport()
        self._runs: dict[str, int] = {}  # worker run name -> crawl_runs id
        self._sites: dict[int, str] = {}  # crawl_runs id -> site
        self._changed: set[str] = set()  # sites written since their last snapshot
        self._published = 0.0
        self._reread = True  # read this consumer's unacknowledged entries first

    def ensure_group(self) -> None:
        """Create the stream and its consumer group if they do not exist."""
        import redis

        try:
            self.server.xgroup_create(keys.ITEMS, keys.WRITERS, id="0", mkstream=True)
        except redis.ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    def run(self, should_stop: Callable[[], bool], until_done: bool = False) -> IngestReport:
        """Store entries until `should_stop()`, or (`until_done`) until the crawl is done:
        nothing left in the stream, no worker alive, no run open, no request queued."""
        self.ensure_group()
        self.publish_snapshots(force=True)
        quiet = 0
        while not should_stop():
            stored = self.step()
            self.publish_snapshots()
            if stored:
                quiet = 0
                continue
            self.close_lost_runs()
            if until_done:
                quiet = quiet + 1 if self.crawl_done() else 0
                if quiet >= 2:
                    break
        self.publish_snapshots(force=True)
        return self.report

    def step(self) -> int:
        """Read one batch of entries, store it, commit, acknowledge; return its size."""
        start = "0" if self._reread else ">"
        reply = self.server.xreadgroup(
            keys.WRITERS,
            keys.WRITER,
            {keys.ITEMS: start},
            count=self.batch_size,
            block=None if self._reread else self.block_ms,
        )
        delivered = [(keys.text(i), f) for _, batch in (reply or []) for i, f in batch]
        entries = [(i, f) for i, f in delivered if f]
        if len(entries) < len(delivered):  # deleted before acknowledged: done with
            self._acknowledge([i for i, f in delivered if not f])
        if not entries:
            if self._reread:
                self._reread = False
                return self.step()
            return 0
        self._store_batch(entries)
        return len(entries)

    def _store_batch(self, entries: list[tuple[str, dict[bytes, bytes]]]) -> None:
        done = self.archive.ingested_until(keys.ITEMS)
        done_order = _entry_order(done) if done else (-1, -1)
        archive = self.archive
        try:
            archive.begin_batch()
            for entry_id, entry in entries:
                if _entry_order(entry_id) <= done_order:
                    self.report.skipped += 1
                    continue
                self._store_entry(entry_id, entry)
            archive.set_ingested_until(keys.ITEMS, entries[-1][0])
            archive.commit_batch()
        except sqlite3.Error as error:
            archive.rollback_batch()
            logger.error(
                "A batch of %s entries could not be written (%s): it stays in the stream",
                len(entries),
                error,
            )
            self._reread = True  # the batch is delivered again
            time.sleep(1.0)
            return
        ids = [entry_id for entry_id, _ in entries]
        self._acknowledge(ids)
        self.report.entries += len(entries)

    def _acknowledge(self, ids: list[str]) -> None:
        """Acknowledge the entries and delete them from the stream, in one step."""
        pipe = self.server.pipeline(transaction=True)
        pipe.xack(keys.ITEMS, keys.WRITERS, *ids)
        pipe.xdel(keys.ITEMS, *ids)
        pipe.execute()

    def _store_entry(self, entry_id: str, entry: dict[bytes, bytes]) -> None:
        kind = keys.text(entry.get(b"kind", b""))
        name = keys.text(entry.get(b"run", b""))
        data = entry.get(b"data", b"")
        try:
            if kind == "run_started":
                self._start_run(name, decode_message(data))
            elif kind == "run_finished":
                self._finish_run(name, decode_message(data))
            elif kind == "item":
                self._store_item(name, data)
            else:
                raise ValueError(f"unknown entry kind {kind!r}")
        except (ValueError, KeyError, TypeError, zlib.error) as error:  # a broken entry
            logger.error(
                "Stream entry %s (%s) cannot be stored, skipped: %s", entry_id, kind, error
            )

    def _start_run(self, name: str, message: dict[str, Any]) -> int:
        run_id = self.archive.run_of_worker(name)
        if run_id is None:
            run_id = self.archive.start_run(
                message["site"],
                message.get("start_urls", []),
                message.get("mode", "incremental"),
                worker=message.get("worker"),
                worker_run=name,
                started=message.get("started"),
            )
            self.report.runs_started += 1
        self._runs[name] = run_id
        self._sites[run_id] = message["site"]
        return run_id

    def _run_of(self, name: str) -> int:
        run_id = self._runs.get(name) or self.archive.run_of_worker(name)
        if run_id is None:  # its start was not seen: a worker of an older version
            worker, _, rest = name.partition("/")
            run_id = self._start_run(name, {"site": rest.partition("/")[0], "worker": worker})
        self._runs[name] = run_id
        if run_id not in self._sites:
            self._sites[run_id] = self.archive.get_run(run_id)["site"]
        return run_id

    def _store_item(self, name: str, data: bytes) -> None:
        run_id = self._run_of(name)
        site = self._sites[run_id]
        item = decode_item(data)
        url = item.page.url if hasattr(item, "page") else item.url
        try:
            with self.archive.atomic():
                counter = write_item(self.archive, run_id, site, item)
                if counter in _COLUMNS:
                    self.archive.add_run_counts(run_id, {_COLUMNS[counter]: 1})
        except sqlite3.Error as error:
            if not self.archive.in_batch:
                raise  # SQLite undid the whole batch (a full disk): it is retried
            message = f"could not be written to the archive: {type(error).__name__}: {error}"
            logger.error("%s %s", url, message)
            self.archive.record_error(run_id, url, "storage", message)
            return
        self.report.items += 1
        if counter:
            self.report.counters[counter] = self.report.counters.get(counter, 0) + 1
        self._changed.add(site)

    def _finish_run(self, name: str, message: dict[str, Any]) -> None:
        run_id = self._run_of(name)
        site = self._sites[run_id]
        archive = self.archive
        if message.get("shapes"):
            archive.add_url_shapes(site, [tuple(row) for row in message["shapes"]])
        counts = self._counts(run_id, message.get("counts", {}))
        reason = message.get("reason", "finished")
        if message.get("forced"):
            status, error, complete = "interrupted", message["forced"], False
        else:
            status, error = run_status(
                RunFacts(
                    reason=reason,
                    counts=counts,
                    pages_read=message.get("pages_read", 0),
                    cut_short=message.get("cut_short"),
                    first_error=archive.first_error(run_id),
                    first_wall=archive.first_error(run_id, "wall"),
                )
            )
            complete = status == "ok" and reason == "finished"
        archive.finish_run(run_id, status, counts, error, complete=complete)
        self.report.runs_finished += 1
        self._changed.add(site)

    def _counts(self, run_id: int, worker_counts: dict[str, Any]) -> RunCounts:
        """The run's counts: the worker's, with what the writer counted in its row."""
        row = self.archive.get_run(run_id)
        names = {f.name for f in fields(RunCounts)} - {"errors_by_kind"}
        values = {name: int(worker_counts.get(name, 0)) for name in names}
        for name in _WRITER_COUNTS:
            values[name] = int(row[name] or 0)
        return RunCounts(**values, errors_by_kind=self.archive.errors_by_kind(run_id))

    def close_lost_runs(self) -> int:
        """Record as interrupted the open runs whose worker's heartbeat expired; return
        how many. Called with the stream drained: a worker that ended its run sent the
        end before its heartbeat went."""
        lost = []
        for run_id, worker, _ in self.archive.open_worker_runs():
            if worker and not self.server.exists(keys.worker(worker)):
                lost.append(run_id)
        if not lost or self.server.xlen(keys.ITEMS):
            return 0
        for run_id in lost:
            counts = RunCounts.from_row(self.archive.get_run(run_id))
            counts.errors_by_kind = self.archive.errors_by_kind(run_id)
            self.archive.finish_run(run_id, "interrupted", counts, WORKER_LOST)
            logger.warning("Run %s: %s", run_id, WORKER_LOST)
        self.report.runs_lost += len(lost)
        return len(lost)

    def crawl_done(self) -> bool:
        """True when nothing is left to do: the stream is drained, no worker is alive,
        no run is open, and no site has requests queued or a seed waiting."""
        server = self.server
        if server.xlen(keys.ITEMS) or next(server.scan_iter(match=keys.WORKER_PATTERN), None):
            return False
        if self.archive.open_worker_runs():
            return False
        for site in server.hkeys(keys.SITES):
            name = keys.text(site)
            if server.zcard(keys.requests(name)) or server.exists(keys.seed(name)):
                return False
        return True

    def publish_snapshots(self, force: bool = False) -> None:
        """Publish the snapshot of each site written since its last one (of every site
        of the crawl, with `force`), at most every `snapshot_seconds`."""
        now = time.monotonic()
        if not force and now - self._published < self.snapshot_seconds:
            return
        self._published = now
        sites = {keys.text(name) for name in self.server.hkeys(keys.SITES)}
        for site in sites if force else sites & self._changed:
            self.server.set(keys.knowledge(site), encode_message(knowledge_of(self.archive, site)))
        self._changed.clear()
