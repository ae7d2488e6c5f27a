"""Reading a page's own structured data: JSON-LD objects and `<meta>` properties.

Used by discovery (is this page an article?) and by extraction (its metadata), so it
depends on lxml only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Iterator
from typing import Any

from lxml.html import HtmlElement

logger = logging.getLogger(__name__)

ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "BackgroundNewsArticle",
        "ReviewNewsArticle",
        "AskPublicNewsArticle",
        "BlogPosting",
        "LiveBlogPosting",
        "SatiricalArticle",
        "Report",
    }
)


def jsonld_objects(tree: HtmlElement) -> Iterator[dict[str, Any]]:
    """Yield every JSON-LD object of the page, flattening lists and `@graph` containers."""
    return jsonld_script_objects(tree.xpath('//script[@type="application/ld+json"]'))


def jsonld_script_objects(scripts: Iterable[HtmlElement]) -> Iterator[dict[str, Any]]:
    """Yield every JSON-LD object of the `<script type="application/ld+json">` elements
    `scripts` (found by the caller), flattening lists and `@graph` containers."""
    for script in scripts:
        raw = (script.text or "").strip()
        if not raw:
            continue
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):  # invalid, or nested thousands of levels deep
            logger.debug("Unparseable JSON-LD block skipped")
            continue
        yield from _flatten(data)


def _flatten(data: Any) -> Iterator[dict[str, Any]]:
    """The objects with a `@type` in `data`, in document order, those of a `@graph`
    before the object holding it (iteratively: JSON-LD may be nested very deep)."""
    stack: list[tuple[Any, bool]] = [(data, False)]
    while stack:
        item, ready = stack.pop()
        if ready:
            yield item
        elif isinstance(item, list):
            stack.extend((entry, False) for entry in reversed(item))
        elif isinstance(item, dict):
            if "@type" in item:
                stack.append((item, True))
            if "@graph" in item:
                stack.append((item["@graph"], False))


def jsonld_types(obj: dict[str, Any]) -> set[str]:
    """The `@type` of a JSON-LD object as a set of names (`schema:` prefixes dropped);
    what is no type name (`null`, a number, an object) is ignored."""
    types = obj.get("@type")
    if not isinstance(types, list):
        types = [types]
    return {t.rsplit("/", 1)[-1].removeprefix("schema:") for t in types if isinstance(t, str)}


def jsonld_article(tree: HtmlElement) -> dict[str, Any] | None:
    """The page's main JSON-LD article object (NewsArticle, BlogPosting, ...), if any."""
    for obj in jsonld_objects(tree):
        if jsonld_types(obj) & ARTICLE_TYPES:
            return obj
    return None


def jsonld_by_id(tree: HtmlElement) -> dict[str, dict[str, Any]]:
    """The page's JSON-LD objects by `@id`, to resolve references such as Yoast's
    `"author": {"@id": "...#/schema/person/1"}`."""
    return {obj["@id"]: obj for obj in jsonld_objects(tree) if isinstance(obj.get("@id"), str)}


def meta_values(tree: HtmlElement, name: str) -> list[str]:
    """The contents of every `<meta property=name>` or `<meta name=name>`, in page order."""
    values = tree.xpath(
        "//meta[@property=$n or @name=$n or @itemprop=$n]/@content",
        n=name,
    )
    return [v.strip() for v in values if v and v.strip()]


def meta_value(tree: HtmlElement, name: str) -> str | None:
    """The first `<meta>` content for `name`, or None."""
    values = meta_values(tree, name)
    return values[0] if values else None
