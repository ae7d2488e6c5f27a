"""The standfirst: the lead paragraph a news page shows under its headline.

It is part of the article, but news themes often set it outside the article body, where
trafilatura does not look. The publisher's description (meta description, og:description,
JSON-LD description) is usually that very paragraph: when the page shows the description
as visible text, that text is the standfirst.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from pipelines.extraction.words import count_words, word_phrase

__all__ = ["find_standfirst"]

_PREFIX_CHARS = 40
_MIN_WORDS = 6
_INVISIBLE = frozenset({"script", "style", "noscript", "template", "title", "head", "meta"})
_MAX_LEVELS_UP = 4


def find_standfirst(tree: HtmlElement, descriptions: list[str]) -> str | None:
    """The visible text of the page that is one of its `descriptions`, or None."""
    for description in descriptions:
        text = " ".join(description.split())
        if count_words(text) < _MIN_WORDS:
            continue
        found = _visible_text_equal_to(tree, text)
        if found:
            return found
    return None


def _visible_text_equal_to(tree: HtmlElement, text: str) -> str | None:
    wanted = word_phrase(text)
    prefix = text[:_PREFIX_CHARS]
    for node in tree.xpath("//body//text()[contains(normalize-space(.), $p)]", p=prefix):
        element = node.getparent()
        for _ in range(_MAX_LEVELS_UP):
            if element is None or element.tag in _INVISIBLE:
                break
            shown = " ".join(element.text_content().split())
            key = word_phrase(shown)
            if key == wanted:
                return shown
            if len(key) > len(wanted):
                break
            element = element.getparent()
    return None
