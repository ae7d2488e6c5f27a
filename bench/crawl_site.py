"""The local news site of `bench/crawl.py`: a generator and a small fast server.

`build_site` writes a deterministic news site into a folder: a home page, section
listings with pagination (`/world/page/2/` on some sections, `/business/?page=2` on
others), topic and author pages, service pages (about, contact, ...), robots.txt, an RSS
feed, a sitemap index with monthly sitemaps, and N article pages. Article URLs are mostly
dated slugs (`/2024/05/17/some-headline-words/`), some opaque ids (`/world/k3x9q2m7za`)
and some numeric `.html` ids. Each generated article page is a long, realistic page:
header with a mega-menu, breaking-news ticker, sidebars (most read, ads, newsletter box),
the story (6-30 paragraphs of generated English), byline, date, JSON-LD NewsArticle on
most pages, a related-stories box, 5-40 reader comments, a footer full of links, and
inline CSS and JavaScript, 50-150 KB in all.

Given the path of the Fundus dev set (`devset/`, with `pages/<id>.html.gz` and
`truth.json`), every `devset_every`-th article is served as one of those real pages
instead (read from the dev set at build time, never copied into the project), changed
in two ways only: its `<link rel="canonical">` names its URL on the local site (not its
publisher's, nor a relative path the local site does not have), and a page used more
than once gets a short "(copy K)" marker before its story's first two and three longest
paragraphs (wherever they appear: text, JSON-LD, script state), so that each copy is a
story of its own to the archive (which merges pages of the same title and text).

Article pages go to `articles/NNNNNN.html` (all of them, nothing else: the baselines
read that folder), the other resources to `other/`; `routes.json` maps every URL path
(with its sorted query) to its file and content type.

Serve a built site in its own process (so that its threads do not share the GIL of the
benchmark or of the crawl) with

    python bench/crawl_site.py serve SITE_DIR --port PORT

It prints `ready` once listening; `GET /__bench__/stats` answers the number of requests
served by status (not counting itself), `GET /__bench__/paths` the same and the
number of requests of each path, `GET /__bench__/reset` answers as `stats` and then sets
the counts to zero.
"""

from __future__ import annotations

import argparse
import gzip
import html
import json
import random
import re
import shutil
import string
import sys
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

__all__ = [
    "SITE_VERSION",
    "ArticleSpec",
    "BuiltSite",
    "TextMaker",
    "build_site",
    "route_key",
    "serve",
]

HTML = "text/html; charset=utf-8"
XML = "application/xml; charset=utf-8"
RSS = "application/rss+xml; charset=utf-8"
TEXT = "text/plain; charset=utf-8"
STATS_PREFIX = "/__bench__/"
SITE_NAME = "The Meridian Herald"
LATEST_DAY = datetime(2024, 6, 28, 21, 0, tzinfo=UTC)
# Bump when the pages change: a kept site of another version is built again.
SITE_VERSION = 3

# --- Words ------------------------------------------------------------------------------

_W = str.split
NOUNS = _W(
    """budget plan report inquiry election council bridge hospital school district harbour
    railway airport pipeline reservoir factory union strike contract deal tariff subsidy
    reform proposal ruling verdict appeal investigation audit survey study trial vaccine
    outbreak drought flood storm wildfire heatwave harvest market index currency bond loan
    mortgage rent wage pension tax levy fund grant scheme programme project policy strategy
    framework agreement treaty summit ceasefire protest campaign petition referendum
    coalition cabinet ministry agency regulator watchdog committee tribunal court police
    department network platform app chip battery reactor turbine satellite telescope
    museum festival exhibition league season tournament transfer stadium squad coach
    striker midfielder record film album novel theatre gallery library university campus
    laboratory startup merger acquisition shareholder dividend forecast deficit surplus
    inflation recession recovery shortage backlog waiting-list timetable route corridor
    motorway tunnel ferry port terminal warehouse supply-chain border visa asylum census"""
)
PLURALS = _W(
    """residents officials lawmakers ministers investors analysts economists researchers
    scientists doctors nurses teachers students parents farmers fishermen drivers workers
    shoppers commuters voters campaigners volunteers engineers developers regulators
    executives shareholders tenants landlords pensioners fans players athletes critics
    historians prosecutors judges diplomats negotiators contractors inspectors firefighters
    paramedics councillors mayors economists retailers exporters importers growers"""
)
ADJECTIVES = _W(
    """new long-awaited controversial ambitious modest sweeping temporary permanent regional
    national local federal municipal independent official preliminary final revised
    emergency annual quarterly record-breaking unexpected gradual sharp steep slight
    significant widespread limited major minor cautious bold costly cheaper delayed
    overdue fragile robust uncertain volatile stable rising falling ageing crowded remote
    coastal rural urban northern southern eastern western central cross-border bilateral
    multi-year short-term long-term digital public private joint rival"""
)
VERBS_PAST = _W(
    """approved rejected announced unveiled postponed delayed confirmed criticised defended
    launched suspended expanded reduced raised cut doubled halved extended reviewed
    revised challenged backed blocked signed finalised proposed welcomed questioned
    examined funded cancelled reopened closed completed abandoned endorsed published
    disclosed investigated settled appealed overturned upheld secured negotiated
    introduced scrapped restored"""
)
VERBS_BASE = _W(
    """approve reject announce unveil postpone delay confirm review expand reduce raise cut
    extend revise challenge back block sign finalise propose fund cancel reopen close
    complete endorse publish investigate settle appeal secure negotiate introduce restore
    replace rebuild modernise simplify tighten relax"""
)
FIRST_NAMES = _W(
    """Anna Ben Carla Daniel Elena Farid Grace Hugo Ines James Kofi Laura Marcus Nadia
    Oliver Priya Quentin Rosa Samuel Tara Umar Vera William Yusuf Zoe Adrian Beatriz
    Chen Dmitri Esther Felix Gabriela Hassan Ingrid Jonas Keiko Luis Maya Niall Olga
    Pedro Rachel Stefan Tomas Ulla Victor Wanda Xavier Yara"""
)
SURNAMES = _W(
    """Abbott Bennett Castillo Dubois Eriksen Fischer Garcia Hughes Ivanova Jensen Kowalski
    Laurent Murphy Nakamura Okafor Petrova Quinn Rossi Schmidt Thompson Umarov Varga
    Walsh Xu Young Zimmermann Adeyemi Brennan Costa Delgado Ellison Foster Haddad
    Ibrahim Janssen Keller Lindqvist Moreau Novak O'Brien Patel Reyes Sandoval Tanaka
    Vogel Whitaker Yilmaz"""
)
PLACES = _W(
    """Northbridge Ashford Kingsport Millbrook Redhaven Eastwick Lakeside Portmere Hollowfield
    Westbury Stonegate Fairmont Riverton Oakhurst Brightwater Elmstead Cedarfield
    Harrowgate Marlow Dunmore Glenrock Saltmarsh Thornbury Wexley Bramhall Copperton"""
)
ORGS = (
    "the Ministry of Finance",
    "the Department of Transport",
    "the National Statistics Office",
    "the Central Bank",
    "the Federation of Small Businesses",
    "the Teachers' Union",
    "the Regional Health Authority",
    "the Competition and Markets Board",
    "the Environment Agency",
    "the Chamber of Commerce",
    "Harbour Holdings",
    "Northline Rail",
    "Vantage Energy",
    "the Institute for Fiscal Studies",
    "the University of Kingsport",
    "the Civil Liberties Forum",
    "the Port Authority",
    "the Housing Association",
    "the Medical Council",
    "the Farmers' Cooperative",
)
ROLES = (
    "a spokesperson",
    "a senior official",
    "the chief executive",
    "an economist",
    "a professor of public policy",
    "the deputy mayor",
    "a union representative",
    "a local shop owner",
    "the committee chair",
    "a researcher",
    "the finance director",
    "a former minister",
    "a campaign organiser",
    "the head of operations",
)
TIME_PHRASES = (
    "on Monday",
    "on Tuesday",
    "on Wednesday",
    "on Thursday",
    "on Friday",
    "over the weekend",
    "last week",
    "earlier this month",
    "late on Tuesday",
    "after weeks of talks",
    "in a surprise move",
    "for the second time this year",
    "ahead of the summer recess",
    "before the end of the financial year",
    "within hours",
    "after a lengthy review",
)
CONNECTORS = (
    "However,",
    "Meanwhile,",
    "At the same time,",
    "In a statement,",
    "Separately,",
    "By contrast,",
    "Even so,",
    "In recent years,",
    "Since then,",
    "For now,",
    "According to the figures,",
    "Under the proposal,",
)
COMMENT_OPENERS = (
    "Interesting piece.",
    "I live in {place} and",
    "Not convinced by this.",
    "Finally some proper reporting.",
    "Does anyone know whether",
    "This has been a long time coming.",
    "As a {plural_one},",
    "Good article, but",
    "Typical.",
    "The real question is why",
    "My neighbour works at {org} and",
    "I remember when",
)
SECTIONS = (
    "world",
    "politics",
    "business",
    "technology",
    "science",
    "health",
    "culture",
    "sport",
    "opinion",
    "climate",
)
QUERY_PAGINATION = frozenset({"business", "health", "opinion"})  # `?page=N`, others /page/N/
TOPICS_PER_SECTION = 4
SERVICE_PAGES = (
    "about",
    "contact",
    "careers",
    "advertise",
    "privacy",
    "terms",
    "cookies",
    "accessibility",
    "newsletters",
    "podcasts",
    "video",
    "weather",
    "crosswords",
    "corrections",
    "help",
    "masthead",
    "ethics",
    "syndication",
    "events",
    "shop",
    "apps",
    "archive-search",
    "letters",
    "obituaries",
    "jobs",
)
SOCIAL = (
    ("Facebook", "https://www.facebook.com/meridianherald"),
    ("X", "https://x.com/meridianherald"),
    ("Instagram", "https://www.instagram.com/meridianherald"),
    ("YouTube", "https://www.youtube.com/@meridianherald"),
    ("LinkedIn", "https://www.linkedin.com/company/meridianherald"),
)


class TextMaker:
    """Generated English: headlines, sentences, paragraphs and comments, from a small
    grammar filled with random words, so that no two articles share their paragraphs."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def _pick(self, options: Sequence[str]) -> str:
        return options[self.rng.randrange(len(options))]

    def person(self) -> str:
        """A full name."""
        return f"{self._pick(FIRST_NAMES)} {self._pick(SURNAMES)}"

    def _subject(self) -> str:
        r = self.rng.random()
        if r < 0.25:
            return f"the {self._pick(ADJECTIVES)} {self._pick(NOUNS)}"
        if r < 0.45:
            return self._pick(ORGS)
        if r < 0.6:
            return f"{self._pick(PLURALS)} in {self._pick(PLACES)}"
        if r < 0.75:
            return f"{self.person()}, {self._pick(ROLES)} at {self._pick(ORGS)},"
        return f"the {self._pick(NOUNS)} {self._pick(('committee', 'board', 'office', 'team'))}"

    def _object(self) -> str:
        r = self.rng.random()
        noun = self._pick(NOUNS)
        if r < 0.4:
            return f"a {self._pick(ADJECTIVES)} {noun}"
        if r < 0.7:
            return f"the {noun} for {self._pick(PLACES)}"
        amount = self.rng.choice((self.rng.randint(2, 950), round(self.rng.uniform(1, 40), 1)))
        unit = self._pick(("million", "billion", "thousand"))
        return f"a {noun} worth {amount} {unit} {self._pick(('pounds', 'euros', 'dollars'))}"

    def sentence(self) -> str:
        """One sentence of news prose."""
        r = self.rng.random()
        if r < 0.18:
            body = (
                f"{self._subject()} {self._pick(VERBS_PAST)} {self._object()}"
                f" {self._pick(TIME_PHRASES)}"
            )
        elif r < 0.32:
            quote = f"We {self._pick(('will', 'cannot', 'must', 'intend to'))}"
            quote += f" {self._pick(VERBS_BASE)} {self._object()} {self._pick(TIME_PHRASES)}"
            body = f'"{quote}," said {self.person()}, {self._pick(ROLES)}'
        elif r < 0.46:
            n = self.rng.randint(3, 4800)
            body = (
                f"{n} {self._pick(PLURALS)} {self._pick(('were', 'have been', 'could be'))}"
                f" affected in {self._pick(PLACES)}, {self._pick(ORGS)} said"
            )
        elif r < 0.58:
            body = (
                f"{self._pick(CONNECTORS)} {self._subject()} {self._pick(('has', 'had'))}"
                f" {self._pick(VERBS_PAST)} {self._object()}, a move that"
                f" {self._pick(PLURALS)} {self._pick(('welcomed', 'criticised', 'questioned'))}"
            )
        elif r < 0.7:
            body = (
                f"Critics argue that {self._subject()} will"
                f" {self._pick(VERBS_BASE)} {self._object()} while {self._pick(PLURALS)}"
                f" {self._pick(('wait', 'pay more', 'look elsewhere', 'bear the cost'))}"
            )
        elif r < 0.82:
            pct = round(self.rng.uniform(0.2, 38), 1)
            body = (
                f"The {self._pick(NOUNS)} {self._pick(('rose', 'fell', 'grew', 'shrank'))}"
                f" by {pct} per cent in {self._pick(PLACES)}"
                f" {self._pick(('last year', 'in the first quarter', 'since 2019'))}"
            )
        elif r < 0.92:
            body = (
                f"{self._pick(PLURALS).capitalize()} said the {self._pick(ADJECTIVES)}"
                f" {self._pick(NOUNS)} {self._pick(('would', 'might', 'should'))}"
                f" {self._pick(VERBS_BASE)} {self._object()}"
            )
        else:
            body = (
                f"It is the {self._pick(('first', 'second', 'third', 'largest', 'latest'))}"
                f" {self._pick(NOUNS)} of its kind since"
                f" {self.rng.randint(1978, 2023)}, when {self._subject()}"
                f" {self._pick(VERBS_PAST)} {self._object()}"
            )
        body = _AN_RE.sub(r"\1n \2", body.replace(",, ", ", ").replace(",,", ",").strip())
        if not body.endswith(('"', ",")):
            body += "."
        else:
            body = body.rstrip(",") + "."
        return body[0].upper() + body[1:]

    def paragraph(self, low: int = 2, high: int = 6) -> str:
        """A paragraph of `low` to `high` sentences."""
        return " ".join(self.sentence() for _ in range(self.rng.randint(low, high)))

    def headline(self) -> str:
        """A headline of 6 to 12 words."""
        r = self.rng.random()
        place = self._pick(PLACES)
        if r < 0.3:
            text = (
                f"{place} {self._pick(NOUNS)} {self._pick(VERBS_PAST)}"
                f" after {self._pick(ADJECTIVES)} {self._pick(NOUNS)}"
            )
        elif r < 0.55:
            text = (
                f"{self._pick(PLURALS).capitalize()} {self._pick(('warn', 'fear', 'expect'))}"
                f" {self._pick(ADJECTIVES)} {self._pick(NOUNS)} in {place}"
            )
        elif r < 0.62:
            text = f"Why the {self._pick(NOUNS)} in {place} matters for {self._pick(PLURALS)}"
        elif r < 0.72:
            text = (
                f"{self.person()}: {self._pick(('we', 'they', 'no one'))}"
                f" {self._pick(('cannot', 'will not', 'must'))} {self._pick(VERBS_BASE)}"
                f" the {self._pick(NOUNS)}"
            )
        elif r < 0.84:
            text = (
                f"{self.rng.randint(2, 12)} things we learned from the"
                f" {self._pick(ADJECTIVES)} {self._pick(NOUNS)} in {place}"
            )
        else:
            text = (
                f"{self._pick(ORGS).removeprefix('the ')}"
                f" to {self._pick(VERBS_BASE)} {self._pick(ADJECTIVES)} {self._pick(NOUNS)}"
            )
        return text[0].upper() + text[1:]

    def comment(self) -> str:
        """A reader's comment."""
        opener = self._pick(COMMENT_OPENERS).format(
            place=self._pick(PLACES), org=self._pick(ORGS), plural_one=self._pick(ROLES)[2:]
        )
        tail = " ".join(self.sentence() for _ in range(self.rng.randint(1, 3)))
        if opener.endswith(("and", "but", "why", "whether", "when", ",")):
            tail = tail[0].lower() + tail[1:]
        return f"{opener} {tail}"


_AN_RE = re.compile(r"\b([Aa]) ([aeiou])")


def slugify(text: str, words: int = 8) -> str:
    """A lower-case ASCII slug of the first `words` words of `text`."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "-".join(re.findall(r"[a-z0-9]+", ascii_text.lower())[:words]) or "story"


def esc(text: str) -> str:
    """HTML-escaped text (quotes too)."""
    return html.escape(text, quote=True)


# --- The site's shape -------------------------------------------------------------------


@dataclass
class ArticleSpec:
    """One article of the site: where it is, what the listings say of it, and what page
    it is (`source` "generated" or a dev-set id, `copy` the use of that dev-set page)."""

    index: int
    path: str
    section: str
    title: str
    summary: str
    author: str
    published: str  # ISO 8601
    topics: list[str]
    source: str = "generated"
    copy: int = 0
    file: str = ""  # relative to the site folder
    size: int = 0


@dataclass
class BuiltSite:
    """A site written to `root`: its base URL, articles and routes."""

    root: Path
    base_url: str
    articles: list[ArticleSpec]
    routes: dict[str, tuple[str, str]] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)

    @property
    def article_dir(self) -> Path:
        """The folder that holds the article pages and nothing else."""
        return self.root / "articles"

    def article_files(self) -> list[Path]:
        """The article pages' files, in article order."""
        return [self.root / a.file for a in self.articles]

    def save(self) -> None:
        """Write `routes.json` and `manifest.json`."""
        (self.root / "routes.json").write_text(json.dumps(self.routes))
        manifest = {
            "base_url": self.base_url,
            "options": self.options,
            "articles": [asdict(a) for a in self.articles],
        }
        (self.root / "manifest.json").write_text(json.dumps(manifest))

    @classmethod
    def load(cls, root: Path) -> BuiltSite | None:
        """The site saved in `root`, or None if there is none (or it is incomplete)."""
        try:
            manifest = json.loads((root / "manifest.json").read_text())
            routes = json.loads((root / "routes.json").read_text())
        except (OSError, ValueError):
            return None
        articles = [ArticleSpec(**a) for a in manifest["articles"]]
        return cls(
            root=root,
            base_url=manifest["base_url"],
            articles=articles,
            routes={k: (v[0], v[1]) for k, v in routes.items()},
            options=manifest["options"],
        )


def route_key(target: str) -> str:
    """The routing key of a request target or URL: its path (percent-decoded, "/" when
    empty) and its query sorted, no fragment."""
    parts = urlsplit(target)
    path = unquote(parts.path) or "/"
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return path + ("?" + query if query else "")


def _topic_label(topic: str) -> str:
    return topic.split("-", 1)[1].replace("-", " ").title()


def _listing_path(section: str, page: int) -> str:
    if page == 1:
        return f"/{section}/"
    if section in QUERY_PAGINATION:
        return f"/{section}/?page={page}"
    return f"/{section}/page/{page}/"


def _topic_names(section: str, rng: random.Random) -> list[str]:
    words = rng.sample(NOUNS, TOPICS_PER_SECTION)
    return [f"{section}-{w}" for w in words]


def _plan_articles(
    n: int,
    rng: random.Random,
    text: TextMaker,
    topics: dict[str, list[str]],
    given: dict[int, tuple[str, str, str]],
) -> list[ArticleSpec]:
    """The articles, newest first: dates going back from `LATEST_DAY`, 8-25 a day;
    `given` has the title, summary and author of the articles that are real pages."""
    articles: list[ArticleSpec] = []
    seen: set[str] = set()
    day = LATEST_DAY
    left_today = rng.randint(8, 25)
    authors = [text.person() for _ in range(60)]
    for index in range(n):
        if left_today == 0:
            day -= timedelta(days=1)
            left_today = rng.randint(8, 25)
        left_today -= 1
        published = day.replace(hour=rng.randint(5, 22), minute=rng.randint(0, 59))
        section = SECTIONS[rng.randrange(len(SECTIONS))]
        title, summary, author = given.get(index) or (
            text.headline(),
            text.sentence(),
            rng.choice(authors),
        )
        shape = rng.random()
        if shape < 0.8:
            slug = slugify(title)
            path = f"/{published:%Y/%m/%d}/{slug}/"
            while path in seen:
                slug += f"-{rng.randint(2, 99)}"
                path = f"/{published:%Y/%m/%d}/{slug}/"
        elif shape < 0.92:
            alphabet = string.ascii_lowercase + string.digits
            ident = "".join(rng.choice(alphabet) for _ in range(9)) + rng.choice(string.digits)
            path = f"/{section}/{ident}"
        else:
            path = f"/{section}/{slugify(title, 5)}-{rng.randint(1_000_000, 9_999_999)}.html"
        if path in seen:
            path = f"/{section}/story-{index:07d}.html"
        seen.add(path)
        articles.append(
            ArticleSpec(
                index=index,
                path=path,
                section=section,
                title=title,
                summary=summary,
                author=author,
                published=published.isoformat(),
                topics=rng.sample(topics[section], rng.randint(1, 2)),
            )
        )
    return articles


# --- Shared page parts ------------------------------------------------------------------


class Chrome:
    """The parts every HTML page shares: head assets, header, footer; and the inline
    CSS and JavaScript chunks that pages pick from to reach their size."""

    def __init__(self, base: str, rng: random.Random, topics: dict[str, list[str]]) -> None:
        self.base = base
        self.topics = topics
        self.css_chunks = [self._css_chunk(rng, i) for i in range(40)]
        self.js_chunks = [self._js_chunk(rng, i) for i in range(40)]
        self.header = self._header()
        self.footer = self._footer()

    def url(self, path: str) -> str:
        """The absolute URL of a path of the site."""
        return self.base + path.lstrip("/")

    @staticmethod
    def _css_chunk(rng: random.Random, n: int) -> str:
        rules = []
        while sum(len(r) for r in rules) < 3500:
            name = f"{rng.choice(NOUNS)}-{rng.choice(ADJECTIVES)}-{rng.randint(1, 99)}"
            color = f"#{rng.randrange(0xFFFFFF):06x}"
            display = rng.choice(("flex", "block", "grid"))
            rules.append(
                f".c-{name}{{margin:{rng.randint(0, 32)}px {rng.randint(0, 32)}px;"
                f"padding:{rng.randint(0, 24)}px;color:{color};font-size:{rng.randint(11, 28)}px;"
                f"line-height:{rng.uniform(1, 2):.2f};display:{display}}}"
                f"@media (min-width:{rng.choice((600, 768, 1024))}px){{.c-{name}"
                f"{{width:{rng.randint(20, 100)}%}}}}"
            )
        return f"/* bundle {n} */" + "".join(rules)

    @staticmethod
    def _js_chunk(rng: random.Random, n: int) -> str:
        parts = []
        while sum(len(p) for p in parts) < 3500:
            fn = "".join(rng.choice(string.ascii_letters) for _ in range(rng.randint(1, 3)))
            a, b = rng.choice(string.ascii_lowercase), rng.choice(string.ascii_lowercase)
            modulus = rng.randint(1000, 99999)
            parts.append(
                f"function {fn}{n}_{len(parts)}({a},{b}){{var t={rng.randint(0, 9999)};"
                f"if(!{a}||{a}.length<{rng.randint(1, 9)})return {b};"
                f"for(var i=0;i<{a}.length;i++){{t=(t*31+{a}.charCodeAt(i))%{modulus}}}"
                f'return {b}?{b}+"-"+t:"{rng.choice(NOUNS)}"+t}}'
            )
        return ";".join(parts)

    def _header(self) -> str:
        menu = []
        for section in SECTIONS:
            subs = "".join(
                f'<li><a href="{self.url(f"/topics/{t}/")}">{esc(_topic_label(t))}</a></li>'
                for t in self.topics[section]
            )
            menu.append(
                f'<li class="menu-item has-children"><a href="{self.url(f"/{section}/")}">'
                f'{section.title()}</a><ul class="sub-menu">{subs}</ul></li>'
            )
        services = "".join(
            f'<li><a href="{self.url(f"/{p}/")}">{p.replace("-", " ").title()}</a></li>'
            for p in SERVICE_PAGES[:12]
        )
        return (
            '<header class="site-header" id="masthead">'
            '<div class="top-bar"><a class="skip-link" href="#content">Skip to content</a>'
            f'<span class="edition">International edition</span>'
            f'<a href="{self.url("/subscribe/")}" class="btn-subscribe">Subscribe</a>'
            f'<a href="{self.url("/login/")}">Sign in</a></div>'
            f'<div class="brand"><a href="{self.base}" rel="home">{SITE_NAME}</a></div>'
            '<nav class="main-navigation" aria-label="Sections">'
            f'<ul class="menu">{"".join(menu)}</ul></nav>'
            f'<nav class="utility-nav"><ul>{services}</ul></nav>'
            '<form class="search-form" action="/search/" role="search">'
            '<input type="search" name="q" placeholder="Search"><button>Search</button></form>'
            "</header>"
        )

    def _footer(self) -> str:
        columns = []
        for start in range(0, len(SECTIONS), 3):
            links = "".join(
                f'<li><a href="{self.url(f"/{s}/")}">{s.title()}</a></li>'
                + "".join(
                    f'<li><a href="{self.url(f"/topics/{t}/")}">{esc(_topic_label(t))}</a></li>'
                    for t in self.topics[s][:2]
                )
                for s in SECTIONS[start : start + 3]
            )
            columns.append(f'<div class="footer-col"><ul>{links}</ul></div>')
        services = "".join(
            f'<li><a href="{self.url(f"/{p}/")}">{p.replace("-", " ").title()}</a></li>'
            for p in SERVICE_PAGES
        )
        social = "".join(
            f'<li><a href="{href}" rel="noopener">{name}</a></li>' for name, href in SOCIAL
        )
        return (
            '<footer class="site-footer" id="colophon">'
            f'<div class="footer-sections">{"".join(columns)}</div>'
            f'<nav class="footer-nav"><ul>{services}</ul></nav>'
            f'<ul class="social">{social}</ul>'
            f'<p class="copyright">© 2024 {SITE_NAME} Ltd. All rights reserved. Registered in'
            " Kingsport, company no. 04417731. Part of Meridian Media Group.</p>"
            "</footer>"
        )

    def head(self, title: str, extra: str, styles: str) -> str:
        """A `<head>`: `extra` tags (meta, JSON-LD) and an inline stylesheet."""
        return (
            '<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(title)} | {SITE_NAME}</title>{extra}"
            f'<link rel="alternate" type="application/rss+xml" title="{SITE_NAME}"'
            f' href="{self.url("/rss.xml")}">'
            f'<link rel="icon" href="{self.url("/favicon.ico")}">'
            f"<style>{styles}</style>"
            "<script>window.dataLayer=window.dataLayer||[];function gtag(){dataLayer.push"
            "(arguments)}gtag('js',new Date());gtag('config','G-MH2024X');</script>"
            "</head>"
        )

    def scripts(self, rng: random.Random, count: int) -> str:
        """`count` inline script chunks."""
        chosen = rng.sample(self.js_chunks, min(count, len(self.js_chunks)))
        return "".join(f"<script>{chunk}</script>" for chunk in chosen)


def _teaser(chrome: Chrome, article: ArticleSpec, with_summary: bool = True) -> str:
    date = article.published[:10]
    summary = f'<p class="standfirst">{esc(article.summary)}</p>' if with_summary else ""
    return (
        f'<article class="teaser"><h2 class="teaser-title"><a href="{chrome.url(article.path)}">'
        f"{esc(article.title)}</a></h2>{summary}"
        f'<p class="meta"><span class="by">{esc(article.author)}</span> · '
        f'<time datetime="{article.published}">{date}</time></p></article>'
    )


def _most_read(chrome: Chrome, picks: Sequence[ArticleSpec]) -> str:
    items = "".join(f'<li><a href="{chrome.url(a.path)}">{esc(a.title)}</a></li>' for a in picks)
    return f'<section class="widget most-read"><h3>Most read</h3><ol>{items}</ol></section>'


def _ad(rng: random.Random, slot: str) -> str:
    ident = rng.randint(10_000, 99_999)
    return (
        f'<div class="ad ad-{slot}" id="div-gpt-ad-{ident}" data-slot="/2291/herald/{slot}">'
        f'<span class="ad-label">Advertisement</span><script>googletag.cmd.push(function()'
        f"{{googletag.display('div-gpt-ad-{ident}')}});</script></div>"
    )


def _newsletter_box() -> str:
    return (
        '<section class="widget newsletter"><h3>The Morning Briefing</h3>'
        "<p>Sign up to get the day's top stories in your inbox.</p>"
        '<form action="/newsletters/signup" method="post"><input type="email" name="email"'
        ' placeholder="Your email"><button>Sign up</button></form></section>'
    )


# --- Article pages ----------------------------------------------------------------------


def _article_page(
    chrome: Chrome,
    article: ArticleSpec,
    rng: random.Random,
    text: TextMaker,
    others: Sequence[ArticleSpec],
    target_size: int,
) -> str:
    """A generated article page of about `target_size` characters (or more)."""
    published = datetime.fromisoformat(article.published)
    url = chrome.url(article.path)
    paragraphs = [text.paragraph() for _ in range(rng.randint(6, 30))]
    body_parts = []
    for i, para in enumerate(paragraphs):
        body_parts.append(f"<p>{esc(para)}</p>")
        if i == 2:
            body_parts.append(
                f'<figure class="inline-image"><img src="{chrome.url(f"/img/{article.index}.jpg")}"'
                f' alt="" width="800" height="450"><figcaption>{esc(text.sentence())}'
                f" Photograph: {esc(text.person())}</figcaption></figure>"
            )
        if i == 5 and len(paragraphs) > 10:
            body_parts.append(f"<h2>{esc(text.headline())}</h2>")
        if i in (4, 14):
            body_parts.append(_ad(rng, "inarticle"))
        if i == 8 and rng.random() < 0.5:
            body_parts.append(f'<blockquote><p>"{esc(text.sentence())}"</p></blockquote>')
    picks = rng.sample(others, min(len(others), 10))
    related = "".join(
        f'<li><a href="{chrome.url(a.path)}">{esc(a.title)}</a></li>' for a in picks[:5]
    )
    comments = []
    for c in range(rng.randint(5, 40)):
        when = published + timedelta(minutes=rng.randint(5, 3000))
        comments.append(
            f'<li class="comment" id="comment-{article.index * 100 + c}">'
            '<article class="comment-body"><footer class="comment-meta">'
            f'<span class="comment-author">{esc(text.person())}</span> '
            f'<time datetime="{when.isoformat()}">{when:%d %b %Y %H:%M}</time></footer>'
            f'<div class="comment-content"><p>{esc(text.comment())}</p></div>'
            f'<a class="comment-reply-link" href="#comment-{article.index * 100 + c}">Reply</a>'
            "</article></li>"
        )
    modified = published + timedelta(hours=rng.randint(0, 30))
    meta = (
        f'<meta name="description" content="{esc(article.summary)}">'
        f'<link rel="canonical" href="{url}">'
        f'<meta property="og:title" content="{esc(article.title)}">'
        f'<meta property="og:url" content="{url}">'
        f'<meta property="og:site_name" content="{SITE_NAME}">'
    )
    if rng.random() < 0.85:
        meta += '<meta property="og:type" content="article">'
        meta += f'<meta property="article:published_time" content="{article.published}">'
    if rng.random() < 0.8:
        ld = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "datePublished": article.published,
            "dateModified": modified.isoformat(),
            "author": [{"@type": "Person", "name": article.author}],
            "publisher": {"@type": "Organization", "name": SITE_NAME},
            "mainEntityOfPage": url,
            "articleSection": article.section.title(),
            "keywords": [t.split("-", 1)[1] for t in article.topics],
        }
        meta += f'<script type="application/ld+json">{json.dumps(ld)}</script>'
    tags = "".join(
        f'<li><a href="{chrome.url(f"/topics/{t}/")}" rel="tag">{esc(_topic_label(t))}</a></li>'
        for t in article.topics
    )
    ticker = "".join(
        f'<li><a href="{chrome.url(a.path)}">{esc(a.title)}</a></li>' for a in picks[5:8]
    )
    author_slug = slugify(article.author)
    main = (
        f'<div class="ticker"><strong>Breaking</strong><ul>{ticker}</ul></div>'
        '<div class="layout"><main id="content" class="site-main">'
        f'<article class="story {article.section}">'
        '<header class="story-header">'
        f'<nav class="breadcrumbs"><a href="{chrome.base}">Home</a> › '
        f'<a href="{chrome.url(f"/{article.section}/")}">{article.section.title()}</a></nav>'
        f'<h1 class="headline">{esc(article.title)}</h1>'
        f'<p class="standfirst">{esc(article.summary)}</p>'
        f'<p class="byline">By <a href="{chrome.url(f"/author/{author_slug}/")}" rel="author">'
        f"{esc(article.author)}</a>, {article.section.title()} correspondent</p>"
        f'<time class="published" datetime="{article.published}">'
        f"{published:%A %d %B %Y %H.%M} BST</time>"
        '<ul class="share"><li><a href="https://www.facebook.com/sharer/sharer.php?u='
        f'{url}">Share on Facebook</a></li><li><a href="https://x.com/intent/tweet?url='
        f'{url}">Share on X</a></li></ul></header>'
        f'<div class="story-body">{"".join(body_parts)}</div>'
        f'<footer class="story-footer"><ul class="tags">{tags}</ul></footer></article>'
        f'<section class="related"><h2>Related stories</h2><ul>{related}</ul></section>'
        f'<section id="comments" class="comments-area"><h2>{len(comments)} comments</h2>'
        f'<ol class="comment-list">{"".join(comments)}</ol>'
        '<div id="respond"><h3>Leave a comment</h3><form action="/comments/post" method="post">'
        '<textarea name="comment"></textarea><button>Post comment</button></form></div>'
        "</section></main>"
        f'<aside class="sidebar" id="secondary">{_ad(rng, "mpu")}{_most_read(chrome, picks)}'
        f"{_newsletter_box()}{_ad(rng, 'halfpage')}</aside></div>"
    )
    state = {
        "page": {"id": article.index, "section": article.section, "type": "article"},
        "ads": {"slots": [f"slot-{rng.randint(1, 9999)}" for _ in range(rng.randint(4, 12))]},
        "related": [a.index for a in picks],
        "experiments": {f"exp_{rng.randint(1, 300)}": rng.choice("ABC") for _ in range(8)},
    }
    state_js = f"<script>window.__INITIAL_STATE__={json.dumps(state)};</script>"
    styles: list[str] = []
    scripts: list[str] = []
    css = rng.sample(chrome.css_chunks, len(chrome.css_chunks))
    js = rng.sample(chrome.js_chunks, len(chrome.js_chunks))
    page = ""
    while True:
        head = chrome.head(article.title, meta, "".join(styles))
        script_tags = "".join(f"<script>{chunk}</script>" for chunk in scripts)
        page = (
            f'{head}<body class="single single-article">{chrome.header}{main}{chrome.footer}'
            f"{state_js}{script_tags}</body></html>"
        )
        if len(page) >= target_size or not (css or js):
            return page
        if css and (len(styles) <= len(scripts) or not js):
            styles.append(css.pop())
        else:
            scripts.append(js.pop())


# --- Dev-set pages ----------------------------------------------------------------------


def _listed_as(record: dict[str, Any]) -> tuple[str, str, str]:
    """Title, teaser and author of a dev-set page, for listings and its URL's slug."""
    title = str(record.get("title") or "Untitled")
    lead = str(record.get("body") or "").split("\n", 1)[0]
    summary = lead if len(lead) <= 240 else lead[:240].rsplit(" ", 1)[0] + "…"
    authors = record.get("authors") or ["Staff"]
    return title, summary, str(authors[0])


def _devset_records(devset: Path) -> list[tuple[str, dict[str, Any]]]:
    """The dev set's pages (id, truth record) that exist, in id order."""
    truth = json.loads((devset / "truth.json").read_text(encoding="utf-8"))
    records = []
    for page_id in sorted(truth):
        if (devset / "pages" / f"{page_id}.html.gz").exists():
            records.append((page_id, truth[page_id]))
    if not records:
        raise SystemExit(f"no dev-set pages found under {devset} (pages/<id>.html.gz)")
    return records


def _in_tag(page: str, pos: int) -> bool:
    """True if `pos` is inside a tag (its name or attributes) or an HTML comment."""
    if page.rfind("<", 0, pos) > page.rfind(">", 0, pos):
        return True
    return page.rfind("<!--", 0, pos) > page.rfind("-->", 0, pos)


def mark_copy(page: str, body: str, copy: int) -> tuple[str, int]:
    """`page` with "(copy N)" written before every occurrence (in text, scripts and JSON
    alike, not inside tags) of the start of its story's first two and three longest
    paragraphs (from the dev set's `body`), so that whatever part of the story an
    extractor keeps differs from the other copies; and how many places were marked."""
    paragraphs = [line for line in body.split("\n") if len(line.split()) >= 4]
    longest = sorted(paragraphs, key=len, reverse=True)
    places: set[int] = set()
    for line in dict.fromkeys(paragraphs[:2] + longest[:3]):
        words = re.findall(r"\w+", line)[:6]
        if len(words) < 4:
            continue
        pattern = r"\W+(?:<[^>]*>\W*)*".join(re.escape(w) for w in words)
        places.update(m.start() for m in re.finditer(pattern, page) if not _in_tag(page, m.start()))
    for pos in sorted(places, reverse=True):
        page = f"{page[:pos]}(copy {copy}) {page[pos:]}"
    return page, len(places)


_CANONICAL_RE = re.compile(r"<link\b[^>]*\brel=[\"']?canonical\b[^>]*>", re.IGNORECASE)
_HREF_RE = re.compile(r"""\bhref\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]+)""", re.IGNORECASE)


def own_canonical(page: str, url: str) -> str:
    """`page` with its `<link rel="canonical">` pointing at `url`, where the page now is
    (a dev-set page's canonical names its publisher's URL, or a path relative to it that
    the local site does not have); a page without one gets none."""
    return _CANONICAL_RE.sub(lambda m: _HREF_RE.sub(f'href="{url}"', m.group(0), count=1), page)


# --- Listings and the rest --------------------------------------------------------------


def _listing_page(
    chrome: Chrome,
    title: str,
    items: Sequence[ArticleSpec],
    rng: random.Random,
    most_read: Sequence[ArticleSpec],
    pagination: str = "",
    canonical: str = "",
    intro: str = "",
) -> str:
    teasers = "".join(_teaser(chrome, a) for a in items)
    meta = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    meta += '<meta property="og:type" content="website">'
    head = chrome.head(title, meta, "".join(rng.sample(chrome.css_chunks, 3)))
    return (
        f'{head}<body class="archive">{chrome.header}'
        '<div class="layout"><main id="content" class="site-main">'
        f'<h1 class="page-title">{esc(title)}</h1>{intro}'
        f'<div class="teaser-list">{teasers}</div>{pagination}</main>'
        f'<aside class="sidebar">{_ad(rng, "mpu")}{_most_read(chrome, most_read)}'
        f"{_newsletter_box()}</aside></div>{chrome.footer}{chrome.scripts(rng, 2)}</body></html>"
    )


def _pagination(chrome: Chrome, section: str, page: int, pages: int) -> str:
    """Numbered pagination: first, last, two either side, previous and next."""
    if pages <= 1:
        return ""
    numbers = sorted({1, pages, *range(max(1, page - 2), min(pages, page + 2) + 1)})
    links = []
    if page > 1:
        links.append(
            f'<a rel="prev" href="{chrome.url(_listing_path(section, page - 1))}">Previous</a>'
        )
    last = 0
    for n in numbers:
        if n - last > 1:
            links.append('<span class="dots">…</span>')
        if n == page:
            links.append(f'<span class="current" aria-current="page">{n}</span>')
        else:
            links.append(
                f'<a class="page-numbers" href="{chrome.url(_listing_path(section, n))}">{n}</a>'
            )
        last = n
    if page < pages:
        links.append(
            f'<a rel="next" href="{chrome.url(_listing_path(section, page + 1))}">Next</a>'
        )
    return f'<nav class="pagination" aria-label="Pages">{"".join(links)}</nav>'


def _service_page(chrome: Chrome, name: str, rng: random.Random, text: TextMaker) -> str:
    title = name.replace("-", " ").title()
    paras = "".join(f"<p>{esc(text.paragraph(1, 3))}</p>" for _ in range(rng.randint(1, 3)))
    head = chrome.head(title, "", "".join(rng.sample(chrome.css_chunks, 2)))
    return (
        f'{head}<body class="page">{chrome.header}'
        f'<main id="content" class="site-main"><h1>{esc(title)}</h1>{paras}</main>'
        f"{chrome.footer}</body></html>"
    )


def _sitemaps(chrome: Chrome, articles: Sequence[ArticleSpec]) -> dict[str, str]:
    """A sitemap index at /sitemap.xml and one sitemap per month of articles."""
    months: dict[str, list[ArticleSpec]] = {}
    for article in articles:
        months.setdefault(article.published[:7], []).append(article)
    files = {}
    index = []
    for month, items in sorted(months.items(), reverse=True):
        path = f"/sitemaps/articles-{month}.xml"
        entries = "".join(
            f"<url><loc>{chrome.url(a.path)}</loc><lastmod>{a.published}</lastmod></url>"
            for a in items
        )
        files[path] = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</urlset>'
        )
        index.append(
            f"<sitemap><loc>{chrome.url(path)}</loc><lastmod>{items[0].published}</lastmod></sitemap>"
        )
    files["/sitemap.xml"] = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{"".join(index)}'
        "</sitemapindex>"
    )
    return files


def _rss(chrome: Chrome, articles: Sequence[ArticleSpec]) -> str:
    items = "".join(
        f"<item><title>{esc(a.title)}</title><link>{chrome.url(a.path)}</link>"
        f"<description>{esc(a.summary)}</description>"
        f"<pubDate>{datetime.fromisoformat(a.published):%a, %d %b %Y %H:%M:%S +0000}</pubDate>"
        "</item>"
        for a in articles[:50]
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{SITE_NAME}</title><link>{chrome.base}</link>"
        f"<description>Latest stories</description>{items}</channel></rss>"
    )


# --- Building ---------------------------------------------------------------------------


class _Writer:
    """Writes resources under the site folder and records their routes."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.routes: dict[str, tuple[str, str]] = {}
        self.other = 0

    def add(self, path: str, body: str, content_type: str = HTML, file: str = "") -> str:
        if not file:
            self.other += 1
            ext = {HTML: "html", XML: "xml", RSS: "xml", TEXT: "txt"}[content_type]
            file = f"other/{self.other // 1000:03d}/{self.other:06d}.{ext}"
        target = self.root / file
        target.parent.mkdir(parents=True, exist_ok=True)
        data = body.encode("utf-8")
        target.write_bytes(data)
        self.routes[route_key(path)] = (file, content_type)
        return file


def build_site(
    root: Path,
    base_url: str,
    articles: int,
    seed: int = 2024,
    devset: Path | None = None,
    devset_every: int = 4,
    per_page: int = 24,
    sitemap: bool = True,
    progress: bool = False,
) -> BuiltSite:
    """Write the site into `root` (emptied first) for serving at `base_url`, and return
    it. Deterministic for given arguments."""
    if root.exists():
        shutil.rmtree(root)
    (root / "articles").mkdir(parents=True)
    base_url = base_url.rstrip("/") + "/"
    rng = random.Random(seed)
    text = TextMaker(rng)
    topics = {s: _topic_names(s, rng) for s in SECTIONS}
    chrome = Chrome(base_url, random.Random(seed + 1), topics)
    records = _devset_records(devset) if devset else []
    order = list(range(len(records)))
    random.Random(seed + 2).shuffle(order)
    real: dict[int, tuple[str, dict[str, Any]]] = {}
    if records:
        for index in range(devset_every - 1, articles, devset_every):
            real[index] = records[order[(index // devset_every) % len(records)]]
    given = {index: _listed_as(record) for index, (_, record) in real.items()}
    specs = _plan_articles(articles, rng, text, topics, given)
    writer = _Writer(root)

    uses: Counter[str] = Counter()
    unmarked = 0
    for spec in specs:
        page_rng = random.Random(f"{seed}-{spec.index}")
        spec.file = f"articles/{spec.index:06d}.html"
        if spec.index in real and devset is not None:
            page_id, record = real[spec.index]
            raw = gzip.decompress((devset / "pages" / f"{page_id}.html.gz").read_bytes())
            page = raw.decode("utf-8", "replace")
            copy = uses[page_id]
            uses[page_id] += 1
            page = own_canonical(page, chrome.url(spec.path))
            if copy:
                page, marked = mark_copy(page, str(record.get("body") or ""), copy)
                unmarked += not marked
            spec.source, spec.copy = page_id, copy
        else:
            lo = max(0, spec.index - 40)
            others = specs[lo : spec.index] + specs[spec.index + 1 : spec.index + 40]
            target = page_rng.randint(50_000, 146_000)
            page = _article_page(chrome, spec, page_rng, text, others, target)
        writer.add(spec.path, page, HTML, spec.file)
        spec.size = len(page.encode("utf-8"))
        if progress and (spec.index + 1) % 1000 == 0:
            print(f"  generated {spec.index + 1}/{len(specs)} articles", file=sys.stderr)

    listing_rng = random.Random(seed + 3)
    most_read = specs[:: max(1, len(specs) // 10)][:10]
    # Home page: the latest stories, then the latest few of each section.
    blocks = []
    for section in SECTIONS:
        latest = [a for a in specs[:400] if a.section == section][:4]
        items = "".join(_teaser(chrome, a, with_summary=False) for a in latest)
        blocks.append(
            f'<section class="section-block"><h2><a href="{chrome.url(f"/{section}/")}">'
            f"{section.title()}</a></h2>{items}</section>"
        )
    home = _listing_page(
        chrome,
        f"{SITE_NAME}: news, sport and opinion",
        specs[:30],
        listing_rng,
        most_read,
        canonical=base_url,
        intro="",
    ).replace("</main>", "".join(blocks) + "</main>", 1)
    writer.add("/", home)
    for section in SECTIONS:
        items = [a for a in specs if a.section == section]
        pages = max(1, -(-len(items) // per_page))
        for page in range(1, pages + 1):
            chunk = items[(page - 1) * per_page : page * per_page]
            path = _listing_path(section, page)
            title = section.title() + (f" – page {page}" if page > 1 else "")
            writer.add(
                path,
                _listing_page(
                    chrome,
                    title,
                    chunk,
                    listing_rng,
                    most_read,
                    pagination=_pagination(chrome, section, page, pages),
                    canonical=chrome.url(path),
                ),
            )
    for section in SECTIONS:
        for topic in topics[section]:
            items = [a for a in specs if topic in a.topics][:20]
            label = _topic_label(topic)
            writer.add(
                f"/topics/{topic}/",
                _listing_page(chrome, label, items, listing_rng, most_read),
            )
    for author in sorted({a.author for a in specs}):
        items = [a for a in specs if a.author == author][:20]
        writer.add(
            f"/author/{slugify(author)}/",
            _listing_page(chrome, author, items, listing_rng, most_read),
        )
    for name in (*SERVICE_PAGES, "subscribe", "login"):
        writer.add(f"/{name}/", _service_page(chrome, name, listing_rng, text))
    robots = "User-agent: *\nDisallow: /search/\nDisallow: /comments/\n"
    if sitemap:
        for path, body in _sitemaps(chrome, specs).items():
            writer.add(path, body, XML)
        robots += f"\nSitemap: {chrome.url('/sitemap.xml')}\n"
    writer.add("/robots.txt", robots, TEXT)
    writer.add("/rss.xml", _rss(chrome, specs), RSS)

    site = BuiltSite(root=root, base_url=base_url, articles=specs, routes=writer.routes)
    site.options = {
        "version": SITE_VERSION,
        "articles": articles,
        "seed": seed,
        "devset": str(devset) if devset else None,
        "devset_every": devset_every,
        "per_page": per_page,
        "sitemap": sitemap,
        "devset_pages_used": len(uses),
        "devset_copies_unmarked": unmarked,
    }
    site.save()
    return site


# --- Serving ----------------------------------------------------------------------------


class _Handler(BaseHTTPRequestHandler):
    """Answers GET and HEAD from the routes table, HTTP/1.1 with keep-alive."""

    protocol_version = "HTTP/1.1"
    server: SiteServer

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        server = self.server
        if self.path.startswith(STATS_PREFIX):
            command = self.path[len(STATS_PREFIX) :]
            with server.lock:
                stats: dict[str, object] = {
                    "requests": sum(server.statuses.values()),
                    "statuses": dict(server.statuses),
                }
                if command == "paths":
                    stats["paths"] = dict(server.paths)
                if command == "reset":
                    server.statuses.clear()
                    server.paths.clear()
            self._send(200, "application/json", json.dumps(stats).encode(), send_body, False)
            return
        key = route_key(self.path)
        with server.lock:
            server.paths[key] += 1
        route = server.routes.get(key)
        if route is None:
            self._send(
                404, HTML, b"<!DOCTYPE html><title>Not found</title><h1>Not found</h1>", send_body
            )
            return
        try:
            data = (server.root / route[0]).read_bytes()
        except OSError:
            self._send(500, TEXT, b"cannot read the file", send_body)
            return
        self._send(200, route[1], data, send_body)

    def _send(
        self, status: int, content_type: str, body: bytes, send_body: bool, count: bool = True
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)
        if count:
            with self.server.lock:
                self.server.statuses[str(status)] = self.server.statuses.get(str(status), 0) + 1

    def log_message(self, format: str, *args: object) -> None:
        """No log line per request."""


class SiteServer(ThreadingHTTPServer):
    """A threading server with a deep accept queue (Scrapy's bursts overflow the default
    of 5) that serves a built site's routes."""

    request_queue_size = 256
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, root: Path, host: str, port: int) -> None:
        self.root = root
        raw = json.loads((root / "routes.json").read_text())
        self.routes: dict[str, tuple[str, str]] = {k: (v[0], v[1]) for k, v in raw.items()}
        self.statuses: dict[str, int] = {}
        self.paths: Counter[str] = Counter()  # requests by route key
        self.lock = threading.Lock()
        super().__init__((host, port), _Handler)


def serve(root: Path, host: str = "127.0.0.1", port: int = 0) -> None:
    """Serve the site built in `root` until killed; print `ready PORT` once listening."""
    server = SiteServer(root, host, port)
    print(f"ready {server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: Sequence[str] | None = None) -> None:
    """`serve SITE_DIR [--host H] [--port P]`, or `build SITE_DIR --base-url URL ...`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve_cmd = commands.add_parser("serve", help="serve a built site")
    serve_cmd.add_argument("root", type=Path)
    serve_cmd.add_argument("--host", default="127.0.0.1")
    serve_cmd.add_argument("--port", type=int, default=0)
    build_cmd = commands.add_parser("build", help="build a site (for looking at it)")
    build_cmd.add_argument("root", type=Path)
    build_cmd.add_argument("--base-url", default="http://127.0.0.1:8000/")
    build_cmd.add_argument("--articles", type=int, default=200)
    build_cmd.add_argument("--devset", type=Path)
    build_cmd.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    if args.command == "serve":
        serve(args.root, args.host, args.port)
    else:
        site = build_site(args.root, args.base_url, args.articles, args.seed, args.devset)
        print(f"{len(site.articles)} articles, {len(site.routes)} routes in {site.root}")


if __name__ == "__main__":
    main()
