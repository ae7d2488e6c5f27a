"""Extraction in worker processes and batched storage, end to end: crawls of sites served on
127.0.0.1 with the pool on and off, pages that crash or hang their worker, crawls stopped
by SIGINT, SIGTERM and SIGKILL."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, rows, run_cli
from crawler import stats_keys
from crawler.extraction_pool import TEST_FAULT_MARKERS, ExtractionFailed, ExtractionPool
from newsarchive.demo.server import SITE_DIR, SiteRequestHandler, serve_site

TOWNS = ["Kestrel Bay", "Marrow Point", "Lowfield", "Ashby Cove", "Tern Island", "Wexcombe"]
ARTICLE_COLUMNS = (
    "url, title, authors, published, modified, section, tags, language, description, image,"
    " text, word_count, content_hash, canonical_url"
)


def story_page(n: int, marker: str = "") -> str:
    """Article `n`: a page of its own words, declared with JSON-LD."""
    town = TOWNS[n % len(TOWNS)]
    paragraphs = "".join(
        f"<p>Council members in {town} voted on item {n}.{part} of the agenda on Monday, "
        f"approving a plan to repair {n + part + 2} benches along the seafront promenade "
        f"before the summer regatta brings visitors to {town}.</p>"
        for part in range(4)
    )
    title = f"Benches of {town}, item {n}"
    return f"""<!DOCTYPE html><html lang="en"><head><title>{title}</title>
<script type="application/ld+json">{{"@type": "NewsArticle", "headline": "{title}",
"datePublished": "2024-06-{n % 28 + 1:02d}T08:00:00Z", "author": {{"name": "Ada Lane"}}}}
</script></head><body><header><a href="/">Home</a></header>{marker}
<article><h1>{title}</h1>{paragraphs}</article></body></html>"""


def write(root: Path, path: str, text: str) -> None:
    """Put a page at URL `path` (a folder URL gets an index.html)."""
    target = root / path.strip("/") / "index.html"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def build_site(root: Path, count: int, markers: dict[int, str] | None = None) -> list[str]:
    """A home page linking to `count` articles; return the articles' paths."""
    paths = [f"/2024/06/{n % 28 + 1:02d}/benches-item-{n}/" for n in range(count)]
    for n, path in enumerate(paths):
        write(root, path, story_page(n, (markers or {}).get(n, "")))
    links = "".join(f"<li><a href='{path}'>Item {n}</a></li>" for n, path in enumerate(paths))
    write(root, "/", f"<html><body><main><ul>{links}</ul></main></body></html>")
    return paths


class SlowHandler(SiteRequestHandler):
    """Answers each request after a pause, so that a crawl can be stopped midway."""

    def send_head(self):  # type: ignore[no-untyped-def]
        """Pause, then serve as usual."""
        time.sleep(0.1)
        return super().send_head()


def crawl_process(url: str, db: Path, *settings: str, capture: bool = True) -> subprocess.Popen:
    """`newsarchive crawl URL` in a subprocess, at full speed, with `-s` settings; its
    output captured (read it with `communicate`), or thrown away."""
    options = [item for setting in settings for item in ("-s", setting)]
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsarchive",
            "crawl",
            url,
            "--db",
            str(db),
            "--no-throttle",
            *options,
        ],
        cwd=REPO_ROOT,
        stdout=output,
        stderr=output,
        stdin=subprocess.DEVNULL,
        text=True,
    )


def descendants(pid: int, depth: int = 99) -> set[int]:
    """The processes below `pid` (children, their children... down to `depth`), from
    /proc."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    found: set[int] = set()
    level = [pid]
    for _ in range(depth):
        level = [child for parent in level for child in children.get(parent, [])]
        found.update(level)
    return found


def alive(pid: int) -> bool:
    """True if process `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def wait_for(condition, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    """Poll `condition` until it holds (or fail the test after `timeout` seconds)."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def archived(db: Path) -> int:
    """Articles committed to the archive so far (0 before it exists)."""
    try:
        return rows(db, "SELECT count(*) FROM articles")[0][0]
    except Exception:  # the archive or its tables do not exist yet
        return 0


def crawl_stat(stderr: str, key: str) -> int:
    """A crawl's Scrapy stat `key`, from the stats it logs at the end (0 if not there)."""
    found = re.search(rf"'{re.escape(key)}': (\d+)", stderr)
    return int(found.group(1)) if found else 0


def test_pool_and_inline_archive_the_same_rows(tmp_path: Path):
    """The demo site crawled with two extraction workers and with extraction inline gives
    the same article rows, block statistics and fetched pages. With workers, every
    article page is read (parsed, scored) and extracted in a worker, sent there once."""
    dbs, stats = {}, {}
    for workers in ("2", "0"):
        dbs[workers] = tmp_path / f"workers-{workers}.db"
        with serve_site(SITE_DIR) as server:
            result = run_cli(
                "crawl",
                server.base_url,
                "--db",
                str(dbs[workers]),
                "--no-throttle",
                *("-s", f"EXTRACT_WORKERS={workers}", "-s", "LOG_LEVEL=INFO"),
            )
        assert result.returncode == 0, result.stderr
        stats[workers] = {
            key: crawl_stat(result.stderr, key)
            for key in (
                stats_keys.PAGES_READ_IN_WORKERS,
                stats_keys.EXTRACTED_WHERE_READ,
                stats_keys.EXTRACT_OK,
            )
        }
    articles = stats["0"][stats_keys.EXTRACT_OK]
    assert articles >= 40
    assert stats["0"][stats_keys.PAGES_READ_IN_WORKERS] == 0
    assert stats["2"] == {
        stats_keys.PAGES_READ_IN_WORKERS: articles,
        stats_keys.EXTRACTED_WHERE_READ: articles,
        stats_keys.EXTRACT_OK: articles,
    }

    def snapshot(db: Path) -> tuple[list[tuple], ...]:
        port = rows(db, "SELECT start_urls FROM crawl_runs")[0][0].split(":")[2].split("/")[0]
        local = (
            f"SELECT {ARTICLE_COLUMNS} FROM articles ORDER BY url",
            "SELECT fingerprint, page_count, sample_text FROM block_stats ORDER BY fingerprint",
            "SELECT url, kind, status FROM fetched_urls ORDER BY url",
        )
        return tuple(
            [tuple(str(v).replace(port, "PORT") for v in row) for row in rows(db, query)]
            for query in local
        )

    pooled, inline = snapshot(dbs["2"]), snapshot(dbs["0"])
    assert len(pooled[0]) >= 40
    assert pooled == inline


def test_page_that_crashes_or_hangs_its_worker_fails_alone(tmp_path: Path):
    """A page that kills its worker and one that hangs it are each a `crawl_errors` row of
    kind `extraction_failed`; the 10 other articles are archived and the run ends ok."""
    root = tmp_path / "site"
    markers = {3: TEST_FAULT_MARKERS["crash"].decode(), 7: TEST_FAULT_MARKERS["hang"].decode()}
    paths = build_site(root, 12, markers)
    db = tmp_path / "a.db"
    with serve_site(root) as server:
        result = run_cli(
            "crawl",
            server.base_url,
            "--db",
            str(db),
            "--no-throttle",
            *("-s", "EXTRACT_TEST_FAULTS=True", "-s", "EXTRACT_TIMEOUT=3"),
            *("-s", "EXTRACT_WORKERS=2"),
        )
        base = server.base_url.rstrip("/")
    assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT url, kind, message FROM crawl_errors ORDER BY url") == [
        (base + paths[3], "extraction_failed", "the extraction worker died (exit code 70)"),
        (base + paths[7], "extraction_failed", "extraction took longer than 3 s (worker stopped)"),
    ]
    expected = sorted(base + path for n, path in enumerate(paths) if n not in markers)
    assert [url for (url,) in rows(db, "SELECT url FROM articles ORDER BY url")] == expected
    assert rows(db, "SELECT status, articles_new, errors FROM crawl_runs") == [("ok", 10, 2)]
    # Not remembered as pages without article text: the next run tries them again.
    assert rows(db, "SELECT count(*) FROM fetched_urls WHERE kind != 'article'") == [(1,)]


def test_pool_outside_a_crawl_reports_each_failure():
    """The pool on its own: a result, a crashed worker, a timeout, then a result again
    from the replaced worker; closing it leaves no process behind."""
    before = descendants(os.getpid())
    pool = ExtractionPool(workers=1, timeout=2, test_faults=True)
    try:
        good = pool.extract(story_page(1).encode(), "http://example.test/a/").result(30)
        assert good is not None and good.title == "Benches of Marrow Point, item 1"
        for marker, message in (
            ("crash", "the extraction worker died (exit code 70)"),
            ("hang", "extraction took longer than 2 s (worker stopped)"),
        ):
            page = story_page(2, TEST_FAULT_MARKERS[marker].decode())
            with pytest.raises(ExtractionFailed, match=re.escape(message)):
                pool.extract(page, "http://example.test/b/").result(30)
        again = pool.extract(story_page(4), "http://example.test/c/").result(30)
        assert again is not None and again.word_count > 60
        # The fork server (and multiprocessing's resource tracker) live as long as this
        # process; the workers are the fork server's children.
        workers = descendants(os.getpid()) - descendants(os.getpid(), depth=1) - before
        assert workers
    finally:
        pool.close()
    wait_for(lambda: not [pid for pid in workers if alive(pid)], timeout=10)


# Large enough that the crawl is still downloading when its first batch is committed.
STOPPED_SITE_ARTICLES = 400


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM])
def test_stop_signal_leaves_no_worker_and_nothing_half_written(tmp_path: Path, stop: int):
    """Ctrl-C or SIGTERM mid-crawl: exit 1, the run `interrupted`, no worker process left,
    every archived article whole with its page, the database intact."""
    root = tmp_path / "site"
    build_site(root, STOPPED_SITE_ARTICLES)
    db = tmp_path / "a.db"
    with serve_site(root, handler_class=SlowHandler) as server:
        process = crawl_process(server.base_url, db, "EXTRACT_WORKERS=2")
        wait_for(lambda: archived(db) > 0)
        workers = descendants(process.pid)
        assert len(workers) >= 2  # the fork server and its workers
        process.send_signal(stop)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stdout + stderr
    wait_for(lambda: not [pid for pid in workers if alive(pid)], timeout=10)
    [(status, new)] = rows(db, "SELECT status, articles_new FROM crawl_runs")
    assert status == "interrupted"
    assert 0 < new < STOPPED_SITE_ARTICLES
    assert rows(db, "SELECT count(*) FROM articles") == [(new,)]
    assert rows(db, "SELECT count(*) FROM articles a JOIN pages p ON p.id = a.page_id") == [(new,)]
    assert rows(db, "SELECT count(*) FROM pages WHERE article_id IS NULL") == [(0,)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_sigkill_mid_batch_loses_only_what_the_next_run_fetches(tmp_path: Path):
    """A crawl killed (SIGKILL) between two batch commits loses the uncommitted articles
    and nothing else; the next run fetches exactly those pages, and every article is
    archived once."""
    root = tmp_path / "site"
    paths = build_site(root, 80)
    db = tmp_path / "a.db"
    with serve_site(root, handler_class=SlowHandler) as server:
        base = server.base_url.rstrip("/")
        killed = crawl_process(server.base_url, db, "STORE_BATCH_SIZE=5", "STORE_BATCH_SECONDS=30")
        wait_for(lambda: archived(db) >= 10)
        workers = descendants(killed.pid)
        killed.kill()
        killed.communicate(timeout=30)
        wait_for(lambda: not [pid for pid in workers if alive(pid)], timeout=10)
        kept = {url for (url,) in rows(db, "SELECT url FROM articles")}
        assert 10 <= len(kept) < 80
        assert rows(db, "PRAGMA integrity_check") == [("ok",)]
        server.request_log.clear()
        result = run_cli("crawl", server.base_url, "--db", str(db), "--no-throttle")
        assert result.returncode == 0, result.stderr
        fetched = [path for path in server.request_log if path in paths]
    # Exactly the lost pages (a page retried after a dropped connection counts once).
    assert {base + path for path in fetched} == {base + path for path in paths} - kept
    assert rows(db, "SELECT count(*), count(DISTINCT url) FROM articles") == [(80, 80)]
    assert rows(db, "SELECT status FROM crawl_runs ORDER BY id") == [("interrupted",), ("ok",)]
