"""The local sites of `bench/discovery.py`, built in memory from real pages.

Each builder takes the stories (Fundus dev-set pages with their ground truth), the site's
base URL and the "other host" URL, and returns a `Site`: every resource it serves, keyed by
its normalised path and query, and a map from every URL it serves for an article (and the
canonical URL the page itself declares) to that article's id. Builders are deterministic:
randomness comes from `random.Random` seeded with the site's name.
"""

from __future__ import annotations

import gzip
import html
import json
import random
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit

HTML = "text/html; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
XML = "application/xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"

COMMENT_IDS = (11, 12)
SECTIONS = ("world", "politics", "business", "culture")
TAGS = ("elections", "climate", "economy", "health", "europe", "technology", "courts", "sport")
_CANONICAL_RE = re.compile(rb"<link\b[^>]*\brel=[\"']?canonical\b[^>]*>", re.IGNORECASE)
_HREF_RE = re.compile(rb"\bhref=[\"']?([^\"'\s>]+)", re.IGNORECASE)
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


# --- URLs -------------------------------------------------------------------------------


def url_key(url: str, base: str) -> str:
    """The identity of `url` (resolved against `base`) for lookups: path and sorted query,
    percent-encoding made uniform, no fragment; URLs of other hosts keep `//host` first."""
    parts = urlsplit(urljoin(base, url.strip()))
    path = quote(unquote(parts.path or "/"), safe=_PATH_SAFE)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    key = path + ("?" + query if query else "")
    if parts.netloc.lower() == urlsplit(base).netloc.lower():
        return key
    return "//" + parts.netloc.lower() + key


def slugify(text: str, words: int = 8) -> str:
    """An ASCII slug of the first `words` words of `text`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    parts = re.findall(r"[a-z0-9]+", ascii_text.lower())
    return "-".join(parts[:words]) or "story"


def declared_canonical(page: bytes) -> str | None:
    """The `<link rel="canonical">` URL a page declares, if any."""
    tag = _CANONICAL_RE.search(page)
    href = _HREF_RE.search(tag.group(0)) if tag else None
    return html.unescape(href.group(1).decode("utf-8", "replace")) if href else None


# --- Data -------------------------------------------------------------------------------


@dataclass
class Resource:
    """One thing a site serves."""

    body: bytes
    content_type: str = HTML
    status: int = 200
    location: str | None = None  # where a redirect leads


@dataclass
class Story:
    """A dev-set article: its real page and its ground truth."""

    id: str
    url: str
    title: str
    paragraphs: list[str]
    authors: list[str]
    published: datetime
    language: str
    raw: bytes
    number: int = 0
    section: str = "world"
    tags: list[str] = field(default_factory=list)
    slug: str = ""

    @property
    def excerpt(self) -> str:
        """The first 200 characters of the body."""
        first = self.paragraphs[0] if self.paragraphs else ""
        return first[:200].rsplit(" ", 1)[0] + "…" if len(first) > 200 else first


@dataclass
class Site:
    """A site's resources, and which URLs stand for which expected article."""

    name: str
    base: str
    other: str
    resources: dict[str, Resource] = field(default_factory=dict)
    article_urls: dict[str, str] = field(default_factory=dict)  # url key -> article id
    main_urls: dict[str, str] = field(default_factory=dict)  # article id -> absolute URL
    kinds: dict[str, str] = field(default_factory=dict)  # article id -> page type

    def add(self, path: str, body: str | bytes, content_type: str = HTML) -> None:
        """Serve `body` at `path` (path and query)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.resources[url_key(path, self.base)] = Resource(data, content_type)

    def add_article(
        self, story_id: str, path: str, body: str | bytes, kind: str = "article"
    ) -> None:
        """Serve a page of the expected set (an article unless `kind` says otherwise)."""
        self.add(path, body)
        self.alias(story_id, path)
        self.main_urls.setdefault(story_id, urljoin(self.base, path))
        self.kinds[story_id] = kind

    def redirect(self, path: str, target: str, story_id: str | None = None) -> None:
        """Answer `path` with a 301 to `target` (a URL of `story_id`, if given)."""
        self.resources[url_key(path, self.base)] = Resource(
            b"", TEXT, 301, urljoin(self.base, target)
        )
        if story_id:
            self.alias(story_id, path)

    def alias(self, story_id: str, url: str | None) -> None:
        """Count `url` (a variant, or the page's declared canonical) as `story_id`."""
        if url:
            self.article_urls.setdefault(url_key(url, self.base), story_id)

    def taken(self, path: str) -> bool:
        """True if `path` is already served."""
        return url_key(path, self.base) in self.resources

    def lookup(self, request_path: str) -> Resource | None:
        """The resource for a request target, if the site has it."""
        return self.resources.get(url_key(request_path, self.base))

    @property
    def expected(self) -> list[str]:
        """Ids of the pages that are articles and must be archived."""
        return [i for i, kind in self.kinds.items() if kind == "article"]


def load_stories(devset: Path) -> list[Story]:
    """Every dev-set page with its truth, newest first, numbered from 1."""
    truth = json.loads((devset / "truth.json").read_text(encoding="utf-8"))
    stories = [_story(devset, key, record) for key, record in sorted(truth.items())]
    stories.sort(key=lambda s: (s.published, s.id), reverse=True)
    for number, story in enumerate(stories, 1):
        story.number = number
    return stories


def _story(devset: Path, key: str, record: dict) -> Story:
    """One `Story` from a truth record and its page."""
    published = datetime.fromisoformat(record.get("published") or record["crawl_date"])
    if published.tzinfo is None:
        published = published.replace(tzinfo=UTC)
    return Story(
        id=key,
        url=record["url"],
        title=record["title"],
        paragraphs=[line for line in record["body"].split("\n") if line.strip()],
        authors=record.get("authors") or [],
        published=published,
        language=record.get("language") or "en",
        raw=gzip.decompress((devset / "pages" / f"{key}.html.gz").read_bytes()),
    )


def prepare(stories: Sequence[Story], name: str, limit: int) -> list[Story]:
    """A deterministic subset of `limit` stories for site `name` (all when `limit` covers
    them), newest first, with sections, tags and unique slugs assigned."""
    rng = random.Random(name)
    chosen = list(stories) if limit >= len(stories) else rng.sample(list(stories), limit)
    chosen.sort(key=lambda s: (s.published, s.id), reverse=True)
    slugs: set[str] = set()
    prepared = []
    for index, story in enumerate(chosen):
        slug = slugify(story.title)
        while slug in slugs:
            slug += "-2"
        slugs.add(slug)
        tags = rng.sample(TAGS, rng.randint(1, 3))
        prepared.append(
            Story(**{**story.__dict__, "section": SECTIONS[index % 4], "tags": tags, "slug": slug})
        )
    return prepared


# --- Shared markup ----------------------------------------------------------------------


def esc(text: str) -> str:
    """HTML-escaped text."""
    return html.escape(text, quote=True)


def other_host_links(site: Site) -> str:
    """Links every page carries to the other host and to non-HTTP schemes."""
    other = site.other
    alias = other.replace("127.0.0.1", "localhost")
    return (
        f'<a href="{other}partners/">Our partner network</a> · '
        f'<a href="{alias}ads/click?id=7"><img src="{other}ads/banner.gif" alt="Advertisement">'
        f"</a> · "
        '<a href="mailto:newsroom@example.org">Contact the newsroom</a> · '
        '<a href="javascript:window.print()">Print this page</a> · '
        '<a href="tel:+15555550100">Call us</a>'
    )


def teaser(url: str, story: Story, date_format: str = "%Y-%m-%d") -> str:
    """A listing entry: headline link, date and excerpt."""
    return (
        f'<li class="teaser"><h3><a href="{esc(url)}">{esc(story.title)}</a></h3>'
        f'<time datetime="{story.published.isoformat()}">'
        f"{story.published.strftime(date_format)}</time>"
        f"<p>{esc(story.excerpt)}</p></li>"
    )


def chunks(items: Sequence, size: int) -> list[list]:
    """`items` in pages of `size` (at least one page, maybe empty)."""
    return [list(items[i : i + size]) for i in range(0, len(items), size)] or [[]]


def page_nav(url_of: Callable[[int], str], current: int, count: int) -> str:
    """Numbered page links with `rel="prev"`/`rel="next"`."""
    links = []
    if current > 1:
        links.append(f'<a rel="prev" href="{esc(url_of(current - 1))}">« Previous</a>')
    for number in range(1, count + 1):
        if number == current:
            links.append(f'<span class="current">{number}</span>')
        else:
            links.append(f'<a class="page-numbers" href="{esc(url_of(number))}">{number}</a>')
    if current < count:
        links.append(f'<a rel="next" href="{esc(url_of(current + 1))}">Next »</a>')
    return '<nav class="pagination">' + " ".join(links) + "</nav>"


def head_links(url_of: Callable[[int], str], current: int, count: int) -> str:
    """`<link rel="prev">`/`<link rel="next">` for a paginated listing's `<head>`."""
    links = ""
    if current > 1:
        links += f'<link rel="prev" href="{esc(url_of(current - 1))}">'
    if current < count:
        links += f'<link rel="next" href="{esc(url_of(current + 1))}">'
    return links


def rss(site: Site, title: str, entries: Iterable[tuple[str, Story]]) -> str:
    """An RSS 2.0 feed of (URL, story) entries."""
    items = "".join(
        f"<item><title>{esc(s.title)}</title><link>{esc(urljoin(site.base, u))}</link>"
        f"<guid>{esc(urljoin(site.base, u))}</guid>"
        f"<pubDate>{s.published.strftime('%a, %d %b %Y %H:%M:%S +0000')}</pubDate>"
        f"<description>{esc(s.excerpt)}</description></item>"
        for u, s in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{esc(title)}</title><link>{site.base}</link>"
        f"<description>{esc(title)}</description>{items}</channel></rss>"
    )


def atom(site: Site, title: str, entries: Iterable[tuple[str, Story]]) -> str:
    """An Atom feed of (URL, story) entries."""
    items = "".join(
        f'<entry><title>{esc(s.title)}</title><link href="{esc(urljoin(site.base, u))}"/>'
        f"<id>{esc(urljoin(site.base, u))}</id><updated>{s.published.isoformat()}</updated>"
        f"<summary>{esc(s.excerpt)}</summary></entry>"
        for u, s in entries
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f'<title>{esc(title)}</title><link href="{site.base}"/><id>{site.base}</id>'
        f"<updated>2008-05-31T12:00:00Z</updated>{items}</feed>"
    )


def urlset(site: Site, entries: Iterable[tuple[str, datetime | None]]) -> str:
    """A sitemap of (URL, lastmod) entries."""
    urls = "".join(
        f"<url><loc>{esc(urljoin(site.base, u))}</loc>"
        + (f"<lastmod>{when.isoformat()}</lastmod>" if when else "")
        + "</url>"
        for u, when in entries
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
    )


def sitemap_index(site: Site, children: Iterable[str]) -> str:
    """A sitemap index of child sitemap URLs."""
    items = "".join(f"<sitemap><loc>{esc(urljoin(site.base, c))}</loc></sitemap>" for c in children)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{items}</sitemapindex>'
    )


def robots(site: Site, sitemap: str | None) -> str:
    """A robots.txt allowing everything, naming `sitemap` if given."""
    line = f"Sitemap: {urljoin(site.base, sitemap)}\n" if sitemap else ""
    return f"User-agent: *\nDisallow: /search\n{line}"


def add_split_sitemaps(site: Site, urls: Sequence[tuple[str, datetime | None]], index: str) -> None:
    """A sitemap index at `index` with two child sitemaps sharing `urls`, and robots.txt."""
    half = (len(urls) + 1) // 2
    children = ["/sitemaps/articles-1.xml", "/sitemaps/articles-2.xml"]
    site.add(children[0], urlset(site, urls[:half]), XML)
    site.add(children[1], urlset(site, urls[half:]), XML)
    site.add(index, sitemap_index(site, children), XML)
    site.add("/robots.txt", robots(site, index), TEXT)


def modern_page(site: Site, title: str, main: str, head: str = "", sections: bool = True) -> str:
    """A page of the modern news theme: header navigation (to the sections, if the site
    has them), main part, footer."""
    nav = " ".join(f'<a href="/{s}/">{s.title()}</a>' for s in SECTIONS) if sections else ""
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{esc(title)}'
        f" | The Bench Herald</title>{head}</head><body>"
        f'<header class="site-header"><a href="/">The Bench Herald</a><nav>{nav}</nav></header>'
        f'<main id="main">{main}</main>'
        f'<footer class="site-footer"><p>© The Bench Herald. {other_host_links(site)}</p>'
        "</footer></body></html>"
    )


def listing_main(heading: str, teasers: Iterable[str], nav: str = "") -> str:
    """The main part of a listing page."""
    return f'<h1>{esc(heading)}</h1><ul class="teasers">{"".join(teasers)}</ul>{nav}'


def add_paginated(
    site: Site,
    items: Sequence[Story],
    url_of: Callable[[int], str],
    render: Callable[[int, int, list[Story]], str],
    per_page: int,
) -> None:
    """Serve `items` as pages 1..N at `url_of(n)`, each rendered by `render(n, N, items)`."""
    pages = chunks(items, per_page)
    for number, page_items in enumerate(pages, 1):
        site.add(url_of(number), render(number, len(pages), page_items))


def article_paragraphs(story: Story) -> str:
    """The story's body as `<p>` elements."""
    return "".join(f"<p>{esc(p)}</p>" for p in story.paragraphs)


def byline(story: Story) -> str:
    """The story's authors, comma-separated."""
    return ", ".join(story.authors) or "Staff reporter"


def jsonld_news_article(story: Story, url: str) -> str:
    """A `<script type="application/ld+json">` declaring the story a `NewsArticle`."""
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": story.title,
        "datePublished": story.published.isoformat(),
        "author": [{"@type": "Person", "name": a} for a in story.authors],
        "mainEntityOfPage": url,
        "inLanguage": story.language,
    }
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return f'<script type="application/ld+json">{text}</script>'


def modern_article(site: Site, story: Story, url: str, related: str = "", tags: bool = True) -> str:
    """An article of the modern theme with JSON-LD, `og:type` and `<article>`; `tags=False`
    leaves the `<article>` element out."""
    canonical = urljoin(site.base, url)
    head = (
        f'<link rel="canonical" href="{esc(canonical)}">'
        f'<meta property="og:type" content="article">{jsonld_news_article(story, canonical)}'
    )
    wrapper = ("<article>", "</article>") if tags else ('<div class="story">', "</div>")
    main = (
        f"{wrapper[0]}<h1>{esc(story.title)}</h1>"
        f'<p class="byline">By {esc(byline(story))}, '
        f'<time datetime="{story.published.isoformat()}">{story.published:%d %B %Y}</time></p>'
        f'<div class="article-body">{article_paragraphs(story)}</div>{wrapper[1]}{related}'
    )
    return modern_page(site, story.title, main, head)


# --- 1. real-paths ----------------------------------------------------------------------


def build_real_paths(site: Site, stories: Sequence[Story]) -> None:
    """Real pages, bytes unchanged, under their real URL paths; home, four paginated
    sections, an RSS feed of the newest 20 and a sitemap index with two children."""
    paths = {}
    for story in stories:
        path = urlsplit(story.url).path or "/"
        while site.taken(path) or path == "/":
            path = path.rstrip("/") + "-2" + ("/" if path.endswith("/") else "")
        site.add_article(story.id, path, story.raw)
        site.alias(story.id, story.url)
        site.alias(story.id, declared_canonical(story.raw))
        paths[story.id] = path
    _add_sectioned_listings(site, stories, paths, lambda s, n: f"/{s}/page/{n}/")
    feed = [(paths[s.id], s) for s in stories[:20]]
    site.add("/rss.xml", rss(site, "The Bench Herald", feed), RSS)
    add_split_sitemaps(site, [(paths[s.id], s.published) for s in stories], "/sitemap_index.xml")


def _add_sectioned_listings(
    site: Site,
    stories: Sequence[Story],
    paths: dict[str, str],
    page_url: Callable[[str, int], str],
    per_page: int = 12,
    feed: str | None = "/rss.xml",
) -> None:
    """A home page (newest 12) and four paginated section listings of the modern theme;
    page 1 of a section is `/{section}/`, page n is `page_url(section, n)`."""
    feed_head = f'<link rel="alternate" type="application/rss+xml" href="{feed}">' if feed else ""
    home = [teaser(paths[s.id], s) for s in stories[:12]]
    more = " ".join(f'<a href="/{s}/">More {s}</a>' for s in SECTIONS)
    site.add("/", modern_page(site, "Home", listing_main("Latest news", home, more), feed_head))
    for section in SECTIONS:
        members = [s for s in stories if s.section == section]

        def url_of(n: int, section: str = section) -> str:
            return f"/{section}/" if n == 1 else page_url(section, n)

        def render(
            n: int,
            count: int,
            items: list[Story],
            url_of: Callable[[int], str] = url_of,
            section: str = section,
        ) -> str:
            teasers = [teaser(paths[s.id], s) for s in items]
            main = listing_main(section.title(), teasers, page_nav(url_of, n, count))
            return modern_page(site, section.title(), main, head_links(url_of, n, count))

        add_paginated(site, members, url_of, render, per_page)


# --- 2. dated-notags --------------------------------------------------------------------


def build_dated_notags(site: Site, stories: Sequence[Story]) -> None:
    """A WordPress-like blog: `/YYYY/MM/DD/slug/` posts with no JSON-LD, no `og:type`, no
    `<article>`; paginated home, categories, tags, authors and month archives; post
    navigation, comment feeds, `?replytocom=` links, a feed and a sitemap index."""
    paths = {s.id: f"/{s.published:%Y/%m/%d}/{s.slug}/" for s in stories}
    for index, story in enumerate(stories):
        newer = stories[index - 1] if index > 0 else None
        older = stories[index + 1] if index + 1 < len(stories) else None
        page = _wp_post(site, stories, paths, story, newer, older)
        site.add_article(story.id, paths[story.id], page)
        for reply_to in COMMENT_IDS:  # the post again, with the reply form under a comment
            site.add(f"{paths[story.id]}?replytocom={reply_to}", page)
            site.alias(story.id, f"{paths[story.id]}?replytocom={reply_to}")
        site.add(paths[story.id] + "feed/", rss(site, f"Comments on {story.title}", []), RSS)
        site.redirect(f"/?p={story.number}", paths[story.id], story.id)
    site.add("/wp-login.php", _wp_page(site, stories, paths, "Log In", "<form></form>"))
    _wp_archives(site, stories, paths)
    site.add("/feed/", rss(site, "Bench Notes", [(paths[s.id], s) for s in stories[:10]]), RSS)
    site.add("/comments/feed/", rss(site, "Comments for Bench Notes", []), RSS)
    _wp_sitemaps(site, stories, paths)


def _wp_archives(site: Site, stories: Sequence[Story], paths: dict[str, str]) -> None:
    """Home, category, tag, author and month archives, ten posts a page."""
    groups: dict[str, list[Story]] = {"/": list(stories)}
    for story in stories:
        groups.setdefault(f"/category/{story.section}/", []).append(story)
        groups.setdefault(f"/{story.published:%Y/%m}/", []).append(story)
        for tag in story.tags:
            groups.setdefault(f"/tag/{tag}/", []).append(story)
        for author in story.authors or ["Staff reporter"]:
            groups.setdefault(f"/author/{slugify(author)}/", []).append(story)
    for root, members in groups.items():

        def url_of(n: int, root: str = root) -> str:
            return root if n == 1 else f"{root}page/{n}/"

        def render(
            n: int,
            count: int,
            items: list[Story],
            root: str = root,
            url_of: Callable[[int], str] = url_of,
        ) -> str:
            posts = "".join(_wp_excerpt(paths[s.id], s) for s in items)
            nav = page_nav(url_of, n, count)
            title = "Bench Notes" if root == "/" else root.strip("/").replace("/", " · ")
            return _wp_page(site, stories, paths, title, posts + nav, head_links(url_of, n, count))

        add_paginated(site, members, url_of, render, 10)


def _wp_sitemaps(site: Site, stories: Sequence[Story], paths: dict[str, str]) -> None:
    """WordPress' core sitemaps: an index, the posts, and the categories."""
    posts = [(paths[s.id], s.published) for s in stories]
    categories = [(f"/category/{c}/", None) for c in SECTIONS]
    site.add("/wp-sitemap-posts-post-1.xml", urlset(site, posts), XML)
    site.add("/wp-sitemap-taxonomies-category-1.xml", urlset(site, categories), XML)
    children = ["/wp-sitemap-posts-post-1.xml", "/wp-sitemap-taxonomies-category-1.xml"]
    site.add("/wp-sitemap.xml", sitemap_index(site, children), XML)
    site.add("/robots.txt", robots(site, "/wp-sitemap.xml"), TEXT)


def _wp_excerpt(url: str, story: Story) -> str:
    """A post excerpt on an archive page."""
    return (
        f'<div class="post type-post hentry"><h2 class="entry-title"><a href="{url}" '
        f'rel="bookmark">{esc(story.title)}</a></h2><div class="entry-meta">'
        f'{story.published:%B %d, %Y}</div><div class="entry-summary"><p>{esc(story.excerpt)}'
        f' <a class="more-link" href="{url}#more">Continue reading</a></p></div></div>'
    )


def _wp_post(
    site: Site,
    stories: Sequence[Story],
    paths: dict[str, str],
    story: Story,
    newer: Story | None,
    older: Story | None,
) -> str:
    """A WordPress post page without structured data or `<article>`."""
    url = paths[story.id]
    author_links = ", ".join(
        f'<span class="author vcard"><a class="url fn n" href="/author/{slugify(a)}/">'
        f"{esc(a)}</a></span>"
        for a in story.authors or ["Staff reporter"]
    )
    tags = " ".join(f'<a href="/tag/{t}/" rel="tag">{t}</a>' for t in story.tags)
    post_nav = ""
    if older:
        post_nav += f'<a href="{paths[older.id]}" rel="prev">← {esc(older.title)}</a> '
    if newer:
        post_nav += f'<a href="{paths[newer.id]}" rel="next">{esc(newer.title)} →</a>'
    content = (
        f'<div id="post-{story.number}" class="post-{story.number} post type-post status-publish">'
        f'<header class="entry-header"><h1 class="entry-title">{esc(story.title)}</h1>'
        f'<div class="entry-meta">Posted on <time class="entry-date published" '
        f'datetime="{story.published.isoformat()}">{story.published:%B %d, %Y}</time> by '
        f'{author_links} · <a href="{url}#comments">2 Comments</a></div></header>'
        f'<div class="entry-content">{article_paragraphs(story)}</div>'
        f'<footer class="entry-footer">Posted in <a href="/category/{story.section}/" '
        f'rel="category tag">{story.section.title()}</a> Tagged {tags}</footer></div>'
        f'<nav class="navigation post-navigation">{post_nav}</nav>{_wp_comments(url)}'
    )
    head = (
        f'<link rel="alternate" type="application/rss+xml" title="Comments Feed" '
        f'href="{url}feed/"><link rel="canonical" href="{urljoin(site.base, url)}">'
        f'<link rel="shortlink" href="/?p={story.number}">'
    )
    return _wp_page(site, stories, paths, story.title, content, head)


def _wp_comments(url: str) -> str:
    """Two comments with reply links, and the comment form."""
    comments = "".join(
        f'<li class="comment" id="comment-{n}"><p>{text}</p>'
        f'<a class="comment-reply-link" href="{url}?replytocom={n}#respond">Reply</a></li>'
        for n, text in zip(
            COMMENT_IDS, ("Thanks for this write-up.", "I see it differently."), strict=True
        )
    )
    return (
        f'<div id="comments" class="comments-area"><h2>2 thoughts</h2>'
        f'<ol class="comment-list">{comments}</ol><div id="respond"><h3>Leave a Reply</h3>'
        '<form action="/wp-comments-post.php" method="post"><textarea name="comment"></textarea>'
        '<input name="author"><input type="submit" value="Post Comment"></form></div></div>'
    )


def _wp_page(
    site: Site,
    stories: Sequence[Story],
    paths: dict[str, str],
    title: str,
    content: str,
    head: str = "",
) -> str:
    """A page of the WordPress-like theme: menu, content, sidebar, newsletter, footer."""
    menu = " ".join(f'<a href="/category/{c}/">{c.title()}</a>' for c in SECTIONS)
    recent = "".join(f'<li><a href="{paths[s.id]}">{esc(s.title)}</a></li>' for s in stories[:5])
    months = sorted({f"{s.published:%Y/%m}" for s in stories}, reverse=True)[:12]
    archive = "".join(f'<li><a href="/{m}/">{m}</a></li>' for m in months)
    return (
        f'<!DOCTYPE html><html lang="en-US"><head><meta charset="UTF-8"><title>{esc(title)}'
        " – Bench Notes</title>"
        '<link rel="alternate" type="application/rss+xml" title="Bench Notes » Feed" '
        f'href="/feed/">{head}</head><body class="wp-theme">'
        '<div id="page" class="site"><div class="site-branding"><p class="site-title">'
        f'<a href="/" rel="home">Bench Notes</a></p></div><div class="menu">{menu}</div>'
        f'<div id="primary" class="content-area"><main id="main" class="site-main">{content}'
        '</main></div><div id="secondary" class="widget-area" role="complementary">'
        f'<section class="widget"><h2>Recent Posts</h2><ul>{recent}</ul></section>'
        f'<section class="widget"><h2>Archives</h2><ul>{archive}</ul></section></div>'
        '<div class="newsletter"><h2>Subscribe to our newsletter</h2>'
        '<form action="/newsletter/" method="post"><input type="email" name="email">'
        "<button>Subscribe</button></form></div>"
        f'<div class="site-info"><a href="/wp-login.php">Log in</a> · {other_host_links(site)}'
        "</div></div></body></html>"
    )


# --- 3. opaque-ids ----------------------------------------------------------------------


def build_opaque_ids(site: Site, stories: Sequence[Story]) -> None:
    """Real pages under opaque URLs (`/news/a8Kx29QpZ`, `/story/9f3a2c1b7e.html`), behind
    section listings paginated with `?page=N`."""
    rng = random.Random(site.name)
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    paths = {}
    for story in stories:
        if story.number % 2:
            path = "/news/" + "".join(rng.choice(alphabet) for _ in range(9))
        else:
            path = "/story/" + "".join(rng.choice("0123456789abcdef") for _ in range(10)) + ".html"
        site.add_article(story.id, path, story.raw)
        site.alias(story.id, declared_canonical(story.raw))
        paths[story.id] = path
    _add_sectioned_listings(site, stories, paths, lambda s, n: f"/{s}/?page={n}", feed=None)
    site.add("/robots.txt", robots(site, None), TEXT)


# --- 4. listing-words -------------------------------------------------------------------


def build_listing_words(site: Site, stories: Sequence[Story]) -> None:
    """Themed articles declaring `NewsArticle` in JSON-LD, under paths with listing words:
    `/archive/2023/05/slug`, `/page/slug-123`, `/topics/politics/story-123`,
    `/section/world/slug-123.html`; sections, RSS feed, sitemap index."""
    shapes = (
        lambda s: f"/archive/{s.published:%Y/%m}/{s.slug}",
        lambda s: f"/page/{s.slug}-{s.number}",
        lambda s: f"/topics/{s.section}/story-{s.number}",
        lambda s: f"/section/{s.section}/{s.slug}-{s.number}.html",
    )
    paths = {s.id: shapes[s.number % 4](s) for s in stories}
    for story in stories:
        page = modern_article(site, story, paths[story.id], tags=False)
        site.add_article(story.id, paths[story.id], page)
    _add_sectioned_listings(site, stories, paths, lambda s, n: f"/{s}/?page={n}")
    site.add(
        "/rss.xml", rss(site, "The Bench Herald", [(paths[s.id], s) for s in stories[:20]]), RSS
    )
    add_split_sitemaps(site, [(paths[s.id], s.published) for s in stories], "/sitemap.xml")


# --- 5. old-2008 ------------------------------------------------------------------------


def build_old_2008(site: Site, stories: Sequence[Story]) -> None:
    """A 2008 table-layout site: no structured data, `<font>` markup, article URLs in five
    shapes, `?page=` sections, a "Load more" `?offset=` home, an Atom feed, and a
    month-by-month calendar from 2003 to 2013 (stories in 12 of its 120 months)."""
    dated = [_redate(s, index) for index, s in enumerate(stories)]
    paths = {s.id: _old_path(s) for s in dated}
    for story in dated:
        site.add_article(story.id, paths[story.id], _old_article(site, story))
    _old_listings(site, dated, paths)
    _old_calendar(site, dated, paths)
    site.add(
        "/atom.xml", atom(site, "The Daily Courier", [(paths[s.id], s) for s in dated[:15]]), ATOM
    )


def _redate(story: Story, index: int) -> Story:
    """The story moved to the year before June 2008, newest first."""
    when = datetime(2008, 5, 30, 9, 0, tzinfo=UTC) - timedelta(hours=40 * index)
    return Story(**{**story.__dict__, "published": when})


def _old_path(story: Story) -> str:
    """One of five 2000s URL shapes for the story."""
    n, when = story.number, story.published
    sid = format(n * 2654435761 % 65536, "04x")
    shapes = (
        f"/news.php?id={n}",
        f"/stories/{when:%Y/%m/%d}/{n}.html",
        f"/article/{n}/",
        f"/cgi-bin/view?sid={sid}",
        f"/index.php?option=com_content&task=view&id={n}&Itemid=2",
    )
    return shapes[n % 5]


def _old_frame(site: Site, title: str, content: str, head: str = "") -> str:
    """The table layout: banner, left navigation column, content, footer."""
    nav = "<br>".join(
        f'<a href="/section.php?cat={s}"><font color="#003366">{s.title()}</font></a>'
        for s in SECTIONS
    )
    return (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">'
        f"<title>{esc(title)} - The Daily Courier</title>"
        f'<link rel="alternate" type="application/atom+xml" href="/atom.xml">{head}</head>'
        '<body bgcolor="#ffffff" topmargin="0"><center><table width="780" border="0" '
        'cellpadding="4" cellspacing="0"><tr><td colspan="2" bgcolor="#003366">'
        '<a href="/"><font face="Georgia" size="6" color="#ffffff">The Daily Courier</font></a>'
        '</td></tr><tr><td width="150" valign="top" bgcolor="#eeeeee"><font face="Verdana" '
        f'size="1"><b>Sections</b><br>{nav}<br><br><a href="/calendar/2008/05/">Archive calendar'
        '</a><br><a href="mailto:editor@example.org">Write to the editor</a></font></td>'
        f'<td valign="top"><font face="Arial" size="2">{content}</font></td></tr>'
        '<tr><td colspan="2" align="center"><font size="1">© 2008 The Daily Courier. '
        f"{other_host_links(site)}</font></td></tr></table></center></body></html>"
    )


def _old_article(site: Site, story: Story) -> str:
    """A story page of the table layout."""
    paragraphs = "".join(f"<p>{esc(p)}</p>" for p in story.paragraphs)
    content = (
        f'<font face="Georgia" size="5"><b>{esc(story.title)}</b></font><br>'
        f'<font size="1" color="#666666">By {esc(byline(story))} - '
        f"{story.published:%B %d, %Y}</font><br>{paragraphs}"
        '<br><a href="javascript:history.back()">&lt;&lt; Back</a>'
    )
    return _old_frame(site, story.title, content)


def _old_teasers(items: Iterable[Story], paths: dict[str, str]) -> str:
    """Rows of a story table: linked headline, date, excerpt."""
    rows = "".join(
        f'<tr><td><a href="{esc(paths[s.id])}"><b>{esc(s.title)}</b></a> '
        f'<font size="1">({s.published:%m/%d/%Y})</font><br>{esc(s.excerpt)}</td></tr>'
        for s in items
    )
    return f'<table width="100%" cellpadding="3">{rows}</table>'


def _old_listings(site: Site, stories: Sequence[Story], paths: dict[str, str]) -> None:
    """Home with "Load more" (`/?offset=20`, `/?offset=40`, ...) and `?page=` sections."""
    for offset in range(0, len(stories), 20):
        more = ""
        if offset + 20 < len(stories):
            more = f'<p align="center"><a href="/?offset={offset + 20}">Load more stories</a></p>'
        content = _old_teasers(stories[offset : offset + 20], paths) + more
        site.add("/" if offset == 0 else f"/?offset={offset}", _old_frame(site, "Home", content))
    for section in SECTIONS:
        members = [s for s in stories if s.section == section]

        def url_of(n: int, section: str = section) -> str:
            return f"/section.php?cat={section}" + (f"&page={n}" if n > 1 else "")

        def render(
            n: int,
            count: int,
            items: list[Story],
            url_of: Callable[[int], str] = url_of,
            section: str = section,
        ) -> str:
            numbers = " | ".join(
                f'<a href="{esc(url_of(k))}">{k}</a>' if k != n else f"<b>{k}</b>"
                for k in range(1, count + 1)
            )
            content = _old_teasers(items, paths) + f"<p>Page: {numbers}</p>"
            return _old_frame(site, section.title(), content)

        add_paginated(site, members, url_of, render, 15)


def _old_calendar(site: Site, stories: Sequence[Story], paths: dict[str, str]) -> None:
    """`/calendar/YYYY/MM/` for June 2003 to May 2013, each linking the months before and
    after; only the 12 months up to May 2008 have stories."""
    months = [(2003 + (5 + k) // 12, (5 + k) % 12 + 1) for k in range(120)]
    for index, (year, month) in enumerate(months):
        members = [s for s in stories if (s.published.year, s.published.month) == (year, month)]
        links = []
        if index > 0:
            links.append(
                f'<a href="/calendar/{months[index - 1][0]}/{months[index - 1][1]:02}/">'
                "&lt;&lt; Previous month</a>"
            )
        if index + 1 < len(months):
            links.append(
                f'<a href="/calendar/{months[index + 1][0]}/{months[index + 1][1]:02}/">'
                "Next month &gt;&gt;</a>"
            )
        body = _old_teasers(members, paths) if members else "<p>No stories this month.</p>"
        content = f"<b>Archive: {year}-{month:02}</b><br>{body}<p>{' | '.join(links)}</p>"
        site.add(
            f"/calendar/{year}/{month:02}/", _old_frame(site, f"Archive {year}-{month:02}", content)
        )


# --- 6. variants ------------------------------------------------------------------------


def build_variants(site: Site, stories: Sequence[Story]) -> None:
    """Modern articles at `/news/slug`, linked under variants: trailing slash, `?amp=1`,
    `/amp/`, `utm_` parameters, `#comments`, an upper-case scheme; every variant is
    served, AMP pages and the slash variant naming the main URL as canonical."""
    rng = random.Random(site.name)
    paths = {s.id: f"/news/{s.slug}" for s in stories}
    for index, story in enumerate(stories):
        main = paths[story.id]
        neighbours = [stories[(index + k) % len(stories)] for k in (1, 2, 3)]
        related = "".join(
            f'<li><a href="{esc(_variant(site, paths[s.id], rng))}">{esc(s.title)}</a></li>'
            for s in neighbours
        )
        page = modern_article(
            site, story, main, f'<aside class="related"><ul>{related}</ul></aside>'
        )
        page = page.replace("</head>", f'<link rel="amphtml" href="{main}?amp=1"></head>', 1)
        site.add_article(story.id, main, page)
        for variant in _served_variants(main):
            site.add(variant, page if "amp" not in variant else _amp(site, story, main))
            site.alias(story.id, variant)
    link_paths = {s.id: _variant(site, paths[s.id], rng) for s in stories}
    _add_sectioned_listings(site, stories, link_paths, lambda s, n: f"/{s}/?page={n}")
    feed = [(paths[s.id] + "?utm_source=rss&utm_medium=feed", s) for s in stories[:20]]
    site.add("/rss.xml", rss(site, "The Bench Herald", feed), RSS)
    add_split_sitemaps(site, [(paths[s.id], s.published) for s in stories], "/sitemap.xml")


def _served_variants(main: str) -> list[str]:
    """The other URLs that serve the article at `main`."""
    return [
        main + "/",
        main + "?amp=1",
        main + "/amp/",
        main + "?utm_source=home&utm_medium=web",
        main + "?utm_source=newsletter&utm_campaign=daily",
        main + "/?utm_source=twitter",
    ]


def _variant(site: Site, main: str, rng: random.Random) -> str:
    """A link to `main` written in one of its variants (or plainly)."""
    choices = [*_served_variants(main), main, main, main + "#comments", "ABS"]
    choice = rng.choice(choices)
    if choice == "ABS":
        return "HTTP://" + site.base.split("://", 1)[1].rstrip("/") + main
    return choice


def _amp(site: Site, story: Story, main: str) -> str:
    """An AMP version of the story, naming the main URL as canonical."""
    return (
        f'<!doctype html><html amp lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(story.title)}</title>"
        f'<link rel="canonical" href="{esc(urljoin(site.base, main))}">'
        f"{jsonld_news_article(story, urljoin(site.base, main))}</head><body>"
        f"<article><h1>{esc(story.title)}</h1>{article_paragraphs(story)}</article>"
        f"<footer>{other_host_links(site)}</footer></body></html>"
    )


# --- 7. wcxb-types ----------------------------------------------------------------------


@dataclass
class TypedPage:
    """A WCXB page: its file id, real URL, page type, HTML and ground-truth title."""

    id: str
    url: str
    kind: str
    raw: bytes
    title: str = ""


def load_wcxb(wcxb: Path, sample: int) -> list[TypedPage]:
    """The WCXB dev pages (a deterministic sample of about `sample`, every type kept in
    proportion; 0 for all), in a seeded mixed order."""
    by_kind: dict[str, list[Path]] = {}
    for truth_file in sorted((wcxb / "dev" / "ground-truth").glob("*.json")):
        data = json.loads(truth_file.read_text(encoding="utf-8"))
        by_kind.setdefault(_wcxb_type(data), []).append(truth_file)
    total = sum(len(files) for files in by_kind.values())
    rng = random.Random("wcxb-types")
    chosen = []
    for kind in sorted(by_kind):
        files = by_kind[kind]
        keep = len(files) if not sample else max(5, round(len(files) * sample / total))
        chosen += [(kind, f) for f in rng.sample(files, min(keep, len(files)))]
    rng.shuffle(chosen)
    return [_typed_page(wcxb, kind, f) for kind, f in chosen]


def _wcxb_type(data: dict) -> str:
    """The page type, as the benchmark's `get_page_type()` reads it."""
    page_type = (data.get("_internal") or {}).get("page_type", {})
    kind = page_type.get("primary", "article") if isinstance(page_type, dict) else page_type
    kind = kind if isinstance(kind, str) else "article"
    return "collection" if kind == "category" else kind


def _typed_page(wcxb: Path, kind: str, truth_file: Path) -> TypedPage:
    """One WCXB page with its type."""
    data = json.loads(truth_file.read_text(encoding="utf-8"))
    file_id = truth_file.stem
    raw = gzip.decompress((wcxb / "dev" / "html" / f"{file_id}.html.gz").read_bytes())
    url = data.get("url") or f"/page-{file_id}.html"
    title = (data.get("ground_truth") or {}).get("title") or f"Page {file_id}"
    return TypedPage(f"wcxb-{file_id}", url, kind, raw, title)


def build_wcxb_types(site: Site, pages: Sequence[TypedPage], per_page: int = 25) -> None:
    """Every page under its real path and query, behind `/`, `/?page=2`, ... listings."""
    count = len(chunks(pages, per_page))
    reserved = {"/", "/robots.txt", *(f"/?page={n}" for n in range(2, count + 1))}
    paths = {}
    for page in pages:
        parts = urlsplit(page.url)
        path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        number = 2
        original = path
        while site.taken(path) or path in reserved:
            path, number = f"/dup{number}{original}", number + 1
        site.add_article(page.id, path, page.raw, kind=page.kind)
        site.alias(page.id, page.url)
        site.alias(page.id, declared_canonical(page.raw))
        paths[page.id] = path
    for number, items in enumerate(chunks(pages, per_page), 1):

        def url_of(n: int) -> str:
            return "/" if n == 1 else f"/?page={n}"

        links = "".join(f'<li><a href="{esc(paths[p.id])}">{esc(p.title)}</a></li>' for p in items)
        main = f"<h1>Index</h1><ul>{links}</ul>{page_nav(url_of, number, count)}"
        site.add(
            url_of(number),
            modern_page(site, "Index", main, head_links(url_of, number, count), False),
        )
    site.add("/robots.txt", robots(site, None), TEXT)


BUILDERS: dict[str, Callable[[Site, Sequence[Story]], None]] = {
    "real-paths": build_real_paths,
    "dated-notags": build_dated_notags,
    "opaque-ids": build_opaque_ids,
    "listing-words": build_listing_words,
    "old-2008": build_old_2008,
    "variants": build_variants,
}
