"""Tests for page classification, structured data reading and URL handling."""

import json

import lxml.html
import pytest

from crawler.pages.classify import (
    PageKind,
    article_score,
    classify_page,
    looks_like_article_url,
)
from crawler.pages.structured_data import jsonld_article, jsonld_objects, meta_value, meta_values
from crawler.pages.urls import InvalidURL, netloc, normalize_url, path_of, validate_start_url
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

BYLINE = '<p class="byline">By Jane Doe</p><time datetime="2024-03-18">18 March 2024</time>'


def story(headline: str = "Council votes to extend library hours", extra: str = "") -> str:
    """A full news story: headline, byline, date and body paragraphs in one container."""
    text = "\n".join(f"<p>{p}</p>" for p in STORY_PARAGRAPHS + STORY_PARAGRAPHS[:2])
    return f"""<main><div class="story">
  <h1>{headline}</h1>
  {BYLINE}
  <div class="story-body">{text}</div>
  {extra}
</div></main>"""


def teaser_cards(count: int, excerpt: bool = True) -> str:
    """`count` teaser cards: a headline link, a date and a short excerpt each."""
    cards = []
    for n in range(count):
        summary = (
            f"<p>Council members met again on Tuesday to discuss item {n} of the plan.</p>"
            if excerpt
            else ""
        )
        cards.append(
            f"""<div class="card">
  <h3><a href="/2024/03/{n + 1:02d}/council-item-{n}-is-discussed-again/">Council item {n}
  is discussed again at the evening meeting</a></h3>
  <time datetime="2024-03-{n % 28 + 1:02d}">{n % 28 + 1} March 2024</time>
  {summary}
</div>"""
        )
    return '<main><h1>Local news</h1><div class="cards">' + "".join(cards) + "</div></main>"


def test_article_in_old_table_markup_without_any_metadata_is_article():
    """No JSON-LD, no og:type, no <article>: text in a table cell, split by <br>."""
    text = "<br><br>".join(STORY_PARAGRAPHS + STORY_PARAGRAPHS)
    html = f"""<html><head><title>Library hours extended</title></head><body>
<table width="100%"><tr>
  <td width="150"><a href="/">Home</a><br><a href="/local.html">Local</a><br>
    <a href="/sport.html">Sport</a></td>
  <td><font size="5"><b>Library hours extended</b></font><br>
    By Jane Doe, March 18, 2024<br><br>{text}</td>
</tr></table></body></html>"""
    tree = parse(html)
    assert classify_page(f"{BASE}/local/library.html", tree) is PageKind.ARTICLE


def test_article_declaring_og_type_website_is_article():
    """`og:type=website` is common on real articles: the page's body outweighs it."""
    tree = page(head='<meta property="og:type" content="website">', body=story())
    assert classify_page(f"{BASE}/local/library-hours/", tree) is PageKind.ARTICLE


@pytest.mark.parametrize(
    "path",
    [
        "/archive/2023/05/17/council-votes-to-extend-library-hours/",
        "/page/council-votes-to-extend-library-hours",
        "/topics/local/2023/05/library-hours",
    ],
)
def test_listing_words_in_the_url_do_not_veto_an_article(path):
    """archive, page and topics in the path do not make a NewsArticle page a listing."""
    tree = page(head=OG_ARTICLE + NEWS_ARTICLE_GRAPH, body=story())
    assert classify_page(BASE + path, tree) is PageKind.ARTICLE


def test_japanese_article_without_spaces_is_article():
    """Japanese has no spaces between words: its text is measured in characters."""
    paragraphs = [
        "市議会は火曜日の夜、中央図書館の開館時間を延長することを決めた。市民から二千件を超える意見が寄せられた。",
        "新しい計画では、平日の閲覧室は午後九時まで開き、移動図書館が月に二回、周辺の村を回る。",
        "議員によると、追加の職員の費用は昨年積み立てた予備費から支払われ、地方税の引き上げは必要ない。",
        "延長された開館は、上の階の新しい照明が設置され、建築検査官の点検を受けた後、春から始まる予定だ。",
    ]
    text = "".join(f"<p>{p}</p>" for p in paragraphs)
    html = f"""<html lang="ja"><head><meta charset="utf-8"><title>図書館の開館時間を延長</title>
</head><body><header><a href="/">渓谷新聞</a></header>
<div class="content"><h1>図書館の開館時間を延長</h1>
<time datetime="2024-03-18">2024年3月18日</time><div class="body">{text}</div></div>
</body></html>"""
    assert classify_page(f"{BASE}/news/20240318-library", parse(html)) is PageKind.ARTICLE


def test_teaser_listing_declaring_news_article_is_listing():
    """A page of teasers stays a listing even when its JSON-LD says NewsArticle."""
    tree = page(head=OG_ARTICLE + NEWS_ARTICLE_GRAPH, body=teaser_cards(20))
    assert classify_page(f"{BASE}/local/", tree) is PageKind.LISTING


def test_home_page_of_teasers_without_structured_data_is_listing():
    """A home page of many teasers and no structured data is a listing."""
    tree = page(body=teaser_cards(30, excerpt=False))
    assert classify_page(f"{BASE}/", tree) is PageKind.LISTING


def test_product_page_is_listing():
    """A shop page (Product JSON-LD, a price, add-to-cart) is not an article."""
    product = jsonld(
        {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": "Reading lamp",
            "offers": {"@type": "Offer", "price": "39.00", "priceCurrency": "USD"},
        }
    )
    description = " ".join(STORY_PARAGRAPHS[:2])
    body = f"""<main><h1>Reading lamp</h1>
  <p class="price" itemprop="price">$39.00</p>
  <form action="/cart/add"><input type="number" name="qty" value="1">
    <button class="add-to-cart" name="add">Add to cart</button></form>
  <div class="description"><p>{description}</p></div></main>"""
    tree = page(head='<meta property="og:type" content="product">' + product, body=body)
    assert classify_page(f"{BASE}/shop/reading-lamp-model-x-2024/", tree) is PageKind.LISTING


def test_prior_moves_a_borderline_page():
    """A page scored near zero goes the way the crawler's prior pushes it."""
    tree = page(body=article_body(STORY_PARAGRAPHS[:2]))
    url = f"{BASE}/local/library-hours/"
    score = article_score(url, tree)
    assert -2.0 < score < 2.0
    assert classify_page(url, tree, prior=abs(score) + 0.5) is PageKind.ARTICLE
    assert classify_page(url, tree, prior=-abs(score) - 0.5) is PageKind.LISTING


def test_article_score_sign_matches_classify_page():
    """`classify_page` says article exactly when `article_score` is above zero."""
    for tree in (page(body=story()), page(body=teaser_cards(20))):
        url = f"{BASE}/local/library-hours/"
        expected = PageKind.ARTICLE if article_score(url, tree) > 0 else PageKind.LISTING
        assert classify_page(url, tree) is expected


def test_news_article_page_with_body_is_article():
    """A NewsArticle page with a real story body is an article."""
    tree = page(head=OG_ARTICLE + NEWS_ARTICLE_GRAPH, body=story())
    assert classify_page(f"{BASE}/2024/03/18/library-hours-extended/", tree) is PageKind.ARTICLE


def test_plain_listing_page_is_listing():
    """A list of links without metadata is a listing."""
    assert classify_page(f"{BASE}/local/", page(body=LISTING_BODY)) is PageKind.LISTING


def test_collection_page_is_listing():
    """A JSON-LD CollectionPage of teasers is a listing, even with og:type article."""
    data = {
        "@context": "https://schema.org",
        "@graph": [{"@type": "CollectionPage", "name": "Local news"}],
    }
    tree = page(head=OG_ARTICLE + jsonld(data), body=teaser_cards(12))
    assert classify_page(f"{BASE}/local/", tree) is PageKind.LISTING


def test_several_article_teasers_without_metadata_is_listing():
    """A page of short <article> teasers is a listing."""
    short = [STORY_PARAGRAPHS[0][:90]]
    tree = page(body="".join(article_body(short) for _ in range(8)))
    assert classify_page(f"{BASE}/local/", tree) is PageKind.LISTING


WP_TEASERS = [
    (
        "/2024/03/18/library-hours-extended-after-consultation/",
        "Library hours extended after a long consultation",
    ),
    (
        "/2024/03/11/bridge-repairs-to-start-next-week/",
        "Bridge repairs on the river road start next week",
    ),
]


def wordpress_tag_page(teasers: list[tuple[str, str]]) -> str:
    """A WordPress tag archive: each post an `<article>` with its linked headline, byline
    and time in its `<header>`, a one-sentence excerpt and a "Continue reading" link."""
    posts = "".join(
        f"""<article class="post type-post hentry">
  <header class="entry-header">
    <h2 class="entry-title"><a href="{url}" rel="bookmark">{title}</a></h2>
    <div class="entry-meta">By <a href="/author/jane-doe/">Jane Doe</a>,
      <time datetime="2024-03-18T09:00:00+00:00">March 18, 2024</time></div>
  </header>
  <div class="entry-summary"><p>The council has agreed a change that residents asked for
    in a long consultation last autumn.</p></div>
  <footer class="entry-footer"><a class="more-link" href="{url}">Continue reading</a></footer>
</article>"""
        for url, title in teasers
    )
    return (
        f'<main id="main" class="site-main"><h1 class="page-title">Tag: council</h1>{posts}</main>'
    )


def test_wordpress_tag_page_with_two_teasers_is_listing():
    """Two teasers (headline link in the post's own <header>, excerpt, "Continue reading")
    are a listing, however few."""
    tree = page(body=wordpress_tag_page(WP_TEASERS))
    assert article_score(f"{BASE}/tag/council/", tree) < 0
    assert classify_page(f"{BASE}/2024/03/", tree) is PageKind.LISTING


def test_wordpress_post_with_headline_in_entry_header_is_article():
    """The post page of the same theme: headline and byline in the <article>'s header."""
    text = "\n".join(f"<p>{p}</p>" for p in STORY_PARAGRAPHS)
    body = f"""<main id="main"><article class="post type-post">
  <header class="entry-header"><h1 class="entry-title">Library hours extended</h1>
    <div class="entry-meta">By <a href="/author/jane-doe/">Jane Doe</a>,
      <time datetime="2024-03-18T09:00:00+00:00">March 18, 2024</time></div></header>
  <div class="entry-content">{text}</div>
  <footer class="entry-footer">Tagged <a href="/tag/council/" rel="tag">council</a></footer>
</article></main>"""
    tree = page(body=body)
    assert classify_page(f"{BASE}/library-hours-extended/", tree) is PageKind.ARTICLE


def table_layout(title: str, content: str) -> lxml.html.HtmlElement:
    """A 2000s page: one layout table with a left navigation cell and the content cell;
    no structured data, no `<article>`, no `<time>`."""
    nav = "<br>".join(f'<a href="/section.php?s={s}">{s}</a>' for s in ("Local", "Sport", "Arts"))
    return parse(
        f"""<html><head><title>{title} - The Daily Courier</title></head><body>
<table width="760"><tr>
  <td width="140" valign="top"><b>Sections</b><br>{nav}</td>
  <td valign="top">{content}</td>
</tr></table></body></html>"""
    )


def test_table_layout_archive_of_teaser_rows_is_listing():
    """Rows of a linked bold headline, a date and a two-sentence excerpt, in the content
    cell of a layout table: a listing, not one long run of text."""
    rows = "".join(
        f"""<tr><td><a href="/news.php?id={n}"><b>Council item {n} is discussed again at the
  evening meeting</b></a> (05/{n + 1:02d}/2008)<br>Council members met again on Tuesday
  to discuss item {n} of the plan, which was put off in April. The vote is expected before
  the summer, and residents may write to the clerk until then.</td></tr>"""
        for n in range(12)
    )
    content = f'<b>Archive: 2008-05</b><br><table width="100%">{rows}</table>'
    tree = table_layout("Archive 2008-05", content)
    assert article_score(f"{BASE}/archive.php?month=2008-05", tree) < 0


def test_table_layout_story_is_article():
    """A story in the same table layout: headline, byline and paragraphs, no metadata."""
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY_PARAGRAPHS)
    content = f"<b>Library hours extended</b><br>By Jane Doe - May 17, 2008<br>{paragraphs}"
    tree = table_layout("Library hours extended", content)
    assert classify_page(f"{BASE}/view.php?sid=a3f", tree) is PageKind.ARTICLE


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
        (f"{BASE}/news/a8Kx29QpZ", True),
        (f"{BASE}/story/9f3a2c1b7e", True),
        (f"{BASE}/archive/2023/05/library-hours/", True),
        (f"{BASE}/topics/local/story-1234567", True),
        (f"{BASE}/topics/local/", False),
        (f"{BASE}/news/abcdefghij/", False),
    ],
)
def test_looks_like_article_url(url, expected):
    """Dated paths, numeric or opaque ids and long slugs look like articles, whatever
    listing word is also in the path; short paths and pagination do not."""
    assert looks_like_article_url(url) is expected


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
    ("url", "article_like"),
    [
        ("http://127.0.0.1:8765/?p=123", True),
        ("http://127.0.0.1:8765/", False),
        ("http://127.0.0.1:8765/?paged=2", False),
    ],
)
def test_wordpress_plain_permalinks(url, article_like):
    """WordPress' `?p=ID` post URLs are articles; the bare home page and `?paged=N` are not."""
    assert looks_like_article_url(url) is article_like
