"""What storing each kind of item means: the archive writes of one item, in one place.

Used by the crawl's store stage (`pipelines/store_stage.py`) and by the writer of a
distributed crawl (`pipelines/ingest.py`), so that an item is archived the same way
whichever process crawled it. No Scrapy here: the items are plain dataclasses.
"""

from __future__ import annotations

from typing import Any

from crawler import stats_keys
from crawler.items import Article, CrawlError, NotModified, PageVisit
from pipelines.archive import Archive

__all__ = ["write_item"]


def write_item(archive: Archive, run_id: int, site: str, item: Any) -> str | None:
    """Write `item` (an `Article`, `NotModified`, `PageVisit` or `CrawlError` of `site`)
    in run `run_id`; return the stats counter it raises (`stats_keys`), if any."""
    if isinstance(item, Article):
        outcome = archive.store_article(item.page, item.extracted, run_id)
        if item.blocks is not None:
            archive.record_page_blocks(item.page.site, item.page.url, item.blocks)
        return stats_keys.articles(outcome)
    if isinstance(item, NotModified):
        if archive.mark_not_modified(item.url, item.fetched_at, run_id):
            return stats_keys.ARTICLES_NOT_MODIFIED
        return None
    if isinstance(item, PageVisit):
        archive.record_fetch(item.site, item.url, item.kind, item.status, run_id, item.template)
        return None
    if isinstance(item, CrawlError):
        archive.record_error(run_id, item.url, item.kind, item.message, item.status, item.found_via)
        remembered = _remembered_error_kind(item)
        if remembered is not None:
            archive.record_fetch(site, item.url, remembered, item.status, run_id)
        return stats_keys.ERRORS
    raise TypeError(f"not an item the archive stores: {type(item).__name__}")


def _remembered_error_kind(error: CrawlError) -> str | None:
    """What a failed page is remembered as in `fetched_urls`, so later runs do not fetch
    it again: a page with no article text is "rejected", one that is gone (404, 410) is
    "gone"; other failures may be passing, and are not remembered."""
    if error.kind == "extraction":
        return "rejected"
    if error.kind == "http" and error.status in (404, 410):
        return "gone"
    return None
