"""Learned boilerplate: text blocks that recur on many article pages of one site.

A newsletter blurb, a disclaimer or a promo that a site puts under every article is not
part of any of them, whatever its wording. Each archived page's paragraphs are
fingerprinted and counted per site (in the archive's `block_stats` tables, one row per
page URL so that a re-fetch never counts twice); once a site has `min_pages` pages, a
block found on more than `share` of them is dropped from that site's articles. Nothing is
configured per site, so it works on a site seen for the first time.

The thresholds come from the `BOILERPLATE_MIN_PAGES` and `BOILERPLATE_SHARE` settings.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from pipelines.words import word_phrase

if TYPE_CHECKING:
    from scrapy.settings import BaseSettings

    from pipelines.archive import Archive
    from pipelines.extraction import ExtractedArticle

__all__ = ["BlockLearner", "LearningSettings", "fingerprint", "page_blocks"]

_PARAGRAPH_SEPARATOR = "\n\n"


@dataclass(frozen=True)
class LearningSettings:
    """When a recurring block counts as boilerplate for its site."""

    min_pages: int = 10  # the site's pages needed before anything is dropped
    share: float = 0.5  # a block on more than this share of them is boilerplate
    enabled: bool = True

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> LearningSettings:
        """The `BOILERPLATE_ENABLED`, `BOILERPLATE_MIN_PAGES` and `BOILERPLATE_SHARE`
        settings."""
        return cls(
            min_pages=settings.getint("BOILERPLATE_MIN_PAGES", cls.min_pages),
            share=settings.getfloat("BOILERPLATE_SHARE", cls.share),
            enabled=settings.getbool("BOILERPLATE_ENABLED", cls.enabled),
        )


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


class BlockLearner:
    """Records each page's blocks in the archive and removes the site's learned ones."""

    def __init__(self, archive: Archive, settings: LearningSettings) -> None:
        self.archive = archive
        self.settings = settings

    def learn(self, site: str, url: str, article: ExtractedArticle) -> None:
        """Count the blocks of the page at `url` for `site` (replacing what an earlier
        fetch of the same URL counted)."""
        if self.settings.enabled:
            self.archive.record_page_blocks(site, url, page_blocks(article.text))

    def boilerplate(self, site: str) -> set[str]:
        """The fingerprints that are boilerplate on `site` now."""
        if not self.settings.enabled:
            return set()
        return self.archive.recurring_blocks(site, self.settings.min_pages, self.settings.share)

    def clean(self, site: str, article: ExtractedArticle) -> ExtractedArticle:
        """`article` without the blocks learned as boilerplate on `site`; unchanged if it
        would be left with no text at all."""
        learned = self.boilerplate(site)
        if not learned:
            return article
        paragraphs = article.text.split(_PARAGRAPH_SEPARATOR)
        kept = [p for p in paragraphs if fingerprint(p) not in learned]
        if len(kept) == len(paragraphs) or not kept:
            return article
        text = _PARAGRAPH_SEPARATOR.join(kept)
        return replace(article, text=text, word_count=len(text.split()))

    def learn_and_clean(self, site: str, url: str, article: ExtractedArticle) -> ExtractedArticle:
        """Count the page's blocks, then drop the site's boilerplate from it."""
        self.learn(site, url, article)
        return self.clean(site, article)
