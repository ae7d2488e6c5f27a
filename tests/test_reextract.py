"""`newsarchive reextract`: archived pages extracted again, changed articles updated with
their history kept, the extractor version recorded."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from conftest import rows, run_cli
from crawler.items import ArticlePage
from newsarchive.reextract import reextract
from pipelines.archive import Archive, content_hash
from pipelines.extraction import EXTRACTOR_VERSION, extract_article
from pipelines.extraction.site_blocks import BlockLearner, LearningSettings
from sample_text import STORY

URL = "http://127.0.0.1:8765/2023/03/18/harbour-pier-to-close/"
OLD_VERSION = "trafilatura-0.0+newsarchive-0"


HOUSE_AD = "Get the printed edition of the Gazette delivered to your door every morning."


def page_html(house_ad: bool = False) -> str:
    """An article page: JSON-LD metadata and the story, with a promo line in the body (and
    a house ad that only a site's selector can recognise)."""
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": "Eastern pier to close for repairs",
            "datePublished": "2023-03-18T08:15:00+00:00",
            "author": [{"@type": "Person", "name": "Jane Doe"}],
        }
    )
    body = "".join(f"<p>{p}</p>" for p in STORY[:3])
    body += "<p>READ MORE: Harbour festival dates announced</p>"
    body += "".join(f"<p>{p}</p>" for p in STORY[3:])
    if house_ad:
        body += f'<div class="house-ad"><p>{HOUSE_AD}</p></div>'
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Eastern pier to close for repairs | Coastline Gazette</title>
<script type="application/ld+json">{ld}</script></head>
<body><main><article><h1>Eastern pier to close for repairs</h1>{body}</article></main>
</body></html>"""


def archive_with_old_extraction(db: Path, site: str = "coastline", house_ad: bool = False) -> None:
    """An archive holding the page and what an older extractor made of it: the promo line
    still in the text, no authors."""
    html = page_html(house_ad)
    current = extract_article(html, URL)
    assert current is not None
    old = replace(
        current,
        text=current.text.replace(
            STORY[3], "READ MORE: Harbour festival dates announced\n\n" + STORY[3]
        ),
        authors=[],
        extractor_version=OLD_VERSION,
    )
    page = ArticlePage(
        url=URL,
        requested_url=URL,
        status=200,
        headers={},
        body=html.encode(),
        encoding="utf-8",
        site=site,
        found_via="start",
        fetched_at="2023-03-18T10:00:00+00:00",
    )
    archive = Archive.open(db)
    run_id = archive.start_run(site, [URL])
    assert archive.store_article(page, old, run_id) == "new"
    archive.close()


def test_reextract_updates_changed_article_and_keeps_history(tmp_path: Path):
    """The article gets the current extraction; its old text is version 1 in
    article_versions; a second run changes nothing."""
    db = tmp_path / "a.db"
    archive_with_old_extraction(db)
    result = run_cli("reextract", "--db", str(db))
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        f"Re-extracted 1 articles with {EXTRACTOR_VERSION}: 1 changed, 0 unchanged, "
        "0 without article text (kept as they were).\n"
    )
    [(text, authors, version, extractor)] = rows(
        db, "SELECT text, authors, version, extractor_version FROM articles"
    )
    assert text == "\n\n".join(STORY)
    assert json.loads(authors) == ["Jane Doe"]
    assert (version, extractor) == (2, EXTRACTOR_VERSION)
    [(old_version, old_text, old_extractor)] = rows(
        db, "SELECT version, text, extractor_version FROM article_versions"
    )
    assert (old_version, old_extractor) == (1, OLD_VERSION)
    assert "READ MORE: Harbour festival dates announced" in old_text

    again = run_cli("reextract", "--db", str(db))
    assert again.returncode == 0, again.stderr
    assert "1 articles with" in again.stdout and ": 0 changed, 1 unchanged," in again.stdout
    assert rows(db, "SELECT count(*) FROM article_versions") == [(1,)]


def test_reextract_metadata_only_change_keeps_no_version(tmp_path: Path):
    """A change of metadata alone updates the article without a new text version."""
    db = tmp_path / "a.db"
    archive_with_old_extraction(db)
    archive = Archive.open(db)
    article_id = archive.article_keys()[0][0]
    html = page_html()
    current = extract_article(html, URL)
    assert current is not None
    archive.db.execute(
        "UPDATE articles SET text = ?, content_hash = ?",
        [current.text, content_hash(current.title, current.text)],
    )
    learner = BlockLearner(archive, LearningSettings())
    report = reextract(archive, learner)
    assert (report.articles, report.changed, report.unchanged, report.failed) == (1, 1, 0, 0)
    row = archive.db["articles"].get(article_id)
    assert (json.loads(row["authors"]), row["version"]) == (["Jane Doe"], 1)
    assert archive.count("article_versions") == 0
    archive.close()


def test_reextract_only_the_site_asked_for(tmp_path: Path):
    """--site limits re-extraction to one site's articles."""
    db = tmp_path / "a.db"
    archive_with_old_extraction(db, site="coastline")
    result = run_cli("reextract", "--db", str(db), "--site", "coastline")
    assert result.returncode == 0, result.stderr
    assert "Re-extracted 1 articles" in result.stdout


def test_reextract_unknown_site_or_missing_archive_is_bad_input(tmp_path: Path):
    """An unknown site or a missing archive: one line on stderr, exit status 2."""
    db = tmp_path / "a.db"
    archive_with_old_extraction(db)
    unknown = run_cli("reextract", "--db", str(db), "--site", "nowhere")
    assert unknown.returncode == 2
    assert unknown.stderr == f"Error: no articles of site 'nowhere' in {db}\n"
    missing = run_cli("reextract", "--db", str(tmp_path / "none.db"))
    assert missing.returncode == 2
    assert "does not exist" in missing.stderr


def test_reextract_applies_the_sites_file_selectors(tmp_path: Path):
    """With --sites, a site's boilerplate_selectors are pruned again on re-extraction."""
    db = tmp_path / "a.db"
    archive_with_old_extraction(db, house_ad=True)
    assert HOUSE_AD in rows(db, "SELECT text FROM articles")[0][0]
    sites = tmp_path / "sites.toml"
    sites.write_text(
        '[sites.coastline]\nstart_urls = ["http://127.0.0.1:8765/"]\n'
        'boilerplate_selectors = [".house-ad"]\n',
        encoding="utf-8",
    )
    result = run_cli("reextract", "--db", str(db), "--sites", str(sites))
    assert result.returncode == 0, result.stderr
    assert rows(db, "SELECT text FROM articles") == [("\n\n".join(STORY),)]
