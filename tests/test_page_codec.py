"""Raw pages in the archive: zstd with a dictionary per site, and pages stored with zlib."""

from __future__ import annotations

import logging
import random
import zlib
from contextlib import closing
from pathlib import Path

import pytest
import zstandard
from sqlite_utils import Database

from crawler.items import ArticlePage
from pipelines.archive import Archive, page_codec
from pipelines.archive.migrations import migrations
from pipelines.extraction import ExtractedArticle

TRAIN_AFTER = page_codec.TRAIN_AFTER


def site_page(site: str, n: int) -> bytes:
    """Article page `n` of `site`: the site's own long header, menus, inline CSS and
    script and footer (the same on each of its pages), around text of its own; with
    bytes that are not UTF-8, as pages in other encodings have."""
    chrome = random.Random(site)
    words = ["".join(chrome.choices("abcdefghijklmnopqrstuvwxyz", k=7)) for _ in range(400)]
    nav = "".join(f'<li><a href="/{w}/">{w.title()}</a></li>' for w in words[:150])
    css = "".join(f".{w}{{margin:{i}px;color:#{i:06x}}}" for i, w in enumerate(words[150:300]))
    script = "".join(f"var {w}={i};" for i, w in enumerate(words[300:]))
    story = random.Random(f"{site}/{n}")
    text = " ".join(story.choice(words) + story.choice(["", "s", "ed"]) for _ in range(700))
    return (
        f'<html><head><style>{css}</style><script>{script}</script></head><body lang="fr">'
        f"<header><ul>{nav}</ul></header><article><h1>Story {n}</h1><p>{text} café</p>"
        f"</article><footer><ul>{nav}</ul></footer></body></html>"
    ).encode() + b"\xff\xfe"


def store(archive: Archive, run_id: int, site: str, n: int, body: bytes | None = None) -> None:
    """Archive article `n` of `site` with its page (`site_page` unless `body` is given)."""
    url = f"http://{site}.test/2024/05/{n:03d}/story/"
    page = ArticlePage(
        url=url,
        requested_url=url,
        status=200,
        headers={"Content-Type": "text/html; charset=utf-8"},
        body=body if body is not None else site_page(site, n),
        encoding="utf-8",
        site=site,
        found_via="start",
        fetched_at=f"2024-05-01T10:{n // 60:02d}:{n % 60:02d}+00:00",
    )
    text = f"Story {n} of {site}: the harbour authority said the pier reopens."
    article = ExtractedArticle(
        url=url,
        canonical_url=url,
        title=f"Story {n}",
        authors=[],
        published=None,
        modified=None,
        section=None,
        tags=[],
        language="fr",
        description=None,
        image=None,
        text=text,
        word_count=len(text.split()),
    )
    archive.store_article(page, article, run_id)


def page_rows(archive: Archive) -> list[dict]:
    """The `pages` rows, oldest first."""
    return list(archive.db["pages"].rows_where(order_by="id"))


# The codec ------------------------------------------------------------------------------


def test_plain_round_trip_is_exact():
    """Without a dictionary a page is one zstd frame of its exact bytes."""
    body = site_page("coastline", 1)
    data = page_codec.compress(body)
    assert zstandard.ZstdDecompressor().decompress(data) == body
    assert page_codec.decompress(data) == body
    assert len(data) < len(body) / 3


def test_dictionary_round_trip_and_gain():
    """A dictionary trained on a site's pages gives its later pages back exactly, smaller
    than plain zstd; a frame made with it cannot be read without it."""
    data = page_codec.train(site_page("coastline", n) for n in range(TRAIN_AFTER))
    assert data is not None and 1024 <= len(data) <= page_codec.DICTIONARY_SIZE
    dictionary = page_codec.PageDictionary(data)
    later = site_page("coastline", TRAIN_AFTER + 5)
    packed = dictionary.compress(later)
    assert page_codec.decompress(packed, dictionary) == later
    assert page_codec.decompress(packed, page_codec.PageDictionary(data)) == later
    assert len(packed) < 0.7 * len(page_codec.compress(later))
    assert zstandard.get_frame_parameters(packed).dict_id == dictionary.zstd_id != 0
    with pytest.raises(zstandard.ZstdError):
        page_codec.decompress(packed)


def test_train_declines_too_little():
    """Too few or too small pages give no dictionary (None), not an error."""
    assert page_codec.train([]) is None
    assert page_codec.train([b"<p>short</p>"] * 40) is None


def test_dictionary_cache_is_bounded():
    """The cache keeps the most recently used dictionaries only."""
    data = page_codec.train(site_page("coastline", n) for n in range(8))
    assert data is not None
    cache = page_codec.DictionaryCache(capacity=2)
    for key in ("a", "b", "c"):
        cache.put(key, page_codec.PageDictionary(data))
        if key == "b":
            assert cache.get("a") is not None  # "a" used: "b" is now the oldest
    assert [key for key in "abc" if cache.get(key) is not None] == ["a", "c"]


# In the archive -------------------------------------------------------------------------


def test_site_gets_a_dictionary_after_its_first_pages(tmp_path: Path, caplog):
    """A site's first pages are stored with plain zstd; then a dictionary is trained on
    them and stored, and its later pages use it and are smaller than with plain zstd.
    Every page reads back exactly, also in an archive opened afresh."""
    path = tmp_path / "archive.db"
    total = TRAIN_AFTER + 6
    with closing(Archive.open(path)) as archive, caplog.at_level(logging.INFO):
        run_id = archive.start_run("coastline", [])
        for n in range(total):
            store(archive, run_id, "coastline", n)
        rows = page_rows(archive)
        (dictionary,) = list(archive.db["page_dictionaries"].rows)
        assert [archive.page_html(row) for row in rows] == [
            site_page("coastline", n) for n in range(total)
        ]
    assert any(
        "Trained a" in r.getMessage() and "coastline" in r.getMessage() for r in caplog.records
    )
    assert {k: v for k, v in dictionary.items() if k not in ("trained", "dictionary")} == {
        "id": 1,
        "site": "coastline",
        "sample_pages": TRAIN_AFTER,
        "sample_bytes": sum(len(site_page("coastline", n)) for n in range(TRAIN_AFTER)),
        "size": len(dictionary["dictionary"]),
        "zstd_id": zstandard.ZstdCompressionDict(dictionary["dictionary"]).dict_id(),
    }
    assert [row["dictionary_id"] for row in rows] == [None] * TRAIN_AFTER + [1] * 6
    assert all(row["html_zlib"] is None for row in rows)
    for row in rows[TRAIN_AFTER:]:
        plain = page_codec.compress(site_page("coastline", row["id"] - 1))
        assert len(row["html_zstd"]) < 0.7 * len(plain)
    with closing(Archive.open(path)) as archive:
        rows = page_rows(archive)
        first, after = rows[0], rows[-1]
        assert archive.page_html(after) == site_page("coastline", total - 1)
        assert archive.page_html(first) == site_page("coastline", 0)
        article, html = archive.article_with_page(after["article_id"])
        assert (article["title"], html) == (f"Story {total - 1}", site_page("coastline", total - 1))
        run_id = archive.start_run("coastline", [])
        store(archive, run_id, "coastline", total)  # the stored dictionary, loaded again
        (last,) = archive.db["pages"].rows_where("id = ?", [total + 1])
        assert last["dictionary_id"] == 1
        assert archive.page_html(last) == site_page("coastline", total)
        assert archive.count("page_dictionaries") == 1


def test_each_site_has_its_own_dictionary(tmp_path: Path):
    """A site's dictionary is trained on its own pages and used for its pages only."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [])
        for n in range(TRAIN_AFTER + 1):
            store(archive, run_id, "coastline", n)
        store(archive, run_id, "harbour", 0)
        rows = page_rows(archive)
        assert [(d["id"], d["site"]) for d in archive.db["page_dictionaries"].rows] == [
            (1, "coastline")
        ]
        assert (rows[-2]["dictionary_id"], rows[-1]["dictionary_id"]) == (1, None)
        assert archive.page_html(rows[-1]) == site_page("harbour", 0)


def test_small_pages_get_no_dictionary_and_are_tried_again(tmp_path: Path):
    """Pages too small to learn from keep plain zstd; training is tried again only after
    as many pages again."""
    with closing(Archive.open(tmp_path / "archive.db")) as archive:
        run_id = archive.start_run("coastline", [])
        for n in range(2 * TRAIN_AFTER + 2):
            store(archive, run_id, "coastline", n, body=f"<p>{n}</p>".encode())
        rows = page_rows(archive)
        assert archive.count("page_dictionaries") == 0
        assert {row["dictionary_id"] for row in rows} == {None}
        assert [archive.page_html(row) for row in rows] == [
            f"<p>{n}</p>".encode() for n in range(2 * TRAIN_AFTER + 2)
        ]


def test_rolled_back_dictionary_leaves_no_dangling_page(tmp_path: Path):
    """A batch rolled back after it trained a dictionary takes the dictionary with it; the
    pages stored next never name a dictionary that is not in the archive."""
    path = tmp_path / "archive.db"
    with closing(Archive.open(path)) as archive:
        run_id = archive.start_run("coastline", [])
        for n in range(TRAIN_AFTER):
            store(archive, run_id, "coastline", n)
        archive.begin_batch()
        store(archive, run_id, "coastline", TRAIN_AFTER)  # trains the dictionary
        assert archive.count("page_dictionaries") == 1
        archive.rollback_batch()
        assert archive.count("page_dictionaries") == 0
        for n in range(TRAIN_AFTER, TRAIN_AFTER + 3):
            store(archive, run_id, "coastline", n)
        known = {d["id"] for d in archive.db["page_dictionaries"].rows}
        rows = page_rows(archive)
        assert {row["dictionary_id"] for row in rows} - {None} <= known
    with closing(Archive.open(path)) as archive:
        assert [archive.page_html(row) for row in page_rows(archive)] == [
            site_page("coastline", n) for n in range(TRAIN_AFTER + 3)
        ]


def test_pages_stored_with_zlib_still_read_back(tmp_path: Path):
    """An archive written before zstd (schema m005, `html_zlib` pages) is migrated: its
    pages read back, the same bytes again add no row, its new pages are stored with
    zstd, and its old pages train the site's dictionary."""
    path = tmp_path / "archive.db"
    db = Database(path)
    migrations.apply(db, stop_before="m006_page_dictionaries")
    old = [site_page("coastline", n) for n in range(TRAIN_AFTER)]
    for n, body in enumerate(old, start=1):
        db["articles"].insert(
            {"id": n, "url": f"http://coastline.test/{n}/", "site": "coastline", "text": "t"}
            | {"first_seen": "2023-01-01", "last_seen": "2023-01-01", "page_id": n}
        )
        db["pages"].insert(
            {
                "id": n,
                "url": f"http://coastline.test/{n}/",
                "article_id": n,
                "status": 200,
                "fetched_at": "2023-01-01T00:00:00+00:00",
                "sha256": f"{n}",
                "html_zlib": zlib.compress(body, 6),
            }
        )
    db.close()
    with closing(Archive.open(path)) as archive:
        rows = page_rows(archive)
        assert [archive.page_html(row) for row in rows] == old
        assert {(row["html_zstd"], row["dictionary_id"]) for row in rows} == {(None, None)}
        assert archive.article_with_page(3) == (archive.db["articles"].get(3), old[2])
        run_id = archive.start_run("coastline", [])
        store(archive, run_id, "coastline", 100)
        (new,) = archive.db["pages"].rows_where("id > ?", [TRAIN_AFTER])
        assert new["html_zlib"] is None and new["dictionary_id"] == 1
        assert archive.page_html(new) == site_page("coastline", 100)
        assert archive.db["page_dictionaries"].get(1)["sample_pages"] == TRAIN_AFTER
        store(archive, run_id, "coastline", 100)  # identical bytes: no new row
        assert archive.count("pages") == TRAIN_AFTER + 1
