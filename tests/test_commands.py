"""The other ways to run the main job: a sites file, `scrapy crawl news`, `newsarchive demo`."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import REPO_ROOT, free_tcp_port, rows, run_cli


def test_crawl_sites_file(tmp_path: Path, demo_site, demo_content: dict):
    """A sites file names the site; allowed_paths and article_url_pattern narrow the crawl."""
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f"""
[sites.gazette-sport]
start_urls = ["{demo_site.base_url}"]
allowed_paths = ["/category/sport/"]
article_url_pattern = '/20\\d\\d/\\d\\d/\\d\\d/'

[sites.other]
start_urls = ["{demo_site.base_url}category/asia/"]
""",
        encoding="utf-8",
    )
    db = tmp_path / "a.db"
    result = run_cli(
        "crawl", "--sites", str(sites), "--site", "gazette-sport", "--db", str(db), "--no-throttle"
    )
    assert result.returncode == 0, result.stderr
    # Home page links to 10 latest articles of every section; listings only in /category/sport/.
    sport = {a["title"] for a in demo_content["articles"] if a["section"] == "sport"}
    archived = {title for (title,) in rows(db, "SELECT title FROM articles")}
    assert sport <= archived
    assert rows(db, "SELECT DISTINCT site FROM articles") == [("gazette-sport",)]
    assert rows(db, "SELECT site FROM crawl_runs") == [("gazette-sport",)]
    assert not [p for p in demo_site.request_log if p.startswith(("/tag/", "/category/asia/"))]


def test_scrapy_crawl_from_repository_root(tmp_path: Path, demo_site, demo_content: dict):
    """`scrapy crawl news -a url=URL -s ARCHIVE_DB=path` uses the same pipelines."""
    db = tmp_path / "scrapy.db"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "news",
            "-a",
            f"url={demo_site.base_url}",
            "-s",
            f"ARCHIVE_DB={db}",
            "-s",
            "AUTOTHROTTLE_ENABLED=False",
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=16",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert rows(db, "SELECT count(*) FROM articles") == [(len(demo_content["articles"]),)]
    assert rows(db, "SELECT status FROM crawl_runs") == [("ok",)]


def _run_demo(tmp_path: Path, port: int) -> tuple[str, str]:
    """Run `newsarchive demo` until Datasette answers; return its output and Datasette's
    URL. Stops it afterwards."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "newsarchive",
            "demo",
            "--db",
            str(tmp_path / "d.db"),
            "--port",
            str(port),
        ],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        lines: list[str] = []
        while line := process.stdout.readline():
            lines.append(line)
            if line.startswith("Datasette is serving"):
                break
        output = "".join(lines)
        url = output.rsplit("archive at ", 1)[-1].split()[0]
        for _ in range(150):
            try:
                with urllib.request.urlopen(url + "d/articles.json") as response:
                    assert response.status == 200
                return output, url
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"Datasette did not answer: {output}")
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def test_demo_command_crawls_and_serves(tmp_path: Path, demo_content: dict):
    """`newsarchive demo` serves the demo site, crawls it, prints a summary, then serves
    Datasette on the port asked for."""
    port = free_tcp_port()
    output, url = _run_demo(tmp_path, port)
    n = len(demo_content["articles"])
    assert f"articles: {n} new, 0 updated, 0 unchanged, 0 not modified, 0 already" in output
    assert url == f"http://127.0.0.1:{port}/"


def test_demo_picks_another_port_when_taken(tmp_path: Path):
    """If the port is taken, the demo says so and serves on another one."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        output, url = _run_demo(tmp_path, port)
    assert f"Port {port} is taken; using " in output
    assert url.startswith("http://127.0.0.1:") and url != f"http://127.0.0.1:{port}/"


def test_demo_twice_archives_nothing_new(tmp_path: Path, demo_content: dict):
    """Running the demo again finds the articles it archived before: no duplicates."""
    db = str(tmp_path / "d.db")
    first = run_cli("demo", "--db", db, "--no-serve")
    second = run_cli("demo", "--db", db, "--no-serve")
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr
    n = len(demo_content["articles"])
    assert (
        f"articles: 0 new, 0 updated, 0 unchanged, 0 not modified, {n} already archived"
        in second.stdout
    )
    assert rows(Path(db), "SELECT count(*), count(DISTINCT site) FROM articles") == [(n, 1)]
    assert rows(Path(db), "SELECT DISTINCT site FROM articles") == [("demo",)]


def test_crawl_every_site_of_a_sites_file(tmp_path: Path, demo_site, demo_content: dict):
    """Without --site, every site of the file is crawled, each with its own run row."""
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f"""
[sites.asia]
start_urls = ["{demo_site.base_url}category/asia/"]

[sites.sport]
start_urls = ["{demo_site.base_url}category/sport/"]
""",
        encoding="utf-8",
    )
    db = tmp_path / "a.db"
    result = run_cli("crawl", "--sites", str(sites), "--db", str(db), "--no-throttle")
    assert result.returncode == 0, result.stderr
    expected = {
        name: sum(1 for a in demo_content["articles"] if a["section"] == name)
        for name in ("asia", "sport")
    }
    runs = rows(db, "SELECT site, status, articles_new FROM crawl_runs ORDER BY site")
    assert runs == [("asia", "ok", expected["asia"]), ("sport", "ok", expected["sport"])]
    by_site = rows(db, "SELECT site, count(*) FROM articles GROUP BY site ORDER BY site")
    assert by_site == [("asia", expected["asia"]), ("sport", expected["sport"])]
