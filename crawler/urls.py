"""URL handling for discovery: validation of start URLs, normalisation, scope checks."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from w3lib.url import canonicalize_url, url_query_cleaner

# Query parameters that only track where a click came from: never part of a page's identity.
TRACKING_PARAMS = (
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
    "utm_id",
    "fbclid",
    "gclid",
    "dclid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "ocid",
    "cmpid",
    "at_medium",
    "at_campaign",
)

_HOST_RE = re.compile(r"^[A-Za-z0-9.-]+$|^[0-9A-Fa-f:.]+$")  # a name, IPv4, or IPv6 (unbracketed)


class InvalidURL(ValueError):
    """A URL given by the user that cannot be crawled."""


def validate_start_url(url: str) -> str:
    """Return `url` normalised if it is an absolute http(s) URL, else raise `InvalidURL`."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https"):
        raise InvalidURL(f"{url!r} is not an http(s) URL (write it with http:// or https://)")
    if not parts.hostname or not _HOST_RE.match(parts.hostname) or " " in parts.netloc:
        raise InvalidURL(f"{url!r} has no valid host name")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise InvalidURL(f"{url!r} has an invalid port") from error
    return normalize_url(url.strip())


def normalize_url(url: str) -> str:
    """The form of `url` used as its identity: no fragment, no tracking parameters,
    sorted query, lower-case host, percent-encoding made uniform."""
    cleaned = url_query_cleaner(url, TRACKING_PARAMS, remove=True, keep_fragments=False)
    return canonicalize_url(cleaned, keep_fragments=False)


def url_key(url: str) -> str:
    """What makes two URLs of a site the same page: `normalize_url`, and then no trailing
    slash, no `index.html` (or `.htm`, `.php`), no AMP variant (`/amp/`, `?amp=1`,
    `?outputType=amp`). Used to recognise variants of one story, never to fetch."""
    parts = urlsplit(normalize_url(url))
    query = "&".join(
        pair
        for pair in parts.query.split("&")
        if pair
        and pair.split("=", 1)[0].lower() not in _AMP_PARAMS
        and pair.lower() not in ("outputtype=amp", "output=amp")
    )
    path = _INDEX_PAGE_RE.sub("/", parts.path)
    path = _AMP_PATH_RE.sub("/", path).rstrip("/") or "/"
    return f"{parts.scheme}://{parts.netloc}{path}" + (f"?{query}" if query else "")


_AMP_PARAMS = frozenset({"amp", "_amp", "amp_js_v", "usqp"})
_INDEX_PAGE_RE = re.compile(r"/index\.(html?|php)$", re.IGNORECASE)
_AMP_PATH_RE = re.compile(r"/amp/?$|\.amp$", re.IGNORECASE)


def netloc(url: str) -> str:
    """The host (and port, if any) of `url`, lower-cased: what "the same site" means here."""
    return urlsplit(url).netloc.lower()


def path_of(url: str) -> str:
    """The path of `url`, "/" when empty."""
    return urlsplit(url).path or "/"


def is_fetchable(url: str) -> bool:
    """True if `url` is one the crawler may request: an absolute http(s) URL with a host
    and a valid port (not `javascript:`, `mailto:`, `tel:`, `data:`, `file:`, `ftp:`...)."""
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)
