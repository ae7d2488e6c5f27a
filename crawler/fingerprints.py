"""Request fingerprints by story identity: variants of one URL are one request.

Scrapy's duplicate filter drops a request whose fingerprint it has seen. Its default
fingerprint canonicalises the URL (w3lib), so `/news/a01` and `/news/a01/`, or a story and
its `?amp=1` variant, are two requests and the story is fetched twice. This fingerprinter
uses `crawler.pages.urls.url_key` instead, the form that variants of a story share.
"""

from __future__ import annotations

import hashlib
from typing import Self
from weakref import WeakKeyDictionary

from scrapy import Request
from scrapy.crawler import Crawler

from crawler.pages.urls import normalize_url, url_key

__all__ = ["StoryFingerprinter"]


class StoryFingerprinter:
    """`REQUEST_FINGERPRINTER_CLASS`: method, `url_key` of the URL (the exact URL for a
    redirect's target) and body."""

    def __init__(self, crawler: Crawler | None = None) -> None:
        self._cache: WeakKeyDictionary[Request, bytes] = WeakKeyDictionary()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        """Create the fingerprinter for a crawler."""
        return cls(crawler)

    def fingerprint(self, request: Request) -> bytes:
        """The request's fingerprint (cached per request object)."""
        cached = self._cache.get(request)
        if cached is None:
            digest = hashlib.sha1(usedforsecurity=False)
            # A redirect's target is often a variant of the URL requested (`/story` ->
            # `/story/`): it is fetched, under its exact URL.
            redirected = bool(request.meta.get("redirect_urls"))
            where = normalize_url(request.url) if redirected else url_key(request.url)
            marker = b"redirected" if redirected else b""
            for part in (request.method.encode(), marker, where.encode(), request.body):
                digest.update(len(part).to_bytes(8, "big") + part)
            cached = self._cache[request] = digest.digest()
        return cached
