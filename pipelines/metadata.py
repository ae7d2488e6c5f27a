"""Article metadata from the page's own structured data first.

Order of trust: JSON-LD (NewsArticle, BlogPosting...), then OpenGraph and `article:*`
meta tags, then trafilatura's guesses. Values come out clean: authors as a list of names,
dates in ISO 8601 (with the page's timezone when it gives one), absolute URLs.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urljoin

from lxml.html import HtmlElement

from crawler.structured_data import (
    jsonld_article,
    jsonld_by_id,
    jsonld_types,
    meta_value,
    meta_values,
)

_BYLINE_PREFIX_RE = re.compile(r"^\s*(by|von|par|por)\s+", re.IGNORECASE)
_AUTHOR_SPLIT_RE = re.compile(r"\s*(?:;|,|\band\b|\bund\b|\bet\b|\by\b|&)\s*")


def page_metadata(tree: HtmlElement, url: str, fallback: dict[str, Any]) -> dict[str, Any]:
    """The article's metadata fields, from `tree`'s structured data, then `fallback`
    (trafilatura's metadata as a dict)."""
    ld = jsonld_article(tree) or {}
    return {
        "canonical_url": _canonical_url(tree, url),
        "title": _first(
            _text(ld.get("headline")), meta_value(tree, "og:title"), fallback.get("title")
        ),
        "authors": _authors(tree, ld, fallback),
        "published": _first_date(
            ld.get("datePublished"),
            meta_value(tree, "article:published_time"),
            meta_value(tree, "datePublished"),
            fallback.get("date"),
        ),
        "modified": _first_date(
            ld.get("dateModified"),
            meta_value(tree, "article:modified_time"),
            meta_value(tree, "og:updated_time"),
        ),
        "section": _first(
            _first_text(ld.get("articleSection")), meta_value(tree, "article:section")
        ),
        "tags": _tags(tree, ld, fallback),
        "language": _language(tree, ld),
        "description": _first(
            meta_value(tree, "description"),
            meta_value(tree, "og:description"),
            _text(ld.get("description")),
            fallback.get("description"),
        ),
        "image": _absolute(
            url,
            _first(meta_value(tree, "og:image"), _image(ld.get("image")), fallback.get("image")),
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


def clean_authors(names: list[str]) -> list[str]:
    """Author names without "By" prefixes, blanks, URLs or repeats, in their order."""
    cleaned: list[str] = []
    for name in names:
        name = _BYLINE_PREFIX_RE.sub("", " ".join(name.split())).strip(" ,;|")
        if name and "://" not in name and name not in cleaned:
            cleaned.append(name)
    return cleaned


def _authors(tree: HtmlElement, ld: dict[str, Any], fallback: dict[str, Any]) -> list[str]:
    from_ld = _ld_names(ld.get("author"), jsonld_by_id(tree) if ld else {})
    if from_ld:
        return clean_authors(from_ld)
    from_meta = meta_values(tree, "author") or meta_values(tree, "article:author")
    if from_meta:
        return clean_authors(from_meta)
    guessed = fallback.get("author") or ""
    return clean_authors(_AUTHOR_SPLIT_RE.split(guessed)) if guessed else []


def _ld_names(value: Any, by_id: dict[str, dict[str, Any]]) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        if not value.get("name") and value.get("@id") in by_id:
            value = by_id[value["@id"]]
        if "Organization" in jsonld_types(value) and value.get("name"):
            return [str(value["name"])]
        name = value.get("name")
        return [str(name)] if name else []
    if isinstance(value, list):
        people = [
            v for v in value if not (isinstance(v, dict) and "Organization" in jsonld_types(v))
        ]
        return [name for v in (people or value) for name in _ld_names(v, by_id)]
    return []


def _tags(tree: HtmlElement, ld: dict[str, Any], fallback: dict[str, Any]) -> list[str]:
    keywords = ld.get("keywords")
    if isinstance(keywords, str):
        keywords = keywords.split(",")
    if isinstance(keywords, list):
        keywords = [k for k in keywords if isinstance(k, str) and k.strip()]
    candidates = keywords or meta_values(tree, "article:tag") or fallback.get("tags") or []
    tags: list[str] = []
    for tag in candidates:
        tag = " ".join(str(tag).split())
        if tag and tag not in tags:
            tags.append(tag)
    return tags


def _language(tree: HtmlElement, ld: dict[str, Any]) -> str | None:
    declared = _first(
        _text(ld.get("inLanguage")), *tree.xpath("/html/@lang"), meta_value(tree, "og:locale")
    )
    return declared.replace("_", "-") if declared else None


def _canonical_url(tree: HtmlElement, url: str) -> str | None:
    href = _first(*tree.xpath('//link[@rel="canonical"]/@href'), meta_value(tree, "og:url"))
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
    return " ".join(value.split()) if isinstance(value, str) and value.strip() else None


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
