"""The article's headline: the structured one, without the site's name.

The JSON-LD headline, then og:title, then trafilatura's title: the first one the page
has is the publisher's headline. og:title and `<title>` often carry the site's name or
section ("Story | Section | Gazette"): the visible `<h1>` that is the first segment is the
headline then, or the candidate without the segments that name the site.
"""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from pipelines.words import site_keys, word_key

# Separators between a headline and the site's name in <title> and og:title.
_SEGMENT_SEPARATOR_RE = re.compile(r"\s+[|–—·•:-]{1,2}\s+|\s*\|\s*")
_MAX_HEADLINE_WORDS = 40
_MAX_H1_CHECKED = 3


def headline(
    tree: HtmlElement, candidates: list[str | None], site_names: set[str], url: str
) -> str | None:
    """The article's title among `candidates` (structured headlines in order of trust:
    JSON-LD headline, og:title, trafilatura's title).

    The first candidate (else the page's `<title>`) is the title. If it has segments
    ("Story | Section | Site"), the visible `<h1>` that is its first segment is the title,
    or else the candidate without the segments that name the site.
    """
    structured = [c for c in candidates if c]
    title_tag = _title_tag(tree)
    first = structured[0] if structured else title_tag
    if first is None:
        return None
    if len(_SEGMENT_SEPARATOR_RE.split(first)) > 1:
        for h1 in _h1_texts(tree):
            if not _is_site_name(h1, site_names, url) and _is_leading_segment(h1, first):
                return h1
    return strip_site_name(first, site_names, url)


def _is_leading_segment(h1: str, title: str) -> bool:
    """True if `title` is `h1` followed by separated segments ("H1 | Section | Site")."""
    segments = _SEGMENT_SEPARATOR_RE.split(title)
    return len(segments) > 1 and word_key(segments[0]) == word_key(h1)


def headline_variants(tree: HtmlElement) -> tuple[str, ...]:
    """Every wording of the headline the page has (`<h1>`, og:title, JSON-LD headline),
    to recognise the headline when it is repeated at the top of the text."""
    variants = list(_h1_texts(tree))
    variants += tree.xpath("//meta[@property='og:title' or @name='og:title']/@content")
    return tuple(dict.fromkeys(" ".join(v.split()) for v in variants if v.strip()))


def strip_site_name(title: str, site_names: set[str], url: str) -> str:
    """`title` without trailing (or leading) segments that name the site ("Story | Site")."""
    segments = _SEGMENT_SEPARATOR_RE.split(title)
    if len(segments) < 2:
        return title
    separators = _SEGMENT_SEPARATOR_RE.findall(title)
    while len(segments) > 1 and _is_site_name(segments[-1], site_names, url):
        segments.pop()
        separators.pop()
    if len(segments) > 1 and _is_site_name(segments[0], site_names, url):
        segments.pop(0)
        separators.pop(0)
    joined = segments[0]
    for separator, segment in zip(separators, segments[1:], strict=True):
        joined += separator + segment
    return joined.strip()


def _is_site_name(text: str, site_names: set[str], url: str) -> bool:
    key = word_key(text)
    return bool(key) and key in site_keys(site_names, url)


def _h1_texts(tree: HtmlElement) -> list[str]:
    texts = []
    for element in tree.iter("h1"):
        text = " ".join(element.text_content().split())
        if text and len(text.split()) <= _MAX_HEADLINE_WORDS:
            texts.append(text)
        if len(texts) == _MAX_H1_CHECKED:
            break
    return texts


def _title_tag(tree: HtmlElement) -> str | None:
    element = tree.find(".//title")
    if element is None:
        return None
    text = " ".join(element.text_content().split())
    return text or None
