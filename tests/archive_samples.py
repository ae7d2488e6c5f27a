"""Rows a crawl of the demo site cannot make, stored through the real archive API: an
article whose title and text hold HTML and script, and an article that changed after it was
first archived."""

from __future__ import annotations

import json
from pathlib import Path

from crawler.items import ArticlePage
from pipelines.archive import Archive, RunCounts, now_iso
from pipelines.extraction import ExtractedArticle

HOSTILE_SITE = "hostile"
HOSTILE_URL = "http://127.0.0.1:9/2023/03/30/script-in-the-headline/"
HOSTILE_TITLE = "Breaking: <script>alert(1)</script> & <b>bold</b> claims"
HOSTILE_PARAGRAPHS = [
    "The headline above holds a <script>alert(1)</script> tag; it must read as text.",
    'An <img src="x" onerror="alert(2)"> image and a <a href="javascript:alert(3)">link</a>.',
]
HOSTILE_TAGS = ["<i>tag</i>"]
CHANGED_SLUG = "chinese-factories-reopen-as-new-year-shipping-lull-ends"
CORRECTION = "Correction: an earlier version of this article misspelt a minister's name."


def _page(url: str, site: str, body: bytes) -> ArticlePage:
    return ArticlePage(
        url=url,
        requested_url=url,
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
        body=body,
        encoding="utf-8",
        site=site,
        found_via="start",
        fetched_at=now_iso(),
    )


def add_hostile_article(db_path: Path) -> int:
    """Archive, in a run of its own, an article whose title, text, tags and canonical URL
    hold HTML and script; return its id."""
    text = "\n\n".join(HOSTILE_PARAGRAPHS)
    article = ExtractedArticle(
        url=HOSTILE_URL,
        canonical_url="javascript:alert(4)",
        title=HOSTILE_TITLE,
        authors=["<script>alert(5)</script> Reporter"],
        published="2023-03-30T09:00:00+00:00",
        modified=None,
        section="<em>World</em>",
        tags=HOSTILE_TAGS,
        language="en",
        description="<script>alert(6)</script>",
        image=None,
        text=text,
        word_count=len(text.split()),
    )
    archive = Archive.open(db_path)
    try:
        run_id = archive.start_run(HOSTILE_SITE, [HOSTILE_URL])
        body = f"<html><title>{HOSTILE_TITLE}</title></html>".encode()
        assert archive.store_article(_page(HOSTILE_URL, HOSTILE_SITE, body), article, run_id) == (
            "new"
        )
        archive.finish_run(run_id, "ok", RunCounts(pages_fetched=1, articles_new=1), None)
        [row] = archive.db["articles"].rows_where("url = ?", [HOSTILE_URL], select="id")
        return int(row["id"])
    finally:
        archive.close()


def change_article(db_path: Path, url: str) -> None:
    """Archive a new version of the article at `url`, with a correction added to its text,
    in a run of its own (so its first state is kept in `article_versions`)."""
    archive = Archive.open(db_path)
    try:
        [current] = archive.db["articles"].rows_where("url = ?", [url])
        article = ExtractedArticle(
            url=url,
            canonical_url=current["canonical_url"],
            title=current["title"],
            authors=json.loads(current["authors"]),
            published=current["published"],
            modified=current["modified"],
            section=current["section"],
            tags=json.loads(current["tags"]),
            language=current["language"],
            description=current["description"],
            image=current["image"],
            text=current["text"] + "\n\n" + CORRECTION,
            word_count=current["word_count"] + len(CORRECTION.split()),
        )
        run_id = archive.start_run(current["site"], [url])
        body = b"<html><p>changed</p></html>"
        outcome = archive.store_article(_page(url, current["site"], body), article, run_id)
        assert outcome == "updated"
        archive.finish_run(run_id, "ok", RunCounts(pages_fetched=1, articles_updated=1), None)
    finally:
        archive.close()
