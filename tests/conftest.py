"""Shared fixtures: the demo site served on 127.0.0.1, CLI runs in subprocesses, and an
archive built by crawling the demo site once per test session."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.build import load_content
from crawler.demo.server import SITE_DIR, SiteServer, serve_site
from crawler.explore import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess:
    """Run `newsarchive ARGS...` in a subprocess, as a user would, and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        cwd=cwd or REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


def rows(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """All rows of a query on an archive file."""
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql, params).fetchall()


def free_tcp_port() -> int:
    """A port nothing listens on at 127.0.0.1."""
    return free_port("127.0.0.1", 0)


@pytest.fixture(scope="session")
def demo_content() -> dict:
    """The demo site's content: the ground truth of every article."""
    return load_content()


@pytest.fixture
def demo_site() -> Iterator[SiteServer]:
    """The demo site served on a free 127.0.0.1 port, with a fresh request log."""
    with serve_site(SITE_DIR) as server:
        yield server


@pytest.fixture(scope="session")
def demo_archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An archive made by one `newsarchive crawl` of the demo site (shared, read-only)."""
    db_path = tmp_path_factory.mktemp("demo-archive") / "archive.db"
    with serve_site(SITE_DIR) as server:
        result = run_cli("crawl", server.base_url, "--db", str(db_path), "--no-throttle")
    assert result.returncode == 0, result.stderr
    return db_path
