"""Re-extraction: run the current extraction again over the raw pages in the archive.

An archive gets better when extraction gets better: each article's latest stored page is
extracted again, the site's learned boilerplate is removed, and the article is updated if
its text or metadata changed (`Archive.update_extraction`, which keeps the old version of
a changed text in `article_versions`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from pipelines.archive import Archive
from pipelines.extraction import SiteProfile, extract_article
from pipelines.site_blocks import BlockLearner

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
) -> ReextractReport:
    """Re-extract every archived article (of `site`, if given), with the `profiles` of the
    sites that have one (their extra boilerplate selectors); `progress` wraps the
    iteration over article ids (for a progress bar)."""
    profiles = profiles or {}
    keys = archive.article_keys(site)
    missing = [key[0] for key in keys if not archive.has_page_blocks(key[1], key[2])]
    _count_blocks(archive, learner, missing, progress, profiles)
    report = ReextractReport(articles=len(keys))
    for article_id in progress([key[0] for key in keys], "re-extracting"):
        stored = archive.article_with_page(article_id)
        if stored is None:
            report.failed += 1
            continue
        row, html = stored
        extracted = extract_article(html, row["url"], profiles.get(row["site"]))
        if extracted is None:
            logger.warning("No article text extracted any more from %s; kept", row["url"])
            report.failed += 1
            continue
        cleaned = learner.learn_and_clean(row["site"], row["url"], extracted)
        if archive.update_extraction(article_id, cleaned):
            report.changed += 1
        else:
            report.unchanged += 1
    return report


def _count_blocks(
    archive: Archive,
    learner: BlockLearner,
    ids: list[int],
    progress: Progress,
    profiles: Mapping[str, SiteProfile],
) -> None:
    """Count the blocks of pages archived before block statistics existed, so that the
    re-extraction of the first articles already knows the whole site."""
    for article_id in progress(ids, "counting blocks"):
        stored = archive.article_with_page(article_id)
        if stored is None:
            continue
        row, html = stored
        extracted = extract_article(html, row["url"], profiles.get(row["site"]))
        if extracted is not None:
            learner.learn(row["site"], row["url"], extracted)
