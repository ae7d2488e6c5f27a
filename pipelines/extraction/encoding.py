"""A page's encoding and text, from its bytes and what the response declared.

Extraction must decode a page with the encoding its response declared: trafilatura given
raw bytes guesses again, without the HTTP header, and a windows-1252 page whose charset
was only in the `Content-Type` header came out with `aprčs` for `après`. A page that
declares nothing is UTF-8 if it decodes as such, else what charset_normalizer finds,
taking windows-1252 when it is one of the equally likely answers: charset_normalizer
(which Scrapy's `response.encoding` relies on) took French text in windows-1252 for
windows-1250, which decodes the same bytes to `Ŕ Lyon` and `aprčs`.

`page_encoding` is what the spider records for each page (`ArticlePage.encoding`, the
archive's `pages.encoding`); `page_text` decodes with it, in the crawl and in
`newsarchive reextract`. Both order the evidence as w3lib's `html_to_unicode` does: byte
order mark, `Content-Type` header, `<meta>` declaration, detection.
"""

from __future__ import annotations

from charset_normalizer import from_bytes
from w3lib.encoding import html_to_unicode

__all__ = ["page_encoding", "page_text"]

# What browsers take an undeclared legacy page for in Western locales (WHATWG).
_WESTERN = "cp1252"


def page_encoding(body: bytes, content_type: str | None = None) -> str:
    """The encoding of page `body` served with `content_type` (its `Content-Type`
    header): as declared, else as detected."""
    encoding, _ = html_to_unicode(content_type, body, auto_detect_fun=_detect)
    return encoding


def page_text(body: bytes, encoding: str | None) -> str:
    """The text of page `body`, decoded with `encoding` (what `page_encoding` found, or a
    response's encoding); without a known `encoding`, as the page declares it, else as
    detected. Bytes that do not decode become U+FFFD."""
    header = f"text/html; charset={encoding}" if encoding else None  # unknown: ignored
    _, text = html_to_unicode(header, body, auto_detect_fun=_detect)
    return text


def _detect(body: bytes) -> str | None:
    """The encoding of an undeclared page: UTF-8 if it decodes as such, else
    charset_normalizer's answer, windows-1252 when that is one of the best."""
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8"
    matches = from_bytes(body)
    best = matches.best()
    if best is None:
        return None
    best_score = (best.chaos, best.coherence)
    tied = [match for match in matches if (match.chaos, match.coherence) == best_score]
    if any(_WESTERN in match.could_be_from_charset for match in tied):
        return _WESTERN
    return best.encoding
