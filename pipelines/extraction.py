"""Extraction: a pure function from an article page's HTML to an `ExtractedArticle`.

No Scrapy and no database inside, so the same function runs in the crawl, in re-extraction,
in benchmarks and in tests::

    article = extract_article(html_bytes, "https://example.com/2024/01/02/story/")

Steps: read the page's metadata, prune boilerplate containers, let trafilatura find the
main text, then drop leftover promo and comment lines.
"""

from __future__ import annotations

import logging
from copy import deepcopy
from dataclasses import dataclass, field

import trafilatura
from trafilatura.utils import load_html

from pipelines.line_rules import clean_lines
from pipelines.metadata import page_metadata
from pipelines.pruning import prune_boilerplate

__all__ = ["EXTRACTOR_VERSION", "ExtractedArticle", "SiteProfile", "extract_article"]

logger = logging.getLogger(__name__)

# Bump when pruning, line rules or metadata rules change what extraction produces.
CLEANING_VERSION = "1"
EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}+newsarchive-{CLEANING_VERSION}"
# An article has at least one sentence-long paragraph; menus and link lists do not.
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
    metadata_tree = deepcopy(tree)  # metadata is read from the page as published
    prune_boilerplate(tree, (profile or SiteProfile()).boilerplate_selectors)
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    if document is None or not document.text:
        logger.info("No article text found at %s", url)
        return None
    paragraphs = clean_lines(document.text.split("\n"))
    if not any(len(p.split()) >= MIN_PARAGRAPH_WORDS for p in paragraphs):
        logger.info("No article paragraph found at %s (menus or boilerplate only)", url)
        return None
    text = "\n\n".join(paragraphs)
    fallback = document.as_dict()
    return ExtractedArticle(
        url=url,
        text=text,
        word_count=len(text.split()),
        **page_metadata(metadata_tree, url, fallback),
    )
