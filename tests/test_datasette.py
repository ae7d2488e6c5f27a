"""`newsarchive serve`: the real Datasette server over an archive of the demo site, over HTTP."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import markupsafe
import pytest

from conftest import REPO_ROOT, free_tcp_port, rows

SEED_TITLE = "South Korea to ‘normalise’ military pact with Japan after Tokyo summit"


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode("utf-8")


@pytest.fixture(scope="module")
def datasette_url(demo_archive: Path) -> Iterator[str]:
    """`newsarchive serve` on a free port, until the module's tests are done."""
    port = free_tcp_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "crawler", "serve", "--db", str(demo_archive), "--port", str(port)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(base + "/-/versions.json")
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"datasette did not start: {process.stdout.read()}")  # noqa: B904
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_articles_table_lists_demo_articles(datasette_url: str, demo_archive: Path):
    """The articles table page shows every archived article's title."""
    page = _get(datasette_url + "/archive/articles?_size=100")
    titles = [title for (title,) in rows(demo_archive, "SELECT title FROM articles")]
    assert len(titles) >= 40
    for title in titles:
        assert _html_escape(title) in page


def test_articles_sorted_by_published_desc(datasette_url: str, demo_archive: Path):
    """The default order of the articles table is newest first."""
    data = json.loads(_get(datasette_url + "/archive/articles.json?_shape=array&_size=5"))
    expected = rows(demo_archive, "SELECT id FROM articles ORDER BY published DESC LIMIT 5")
    assert [row["id"] for row in data] == [id_ for (id_,) in expected]


def test_full_text_search_finds_seed(datasette_url: str):
    """A phrase of the seed article, searched in the articles table, returns it."""
    query = urllib.parse.quote('"intelligence-sharing pact"')
    data = json.loads(_get(datasette_url + f"/archive/articles.json?_search={query}&_shape=array"))
    assert [row["title"] for row in data] == [SEED_TITLE]
    page = _get(datasette_url + f"/archive/articles?_search={query}")
    assert _html_escape(SEED_TITLE) in page


def test_facets_configured(datasette_url: str, demo_archive: Path):
    """Section, site, authors and published-date facets are shown with the right counts."""
    data = json.loads(_get(datasette_url + "/archive/articles.json"))
    facets = data["facet_results"]
    if "results" in facets:  # Datasette 1.0 nests them
        facets = facets["results"]
    assert {"section", "site", "authors", "published"} <= set(facets)
    counts = {f["value"]: f["count"] for f in facets["section"]["results"]}
    expected = dict(rows(demo_archive, "SELECT section, count(*) FROM articles GROUP BY section"))
    assert counts == expected


def test_latest_articles_query(datasette_url: str, demo_archive: Path):
    """The canned query lists the newest articles first."""
    data = json.loads(_get(datasette_url + "/archive/latest_articles.json?_shape=array"))
    expected = rows(demo_archive, "SELECT title FROM articles ORDER BY published DESC LIMIT 50")
    assert [row["title"] for row in data] == [title for (title,) in expected]


def test_listens_on_loopback_only(datasette_url: str):
    """Datasette binds to 127.0.0.1 by default."""
    assert datasette_url.startswith("http://127.0.0.1:")
    data = json.loads(_get(datasette_url + "/-/settings.json"))
    assert data["sql_time_limit_ms"] == 3000


def _html_escape(text: str) -> str:
    """`text` as Datasette's templates (Jinja with markupsafe) write it in HTML."""
    return str(markupsafe.escape(text))
