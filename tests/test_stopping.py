"""Stopping on time: SIGTERM or Ctrl-C ends a crawl within 10 s whatever the servers do
(one that never answers, one that never stops answering), a second signal at once; the
run ends `interrupted`, the exit status is 1, and the systemd unit's stop timeout fits.
Real servers on this machine, the crawl run by the CLI with its default timeouts."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from site_builder import STORIES, ModernSite, write_page, write_robots
from stop_servers import silent_server, trickling_server, wait_for

from conftest import REPO_ROOT, rows, run_cli
from crawler.extensions.process import STOP_FORCE_SECONDS, STOP_GRACE_SECONDS
from newsarchive.demo.server import serve_site

SITE = ModernSite("The Riverside Courier", nav=(("Home", "/"),))
ARTICLE = "/2024/04/12/bridge-repairs/"
STUCK = "/2024/04/13/stuck-story/"
STOP_SECONDS = 10  # what the README promises


def write_site(root: Path, stuck_base: str) -> None:
    """A home page linking to an article of its own and to a story on the stuck server
    (which the sites file makes a host of the site)."""
    items = [(ARTICLE, STORIES[0]), (stuck_base + STUCK.lstrip("/"), STORIES[1])]
    write_page(root, "/", SITE.listing("Latest news", items))
    write_page(root, ARTICLE, SITE.article(STORIES[0]))
    write_robots(root)


def start_crawl(sites: Path, db: Path) -> subprocess.Popen:
    """`newsarchive crawl --sites FILE` with the default timeouts and retries."""
    return subprocess.Popen(
        [sys.executable, "-m", "newsarchive", "crawl", "--sites", str(sites), "--db", str(db)],
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop(process: subprocess.Popen, signals: list[signal.Signals]) -> tuple[float, str]:
    """Send `signals` (the second half a second after the first) and wait for the
    process: the seconds from the first signal to its end, and what it printed."""
    process.send_signal(signals[0])
    signalled = time.monotonic()
    for again in signals[1:]:
        time.sleep(0.5)
        process.send_signal(again)
    try:
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    return time.monotonic() - signalled, stdout + stderr


SERVERS: dict[str, Callable[[], AbstractContextManager]] = {
    "silent": silent_server,
    "trickling": trickling_server,
}


@pytest.mark.parametrize(
    ("server", "signals", "error"),
    [
        ("silent", [signal.SIGTERM], "crawl stopped before the end (shutdown)"),
        ("trickling", [signal.SIGTERM], "crawl stopped before the end (shutdown)"),
        ("silent", [signal.SIGINT], "crawl stopped before the end (shutdown)"),
        (
            "silent",
            [signal.SIGTERM, signal.SIGTERM],
            "crawl stopped at once (a second Ctrl-C or SIGTERM, or a stop that hung)",
        ),
    ],
    ids=["sigterm-silent", "sigterm-trickling", "sigint-silent", "sigterm-twice"],
)
def test_stop_signal_ends_the_crawl_on_time(
    tmp_path: Path, server: str, signals: list[signal.Signals], error: str
):
    """A stop signal while a download hangs on a server that never answers (or never
    finishes answering), with the default 30 s timeout and 2 retries: the crawl exits
    within 10 s with status 1; its run is `interrupted`; the article fetched before is
    archived; the hung download is no error row and is not tried again."""
    root = tmp_path / "site"
    db = tmp_path / "a.db"
    with serve_site(root) as site, SERVERS[server]() as (port, accepted):
        write_site(root, f"http://127.0.0.1:{port}/")
        sites = tmp_path / "sites.toml"
        sites.write_text(
            f'[sites.courier]\nstart_urls = ["{site.base_url}"]\n'
            f'extra_hosts = ["127.0.0.1:{port}"]\n',
            encoding="utf-8",
        )
        process = start_crawl(sites, db)
        wait_for(lambda: accepted and ARTICLE in site.request_log)
        seconds, output = stop(process, signals)
        connections = len(accepted)
    assert process.returncode == 1, output
    assert seconds < STOP_SECONDS, output
    assert rows(db, "SELECT status, error FROM crawl_runs") == [("interrupted", error)]
    assert rows(db, "SELECT url FROM articles") == [(site.base_url + ARTICLE.lstrip("/"),)]
    assert rows(db, "SELECT url, kind FROM crawl_errors") == []
    assert connections == 1  # no retry, and no download after the stop
    assert f"Error: courier: {error}" in output
    assert "Traceback" not in output


def test_systemd_stop_timeout_fits(tmp_path: Path):
    """The systemd service sends SIGTERM to the crawl alone and waits 30 s, more than the
    longest a stop takes (grace for downloads, then the forced stop), less than systemd's
    default 90 s."""
    sites = tmp_path / "sites.toml"
    sites.write_text('[sites.x]\nstart_urls = ["https://example.com/"]\n', encoding="utf-8")
    result = run_cli("schedule", "--every", "1h", "--sites", str(sites), "--format", "systemd")
    assert result.returncode == 0, result.stderr
    assert "\nKillMode=mixed\n" in result.stdout
    assert "\nTimeoutStopSec=30\n" in result.stdout
    assert STOP_GRACE_SECONDS + STOP_FORCE_SECONDS < STOP_SECONDS < 30
