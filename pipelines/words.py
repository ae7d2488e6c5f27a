"""Comparing short texts by their words, whatever their case, spacing and punctuation.

Headlines, author names, standfirsts, repeated lines and text blocks are all matched this
way: `word_key` ("Story | Site" → "storysite") and `word_phrase` ("story site"), and
`site_keys`, the keys under which a site names itself.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["site_keys", "word_key", "word_phrase"]

_WORD_RE = re.compile(r"\w+")


def word_key(text: str) -> str:
    """The text's words, case-folded and run together."""
    return "".join(_WORD_RE.findall(text.casefold()))


def word_phrase(text: str) -> str:
    """The text's words, case-folded, separated by single spaces."""
    return " ".join(_WORD_RE.findall(text.casefold()))


def site_keys(site_names: set[str], url: str) -> set[str]:
    """The `word_key`s of the site's names and of its host (with and without the top-level
    domain, without "www.")."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    keys = {word_key(name) for name in site_names}
    if host:
        keys |= {word_key(host), word_key(host.rsplit(".", 1)[0])}
    return keys
