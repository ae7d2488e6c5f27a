"""Extraction: a pure function from an article page's HTML to an `ExtractedArticle`.

No Scrapy and no database inside, so the same function runs in the crawl, in re-extraction,
in benchmarks and in tests::

    article = extract_article(html_bytes, "https://example.com/2024/01/02/story/")

Steps: read the page's metadata, prune boilerplate containers, let trafilatura find the
main text, then drop leftover promo and comment lines, and script, style or JSON text.

Never worse than trafilatura underneath: when pruning or the line rules may have taken the
story (no article text left, or as much story-like text removed as kept), trafilatura's
own text of the unpruned page, line-cleaned alike, is worked out too, and used when the
cleaned text has no article or under `MIN_KEPT_SHARE` of its words.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.metadata import (
    examine_meta,
    extract_author,
    extract_catstags,
    extract_meta_json,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import load_html

from crawler.pages.structured_data import meta_values
from pipelines.extraction.line_rules import clean_lines, is_code_line
from pipelines.extraction.metadata import page_metadata
from pipelines.extraction.pruning import (
    loose_prose_chars,
    prose_chars,
    prose_paragraphs,
    prune_page,
)
from pipelines.extraction.standfirst import find_standfirst
from pipelines.extraction.titles import headline_variants
from pipelines.extraction.words import count_words, word_phrase

__all__ = ["EXTRACTOR_VERSION", "ExtractedArticle", "SiteProfile", "extract_article"]

logger = logging.getLogger(__name__)

# Bump when pruning, line rules or metadata rules change what extraction produces.
CLEANING_VERSION = "8"
EXTRACTOR_VERSION = f"trafilatura-{trafilatura.__version__}+newsarchive-{CLEANING_VERSION}"
# An article has at least one sentence-long paragraph (words as `count_words` counts them,
# so in Japanese or Thai too) with a sentence end in it; menus and link lists do not.
MIN_PARAGRAPH_WORDS = 8
# When the cleaned text keeps less than this share of the words of trafilatura's own text
# of the unpruned page (line-cleaned alike), pruning or cleaning took the story: the own
# text is used instead.
MIN_KEPT_SHARE = 0.5
# Thai, Lao and Khmer end sentences with a space, not a mark: any of their text counts.
_SENTENCE_END_RE = re.compile(
    r"[.!?…。！？।؟။։][\"'”’»)\]]*(\s|$)|[。！？]|[\u0e00-\u0eff\u1780-\u17ff]"
)
# trafilatura's text without its fallback extractors is kept when it holds this share of
# the characters of the page's sentence-long paragraphs (after pruning): the fallbacks
# then add nothing (measured on both dev sets; at 0.7 a story whose fast text left out
# paragraphs was kept on each set).
FAST_TEXT_SHARE = 0.85
# ... and at most this share: a fast text much longer than all the page's prose is the
# page's menus, trending links and widgets taken along with the story (a page without
# `<p>`, its story in `div`s), which the fallbacks' comparison leaves out.
MAX_FAST_TEXT_SHARE = 1.3
# A fast pass's text of fewer lines than half this, from a page with this many
# sentence-long paragraphs, is the page run together, not its story (`_is_page_dump`).
MIN_DUMP_PARAGRAPHS = 6
# A cleaned text holding under this share of the page's sentence-long text (after pruning)
# may have left part of the story out: trafilatura's recall mode (its fast pass) is asked
# too, and its text, line-cleaned alike, is taken when it holds `RECALL_GAIN` times as many
# characters: a story inside an unclosed `<header>` or pop-up `<aside>` that the precise
# passes drop whole, or one cut to its first section. Measured on both dev sets: on WCXB's
# article pages body F1 0.9356 -> 0.9406 (recall 0.9397 -> 0.9492, precision 0.9316 ->
# 0.9322; 19 pages change, 18 for the better); on the Fundus set no text changes. A gain
# of 1.2 took menus along on Fundus pages; a share of 0.77 (1 / 1.3, the least that lets
# a recall text of prose be 1.3 times as long) gave 0.940 on WCXB, asking on 26% of the
# Fundus pages instead of 45%.
RECALL_CHECK_SHARE = 0.85
RECALL_GAIN = 1.3
# A standfirst is a lead paragraph; a "description" longer than this is the story itself.
MAX_STANDFIRST_WORDS = 120


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
    shown_code = _shown_code(tree)
    prose_before = prose_chars(tree)
    pruned = prune_page(tree, (profile or SiteProfile()).boilerplate_selectors)
    # The story-like text pruning removed: reader comments are not the story.
    prose_after = prose_chars(tree)
    pruned_prose = prose_before - prose_after - pruned.comment_prose
    prose = prose_after + loose_prose_chars(tree)
    pruned_out = _main_text(tree, url, prose)
    paragraphs = _clean(pruned_out, headlines, shown_code)
    if _needs_unpruned_check(paragraphs, pruned_out, pruned_prose):
        own = _clean(_main_text(load_html(html), url), headlines, shown_code)
        if _is_article_text(own) and (
            not _is_article_text(paragraphs)
            or count_words(" ".join(paragraphs)) < MIN_KEPT_SHARE * count_words(" ".join(own))
        ):
            logger.info("Pruning or cleaning lost the story at %s: trafilatura's own text", url)
            paragraphs = own
    recalled = _recalled_text(tree, url, paragraphs, prose, headlines, shown_code)
    if recalled is not None:
        logger.info("trafilatura's recall mode found more of the story at %s", url)
        paragraphs = recalled
    if not _is_article_text(paragraphs):
        logger.info("No article paragraph found at %s (menus or boilerplate only)", url)
        return None
    if standfirst and _fits_as_standfirst(standfirst, paragraphs):
        paragraphs.insert(0, standfirst)
    text = "\n\n".join(paragraphs)
    return ExtractedArticle(url=url, text=text, word_count=count_words(text), **metadata)


def _main_text(tree: HtmlElement | None, url: str, prose: int | None = None) -> str:
    """trafilatura's main text of `tree` ("" if it finds none).

    With `prose`, the characters of the tree's sentence-long text (its paragraphs, and the
    runs of text outside them), trafilatura runs first without its fallback extractors
    (readability, jusText: a third of its time), and again with them only when that text
    holds under `FAST_TEXT_SHARE` of them or over `MAX_FAST_TEXT_SHARE`."""
    if tree is None:
        return ""
    if prose is not None:
        text = _trafilatura_text(tree, url, fast=True)
        if _is_fast_text_kept(text, prose, tree):
            return text
    return _trafilatura_text(tree, url, fast=False)


def _recalled_text(
    tree: HtmlElement,
    url: str,
    paragraphs: list[str],
    prose: int,
    headlines: tuple[str, ...],
    shown_code: str,
) -> list[str] | None:
    """trafilatura's recall-mode text of the pruned `tree`, line-cleaned, when the cleaned
    `paragraphs` hold under `RECALL_CHECK_SHARE` of the tree's `prose` characters and the
    recall mode finds an article text of at least `RECALL_GAIN` times as many; else None."""
    kept = _chars("".join(paragraphs))
    if kept >= RECALL_CHECK_SHARE * prose:
        return None
    text = _trafilatura_text(tree, url, fast=True, favor_recall=True)
    recalled = _clean(text, headlines, shown_code)
    if _is_article_text(recalled) and _chars("".join(recalled)) >= RECALL_GAIN * kept:
        return recalled
    return None


def _is_fast_text_kept(text: str, prose: int, tree: HtmlElement) -> bool:
    """True if trafilatura's fast-pass `text` of `tree` is its story: it holds between
    `FAST_TEXT_SHARE` and `MAX_FAST_TEXT_SHARE` of the `prose` characters (fewer is a story
    with paragraphs left out; more, the page's menus and widgets taken along with it), and it
    is not the page run together (`_is_page_dump`)."""
    return (
        bool(text)
        and FAST_TEXT_SHARE * prose <= _chars(text) <= MAX_FAST_TEXT_SHARE * prose
        and not _is_page_dump(text, tree)
    )


def _is_page_dump(text: str, tree: HtmlElement) -> bool:
    """True if `text` is a page's text run together into a line or two although the page
    has many sentence-long paragraphs: what trafilatura's fast pass returns when its main
    extractor finds too little and it falls back to the whole page's text."""
    lines = sum(1 for line in text.split("\n") if line.strip())
    if lines >= MIN_DUMP_PARAGRAPHS // 2:
        return False
    return prose_paragraphs(tree) >= MIN_DUMP_PARAGRAPHS


def _trafilatura_text(tree: HtmlElement, url: str, fast: bool, favor_recall: bool = False) -> str:
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=False,
        include_comments=False,
        include_tables=True,
        fast=fast,
        favor_recall=favor_recall,
    )
    return (document.text or "") if document is not None else ""


def _clean(text: str, headlines: tuple[str, ...], shown_code: str) -> list[str]:
    """The paragraphs of an extracted text after the line rules, without script, style or
    data text (code the page shows as code, in `pre` or `code`, is kept)."""
    return [
        paragraph
        for paragraph in clean_lines(text.split("\n"), headlines)
        if not (is_code_line(paragraph) and _squeeze(paragraph) not in shown_code)
    ]


def _is_article_text(paragraphs: list[str]) -> bool:
    """An article has at least one sentence-long paragraph with a sentence in it (a
    sentence end: full stop, question or exclamation mark); menus and link lists, even
    of teaser headlines each a sentence long, do not."""
    return any(
        count_words(p) >= MIN_PARAGRAPH_WORDS and _SENTENCE_END_RE.search(p) for p in paragraphs
    )


def _needs_unpruned_check(paragraphs: list[str], extracted: str, pruned_prose: int) -> bool:
    """True when the story may have been lost on the way: no article text is left, or
    pruning removed (`pruned_prose`), or the line rules dropped, as much story-like text
    as was kept (in characters).
    Otherwise the cleaned text cannot be under `MIN_KEPT_SHARE` of trafilatura's own."""
    if not _is_article_text(paragraphs):
        return True
    kept = _chars("".join(paragraphs))
    dropped_by_lines = _chars(extracted) - kept
    return max(pruned_prose, dropped_by_lines) >= kept * (1 / MIN_KEPT_SHARE - 1)


def _shown_code(tree: HtmlElement) -> str:
    """The text the page shows as code (`pre` and `code` elements), whitespace squeezed."""
    return " \n ".join(_squeeze(el.text_content()) for el in tree.iter("pre", "code"))


def _squeeze(text: str) -> str:
    return " ".join(text.split())


def _fits_as_standfirst(standfirst: str, paragraphs: list[str]) -> bool:
    """True if `standfirst` is a lead the text lacks: not already in it, and a paragraph,
    not the whole story run together (as on pages whose description is the full text)."""
    return count_words(standfirst) <= MAX_STANDFIRST_WORDS and not _contains(paragraphs, standfirst)


def _descriptions(tree: HtmlElement, description: str | None) -> list[str]:
    found = [description] if description else []
    found += meta_values(tree, "description") + meta_values(tree, "og:description")
    return list(dict.fromkeys(found))


def _contains(paragraphs: list[str], text: str) -> bool:
    return word_phrase(text) in word_phrase(" ".join(paragraphs))


class TrafilaturaMetadata(Mapping[str, Any]):
    """trafilatura's metadata of a page (`title`, `author`, `date`, `tags`, `description`),
    each field worked out only when first read, the way trafilatura's `extract_metadata`
    works it out: the page's meta tags and JSON-LD first, then that field's own search of
    the page. It is the last resort of `page_metadata`, and the slowest part of
    extraction: most pages need one field of it, if any, not the dozen it finds."""

    _FIELDS = ("title", "author", "date", "tags", "description")

    def __init__(self, tree: HtmlElement, url: str) -> None:
        self._tree = tree
        self._url = url
        self._meta: Document | None = None
        self._declared: Document | None = None
        self._values: dict[str, Any] = {}

    def _meta_tags(self) -> Document:
        """What the page's meta tags say (as `extract_metadata` reads them)."""
        if self._meta is None:
            document = examine_meta(self._tree)
            if document.author and " " not in document.author:
                document.author = None  # as trafilatura: a one-word author is no name
            self._meta = document
        return self._meta

    def _declared_metadata(self) -> Document:
        """What the page's meta tags and JSON-LD say (as `extract_metadata` reads them)."""
        if self._declared is None:
            document = self._meta_tags()
            try:
                document = extract_meta_json(self._tree, document)
            except Exception as error:  # trafilatura's JSON-LD reading has its bugs
                logger.debug("trafilatura's JSON-LD reading failed: %s", error)
            self._declared = document
        return self._declared

    def _work_out(self, key: str) -> Any:
        tree = self._tree
        if key == "date":
            # The page's URL from its meta tags (trafilatura's JSON-LD reading sets no URL,
            # so it is not run for a date); htmldate copies the tree it is given.
            page_url = self._meta_tags().url or extract_url(tree, self._url)
            return _trimmed(key, find_date(tree, **{**set_date_params(True), "url": page_url}))
        declared = self._declared_metadata()
        if key == "title":
            value = declared.title or extract_title(tree)
        elif key == "author":
            value = declared.author or extract_author(tree)
        elif key == "tags":
            value = declared.tags or extract_catstags("tag", tree)
        elif key == "description":
            value = declared.description
        else:
            raise KeyError(key)
        return _trimmed(key, value)

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            self._values[key] = self._work_out(key)
        return self._values[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._FIELDS)

    def __len__(self) -> int:
        return len(self._FIELDS)


def _trimmed(key: str, value: Any) -> Any:
    """Field `key`'s `value` as trafilatura's `Document.clean_and_trim` leaves it."""
    document = Document(**{key: value})
    document.clean_and_trim()
    return getattr(document, key)


def _chars(text: str) -> int:
    return len(text) - sum(map(text.count, (" ", "\n", "\t", "\xa0")))
