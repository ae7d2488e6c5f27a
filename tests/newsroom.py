"""A generated news site that changes: for tests and benchmarks of incremental crawling.

`Newsroom` writes a small news site into a folder (served by `newsarchive.demo.server`):
a home page, paginated section listings with numbered pagination, article pages with
JSON-LD, an RSS feed, a sitemap (or a sitemap index) and robots.txt. Articles can then be
edited, deleted and added between crawls, and every page can be turned into a cookie
consent wall. Each article file's modification time is the article's `dateModified`, so
the server answers conditional requests (If-Modified-Since) with 304 like a real site.

The site can also be reduced to one way in: no listing links (only a feed, or only a
sitemap), to test each discovery path alone.
"""

from __future__ import annotations

import html
import json
import os
import random
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

__all__ = ["Newsroom", "NewsroomArticle", "generate_articles"]

_TOPICS = """
harbour council budget river bridge school hospital market port ferry festival election
transport housing water energy climate science research university museum library police
court union workers farmers fishing tourism weather storm coast island village city region
minister mayor residents report plan project funding survey data study season record growth
prices rents jobs trade exports
"""
_WORDS = tuple(_TOPICS.split())

WALL_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Before you continue</title></head>
<body><div class="consent"><h1>We value your privacy</h1>
<p>We and our partners use cookies to store and access information on your device.</p>
<button>Accept all cookies</button> <button>Manage settings</button></div></body></html>
"""


@dataclass
class NewsroomArticle:
    """One article of the generated site."""

    slug: str
    title: str
    section: str
    author: str
    published: datetime
    paragraphs: list[str]
    modified: datetime | None = None
    tags: list[str] = field(default_factory=list)

    @property
    def path(self) -> str:
        """The article's URL path: `/YYYY/MM/DD/slug/`."""
        return f"/{self.published:%Y/%m/%d}/{self.slug}/"

    @property
    def last_change(self) -> datetime:
        """When the article last changed (its modification, else its publication)."""
        return self.modified or self.published


def generate_articles(
    count: int,
    sections: tuple[str, ...] = ("news", "business", "science", "sport"),
    newest: datetime | None = None,
    seed: int = 7,
    paragraphs: int = 8,
) -> list[NewsroomArticle]:
    """`count` articles with made-up but article-shaped text, newest first, one every
    three hours back from `newest`."""
    rng = random.Random(seed)
    newest = newest or datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
    articles = []
    for number in range(count):
        words = rng.sample(_WORDS, 4)
        title = f"{words[0].capitalize()} {words[1]} {words[2]} {words[3]} report {number}"
        body = [_sentence_paragraph(rng, number, i) for i in range(paragraphs)]
        articles.append(
            NewsroomArticle(
                slug=f"{'-'.join(words)}-{number}",
                title=title,
                section=sections[number % len(sections)],
                author=f"Reporter {number % 7 + 1}",
                published=newest - timedelta(hours=3 * number),
                paragraphs=body,
                tags=[words[0], words[1]],
            )
        )
    return articles


def _sentence_paragraph(rng: random.Random, number: int, index: int) -> str:
    sentences = []
    for _ in range(4):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(9, 16))]
        sentences.append(" ".join(words).capitalize() + ".")
    return f"({number}.{index}) " + " ".join(sentences)


class Newsroom:
    """A news site written into `directory`, to be served at `base_url`."""

    def __init__(
        self,
        directory: Path,
        base_url: str,
        articles: list[NewsroomArticle],
        per_page: int = 10,
        listings: bool = True,
        feed: bool = True,
        sitemap: bool = True,
        sitemap_index_size: int = 0,
        feed_size: int | None = 50,
    ) -> None:
        self.directory = directory
        self.base_url = base_url.rstrip("/")
        self.articles = {article.slug: article for article in articles}
        self.per_page = per_page
        self.listings = listings
        self.feed = feed
        self.sitemap = sitemap
        self.sitemap_index_size = sitemap_index_size  # 0: one sitemap; else per-file size
        self.feed_size = feed_size  # the feed lists this many latest articles (None: all)

    # Changing the site -------------------------------------------------------------

    def write(self) -> None:
        """(Re)write the whole site from the current articles."""
        if self.directory.exists():
            shutil.rmtree(self.directory)
        self.directory.mkdir(parents=True)
        for article in self.articles.values():
            self._write_article(article)
        self._write_listings()
        self._write_discovery()

    def edit(self, slug: str, paragraph: str, when: datetime) -> None:
        """Append a paragraph to an article, modified at `when`, and rewrite the site."""
        article = self.articles[slug]
        article.paragraphs.append(paragraph)
        article.modified = when
        self.write()

    def delete(self, slug: str) -> None:
        """Take an article off the site (its URL answers 404 from now on)."""
        del self.articles[slug]
        self.write()

    def add(self, articles: list[NewsroomArticle]) -> None:
        """Publish new articles."""
        for article in articles:
            self.articles[article.slug] = article
        self.write()

    def wall(self) -> None:
        """Turn every HTML page into a cookie-consent wall (feeds and sitemaps stay)."""
        for page in self.directory.rglob("index.html"):
            page.write_text(WALL_HTML, encoding="utf-8")

    # Pages ---------------------------------------------------------------------------

    def newest_first(self) -> list[NewsroomArticle]:
        """The articles, most recently published first."""
        return sorted(self.articles.values(), key=lambda a: a.published, reverse=True)

    def sections(self) -> list[str]:
        """The site's sections, in alphabetical order."""
        return sorted({article.section for article in self.articles.values()})

    def _write_article(self, article: NewsroomArticle) -> None:
        url = self.base_url + article.path
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": article.published.isoformat(),
            "dateModified": article.last_change.isoformat(),
            "author": [{"@type": "Person", "name": article.author}],
            "articleSection": article.section.capitalize(),
            "keywords": article.tags,
            "mainEntityOfPage": url,
        }
        body = "\n".join(f"<p>{html.escape(p)}</p>" for p in article.paragraphs)
        page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(article.title)}</title>
<link rel="canonical" href="{url}"><meta property="og:type" content="article">
<script type="application/ld+json">{json.dumps(data)}</script></head>
<body><header><a href="/">Newsroom</a></header>
<main><article><h1>{html.escape(article.title)}</h1>
<p class="byline">By {html.escape(article.author)}</p>
<div class="entry-content">
{body}
</div></article></main>
<footer><p>Newsroom, a generated site.</p></footer></body></html>
"""
        path = self._write(article.path + "index.html", page)
        stamp = article.last_change.timestamp()
        os.utime(path, (stamp, stamp))

    def _write_listings(self) -> None:
        articles = self.newest_first()
        nav = " ".join(f'<a href="/section/{s}/">{s.capitalize()}</a>' for s in self.sections())
        latest = articles[: self.per_page] if self.listings else []
        self._write("/index.html", self._listing_page("Newsroom", nav, latest, None))
        if not self.listings:
            return
        for section in self.sections():
            in_section = [a for a in articles if a.section == section]
            pages = [
                in_section[i : i + self.per_page] for i in range(0, len(in_section), self.per_page)
            ]
            for number, chunk in enumerate(pages, start=1):
                path = f"/section/{section}/" + (f"page/{number}/" if number > 1 else "")
                pagination = _pagination(f"/section/{section}/", number, len(pages))
                page = self._listing_page(section.capitalize(), nav, chunk, pagination)
                self._write(path + "index.html", page)

    def _listing_page(
        self, title: str, nav: str, articles: list[NewsroomArticle], pagination: str | None
    ) -> str:
        items = "\n".join(
            f'<li><h2><a href="{a.path}">{html.escape(a.title)}</a></h2>'
            f"<p>{html.escape(a.paragraphs[0][:120])}</p></li>"
            for a in articles
        )
        feed = (
            '<link rel="alternate" type="application/rss+xml" href="/feed.xml">'
            if self.feed
            else ""
        )
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | Newsroom</title>{feed}</head>
<body><header><nav>{nav if self.listings else ""}</nav></header>
<main><h1>{title}</h1><ul>
{items}
</ul>{pagination or ""}</main></body></html>
"""

    def _write_discovery(self) -> None:
        robots = "User-agent: *\nAllow: /\n"
        if self.sitemap:
            robots += f"Sitemap: {self.base_url}/sitemap.xml\n"
            self._write_sitemaps()
        self._write("/robots.txt", robots)
        if self.feed:
            self._write("/feed.xml", self._rss(self.newest_first()[: self.feed_size]))

    def _write_sitemaps(self) -> None:
        articles = self.newest_first()
        if not self.sitemap_index_size:
            self._write("/sitemap.xml", _urlset(self.base_url, articles))
            return
        size = self.sitemap_index_size
        chunks = [articles[i : i + size] for i in range(0, len(articles), size)]
        entries = []
        for number, chunk in enumerate(chunks, start=1):
            self._write(f"/sitemap-{number}.xml", _urlset(self.base_url, chunk))
            lastmod = max(a.last_change for a in chunk).isoformat()
            entries.append(
                f"<sitemap><loc>{self.base_url}/sitemap-{number}.xml</loc>"
                f"<lastmod>{lastmod}</lastmod></sitemap>"
            )
        self._write(
            "/sitemap.xml",
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(entries)
            + "\n</sitemapindex>\n",
        )

    def _rss(self, articles: list[NewsroomArticle]) -> str:
        items = "\n".join(
            f"<item><title>{html.escape(a.title)}</title>"
            f"<link>{self.base_url}{a.path}</link>"
            f"<pubDate>{a.last_change:%a, %d %b %Y %H:%M:%S +0000}</pubDate></item>"
            for a in articles
        )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
            f"<title>Newsroom</title><link>{self.base_url}/</link>\n{items}\n</channel></rss>\n"
        )

    def _write(self, path: str, text: str) -> Path:
        target = self.directory / path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target


def _pagination(base: str, number: int, total: int) -> str:
    """Numbered pagination with rel="next" / rel="prev", as WordPress themes have it."""
    links = []
    if number > 1:
        previous = base if number == 2 else f"{base}page/{number - 1}/"
        links.append(f'<a rel="prev" href="{previous}">Newer posts</a>')
    for other in range(1, total + 1):
        href = base if other == 1 else f"{base}page/{other}/"
        links.append(f'<a href="{href}">{other}</a>' if other != number else f"<b>{other}</b>")
    if number < total:
        links.append(f'<a rel="next" href="{base}page/{number + 1}/">Older posts</a>')
    return f'<nav class="pagination">{" ".join(links)}</nav>'


def _urlset(base_url: str, articles: list[NewsroomArticle]) -> str:
    urls = "\n".join(
        f"<url><loc>{base_url}{a.path}</loc><lastmod>{a.last_change.isoformat()}</lastmod></url>"
        for a in articles
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{urls}\n</urlset>\n"
    )
