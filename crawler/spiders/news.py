"""The `news` spider: discovers article pages from home and section pages.

It fetches the start URLs, takes links from listing pages (home, sections, pagination,
tags), fetches them, and yields an `ArticlePage` for each response that is an article.
It never parses article text and never touches the archive: extraction and storage are
pipelines.

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
from crawler.items import ArticlePage, CrawlError
from crawler.sites import SiteConfig, load_sites, select_site, site_from_urls
from crawler.urls import netloc, normalize_url, path_of

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
        """Fetch each start URL; everything else is found from there."""
        for url in self.site.start_urls:
            yield self._request(url, "start", expand=True, article_like=False, dont_filter=True)

    def parse_page(
        self, response: Response, found_via: str, expand: bool
    ) -> Iterator[scrapy.Request | ArticlePage]:
        """Yield the page as an `ArticlePage` if it is an article, and follow its links if
        it is a listing in scope."""
        if not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("news/skipped/not_html")
            return
        kind = classify_page(response.url, response.selector.root, self.article_url_regex)
        self.crawler.stats.inc_value(f"news/pages/{kind}")
        if kind is PageKind.ARTICLE:
            yield from self._article_page(response, found_via)
            if not self.follow_article_links:
                return
        elif not expand:
            return
        yield from self._follow_links(response)

    def on_error(self, failure: Failure) -> CrawlError | None:
        """Turn a failed request into a `CrawlError` for the crawl log. Requests that were
        not made on purpose (robots.txt forbids them) are counted, not errors."""
        request = failure.request
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
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        if self.max_articles and self.articles_found >= self.max_articles:
            raise CloseSpider("max_articles")

    def _follow_links(self, response: TextResponse) -> Iterator[scrapy.Request]:
        """Follow listings in scope, and article links of the page's main part (not those
        of its navigation, sidebars and footer, which point all over the site)."""
        main_links = {
            normalize_url(response.urljoin(href)) for href in response.xpath(_MAIN_HREFS).getall()
        }
        for link in self.link_extractor.extract_links(response):
            url = normalize_url(link.url)
            if netloc(url) not in self.site.hosts:
                continue
            in_scope = self._in_listing_scope(url)
            article_like = looks_like_article_url(url, self.article_url_regex)
            if in_scope or (article_like and url in main_links):
                yield self._request(url, response.url, expand=in_scope, article_like=article_like)

    def _in_listing_scope(self, url: str) -> bool:
        """Listings are followed only under the allowed paths (by default: under the
        start URLs' own paths, so a section start URL stays in its section)."""
        prefixes = self.site.allowed_paths or [path_of(u) for u in self.site.start_urls]
        path = path_of(url)
        return any(path.startswith(prefix) for prefix in prefixes)

    def _request(
        self, url: str, found_via: str, expand: bool, article_like: bool, **kwargs: Any
    ) -> scrapy.Request:
        """A request for a page; likely articles go first, so that articles are archived
        early in a run rather than after every listing."""
        return scrapy.Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            cb_kwargs={"found_via": found_via, "expand": expand},
            priority=10 if article_like else 0,
            **kwargs,
        )


def _site_from_arguments(url: str | None, sites: str | None, name: str | None) -> SiteConfig:
    """The site to crawl from `-a url=...` or `-a sites=FILE [-a site=NAME]`."""
    if sites:
        configured = load_sites(Path(sites))
        return select_site(configured, name) if name else configured[0]
    if not url:
        raise ValueError("the news spider needs -a url=URL (comma-separated) or -a sites=FILE")
    return site_from_urls([u for u in url.split(",") if u.strip()])


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
