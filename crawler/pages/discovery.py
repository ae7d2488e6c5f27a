"""Finding article URLs beyond listing pages: RSS/Atom feeds, XML sitemaps, robots.txt,
and telling pagination links apart from other listing links.

Pure functions over response bodies and URLs; the spider decides what to request.
Feeds are parsed with feedparser, sitemaps with Scrapy's own sitemap parser (the one
`SitemapSpider` uses), which handles sitemap indexes and news sitemaps alike. A gzipped
sitemap is unpacked with a size limit, as `SitemapSpider` does: a small `.xml.gz` can
unpack to gigabytes.
"""

from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from time import struct_time
from urllib.parse import urljoin

import feedparser
from lxml import etree
from lxml.html import HtmlElement
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

__all__ = [
    "MAX_SITEMAP_BYTES",
    "DiscoveredURL",
    "SitemapTooLarge",
    "feed_entries",
    "feed_links",
    "looks_like_feed",
    "looks_like_sitemap",
    "page_number",
    "pagination_links",
    "sitemap_entries",
    "sitemaps_from_robots",
    "unpack_sitemap",
]

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")

# A page number has at most this many digits: `?page=` followed by thousands of digits
# is a trap (or a bug), not page 10^5000 of a listing.
_MAX_PAGE_DIGITS = 6
_PAGE_NUMBER_RES = (
    re.compile(rf"/page/(\d{{1,{_MAX_PAGE_DIGITS}}})/?(?:[?#].*)?$", re.IGNORECASE),
    re.compile(rf"[?&](?:page|paged|pg)=(\d{{1,{_MAX_PAGE_DIGITS}}})(?:&|#|$)", re.IGNORECASE),
)

# What a sitemap may unpack to when no smaller limit is given: the sitemaps protocol's
# own maximum (50 MB uncompressed).
MAX_SITEMAP_BYTES = 50 * 1024 * 1024


class SitemapTooLarge(ValueError):
    """A gzipped sitemap that unpacks to more than the size limit."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"gzipped sitemap unpacks to more than {limit} bytes")
        self.limit = limit


@dataclass(frozen=True)
class DiscoveredURL:
    """A URL found in a feed or sitemap, with the last-modified time given for it."""

    url: str
    lastmod: str | None = None


def feed_links(tree: HtmlElement, base_url: str) -> list[str]:
    """The feeds a page announces with `<link rel="alternate" type="application/rss+xml">`
    (or Atom), as absolute URLs."""
    links = []
    for link in tree.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().strip()
        if "alternate" in rel and kind in FEED_TYPES:
            url = _join(base_url, link.get("href"))
            if url is not None:
                links.append(url)
    return links


def looks_like_feed(body: bytes) -> bool:
    """True if the body starts like an RSS or Atom document."""
    head = body[:1024].lstrip().lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def unpack_sitemap(body: bytes, max_size: int = MAX_SITEMAP_BYTES) -> bytes:
    """The XML of a sitemap body: the body itself, or what it unpacks to if gzipped (a
    corrupt or truncated one unpacks to what was readable, or nothing). Raises
    `SitemapTooLarge` once more than `max_size` bytes are unpacked (0: no limit)."""
    if body[:2] != b"\x1f\x8b":
        return body
    try:
        return gunzip(body, max_size=max_size)
    except (OSError, EOFError, zlib.error, struct.error):  # corrupt: nothing readable
        return b""
    except ValueError as error:  # Scrapy's decompression limit
        raise SitemapTooLarge(max_size) from error


def looks_like_sitemap(body: bytes) -> bool:
    """True if the body (gzipped or not) is a sitemap or sitemap index."""
    head = unpack_sitemap(body)[:2048].lower()
    return b"<urlset" in head or b"<sitemapindex" in head


def feed_entries(body: bytes, base_url: str) -> list[DiscoveredURL]:
    """The entry links of an RSS or Atom feed, with each entry's updated (or published)
    time in ISO 8601."""
    parsed = feedparser.parse(body, response_headers={"content-location": base_url})
    entries = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        # dict.get: feedparser's own get() maps "updated" to "published" with a warning.
        when = dict.get(entry, "updated_parsed") or dict.get(entry, "published_parsed")
        url = _join(base_url, link)
        if url is not None:
            entries.append(DiscoveredURL(url, _iso(when)))
    return entries


def sitemap_entries(body: bytes, base_url: str) -> tuple[list[DiscoveredURL], list[DiscoveredURL]]:
    """The (page URLs, child sitemap URLs) of a sitemap or sitemap index, each with its
    `lastmod`. A gzipped sitemap is unpacked first (pass the XML of `unpack_sitemap` to
    unpack it only once); a broken one yields what was readable."""
    body = unpack_sitemap(body)
    pages: list[DiscoveredURL] = []
    children: list[DiscoveredURL] = []
    if not body.strip():
        return pages, children
    try:
        sitemap = Sitemap(body)
    except etree.XMLSyntaxError:
        return pages, children
    for entry in sitemap:
        url = _join(base_url, entry["loc"])
        if url is None:
            continue
        found = DiscoveredURL(url, entry.get("lastmod") or None)
        (children if sitemap.type == "sitemapindex" else pages).append(found)
    return pages, children


def sitemaps_from_robots(body: bytes, base_url: str) -> list[str]:
    """The `Sitemap:` URLs of a robots.txt file."""
    return list(sitemap_urls_from_robots(body, base_url=base_url))


def page_number(url: str) -> int | None:
    """The page number of a paginated listing URL (`/page/3/`, `?page=3`), or None."""
    for pattern in _PAGE_NUMBER_RES:
        match = pattern.search(url)
        if match:
            return int(match.group(1))
    return None


def pagination_links(tree: HtmlElement, base_url: str) -> set[str]:
    """Links of a listing page that lead to its other pages: `rel="next"` / `rel="prev"`,
    links whose URL carries a page number or an item offset (`?offset=20`, `?start=20`),
    and "Load more" / "Older posts" / "Next page" links."""
    links = set()
    for anchor in tree.xpath("//a[@href] | //link[@href]"):
        href = _join(base_url, anchor.get("href"))
        if href is None:
            continue
        rel = (anchor.get("rel") or "").lower().split()
        if (
            "next" in rel
            or "prev" in rel
            or page_number(href) is not None
            or _OFFSET_RE.search(href)
            or (
                anchor.tag == "a"
                and _MORE_TEXT_RE.fullmatch(" ".join(anchor.text_content().split()))
            )
        ):
            links.add(href)
    return links


# A listing's later items, by offset rather than page number.
_OFFSET_RE = re.compile(r"[?&](?:offset|start|from|skip)=\d+(?:&|#|$)", re.IGNORECASE)
# The text of links to a listing's next items, in the languages of the dev sets.
_MORE_TEXT_RE = re.compile(
    r"(?:[«»‹›<>←→]+\s*)?(?:load more(?: stories| articles| posts)?"
    r"|more (?:stories|articles|news|posts)|older (?:posts|entries|stories|articles)"
    r"|newer (?:posts|entries)|next page|previous page"
    r"|next|previous|weitere artikel|mehr laden|nächste seite|vorherige seite|weiter"
    r"|page suivante|suivant|plus d'articles|siguiente|página siguiente|ver más|cargar más)"
    r"(?:\s*[«»‹›<>←→]+)?",
    re.IGNORECASE,
)


def _join(base_url: str, href: str) -> str | None:
    """`href` made absolute against `base_url`; None if it is no valid URL (a broken
    IPv6 address): one bad link must not cost a page all its others."""
    try:
        return urljoin(base_url, href.strip())
    except ValueError:
        return None


def _iso(when: struct_time | None) -> str | None:
    if when is None:
        return None
    return datetime(*when[:6], tzinfo=UTC).isoformat()
