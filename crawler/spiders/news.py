"""The `news` spider: discovers article pages from home and section pages, feeds and
sitemaps.

It fetches the start URLs, takes links from listing pages (home, sections, pagination,
tags), reads the RSS/Atom feeds pages announce or the site declares, and the sitemaps of
robots.txt (or the site's own list), fetches the article links, and yields an
`ArticlePage` for each response that is an article. Each request says what it is for in
`meta["role"]` ("listing", "pagination", "article", "feed", "sitemap", "robots"): the
incremental middleware (`crawler/middlewares/incremental.py`) uses it to skip articles the archive
already holds and to stop paging through listings it knows. The spider never parses
article text and never touches the archive: extraction and storage are pipelines. With
extraction workers, an HTML page fetched as an article is read in one of them
(`crawler/pages/page_reading.py`), which extracts it in the same trip when it is an article;
the spider passes that extraction on with the `ArticlePage`, for the extract stage.

Run it as `newsarchive crawl URL` or `scrapy crawl news -a url=URL [-a sites=sites.toml
-a site=NAME]`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import scrapy
from lxml import etree
from scrapy.exceptions import (
    CannotResolveHostError,
    CloseSpider,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from scrapy.http import HtmlResponse, JsonResponse, Response, TextResponse, XmlResponse
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import (
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure

from crawler import stats_keys
from crawler.items import ArticlePage, CrawlError, NotModified, PageVisit
from crawler.middlewares.redirects import RedirectError
from crawler.middlewares.scope import OffsiteRequest
from crawler.pages.classify import PageKind, looks_like_article_url
from crawler.pages.discovery import (
    MAX_SITEMAP_BYTES,
    DiscoveredURL,
    SitemapTooLarge,
    feed_entries,
    feed_links,
    looks_like_feed,
    looks_like_sitemap,
    page_number,
    pagination_links,
    sitemap_entries,
    sitemaps_from_robots,
    unpack_sitemap,
)
from crawler.pages.page_reading import PageReading, read_tree
from crawler.pages.url_shapes import ARTICLE, LISTING, OTHER, ShapeBook, url_template
from crawler.pages.urls import is_fetchable, netloc, normalize_url, path_of, url_key
from crawler.sites import SiteConfig, load_sites, select_site, site_from_urls
from pipelines.extraction.encoding import page_encoding

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
_MAIN_HREFS = etree.XPath(
    "//a[not(ancestor::nav) and not(ancestor::aside)"
    " and not(ancestor::header[not(ancestor::article)])"
    " and not(ancestor::footer[not(ancestor::article)])"
    " and not(ancestor::*[@id='secondary' or @id='sidebar'"
    " or contains(concat(' ', normalize-space(@class), ' '), ' sidebar ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' widget-area ')])]/@href",
    smart_strings=False,
)


# How much being a start URL, page N of a listing's pagination, or the page that other
# pages link to as their tag, category or author page counts against a page's being an
# article (about log-odds; article pages score +3 to +8).
LISTING_LINK_PRIOR = -3.0

# A link text this long reads as a headline: a listing's teaser, not a menu entry.
_HEADLINE_CHARS = 20

# The child sitemaps of a sitemap index come after every page already found: they are the
# backlog, read a few at a time (see crawler/middlewares/pacing.py).
_SITEMAP_CHILD_PRIORITY = -1


@dataclass
class PageLinks:
    """What a page links to: article requests, other requests (listings, pages to
    classify), how many of its article links are new in this crawl, and how many stories
    it links to (article links, and other links with a headline for a text)."""

    articles: list[scrapy.Request] = field(default_factory=list)
    listings: list[scrapy.Request] = field(default_factory=list)
    new_articles: int = 0
    teasers: int = 0


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
        self.max_articles = int(max_articles)
        self.articles_found = 0
        self.article_url_regex = self.site.article_url_regex
        self._pool: Any = False  # the crawl's extraction workers; False: not looked up yet
        self.link_extractor = LinkExtractor(deny=_DENY_PATTERNS, canonicalize=False, unique=True)
        self.shapes = ShapeBook()  # filled from the archive when the crawl opens
        self.archived_keys: set[str] = set()  # url_keys of the stories yielded this run
        self.linked_articles: set[str] = set()  # url_keys of article links requested
        self.barren_listings: dict[str, int] = {}  # template -> listing pages with no new link
        self.taxonomy_keys: set[str] = set()  # url_keys of tag, category and author pages
        # Start requests bypass the duplicate filter: links back to them are dropped here.
        self.start_keys = {url_key(url) for url in self.site.start_urls}
        self.max_download_size = 0  # DOWNLOAD_MAXSIZE; sitemaps unpack to at most this
        self.sitemap_max_size = MAX_SITEMAP_BYTES
        self.max_query_variants = 0  # NEWS_MAX_QUERY_VARIANTS (0: no limit)
        self.query_variants: dict[str, set[str]] = {}  # path -> query strings followed
        self.capped_paths: set[str] = set()  # paths whose other variants are not followed

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> NewsSpider:
        """Create the spider, taking `--max-articles` from `NEWS_MAX_ARTICLES` if not given."""
        kwargs.setdefault("max_articles", crawler.settings.getint("NEWS_MAX_ARTICLES"))
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.follow_article_links = spider.site.follow_article_links or crawler.settings.getbool(
            "NEWS_FOLLOW_ARTICLE_LINKS"
        )
        spider.barren_limit = crawler.settings.getint("NEWS_BARREN_LISTINGS")
        spider.max_download_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        spider.sitemap_max_size = spider.max_download_size or MAX_SITEMAP_BYTES
        spider.max_query_variants = crawler.settings.getint("NEWS_MAX_QUERY_VARIANTS")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Fetch each start URL, the site's feeds, and its sitemaps (those it configures,
        else those its robots.txt lists, else `/sitemap.xml`); the rest is found from
        there."""
        for url in self.site.start_urls:
            request = self._request(url, "start", "listing", dont_filter=True)
            request.meta["start"] = True
            yield request
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

    async def read_page(
        self, response: Response, found_via: str, expand: bool
    ) -> AsyncIterator[scrapy.Request | ArticlePage | NotModified | CrawlError | PageVisit]:
        """The callback of page requests: `parse_page`, except that an HTML page fetched as
        an article is parsed and scored in an extraction worker when the crawl has them
        (`crawler.pages.page_reading`), and in this process only if it is no article after all
        (to follow its links) or the worker failed: the crawl's process goes on
        downloading meanwhile."""
        reading = None
        if self._reads_elsewhere(response):
            assert isinstance(response, TextResponse)
            reading = await self._read_in_worker(response)
        if reading is None:
            items: Iterator[Any] = self.parse_page(response, found_via, expand)
        else:
            items = self._after_reading(response, reading, None, found_via, expand)
        for item in items:
            yield item

    def parse_page(
        self, response: Response, found_via: str, expand: bool
    ) -> Iterator[scrapy.Request | ArticlePage | NotModified | CrawlError | PageVisit]:
        """Yield the page as an `ArticlePage` if it is an article, and follow its links if
        it is a listing in scope. A revisit answered 304 is a `NotModified`; a consent
        wall or bot challenge, an empty page, or an article link that is no HTML page (a
        PDF, an image, JSON) is a `CrawlError`, never an article."""
        if response.status == 304:
            self.crawler.stats.inc_value(stats_keys.NOT_MODIFIED_RESPONSES)
            url = response.meta.get("archived_url") or normalize_url(response.url)
            yield NotModified(url, self.site.name, _now())
            return
        if not _is_page(response):
            yield from self._not_html(response, found_via)
            return
        if not response.body.strip():
            yield self._page_error(response, "empty", "empty page (no content)", found_via)
            return
        assert isinstance(response, TextResponse)
        tree = response.selector.root
        reading = read_tree(response.url, tree, score=self._scores(response.url))
        yield from self._after_reading(response, reading, tree, found_via, expand)

    def _after_reading(
        self,
        response: TextResponse,
        reading: PageReading,
        tree: Any,
        found_via: str,
        expand: bool,
    ) -> Iterator[scrapy.Request | ArticlePage | CrawlError | PageVisit]:
        """What `parse_page` does once the page is read; `tree` is the parsed page, or
        None if it was read elsewhere (it is then parsed here only to follow links)."""
        if reading.wall:
            yield self._wall(response, reading.wall, found_via)
            return
        self._note_taxonomy_links(response, reading.taxonomy_hrefs)
        kind = self._classify(response, reading)
        self.crawler.stats.inc_value(stats_keys.pages(kind))
        if kind is PageKind.ARTICLE:
            self.shapes.observe(response.url, ARTICLE)
            yield from self._article_page(response, reading, found_via)
            if not self.follow_article_links:
                return
        elif not expand:
            yield self._visit(response, OTHER)
            return
        if tree is None:
            tree = response.selector.root
        for url in feed_links(tree, response.url):
            if netloc(url) in self.site.hosts and self._in_listing_scope(url):
                yield self._discovery_request(url, response.url, "feed", self.parse_feed)
        links = self._links(response)
        if kind is PageKind.ARTICLE:  # NEWS_FOLLOW_ARTICLE_LINKS: the site allows it
            yield from links.articles + links.listings
            return
        # A page that links to no story is no listing (a service, product or error page):
        # it is not fetched again on later runs. One that links to fewer than two does
        # not lead anywhere worth following: its other links are not followed, except
        # from a start URL.
        yield self._visit(response, LISTING if links.teasers >= 1 else OTHER)
        yield from links.articles
        if links.teasers < 2 and not response.meta.get("start"):
            self.crawler.stats.inc_value(stats_keys.PAGES_NOT_FOLLOWED)
            return
        if not links.new_articles and self._barren(response.url):
            self.crawler.stats.inc_value(stats_keys.LISTINGS_LEFT)
            return
        yield from links.listings

    def _reads_elsewhere(self, response: Response) -> bool:
        """True for a page to read in an extraction worker: an HTML page (status 200,
        not empty) fetched as an article, when the crawl has workers."""
        return (
            response.meta.get("role") == "article"
            and type(response) is HtmlResponse
            and response.status == 200
            and self._worker_pool() is not None
            and bool(response.body.strip())
        )

    def _worker_pool(self) -> Any:
        """The crawl's extraction workers (`crawler.extraction_pool.pool_of`: opened
        with the extract stage, before the first response), or None."""
        if self._pool is False:
            from crawler.extraction_pool import pool_of

            self._pool = pool_of(self.crawler) if hasattr(self, "crawler") else None
        return self._pool

    async def _read_in_worker(self, response: TextResponse) -> PageReading | None:
        """The page's reading, made in an extraction worker; None if that failed."""
        from crawler.extraction_pool import in_reactor
        from pipelines.extraction import SiteProfile

        # The worker extracts the page too when its score makes it an article (the
        # extract stage takes that extraction): the page goes to a worker once.
        profile = SiteProfile(tuple(self.site.boilerplate_selectors))
        try:
            future = self._worker_pool().read(
                response.url,
                response.body,
                response.encoding,
                _content_type(response),
                self._scores(response.url),
                extract_above=-self._prior(response),
                extract_as=(normalize_url(response.url), profile),
            )
            reading = await maybe_deferred_to_future(in_reactor(future))
        except Exception as error:  # the worker failed, or the pool is closing: read here
            logger.debug("Reading %s in a worker failed (%s): read here", response.url, error)
            return None
        self.crawler.stats.inc_value(stats_keys.PAGES_READ_IN_WORKERS)
        return reading

    def _scores(self, url: str) -> bool:
        """Whether a page at `url` needs its article score (a user's
        `article_url_pattern` makes a URL that does not match it no article)."""
        return self.article_url_regex is None or bool(self.article_url_regex.search(url))

    def _classify(self, response: TextResponse, reading: PageReading) -> PageKind:
        """Article or listing: the page's own evidence, nudged by what pages of the same
        URL shape turned out to be on this site, and by how the page was reached (page N
        of a listing's pagination is a listing); a user's `article_url_pattern` is a
        verdict for URLs that do not match it."""
        if reading.article_score is None:
            return PageKind.LISTING
        # As `classify_page`: an article when the score and the prior add up above zero.
        prior = self._prior(response)
        return PageKind.ARTICLE if reading.article_score + prior > 0 else PageKind.LISTING

    def _prior(self, response: Response) -> float:
        """What the crawl knows of a page before reading it, as a nudge to its article
        score: its URL shape's record on this site, and how it was reached."""
        url = response.url
        prior = self.shapes.prior(url)
        reached_as_listing = (
            response.meta.get("role") == "pagination"
            or response.meta.get("start")
            or url_key(url) in self.taxonomy_keys
        )
        if reached_as_listing:
            prior += LISTING_LINK_PRIOR
        return prior

    def _note_taxonomy_links(self, response: TextResponse, hrefs: tuple[str, ...]) -> None:
        """Remember the pages other pages link to as their tag, category or author page
        (`rel="tag"`, `rel="category"`, `rel="author"`, a tag cloud): listings."""
        for href in hrefs:
            url = _absolute(response, href)
            if url is not None:
                self.taxonomy_keys.add(url_key(url))

    def _visit(self, response: Response, kind: str) -> PageVisit:
        """What a fetched page that is not archived turned out to be, for the archive
        (and, unless it is a second URL of a story, for the site's URL shapes)."""
        template = (
            url_template(response.url)
            if kind == "duplicate"
            else self.shapes.observe(response.url, kind)
        )
        return PageVisit(
            url=normalize_url(response.url),
            site=self.site.name,
            kind=kind,
            status=response.status,
            template=template,
        )

    def parse_feed(self, response: Response, found_via: str) -> Iterator[scrapy.Request]:
        """Follow the article links of an RSS or Atom feed."""
        if not looks_like_feed(response.body):
            self.crawler.stats.inc_value(stats_keys.skipped_links("not_a_feed"))
            logger.warning("Not an RSS or Atom feed: %s", response.url)
            return
        self.crawler.stats.inc_value(stats_keys.FEEDS)
        entries = feed_entries(response.body, response.url)
        yield from self._follow_discovered(entries, response.url, all_articles=True)

    def parse_sitemap(
        self, response: Response, found_via: str
    ) -> Iterator[scrapy.Request | CrawlError]:
        """Follow the article links of a sitemap, and the sitemaps of a sitemap index (which
        `crawler.middlewares.pacing` lets out a few at a time). A gzipped sitemap is unpacked once,
        to at most `DOWNLOAD_MAXSIZE` bytes: one that unpacks to more is a `CrawlError`."""
        try:
            xml = unpack_sitemap(response.body, self.sitemap_max_size)
        except SitemapTooLarge as error:
            yield self._page_error(response, "too_large", f"{error}: not read", found_via)
            return
        if not looks_like_sitemap(xml):
            self.crawler.stats.inc_value(stats_keys.skipped_links("not_a_sitemap"))
            if not response.meta.get("optional"):
                logger.warning("Not an XML sitemap: %s", response.url)
            return
        self.crawler.stats.inc_value(stats_keys.SITEMAPS)
        pages, children = sitemap_entries(xml, response.url)
        for child in children:
            if netloc(child.url) in self.site.hosts:
                request = self._discovery_request(
                    child.url,
                    response.url,
                    "sitemap",
                    self.parse_sitemap,
                    lastmod=child.lastmod,
                    priority=_SITEMAP_CHILD_PRIORITY,
                )
                request.meta["sitemap_child"] = True
                yield request
        yield from self._follow_discovered(pages, response.url, all_articles=False)

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
        """Turn a failed request into a `CrawlError` for the crawl log (one that would
        leave the site, or a redirect that would, is kind "offsite"). Requests that were
        not made on purpose (robots.txt forbids them, not an http(s) URL) are counted,
        not errors."""
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
        redirected = request.meta.get("redirect_urls")
        if failure.check(OffsiteRequest) and failure.value.reason == "scheme" and not redirected:
            self.crawler.stats.inc_value(
                stats_keys.skipped_links("scheme")
            )  # file:, ftp:, mailto:...
            logger.debug("Skipped %s: not an http(s) URL", request.url[:200])
            return None
        if _left_out(failure):
            self.crawler.stats.inc_value(stats_keys.skipped_links("ignored"))
            logger.debug("Skipped %s: %s", request.url, failure.getErrorMessage())
            return None
        kind, status = _error_kind(failure)
        self.crawler.stats.inc_value(stats_keys.page_errors(kind))
        if status in (404, 410):  # a URL shape that leads nowhere is learned as such
            self.shapes.observe(request.url, OTHER)
        max_size = request.meta.get("download_maxsize", self.max_download_size)
        message = _error_message(failure, max_size)
        # A redirect not followed is the error of the link that led to it.
        url = redirected[0] if redirected and kind in ("offsite", "redirect") else request.url
        logger.warning("Could not fetch %s: %s", url, message)
        return CrawlError(
            url=url,
            kind=kind,
            status=status,
            message=message,
            found_via=request.cb_kwargs.get("found_via"),
        )

    def _article_page(
        self, response: TextResponse, reading: PageReading, found_via: str
    ) -> Iterator[ArticlePage | PageVisit]:
        """The page as an `ArticlePage` under its identity (its canonical URL on this
        site, else its own); a second URL of a story already yielded in this run is a
        "duplicate" visit instead."""
        if self.max_articles and self.articles_found >= self.max_articles:
            return
        fetched = normalize_url(response.url)
        url = self._canonical(response, reading.canonical_href) or fetched
        key = url_key(url)
        if key in self.archived_keys:
            self.crawler.stats.inc_value(stats_keys.DUPLICATES)
            yield self._visit(response, "duplicate")
            return
        self.archived_keys.add(key)
        self.articles_found += 1
        yield ArticlePage(
            url=url,
            requested_url=(response.meta.get("redirect_urls") or [response.url])[0],
            status=response.status,
            headers=_headers(response),
            body=response.body,
            encoding=page_encoding(response.body, _content_type(response)),
            site=self.site.name,
            found_via=found_via,
            fetched_at=_now(),
            lastmod=response.meta.get("lastmod"),
            fetched_url=fetched if fetched != url else None,
            # Extracted where it was read: the extract stage takes it if made for `url`.
            extraction=reading.extraction,
        )
        if self.max_articles and self.articles_found >= self.max_articles:
            raise CloseSpider("max_articles")

    def _canonical(self, response: TextResponse, href: str | None) -> str | None:
        """The page's `<link rel="canonical">` (`href`), normalised, when it names another
        page of this site that is not a listing root (some sites point every page at the
        home page)."""
        if not href:
            return None
        url = _absolute(response, href)
        if url is None or not is_fetchable(url) or netloc(url) not in self.site.hosts:
            return None
        if path_of(url) == "/" or url in self.site.start_urls:
            return None
        return url

    def _not_html(self, response: Response, found_via: str) -> Iterator[CrawlError | PageVisit]:
        """A response that is no HTML page is not parsed; one to an article link (a PDF,
        an image, JSON where an article was expected) is a `CrawlError` of kind
        "not_html", and remembered as no article."""
        self.crawler.stats.inc_value(stats_keys.skipped_links("not_html"))
        if response.meta.get("role") != "article":
            logger.debug("Not an HTML page: %s", response.url)
            return
        message = f"not an HTML page ({_content_type(response) or 'no Content-Type'})"
        yield self._page_error(response, "not_html", message, found_via)
        yield self._visit(response, OTHER)

    def _page_error(
        self, response: Response, kind: str, message: str, found_via: str
    ) -> CrawlError:
        """A fetched page that could not be read: counted, logged, and a `CrawlError`."""
        self.crawler.stats.inc_value(stats_keys.page_errors(kind))
        logger.warning("Could not read %s: %s", response.url, message)
        return CrawlError(
            url=response.url,
            kind=kind,
            status=response.status,
            message=message,
            found_via=found_via,
        )

    def _wall(self, response: TextResponse, reason: str, found_via: str) -> CrawlError:
        self.crawler.stats.inc_value(stats_keys.WALLS)
        logger.warning("%s instead of the page at %s", reason.capitalize(), response.url)
        return CrawlError(
            url=response.url,
            kind="wall",
            status=response.status,
            message=f"{reason} instead of the page",
            found_via=found_via,
        )

    def _links(self, response: TextResponse) -> PageLinks:
        """The links worth following from a listing: those of its main part (not its
        navigation, sidebars and footer, which point all over the site) as articles when
        they look like one (by URL, or by the shapes learned on the site) and as pages to
        classify otherwise; listings in scope anywhere on the page; never a URL of a
        shape that has only ever led to pages that are neither."""
        tree = response.selector.root
        main_links = {_absolute(response, href) for href in _MAIN_HREFS(tree)}
        pages = {_absolute(response, url) for url in pagination_links(tree, response.url)}
        links = PageLinks()
        headlines: set[str] = set()  # other pages linked with a headline-long text
        for link in self.link_extractor.extract_links(response):
            url = _absolute(response, link.url)
            if url is None or not is_fetchable(url) or netloc(url) not in self.site.hosts:
                continue
            if url_key(url) in self.start_keys:
                continue
            if self.shapes.is_dead_shape(url):
                self.crawler.stats.inc_value(stats_keys.skipped_links("dead_shape"))
                continue
            headline = url in main_links and len(" ".join(link.text.split())) >= _HEADLINE_CHARS
            if headline:
                headlines.add(url_key(url))
            in_scope = self._in_listing_scope(url)
            if self._looks_like_article(url):
                if url in main_links:  # followed on if it is a listing in scope after all
                    request = self._request(url, response.url, "article", expand=in_scope)
                    links.articles.append(request)
            elif in_scope:
                role = "pagination" if url in pages else "listing"
                if role == "listing" and not headline and self._one_variant_too_many(url):
                    continue
                links.listings.append(self._request(url, response.url, role))
            elif url in main_links:
                links.listings.append(self._request(url, response.url, "page", expand=False))
        article_keys = {url_key(r.url) for r in links.articles}
        links.new_articles = len(article_keys - self.linked_articles)
        links.teasers = len(article_keys | headlines)
        self.linked_articles |= article_keys
        return links

    def _one_variant_too_many(self, url: str) -> bool:
        """Count a listing's query string (`?sort=new&tag=x`) for its path; True, and the
        link is not followed, once the path has had `NEWS_MAX_QUERY_VARIANTS` others (a
        faceted search, a calendar by query string). Pagination is not counted."""
        path, _, query = url.partition("?")
        if not query or not self.max_query_variants:
            return False
        seen = self.query_variants.setdefault(path, set())
        if query in seen:
            return False
        if len(seen) < self.max_query_variants:
            seen.add(query)
            return False
        self.crawler.stats.inc_value(stats_keys.skipped_links("query_variants"))
        if path not in self.capped_paths:
            self.capped_paths.add(path)
            logger.info(
                "%s has more than %s query-string variants: the others are not followed",
                path,
                self.max_query_variants,
            )
        return True

    def _barren(self, url: str) -> bool:
        """Count a listing page that linked to no new article; True once pages of its
        shape have done so `NEWS_BARREN_LISTINGS` times."""
        template = url_template(url)
        self.barren_listings[template] = self.barren_listings.get(template, 0) + 1
        return self.barren_listings[template] >= self.barren_limit

    def _looks_like_article(self, url: str) -> bool:
        """A guess from the URL: the site's own pattern if it has one, else an article
        shape learned on the site or a generic article-like URL, unless pages of its
        shape have been listings."""
        if self.article_url_regex is not None:
            return bool(self.article_url_regex.search(url))
        if self.shapes.is_article_shape(url):
            return True
        return looks_like_article_url(url) and self.shapes.prior(url) > -1.0

    def _follow_discovered(
        self, found: list[DiscoveredURL], found_via: str, all_articles: bool
    ) -> Iterator[scrapy.Request]:
        """Request the URLs of a feed or sitemap on the site's hosts: every entry of a
        feed (`all_articles`), the entries of a sitemap that may be articles."""
        for entry in found:
            url = _safe_normalized(entry.url)
            if url is None or not is_fetchable(url) or netloc(url) not in self.site.hosts:
                continue
            if self.shapes.is_dead_shape(url):
                continue
            if all_articles or self._looks_like_article(url) or self.shapes.prior(url) >= 0:
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
            callback=self.read_page,
            errback=self.on_error,
            cb_kwargs={
                "found_via": found_via,
                "expand": role != "article" if expand is None else expand,
            },
            priority=_priority(role, self.shapes.is_article_shape(url)),
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
        priority: int = 5,
    ) -> scrapy.Request:
        """A request for a feed, sitemap or robots.txt (an `optional` one may be missing;
        `lastmod` is what a sitemap index says of a child sitemap)."""
        return scrapy.Request(
            url,
            callback=callback,
            errback=self.on_error,
            cb_kwargs={"found_via": found_via},
            priority=priority,
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


def _is_page(response: Response) -> bool:
    """True for a response to read as a page: text that is no JSON, and not served as
    another type (Scrapy takes a PDF's bytes for text when nothing says otherwise)."""
    if not isinstance(response, TextResponse) or isinstance(response, JsonResponse):
        return False
    if isinstance(response, HtmlResponse | XmlResponse):
        return True
    content_type = _content_type(response).split(";")[0].strip().lower()
    return not content_type or content_type.startswith("text/")


def _content_type(response: Response) -> str:
    """The response's `Content-Type` header ("" without one)."""
    return response.headers.get("Content-Type", b"").decode("latin-1").strip()


def _absolute(response: Response, href: str) -> str | None:
    """A link of `response` as a normalised absolute URL; None if it is no valid URL (a
    port out of range, a broken IPv6 address): pages link to anything."""
    try:
        return normalize_url(response.urljoin(href.strip()))
    except ValueError:
        return None


def _safe_normalized(url: str) -> str | None:
    """`normalize_url(url)`, or None if `url` is no valid URL."""
    try:
        return normalize_url(url)
    except ValueError:
        return None


def _priority(role: str, known_article_shape: bool) -> int:
    """Articles first (known article shapes before guesses), then pages to classify,
    then listings, so that articles are archived early in a run."""
    if role == "article":
        return 15 if known_article_shape else 10
    return 2 if role == "page" else 0


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


def _left_out(failure: Failure) -> bool:
    """True for a request not made on purpose (robots.txt forbids it, the crawl's budget
    is spent, the crawl is stopping): counted, no error. A redirect not followed and a
    response too large once unpacked are errors, although Scrapy ignores them alike."""
    return bool(failure.check(IgnoreRequest)) and not (
        failure.check(HttpError, OffsiteRequest, RedirectError) or _unpacks_too_large(failure)
    )


def _unpacks_too_large(failure: Failure) -> bool:
    """True for a response that Scrapy's HttpCompressionMiddleware refused because it
    unpacks (Content-Encoding) to more than DOWNLOAD_MAXSIZE."""
    cause = failure.value.__cause__
    return isinstance(cause, ValueError) and hasattr(cause, "max_size")


def _error_kind(failure: Failure) -> tuple[str, int | None]:
    if failure.check(OffsiteRequest):
        return "offsite", None
    if failure.check(HttpError):
        return "http", failure.value.response.status
    if failure.check(RedirectError):
        return "redirect", failure.value.status
    if failure.check(DownloadCancelledError) or _unpacks_too_large(failure):
        return "too_large", None
    if failure.check(CannotResolveHostError, DNSLookupError):
        return "dns", None
    if failure.check(DownloadConnectionRefusedError, ConnectionRefusedError):
        return "connection", None
    if failure.check(DownloadTimeoutError, TimeoutError, TCPTimedOutError):
        return "timeout", None
    return "fetch", None


def _error_message(failure: Failure, max_size: int) -> str:
    if failure.check(OffsiteRequest):
        how = "redirected" if failure.request.meta.get("redirect_urls") else "requested"
        return f"{how} {failure.getErrorMessage()}"
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    if failure.check(RedirectError):
        return failure.getErrorMessage()
    if _unpacks_too_large(failure):
        return f"the response unpacks to more than DOWNLOAD_MAXSIZE ({max_size} bytes)"
    if failure.check(DownloadCancelledError):
        return f"the response is larger than DOWNLOAD_MAXSIZE ({max_size} bytes)"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}"
