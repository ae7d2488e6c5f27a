"""The article's headline: the one the page shows, in the publisher's own wording.

The JSON-LD headline, then og:title, then trafilatura's title: the first one the page
has is the publisher's headline. og:title and `<title>` often carry the site's name or
section ("Story | Section | Gazette"): the visible `<h1>` that is the first segment is the
headline then, or the candidate without the segments that name the site (by its names or
its domain). Short segments after a pipe label a headline (section, tagline, site) and go.

og:title and `<title>` are written for search results and sharing, and on many sites they
word the story differently from the headline the page shows. When the page declares no
JSON-LD headline, the page's `<h1>` is the headline if it is this story's headline: worded
with at least half of its words from the page's titles, not the site's name or a home
link, not the shared title after a kicker or a date, and not set in capitals. A shared
title that is the `<h1>` with words left out is the publisher's short headline and stays;
one that is the `<h1>`'s start, cut for search results, gives way to the `<h1>`.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from lxml.html import HtmlElement

from pipelines.extraction.words import site_keys, word_key, word_phrase

# Separators between a headline and the site's name in <title> and og:title.
_SEGMENT_SEPARATOR_RE = re.compile(r"\s+[|–—·•:-]{1,2}\s+|\s*\|\s*")
_MAX_HEADLINE_WORDS = 40
_MAX_H1_CHECKED = 3
# An <h1> is this story's headline when at least this share of its words is in the titles.
_MIN_SHARED_WORDS = 0.5
# A headline the page's description starts with, this long, is the description.
_MIN_DESCRIPTION_WORDS = 8
# A Markdown heading mark that some sites leave at the start of their titles.
_MARKUP_RE = re.compile(r"^(?:#{1,6}\s+)")
_ELLIPSES = ("…", "...")
# A pipe between a headline and its labels, and a label's most words.
_PIPE_RE = re.compile(r"\s+\|\s+")
_MAX_LABEL_WORDS = 4
_OPENING_QUOTES = '"“„«'
_CLOSING_QUOTES = '"”“»'
# A UTF-8 character's bytes read one by one as Latin-1 or Windows-1252 characters: a lead
# byte, then continuation bytes (0x80-0xBF, some of which Windows-1252 shows as € ™ ’ …).
_CONTINUATION = "\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ"
_MOJIBAKE_RE = re.compile(f"[\u00c2-\u00f4][{_CONTINUATION}]{{1,3}}")
# A title's last segment naming the site by its domain ("Story | Koia" on drinkkoia.com):
# at most this many words, and the shorter of it and the domain this many letters.
_MAX_BRAND_WORDS = 4
_MIN_BRAND_CHARS = 4
# Labels under a country's top-level domain that are not the site's name ("bbc.co.uk").
_SECOND_LEVEL_LABELS = frozenset({"ac", "co", "com", "edu", "gov", "net", "or", "org"})
# A link to a site's home page: "/", "./", "https://host/" (any page path is more).
_HOME_HREF_RE = re.compile(r"^(?:(?:https?:)?//[^/?#]+)?\.?/?(?:index\.\w+)?$")
# Elements that start a new line inside an <h1> ("Headline<br>Subtitle").
_LINE_BREAKS = frozenset({"br", "div", "p", "h2", "h3", "h4", "h5", "h6", "li"})


def headline(
    tree: HtmlElement,
    candidates: list[str | None],
    site_names: set[str],
    url: str,
    description: str | None = None,
) -> str | None:
    """The article's title among `candidates` (structured headlines in order of trust:
    JSON-LD headline, og:title, trafilatura's title).

    The first candidate (else the page's `<title>`) is the title; a JSON-LD headline that
    is only the page's `description` does not count. If it has segments ("Story | Section |
    Site"), the visible `<h1>` that is its first segment is the title, or else the candidate
    without the segments that name the site. Without a JSON-LD headline, the `<h1>` that is
    the shown wording of that title replaces it (see the module's docstring), and so does
    an `<h1>` that the title cuts short ("Story that…").
    """
    cleaned = [_clean(c) if c else None for c in candidates]
    declared = cleaned[0] if cleaned else None
    if declared and _is_description(declared, cleaned[1:], description):
        cleaned[0] = declared = None
    title_tag = _clean(_title_tag(tree) or "") or None
    structured = [c for c in cleaned if c and not _is_site_name(c, site_names, url)]
    first = structured[0] if structured else title_tag
    if first is None:
        return None
    h1s = [
        h1
        for h1 in map(_clean, _h1_texts(tree, skip_home_links=True))
        if not _is_site_name(h1, site_names, url)
    ]
    if len(_SEGMENT_SEPARATOR_RE.split(first)) > 1:
        for h1 in h1s:
            if _is_leading_segment(h1, first):
                return h1
    title = _unquoted(strip_site_name(first, site_names, url), [*cleaned, *h1s])
    if h1s and _is_cut_short(title, h1s[0]):
        return _without_labels(h1s[0])
    if first is declared or not h1s:
        return _without_labels(title)
    titles = [title, first] + ([title_tag] if title_tag else [])
    shown = _shown_headline(h1s[0], title, titles, site_names, url)
    return _without_labels(shown or title)


def _without_labels(title: str) -> str:
    """`title` without the short segments after a pipe that label it ("Story | Opinion",
    "Story | Top 19 Companies", "Story | Blog name"): a pipe parts a headline from the
    site's name, section or tagline, and headline writers use colons and dashes."""
    segments = _PIPE_RE.split(title)
    while len(segments) > 1 and (
        len(segments[-1].split()) <= _MAX_LABEL_WORDS
        and len(segments[-1].split()) < len(" ".join(segments[:-1]).split())
    ):
        segments.pop()
    return " | ".join(segments) if len(segments) > 1 else segments[0]


def _unquoted(title: str, others: list[str | None]) -> str:
    """`title` without the quotation marks around it when the page's other titles give the
    same words unquoted (quotes around a whole headline are then markup, not a quote)."""
    if len(title) < 3 or title[0] not in _OPENING_QUOTES or title[-1] not in _CLOSING_QUOTES:
        return title
    inner = title[1:-1].strip()
    for other in others:
        if other and other[0] not in _OPENING_QUOTES and word_key(other) == word_key(inner):
            return inner
    return title


def _shown_headline(
    h1: str, title: str, titles: list[str], site_names: set[str], url: str
) -> str | None:
    """`h1` if it is the page's shown wording of `title` (see the module's docstring)."""
    if h1.isupper() or _is_site_segment(h1, titles, site_names, url):
        return None
    h1_words = _words(h1)
    title_words = _words(title)
    if not h1_words or not title_words:
        return None
    if word_key(h1).endswith(word_key(title)):
        return h1 if word_key(h1) == word_key(title) else None  # same words, or a kicker
    if h1_words[: len(title_words)] == title_words:
        return h1  # the shared title is the headline cut short
    if set(title_words) <= set(h1_words):
        return None  # the shared title is the headline with words left out
    known = {word for text in titles for word in _words(text)}
    shared = sum(word in known for word in h1_words)
    return h1 if shared >= _MIN_SHARED_WORDS * len(h1_words) else None


def _is_cut_short(title: str, h1: str) -> bool:
    """True if `title` is `h1` cut short ("Story that…" for "Story that goes on")."""
    stem = title.removesuffix(_ELLIPSES[0]).removesuffix(_ELLIPSES[1]).strip()
    if stem == title or not stem:
        return False
    return len(word_key(h1)) > len(word_key(stem)) and word_key(h1).startswith(word_key(stem))


def _is_description(declared: str, others: list[str | None], description: str | None) -> bool:
    """True if the JSON-LD headline is the page's description, not a headline: the
    description starts with it, it is sentence-long, and the page's titles say otherwise."""
    if not description or len(declared.split()) < _MIN_DESCRIPTION_WORDS:
        return False
    if not word_key(description).startswith(word_key(declared)):
        return False
    return any(other and word_key(other) != word_key(declared) for other in others)


def _is_site_segment(h1: str, titles: list[str], site_names: set[str], url: str) -> bool:
    """True if `h1` is the site's name: a name of the site, or the segment beside the
    story's in a page title ("Blog name: Story", "Story | Blog name")."""
    if _is_site_name(h1, site_names, url):
        return True
    key, story = word_key(h1), word_key(titles[0])
    for text in titles:
        segments = [word_key(segment) for segment in _SEGMENT_SEPARATOR_RE.split(text)]
        if key in segments and story in segments and key != story:
            return True
    return False


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
    while len(segments) > 1 and (
        _is_site_name(segments[-1], site_names, url) or _is_domain_brand(segments[-1], url)
    ):
        segments.pop()
        separators.pop()
    if len(segments) > 1 and _is_site_name(segments[0], site_names, url):
        segments.pop(0)
        separators.pop(0)
    joined = segments[0]
    for separator, segment in zip(separators, segments[1:], strict=True):
        joined += separator + segment
    return joined.strip()


def _clean(title: str) -> str:
    """`title` with character references left escaped twice resolved, UTF-8 read as
    Latin-1 repaired ("Itâ\x80\x99s" for "It’s") and a leading Markdown heading mark
    removed."""
    if "&" in title:
        title = html.unescape(title)
    title = _MOJIBAKE_RE.sub(_redecoded, title)
    return _MARKUP_RE.sub("", title).strip() or title


def _redecoded(match: re.Match[str]) -> str:
    """The UTF-8 character whose bytes `match` spells in Latin-1 or Windows-1252."""
    for encoding in ("latin-1", "cp1252"):
        try:
            return match.group().encode(encoding).decode("utf-8")
        except UnicodeError:
            continue
    return match.group()


def _words(text: str) -> list[str]:
    """The text's words, case-folded (`word_phrase`'s words)."""
    return word_phrase(text).split()


def _is_domain_brand(segment: str, url: str) -> bool:
    """True if `segment` is a short name that the site's domain spells out: "Koia" on
    drinkkoia.com, "Bridgestone Tires" on tires.bridgestone.com."""
    if len(segment.split()) > _MAX_BRAND_WORDS:
        return False
    labels = (urlsplit(url).hostname or "").split(".")[:-1]
    if len(labels) > 1 and labels[-1] in _SECOND_LEVEL_LABELS:
        labels.pop()
    if not labels:
        return False
    domain, key = word_key(labels[-1]), word_key(segment)
    shorter = min(domain, key, key=len)
    return len(shorter) >= _MIN_BRAND_CHARS and (key in domain or domain in key)


def _is_site_name(text: str, site_names: set[str], url: str) -> bool:
    key = word_key(text)
    return bool(key) and key in site_keys(site_names, url)


def _h1_texts(tree: HtmlElement, skip_home_links: bool = False) -> list[str]:
    """The texts of the page's first `<h1>`s; with `skip_home_links`, not of those that are
    a link to the site's home page (its name or logo)."""
    texts = []
    for element in tree.iter("h1"):
        if skip_home_links and _is_home_link(element):
            continue
        text = " ".join(_shown_text(element).split())
        if text and len(text.split()) <= _MAX_HEADLINE_WORDS:
            texts.append(text)
        if len(texts) == _MAX_H1_CHECKED:
            break
    return texts


def _is_home_link(element: HtmlElement) -> bool:
    """True if `element` holds nothing but a link to the site's home page."""
    links = element.findall(".//a")
    if len(links) != 1 or not _HOME_HREF_RE.match(links[0].get("href", "").strip()):
        return False
    return word_key(links[0].text_content()) == word_key(element.text_content())


def _shown_text(element: HtmlElement) -> str:
    """The text of `element`, with a space where a line break or a block starts."""
    parts = [element.text or ""]
    for child in element:
        if isinstance(child.tag, str):
            if child.tag in _LINE_BREAKS:
                parts.append(" ")
            parts.append(_shown_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _title_tag(tree: HtmlElement) -> str | None:
    element = tree.find(".//title")
    if element is None:
        return None
    text = " ".join(element.text_content().split())
    return text or None
