"""Learned boilerplate: block fingerprints, per-site counts in the archive, and a crawl of a
site whose articles share a block that neither pruning nor line rules know."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from scrapy.settings import Settings

from conftest import rows, run_cli
from crawler import settings as project_settings
from newsarchive.demo.server import serve_site
from pipelines.archive import Archive
from pipelines.extraction import ExtractedArticle, extract_article, site_blocks
from pipelines.extraction.site_blocks import (
    BlockLearner,
    LearningSettings,
    fingerprint,
    page_blocks,
)

# A paragraph the site puts under every article: plain text in the article body, no
# boilerplate class, no promo wording.
RECURRING = (
    "The Harbour Courier is written by a small team of volunteers who meet every Tuesday "
    "evening in the back room of the old customs house on Quay Street."
)
TOWNS = ["Kestrel Bay", "Marrow Point", "Lowfield", "Ashby Cove", "Tern Island", "Wexcombe"]


def story(n: int) -> list[str]:
    """Four story paragraphs of article `n`, different from every other article's."""
    town = TOWNS[n % len(TOWNS)]
    return [
        f"Council members in {town} voted on item {n} of the agenda on Monday evening, "
        f"approving a plan to repair {n + 2} benches along the seafront promenade.",
        f"The work on the {n + 2} benches will start in spring, the council said, and "
        f"should be finished before the summer regatta brings visitors to {town}.",
        f"Residents of {town} had asked for the repairs at {n + 3} public meetings, "
        "saying that the old benches had become unsafe for older walkers.",
        f"A spokesperson said item {n} would be paid for from the harbour maintenance "
        "budget and that no other project would be delayed because of it.",
    ]


def article_page(n: int) -> str:
    """Article `n`: JSON-LD, an <article> with the story and the recurring paragraph."""
    paragraphs = "".join(f"<p>{p}</p>" for p in [*story(n), RECURRING])
    ld = json.dumps(
        {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": f"Seafront benches to be repaired, part {n}",
            "datePublished": f"2024-03-{n % 28 + 1:02d}T09:00:00+00:00",
            "author": {"@type": "Person", "name": "Ana Lima"},
        }
    )
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Seafront benches to be repaired, part {n}</title>
<meta property="og:type" content="article">
<script type="application/ld+json">{ld}</script></head>
<body><header><nav><a href="/">Home</a></nav></header>
<main><article><h1>Seafront benches to be repaired, part {n}</h1>
<div class="entry-content">{paragraphs}</div></article></main>
<footer><p>Harbour Courier</p></footer></body></html>"""


def article_path(n: int) -> str:
    """The URL path of article `n`."""
    return f"/2024/03/{n % 28 + 1:02d}/seafront-benches-part-{n}/"


def write_site(root: Path, numbers: range) -> None:
    """Articles `numbers`, and a home page linking to them only."""
    links = []
    for n in numbers:
        target = root / article_path(n).strip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(article_page(n), encoding="utf-8")
        links.append(f"<li><a href='{article_path(n)}'>Benches, part {n}</a></li>")
    home = f"<html><body><main><h2>Latest</h2><ul>{''.join(links)}</ul></main></body></html>"
    (root / "index.html").write_text(home, encoding="utf-8")


def extracted(text: str) -> ExtractedArticle:
    """An extracted article with `text` and no metadata."""
    return ExtractedArticle(
        url="http://127.0.0.1/a/",
        canonical_url=None,
        title="A",
        authors=[],
        published=None,
        modified=None,
        section=None,
        tags=[],
        language=None,
        description=None,
        image=None,
        text=text,
        word_count=len(text.split()),
    )


# Fingerprints ---------------------------------------------------------------------------


def test_fingerprint_ignores_case_spacing_and_punctuation():
    """The same words give the same fingerprint; other words another; no words none."""
    assert fingerprint("Sign up, today!") == fingerprint("  sign   UP today ")
    assert fingerprint("Sign up today") != fingerprint("Sign up tomorrow")
    assert fingerprint(" -- ") is None
    assert len(fingerprint("x") or "") == 16


def test_page_blocks_one_entry_per_distinct_paragraph():
    """Each distinct paragraph of a text is one block, keyed by its fingerprint."""
    blocks = page_blocks("First one.\n\nSecond one.\n\nfirst ONE\n\n...")
    assert blocks == {
        fingerprint("First one."): "First one.",
        fingerprint("Second one."): "Second one.",
    }


# Counting in the archive ----------------------------------------------------------------


def test_record_page_blocks_counts_each_url_once(tmp_path: Path):
    """A page counted again (a re-fetch) replaces its earlier blocks instead of adding."""
    archive = Archive.open(tmp_path / "a.db")
    a, b, c = fingerprint("alpha"), fingerprint("beta"), fingerprint("gamma")
    archive.record_page_blocks("s", "http://s/1", {a: "alpha", b: "beta"})
    archive.record_page_blocks("s", "http://s/2", {a: "alpha"})
    archive.record_page_blocks("s", "http://s/1", {a: "alpha", c: "gamma"})  # re-fetch
    archive.record_page_blocks("other", "http://o/1", {a: "alpha"})
    counts = rows(
        archive.path,
        "SELECT site, sample_text, page_count FROM block_stats ORDER BY site, sample_text",
    )
    assert counts == [
        ("other", "alpha", 1),
        ("s", "alpha", 2),
        ("s", "beta", 0),
        ("s", "gamma", 1),
    ]
    assert rows(archive.path, "SELECT site, url FROM block_stats_pages ORDER BY site, url") == [
        ("other", "http://o/1"),
        ("s", "http://s/1"),
        ("s", "http://s/2"),
    ]
    archive.close()


def test_recurring_blocks_need_min_pages_and_share(tmp_path: Path):
    """Nothing is boilerplate before the site has `min_pages` pages; then blocks on more
    than `share` of its pages are, if they are on `min_repeats` pages at least."""
    archive = Archive.open(tmp_path / "a.db")
    common, half = fingerprint("common"), fingerprint("half")
    for n in range(4):
        blocks = {common: "common", fingerprint(f"own {n}"): f"own {n}"}
        if n < 2:
            blocks[half] = "half"
        archive.record_page_blocks("s", f"http://s/{n}", blocks)
    assert archive.recurring_blocks("s", min_pages=5, share=0.5) == set()
    assert archive.recurring_blocks("s", min_pages=4, share=0.5) == {common}
    assert archive.recurring_blocks("s", min_pages=4, share=0.4) == {common, half}
    assert archive.recurring_blocks("s", min_pages=4, share=0.4, min_repeats=3) == {common}
    assert archive.recurring_blocks("s", min_pages=4, share=0.4, min_repeats=5) == set()
    assert archive.recurring_blocks("other", min_pages=0, share=0.5) == set()
    archive.close()


def test_learner_drops_learned_blocks_but_never_everything(tmp_path: Path):
    """Learned blocks leave the text; a text made only of learned blocks is kept whole."""
    archive = Archive.open(tmp_path / "a.db")
    learner = BlockLearner(archive, LearningSettings(min_pages=3, share=0.5))
    for n in range(3):
        learner.learn("s", f"http://s/{n}", extracted(f"Story {n} here.\n\n{RECURRING}"))
    cleaned = learner.clean("s", extracted(f"A new story.\n\n{RECURRING}"))
    assert cleaned.text == "A new story."
    assert cleaned.word_count == 3
    only_boilerplate = extracted(RECURRING)
    assert learner.clean("s", only_boilerplate) is only_boilerplate
    assert learner.clean("unknown-site", extracted(RECURRING)).text == RECURRING
    off = BlockLearner(archive, LearningSettings(min_pages=3, share=0.5, enabled=False))
    assert off.clean("s", extracted(f"A new story.\n\n{RECURRING}")).text.endswith(RECURRING)
    archive.close()


# End to end -----------------------------------------------------------------------------


def test_recurring_block_is_not_known_to_pruning_or_line_rules():
    """Without learning, extraction keeps the recurring paragraph (what the site test needs)."""
    article = extract_article(article_page(1), "http://127.0.0.1:8000" + article_path(1))
    assert article is not None
    assert article.text.split("\n\n") == [*story(1), RECURRING]


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    """The folder of the test site (written by the test)."""
    root = tmp_path / "site"
    root.mkdir()
    return root


def test_site_learns_recurring_block_and_reextract_removes_it(site_root: Path, tmp_path: Path):
    """4 articles are archived before the site has enough pages (they keep the block);
    the next 20 are archived without it; `reextract` then removes it from the first 4,
    keeping their earlier text in article_versions."""
    db = str(tmp_path / "a.db")
    settings = ("-s", "BOILERPLATE_MIN_PAGES=5", "-s", "BOILERPLATE_SHARE=0.5")
    with serve_site(site_root) as server:
        write_site(site_root, range(4))
        first = run_cli("crawl", server.base_url, "--db", db, "--no-throttle", *settings)
        assert first.returncode == 0, first.stderr
        assert rows(
            Path(db), "SELECT count(*) FROM articles WHERE text LIKE ?", (f"%{RECURRING}%",)
        ) == [(4,)]
        write_site(site_root, range(4, 24))  # the home page now lists the new articles only
        second = run_cli("crawl", server.base_url, "--db", db, "--no-throttle", *settings)
        assert second.returncode == 0, second.stderr
    texts = dict(rows(Path(db), "SELECT url, text FROM articles"))
    base = server.base_url.rstrip("/")
    assert len(texts) == 24
    for n in range(4, 24):
        assert texts[base + article_path(n)] == "\n\n".join(story(n))
    for n in range(4):
        assert RECURRING in texts[base + article_path(n)]
    site = server.base_url.split("/")[2]
    assert rows(
        Path(db),
        "SELECT page_count, sample_text FROM block_stats WHERE site = ? AND page_count > 1",
        (site,),
    ) == [(24, RECURRING)]

    result = run_cli("reextract", "--db", db)
    assert result.returncode == 0, result.stderr
    assert "Re-extracted 24 articles" in result.stdout
    assert "4 changed, 20 unchanged, 0 without article text" in result.stdout
    assert rows(Path(db), "SELECT count(*) FROM articles WHERE text LIKE ?", ("%volunteers%",)) == [
        (0,)
    ]
    for n in range(4):
        url = base + article_path(n)
        assert rows(Path(db), "SELECT text, version FROM articles WHERE url = ?", (url,)) == [
            ("\n\n".join(story(n)), 2)
        ]
        assert rows(
            Path(db),
            "SELECT v.version, v.text FROM article_versions v JOIN articles a"
            " ON a.id = v.article_id WHERE a.url = ?",
            (url,),
        ) == [(1, "\n\n".join([*story(n), RECURRING]))]


# Sites with several templates -----------------------------------------------------------

# The newsletter box of the "news" template only: a third of the site's pages, never half.
NEWSLETTER_HEADING = "The Harbour Weekly"
NEWSLETTER = (
    "Every Friday morning: the council's decisions, the tide tables and the regatta "
    "results in one short email, free for every reader of the Courier."
)
# A harbourmaster's words that three articles quote.
QUOTE = (
    "“We have not seen a tide like this in forty years,” the harbourmaster said on "
    "Thursday, standing on the flooded slipway."
)
QUOTED_IN = (4, 13, 26)


def news_page(n: int, story_paragraphs: list[str]) -> str:
    """The news template: the story in an entry-content div and the newsletter box."""
    body = "".join(f"<p>{p}</p>" for p in story_paragraphs)
    return f"""<main><article class="post type-post"><h1 class="entry-title">News {n}</h1>
<div class="entry-content">{body}
<div class="wp-block-group is-style-box"><h3>{NEWSLETTER_HEADING}</h3><p>{NEWSLETTER}</p>
</div></div></article></main>"""


def opinion_page(n: int, story_paragraphs: list[str]) -> str:
    """The opinion template: a column with its own markup and no newsletter box."""
    body = "".join(f"<p>{p}</p>" for p in story_paragraphs)
    return f"""<div id="content"><div class="column"><h1 class="column-title">Column {n}</h1>
<p class="byline">By Ana Lima</p><section class="column-body">{body}</section></div></div>"""


def sport_page(n: int, story_paragraphs: list[str]) -> str:
    """The sport template: a match report."""
    body = "".join(f"<p>{p}</p>" for p in story_paragraphs)
    return f"""<main class="sport"><h1>Report {n}</h1><div class="report-meta">Sport</div>
<div class="report-text">{body}</div></main>"""


TEMPLATES = (news_page, opinion_page, sport_page)


def template_story(n: int) -> list[str]:
    """The story of article `n`, with the quote in the articles that quote it."""
    paragraphs = story(n)
    if n in QUOTED_IN:
        paragraphs.insert(2, QUOTE)
    return paragraphs


def template_page(n: int) -> str:
    """Article `n` of the three-template site: template `n % 3`."""
    content = TEMPLATES[n % 3](n, template_story(n))
    return f"""<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>Harbour Courier article {n}</title><meta property="og:type" content="article"></head>
<body><header><nav><a href="/">Home</a> <a href="/news/">News</a></nav></header>
{content}<footer><p>Harbour Courier</p></footer></body></html>"""


def test_three_templates_extract_with_their_own_blocks():
    """Without learning, the news template's articles keep the newsletter box (neither
    pruning nor line rules know it) and the quoting articles keep the quote."""
    for n in range(6):
        article = extract_article(template_page(n), f"http://courier.test/{n}/")
        assert article is not None
        box = [NEWSLETTER_HEADING, NEWSLETTER] if n % 3 == 0 else []
        assert article.text.split("\n\n") == [*template_story(n), *box]


def test_box_of_one_template_is_learned_and_a_quote_on_three_pages_kept(tmp_path: Path):
    """On 30 pages of three templates, the news template's newsletter box (10 pages, a
    third) is learned as boilerplate although it never is on half the pages: it is dropped
    from the news articles archived once it has been seen on 8 pages, and from all of
    them on re-extraction. The quote on 3 of the 30 pages stays, and so does every story
    paragraph."""
    archive = Archive.open(tmp_path / "a.db")
    learner = BlockLearner(archive, LearningSettings())
    pages = {n: extract_article(template_page(n), f"http://courier.test/{n}/") for n in range(30)}

    def archive_all() -> dict[int, str]:
        texts = {}
        for n, article in pages.items():
            assert article is not None
            texts[n] = learner.learn_and_clean("courier.test", article.url, article).text
        return texts

    crawled = archive_all()
    with_box = [n for n, text in crawled.items() if NEWSLETTER in text]
    assert with_box == [0, 3, 6, 9, 12, 15, 18]  # the 8th news page, 21, is the first without
    assert archive.recurring_blocks("courier.test", min_pages=10, share=0.5) == set()

    reextracted = archive_all()  # the same URLs again: counted once, the box learned
    for n, text in reextracted.items():
        assert text == "\n\n".join(template_story(n))
    assert [n for n, text in reextracted.items() if QUOTE in text] == list(QUOTED_IN)
    assert rows(
        archive.path,
        "SELECT page_count, sample_text FROM block_stats WHERE site = ? AND page_count > 1"
        " ORDER BY page_count, sample_text",
        ("courier.test",),
    ) == [(3, QUOTE), (10, NEWSLETTER), (10, NEWSLETTER_HEADING)]
    archive.close()


def test_short_repeated_block_rule_needs_count_share_and_shortness(tmp_path: Path):
    """A block on 9 of 30 pages is dropped if short; a long paragraph on as many pages, a
    short one on 7, or a short one on 9 of 60 pages (15 %) is kept."""
    long_paragraph = " ".join(story(100))  # about 100 words: a story paragraph
    archive = Archive.open(tmp_path / "a.db")
    learner = BlockLearner(archive, LearningSettings())
    for n in range(30):
        blocks = [f"Story {n} is one of a kind."]
        if n < 9:
            blocks += [NEWSLETTER, long_paragraph]
        if n < 7:
            blocks.append(QUOTE)
        learner.learn("small", f"http://small/{n}", extracted("\n\n".join(blocks)))
    for n in range(60):
        blocks = [f"Story {n} is one of a kind.", *([NEWSLETTER] if n < 9 else [])]
        learner.learn("big", f"http://big/{n}", extracted("\n\n".join(blocks)))
    new = extracted("\n\n".join(["A new story.", NEWSLETTER, long_paragraph, QUOTE]))
    assert learner.clean("small", new).text.split("\n\n") == [
        "A new story.",
        long_paragraph,
        QUOTE,
    ]
    assert learner.clean("big", new) is new
    off = BlockLearner(archive, LearningSettings(min_repeats=0))
    assert off.clean("small", new) is new
    archive.close()


def test_clean_drops_exactly_the_blocks_boilerplate_names(tmp_path: Path):
    """`clean` looks each paragraph up in the counts; `boilerplate` lists the learned
    blocks: both say the same of every paragraph (common, short repeated, long repeated,
    once-seen)."""
    long_paragraph = " ".join(story(100))
    archive = Archive.open(tmp_path / "a.db")
    learner = BlockLearner(archive, LearningSettings())
    for n in range(30):
        blocks = [f"Story {n} is one of a kind.", "Share this story on every network."]
        if n < 9:
            blocks += [NEWSLETTER, long_paragraph]
        learner.learn("site", f"http://site/{n}", extracted("\n\n".join(blocks)))
    paragraphs = [
        "A new story.",
        "Share this story on every network.",
        NEWSLETTER,
        long_paragraph,
        "Story 3 is one of a kind.",
    ]
    learned = learner.boilerplate("site")
    kept = [p for p in paragraphs if not learned.matches(p)]
    assert kept == ["A new story.", long_paragraph, "Story 3 is one of a kind."]
    cleaned = learner.clean("site", extracted("\n\n".join(paragraphs)))
    assert cleaned.text.split("\n\n") == kept
    assert cleaned.word_count == len(" ".join(kept).split())
    archive.close()


def test_learning_settings_from_scrapy_settings():
    """The `BOILERPLATE_*` settings of the project make the learner's settings."""
    project = Settings()
    project.setmodule(project_settings)
    assert LearningSettings.from_settings(project) == LearningSettings()
    custom = project.copy()
    custom.update({"BOILERPLATE_MIN_REPEATS": "5", "BOILERPLATE_MIN_SHARE": "0.1"})
    assert LearningSettings.from_settings(custom) == LearningSettings(min_repeats=5, min_share=0.1)


def test_learner_memory_forgets_blocks_seen_once_long_ago(tmp_path: Path, monkeypatch):
    """In memory, a block seen on one page is forgotten once SINGLE_BLOCK_PAGES more pages
    of the site went by (a long crawl's memory stays bounded); the recurring block stays
    learned, and the archive keeps every count."""
    monkeypatch.setattr(site_blocks, "SINGLE_BLOCK_PAGES", 5)
    archive = Archive.open(tmp_path / "a.db")
    learner = BlockLearner(archive, LearningSettings(min_pages=3, share=0.5))
    for n in range(12):
        learner.learn("s", f"http://s/{n}", extracted(f"Story {n} here.\n\n{RECURRING}"))
    held = learner._sites["s"]
    assert held.pages == 12
    assert sorted(held.singles) == sorted(fingerprint(f"Story {n} here.") for n in range(7, 12))
    assert set(held.counts) == {*held.singles, fingerprint(RECURRING)}
    assert held.counts[fingerprint(RECURRING)] == 12
    assert learner.clean("s", extracted(f"A new story.\n\n{RECURRING}")).text == "A new story."
    assert rows(archive.path, "SELECT count(*) FROM block_stats WHERE site = 's'") == [(13,)]
    archive.close()
