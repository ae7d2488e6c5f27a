"""Crawl scope: every request stays on the site's own hosts, over http or https.

`ScopeMiddleware` is a downloader middleware that checks every request just before it
is downloaded: start requests (which are `dont_filter`), links, feeds, sitemaps,
robots.txt, and the requests redirects make (the engine schedules those again, so they
come through here too). A request fails with `OffsiteRequest` (an `IgnoreRequest`, so
its errback receives it) when

- its scheme is not http or https (`file:`, `ftp:`, `data:`, `s3:`, `javascript:`...:
  `reason` "scheme"), or
- its host and port are not exactly those of one of the site's hosts
  (`SiteConfig.hosts`: the start URLs' hosts and the sites file's `extra_hosts`;
  `reason` "host"). No subdomains, no other ports; a host written without a port is
  that host on port 80 or 443, so `http://h/` and `http://h:80/` are the same host.

It replaces Scrapy's `OffsiteMiddleware`, which ignores ports, lets subdomains and
`dont_filter` requests through, and drops requests without calling their errback.

`StopGuardMiddleware` keeps a stopping crawl from starting new downloads, and turns the
downloads that fail while it stops (those `crawler.extensions.process.StopDeadlineExtension`
aborts, for one) into ignored requests: neither errors of the site nor retried.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request

from crawler import stats_keys
from crawler.pages.urls import DEFAULT_PORTS, host_name, is_fetchable

__all__ = [
    "OffsiteRequest",
    "ScopeMiddleware",
    "StopGuardMiddleware",
    "check_url",
    "host_port",
    "site_host_ports",
]

logger = logging.getLogger(__name__)

HostPort = tuple[str, int]


class OffsiteRequest(IgnoreRequest):
    """A request that would leave the site: `reason` is "scheme" (not http or https) or
    "host" (`host`, the host and port it was for, is not one of the site's)."""

    def __init__(self, url: str, reason: str, host: str | None = None) -> None:
        self.url = url
        self.reason = reason
        self.host = host
        if reason == "scheme":
            message = f"to a URL that is not http(s): {url[:200]}"
        else:
            message = f"off the site to {host} (not one of the site's hosts): {url[:200]}"
        super().__init__(message)


def host_port(url: str) -> HostPort | None:
    """The host (lower case, IPv6 in brackets) and port (the scheme's default if none is
    written) an http(s) URL connects to; None for any other URL."""
    if not is_fetchable(url):
        return None
    parts = urlsplit(url.strip())
    return _host(parts), parts.port or DEFAULT_PORTS[parts.scheme]


def site_host_ports(hosts: Iterable[str]) -> set[HostPort]:
    """The (host, port) pairs that `hosts` (`host[:port]` netlocs, as in
    `SiteConfig.hosts`) allow: a host without a port is allowed on 80 and 443."""
    allowed: set[HostPort] = set()
    for entry in hosts:
        parts = urlsplit("//" + entry.strip())
        try:
            port = parts.port
        except ValueError:  # not a port: allows nothing
            continue
        if not parts.hostname:
            continue
        ports = [port] if port else DEFAULT_PORTS.values()
        allowed.update((_host(parts), port) for port in ports)
    return allowed


def check_url(url: str, allowed: set[HostPort] | None) -> None:
    """Raise `OffsiteRequest` unless `url` is an http(s) URL on one of the `allowed`
    (host, port) pairs (None: on any host)."""
    endpoint = host_port(url)
    if endpoint is None:
        raise OffsiteRequest(url, "scheme")
    if allowed is not None and endpoint not in allowed:
        host, port = endpoint
        raise OffsiteRequest(url, "host", f"{host}:{port}")


class ScopeMiddleware:
    """Downloader middleware: fails every request that is not http(s) on one of the
    spider's site's hosts with `OffsiteRequest` (spiders without a `site` are only kept
    to http and https)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._allowed: set[HostPort] | None = None
        self._allowed_known = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScopeMiddleware:
        """Create the middleware for a crawler."""
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Let `request` through if it is in scope, else raise `OffsiteRequest`."""
        try:
            check_url(request.url, self._allowed_hosts())
        except OffsiteRequest as error:
            self.crawler.stats.inc_value(stats_keys.scope_filtered(error.reason))
            logger.debug("Out of scope (%s): %s", error.reason, request.url[:200])
            raise

    def _allowed_hosts(self) -> set[HostPort] | None:
        """The site's (host, port) pairs, worked out on first use; None without a site."""
        if not self._allowed_known:
            site = getattr(self.crawler.spider, "site", None)
            self._allowed = site_host_ports(site.hosts) if site is not None else None
            self._allowed_known = True
        return self._allowed


class StopGuardMiddleware:
    """Downloader middleware, the last before the download handlers: once the crawl is
    stopping (Ctrl-C, SIGTERM), a request that gets here fails with `IgnoreRequest`
    instead of starting a download.

    A stopping engine waits for every request under way, and a request under way can
    mean more downloads than one: the retries of its host's robots.txt, then its own.
    With a host that accepts connections and never answers, that held a stopping crawl
    for four download timeouts; with this guard, for at most the one download already
    started, which `crawler.extensions.process.StopDeadlineExtension` aborts once the crawl has
    been stopping for `STOP_GRACE_SECONDS`. A download that fails while the crawl stops
    is an `IgnoreRequest` too (not retried, not an error of the site)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StopGuardMiddleware:
        """Create the middleware for a crawler."""
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Raise `IgnoreRequest` if the crawl is stopping, else let `request` through."""
        if self._stopping():
            self.crawler.stats.inc_value(stats_keys.scope_filtered("stopping"))
            raise IgnoreRequest("the crawl is stopping")

    def process_exception(self, request: Request, exception: Exception) -> None:
        """A download that failed while the crawl stops (aborted, most likely) is an
        `IgnoreRequest`: no retry, no error row; other failures go on as usual."""
        if self._stopping() and not isinstance(exception, IgnoreRequest):
            self.crawler.stats.inc_value(stats_keys.SCOPE_FAILED_WHILE_STOPPING)
            raise IgnoreRequest(f"the crawl is stopping ({type(exception).__name__})")

    def _stopping(self) -> bool:
        engine = self.crawler.engine
        return engine is not None and not engine.running


def _host(parts: SplitResult) -> str:
    """The host name of split URL `parts` as compared (`crawler.pages.urls.host_name`: lower
    case, no trailing dot, punycode, an IPv6 address in brackets); a host that is not
    valid stays as written, lower-cased, and so matches none of the site's."""
    return host_name(parts.hostname or "") or (parts.hostname or "")
