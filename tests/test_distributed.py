"""Distributed crawls (issue 14), end to end on 127.0.0.1: a Redis server per test, the
workers (`newsarchive crawl --redis`) and the writer (`newsarchive ingest --redis`) as
processes of their own, the demo site and a generated 500-article site (the crawl
benchmark's, `bench/crawl_site.py`) served from this process with a log of what was
requested. Also the stream's item codec, and `newsarchive status` with no Redis."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import sqlite3
import struct
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest
import redis
import zstandard
from redis_server import redis_process, redis_server

from conftest import bench_module, rows, run_cli
from crawler.distributed import keys
from crawler.distributed.item_codec import (
    ITEM_FORMAT,
    decode_item,
    decode_message,
    encode_item,
    encode_message,
)
from crawler.items import Article, ArticlePage, CrawlError, NotModified, PageVisit
from crawler.pages.url_shapes import url_template
from newsarchive.demo.build import article_path
from newsarchive.demo.server import SITE_DIR, SiteRequestHandler, SiteServer, serve_site
from newsarchive.serve import free_port
from pipelines.archive import Archive
from pipelines.extraction import ExtractedArticle
from pipelines.ingest import Ingester

IDLE_SECONDS = 4
WORKER_TIMEOUT = 3
WORKER_OPTIONS = (
    "--no-throttle",
    *("-s", f"REDIS_IDLE_SECONDS={IDLE_SECONDS}"),
    *("-s", f"REDIS_WORKER_TIMEOUT={WORKER_TIMEOUT}"),
)
CRAWL_TIMEOUT = 180.0
GENERATED_ARTICLES = 500
ROBOTS = "/robots.txt"
WRITER_SUMMARY = re.compile(
    r"Stored (?P<items>\d+) items \((?P<skipped>\d+) delivered again and skipped\); "
    r"runs: (?P<started>\d+) started, (?P<finished>\d+) finished, "
    r"(?P<lost>\d+) lost with their worker\."
)
WORKER_SUMMARY = re.compile(
    r"(?P<pages>\d+) pages fetched, (?P<articles>\d+) articles sent to the writer "
    r"\((?P<reason>[^)]*)\)\."
)
SITE_STATUS = re.compile(
    r"Site (?P<name>\S+): (?P<queued>\d+) requests queued, (?P<in_hand>\d+) in workers' "
    r"hands, (?P<seen>\d+) seen"
)


crawl_site = bench_module("crawl_site")


# --- Processes ---------------------------------------------------------------------------


@dataclass
class Process:
    """A `newsarchive` command running in a process group of its own, output to `log`."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    @property
    def worker(self) -> str:
        """The process as `crawl_runs.worker` names it (host:pid)."""
        return f"{socket.gethostname()}:{self.popen.pid}"

    def output(self) -> str:
        """What the process printed so far (stdout and stderr)."""
        return self.log.read_text(errors="replace")

    def kill(self) -> None:
        """SIGKILL the process and its children (its extraction pool); reap it."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)


@dataclass
class Fleet:
    """The processes of one distributed crawl, all killed (with their groups) at close."""

    folder: Path
    redis_url: str
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, *args: str) -> Process:
        """Start `newsarchive ARGS...` (as `python -m newsarchive`) in `folder`."""
        log = self.folder / f"{name}.log"
        with log.open("wb") as output:
            popen = subprocess.Popen(
                [sys.executable, "-m", "newsarchive", *args],
                cwd=self.folder,
                stdout=output,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        process = Process(name, popen, log)
        self.processes.append(process)
        return process

    def worker(self, name: str, *args: str) -> Process:
        """Start a worker of the crawl (idle and heartbeat times made short for tests)."""
        return self.start(name, "crawl", "--redis", self.redis_url, *WORKER_OPTIONS, *args)

    def writer(self, name: str, db: Path) -> Process:
        """Start the crawl's writer into `db`, exiting once the crawl is done."""
        return self.start(
            name, "ingest", "--redis", self.redis_url, "--db", str(db), "--until-done"
        )

    def seed(self, url: str) -> None:
        """Seed the site at `url` with `newsarchive crawl --redis … --seed`."""
        result = run_cli("crawl", "--redis", self.redis_url, "--seed", url, cwd=self.folder)
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("Seeded "), result.stdout

    def report(self) -> str:
        """Each process's exit status and the end of its output, for failure messages."""
        parts = []
        for process in self.processes:
            output = process.output()[-4000:]
            parts.append(f"--- {process.name} (exit {process.popen.poll()}):\n{output}")
        return "\n".join(parts)

    def wait(self, *processes: Process, timeout: float = CRAWL_TIMEOUT) -> None:
        """Wait for `processes` to exit by themselves (fails the test after `timeout`)."""
        deadline = time.monotonic() + timeout
        for process in processes:
            try:
                process.popen.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                pytest.fail(f"{process.name} still running after {timeout:g} s\n{self.report()}")

    def wait_until(self, condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
        """Poll `condition` until true (fails the test after `timeout` or if every
        process has exited first)."""
        deadline = time.monotonic() + timeout
        while not condition():
            if time.monotonic() > deadline:
                pytest.fail(f"timed out waiting for {what}\n{self.report()}")
            if all(p.popen.poll() is not None for p in self.processes):
                if condition():
                    return
                pytest.fail(f"every process ended before {what}\n{self.report()}")
            time.sleep(0.1)

    def close(self) -> None:
        """Kill every process group still there (a killed worker's pool, a hung run)."""
        for process in self.processes:
            process.kill()


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    """A fresh Redis server and the processes a test starts on it."""
    with redis_server(tmp_path / "redis.log") as url:
        crew = Fleet(tmp_path, url)
        try:
            yield crew
        finally:
            crew.close()


# --- Reading results ---------------------------------------------------------------------


def archived(db: Path) -> int:
    """Articles in the archive now (0 while it does not exist or is busy)."""
    return _count(db, "SELECT count(*) FROM articles")


def runs_started(db: Path) -> int:
    """`crawl_runs` rows in the archive now."""
    return _count(db, "SELECT count(*) FROM crawl_runs")


def _count(db: Path, sql: str) -> int:
    if not db.exists():
        return 0
    try:
        with contextlib.closing(sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.Error:
        return 0


def run_rows(db: Path) -> list[dict]:
    """The archive's `crawl_runs` rows, as dicts, by id."""
    names = [r[1] for r in rows(db, "PRAGMA table_info(crawl_runs)")]
    return [
        dict(zip(names, r, strict=True)) for r in rows(db, "SELECT * FROM crawl_runs ORDER BY id")
    ]


def article_paths(db: Path) -> list[str]:
    """The URL path of every archived article (a path more than once if it is)."""
    return ["/" + url.split("/", 3)[3] for (url,) in rows(db, "SELECT url FROM articles")]


def writer_summary(process: Process) -> dict[str, int]:
    """The figures of the writer's last line."""
    match = WRITER_SUMMARY.search(process.output())
    assert match, process.output()
    return {name: int(value) for name, value in match.groupdict().items()}


def worker_summary(process: Process) -> dict[str, str]:
    """The figures of a worker's summary line."""
    match = WORKER_SUMMARY.search(process.output())
    assert match, process.output()
    return match.groupdict()


def crawl_status(fleet: Fleet) -> str:
    """`newsarchive status` of the fleet's crawl."""
    result = run_cli("status", "--redis", fleet.redis_url, cwd=fleet.folder)
    assert result.returncode == 0, result.stderr
    return result.stdout


def assert_crawl_drained(fleet: Fleet) -> None:
    """`newsarchive status`: one site, nothing queued or in a worker's hands, no worker
    alive, nothing waiting for the writer."""
    status = crawl_status(fleet)
    sites = [m.groupdict() for m in SITE_STATUS.finditer(status)]
    assert len(sites) == 1, status
    assert (sites[0]["queued"], sites[0]["in_hand"]) == ("0", "0"), status
    assert "Workers alive: 0" in status, status
    assert "Items waiting for the writer: 0 " in status, status


def assert_integrity(db: Path) -> None:
    """SQLite finds the archive sound."""
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def redis_clients(url: str) -> int:
    """Connections to the Redis server at `url`, other than the one asking."""
    client = redis.Redis.from_url(url)
    try:
        own = client.client_id()
        return sum(1 for c in client.client_list() if int(c["id"]) != own)
    finally:
        client.close()


# --- The demo site ----------------------------------------------------------------------

DEMO_DELAY = 0.05  # per request: the demo site is small enough for one worker alone


class SlowDemoHandler(SiteRequestHandler):
    """The demo site's handler, answering each request after `DEMO_DELAY` seconds, so
    that a crawl lasts long enough for the second worker to join it."""

    def do_GET(self) -> None:
        """Wait, then answer as the demo server does."""
        time.sleep(DEMO_DELAY)
        super().do_GET()


@dataclass
class DemoCrawl:
    """The distributed crawl of the demo site that the demo tests share."""

    server: SiteServer
    fleet: Fleet
    db: Path
    workers: list[Process]
    writer: Process
    log: list[str]  # the paths the crawl requested, in order


@pytest.fixture(scope="module")
def demo_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoCrawl]:
    """Seed the demo site, start the writer and two workers (no URL: they take the seeded
    site) and wait for all three to exit by themselves."""
    folder = tmp_path_factory.mktemp("distributed-demo")
    with (
        serve_site(SITE_DIR, handler_class=SlowDemoHandler) as server,
        redis_server(folder / "redis.log") as url,
    ):
        crew = Fleet(folder, url)
        try:
            db = folder / "archive.db"
            crew.seed(server.base_url)
            writer = crew.writer("writer", db)
            workers = [crew.worker("worker-1"), crew.worker("worker-2")]
            crew.wait(*workers, writer, timeout=120)
            yield DemoCrawl(server, crew, db, workers, writer, list(server.request_log))
        finally:
            crew.close()


def test_two_workers_archive_the_demo_site_once(demo_crawl: DemoCrawl, demo_content: dict):
    """Two workers and the writer archive every demo article exactly once; each worker
    has its run, and fetched pages; no page is fetched by both."""
    crawl = demo_crawl
    report = crawl.fleet.report()
    assert [p.popen.returncode for p in (*crawl.workers, crawl.writer)] == [0, 0, 0], report
    expected = sorted(article_path(a) for a in demo_content["articles"])
    assert len(expected) == 45
    assert sorted(article_paths(crawl.db)) == expected
    assert rows(crawl.db, "SELECT count(*), count(DISTINCT url) FROM articles") == [(45, 45)]

    runs = run_rows(crawl.db)
    assert len(runs) == 2, runs
    assert {r["worker"] for r in runs} == {w.worker for w in crawl.workers}, runs
    assert [r["status"] for r in runs] == ["ok", "ok"], runs
    assert all(r["pages_fetched"] > 0 for r in runs), runs
    assert sum(r["articles_new"] for r in runs) == 45, runs
    summaries = [worker_summary(w) for w in crawl.workers]
    assert [s["reason"] for s in summaries] == ["finished", "finished"], report
    assert sum(int(s["articles"]) for s in summaries) == 45, report

    summary = writer_summary(crawl.writer)
    assert (summary["started"], summary["finished"], summary["lost"]) == (2, 2, 0), report
    assert summary["skipped"] == 0, report

    requested = Counter(crawl.log)
    # Each worker's robots middleware reads robots.txt; the start requests read it once
    # more, for its sitemaps (a page of the crawl, as in a local crawl).
    assert requested[ROBOTS] == 3
    twice = {path: n for path, n in requested.items() if n > 1 and path != ROBOTS}
    assert twice == {}
    # Every request is a page of a run, but the robots middlewares' reads.
    assert sum(r["pages_fetched"] for r in runs) == sum(requested.values()) - 2, runs
    assert_integrity(crawl.db)
    assert_crawl_drained(crawl.fleet)


def test_a_second_distributed_run_fetches_no_known_article(
    demo_crawl: DemoCrawl, demo_content: dict
):
    """Seeded again, one worker with the writer fetches listings but no article the
    archive holds (the writer's snapshot tells the worker what is known)."""
    crawl = demo_crawl
    known = {article_path(a) for a in demo_content["articles"]}
    before = len(crawl.server.request_log)
    crawl.fleet.seed(crawl.server.base_url)
    writer = crawl.fleet.writer("writer-again", crawl.db)
    worker = crawl.fleet.worker("worker-again")
    crawl.fleet.wait(worker, writer, timeout=120)
    report = crawl.fleet.report()
    assert (worker.popen.returncode, writer.popen.returncode) == (0, 0), report

    requested = crawl.server.request_log[before:]
    assert requested, "the second run fetched nothing"
    assert [path for path in requested if path in known] == []
    assert rows(crawl.db, "SELECT count(*) FROM articles") == [(45,)]
    third = run_rows(crawl.db)[-1]
    assert (third["id"], third["worker"], third["status"]) == (3, worker.worker, "ok"), third
    assert (third["articles_new"], third["articles_updated"]) == (0, 0), third
    assert writer_summary(writer)["lost"] == 0, report
    assert_integrity(crawl.db)


# --- A generated 500-article site ---------------------------------------------------------


class DelayedBenchHandler(crawl_site._Handler):
    """The benchmark server's handler, answering after the server's `delay` seconds."""

    def _answer(self, send_body: bool) -> None:
        time.sleep(getattr(self.server, "delay", 0.0))
        super()._answer(send_body)


class GeneratedSiteServer(crawl_site.SiteServer):
    """The benchmark site's server (it counts the requests of each path), with a
    per-request delay."""

    def __init__(self, root: Path, port: int) -> None:
        super().__init__(root, "127.0.0.1", port)
        self.RequestHandlerClass = DelayedBenchHandler
        self.delay = 0.0

    def requested(self) -> Counter[str]:
        """How many times each path (route key) was requested since the last reset."""
        with self.lock:
            return Counter(self.paths)

    def reset(self, delay: float = 0.0) -> None:
        """Forget the requests so far; answer each next one after `delay` seconds."""
        with self.lock:
            self.paths.clear()
            self.statuses.clear()
        self.delay = delay


@dataclass
class GeneratedSite:
    """The generated site and its server."""

    base_url: str
    paths: list[str]  # its articles' paths
    server: GeneratedSiteServer


@pytest.fixture(scope="module")
def generated_site_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GeneratedSite]:
    """The crawl benchmark's site of 500 articles, served on 127.0.0.1 (shared)."""
    root = tmp_path_factory.mktemp("generated-site") / "site"
    port = free_port("127.0.0.1", 0)
    site = crawl_site.build_site(root, f"http://127.0.0.1:{port}/", GENERATED_ARTICLES)
    server = GeneratedSiteServer(root, port)
    thread = threading.Thread(target=server.serve_forever, args=(0.1,), daemon=True)
    thread.start()
    try:
        yield GeneratedSite(site.base_url, [a.path for a in site.articles], server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def generated_site(generated_site_server: GeneratedSite) -> GeneratedSite:
    """The generated site, its request counts reset, no delay."""
    generated_site_server.server.reset()
    return generated_site_server


def assert_every_article_once(db: Path, site: GeneratedSite) -> None:
    """Each of the site's articles is one row of the archive, and only they are."""
    paths = article_paths(db)
    assert len(paths) == GENERATED_ARTICLES
    assert sorted(paths) == sorted(site.paths)


def test_two_workers_share_a_500_article_site(fleet: Fleet, generated_site: GeneratedSite):
    """Two workers started before the seed both take a fair share (> 20% each) of the
    site; every article is archived once and no page is fetched twice."""
    workers = [fleet.worker("worker-1"), fleet.worker("worker-2")]
    fleet.wait_until(lambda: redis_clients(fleet.redis_url) >= 2, "both workers to connect")
    fleet.seed(generated_site.base_url)
    db = fleet.folder / "archive.db"
    writer = fleet.writer("writer", db)
    fleet.wait(*workers, writer)
    report = fleet.report()
    assert [p.popen.returncode for p in (*workers, writer)] == [0, 0, 0], report

    assert_every_article_once(db, generated_site)
    runs = run_rows(db)
    assert len(runs) == 2, runs
    assert {r["worker"] for r in runs} == {w.worker for w in workers}, runs
    assert [r["status"] for r in runs] == ["ok", "ok"], runs
    assert sum(r["articles_new"] for r in runs) == GENERATED_ARTICLES, runs
    pages = sum(r["pages_fetched"] for r in runs)
    shares = [r["pages_fetched"] / pages for r in runs]
    assert min(shares) > 0.2, runs

    requested = generated_site.server.requested()
    assert requested[ROBOTS] == 3  # each worker's robots middleware, and the start requests
    twice = {path: n for path, n in requested.items() if n > 1 and path != ROBOTS}
    assert twice == {}
    assert pages == sum(requested.values()) - 2, runs
    summary = writer_summary(writer)
    assert (summary["started"], summary["finished"], summary["lost"]) == (2, 2, 0), report
    # Each worker's URL-shape counts are added to the archive's, none replacing another's.
    expected = Counter(url_template(url) for (url,) in rows(db, "SELECT url FROM articles"))
    stored = dict(rows(db, "SELECT template, articles FROM url_shapes"))
    assert {template: stored.get(template) for template in expected} == dict(expected)
    assert_integrity(db)
    assert_crawl_drained(fleet)


def test_a_killed_worker_loses_nothing(fleet: Fleet, generated_site: GeneratedSite):
    """SIGKILL one of two workers mid-crawl: the other puts its requests back into the
    queue once its heartbeat expires and finishes the site; every article is archived
    once; the killed worker's run is recorded as interrupted."""
    generated_site.server.reset(delay=0.02)
    fleet.seed(generated_site.base_url)
    db = fleet.folder / "archive.db"
    writer = fleet.writer("writer", db)
    killed, survivor = fleet.worker("worker-killed"), fleet.worker("worker-survivor")
    fleet.wait_until(
        lambda: runs_started(db) == 2 and archived(db) >= 100, "both runs and 100 articles"
    )
    assert archived(db) < GENERATED_ARTICLES - 100, "the crawl was nearly done: kill earlier"
    killed.kill()
    fleet.wait(survivor, writer)
    report = fleet.report()
    assert (survivor.popen.returncode, writer.popen.returncode) == (0, 0), report
    assert worker_summary(survivor)["reason"] == "finished", report
    assert "back in the queue" in survivor.output(), report

    assert_every_article_once(db, generated_site)
    runs = {r["worker"]: r for r in run_rows(db)}
    assert set(runs) == {killed.worker, survivor.worker}, runs
    assert runs[killed.worker]["status"] == "interrupted", runs
    assert runs[survivor.worker]["status"] == "ok", runs
    summary = writer_summary(writer)
    assert (summary["started"], summary["finished"], summary["lost"]) == (2, 1, 1), report
    assert_integrity(db)
    assert_crawl_drained(fleet)


def test_a_worker_and_writer_whose_redis_dies_stop_with_a_clear_error(
    tmp_path: Path, generated_site: GeneratedSite
):
    """Kill the Redis server mid-crawl: the worker and the writer each exit promptly,
    non-zero, with one line naming Redis; what the writer stored is consistent."""
    generated_site.server.reset(delay=0.02)
    with redis_process(tmp_path / "redis.log") as (url, server):
        fleet = Fleet(tmp_path, url)
        try:
            fleet.seed(generated_site.base_url)
            db = tmp_path / "archive.db"
            writer = fleet.writer("writer", db)
            worker = fleet.worker("worker")
            fleet.wait_until(lambda: archived(db) >= 50, "50 articles archived")
            server.kill()
            server.wait()
            killed_at = time.monotonic()
            fleet.wait(worker, writer, timeout=90)
            took = time.monotonic() - killed_at
            report = fleet.report()
            assert took < 60, report
            assert worker.popen.returncode not in (0, None), report
            assert writer.popen.returncode not in (0, None), report
            for process in (worker, writer):
                lines = process.output().splitlines()
                assert any(
                    line.startswith("Error: Redis at ") and "unreachable" in line for line in lines
                ), report
                assert "Traceback" not in process.output(), report
        finally:
            fleet.close()
    assert archived(db) >= 50
    assert_integrity(db)
    runs = run_rows(db)
    assert len(runs) == 1, runs
    assert runs[0]["finished"] is None or runs[0]["status"] != "ok", runs


def test_a_killed_writer_loses_and_doubles_nothing(fleet: Fleet, generated_site: GeneratedSite):
    """SIGKILL the writer after it committed 100 articles; a new writer stores the rest:
    every article once, one page each, no version twice, counts not doubled."""
    generated_site.server.reset(delay=0.02)
    fleet.seed(generated_site.base_url)
    db = fleet.folder / "archive.db"
    first = fleet.writer("writer-killed", db)
    workers = [fleet.worker("worker-1"), fleet.worker("worker-2")]
    fleet.wait_until(lambda: archived(db) >= 100, "100 articles committed")
    assert archived(db) < GENERATED_ARTICLES - 100, "the crawl was nearly done: kill earlier"
    first.kill()
    second = fleet.writer("writer-again", db)
    fleet.wait(*workers, second)
    report = fleet.report()
    assert [p.popen.returncode for p in (*workers, second)] == [0, 0, 0], report

    assert_every_article_once(db, generated_site)
    assert rows(
        db, "SELECT count(*), count(DISTINCT url), count(DISTINCT article_id) FROM pages"
    ) == [(GENERATED_ARTICLES, GENERATED_ARTICLES, GENERATED_ARTICLES)]
    # Earlier states of changed articles only: a first crawl has none.
    assert rows(db, "SELECT count(*) FROM article_versions") == [(0,)]
    runs = run_rows(db)
    assert [r["status"] for r in runs] == ["ok", "ok"], runs
    assert {r["worker"] for r in runs} == {w.worker for w in workers}, runs
    assert sum(r["articles_new"] for r in runs) == GENERATED_ARTICLES, runs
    assert sum(r["articles_updated"] + r["articles_unchanged"] for r in runs) == 0, runs
    summary = writer_summary(second)
    assert (summary["finished"], summary["lost"]) == (2, 0), report
    assert_integrity(db)
    assert_crawl_drained(fleet)


# --- The stream's items -----------------------------------------------------------------


def _article(n: int = 0) -> Article:
    """An article of the site 127.0.0.1:8000, the `n`th of distinct ones."""
    url = f"http://127.0.0.1:8000/2024/06/01/story-{n}/"
    page = ArticlePage(
        url=url,
        requested_url=url + "?utm_source=feed",
        status=200,
        headers={"Content-Type": "text/html; charset=windows-1252", "ETag": '"abc"'},
        body=b"<html><body><p>Caf\xe9 \x00\xff\xfe news</p></body></html>",
        encoding="cp1252",
        site="127.0.0.1:8000",
        found_via="http://127.0.0.1:8000/",
        fetched_at="2024-06-01T10:00:00+00:00",
        lastmod="2024-06-01T09:00:00+00:00",
    )
    extracted = ExtractedArticle(
        url=page.url,
        canonical_url=page.url,
        title=f"Café news number {n} – ‘quoted’",
        authors=["Ana Núñez", "李雷"],
        published="2024-06-01T08:00:00+00:00",
        modified=None,
        section="World",
        tags=["cafés", "news"],
        language="en",
        description=None,
        image=None,
        text=f"Café news, story {n}.\n\nSecond paragraph of story {n}.",
        word_count=4,
    )
    return Article(page=page, extracted=extracted, blocks={"f00d": "Second paragraph."})


@pytest.mark.parametrize(
    "item",
    [
        _article(),
        Article(page=_article().page, extracted=_article().extracted, blocks=None),
        PageVisit("http://127.0.0.1:8000/world/", "127.0.0.1:8000", "listing", 200, "/world/"),
        PageVisit("http://127.0.0.1:8000/about/", "127.0.0.1:8000", "other", 200),
        CrawlError("http://127.0.0.1:8000/gone/", "http", "404 Not Found", 404, "start"),
        CrawlError("http://127.0.0.1:8000/x/", "timeout", "took too long"),
        NotModified("http://127.0.0.1:8000/2024/06/01/story-0/", "127.0.0.1:8000", "2024-06-02"),
    ],
    ids=["article", "article-no-blocks", "listing", "other", "error-404", "timeout", "304"],
)
def test_items_travel_the_stream_unchanged(item: object):
    """Every kind of item comes out of the codec equal to what went in (an article's raw
    page byte for byte), as bytes that are not pickle."""
    data = encode_item(item)
    assert isinstance(data, bytes)
    decoded = decode_item(data)
    assert type(decoded) is type(item)
    assert decoded == item
    if isinstance(item, Article):
        assert decoded.page.body == item.page.body


def test_items_encode_and_decode_in_many_threads_at_once():
    """The ship stage encodes in the reactor's thread pool: items encoded and decoded by
    eight threads at once come out whole (a codec state shared between threads garbles
    or refuses them)."""
    from concurrent.futures import ThreadPoolExecutor

    pages = [_article(n) for n in range(64)]
    for n, item in enumerate(pages):  # pages of 100-200 KB, each its own
        item.page.body = (b"<p>%d story text</p>" % n) * (5000 + 97 * n)

    def round_trip(item: Article) -> bool:
        return decode_item(encode_item(item)) == item

    with ThreadPoolExecutor(8) as pool:
        assert all(pool.map(round_trip, pages * 4))


def test_the_raw_page_travels_compressed_beside_the_json():
    """The entry is the format tag, the document's length, the zlib-compressed JSON
    naming the item's type, then the page's body, zstd-compressed on its own."""
    item = _article()
    data = encode_item(item)
    assert data[:4] == ITEM_FORMAT
    (length,) = struct.unpack(">I", data[4:8])
    message = decode_message(data[8 : 8 + length])
    assert message["type"] == "Article"
    assert message["fields"]["page"]["body"] is None
    assert message["fields"]["extracted"]["title"] == item.extracted.title
    assert zstandard.ZstdDecompressor().decompress(data[8 + length :]) == item.page.body


def _entry(message: dict, page: bytes = b"") -> bytes:
    """An item entry made by hand, in the codec's format."""
    document = encode_message(message)
    return ITEM_FORMAT + struct.pack(">I", len(document)) + document + page


def test_a_corrupted_entry_is_rejected():
    """A damaged, truncated or unknown entry raises (zlib.error or ValueError) rather than
    decoding to something else."""
    data = encode_item(_article())
    for position in (6, 20, len(data) // 2, len(data) - 3):  # length, document, page
        flipped = bytearray(data)
        flipped[position] ^= 0xFF
        with pytest.raises((zlib.error, ValueError)):
            decode_item(bytes(flipped))
    for broken in (data[: len(data) // 2], data[:-1], b"", b"not zlib at all"):
        with pytest.raises((zlib.error, ValueError)):
            decode_item(broken)
    with pytest.raises(ValueError, match="not an item entry"):
        decode_item(zlib.compress(b'{"type": "Article"}'))  # the earlier format
    not_json = zlib.compress(b"{not json")
    with pytest.raises(ValueError):
        decode_item(ITEM_FORMAT + struct.pack(">I", len(not_json)) + not_json)
    with pytest.raises(ValueError, match="not an item document"):
        decode_item(_entry({"type": "PageVisit"}))
    with pytest.raises(ValueError, match="unknown item type"):
        decode_item(_entry({"type": "Pickle", "fields": {}}))
    visit = asdict(PageVisit("http://127.0.0.1:8000/", "127.0.0.1:8000", "listing", 200))
    with pytest.raises(ValueError, match="with a page"):
        decode_item(_entry({"type": "PageVisit", "fields": visit}, zlib.compress(b"<html>")))
    with pytest.raises(TypeError):
        encode_item({"url": "http://127.0.0.1/"})
    assert json.loads(zlib.decompress(encode_message({"a": [1, "é"]}))) == {"a": [1, "é"]}


class WriterKilled(Exception):
    """The writer's process ending at the worst moment, as a test fakes it."""


def test_a_batch_stored_but_not_acknowledged_is_not_stored_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A writer that dies between committing a batch and acknowledging it leaves the
    entries pending in Redis: the next writer is handed them again, recognises them by
    their ids (`ingest_progress`) and skips them, so nothing is stored or counted twice."""
    run = "host:1/127.0.0.1:8000/2024-06-01T10:00:00.000+00:00"
    started = {
        "site": "127.0.0.1:8000",
        "start_urls": ["http://127.0.0.1:8000/"],
        "mode": "incremental",
        "worker": "host:1",
        "started": "2024-06-01T10:00:00.000+00:00",
    }
    db = tmp_path / "archive.db"
    with redis_server(tmp_path / "redis.log") as url:
        server = redis.Redis.from_url(url)
        server.xadd(
            keys.ITEMS, {"kind": "run_started", "run": run, "data": encode_message(started)}
        )
        for n in range(3):
            server.xadd(keys.ITEMS, {"kind": "item", "run": run, "data": encode_item(_article(n))})

        def killed_before_acknowledging(ids: list[str]) -> None:
            raise WriterKilled(f"killed with {len(ids)} entries committed, not acknowledged")

        archive = Archive.open(db)
        first = Ingester(server, archive, batch_size=100, batch_seconds=0.1)
        first.ensure_group()
        monkeypatch.setattr(first, "_acknowledge", killed_before_acknowledging)
        with pytest.raises(WriterKilled):
            first.step()
        archive.close()
        assert rows(db, "SELECT count(*) FROM articles") == [(3,)]
        assert server.xpending(keys.ITEMS, keys.WRITERS)["pending"] == 4

        archive = Archive.open(db)
        second = Ingester(server, archive, batch_size=100, batch_seconds=0.1)
        second.ensure_group()
        assert second.step() == 4
        archive.close()
        assert (second.report.skipped, second.report.items) == (4, 0)
        assert server.xlen(keys.ITEMS) == 0
        assert server.xpending(keys.ITEMS, keys.WRITERS)["pending"] == 0
        server.close()
    assert rows(db, "SELECT count(*) FROM articles") == [(3,)]
    assert rows(db, "SELECT count(*) FROM pages") == [(3,)]
    assert rows(
        db, "SELECT worker, worker_run, articles_new, articles_unchanged FROM crawl_runs"
    ) == [("host:1", run, 3, 0)]
    assert_integrity(db)


# --- No Redis ---------------------------------------------------------------------------


def test_status_without_redis_is_a_one_line_error(tmp_path: Path):
    """`newsarchive status` with nothing listening at the URL: exit 2, one line naming
    Redis, no traceback."""
    result = run_cli("status", "--redis", "redis://127.0.0.1:1/0", cwd=tmp_path, timeout=60)
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Redis" in lines[0]
    assert "127.0.0.1:1" in lines[0]
    assert "Traceback" not in result.stderr


def test_seed_without_sites_is_an_error(tmp_path: Path):
    """`crawl --redis … --seed` naming no site to start: exit 2 and says what is missing
    (before it even reaches Redis)."""
    result = run_cli(
        "crawl", "--redis", "redis://127.0.0.1:1/0", "--seed", cwd=tmp_path, timeout=60
    )
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "--seed needs URLS or --sites FILE" in result.stderr
