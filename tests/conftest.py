"""Shared fixtures: the demo site served on 127.0.0.1, CLI runs in subprocesses, and an
archive built by crawling the demo site once per test session."""

from __future__ import annotations

import contextlib
import importlib.util
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from archive_samples import CHANGED_SLUG, add_hostile_article, change_article
from newsarchive.demo.build import load_content
from newsarchive.demo.server import SITE_DIR, SiteServer, serve_site
from newsarchive.serve import free_port

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_SLUG = "south-korea-to-normalise-military-pact-with-japan"
SEED_TITLE = "South Korea to ‘normalise’ military pact with Japan after Tokyo summit"


# What makes a test module's tests slow: they run the CLI, start servers or drive a
# browser. `make test-fast` (`pytest -m "not slow"`) runs the others, the unit tests.
_SLOW_NAMES = frozenset(
    {"run_cli", "serve_site", "serve_datasette", "subprocess", "sync_playwright", "CrawlerProcess"}
)
_SLOW_FIXTURES = frozenset({"demo_site", "demo_archive", "explore_archive", "datasette_url"})


def pytest_configure(config: pytest.Config) -> None:
    """Declare the `slow` marker."""
    config.addinivalue_line("markers", "slow: runs crawls, servers or a browser")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark as `slow` the tests that use servers, crawls or a browser."""
    for item in items:
        module_names = set(vars(item.module)) if getattr(item, "module", None) else set()
        if module_names & _SLOW_NAMES or set(getattr(item, "fixturenames", ())) & _SLOW_FIXTURES:
            item.add_marker(pytest.mark.slow)


def bench_module(name: str) -> ModuleType:
    """A module of `bench/` (a folder of scripts, not a package), imported from its file."""
    spec = importlib.util.spec_from_file_location(
        f"bench_{name}", REPO_ROOT / "bench" / f"{name}.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run_cli(
    *args: str, cwd: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess:
    """Run `newsarchive ARGS...` in a subprocess, as a user would, and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "newsarchive", *args],
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


@contextlib.contextmanager
def serve_datasette(db_path: Path, *options: str, log: Path | None = None) -> Iterator[str]:
    """`newsarchive serve` over `db_path` on a free 127.0.0.1 port; yields its base URL.

    Its output (a line per request) goes to the file `log`, or a temporary file: never to
    a pipe nobody reads while it serves, which would fill and block it."""
    port = free_tcp_port()
    with contextlib.ExitStack() as stack:
        if log is None:
            log = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "datasette.log"
        output = stack.enter_context(log.open("w"))
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "newsarchive", "serve"),
                *("--db", str(db_path), "--port", str(port)),
                *options,
            ],
            cwd=REPO_ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    with urllib.request.urlopen(base + "/-/versions.json", timeout=5):
                        break
                except OSError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"datasette did not start: {log.read_text()}") from None
                    time.sleep(0.2)
            yield base
        finally:
            process.terminate()
            process.wait(timeout=30)


@pytest.fixture(scope="session")
def explore_archive(demo_archive: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the demo archive, named `newsroom.db` (not `archive`, as a user's may not
    be), plus an article whose title and text hold HTML and script, and a demo article
    changed once (shared, read-only)."""
    db_path = tmp_path_factory.mktemp("explore-archive") / "newsroom.db"
    with sqlite3.connect(demo_archive) as source, sqlite3.connect(db_path) as copy:
        source.backup(copy)
    source.close()
    copy.close()
    add_hostile_article(db_path)
    [(url,)] = rows(db_path, "SELECT url FROM articles WHERE url LIKE ?", (f"%/{CHANGED_SLUG}/",))
    change_article(db_path, url)
    return db_path


@pytest.fixture(scope="session")
def datasette_url(explore_archive: Path) -> Iterator[str]:
    """`newsarchive serve` over `explore_archive`, for the whole session."""
    with serve_datasette(explore_archive) as base:
        yield base
