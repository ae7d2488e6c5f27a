"""Datasette plugin of newsarchive: how archived articles are shown.

Loaded by `newsarchive serve` with `--plugins-dir`. It only changes how values are displayed
(never writes): the `text` column of `articles` shows as a short snippet in tables and
its `authors` and `tags` JSON lists as names separated by commas, the
`snippet` column of the search query shows its matches highlighted, and the article page
template gets filters to show authors, tags and paragraphs. Every archived string is
escaped; only the markers the search query itself puts around matches become HTML.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

from datasette import hookimpl
from markupsafe import Markup, escape

SNIPPET_CHARS = 200
MATCH_START, MATCH_END = "\x02", "\x03"  # what `snippet(..., char(2), char(3), ...)` inserts


def text_snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of an article's text on one line, cut at a word and marked with "…"."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut + " …"


def highlight_matches(snippet: str) -> Markup:
    """An FTS snippet as HTML: the text escaped, its matches in <mark>."""
    html = str(escape(snippet))
    return Markup(html.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>"))


def json_list(value: Any) -> list[str]:
    """The strings of a JSON list column (authors, tags); [] for anything else."""
    try:
        items = json.loads(value) if isinstance(value, str) else []
    except ValueError:
        return []
    return [str(item) for item in items if item] if isinstance(items, list) else []


def paragraphs(text: Any) -> list[str]:
    """An article's paragraphs (its text is paragraphs separated by blank lines)."""
    if not isinstance(text, str):
        return []
    return [p.strip() for p in text.split("\n\n") if p.strip()]


def http_url(value: Any) -> str:
    """`value` if it is an http(s) URL, else "" (a `javascript:` URL is never a link)."""
    if isinstance(value, str) and urlsplit(value.strip()).scheme.lower() in ("http", "https"):
        return value.strip()
    return ""


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    """Filters for the article page template."""
    env.filters["json_list"] = json_list
    env.filters["paragraphs"] = paragraphs
    env.filters["http_url"] = http_url


@hookimpl
def render_cell(value: Any, column: str, table: str | None) -> Any:
    """Article text as a snippet in tables, authors and tags as plain lists; highlighted
    matches in search snippets."""
    if table == "articles" and column == "text" and isinstance(value, str):
        return text_snippet(value)
    if table == "articles" and column in ("authors", "tags") and isinstance(value, str):
        return ", ".join(json_list(value))
    if column == "snippet" and isinstance(value, str) and MATCH_START in value:
        return highlight_matches(value)
    return None
