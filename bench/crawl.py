"""Benchmark: articles per second of a full crawl, against plain trafilatura.

Generates a local news site of N articles (`bench/crawl_site.py`: home page, paginated
section listings, topic, author and service pages, robots.txt, RSS, sitemaps; long
article pages of 50-150 KB with navigation, sidebars, comments and inline CSS/JS; every
4th article a real page of the Fundus dev set when `--devset` is given), serves it on
127.0.0.1 from a separate server process, and measures in one run:

- baseline: `trafilatura.extract(html)` (default settings) over the article files, read
  into memory first, in one process and in a `multiprocessing.Pool` of `--workers`
  processes (only the extraction is timed);
- peer: trafilatura's command line, `trafilatura --input-dir DIR --output-dir OUT
  --parallel N` (timed as a whole command, start-up included);
- newsarchive: `newsarchive crawl URL --db FRESH.db --no-throttle -q` of the whole site
  into a new archive, with the extraction pool (`-s EXTRACT_WORKERS=N`) and without it
  (`-s EXTRACT_WORKERS=0`), timed as a whole command, start-up included.

It prints articles per second of each run, newsarchive's ratio to each baseline, the
crawls' peak RSS (of the crawl's main process, and the peak of the sum over the process
and all its children, polled from /proc), requests per article and archive bytes per
article (from the archive's `crawl_runs` row and the size of the database and its WAL),
and checks that each crawl archived every article of the site.

Run it from the project folder with the project's virtualenv:

    .venv/bin/python bench/crawl.py                     # 2,000 generated articles
    .venv/bin/python bench/crawl.py --devset ../shared/devset
    .venv/bin/python bench/crawl.py --articles 20000 --only newsarchive
    .venv/bin/python bench/crawl.py --articles 200 --skip-peers --keep /tmp/crawl-bench

`--only` takes a comma-separated list of runs: `extract` (one process), `pool`
(trafilatura in a Pool), `cli` (trafilatura's command line), `crawl` (newsarchive with
its pool), `crawl-nopool`; or the groups `baseline` (extract, pool), `peer` (cli) and
`newsarchive` (both crawls). `--skip-peers` leaves out the trafilatura command line.
With more articles than `--baseline-max` (default 2,000), the baselines run on the
first `--baseline-max` article files (articles per second is a rate; the table says so).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# This file runs as a script: its folder is sys.path[0], where `bench/incremental.py`
# would shadow Twisted's `incremental` package. Put the project folder there instead.
BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
if sys.path and Path(sys.path[0] or ".").resolve() == BENCH_DIR:
    sys.path[0] = str(PROJECT_DIR)

from bench.crawl_site import SITE_VERSION, BuiltSite, build_site, route_key  # noqa: E402

BIN_DIR = Path(sys.executable).parent
SERVER_SCRIPT = BENCH_DIR / "crawl_site.py"
RUNS = ("extract", "pool", "cli", "crawl", "crawl-nopool")
GROUPS = {
    "baseline": ("extract", "pool"),
    "peer": ("cli",),
    "newsarchive": ("crawl", "crawl-nopool"),
}
TARGET_RSS = 600 * 2**20  # issue 12: peak RSS of a 20,000-article crawl under 600 MB
EXIT_RUN_WARNING = 3  # `newsarchive crawl`: the run finished with errors worth a look


# --- Results ----------------------------------------------------------------------------


@dataclass
class Memory:
    """Peak resident memory of a process tree, in bytes."""

    main: int = 0  # the main process's own high-water mark (VmHWM)
    tree: int = 0  # the largest sum of RSS over the tree seen at one poll
    tree_pss: int = 0  # the same with PSS (shared pages split), polled less often
    processes: int = 0  # the most processes seen in the tree at one poll


@dataclass
class Result:
    """One run of the benchmark."""

    name: str
    articles: int
    seconds: float
    memory: Memory | None = None
    requests_per_article: float | None = None
    bytes_per_article: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        """Articles per second."""
        return self.articles / self.seconds if self.seconds else 0.0


# --- Memory of a process tree -----------------------------------------------------------


def _children(pid: int) -> list[int]:
    """The direct children of `pid` (from /proc/PID/task/*/children)."""
    found: list[int] = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                found.extend(int(p) for p in handle.read().split())
        except OSError:
            continue
    return found


def _tree(pid: int) -> list[int]:
    """`pid` and all its descendants."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo.extend(_children(current))
    return pids


@dataclass
class Sample:
    """One process at one poll: resident memory, its high-water mark, CPU seconds."""

    rss: int
    hwm: int
    cpu: float
    pss: int = 0


_CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_sample(pid: int, pss: bool = False) -> Sample | None:
    """A process's memory and CPU time from /proc (None once it is gone); its PSS only
    if `pss` (reading smaps_rollup costs the kernel ~20 ms for a 300 MB process)."""
    rss = hwm = 0
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) * 1024
                elif line.startswith("VmHWM:"):
                    hwm = int(line.split()[1]) * 1024
        with open(f"/proc/{pid}/stat") as handle:
            stat = handle.read().rsplit(")", 1)[1].split()
        cpu = (int(stat[11]) + int(stat[12])) / _CLOCK_TICKS
    except (OSError, ValueError, IndexError):
        return None
    proportional = 0
    if pss:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        proportional = int(line.split()[1]) * 1024
                        break
        except (OSError, ValueError, IndexError):
            pass
    return Sample(rss, max(hwm, rss), cpu, proportional)


class TreeMonitor:
    """Polls the memory and CPU time of a process and its descendants in a thread
    (psutil when it is installed, /proc otherwise). `memory.main` is the main process's
    peak (its VmHWM), `memory.tree` the largest sum of the tree's RSS at one poll;
    `cpu` adds up the last CPU time seen of every process of the tree. PSS is read only
    every `pss_every` polls: it is costly."""

    def __init__(self, pid: int, interval: float = 0.2, pss_every: int = 10) -> None:
        self.pid = pid
        self.interval = interval
        self.pss_every = pss_every
        self._polls = 0
        self.memory = Memory()
        self._cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-monitor", daemon=True)
        self._psutil: Any = None
        try:
            import psutil  # type: ignore[import-not-found,import-untyped,unused-ignore]

            self._psutil = psutil.Process(pid)
        except Exception:  # not installed, or the process is already gone
            self._psutil = None

    @property
    def cpu(self) -> float:
        """CPU seconds of the tree's processes, as last seen (a process's last poll
        interval may be missing)."""
        return sum(self._cpu.values())

    def __enter__(self) -> TreeMonitor:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _samples(self, pss: bool) -> dict[int, Sample]:
        samples: dict[int, Sample] = {}
        if self._psutil is None:
            for pid in _tree(self.pid):
                sample = _proc_sample(pid, pss)
                if sample is not None:
                    samples[pid] = sample
            return samples
        try:
            processes = [self._psutil, *self._psutil.children(recursive=True)]
        except Exception:  # the main process is gone
            return samples
        for process in processes:
            try:
                with process.oneshot():
                    rss = process.memory_info().rss
                    times = process.cpu_times()
            except Exception:
                continue
            sample = _proc_sample(process.pid, pss)  # VmHWM and PSS, if there is /proc
            hwm, proportional = (sample.hwm, sample.pss) if sample else (rss, 0)
            samples[process.pid] = Sample(
                rss, max(hwm, rss), times.user + times.system, proportional
            )
        return samples

    def _poll(self) -> None:
        pss = self._polls % self.pss_every == 0
        self._polls += 1
        samples = self._samples(pss)
        if not samples:
            return
        memory = self.memory
        if self.pid in samples:
            memory.main = max(memory.main, samples[self.pid].hwm)
        memory.tree = max(memory.tree, sum(s.rss for s in samples.values()))
        if pss:
            memory.tree_pss = max(memory.tree_pss, sum(s.pss for s in samples.values()))
        memory.processes = max(memory.processes, len(samples))
        for pid, sample in samples.items():
            self._cpu[pid] = max(self._cpu.get(pid, 0.0), sample.cpu)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._poll()
            self._stop.wait(self.interval)


def run_monitored(command: Sequence[str], log: Path) -> tuple[int, float, Memory, float]:
    """Run `command` with its output in `log`: exit status, wall seconds, peak memory of
    its process tree, and the CPU seconds of the tree."""
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        with TreeMonitor(process.pid) as monitor:
            status = process.wait()
        seconds = time.perf_counter() - started
    return status, seconds, monitor.memory, monitor.cpu


# --- The site server --------------------------------------------------------------------


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_is_free(port: int) -> bool:
    """True if `port` can be bound on 127.0.0.1."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class Server:
    """The site server in its own process (`crawl_site.py serve`)."""

    def __init__(self, site: BuiltSite) -> None:
        self.site = site
        port = urlsplit(site.base_url).port
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), "serve", str(site.root), "--port", str(port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line.startswith("ready"):
            self.process.kill()
            sys.exit(f"the site server did not start: {line!r}")
        self.base_url = site.base_url

    def stats(self, command: str = "stats") -> dict[str, object]:
        """The server's request counts (`stats`, `paths`, or `reset` to zero them)."""
        with urllib.request.urlopen(f"{self.base_url}__bench__/{command}", timeout=30) as answer:
            return json.loads(answer.read())  # type: ignore[no-any-return]

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far."""
        sample = _proc_sample(self.process.pid)
        return sample.cpu if sample else float("nan")

    def close(self) -> None:
        """Stop the server process."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def server_check(server: Server, site: BuiltSite, requests: int = 400) -> str:
    """Fetch `requests` article pages with 16 client threads: the server's throughput
    (a lower bound: the client here is one Python process too)."""
    paths = [a.path for a in site.articles[:requests]]
    paths = (paths * (requests // max(1, len(paths)) + 1))[:requests]

    def fetch(path: str) -> int:
        with urllib.request.urlopen(server.base_url + path.lstrip("/"), timeout=30) as answer:
            return len(answer.read())

    cpu = server.cpu_seconds()
    started = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        size = sum(pool.map(fetch, paths))
    seconds = time.perf_counter() - started
    cpu = server.cpu_seconds() - cpu
    server.stats("reset")
    return (
        f"server check: {requests} article pages ({size / 1e6:.0f} MB) in {seconds:.2f} s ="
        f" {requests / seconds:.0f} responses/s with 16 client threads"
        f" (server CPU {cpu:.2f} s)"
    )


def best(attempts: list[Result]) -> Result:
    """The fastest of the attempts of one run (noting the others' rates)."""
    fastest = max(attempts, key=lambda r: r.rate)
    if len(attempts) > 1:
        rates = ", ".join(f"{r.rate:.1f}" for r in attempts)
        fastest.notes.append(f"best of {len(attempts)} (articles/s: {rates})")
    return fastest


# --- Baselines --------------------------------------------------------------------------

_HTMLS: list[str] = []  # the pages, for the pool's forked workers


def read_pages(files: Sequence[Path]) -> list[str]:
    """The files' HTML, decoded."""
    return [f.read_bytes().decode("utf-8", "replace") for f in files]


def _extract_index(index: int) -> bool:
    import trafilatura

    return trafilatura.extract(_HTMLS[index]) is not None


def _warm(_: int) -> None:
    import trafilatura  # noqa: F401 - already imported before the fork; makes sure


def run_extract_serial(htmls: Sequence[str]) -> Result:
    """`trafilatura.extract` over `htmls` in this process."""
    import trafilatura

    trafilatura.extract(htmls[0])  # first call loads its resources: not timed
    started = time.perf_counter()
    extracted = sum(trafilatura.extract(h) is not None for h in htmls)
    seconds = time.perf_counter() - started
    result = Result("trafilatura extract, 1 process", len(htmls), seconds)
    if extracted < len(htmls):
        result.notes.append(f"{len(htmls) - extracted} pages gave no text")
    return result


def run_extract_pool(htmls: list[str], workers: int) -> Result:
    """`trafilatura.extract` over `htmls` in a `multiprocessing.Pool(workers)` (forked
    workers that have the pages already; pool start-up not timed)."""
    import trafilatura

    global _HTMLS
    _HTMLS = htmls
    trafilatura.extract(htmls[0])
    context = multiprocessing.get_context("fork")
    with context.Pool(workers) as pool:
        pool.map(_warm, range(workers * 2))
        started = time.perf_counter()
        extracted = sum(pool.imap_unordered(_extract_index, range(len(htmls)), chunksize=4))
        seconds = time.perf_counter() - started
    _HTMLS = []
    plural = "process" if workers == 1 else "processes"
    result = Result(f"trafilatura extract, {workers} {plural}", len(htmls), seconds)
    if extracted < len(htmls):
        result.notes.append(f"{len(htmls) - extracted} pages gave no text")
    return result


def run_cli(input_dir: Path, files: int, workers: int, work: Path) -> Result:
    """trafilatura's command line over `input_dir`, `--parallel workers`."""
    out = work / "trafilatura-out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    command = [
        str(BIN_DIR / "trafilatura"),
        "--input-dir",
        str(input_dir),
        "--output-dir",
        str(out),
        "--parallel",
        str(workers),
    ]
    status, seconds, memory, cpu = run_monitored(command, work / "trafilatura-cli.log")
    written = sum(1 for p in out.rglob("*") if p.is_file())
    result = Result(f"trafilatura CLI --parallel {workers}", files, seconds, memory)
    note = f"wrote {written} text files of {files}"
    if written < files:  # it names each output by a hash of a sample of its words
        note += " (texts alike enough share one output name: the dev-set copies)"
    result.notes.append(f"{note}; CPU of its processes {cpu:.1f} s")
    if status != 0:
        result.notes.append(f"exit status {status}, see {work / 'trafilatura-cli.log'}")
    return result


# --- Crawls -----------------------------------------------------------------------------


@dataclass
class CrawlCheck:
    """What a crawl archived, compared with the site: `archived` counts the site's
    articles that are an article of their own in the archive."""

    expected: int
    archived: int
    missing: list[str]
    reasons: dict[str, str]
    fetched_twice: int
    elsewhere: int  # archived under another URL (the canonical URL the page declares)


@dataclass
class ArchiveFacts:
    """What the archive says after a crawl."""

    run: dict[str, object]  # the last crawl_runs row
    article_url: dict[int, str]  # article id -> route key of its URL
    article_of: dict[str, int]  # route key -> id of the article it was archived as
    said: dict[str, str]  # route key -> what became of other URLs


def archive_facts(db: Path) -> ArchiveFacts:
    """Read the crawl's row, its articles and what it recorded of the URLs it fetched."""
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute("SELECT * FROM crawl_runs ORDER BY id DESC LIMIT 1").fetchone()
        facts = ArchiveFacts(dict(row) if row else {}, {}, {}, {})
        for article_id, url in conn.execute("SELECT id, url FROM articles"):
            facts.article_url[article_id] = route_key(url)
            facts.article_of[route_key(url)] = article_id
        for url, kind, status, article_id in conn.execute(
            "SELECT url, kind, status, article_id FROM fetched_urls"
        ):
            if kind == "article" and article_id is not None:
                facts.article_of.setdefault(route_key(url), article_id)
            else:
                facts.said[route_key(url)] = f"fetched, archive says {kind} (HTTP {status})"
        for url, kind, status, message in conn.execute(
            "SELECT url, kind, status, message FROM crawl_errors"
        ):
            facts.said[route_key(url)] = f"error {kind} {status or ''}: {message}"
    return facts


def check_crawl(site: BuiltSite, facts: ArchiveFacts, requested: dict[str, int]) -> CrawlCheck:
    """Compare the archive with the site's articles: each should be an article of its
    own (under its URL, or under the canonical URL it declares); one archived as the
    same story as another of the site's articles is missing too."""
    owner: dict[int, str] = {}  # article id -> the first of the site's paths archived as it
    missing: list[str] = []
    reasons: dict[str, str] = {}
    elsewhere = 0
    for article in site.articles:
        key = route_key(article.path)
        article_id = facts.article_of.get(key)
        if article_id is None:
            missing.append(article.path)
            if key in facts.said:
                reasons[article.path] = facts.said[key]
            elif requested.get(key):
                reasons[article.path] = f"requested {requested[key]}x, not archived"
            else:
                reasons[article.path] = "never requested"
        elif article_id in owner:
            missing.append(article.path)
            reasons[article.path] = f"archived as the same story as {owner[article_id]}"
        else:
            owner[article_id] = article.path
            elsewhere += facts.article_url.get(article_id) != key
    twice = sum(1 for a in site.articles if requested.get(route_key(a.path), 0) > 1)
    expected = len(site.articles)
    return CrawlCheck(expected, expected - len(missing), missing, reasons, twice, elsewhere)


def run_crawl(
    site: BuiltSite,
    server: Server,
    work: Path,
    name: str,
    label: str,
    settings: Sequence[str],
) -> tuple[Result, list[str]]:
    """`newsarchive crawl` of the site into a fresh archive; the result and the lines
    that describe the run."""
    db = work / f"{name}.db"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    command = [
        str(BIN_DIR / "newsarchive"),
        "crawl",
        site.base_url,
        "--db",
        str(db),
        "--no-throttle",
        "-q",
    ]
    for setting in settings:
        command += ["-s", setting]
    server.stats("reset")
    server_cpu = server.cpu_seconds()
    log = work / f"{name}.log"
    status, seconds, memory, cpu = run_monitored(command, log)
    server_cpu = server.cpu_seconds() - server_cpu
    served = server.stats("paths")
    paths: dict[str, int] = served.get("paths", {})  # type: ignore[assignment]
    lines = [f"{label}: `{' '.join(command[1:])}`"]
    if status not in (0, EXIT_RUN_WARNING) or not db.exists():
        tail = log.read_text(errors="replace")[-3000:]
        lines.append(f"  CRAWL FAILED (exit status {status}); end of {log}:\n{tail}")
        return Result(label, 0, seconds, memory, notes=[f"FAILED, exit status {status}"]), lines
    facts = archive_facts(db)
    check, run = check_crawl(site, facts, paths), facts.run
    size = sum(
        Path(f"{db}{suffix}").stat().st_size
        for suffix in ("", "-wal")
        if Path(f"{db}{suffix}").exists()
    )
    new = int(run.get("articles_new") or 0)
    requests = int(run.get("requests") or 0)
    result = Result(
        label,
        new,
        seconds,
        memory,
        requests_per_article=requests / new if new else None,
        bytes_per_article=size / new if new else None,
    )
    statuses = served.get("statuses", {})
    lines.append(
        f"  archived {check.archived}/{check.expected} articles"
        f" (crawl_runs.articles_new {new}); exit status {status}"
        + (f"; {check.elsewhere} of them under their canonical URL" if check.elsewhere else "")
    )
    lines.append(
        f"  wall {seconds:.1f} s, crawl_runs.duration_seconds"
        f" {float(run.get('duration_seconds') or 0):.1f} s; CPU of the crawl's processes"
        f" {cpu:.1f} s; server CPU {server_cpu:.1f} s"
    )
    lines.append(
        f"  requests: crawl_runs {requests} ({run.get('listing_pages')} listing,"
        f" {run.get('sitemap_pages')} sitemap, {run.get('feed_pages')} feed pages);"
        f" server answered {served.get('requests')} {json.dumps(statuses)};"
        f" articles fetched more than once: {check.fetched_twice}"
    )
    lines.append(
        f"  peak RSS: main process {memory.main / 2**20:.0f} MB, whole tree"
        f" {memory.tree / 2**20:.0f} MB (sum of PSS {memory.tree_pss / 2**20:.0f} MB;"
        f" {memory.processes} processes at most); 600 MB target of a 20,000-article crawl:"
        f" main {'under' if memory.main < TARGET_RSS else 'OVER'},"
        f" tree {'under' if memory.tree < TARGET_RSS else 'OVER'}"
    )
    lines.append(
        f"  archive {size / 1e6:.1f} MB (db + wal) = {size / max(1, new) / 1e3:.1f} KB/article;"
        f" errors {run.get('errors')} {run.get('errors_by_kind') or ''}"
    )
    if check.missing:
        lines.append(
            f"  !!! NOT ALL ARTICLES ARCHIVED: {check.archived}/{check.expected};"
            f" {len(check.missing)} missing, e.g.:"
        )
        by_path = {a.path: a for a in site.articles}
        for path in check.missing[:12]:
            source = by_path[path].source
            lines.append(f"      {path} [{source}]: {check.reasons[path]}")
        counts: dict[str, int] = {}
        for path in check.missing:
            reason = check.reasons[path]
            reason = "same story as another" if reason.startswith("archived as") else reason
            reason = reason.split(":")[0]
            counts[reason] = counts.get(reason, 0) + 1
        lines.append(f"      by reason: {json.dumps(counts)}")
        result.notes.append(f"MISSING {len(check.missing)}")
    return result, lines


# --- The site ---------------------------------------------------------------------------


def prepare_site(args: argparse.Namespace, work: Path) -> BuiltSite:
    """The site: the one kept in `work/site` if it was built with the same options and
    its port is free, else a new one."""
    root = work / "site"
    options = {
        "version": SITE_VERSION,
        "articles": args.articles,
        "seed": args.seed,
        "devset": str(args.devset) if args.devset else None,
        "devset_every": args.devset_every,
        "per_page": args.per_page,
        "sitemap": not args.no_sitemap,
    }
    kept = BuiltSite.load(root) if args.keep else None
    if kept is not None:
        same = all(kept.options.get(k) == v for k, v in options.items())
        port = urlsplit(kept.base_url).port
        if same and port and port_is_free(port) and (not args.port or args.port == port):
            print(f"Using the site kept in {root} ({kept.base_url})")
            return kept
    port = args.port or free_port()
    started = time.perf_counter()
    site = build_site(
        root,
        f"http://127.0.0.1:{port}/",
        args.articles,
        seed=args.seed,
        devset=args.devset,
        devset_every=args.devset_every,
        per_page=args.per_page,
        sitemap=not args.no_sitemap,
        progress=True,
    )
    print(f"Generated the site in {time.perf_counter() - started:.1f} s")
    return site


def baseline_dir(site: BuiltSite, count: int, work: Path) -> Path:
    """A folder of exactly the first `count` article files (the site's own article folder
    when that is all of them; else symbolic links)."""
    if count >= len(site.articles):
        return site.article_dir
    folder = work / f"baseline-{count}"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for path in site.article_files()[:count]:
        (folder / path.name).symlink_to(path)
    return folder


# --- Output -----------------------------------------------------------------------------


def table(results: Sequence[Result], reference: Result | None) -> str:
    """The results as a text table."""
    header = (
        "run",
        "articles",
        "seconds",
        "articles/s",
        "vs 1-proc trafilatura",
        "peak RSS MB main/tree",
        "req/article",
        "bytes/article",
    )
    rows = [header]
    for r in results:
        ratio = f"{r.rate / reference.rate:.2f}x" if reference and reference.rate else "-"
        memory = f"{r.memory.main / 2**20:.0f} / {r.memory.tree / 2**20:.0f}" if r.memory else "-"
        rows.append(
            (
                r.name,
                str(r.articles),
                f"{r.seconds:.1f}",
                f"{r.rate:.1f}",
                ratio,
                memory,
                f"{r.requests_per_article:.3f}" if r.requests_per_article else "-",
                f"{r.bytes_per_article:,.0f}" if r.bytes_per_article else "-",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)]
        lines.append(" | ".join(cells))
        if n == 0:
            lines.append("-+-".join("-" * w for w in widths))
    return "\n".join(lines)


def selected_runs(args: argparse.Namespace) -> list[str]:
    """The runs `--only` and `--skip-peers` leave."""
    if args.only:
        chosen: list[str] = []
        for name in (n.strip() for n in args.only.split(",") if n.strip()):
            if name in GROUPS:
                chosen.extend(GROUPS[name])
            elif name in RUNS:
                chosen.append(name)
            else:
                sys.exit(f"--only: unknown run {name!r} (runs: {', '.join((*RUNS, *GROUPS))})")
    else:
        chosen = list(RUNS)
    if args.skip_peers:
        chosen = [n for n in chosen if n != "cli"]
    return [n for n in RUNS if n in chosen]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--articles", type=int, default=2000, help="articles on the site")
    parser.add_argument(
        "--devset", type=Path, help="the Fundus dev set folder: serve some of its real pages"
    )
    parser.add_argument(
        "--devset-every", type=int, default=4, help="every Nth article is a dev-set page"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="processes of the Pool baseline, the CLI's --parallel and EXTRACT_WORKERS"
        " (default: the number of cores)",
    )
    parser.add_argument(
        "--keep",
        type=Path,
        help="work in this folder and keep the site, archives and logs (a kept site built"
        " with the same options is reused)",
    )
    parser.add_argument("--skip-peers", action="store_true", help="no trafilatura CLI run")
    parser.add_argument("--only", help="comma-separated runs or groups (see above)")
    parser.add_argument(
        "--baseline-max",
        type=int,
        default=2000,
        help="at most this many article files for the baselines (0: all)",
    )
    parser.add_argument(
        "--repeat", type=int, default=1, help="run each run this many times, keep the fastest"
    )
    parser.add_argument("--seed", type=int, default=2024, help="seed of the site generator")
    parser.add_argument("--per-page", type=int, default=24, help="articles per listing page")
    parser.add_argument("--no-sitemap", action="store_true", help="no sitemaps on the site")
    parser.add_argument("--port", type=int, default=0, help="port of the site server")
    parser.add_argument(
        "-s",
        "--set",
        dest="settings",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="an extra Scrapy setting for both crawls (repeatable)",
    )
    args = parser.parse_args(argv)
    if min(args.articles, args.workers, args.devset_every, args.repeat) < 1:
        parser.error("--articles, --workers, --devset-every and --repeat must be at least 1")
    if args.devset and not (args.devset / "truth.json").exists():
        parser.error(f"--devset {args.devset}: no truth.json there")
    return args


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its table."""
    args = parse_args(argv)
    runs = selected_runs(args)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        work = args.keep.resolve()
        cleanup = None
    else:
        cleanup = tempfile.TemporaryDirectory(prefix="crawl-bench-")
        work = Path(cleanup.name)
    try:
        _run(args, runs, work)
    finally:
        if cleanup is not None:
            cleanup.cleanup()


def _run(args: argparse.Namespace, runs: list[str], work: Path) -> None:
    site = prepare_site(args, work)
    generated = [a for a in site.articles if a.source == "generated"]
    real = len(site.articles) - len(generated)
    total = sum(a.size for a in site.articles)
    sizes = sorted(a.size for a in generated) or [0]
    print(
        f"Site: {len(site.articles)} articles ({len(generated)} generated,"
        f" {sizes[0] / 1e3:.0f}-{sizes[-1] / 1e3:.0f} KB, median"
        f" {sizes[len(sizes) // 2] / 1e3:.0f} KB; {real} dev-set pages"
        f" ({site.options.get('devset_pages_used', 0)} distinct)), {total / 1e6:.0f} MB of"
        f" article HTML, {len(site.routes)} URLs in all; {os.cpu_count()} cores,"
        f" --workers {args.workers}"
    )
    results: list[Result] = []
    details: list[str] = []
    sample = len(site.articles)
    if args.baseline_max and sample > args.baseline_max:
        sample = args.baseline_max
    if sample < len(site.articles) and {"extract", "pool", "cli"} & set(runs):
        print(f"Baselines on the first {sample} article files (--baseline-max)")
    repeat = range(args.repeat)
    reference: Result | None = None
    if {"extract", "pool"} & set(runs):
        htmls = read_pages(site.article_files()[:sample])
        if "extract" in runs:
            print("Running trafilatura.extract in one process ...", flush=True)
            reference = best([run_extract_serial(htmls) for _ in repeat])
            results.append(reference)
        if "pool" in runs:
            print(f"Running trafilatura.extract in a Pool({args.workers}) ...", flush=True)
            results.append(best([run_extract_pool(htmls, args.workers) for _ in repeat]))
        del htmls
    if "cli" in runs:
        print(f"Running trafilatura --parallel {args.workers} ...", flush=True)
        folder = baseline_dir(site, sample, work)
        results.append(best([run_cli(folder, sample, args.workers, work) for _ in repeat]))

    crawls = [r for r in runs if r.startswith("crawl")]
    if crawls:
        server = Server(site)
        try:
            details.append(server_check(server, site))
            for name in crawls:
                if name == "crawl":
                    label = f"newsarchive crawl, pool ({args.workers} workers)"
                    setting = f"EXTRACT_WORKERS={args.workers}"
                else:
                    label, setting = "newsarchive crawl, pool off", "EXTRACT_WORKERS=0"
                print(f"Running {label} ...", flush=True)
                attempts = [
                    run_crawl(site, server, work, name, label, [setting, *args.settings])
                    for _ in repeat
                ]
                result = best([a[0] for a in attempts])
                results.append(result)
                details.extend(next(lines for r, lines in attempts if r is result))
        finally:
            server.close()

    print()
    print(table(results, reference))
    notes = [f"  {r.name}: {'; '.join(r.notes)}" for r in results if r.notes]
    if notes:
        print("\nNotes:\n" + "\n".join(notes))
    print(
        "\n(baselines time extraction only, files already in memory; the trafilatura CLI"
        " and the crawls are timed as whole commands, start-up included)"
    )
    ours = [r for r in results if r.name.startswith("newsarchive") and r.articles]
    theirs = [r for r in results if not r.name.startswith("newsarchive") and r.rate]
    if ours and theirs:
        print("\nnewsarchive / baseline, articles per second:")
        for mine in ours:
            print(f"  {mine.name}:")
            for other in theirs:
                print(f"    {mine.rate / other.rate:5.2f}x  {other.name}")
    pooled = next((r for r in results if r.name.startswith("newsarchive crawl, pool (")), None)
    unpooled = next((r for r in results if r.name == "newsarchive crawl, pool off"), None)
    if pooled and unpooled and pooled.rate and unpooled.rate:
        print(f"\nnewsarchive, pool on / pool off: {pooled.rate / unpooled.rate:.2f}x")
    if details:
        print("\n" + "\n".join(details))
    if args.keep:
        print(f"\nSite, archives and logs kept in {work}")


if __name__ == "__main__":
    main()
