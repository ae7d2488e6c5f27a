"""The `news` spider: discovers article pages from home and section pages, feeds and
sitemaps.

It fetches the start URLs, takes links from listing pages (home, sections, pagination,
tags), reads the RSS/Atom feeds pages announce or the site declares, and the sitemaps of
robots.txt (or the site's own list), fetches the article links, and yields an
`ArticlePage` for each response that is an article. Each request says what it is for in
`meta["role"]` ("listing", "pagination", "article", "feed", "sitemap", "robots"): the
incremental middleware (`crawler/incremental.py`) uses it to skip articles the archive
already holds and to stop paging through listings it knows. The spider never parses
article text and never touches the archive: extraction and storage are pipelines.

Run it as `newsarchive crawl URL` or `scrapy crawl news -a url=URL [-a sites=sites.toml
-a site=NAME]`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import (
    CannotResolveHostError,
    CloseSpider,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import Response, TextResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from crawler.classify import PageKind, classify_page, looks_like_article_url
from crawler.discovery import (
    DiscoveredURL,
    feed_entries,
    feed_links,
    looks_like_feed,
    looks_like_sitemap,
    page_number,
    pagination_links,
    sitemap_entries,
    sitemaps_from_robots,
)
from crawler.items import ArticlePage, CrawlError, NotModified
from crawler.sites import SiteConfig, load_sites, select_site, site_from_urls
from crawler.urls import netloc, normalize_url, path_of
from crawler.walls import wall_reason

logger = logging.getLogger(__name__)

# Links that never lead to articles or listings worth fetching.
_DENY_PATTERNS = (
    r"/wp-admin/",
    r"/wp-login\.php",
    r"/wp-json/",
    r"/xmlrpc\.php",
    r"/feed/?$",
    r"/comments/",
    r"[?&](replytocom|share|print|action)=",
    r"/(login|logout|signin|signup|register|subscribe|cart|checkout)(/|$)",
)

# Links of a page's main part: not in navigation, sidebars, or the site's header and footer
# (an article's own <header> and <footer> are part of it).
_MAIN_HREFS = (
    "//a[not(ancestor::nav) and not(ancestor::aside)"
    " and not(ancestor::header[not(ancestor::article)])"
    " and not(ancestor::footer[not(ancestor::article)])"
    " and not(ancestor::*[@id='secondary' or @id='sidebar'"
    " or contains(concat(' ', normalize-space(@class), ' '), ' sidebar ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' widget-area ')])]/@href"
)


class NewsSpider(scrapy.Spider):
    """Crawl a site's news sections and yield its article pages."""

    name = "news"

    def __init__(
        self,
        site: SiteConfig | str | None = None,
        url: str | None = None,
        sites: str | None = None,
        max_articles: int | str = 0,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if not isinstance(site, SiteConfig):  # `-a site=NAME` picks a site of `-a sites=FILE`
            site = _site_from_arguments(url, sites, site)
        self.site: SiteConfig = site
        self.allowed_domains = sorted({h.split(":")[0] for h in self.site.hosts})
        self.max_articles = int(max_articles)
        self.articles_found = 0
        self.article_url_regex = self.site.article_url_regex
        self.link_extractor = LinkExtractor(deny=_DENY_PATTERNS, canonicalize=False, unique=True)

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        """Create the spider, taking `--max-articles` from `NEWS_MAX_ARTICLES` if not given."""
        kwargs.setdefault("max_articles", crawler.settings.getint("NEWS_MAX_ARTICLES"))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.follow_article_links = crawler.settings.getbool("NEWS_FOLLOW_ARTICLE_LINKS")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Fetch each start URL, the site's feeds, and its sitemaps (those it configures,
        else those its robots.txt lists, else `/sitemap.xml`); the rest is found from
        there."""
        for url in self.site.start_urls:
            yield self._request(url, "start", "listing", dont_filter=True)
        for url in self.site.feeds:
            yield self._discovery_request(url, "start", "feed", self.parse_feed)
        for url in self.site.sitemaps:
            yield self._discovery_request(url, "start", "sitemap", self.parse_sitemap)
        if not self.site.sitemaps:  # a crawl of a whole site, not of one section
            roots = {_root_url(url) for url in self.site.start_urls}
            for root in sorted(r for r in roots if self._in_listing_scope(r)):
                yield self._discovery_request(
                    root + "robots.txt", "start", "robots", self.parse_robots, optional=True
                )

    def parse_page(
        self, response: Response, found_via: str, expand: bool
    ) -> Iterator[scrapy.Request | ArticlePage | NotModified | CrawlError]:
        """Yield the page as an `ArticlePage` if it is an article, and follow its links if
        it is a listing in scope. A revisit answered 304 is a `NotModified`; a consent
        wall or bot challenge is a `CrawlError`, never an article."""
        if response.status == 304:
            self.crawler.stats.inc_value("news/not_modified")
            url = response.meta.get("archived_url") or normalize_url(response.url)
            yield NotModified(url, self.site.name, _now())
            return
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("news/skipped/not_html")
            return
        tree = response.selector.root
        reason = wall_reason(tree)
        if reason:
            yield self._wall(response, reason, found_via)
            return
        kind = classify_page(response.url, tree, self.article_url_regex)
        self.crawler.stats.inc_value(f"news/pages/{kind}")
        if kind is PageKind.ARTICLE:
            yield from self._article_page(response, found_via)
            if not self.follow_article_links:
                return
        elif not expand:
            return
        for url in feed_links(tree, response.url):
            if netloc(url) in self.site.hosts and self._in_listing_scope(url):
                yield self._discovery_request(url, response.url, "feed", self.parse_feed)
        yield from self._follow_links(response)

    def parse_feed(self, response: Response, found_via: str) -> Iterator[scrapy.Request]:
        """Follow the article links of an RSS or Atom feed."""
        if not looks_like_feed(response.body):
            self.crawler.stats.inc_value("news/skipped/not_a_feed")
            logger.warning("Not an RSS or Atom feed: %s", response.url)
            return
        self.crawler.stats.inc_value("news/feeds")
        yield from self._follow_discovered(feed_entries(response.body, response.url), response.url)

    def parse_sitemap(self, response: Response, found_via: str) -> Iterator[scrapy.Request]:
        """Follow the article links of a sitemap, and the sitemaps of a sitemap index."""
        if not looks_like_sitemap(response.body):
            self.crawler.stats.inc_value("news/skipped/not_a_sitemap")
            if not response.meta.get("optional"):
                logger.warning("Not an XML sitemap: %s", response.url)
            return
        self.crawler.stats.inc_value("news/sitemaps")
        pages, children = sitemap_entries(response.body, response.url)
        for child in children:
            if netloc(child.url) in self.site.hosts:
                yield self._discovery_request(
                    child.url, response.url, "sitemap", self.parse_sitemap, lastmod=child.lastmod
                )
        yield from self._follow_discovered(pages, response.url)

    def parse_robots(self, response: Response, found_via: str) -> Iterator[scrapy.Request]:
        """Fetch the sitemaps robots.txt lists, or guess `/sitemap.xml` if it lists none."""
        sitemaps = (
            sitemaps_from_robots(response.body, response.url) if response.status == 200 else []
        )
        optional = not sitemaps
        for url in sitemaps or [response.urljoin("/sitemap.xml")]:
            if netloc(url) in self.site.hosts:
                yield self._discovery_request(
                    url, response.url, "sitemap", self.parse_sitemap, optional=optional
                )

    def on_error(self, failure: Failure) -> CrawlError | scrapy.Request | None:
        """Turn a failed request into a `CrawlError` for the crawl log. Requests that were
        not made on purpose (robots.txt forbids them) are counted, not errors."""
        request = failure.request
        if request.meta.get("optional"):  # a guessed robots.txt or sitemap location
            logger.debug("No %s at %s", request.meta.get("role"), request.url)
            if request.meta.get("role") == "robots":  # no robots.txt: try /sitemap.xml
                return self._discovery_request(
                    request.url.replace("/robots.txt", "/sitemap.xml"),
                    request.url,
                    "sitemap",
                    self.parse_sitemap,
                    optional=True,
                )
            return None
        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            self.crawler.stats.inc_value("news/skipped/ignored")
            logger.debug("Skipped %s: %s", request.url, failure.getErrorMessage())
            return None
        kind, status = _error_kind(failure)
        self.crawler.stats.inc_value(f"news/errors/{kind}")
        message = _error_message(failure)
        logger.warning("Could not fetch %s: %s", request.url, message)
        return CrawlError(
            url=request.url,
            kind=kind,
            status=status,
            message=message,
            found_via=request.cb_kwargs.get("found_via"),
        )

    def _article_page(self, response: TextResponse, found_via: str) -> Iterator[ArticlePage]:
        if self.max_articles and self.articles_found >= self.max_articles:
            return
        self.articles_found += 1
        yield ArticlePage(
            url=normalize_url(response.url),
            requested_url=(response.meta.get("redirect_urls") or [response.url])[0],
            status=response.status,
            headers=_headers(response),
            body=response.body,
            encoding=response.encoding,
            site=self.site.name,
            found_via=found_via,
            fetched_at=_now(),
            lastmod=response.meta.get("lastmod"),
        )
        if self.max_articles and self.articles_found >= self.max_articles:
            raise CloseSpider("max_articles")

    def _wall(self, response: TextResponse, reason: str, found_via: str) -> CrawlError:
        self.crawler.stats.inc_value("news/walls")
        logger.warning("%s instead of the page at %s", reason.capitalize(), response.url)
        return CrawlError(
            url=response.url,
            kind="wall",
            status=response.status,
            message=f"{reason} instead of the page",
            found_via=found_via,
        )

    def _follow_links(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """Follow listings in scope, and article links of the page's main part (not those
        of its navigation, sidebars and footer, which point all over the site)."""
        main_links = {
            normalize_url(response.urljoin(href)) for href in response.xpath(_MAIN_HREFS).getall()
        }
        pages = {
            normalize_url(url) for url in pagination_links(response.selector.root, response.url)
        }
        for link in self.link_extractor.extract_links(response):
            url = normalize_url(link.url)
            if netloc(url) not in self.site.hosts:
                continue
            in_scope = self._in_listing_scope(url)
            if looks_like_article_url(url, self.article_url_regex):
                if in_scope or url in main_links:
                    yield self._request(url, response.url, "article", expand=in_scope)
            elif in_scope:
                role = "pagination" if url in pages else "listing"
                yield self._request(url, response.url, role)

    def _follow_discovered(
        self, found: list[DiscoveredURL], found_via: str
    ) -> Iterator[scrapy.Request]:
        """Request the article-like URLs of a feed or sitemap on the site's hosts."""
        for entry in found:
            url = normalize_url(entry.url)
            if netloc(url) in self.site.hosts and looks_like_article_url(
                url, self.article_url_regex
            ):
                yield self._request(url, found_via, "article", lastmod=entry.lastmod)

    def _in_listing_scope(self, url: str) -> bool:
        """Listings are followed only under the allowed paths (by default: under the
        start URLs' own paths, so a section start URL stays in its section)."""
        prefixes = self.site.allowed_paths or [path_of(u) for u in self.site.start_urls]
        path = path_of(url)
        return any(path.startswith(prefix) for prefix in prefixes)

    def _request(
        self,
        url: str,
        found_via: str,
        role: str,
        expand: bool | None = None,
        lastmod: str | None = None,
        **kwargs: Any,
    ) -> scrapy.Request:
        """A request for a page in `role` ("listing", "pagination" or "article"; links of
        an `expand`ed page are followed, by default those of listings). Likely articles
        go first, so that articles are archived early in a run rather than after every
        listing."""
        meta = {"role": role, "page": page_number(url) or 1}
        if lastmod:
            meta["lastmod"] = lastmod
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            cb_kwargs={
                "found_via": found_via,
                "expand": role != "article" if expand is None else expand,
            },
            priority=10 if role == "article" else 0,
            meta=meta,
            **kwargs,
        )

    def _discovery_request(
        self,
        url: str,
        found_via: str,
        role: str,
        callback: Any,
        optional: bool = False,
        lastmod: str | None = None,
    ) -> scrapy.Request:
        """A request for a feed, sitemap or robots.txt (an `optional` one may be missing;
        `lastmod` is what a sitemap index says of a child sitemap)."""
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            cb_kwargs={"found_via": found_via},
            priority=5,
            meta={"role": role, "optional": optional, "lastmod": lastmod},
        )


def _site_from_arguments(url: str | None, sites: str | None, name: str | None) -> SiteConfig:
    """The site to crawl from `-a url=...` or `-a sites=FILE [-a site=NAME]`."""
    if sites:
        configured = load_sites(Path(sites))
        return select_site(configured, name) if name else configured[0]
    if not url:
        raise ValueError("the news spider needs -a url=URL (comma-separated) or -a sites=FILE")
    return site_from_urls([u for u in url.split(",") if u.strip()])


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _root_url(url: str) -> str:
    """The site root (`scheme://host/`) of a URL."""
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}/"


def _headers(response: Response) -> dict[str, str]:
    return {
        key.decode("latin-1"): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }


def _error_kind(failure: Failure) -> tuple[str, int | None]:
    if failure.check(HttpError):
        return "http", failure.value.response.status
    if failure.check(CannotResolveHostError, DNSLookupError):
        return "dns", None
    if failure.check(DownloadConnectionRefusedError, ConnectionRefusedError):
        return "connection", None
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
        return "timeout", None
    return "fetch", None


def _error_message(failure: Failure) -> str:
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"
