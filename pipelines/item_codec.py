"""Items as bytes, for the Redis stream between distributed workers and the writer.

An item (`Article`, `NotModified`, `PageVisit`, `CrawlError`) becomes one zlib-compressed
JSON document naming its type; the raw page travels base64-encoded inside it. JSON, not
pickle: what a Redis server hands the writer is data, never code to run.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import asdict
from typing import Any

from crawler.items import Article, ArticlePage, CrawlError, NotModified, PageVisit

__all__ = ["decode_item", "decode_message", "encode_item", "encode_message"]

_ITEM_TYPES = {cls.__name__: cls for cls in (Article, NotModified, PageVisit, CrawlError)}


def encode_message(message: dict[str, Any]) -> bytes:
    """`message` (JSON-able values) as compressed JSON."""
    return zlib.compress(json.dumps(message, separators=(",", ":")).encode(), 3)


def decode_message(data: bytes) -> dict[str, Any]:
    """The message `encode_message` made into `data`."""
    return json.loads(zlib.decompress(data))


def encode_item(item: Any) -> bytes:
    """`item` as compressed JSON (raises TypeError for what is not an archive item)."""
    kind = type(item).__name__
    if kind not in _ITEM_TYPES:
        raise TypeError(f"not an item the archive stores: {kind}")
    fields = asdict(item)
    if isinstance(item, Article):
        fields["page"]["body"] = base64.b64encode(item.page.body).decode("ascii")
    return encode_message({"type": kind, "fields": fields})


def decode_item(data: bytes) -> Any:
    """The item `encode_item` made into `data`."""
    message = decode_message(data)
    kind, fields = message["type"], message["fields"]
    if kind not in _ITEM_TYPES:
        raise ValueError(f"unknown item type {kind!r}")
    if kind == "Article":
        from pipelines.extraction import ExtractedArticle  # loads trafilatura: only here

        page = dict(fields["page"], body=base64.b64decode(fields["page"]["body"]))
        return Article(
            page=ArticlePage(**page),
            extracted=ExtractedArticle(**fields["extracted"]),
            blocks=fields["blocks"],
        )
    return _ITEM_TYPES[kind](**fields)
