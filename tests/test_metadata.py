"""Tests for article metadata and for `extract_article` on small complete pages."""

import json

import lxml.html
import pytest

from pipelines.extraction import EXTRACTOR_VERSION, SiteProfile, extract_article
from pipelines.extraction.metadata import clean_authors, iso_date, page_metadata
from sample_text import STORY, parse

BASE = "http://127.0.0.1:8765"
URL = f"{BASE}/2023/03/18/harbour-pier-to-close/"


def jsonld(data: object) -> str:
    """A JSON-LD script element holding `data`."""
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def head_page(head: str, lang: str | None = "en") -> lxml.html.HtmlElement:
    """A page whose metadata is `head`, with a short body."""
    lang_attr = f' lang="{lang}"' if lang else ""
    return parse(
        f"""<!DOCTYPE html>
<html{lang_attr}><head><meta charset="utf-8"><title>Page title</title>{head}</head>
<body><main><h1>Eastern pier to close</h1><p>The pier closes in May.</p></main></body></html>"""
    )


def meta(tree: lxml.html.HtmlElement, fallback: dict | None = None) -> dict:
    """The page metadata of `tree` at URL."""
    return page_metadata(tree, URL, fallback or {})


def article_ld(**fields: object) -> str:
    """A JSON-LD NewsArticle inside a @graph, with `fields`."""
    return jsonld(
        {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebPage", "@id": URL, "name": "WebPage name"},
                {"@type": "NewsArticle", **fields},
            ],
        }
    )


# page_metadata -------------------------------------------------------------------------


def test_jsonld_headline_beats_og_title():
    """The JSON-LD headline is the title, before og:title and <title>."""
    tree = head_page(
        '<meta property="og:title" content="OG title | Coastline Gazette">'
        + article_ld(headline="Eastern  pier\nto close for repairs")
    )
    assert meta(tree)["title"] == "Eastern pier to close for repairs"


def test_og_title_when_no_jsonld_then_fallback():
    """og:title is used without JSON-LD; trafilatura's title without either."""
    tree = head_page('<meta property="og:title" content="Eastern pier to close">')
    assert meta(tree, {"title": "Fallback title"})["title"] == "Eastern pier to close"
    assert meta(head_page(""), {"title": "Fallback title"})["title"] == "Fallback title"


@pytest.mark.parametrize(
    ("author", "expected"),
    [
        ({"@type": "Person", "name": "Jane Doe"}, ["Jane Doe"]),
        (
            [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "Sam Roe"}],
            ["Jane Doe", "Sam Roe"],
        ),
        (
            [
                {"@type": "Organization", "name": "Coastline Gazette"},
                {"@type": "Person", "name": "Jane Doe"},
            ],
            ["Jane Doe"],
        ),
        ({"@type": "Organization", "name": "Coastline Gazette"}, ["Coastline Gazette"]),
        ("By Jane Doe", ["Jane Doe"]),
        (
            [{"@type": "Person", "name": "Jane Doe"}, {"@type": "Person", "name": "Jane Doe"}],
            ["Jane Doe"],
        ),
    ],
)
def test_authors_from_jsonld(author, expected):
    """Authors from JSON-LD: a Person, a list of Persons, organisations only when alone."""
    tree = head_page('<meta name="author" content="Meta Author">' + article_ld(author=author))
    assert meta(tree)["authors"] == expected


def test_authors_resolved_from_jsonld_id_reference():
    """A Yoast-style author given as an `@id` reference is looked up in the `@graph`."""
    person_id = f"{BASE}/#/schema/person/1"
    tree = head_page(
        jsonld(
            {
                "@graph": [
                    {"@type": "NewsArticle", "headline": "Pier", "author": {"@id": person_id}},
                    {"@type": "Person", "@id": person_id, "name": "Mira Okafor"},
                ]
            }
        )
        + '<meta name="author" content="Meta Author">'
    )
    assert meta(tree)["authors"] == ["Mira Okafor"]


def test_authors_from_meta_author_without_by():
    """Without JSON-LD authors, `<meta name=author>` is used with "By " removed."""
    tree = head_page('<meta name="author" content="By Jane Doe">')
    assert meta(tree)["authors"] == ["Jane Doe"]


def test_authors_from_article_author_meta():
    """`article:author` is used when there is no `author` meta."""
    tree = head_page('<meta property="article:author" content="Sam Roe">')
    assert meta(tree)["authors"] == ["Sam Roe"]


def test_authors_from_fallback_are_split():
    """trafilatura's author string is split into names."""
    tree = head_page("")
    assert meta(tree, {"author": "Jane Doe; Sam Roe and Ana Lima"})["authors"] == [
        "Jane Doe",
        "Sam Roe",
        "Ana Lima",
    ]
    assert meta(tree)["authors"] == []


def test_clean_authors():
    """Prefixes, blanks, URLs and repeats go; order is kept."""
    names = [
        "By  Jane Doe",
        "",
        "von Anna Schmidt",
        "https://example.com/author/jane/",
        "Jane Doe",
        "Byron Vale",
    ]
    assert clean_authors(names) == ["Jane Doe", "Anna Schmidt", "Byron Vale"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2023-03-18T08:15:00+00:00", "2023-03-18T08:15:00+00:00"),
        ("2023-03-18T08:15:00Z", "2023-03-18T08:15:00+00:00"),
        ("2023-03-18T10:15:00+02:00", "2023-03-18T10:15:00+02:00"),
        ("2023-03-18T08:15:00", "2023-03-18T08:15:00"),
        ("2023-03-18", "2023-03-18"),
        (" 2023-03-18 ", "2023-03-18"),
        ("March 18, 2023", None),
        ("", None),
        (None, None),
        (20230318, None),
    ],
)
def test_iso_date(value, expected):
    """ISO 8601 dates keep their timezone; Z becomes +00:00; non-dates give None."""
    assert iso_date(value) == expected


def test_published_and_modified_from_jsonld():
    """Dates from JSON-LD keep their timezone; a Z suffix becomes +00:00."""
    tree = head_page(
        '<meta property="article:published_time" content="2020-01-01T00:00:00+00:00">'
        + article_ld(datePublished="2023-03-18T08:15:00+00:00", dateModified="2023-03-19T10:00:00Z")
    )
    data = meta(tree)
    assert data["published"] == "2023-03-18T08:15:00+00:00"
    assert data["modified"] == "2023-03-19T10:00:00+00:00"


def test_published_and_modified_from_meta():
    """Without JSON-LD dates, article:published_time and article:modified_time are used."""
    tree = head_page(
        '<meta property="article:published_time" content="2023-03-18T09:15:00+01:00">'
        '<meta property="article:modified_time" content="2023-03-18T11:00:00+01:00">'
    )
    data = meta(tree)
    assert data["published"] == "2023-03-18T09:15:00+01:00"
    assert data["modified"] == "2023-03-18T11:00:00+01:00"


def test_unparseable_jsonld_date_falls_back_to_meta():
    """A JSON-LD date that is not ISO 8601 gives way to the meta tag's date."""
    tree = head_page(
        '<meta property="article:published_time" content="2023-03-18T08:15:00+00:00">'
        + article_ld(datePublished="18 March 2023")
    )
    assert meta(tree)["published"] == "2023-03-18T08:15:00+00:00"


def test_published_from_fallback_date_and_none_without_any():
    """trafilatura's date is the last resort; no date at all gives None."""
    assert meta(head_page(""), {"date": "2023-03-18"})["published"] == "2023-03-18"
    data = meta(head_page(""))
    assert data["published"] is None
    assert data["modified"] is None


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (article_ld(articleSection="Asia"), "Asia"),
        (article_ld(articleSection=["Asia", "World"]), "Asia"),
        ('<meta property="article:section" content="Local">', "Local"),
        (
            '<meta property="article:section" content="Local">' + article_ld(articleSection="Asia"),
            "Asia",
        ),
        ("", None),
    ],
)
def test_section(head, expected):
    """The section comes from articleSection, then article:section."""
    assert meta(head_page(head))["section"] == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (article_ld(keywords=["Harbour", "Ferries", "Harbour"]), ["Harbour", "Ferries"]),
        (
            article_ld(keywords="Harbour, Ferries,  Local news "),
            ["Harbour", "Ferries", "Local news"],
        ),
        (
            '<meta property="article:tag" content="Harbour">'
            '<meta property="article:tag" content="Ferries">',
            ["Harbour", "Ferries"],
        ),
        ("", []),
    ],
)
def test_tags(head, expected):
    """Tags come from JSON-LD keywords (list or comma string), then article:tag."""
    assert meta(head_page(head))["tags"] == expected


def test_tags_from_article_tag_when_jsonld_keywords_empty():
    """An empty JSON-LD keywords string does not hide the article:tag values."""
    tree = head_page(
        '<meta property="article:tag" content="Harbour">'
        '<meta property="article:tag" content="Ferries">' + article_ld(keywords="")
    )
    assert meta(tree)["tags"] == ["Harbour", "Ferries"]


@pytest.mark.parametrize(
    ("head", "lang", "expected"),
    [
        (article_ld(inLanguage="de-DE"), "en", "de-DE"),
        ("", "fr", "fr"),
        ('<meta property="og:locale" content="es_ES">', None, "es-ES"),
        ("", "en_GB", "en-GB"),
        ("", None, None),
    ],
)
def test_language(head, lang, expected):
    """The language comes from inLanguage, then <html lang>, then og:locale."""
    assert meta(head_page(head, lang=lang))["language"] == expected


def test_canonical_url_made_absolute():
    """A root-relative canonical href is made absolute against the page URL."""
    tree = head_page('<link rel="canonical" href="/2023/03/18/harbour-pier-to-close/">')
    assert meta(tree)["canonical_url"] == URL


def test_canonical_url_from_og_url_or_none():
    """og:url is used without a canonical link; neither gives None."""
    tree = head_page(f'<meta property="og:url" content="{URL}">')
    assert meta(tree)["canonical_url"] == URL
    assert meta(head_page(""))["canonical_url"] is None


def test_image_made_absolute():
    """A relative og:image is made absolute."""
    tree = head_page('<meta property="og:image" content="/wp-content/uploads/2023/03/pier.jpg">')
    assert meta(tree)["image"] == f"{BASE}/wp-content/uploads/2023/03/pier.jpg"


def test_image_from_jsonld_image_object():
    """Without og:image, the JSON-LD ImageObject's url is used."""
    tree = head_page(article_ld(image=[{"@type": "ImageObject", "url": "/media/pier.jpg"}]))
    assert meta(tree)["image"] == f"{BASE}/media/pier.jpg"


def test_description_from_meta_description_first():
    """The meta description comes before og:description and JSON-LD."""
    tree = head_page(
        '<meta property="og:description" content="OG description">'
        '<meta name="description" content="Meta  description">'
        + article_ld(description="LD description")
    )
    assert meta(tree)["description"] == "Meta description"


# extract_article -----------------------------------------------------------------------


BOILERPLATE = [
    "Press",
    "skip to content",
    "READ MORE",
    "New ferry timetable announced",
    "Share this",
    "Harbour dredging to begin",
    "weekly newsletter",
    "More from Asia",
    "More posts in Asia",
    "Previous post",
    "Next post",
    "Be First to Comment",
    "Leave a Reply",
    "Your email address will not be published",
    "Required fields",
    "Advertisement",
    "Recent posts",
    "Coastline Gazette. All rights reserved",
    "Lesen Sie auch",
]

WORDPRESS_LD = {
    "@context": "https://schema.org",
    "@graph": [
        {"@type": "WebSite", "@id": f"{BASE}/#website", "name": "Coastline Gazette"},
        {
            "@type": "NewsArticle",
            "@id": f"{URL}#article",
            "headline": "Eastern pier to close for repairs",
            "author": {"@type": "Person", "name": "Jane Doe"},
            "datePublished": "2023-03-18T08:15:00+00:00",
            "dateModified": "2023-03-18T09:30:00+00:00",
            "articleSection": ["Asia"],
            "keywords": ["Harbour", "Repairs"],
            "inLanguage": "en-US",
        },
    ],
}


def wordpress_page(story: list[str] = STORY) -> str:
    """A complete small WordPress-like single post page."""
    paragraphs = "\n".join(f"<p>{p}</p>" for p in story)
    return f"""<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<title>Eastern pier to close for repairs – Coastline Gazette</title>
<link rel="canonical" href="/2023/03/18/harbour-pier-to-close/">
<meta property="og:type" content="article">
<meta property="og:title" content="Eastern pier to close | Coastline Gazette">
<meta property="og:image" content="/wp-content/uploads/2023/03/pier.jpg">
<meta property="article:published_time" content="2023-03-18T08:15:00+00:00">
<meta name="description" content="The eastern pier closes for repairs in May.">
{jsonld(WORDPRESS_LD)}
</head>
<body class="post-template-default single single-post">
<a class="skip-link screen-reader-text" href="#content">Press "Enter" to skip to content</a>
<div id="page" class="site">
<header id="masthead" class="site-header">
  <p class="site-title"><a href="/">Coastline Gazette</a></p>
  <nav id="site-navigation" class="main-navigation"><ul>
    <li><a href="/category/asia/">Asia</a></li><li><a href="/category/local/">Local</a></li>
  </ul></nav>
</header>
<div id="content" class="site-content">
<main id="main" class="site-main">
<article id="post-41" class="post-41 post type-post status-publish hentry category-asia">
  <header class="entry-header">
    <h1 class="entry-title">Eastern pier to close for repairs</h1>
    <div class="entry-meta"><span class="byline">By <a href="/author/jane-doe/">Jane Doe</a>
      </span> <time datetime="2023-03-18T08:15:00+00:00">March 18, 2023</time></div>
  </header>
  <div class="entry-content">
{paragraphs}
<p><strong><a href="/2023/03/17/ferry-timetable/">READ MORE: New ferry timetable
  announced</a></strong></p>
<div class="ad-slot"><p>Advertisement</p></div>
<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3>
  <ul><li><a href="?share=email">Email</a></li><li><a href="?share=facebook">Facebook</a></li>
  </ul></div>
<div id="jp-relatedposts" class="jp-relatedposts"><h3>Related</h3>
  <p><a href="/2023/03/10/dredging/">Harbour dredging to begin in June</a></p></div>
<div class="newsletter-box"><p>Sign up for our weekly newsletter and get the news first.</p>
  </div>
  </div>
  <footer class="entry-footer">
    <div class="more-from"><h3>More from Asia</h3><a href="/category/asia/">More posts in
      Asia »</a></div>
  </footer>
</article>
<nav class="navigation post-navigation" aria-label="Posts">
  <div class="nav-links">
    <div class="nav-previous"><a href="/2023/03/17/x/">Previous post: Market day moves</a></div>
    <div class="nav-next"><a href="/2023/03/19/y/">Next post: Choir wins prize</a></div>
  </div>
</nav>
<div id="comments" class="comments-area">
  <h2 class="comments-title">Be First to Comment</h2>
  <div id="respond" class="comment-respond">
    <h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>
    <form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">
      <p class="comment-notes">Your email address will not be published. Required fields are
        marked *</p>
      <p><label for="comment">Comment</label><textarea id="comment" name="comment"></textarea></p>
      <p class="form-submit"><input type="submit" value="Post Comment"></p>
    </form>
  </div>
</div>
</main>
<aside id="sidebar" class="widget-area">
  <section class="widget"><h2 class="widget-title">Recent posts</h2>
    <ul><li><a href="/2023/03/17/x/">Market day moves</a></li></ul></section>
</aside>
</div>
<footer id="colophon" class="site-footer"><p>© 2023 Coastline Gazette. All rights reserved.</p>
</footer>
</div>
</body>
</html>"""


def test_extract_article_text_has_story_paragraphs_in_order():
    """The text is exactly the story paragraphs, in order, separated by blank lines."""
    article = extract_article(wordpress_page().encode("utf-8"), URL)
    assert article is not None
    assert article.text == "\n\n".join(STORY)


@pytest.mark.parametrize("phrase", BOILERPLATE)
def test_extract_article_text_has_no_boilerplate(phrase):
    """None of the page's boilerplate reaches the text."""
    article = extract_article(wordpress_page().encode("utf-8"), URL)
    assert article is not None
    assert phrase not in article.text


def test_extract_article_metadata():
    """The metadata comes from the page's JSON-LD and meta tags, cleaned."""
    article = extract_article(wordpress_page().encode("utf-8"), URL)
    assert article is not None
    assert article.url == URL
    assert article.canonical_url == URL
    assert article.title == "Eastern pier to close for repairs"
    assert article.authors == ["Jane Doe"]
    assert article.published == "2023-03-18T08:15:00+00:00"
    assert article.modified == "2023-03-18T09:30:00+00:00"
    assert article.section == "Asia"
    assert article.tags == ["Harbour", "Repairs"]
    assert article.language == "en-US"
    assert article.description == "The eastern pier closes for repairs in May."
    assert article.image == f"{BASE}/wp-content/uploads/2023/03/pier.jpg"
    assert article.word_count == len(article.text.split())
    assert article.extractor_version == EXTRACTOR_VERSION
    assert article.extractor_version.startswith("trafilatura-")


def test_extract_article_section_not_from_more_posts_block():
    """Without section metadata, the section is None, not the "More posts in Asia" block."""
    html = wordpress_page().replace('"articleSection": ["Asia"], ', "")
    assert '"articleSection"' not in html
    article = extract_article(html, URL)
    assert article is not None
    assert article.section is None
    assert "More posts in" not in article.text


def test_extract_article_accepts_str():
    """A str page gives the same article as its bytes."""
    html = wordpress_page()
    from_str = extract_article(html, URL)
    from_bytes = extract_article(html.encode("utf-8"), URL)
    assert from_str is not None
    assert from_str == from_bytes


def test_extract_article_removes_site_selectors():
    """A site's boilerplate selectors are pruned before extraction."""
    story = [*STORY[:3], "Get the printed edition delivered to your door every morning now."]
    html = wordpress_page(story).replace(
        f"<p>{story[3]}</p>", f'<div class="promo-box"><p>{story[3]}</p></div>'
    )
    plain = extract_article(html, URL)
    assert plain is not None
    assert "printed edition" in plain.text
    pruned = extract_article(html, URL, SiteProfile(boilerplate_selectors=(".promo-box",)))
    assert pruned is not None
    assert pruned.text == "\n\n".join(STORY[:3])


def test_extract_article_drops_promo_lines_left_in_text():
    """A promo line that is not a link ("Lesen Sie auch: ...") is dropped by the line rules."""
    story = [*STORY[:3], "Lesen Sie auch: Neue Fähre für den Hafen", *STORY[3:]]
    article = extract_article(wordpress_page(story), URL)
    assert article is not None
    assert article.text == "\n\n".join(STORY)


NAV_ONLY_PAGE = """<!DOCTYPE html><html><head><title>Menu</title></head><body>
<nav class="main-navigation"><ul><li><a href="/">Home</a></li>
<li><a href="/category/asia/">Asia</a></li><li><a href="/category/local/">Local</a></li>
</ul></nav></body></html>"""

HEADER_NAV_FOOTER_PAGE = """<!DOCTYPE html><html><head><title>Menu</title></head><body>
<header class="site-header"><nav id="site-navigation"><ul><li><a href="/">Home</a></li>
<li><a href="/category/asia/">Asia</a></li></ul></nav></header>
<footer class="site-footer"><p>Contact the newsroom.</p></footer></body></html>"""


@pytest.mark.parametrize(
    "html",
    [
        "",
        "<html><body></body></html>",
        "<!DOCTYPE html><html><head><title>Empty</title></head><body>\n</body></html>",
    ],
    ids=["empty-string", "empty-body", "empty-body-with-head"],
)
def test_extract_article_none_for_empty_page(html):
    """An empty page has no article."""
    assert extract_article(html, URL) is None


@pytest.mark.parametrize(
    "html", [NAV_ONLY_PAGE, HEADER_NAV_FOOTER_PAGE], ids=["nav-only", "header-nav-footer"]
)
def test_extract_article_none_for_navigation_only_page(html):
    """A page holding only site navigation (and a footer) has no article text."""
    assert extract_article(html, URL) is None
