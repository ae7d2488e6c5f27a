"""Extraction: a pure function from an article page's HTML to an `ExtractedArticle`.

No Scrapy and no database inside, so the same function runs in the crawl, in re-extraction,
in benchmarks and in tests::

    article = extract_article(html_bytes, "https://example.com/2024/01/02/story/")

Steps: read the page's metadata, prune boilerplate containers, let trafilatura find the
main text, then drop leftover promo and comment lines.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

import trafilatura
from lxml.html import HtmlElement
from trafilatura.metadata import extract_metadata
from trafilatura.utils import load_html

from crawler.structured_data import meta_values
from pipelines.line_rules import clean_lines
from pipelines.metadata import page_metadata
from pipelines.pruning import prune_boilerplate
from pipelines.standfirst import find_standfirst
from pipelines.titles import headline_variants
from pipelines.words import count_words, word_phrase

__all__ = ["EXTRACTOR_VERSION", "ExtractedArticle", "SiteProfile", "extract_article"]

logger = logging.getLogger(__name__)

# Bump when pruning, line rules or metadata rules change what extraction produces.
CLEANING_VERSION = "3"
EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}+newsarchive-{CLEANING_VERSION}"
# An article has at least one sentence-long paragraph; menus and link lists do not (words
# as `count_words` counts them, so in Japanese or Thai too).
MIN_PARAGRAPH_WORDS = 8


@dataclass(frozen=True)
class SiteProfile:
    """What extraction knows about the site a page comes from."""

    boilerplate_selectors: tuple[str, ...] = ()


@dataclass
class ExtractedArticle:
    """An article's cleaned text and metadata."""

    url: str
    canonical_url: str | None
    title: str | None
    authors: list[str]
    published: str | None
    modified: str | None
    section: str | None
    tags: list[str]
    language: str | None
    description: str | None
    image: str | None
    text: str
    word_count: int
    extractor_version: str = field(default=EXTRACTOR_VERSION)


def extract_article(
    html: bytes | str, url: str, profile: SiteProfile | None = None
) -> ExtractedArticle | None:
    """The article in `html` (fetched from `url`), or None if the page holds no article text."""
    tree = load_html(html)
    if tree is None:
        logger.info("Unparseable HTML at %s", url)
        return None
    # Metadata is read from the page as published, before pruning.
    metadata = page_metadata(tree, url, TrafilaturaMetadata(tree, url))
    headlines = (*((metadata["title"],) if metadata["title"] else ()), *headline_variants(tree))
    standfirst = find_standfirst(tree, _descriptions(tree, metadata["description"]))
    prune_boilerplate(tree, (profile or SiteProfile()).boilerplate_selectors)
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=False, include_comments=False, include_tables=True
    )
    if document is None or not document.text:
        logger.info("No article text found at %s", url)
        return None
    paragraphs = clean_lines(document.text.split("\n"), headlines)
    if not any(count_words(p) >= MIN_PARAGRAPH_WORDS for p in paragraphs):
        logger.info("No article paragraph found at %s (menus or boilerplate only)", url)
        return None
    if standfirst and not _contains(paragraphs, standfirst):
        paragraphs.insert(0, standfirst)
    text = "\n\n".join(paragraphs)
    return ExtractedArticle(url=url, text=text, word_count=count_words(text), **metadata)


def _descriptions(tree: HtmlElement, description: str | None) -> list[str]:
    found = [description] if description else []
    found += meta_values(tree, "description") + meta_values(tree, "og:description")
    return list(dict.fromkeys(found))


def _contains(paragraphs: list[str], text: str) -> bool:
    return word_phrase(text) in word_phrase(" ".join(paragraphs))


class TrafilaturaMetadata(Mapping[str, Any]):
    """trafilatura's metadata of a page, worked out only when first read: it is the last
    resort of `page_metadata`, and the slowest part of extraction."""

    def __init__(self, tree: HtmlElement, url: str) -> None:
        self._tree = tree
        self._url = url
        self._values: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._values is None:
            document = extract_metadata(deepcopy(self._tree), self._url)
            self._values = document.as_dict() if document is not None else {}
        return self._values

    def __getitem__(self, key: str) -> Any:
        return self._load()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())
