"""What the spider reads of an HTML page before it decides what the page is.

A page's *reading* is what the `news` spider needs of its parsed HTML to judge it: the
wall it is (a consent wall, a bot challenge), the tag, category and author pages it links
to, its article score (`crawler.pages.classify.article_score`) and its canonical URL. It depends
on the page alone, not on what the crawl has learned (the URL-shape prior is added after),
so it can be worked out wherever the page is parsed: in the crawl's process, or in an
extraction worker (`read_response`, which parses the body exactly as the response's
selector does), which leaves the crawl's process free to download while article
pages are parsed and scored elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from lxml.html import HtmlElement
from scrapy.http import HtmlResponse

from crawler.pages.classify import article_score
from crawler.pages.walls import wall_reason

__all__ = ["PageReading", "read_response", "read_tree"]

TAXONOMY_HREFS = etree.XPath(
    "//a[@href][contains(concat(' ', normalize-space(@rel), ' '), ' tag ')"
    " or contains(concat(' ', normalize-space(@rel), ' '), ' category ')"
    " or contains(concat(' ', normalize-space(@rel), ' '), ' author ')"
    " or contains(concat(' ', normalize-space(@class), ' '), ' tag-cloud-link ')]/@href",
    smart_strings=False,
)

CANONICAL_HREF = etree.XPath(
    '//link[@href][contains(concat(" ", normalize-space(@rel), " "), " canonical ")]/@href',
    smart_strings=False,
)


@dataclass(frozen=True)
class PageReading:
    """What the spider reads of a page (see the module's docstring). `article_score` is
    None when it was not asked for (a user's `article_url_pattern` already says the page
    is no article), and for a wall. `extraction`, when the reading was made with one
    (`ExtractionPool.read`), is `(url, article)`: the page's extracted article, or None
    for a page without article text, extracted for `url`."""

    wall: str | None
    taxonomy_hrefs: tuple[str, ...]
    article_score: float | None
    canonical_href: str | None
    extraction: tuple[str, Any] | None = None


def read_tree(url: str, tree: HtmlElement, score: bool = True) -> PageReading:
    """The reading of the page at `url`, parsed as `tree` (its article score only if
    `score`)."""
    wall = wall_reason(tree)
    if wall:
        return PageReading(wall, (), None, None)
    canonical = CANONICAL_HREF(tree)
    return PageReading(
        wall=None,
        taxonomy_hrefs=tuple(TAXONOMY_HREFS(tree)),
        article_score=article_score(url, tree) if score else None,
        canonical_href=canonical[0] if canonical else None,
    )


def read_response(url: str, body: bytes, encoding: str, score: bool) -> PageReading:
    """The reading of a fetched HTML page from its body and the encoding its response
    was decoded with, parsed as Scrapy's `HtmlResponse` parses it (same text, same
    parser): the reading the spider would make of the response."""
    response = HtmlResponse(url=url, body=body, encoding=encoding)
    return read_tree(url, response.selector.root, score)
