"""Crawls of small purpose-built sites: broken pages, missing pages, redirects, links that
must not be followed, and an interrupted run. Each is served on 127.0.0.1 by the test."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import REPO_ROOT, rows, run_cli
from newsarchive.demo.server import SiteRequestHandler, serve_site

STORY = (
    "The ferry operator added two evening crossings to the timetable on Friday, saying "
    "demand from commuters had grown faster than it expected since the new quay opened."
)


def article_html(title: str, paragraphs: int = 4) -> str:
    """A small article page that declares itself with JSON-LD and OpenGraph."""
    body = "".join(f"<p>{STORY} ({title}, part {n}).</p>" for n in range(paragraphs))
    return f"""<!DOCTYPE html><html lang="en"><head><title>{title}</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2024-05-02T09:00:00+02:00">
</head><body><nav><a href="/">Home</a></nav>
<article><h1>{title}</h1><div class="entry-content">{body}</div></article></body></html>"""


def write(root: Path, path: str, text: str) -> None:
    """Write a page at URL `path` (a folder URL gets an index.html)."""
    target = root / path.strip("/") / "index.html" if path.endswith("/") else root / path.strip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


@pytest.fixture
def edge_site(tmp_path: Path) -> Path:
    """A home page linking to a good article, a broken one, a missing one, one reached via
    a redirect, a PDF, and an article on another host (localhost instead of 127.0.0.1)."""
    root = tmp_path / "site"
    write(root, "/2024/05/02/ferry-timetable-grows/", article_html("Ferry timetable grows"))
    write(
        root,
        "/2024/05/02/broken-article-page/",
        '<html><head><meta property="og:type" content="article"></head>'
        "<body><nav><a href='/'>Home</a> <a href='/news/'>News</a></nav></body></html>",
    )
    write(root, "/2024/05/03/quay-lights-restored/", article_html("Quay lights restored"))
    write(root, "/files/report.pdf", "%PDF-1.4 not really")
    write(
        root,
        "/",
        "<html><head><meta property='og:type' content='website'></head><body><main><ul>"
        "<li><a href='/2024/05/02/ferry-timetable-grows/#comments'>Ferry</a></li>"
        "<li><a href='/2024/05/02/ferry-timetable-grows/?utm_source=home'>Ferry again</a></li>"
        "<li><a href='/2024/05/02/broken-article-page/'>Broken</a></li>"
        "<li><a href='/2024/05/04/missing-article-page/'>Missing</a></li>"
        "<li><a href='/2024/05/03/quay-lights-restored'>Quay (redirects)</a></li>"
        "<li><a href='/files/report.pdf'>Report</a></li>"
        "<li><a href='http://localhost:{port}/2024/05/05/other-host-story/'>Other host</a></li>"
        "</ul></main></body></html>",
    )
    return root


def test_broken_missing_and_redirected_pages(edge_site: Path, tmp_path: Path):
    """Good articles are archived once under their final URL; a page with no article text
    and a missing page are logged in crawl_errors; nothing off-site or non-HTML is fetched."""
    with serve_site(edge_site) as server:
        home = edge_site / "index.html"
        home.write_text(home.read_text().replace("{port}", str(server.server_address[1])))
        db = tmp_path / "a.db"
        result = run_cli("crawl", server.base_url, "--db", str(db), "--no-throttle")
        log = list(server.request_log)
    assert result.returncode == 0, result.stderr
    base = server.base_url
    assert rows(db, "SELECT url, title FROM articles ORDER BY url") == [
        (base + "2024/05/02/ferry-timetable-grows/", "Ferry timetable grows"),
        (base + "2024/05/03/quay-lights-restored/", "Quay lights restored"),
    ]
    assert rows(db, "SELECT url, kind, status FROM crawl_errors ORDER BY url") == [
        (base + "2024/05/02/broken-article-page/", "extraction", 200),
        (base + "2024/05/04/missing-article-page/", "http", 404),
    ]
    # Both are remembered, so that a scheduled run does not fetch them again: the page
    # with no article text as "rejected", the missing page as "gone".
    assert rows(
        db, "SELECT url, kind, status FROM fetched_urls WHERE kind != 'article' ORDER BY url"
    ) == [
        (base, "listing", 200),
        (base + "2024/05/02/broken-article-page/", "rejected", 200),
        (base + "2024/05/04/missing-article-page/", "gone", 404),
    ]
    assert rows(db, "SELECT status, articles_new, errors FROM crawl_runs") == [("ok", 2, 2)]
    assert rows(db, "SELECT url, requested_url FROM pages WHERE url LIKE '%quay%'") == [
        (base + "2024/05/03/quay-lights-restored/", base + "2024/05/03/quay-lights-restored")
    ]
    assert log.count("/2024/05/02/ferry-timetable-grows/") == 1
    assert "/2024/05/03/quay-lights-restored" in log  # answered with a redirect
    assert not [path for path in log if "other-host-story" in path or path.endswith(".pdf")]


def test_start_page_missing_fails_the_run(edge_site: Path, tmp_path: Path):
    """A start URL that answers 404 (and nothing else to crawl): a failed run, exit 1."""
    with serve_site(edge_site) as server:
        db = tmp_path / "a.db"
        result = run_cli("crawl", server.base_url + "no-such-section/", "--db", str(db))
    assert result.returncode == 1
    [(status, error)] = rows(db, "SELECT status, error FROM crawl_runs")
    assert status == "failed"
    assert error == f"no page could be fetched: {server.base_url}no-such-section/: HTTP 404"


class SlowHandler(SiteRequestHandler):
    """Answers each request after a pause, so that a crawl can be interrupted midway."""

    def send_head(self):  # type: ignore[no-untyped-def]
        """Pause, then serve as usual."""
        time.sleep(0.2)
        return super().send_head()


def test_interrupted_crawl_keeps_what_it_archived(tmp_path: Path):
    """Ctrl-C (SIGINT) stops the crawl cleanly: exit 1, the run marked `interrupted`, every
    archived article whole (with its page), and the database intact."""
    root = tmp_path / "site"
    links = []
    for n in range(150):
        path = f"/2024/06/{n % 28 + 1:02d}/harbour-story-number-{n}/"
        write(root, path, article_html(f"Harbour story {n}"))
        links.append(f"<li><a href='{path}'>Story {n}</a></li>")
    write(root, "/", f"<html><body><main><ul>{''.join(links)}</ul></main></body></html>")
    db = tmp_path / "a.db"
    with serve_site(root, handler_class=SlowHandler) as server:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "newsarchive", "crawl", server.base_url, "--db", str(db)),
                *("-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2"),
            ],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _archived(db):
            time.sleep(0.1)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 1, stdout + stderr
    [(status, new)] = rows(db, "SELECT status, articles_new FROM crawl_runs")
    assert status == "interrupted"
    assert 0 < new < 150
    assert rows(db, "SELECT count(*) FROM articles") == [(new,)]
    assert rows(db, "SELECT count(*) FROM articles a JOIN pages p ON p.id = a.page_id") == [(new,)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def _archived(db: Path) -> bool:
    try:
        return rows(db, "SELECT count(*) FROM articles")[0][0] > 0
    except Exception:  # the archive or its tables do not exist yet
        return False
