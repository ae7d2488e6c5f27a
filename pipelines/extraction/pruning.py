"""Pruning before extraction: remove the page's boilerplate containers from the HTML tree.

Skip links, comment areas and reply forms, share bars, related and "more from" blocks,
newsletter boxes, ad slots, author bios, previous/next navigation and sidebars are found
by their class and id vocabulary, which is much the same whatever the theme. A site's
own extra CSS selectors (from the sites file) are removed too.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from functools import lru_cache

from lxml.cssselect import CSSSelector
from lxml.etree import XPath
from lxml.html import HtmlElement

from pipelines.extraction.words import count_words

logger = logging.getLogger(__name__)

# Whole class/id tokens (lower-cased) that name a boilerplate container.
_BOILERPLATE_TOKEN_RE = re.compile(
    r"^("
    r"skip-?link|skip-to-content|screen-reader-text|"
    r"comments?|comments-area|comment-respond|respond|commentform|comment-form|comment-list|"
    r"comments-title|reply-title|comment-reply-title|disqus_thread|"
    r"share|sharing|sharedaddy|share-?bar|share-buttons|social-share|social-sharing|"
    r"addtoany|a2a_kit|"
    r"related|related-?posts|related-articles|related-stories|jp-relatedposts|yarpp-related|"
    r"more-from|more-stories|recommended|recirculation|"
    r"newsletter|newsletter-signup|newsletter-box|subscribe-box|subscription-box|mc4wp-form|"
    r"ad|ads|advert|advertisement|ad-slot|ad-container|adsbygoogle|dfp-ad|banner-ad|"
    r"author-bio|author-box|about-author|author-info|"
    r"post-navigation|nav-previous|nav-next|navigation|pagination|breadcrumbs?|"
    r"sidebar|"
    r"tags-links|cat-links|post-tags|entry-tags|"
    r"cookie-banner|cookie-notice|consent-banner"
    r")$"
)
# The tokens of those that hold reader comments.
_COMMENT_TOKEN_RE = re.compile(
    r"^(comments?|comments-area|comment-respond|respond|commentform|comment-form|comment-list|"
    r"comments-title|reply-title|comment-reply-title|disqus_thread)$"
)
_ALWAYS_REMOVED_TAGS = ("form", "button", "iframe", "noscript", "template")
# Not text a reader sees: dropped first, so that shares of text are shares of visible text.
_INVISIBLE_TAGS = ("script", "style")
# Never prune these: they are the page or its main content, whatever their classes say.
_PROTECTED_TAGS = frozenset({"html", "body", "main", "article", "h1"})
# A container holding this share of the page's text or more is content, not boilerplate.
_MAX_PRUNED_SHARE = 0.4
_MAX_LINK_PARAGRAPH_WORDS = 20
_MIN_LINK_LIST_ITEMS = 2
# A list item is a link when its links hold this share of its text (a kicker or a date
# may go with the link).
_LINKED_SHARE = 0.6


@dataclass
class Pruned:
    """What `prune_page` removed."""

    removed: int = 0  # containers
    comment_prose: int = 0  # `prose_chars` of the reader comments among them


def prune_boilerplate(tree: HtmlElement, extra_selectors: list[str] | tuple[str, ...] = ()) -> int:
    """Remove boilerplate containers from `tree` in place; return how many were removed."""
    return prune_page(tree, extra_selectors).removed


def prune_page(tree: HtmlElement, extra_selectors: list[str] | tuple[str, ...] = ()) -> Pruned:
    """Remove boilerplate containers from `tree` in place; say how many, and how much
    prose of reader comments went with them (pruned as comments, not as a possible part
    of the story)."""
    for element in list(tree.iter(*_INVISIBLE_TAGS)):
        element.drop_tree()
    total_chars = len(_text(tree)) or 1
    pruned = Pruned()
    # Containers named as boilerplate first; link lists and link paragraphs are then
    # looked for in what is left (those inside a removed container went with it).
    candidates = [el for el in _CANDIDATES(tree) if _is_boilerplate(el)]
    for selector in extra_selectors:
        candidates.extend(CSSSelector(selector)(tree))
    _drop(tree, candidates, total_chars, pruned)
    _drop(tree, [*_link_only_paragraphs(tree), *_link_lists(tree)], total_chars, pruned)
    unwrap_layout_tables(tree)
    return pruned


def _drop(
    tree: HtmlElement, candidates: list[HtmlElement], total_chars: int, pruned: Pruned
) -> None:
    """Drop the `candidates` still in `tree` that are not protected, counting them."""
    root = tree.getroottree().getroot()
    for element in candidates:
        if element.getparent() is None or element.getroottree().getroot() is not root:
            continue  # removed already, with a container around it
        if _is_protected(element, total_chars):
            continue
        if _is_comment_area(element):
            pruned.comment_prose += prose_chars(element)
        element.drop_tree()
        pruned.removed += 1


def _is_comment_area(element: HtmlElement) -> bool:
    tokens = (element.get("class", "") + " " + element.get("id", "")).lower().split()
    return any(_COMMENT_TOKEN_RE.match(token) for token in tokens)


def prose_chars(tree: HtmlElement) -> int:
    """Characters (not spaces) in the tree's paragraphs (`p` elements) of a sentence's
    length: a cheap measure, in any script, of the story-like text pruning may remove."""
    lengths = (_chars(paragraph.text_content()) for paragraph in tree.iter("p"))
    return sum(length for length in lengths if length >= _MIN_PROSE_CHARS)


def prose_paragraphs(tree: HtmlElement) -> int:
    """How many of the tree's paragraphs (`p` elements) are a sentence long."""
    return sum(_chars(paragraph.text_content()) >= _MIN_PROSE_CHARS for paragraph in tree.iter("p"))


def loose_prose_chars(tree: HtmlElement) -> int:
    """Characters (not spaces) of the sentence-long text runs of the tree's body outside
    paragraphs and links: the story of a page written in `div`s, table cells or list items
    with line breaks, which `prose_chars` does not see."""
    lengths = map(_chars, _LOOSE_TEXT(tree))
    return sum(length for length in lengths if length >= _MIN_PROSE_CHARS)


_LOOSE_TEXT = XPath(
    "//body//text()[not(ancestor::p or ancestor::a or ancestor::script or ancestor::style)]",
    smart_strings=False,
)


def _chars(text: str) -> int:
    return len(text) - sum(map(text.count, (" ", "\n", "\t", "\xa0")))


# A `p` with this many characters (not spaces) is a sentence long, in any script.
_MIN_PROSE_CHARS = 40


def unwrap_layout_tables(tree: HtmlElement) -> int:
    """Turn tables used for page layout (a cell holding a story's paragraphs, or another
    table) into plain blocks, as old sites built whole pages of them: the extractor then
    sees the story's container instead of one table whose rows are the site's masthead,
    menu, story and footer. Data tables (short cells) are left as they are. Return how
    many tables were unwrapped."""
    layout = [table for table in tree.iter("table") if _is_layout_table(table)]
    # Each layout table's own rows and cells (not those of a data table inside it),
    # found before any tag changes.
    parts = [
        element
        for table in layout
        for element in table.iter("tbody", "thead", "tfoot", "tr", "td", "th")
        if next(element.iterancestors("table"), None) is table
    ]
    for element in [*layout, *parts]:
        for attribute in ("width", "colspan", "rowspan", "align", "valign"):
            element.attrib.pop(attribute, None)
        element.tag = "div"
    return len(layout)


def _is_layout_table(table: HtmlElement) -> bool:
    """A table whose cells hold another table or prose (a long paragraph), not data."""
    if table.find(".//table") is not None:
        return True
    for cell in table.iter("td", "th"):
        if cell.find(".//p") is not None and len(_text(cell)) >= _LAYOUT_CELL_CHARS:
            return True
        if len(_text(cell)) >= 2 * _LAYOUT_CELL_CHARS:
            return True
    return False


# A table cell with this much text in paragraphs holds prose, not data.
_LAYOUT_CELL_CHARS = 400


def _is_boilerplate(element: HtmlElement) -> bool:
    if element.tag in _ALWAYS_REMOVED_TAGS:
        return True
    return _names_boilerplate(element.get("class", "") + " " + element.get("id", ""))


@lru_cache(maxsize=4096)
def _names_boilerplate(names: str) -> bool:
    """True if a class or id token in `names` names a boilerplate container (a theme
    repeats the same few class strings on every page: they are looked at once)."""
    return any(_BOILERPLATE_TOKEN_RE.match(token) for token in names.lower().split())


# The elements `_is_boilerplate` may find, in document order: those with a class or an
# id, and the always removed tags (one XPath query instead of a look at every element).
_CANDIDATES = XPath("//*[@class or @id]|" + "|".join(f"//{tag}" for tag in _ALWAYS_REMOVED_TAGS))


def _is_protected(element: HtmlElement, total_chars: int) -> bool:
    if element.tag in _PROTECTED_TAGS or element.get("itemprop") == "articleBody":
        return True
    # Some sites wrap the whole page in one form: its share of the text alone decides.
    if element.tag != "form" and _PROTECTED_INSIDE(element):
        return True
    return len(_text(element)) / total_chars >= _MAX_PRUNED_SHARE


_PROTECTED_INSIDE = XPath(".//h1|.//*[@itemprop='articleBody']")


def _link_only_paragraphs(tree: HtmlElement) -> list[HtmlElement]:
    """Short paragraphs whose whole text is a link: inline promos and related links."""
    found = []
    for paragraph in tree.iter("p"):
        if next(paragraph.iter("a"), None) is None:
            continue
        item = next(paragraph.iterancestors("li"), None)
        if item is not None and _introduced_by_story(item.getparent()):
            continue  # an item of a list the story introduces
        text = _text(paragraph)
        if not text or count_words(text) > _MAX_LINK_PARAGRAPH_WORDS:
            continue
        linked = "".join(_text(a) for a in paragraph.iter("a"))
        if linked.replace(" ", "") == text.replace(" ", ""):
            found.append(paragraph)
    return found


def _link_lists(tree: HtmlElement) -> list[HtmlElement]:
    """Lists whose every item is a link: related articles, "more from" and menus."""
    found = []
    for list_element in tree.iter("ul", "ol"):
        items = [child for child in list_element if child.tag == "li"]
        if len(items) < _MIN_LINK_LIST_ITEMS:
            continue
        # Every item holds a link (cheap, and most lists of prose fail it) before any text
        # is measured.
        links = [list(item.iter("a")) for item in items]
        if not all(links):
            continue
        if _introduced_by_story(list_element):
            continue
        if all(_is_linked(item, anchors) for item, anchors in zip(items, links, strict=True)):
            found.append(list_element)
    return found


def _introduced_by_story(list_element: HtmlElement) -> bool:
    """Whether the list follows a sentence ending in a colon ("Many patches were sent for
    review:"): a list the text introduces (changes, sources, products reviewed) is part of
    the story, while menus and "more from" lists stand apart from the prose, under a label
    or none. Promo lead-ins ("You might also like:") are left to the line rules, which
    drop them with their list. The list may be wrapped in a block of its own, and so may
    the sentence."""
    element = list_element
    for _ in range(_MAX_WRAPPER_DEPTH):
        previous = element.getprevious()
        while previous is not None and not isinstance(previous.tag, str):
            previous = previous.getprevious()  # comments and processing instructions
        if previous is not None:
            break
        element = element.getparent()
        if element is None or element.tag in _PROTECTED_TAGS:
            return False
    else:
        return False
    text = _text(previous)
    return text.endswith(":") and count_words(text) >= _MIN_LEAD_IN_WORDS


# A line ending in a colon introduces the list below it when it is a sentence of this many
# words or more; shorter ones are labels ("Tags:", "Follow us:", "Related Articles:").
_MIN_LEAD_IN_WORDS = 5


# A list or a paragraph may be wrapped in this many blocks of its own.
_MAX_WRAPPER_DEPTH = 3


def _is_linked(element: HtmlElement, anchors: list[HtmlElement]) -> bool:
    """Whether the links `anchors` inside `element` hold most of its visible text."""
    text = _visible_chars(element)
    if not text:
        return False
    linked = sum(_visible_chars(a) for a in anchors)
    return linked >= _LINKED_SHARE * text


def _visible_chars(element: HtmlElement) -> int:
    """The characters of an element's text, whitespace not counted."""
    return len("".join(element.text_content().split()))


def _text(element: HtmlElement) -> str:
    return " ".join(element.text_content().split())
