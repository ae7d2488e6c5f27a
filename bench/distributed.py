"""Benchmark: the distributed path's cost, against a local crawl of the same site.

Generates the crawl benchmark's site (`bench/crawl_site.py`, N articles, default 2,000),
serves it on 127.0.0.1 from its own process, starts a Redis server (Debian's
`redis-server`, on a free port, no persistence) and measures, in one run:

- local: `newsarchive crawl URL --no-throttle` into a fresh archive;
- 1 worker + writer: `newsarchive ingest --redis R --db FRESH.db --until-done` and one
  `newsarchive crawl --redis R --no-throttle` worker, the site seeded first;
- 2 workers + writer: the same with two workers (on one machine, the second worker
  competes with the first for the same cores).

Each run is timed from the start of its processes until the archive holds every article
of the site (read every 0.2 s), so the workers' idle wait before they exit is not
counted, and start-up is, for every run alike. It prints articles per second of each run
and its ratio to the local crawl; the distributed path's overhead is 1 - (1 worker +
writer) / local.

    .venv/bin/python bench/distributed.py
    .venv/bin/python bench/distributed.py --articles 500 --keep /tmp/dist-bench
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
if sys.path and Path(sys.path[0] or ".").resolve() == BENCH_DIR:
    sys.path[0] = str(PROJECT_DIR)  # bench/incremental.py would shadow Twisted's package

from bench.crawl import Server, free_port, prepare_site  # noqa: E402

NEWSARCHIVE = str(Path(sys.executable).parent / "newsarchive")
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
IDLE = ["-s", "REDIS_IDLE_SECONDS=3"]
TIMEOUT = 600.0
TARGET_OVERHEAD = 0.15  # issue 14: within 15% of a local crawl


def archived(db: Path) -> int:
    """Articles in the archive at `db` now (0 while it does not exist)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
    except sqlite3.Error:
        return 0


def wait_for(db: Path, expected: int, processes: list[subprocess.Popen[bytes]]) -> float:
    """Wait until `db` holds `expected` articles; return the seconds it took (raises if
    every process ended first or it takes longer than TIMEOUT)."""
    started = time.perf_counter()
    while archived(db) < expected:
        if all(p.poll() is not None for p in processes):
            if archived(db) >= expected:
                break
            raise RuntimeError(f"the processes ended with {archived(db)}/{expected} articles")
        if time.perf_counter() - started > TIMEOUT:
            raise RuntimeError(f"timed out with {archived(db)}/{expected} articles")
        time.sleep(0.2)
    return time.perf_counter() - started


def start(command: Sequence[str], log: Path) -> subprocess.Popen[bytes]:
    """Start `command` in a process group of its own, its output to `log`."""
    with log.open("wb") as out:
        return subprocess.Popen(
            list(command), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def stop(processes: list[subprocess.Popen[bytes]], wait: float = 60.0) -> None:
    """Wait for the processes to end by themselves (up to `wait` s), then kill them."""
    deadline = time.monotonic() + wait
    for process in processes:
        try:
            process.wait(timeout=max(deadline - time.monotonic(), 0.1))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def fresh(db: Path) -> Path:
    """`db` with its files removed."""
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return db


def run_local(url: str, expected: int, work: Path) -> float:
    """Seconds of a local crawl of the site into a fresh archive."""
    db = fresh(work / "local.db")
    crawl = start(
        [NEWSARCHIVE, "crawl", url, "--db", str(db), "--no-throttle", "-q"], work / "local.log"
    )
    seconds = wait_for(db, expected, [crawl])
    stop([crawl])
    return seconds


def run_distributed(url: str, expected: int, workers: int, work: Path) -> float:
    """Seconds of a distributed crawl of the site by `workers` workers and the writer."""
    port = free_port()
    redis_log = (work / f"redis-{workers}.log").open("wb")
    redis = subprocess.Popen(
        [
            REDIS_SERVER,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=redis_log,
        stderr=subprocess.STDOUT,
    )
    redis_url = f"redis://127.0.0.1:{port}/0"
    try:
        for _ in range(100):
            if (
                subprocess.run(
                    [NEWSARCHIVE, "status", "--redis", redis_url], capture_output=True
                ).returncode
                == 0
            ):
                break
            time.sleep(0.1)
        subprocess.run(
            [NEWSARCHIVE, "crawl", "--redis", redis_url, "--seed", url],
            check=True,
            capture_output=True,
        )
        db = fresh(work / f"workers-{workers}.db")
        processes = [
            start(
                [
                    NEWSARCHIVE,
                    "ingest",
                    "--redis",
                    redis_url,
                    "--db",
                    str(db),
                    "--until-done",
                    "-q",
                ],
                work / f"writer-{workers}.log",
            )
        ]
        processes += [
            start(
                [NEWSARCHIVE, "crawl", "--redis", redis_url, "--no-throttle", *IDLE],
                work / f"worker-{workers}-{n}.log",
            )
            for n in range(workers)
        ]
        seconds = wait_for(db, expected, processes)
        stop(processes)
        return seconds
    finally:
        redis.terminate()
        redis.wait()
        redis_log.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000, help="articles on the site")
    parser.add_argument("--devset", type=Path, help="serve some real pages of this dev set")
    parser.add_argument("--keep", type=Path, help="work (and keep the site) in this folder")
    args = parser.parse_args(argv)
    # The crawl benchmark's site options, with its defaults.
    args.seed, args.devset_every, args.per_page, args.no_sitemap, args.port = 2024, 4, 24, False, 0
    if not Path(REDIS_SERVER).exists():
        sys.exit("bench/distributed.py needs redis-server (apt-get install redis-server)")
    work = args.keep or Path(tempfile.mkdtemp(prefix="dist-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    site = prepare_site(args, work)
    server = Server(site)
    expected = len(site.articles)
    try:
        local = run_local(site.base_url, expected, work)
        one = run_distributed(site.base_url, expected, 1, work)
        two = run_distributed(site.base_url, expected, 2, work)
    finally:
        server.close()
    print(f"\nSite: {expected} articles; {os.cpu_count()} cores.\n")
    print(f"{'run':<24}{'seconds':>10}{'articles/s':>12}{'vs local':>10}")
    for label, seconds in (
        ("local crawl", local),
        ("1 worker + writer", one),
        ("2 workers + writer", two),
    ):
        print(f"{label:<24}{seconds:>10.1f}{expected / seconds:>12.1f}{local / seconds:>10.2f}")
    overhead = 1 - local / one
    met = "met" if overhead <= TARGET_OVERHEAD else "NOT met"
    print(
        f"\ndistributed path's overhead (1 worker + writer against local): {overhead:+.1%};"
        f" target <= {TARGET_OVERHEAD:.0%}: {met}"
    )
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
