"""The archive: one SQLite file that owns the schema, the writes and the reads.

Every write goes through `Archive` (the store pipeline, the writer of a distributed crawl,
re-extraction); nothing else writes SQL. Its methods come in parts, one module each
(`runs.py`, `articles.py`, `pages.py`, `site_knowledge.py`); this module opens the file,
applies the migrations of `migrations.py` and holds the batches.

Tables: `articles` (latest state of each article, `url` unique), `pages` (raw HTML of
article responses, zstd-compressed with a dictionary per site from `page_dictionaries`;
see `pipelines/archive/page_codec.py`), `crawl_runs` (one row per run, with counts),
`crawl_errors` (what could not be archived and why), and `articles_fts` (FTS5 over title
and text).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from pipelines.archive.articles import ArticlesMixin
from pipelines.archive.basics import ArchiveError
from pipelines.archive.migrations import migrations
from pipelines.archive.pages import PagesMixin
from pipelines.archive.runs import RunsMixin
from pipelines.archive.site_knowledge import SiteKnowledgeMixin

__all__ = ["Archive"]


class Archive(RunsMixin, ArticlesMixin, PagesMixin, SiteKnowledgeMixin):
    """An open archive file. Use `Archive.open(path)`; close it with `close()`."""

    def __init__(self, db: Database, path: Path) -> None:
        self.db = db
        self.path = path

    @classmethod
    def open(cls, path: str | Path, for_reading: bool = False) -> Archive:
        """Open (creating if needed) the archive at `path`, migrated to the current schema.

        Raises `ArchiveError` with a clear message if the file cannot be created or written
        (not checked `for_reading`: a reader must not wait for the writer's batch).
        """
        path = Path(path)
        if not path.parent.is_dir():
            raise ArchiveError(f"cannot create archive {path}: folder {path.parent} does not exist")
        try:
            db = Database(path)
            db.execute("PRAGMA busy_timeout = 10000")
            db.enable_wal()
            migrations.apply(db)
            if not for_reading:
                db.conn.execute("BEGIN IMMEDIATE")  # proves the file is writable, writes nothing
                db.conn.execute("ROLLBACK")
        except sqlite3.DatabaseError as error:
            raise ArchiveError(f"cannot open archive {path} for writing: {error}") from error
        return cls(db, path)

    def close(self) -> None:
        """Close the database connection."""
        self.db.close()

    # Batches ----------------------------------------------------------------------------
    # A writer that stores many items (the crawl's store stage) opens a batch: one
    # transaction, committed by `commit_batch`. The methods below still each write
    # atomically: inside a batch, as a savepoint of their own.

    @property
    def in_batch(self) -> bool:
        """True while a batch (an open transaction) holds uncommitted writes."""
        return self.db.conn.in_transaction

    def begin_batch(self) -> None:
        """Open a batch, unless one is open: the writes that follow are committed
        together by `commit_batch`."""
        if not self.db.conn.in_transaction:
            self.db.conn.execute("BEGIN IMMEDIATE")

    def commit_batch(self) -> None:
        """Commit the open batch (nothing if none is open)."""
        if self.db.conn.in_transaction:
            self.db.conn.execute("COMMIT")

    def rollback_batch(self) -> None:
        """Undo the open batch (nothing if none is open)."""
        if self.db.conn.in_transaction:
            self.db.conn.rollback()

    @contextmanager
    def atomic(self) -> Iterator[None]:
        """Run the block atomically: in a transaction of its own, or in a savepoint of the
        open one (as `Database.atomic` does, under one savepoint name: its statements
        are prepared once, not on every write)."""
        conn = self.db.conn
        if not conn.in_transaction:
            with self.db.atomic():
                yield
            return
        conn.execute("SAVEPOINT archive_write")
        try:
            yield
        except BaseException:
            # An error that undid the whole transaction (a full disk) took the savepoint
            # with it: there is nothing left to undo.
            if conn.in_transaction:
                conn.execute("ROLLBACK TO SAVEPOINT archive_write")
                conn.execute("RELEASE SAVEPOINT archive_write")
            raise
        conn.execute("RELEASE SAVEPOINT archive_write")

    def count(self, table: str) -> int:
        """Number of rows in a table of the archive."""
        return self.db[table].count
