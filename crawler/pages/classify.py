"""Deciding what kind of page a response is: an article, or a listing to take links from.

The decision rests on what the page is, not on where it is. `article_score` reads a
handful of features from the parsed page and adds them up with fixed weights into a
log-odds-like score (> 0 means article):

- the main text block (the container holding the most paragraph text outside links and
  outside navigation, header, footer and aside): how much text, how many sentence-long
  paragraphs, how much of it is link text;
- signs of a listing: many headline links (`<h2>`/`<h3>` links to other pages, long link
  texts), teaser blocks (a headline link followed by a date or an excerpt) and the share
  of the text in them, `<article>`s with linked headings, "Read more" links;
- signs of an article: one `<h1>`, a `<time>` or published date, a byline;
- the page's declarations, counted as evidence and never as verdicts: JSON-LD types,
  `og:type`, `article:published_time`;
- signs of other kinds of pages: product (prices, add-to-cart, Product JSON-LD), forum
  and Q&A threads, documentation, forms;
- the URL's shape, as one weak feature among the others.

No URL word vetoes a page. `classify_page` adds a caller's `prior` (what the crawler has
learned about the site's URL shapes) to the score. Counting is in characters, with CJK
characters weighted more, so that languages written without spaces are measured fairly.

The weights were fitted by logistic regression on page features of all the real pages of
a benchmark set (checked by fitting on one half of its domains and scoring the other, and
on a second set of news articles) and then rounded; they are constants here, nothing is
learned at run time.
"""

from __future__ import annotations

import enum
import math
import re
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate, chain

from lxml import etree
from lxml.html import HtmlElement

from crawler.pages.structured_data import ARTICLE_TYPES, jsonld_script_objects, jsonld_types
from crawler.pages.urls import path_of

LISTING_TYPES = frozenset({"CollectionPage", "ItemList", "SearchResultsPage", "ProfilePage"})
PRODUCT_TYPES = frozenset(
    {"Product", "ProductGroup", "Offer", "AggregateOffer", "SoftwareApplication", "Store"}
)
FORUM_TYPES = frozenset({"DiscussionForumPosting", "QAPage", "Question", "SocialMediaPosting"})

# Path segments that mark listing pages on news sites and blogs.
_LISTING_PATH_RE = re.compile(
    r"/(tag|tags|category|categories|section|sections|topic|topics|author|authors|"
    r"autor|auteur|autore|page|archive|archives|search|feed|label)(/|$)",
    re.IGNORECASE,
)
_PAGINATION_RE = re.compile(r"/page/\d+/?$|[?&](page|paged)=\d+", re.IGNORECASE)
_POST_ID_QUERY_RE = re.compile(r"[?&](p|id|story_id|article_id)=\d+")  # WordPress' ?p=123
_DATE_PATH_RE = re.compile(r"/(19|20)\d{2}/(0?[1-9]|1[0-2])/")
_ID_PATH_RE = re.compile(r"[-/_.](\d{5,})(\.html?)?/?$|\.html?$")
_SLUG_RE = re.compile(r"/[^/]*[a-z0-9]+(-[a-z0-9]+){3,}[^/]*/?$", re.IGNORECASE)
# An opaque id as the last segment: letters and digits mixed, 8 characters or more
# (`/news/a8Kx29QpZ`, `/story/9f3a2c1b7e`).
_OPAQUE_ID_RE = re.compile(r"/(?=[A-Za-z0-9_-]*\d)(?=[A-Za-z0-9_-]*[A-Za-z])[A-Za-z0-9_-]{8,}/?$")

_DOCS_URL_RE = re.compile(
    r"^https?://(docs|developers?|api|wiki)\.|/(docs|documentation|reference|manual|api|wiki)(/|$)",
    re.IGNORECASE,
)

# Elements whose text is never the page's main text.
# An <article>'s or <main>'s own <header> and <footer> (its headline, byline, tags) are
# part of it, not the site's header and footer.
_CONTENT_TAGS = frozenset({"article", "main"})
_PART_TAGS = frozenset({"header", "footer"})
_SKIPPED_TAGS = frozenset(
    {
        "nav",
        "header",
        "footer",
        "aside",
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "select",
        "button",
        "iframe",
        "head",
        "figcaption",
    }
)
_SKIPPED_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "menu"})
# Elements that start a block of text of their own.
_BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "td",
        "th",
        "li",
        "dd",
        "dt",
        "blockquote",
        "pre",
        "section",
        "article",
        "main",
        "body",
        "table",
        "tr",
        "tbody",
        "ul",
        "ol",
        "dl",
        "form",
        "center",
        "address",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
    }
)
_HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# The elements the walk looks at by their tag (any other is text and markup only).
_WALKED_TAGS = _CONTENT_TAGS | _SKIPPED_TAGS | _BLOCK_TAGS | {"a", "input", "textarea"}
# Class names and ids (whole names only) of navigation and page chrome.
_BOILERPLATE_NAMES = frozenset(
    {
        "nav",
        "navbar",
        "navigation",
        "menu",
        "footer",
        "site-footer",
        "site-header",
        "sidebar",
        "breadcrumb",
        "breadcrumbs",
        "related",
        "share",
        "social",
        "cookie",
        "newsletter",
    }
)
_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
_PRICE_RE = re.compile(r"(?:[$€£¥₹]\s?\d[\d.,]*|\d[\d.,]*\s?(?:€|EUR|USD|kr|zł))")
_CART_RE = re.compile(r"add[-_ ]?to[-_ ]?(cart|basket|bag)|buy[-_ ]now|checkout", re.IGNORECASE)
_BYLINE_TEXT_RE = re.compile(
    r"^\s*(by|von|par|por|door|av|written by|posted by|text:|texto:|autor:|author:)(\s|$)",
    re.IGNORECASE,
)
# Reading times, in lower-cased text: "5 min read", or "Lesezeit: 5" (the words searched
# with `in` first, and the regex only if one is there).
_READING_MINUTES_RE = re.compile(
    r"\d\s*-?\s*(min|minutes?|minuten)\.?\s*(read|de lecture|de lectura|lesezeit)"
)
_READING_TIME_WORDS = ("lesezeit", "reading time", "temps de lecture", "tiempo de lectura")
_READING_TIME_WORD_RE = re.compile(
    r"(lesezeit|reading time|temps de lecture|tiempo de lectura)\s*:?\s*\d"
)
# First person plural: a business speaking of itself.
_WE_WORDS = frozenset(
    [
        "we",
        "our",
        "us",
        "ours",
        "wir",
        "unser",
        "unsere",
        "nous",
        "notre",
        "nos",
        "nosotros",
        "nuestro",
        "nuestra",
    ]
)
_WORD_RE = re.compile(r"\w+")
# Links to the rest of a post, one per teaser.
_MORE_LINK_RE = re.compile(
    r"\s*(continue reading|read more|read the rest|keep reading|more\s*(»|›|→|>|\.\.\.|…)|"
    r"weiterlesen|mehr lesen|lire la suite|en savoir plus|leer m[aá]s|seguir leyendo|"
    r"lees meer|verder lezen|läs mer|les mer|leggi tutto)",
    re.IGNORECASE,
)
# Headline shapes of articles and guides: a question, "how to", "why", a list count
# ("7 ways to ..."). Not a year or a colon: "Archive 2008-05" and "Budget 2024: ..." are
# as likely a listing's title as an article's.
_HEADLINE_SHAPE_RE = re.compile(
    r"\?|\bhow to\b|\bwhat (is|are)\b|\bwhy\b|\bguide\b|\btips\b|\bvs\.?\b|"
    r"\bwie\b|\bwarum\b|\bcomment\b|\bpourquoi\b|\bc[oó]mo\b|\bpor qu[eé]\b|"
    r"^\s*\d+\s+[^\d\s]"
)
# Searched in text folded by `_fold` (the same matches as with `re.IGNORECASE`, found much
# faster).
_CALL_TO_ACTION_RE = re.compile(
    r"contact us|get (a |your )?(free )?(quote|estimate)|request (a )?(demo|quote|call)|"
    r"book (a |your |now)|schedule (a |your )|free (consultation|trial|estimate)|"
    r"get started|talk to (an |our |a )|call (us|now|today)|start (your )?free|"
    r"sign up free|try (it )?(for )?free|buy now|add to (cart|basket|bag)|shop now|"
    r"see (plans|pricing)|view pricing|apply now|enroll now|register now"
)
# The letters that `re.IGNORECASE` matches to an ASCII letter without `str.lower` making
# them that letter: "İ" and "ı" match "i", "ſ" matches "s".
_FOLDED = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s"})

# A paragraph is "sentence-long" from this many (CJK-weighted) characters on.
SENTENCE_CHARS = 80
# A teaser block starts with a link of this many characters or more (or a linked heading)
# and holds this much plain text (CJK-weighted): a date, a byline, an excerpt.
TEASER_LINK_CHARS = 20
TEASER_MIN_CHARS = 8
TEASER_MAX_CHARS = 1000
# One CJK character counts as this many characters (a word of a spaced language is ~6).
CJK_WEIGHT = 3


class PageKind(enum.StrEnum):
    """What a fetched page is, for discovery."""

    ARTICLE = "article"
    LISTING = "listing"


# URL heuristics (link following) ----------------------------------------------------


def looks_like_article_url(url: str) -> bool:
    """A guess from the URL alone, for link following: a dated path, a numeric or opaque
    id, or a long slug. Pagination never looks like an article; a listing word (archive,
    page, topics, ...) does not spoil a path that has a date or an id."""
    path = path_of(url)
    if path == "/" and not _POST_ID_QUERY_RE.search(url):
        return False
    if _PAGINATION_RE.search(url):
        return False
    if _POST_ID_QUERY_RE.search(url) or _DATE_PATH_RE.search(path) or _has_id(path):
        return True
    return not _LISTING_PATH_RE.search(path) and bool(_SLUG_RE.search(path))


def _has_id(path: str) -> bool:
    """A numeric id of five digits or more, an `.html` page, or an opaque id at the end."""
    return bool(_ID_PATH_RE.search(path) or _OPAQUE_ID_RE.search(path))


# Classification ---------------------------------------------------------------------


def classify_page(url: str, tree: HtmlElement, prior: float = 0.0) -> PageKind:
    """Whether the page at `url` (parsed as `tree`) is an article or a listing.

    `prior` is a log-odds-like nudge added to `article_score` (for example from URL shapes
    the crawler has seen to be articles on this site); the page is an article when the sum
    is above zero."""
    score = article_score(url, tree) + prior
    return PageKind.ARTICLE if score > 0 else PageKind.LISTING


def article_score(url: str, tree: HtmlElement) -> float:
    """The page's article score: above zero an article, below a listing (or another
    non-article page). About log-odds: +2 is a confident article, -2 a confident not."""
    features = page_features(url, tree)
    return BIAS + sum(WEIGHTS[name] * value for name, value in features.items())


def page_features(url: str, tree: HtmlElement) -> dict[str, float]:
    """Every feature `article_score` weighs, by name (for inspection and benchmarks)."""
    text = _text_stats(tree)
    markup = _markup(tree)
    return {
        "main_link_density": main_link_density(text),
        "main_share": main_share(text),
        "headline_links": headline_links(text),
        "long_links": long_links(text),
        "teaser_share": teaser_share(text),
        "teaser_blocks": teaser_blocks(text),
        "more_links": more_links(text),
        "teaser_articles": teaser_articles(markup),
        "best_run": best_run(text),
        "run_share": run_share(text),
        "mean_paragraph": mean_paragraph(text),
        "byline_text": byline_text(text),
        "reading_time": reading_time(text),
        "calls_to_action": calls_to_action(text),
        "we_share": we_share(text),
        "headline_shape": headline_shape(markup),
        "one_h1": one_h1(text),
        "form_inputs": form_inputs(text),
        "time_elements": time_elements(markup),
        "author_meta": author_meta(markup),
        "share_links": share_links(markup),
        "comment_section": comment_section(markup),
        "has_time": has_time(markup),
        "has_byline": has_byline(markup),
        "declares_article": declares_article(markup),
        "declares_listing": declares_listing(markup),
        "declares_product": declares_product(markup),
        "declares_forum": declares_forum(markup),
        "og_article": og_article(markup),
        "published_meta": published_meta(markup),
        "product_markers": product_markers(markup, text),
        "forum_markers": forum_markers(markup),
        "docs_markers": docs_markers(markup),
        "url_article_like": url_article_like(url),
        "url_is_home": url_is_home(url),
        "url_docs": url_docs(url),
        "code_elements": code_elements(markup),
        "reply_markers": reply_markers(markup),
    }


# The text walk ----------------------------------------------------------------------


# What a block's first text is (`_Block.lead`).
_UNREAD, _IN_LINK, _HEADLINE_LINK, _OTHER = range(4)


@dataclass(slots=True)
class _Block:
    """Text gathered in one block element: its own text, and its subtree's totals."""

    element: HtmlElement
    parent: _Block | None  # the enclosing block
    text: int = 0  # CJK-weighted characters outside links, own text only
    link: int = 0  # characters inside links, own text only
    sub_text: int = 0  # plain text of the whole subtree
    sub_link: int = 0  # link text of the whole subtree
    sub_paragraph_text: int = 0  # plain text of the subtree's sentence-long paragraphs
    sub_paragraphs: int = 0  # how many there are
    run: float = 0.0  # paragraph text of its children, and half of its grandchildren's
    lead: int = _UNREAD  # what its first text is: unread, in a headline link, or other
    teasers: int = 0  # teaser blocks in the subtree (innermost ones)
    teaser_text: int = 0  # plain text of the subtree that is in teaser blocks


@dataclass(slots=True)
class TextStats:
    """What one walk over the page's body found."""

    blocks: list[_Block] = field(default_factory=list)
    main: _Block | None = None
    main_value: int = 0
    total_text: int = 0
    total_link: int = 0
    headline_links: int = 0
    long_links: int = 0
    more_links: int = 0  # "Read more", "Continue reading", ...
    h1: int = 0
    inputs: int = 0
    code_blocks: int = 0
    price_hits: int = 0
    byline_texts: int = 0
    best_run: int = 0  # most paragraph text directly in one block (readability's measure)
    plain: list[str] = field(default_factory=list)  # plain text fragments, in order
    links: list[str] = field(default_factory=list)  # link text fragments


def _weighted_len(text: str) -> int:
    """Length of `text` with CJK characters counted `CJK_WEIGHT` times, spaces collapsed."""
    stripped = " ".join(text.split())
    if stripped.isascii():
        return len(stripped)
    return len(stripped) + (CJK_WEIGHT - 1) * len(_CJK_RE.findall(stripped))


def _boilerplate(element: HtmlElement, classes: dict[str, bool]) -> bool:
    """Whether the element's role, class or id names navigation or page chrome.

    `classes` remembers the verdict on each class attribute value (pages repeat them)."""
    get = element.get
    if get("role") in _SKIPPED_ROLES:
        return True
    names = get("class")
    if names:
        named = classes.get(names)
        if named is None:
            named = classes[names] = not _BOILERPLATE_NAMES.isdisjoint(names.lower().split())
        if named:
            return True
    name = get("id")
    return bool(name) and name.lower() in _BOILERPLATE_NAMES


def _text_stats(tree: HtmlElement) -> TextStats:
    """Walk the body once: text and link characters per block, headline links, teaser
    blocks, and the main block (the block with the most paragraph text in its children).

    Navigation, header, footer, aside and the like (by tag, or `_boilerplate`) are skipped:
    stepped over without being visited. A text or tail that is only whitespace counts for
    nothing and is not looked at further."""
    stats = TextStats()
    root = next(tree.iter("body"), tree)  # the first <body>, as `//body` finds it
    blocks = stats.blocks
    stack: list[_Block] = []  # open blocks
    unread: list[_Block] = []  # open blocks that have no text yet
    led: list[_Block] = []  # blocks whose first text is in the open link
    block: _Block | None = None  # the innermost open block
    link_depth = 0
    link_text = 0  # characters of the link being read
    link_away = False  # whether the open link leads to another page
    heading_depth = 0
    link_in_heading = False
    skipping: HtmlElement | None = None  # the skipped element whose end comes next
    content_depth = 0  # open <article> and <main> elements
    classes: dict[str, bool] = {}
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, element in walker:
        tag = element.tag
        if not isinstance(tag, str):
            continue
        if event == "start":
            if tag not in _WALKED_TAGS:  # an inline element, skipped only by its attributes
                if _boilerplate(element, classes):
                    walker.skip_subtree()
                    skipping = element
                    continue
            else:
                if tag in _CONTENT_TAGS:
                    content_depth += 1
                else:
                    if tag == "input" or tag == "textarea":
                        stats.inputs += 1
                    if (tag in _SKIPPED_TAGS or _boilerplate(element, classes)) and not (
                        content_depth and tag in _PART_TAGS
                    ):
                        walker.skip_subtree()
                        skipping = element
                        continue
                if tag in _BLOCK_TAGS:
                    block = _Block(element, block)
                    blocks.append(block)
                    stack.append(block)
                    unread.append(block)
                if tag == "a":
                    link_depth += 1
                    link_text = 0
                    link_in_heading = heading_depth > 0
                    link_away = _leads_away(element.get("href"))
                elif tag in _HEADING_TAGS:
                    heading_depth += 1
                    if tag == "h1":
                        stats.h1 += 1
                elif tag == "pre":
                    stats.code_blocks += 1
            text = element.text
        else:  # the end (also sent for a skipped element, right after its start)
            if element is skipping:
                skipping = None
            elif tag in _WALKED_TAGS:
                if tag in _CONTENT_TAGS and content_depth:
                    content_depth -= 1
                if tag in _BLOCK_TAGS and block is not None and block.element is element:
                    stack.pop()
                    if unread and unread[-1] is block:
                        unread.pop()
                    _close_block(stats, block)
                    block = stack[-1] if stack else None
                elif tag == "a" and link_depth:
                    link_depth -= 1
                    headline = link_in_heading or (
                        heading_depth == 0 and _has_heading_child(element)
                    )
                    if headline and link_away:
                        stats.headline_links += 1
                    elif link_text >= 30 and link_away:
                        stats.long_links += 1
                    if link_text < 40 and _MORE_LINK_RE.match(element.text_content()):
                        stats.more_links += 1
                    if led:
                        long = headline or link_text >= TEASER_LINK_CHARS
                        for first in led:
                            first.lead = _HEADLINE_LINK if long else _OTHER
                        led.clear()
                elif tag in _HEADING_TAGS and heading_depth:
                    heading_depth -= 1
            text = element.tail
        # The element's text (at its start) or its tail (at its end).
        if text and block is not None and not text.isspace():
            in_link = link_depth > 0
            _add_text(stats, block, text, in_link)
            if unread:
                _first_text(unread, led, in_link and link_away)
            if in_link:
                link_text += len(text.strip())
    while stack:
        _close_block(stats, stack.pop())
    return stats


def _leads_away(href: str | None) -> bool:
    """Whether a link's target is another page (not an anchor on this one, not a script)."""
    if not href:
        return False
    href = href.strip()
    return bool(href) and href[0] != "#" and not href.startswith("javascript:")


def _first_text(unread: list[_Block], led: list[_Block], in_link: bool) -> None:
    """The open blocks without text so far have just got their first: in a link to
    another page (decided when the link ends) or not."""
    lead = _IN_LINK if in_link else _OTHER
    for block in unread:
        block.lead = lead
    if in_link:
        led.extend(unread)
    unread.clear()


def _has_heading_child(link: HtmlElement) -> bool:
    """A link wrapping a heading (`<a><h3>Title</h3></a>`), as teaser cards do."""
    return next(link.iterchildren("h2", "h3", "h4"), None) is not None


def _add_text(stats: TextStats, block: _Block, text: str, in_link: bool) -> None:
    """Count `text` (not only whitespace) into `block` as link or plain text."""
    length = _weighted_len(text)
    if in_link:
        block.link += length
        stats.total_link += length
        stats.links.append(text)
    else:
        block.text += length
        stats.total_text += length
        stats.plain.append(text)
        if length < 60 and _BYLINE_TEXT_RE.match(text):
            stats.byline_texts += 1
        if stats.price_hits < 50 and ("$" in text or "€" in text or "£" in text):
            stats.price_hits += len(_PRICE_RE.findall(text))


def _close_block(stats: TextStats, block: _Block) -> None:
    """A block has ended: add its totals to its parent's, and make it the main block if
    its paragraph text minus its link text is the best yet (children end before their
    parents, so the deepest of equal blocks wins).

    A teaser block (one that starts with a headline-long link to another page and holds
    a little plain text: a headline with its date or excerpt) counts as a teaser, and its
    text is no part of a run of body text."""
    block.sub_text += block.text
    block.sub_link += block.link
    teaser = block.lead == _HEADLINE_LINK and TEASER_MIN_CHARS <= block.sub_text <= TEASER_MAX_CHARS
    if teaser:
        block.teaser_text = block.sub_text
        block.teasers = block.teasers or 1
    paragraph = block.text >= SENTENCE_CHARS and block.link * 2 < block.text and not teaser
    if paragraph:
        block.sub_paragraphs += 1
        block.sub_paragraph_text += block.text
        if block.text > 4 * SENTENCE_CHARS:  # a <td> or <div> of <br>-separated text
            block.run += block.text
    if block.run > stats.best_run:
        stats.best_run = int(block.run)
    value = block.sub_paragraph_text - block.sub_link
    if value > stats.main_value or stats.main is None:
        stats.main = block
        stats.main_value = value
    parent = block.parent
    if parent is None:
        return
    parent.sub_text += block.sub_text
    parent.sub_link += block.sub_link
    parent.sub_paragraph_text += block.sub_paragraph_text
    parent.sub_paragraphs += block.sub_paragraphs
    parent.teasers += block.teasers
    parent.teaser_text += block.teaser_text
    if paragraph:
        parent.run += block.text
        if parent.parent is not None:
            parent.parent.run += block.text / 2


# Features of the text ---------------------------------------------------------------


def _log(value: float) -> float:
    """log(1 + value): counts and lengths grow slowly."""
    return math.log1p(max(value, 0.0))


def main_link_density(text: TextStats) -> float:
    """Share of the main block's characters that are link text."""
    if not text.main:
        return 1.0
    total = text.main.sub_text + text.main.sub_link
    return text.main.sub_link / total if total else 1.0


def main_share(text: TextStats) -> float:
    """Share of the page's plain text that is in the main block."""
    if not text.main or not text.total_text:
        return 0.0
    return text.main.sub_text / text.total_text


def headline_links(text: TextStats) -> float:
    """Links in (or wrapping) headings, as teaser lists have them (log)."""
    return _log(text.headline_links)


def long_links(text: TextStats) -> float:
    """Links with headline-long texts (30 characters or more) outside headings (log)."""
    return _log(text.long_links)


def teaser_share(text: TextStats) -> float:
    """Share of the page's plain text that sits in teaser blocks: blocks led by a
    headline-long link to another page and holding only a little text (a date, a byline,
    an excerpt), as listings are made of and articles are not."""
    if not text.blocks or not text.total_text:
        return 0.0
    return min(text.blocks[0].teaser_text / text.total_text, 1.0)


def teaser_blocks(text: TextStats) -> float:
    """Teaser blocks (log): a headline link followed by a date or an excerpt, repeated."""
    return _log(text.blocks[0].teasers) if text.blocks else 0.0


def more_links(text: TextStats) -> float:
    """ "Continue reading", "Read more", "Weiterlesen" links (log): one per teaser."""
    return _log(text.more_links)


def teaser_articles(markup: _Markup) -> float:
    """`<article>` elements holding a heading linked to another page (log): a list of
    posts has one per post, an article page none (or its own, once)."""
    return _log(markup.teaser_articles - 1)


def best_run(text: TextStats) -> float:
    """The longest run of paragraph text in one container (log): paragraphs that are
    children (or grandchildren, counted half) of the same block, as an article body has
    them and a teaser list has not."""
    return _log(text.best_run)


def run_share(text: TextStats) -> float:
    """Share of the page's paragraph text that is in its longest run."""
    total = text.blocks[0].sub_paragraph_text if text.blocks else 0
    return min(text.best_run / total, 1.0) if total else 0.0


def mean_paragraph(text: TextStats) -> float:
    """Mean length of the main block's sentence-long paragraphs (log of characters)."""
    if not text.main or not text.main.sub_paragraphs:
        return 0.0
    return _log(text.main.sub_paragraph_text / text.main.sub_paragraphs)


def byline_text(text: TextStats) -> float:
    """1 when a short text starts with "By", "Von", "Par", ... (a byline)."""
    return 1.0 if text.byline_texts else 0.0


def reading_time(text: TextStats) -> float:
    """1 when the page gives a reading time ("5 min read", "Lesezeit") in its first
    20,000 characters."""
    sample = _plain_start(text, 20000).lower()
    if "min" in sample and _READING_MINUTES_RE.search(sample):
        return 1.0
    found = any(word in sample for word in _READING_TIME_WORDS)
    return 1.0 if found and _READING_TIME_WORD_RE.search(sample) else 0.0


def calls_to_action(text: TextStats) -> float:
    """Links such as "Contact us", "Get a quote", "Book now", "Add to cart" (log).

    Searched in all the link texts at once: no call to action spans a line break, so each
    match found lies in one link, and each link holding one has a match found in it."""
    starts = list(accumulate((len(link) + 1 for link in text.links), initial=0))
    matches = _CALL_TO_ACTION_RE.finditer(_fold("\n".join(text.links)))
    return _log(len({bisect_right(starts, match.start()) - 1 for match in matches}))  # links


def _fold(text: str) -> str:
    """`text` lower-cased so that a pattern of lower-case ASCII letters and spaces matches
    it where, with `re.IGNORECASE`, it matches `text`; every character keeps its place."""
    if not text.isascii() and any(letter in text for letter in "\u0130\u0131\u017f"):
        text = text.translate(_FOLDED)
    return text.lower()


def _plain_start(text: TextStats, size: int) -> str:
    """The first `size` characters of the page's plain text (its fragments joined by line
    breaks), joining no more fragments than needed."""
    length = 0
    for count, fragment in enumerate(text.plain, 1):
        length += len(fragment) + 1
        if length > size:
            return "\n".join(text.plain[:count])[:size]
    return "\n".join(text.plain)


def _words_sample(text: TextStats) -> str:
    """The first 30,000 characters of the page's plain text, lower-cased."""
    return _plain_start(text, 30000).lower()


def we_share(text: TextStats) -> float:
    """Share of the words that are "we", "our", "us" (and their kin in de, fr, es): a
    business describing itself, as service pages do, more than articles."""
    words = _WORD_RE.findall(_words_sample(text))
    we = sum(map(_WE_WORDS.__contains__, words))
    return 100 * we / len(words) if len(words) >= 50 else 0.0


def headline_shape(markup: _Markup) -> float:
    """1 when the `<h1>` (or the `<title>`) reads like an article's or a guide's headline:
    a question, "how to", "what is", a list count, a year, a colon."""
    heading = markup.h1
    title = heading.text_content() if heading is not None else markup.title
    return 1.0 if _HEADLINE_SHAPE_RE.search(title.lower()[:300]) else 0.0


def one_h1(text: TextStats) -> float:
    """1 when the page has exactly one `<h1>`, the headline."""
    return 1.0 if text.h1 == 1 else 0.0


def form_inputs(text: TextStats) -> float:
    """Form fields (log): contact forms, search and shop pages have many."""
    return _log(text.inputs)


# Features of the markup -------------------------------------------------------------

# One search per attribute: in no particular order, which saves sorting their union into
# page order (nothing searched in the values spans two of them).
_ATTRIBUTES = tuple(
    etree.XPath(f"//@{name}", smart_strings=False) for name in ("class", "id", "itemprop", "rel")
)
_COUNTED_TAGS = ("time", "h2", "h3", "pre", "code", "meta")
_LINK_HEADINGS = ("h1", "h2", "h3", "h4")
# The elements `_markup` reads, in one pass.
_MARKUP_TAGS = (*_COUNTED_TAGS, "a", "script", "article", "h1", "title")
# Whether an `<article>` holds a heading linked to another page: a link in a heading, or
# a link wrapping one.
_LINKED_HEADING = etree.XPath(
    "boolean("
    + " or ".join(f".//{h}//a[@href and not(starts-with(@href, '#'))]" for h in _LINK_HEADINGS)
    + " or .//a[@href][h2 or h3 or h4])"
)
_SHARE_RE = re.compile(
    r"sharer|intent/tweet|sharearticle|share\?url|pinterest\.com/pin/create|whatsapp:|mailto:\?"
)
# Substrings of attribute values (searched with `in`, much faster than a regex here).
_COMMENT_NAMES = ("comments", "respond", "disqus_thread", "comment-list", "commentlist")
_AUTHOR_NAMES = ("byline", "author")
_SHOP_NAMES = ("price", "offers", "add-to-cart", "addtocart", "add_to_cart", "product-form")
_FORUM_NAMES = ("vbulletin", "phpbb", "xenforo", "discourse", "mybb", "bbpress", "nodebb")
_DOCS_NAMES = ("sphinx", "mkdocs", "docusaurus", "gitbook", "readthedocs", "docfx")


@dataclass(slots=True)
class _Markup:
    """What the page's markup holds, gathered in a few passes done in C."""

    declared_types: set[str] = field(default_factory=set)
    meta: dict[str, str] = field(default_factory=dict)  # first content per `<meta>` key
    attributes: str = ""  # every class, id, itemprop and rel value, lower-cased
    hrefs: str = ""  # every link target, lower-cased
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTED_TAGS, 0))
    teaser_articles: int = 0  # `<article>`s holding a heading linked to another page
    h1: HtmlElement | None = None  # the first `<h1>`
    title: str = ""  # the first `<title>`'s text


def _markup(tree: HtmlElement) -> _Markup:
    """Gather the declarations, `<meta>` values, attribute values, tag counts, link
    targets, linked `<article>`s, the first `<h1>` and the `<title>`.

    `tree` is the page's root element: what is read is the whole page."""
    markup = _Markup()
    counts = markup.counts
    meta = markup.meta
    hrefs: list[str] = []
    scripts: list[HtmlElement] = []  # JSON-LD
    title = None
    for element in tree.iter(*_MARKUP_TAGS):
        tag = element.tag
        if tag == "a":
            href = element.get("href")
            if href is not None:
                hrefs.append(href)
            continue
        if tag == "script":
            if element.get("type") == "application/ld+json":
                scripts.append(element)
        elif tag == "article":
            markup.teaser_articles += _LINKED_HEADING(element)
        elif tag == "h1":
            if markup.h1 is None:
                markup.h1 = element
        elif tag == "title":
            if title is None:
                title = element
        else:
            counts[tag] += 1
            if tag == "meta":
                key = element.get("property") or element.get("name") or element.get("itemprop")
                content = (element.get("content") or "").strip()
                if key and content:
                    meta.setdefault(key.lower(), content)
    for obj in jsonld_script_objects(scripts):
        markup.declared_types |= jsonld_types(obj)
    markup.attributes = " ".join(chain.from_iterable(find(tree) for find in _ATTRIBUTES)).lower()
    markup.hrefs = " ".join(hrefs).lower()
    markup.title = (title.text or "") if title is not None else ""
    return markup


def _contains_any(text: str, names: tuple[str, ...]) -> bool:
    """Whether any of `names` occurs in `text`."""
    return any(name in text for name in names)


def has_time(markup: _Markup) -> float:
    """1 when the page shows a `<time>` or marks a published date in microdata."""
    return 1.0 if markup.counts["time"] or "datepublished" in markup.attributes else 0.0


def time_elements(markup: _Markup) -> float:
    """`<time>` elements (log): one for an article, one per post or teaser elsewhere."""
    return _log(markup.counts["time"])


def has_byline(markup: _Markup) -> float:
    """1 when the markup marks an author: `rel=author`, `itemprop=author`, a byline class."""
    return 1.0 if _contains_any(markup.attributes, _AUTHOR_NAMES) else 0.0


def author_meta(markup: _Markup) -> float:
    """1 when a `<meta>` names the author (`author`, `article:author`)."""
    return 1.0 if "author" in markup.meta or "article:author" in markup.meta else 0.0


def published_meta(markup: _Markup) -> float:
    """1 when a `<meta>` gives the publication time (`article:published_time` and kin)."""
    names = ("article:published_time", "datepublished", "pubdate", "publish-date")
    return 1.0 if any(name in markup.meta for name in names) else 0.0


def share_links(markup: _Markup) -> float:
    """1 when the page has links to share it on social networks, as articles do."""
    return 1.0 if _SHARE_RE.search(markup.hrefs) else 0.0


def comment_section(markup: _Markup) -> float:
    """1 when the page has a comment section (`#comments`, `#respond`, Disqus)."""
    return 1.0 if _contains_any(markup.attributes, _COMMENT_NAMES) else 0.0


def product_markers(markup: _Markup, text: TextStats) -> float:
    """Signs of a shop page: prices in the text, price microdata, add-to-cart controls."""
    score = min(text.price_hits, 10) / 5
    return score + sum(name in markup.attributes for name in _SHOP_NAMES) / 2


def forum_markers(markup: _Markup) -> float:
    """Signs of a forum: a forum engine as generator or in class names."""
    generator = markup.meta.get("generator", "").lower()
    found = _contains_any(generator, _FORUM_NAMES) or _contains_any(markup.attributes, _FORUM_NAMES)
    return 1.0 if found else 0.0


def docs_markers(markup: _Markup) -> float:
    """Signs of documentation: a docs generator, or many code blocks."""
    score = 1.0 if _contains_any(markup.meta.get("generator", "").lower(), _DOCS_NAMES) else 0.0
    return score + min(markup.counts["pre"], 10) / 5


def code_elements(markup: _Markup) -> float:
    """Inline and block `<code>` elements (log): reference documentation is full of them."""
    return _log(markup.counts["code"])


def reply_markers(markup: _Markup) -> float:
    """Class and id names of replies, answers and user names (log of how often): the
    repeated posts of a forum thread or a Q&A page."""
    names = ("reply", "replies", "answer", "username", "user-info", "userinfo", "post-body")
    return _log(sum(markup.attributes.count(name) for name in names))


def declares_article(markup: _Markup) -> float:
    """1 when JSON-LD declares an article type (NewsArticle, BlogPosting, ...)."""
    return 1.0 if markup.declared_types & ARTICLE_TYPES else 0.0


def declares_listing(markup: _Markup) -> float:
    """1 when JSON-LD declares a collection, item list, search results or profile page."""
    return 1.0 if markup.declared_types & LISTING_TYPES else 0.0


def declares_product(markup: _Markup) -> float:
    """1 when JSON-LD declares a product or an offer."""
    return 1.0 if markup.declared_types & PRODUCT_TYPES else 0.0


def declares_forum(markup: _Markup) -> float:
    """1 when JSON-LD declares a forum posting or a question page."""
    return 1.0 if markup.declared_types & FORUM_TYPES else 0.0


def og_article(markup: _Markup) -> float:
    """1 when `og:type` is `article`."""
    return 1.0 if markup.meta.get("og:type", "").lower() == "article" else 0.0


# The URL, weakly --------------------------------------------------------------------


def url_article_like(url: str) -> float:
    """1 when the URL looks like an article's (dated, id-bearing or a long slug)."""
    return 1.0 if looks_like_article_url(url) else 0.0


def url_docs(url: str) -> float:
    """1 when a path segment or the host names documentation (docs, reference, api, ...)."""
    return 1.0 if _DOCS_URL_RE.search(url) else 0.0


def url_is_home(url: str) -> float:
    """1 for the site's home page."""
    return 1.0 if path_of(url) == "/" and "?" not in url else 0.0


# Fitted by L2-regularised logistic regression on the features of all 1,497 labelled
# pages of the WCXB dev split (URL features bounded to +-0.7 so the URL stays a weak
# hint), rounded; the bias is raised by 0.25 from the fit to favour recall (a missed
# article is never archived). Fitted the same way on one half of the domains, the weights
# score the other half at about 0.90 precision and 0.92 recall.
BIAS = -6.25
WEIGHTS: dict[str, float] = {
    "main_link_density": 4.31,
    "main_share": 0.61,
    "headline_links": -0.15,
    "long_links": -0.31,
    "teaser_share": -1.81,
    "teaser_blocks": -0.08,
    "more_links": -0.07,
    "teaser_articles": -0.20,
    "best_run": 1.02,
    "run_share": 0.97,
    "mean_paragraph": -0.41,
    "byline_text": 0.78,
    "reading_time": 1.56,
    "calls_to_action": -0.27,
    "we_share": -0.36,
    "headline_shape": 1.65,
    "one_h1": 0.13,
    "form_inputs": -0.48,
    "time_elements": -0.53,
    "author_meta": 0.56,
    "share_links": 1.78,
    "comment_section": 0.86,
    "has_time": 0.97,
    "has_byline": 0.89,
    "declares_article": 2.71,
    "declares_listing": -0.93,
    "declares_product": -3.34,
    "declares_forum": -3.17,
    "og_article": 1.47,
    "published_meta": 0.50,
    "product_markers": -0.30,
    "forum_markers": -4.00,
    "docs_markers": -0.99,
    "url_article_like": 0.70,
    "url_is_home": -0.70,
    "url_docs": -0.70,
    "code_elements": -0.54,
    "reply_markers": -0.52,
}
