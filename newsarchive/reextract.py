"""Re-extraction: run the current extraction again over the raw pages in the archive.

An archive gets better when extraction gets better: each article's latest stored page is
decoded with the encoding recorded for it (`pages.encoding`) and extracted again (in
worker processes, as in a crawl), the site's learned boilerplate is removed, and the
article is updated if its text or metadata changed (`Archive.update_extraction`, which
keeps the old version of a changed text in `article_versions`).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from crawler.extraction_pool import ExtractionPool
from pipelines.archive import Archive
from pipelines.extraction import ExtractedArticle, SiteProfile
from pipelines.extraction.site_blocks import BlockLearner

__all__ = ["ReextractReport", "reextract"]

logger = logging.getLogger(__name__)

Progress = Callable[[Iterable[int], str], Iterable[int]]


@dataclass
class ReextractReport:
    """What a re-extraction did."""

    articles: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0  # pages that no longer give an article; their articles are kept


def _no_progress(ids: Iterable[int], _label: str) -> Iterable[int]:
    return ids


def reextract(
    archive: Archive,
    learner: BlockLearner,
    site: str | None = None,
    progress: Progress = _no_progress,
    profiles: Mapping[str, SiteProfile] | None = None,
    pool: ExtractionPool | None = None,
) -> ReextractReport:
    """Re-extract every archived article (of `site`, if given), with the `profiles` of the
    sites that have one (their extra boilerplate selectors); `progress` wraps the
    iteration over article ids (for a progress bar). Pages are extracted by `pool`'s
    workers (inline without one); learning and writing stay here, in article order."""
    profiles = profiles or {}
    pool = pool or ExtractionPool(workers=0)
    keys = archive.article_keys(site)
    missing = [key[0] for key in keys if not archive.has_page_blocks(key[1], key[2])]
    for _, row, extracted in _extractions(
        archive, pool, progress(missing, "counting blocks"), profiles
    ):
        # Pages archived before block statistics existed: counted first, so that the
        # re-extraction of the first articles already knows the whole site.
        if row is not None and isinstance(extracted, ExtractedArticle):
            learner.learn(row["site"], row["url"], extracted)
    report = ReextractReport(articles=len(keys))
    ids = progress([key[0] for key in keys], "re-extracting")
    for article_id, row, extracted in _extractions(archive, pool, ids, profiles):
        if row is None:
            report.failed += 1
            continue
        if not isinstance(extracted, ExtractedArticle):
            why = "no article text" if extracted is None else f"extraction failed: {extracted}"
            logger.warning("%s any more from %s; kept", why, row["url"])
            report.failed += 1
            continue
        cleaned = learner.learn_and_clean(row["site"], row["url"], extracted)
        if archive.update_extraction(article_id, cleaned):
            report.changed += 1
        else:
            report.unchanged += 1
    return report


def _extractions(
    archive: Archive,
    pool: ExtractionPool,
    ids: Iterable[int],
    profiles: Mapping[str, SiteProfile],
) -> Iterator[tuple[int, dict[str, Any] | None, ExtractedArticle | Exception | None]]:
    """(id, article row, what extraction made of its latest stored page: the article,
    None for no article text, or the error) for each article id, in order; row None for
    an article without a stored page. A few pages per worker are in flight at a time."""
    window: deque[tuple[int, dict[str, Any] | None, Future[ExtractedArticle | None] | None]]
    window = deque()
    in_flight = max(2, 4 * pool.workers)
    for article_id in ids:
        stored = archive.article_with_page_and_encoding(article_id)
        if stored is None:
            window.append((article_id, None, None))
        else:
            row, html, encoding = stored
            future = pool.extract(html, row["url"], profiles.get(row["site"]), encoding)
            window.append((article_id, row, future))
        while len(window) > in_flight:
            yield _result(*window.popleft())
    while window:
        yield _result(*window.popleft())


def _result(
    article_id: int,
    row: dict[str, Any] | None,
    future: Future[ExtractedArticle | None] | None,
) -> tuple[int, dict[str, Any] | None, ExtractedArticle | Exception | None]:
    if future is None:
        return article_id, row, None
    try:
        return article_id, row, future.result()
    except Exception as error:  # one broken page must not stop the re-extraction
        return article_id, row, error
