"""Extraction is never worse than trafilatura underneath: a story that pruning would take
is kept, script and data text is never archived, short stories stay whole, and pages
without a story still give nothing."""

from __future__ import annotations

import pytest
import trafilatura

from pipelines.extraction.core import _is_fast_text_kept, _is_page_dump, extract_article
from pipelines.extraction.line_rules import is_code_line
from pipelines.extraction.pruning import loose_prose_chars, prose_chars, prune_boilerplate
from pipelines.extraction.words import count_words
from sample_text import STORY, parse

URL = "https://www.coastline-gazette.com/2023/03/18/harbour-pier-to-close/"
TITLE = "Eastern pier to close for repairs"

# Long link texts, as teaser headlines are: each has a sentence's length.
MENU = "".join(
    f'<li><a href="/news/{n}/">Harbour festival organisers announce the programme for '
    f"weekend number {n}</a></li>"
    for n in range(30)
)
FOOTER = "".join(f'<p><a href="/about/{n}/">About the Gazette, page {n}</a></p>' for n in range(8))

# 90 words: a story shorter than most pages' menus.
SHORT_STORY = [
    "Coastguard crews rescued two kayakers off Gull Point on Sunday afternoon after their "
    "boat capsized in strong winds near the northern breakwater.",
    "Both were taken to the harbour clinic with mild hypothermia and were released in the "
    "evening, a hospital spokesperson said.",
    "“They did everything right by staying with the kayak and calling for help,” said "
    "station officer Mara Lind.",
    "The coastguard urged paddlers to check the forecast and to carry a mobile phone in a "
    "waterproof pouch before setting out.",
    "Winds are expected to ease by Tuesday, forecasters said.",
]


def page(story_html: str) -> str:
    """A news page: masthead menu, headline, the given story markup, footer links."""
    return f"""<html><head><title>{TITLE} | Coastline Gazette</title>
<meta property="og:title" content="{TITLE}"></head><body>
<header><nav><ul>{MENU}</ul></nav></header>
<main><h1>{TITLE}</h1>{story_html}</main>
<footer>{FOOTER}</footer></body></html>"""


def paragraphs(texts: list[str]) -> str:
    return "".join(f"<p>{text}</p>" for text in texts)


def test_short_story_is_90_words():
    """The short story really is short (the test below is about stories this size)."""
    assert count_words(" ".join(SHORT_STORY)) == 90


@pytest.mark.parametrize("css_class", ["related-content related", "post-body share", "sidebar"])
def test_story_in_a_container_pruning_removes_is_kept(css_class: str):
    """A story wrapped in a container whose class names say boilerplate, holding too little
    of the page's text to be protected, is removed by pruning; the text comes from
    trafilatura's own extraction of the unpruned page instead of nothing."""
    html = page(f'<div class="{css_class}">{paragraphs(SHORT_STORY)}</div>')
    pruned = parse(html)
    prune_boilerplate(pruned)
    assert SHORT_STORY[0] not in pruned.text_content()  # pruning alone loses the story
    article = extract_article(html, URL)
    assert article is not None
    for sentence in SHORT_STORY:
        assert sentence in article.text
    assert "Harbour festival organisers" not in article.text


def test_story_in_a_container_pruning_removes_with_boilerplate_kept_out():
    """The fallback text is line-cleaned like any other: promo lines stay out."""
    story = [*STORY[:3], "READ MORE: Harbour festival dates announced"]
    article = extract_article(page(f'<div class="related">{paragraphs(story)}</div>'), URL)
    assert article is not None
    assert STORY[0] in article.text
    assert "READ MORE" not in article.text


def unclosed_popup_page(story: list[str]) -> str:
    """A page whose markup leaves the story inside a newsletter pop-up (`aside`) and the
    site's header, neither closed: browsers show the story, trafilatura's precise passes
    drop both containers, and the story with them."""
    return f"""<html><head><title>{TITLE} | Coastline Gazette</title></head><body>
<aside class="popup-overlay"><div class="popup"><p>Sign up for the morning briefing.</p></div>
<header class="site-header"><nav><ul>{MENU}</ul></nav>
<div class="content"><article class="post"><h1>{TITLE}</h1>
<div class="entry-text">{paragraphs(story)}</div></article></div>
</body></html>"""


def test_story_trafilatura_drops_with_an_unclosed_container_is_found_in_recall_mode():
    """When the cleaned text holds little of the page's prose (here none) and
    trafilatura's recall mode finds far more, the recall-mode text is archived, line-cleaned
    like any other: the whole story, not the menu."""
    story = [*STORY, *SHORT_STORY]
    html = unclosed_popup_page(story)
    for fast in (True, False):  # trafilatura alone finds nothing, with or without fallbacks
        plain = trafilatura.bare_extraction(html, url=URL, with_metadata=False, fast=fast)
        assert plain is None or STORY[0] not in (plain.text or "")
    article = extract_article(html, URL)
    assert article is not None
    assert article.text.split("\n\n") == story
    assert "Harbour festival organisers" not in article.text


def test_script_text_returned_by_trafilatura_is_not_archived():
    """Script and JSON that the page shows as text (a `document.write` tooltip, a JSON
    blob) are text to trafilatura, and are dropped; the story stays."""
    script = 'document.write(\'&lt;a href="#" onmouseover="showTip(this, 1)"&gt;Hilfe&lt;/a&gt;\');'
    blob = '{"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Pier"}'
    style = ".tooltip { color: #333; font-size: 12px; } .tooltip a { display: block; }"
    html = page(paragraphs([*STORY, script, blob, style]))
    plain = trafilatura.bare_extraction(html, url=URL)
    assert plain is not None and "document.write" in plain.text  # trafilatura keeps it
    article = extract_article(html, URL)
    assert article is not None
    for needle in ("document.write", "showTip", "@context", "schema.org", "font-size", "{"):
        assert needle not in article.text
    assert STORY[0] in article.text and STORY[-1] in article.text


def test_code_shown_as_code_is_kept():
    """Code a page shows in `pre`/`code` (a programming article) is content, not script."""
    code = "const total = items.reduce((sum, item) => sum + item.price, 0);"
    html = page(paragraphs(STORY) + f"<pre><code>{code}</code></pre>")
    article = extract_article(html, URL)
    assert article is not None
    assert code in article.text


@pytest.mark.parametrize(
    "line",
    [
        'document.write(\'<a href="#" onmouseover="tip(1)">Hilfe</a>\');',
        "var _gaq = _gaq || []; _gaq.push(['_setAccount', 'UA-1']);",
        "window.dataLayer = window.dataLayer || [];",
        '{"@context":"https://schema.org","@type":"NewsArticle","headline":"Pier"}',
        ".tooltip { color: red; font-size: 12px; }",
        "function show(id) { document.getElementById(id).style.display = 'block'; }",
        "});",
    ],
)
def test_is_code_line_true(line: str):
    assert is_code_line(line)


@pytest.mark.parametrize(
    "line",
    [
        *STORY,
        "The council voted (7-2) to approve the plan; the mayor said it would cost $3m.",
        "If (as expected) the vote passes, the law returns to the senate in May.",
        "Rock && Roll: the festival line-up",
        "***",
    ],
)
def test_is_code_line_false_for_prose(line: str):
    assert not is_code_line(line)


@pytest.mark.parametrize(
    "story_html",
    [
        f"<article>{paragraphs(SHORT_STORY)}</article>",
        f'<div class="story">{paragraphs(SHORT_STORY)}</div>',
        f'<div class="story">{paragraphs(SHORT_STORY)}</div><div class="comments">'
        + paragraphs(
            [
                f"Reader {n} wrote that this happens every single summer at the point."
                for n in range(6)
            ]
        )
        + "</div>",
        f'<div class="entry-content share">{paragraphs(SHORT_STORY)}</div>',
    ],
)
def test_short_story_kept_whole(story_html: str):
    """A 90-word story comes out whole, every sentence and nothing else, whatever wraps it."""
    article = extract_article(page(story_html), URL)
    assert article is not None
    assert article.text == "\n\n".join(SHORT_STORY)


def test_navigation_only_page_returns_none():
    """A page of menus and teaser links (link texts a sentence long, none a sentence) has
    no article, with or without pruning."""
    html = page(
        "<ul>"
        + "".join(
            f'<li><a href="/story/{n}/">Council approves the new budget for the harbour '
            f"district in vote {n}</a></li>"
            for n in range(20)
        )
        + "</ul>"
    )
    assert extract_article(html, URL) is None


def test_loose_prose_counts_story_text_outside_paragraphs_and_links():
    """The story text of a page written without `<p>` (runs of text between `<br>`s in a
    `div`, a long list item) counts as prose; link texts, short runs and paragraphs (counted
    by `prose_chars`) do not."""
    run = "The harbour council voted on Tuesday to close the eastern pier for repairs."
    chars = len(run.replace(" ", ""))
    tree = parse(
        f"<html><body><div>{run}<br>{run}<br>Short line.</div>"
        f"<ul><li>{run}</li><li><a href='/x'>{run}</a></li></ul>"
        f"<p>{run}</p><script>var story = '{run}';</script></body></html>"
    )
    assert loose_prose_chars(tree) == 3 * chars
    assert prose_chars(tree) == chars


def test_fast_text_run_together_from_a_page_of_paragraphs_is_a_page_dump():
    """trafilatura's fast pass, when its main extractor finds too little, returns the whole
    page as one line: from a page of six story paragraphs that is no story (the full pass
    runs instead); the same text in paragraphs, or from a page of fewer, is kept."""
    paragraphs = [f"{STORY[n % len(STORY)]} ({n})" for n in range(6)]
    page = parse("<html><body>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</body></html>")
    short_page = parse(
        "<html><body>" + "".join(f"<p>{p}</p>" for p in paragraphs[:5]) + "</body></html>"
    )
    assert _is_page_dump(" ".join(paragraphs), page)
    assert not _is_page_dump("\n".join(paragraphs), page)
    assert not _is_page_dump(" ".join(paragraphs), short_page)


def test_fast_text_is_kept_only_near_the_length_of_the_pages_prose():
    """The fast pass's text is kept when it is about as long as the page's sentence-long
    prose; much shorter (paragraphs left out) or much longer (the page's menus and trending
    links taken along, as on a page whose story sits in `div`s) sends the page to the full
    pass."""
    page = parse("<html><body>" + "".join(f"<p>{p}</p>" for p in STORY) + "</body></html>")
    prose = prose_chars(page) + loose_prose_chars(page)
    story = "\n".join(STORY)
    menus = "\n".join(f"Harbour festival weekend {n} programme announced" for n in range(40))
    assert _is_fast_text_kept(story, prose, page)
    assert not _is_fast_text_kept("\n".join(STORY[:1]), prose, page)
    assert not _is_fast_text_kept(f"{story}\n{menus}", prose, page)
    assert not _is_fast_text_kept("", prose, page)
