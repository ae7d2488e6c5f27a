"""Body text on pages of kinds the cleaning was not developed on (issue 10): lists of links
the story introduces with a sentence ("Many fixes were merged:") are kept, with their
items written as linked paragraphs, while menus and "more from" lists under a label, and
lists after a promo sentence ("You might also like:"), still go."""

from __future__ import annotations

from lxml.html import HtmlElement, fromstring

from pipelines.extraction import extract_article
from pipelines.extraction.line_rules import clean_lines
from pipelines.extraction.pruning import prune_boilerplate

URL = "https://notes.example.org/2025/12/release-report/"

STORY_PARAGRAPHS = (
    "The compiler backend had a busy quarter, with work landing on both sides of the "
    "project and several long-standing bugs finally closed by new contributors.",
    "Most of the effort went into the code generator, which now handles more of the "
    "language without falling back to the slower interpreter path on older machines.",
    "The next report will cover the test suite, which still fails on a handful of "
    "platforms that the maintainers cannot reach with their own hardware yet.",
)


def _page(middle: str, after: str = "") -> str:
    paragraphs = [f"<p>{text}</p>" for text in STORY_PARAGRAPHS]
    return f"""<html><head><title>Release report for December</title></head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/about/">About</a></li>
<li><a href="/archive/">Archive</a></li></ul></nav>
<article><h1>Release report for December</h1>
{paragraphs[0]}{paragraphs[1]}
{middle}
{paragraphs[2]}
{after}
</article></body></html>"""


CHANGES = (
    "Support half-precision floating point types in casts",
    "Fix volatile loads and stores on strict targets",
    "Allow packed structures in generated code",
    "Remove passing tests from the list of known failures",
    "Split deeply nested expressions to save memory while compiling",
    "Use the generic builtin for checked binary operations",
)


def _change_list(wrapped: bool) -> str:
    items = "".join(
        f'<li><p><a href="https://tracker.example.net/pull/{n}">{text}</a></p></li>'
        for n, text in enumerate(CHANGES)
    )
    if wrapped:  # as document generators write it: each block in a div of its own
        return (
            '<div class="paragraph"><p>Many patches were sent for review this month:</p></div>'
            f'<div class="ulist"><ul>{items}</ul></div>'
        )
    return f"<p>Many patches were sent for review this month:</p><ul>{items}</ul>"


def _tree(html: str) -> HtmlElement:
    return fromstring(html)


def test_list_introduced_by_a_sentence_survives_pruning() -> None:
    for wrapped in (False, True):
        tree = _tree(_page(_change_list(wrapped)))
        prune_boilerplate(tree)
        text = tree.text_content()
        for change in CHANGES:
            assert change in text, (wrapped, change)
        assert "Archive" not in text  # the menu, a list under no sentence, still goes


def test_list_introduced_by_a_sentence_is_in_the_article() -> None:
    article = extract_article(_page(_change_list(wrapped=True)), URL)
    assert article is not None
    for change in CHANGES:
        assert change in article.text
    assert "Many patches were sent for review this month:" in article.text
    assert STORY_PARAGRAPHS[2] in article.text


def test_list_under_a_label_is_still_pruned() -> None:
    related = (
        "<p>Related Articles:</p><ul>"
        '<li><a href="/2025/11/report/">November report: faster builds</a></li>'
        '<li><a href="/2025/10/report/">October report: a new register allocator</a></li>'
        "</ul>"
    )
    tree = _tree(_page("", after=related))
    prune_boilerplate(tree)
    text = tree.text_content()
    assert "November report: faster builds" not in text
    assert "October report: a new register allocator" not in text
    assert STORY_PARAGRAPHS[2] in text


def test_promo_sentence_with_colon_drops_its_list() -> None:
    lines = [
        STORY_PARAGRAPHS[0],
        "If you enjoyed this report, you might also like these posts:",
        "- November report: faster builds",
        "- October report: a new register allocator",
        "Mehr zum Thema finden Sie auch in unserem wöchentlichen Überblick:",
        "- Bauzinsen: Der Kurs der Notenbank im Überblick",
        STORY_PARAGRAPHS[2],
    ]
    assert clean_lines(lines) == [STORY_PARAGRAPHS[0], STORY_PARAGRAPHS[2]]


def test_story_sentence_with_colon_keeps_its_list() -> None:
    lines = [
        "Here are some benefits of freelancing that you might enjoy most:",
        "- Diverse clients who may be very different from one another in what they need.",
        "Many patches were sent for review this month:",
        "- Fix volatile loads and stores on strict targets",
    ]
    assert clean_lines(lines) == lines


def test_seed_boilerplate_lines_stay_removed() -> None:
    lines = [
        "Skip to content",
        STORY_PARAGRAPHS[0],
        "READ MORE: Harbour festival dates announced",
        "More from Asia",
        "Be First to Comment",
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked *",
    ]
    assert clean_lines(lines) == [STORY_PARAGRAPHS[0]]
