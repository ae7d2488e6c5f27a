"""URL handling for discovery: validation of start URLs, normalisation, scope checks.

Hosts are compared in one form (`host_name`): lower case, no trailing dot, a non-ASCII
name in punycode (as Scrapy requests it), an IPv6 address in brackets; and a port that
is the scheme's default is no port (`https://example.com:443/` is `https://example.com/`).
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
from urllib.parse import SplitResult, urlsplit, urlunsplit

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

DEFAULT_PORTS = {"http": 80, "https": 443}

# One label of a host name (underscores occur in real subdomains).
_LABEL_RE = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


class InvalidURL(ValueError):
    """A URL given by the user that cannot be crawled."""


def validate_start_url(url: str) -> str:
    """Return `url` normalised if it is an absolute http(s) URL with a valid host and
    port and no user name or password, else raise `InvalidURL`.

    A non-ASCII host name comes back in punycode and a default port (`:80` on http,
    `:443` on https) is dropped, so that the URL names its host as the pages linking to
    it do."""
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise InvalidURL(f"{url!r} is not an http(s) URL (write it with http:// or https://)")
    if parts.username is not None or parts.password is not None:
        raise InvalidURL(
            f"{_masked(text)!r} holds a user name or password: newsarchive does not log in "
            "to sites (remove the part before '@')"
        )
    if not parts.hostname or " " in parts.netloc or host_name(parts.hostname) is None:
        raise InvalidURL(f"{url!r} has no valid host name")
    try:
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as error:
        raise InvalidURL(f"{url!r} has an invalid port") from error
    return normalize_url(text)


def host_name(host: str) -> str | None:
    """`host` (a URL's host name or IP address) in the form hosts are compared in: lower
    case, no trailing dot, punycode for a non-ASCII name (NFKC and IDNA, as w3lib, and so
    Scrapy, encode it), an IPv6 address in brackets; None if it is not a valid host."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if ":" in host:
        try:
            return f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError:  # not an address (a zone index such as %eth0 included)
            return None
    host = host.removesuffix(".")
    if not host.isascii():
        try:
            host = unicodedata.normalize("NFKC", host).encode("idna").decode("ascii")
        except UnicodeError:
            return None
    if not all(_LABEL_RE.fullmatch(label) for label in host.split(".")):
        return None
    return host


def normalize_url(url: str) -> str:
    """The form of `url` used as its identity: no fragment, no tracking parameters,
    sorted query, lower-case (punycode) host, no default port, percent-encoding made
    uniform."""
    cleaned = url_query_cleaner(url, TRACKING_PARAMS, remove=True, keep_fragments=False)
    return _without_default_port(canonicalize_url(cleaned, keep_fragments=False))


def _without_default_port(url: str) -> str:
    """`url` without its port if that is its scheme's default one."""
    if ":80" not in url and ":443" not in url:  # the common case, without parsing
        return url
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return url
    if port is None or port != DEFAULT_PORTS.get(parts.scheme):
        return url
    host = parts.netloc.rpartition(":")[0]
    return urlunsplit(parts._replace(netloc=host))


def _masked(url: str) -> str:
    """`url` with its password, if any, replaced by `***` (for error messages)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user_info, _, host = parts.netloc.rpartition("@")
    user = user_info.partition(":")[0]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


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
    """The host (`host_name`) and port of `url`, the port only if it is not the scheme's
    default: what "the same site" means here. No user name or password."""
    parts = urlsplit(url.strip())
    return split_netloc(parts) or parts.netloc.lower()


def split_netloc(parts: SplitResult) -> str | None:
    """The `netloc` of a split URL; None if it has no valid host or port."""
    host = host_name(parts.hostname or "")
    try:
        port = parts.port
    except ValueError:
        return None
    if host is None:
        return None
    return host if port is None or port == DEFAULT_PORTS.get(parts.scheme) else f"{host}:{port}"


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
