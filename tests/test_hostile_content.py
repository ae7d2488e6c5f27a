"""Hostile content, unit by unit (no server, no crawl): pages in legacy encodings, broken
JSON-LD, absurd page numbers and unparseable links, gzip bombs of sitemaps, redirect
loops, responses that are no pages, the crawl budget and the sitemap pacer."""

from __future__ import annotations

import gzip
from typing import Any

import lxml.html
import pytest
from scrapy import Request
from scrapy.exceptions import DontCloseSpider, DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.gz import gunzip
from scrapy.utils.test import get_crawler
from twisted.python.failure import Failure

from crawler.items import CrawlError, PageVisit
from crawler.limits import budget_warning
from crawler.middlewares.budget import CrawlBudget
from crawler.middlewares.pacing import SitemapPacer
from crawler.middlewares.redirects import RedirectError, RedirectGuardMiddleware
from crawler.pages.classify import classify_page
from crawler.pages.discovery import (
    SitemapTooLarge,
    feed_links,
    page_number,
    pagination_links,
    sitemap_entries,
    unpack_sitemap,
)
from crawler.pages.structured_data import jsonld_article, jsonld_by_id, jsonld_types
from crawler.sites import site_from_urls
from crawler.spiders.news import NewsSpider
from pipelines.extraction.authors import ld_author_names
from pipelines.extraction.encoding import page_encoding, page_text

BASE = "http://127.0.0.1:8000/"
FRENCH = "À Lyon, le marché ferme après cent ans : « un crève-cœur », 900 € de loyer."
RUSSIAN = "Правительство одобрило новый закон о налогах, который вступит в силу в январе."
JAPANESE = "地方気象台は十二日、市内の公園にある標本木で桜の開花を確認したと発表した。"


def page(text: str, head: str = "") -> str:
    """A small HTML page holding `text` twice."""
    return (
        f"<html><head>{head}<title>t</title></head><body><p>{text}</p><p>{text}</p></body></html>"
    )


# Encodings ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "content_type", "expected"),
    [
        (page(FRENCH).encode("cp1252"), "text/html; charset=windows-1252", "cp1252"),
        (page(FRENCH, '<meta charset="windows-1252">').encode("cp1252"), "text/html", "cp1252"),
        (page(FRENCH).encode("cp1252"), None, "cp1252"),  # detected: not windows-1250
        (page(FRENCH).encode("utf-8"), "text/html", "utf-8"),
        (page(RUSSIAN).encode("cp1251"), None, "cp1251"),
        (page(JAPANESE, '<meta charset="Shift_JIS">').encode("shift_jis"), None, "cp932"),
        (b"\xef\xbb\xbf" + page(FRENCH).encode("utf-8"), "text/html; charset=cp1252", "utf-8"),
    ],
    ids=["header", "meta", "undeclared", "utf-8", "cyrillic", "shift-jis", "bom-first"],
)
def test_page_encoding(body: bytes, content_type: str | None, expected: str):
    """A page's encoding: its byte order mark, else its header's charset, else its
    `<meta>`, else detected (windows-1252 when charset_normalizer hesitates between it and
    windows-1250, as it does for French)."""
    assert page_encoding(body, content_type) == expected


def test_page_text_decodes_with_the_given_encoding():
    """The text comes out right with the encoding given, whatever the page says."""
    body = page(FRENCH).encode("cp1252")
    assert FRENCH in page_text(body, "cp1252")
    assert JAPANESE in page_text(page(JAPANESE).encode("shift_jis"), "shift_jis")


@pytest.mark.parametrize("encoding", [None, "", "no-such-charset"])
def test_page_text_without_a_known_encoding(encoding: str | None):
    """Without a usable encoding, the page's own declaration decides, else detection."""
    declared = page(FRENCH, '<meta charset="windows-1252">').encode("cp1252")
    assert FRENCH in page_text(declared, encoding)
    assert FRENCH in page_text(page(FRENCH).encode("cp1252"), encoding)
    assert page_text(b"", encoding) == ""


# Structured data ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("obj", "expected"),
    [
        ({"@type": None}, set()),
        ({"@type": 5}, set()),
        ({"@type": {"name": "NewsArticle"}}, set()),
        ({"@type": ["NewsArticle", None, 5, ["Article"]]}, {"NewsArticle"}),
        ({"@type": "schema:NewsArticle"}, {"NewsArticle"}),
        ({"@type": "https://schema.org/BlogPosting"}, {"BlogPosting"}),
        ({}, set()),
    ],
)
def test_jsonld_types_of_anything(obj: dict[str, Any], expected: set[str]):
    """`@type` values that are no names (`null`, numbers, objects) are no types."""
    assert jsonld_types(obj) == expected


BROKEN_JSONLD = (
    '<script type="application/ld+json">{"@type": null, "headline": null}</script>'
    '<script type="application/ld+json">{"@type": "NewsArticle",,}</script>'
    '<script type="application/ld+json">["NewsArticle", "Person"]</script>'
    f'<script type="application/ld+json">{"[" * 5000}{"]" * 5000}</script>'
    '<script type="application/ld+json">{"@type": "Person", "@id": ["x"]}</script>'
    '<script type="application/ld+json">{"@type": ["NewsArticle", null], "@graph": null,'
    ' "headline": "Ferry berth approved", "@id": "#article"}</script>'
)


def test_broken_jsonld_is_read_around():
    """`null` types, invalid JSON, arrays of strings, arrays nested 5,000 deep and
    non-string ids are skipped: the page's article object is found, and the page is
    classified without an error."""
    tree = lxml.html.fromstring(page("The harbour board approved a ferry berth.", BROKEN_JSONLD))
    assert jsonld_article(tree)["headline"] == "Ferry berth approved"
    assert list(jsonld_by_id(tree)) == ["#article"]
    classify_page(BASE + "2024/05/02/ferry-berth-approved/", tree)


def test_ld_author_names_of_anything():
    """Authors that are `null`, numbers, or references by a list or an object are skipped."""
    authors = [None, 7, {"@id": ["x"]}, {"@id": {"a": 1}}, {"@id": "#p"}, {"name": "Ann Lee"}]
    assert ld_author_names(authors, {"#p": {"@type": "Person", "name": "Bo Ray"}}) == (
        ["Bo Ray", "Ann Lee"],
        [],
    )


# Page numbers and links -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (BASE + "news/?page=7", 7),
        (BASE + "news/page/123456/", 123456),
        (BASE + "news/page/99999999999999999999/", None),
        (BASE + "news/?page=" + "9" * 5000, None),
        (BASE + "news/?page=" + "9" * 5000 + "&sort=new", None),
    ],
)
def test_page_number_of_absurd_numbers(url: str, expected: int | None):
    """A page number has at most six digits: 5,000 of them are no page number (and no
    `ValueError` from `int()`)."""
    assert page_number(url) == expected


def test_links_that_are_no_urls_are_skipped():
    """A broken IPv6 address in one link does not cost the page its other links."""
    tree = lxml.html.fromstring(
        '<html><head><link rel="alternate" type="application/rss+xml" href="http://[::1/f">'
        '<link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>'
        '<a href="http://[::1/broken?page=2">x</a><a href="/news/?page=2">Next</a></body></html>'
    )
    assert pagination_links(tree, BASE) == {BASE + "news/?page=2"}
    assert feed_links(tree, BASE) == [BASE + "feed.xml"]
    sitemap = (
        b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        b"<url><loc>http://[::1/x</loc></url><url><loc>/2024/05/02/a/</loc></url></urlset>"
    )
    pages, _ = sitemap_entries(sitemap, BASE + "sitemap.xml")
    assert [entry.url for entry in pages] == [BASE + "2024/05/02/a/"]


# Gzipped sitemaps -----------------------------------------------------------------------

URLSET = b'<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'


def test_unpack_sitemap_within_its_limit():
    """A gzipped sitemap unpacks to its XML; a plain one is itself; a corrupt one is
    nothing; limit 0 is no limit."""
    xml = URLSET + b"<url><loc>/a/</loc></url></urlset>"
    assert unpack_sitemap(gzip.compress(xml), max_size=len(xml)) == xml
    assert unpack_sitemap(xml, max_size=1) == xml
    assert unpack_sitemap(b"\x1f\x8b\x08garbage", max_size=100) == b""
    assert unpack_sitemap(gzip.compress(xml * 1000), max_size=0) == xml * 1000


def test_unpack_sitemap_stops_a_bomb():
    """A gzipped sitemap that unpacks to more than the limit raises `SitemapTooLarge`
    once past it, before unpacking the rest."""
    bomb = gzip.compress(URLSET + bytes(10 * 1024 * 1024))
    with pytest.raises(SitemapTooLarge, match="more than 65536 bytes") as raised:
        unpack_sitemap(bomb, max_size=64 * 1024)
    assert raised.value.limit == 64 * 1024


# Redirects ------------------------------------------------------------------------------


def redirected(url: str, location: str, chain: tuple[str, ...] = (), **meta: Any):
    """A redirect response to `location`, for a request of `url` reached through `chain`."""
    request = Request(url, meta={"redirect_urls": list(chain), **meta})
    return request, Response(url, status=302, headers={"Location": location}, request=request)


def test_redirect_loop_is_an_error():
    """A redirect back to a URL of its chain raises `RedirectError` naming the chain;
    others pass, a redirect to another form of the URL (`/a` to `/a/`) included."""
    guard = RedirectGuardMiddleware(max_redirects=20)
    request, response = redirected(BASE + "b/", "/a/?utm_source=x", chain=(BASE + "a/",))
    with pytest.raises(RedirectError) as raised:
        guard.process_response(request, response)
    assert raised.value.chain == [BASE + "a/", BASE + "b/", BASE + "a/?utm_source=x"]
    request, response = redirected(BASE + "a", "/a/")
    assert guard.process_response(request, response) is response
    assert raised.value.status == 302
    assert str(raised.value).startswith("redirect loop: ")
    request, response = redirected(BASE + "b/", "/c/", chain=(BASE + "a/",))
    assert guard.process_response(request, response) is response
    request, response = redirected(BASE + "b/", "/a/", chain=(BASE + "a/",), dont_redirect=True)
    assert guard.process_response(request, response) is response
    request, response = redirected(BASE + "b/", "http://[::1/x", chain=(BASE + "a/",))
    assert guard.process_response(request, response) is response


def test_too_many_redirects_is_an_error():
    """The redirect that `REDIRECT_MAX_TIMES` would refuse raises `RedirectError`."""
    guard = RedirectGuardMiddleware(max_redirects=2)
    request, response = redirected(BASE + "c/", "/d/", chain=(BASE + "a/", BASE + "b/"))
    with pytest.raises(RedirectError, match="more than 2 redirects"):
        guard.process_response(request, response)


# The spider: failures and responses that are no pages ------------------------------------


def news_spider(**settings: Any) -> NewsSpider:
    """A news spider of a site at `BASE`, with its crawler (not run)."""
    crawler = get_crawler(NewsSpider, settings_dict=settings)
    spider = NewsSpider.from_crawler(crawler, site=site_from_urls([BASE]))
    crawler.spider = spider
    return spider


def failure_of(url: str, raise_error: Any, **meta: Any) -> Failure:
    """The failure of a request for `url` (with `meta`) whose download `raise_error()`d."""
    try:
        raise_error()
    except Exception:
        failure = Failure()
    failure.request = Request(url, meta=meta, cb_kwargs={"found_via": "start"})
    return failure


def _raise(error: Exception) -> Any:
    def raising() -> None:
        raise error

    return raising


def _decompression_refused() -> None:
    """What Scrapy's HttpCompressionMiddleware raises for a response that unpacks to
    more than DOWNLOAD_MAXSIZE."""
    try:
        gunzip(gzip.compress(bytes(100_000)), max_size=1000)
    except ValueError as error:
        raise IgnoreRequest("Ignored response: exceeded DOWNLOAD_MAXSIZE") from error


@pytest.mark.parametrize(
    ("raise_error", "kind", "message"),
    [
        (_raise(DownloadCancelledError("")), "too_large", "is larger than DOWNLOAD_MAXSIZE"),
        (_decompression_refused, "too_large", "unpacks to more than DOWNLOAD_MAXSIZE"),
    ],
)
def test_too_large_is_an_error(raise_error: Any, kind: str, message: str):
    """A download cut at DOWNLOAD_MAXSIZE, or refused once unpacked past it, is an
    error of kind `too_large` (Scrapy ignores the second like a robots.txt refusal)."""
    spider = news_spider(DOWNLOAD_MAXSIZE=2048)
    error = spider.on_error(failure_of(BASE + "2024/05/13/huge/", raise_error))
    assert isinstance(error, CrawlError)
    assert (error.kind, error.status) == (kind, None)
    assert message in error.message
    assert "(2048 bytes)" in error.message


def test_redirect_loop_is_the_error_of_the_link():
    """A redirect loop is an error of kind `redirect` for the URL the page linked to."""
    chain = [BASE + "a/", BASE + "b/", BASE + "a/"]
    failure = failure_of(
        BASE + "b/", _raise(RedirectError("redirect loop", chain, 302)), redirect_urls=chain[:1]
    )
    error = news_spider().on_error(failure)
    assert isinstance(error, CrawlError)
    assert (error.url, error.kind, error.status) == (BASE + "a/", "redirect", 302)


def test_budget_refusals_are_no_errors():
    """A request the crawl budget refused is counted as left out, not an error."""
    spider = news_spider()
    refused = failure_of(BASE + "x/", _raise(IgnoreRequest("crawl budget spent (budget_pages)")))
    assert spider.on_error(refused) is None
    assert spider.crawler.stats.get_value("news/skipped/ignored") == 1


def response_for(body: bytes, content_type: str, cls: type = TextResponse, **meta: Any):
    """A response to an article request (or one with `meta`), served as `content_type`."""
    url = BASE + "2024/05/12/report/"
    request = Request(url, meta={"role": "article", **meta})
    return cls(url, body=body, headers={"Content-Type": content_type}, request=request)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf"),
        (b'{"headline": "x"}', "application/json"),
        (b"\x00\x01binary", "application/octet-stream"),
    ],
)
def test_an_article_link_to_no_html_page_is_an_error(body: bytes, content_type: str):
    """An article link answered with a PDF, JSON or binary data (which Scrapy may take
    for text) is an error of kind `not_html`, and remembered as no article."""
    spider = news_spider()
    error, visit = spider.parse_page(response_for(body, content_type), "start", expand=False)
    assert isinstance(error, CrawlError)
    assert (error.kind, error.status) == ("not_html", 200)
    assert content_type in error.message
    assert isinstance(visit, PageVisit)
    assert visit.kind == "other"


def test_other_links_to_no_html_page_are_skipped():
    """A listing link that is no HTML page is counted, not an error."""
    response = response_for(b"%PDF-1.4", "application/pdf", role="listing")
    assert list(news_spider().parse_page(response, "start", expand=True)) == []


def test_an_empty_page_is_an_error():
    """A page with an empty body (200) is an error of kind `empty`."""
    response = response_for(b" \n", "text/html", cls=HtmlResponse)
    [error] = news_spider().parse_page(response, "start", expand=False)
    assert isinstance(error, CrawlError)
    assert (error.kind, error.status) == ("empty", 200)


def test_sitemap_bomb_is_an_error():
    """A gzipped sitemap that unpacks to more than DOWNLOAD_MAXSIZE is an error of kind
    `too_large`, and nothing of it is followed."""
    spider = news_spider(DOWNLOAD_MAXSIZE=4096)
    bomb = gzip.compress(URLSET + b"<url><loc>/2024/05/02/a/</loc></url>" + bytes(100_000))
    request = Request(BASE + "sitemap.xml.gz", meta={"role": "sitemap"})
    response = Response(BASE + "sitemap.xml.gz", body=bomb, request=request)
    [error] = spider.parse_sitemap(response, "start")
    assert isinstance(error, CrawlError)
    assert (error.kind, error.status) == ("too_large", 200)
    assert "more than 4096 bytes" in error.message


def test_a_listing_with_hostile_links_keeps_its_other_links():
    """A listing that links to absurd page numbers and to URLs that are no URLs still
    leads to its articles."""
    hrefs = [
        "/news/?page=" + "9" * 5000,
        "/news/page/99999999999999999999/",
        "http://[::1/broken",
        "http://127.0.0.1:99999/x",
        "/2024/05/02/ferry-berth-approved/",
        "/2024/05/03/quay-lights-restored/",
    ]
    items = "".join(
        f'<li><a href="{href}">A headline long enough {n}</a></li>' for n, href in enumerate(hrefs)
    )
    body = f"<html><body><main><ul>{items}</ul></main></body></html>".encode()
    request = Request(BASE, meta={"role": "listing", "start": True})
    response = HtmlResponse(BASE, body=body, request=request)
    outputs = list(news_spider().parse_page(response, "start", expand=True))
    urls = {output.url for output in outputs if isinstance(output, Request)}
    assert {
        BASE + "2024/05/02/ferry-berth-approved/",
        BASE + "2024/05/03/quay-lights-restored/",
    } <= urls


def test_query_string_variants_are_capped_per_path():
    """A path is followed with at most `NEWS_MAX_QUERY_VARIANTS` query strings; the same
    one again, and other paths, are not counted against it."""
    spider = news_spider(NEWS_MAX_QUERY_VARIANTS=2)
    too_many = spider._one_variant_too_many
    assert not too_many(BASE + "news/?sort=a")
    assert not too_many(BASE + "news/?sort=b")
    assert not too_many(BASE + "news/?sort=a")
    assert too_many(BASE + "news/?sort=c")
    assert not too_many(BASE + "news/")
    assert not too_many(BASE + "world/?sort=c")
    assert spider.crawler.stats.get_value("news/skipped/query_variants") == 1


# The crawl budget -----------------------------------------------------------------------


class FakeEngine:
    """Records what is handed to the engine."""

    def __init__(self) -> None:
        self.crawled: list[Request] = []
        self.closed: list[str] = []

    def crawl(self, request: Request) -> None:
        """Take `request`."""
        self.crawled.append(request)

    def close_spider_async(self, *, reason: str) -> None:
        """Record the close `reason`."""
        self.closed.append(reason)


def budget(**settings: Any) -> CrawlBudget:
    """The budget middleware of a crawler with `settings` (and a stand-in engine)."""
    crawler = get_crawler(settings_dict=settings)
    crawler.engine = FakeEngine()  # type: ignore[assignment]
    return CrawlBudget.from_crawler(crawler)


def test_no_budget_no_middleware():
    """With no page and no request budget, the middleware is not installed."""
    with pytest.raises(NotConfigured):
        budget(NEWS_MAX_PAGES=0, NEWS_MAX_REQUESTS=0)


def test_page_budget_counts_downloads_under_way():
    """Pages received and pages being downloaded count against the page budget (not
    Scrapy's own robots.txt requests); once it is spent, every further request is
    refused."""
    middleware = budget(NEWS_MAX_PAGES=2, NEWS_MAX_REQUESTS=0)
    first, second = Request(BASE + "1"), Request(BASE + "2")
    robots = Request(BASE + "robots.txt", meta={"dont_obey_robotstxt": True})
    for request in (robots, first, second):
        middleware.process_request(request)
    with pytest.raises(IgnoreRequest, match="budget_pages"):
        middleware.process_request(Request(BASE + "3"))
    middleware.process_response(first, Response(first.url, request=first))
    middleware.process_exception(second, TimeoutError())
    assert (middleware.pages, middleware.pages_pending, middleware.spent) == (1, 0, "budget_pages")
    assert middleware.crawler.engine.closed == ["budget_pages"]  # closed once
    with pytest.raises(IgnoreRequest):
        middleware.process_request(Request(BASE + "4"))
    assert middleware.crawler.stats.get_value("budget/requests_refused") == 2


def test_request_budget_counts_every_request():
    """Every request sent counts against the request budget, robots.txt included."""
    middleware = budget(NEWS_MAX_PAGES=0, NEWS_MAX_REQUESTS=2)
    middleware.process_request(Request(BASE + "robots.txt", meta={"dont_obey_robotstxt": True}))
    middleware.process_request(Request(BASE + "1"))
    with pytest.raises(IgnoreRequest, match="budget_requests"):
        middleware.process_request(Request(BASE + "2"))


@pytest.mark.parametrize(
    ("reason", "stats", "expected"),
    [
        ("budget_pages", {}, "(NEWS_MAX_PAGES=7)"),
        ("budget_requests", {}, "(NEWS_MAX_REQUESTS=9)"),
        ("memusage_exceeded", {}, "(MEMUSAGE_LIMIT_MB=64)"),
        ("finished", {"depth/request_ignored_count": 3}, "3 link(s) deeper than DEPTH_LIMIT=4"),
        ("finished", {}, None),
        ("max_articles", {}, None),
    ],
)
def test_budget_warning(reason: str, stats: dict[str, int], expected: str | None):
    """A run that stopped at a limit says which; other runs have nothing to say."""
    crawler = get_crawler(
        settings_dict={
            "NEWS_MAX_PAGES": 7,
            "NEWS_MAX_REQUESTS": 9,
            "MEMUSAGE_LIMIT_MB": 64,
            "DEPTH_LIMIT": 4,
        }
    )
    crawler.stats.open_spider()
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    warning = budget_warning(reason, crawler.stats, crawler.settings)
    assert warning == expected if expected is None else expected in warning


# Sitemap pacing -------------------------------------------------------------------------


def test_child_sitemaps_are_let_out_a_few_at_a_time():
    """Of a sitemap index's children, two are out at a time; each child sitemap parsed
    lets out the next; other requests pass straight through."""
    crawler = get_crawler()
    pacer = SitemapPacer(crawler, at_once=2)
    children = [Request(f"{BASE}sitemaps/{n}.xml", meta={"sitemap_child": True}) for n in range(5)]
    article = Request(BASE + "2024/05/02/a/")
    index = Response(BASE + "sitemap.xml", request=Request(BASE + "sitemap.xml"))
    out = list(pacer.process_spider_output(index, [*children, article]))
    assert out == [article, children[0], children[1]]
    parsed = Response(children[0].url, request=children[0])
    assert list(pacer.process_spider_output(parsed, [])) == [children[2]]
    assert list(pacer.process_spider_output(index, [])) == []  # not a child: nothing more


def test_idle_crawl_lets_out_the_next_sitemaps():
    """When the crawl has nothing left to do (a child sitemap failed), the next ones go
    to the engine and the spider stays open; with none left, it may close."""
    crawler = get_crawler()
    crawler.engine = FakeEngine()  # type: ignore[assignment]
    pacer = SitemapPacer(crawler, at_once=2)
    children = [Request(f"{BASE}sitemaps/{n}.xml", meta={"sitemap_child": True}) for n in range(3)]
    index = Response(BASE + "sitemap.xml", request=Request(BASE + "sitemap.xml"))
    list(pacer.process_spider_output(index, children))
    with pytest.raises(DontCloseSpider):
        pacer.spider_idle()
    assert crawler.engine.crawled == [children[2]]
    pacer.spider_idle()  # nothing pending: no exception
