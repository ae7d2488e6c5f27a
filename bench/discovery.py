"""Benchmark: which pages a first crawl of a news site finds and archives.

Builds local news sites from real article pages (the Fundus dev set, and optionally the
WCXB dev set), serves each from memory on 127.0.0.1 with a threading server that logs
every request, runs `newsarchive crawl URL --db FILE --no-throttle -q` on it, and compares
the archive with what the site holds. A second server on another port plays "another
host": every site links to it (footer link, image link) and it must receive no request.

Sites (see `bench/discovery_sites.py`):

- `real-paths`: real pages, bytes unchanged, under their real URL paths; home, four
  paginated sections, RSS of the newest 20, a sitemap index with two children.
- `dated-notags`: a WordPress-like blog from the ground truth (`/2024/05/17/slug/`), no
  JSON-LD, no `og:type`, no `<article>`; paginated categories, tags, authors, month
  archives, comment feeds, `?replytocom=` links, feed and sitemap.
- `opaque-ids`: real pages under `/news/a8Kx29QpZ` and `/story/9f3a2c1b7e.html`,
  sections paginated with `?page=N`.
- `listing-words`: `NewsArticle` JSON-LD pages under `/archive/...`, `/page/...`,
  `/topics/...`, `/section/...` paths.
- `old-2008`: table layout, five URL shapes (`/news.php?id=`, `/cgi-bin/view?sid=`, ...),
  `?page=` sections, a "Load more" `?offset=` home, Atom, and a 120-month calendar trap.
- `variants`: every story linked under variants (slash, `?amp=1`, `/amp/`, `utm_`,
  `#comments`, upper-case scheme), all served: one row per story is expected.
- `wcxb-types` (with `WCXB_DIR`): WCXB pages of every type under their real paths behind
  paginated index pages; prints article precision/recall and the share archived per type.

Per site it prints: articles expected, found (distinct expected articles with a row,
matched by any URL served for them or the canonical they declare), missing, non-article
rows, duplicate rows (rows beyond the first per article), requests to the site,
requests per archived article, 404s, off-site requests (to the other host, plus
`crawl_errors` rows for any other host), the crawl's exit status and wall time; then
totals, the first missed URLs per site, and which acceptance targets each site misses
(>= 99% found, 0 non-article rows, 0 duplicates, <= 1.5 requests per article, 0 off-site).

    python bench/discovery.py DEVSET_DIR [WCXB_DIR] [--sites real-paths,variants]
        [--articles 206] [--wcxb-sample 500] [--timeout 300] [--keep DIR]
        [--newsarchive "CMD"] [--repo DIR] [--floors bench/floors.json]

`--newsarchive` is the command that crawls (default: `python -m newsarchive` with this
interpreter); `--repo DIR` runs it in another checkout (e.g. a `git worktree` of an older
commit), so that its `crawler` package is the one imported. `--floors FILE` checks each
site's figures against their bounds in FILE (`bench/floors.py`: found share, non-article
and duplicate rows, requests per article, off-site requests) and exits with status 1
when one is out of bounds: `.ci/run` runs it so.
"""

from __future__ import annotations

import argparse
import math
import os
import shlex
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from discovery_sites import (
    BUILDERS,
    HTML,
    Resource,
    Site,
    Story,
    build_wcxb_types,
    esc,
    load_stories,
    load_wcxb,
    prepare,
    url_key,
)
from floors import gate  # bench/floors.py (this file runs as a script, from bench/)

REPO = Path(__file__).resolve().parent.parent
TARGETS = {"found": 0.99, "requests_per_article": 1.5, "precision": 0.92, "recall": 0.95}
NOT_FOUND = Resource(b"<html><body><h1>404 Not Found</h1></body></html>", status=404)


# --- Serving ----------------------------------------------------------------------------


class LoggingServer(ThreadingHTTPServer):
    """A threading server with a deep accept queue that answers from `resolve` and logs
    every request as (path, status)."""

    request_queue_size = 256
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, resolve: Callable[[str], Resource | None]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.resolve = resolve
        self.log: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT/`."""
        return f"http://127.0.0.1:{self.server_address[1]}/"

    def record(self, path: str, status: int) -> None:
        """Log one request."""
        with self.lock:
            self.log.append((path, status))


class Handler(BaseHTTPRequestHandler):
    """Serves the server's resources over HTTP/1.1 keep-alive, logging each request."""

    protocol_version = "HTTP/1.1"
    server: LoggingServer

    def do_GET(self) -> None:
        """Answer with the resource, or a 404 page."""
        self._answer(head_only=False)

    def do_HEAD(self) -> None:
        """Answer headers only."""
        self._answer(head_only=True)

    def _answer(self, head_only: bool) -> None:
        resource = self.server.resolve(self.path)
        resource = resource or NOT_FOUND
        status = resource.status
        self.server.record(self.path, status)
        self.send_response(status)
        if resource.location:
            self.send_header("Location", resource.location)
        self.send_header("Content-Type", resource.content_type)
        self.send_header("Content-Length", str(len(resource.body)))
        self.end_headers()
        if not head_only:
            self.wfile.write(resource.body)

    def log_message(self, format: str, *args: object) -> None:
        """Keep the console quiet."""


@contextmanager
def serving(resolve: Callable[[str], Resource | None]) -> Iterator[LoggingServer]:
    """Run a `LoggingServer` in a thread for the duration of the block."""
    server = LoggingServer(resolve)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def other_host_page(path: str) -> Resource:
    """What the "other host" answers to anything: a news-like page linking further."""
    links = "".join(f'<li><a href="/other-story-{n}/">Partner story {n}</a></li>' for n in range(5))
    body = f"<html><body><h1>Partner site: {esc(path)}</h1><ul>{links}</ul></body></html>"
    return Resource(body.encode(), HTML)


# --- Crawling ---------------------------------------------------------------------------


@dataclass
class Crawl:
    """How one crawl process ended."""

    exit_status: str
    seconds: float


def crawl(command: Sequence[str], cwd: Path, url: str, db: Path, timeout: float) -> Crawl:
    """Run `COMMAND crawl URL --db DB --no-throttle -q` in `cwd`; its output goes next to
    the archive. A crawl over `timeout` seconds is stopped (its whole process group)."""
    log = db.with_suffix(".log")
    args = [*command, "crawl", url, "--db", str(db), "--no-throttle", "-q"]
    started = time.perf_counter()
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            status = str(process.wait(timeout=timeout))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            status = "timeout"
    return Crawl(status, time.perf_counter() - started)


# --- Scoring ----------------------------------------------------------------------------


@dataclass
class Result:
    """The figures of one site."""

    name: str
    expected: int
    found: int
    missing: list[str]
    non_article_rows: int
    duplicate_rows: int
    requests: int
    not_found: int
    offsite: int
    exit_status: str
    seconds: float
    archived_by_kind: Counter = field(default_factory=Counter)
    total_by_kind: Counter = field(default_factory=Counter)
    fetched_by_kind: Counter = field(default_factory=Counter)
    fetched_archived_by_kind: Counter = field(default_factory=Counter)
    unmatched_rows: int = 0

    @property
    def per_article(self) -> float:
        """Requests per archived expected article (infinite when none was archived)."""
        return self.requests / self.found if self.found else math.inf

    def figures(self) -> dict[str, float]:
        """The figures the regression gate checks (`--floors`)."""
        figures = {
            "found_share": self.found / self.expected if self.expected else 0.0,
            "non_article_rows": self.non_article_rows,
            "duplicate_rows": self.duplicate_rows,
            "requests_per_article": self.per_article,
            "offsite_requests": self.offsite,
        }
        if len(self.total_by_kind) > 1:  # a site of every page type: the detector's figures
            figures["article_precision"], figures["article_recall"] = self.detection()
        return figures

    def detection(self) -> tuple[float, float]:
        """Article precision and recall of "archived" over all the site's pages."""
        rows = sum(self.archived_by_kind.values()) + self.unmatched_rows
        precision = self.archived_by_kind["article"] / rows if rows else 0.0
        recall = self.archived_by_kind["article"] / max(self.total_by_kind["article"], 1)
        return precision, recall

    def failures(self) -> list[str]:
        """The acceptance targets this site misses. A site of pages of every type (from
        WCXB: pages of unrelated domains, whose own links lead nowhere here) is held to
        the detector's targets instead: article precision and recall; its found,
        non-article rows and requests are those same figures, or informational."""
        misses = []
        if len(self.total_by_kind) > 1:
            precision, recall = self.detection()
            if precision < TARGETS["precision"]:
                misses.append(f"article precision {precision:.3f} < {TARGETS['precision']}")
            if recall < TARGETS["recall"]:
                misses.append(f"article recall {recall:.3f} < {TARGETS['recall']}")
            if self.offsite:
                misses.append(f"{self.offsite} off-site requests")
            return misses
        if self.found < TARGETS["found"] * self.expected:
            misses.append(f"found {self.found / max(self.expected, 1):.1%} < 99%")
        if self.non_article_rows:
            misses.append(f"{self.non_article_rows} non-article rows")
        if self.duplicate_rows:
            misses.append(f"{self.duplicate_rows} duplicate rows")
        if self.per_article > TARGETS["requests_per_article"]:
            misses.append(f"{self.per_article:.2f} requests/article > 1.5")
        if self.offsite:
            misses.append(f"{self.offsite} off-site requests")
        if self.exit_status == "timeout":
            misses.append("crawl timed out")
        return misses


def archive_rows(db: Path) -> tuple[list[tuple[str, str | None]], list[str]]:
    """The (url, canonical_url) of every article row, and the URLs of `crawl_errors`."""
    if not db.exists():
        return [], []
    with sqlite3.connect(db) as conn:
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
        rows = (
            list(conn.execute("SELECT url, canonical_url FROM articles"))
            if "articles" in tables
            else []
        )
        errors = (
            [u for (u,) in conn.execute("SELECT url FROM crawl_errors")]
            if "crawl_errors" in tables
            else []
        )
    return rows, errors


def match_rows(site: Site, rows: Sequence[tuple[str, str | None]]) -> tuple[Counter, int]:
    """Rows per page id (by the row's URL, else its canonical), and rows matching none."""
    per_id: Counter = Counter()
    unmatched = 0
    for url, canonical in rows:
        page_id = site.article_urls.get(url_key(url, site.base))
        if page_id is None and canonical:
            page_id = site.article_urls.get(url_key(canonical, site.base))
        if page_id is None:
            unmatched += 1
        else:
            per_id[page_id] += 1
    return per_id, unmatched


def fetched_ids(site: Site, log: Sequence[tuple[str, int]]) -> set[str]:
    """The ids of the expected-set pages the crawl requested (under any of their URLs)."""
    ids = (site.article_urls.get(url_key(path, site.base)) for path, _ in log)
    return {i for i in ids if i is not None}


def score(site: Site, db: Path, log: list, other_log: list, run: Crawl) -> Result:
    """Compare the archive at `db` and the request logs with what `site` holds."""
    rows, errors = archive_rows(db)
    per_id, unmatched = match_rows(site, rows)
    expected = site.expected
    found = [i for i in expected if per_id[i]]
    decoy_rows = sum(n for i, n in per_id.items() if site.kinds[i] != "article")
    site_host = urlsplit(site.base).netloc
    foreign_errors = sum(1 for u in errors if urlsplit(u).netloc.lower() != site_host)
    archived_by_kind = Counter(site.kinds[i] for i in per_id)
    fetched = fetched_ids(site, log)
    return Result(
        name=site.name,
        expected=len(expected),
        found=len(found),
        missing=[site.main_urls[i] for i in expected if not per_id[i]],
        non_article_rows=unmatched + decoy_rows,
        duplicate_rows=sum(n - 1 for i, n in per_id.items() if site.kinds[i] == "article"),
        requests=len(log),
        not_found=sum(1 for _, status in log if status == 404),
        offsite=len(other_log) + foreign_errors,
        exit_status=run.exit_status,
        seconds=run.seconds,
        archived_by_kind=archived_by_kind,
        total_by_kind=Counter(site.kinds.values()),
        fetched_by_kind=Counter(site.kinds[i] for i in fetched),
        fetched_archived_by_kind=Counter(site.kinds[i] for i in fetched if per_id[i]),
        unmatched_rows=unmatched,
    )


# --- Running ----------------------------------------------------------------------------


def run_site(
    name: str,
    build: Callable[[Site], None],
    other: LoggingServer,
    command: Sequence[str],
    cwd: Path,
    workdir: Path,
    timeout: float,
) -> Result:
    """Build site `name` on a fresh server, crawl it, and score the crawl."""
    holder: dict[str, Site] = {}
    with serving(lambda path: holder["site"].lookup(path)) as server:
        site = Site(name, server.base_url, other.base_url)
        build(site)
        holder["site"] = site
        other.log.clear()
        db = workdir / f"{name}.db"
        for stale in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            stale.unlink(missing_ok=True)
        print(f"  {name}: {len(site.resources)} resources, crawling...", file=sys.stderr)
        run = crawl(command, cwd, server.base_url, db, timeout)
        log, other_log = list(server.log), list(other.log)
    write_request_log(workdir / f"{name}.requests.tsv", log, other_log)
    return score(site, db, log, other_log, run)


def write_request_log(path: Path, log: list, other_log: list) -> None:
    """Save the requests of a crawl (server, status, path) for inspection."""
    lines = [f"site\t{s}\t{p}" for p, s in log] + [f"other\t{s}\t{p}" for p, s in other_log]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def site_plan(args: argparse.Namespace) -> list[tuple[str, Callable[[Site], None]]]:
    """The (name, builder) of every site to run, in order."""
    stories: list[Story] = load_stories(args.devset)
    plan: list[tuple[str, Callable[[Site], None]]] = []
    for name, builder in BUILDERS.items():
        chosen = prepare(stories, name, args.articles)
        plan.append((name, lambda site, b=builder, s=chosen: b(site, s)))
    if args.wcxb:
        pages = load_wcxb(args.wcxb, args.wcxb_sample)
        plan.append(("wcxb-types", lambda site: build_wcxb_types(site, pages)))
    if args.sites:
        wanted = set(args.sites.split(","))
        unknown = wanted - {name for name, _ in plan}
        if unknown:
            sys.exit(f"unknown site(s): {', '.join(sorted(unknown))}")
        plan = [(name, build) for name, build in plan if name in wanted]
    return plan


# --- Report -----------------------------------------------------------------------------

COLUMNS = (
    ("site", 13),
    ("expected", 8),
    ("found", 5),
    ("missing", 7),
    ("non-art", 7),
    ("dup", 4),
    ("requests", 8),
    ("req/art", 7),
    ("404s", 5),
    ("off-site", 8),
    ("exit", 7),
    ("seconds", 7),
)


def table_row(values: Sequence[object]) -> str:
    """One `|`-separated row of the table."""
    cells = [
        str(v).rjust(w) if i else str(v).ljust(w)
        for i, (v, (_, w)) in enumerate(zip(values, COLUMNS, strict=True))
    ]
    return " | ".join(cells)


def result_cells(r: Result) -> list[object]:
    """The table cells of a result."""
    per = "-" if math.isinf(r.per_article) else f"{r.per_article:.2f}"
    return [
        r.name,
        r.expected,
        r.found,
        len(r.missing),
        r.non_article_rows,
        r.duplicate_rows,
        r.requests,
        per,
        r.not_found,
        r.offsite,
        r.exit_status,
        f"{r.seconds:.1f}",
    ]


def totals_cells(results: Sequence[Result]) -> list[object]:
    """The totals row."""
    found = sum(r.found for r in results)
    requests = sum(r.requests for r in results)
    return [
        "TOTAL",
        sum(r.expected for r in results),
        found,
        sum(len(r.missing) for r in results),
        sum(r.non_article_rows for r in results),
        sum(r.duplicate_rows for r in results),
        requests,
        f"{requests / found:.2f}" if found else "-",
        sum(r.not_found for r in results),
        sum(r.offsite for r in results),
        f"{sum(1 for r in results if r.exit_status != '0')} != 0",
        f"{sum(r.seconds for r in results):.1f}",
    ]


def print_report(results: Sequence[Result]) -> None:
    """The table, totals, missed URLs, target misses and the WCXB detector figures."""
    print(table_row([name for name, _ in COLUMNS]))
    print("-" * len(table_row([name for name, _ in COLUMNS])))
    for result in results:
        print(table_row(result_cells(result)))
    print(table_row(totals_cells(results)))
    for result in results:
        if result.missing:
            print(f"\n{result.name}: missed {len(result.missing)}, e.g.")
            for url in result.missing[:5]:
                print(f"  {url}")
    print("\nAcceptance targets missed:")
    for result in results:
        print(f"  {result.name}: {'; '.join(result.failures()) or 'none'}")
    for result in results:
        if len(result.total_by_kind) > 1:
            print_detector(result)


def print_detector(r: Result) -> None:
    """Article precision and recall over all pages and over the pages the crawl fetched
    (detection alone, without discovery), and the share archived per page type."""
    print(f"\n{r.name}: article detection (targets: precision 0.92, recall 0.95)")
    print_precision_recall("all pages", r.archived_by_kind, r.total_by_kind, r.unmatched_rows)
    print_precision_recall(
        "pages fetched", r.fetched_archived_by_kind, r.fetched_by_kind, r.unmatched_rows
    )
    print(f"  rows matching no page: {r.unmatched_rows}")
    print(f"  {'type':14} {'archived':>8} {'pages':>6} {'share':>7} {'fetched':>8} {'share':>7}")
    for kind in sorted(r.total_by_kind, key=lambda k: (k != "article", k)):
        archived, total = r.archived_by_kind[kind], r.total_by_kind[kind]
        fetched, fetched_archived = r.fetched_by_kind[kind], r.fetched_archived_by_kind[kind]
        wanted = "(all archived)" if kind == "article" else "(none archived)"
        print(
            f"  {kind:14} {archived:8} {total:6} {archived / total:7.1%} {fetched:8}"
            f" {fetched_archived / fetched if fetched else 0:7.1%}  {wanted}"
        )


def print_precision_recall(label: str, archived: Counter, total: Counter, unmatched: int) -> None:
    """One line: precision and recall of "archived" as the article decision."""
    rows = sum(archived.values()) + unmatched
    precision = archived["article"] / rows if rows else 0.0
    recall = archived["article"] / total["article"] if total["article"] else 0.0
    print(f"  {label:14} precision {precision:.3f}  recall {recall:.3f}")


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("devset", type=Path, help="the Fundus dev set folder")
    parser.add_argument("wcxb", type=Path, nargs="?", help="the WCXB dev split folder")
    parser.add_argument("--sites", help="comma-separated site names (default: all)")
    parser.add_argument("--articles", type=int, default=206, help="articles per site (206: all)")
    parser.add_argument("--wcxb-sample", type=int, default=500, help="WCXB pages (0: all 1,497)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per crawl")
    parser.add_argument("--newsarchive", help='crawl command (default: "python -m newsarchive")')
    parser.add_argument("--repo", type=Path, help="checkout to run the crawl command in")
    parser.add_argument("--keep", type=Path, help="keep archives, crawl logs and request logs here")
    parser.add_argument(
        "--floors",
        type=Path,
        help="fail (exit status 1) when a site's figure is out of its bounds in this file"
        " (bench/floors.json)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its report."""
    args = parse_args(argv)
    command = (
        shlex.split(args.newsarchive) if args.newsarchive else [sys.executable, "-m", "newsarchive"]
    )
    cwd = (args.repo or REPO).resolve()
    if not cwd.is_dir() or not shutil.which(command[0], path=os.environ.get("PATH")):
        sys.exit(f"cannot run {command[0]!r} in {cwd}")
    plan = site_plan(args)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="discovery-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        with serving(other_host_page) as other:
            results = [
                run_site(name, build, other, command, cwd, workdir, args.timeout)
                for name, build in plan
            ]
    print_report(results)
    print(f"\nBenchmark time: {time.perf_counter() - started:.0f} s")
    if args.floors:
        sys.exit(gate("discovery", {r.name: r.figures() for r in results}, args.floors))


if __name__ == "__main__":
    main()
