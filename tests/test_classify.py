"""Tests for page classification, structured data reading and URL handling."""

import json
import re

import lxml.html
import pytest

from crawler.classify import PageKind, classify_page, is_listing_url, looks_like_article_url
from crawler.structured_data import jsonld_article, jsonld_objects, meta_value, meta_values
from crawler.urls import InvalidURL, netloc, normalize_url, path_of, validate_start_url
from sample_text import parse

BASE = "http://127.0.0.1:8765"

STORY_PARAGRAPHS = [
    "The town council voted on Tuesday evening to extend the opening hours of the central "
    "library, after a consultation that drew more than two thousand written responses.",
    "Under the new plan the reading rooms will stay open until nine in the evening on "
    "weekdays, and a mobile lending service will visit the outlying villages twice a month.",
    "Council members said the extra staff would be paid from a reserve set aside last year, "
    "so no increase in local charges would be needed to cover the change this year.",
    "The first extended evenings are expected to begin in the spring, once the new lighting "
    "in the upper floor has been installed and checked by the building inspectors.",
]


def page(head: str = "", body: str = "") -> lxml.html.HtmlElement:
    """A small generic news page with `head` and `body` markup."""
    return parse(
        f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Library hours extended - The Valley Courier</title>
  {head}
</head>
<body>
  <header class="site-header"><a href="/">The Valley Courier</a></header>
  {body}
  <footer class="site-footer"><p>Contact the newsroom.</p></footer>
</body>
</html>"""
    )


def jsonld(data: object) -> str:
    """A JSON-LD script element holding `data`."""
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def article_body(paragraphs: list[str] = STORY_PARAGRAPHS) -> str:
    """One `<article>` with a headline and the given paragraphs."""
    text = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<article class="post type-post">
  <h1 class="entry-title">Library hours extended</h1>
  <div class="entry-content">{text}</div>
</article>"""


LISTING_BODY = """<main>
  <h1>Local news</h1>
  <ul class="posts">
    <li><a href="/2024/03/18/library-hours-extended/">Library hours extended</a></li>
    <li><a href="/2024/03/17/bridge-repairs-start-next-week/">Bridge repairs start</a></li>
    <li><a href="/2024/03/16/school-choir-wins-regional-prize/">School choir wins</a></li>
  </ul>
</main>"""

OG_ARTICLE = '<meta property="og:type" content="article">'
NEWS_ARTICLE_GRAPH = jsonld(
    {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "@id": f"{BASE}/#website", "name": "The Valley Courier"},
            {"@type": "WebPage", "@id": f"{BASE}/2024/03/18/library-hours-extended/"},
            {
                "@type": "NewsArticle",
                "headline": "Library hours extended",
                "datePublished": "2024-03-18T08:15:00+00:00",
            },
        ],
    }
)


# classify_page -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/category/local/",
        "/tag/library/",
        "/author/jane-doe/",
        "/page/2/",
        "/category/local/page/3/",
    ],
)
def test_listing_urls_are_listings_even_when_declared_article(path):
    """Home, category, tag, author and pagination URLs are listings whatever the page says."""
    tree = page(head=OG_ARTICLE + NEWS_ARTICLE_GRAPH, body=article_body())
    assert classify_page(BASE + path, tree) is PageKind.LISTING


def test_empty_path_is_home_listing():
    """A URL without a path is the home page."""
    tree = page(head=OG_ARTICLE, body=article_body())
    assert classify_page(BASE, tree) is PageKind.LISTING


def test_jsonld_news_article_in_graph_is_article():
    """A NewsArticle inside a Yoast-style @graph makes the page an article."""
    tree = page(head=NEWS_ARTICLE_GRAPH, body="<main><p>Short teaser.</p></main>")
    url = f"{BASE}/2024/03/18/library-hours-extended/"
    assert classify_page(url, tree) is PageKind.ARTICLE


def test_jsonld_type_list_with_schema_prefix_is_article():
    """`@type` given as a list with a full schema.org URL is understood."""
    data = {"@context": "https://schema.org", "@type": ["https://schema.org/BlogPosting"]}
    tree = page(head=jsonld(data), body="<main><p>Short teaser.</p></main>")
    assert classify_page(f"{BASE}/notes/library-hours-extended/", tree) is PageKind.ARTICLE


def test_og_type_article_is_article():
    """Without JSON-LD, `og:type=article` makes the page an article."""
    tree = page(head=OG_ARTICLE, body="<main><p>Short teaser.</p></main>")
    assert classify_page(f"{BASE}/local/library-hours/", tree) is PageKind.ARTICLE


def test_og_type_website_is_listing():
    """Any other declared `og:type` (here `website`) is a listing."""
    tree = page(head='<meta property="og:type" content="website">', body=article_body())
    assert classify_page(f"{BASE}/local/library-hours/", tree) is PageKind.LISTING


def test_collection_page_is_listing():
    """A JSON-LD CollectionPage is a listing, even with og:type article."""
    data = {
        "@context": "https://schema.org",
        "@graph": [{"@type": "CollectionPage", "name": "Local news"}],
    }
    tree = page(head=OG_ARTICLE + jsonld(data), body=LISTING_BODY)
    assert classify_page(f"{BASE}/local/", tree) is PageKind.LISTING


def test_no_metadata_single_article_with_long_paragraphs_is_article():
    """No metadata, but one <article> with at least three long paragraphs: an article."""
    tree = page(body=article_body())
    assert classify_page(f"{BASE}/local/library-hours/", tree) is PageKind.ARTICLE


def test_no_metadata_article_with_two_long_paragraphs_is_listing():
    """Two long paragraphs are not enough for an article body."""
    tree = page(body=article_body(STORY_PARAGRAPHS[:2]))
    assert classify_page(f"{BASE}/local/library-hours/", tree) is PageKind.LISTING


def test_no_metadata_several_articles_is_listing():
    """A page of several <article> teasers is a listing."""
    tree = page(body=article_body() + article_body())
    assert classify_page(f"{BASE}/local/library-hours/", tree) is PageKind.LISTING


def test_no_metadata_short_paragraphs_is_listing():
    """An <article> of short paragraphs is not an article body."""
    short = ["One line.", "Another line.", "A third line.", "A fourth line."]
    tree = page(body=article_body(short))
    assert classify_page(f"{BASE}/local/library-hours/", tree) is PageKind.LISTING


def test_itemprop_article_body_is_article():
    """An `itemprop=articleBody` element with real paragraphs marks an article."""
    text = "".join(f"<p>{p}</p>" for p in STORY_PARAGRAPHS)
    tree = page(body=f'<div class="story"><div itemprop="articleBody">{text}</div></div>')
    assert classify_page(f"{BASE}/local/library-hours/", tree) is PageKind.ARTICLE


def test_plain_listing_page_is_listing():
    """A list of links without metadata is a listing."""
    assert classify_page(f"{BASE}/local/", page(body=LISTING_BODY)) is PageKind.LISTING


def test_article_url_pattern_not_matching_is_listing():
    """A site's article URL pattern that the URL does not match makes it a listing."""
    tree = page(head=OG_ARTICLE + NEWS_ARTICLE_GRAPH, body=article_body())
    pattern = re.compile(r"/news/\d{4}/")
    assert classify_page(f"{BASE}/opinion/library-hours/", tree, pattern) is PageKind.LISTING


def test_article_url_pattern_matching_uses_page_data():
    """A matching article URL pattern still lets the page's data decide."""
    pattern = re.compile(r"/news/\d{4}/")
    url = f"{BASE}/news/2024/library-hours/"
    assert classify_page(url, page(head=OG_ARTICLE), pattern) is PageKind.ARTICLE
    assert classify_page(url, page(body=LISTING_BODY), pattern) is PageKind.LISTING


# URL heuristics ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{BASE}/2024/03/18/library/", True),
        (f"{BASE}/2024/3/library/", True),
        (f"{BASE}/news/local-12345", True),
        (f"{BASE}/news/12345678/", True),
        (f"{BASE}/news/story_98765.html", True),
        (f"{BASE}/local/council-votes-to-extend-library-hours/", True),
        (f"{BASE}/about/", False),
        (f"{BASE}/contact-us/", False),
        (f"{BASE}/local/", False),
        (f"{BASE}/news/1234/", False),
        (f"{BASE}/", False),
        (f"{BASE}/category/council-votes-to-extend-library-hours/", False),
        (f"{BASE}/2024/03/18/library/page/2/", False),
    ],
)
def test_looks_like_article_url(url, expected):
    """Dated paths, numeric ids and long slugs look like articles; short paths do not."""
    assert looks_like_article_url(url) is expected


def test_looks_like_article_url_uses_site_pattern_only():
    """With a site pattern, only the pattern decides."""
    pattern = re.compile(r"/stories/\d+$")
    assert looks_like_article_url(f"{BASE}/stories/42", pattern) is True
    assert looks_like_article_url(f"{BASE}/2024/03/18/library-hours-extended/", pattern) is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (f"{BASE}/", True),
        (f"{BASE}/search/?q=library", True),
        (f"{BASE}/local/?page=2", True),
        (f"{BASE}/local/?paged=3", True),
        (f"{BASE}/feed/", True),
        (f"{BASE}/local/library-hours/", False),
        (f"{BASE}/2024/03/18/library-hours-extended/", False),
        (f"{BASE}/pages-of-history-return-to-the-library/", False),
    ],
)
def test_is_listing_url(url, expected):
    """Home, search, feed and paginated URLs are listing URLs; story URLs are not."""
    assert is_listing_url(url) is expected


# Structured data ---------------------------------------------------------------------


def test_jsonld_objects_flattens_lists_and_graph_and_skips_bad_json():
    """Every typed object is found, in lists and @graph; broken JSON-LD is skipped."""
    head = (
        '<script type="application/ld+json">{ not json</script>'
        + '<script type="application/ld+json"></script>'
        + jsonld([{"@type": "Organization", "name": "Courier"}, {"no": "type"}])
        + NEWS_ARTICLE_GRAPH
    )
    objects = list(jsonld_objects(page(head=head)))
    assert [obj["@type"] for obj in objects] == [
        "Organization",
        "WebSite",
        "WebPage",
        "NewsArticle",
    ]


def test_jsonld_article_returns_the_article_object():
    """The article object is picked from the @graph."""
    article = jsonld_article(page(head=NEWS_ARTICLE_GRAPH))
    assert article is not None
    assert article["headline"] == "Library hours extended"


def test_jsonld_article_none_without_article():
    """A page without an article type has no JSON-LD article."""
    assert jsonld_article(page(head=jsonld({"@type": "WebSite", "name": "x"}))) is None


def test_meta_values_by_property_name_and_itemprop():
    """`<meta>` values are read by property, name or itemprop, stripped, blanks dropped."""
    head = (
        '<meta property="article:tag" content=" Libraries ">'
        '<meta property="article:tag" content="">'
        '<meta name="article:tag" content="Council">'
        '<meta itemprop="article:tag" content="Budget">'
    )
    tree = page(head=head)
    assert meta_values(tree, "article:tag") == ["Libraries", "Council", "Budget"]
    assert meta_value(tree, "article:tag") == "Libraries"
    assert meta_value(tree, "og:title") is None


# urls --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "example.com/news",
        "ftp://x",
        "ftp://example.com/news/",
        "http://",
        "https://",
        "http://exa mple.com/",
        "http://example.com:99999/",
        "http://example.com:port/",
        "mailto:desk@example.com",
        "",
    ],
)
def test_validate_start_url_rejects(url):
    """URLs without an http(s) scheme, a valid host or a valid port are refused."""
    with pytest.raises(InvalidURL):
        validate_start_url(url)


def test_invalid_url_is_a_value_error_naming_the_url():
    """The error is a ValueError whose message quotes the URL given."""
    with pytest.raises(ValueError, match=r"'example\.com/news' is not an http\(s\) URL"):
        validate_start_url("example.com/news")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8765/a/#respond", "http://127.0.0.1:8765/a/"),
        ("  https://Example.COM/news/  ", "https://example.com/news/"),
        ("https://example.com/news/?utm_source=x&id=7", "https://example.com/news/?id=7"),
        ("http://localhost:8000/", "http://localhost:8000/"),
    ],
)
def test_validate_start_url_accepts_and_normalises(url, expected):
    """Valid start URLs come back normalised."""
    assert validate_start_url(url) == expected


@pytest.mark.parametrize(
    "url",
    ["http://[::1]:8765/news/", "http://[::1]/news/"],
)
def test_validate_start_url_accepts_ipv6_literal(url):
    """A bracketed IPv6 host (which the host pattern is written to allow) is accepted."""
    assert validate_start_url(url) == url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8765/a/#respond", "http://127.0.0.1:8765/a/"),
        (
            "https://example.com/a/?utm_source=feed&utm_medium=rss&utm_campaign=x&id=3",
            "https://example.com/a/?id=3",
        ),
        ("https://example.com/a/?fbclid=AbC123&page=2", "https://example.com/a/?page=2"),
        ("https://example.com/a/?b=2&a=1", "https://example.com/a/?a=1&b=2"),
        ("https://EXAMPLE.com:8443/a/", "https://example.com:8443/a/"),
        ("https://example.com/a/?utm_term=x#comments", "https://example.com/a/"),
    ],
)
def test_normalize_url(url, expected):
    """Fragments and tracking parameters go; other arguments, sorted, and ports stay."""
    assert normalize_url(url) == expected


def test_netloc_and_path_of():
    """Host with port lower-cased; an empty path is "/"."""
    assert netloc("http://WWW.Example.com:8080/a/") == "www.example.com:8080"
    assert path_of("http://example.com") == "/"
    assert path_of("http://example.com/a/b/?x=1") == "/a/b/"


@pytest.mark.parametrize(
    ("url", "listing", "article_like"),
    [
        ("http://127.0.0.1:8765/?p=123", False, True),
        ("http://127.0.0.1:8765/", True, False),
        ("http://127.0.0.1:8765/?paged=2", True, False),
    ],
)
def test_wordpress_plain_permalinks(url, listing, article_like):
    """WordPress' `?p=ID` post URLs are articles; the bare home page and `?paged=N` are not."""
    assert is_listing_url(url) is listing
    assert looks_like_article_url(url) is article_like
