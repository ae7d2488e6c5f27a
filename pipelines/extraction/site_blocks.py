"""Learned boilerplate: text blocks that recur on many article pages of one site.

A newsletter blurb, a disclaimer or a promo that a site puts under every article is not
part of any of them, whatever its wording. Each archived page's paragraphs are
fingerprinted and counted per site (in the archive's `block_stats` tables, one row per
page URL so that a re-fetch never counts twice). Once a site has `min_pages` pages, two
rules drop a block from that site's articles:

- a block found on more than `share` of its pages, whatever its length;
- a short block (at most `repeat_max_words` words) found word for word on at least
  `min_repeats` pages that are also more than `min_share` of them. A site whose sections
  use different templates never shows one template's newsletter box on half its pages,
  but on every article of that template. The three limits together keep a story quote
  repeated in a few follow-ups: it is on too few pages (fewer than `min_repeats`), too
  small a share of a big site, or, as a story paragraph, too long.

Nothing is configured per site, so it works on a site seen for the first time. The
thresholds come from the `BOILERPLATE_*` settings (`crawler/settings.py`, whose values are
also `LearningSettings`' defaults).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from crawler import settings as defaults
from pipelines.extraction.words import count_words, word_phrase

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from pipelines.archive.core import Archive
    from pipelines.extraction.core import ExtractedArticle

__all__ = ["BlockLearner", "LearnedBlocks", "LearningSettings", "fingerprint", "page_blocks"]

_PARAGRAPH_SEPARATOR = "\n\n"
# A block seen on one page is forgotten (in memory) after this many more pages without it.
SINGLE_BLOCK_PAGES = 2000


@dataclass(frozen=True)
class LearningSettings:
    """When a recurring block counts as boilerplate for its site (the defaults: the
    project's `BOILERPLATE_*` settings)."""

    # The site's pages needed before anything is dropped.
    min_pages: int = defaults.BOILERPLATE_MIN_PAGES
    # A block on more than this share of them is boilerplate.
    share: float = defaults.BOILERPLATE_SHARE
    # A short block repeated word for word on this many pages, and on more than
    # `min_share` of them, is boilerplate too (0 pages: the rule is off).
    min_repeats: int = defaults.BOILERPLATE_MIN_REPEATS
    min_share: float = defaults.BOILERPLATE_MIN_SHARE
    # Short: as long as a line rules' boilerplate line at most.
    repeat_max_words: int = defaults.BOILERPLATE_REPEAT_MAX_WORDS
    enabled: bool = defaults.BOILERPLATE_ENABLED

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> LearningSettings:
        """The `BOILERPLATE_ENABLED`, `_MIN_PAGES`, `_SHARE`, `_MIN_REPEATS`, `_MIN_SHARE`
        and `_REPEAT_MAX_WORDS` settings."""
        return cls(
            min_pages=settings.getint("BOILERPLATE_MIN_PAGES"),
            share=settings.getfloat("BOILERPLATE_SHARE"),
            min_repeats=settings.getint("BOILERPLATE_MIN_REPEATS"),
            min_share=settings.getfloat("BOILERPLATE_MIN_SHARE"),
            repeat_max_words=settings.getint("BOILERPLATE_REPEAT_MAX_WORDS"),
            enabled=settings.getbool("BOILERPLATE_ENABLED"),
        )


@dataclass(frozen=True)
class LearnedBlocks:
    """The fingerprints learned as boilerplate on a site, by rule."""

    common: frozenset[str] = frozenset()  # on more than `share` of the pages: any length
    repeated: frozenset[str] = frozenset()  # the short-block rule: short paragraphs only
    max_words: int = 0

    def __bool__(self) -> bool:
        """True if anything is learned."""
        return bool(self.common or self.repeated)

    def matches(self, paragraph: str) -> bool:
        """True if `paragraph` is one of the learned blocks."""
        key = fingerprint(paragraph)
        if key in self.common:
            return True
        return key in self.repeated and count_words(paragraph) <= self.max_words


def fingerprint(block: str) -> str | None:
    """A block's fingerprint: the same for the same words, whatever the case, spacing or
    punctuation; None for a block without words."""
    phrase = word_phrase(block)
    if not phrase:
        return None
    return hashlib.sha1(phrase.encode()).hexdigest()[:16]


def page_blocks(text: str) -> dict[str, str]:
    """The fingerprints of an article text's paragraphs, each with the paragraph."""
    blocks: dict[str, str] = {}
    for paragraph in text.split(_PARAGRAPH_SEPARATOR):
        key = fingerprint(paragraph)
        if key and key not in blocks:
            blocks[key] = paragraph.strip()
    return blocks


@dataclass
class _SiteCounts:
    """A site's block statistics as the learner holds them during a run: the pages
    counted, and how many of them each block is on (the blocks the archive had on two
    pages or more, and those seen in this run).

    A block seen on one page only is forgotten once `SINGLE_BLOCK_PAGES` more pages of the
    site have gone by without it: such blocks are story paragraphs, nearly all of a
    site's blocks, and keeping them all would grow a long crawl's memory without end. A
    boilerplate block recurs well within that many pages; the archive keeps every count."""

    pages: int
    counts: dict[str, int]
    frequent: set[str] = field(default_factory=set)  # the blocks on two pages or more
    urls_counted: set[str] = field(default_factory=set)  # in this run
    # The blocks seen on one page, oldest first, with the page count when they were seen.
    singles: OrderedDict[str, int] = field(default_factory=OrderedDict)

    def add(self, key: str, delta: int) -> None:
        """Count a block on `delta` more pages (fewer if negative)."""
        count = self.counts.get(key, 0) + delta
        self.singles.pop(key, None)
        if count <= 0:
            self.counts.pop(key, None)
            self.frequent.discard(key)
            return
        self.counts[key] = count
        if count >= 2:
            self.frequent.add(key)
        else:
            self.frequent.discard(key)
            self.singles[key] = self.pages

    def forget_old_singles(self) -> None:
        """Forget the blocks seen once, long ago (see the class docstring)."""
        while self.singles:
            key, seen = next(iter(self.singles.items()))
            if seen > self.pages - SINGLE_BLOCK_PAGES:
                return
            self.singles.popitem(last=False)
            self.counts.pop(key, None)


class BlockLearner:
    """Counts each page's blocks per site and removes the site's learned ones.

    The statistics are read from the archive once per site and then held in memory, so a
    crawl asks the archive for nothing but the earlier blocks of a page fetched before.
    With `write`, `learn` also records each page's blocks in the archive (re-extraction);
    without, the caller stores what `learn` returns (the crawl's store stage, the one
    writer of the archive, does it in its batches)."""

    def __init__(self, archive: Archive, settings: LearningSettings, write: bool = True) -> None:
        self.archive = archive
        self.settings = settings
        self.write = write
        self._sites: dict[str, _SiteCounts] = {}

    def _site(self, site: str) -> _SiteCounts:
        counts = self._sites.get(site)
        if counts is None:
            pages, frequent = self.archive.block_counts(site)
            counts = _SiteCounts(pages, dict(frequent), set(frequent))
            self._sites[site] = counts
        return counts

    def learn(self, site: str, url: str, article: ExtractedArticle) -> dict[str, str]:
        """Count the blocks of the page at `url` for `site` (replacing what an earlier
        fetch of the same URL counted); return them (fingerprint -> text)."""
        blocks = page_blocks(article.text)
        if not self.settings.enabled:
            return blocks
        counts = self._site(site)
        earlier = self.archive.page_fingerprints(site, url)
        if earlier is None:
            if url in counts.urls_counted:  # counted this run, not stored yet
                return blocks
            counts.pages += 1
            earlier = set()
        counts.urls_counted.add(url)
        for key in earlier - set(blocks):
            counts.add(key, -1)
        for key in set(blocks) - earlier:
            counts.add(key, 1)
        counts.forget_old_singles()
        if self.write:
            self.archive.record_page_blocks(site, url, blocks)
        return blocks

    def boilerplate(self, site: str) -> LearnedBlocks:
        """The blocks that are boilerplate on `site` now."""
        counts = self._learned_counts(site)
        if counts is None:
            return LearnedBlocks()
        rules = {key: self._rule(counts, key) for key in counts.frequent}
        return LearnedBlocks(
            frozenset(key for key, rule in rules.items() if rule == "common"),
            frozenset(key for key, rule in rules.items() if rule == "repeated"),
            self.settings.repeat_max_words,
        )

    def _learned_counts(self, site: str) -> _SiteCounts | None:
        """The site's counts, if enough of its pages are counted to have learned from."""
        if not self.settings.enabled:
            return None
        counts = self._site(site)
        if counts.pages < max(self.settings.min_pages, 1):
            return None
        return counts

    def _rule(self, counts: _SiteCounts, key: str | None) -> str | None:
        """The rule by which the block `key` is boilerplate on the site now: "common" (on
        more than `share` of the pages), "repeated" (the short-block rule, for blocks of at
        most `repeat_max_words` words) or None."""
        count = counts.counts.get(key, 0) if key in counts.frequent else 0
        if count == 0:
            return None
        settings = self.settings
        if count > settings.share * counts.pages:
            return "common"
        if (
            settings.min_repeats > 0
            and count >= max(settings.min_repeats, 2)
            and count > settings.min_share * counts.pages
        ):
            return "repeated"
        return None

    def clean(self, site: str, article: ExtractedArticle) -> ExtractedArticle:
        """`article` without the blocks learned as boilerplate on `site`; unchanged if it
        would be left with no text at all. Each paragraph's block is looked up in the
        site's counts (the cost of a page is its paragraphs, not the site's blocks)."""
        counts = self._learned_counts(site)
        if counts is None:
            return article
        max_words = self.settings.repeat_max_words
        paragraphs = article.text.split(_PARAGRAPH_SEPARATOR)
        kept = []
        for paragraph in paragraphs:
            rule = self._rule(counts, fingerprint(paragraph))
            if rule == "common" or (rule == "repeated" and count_words(paragraph) <= max_words):
                continue
            kept.append(paragraph)
        if len(kept) == len(paragraphs) or not kept:
            return article
        text = _PARAGRAPH_SEPARATOR.join(kept)
        return replace(article, text=text, word_count=count_words(text))

    def learn_and_clean(self, site: str, url: str, article: ExtractedArticle) -> ExtractedArticle:
        """Count the page's blocks, then drop the site's boilerplate from it."""
        self.learn(site, url, article)
        return self.clean(site, article)
