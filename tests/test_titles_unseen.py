"""Titles on sites the project has never seen: the headline the page shows, in the
publisher's own wording, without the site's name, labels or markup left in."""

import json

import lxml.html
import pytest

from pipelines.extraction.metadata import page_metadata
from pipelines.extraction.titles import headline

URL = "https://www.harbourlight.example/2024/05/pier-reopens/"
DESCRIPTION = "The eastern pier reopens on Saturday after two years of repairs to its deck."


def page(head: str = "", body: str = "", title: str = "Page title") -> lxml.html.HtmlElement:
    """A page with `head` in its <head> and `body` before a short story."""
    return lxml.html.fromstring(
        f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title}</title><meta name="description" content="{DESCRIPTION}">{head}</head>
<body>{body}<article><p>The eastern pier reopens on Saturday after two years of work
on its deck, its rails and the lights along its length.</p></article></body></html>"""
    )


def og(text: str) -> str:
    """An og:title meta tag."""
    return f'<meta property="og:title" content="{text}">'


def ld_headline(text: str) -> str:
    """A JSON-LD NewsArticle with `text` as its headline."""
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": text}
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def title_of(tree: lxml.html.HtmlElement, url: str = URL) -> str | None:
    """The metadata title of `tree`."""
    return page_metadata(tree, url, {})["title"]


# The shown headline against the shared one --------------------------------------------


def test_h1_beats_a_differently_worded_og_title():
    """Without a JSON-LD headline, the <h1> the page shows is the headline, not the
    search-and-sharing wording of og:title."""
    tree = page(
        og("Pier Reopening Guide: Dates, Times and Parking"),
        "<h1>The Eastern Pier Reopens: Dates and Parking</h1>",
    )
    assert title_of(tree) == "The Eastern Pier Reopens: Dates and Parking"


def test_jsonld_headline_still_beats_the_h1():
    """A JSON-LD headline is the publisher's declared headline: it stays the title."""
    tree = page(
        ld_headline("Pier reopens after two years") + og("The eastern pier is back"),
        "<h1>The eastern pier is back</h1>",
    )
    assert title_of(tree) == "Pier reopens after two years"


def test_h1_that_names_the_blog_is_not_the_headline():
    """An <h1> holding the blog's name (a segment of <title> beside the story's) or a link
    to the home page is the site's masthead."""
    tree = page(
        og("Notes on rebuilding a pier deck"),
        "<h1>Harbour Notebook</h1>",
        title="Harbour Notebook | Notes on rebuilding a pier deck",
    )
    assert title_of(tree) == "Notes on rebuilding a pier deck"
    home = page(og("Notes on rebuilding a pier deck"), '<h1><a href="/">Rebuilding Notes</a></h1>')
    assert title_of(home) == "Notes on rebuilding a pier deck"


def test_h1_of_a_dialog_or_section_is_not_the_headline():
    """An <h1> with few of the titles' words ("Log In", a section name) is not this
    story's headline."""
    tree = page(og("Eastern pier reopens after two years"), "<h1>Log In</h1>")
    assert title_of(tree) == "Eastern pier reopens after two years"


def test_h1_with_a_kicker_before_the_shared_title():
    """An <h1> that is the shared title after a kicker or a date gives the shared title."""
    tree = page(
        og("Eastern pier reopens after two years"),
        "<h1>Harbour works - Eastern pier reopens after two years</h1>",
    )
    assert title_of(tree) == "Eastern pier reopens after two years"


def test_shared_title_with_words_left_out_stays():
    """og:title made from the <h1> with words left out is the publisher's short
    headline: it stays."""
    tree = page(
        og("Eastern pier reopens after repairs"),
        "<h1>Eastern pier finally reopens after long repairs</h1>",
    )
    assert title_of(tree) == "Eastern pier reopens after repairs"


def test_shared_title_cut_short_gives_the_h1():
    """og:title that is the start of the <h1> (cut for search results) gives the <h1>;
    so does a title cut with an ellipsis."""
    tree = page(
        og("Eastern pier reopens"), "<h1>Eastern pier reopens: what changes for anglers</h1>"
    )
    assert title_of(tree) == "Eastern pier reopens: what changes for anglers"
    cut = page(
        og("Eastern pier reopens after two…"), "<h1>Eastern pier reopens after two years</h1>"
    )
    assert title_of(cut) == "Eastern pier reopens after two years"


def test_h1_in_capitals_gives_the_shared_title():
    """An <h1> set in capitals is styled text: the shared title keeps the case."""
    tree = page(og("Eastern Pier Reopens"), "<h1>THE EASTERN PIER REOPENS TODAY</h1>")
    assert title_of(tree) == "Eastern Pier Reopens"


def test_h1_same_words_keeps_its_punctuation():
    """The <h1> with the shared title's words is shown as the page writes it."""
    tree = page(og("Pier reopens - what to know"), "<h1>Pier reopens: what to know</h1>")
    assert title_of(tree) == "Pier reopens: what to know"


def test_h1_line_break_is_a_space():
    """Words on either side of a <br> in the <h1> stay apart."""
    tree = page(og("Pier reopens this week"), "<h1>Pier reopens<br>this week</h1>")
    assert title_of(tree) == "Pier reopens this week"


def test_og_title_that_is_the_site_name_is_skipped():
    """og:title holding only the site's name is no headline: the next title counts."""
    tree = page(
        og("Harbourlight") + '<meta property="og:site_name" content="Harbourlight">',
        "<h1>Eastern pier reopens after two years</h1>",
        title="Eastern pier reopens after two years | Harbourlight",
    )
    assert title_of(tree) == "Eastern pier reopens after two years"


def test_jsonld_headline_that_is_the_description_is_skipped():
    """A JSON-LD "headline" that is the page's description gives way to og:title."""
    tree = page(
        ld_headline("The eastern pier reopens on Saturday after two years of repairs")
        + og("Eastern pier reopens"),
    )
    assert title_of(tree) == "Eastern pier reopens"


# Site names, labels and markup -----------------------------------------------------------


@pytest.mark.parametrize(
    ("shared", "expected"),
    [
        ("Eastern pier reopens | Opinion", "Eastern pier reopens"),
        ("Best piers on the coast 2024 | Top 12 Piers", "Best piers on the coast 2024"),
        ("Piers | How the eastern pier was rebuilt in two years", None),
        ("Pier reopens | Dates | Harbour Council", "Pier reopens"),
    ],
)
def test_short_labels_after_a_pipe_go(shared: str, expected: str | None):
    """Short segments after a pipe label the headline (section, tagline, site); a longer
    segment after a short one is the headline itself and stays."""
    assert title_of(page(og(shared))) == (expected or shared)


def test_trailing_brand_named_by_the_domain_goes():
    """A last segment the domain spells out ("Koia" on drinkkoia.com) is the site."""
    tree = page(og("Seven ways to eat more greens - Koia"))
    assert (
        title_of(tree, "https://drinkkoia.example/blog/greens/") == "Seven ways to eat more greens"
    )
    sub = page(og("Checking tyre pressure | Roundway Tyres"))
    assert title_of(sub, "https://tyres.roundway.example/learn/") == "Checking tyre pressure"


def test_dash_segments_of_headlines_stay():
    """Dashes and colons are headline writers' punctuation: segments they part stay."""
    shared = "Storm damage - and a long wait for the pier"
    assert title_of(page(og(shared))) == shared


def test_quotes_around_the_whole_headline():
    """Quotes around a whole JSON-LD headline go when og:title gives it unquoted; a quote
    headline quoted everywhere keeps them."""
    tree = page(ld_headline('"Why the pier had to close"') + og("Why the pier had to close"))
    assert title_of(tree) == "Why the pier had to close"
    quoted = page(ld_headline('"We will be back," says pier trust'), "<h1>Pier trust</h1>")
    assert title_of(quoted) == '"We will be back," says pier trust'


def test_escaped_twice_mojibake_and_markdown_are_cleaned():
    """Character references escaped twice, UTF-8 read as Latin-1 and a Markdown heading
    mark are repaired in titles."""
    assert title_of(page(ld_headline("And finally&amp;#8230; the pier"))) == "And finally… the pier"
    broken = "The pier\u00e2\u0080\u0099s new deck"
    assert title_of(page(og(broken))) == "The pier’s new deck"
    assert title_of(page(ld_headline("## A pier rebuilt"))) == "A pier rebuilt"


def test_words_are_not_taken_for_mojibake():
    """Accented letters next to symbols are left alone."""
    assert (
        title_of(page(og("Café © Harbour: menu à la carte"))) == "Café © Harbour: menu à la carte"
    )


def test_unspaced_scripts_keep_the_shared_title():
    """In scripts without spaces an <h1> worded otherwise keeps the shared title (no
    word overlap to judge it by)."""
    tree = page(og("东码头修复后重新开放"), "<h1>码头周六重新开放</h1>")
    assert title_of(tree) == "东码头修复后重新开放"


def test_headline_without_any_title():
    """A page without titles or headings has no headline."""
    tree = lxml.html.fromstring("<html><body><p>Text</p></body></html>")
    assert headline(tree, [None, None], set(), URL) is None
