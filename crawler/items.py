"""The items that flow from the spider through the pipelines.

`ArticlePage` is what discovery yields: a fetched response that looks like an article.
`Article` is what extraction makes of it, and what storage writes. `NotModified` says a
revisit found an article unchanged. `PageVisit` records a fetched page that is not an
article. `CrawlError` records what could not be archived, and
why; storage writes it to the crawl log.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.extraction import ExtractedArticle


@dataclass
class ArticlePage:
    """A fetched article page, as the spider saw it (no parsing of its text)."""

    url: str  # final URL, after redirects, normalised
    requested_url: str
    status: int
    headers: dict[str, str]
    body: bytes
    encoding: str
    site: str
    found_via: str  # the listing page the link was found on, or "start"
    fetched_at: str  # ISO 8601, UTC
    lastmod: str | None = None  # the sitemap's or feed's last-modified time for the URL
    fetched_url: str | None = None  # the URL fetched (normalised), when `url` is its canonical
    # The extraction already made where the page was read (`crawler.pages.page_reading`), for
    # the extract stage to take as it is: `(url, ExtractedArticle or None)`, its URL the
    # one it was extracted for; None when the stage is to extract the page itself.
    extraction: tuple[str, Any] | None = field(default=None, repr=False, compare=False)


@dataclass
class PageVisit:
    """A fetched page that is not archived as an article: what it turned out to be
    ("listing", "other", "duplicate", "feed", "sitemap"), so later runs need not fetch it
    again (unless it is a listing, feed or sitemap) and the site's URL shapes are kept."""

    url: str
    site: str
    kind: str
    status: int
    template: str | None = None


@dataclass
class NotModified:
    """A revisit of an archived article answered 304 Not Modified: nothing to extract."""

    url: str
    site: str
    fetched_at: str


@dataclass
class Article:
    """An extracted article ready to be archived: the page and what extraction made of it."""

    page: ArticlePage
    extracted: ExtractedArticle
    # The text blocks of the page (fingerprint -> text) for the site's block statistics,
    # which the store stage writes with the article; None when learning is off.
    blocks: dict[str, str] | None = None


@dataclass
class CrawlError:
    """Something that could not be archived (a failed request, an unextractable page)."""

    url: str
    kind: str  # "http", "dns", "connection", "timeout", "extraction", ...
    message: str
    status: int | None = None
    found_via: str | None = None
