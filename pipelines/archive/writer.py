"""The batched writer: the one connection that writes an archive file in a process.

A crawl's store stage (and every store stage of a crawl of several sites in one process)
writes through it: items are written each in a savepoint of its own inside one open
batch, committed together by `flush`; an item whose write fails is undone alone, and a
batch that cannot be committed is reported, item by item, to the stage that wrote it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Protocol

from pipelines.archive.core import Archive

__all__ = ["ArchiveWriter", "BatchUser"]


class BatchUser(Protocol):
    """What wrote an item into a batch: its crawler's stats count the item, and it is
    told of the items that could not be written."""

    crawler: Any  # a Scrapy crawler: its `stats` count the item

    def lost(self, items: list[tuple[str, str | None]], error: sqlite3.Error) -> None:
        """Report items of the batch that could not be written."""


class ArchiveWriter:
    """The one connection that writes an archive file in this process, and its open batch.

    A crawl of several sites runs one crawler (and one store stage) per site in one
    process; SQLite takes one writer at a time, so they share this writer and its batch
    instead of each holding a transaction that the others would wait for."""

    _open: ClassVar[dict[Path, ArchiveWriter]] = {}

    def __init__(self, archive: Archive, key: Path) -> None:
        self.archive = archive
        self.key = key
        self.users = 0
        # The items written in the open batch: their stage, URL and the counter they raised.
        self.pending: list[tuple[BatchUser, str, str | None]] = []

    @classmethod
    def acquire(cls, path: str | Path) -> ArchiveWriter:
        """The writer of the archive at `path`, opened on first use."""
        key = Path(path).resolve()
        writer = cls._open.get(key)
        if writer is None:
            writer = cls._open[key] = cls(Archive.open(path), key)
        writer.users += 1
        return writer

    def release(self) -> None:
        """Commit what is pending; close the archive when no stage uses it any more."""
        self.flush()
        self.users -= 1
        if self.users <= 0:
            self._open.pop(self.key, None)
            self.archive.close()

    def write(self, stage: BatchUser, url: str, write: Callable[[], str | None]) -> None:
        """Run `write` (which returns the stats counter it raised) in a savepoint of its
        own in the open batch, for `stage`."""
        try:
            self.archive.begin_batch()
            with self.archive.atomic():
                counter = write()
        except sqlite3.Error as error:
            if self.pending and not self.archive.in_batch:
                # SQLite undid the whole batch, not only this savepoint (it does when a
                # full disk stops it spilling pages): the batch's items are lost too.
                self._lose_pending(error)
            stage.lost([(url, None)], error)
            return
        if counter:
            stage.crawler.stats.inc_value(counter)
        self.pending.append((stage, url, counter))

    def flush(self) -> None:
        """Commit the open batch. If the commit fails (a full disk), every item of the
        batch is lost: each is reported to its stage, whose run will not end `ok`."""
        if not self.archive.in_batch:
            return
        try:
            self.archive.commit_batch()
        except sqlite3.Error as error:
            self.archive.rollback_batch()
            self._lose_pending(error)
        else:
            self.pending = []

    def _lose_pending(self, error: sqlite3.Error) -> None:
        """Report every item of the undone batch to its stage as lost, and take back the
        counters they raised."""
        pending, self.pending = self.pending, []
        by_stage: dict[BatchUser, list[tuple[str, str | None]]] = {}
        for stage, url, counter in pending:
            if counter:
                stage.crawler.stats.inc_value(counter, -1)
            by_stage.setdefault(stage, []).append((url, counter))
        for stage, items in by_stage.items():
            stage.lost(items, error)
