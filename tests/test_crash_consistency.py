"""Crash consistency: a crawl killed with SIGKILL at random moments, again and again, then
run to the end, leaves an archive that is intact, with each article exactly once, each
with its page and no page without its article, and every killed run `interrupted`.

The moments come from a seeded random generator (the same on every run of the test, and
different from kill to kill): half of them a random time after the run started, the other
half while a storage batch is open, right after one was committed (the crawl writes
batches of 10 items, committed only when full). A batch is open while the crawl holds
SQLite's write lock, which the test sees by failing to take it.
"""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

from test_extraction_pool import (
    SlowHandler,
    alive,
    archived,
    build_site,
    crawl_process,
    descendants,
    wait_for,
)
from test_storage_faults import whole_articles

from conftest import rows, run_cli
from newsarchive.demo.server import serve_site

SEED = 20240611
ARTICLES = 150
BATCH = ("STORE_BATCH_SIZE=10", "STORE_BATCH_SECONDS=600", "CONCURRENT_REQUESTS_PER_DOMAIN=4")
# A run is killed once it archived this many articles at most (committed 10 at a time),
# so that every run is killed mid-crawl: six such runs leave articles for the last one.
MOST_PER_KILL = 15
KILLED_RUN_ERROR = "the run ended without recording its end (the process was killed)"


def runs(db: Path) -> int:
    """How many runs the archive records (0 before it exists)."""
    try:
        return rows(db, "SELECT count(*) FROM crawl_runs")[0][0]
    except sqlite3.Error:
        return 0


def batch_open(db: Path) -> bool:
    """True while a writer holds an open transaction on the archive: then taking the
    write lock fails at once."""
    conn = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError:  # database is locked
        return True
    else:
        conn.execute("ROLLBACK")
        return False
    finally:
        conn.close()


def wait_for_moment(
    db: Path, kind: str, before: int, fetching: Callable[[], bool], rng: random.Random
) -> None:
    """Wait for the moment to kill a run that started with `before` articles archived:
    `random`, a random time (up to 3 s) after it began fetching articles, or once it
    archived `MOST_PER_KILL` articles; `batch`, once it committed a random number of
    articles, while its next batch is open."""
    if kind == "random":
        wait_for(fetching, timeout=120)
        deadline = time.monotonic() + rng.uniform(0.0, 3.0)
        while time.monotonic() < deadline and archived(db) < before + MOST_PER_KILL:
            time.sleep(0.01)
        return
    target = before + rng.randint(1, MOST_PER_KILL - 5)
    wait_for(lambda: archived(db) >= target, timeout=120)
    wait_for(lambda: batch_open(db), timeout=60)


def test_killed_crawls_leave_a_consistent_archive(tmp_path: Path):
    """Six crawls killed with SIGKILL (three while a batch is open, three at a random
    time), then one run to the end: after each kill the archive is intact and holds only
    whole articles; at the end every article of the site is there exactly once, each with
    its page, every killed run is `interrupted` and not complete, the last `ok`."""
    rng = random.Random(SEED)
    kinds = ["batch", "random"] * 3
    rng.shuffle(kinds)
    root = tmp_path / "site"
    paths = build_site(root, ARTICLES)
    db = tmp_path / "archive.db"
    kept: list[int] = []
    with serve_site(root, handler_class=SlowHandler) as server:
        site = {server.base_url.rstrip("/") + path for path in paths}
        for number, kind in enumerate(kinds, start=1):
            before, requests = archived(db), len(server.request_log)

            def fetching(since: int = requests) -> bool:
                """True once this run requested an article page."""
                return any(path in paths for path in server.request_log[since:])

            crawl = crawl_process(server.base_url, db, *BATCH, capture=False)
            try:
                wait_for(lambda run=number: runs(db) == run, timeout=120)
                wait_for_moment(db, kind, before, fetching, rng)
                workers = descendants(crawl.pid)
                assert crawl.poll() is None, f"run {number} ({kind}) ended before its kill"
            finally:
                crawl.kill()
                crawl.wait(timeout=30)
            wait_for(lambda left=workers: not [pid for pid in left if alive(pid)], timeout=30)
            articles = whole_articles(db)
            assert articles <= site
            kept.append(len(articles))
        assert kept[-1] < ARTICLES
        result = run_cli("crawl", server.base_url, "--db", str(db), "--no-throttle")
        assert result.returncode == 0, result.stdout + result.stderr
    assert whole_articles(db) == site
    assert rows(db, "SELECT count(*), count(DISTINCT url) FROM articles") == [(ARTICLES,) * 2]
    assert rows(db, "SELECT count(*) FROM pages") == [(ARTICLES,)]
    assert rows(
        db,
        "SELECT count(*) FROM articles a JOIN pages p ON p.id = a.page_id AND p.article_id = a.id",
    ) == [(ARTICLES,)]
    assert rows(db, "SELECT status, complete, error FROM crawl_runs ORDER BY id") == [
        *[("interrupted", 0, KILLED_RUN_ERROR)] * len(kinds),
        ("ok", 1, None),
    ]
    assert kept == sorted(kept), kept  # nothing committed was lost to a later kill
