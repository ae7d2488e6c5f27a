"""Input is checked before anything is fetched: bad `-s` values, bad sites files and start
URLs are one line and exit 2; start URLs with a default port, an IPv6 or a non-ASCII host
crawl their site; one lock covers every way of writing an archive (`--db`,
`-s ARCHIVE_DB`, `scrapy crawl news`). Real servers on this machine, real archives."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from site_builder import STORIES, ModernSite, write_page, write_robots
from stop_servers import silent_server, wait_for

from conftest import REPO_ROOT, rows, run_cli
from crawler.middlewares.scope import check_url, host_port, site_host_ports
from crawler.pages.urls import InvalidURL, netloc, normalize_url, validate_start_url
from crawler.sites import SiteConfig, site_from_urls
from newsarchive.demo.server import SiteServer, serve_site
from newsarchive.overrides import READ_AS_FLOAT, READ_AS_INT, parse_overrides, project_settings
from pipelines.archive.lock import archive_lock, holds_lock, lock_path

SITE = ModernSite("The Riverside Courier", nav=(("Home", "/"),))
ARTICLE_PATHS = [f"/2024/04/1{n}/story-{n}/" for n in range(3)]
LOOPBACK_RESOLVER = "TWISTED_DNS_RESOLVER=tests.loopback_resolver.LoopbackResolver"
STOP_SECONDS = 10  # a stopping crawl ends within this long


def write_site(root: Path, link_base: str | list[str]) -> None:
    """A home page whose teasers link to three articles by absolute URLs on `link_base`
    (one base for all, or one per article), the articles, and a robots.txt."""
    bases = link_base if isinstance(link_base, list) else [link_base] * len(ARTICLE_PATHS)
    items = [
        (base.rstrip("/") + path, story)
        for base, path, story in zip(bases, ARTICLE_PATHS, STORIES, strict=False)
    ]
    write_page(root, "/", SITE.listing("Latest news", items))
    for path, story in zip(ARTICLE_PATHS, STORIES, strict=False):
        write_page(root, path, SITE.article(story))
    write_robots(root)


def crawl_outcome(db: Path) -> tuple[list[tuple], list[tuple], list[tuple]]:
    """The archive's runs (site, status), article URLs and error rows."""
    return (
        rows(db, "SELECT site, status FROM crawl_runs"),
        rows(db, "SELECT url FROM articles ORDER BY url"),
        rows(db, "SELECT url, kind FROM crawl_errors"),
    )


def error_lines(result: subprocess.CompletedProcess) -> list[str]:
    """The lines the command printed on stderr."""
    return result.stderr.strip().splitlines()


@contextlib.contextmanager
def lock_held(db: Path, running_site: str | None = None) -> Iterator[None]:
    """Another process holds the archive's lock (and, with `running_site`, has a run of
    that site under way in it) for the duration of the block."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from pipelines.archive import Archive\n"
        "from pipelines.archive.lock import archive_lock\n"
        "db = Path(sys.argv[1])\n"
        "with archive_lock(db):\n"
        "    if sys.argv[2]:\n"
        "        archive = Archive.open(db)\n"
        "        archive.start_run(sys.argv[2], [])\n"
        "        archive.close()\n"
        "    print('locked', flush=True)\n"
        "    sys.stdin.read()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(db), running_site or ""],
        cwd=REPO_ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        yield
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
        holder.stdout.close()


def scrapy_crawl(*args: str) -> subprocess.Popen:
    """`scrapy crawl news ARGS...` from the repository root, as its README shows."""
    return subprocess.Popen(
        [sys.executable, "-m", "scrapy", "crawl", "news", *args],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


# Bad -s values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pair", "reason"),
    [
        ("DEPTH_LIMIT=abc", "not an integer"),
        ("DEPTH_LIMIT=-1", "must not be negative"),
        ("RETRY_TIMES=1.5", "not an integer"),
        ("DOWNLOAD_TIMEOUT=soon", "not a number"),
        ("CONCURRENT_REQUESTS_PER_DOMAIN=0", "must be at least 1"),
        ("BOILERPLATE_ENABLED=maybe", "not a boolean (use True or False)"),
        ("BOILERPLATE_SHARE=nan", "not a finite number"),
        ("NEWS_MAX_ARTICLES=many", "not an integer"),
        ("EXTRACT_WORKERS=two", "not an integer"),
        ("EXTENSIONS=abc", 'not a JSON object such as {"a.B": 100}'),
        ("LOG_LEVEL=LOUD", "not a log level"),
    ],
)
def test_bad_setting_value(tmp_path: Path, demo_site: SiteServer, pair: str, reason: str):
    """A value the setting cannot take: one line naming the option, the setting and the
    reason, exit 2, nothing fetched, no archive."""
    db = tmp_path / "a.db"
    result = run_cli("crawl", demo_site.base_url, "--db", str(db), "-s", pair)
    assert result.returncode == 2, result.stderr
    [line] = error_lines(result)
    assert line.startswith(f"Error: -s {pair}: {reason}")
    assert demo_site.request_log == []
    assert not db.exists()


def test_good_setting_values_pass():
    """Values of the right kind pass: fractions for settings read as floats, negative
    priorities, booleans as Scrapy writes them, JSON objects, any string."""
    pairs = [
        "DOWNLOAD_DELAY=0.02",
        "DOWNLOAD_TIMEOUT=2.5",
        "REVISIT_OLD_EVERY_DAYS=0.0000001",
        "DEPTH_LIMIT=0",
        "DEPTH_PRIORITY=-1",
        "AUTOTHROTTLE_ENABLED=False",
        "BOILERPLATE_ENABLED=1",
        'EXTENSIONS={"scrapy.extensions.logstats.LogStats": null}',
        "USER_AGENT=newsarchive/0.1 (+mailto:desk@example.org)",
        "EXTRACT_WORKERS=0",
    ]
    assert parse_overrides(pairs) == dict(pair.split("=", 1) for pair in pairs)


def _settings_read(method: str) -> set[str]:
    """The settings the project's code reads with `settings.<method>("NAME"...)`."""
    pattern = re.compile(rf'\.{method}\(\s*"([A-Z0-9_]+)"')
    names: set[str] = set()
    for folder in ("newsarchive", "crawler", "pipelines"):
        for path in (REPO_ROOT / folder).rglob("*.py"):
            names.update(pattern.findall(path.read_text(encoding="utf-8")))
    return names


def test_setting_types_match_how_the_code_reads_them():
    """The check takes a setting's type from its default: every setting the project reads
    as a float has a float default or is listed as read as one, and every setting read as
    an integer has an integer default or is listed as read as one."""
    defaults = project_settings()
    for name in _settings_read("getfloat"):
        default = defaults.get(name)
        assert isinstance(default, float) or name in READ_AS_FLOAT, name
    for name in _settings_read("getint"):
        default = defaults.get(name)
        assert name in READ_AS_INT or (
            isinstance(default, int) and not isinstance(default, bool)
        ), name


def test_unknown_setting_is_a_warning(tmp_path: Path, demo_site: SiteServer):
    """A setting neither Scrapy nor newsarchive has (a typo, most likely) is one warning
    line; the crawl goes on."""
    db = tmp_path / "a.db"
    result = run_cli(
        "crawl",
        demo_site.base_url,
        "--db",
        str(db),
        "--no-throttle",
        "--max-articles",
        "1",
        "-s",
        "DEPTH_LIMT=3",
    )
    assert result.returncode == 0, result.stderr
    assert "Warning: -s DEPTH_LIMT: no such setting in Scrapy or newsarchive" in error_lines(result)
    assert rows(db, "SELECT status FROM crawl_runs") == [("ok",)]


# Sites files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "reason"),
    [
        ('start_url = "{url}"\n', "unknown key(s) start_url"),
        ('start_urls = "{url}"\n', "start_urls must be a list of strings"),
        ('start_urls = ["{url}"]\nrevisit_recent_days = "3"\n', "revisit_recent_days must be"),
        ('start_urls = ["{url}"]\nfollow_article_links = 1\n', "follow_article_links must be"),
        ('start_urls = ["{url}"]\nfeeds = ["feed.xml"]\n', "feeds: 'feed.xml' is not an http(s)"),
        (
            'start_urls = ["{url}"]\nsitemaps = ["http://editor:secret@{host}/sitemap.xml"]\n',
            "sitemaps: 'http://editor:***@{host}/sitemap.xml' holds a user name or password",
        ),
        ('start_urls = ["http://-bad.example/"]\n', "start_urls: 'http://-bad.example/' has no"),
        ('start_urls = ["{url}"]\nextra_hosts = ["cdn.example.com/x"]\n', "extra_hosts entry"),
    ],
    ids=[
        "unknown-key",
        "wrong-type",
        "revisit-string",
        "boolean-number",
        "relative-feed",
        "password",
        "bad-host",
        "bad-extra-host",
    ],
)
def test_bad_sites_file(tmp_path: Path, demo_site: SiteServer, table: str, reason: str):
    """A sites file with a bad entry: one line naming the file, the site, the key and the
    reason, exit 2, nothing fetched, no archive."""
    host = demo_site.base_url.split("/")[2]
    sites = tmp_path / "sites.toml"
    text = table.format(url=demo_site.base_url, host=host)
    sites.write_text(f"[sites.courier]\n{text}", encoding="utf-8")
    db = tmp_path / "a.db"
    result = run_cli("crawl", "--sites", str(sites), "--db", str(db))
    assert result.returncode == 2, result.stderr
    [line] = error_lines(result)
    assert line.startswith(f"Error: {sites}: [sites.courier]: {reason.format(host=host)}")
    assert "secret" not in result.stderr
    assert demo_site.request_log == []
    assert not db.exists()


def test_unknown_top_level_key_in_sites_file(tmp_path: Path, demo_site: SiteServer):
    """A table besides [sites.NAME] (a misspelt one, say) is an error, not ignored."""
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f'[sites.courier]\nstart_urls = ["{demo_site.base_url}"]\n[site.other]\nfeeds = []\n',
        encoding="utf-8",
    )
    result = run_cli("crawl", "--sites", str(sites), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert error_lines(result) == [
        f"Error: {sites}: unknown key(s) site (a sites file holds [sites.NAME] tables only)"
    ]
    assert demo_site.request_log == []


# Start URLs ------------------------------------------------------------------------------


def test_start_url_with_credentials_is_refused(tmp_path: Path, demo_site: SiteServer):
    """A user name and password in a start URL: refused (the crawler never logs in, and
    the password must not travel to any host or into the archive), the password masked
    in the one line, exit 2, nothing fetched."""
    host = demo_site.base_url.split("/")[2]
    db = tmp_path / "a.db"
    result = run_cli("crawl", f"http://editor:secret@{host}/", "--db", str(db))
    assert result.returncode == 2
    assert error_lines(result) == [
        f"Error: 'http://editor:***@{host}/' holds a user name or password: newsarchive does "
        "not log in to sites (remove the part before '@')"
    ]
    assert "secret" not in result.stdout + result.stderr
    assert demo_site.request_log == []
    assert not db.exists()


@contextlib.contextmanager
def serve_on_port(root: Path, port: int) -> Iterator[SiteServer | None]:
    """Serve `root` on 127.0.0.1:`port`; None if that port cannot be had here."""
    try:
        server = SiteServer(root, "127.0.0.1", port)
    except OSError as error:
        if error.errno not in (errno.EACCES, errno.EADDRINUSE):
            raise
        yield None
        return
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_explicit_default_port_is_the_same_host(tmp_path: Path):
    """`http://127.0.0.1:80/` is the host `http://127.0.0.1/`: the site's pages, linked
    without the port, are followed and archived under one host name, none twice."""
    root = tmp_path / "site"
    write_site(root, "http://127.0.0.1/")
    expected = [(f"http://127.0.0.1{path}",) for path in ARTICLE_PATHS]
    with serve_on_port(root, 80) as server:
        if server is None:  # port 80 is not ours to bind: the same, as units
            site = site_from_urls(["http://127.0.0.1:80/"])
            assert (site.name, site.start_urls) == ("127.0.0.1", ["http://127.0.0.1/"])
            assert netloc("http://127.0.0.1" + ARTICLE_PATHS[0]) in site.hosts
            return
        db = tmp_path / "a.db"
        result = run_cli("crawl", "http://127.0.0.1:80/", "--db", str(db), "--no-throttle")
        log = list(server.request_log)
    assert result.returncode == 0, result.stdout + result.stderr
    assert crawl_outcome(db) == ([("127.0.0.1", "ok")], expected, [])
    assert sorted(path for path in log if path in ARTICLE_PATHS) == ARTICLE_PATHS


def test_default_ports_as_units():
    """`:443` on https and `:80` on http are dropped from start URLs, URL identities and
    host names; another port is another host."""
    assert validate_start_url("https://Example.com:443/news/") == "https://example.com/news/"
    assert validate_start_url("http://example.com:80/") == "http://example.com/"
    assert validate_start_url("http://example.com:443/") == "http://example.com:443/"
    assert normalize_url("https://example.com:443/a/") == normalize_url("https://example.com/a/")
    site = site_from_urls(["https://www.example.com:443/news/"])
    assert (site.name, site.hosts) == ("www.example.com", {"www.example.com"})
    for link in ("https://www.example.com/news/a/", "https://www.example.com:443/news/b/"):
        assert netloc(link) in site.hosts
        check_url(link, site_host_ports(site.hosts))
    assert netloc("https://www.example.com:8443/") not in site.hosts


class IPv6SiteServer(SiteServer):
    """The test site server, listening on an IPv6 address."""

    address_family = socket.AF_INET6


def test_ipv6_host(tmp_path: Path):
    """`http://[::1]:PORT/`: the site on the IPv6 loopback is crawled and archived, its
    hosts written in brackets, links with and without the port's brackets matched."""
    root = tmp_path / "site"
    try:
        server = IPv6SiteServer(root, "::1", 0)
    except OSError:  # no IPv6 on this machine: the same, as units
        site = site_from_urls(["http://[::1]:8765/"])
        assert (site.name, site.hosts) == ("[::1]:8765", {"[::1]:8765"})
        assert host_port("http://[0:0::1]:8765/a") == ("[::1]", 8765)
        check_url("http://[::1]:8765/a", site_host_ports(site.hosts))
        return
    port = server.server_address[1]
    base = f"http://[::1]:{port}/"
    write_site(root, [base, f"http://[0:0::1]:{port}/", base])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        db = tmp_path / "a.db"
        result = run_cli("crawl", base, "--db", str(db), "--no-throttle")
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
    assert result.returncode == 0, result.stdout + result.stderr
    expected = [(f"http://[::1]:{port}{path}",) for path in ARTICLE_PATHS]
    assert crawl_outcome(db) == ([(f"[::1]:{port}", "ok")], expected, [])


def test_non_ascii_host(tmp_path: Path):
    """`http://Bücher.example:PORT/`: the host is requested in punycode (a test resolver
    sends every name to 127.0.0.1), links written either way are the site's, and the
    archive names the host in punycode."""
    root = tmp_path / "site"
    with serve_site(root) as server:
        port = server.server_address[1]
        unicode_base = f"http://bücher.example:{port}/"
        write_site(root, [unicode_base, f"http://xn--bcher-kva.example:{port}/", unicode_base])
        db = tmp_path / "a.db"
        result = run_cli(
            "crawl",
            f"http://Bücher.example:{port}/",
            "--db",
            str(db),
            "--no-throttle",
            "-s",
            LOOPBACK_RESOLVER,
        )
        log = list(server.request_log)
    assert result.returncode == 0, result.stdout + result.stderr
    site = f"xn--bcher-kva.example:{port}"
    expected = [(f"http://{site}{path}",) for path in ARTICLE_PATHS]
    assert crawl_outcome(db) == ([(site, "ok")], expected, [])
    assert rows(db, "SELECT start_urls FROM crawl_runs") == [(f'["http://{site}/"]',)]
    assert sorted(path for path in log if path in ARTICLE_PATHS) == ARTICLE_PATHS


def test_non_ascii_hosts_as_units():
    """A non-ASCII host is punycode everywhere hosts are compared; a bad one is refused."""
    assert validate_start_url("http://Bücher.example/ä/") == "http://xn--bcher-kva.example/%C3%A4/"
    assert netloc("http://bücher.example:8080/") == "xn--bcher-kva.example:8080"
    assert host_port("https://BÜCHER.example/") == ("xn--bcher-kva.example", 443)
    site = SiteConfig(name="b", start_urls=["http://b.example/"], extra_hosts=["Bücher.example"])
    assert site.hosts == {"b.example", "xn--bcher-kva.example"}
    with pytest.raises(InvalidURL, match="has no valid host name"):
        validate_start_url("http://a..example/")


# One lock for every way of writing an archive -----------------------------------------


def test_lock_is_reentrant_in_one_process(tmp_path: Path):
    """A process holding an archive's lock may enter it again (the crawl's extension does,
    under `newsarchive crawl`): leaving the inner block releases nothing, leaving the
    outer one releases the lock; another path to the same file is the same lock."""
    db = tmp_path / "a.db"

    def held_by_anyone() -> bool:
        fd = os.open(lock_path(db), os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing it releases a lock taken here
        return False

    with archive_lock(db):
        with archive_lock(tmp_path / "." / "a.db"):
            assert holds_lock(db)
        assert holds_lock(db) and held_by_anyone()
    assert not holds_lock(db) and not held_by_anyone()


def test_archive_db_setting_is_the_archive(tmp_path: Path, demo_site: SiteServer):
    """`-s ARCHIVE_DB=PATH` alone names the archive, as `--db` does: that file is written
    (not `archive.db`), and its lock is the one taken: held elsewhere, the crawl does not
    start (exit 75, nothing fetched)."""
    other = tmp_path / "other.db"
    args = ("crawl", demo_site.base_url, "--no-throttle", "--max-articles", "1")
    with lock_held(other):
        locked = run_cli(*args, "-s", f"ARCHIVE_DB={other}", cwd=tmp_path)
    assert locked.returncode == 75, locked.stderr
    assert demo_site.request_log == []
    result = run_cli(*args, "-s", f"ARCHIVE_DB={other}", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert rows(other, "SELECT status FROM crawl_runs") == [("ok",)]
    assert not (tmp_path / "archive.db").exists()


def test_archive_db_setting_conflicting_with_db(tmp_path: Path, demo_site: SiteServer):
    """`--db a.db -s ARCHIVE_DB=b.db` names two archives: one line, exit 2, nothing
    fetched, neither created; the same file twice is fine."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    result = run_cli("crawl", demo_site.base_url, "--db", str(a), "-s", f"ARCHIVE_DB={b}")
    assert result.returncode == 2
    assert error_lines(result) == [
        f"Error: -s ARCHIVE_DB={b}: another archive than --db {a}; give one of them"
    ]
    assert demo_site.request_log == []
    assert not a.exists() and not b.exists()
    same = run_cli(
        "crawl",
        demo_site.base_url,
        "--db",
        str(a),
        "-s",
        f"ARCHIVE_DB={a}",
        "--no-throttle",
        "--max-articles",
        "1",
    )
    assert same.returncode == 0, same.stderr
    assert rows(a, "SELECT status FROM crawl_runs") == [("ok",)]


def test_scrapy_crawl_refused_while_another_process_writes(tmp_path: Path, demo_site: SiteServer):
    """`scrapy crawl news` on an archive another process is writing to: a log line saying
    so, the spider closed (`archive_locked`) before fetching anything, and the other
    process's live run left `running` (not marked interrupted), no run added."""
    db = tmp_path / "a.db"
    site = demo_site.base_url.split("/")[2]
    with lock_held(db, running_site=site):
        process = scrapy_crawl("-a", f"url={demo_site.base_url}", "-s", f"ARCHIVE_DB={db}")
        _, log = process.communicate(timeout=60)
    assert f"is writing to {db}; this run did not start" in log
    assert "Closing spider (archive_locked)" in log
    assert "Traceback" not in log
    assert demo_site.request_log == []
    assert rows(db, "SELECT site, status FROM crawl_runs") == [(site, "running")]


def test_scrapy_crawl_holds_the_lock(tmp_path: Path, demo_site: SiteServer):
    """While `scrapy crawl news` writes to an archive, `newsarchive crawl` of it does not
    start (exit 75, nothing fetched); SIGTERM ends the Scrapy crawl within 10 s, its run
    `interrupted`."""
    db = tmp_path / "a.db"
    with silent_server() as (port, accepted):
        process = scrapy_crawl("-a", f"url=http://127.0.0.1:{port}/", "-s", f"ARCHIVE_DB={db}")
        try:
            wait_for(lambda: accepted)
            other = run_cli("crawl", demo_site.base_url, "--db", str(db), "--no-throttle")
            process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            _, log = process.communicate(timeout=60)
            seconds = time.monotonic() - signalled
        finally:
            if process.poll() is None:
                process.kill()
                process.communicate()
    assert other.returncode == 75, other.stderr
    assert "this run did not start" in other.stderr
    assert demo_site.request_log == []
    assert seconds < STOP_SECONDS, log
    assert rows(db, "SELECT site, status FROM crawl_runs") == [(f"127.0.0.1:{port}", "interrupted")]
