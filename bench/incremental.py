"""Benchmark: how much an unchanged second run costs compared with the first.

Generates a local news site of 1,000 articles (`newsroom`), serves it on
127.0.0.1, and runs `newsarchive crawl` on it twice into a new archive: the first run
archives everything; the second, with nothing changed, should fetch listings, the feed
and the sitemap only. Prints both runs' times, the requests each made by kind, and the
ratio. Target: no article-body request in run 2, and run 2 within 10% of run 1's time.

    python bench/incremental.py [--articles 1000]
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

# The generated site is the tests' (`tests/newsroom.py`): put that folder on the path.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from newsarchive.demo.server import SiteServer, serve_site
from newsroom import Newsroom, generate_articles

CLI = (sys.executable, "-m", "newsarchive")
ARTICLE_PATH = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]+/$")


def request_kind(path: str) -> str:
    """What a requested path is: article, listing, feed, sitemap or robots."""
    if ARTICLE_PATH.match(path):
        return "article"
    if path.endswith(".xml"):
        return "feed" if "feed" in path else "sitemap"
    if path == "/robots.txt":
        return "robots"
    return "listing"


def crawl(server: SiteServer, db: Path) -> tuple[float, Counter, str]:
    """One `newsarchive crawl` run: wall time, requests by kind, and its summary."""
    server.request_log.clear()
    started = time.perf_counter()
    result = subprocess.run(
        [*CLI, "crawl", server.base_url, "--db", str(db), "--no-throttle", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        sys.exit(f"crawl failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return seconds, Counter(request_kind(p) for p in server.request_log), result.stdout


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000, help="size of the site")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site_dir = Path(tmp) / "site"
        site_dir.mkdir()
        db = Path(tmp) / "archive.db"
        with serve_site(site_dir) as server:
            Newsroom(site_dir, server.base_url, generate_articles(args.articles)).write()
            first = crawl(server, db)
            second = crawl(server, db)
        with sqlite3.connect(db) as conn:
            durations = [d for (d,) in conn.execute("SELECT duration_seconds FROM crawl_runs")]
            stored = conn.execute("SELECT count(*) FROM articles").fetchone()[0]

    kinds = ("article", "listing", "feed", "sitemap", "robots")
    print(f"Site: {args.articles} articles; archive holds {stored} after both runs.\n")
    print(f"{'':28}{'run 1 (first)':>16}{'run 2 (unchanged)':>20}")
    print(f"{'wall time, s':28}{first[0]:>16.2f}{second[0]:>20.2f}")
    print(f"{'crawl time (crawl_runs), s':28}{durations[0]:>16.2f}{durations[1]:>20.2f}")
    print(f"{'requests':28}{sum(first[1].values()):>16}{sum(second[1].values()):>20}")
    for kind in kinds:
        print(f"{'  ' + kind:28}{first[1][kind]:>16}{second[1][kind]:>20}")
    ratio = second[0] / first[0]
    crawl_ratio = durations[1] / durations[0]
    startup = second[0] - durations[1]
    print(f"\nrun 2 / run 1, crawl time: {crawl_ratio:.1%}   wall time: {ratio:.1%}")
    print(f"(wall time includes {startup:.1f} s of process start-up: Python, Scrapy, the archive)")
    met = second[1]["article"] == 0 and max(crawl_ratio, ratio) <= 0.10
    print(
        "target (no article request in run 2, run 2 <= 10% of run 1, crawl and wall time): "
        + ("met" if met else "NOT met")
    )


if __name__ == "__main__":
    main()
