"""Sites: what to crawl and how, from the command line or a `sites.toml` file.

A sites file declares one table per site::

    [sites.example-news]
    start_urls = ["https://www.example.com/news/"]
    allowed_paths = ["/news/"]                  # optional: only follow listings under these
    article_url_pattern = '/news/\\d{4}/'         # optional: a regex article URLs match
    boilerplate_selectors = [".promo-box"]      # optional: CSS selectors to drop before extraction
    feeds = ["https://www.example.com/news/rss.xml"]      # optional: RSS/Atom feeds to read
    sitemaps = ["https://www.example.com/sitemap-news.xml"]  # optional (default: robots.txt's)
    extra_hosts = ["cdn.example.com", "m.example.com:8080"]  # optional: other hosts of the site
    follow_article_links = false    # optional: also follow the links of article pages
    revisit_recent_days = 3        # optional: articles this young are "recent"...
    revisit_recent_every_hours = 6 # ...and fetched again this often
    revisit_old_every_days = 30    # older articles: this often (0: only when a sitemap says)

The crawl stays on the hosts of the start URLs, each exactly (no subdomains, no other
ports; see `crawler/middlewares/scope.py`), and on the `extra_hosts` listed (`host` or `host:port`).
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from lxml.cssselect import CSSSelector, SelectorError

from crawler.pages.urls import InvalidURL, host_name, netloc, validate_start_url

_LIST_KEYS = ("allowed_paths", "boilerplate_selectors", "feeds", "sitemaps", "extra_hosts")
_REVISIT_KEYS = ("revisit_recent_days", "revisit_recent_every_hours", "revisit_old_every_days")
_KNOWN_KEYS = {
    "start_urls",
    "article_url_pattern",
    "follow_article_links",
    *_LIST_KEYS,
    *_REVISIT_KEYS,
}
_URL_KEYS = ("start_urls", "feeds", "sitemaps")
# `host` or `host:port`: a host name or IPv4 address, or an IPv6 address in brackets.
_EXTRA_HOST_RE = re.compile(r"(?P<host>[^\[\]:/@\s]+|\[[^\]/@\s]+\])(?::(?P<port>[0-9]{1,5}))?")


class SitesFileError(ValueError):
    """A sites file that cannot be used, with a message saying where and why."""


@dataclass
class SiteConfig:
    """One site to crawl."""

    name: str
    start_urls: list[str]
    allowed_paths: list[str] = field(default_factory=list)
    article_url_pattern: str | None = None
    boilerplate_selectors: list[str] = field(default_factory=list)
    feeds: list[str] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)
    revisit: dict[str, float] = field(default_factory=dict)  # RevisitPolicy fields to override
    extra_hosts: list[str] = field(default_factory=list)  # `host[:port]`, lower case
    follow_article_links: bool = False  # links of article pages are followed too

    @property
    def article_url_regex(self) -> re.Pattern[str] | None:
        """The compiled `article_url_pattern`, or None."""
        return re.compile(self.article_url_pattern) if self.article_url_pattern else None

    @property
    def hosts(self) -> set[str]:
        """The hosts (with ports) of the start URLs and the `extra_hosts`: the crawl stays
        on them."""
        extra = {host_entry(host) or host.lower() for host in self.extra_hosts}
        return {netloc(url) for url in self.start_urls} | extra


def site_from_urls(urls: list[str]) -> SiteConfig:
    """A site made of start URLs given on the command line, named after their first host.

    Raises `InvalidURL` for a URL that cannot be crawled.
    """
    start_urls = [validate_start_url(url) for url in urls]
    if not start_urls:
        raise InvalidURL("no URL given")
    return SiteConfig(name=netloc(start_urls[0]), start_urls=start_urls)


def load_sites(path: Path) -> list[SiteConfig]:
    """Read and validate a sites file; raise `SitesFileError` on any problem."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise SitesFileError(f"cannot read sites file {path}: {error.strerror}") from error
    except tomllib.TOMLDecodeError as error:
        raise SitesFileError(f"{path} is not valid TOML: {error}") from error
    tables = data.get("sites")
    if not isinstance(tables, dict) or not tables:
        raise SitesFileError(f"{path} declares no sites (expected [sites.NAME] tables)")
    unknown = set(data) - {"sites"}
    if unknown:
        raise SitesFileError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))} "
            "(a sites file holds [sites.NAME] tables only)"
        )
    return [_site_from_table(path, name, table) for name, table in tables.items()]


def host_entry(entry: str) -> str | None:
    """An `extra_hosts` entry (`host` or `host:port`) in the form hosts are compared in
    (`crawler.pages.urls.host_name`, then the port); None if it is not one."""
    parsed = _split_host_entry(entry)
    if parsed is None or (parsed[1] is not None and not 0 < parsed[1] < 65536):
        return None
    host, port = parsed
    return host if port is None else f"{host}:{port}"


def select_site(sites: list[SiteConfig], name: str) -> SiteConfig:
    """The site called `name`; `SitesFileError` listing the known names if there is none."""
    for site in sites:
        if site.name == name:
            return site
    known = ", ".join(site.name for site in sites)
    raise SitesFileError(f"no site named {name!r} in the sites file (known: {known})")


def _site_from_table(path: Path, name: str, table: object) -> SiteConfig:
    where = f"{path}: [sites.{name}]"
    if not isinstance(table, dict):
        raise SitesFileError(f"{where} must be a table")
    unknown = set(table) - _KNOWN_KEYS
    if unknown:
        raise SitesFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    urls = {key: _string_list(where, table, key) for key in _URL_KEYS}
    if not urls["start_urls"]:
        raise SitesFileError(f"{where}: start_urls must list at least one URL")
    for key in _URL_KEYS:
        try:
            urls[key] = [validate_start_url(url) for url in urls[key]]
        except InvalidURL as error:
            raise SitesFileError(f"{where}: {key}: {error}") from error
    site = SiteConfig(
        name=name,
        start_urls=urls["start_urls"],
        article_url_pattern=table.get("article_url_pattern"),
        revisit=_revisit_overrides(where, table),
        follow_article_links=_boolean(where, table, "follow_article_links"),
        **{key: _string_list(where, table, key) for key in _LIST_KEYS},
    )
    site.feeds, site.sitemaps = urls["feeds"], urls["sitemaps"]
    _check_patterns(where, site)
    site.extra_hosts = [_checked_host(where, host) for host in site.extra_hosts]
    return site


def _revisit_overrides(where: str, table: dict) -> dict[str, float]:
    """The site's `revisit_*` keys as `RevisitPolicy` fields."""
    overrides = {}
    for key in _REVISIT_KEYS:
        if key in table:
            value = table[key]
            if (
                isinstance(value, bool)
                or not isinstance(value, int | float)
                or not math.isfinite(value)
                or value < 0
            ):
                raise SitesFileError(f"{where}: {key} must be a number >= 0")
            overrides[key.removeprefix("revisit_")] = float(value)
    return overrides


def _boolean(where: str, table: dict, key: str) -> bool:
    value = table.get(key, False)
    if not isinstance(value, bool):
        raise SitesFileError(f"{where}: {key} must be true or false")
    return value


def _string_list(where: str, table: dict, key: str) -> list[str]:
    value = table.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SitesFileError(f"{where}: {key} must be a list of strings")
    return value


def _check_patterns(where: str, site: SiteConfig) -> None:
    if site.article_url_pattern is not None:
        if not isinstance(site.article_url_pattern, str):
            raise SitesFileError(f"{where}: article_url_pattern must be a string")
        try:
            re.compile(site.article_url_pattern)
        except re.error as error:
            raise SitesFileError(f"{where}: article_url_pattern is not a regex: {error}") from error
    for selector in site.boilerplate_selectors:
        try:
            CSSSelector(selector)
        except SelectorError as error:
            raise SitesFileError(f"{where}: bad CSS selector {selector!r}: {error}") from error
    for prefix in site.allowed_paths:
        if not prefix.startswith("/"):
            raise SitesFileError(f"{where}: allowed_paths entries must start with '/'")


def _checked_host(where: str, host: str) -> str:
    """An `extra_hosts` entry as compared (`host_entry`) if it is a host name or IP
    address with an optional port (no scheme, path or user name); else
    `SitesFileError`."""
    parsed = _split_host_entry(host)
    if parsed is None:
        raise SitesFileError(f"{where}: extra_hosts entry {host!r} is not a host or host:port")
    entry = host_entry(host)
    if entry is None:
        raise SitesFileError(f"{where}: extra_hosts entry {host!r} has an invalid port")
    return entry


def _split_host_entry(entry: str) -> tuple[str, int | None] | None:
    """The host (as compared) and port of a `host[:port]` entry; None if it is not one."""
    match = _EXTRA_HOST_RE.fullmatch(entry.strip())
    host = host_name(match["host"]) if match else None
    if host is None:
        return None
    return host, None if match["port"] is None else int(match["port"])
