"""Article metadata from the page's own structured data first.

Order of trust: JSON-LD (NewsArticle, BlogPosting...), then OpenGraph and `article:*`
meta tags, then trafilatura's guesses. Values come out clean: authors as a list of names,
dates in ISO 8601 (with the page's timezone when it gives one), absolute URLs.
"""

from __future__ import annotations

import html
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from htmldate.extractors import extract_url_date
from htmldate.utils import Extractor
from lxml import etree
from lxml.html import HtmlElement

from crawler.pages.structured_data import jsonld_article, jsonld_by_id, jsonld_objects, jsonld_types
from pipelines.extraction.authors import clean_authors, ld_author_names, pick_authors
from pipelines.extraction.titles import headline

__all__ = ["clean_authors", "iso_date", "page_metadata"]

# Meta tags that name authors: HTML, OpenGraph, Dublin Core and Highwire ("Last, First").
_AUTHOR_META = ("author", "article:author", "dc.creator", "DC.creator", "citation_author")
# Meta tags that name the article's picture, in the order trafilatura reads them.
_IMAGE_META = (
    "og:image",
    "og:image:url",
    "og:image:secure_url",
    "twitter:image",
    "twitter:image:src",
    "image",
)


class MetaTags:
    """A page's `<meta>` contents by name (`property`, `name` or `itemprop`), read in one
    pass over the page instead of one search per name."""

    def __init__(self, tree: HtmlElement) -> None:
        self._values: dict[str, list[str]] = {}
        for element in tree.xpath("//meta[@content]"):
            content = element.get("content", "").strip()
            if not content:
                continue
            names = {element.get(attribute) for attribute in ("property", "name", "itemprop")}
            for name in names - {None, ""}:
                self._values.setdefault(name, []).append(content)

    def values(self, name: str) -> list[str]:
        """Every content for `name`, in page order."""
        return self._values.get(name, [])

    def value(self, name: str) -> str | None:
        """The first content for `name`, or None."""
        values = self._values.get(name)
        return values[0] if values else None


def page_metadata(tree: HtmlElement, url: str, fallback: Mapping[str, Any]) -> dict[str, Any]:
    """The article's metadata fields, from `tree`'s structured data, then `fallback`
    (trafilatura's metadata as a dict; it is slow to work out, so read only for a title,
    authors, a date, tags or a description the page's own markup lacks)."""
    ld = jsonld_article(tree) or {}
    meta = MetaTags(tree)
    site_names = _site_names(meta, ld)
    titles = [_text(ld.get("headline")), _text(meta.value("og:title"))]
    if not any(titles):
        titles.append(_text(fallback.get("title")))
    description = _first(meta.value("description"), meta.value("og:description"))
    return {
        "canonical_url": _canonical_url(tree, meta, url),
        "title": headline(tree, titles, site_names, url, description),
        "authors": _authors(tree, meta, ld, fallback, site_names, url),
        "published": _published(tree, meta, ld, url, fallback),
        "modified": _first_date(
            ld.get("dateModified"),
            meta.value("article:modified_time"),
            meta.value("og:updated_time"),
        ),
        "section": _first(_first_text(ld.get("articleSection")), meta.value("article:section")),
        "tags": _tags(meta, ld, fallback),
        "language": _language(tree, meta, ld),
        "description": _first(description, _text(ld.get("description")))
        or _first(fallback.get("description")),
        "image": _absolute(
            url,
            _first(*(meta.value(name) for name in _IMAGE_META), _image(ld.get("image"))),
        ),
    }


def iso_date(value: Any) -> str | None:
    """`value` as an ISO 8601 date or datetime string, or None if it is not a date."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if len(text) == 10:  # a plain date stays a date
        return parsed.date().isoformat()
    return parsed.isoformat()


def _published(
    tree: HtmlElement, meta: MetaTags, ld: dict[str, Any], url: str, fallback: Mapping[str, Any]
) -> str | None:
    """The article's publishing date: the page's structured data (the article's JSON-LD,
    `article:published_time`, microdata, then the JSON-LD web page's `datePublished`),
    else the article's own `<time datetime>`, else trafilatura's (htmldate's) guess.

    A full date in the URL (`/2025/12/18/`) is the day the publisher's system filed the
    story under, in the publisher's time zone: a date on another day (a UTC time past
    midnight, a republished story) gives way to the page's first date on the URL's day,
    or to the URL's date alone. (The URL alone makes no date: htmldate, the last resort,
    reads it already.)"""
    candidates = _date_candidates(tree, meta, ld)
    published = next(candidates, None) or iso_date(fallback.get("date"))
    url_day = _url_date(url)
    if url_day and published and published[:10] != url_day:
        dates = (*candidates, iso_date(fallback.get("date")))
        published = next((date for date in dates if date and date[:10] == url_day), url_day)
    return published


def _date_candidates(tree: HtmlElement, meta: MetaTags, ld: dict[str, Any]) -> Iterator[str]:
    """The page's own publishing dates, most trusted first, each worked out only when
    asked for."""
    yield from filter(
        None,
        (
            iso_date(ld.get("datePublished")),
            iso_date(meta.value("article:published_time")),
            iso_date(meta.value("datePublished")),
        ),
    )
    if not ld:
        date = iso_date(_web_page_date(tree))
        if date:
            yield date
    yield from _page_times(tree)


def _web_page_date(tree: HtmlElement) -> Any:
    """The `datePublished` of the page's JSON-LD `WebPage` (Yoast's graph states the date
    there when the page has no article object)."""
    for obj in jsonld_objects(tree):
        if any(name.endswith("Page") for name in jsonld_types(obj)) and obj.get("datePublished"):
            return obj["datePublished"]
    return None


# The page's `<time datetime>` elements, but those of other articles' cards, lists and
# teasers, and of comments.
_OWN_TIMES = etree.XPath(
    "//time[@datetime][not(ancestor::li or ancestor::aside or ancestor::nav"
    " or ancestor::footer or ancestor::*[contains(@class, 'comment')"
    " or contains(@class, 'card') or contains(@class, 'related')"
    " or contains(@class, 'teaser')])]"
)
_UPDATE_WORDS = ("updated", "modified", "aktualisiert", "mis à jour", "actualizado")


def _page_times(tree: HtmlElement) -> list[str]:
    """The article's own `<time datetime>` dates in page order, those marked as published
    (`pubdate`, `itemprop="datePublished"`, a class naming "publish") first; times of
    other articles, of comments and those labelled as an update (and not as published)
    are left out."""
    marked: list[str] = []
    plain: list[str] = []
    for element in _OWN_TIMES(tree):
        date = iso_date(element.get("datetime"))
        if not date or element.get("itemprop") == "dateModified":
            continue
        classes = element.get("class", "").lower()
        is_marked = (
            element.get("pubdate") is not None
            or element.get("itemprop") == "datePublished"
            or "publish" in classes
        )
        # WordPress marks a never-updated post's date "published updated": marked wins.
        label = f"{element.text_content()} {classes}".lower()
        if not is_marked and any(word in label for word in _UPDATE_WORDS):
            continue
        (marked if is_marked else plain).append(date)
    return marked + plain


_URL_DATE_OPTIONS = Extractor(
    extensive=False,
    max=datetime(2100, 1, 1),
    min=datetime(1990, 1, 1),
    original=True,
    format="%Y-%m-%d",
)


def _url_date(url: str) -> str | None:
    """The full date (year, month and day) in `url`, as htmldate reads it, or None."""
    return extract_url_date(url, _URL_DATE_OPTIONS) if url else None


def _authors(
    tree: HtmlElement,
    meta: MetaTags,
    ld: dict[str, Any],
    fallback: Mapping[str, Any],
    site_names: set[str],
    url: str,
) -> list[str]:
    people, organisations = ld_author_names(ld.get("author"), jsonld_by_id(tree) if ld else {})
    meta = [value for name in _AUTHOR_META for value in meta.values(name) if "://" not in value]

    def sources() -> Iterator[list[str]]:
        yield people or organisations  # an organisation is the author only when alone
        yield meta
        yield [name for name in (fallback.get("author") or "").split(";") if name.strip()]
        yield organisations

    unescaped = ([_unescape(name) for name in names] for names in sources())
    return pick_authors(unescaped, site_names, url)


def _site_names(meta: MetaTags, ld: dict[str, Any]) -> set[str]:
    """What the site calls itself: og:site_name, the JSON-LD publisher's names."""
    names = set(meta.values("og:site_name")) | set(meta.values("application-name"))
    publisher = ld.get("publisher")
    for entry in publisher if isinstance(publisher, list) else [publisher]:
        if isinstance(entry, dict):
            for key in ("name", "alternateName"):
                if isinstance(entry.get(key), str):
                    names.add(entry[key])
    return {name for name in names if name.strip()}


def _tags(meta: MetaTags, ld: dict[str, Any], fallback: Mapping[str, Any]) -> list[str]:
    keywords = ld.get("keywords")
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    if isinstance(keywords, list):
        keywords = [k for k in keywords if isinstance(k, str) and k.strip()]
    candidates = keywords or meta.values("article:tag") or fallback.get("tags") or []
    tags: list[str] = []
    for tag in candidates:
        tag = " ".join(str(tag).split())
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _language(tree: HtmlElement, meta: MetaTags, ld: dict[str, Any]) -> str | None:
    declared = _first(
        _text(ld.get("inLanguage")), *tree.xpath("/html/@lang"), meta.value("og:locale")
    )
    return declared.replace("_", "-") if declared else None


def _canonical_url(tree: HtmlElement, meta: MetaTags, url: str) -> str | None:
    href = _first(*tree.xpath('//link[@rel="canonical"]/@href'), meta.value("og:url"))
    return _absolute(url, href)


def _image(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("@id")
    return value if isinstance(value, str) else None


def _absolute(base: str, href: str | None) -> str | None:
    return urljoin(base, href.strip()) if href else None


def _text(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("name") or value.get("@value")
    if not isinstance(value, str) or not value.strip():
        return None
    return " ".join(_unescape(value).split())


def _unescape(value: str) -> str:
    """`value` with HTML character references resolved: JSON-LD is often written escaped."""
    return html.unescape(value) if "&" in value else value


def _first_text(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    return _text(value)


def _first(*values: str | None) -> str | None:
    for value in values:
        if isinstance(value, str) and value.strip():
            return " ".join(value.split())
    return None


def _first_date(*values: Any) -> str | None:
    for value in values:
        date = iso_date(value)
        if date:
            return date
    return None
