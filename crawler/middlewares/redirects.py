"""Redirects that lead nowhere: loops and chains too long to follow.

Scrapy's `RedirectMiddleware` follows a redirect by scheduling a new request, and the
duplicate filter drops one for a URL already requested: a redirect loop (`/a` -> `/b` ->
`/a`) ended without an error, the page silently missing. `RedirectGuardMiddleware` sees
each redirect before Scrapy's middleware does and fails it with `RedirectError` (a
`crawl_errors` row of kind "redirect") when its target is already in its chain, or when
the chain is as long as `REDIRECT_MAX_TIMES` allows. With `REDIRECT_ENABLED` off, Scrapy
follows no redirect, and the guard is not installed.
"""

from __future__ import annotations

from urllib.parse import urljoin

from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response

from crawler.pages.urls import normalize_url

__all__ = ["RedirectError", "RedirectGuardMiddleware"]

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


class RedirectError(IgnoreRequest):
    """A redirect that was not followed: a loop, or one redirect too many."""

    def __init__(self, what: str, chain: list[str], status: int) -> None:
        super().__init__(f"{what}: {' -> '.join(chain)}")
        self.chain = chain
        self.status = status


class RedirectGuardMiddleware:
    """Downloader middleware, just above Scrapy's `RedirectMiddleware` (600): fails a
    redirect back into its own chain, or past `REDIRECT_MAX_TIMES`, with `RedirectError`."""

    def __init__(self, max_redirects: int) -> None:
        self.max_redirects = max_redirects

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        """Create the middleware with the crawl's `REDIRECT_MAX_TIMES`; `NotConfigured`
        when `REDIRECT_ENABLED` is off (no redirect is followed: nothing to guard)."""
        if not crawler.settings.getbool("REDIRECT_ENABLED"):
            raise NotConfigured("REDIRECT_ENABLED is off")
        return cls(crawler.settings.getint("REDIRECT_MAX_TIMES"))

    def process_response(self, request: Request, response: Response) -> Response:
        """Pass `response` on, unless it is a redirect that must not be followed."""
        location = response.headers.get("Location")
        if (
            response.status not in _REDIRECT_STATUSES
            or not location
            or request.meta.get("dont_redirect")
        ):
            return response
        chain = [*request.meta.get("redirect_urls", []), request.url]
        target = _target(request.url, location.decode("latin-1"))
        if target is None:  # no valid URL: left to Scrapy's own middleware
            return response
        if _loops(target, chain):
            raise RedirectError("redirect loop", [*chain, target], response.status)
        if len(chain) > self.max_redirects:
            raise RedirectError(
                f"more than {self.max_redirects} redirects", [*chain, target], response.status
            )
        return response


def _target(url: str, location: str) -> str | None:
    """Where a redirect of `url` to `location` leads; None if that is no valid URL."""
    try:
        target = urljoin(url, location.strip())
        normalize_url(target)
    except ValueError:
        return None
    return target


def _loops(target: str, chain: list[str]) -> bool:
    """True if `target` is one of the URLs of `chain` (normalised: a redirect to another
    form of the URL, `/story` to `/story/`, is no loop)."""
    return normalize_url(target) in {normalize_url(url) for url in chain}
