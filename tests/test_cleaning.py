"""Tests for boilerplate pruning (HTML containers) and line rules (extracted text)."""

import lxml.html
import pytest

from pipelines.extraction.line_rules import clean_lines, is_boilerplate_line
from pipelines.extraction.pruning import prune_boilerplate
from sample_text import STORY, parse

LINKED_SENTENCE = (
    'The full <a href="/documents/pier-inspection-report/">inspection report</a> was '
    "published on the authority's website the same afternoon."
)


def text_of(tree: lxml.html.HtmlElement) -> str:
    """All text of `tree`, whitespace collapsed."""
    return " ".join(tree.text_content().split())


def wordpress_page(extra_body: str = "") -> str:
    """A WordPress-like single post page with the usual boilerplate around the story."""
    story = "\n".join(f"<p>{p}</p>" for p in STORY)
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head><meta charset="utf-8"><title>Eastern pier to close for repairs</title></head>
<body class="post-template-default single single-post">
<a class="skip-link screen-reader-text" href="#content">Press "Enter" to skip to content</a>
<div id="page" class="site">
  <header id="masthead" class="site-header">
    <p class="site-title"><a href="/">Coastline Gazette</a></p>
    <nav id="site-navigation" class="main-navigation"><a href="/local/">Local</a></nav>
  </header>
  <div id="content" class="site-content">
    <main id="main" class="site-main">
      <article id="post-41" class="post-41 post type-post status-publish hentry category-local">
        <header class="entry-header">
          <h1 class="entry-title">Eastern pier to close for repairs</h1>
        </header>
        <div class="entry-content">
          {story}
          <p>{LINKED_SENTENCE}</p>
          <p><strong><a href="/2024/04/02/new-ferry-timetable/">READ MORE: New ferry timetable
            announced</a></strong></p>
          <div class="sharedaddy sd-sharing-enabled"><h3>Share this:</h3>
            <ul><li><a href="?share=email">Email</a></li><li><a href="?share=x">Post</a></li></ul>
          </div>
          <div id="jp-relatedposts" class="jp-relatedposts"><h3>Related</h3>
            <p>Harbour dredging to begin in June</p></div>
          <div class="newsletter-box"><p>Sign up for our weekly newsletter</p></div>
          <div class="promo-box"><p>Get the printed edition delivered</p></div>
        </div>
        <footer class="entry-footer"><span class="tags-links">Tagged harbour</span></footer>
      </article>
      <nav class="navigation post-navigation" aria-label="Posts">
        <div class="nav-previous"><a href="/2024/04/01/older/">Previous post title</a></div>
        <div class="nav-next"><a href="/2024/04/03/newer/">Next post title</a></div>
      </nav>
      <div id="comments" class="comments-area">
        <h2 class="comments-title">Be First to Comment</h2>
        <div id="respond" class="comment-respond">
          <h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
          <form id="commentform" class="comment-form"><p>Your email address will not be
            published.</p><textarea name="comment"></textarea></form>
        </div>
      </div>
      {extra_body}
    </main>
    <aside id="sidebar" class="widget-area"><section class="widget">
      <h2 class="widget-title">Recent posts</h2><ul><li>Market day moves</li></ul>
    </section></aside>
  </div>
  <form class="search-form" action="/"><input name="s"><p>Search the archive</p></form>
</div>
</body>
</html>"""


REMOVED_PHRASES = [
    "skip to content",
    "Share this",
    "Harbour dredging to begin in June",
    "weekly newsletter",
    "Previous post title",
    "Next post title",
    "Be First to Comment",
    "Leave a Reply",
    "Your email address",
    "Recent posts",
    "Search the archive",
    "READ MORE",
    "Tagged harbour",
]


# prune_boilerplate ---------------------------------------------------------------------


@pytest.mark.parametrize("phrase", REMOVED_PHRASES)
def test_prune_removes_boilerplate(phrase):
    """Skip links, share bars, related posts, newsletter boxes, navigation, comments,
    forms, sidebars and link-only promo paragraphs are removed."""
    tree = parse(wordpress_page())
    assert phrase in text_of(tree)
    prune_boilerplate(tree)
    assert phrase not in text_of(tree)


def test_prune_removes_comment_containers_by_id_and_class():
    """#comments, .comment-respond and the comment form are gone from the tree."""
    tree = parse(wordpress_page())
    prune_boilerplate(tree)
    assert tree.xpath('//*[@id="comments"]') == []
    assert tree.xpath('//*[contains(@class, "comment-respond")]') == []
    assert tree.xpath("//form") == []
    assert tree.xpath('//*[contains(@class, "skip-link")]') == []


def test_prune_keeps_article_main_headline_and_story():
    """The <main>, the <article>, its h1 and every story paragraph stay, in order."""
    tree = parse(wordpress_page())
    prune_boilerplate(tree)
    assert len(tree.xpath("//main")) == 1
    assert len(tree.xpath("//article")) == 1
    assert [h.text_content() for h in tree.xpath("//h1")] == ["Eastern pier to close for repairs"]
    paragraphs = [" ".join(p.text_content().split()) for p in tree.xpath("//article//p")]
    expected_linked = (
        "The full inspection report was published on the authority's website the same afternoon."
    )
    assert paragraphs[: len(STORY) + 1] == [*STORY, expected_linked]


def test_prune_keeps_paragraph_with_link_inside_sentence():
    """A paragraph whose link is part of a sentence is story text, not a promo."""
    tree = parse(wordpress_page())
    prune_boilerplate(tree)
    assert tree.xpath('//a[@href="/documents/pier-inspection-report/"]')
    assert "The full inspection report was published" in text_of(tree)


def test_prune_returns_number_removed_and_is_idempotent():
    """A first pass removes something; a second pass finds nothing left to remove."""
    tree = parse(wordpress_page())
    assert prune_boilerplate(tree) > 0
    assert prune_boilerplate(tree) == 0


def test_prune_extra_selectors():
    """A site's extra CSS selectors are removed too; without them the block stays."""
    tree = parse(wordpress_page())
    prune_boilerplate(tree)
    assert "printed edition" in text_of(tree)

    tree = parse(wordpress_page())
    prune_boilerplate(tree, [".promo-box"])
    assert "printed edition" not in text_of(tree)
    assert STORY[0] in text_of(tree)


def test_prune_extra_selector_never_removes_article():
    """An extra selector that matches the article itself does not remove it."""
    tree = parse(wordpress_page())
    prune_boilerplate(tree, ["article", "h1"])
    assert len(tree.xpath("//article")) == 1
    assert len(tree.xpath("//h1")) == 1
    assert STORY[2] in text_of(tree)


@pytest.mark.parametrize("css_class", ["widget", "sidebar", "related-posts", "comments"])
def test_prune_keeps_boilerplate_classed_container_holding_most_text(css_class):
    """A container whose class says boilerplate ("widget", "sidebar"...) but that holds
    most of the page's text is content, and is kept."""
    story = "".join(f"<p>{p}</p>" for p in STORY)
    html = f"""<html><body>
<div class="layout"><div class="{css_class}"><h2>Eastern pier to close</h2>{story}</div></div>
<div class="sidebar"><p>Most read today</p></div>
</body></html>"""
    tree = parse(html)
    prune_boilerplate(tree)
    assert len(tree.xpath(f'//div[@class="{css_class}"]/h2')) == 1
    for paragraph in STORY:
        assert paragraph in text_of(tree)
    assert "Most read today" not in text_of(tree)


def test_prune_keeps_container_with_h1():
    """A boilerplate-classed container that holds the page's h1 is kept."""
    html = (
        """<html><body>
<div class="navigation"><h1>Eastern pier to close</h1></div>
<div class="content">"""
        + "".join(f"<p>{p}</p>" for p in STORY)
        + """</div>
</body></html>"""
    )
    tree = parse(html)
    prune_boilerplate(tree)
    assert [h.text_content() for h in tree.xpath("//h1")] == ["Eastern pier to close"]


@pytest.mark.parametrize(
    "promo",
    [
        '<p><a href="/2024/04/02/timetable/">READ MORE: New ferry timetable announced</a></p>',
        '<p><strong><a href="/x/">Also read: Market day moves</a></strong></p>',
        '<p> <a href="/x/">Harbour dredging</a> <a href="/y/">to begin in June</a> </p>',
    ],
)
def test_prune_removes_link_only_short_paragraph(promo):
    """A short paragraph whose whole text is link text is removed."""
    story = "".join(f"<p>{p}</p>" for p in STORY)
    tree = parse(f"<html><body><article>{story}{promo}</article></body></html>")
    prune_boilerplate(tree)
    assert len(tree.xpath("//article/p")) == len(STORY)
    assert [" ".join(p.text_content().split()) for p in tree.xpath("//article/p")] == STORY


def test_prune_keeps_long_link_only_paragraph():
    """A link-only paragraph longer than a promo line (over 20 words) stays."""
    long_link = " ".join(["word"] * 25)
    story = "".join(f"<p>{p}</p>" for p in STORY)
    tree = parse(
        f'<html><body><article>{story}<p><a href="/x/">{long_link}</a></p></article></body></html>'
    )
    prune_boilerplate(tree)
    assert long_link in text_of(tree)


# line rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "READ MORE: Japan pledges shuttle diplomacy",
        "Read more: Bridge repairs to start next week",
        "Also read: Council approves new cycle lanes",
        "RELATED: School choir wins regional prize",
        "See also: Harbour dredging to begin in June",
        "Advertisement",
        "ADVERTISEMENT",
        "Be First to Comment",
        "Leave a Reply",
        "Leave a comment",
        "12 Comments",
        "1 Comment",
        "No Comments",
        "Comments (4)",
        "Your email address will not be published. Required fields are marked *",
        "Required fields are marked *",
        "More from AsiaMore posts in Asia »",
        "More posts in Asia »",
        'Press "Enter" to skip to content',
        "Skip to content",
        "Share this:",
        "Lesen Sie auch: Neue Fähre für den Hafen",
        "Lire aussi : Le marché change de place",
        "Lee también: El puerto cierra el muelle este",
        "  READ MORE:   Japan pledges shuttle diplomacy  ",
    ],
)
def test_is_boilerplate_line_true(line):
    """Promo, comment and navigation leftovers are boilerplate lines."""
    assert is_boilerplate_line(line) is True


@pytest.mark.parametrize(
    "line",
    [
        "Residents who want to read more about the plan can visit the council office on Monday.",
        "The minister declined to make further comments on the budget, saying the review "
        "would take weeks.",
        "Subscribers to the local paper received the notice by post.",
        "Advertisement revenue at the regional paper fell by a fifth last year.",
        "Related work on the western quay will follow in the autumn.",
        "No comments were made by the harbour master when asked about the delay.",
        "See the full list of closures on the noticeboard outside the town hall.",
        "Readers can leave a reply on the council's consultation page until Friday.",
        "The harbour authority confirmed on Friday that the eastern pier will close.",
    ],
)
def test_is_boilerplate_line_false_for_story_sentences(line):
    """Story sentences that mention reading more, comments or subscribers are kept."""
    assert is_boilerplate_line(line) is False


@pytest.mark.parametrize(
    "line",
    [
        "Related-party transactions at the port operator rose sharply last year, the "
        "auditors said.",
        "Listen-in sessions with the mayor resume next week at the library.",
    ],
    ids=["related-party", "listen-in"],
)
def test_is_boilerplate_line_false_for_hyphenated_word_starting_like_a_promo(line):
    """A sentence opening with a hyphenated word ("Related-party") is not a promo line."""
    assert is_boilerplate_line(line) is False


def test_long_promo_like_line_is_kept():
    """A line over the promo length limit is not treated as a promo."""
    line = "Read more: " + " ".join(["the council said the work would continue"] * 5)
    assert is_boilerplate_line(line) is False


def test_clean_lines_keeps_order_and_drops_blanks_and_boilerplate():
    """Story lines come back stripped, in order; blank and boilerplate lines are dropped."""
    lines = [
        "  The eastern pier will close in May.  ",
        "",
        "READ MORE: New ferry timetable announced",
        "Boats will unload at the western quay.",
        "   ",
        "Advertisement",
        "The ferry timetable will not change.",
        "12 Comments",
        "Leave a Reply",
    ]
    assert clean_lines(lines) == [
        "The eastern pier will close in May.",
        "Boats will unload at the western quay.",
        "The ferry timetable will not change.",
    ]


def test_clean_lines_empty():
    """No lines in, no lines out."""
    assert clean_lines([]) == []
    assert clean_lines(["", "  ", "Advertisement"]) == []
