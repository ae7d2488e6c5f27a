"""URL shapes: what a site's article and listing URLs look like, learned while crawling.

A URL's shape (its *template*) keeps the fixed words of its path and replaces the parts
that vary from page to page by their kind: `{year}`, `{month}`, `{day}`, `{num}` (a
numeric id), `{id}` (an id of letters and digits, or hex), `{slug}` (words joined by
hyphens or underscores), `{text}` (another single word that varies), with the file
extension kept and the query's parameter names (sorted) kept with their values' kinds::

    https://example.com/2024/05/17/storm-hits-coast/  ->  /{year}/{month}/{day}/{slug}/
    https://example.com/news/a8Kx29QpZ                ->  /news/{id}
    https://example.com/news.php?id=123               ->  /news.php?id={num}

As pages are classified, a `ShapeBook` counts per template how many turned out to be
articles, listings or other pages. Its verdict on a template seen often enough becomes a
prior for pages of that shape (known article shapes are fetched first; a shape that has
only ever been "other" pages is not fetched again). The book is kept per site in the
archive's `url_shapes` table, so later runs start from what earlier ones learned. No
peer does this: news-please, newspaper4k and Fundus rely on fixed URL rules or
per-publisher code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qsl, urlsplit

__all__ = ["ShapeBook", "ShapeCounts", "coarse_template", "url_template"]

_YEAR_RE = re.compile(r"(19|20)\d{2}")
_NUM_RE = re.compile(r"\d+")
_HEX_RE = re.compile(r"[0-9a-f]{8,}", re.IGNORECASE)
_MIXED_ID_RE = re.compile(r"(?=.*\d)(?=.*[a-z])[a-z0-9]{5,}", re.IGNORECASE)
_SLUG_RE = re.compile(r"[^\W_]+([-_][^\W_]+){2,}")
_NUMBERED_SLUG_RE = re.compile(r"([^\W_]+[-_])+\d{3,}")  # story-123, politics-2024-0517
_EXTENSION_RE = re.compile(r"\.(html?|php|aspx?|jsp|cms|shtml|cgi)$", re.IGNORECASE)

# Kinds of page the book counts.
ARTICLE = "article"
LISTING = "listing"
OTHER = "other"


@lru_cache(maxsize=65536)
def url_template(url: str) -> str:
    """The shape of `url`: its path and query with the varying parts named by kind
    (cached: a crawl asks it several times for each link it weighs)."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    shaped = []
    after_year = 0  # how many segments since a {year}: month and day follow it
    for segment in segments:
        kind = _segment_kind(segment, after_year)
        after_year = 1 if kind == "{year}" else after_year + 1 if after_year else 0
        shaped.append(kind)
    template = "/".join(shaped) or "/"
    query = sorted({name.lower() for name, _ in parse_qsl(parts.query, keep_blank_values=True)})
    if query:
        values = dict(parse_qsl(parts.query, keep_blank_values=True))
        template += "?" + "&".join(f"{name}={_value_kind(values.get(name, ''))}" for name in query)
    return template


def coarse_template(template: str) -> str:
    """`template` with its last fixed word also made variable (`/careers/jobs.html` ->
    `/careers/{text}.html`): one-off pages under a common folder share this shape."""
    path, sep, query = template.partition("?")
    segments = path.split("/")
    for index in range(len(segments) - 1, -1, -1):
        word, dot, extension = segments[index].partition(".")
        if word and not word.startswith("{"):
            segments[index] = "{text}" + dot + extension
            break
        if word:
            break
    return "/".join(segments) + sep + query


def _segment_kind(segment: str, after_year: int) -> str:
    """The kind of one path segment (a fixed word is kept, lower-cased)."""
    if not segment:
        return ""
    extension = ""
    match = _EXTENSION_RE.search(segment)
    if match:
        extension = match.group(0).lower()
        segment = segment[: match.start()]
    kind = _word_kind(segment, after_year)
    return kind + extension


def _word_kind(word: str, after_year: int) -> str:
    if not word:
        return ""
    if _YEAR_RE.fullmatch(word):
        return "{year}"
    if _NUM_RE.fullmatch(word):
        if after_year == 1 and len(word) <= 2 and 1 <= int(word) <= 12:
            return "{month}"
        if after_year == 2 and len(word) <= 2 and 1 <= int(word) <= 31:
            return "{day}"
        return "{num}"
    if _SLUG_RE.fullmatch(word):
        return "{slug}"
    if _NUMBERED_SLUG_RE.fullmatch(word) or _HEX_RE.fullmatch(word):
        return "{id}"
    if _MIXED_ID_RE.fullmatch(word):
        return "{id}"
    return word.lower()


def _value_kind(value: str) -> str:
    """The kind of a query parameter's value."""
    if _NUM_RE.fullmatch(value):
        return "{num}"
    return "{id}" if value else ""


@dataclass
class ShapeCounts:
    """How many pages of one URL template turned out to be articles, listings or other."""

    articles: int = 0
    listings: int = 0
    others: int = 0

    @property
    def total(self) -> int:
        """Pages of this shape classified so far."""
        return self.articles + self.listings + self.others


class ShapeBook:
    """A site's URL templates and what their pages turned out to be.

    `min_pages` pages of a template must be seen before the book has an opinion on it,
    and `dead_pages` pages that were neither articles nor listings before it calls the
    shape not worth fetching.
    """

    def __init__(self, min_pages: int = 3, dead_pages: int = 5) -> None:
        self.min_pages = min_pages
        self.dead_pages = dead_pages
        self.counts: dict[str, ShapeCounts] = {}
        self.changed: set[str] = set()  # templates observed since loading
        self.loaded: dict[str, tuple[int, int, int]] = {}  # the counts as loaded

    def load(self, rows: Iterable[tuple[str, int, int, int]]) -> None:
        """Add `(template, articles, listings, others)` rows, as the archive keeps them."""
        for template, articles, listings, others in rows:
            self.counts[template] = ShapeCounts(articles, listings, others)
            self.loaded[template] = (articles, listings, others)

    def observe(self, url: str, kind: str) -> str:
        """Count a page at `url` classified as `kind` ("article", "listing" or "other");
        return its template."""
        template = url_template(url)
        for shape in dict.fromkeys((template, coarse_template(template))):
            counts = self.counts.setdefault(shape, ShapeCounts())
            if kind == ARTICLE:
                counts.articles += 1
            elif kind == LISTING:
                counts.listings += 1
            else:
                counts.others += 1
            self.changed.add(shape)
        return template

    def _known(self, url: str) -> ShapeCounts | None:
        """The counts of the URL's exact template, else of its coarse one, once seen
        `min_pages` times."""
        template = url_template(url)
        for shape in (template, coarse_template(template)):
            counts = self.counts.get(shape)
            if counts is not None and counts.total >= self.min_pages:
                return counts
        return None

    def prior(self, url: str) -> float:
        """A nudge for classifying a page at `url`: the log-odds (smoothed, capped at ±2)
        that a page of its shape is an article; 0 for a shape seen too rarely."""
        counts = self._known(url)
        if counts is None:
            return 0.0
        odds = (counts.articles + 0.5) / (counts.listings + counts.others + 0.5)
        return max(-2.0, min(2.0, math.log(odds)))

    def is_article_shape(self, url: str) -> bool:
        """True when pages of this shape have been articles (nearly) every time."""
        counts = self._known(url)
        return counts is not None and counts.articles >= 0.9 * counts.total

    def is_dead_shape(self, url: str) -> bool:
        """True when pages of this shape have never been articles nor listings: not worth
        fetching (navigation pages, 404s, service pages)."""
        counts = self._known(url)
        return (
            counts is not None
            and counts.total >= self.dead_pages
            and counts.articles == 0
            and counts.listings == 0
        )

    def rows(self, only_changed: bool = False) -> list[tuple[str, int, int, int]]:
        """`(template, articles, listings, others)` for every template (or only those
        observed since loading)."""
        templates = sorted(self.changed if only_changed else self.counts)
        return [
            (t, self.counts[t].articles, self.counts[t].listings, self.counts[t].others)
            for t in templates
        ]

    def observed(self) -> list[tuple[str, int, int, int]]:
        """`(template, articles, listings, others)` counted since loading, for every
        template observed: what this crawl adds to the stored counts (a distributed
        crawl's workers each add theirs, none replacing another's)."""
        rows = []
        for template, articles, listings, others in self.rows(only_changed=True):
            before = self.loaded.get(template, (0, 0, 0))
            rows.append((template, articles - before[0], listings - before[1], others - before[2]))
        return rows
