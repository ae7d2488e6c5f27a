"""Tests for discovery: feeds, sitemaps, robots.txt and pagination links."""

import gzip

import lxml.html
import pytest

from crawler.pages.discovery import (
    DiscoveredURL,
    feed_entries,
    feed_links,
    looks_like_feed,
    looks_like_sitemap,
    page_number,
    pagination_links,
    sitemap_entries,
    sitemaps_from_robots,
)

# Bodies ----------------------------------------------------------------------------------

HOME_PAGE = """\
<!DOCTYPE html>
<html lang="en">
<head>
  <title>Coastline News</title>
  <link rel="stylesheet" type="text/css" href="/static/site.css">
  <link rel="alternate" type="application/rss+xml" title="All news" href="/feed/">
  <link rel="alternate" type="application/atom+xml" href="https://www.example.com/news/atom.xml">
  <link rel="Alternate" type=" Application/RSS+XML " href=" comments/feed/ ">
  <link rel="alternate" hreflang="de" href="https://www.example.com/de/">
  <link rel="alternate" type="application/json" href="/wp-json/wp/v2/posts">
  <link rel="feed" type="application/rss+xml" href="/not-alternate/">
  <link rel="canonical" href="https://www.example.com/news/">
</head>
<body>
  <h1>Latest news</h1>
  <a rel="alternate" type="application/rss+xml" href="/anchor-feed/">Subscribe</a>
</body>
</html>
"""

RSS_UNDATED = b"""\
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Coastline News</title>
    <link>https://www.example.com/</link>
    <description>News from the coast</description>
    <item>
      <title>Ferry service resumes after storm</title>
      <link>https://www.example.com/news/2026/11/27/ferry-resumes/</link>
    </item>
    <item>
      <title>Harbour wall repairs begin</title>
      <link>/news/2026/11/26/harbour-wall/</link>
    </item>
    <item>
      <title>Letters to the editor</title>
      <description>No link in this one.</description>
    </item>
    <item>
      <title>Lifeboat crew honoured</title>
      <guid>https://www.example.com/news/2026/11/24/lifeboat-crew/</guid>
    </item>
    <item>
      <title>Weather</title>
      <guid isPermaLink="false">coastline-weather-4711</guid>
    </item>
  </channel>
</rss>
"""

RSS_DATED = b"""\
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
  <channel>
    <title>Coastline News</title>
    <link>https://www.example.com/</link>
    <description>News from the coast</description>
    <item>
      <title>Ferry service resumes after storm</title>
      <link>https://www.example.com/news/2026/11/27/ferry-resumes/</link>
      <pubDate>Fri, 27 Nov 2026 08:30:00 +0100</pubDate>
    </item>
    <item>
      <title>Harbour wall repairs begin</title>
      <link>/news/2026/11/26/harbour-wall/</link>
      <pubDate>Thu, 26 Nov 2026 16:05:00 GMT</pubDate>
    </item>
    <item>
      <title>Letters to the editor</title>
      <link>https://www.example.com/opinion/letters/</link>
    </item>
  </channel>
</rss>
"""

ATOM = b"""\
<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Valley Gazette</title>
  <id>https://valley.example.org/</id>
  <updated>2026-11-27T10:00:00Z</updated>
  <entry>
    <title>Council approves new bridge</title>
    <link rel="alternate" type="text/html" href="https://valley.example.org/2026/11/bridge.html"/>
    <id>https://valley.example.org/?p=981</id>
    <published>2026-11-20T09:15:00Z</published>
    <updated>2026-11-27T09:15:00+01:00</updated>
  </entry>
  <entry>
    <title>School reopens</title>
    <link href="/2026/11/school.html"/>
    <id>https://valley.example.org/?p=977</id>
    <updated>2026-11-25T12:00:00Z</updated>
  </entry>
</feed>
"""

URLSET = b"""\
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <url>
    <loc>https://www.example.com/news/2026/11/27/ferry-resumes/</loc>
    <lastmod>2026-11-27T08:30:00+00:00</lastmod>
    <changefreq>hourly</changefreq>
  </url>
  <url>
    <loc> https://www.example.com/news/2026/11/26/harbour-wall/ </loc>
  </url>
  <url>
    <loc>/news/2026/11/25/tide-tables/</loc>
    <lastmod>2026-11-25</lastmod>
  </url>
  <url>
    <loc>https://www.example.com/news/2026/11/24/lifeboat-crew/</loc>
    <lastmod></lastmod>
  </url>
</urlset>
"""

URLSET_PAGES = [
    DiscoveredURL(
        "https://www.example.com/news/2026/11/27/ferry-resumes/", "2026-11-27T08:30:00+00:00"
    ),
    DiscoveredURL("https://www.example.com/news/2026/11/26/harbour-wall/", None),
    DiscoveredURL("https://www.example.com/news/2026/11/25/tide-tables/", "2026-11-25"),
    DiscoveredURL("https://www.example.com/news/2026/11/24/lifeboat-crew/", None),
]

SITEMAP_INDEX = b"""\
<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap>
    <loc>https://www.example.com/sitemap-news.xml</loc>
    <lastmod>2026-11-27T09:00:00Z</lastmod>
  </sitemap>
  <sitemap>
    <loc>https://www.example.com/sitemap-2026-10.xml.gz</loc>
  </sitemap>
</sitemapindex>
"""

NEWS_SITEMAP = b"""\
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"
        xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">
  <url>
    <loc>https://www.example.com/news/2026/11/27/ferry-resumes/</loc>
    <news:news>
      <news:publication>
        <news:name>Coastline News</news:name>
        <news:language>en</news:language>
      </news:publication>
      <news:publication_date>2026-11-27T08:30:00+00:00</news:publication_date>
      <news:title>Ferry service resumes after storm</news:title>
    </news:news>
    <image:image>
      <image:loc>https://www.example.com/images/ferry.jpg</image:loc>
    </image:image>
  </url>
  <url>
    <loc>https://www.example.com/news/2026/11/27/storm-damage/</loc>
    <lastmod>2026-11-27T09:00:00Z</lastmod>
    <news:news>
      <news:publication_date>2026-11-27T07:00:00Z</news:publication_date>
      <news:title>Storm damage on the promenade</news:title>
    </news:news>
  </url>
</urlset>
"""

LISTING_PAGE = """\
<html>
<head>
  <title>News – page 2 – Coastline News</title>
  <link rel="prev" href="https://www.example.com/news/">
  <link rel="next" href="/news/page/3/">
  <link rel="stylesheet" href="/static/site.css">
</head>
<body>
  <a href="/news/2026/11/27/ferry-resumes/">Ferry service resumes after storm</a>
  <a href="/?p=123">Short link</a>
  <a href="/about/">About us</a>
  <a rel="nofollow" href="/news/2026/11/26/harbour-wall/">Harbour wall repairs begin</a>
  <nav class="pagination">
    <a href="/news/">1</a>
    <a href="/news/page/2/">2</a>
    <a href="/news/page/3/">3</a>
    <a href="/news/?page=4">4</a>
    <a href="/news/page/9/#top">9</a>
    <a rel="next" href="/news/older-stories/">Older stories</a>
  </nav>
</body>
</html>
"""


def html(text: str):
    """The lxml.html tree of a page."""
    return lxml.html.document_fromstring(text)


# feed_links ------------------------------------------------------------------------------


def test_feed_links_rss_and_atom_alternates():
    """Only rel=alternate links of an RSS or Atom type count, made absolute, in page order."""
    links = feed_links(html(HOME_PAGE), "https://www.example.com/news/")
    assert links == [
        "https://www.example.com/feed/",
        "https://www.example.com/news/atom.xml",
        "https://www.example.com/news/comments/feed/",
    ]


def test_feed_links_none():
    """A page that announces no feed has no feed links."""
    page = '<html><head><link rel="alternate" hreflang="fr" href="/fr/"></head><body></body></html>'
    assert feed_links(html(page), "https://www.example.com/") == []


# looks_like_feed / looks_like_sitemap ----------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (RSS_DATED, True),
        (ATOM, True),
        (b"\n\n  <rss version='2.0'><channel></channel></rss>", True),
        (
            b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">',
            True,
        ),
        (HOME_PAGE.encode(), False),
        (URLSET, False),
        (b"", False),
    ],
    ids=["rss", "atom", "leading-space", "rss-1.0", "html", "sitemap", "empty"],
)
def test_looks_like_feed(body, expected):
    """RSS 2.0, Atom and RSS 1.0 (RDF) bodies look like feeds; HTML and sitemaps do not."""
    assert looks_like_feed(body) is expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (URLSET, True),
        (SITEMAP_INDEX, True),
        (NEWS_SITEMAP, True),
        (gzip.compress(URLSET), True),
        (gzip.compress(SITEMAP_INDEX), True),
        (RSS_DATED, False),
        (HOME_PAGE.encode(), False),
        (gzip.compress(HOME_PAGE.encode()), False),
        (b"", False),
    ],
    ids=[
        "urlset",
        "index",
        "news",
        "gzipped-urlset",
        "gzipped-index",
        "rss",
        "html",
        "gzipped-html",
        "empty",
    ],
)
def test_looks_like_sitemap(body, expected):
    """Sitemaps and sitemap indexes look like sitemaps, gzipped or not; others do not."""
    assert looks_like_sitemap(body) is expected


# feed_entries ----------------------------------------------------------------------------


def test_feed_entries_rss_links():
    """RSS item links, relative ones resolved; a permalink guid stands in for a missing link;
    items with neither are skipped."""
    entries = feed_entries(RSS_UNDATED, "https://www.example.com/feed/")
    assert entries == [
        DiscoveredURL("https://www.example.com/news/2026/11/27/ferry-resumes/", None),
        DiscoveredURL("https://www.example.com/news/2026/11/26/harbour-wall/", None),
        DiscoveredURL("https://www.example.com/news/2026/11/24/lifeboat-crew/", None),
    ]


def test_feed_entries_rss_pub_date():
    """An RSS item's pubDate becomes its lastmod, in UTC ISO 8601."""
    entries = feed_entries(RSS_DATED, "https://www.example.com/feed/")
    assert entries == [
        DiscoveredURL(
            "https://www.example.com/news/2026/11/27/ferry-resumes/", "2026-11-27T07:30:00+00:00"
        ),
        DiscoveredURL(
            "https://www.example.com/news/2026/11/26/harbour-wall/", "2026-11-26T16:05:00+00:00"
        ),
        DiscoveredURL("https://www.example.com/opinion/letters/", None),
    ]


def test_feed_entries_atom():
    """Atom entry links, relative ones resolved; updated (not published) is the lastmod."""
    entries = feed_entries(ATOM, "https://valley.example.org/feeds/all.atom")
    assert entries == [
        DiscoveredURL(
            "https://valley.example.org/2026/11/bridge.html", "2026-11-27T08:15:00+00:00"
        ),
        DiscoveredURL(
            "https://valley.example.org/2026/11/school.html", "2026-11-25T12:00:00+00:00"
        ),
    ]


def test_feed_entries_not_a_feed():
    """An HTML page or garbage has no feed entries."""
    assert feed_entries(HOME_PAGE.encode(), "https://www.example.com/feed/") == []
    assert feed_entries(b"not xml at all", "https://www.example.com/feed/") == []


# sitemap_entries -------------------------------------------------------------------------


def test_sitemap_entries_urlset():
    """A urlset gives its pages with lastmod (None when absent or empty) and no children."""
    pages, children = sitemap_entries(URLSET, "https://www.example.com/sitemap.xml")
    assert pages == URLSET_PAGES
    assert children == []


def test_sitemap_entries_gzipped():
    """A gzipped sitemap gives the same entries as the plain one."""
    body = gzip.compress(URLSET)
    assert sitemap_entries(body, "https://www.example.com/sitemap.xml.gz") == (URLSET_PAGES, [])


def test_sitemap_entries_index():
    """A sitemap index gives its child sitemaps, with lastmod, and no pages."""
    pages, children = sitemap_entries(SITEMAP_INDEX, "https://www.example.com/sitemap.xml")
    assert pages == []
    assert children == [
        DiscoveredURL("https://www.example.com/sitemap-news.xml", "2026-11-27T09:00:00Z"),
        DiscoveredURL("https://www.example.com/sitemap-2026-10.xml.gz", None),
    ]


def test_sitemap_entries_gzipped_index():
    """A gzipped sitemap index still gives children, not pages."""
    pages, children = sitemap_entries(
        gzip.compress(SITEMAP_INDEX), "https://www.example.com/sitemap.xml.gz"
    )
    assert pages == []
    assert [child.url for child in children] == [
        "https://www.example.com/sitemap-news.xml",
        "https://www.example.com/sitemap-2026-10.xml.gz",
    ]


def test_sitemap_entries_news_sitemap():
    """A news sitemap's pages come out by their <loc>; news: and image: elements add no URLs."""
    pages, children = sitemap_entries(NEWS_SITEMAP, "https://www.example.com/sitemap-news.xml")
    assert pages == [
        DiscoveredURL("https://www.example.com/news/2026/11/27/ferry-resumes/", None),
        DiscoveredURL(
            "https://www.example.com/news/2026/11/27/storm-damage/", "2026-11-27T09:00:00Z"
        ),
    ]
    assert children == []


def test_sitemap_entries_truncated_plain_sitemap():
    """A sitemap cut off mid-way yields the entries that were complete enough to read."""
    body = URLSET[: URLSET.index(b"<url>\n    <loc>/news/2026/11/25")]
    pages, children = sitemap_entries(body, "https://www.example.com/sitemap.xml")
    assert pages == URLSET_PAGES[:2]
    assert children == []


# A gzip stream cut off right after its header, and one whose deflate data is garbage.
BROKEN_GZIP = [
    gzip.compress(URLSET)[:20],
    b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage-not-deflate-data",
]


@pytest.mark.parametrize("body", BROKEN_GZIP, ids=["truncated-gzip", "corrupt-gzip"])
def test_broken_gzip_is_not_a_sitemap(body):
    """A gzip body that cannot be unpacked is not a sitemap (and raises nothing)."""
    assert looks_like_sitemap(body) is False


@pytest.mark.parametrize("body", BROKEN_GZIP, ids=["truncated-gzip", "corrupt-gzip"])
def test_broken_gzip_sitemap_has_no_entries(body):
    """A gzip body that cannot be unpacked yields no entries (and raises nothing)."""
    assert sitemap_entries(body, "https://www.example.com/sitemap.xml.gz") == ([], [])


# sitemaps_from_robots --------------------------------------------------------------------


def test_sitemaps_from_robots():
    """Sitemap: lines, in any case, become absolute URLs; other lines and comments are not."""
    robots = b"""\
User-agent: *
Disallow: /search
Allow: /news/

Sitemap: https://www.example.com/sitemap.xml
sitemap: /sitemap-news.xml
  SITEMAP:https://www.example.com/sitemap-video.xml
# Sitemap: https://www.example.com/commented-out.xml
"""
    assert sitemaps_from_robots(robots, "https://www.example.com/robots.txt") == [
        "https://www.example.com/sitemap.xml",
        "https://www.example.com/sitemap-news.xml",
        "https://www.example.com/sitemap-video.xml",
    ]


def test_sitemaps_from_robots_none():
    """A robots.txt without Sitemap: lines lists no sitemaps."""
    body = b"User-agent: *\nDisallow: /admin/\n"
    assert sitemaps_from_robots(body, "https://www.example.com/robots.txt") == []


# page_number -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.example.com/news/page/3/", 3),
        ("https://www.example.com/news/page/12", 12),
        ("https://www.example.com/news/page/3/?ref=nav", 3),
        ("https://www.example.com/news/?page=2", 2),
        ("https://www.example.com/search?q=storm&page=5#results", 5),
        ("https://www.example.com/?paged=4", 4),
        ("https://www.example.com/archive/?cat=7&pg=6", 6),
        ("https://www.example.com/?p=123", None),
        ("https://www.example.com/news/", None),
        ("https://www.example.com/news/2026/11/27/ferry-resumes/", None),
        ("https://www.example.com/?subpage=3", None),
        ("https://www.example.com/?page=2x", None),
        ("https://www.example.com/homepage/3/", None),
    ],
)
def test_page_number(url, expected):
    """/page/N/ and ?page= / ?paged= / ?pg= carry a page number; WordPress ?p=ID does not."""
    assert page_number(url) == expected


# pagination_links ------------------------------------------------------------------------


def test_pagination_links():
    """rel=next/prev links (head or body) and numbered links; not articles or other pages."""
    links = pagination_links(html(LISTING_PAGE), "https://www.example.com/news/page/2/")
    assert links == {
        "https://www.example.com/news/",
        "https://www.example.com/news/page/2/",
        "https://www.example.com/news/page/3/",
        "https://www.example.com/news/?page=4",
        "https://www.example.com/news/page/9/#top",
        "https://www.example.com/news/older-stories/",
    }


def test_pagination_links_none():
    """A page with only article and section links has no pagination links."""
    page = '<html><body><a href="/news/2026/11/27/ferry/">Ferry</a><a href="/local/">Local</a>'
    assert pagination_links(html(page), "https://www.example.com/news/") == set()
