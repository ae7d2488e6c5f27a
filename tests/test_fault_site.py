"""End to end: `newsarchive crawl` of the hostile site of `fault_site.py` (missing pages,
failing and slow servers, redirect loops, PDFs and JSON at article URLs, oversized pages,
gzip bombs, broken markup and JSON-LD, pages in windows-1252 and Shift_JIS, traps):
exactly the articles are archived, with the right text; everything else that could not
be archived is a `crawl_errors` row; retries, robots.txt and the traps show in the
server's request log; the bombs leave the crawl's memory alone; and a crawl that runs out
of its budget ends with a warning."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from fault_site import (
    ALWAYS_503,
    ARTICLES,
    CHAIN_START,
    ERRORS,
    LOOP_A,
    LOOP_B,
    MISSING,
    NEVER_REQUESTED,
    RETRIED_500,
    RETRIED_503,
    SITEMAP_ARTICLES,
    SLOW,
    FaultSite,
    serve_fault_site,
)

from conftest import REPO_ROOT, rows, run_cli

# Settings of every crawl here: a short download timeout (the slow page waits 5 s), one
# retry, and a 2 MiB size limit (the oversized pages have 3 MiB, the bombs 1 GiB).
SETTINGS = ("-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=1", "-s", "DOWNLOAD_MAXSIZE=2097152")
MOJIBAKE = ("Ã", "Â", "Ŕ", "č", "ę", "\ufffd", "ï¿½", "縺", "�")
PEAK_MEMORY_MB = 400  # a crawl of the site needs about 110 MB; one bomb unpacked is 1 GiB


@dataclass
class Crawl:
    """One crawl of the fault site: its archive, server log, exit status, output and
    peak memory (MB)."""

    db: Path
    base: str
    log: list[str]  # paths in the order they were answered
    requests: Counter[str]  # requests by path, counted when they arrive
    returncode: int
    output: str
    peak_mb: float

    def url(self, path: str) -> str:
        """The site's URL of `path`."""
        return self.base + path.lstrip("/")


def crawl_fault_site(folder: Path, *options: str) -> Crawl:
    """Crawl a fresh fault site into `folder`/archive.db with `newsarchive crawl`, as a
    user runs it, measuring the crawl process's peak memory."""
    folder.mkdir(parents=True, exist_ok=True)
    db, output = folder / "archive.db", folder / "output.txt"
    site = FaultSite()
    with serve_fault_site(site) as server, output.open("w") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "newsarchive", "crawl", server.base_url, "--db", str(db)),
                *("--no-throttle", *SETTINGS, *options),
            ],
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        log = list(server.request_log)
    return Crawl(
        db=db,
        base=server.base_url,
        log=log,
        requests=Counter(site.attempts),
        returncode=process.returncode,
        output=output.read_text(encoding="utf-8"),
        peak_mb=usage.ru_maxrss / 1024,
    )


@pytest.fixture(scope="module")
def fault_crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One crawl of the fault site, shared by the tests that read it."""
    return crawl_fault_site(tmp_path_factory.mktemp("fault-site"))


def test_articles_archived_with_their_text(fault_crawl: Crawl):
    """Exactly the site's articles are archived (no PDF, image, JSON or empty page), each
    under its URL, with its headline and text, whatever its encoding declared: no
    mojibake in any of them."""
    archived = rows(fault_crawl.db, "SELECT url, title, text FROM articles ORDER BY url")
    assert [url for url, _, _ in archived] == sorted(fault_crawl.url(p) for p in ARTICLES)
    for url, title, text in archived:
        story, phrase = ARTICLES["/" + url.removeprefix(fault_crawl.base)]
        assert title == story.title.replace("\u3000", " "), url
        assert phrase in text, (url, text[:200])
        assert story.paragraphs[-1][:40] in text, url
        assert not [bad for bad in MOJIBAKE if bad in title + text], (url, title, text[:200])


def test_what_could_not_be_archived_is_a_crawl_error(fault_crawl: Crawl):
    """Each page that could not be archived is one `crawl_errors` row saying what went
    wrong: gone (404, 410), a server that kept failing (503), too slow, a redirect loop,
    no HTML page, too large (also once unpacked: the gzip bombs of a page, a feed and a
    sitemap), empty, a page number that does not exist."""
    errors = rows(fault_crawl.db, "SELECT url, kind, status FROM crawl_errors ORDER BY url")
    expected = sorted((fault_crawl.url(path), *error) for path, error in ERRORS.items())
    assert errors == expected
    messages = dict(rows(fault_crawl.db, "SELECT url, message FROM crawl_errors"))
    assert messages[fault_crawl.url(LOOP_A)].startswith("redirect loop: ")
    assert "DOWNLOAD_MAXSIZE (2097152 bytes)" in messages[fault_crawl.url("/feed.xml")]


def test_every_error_is_a_log_line(fault_crawl: Crawl):
    """Each error row has its warning in the crawl's output."""
    for (url,) in rows(fault_crawl.db, "SELECT url FROM crawl_errors"):
        assert f"Could not fetch {url}:" in fault_crawl.output or (
            f"Could not read {url}:" in fault_crawl.output
        ), url


def test_requests_made_and_not_made(fault_crawl: Crawl):
    """robots.txt is obeyed; a 500 or 503 is retried once and archived, one that stays
    503 is tried twice, a 404 once; a redirect chain is followed and a loop left at its
    first repeat; each child sitemap of the index is read once; the calendar and the
    query-string variants of the news section are left after a few pages."""
    count = fault_crawl.requests
    assert not [path for path in count if path in NEVER_REQUESTED]
    assert (count[RETRIED_500], count[RETRIED_503], count[ALWAYS_503]) == (2, 2, 2)
    assert (count[MISSING], count[SLOW]) == (1, 2)  # a timeout is retried, a 404 not
    assert (count[CHAIN_START], count["/r/2"], count["/r/3"]) == (1, 1, 1)
    assert (count[LOOP_A], count[LOOP_B]) == (1, 1)
    assert [count[f"/sitemaps/part-{n}.xml"] for n in range(1, 6)] == [1] * 5
    assert all(count[path] == 1 for path in SITEMAP_ARTICLES)
    calendar = [path for path in count if path.startswith("/calendar/")]
    assert 1 <= len(calendar) <= 5, calendar
    variants = [path for path in count if path.startswith("/news/?")]
    assert 1 <= len(variants) <= 20, variants  # NEWS_MAX_QUERY_VARIANTS, of 64 linked
    assert not [path for path in count if len(path) > 2083]  # the 5,000-digit page number


def test_gzip_bombs_leave_memory_alone(fault_crawl: Crawl):
    """A page, a feed and a sitemap that each unpack to 1 GiB are errors, and the crawl
    never grows anywhere near that: it ends normally."""
    assert fault_crawl.peak_mb < PEAK_MEMORY_MB, fault_crawl.peak_mb
    assert fault_crawl.returncode == 0, fault_crawl.output
    assert rows(fault_crawl.db, "SELECT status, complete, error FROM crawl_runs") == [
        ("ok", 1, None)
    ]


def test_pages_keep_their_encoding(fault_crawl: Crawl):
    """The archive records the encoding each page was read with: the declared one (in
    a `<meta>`, or only in the HTTP header), else the one detected."""
    encodings = dict(rows(fault_crawl.db, "SELECT url, encoding FROM pages"))
    assert {
        path: encodings[fault_crawl.url(path)]
        for path in ARTICLES
        if path.startswith("/2024/05/16/")
    } == {
        "/2024/05/16/port-rouvre-apres-tempete/": "cp1252",
        "/2024/05/16/festival-ete-record/": "cp1252",
        "/2024/05/16/marche-couvert-ferme/": "cp1252",
        "/2024/05/16/sakura-kaika/": "cp932",
        "/2024/05/16/intercity-rail-line/": "utf-8",
    }


def test_reextract_reads_pages_in_their_encoding(fault_crawl: Crawl, tmp_path: Path):
    """`newsarchive reextract` decodes each stored page as the crawl did: no article
    changes, none gets mojibake."""
    db = tmp_path / "copy.db"
    shutil.copy(fault_crawl.db, db)
    before = rows(db, "SELECT url, title, text FROM articles ORDER BY url")
    result = run_cli("reextract", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT url, title, text FROM articles ORDER BY url") == before
    assert rows(db, "SELECT count(*) FROM article_versions") == [(0,)]


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "NEWS_MAX_PAGES=5",
            "stopped at the crawl's limit (NEWS_MAX_PAGES=5): the site was not crawled to the end",
        ),
        (
            "NEWS_MAX_REQUESTS=8",
            "stopped at the crawl's limit (NEWS_MAX_REQUESTS=8): the site was not crawled to the"
            " end",
        ),
        ("DEPTH_LIMIT=1", "link(s) deeper than DEPTH_LIMIT=1 were not followed"),
    ],
)
def test_budget_spent_is_a_warning(tmp_path: Path, setting: str, message: str):
    """A run that runs out of its page or request budget, or leaves links beyond
    DEPTH_LIMIT, ends with status `warning` (exit 3) saying so, and is not complete; a
    budget is never overspent."""
    crawl = crawl_fault_site(tmp_path, "-s", setting, "-s", "RETRY_TIMES=0")
    assert crawl.returncode == 3, crawl.output
    [(status, error, complete, pages, requests)] = rows(
        crawl.db, "SELECT status, error, complete, pages_fetched, requests FROM crawl_runs"
    )
    assert (status, complete) == ("warning", 0)
    assert error.endswith(message), error
    assert f"Warning: {crawl.base.removeprefix('http://').rstrip('/')}: {error}" in crawl.output
    if setting.startswith("NEWS_MAX_PAGES"):
        assert pages == 5
        assert crawl.requests.total() == 6  # and the robots.txt Scrapy reads for itself
    if setting.startswith("NEWS_MAX_REQUESTS"):
        assert requests == crawl.requests.total() == 8
