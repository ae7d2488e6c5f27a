"""Concurrent readers: a real Datasette server (`newsarchive serve`) answers requests in a
loop (table pages, an article page, full-text search, a canned query, JSON) over the
archive that a crawl is writing: no request fails, none says "database is locked", and the
crawl loses nothing.

`Reader` is used by `bench/soak.py` too.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
import urllib.request
from pathlib import Path

from test_extraction_pool import SlowHandler, build_site, wait_for
from test_storage_faults import whole_articles

from conftest import rows, run_cli, serve_datasette
from newsarchive.demo.server import serve_site
from pipelines.archive import Archive

COUNT_SQL = "select count(*) as n from articles"


class Reader(threading.Thread):
    """Requests pages of a served archive in a loop until stopped: the database page, the
    articles table, a search for `search`, the canned search query, the crawl history, JSON
    of the runs and of the latest articles, the page of the latest article, and the
    article count (an SQL query).

    A failure is any request that raises (an HTTP status other than 200, a timeout, a
    refused connection) or whose body says "database is locked"; each is kept in
    `failures`."""

    def __init__(
        self, base: str, database: str, search: str = "benches", timeout: float = 30
    ) -> None:
        super().__init__(name="datasette-reader", daemon=True)
        self.base, self.timeout = f"{base}/{database}", timeout
        self.pages = (  # under the database's URL, besides the latest article's page
            "",  # the database page: every table and its row count
            "/articles",
            f"/articles?_search={search}",
            f"/search_articles?q={search}",
            "/crawl_history",
            "/crawl_runs.json?_shape=array",
        )
        self.stopping = threading.Event()
        self.requests = 0
        self.rounds = 0
        self.failures: list[tuple[str, str]] = []
        self.counts: list[int] = []  # the article count, once a round

    def run(self) -> None:
        """Go round the pages until `stop()`."""
        while not self.stopping.is_set():
            try:
                self.round()
            except Exception as error:  # a page that is not what it should be
                self.failures.append(("(round)", f"{type(error).__name__}: {error}"))
            self.rounds += 1

    def round(self) -> None:
        """Request each page once."""
        for page in self.pages:
            self.get(page)
        latest = json.loads(self.get("/articles.json?_shape=array&_size=5&_sort_desc=id") or "[]")
        if latest:
            self.get(f"/articles/{latest[0]['id']}")
        count = self.get(".json?" + urllib.parse.urlencode({"sql": COUNT_SQL, "_shape": "array"}))
        if count:
            self.counts.append(json.loads(count)[0]["n"])

    def get(self, page: str) -> str | None:
        """The body of `page` (a path under the database's URL); None if it failed."""
        self.requests += 1
        try:
            with urllib.request.urlopen(self.base + page, timeout=self.timeout) as response:
                body = response.read().decode("utf-8")
        except Exception as error:  # every failure counts, whatever it is
            self.failures.append((page, f"{type(error).__name__}: {error}"))
            return None
        if "database is locked" in body:
            self.failures.append((page, "database is locked"))
            return None
        return body

    def stop(self, timeout: float = 120) -> None:
        """Finish the current round, then stop."""
        self.stopping.set()
        self.join(timeout)


# Enough articles that the crawl commits several batches while the reader reads (a
# 150-article site was archived in two commits 0.8 s apart: a reader's round can miss it).
ARTICLES = 600


def test_datasette_serves_while_a_crawl_writes(tmp_path: Path):
    """Datasette answers every request, in a loop from before the crawl starts to after it
    ends, while the crawl writes the archive it serves; it sees the articles arrive, and
    the crawl archives every article of the site, whole, with no error."""
    root = tmp_path / "site"
    paths = build_site(root, ARTICLES)
    db = tmp_path / "archive.db"
    Archive.open(db).close()  # `serve` opens an archive that exists
    log = tmp_path / "datasette.log"
    with (
        serve_site(root, handler_class=SlowHandler) as server,
        serve_datasette(db, log=log) as base,
    ):
        reader = Reader(base, db.stem)
        reader.start()
        try:
            wait_for(lambda: reader.rounds >= 1, timeout=120)
            before = reader.requests
            result = run_cli("crawl", server.base_url, "--db", str(db), "--no-throttle")
            during = reader.requests - before
            rounds = reader.rounds
            wait_for(lambda: reader.rounds >= rounds + 2, timeout=120)  # one whole round after
        finally:
            reader.stop()
        site = {server.base_url.rstrip("/") + path for path in paths}
    assert result.returncode == 0, result.stdout + result.stderr
    assert reader.failures == []
    assert during >= 20  # the reader went on all through the crawl
    assert 0 in reader.counts and reader.counts[-1] == ARTICLES
    assert len(set(reader.counts)) >= 3, reader.counts  # it saw the articles arrive
    output = log.read_text()
    assert "locked" not in output
    assert '" 200 OK' in output
    assert [
        line for line in output.splitlines() if '"GET ' in line and '" 200 OK' not in line
    ] == []
    assert whole_articles(db) == site
    assert rows(db, "SELECT status, articles_new, errors FROM crawl_runs") == [("ok", ARTICLES, 0)]
