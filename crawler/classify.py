"""Deciding what kind of page a response is: an article, or a listing to take links from.

The decision uses, in order: the URL (home, section, tag, author and pagination URLs are
never articles), a site's own article URL pattern when it has one, the page's structured
data (JSON-LD article types, `og:type`), and finally the page's structure (one main
`<article>` with a body of real paragraphs).
"""

from __future__ import annotations

import enum
import re

from lxml.html import HtmlElement

from crawler.structured_data import ARTICLE_TYPES, jsonld_objects, jsonld_types, meta_value
from crawler.urls import path_of

LISTING_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage"})

# Path segments that mark listing pages on news sites and blogs.
_LISTING_PATH_RE = re.compile(
    r"/(tag|tags|category|categories|section|sections|topic|topics|author|authors|"
    r"autor|auteur|autore|page|archive|archives|search|feed|label)(/|$)",
    re.IGNORECASE,
)
_PAGINATION_RE = re.compile(r"/page/\d+/?$|[?&](page|paged)=\d+", re.IGNORECASE)
_POST_ID_QUERY_RE = re.compile(r"[?&](p|id|story_id|article_id)=\d+")  # WordPress' ?p=123
_DATE_PATH_RE = re.compile(r"/(19|20)\d{2}/(0?[1-9]|1[0-2])/")
_ID_PATH_RE = re.compile(r"[-/_.](\d{5,})(\.html?)?/?$|\.html?$")
_SLUG_RE = re.compile(r"/[^/]*[a-z0-9]+(-[a-z0-9]+){3,}[^/]*/?$", re.IGNORECASE)

MIN_BODY_PARAGRAPHS = 3
MIN_BODY_CHARS = 400


class PageKind(enum.StrEnum):
    """What a fetched page is, for discovery."""

    ARTICLE = "article"
    LISTING = "listing"


def is_listing_url(url: str) -> bool:
    """True for URLs that are home, section, tag, author, search or pagination pages."""
    path = path_of(url)
    if path == "/" and not _POST_ID_QUERY_RE.search(url):
        return True
    return bool(_LISTING_PATH_RE.search(path) or _PAGINATION_RE.search(url))


def looks_like_article_url(url: str, article_url_pattern: re.Pattern[str] | None = None) -> bool:
    """A guess from the URL alone: a dated path, a numeric id, or a long slug."""
    if article_url_pattern is not None:
        return bool(article_url_pattern.search(url))
    if is_listing_url(url):
        return False
    path = path_of(url)
    return bool(
        _DATE_PATH_RE.search(path)
        or _ID_PATH_RE.search(path)
        or _SLUG_RE.search(path)
        or _POST_ID_QUERY_RE.search(url)
    )


def classify_page(
    url: str, tree: HtmlElement, article_url_pattern: re.Pattern[str] | None = None
) -> PageKind:
    """Whether the page at `url` (parsed as `tree`) is an article or a listing."""
    if is_listing_url(url):
        return PageKind.LISTING
    if article_url_pattern is not None and not article_url_pattern.search(url):
        return PageKind.LISTING
    declared = _declared_kind(tree)
    if declared is not None:
        return declared
    return PageKind.ARTICLE if _has_article_body(tree) else PageKind.LISTING


def _declared_kind(tree: HtmlElement) -> PageKind | None:
    """What the page's own JSON-LD or OpenGraph says it is, if it says."""
    types: set[str] = set()
    for obj in jsonld_objects(tree):
        types |= jsonld_types(obj)
    if types & LISTING_TYPES:
        return PageKind.LISTING
    if types & ARTICLE_TYPES:
        return PageKind.ARTICLE
    og_type = (meta_value(tree, "og:type") or "").lower()
    if og_type == "article":
        return PageKind.ARTICLE
    if og_type:
        return PageKind.LISTING
    return None


def _has_article_body(tree: HtmlElement) -> bool:
    """One main `<article>` (or `itemprop=articleBody`) holding several real paragraphs."""
    bodies = tree.xpath('//*[@itemprop="articleBody"]')
    if not bodies:
        bodies = tree.xpath("//article")
        if len(bodies) != 1:
            return False
    paragraphs = [p.text_content().strip() for p in bodies[0].iter("p")]
    paragraphs = [p for p in paragraphs if len(p) >= 80]
    return len(paragraphs) >= MIN_BODY_PARAGRAPHS and sum(map(len, paragraphs)) >= MIN_BODY_CHARS
