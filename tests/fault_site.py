"""A hostile news site for crawl tests: normal articles next to every way a web server
and its pages go wrong.

`FaultSite` holds the site's pages, built in memory, and answers each request path
(`reply`); `serve_fault_site` serves it on 127.0.0.1 with the threading `SiteServer` of
the demo site (a deep accept queue, daemon threads, a log of requested paths). Its home
page links to every case; `/news/` is a section whose page also links to absurd page
numbers and to endless query-string variants of itself; robots.txt disallows
`/private/` and names a sitemap index (five child sitemaps) and a gzip bomb of a
sitemap; the home page announces a feed that is a gzip bomb too.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

from site_builder import CHINESE_STORY, JAPANESE_STORY, STORIES, ModernSite, Story

from newsarchive.demo.server import SiteRequestHandler, SiteServer, serve_site

__all__ = [
    "ARTICLES",
    "BOMB_BYTES",
    "ERRORS",
    "FRENCH_STORIES",
    "NEVER_REQUESTED",
    "FaultSite",
    "Reply",
    "serve_fault_site",
]

HTML = "text/html; charset=utf-8"
BOMB_BYTES = 1 << 30  # what each gzip bomb unpacks to: 1 GiB
SLOW_SECONDS = 5.0  # the slow page's pause: more than the tests' DOWNLOAD_TIMEOUT
LARGE_BYTES = 3 * 1024 * 1024  # the oversized pages: more than the tests' DOWNLOAD_MAXSIZE

FRENCH_STORIES = (
    Story(
        "Après la tempête, le port de Saint-Malo rouvre ses quais",
        "Hélène Marchand",
        (
            "Après trois jours de fermeture, le port de Saint-Malo a rouvert ses quais lundi"
            " matin. Les dégâts sont estimés à près de 2 millions d’euros, soit 2 000 000 €,"
            " selon la chambre de commerce, qui a salué le travail des équipes de nuit.",
            "Les pêcheurs ont retrouvé leurs bateaux intacts, à l’exception de deux chalutiers"
            " dont les amarres avaient cédé. « Nous avons eu de la chance », a déclaré le"
            " capitaine Loïc Guérin, qui a passé la nuit à surveiller la jetée.",
            "La mairie prévoit de renforcer la digue l’été prochain. Les travaux, qui dureront"
            " huit mois, seront financés en grande partie par la région et par l’État, a précisé"
            " l’adjoint chargé du littoral lors d’une réunion publique.",
        ),
    ),
    Story(
        "Le festival d’été attire un public record à Angoulême",
        "Cécile Bérard",
        (
            "Le festival d’été d’Angoulême a accueilli plus de quarante mille spectateurs en"
            " quatre jours, un record depuis sa création. Après une édition annulée faute de"
            " moyens, les organisateurs se réjouissent d’un succès qu’ils n’osaient espérer.",
            "Sur la scène principale, l’orchestre régional a joué une œuvre inédite composée"
            " pour l’occasion. Le billet d’entrée coûtait 12 €, et les moins de douze ans"
            " entraient gratuitement, ce qui a attiré de très nombreuses familles.",
            "La préfecture a salué une organisation exemplaire. Aucun incident majeur n’a été"
            " signalé, même lors du feu d’artifice de clôture, qui a réuni près de dix mille"
            " personnes sur les bords de la Charente samedi soir.",
        ),
    ),
    Story(
        "À Lyon, le marché couvert ferme ses portes après cent ans",
        "François Lefèvre",
        (
            "Le marché couvert de la Croix-Rousse fermera définitivement à la fin du mois, après"
            " un siècle d’activité. Les commerçants, qui payaient jusqu’à 900 € de loyer par"
            " mois, dénoncent une hausse qu’ils jugent insupportable pour leur métier.",
            "« C’est un crève-cœur », confie Mme Géraldine Pérot, fromagère depuis trente ans."
            " Elle espère s’installer dans une rue voisine, mais les locaux disponibles sont"
            " rares et coûtent cher, même pour une boutique de quelques mètres carrés.",
            "La ville promet un nouveau lieu dès l’année prochaine. Le projet, présenté en"
            " conseil municipal, prévoit une halle rénovée et des étals moins chers réservés aux"
            " producteurs locaux, a indiqué l’élu chargé du commerce.",
        ),
    ),
)


def numbered_story(number: int) -> Story:
    """A short story of its own, for pages the tests need many of."""
    return Story(
        f"Harbour notice number {number} announces new ferry timetable",
        "Ruth Okafor",
        tuple(
            f"The harbour office published notice {number} on Monday, part {part}, saying"
            f" that crossings to the island will run every {number + part} minutes from the"
            " start of next month, after complaints from commuters about crowded boats."
            for part in range(1, 4)
        ),
    )


@dataclass(frozen=True)
class Reply:
    """How the server answers a path: status, headers and body, after `delay` seconds;
    the first `fail_first` requests get `fail_status` (with `Retry-After: 1`) instead.
    A `stream`ed body is sent without a `Content-Length`."""

    body: bytes = b""
    status: int = 200
    headers: tuple[tuple[str, str], ...] = (("Content-Type", HTML),)
    delay: float = 0.0
    fail_first: int = 0
    fail_status: int = 503
    stream: bool = False


def page(text: str, content_type: str = HTML, encoding: str = "utf-8") -> Reply:
    """A page served as is."""
    return Reply(text.encode(encoding), headers=(("Content-Type", content_type),))


def typed(body: bytes, content_type: str) -> Reply:
    """`body` served as `content_type`."""
    return Reply(body, headers=(("Content-Type", content_type),))


def gzipped(content_type: str) -> tuple[tuple[str, str], ...]:
    """The headers of a gzip-encoded (`Content-Encoding`) body of `content_type`."""
    return (("Content-Type", content_type), ("Content-Encoding", "gzip"))


def redirect(location: str, status: int = 302) -> Reply:
    """A redirect to `location`."""
    return Reply(status=status, headers=(("Location", location), ("Content-Length", "0")))


@cache
def gzip_bomb(prefix: bytes = b"") -> bytes:
    """A gzip file of about 1 MB that unpacks to `prefix` and then zeros, `BOMB_BYTES`
    in all (gzip members one after another: one member of zeros, repeated)."""
    member = gzip.compress(b"\0" * (16 << 20), compresslevel=9, mtime=0)
    head = gzip.compress(prefix, mtime=0) if prefix else b""
    return head + member * (BOMB_BYTES // (16 << 20))


# Pages by path, and what the crawl must make of them. -----------------------------------

SITE = ModernSite("Harbour Herald", (("Home", "/"), ("News", "/news/")))

A1, A2, A3 = (
    "/2024/05/01/riverside-bridge-closure/",
    "/2024/05/02/robotics-team-finals/",
    "/2024/05/03/rail-yard-park/",
)
RETRIED_500 = "/2024/05/06/frost-hits-orchards/"
RETRIED_503 = "/2024/05/07/library-hours-extended/"
ALWAYS_503 = "/2024/05/08/overloaded-server-story/"
MISSING = "/2024/05/04/missing-story/"
GONE = "/2024/05/05/withdrawn-story/"
SLOW = "/2024/05/09/slow-server-story/"
CHAIN_START = "/2024/05/10/chain-start-story/"
CHAIN_END = "/2024/05/10/hospital-emergency-wing/"
LOOP_A, LOOP_B = "/2024/05/11/loop-story-a/", "/2024/05/11/loop-story-b/"
PDF, IMAGE, JSON_DOC = (
    "/2024/05/12/annual-report-story/",
    "/2024/05/12/harbour-photo-story/",
    "/2024/05/12/story-data-feed/",
)
HUGE, ENDLESS = "/2024/05/13/huge-page-story/", "/2024/05/13/endless-page-story/"
BOMB_PAGE = "/2024/05/14/gzip-bomb-story/"
MALFORMED = "/2024/05/15/lakeshore-clean-up/"
CP1252_META = "/2024/05/16/port-rouvre-apres-tempete/"
CP1252_HEADER = "/2024/05/16/festival-ete-record/"
CP1252_NONE = "/2024/05/16/marche-couvert-ferme/"
SHIFT_JIS_META = "/2024/05/16/sakura-kaika/"
UTF8_NONE = "/2024/05/16/intercity-rail-line/"
EMPTY = "/2024/05/17/empty-page-story/"
BROKEN_JSONLD = "/2024/05/18/night-buses-routes/"
PRIVATE = "/private/2024/05/19/insider-story/"
NEWS_ARTICLES = ("/2024/05/20/harbour-notice-1/", "/2024/05/20/harbour-notice-2/")
SITEMAP_ARTICLES = tuple(f"/2024/05/21/harbour-notice-{n}/" for n in range(3, 8))
ABSURD_PAGE = "/news/page/99999999999999999999/"
ABSURD_QUERY_PAGE = "/news/?page=" + "9" * 5000
FEED_BOMB = "/feed.xml"
SITEMAP_BOMB = "/sitemap-bomb.xml.gz"
FACETS = tuple(f"sort={s}&topic={t}" for s in "abcdefgh" for t in "abcdefgh")  # 64

# Articles archived, by path: (the story, a phrase its text must hold).
ARTICLES: dict[str, tuple[Story, str]] = {
    A1: (STORIES[0], "Harlan Street bridge"),
    A2: (STORIES[1], "national robotics championship"),
    A3: (STORIES[2], "Carver Street rail yard"),
    RETRIED_500: (STORIES[3], "Lindqvist family orchard"),
    RETRIED_503: (STORIES[4], "central library on Market Square"),
    CHAIN_END: (STORIES[5], "St Anne's Hospital"),
    MALFORMED: (STORIES[6], "Lake Marren"),
    BROKEN_JSONLD: (STORIES[7], "Valley Transit"),
    CP1252_META: (FRENCH_STORIES[0], "Après trois jours de fermeture"),
    CP1252_HEADER: (FRENCH_STORIES[1], "Après une édition annulée"),
    CP1252_NONE: (FRENCH_STORIES[2], "après un siècle d’activité"),
    SHIFT_JIS_META: (JAPANESE_STORY, "標本木で桜の開花を確認した"),
    UTF8_NONE: (CHINESE_STORY, "连接两座城市的城际铁路新线"),
    **{
        path: (numbered_story(n), f"notice {n} on Monday")
        for n, path in enumerate(NEWS_ARTICLES + SITEMAP_ARTICLES, start=1)
    },
}

# What could not be archived: path -> (kind, status).
ERRORS: dict[str, tuple[str, int | None]] = {
    MISSING: ("http", 404),
    GONE: ("http", 410),
    ALWAYS_503: ("http", 503),
    SLOW: ("timeout", None),
    LOOP_A: ("redirect", 302),
    PDF: ("not_html", 200),
    IMAGE: ("not_html", 200),
    JSON_DOC: ("not_html", 200),
    HUGE: ("too_large", None),
    ENDLESS: ("too_large", None),
    BOMB_PAGE: ("too_large", None),
    EMPTY: ("empty", 200),
    ABSURD_PAGE: ("http", 404),
    FEED_BOMB: ("too_large", None),
    SITEMAP_BOMB: ("too_large", 200),
}

NEVER_REQUESTED = (PRIVATE,)


HOME_LINKS = (
    *(A1, A2, A3, RETRIED_500, RETRIED_503, ALWAYS_503, MISSING, GONE, SLOW),
    *(CHAIN_START, LOOP_A, PDF, IMAGE, JSON_DOC, HUGE, ENDLESS, BOMB_PAGE, MALFORMED),
    *(CP1252_META, CP1252_HEADER, CP1252_NONE, SHIFT_JIS_META, UTF8_NONE, EMPTY),
    *(BROKEN_JSONLD, PRIVATE),
)


def _home() -> str:
    """The home page: a teaser for each of `HOME_LINKS`, links that are no valid URLs,
    the calendar, and the feed (a gzip bomb) in its head."""
    items = [(path, numbered_story(100 + n)) for n, path in enumerate(HOME_LINKS)]
    hostile = (
        '<p><a href="http://[::1/broken">A broken link</a> '
        '<a href="http://127.0.0.1:99999/x">A port out of range</a> '
        '<a href="/calendar/?month=2024-05">Calendar</a></p>'
    )
    feed = f'<link rel="alternate" type="application/rss+xml" href="{FEED_BOMB}">'
    text = SITE.listing("Latest news", items, extra_main=hostile)
    return text.replace("</head>", feed + "\n</head>", 1)


def _news() -> str:
    """The news section, and every query string of it: two stories, a link to a page
    number the section does not have and one of 5,000 digits, 64 facet links."""
    items = [(path, ARTICLES[path][0]) for path in NEWS_ARTICLES]
    links = [f'<a href="/news/?{facet}">{facet[5]}/{facet[-1]}</a>' for facet in FACETS]
    more = (
        f'<p><a href="{ABSURD_PAGE}">Last page</a> '
        f'<a href="{html.escape(ABSURD_QUERY_PAGE)}">Very last page</a></p>'
        f'<div class="filters">{" ".join(links)}</div>'
    )
    return SITE.listing("News", items, extra_main=more)


def _calendar(month: str) -> str:
    """A month of the calendar: the same stories again, and the months around it, for
    ever (any `YYYY-MM` is a page)."""
    year, number = (int(part) for part in month.split("-"))
    before = f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}"
    after = f"{year + (number == 12)}-{number % 12 + 1:02d}"
    items = [(path, ARTICLES[path][0]) for path in (A1, A2, A3)]
    nav = (
        f'<p><a href="/calendar/?month={before}">Previous month</a> '
        f'<a href="/calendar/?month={after}">Next month</a></p>'
    )
    return SITE.listing(f"Stories of {month}", items, extra_main=nav)


def _encoded(path: str, declaration: str, encoding: str, header: str, lang: str) -> Reply:
    """An article page in `encoding`, declared by `declaration` (a `<meta>`, or nothing)
    and the `Content-Type` `header`."""
    text = SITE.article(ARTICLES[path][0], lang=lang)
    text = text.replace('<meta charset="utf-8">', declaration, 1)
    return Reply(text.encode(encoding), headers=(("Content-Type", header),))


def _malformed() -> Reply:
    """A story in broken markup: unclosed and stray tags, a NUL byte, control
    characters, an unterminated comment."""
    text = SITE.article(ARTICLES[MALFORMED][0]).replace("</p>", "")
    text = text.replace('<div class="story-body">', '<div class="story-body"><b><i>\x00\x07', 1)
    text = text.replace("</article>", "</span></div></div></td></article>", 1)
    return page(text.replace("</body>", "<!-- unterminated comment </body>", 1))


def _broken_jsonld() -> Reply:
    """A story whose JSON-LD blocks are broken: `null` types, invalid JSON, arrays of
    strings, arrays nested 5,000 deep, an article object whose fields have the wrong
    types."""
    blocks = [
        '{"@context": "https://schema.org", "@type": null, "headline": null}',
        '{"@type": "NewsArticle", "headline": "Unfinished",,}',
        '["NewsArticle", "Person"]',
        "[" * 5000 + "]" * 5000,  # nested deeper than Python's recursion limit
        json.dumps(
            {
                "@type": ["NewsArticle", None, 5],
                "headline": ["not", "a", "string"],
                "author": [None, {"@id": ["x"]}, {"@id": {"a": 1}}, 7],
                "datePublished": 20240518,
                "@graph": None,
            }
        ),
    ]
    scripts = "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)
    text = SITE.article(ARTICLES[BROKEN_JSONLD][0])
    return page(text.replace("<head>", "<head>" + scripts, 1))


def _sitemap(urls: list[str], index: bool = False) -> str:
    """A sitemap (or sitemap index) of `urls`."""
    tag, item = ("sitemapindex", "sitemap") if index else ("urlset", "url")
    entries = "".join(f"<{item}><loc>{url}</loc></{item}>" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<{tag} xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{entries}</{tag}>'
    )


def _replies() -> dict[str, Reply]:
    """Every fixed path of the site and its reply."""
    articles = {path: page(SITE.article(story)) for path, (story, _) in ARTICLES.items()}
    sitemap_urls = [f"/sitemaps/part-{n}.xml" for n in range(1, len(SITEMAP_ARTICLES) + 1)]
    sitemap_index = _sitemap(["http://{host}" + url for url in sitemap_urls], index=True)
    large = b"<html><body>" + b"<p>x</p>" * (LARGE_BYTES // 8) + b"</body></html>"
    return {
        **articles,
        "/": page(_home()),
        "/news/": page(_news()),
        "/robots.txt": page(
            "User-agent: *\nDisallow: /private/\n"
            f"Sitemap: /sitemap_index.xml\nSitemap: {SITEMAP_BOMB}\n",
            "text/plain",
        ),
        "/sitemap_index.xml": page(sitemap_index, "application/xml"),
        **{
            url: page(_sitemap(["http://{host}" + path]), "application/xml")
            for url, path in zip(sitemap_urls, SITEMAP_ARTICLES, strict=True)
        },
        SITEMAP_BOMB: Reply(
            gzip_bomb(b'<?xml version="1.0"?><urlset>'),
            headers=(("Content-Type", "application/gzip"),),
        ),
        FEED_BOMB: Reply(gzip_bomb(), headers=gzipped("application/rss+xml")),
        BOMB_PAGE: Reply(gzip_bomb(), headers=gzipped(HTML)),
        GONE: Reply(b"<html><body>Gone</body></html>", status=410),
        RETRIED_500: Reply(articles[RETRIED_500].body, fail_first=1, fail_status=500),
        RETRIED_503: Reply(articles[RETRIED_503].body, fail_first=1),
        ALWAYS_503: Reply(b"<html><body>Busy</body></html>", status=503),
        SLOW: Reply(b"<html><body>Too late</body></html>", delay=SLOW_SECONDS),
        CHAIN_START: redirect("/r/2", 301),
        "/r/2": redirect("/r/3", 302),
        "/r/3": redirect(CHAIN_END, 307),
        LOOP_A: redirect(LOOP_B),
        LOOP_B: redirect(LOOP_A),
        PDF: typed(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "application/pdf"),
        IMAGE: typed(b"\xff\xd8\xff\xe0\x00\x10JFIF" + bytes(200), "image/jpeg"),
        JSON_DOC: typed(json.dumps({"text": STORIES[0].paragraphs}).encode(), "application/json"),
        HUGE: Reply(large),
        ENDLESS: Reply(large, stream=True),
        MALFORMED: _malformed(),
        BROKEN_JSONLD: _broken_jsonld(),
        CP1252_META: _encoded(
            CP1252_META, '<meta charset="windows-1252">', "cp1252", "text/html", "fr"
        ),
        CP1252_HEADER: _encoded(
            CP1252_HEADER, "", "cp1252", "text/html; charset=windows-1252", "fr"
        ),
        CP1252_NONE: _encoded(CP1252_NONE, "", "cp1252", "text/html", "fr"),
        SHIFT_JIS_META: _encoded(
            SHIFT_JIS_META,
            '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">',
            "shift_jis",
            "text/html",
            "ja",
        ),
        UTF8_NONE: _encoded(UTF8_NONE, "", "utf-8", "text/html", "zh"),
        EMPTY: Reply(b""),
    }


@dataclass
class FaultSite:
    """The site's replies, and how often each path was asked for (to fail the first
    requests of a path)."""

    replies: dict[str, Reply] = field(default_factory=_replies)
    attempts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def reply(self, path: str, host: str) -> Reply | None:
        """The reply to a request for `path` (None: 404); `host` fills in sitemaps."""
        with self.lock:
            self.attempts[path] += 1
            attempt = self.attempts[path]
        reply = self.replies.get(path) or self._dynamic(path)
        if reply is None:
            return None
        if attempt <= reply.fail_first:
            return Reply(
                b"<html><body>Try again</body></html>",
                status=reply.fail_status,
                headers=(("Content-Type", HTML), ("Retry-After", "1")),
            )
        if b"{host}" in reply.body[:100_000]:
            return Reply(reply.body.replace(b"{host}", host.encode()), headers=reply.headers)
        return reply

    def _dynamic(self, path: str) -> Reply | None:
        """The pages no table could hold: every month of the calendar, every query
        string of the news section (but page numbers, which it does not have)."""
        parts = urlsplit(path)
        query = parse_qs(parts.query)
        if parts.path == "/calendar/" and "month" in query:
            with contextlib.suppress(ValueError):
                return page(_calendar(query["month"][0]))
            return None
        if parts.path == "/news/" and parts.query and "page" not in query:
            return page(_news())
        return None


class FaultHandler(SiteRequestHandler):
    """Answers every request from its class's `site` (a `FaultSite`)."""

    site: ClassVar[FaultSite]

    def send_head(self):  # type: ignore[no-untyped-def]
        """Answer from the site; an unknown path is a 404."""
        reply = self.site.reply(self.path, self.headers.get("Host", ""))
        if reply is None:
            self.send_error(404)
            return None
        time.sleep(reply.delay)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if not reply.stream:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        return BytesIO(reply.body)

    def handle(self) -> None:
        """Serve the connection; a client that gave up (a timeout, a size limit) is no
        error."""
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            super().handle()


@contextlib.contextmanager
def serve_fault_site(site: FaultSite | None = None) -> Iterator[SiteServer]:
    """Serve a `FaultSite` on a free 127.0.0.1 port for the `with` block."""
    handler = type("Faults", (FaultHandler,), {"site": site or FaultSite()})
    with serve_site(Path(__file__).parent, handler_class=handler) as server:
        yield server
