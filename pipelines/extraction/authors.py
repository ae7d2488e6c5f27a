"""Author names: from JSON-LD, meta tags or trafilatura's byline, as a clean list.

Names come out without "By"/"Von"/"Par" prefixes, role labels, parenthesised initials,
e-mail addresses or URLs; a string naming several people is split. The site's own name
(a publisher given as author) is used only when no source names a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from crawler.pages.structured_data import jsonld_types
from pipelines.extraction.words import site_keys, word_key

_PREFIX_RE = re.compile(
    r"^\s*((written by|reporting by|by|von|par|por|autor|autorin|author)\s*[:\s]|"
    r"(text|texto|texte|reporting|words)\s*:)\s*",
    re.IGNORECASE,
)
_PARENTHESISED_RE = re.compile(r"\s*\([^)]*\)\s*")
# Between names: ",", ";", "&", "/" with spaces, or a word "and" in the four languages.
_SPLIT_RE = re.compile(r"\s*(?:[;,&]|\s/\s|\s(?:and|und|et|y)\s)\s*", re.IGNORECASE)
_EMAIL_RE = re.compile(r"\S+@\S+\.\w+")
_DOMAIN_RE = re.compile(r"^(www\.)?[\w-]+(\.[\w-]+)*\.[a-z]{2,}$", re.IGNORECASE)
_WORD_RE = re.compile(r"\w+")
_MAX_NAME_WORDS = 6


def ld_author_names(value: Any, by_id: dict[str, dict[str, Any]]) -> tuple[list[str], list[str]]:
    """(people, organisations) named by a JSON-LD `author` value."""
    people: list[str] = []
    organisations: list[str] = []
    for entry in value if isinstance(value, list) else [value]:
        if isinstance(entry, str):
            people.append(entry)
            continue
        if not isinstance(entry, dict):
            continue
        reference = entry.get("@id")
        if not (entry.get("name") or entry.get("familyName")) and isinstance(reference, str):
            entry = by_id.get(reference, entry)
        name = _ld_name(entry)
        if not name:
            continue
        if "Organization" in jsonld_types(entry) or "NewsMediaOrganization" in jsonld_types(entry):
            organisations.append(name)
        else:
            people.append(name)
    return people, organisations


def _ld_name(entry: dict[str, Any]) -> str | None:
    name = entry.get("name")
    if isinstance(name, str) and name.strip():
        return name
    parts = [entry.get("givenName"), entry.get("familyName")]
    joined = " ".join(p for p in parts if isinstance(p, str) and p.strip())
    return joined or None


def pick_authors(sources: Iterable[list[str]], site_names: set[str], url: str) -> list[str]:
    """The first source (in order of trust) that names people, cleaned; the site's own
    name only if no source names anyone else."""
    fallback: list[str] = []
    for names in sources:
        cleaned = clean_authors(names)
        people = [name for name in cleaned if not is_site_name(name, site_names, url)]
        if people:
            return people
        fallback = fallback or cleaned
    return fallback


def clean_authors(names: list[str]) -> list[str]:
    """Author names without prefixes, blanks, e-mails, URLs or repeats, split where one
    string names several people; order is kept."""
    cleaned: list[str] = []
    for raw in names:
        for name in split_names(raw):
            if name and name.casefold() not in {c.casefold() for c in cleaned}:
                cleaned.append(name)
    return cleaned


def split_names(raw: str) -> list[str]:
    """The clean names in one author string ("A, B and C", "Last, First", "By A (ab)")."""
    text = " ".join(str(raw).split())
    if "://" in text or _EMAIL_RE.search(text):
        return []
    text = _PARENTHESISED_RE.sub(" ", text).strip(" ,;|")
    pieces = [_clean_name(piece) for piece in _SPLIT_RE.split(text)]
    pieces = [piece for piece in pieces if piece]
    if len(pieces) == 2 and "," in text and all(len(p.split()) == 1 for p in pieces):
        return [f"{pieces[1]} {pieces[0]}"]  # "Doe, Jane"
    return pieces


def _clean_name(piece: str) -> str:
    previous = None
    while previous != piece:
        previous = piece
        piece = _PREFIX_RE.sub("", piece).strip(" ,;|:-–—")
    if not piece or len(piece.split()) > _MAX_NAME_WORDS or not _WORD_RE.search(piece):
        return ""
    return piece


def is_site_name(name: str, site_names: set[str], url: str) -> bool:
    """True if `name` is the site rather than a person: its name, its domain, or the
    initials of its name."""
    key = word_key(name)
    if not key:
        return False
    if _DOMAIN_RE.match(name.strip()) or "www." in name.casefold():
        return True
    keys = site_keys(site_names, url)
    for site in site_names:  # initials: "BBC" for "British Broadcasting Corporation"
        words = _WORD_RE.findall(site)
        if len(words) >= 2:
            keys.add("".join(word[0] for word in words).casefold())
    return key in keys
