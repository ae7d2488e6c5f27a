"""Publishing dates on sites the project has never seen: the page's structured data first,
then the article's own `<time>`, with the URL's date settling which calendar day it is."""

import json

import lxml.html

from pipelines.extraction import extract_article
from pipelines.extraction.metadata import page_metadata

URL = "https://www.harbourlight.example/news/pier-reopens/"
DATED_URL = "https://www.harbourlight.example/2024/05/17/pier-reopens/"
STORY = (
    "<p>The eastern pier reopens on Saturday after two years of work on its deck, its rails "
    "and the lights along its length, the harbour board said on Friday.</p>"
    "<p>Anglers and walkers will be let back on from nine in the morning, and the cafe at "
    "the far end opens a week later once its kitchen has been inspected.</p>"
)


def page(head: str = "", body: str = "") -> lxml.html.HtmlElement:
    """A page with `head` in its <head>, `body` in its <article> before a short story."""
    return lxml.html.fromstring(
        f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Pier reopens</title>{head}</head>
<body><article><h1>Pier reopens</h1>{body}{STORY}</article></body></html>"""
    )


def jsonld(data: object) -> str:
    """A JSON-LD script element holding `data`."""
    return f'<script type="application/ld+json">{json.dumps(data)}</script>'


def published(tree: lxml.html.HtmlElement, url: str = URL, fallback: dict | None = None) -> str:
    """The metadata publishing date of `tree` at `url`."""
    return page_metadata(tree, url, fallback or {})["published"]


def test_utc_time_past_midnight_takes_the_urls_day():
    """A UTC `article:published_time` already on the next day gives way to the page's
    local `<time>` of the day the URL names."""
    tree = page(
        '<meta property="article:published_time" content="2024-05-18T02:30:00+00:00">',
        '<time datetime="2024-05-17T22:30:00-04:00">May 17, 2024</time>',
    )
    assert published(tree, DATED_URL) == "2024-05-17T22:30:00-04:00"


def test_urls_day_alone_when_no_date_of_the_page_is_on_it():
    """Without any date of the page on the URL's day, the URL's date is the answer."""
    tree = page('<meta property="article:published_time" content="2024-05-18T01:00:00+00:00">')
    assert published(tree, DATED_URL) == "2024-05-17"


def test_structured_date_on_the_urls_day_is_kept():
    """A structured date that agrees with the URL keeps its time and offset."""
    tree = page('<meta property="article:published_time" content="2024-05-17T08:00:00+02:00">')
    assert published(tree, DATED_URL) == "2024-05-17T08:00:00+02:00"


def test_url_without_a_day_does_not_decide():
    """A year and month in the URL are no publishing date."""
    tree = page('<meta property="article:published_time" content="2024-06-02T08:00:00+02:00">')
    url = "https://www.harbourlight.example/2024/05/pier-reopens/"
    assert published(tree, url) == "2024-06-02T08:00:00+02:00"


def test_web_page_date_published_without_an_article_object():
    """A JSON-LD `WebPage` states the page's publishing date when there is no article
    object; it comes before trafilatura's guess from the modified time."""
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "WebPage",
                "@id": "https://www.harbourlight.example/news/pier-reopens/",
                "datePublished": "2023-11-04T09:12:00+00:00",
                "dateModified": "2024-05-20T16:40:00+00:00",
            }
        ],
    }
    tree = page(jsonld(graph))
    assert published(tree, fallback={"date": "2024-05-20"}) == "2023-11-04T09:12:00+00:00"


def test_article_object_date_before_web_page_date():
    """The article's own `datePublished` wins over the page's."""
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebPage", "datePublished": "2023-01-01T00:00:00+00:00"},
            {"@type": "BlogPosting", "datePublished": "2023-11-04T09:12:00+00:00"},
        ],
    }
    assert published(page(jsonld(graph))) == "2023-11-04T09:12:00+00:00"


def test_articles_own_time_before_htmldate_guess():
    """Without structured data, the article's `<time datetime>` is the date, not
    trafilatura's guess from elsewhere on the page."""
    tree = page(body='<p class="byline">By Ann Lee, <time datetime="2024-03-01">1 March</time></p>')
    assert published(tree, fallback={"date": "2024-07-05"}) == "2024-03-01"


def test_time_marked_published_before_other_times():
    """A `<time>` marked as the publishing date comes before an earlier unmarked one."""
    tree = page(
        body='<p><time datetime="2024-04-30">30 April</time> event notice</p>'
        '<p><time itemprop="datePublished" datetime="2024-05-02T10:00:00+01:00">'
        "2 May 2024</time></p>"
    )
    assert published(tree) == "2024-05-02T10:00:00+01:00"


def test_update_time_and_comment_times_are_no_publishing_date():
    """A `<time>` labelled as an update, those of comments and of other articles' cards
    are passed over for the article's own."""
    tree = page(
        body='<p>Updated <time class="updated" datetime="2025-01-09">9 January 2025</time></p>'
        '<ul class="related"><li><time datetime="2025-01-08">8 January</time></li></ul>'
        '<div class="comment-body"><time datetime="2025-01-07T21:00:00">7 Jan</time></div>'
        '<p><time datetime="2024-11-20T08:00:00+01:00">20 November 2024</time></p>'
    )
    assert published(tree, fallback={"date": "2025-01-09"}) == "2024-11-20T08:00:00+01:00"


def test_only_foreign_times_fall_back_to_htmldate():
    """With nothing but comment times, trafilatura's guess stands."""
    tree = page(body='<div class="comments"><time datetime="2025-01-07">7 Jan</time></div>')
    assert published(tree, fallback={"date": "2024-12-30"}) == "2024-12-30"


def test_extract_article_settles_the_day_by_the_url():
    """End to end: a page whose UTC meta date is past midnight gets the URL's day."""
    html = f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Pier reopens</title>
<meta property="article:published_time" content="2024-05-18T03:05:00+00:00"></head>
<body><article><h1>Pier reopens</h1>
<div class="post-date"><time datetime="2024-05-17T20:05:00-07:00">May 17, 2024</time></div>
{STORY}</article></body></html>"""
    article = extract_article(html, DATED_URL)
    assert article is not None
    assert article.published == "2024-05-17T20:05:00-07:00"


def test_wordpress_published_updated_time_is_the_publishing_date():
    """WordPress classes a never-updated post's date "entry-date published updated"."""
    tree = page(
        body='<time class="entry-date published updated" datetime="2024-02-14T09:30:00+00:00">'
        "February 14, 2024</time>"
    )
    assert published(tree, fallback={"date": "2024-02-20"}) == "2024-02-14T09:30:00+00:00"
