"""Soak test: crawl the hostile site of `tests/fault_site.py` again and again into one
archive for a given time, killing crawls with SIGKILL at random moments, while a Datasette
server over the same archive answers requests in a loop; then check that nothing was lost,
duplicated or broken.

    .venv/bin/python bench/soak.py                       # 30 minutes, a random seed
    .venv/bin/python bench/soak.py --minutes 3 --seed 7  # short; the same random choices
    .venv/bin/python bench/soak.py --minutes 60 --keep soak-run   # keep the archive and logs

Each round publishes up to three new articles on the site (listed in a sitemap of their
own, which the sitemap index names), so that later runs have work too, then runs
`newsarchive crawl` of the site (with the fault tests' settings: a 2 s download timeout,
one retry, a 2 MiB size limit). Most runs (`--kill-share`, 60 %) are killed with SIGKILL a
random time after they start (up to 1.2 times the last complete run's duration); the
others run to their end. The site's articles are known (`fault_site.ARTICLES` and those
published), so after each run that ended by itself the script checks that every article
published before it started is archived: an article missing then is *lost*. A `Reader`
(`tests/test_concurrent_readers.py`) requests Datasette's table, article, search and JSON
pages in a loop all along; after the time is up, one last run goes to its end.

It prints a line per run and, at the end (here `--minutes 3 --seed 11` on 2 cores):

    runs                 29 (14 to their end, exit statuses {0: 14}; 15 killed)
    kills                15
    requests served      6175 by Datasette (0 failed)
    articles archived    56 (of 56 published)
    duplicates           0
    lost articles        0
    reader errors        0
    integrity            ok; 0 articles without their page, 0 pages without their article
    peak RSS             112.0 MB one process (ru_maxrss), 236.1 MB a crawl with its children
    left-over processes  0

and exits 1 if any of duplicates, lost articles, reader errors or left-over processes is
not 0, an ended run's exit status is not 0, or the archive is not intact. Peak RSS is the
largest `ru_maxrss` that `os.wait4` gives for a crawl (its own, or that of a child it
waited for: the largest single process), and the largest sum of the resident sizes of a
crawl and all its descendants (the extraction workers), polled from /proc every 0.1 s.
Crawls run as subprocesses (`newsarchive crawl`, as a user runs it).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder comes first on sys.path, and its `incremental.py` would hide
# the `incremental` package Twisted imports: the project root and the tests go there.
sys.path[:] = [str(ROOT), str(ROOT / "tests")] + [
    p for p in sys.path if Path(p or ".").resolve() != HERE
]

from fault_site import ARTICLES, SITE, FaultSite, numbered_story, page, serve_fault_site  # noqa: E402
from test_concurrent_readers import Reader  # noqa: E402
from test_extraction_pool import alive, descendants  # noqa: E402

from conftest import serve_datasette  # noqa: E402
from pipelines.archive import Archive  # noqa: E402

# The settings of tests/test_fault_site.py: the slow page times out, the huge ones are cut.
SETTINGS = ("-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1", "-s", "DOWNLOAD_MAXSIZE=2097152")
SOAK_SITEMAP = "/sitemaps/soak.xml"
FIRST_NUMBER = 1000  # numbers of the published stories (the fault site uses 1-7, 100-127)


class SoakSite(FaultSite):
    """The fault site, plus the articles published while the soak runs."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[str] = []
        index = self.replies["/sitemap_index.xml"]
        entry = f"<sitemap><loc>http://{{host}}{SOAK_SITEMAP}</loc></sitemap>".encode()
        body = index.body.replace(b"</sitemapindex>", entry + b"</sitemapindex>")
        self.replies["/sitemap_index.xml"] = replace(index, body=body)
        self._list()

    def publish(self, count: int) -> None:
        """Put `count` new articles on the site, listed in the soak's sitemap."""
        for _ in range(count):
            number = FIRST_NUMBER + len(self.published)
            path = f"/2024/07/{number % 28 + 1:02d}/soak-notice-{number}/"
            self.replies[path] = page(SITE.article(numbered_story(number)))
            self.published.append(path)
        self._list()

    def article_paths(self) -> set[str]:
        """The paths of every article on the site now."""
        return set(ARTICLES) | set(self.published)

    def _list(self) -> None:
        entries = "".join(f"<url><loc>http://{{host}}{path}</loc></url>" for path in self.published)
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
        )
        self.replies[SOAK_SITEMAP] = page(xml, "application/xml")


@dataclass
class Run:
    """How one crawl went."""

    returncode: int
    killed: bool
    seconds: float
    peak_kb: int  # ru_maxrss of the crawl process
    tree_peak_kb: int  # the largest sum of resident sizes of the crawl and its descendants
    left_over: int  # descendants still alive 30 s after the crawl ended


@dataclass
class Soak:
    """What the soak saw."""

    runs: list[Run] = field(default_factory=list)
    lost: set[str] = field(default_factory=set)


def resident_kb(pids: set[int]) -> int:
    """The sum of the resident sizes (VmRSS) of `pids`, in kB."""
    total = 0
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def crawl(url: str, db: Path, log: Path, kill_after: float | None) -> Run:
    """`newsarchive crawl URL` into `db`, killed with SIGKILL after `kill_after` seconds
    (if it is still running then), watching its memory and its children's."""
    started = time.monotonic()
    with log.open("a") as output:
        output.write(f"\n--- crawl, kill after {kill_after} s\n")
        output.flush()
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "newsarchive",
                "crawl",
                url,
                "--db",
                str(db),
                "--no-throttle",
                *SETTINGS,
            ],
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    tree_peak, family, killed = 0, set(), False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        family = {process.pid} | descendants(process.pid)
        tree_peak = max(tree_peak, resident_kb(family))
        if kill_after is not None and not killed and time.monotonic() - started >= kill_after:
            os.kill(process.pid, signal.SIGKILL)
            killed = True
        time.sleep(0.1)
    process.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    left = family - {process.pid}
    deadline = time.monotonic() + 30
    while [p for p in left if alive(p)] and time.monotonic() < deadline:
        time.sleep(0.1)
    stray = [p for p in left if alive(p)]
    for pid in stray:  # the crawl's own workers, outliving it
        os.kill(pid, signal.SIGKILL)
    return Run(process.returncode, killed, seconds, usage.ru_maxrss, tree_peak, len(stray))


def archived_urls(db: Path) -> list[str]:
    """Every archived article's URL (once per row)."""
    with sqlite3.connect(db) as conn:
        urls = [url for (url,) in conn.execute("SELECT url FROM articles")]
    conn.close()
    return urls


def check_archive(db: Path) -> tuple[str, int, int]:
    """`PRAGMA integrity_check`'s verdict, and the articles without their page and the
    pages without their article."""
    conn = sqlite3.connect(db)
    try:
        [(verdict,)] = conn.execute("PRAGMA integrity_check").fetchall()
        [(orphans,)] = conn.execute(
            "SELECT count(*) FROM articles a LEFT JOIN pages p ON p.id = a.page_id"
            " WHERE p.id IS NULL"
        ).fetchall()
        [(loose,)] = conn.execute(
            "SELECT count(*) FROM pages p LEFT JOIN articles a ON a.id = p.article_id"
            " WHERE a.id IS NULL"
        ).fetchall()
    finally:
        conn.close()
    return verdict, orphans, loose


def soak(folder: Path, minutes: float, rng: random.Random, kill_share: float) -> int:
    """Run the soak in `folder`; print the report; return the exit status."""
    db, crawl_log = folder / "archive.db", folder / "crawls.log"
    Archive.open(db).close()  # Datasette serves an archive that exists
    site, result = SoakSite(), Soak()
    with (
        serve_fault_site(site) as server,
        serve_datasette(db, log=folder / "datasette.log") as base,
    ):
        reader = Reader(base, db.stem, search="harbour")
        reader.start()
        deadline = time.monotonic() + minutes * 60
        last_complete = 10.0
        try:
            while True:
                final = time.monotonic() >= deadline
                site.publish(rng.randint(0, 3))
                expected = {server.base_url + path.lstrip("/") for path in site.article_paths()}
                kill = not final and rng.random() < kill_share
                kill_after = rng.uniform(0.3, 1.2 * last_complete) if kill else None
                run = crawl(server.base_url, db, crawl_log, kill_after)
                result.runs.append(run)
                if not run.killed:
                    last_complete = run.seconds
                    result.lost |= expected - set(archived_urls(db))
                print(
                    f"run {len(result.runs)}: {'killed' if run.killed else 'ended'} after"
                    f" {run.seconds:.1f} s, exit {run.returncode}",
                    flush=True,
                )
                if final and not run.killed:
                    break
        finally:
            reader.stop()
        published = len(site.article_paths())
    return report(db, result, reader, published)


def report(db: Path, result: Soak, reader: Reader, published: int) -> int:
    """Print what the soak saw; return 1 if anything must-be-zero is not."""
    urls = archived_urls(db)
    duplicates = len(urls) - len(set(urls))
    verdict, orphans, loose = check_archive(db)
    ended = [run for run in result.runs if not run.killed]
    kills = len(result.runs) - len(ended)
    statuses = dict(sorted(Counter(run.returncode for run in ended).items()))
    left_over = sum(run.left_over for run in result.runs)
    failures = len(reader.failures)
    lines = {
        "runs": f"{len(result.runs)} ({len(ended)} to their end, exit statuses {statuses};"
        f" {kills} killed)",
        "kills": str(kills),
        "requests served": f"{reader.requests - failures} by Datasette ({failures} failed)",
        "articles archived": f"{len(set(urls))} (of {published} published)",
        "duplicates": str(duplicates),
        "lost articles": str(len(result.lost)),
        "reader errors": str(failures),
        "integrity": f"{verdict}; {orphans} articles without their page,"
        f" {loose} pages without their article",
        "peak RSS": f"{max(r.peak_kb for r in result.runs) / 1024:.1f} MB one process"
        f" (ru_maxrss), {max(r.tree_peak_kb for r in result.runs) / 1024:.1f} MB a crawl"
        " with its children",
        "left-over processes": str(left_over),
    }
    print()
    for name, value in lines.items():
        print(f"{name:<20} {value}")
    for url in sorted(result.lost):
        print(f"lost: {url}")
    for path, error in reader.failures[:20]:
        print(f"reader error: {path}: {error}")
    bad = duplicates or result.lost or failures or left_over or orphans or loose
    bad = bad or [status for status in statuses if status != 0]
    return 1 if bad or verdict != "ok" else 0


def main(argv: list[str] | None = None) -> int:
    """Parse the options and run the soak."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--minutes", type=float, default=30, help="How long to go on crawling.")
    parser.add_argument("--seed", type=int, help="Seed of the random choices (default: random).")
    parser.add_argument(
        "--kill-share", type=float, default=0.6, help="The share of runs killed (0 to 1)."
    )
    parser.add_argument("--keep", type=Path, help="Keep the archive and logs in this folder.")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    print(f"soak: {args.minutes:g} minutes, seed {seed}", flush=True)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="newsarchive-soak-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return soak(folder, args.minutes, random.Random(seed), args.kill_share)
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)
        else:
            print(f"archive and logs kept in {folder}")


if __name__ == "__main__":
    sys.exit(main())
