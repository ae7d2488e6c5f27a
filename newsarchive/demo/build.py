"""Render the bundled demo news site, *The Harbour Gazette*, as static files.

The site imitates a WordPress news blog with a classic theme: dated article URLs, section,
tag and author listings with pagination, an RSS feed, a sitemap and a robots.txt that keeps
crawlers out of a staff-only page. Every link is root-relative, so the site works on any host
and port. Every folder URL is served by its ``index.html`` (the feed by ``index.xml``).

Rebuild ``newsarchive/demo/site/`` from ``content.json`` with ``python -m newsarchive.demo.build``.
The output depends only on the content, so rebuilding gives byte-identical files.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any

DEMO_DIR = Path(__file__).resolve().parent
CONTENT_FILE = DEMO_DIR / "content.json"
SITE_DIR = DEMO_DIR / "site"

PER_PAGE = 10
FEED_SIZE = 20
RECENT_SIZE = 5
RELATED_SIZE = 3
FIRST_POST_ID = 1001
POST_ID_STEP = 4
FIRST_PAGE_ID = 2
LANGUAGE = "en-GB"
STYLESHEET = "/wp-content/themes/harbour/style.css"
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

Article = dict[str, Any]

# Files whose presence shows that a folder holds an earlier build, safe to empty.
_BUILD_MARKERS = ("robots.txt", "sitemap.xml", "feed/index.xml")

SKIP_LINK = (
    '<a class="skip-link screen-reader-text" href="#content">Press "Enter" to skip to content</a>'
)
SHARE_BAR = (
    '<div class="sharedaddy sd-sharing-enabled"><h3 class="sd-title">Share this:</h3><ul>'
    '<li><a href="#">Share on Facebook</a></li><li><a href="#">Share on X</a></li></ul></div>'
)
COMMENTS = (
    '<div id="comments" class="comments-area">'
    '<h3 class="comments-title">Be First to Comment</h3>'
    '<div id="respond" class="comment-respond">'
    '<h3 id="reply-title" class="comment-reply-title">Leave a Reply</h3>'
    '<form action="/wp-comments-post.php" method="post" id="commentform" class="comment-form">'
    '<p class="comment-notes"><span id="email-notes">Your email address will not be published.'
    '</span> <span class="required-field-message">Required fields are marked '
    '<span class="required">*</span></span></p>'
    '<p class="comment-form-comment"><label for="comment">Comment</label>'
    '<textarea id="comment" name="comment"></textarea></p>'
    '<p class="form-submit"><input type="submit" value="Post Comment"></p>'
    "</form></div></div>"
)
SEARCH_WIDGET = (
    '<section class="widget widget_search">'
    '<form role="search" method="get" class="search-form" action="/">'
    '<label><span class="screen-reader-text">Search for:</span>'
    '<input type="search" class="search-field" placeholder="Search …" name="s"></label>'
    '<input type="submit" class="search-submit" value="Search"></form></section>'
)
NEWSLETTER_WIDGET = (
    '<section class="widget widget_newsletter"><h2 class="widget-title">Newsletter</h2>'
    "<p>Get the Harbour Gazette briefing in your inbox every morning.</p>"
    '<form action="/newsletter/" method="post" class="newsletter-form">'
    '<label for="newsletter-email">Email address</label>'
    '<input type="email" id="newsletter-email" name="email">'
    '<input type="submit" value="Subscribe"></form></section>'
)
CSS = """\
body { font-family: Georgia, serif; margin: 0 auto; max-width: 72rem; color: #222; }
a { color: #0b4f6c; }
.site-header { border-bottom: 3px solid #0b4f6c; padding: 1rem; }
.site-title { font-size: 2rem; margin: 0; }
.menu { list-style: none; display: flex; gap: 1.5rem; padding: 0; }
.site-content { display: flex; gap: 2rem; padding: 1rem; }
.site-main { flex: 3; }
.widget-area { flex: 1; font-size: 0.9rem; }
.entry-meta, .entry-footer, .cat-links { color: #666; font-size: 0.9rem; }
.screen-reader-text { position: absolute; left: -9999px; }
.site-footer { border-top: 1px solid #ccc; padding: 1rem; font-size: 0.85rem; }
"""


@dataclass
class _Site:
    """The content with the lookups the templates need."""

    content: dict[str, Any]
    articles: list[Article] = field(init=False)  # newest first
    by_slug: dict[str, Article] = field(init=False)
    sections: dict[str, str] = field(init=False)
    authors: dict[str, str] = field(init=False)
    post_ids: dict[str, int] = field(init=False)
    tags: list[str] = field(init=False)

    def __post_init__(self) -> None:
        articles = self.content["articles"]
        self.articles = sorted(articles, key=lambda a: (_published(a), a["slug"]), reverse=True)
        self.by_slug = {a["slug"]: a for a in articles}
        self.sections = {s["slug"]: s["name"] for s in self.content["sections"]}
        self.authors = {a["slug"]: a["name"] for a in self.content["authors"]}
        oldest_first = reversed(self.articles)
        self.post_ids = {
            a["slug"]: FIRST_POST_ID + POST_ID_STEP * i for i, a in enumerate(oldest_first)
        }
        self.tags = sorted({tag for a in articles for tag in a["tags"]}, key=str.lower)

    @property
    def name(self) -> str:
        """The site's name."""
        return self.content["site"]["name"]


# Public helpers ---------------------------------------------------------------------------


def load_content(path: Path | str | None = None) -> dict[str, Any]:
    """Read the site content from `path` (default: the ``content.json`` beside this module)."""
    source = Path(path) if path is not None else CONTENT_FILE
    return json.loads(source.read_text(encoding="utf-8"))


def article_path(article: Article) -> str:
    """The URL path of an article, ``/yyyy/mm/dd/slug/``, dated by its publication date."""
    return f"/{_published(article):%Y/%m/%d}/{article['slug']}/"


def story_paragraphs(article: Article) -> list[str]:
    """The article's story in order: the texts of its paragraphs and subheadings.

    Promo links and related-video blocks are boilerplate and are left out.
    """
    return [item[1] for item in article["body"] if item[0] in ("p", "h2")]


def tag_slug(tag: str) -> str:
    """The URL slug of a tag name: ``"South Korea"`` becomes ``"south-korea"``."""
    return re.sub(r"[^a-z0-9]+", "-", tag.lower()).strip("-")


def build_site(content: dict[str, Any], out_dir: Path) -> list[Path]:
    """Render the whole site into `out_dir` and return the files written, sorted.

    `out_dir` is created if needed and emptied first if it holds an earlier build (a
    non-empty folder holding anything else raises `FileExistsError`); nothing outside it
    is touched.
    """
    site = _Site(content)
    _check_links(site)
    _clear_dir(out_dir)
    written = [_write(out_dir, relative, text) for relative, text in _files(site)]
    return sorted(written)


def main() -> None:
    """Rebuild ``newsarchive/demo/site/`` from ``newsarchive/demo/content.json``."""
    files = build_site(load_content(), SITE_DIR)
    print(f"Built {len(files)} files in {SITE_DIR}")


# Files ------------------------------------------------------------------------------------


def _files(site: _Site) -> Iterator[tuple[str, str]]:
    """Every file of the site as (path relative to the site root, text)."""
    yield "index.html", _home_page(site)
    for article in site.articles:
        yield _index_file(article_path(article)), _article_page(site, article)
    yield from _listing_files(site)
    for page in site.content.get("pages", []):
        yield _index_file(page["path"]), _standalone_page(site, page)
    yield "feed/index.xml", _feed(site)
    yield "sitemap.xml", _sitemap(site)
    yield "robots.txt", _robots()
    yield STYLESHEET.lstrip("/"), CSS


def _listing_files(site: _Site) -> Iterator[tuple[str, str]]:
    """The paginated section, tag and author listings."""
    for slug, name in site.sections.items():
        articles = [a for a in site.articles if a["section"] == slug]
        yield from _paginated(site, f"/category/{slug}/", f"Category: {name}", name, articles)
    for tag in site.tags:
        articles = [a for a in site.articles if tag in a["tags"]]
        yield from _paginated(site, f"/tag/{tag_slug(tag)}/", f"Tag: {tag}", tag, articles)
    for slug, name in site.authors.items():
        articles = [a for a in site.articles if a["author"] == slug]
        if articles:
            title = f"{name}, Author at {site.name}"
            yield from _paginated(site, f"/author/{slug}/", f"Author: {name}", title, articles)


def _index_file(url_path: str) -> str:
    """The file that serves a folder URL."""
    return url_path.strip("/") + "/index.html"


def _write(out_dir: Path, relative: str, text: str) -> Path:
    """Write one UTF-8 file with Unix newlines under `out_dir`."""
    target = out_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8", newline="\n")
    return target


def _clear_dir(out_dir: Path) -> None:
    """Create `out_dir`, or empty it if it holds an earlier build.

    A non-empty folder that does not look like a built site is left alone: emptying it by
    mistake would lose someone's files.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    children = sorted(out_dir.iterdir())
    if children and not all((out_dir / marker).is_file() for marker in _BUILD_MARKERS):
        raise FileExistsError(f"{out_dir} is not empty and does not hold a built demo site")
    for child in children:
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()


def _check_links(site: _Site) -> None:
    """Fail early on a promo or video item that points nowhere."""
    page_paths = {page["path"] for page in site.content.get("pages", [])}
    for article in site.articles:
        for item in article["body"]:
            if item[0] == "promo" and item[2] not in site.by_slug:
                raise ValueError(f"{article['slug']}: promo for unknown article {item[2]!r}")
            if item[0] == "video" and item[2] not in page_paths:
                raise ValueError(f"{article['slug']}: video link to missing page {item[2]!r}")


# Dates ------------------------------------------------------------------------------------


def _published(article: Article) -> datetime:
    """The article's publication time, with its UTC offset."""
    return datetime.fromisoformat(article["published"])


def _human_date(value: str) -> str:
    """``2023-03-18T08:15:00+00:00`` as ``March 18, 2023``."""
    moment = datetime.fromisoformat(value)
    return f"{MONTHS[moment.month - 1]} {moment.day}, {moment.year}"


def _rfc822(value: str) -> str:
    """An ISO 8601 time as an RFC 822 date for RSS."""
    return format_datetime(datetime.fromisoformat(value))


# Page frame -------------------------------------------------------------------------------


def _meta(attribute: str, key: str, value: str) -> str:
    """One ``<meta>`` tag."""
    return f'<meta {attribute}="{key}" content="{escape(value)}">'


def _jsonld(graph: list[dict[str, Any]]) -> str:
    """A JSON-LD script block, safe to embed in HTML."""
    data = json.dumps({"@context": "https://schema.org", "@graph": graph}, ensure_ascii=False)
    safe = data.replace("</", "<\\/")
    return f'<script type="application/ld+json">{safe}</script>'


def _organization(site: _Site) -> dict[str, Any]:
    """The publisher node of the JSON-LD graphs."""
    return {"@type": "Organization", "@id": "/#organization", "name": site.name, "url": "/"}


def _head(
    site: _Site,
    *,
    title: str,
    description: str,
    canonical: str,
    og_type: str,
    graph: list[dict[str, Any]],
    extra: Iterable[str] = (),
) -> str:
    """The ``<head>`` element of a page."""
    lines = [
        "<head>",
        '<meta charset="UTF-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        _meta("name", "description", description),
        f'<link rel="canonical" href="{escape(canonical)}">',
        _meta("property", "og:locale", "en_GB"),
        _meta("property", "og:type", og_type),
        _meta("property", "og:title", title.removesuffix(f" – {site.name}")),
        _meta("property", "og:description", description),
        _meta("property", "og:url", canonical),
        _meta("property", "og:site_name", site.name),
        *extra,
        '<link rel="alternate" type="application/rss+xml" '
        f'title="{escape(site.name)} » Feed" href="/feed/">',
        f'<link rel="stylesheet" href="{STYLESHEET}">',
        _jsonld([*graph, _organization(site)]),
        "</head>",
    ]
    return "\n".join(lines)


def _document(site: _Site, head: str, body_class: str, main: str, *, home: bool = False) -> str:
    """A whole HTML page: header, menu, main column, sidebar and footer."""
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{LANGUAGE}">',
        head,
        f'<body class="{escape(body_class)}">',
        SKIP_LINK,
        '<div id="page" class="site">',
        _site_header(site),
        '<div id="content" class="site-content">',
        f'<main id="main" class="site-main">\n{main}\n</main>',
        _sidebar(site),
        "</div>",
        _site_footer(home=home),
        "</div>",
        "</body>",
        "</html>",
        "",
    ]
    return "\n".join(parts)


def _site_header(site: _Site) -> str:
    """The masthead with the site name and the section menu."""
    items = ['<li class="menu-item menu-item-home"><a href="/">Home</a></li>']
    items += [
        f'<li class="menu-item"><a href="/category/{escape(slug)}/">{escape(name)}</a></li>'
        for slug, name in site.sections.items()
    ]
    return (
        '<header id="masthead" class="site-header">\n<div class="site-branding">'
        f'<p class="site-title"><a href="/" rel="home">{escape(site.name)}</a></p>'
        f'<p class="site-description">{escape(site.content["site"]["tagline"])}</p></div>\n'
        '<nav id="site-navigation" class="main-navigation" aria-label="Primary menu">'
        f'<ul id="primary-menu" class="menu">{"".join(items)}</ul></nav>\n</header>'
    )


def _sidebar(site: _Site) -> str:
    """The widget column: search, recent posts, newsletter and tag cloud."""
    recent = "".join(_link_item(a) for a in site.articles[:RECENT_SIZE])
    tags = " ".join(
        f'<a href="/tag/{tag_slug(tag)}/" class="tag-cloud-link">{escape(tag)}</a>'
        for tag in site.tags
    )
    return "\n".join(
        [
            '<aside id="secondary" class="widget-area">',
            SEARCH_WIDGET,
            '<section class="widget widget_recent_entries">'
            f'<h2 class="widget-title">Recent Posts</h2><ul>{recent}</ul></section>',
            NEWSLETTER_WIDGET,
            '<section class="widget widget_tag_cloud"><h2 class="widget-title">Tags</h2>'
            f'<div class="tagcloud">{tags}</div></section>',
            "</aside>",
        ]
    )


def _site_footer(*, home: bool) -> str:
    """The colophon; the home page also links the staff area."""
    staff = ' | <a href="/private/">Staff area</a>' if home else ""
    return (
        '<footer id="colophon" class="site-footer"><div class="site-info">'
        "© 2023 The Harbour Gazette. All rights reserved. "
        f'<a href="/about/">About us</a> | <a href="/privacy/">Privacy policy</a>{staff}'
        "</div></footer>"
    )


def _link_item(article: Article) -> str:
    """A list item linking an article by its title."""
    return f'<li><a href="{article_path(article)}">{escape(article["title"])}</a></li>'


def _byline(site: _Site, article: Article) -> str:
    """``By <author> <date>`` with hCard and time markup."""
    author = article["author"]
    published = escape(article["published"])
    return (
        f'By <span class="author vcard"><a class="url fn n" href="/author/{escape(author)}/">'
        f"{escape(site.authors[author])}</a></span> "
        f'<time class="entry-date published" datetime="{published}">'
        f"{_human_date(article['published'])}</time>"
    )


# Listings ---------------------------------------------------------------------------------


def _summary(site: _Site, article: Article) -> str:
    """An article's entry in a listing: title, byline, excerpt and a read-on link."""
    path = article_path(article)
    title = escape(article["title"])
    post_id = site.post_ids[article["slug"]]
    return (
        f'<article id="post-{post_id}" class="post type-post post-{post_id} '
        f'category-{escape(article["section"])}">\n'
        '<header class="entry-header">'
        f'<h2 class="entry-title"><a href="{path}" rel="bookmark">{title}</a></h2>'
        f'<div class="entry-meta">{_byline(site, article)}</div></header>\n'
        f'<div class="entry-summary"><p>{escape(article["excerpt"])}</p></div>\n'
        f'<footer class="entry-footer"><a class="more-link" href="{path}">Continue reading'
        f'<span class="screen-reader-text"> {title}</span></a></footer>\n</article>'
    )


def _page_url(base: str, number: int) -> str:
    """The URL of page `number` of the listing at `base`."""
    return base if number == 1 else f"{base}page/{number}/"


def _paginated(
    site: _Site, base: str, heading: str, title: str, articles: list[Article]
) -> Iterator[tuple[str, str]]:
    """The pages of one listing, `PER_PAGE` articles each, newest first."""
    chunks = [articles[i : i + PER_PAGE] for i in range(0, len(articles), PER_PAGE)]
    for number, chunk in enumerate(chunks, start=1):
        url = _page_url(base, number)
        prev_url = _page_url(base, number - 1) if number > 1 else None
        next_url = _page_url(base, number + 1) if number < len(chunks) else None
        page_title = title if number == 1 else f"{title} – Page {number}"
        html = _listing_page(
            site, url, heading, f"{page_title} – {site.name}", chunk, prev_url, next_url
        )
        yield _index_file(url), html


def _listing_page(
    site: _Site,
    url: str,
    heading: str,
    title: str,
    articles: list[Article],
    prev_url: str | None,
    next_url: str | None,
) -> str:
    """A listing page (section, tag or author archive) with its pagination links."""
    description = f"{heading} – the latest articles from {site.name}."
    rel_links = [f'<link rel="prev" href="{prev_url}">'] if prev_url else []
    rel_links += [f'<link rel="next" href="{next_url}">'] if next_url else []
    graph = [{"@type": "CollectionPage", "@id": url, "url": url, "name": title}]
    head = _head(
        site,
        title=title,
        description=description,
        canonical=url,
        og_type="website",
        graph=graph,
        extra=rel_links,
    )
    main = "\n".join(
        [
            f'<header class="page-header"><h1 class="page-title">{escape(heading)}</h1></header>',
            *(_summary(site, a) for a in articles),
            _pagination(prev_url, next_url),
        ]
    )
    return _document(site, head, "archive hfeed", main)


def _pagination(prev_url: str | None, next_url: str | None) -> str:
    """The "Newer posts" / "Older posts" links of a listing page."""
    links = []
    if prev_url:
        links.append(f'<a class="prev page-numbers" href="{prev_url}" rel="prev">Newer posts</a>')
    if next_url:
        links.append(f'<a class="next page-numbers" href="{next_url}" rel="next">Older posts</a>')
    if not links:
        return ""
    return (
        '<nav class="navigation pagination" aria-label="Posts">'
        f'<div class="nav-links">{" ".join(links)}</div></nav>'
    )


def _home_page(site: _Site) -> str:
    """The front page: the latest articles."""
    tagline = site.content["site"]["tagline"]
    graph = [{"@type": "CollectionPage", "@id": "/", "url": "/", "name": site.name}]
    head = _head(
        site,
        title=f"{site.name} – {tagline}",
        description=tagline,
        canonical="/",
        og_type="website",
        graph=graph,
    )
    latest = "\n".join(_summary(site, a) for a in site.articles[:PER_PAGE])
    main = f'<h2 class="section-heading">Latest</h2>\n{latest}'
    return _document(site, head, "home blog hfeed", main, home=True)


# Articles ---------------------------------------------------------------------------------


def _article_page(site: _Site, article: Article) -> str:
    """An article page with its metadata, story, and the theme's boilerplate around it."""
    post_id = site.post_ids[article["slug"]]
    head = _head(
        site,
        title=f"{article['title']} – {site.name}",
        description=article["excerpt"],
        canonical=article_path(article),
        og_type="article",
        graph=_article_graph(site, article),
        extra=_article_meta(site, article),
    )
    main = "\n".join(
        [
            _article_element(site, article, post_id),
            SHARE_BAR,
            _post_navigation(site, article),
            _related(site, article),
            COMMENTS,
        ]
    )
    body_class = f"post-template-default single single-post postid-{post_id} single-format-standard"
    return _document(site, head, body_class, main)


def _image(article: Article) -> str:
    """The article's (notional) featured image."""
    return f"/wp-content/uploads/{article['slug']}.jpg"


def _article_meta(site: _Site, article: Article) -> list[str]:
    """OpenGraph article properties and the author meta tag."""
    tags = [_meta("property", "article:tag", tag) for tag in article["tags"]]
    return [
        _meta("property", "og:image", _image(article)),
        _meta("property", "article:published_time", article["published"]),
        _meta("property", "article:modified_time", article["modified"]),
        _meta("property", "article:section", site.sections[article["section"]]),
        *tags,
        _meta("name", "author", site.authors[article["author"]]),
    ]


def _article_graph(site: _Site, article: Article) -> list[dict[str, Any]]:
    """Yoast-style JSON-LD nodes for an article page (the organization is added later)."""
    url = article_path(article)
    news = {
        "@type": "NewsArticle",
        "@id": f"{url}#article",
        "isPartOf": {"@id": url},
        "headline": article["title"],
        "description": article["excerpt"],
        "datePublished": article["published"],
        "dateModified": article["modified"],
        "author": {
            "@type": "Person",
            "name": site.authors[article["author"]],
            "url": f"/author/{article['author']}/",
        },
        "publisher": {"@id": "/#organization"},
        "articleSection": site.sections[article["section"]],
        "keywords": list(article["tags"]),
        "inLanguage": LANGUAGE,
        "image": _image(article),
        "mainEntityOfPage": {"@id": url},
    }
    page = {
        "@type": "WebPage",
        "@id": url,
        "url": url,
        "name": f"{article['title']} – {site.name}",
        "datePublished": article["published"],
        "dateModified": article["modified"],
        "inLanguage": LANGUAGE,
    }
    return [news, page]


def _article_element(site: _Site, article: Article, post_id: int) -> str:
    """The ``<article>`` element: header, story and tag links."""
    section = article["section"]
    tag_classes = "".join(f" tag-{tag_slug(tag)}" for tag in article["tags"])
    classes = (
        f"post-{post_id} post type-post status-publish format-standard hentry "
        f"category-{section}{tag_classes}"
    )
    body = "\n".join(_body_item(site, item) for item in article["body"])
    return (
        f'<article id="post-{post_id}" class="{escape(classes)}">\n'
        f"{_entry_header(site, article)}\n"
        f'<div class="entry-content">\n{body}\n</div>\n'
        f"{_entry_footer(article)}\n</article>"
    )


def _entry_header(site: _Site, article: Article) -> str:
    """Category link, title and byline with the published and updated times."""
    section = article["section"]
    modified = escape(article["modified"])
    return (
        '<header class="entry-header"><span class="cat-links">'
        f'<a href="/category/{escape(section)}/" rel="category tag">'
        f"{escape(site.sections[section])}</a></span>"
        f'<h1 class="entry-title">{escape(article["title"])}</h1>'
        f'<div class="entry-meta">{_byline(site, article)}'
        f' <time class="updated" datetime="{modified}">'
        f"{_human_date(article['modified'])}</time></div></header>"
    )


def _entry_footer(article: Article) -> str:
    """The "Tagged ..." line."""
    links = ", ".join(
        f'<a href="/tag/{tag_slug(tag)}/" rel="tag">{escape(tag)}</a>' for tag in article["tags"]
    )
    return f'<footer class="entry-footer"><span class="tags-links">Tagged {links}</span></footer>'


def _body_item(site: _Site, item: list[str]) -> str:
    """One item of an article body as HTML."""
    kind, text = item[0], escape(item[1])
    if kind == "p":
        return f"<p>{text}</p>"
    if kind == "h2":
        return f"<h2>{text}</h2>"
    if kind == "promo":
        href = article_path(site.by_slug[item[2]])
        return f'<p><strong><a href="{href}">{text}</a></strong></p>'
    if kind == "video":
        return f'<p><a href="{escape(item[2])}">{text}</a></p>'
    raise ValueError(f"unknown body item type {kind!r}")


def _post_navigation(site: _Site, article: Article) -> str:
    """Links to the previous (older) and next (newer) articles of the site."""
    index = site.articles.index(article)
    links = []
    if index + 1 < len(site.articles):
        older = site.articles[index + 1]
        links.append(
            f'<div class="nav-previous"><a href="{article_path(older)}" rel="prev">'
            f"Previous: {escape(older['title'])}</a></div>"
        )
    if index > 0:
        newer = site.articles[index - 1]
        links.append(
            f'<div class="nav-next"><a href="{article_path(newer)}" rel="next">'
            f"Next: {escape(newer['title'])}</a></div>"
        )
    return (
        '<nav class="navigation post-navigation" aria-label="Posts">'
        f'<div class="nav-links">{"".join(links)}</div></nav>'
    )


def _related(site: _Site, article: Article) -> str:
    """Three other articles of the same section, the ones published just before this one."""
    section = article["section"]
    siblings = [a for a in site.articles if a["section"] == section]
    start = siblings.index(article) + 1
    others = [siblings[(start + i) % len(siblings)] for i in range(len(siblings) - 1)]
    items = "".join(_link_item(a) for a in others[:RELATED_SIZE])
    name = escape(site.sections[section])
    return (
        '<div class="related-posts">'
        f'<h3 class="widget-title">More from {name}</h3><ul>{items}</ul>'
        f'<a class="more-link" href="/category/{escape(section)}/">More posts in {name} »</a>'
        "</div>"
    )


# Other pages ------------------------------------------------------------------------------


def _standalone_page(site: _Site, page: dict[str, Any]) -> str:
    """A page that is not a news article: about, privacy, a video, or the staff area."""
    page_id = FIRST_PAGE_ID + site.content["pages"].index(page)
    title = f"{page['title']} – {site.name}"
    og_type, graph, extra = _page_metadata(site, page)
    head = _head(
        site,
        title=title,
        description=page["description"],
        canonical=page["path"],
        og_type=og_type,
        graph=graph,
        extra=extra,
    )
    body = "\n".join(_body_item(site, item) for item in page["body"])
    kind = "post" if page["kind"] == "staff" else "page"
    byline = f'<div class="entry-meta">{_byline(site, page)}</div>' if "author" in page else ""
    main = (
        f'<article id="post-{page_id}" class="post-{page_id} {kind} type-{kind} '
        'status-publish hentry">\n<header class="entry-header">'
        f'<h1 class="entry-title">{escape(page["title"])}</h1>{byline}</header>\n'
        f'<div class="entry-content">\n{body}\n</div>\n</article>'
    )
    return _document(site, head, f"{kind}-template-default {kind} page-id-{page_id}", main)


def _page_metadata(
    site: _Site, page: dict[str, Any]
) -> tuple[str, list[dict[str, Any]], list[str]]:
    """og:type, JSON-LD nodes and extra meta tags of a standalone page."""
    url = page["path"]
    web_page = {"@type": "WebPage", "@id": url, "url": url, "name": page["title"]}
    if page["kind"] == "video":
        return "video.other", [web_page], []
    if page["kind"] != "staff":
        return "website", [web_page], []
    news = {
        "@type": "NewsArticle",
        "headline": page["title"],
        "datePublished": page["published"],
        "dateModified": page["modified"],
        "author": {"@type": "Person", "name": site.authors[page["author"]]},
        "inLanguage": LANGUAGE,
        "mainEntityOfPage": {"@id": url},
    }
    extra = [
        _meta("property", "article:published_time", page["published"]),
        _meta("property", "article:modified_time", page["modified"]),
        _meta("name", "author", site.authors[page["author"]]),
    ]
    return "article", [news, web_page], extra


# Feed, sitemap, robots --------------------------------------------------------------------


def _feed(site: _Site) -> str:
    """RSS 2.0 feed of the newest articles."""
    newest = site.articles[:FEED_SIZE]
    last_build = max(newest, key=lambda a: datetime.fromisoformat(a["modified"]))["modified"]
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">',
        "<channel>",
        f"<title>{escape(site.name)}</title>",
        "<link>/</link>",
        f"<description>{escape(site.content['site']['tagline'])}</description>",
        f"<language>{LANGUAGE}</language>",
        f"<lastBuildDate>{_rfc822(last_build)}</lastBuildDate>",
        *(_feed_item(site, a) for a in newest),
        "</channel>",
        "</rss>",
        "",
    ]
    return "\n".join(lines)


def _feed_item(site: _Site, article: Article) -> str:
    """One RSS ``<item>``."""
    categories = [site.sections[article["section"]], *article["tags"]]
    return "\n".join(
        [
            "<item>",
            f"<title>{escape(article['title'])}</title>",
            f"<link>{article_path(article)}</link>",
            f"<dc:creator>{escape(site.authors[article['author']])}</dc:creator>",
            f"<pubDate>{_rfc822(article['published'])}</pubDate>",
            *(f"<category>{escape(name)}</category>" for name in categories),
            f'<guid isPermaLink="false">/?p={site.post_ids[article["slug"]]}</guid>',
            f"<description>{escape(article['excerpt'])}</description>",
            "</item>",
        ]
    )


def _sitemap(site: _Site) -> str:
    """XML sitemap of every article, newest first."""
    urls = [
        f"<url><loc>{article_path(a)}</loc><lastmod>{escape(a['modified'])}</lastmod></url>"
        for a in site.articles
    ]
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
            *urls,
            "</urlset>",
            "",
        ]
    )


def _robots() -> str:
    """robots.txt: keep crawlers out of the admin and the staff area."""
    return "User-agent: *\nDisallow: /wp-admin/\nDisallow: /private/\n\nSitemap: /sitemap.xml\n"


if __name__ == "__main__":
    main()
