"""How `newsarchive serve` scales: the same pages on archives of 1,000 and 100,000 articles.

Generates synthetic archives (the schema made by `Archive.open`, rows bulk-inserted with
sqlite-utils, the full-text index filled by the schema's own triggers), serves each with
`newsarchive serve` (the project's Datasette configuration) on 127.0.0.1, and times over
HTTP, as median of several requests, the articles table page, a facet page (articles of
one section, with every facet computed) and a full-text search. Prints both times and the
ratio for each page, and fails (exit status 1) if a page on the large archive takes more
than 10 times as long as on the small one or hits one of Datasette's time limits.

Usage (from the repository root, in the project's virtualenv):

    python bench/datasette_scale.py                       # 1,000 and 100,000 articles
    python bench/datasette_scale.py --sizes 1000 20000 --requests 5 --keep /tmp/bench
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from newsarchive.serve import free_port
from pipelines.archive import Archive

REPO_ROOT = Path(__file__).resolve().parent.parent
MAX_RATIO = 10.0
SITES = [f"site-{n}.example" for n in range(1, 6)]
SECTIONS = ["World", "Politics", "Business", "Sport", "Culture", "Science", "Health", "Opinion"]
LANGUAGES = ["en", "en", "en", "fr", "de"]
WORDS = [
    "harbour",
    "council",
    "minister",
    "budget",
    "election",
    "report",
    "market",
    "court",
    "police",
    "school",
    "hospital",
    "weather",
    "storm",
    "river",
    "bridge",
    "festival",
    "museum",
    "theatre",
    "league",
    "match",
    "season",
    "coach",
    "player",
    "factory",
    "export",
    "import",
    "shipping",
    "port",
    "freight",
    "energy",
    "price",
    "inflation",
    "bank",
    "loan",
    "startup",
    "investor",
    "research",
    "university",
    "study",
    "climate",
    "flood",
    "drought",
    "harvest",
    "farmer",
    "village",
    "city",
    "mayor",
    "protest",
    "strike",
    "union",
    "wage",
    "tax",
    "housing",
    "rent",
    "tenant",
    "road",
    "railway",
    "airport",
    "flight",
    "treaty",
    "summit",
    "border",
    "defence",
    "army",
    "navy",
    "embassy",
    "diplomat",
    "sanction",
    "trade",
    "tariff",
    "growth",
]
SEARCH_WORD = "lighthouse"  # in 1 article of 100, as a searched name would be
SEARCH_SHARE = 0.01
TIME_LIMIT_MARKERS = ("took too long", "facets timed out", "These facets timed out")


def make_archive(path: Path, articles: int, seed: int = 5) -> None:
    """A synthetic archive of `articles` articles in the project's schema."""
    rng = random.Random(seed)
    Archive.open(path).close()  # creates and migrates the schema
    authors = [f"Reporter {n}" for n in range(300)]
    tags = [f"topic-{n}" for n in range(80)]
    start = datetime(2022, 1, 1, tzinfo=UTC)
    archive = Archive.open(path)
    db = archive.db
    try:
        run_id = archive.start_run("bench", ["https://site-1.example/"])

        def rows() -> Iterator[dict]:
            for n in range(articles):
                published = start + timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
                paragraphs = [
                    " ".join(rng.choices(WORDS, k=rng.randrange(20, 45))).capitalize() + "."
                    for _ in range(4)
                ]
                if rng.random() < SEARCH_SHARE:
                    paragraphs[1] += f" The {SEARCH_WORD} keeper spoke."
                text = "\n\n".join(paragraphs)
                site = rng.choice(SITES)
                yield {
                    "url": f"https://{site}/{published:%Y/%m/%d}/story-{n}/",
                    "canonical_url": f"https://{site}/{published:%Y/%m/%d}/story-{n}/",
                    "site": site,
                    "title": " ".join(rng.choices(WORDS, k=8)).capitalize(),
                    "authors": json.dumps(rng.sample(authors, rng.choice((1, 1, 2)))),
                    "published": published.isoformat(),
                    "section": rng.choice(SECTIONS),
                    "tags": json.dumps(rng.sample(tags, rng.randrange(0, 4))),
                    "language": rng.choice(LANGUAGES),
                    "text": text,
                    "word_count": len(text.split()),
                    "content_hash": f"{n:064x}",
                    "first_seen": published.isoformat(),
                    "last_seen": published.isoformat(),
                    "last_fetched": published.isoformat(),
                    "crawl_run_id": run_id,
                }

        with db.atomic():
            db["articles"].insert_all(rows(), batch_size=2000)
            db.execute(
                "UPDATE crawl_runs SET status = 'ok', finished = started, articles_new = ? "
                "WHERE id = ?",
                [articles, run_id],
            )
    finally:
        archive.close()


@contextmanager
def serving(db_path: Path) -> Iterator[str]:
    """`newsarchive serve` over `db_path` on a free 127.0.0.1 port; yields its base URL."""
    port = free_port("127.0.0.1", 0)
    command = [sys.executable, "-m", "newsarchive", "serve", "--db", str(db_path)]
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                fetch(base + "/-/versions.json")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("newsarchive serve did not start") from None
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


def fetch(url: str) -> str:
    """The body of a page; raises if it is not a 200."""
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read().decode("utf-8")


def time_page(url: str, requests: int) -> float:
    """Median seconds to fetch `url` (after one warm-up request); raises if the page hit a
    Datasette time limit."""
    body = fetch(url)
    for marker in TIME_LIMIT_MARKERS:
        if marker in body:
            raise RuntimeError(f"{url}: hit a Datasette time limit ({marker!r})")
    times = []
    for _ in range(requests):
        started = time.perf_counter()
        fetch(url)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def pages(db_name: str) -> dict[str, str]:
    """The pages timed, by name: paths under the server."""
    return {
        "articles table": f"/{db_name}/articles",
        "facet page": f"/{db_name}/articles?section=Politics",
        "full-text search": f"/{db_name}/articles?_search={SEARCH_WORD}",
    }


def main(argv: list[str] | None = None) -> int:
    """Generate, serve and time; print the table of times and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[1_000, 100_000], help="small, large")
    parser.add_argument("--requests", type=int, default=7, help="timed requests per page")
    parser.add_argument("--keep", type=Path, help="folder to keep (and reuse) the archives in")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="newsarchive-bench-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        timings: dict[int, dict[str, float]] = {}
        for size in args.sizes:
            path = folder / f"bench{size}.db"
            if not path.exists():
                started = time.perf_counter()
                make_archive(path, size)
                print(f"generated {size:,} articles in {time.perf_counter() - started:.1f} s")
            with serving(path) as base:
                timings[size] = {
                    name: time_page(base + page, args.requests)
                    for name, page in pages(path.stem).items()
                }
    small, large = args.sizes
    print(f"\n{'page':<18} {f'{small:,} articles':>16} {f'{large:,} articles':>18} {'ratio':>7}")
    worst = 0.0
    for name in timings[small]:
        ratio = timings[large][name] / timings[small][name]
        worst = max(worst, ratio)
        print(
            f"{name:<18} {timings[small][name] * 1000:>13.1f} ms "
            f"{timings[large][name] * 1000:>15.1f} ms {ratio:>6.1f}×"
        )
    verdict = "ok" if worst <= MAX_RATIO else "too slow"
    print(f"\nworst ratio {worst:.1f}× (target ≤ {MAX_RATIO:.0f}×): {verdict}; no time limit hit")
    return 0 if worst <= MAX_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
