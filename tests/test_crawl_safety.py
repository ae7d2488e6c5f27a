"""Crawler safety: a crawl never leaves the site (no local files, no other schemes, no
other hosts or ports, not even through a redirected start URL), obeys each host's
robots.txt, and is never held up by a server that does not answer. Real servers on
127.0.0.1; the crawls run through the CLI."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from scrapy import Request
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from conftest import REPO_ROOT, rows, run_cli
from crawler.items import CrawlError
from crawler.middlewares.scope import (
    OffsiteRequest,
    ScopeMiddleware,
    check_url,
    host_port,
    site_host_ports,
)
from crawler.pages.urls import is_fetchable
from crawler.sites import SitesFileError, load_sites, site_from_urls
from crawler.spiders.news import NewsSpider
from newsarchive.demo.server import SiteRequestHandler, SiteServer, serve_site
from pipelines.archive import Archive

SECRET = "LOCAL-FILE-MARKER-5f3a9c"  # in a local file that a crawl must never read
DATA_SECRET = "DATA-URL-MARKER-81c2d7"  # in a data: URL that must never be "fetched"
STORY = (
    "The harbour board approved a second ferry berth on Tuesday, saying passenger numbers "
    "had doubled since the route to the islands was extended."
)
ARTICLE = "/2024/05/02/ferry-berth-approved/"
TIMEOUT = 6  # DOWNLOAD_TIMEOUT (seconds) of the stop-signal test


def article_html(title: str) -> str:
    """A small article page that declares itself with OpenGraph."""
    body = "".join(f"<p>{STORY} ({title}, part {n}).</p>" for n in range(4))
    return f"""<!DOCTYPE html><html lang="en"><head><title>{title}</title>
<meta property="og:type" content="article">
<meta property="article:published_time" content="2024-05-02T09:00:00+02:00">
</head><body><article><h1>{title}</h1><div class="entry-content">{body}</div></article>
</body></html>"""


def home_html(hrefs: list[str]) -> str:
    """A home page whose main part links to each of `hrefs`."""
    items = "".join(f"<li><a href='{href}'>Link {n}</a></li>" for n, href in enumerate(hrefs))
    return (
        "<html><head><meta property='og:type' content='website'></head>"
        f"<body><main><ul>{items}</ul></main></body></html>"
    )


def sitemap_xml(urls: list[str]) -> str:
    """A sitemap listing `urls`."""
    entries = "".join(f"<url><loc>{url}</loc></url>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
    )


def write(root: Path, path: str, text: str) -> None:
    """Write a page at URL `path` (a folder URL gets an index.html)."""
    relative = path.strip("/")
    target = root / relative / "index.html" if path.endswith("/") else root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")


def port_of(server: SiteServer) -> int:
    """The port a test server listens on."""
    return server.server_address[1]


class RedirectHandler(SiteRequestHandler):
    """Answers `/go/` with a 302 to the server's `redirect_to` URL; serves the rest."""

    def send_head(self):  # type: ignore[no-untyped-def]
        """Redirect `/go/`, serve anything else as usual."""
        if self.path.startswith("/go/"):
            self.send_response(302)
            self.send_header("Location", self.server.redirect_to)  # type: ignore[attr-defined]
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        return super().send_head()


@contextmanager
def silent_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers; yields its
    port and the connections it accepted."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, name="silent-server", daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        thread.join()
        for connection in accepted:
            connection.close()
        listener.close()


def archive_text(db: Path) -> str:
    """Everything the archive holds as text: the database file, its articles, and its
    pages' HTML (stored compressed)."""
    raw = db.read_bytes().decode("latin-1")
    articles = rows(db, "SELECT url, title, text, description FROM articles")
    with closing(Archive.open(db)) as archive:
        pages = [archive.page_html(row).decode("latin-1") for row in archive.db["pages"].rows]
    return "\n".join([raw, repr(articles), *pages])


def test_crawl_never_leaves_the_site(tmp_path: Path):
    """Links to local files (file://HOST:PORT/... and file:///...), ftp:, data:,
    javascript:, mailto: and tel:, to another port and to another host name, file: and
    ftp: URLs in robots.txt and a sitemap, and a start URL that redirects to another
    port: only the site's http pages are fetched, nothing of the local file is archived,
    the redirect is one `offsite` error and the other links none."""
    secret = tmp_path / "secret-story.html"  # an article, that would be archived if read
    secret.write_text(article_html(f"Secret {SECRET}"), encoding="utf-8")
    site, other = tmp_path / "site", tmp_path / "other"
    write(site, ARTICLE, article_html("Ferry berth approved"))
    write(other, "/landing/", home_html(["/2024/05/03/other-port-story/"]))
    write(other, "/2024/05/03/other-port-story/", article_html("Other port story"))
    with (
        serve_site(site, handler_class=RedirectHandler) as server,
        serve_site(other) as second,
    ):
        port, port2 = port_of(server), port_of(second)
        server.redirect_to = f"http://127.0.0.1:{port2}/landing/"  # type: ignore[attr-defined]
        local = f"file://127.0.0.1:{port}"  # a file: URL that passes a host check
        write(
            site,
            "/robots.txt",
            f"User-agent: *\nAllow: /\nSitemap: {server.base_url}sitemap.xml\n"
            f"Sitemap: {local}{secret}\nSitemap: ftp://127.0.0.1:{port}/sitemap.xml\n",
        )
        write(site, "/sitemap.xml", sitemap_xml([f"{local}/2024/05/02/local-file-story/"]))
        write(
            site,
            "/",
            home_html(
                [
                    ARTICLE,
                    f"{local}{secret}",
                    f"{local}/2024/05/02/local-file-story/",
                    f"file://{secret}",
                    f"ftp://127.0.0.1:{port}/x",
                    f"data:text/html,<p>{DATA_SECRET}</p>",
                    "javascript:void(0)",
                    "mailto:newsroom@example.org",
                    "tel:+441632960000",
                    "callto:newsroom",
                    f"http://127.0.0.1:{port2}/2024/05/03/other-port-story/",
                    f"http://localhost:{port}/2024/05/04/other-host-story/",
                    f"http://localhost:{port2}/2024/05/04/other-host-story/",
                ]
            ),
        )
        db = tmp_path / "a.db"
        result = run_cli(
            "crawl", server.base_url, server.base_url + "go/", "--db", str(db), "--no-throttle"
        )
        log, log2 = list(server.request_log), list(second.request_log)
    assert result.returncode == 0, result.stdout + result.stderr
    assert log2 == []  # not even its robots.txt
    assert ARTICLE in log
    assert "/go/" in log
    assert "/sitemap.xml" in log
    assert not [path for path in log if "other-host-story" in path or "local-file" in path]
    assert rows(db, "SELECT url FROM articles") == [(server.base_url + ARTICLE[1:],)]
    assert SECRET not in archive_text(db)
    assert DATA_SECRET not in archive_text(db)
    errors = rows(db, "SELECT url, kind, message FROM crawl_errors")
    assert len(errors) == 1, errors
    [(url, kind, message)] = errors
    assert (url, kind) == (server.base_url + "go/", "offsite")
    assert f"127.0.0.1:{port2}" in message


def test_start_url_redirected_off_site_fails_the_run(tmp_path: Path):
    """A crawl whose only start URL redirects to another host archives nothing from it
    and fails, saying where it was sent."""
    site = tmp_path / "site"
    write(site, "/index.html", "<html><body>home</body></html>")
    with serve_site(site, handler_class=RedirectHandler) as server, serve_site(site) as second:
        server.redirect_to = second.base_url + "news/"  # type: ignore[attr-defined]
        db = tmp_path / "a.db"
        result = run_cli("crawl", server.base_url + "go/", "--db", str(db), "--no-throttle")
        log2 = list(second.request_log)
    assert result.returncode == 1, result.stdout + result.stderr
    assert log2 == []
    [(status, error)] = rows(db, "SELECT status, error FROM crawl_runs")
    assert status == "failed"
    assert f"127.0.0.1:{port_of(second)}" in error
    assert rows(db, "SELECT kind FROM crawl_errors") == [("offsite",)]


def test_robots_txt_obeyed_on_every_host(tmp_path: Path):
    """Each host of a site (a start URL's and an `extra_hosts` one on another port) has
    its own robots.txt fetched and obeyed: disallowed paths are never requested."""
    site, other = tmp_path / "site", tmp_path / "other"
    write(site, "/robots.txt", "User-agent: *\nDisallow: /private/\n")
    write(site, ARTICLE, article_html("Ferry berth approved"))
    write(site, "/private/2024/05/02/private-story/", article_html("Private story"))
    write(other, "/robots.txt", "User-agent: *\nDisallow: /members/\n")
    write(other, "/2024/05/03/other-port-story/", article_html("Other port story"))
    write(other, "/members/2024/05/03/members-story/", article_html("Members story"))
    with serve_site(site) as server, serve_site(other) as second:
        write(
            site,
            "/",
            home_html(
                [
                    ARTICLE,
                    "/private/2024/05/02/private-story/",
                    second.base_url + "2024/05/03/other-port-story/",
                    second.base_url + "members/2024/05/03/members-story/",
                ]
            ),
        )
        sites = tmp_path / "sites.toml"
        sites.write_text(
            f'[sites.harbour]\nstart_urls = ["{server.base_url}"]\n'
            f'extra_hosts = ["127.0.0.1:{port_of(second)}"]\n',
            encoding="utf-8",
        )
        db = tmp_path / "a.db"
        result = run_cli("crawl", "--sites", str(sites), "--db", str(db), "--no-throttle")
        log, log2 = list(server.request_log), list(second.request_log)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "/robots.txt" in log
    assert "/robots.txt" in log2
    assert not [path for path in log if path.startswith("/private/")]
    assert not [path for path in log2 if path.startswith("/members/")]
    assert set(rows(db, "SELECT url FROM articles")) == {
        (server.base_url + ARTICLE[1:],),
        (second.base_url + "2024/05/03/other-port-story/",),
    }


def stuck_site(
    tmp_path: Path, site: Path, server: SiteServer, silent_port: int
) -> tuple[str, Path]:
    """A home page linking to the article and to a story on the silent server, which the
    sites file makes a host of the site: (the stuck story's URL, the sites file)."""
    stuck = f"http://127.0.0.1:{silent_port}/2024/05/06/stuck-story/"
    write(site, "/", home_html([ARTICLE, stuck]))
    sites = tmp_path / "sites.toml"
    sites.write_text(
        f'[sites.harbour]\nstart_urls = ["{server.base_url}"]\n'
        f'extra_hosts = ["127.0.0.1:{silent_port}"]\n',
        encoding="utf-8",
    )
    return stuck, sites


def test_server_that_never_answers_times_out(tmp_path: Path):
    """A page links to a host of the site that accepts connections and never answers:
    the crawl ends soon after its download timeout, with a `timeout` error for it."""
    site = tmp_path / "site"
    write(site, ARTICLE, article_html("Ferry berth approved"))
    with serve_site(site) as server, silent_server() as (silent_port, accepted):
        stuck, sites = stuck_site(tmp_path, site, server, silent_port)
        db = tmp_path / "a.db"
        started = time.monotonic()
        result = run_cli(
            *("crawl", "--sites", str(sites), "--db", str(db), "--no-throttle"),
            *("-s", "DOWNLOAD_TIMEOUT=2", "-s", "RETRY_TIMES=0"),
            timeout=120,
        )
        seconds = time.monotonic() - started
        connections = len(accepted)
    assert result.returncode == 0, result.stdout + result.stderr
    assert connections >= 1  # the request did reach the silent server
    assert seconds < 60
    assert rows(db, "SELECT url, kind FROM crawl_errors") == [(stuck, "timeout")]
    assert rows(db, "SELECT url FROM articles") == [(server.base_url + ARTICLE[1:],)]


def test_stop_signal_ends_a_crawl_held_by_a_silent_server(tmp_path: Path):
    """SIGTERM while a request waits on a server that never answers: the crawl stops
    within about one download timeout (not after every retry of that host's robots.txt
    and then the request itself), and the run is marked interrupted."""
    site = tmp_path / "site"
    write(site, ARTICLE, article_html("Ferry berth approved"))
    with serve_site(site) as server, silent_server() as (silent_port, accepted):
        _, sites = stuck_site(tmp_path, site, server, silent_port)
        db = tmp_path / "a.db"
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "newsarchive", "crawl", "--sites", str(sites)),
                *("--db", str(db), "--no-throttle", "-s", f"DOWNLOAD_TIMEOUT={TIMEOUT}"),
            ],
            cwd=REPO_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not accepted and time.monotonic() < deadline:
            time.sleep(0.05)
        assert accepted, "the crawl never reached the silent server"
        process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        stdout, stderr = process.communicate(timeout=120)
        seconds = time.monotonic() - signalled
    assert process.returncode == 1, stdout + stderr
    assert seconds < 2 * TIMEOUT, stdout + stderr  # 4 timeouts without the stop guard
    assert rows(db, "SELECT status FROM crawl_runs") == [("interrupted",)]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://example.com/", True),
        ("https://example.com:8443/a?b=c", True),
        ("HTTP://Example.COM/", True),
        ("http://[::1]:8080/", True),
        ("javascript:void(0)", False),
        ("JavaScript:alert(1)", False),
        ("mailto:editor@example.com", False),
        ("tel:+441632960000", False),
        ("callto:editor", False),
        ("data:text/html,<p>hi</p>", False),
        ("file:///etc/passwd", False),
        ("file://127.0.0.1:8080/etc/passwd", False),
        ("ftp://example.com/x", False),
        ("s3://bucket/key", False),
        ("/relative/path", False),
        ("http:///no-host", False),
        ("http://example.com:99999/", False),
        ("http://example.com:port/", False),
        ("", False),
    ],
)
def test_is_fetchable(url: str, expected: bool):
    """Only absolute http(s) URLs with a host and a valid port are fetchable."""
    assert is_fetchable(url) is expected


def test_host_port_uses_default_ports():
    """A URL's host is lower-cased and its port is the scheme's default if none is
    written; other schemes have none."""
    assert host_port("http://Example.com/a") == ("example.com", 80)
    assert host_port("https://example.com/a") == ("example.com", 443)
    assert host_port("http://example.com:8080/") == ("example.com", 8080)
    assert host_port("http://[::1]:8080/") == ("[::1]", 8080)
    assert host_port("http://example.com./") == ("example.com", 80)
    assert host_port("file://example.com/etc/passwd") is None
    assert host_port("mailto:a@example.com") is None


@pytest.mark.parametrize(
    ("url", "allowed"),
    [
        ("http://example.com/a", True),
        ("http://example.com:80/a", True),
        ("https://example.com/a", True),
        ("https://example.com:443/a", True),
        ("http://EXAMPLE.com/a", True),
        ("http://127.0.0.1:8000/x", True),
        ("http://cdn.example.com/x", True),
        ("http://www.example.com/a", False),  # no subdomains
        ("http://sub.cdn.example.com/x", False),
        ("http://example.org/a", False),
        ("http://example.com:8080/a", False),  # another port
        ("http://127.0.0.1:8001/x", False),
        ("http://localhost:8000/x", False),  # another name for the same machine
        ("http://example.com.evil.test/a", False),
        ("http://evil.test/?example.com", False),
        ("http://example.com@evil.test/", False),
    ],
)
def test_host_matching(url: str, allowed: bool):
    """A request is in scope only for exactly one of the site's hosts and ports."""
    hosts = site_host_ports({"example.com", "127.0.0.1:8000", "cdn.example.com"})
    if allowed:
        check_url(url, hosts)
    else:
        with pytest.raises(OffsiteRequest) as raised:
            check_url(url, hosts)
        assert raised.value.reason == "host"


def test_site_host_with_explicit_port():
    """A site host written with a port allows that port only (a default one included)."""
    hosts = site_host_ports({"example.com:8080", "secure.example.com:443"})
    check_url("http://example.com:8080/", hosts)
    check_url("https://secure.example.com/", hosts)
    for url in ("http://example.com/", "http://secure.example.com/"):
        with pytest.raises(OffsiteRequest):
            check_url(url, hosts)


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/", "data:,x", "mailto:a@example.com"]
)
def test_other_schemes_are_out_of_scope(url: str):
    """Any scheme but http(s) is out of scope, on any host."""
    with pytest.raises(OffsiteRequest) as raised:
        check_url(url, None)
    assert raised.value.reason == "scheme"


def test_extra_hosts_join_the_site_hosts(tmp_path: Path):
    """`extra_hosts` entries (lower-cased) are hosts of the site besides the start URLs'."""
    path = tmp_path / "sites.toml"
    path.write_text(
        '[sites.example]\nstart_urls = ["https://www.example.com/news/"]\n'
        'extra_hosts = ["CDN.example.com", "m.example.com:8080", "[::1]:8000"]\n',
        encoding="utf-8",
    )
    [site] = load_sites(path)
    assert site.hosts == {"www.example.com", "cdn.example.com", "m.example.com:8080", "[::1]:8000"}


@pytest.mark.parametrize(
    "entry",
    [
        "https://cdn.example.com",
        "cdn.example.com/path",
        "user@cdn.example.com",
        "cdn.example.com:0",
        "cdn.example.com:65536",
        "cdn.example.com:",
        "-bad.example.com",
        "",
        "cdn example.com",
    ],
)
def test_bad_extra_hosts_are_rejected(tmp_path: Path, entry: str):
    """An `extra_hosts` entry that is not `host` or `host:port` is a sites-file error."""
    path = tmp_path / "sites.toml"
    path.write_text(
        f'[sites.example]\nstart_urls = ["https://www.example.com/"]\nextra_hosts = ["{entry}"]\n',
        encoding="utf-8",
    )
    with pytest.raises(SitesFileError, match="extra_hosts"):
        load_sites(path)


def news_spider() -> NewsSpider:
    """A news spider of a site at http://127.0.0.1:8000/, with its crawler (not run)."""
    crawler = get_crawler(NewsSpider)
    spider = NewsSpider.from_crawler(crawler, site=site_from_urls(["http://127.0.0.1:8000/"]))
    crawler.spider = spider
    return spider


def failed(url: str, error: Exception, **meta: object) -> Failure:
    """The failure of a request for `url` (with `meta`) that raised `error`."""
    try:
        raise error
    except Exception:
        failure = Failure()
    failure.request = Request(url, meta=meta, cb_kwargs={"found_via": "start"})
    return failure


@pytest.mark.parametrize("dont_filter", [False, True])
def test_scope_middleware_checks_every_request(dont_filter: bool):
    """The middleware lets the site's http(s) requests through and fails the others,
    `dont_filter` (start) requests included."""
    middleware = ScopeMiddleware(news_spider().crawler)
    for url in ("http://127.0.0.1:8000/a", "https://127.0.0.1:8000/robots.txt"):
        middleware.process_request(Request(url, dont_filter=dont_filter))
    for url in ("http://127.0.0.1:8001/", "http://localhost:8000/", "file:///etc/passwd"):
        with pytest.raises(OffsiteRequest):
            middleware.process_request(Request(url, dont_filter=dont_filter))


def test_offsite_redirect_is_an_offsite_error():
    """A redirect off the site is a `CrawlError` of kind `offsite` for the URL that was
    redirected, saying where it was sent."""
    spider = news_spider()
    target = "http://localhost:9000/landing/"
    error = spider.on_error(
        failed(
            target,
            OffsiteRequest(target, "host", "localhost:9000"),
            redirect_urls=["http://127.0.0.1:8000/go/"],
        )
    )
    assert isinstance(error, CrawlError)
    assert (error.url, error.kind, error.status) == ("http://127.0.0.1:8000/go/", "offsite", None)
    assert "localhost:9000" in error.message
    assert spider.crawler.stats.get_value("news/errors/offsite") == 1


def test_offsite_request_is_an_offsite_error():
    """A request (not a redirect) for another host is an `offsite` error too."""
    url = "http://127.0.0.1:8001/x"
    error = news_spider().on_error(failed(url, OffsiteRequest(url, "host", "127.0.0.1:8001")))
    assert isinstance(error, CrawlError)
    assert (error.url, error.kind) == (url, "offsite")
    assert "127.0.0.1:8001" in error.message


def test_other_schemes_are_skipped_silently():
    """A request for a file:, ftp: or data: URL is counted, not an error; a plain
    `IgnoreRequest` (robots.txt) stays counted as ignored. (Scrapy refuses to make
    requests of `mailto:` or `javascript:` URLs at all.)"""
    spider = news_spider()
    for url in ("file://127.0.0.1:8000/etc/passwd", "ftp://127.0.0.1:8000/x", "data:,x"):
        assert spider.on_error(failed(url, OffsiteRequest(url, "scheme"))) is None
    robots = IgnoreRequest("Forbidden by robots.txt")
    assert spider.on_error(failed("http://127.0.0.1:8000/private/", robots)) is None
    stats = spider.crawler.stats
    assert stats.get_value("news/skipped/scheme") == 3
    assert stats.get_value("news/skipped/ignored") == 1
    assert stats.get_value("news/errors/offsite") is None
