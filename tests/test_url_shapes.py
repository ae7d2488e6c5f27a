"""Tests for URL shapes (templates learned per site) and story identity (`url_key`)."""

import pytest

from crawler.pages.url_shapes import ShapeBook, coarse_template, url_template
from crawler.pages.urls import url_key

BASE = "http://127.0.0.1:8765"


@pytest.mark.parametrize(
    ("path", "template"),
    [
        ("/2024/05/17/storm-hits-the-coast/", "/{year}/{month}/{day}/{slug}/"),
        ("/news/a8Kx29QpZ", "/news/{id}"),
        ("/story/9f3a2c1b7e.html", "/story/{id}.html"),
        ("/news.php?id=123", "/news.php?id={num}"),
        ("/topics/politics/story-12345", "/topics/politics/{id}"),
        ("/archive/2023/05/the-long-road-home/", "/archive/{year}/{month}/{slug}/"),
        ("/category/world/page/2/", "/category/world/page/{num}/"),
        ("/calendar/2008/05/", "/calendar/{year}/{month}/"),
        ("/news?page=3&sort=new", "/news?page={num}&sort={id}"),
        ("/", "/"),
        ("/about", "/about"),
        ("/news/12345678", "/news/{num}"),
    ],
)
def test_url_template_names_the_varying_parts(path: str, template: str) -> None:
    assert url_template(BASE + path) == template


def test_coarse_template_makes_the_last_word_variable() -> None:
    assert coarse_template("/careers/jobs.html") == "/careers/{text}.html"
    assert coarse_template("/about") == "/{text}"
    assert coarse_template("/news/{id}") == "/news/{id}"
    assert coarse_template("/a/b/?page={num}") == "/a/{text}/?page={num}"


def test_shape_book_has_no_opinion_before_enough_pages() -> None:
    book = ShapeBook(min_pages=3)
    book.observe(f"{BASE}/news/a8Kx29QpZ", "article")
    book.observe(f"{BASE}/news/b7Jy18PoY", "article")
    assert book.prior(f"{BASE}/news/c6Hz07OnX") == 0.0
    assert not book.is_article_shape(f"{BASE}/news/c6Hz07OnX")
    book.observe(f"{BASE}/news/d5Gw96NmW", "article")
    assert book.prior(f"{BASE}/news/c6Hz07OnX") > 1.0
    assert book.is_article_shape(f"{BASE}/news/c6Hz07OnX")


def test_shape_book_listing_shapes_get_a_negative_prior_and_are_not_dead() -> None:
    book = ShapeBook(min_pages=3, dead_pages=5)
    for page in range(2, 8):
        book.observe(f"{BASE}/category/world/page/{page}/", "listing")
    url = f"{BASE}/category/world/page/9/"
    assert book.prior(url) < -1.0
    assert not book.is_article_shape(url)
    assert not book.is_dead_shape(url)


def test_shape_book_dead_shapes_need_five_pages_that_were_neither() -> None:
    book = ShapeBook(min_pages=3, dead_pages=5)
    for word in ("jobs", "benefits", "culture", "offices"):
        book.observe(f"{BASE}/careers/{word}.html", "other")
    assert not book.is_dead_shape(f"{BASE}/careers/interns.html")
    book.observe(f"{BASE}/careers/apply.html", "other")
    assert book.is_dead_shape(f"{BASE}/careers/interns.html")
    book.observe(f"{BASE}/careers/story-of-our-founder-told.html", "article")
    assert not book.is_dead_shape(f"{BASE}/careers/story-of-one-more-founder.html")


def test_shape_book_rows_round_trip() -> None:
    book = ShapeBook()
    book.observe(f"{BASE}/2024/05/17/storm-hits-the-coast/", "article")
    loaded = ShapeBook()
    loaded.load(book.rows())
    assert loaded.rows() == book.rows()
    assert ("/{year}/{month}/{day}/{slug}/", 1, 0, 0) in loaded.rows()
    assert loaded.rows(only_changed=True) == []


def test_shape_book_observed_is_what_was_counted_since_loading(tmp_path) -> None:
    """Two workers start from the same stored counts; each adds what it counted, and the
    archive ends with the sum (neither replaces the other's)."""
    from pipelines.archive import Archive

    stored = [("/{year}/{month}/{day}/{slug}/", 4, 0, 1)]
    archive = Archive.open(tmp_path / "archive.db")
    archive.save_url_shapes("site", stored)
    workers = [ShapeBook(), ShapeBook()]
    for number, book in enumerate(workers):
        book.load(archive.url_shapes("site"))
        for day in range(number + 1):
            book.observe(f"{BASE}/2024/05/1{day}/story-of-the-day/", "article")
        book.observe(f"{BASE}/section/politics/", "listing")
    observed = {row[0]: tuple(row[1:]) for row in workers[1].observed()}
    assert observed["/{year}/{month}/{day}/{slug}/"] == (2, 0, 0)
    assert observed["/section/politics/"] == (0, 1, 0)
    for book in workers:
        archive.add_url_shapes("site", book.observed())
    rows = {row[0]: tuple(row[1:]) for row in archive.url_shapes("site")}
    archive.close()
    assert rows["/{year}/{month}/{day}/{slug}/"] == (4 + 1 + 2, 0, 1)
    assert rows["/section/politics/"] == (0, 2, 0)


@pytest.mark.parametrize(
    "variant",
    [
        "/news/a01",
        "/news/a01/",
        "/news/a01/?amp=1",
        "/news/a01/amp/",
        "/news/a01/index.html",
        "/news/a01/?utm_source=feed&utm_medium=rss",
        "/news/a01/#comments",
    ],
)
def test_url_key_collapses_variants_of_a_story(variant: str) -> None:
    assert url_key(BASE + variant) == f"{BASE}/news/a01"


def test_url_key_keeps_what_tells_pages_apart() -> None:
    assert url_key(f"{BASE}/news.php?id=1") != url_key(f"{BASE}/news.php?id=2")
    assert url_key("http://EXAMPLE.com/Story") == "http://example.com/Story"
    assert url_key(f"{BASE}/") == f"{BASE}/"
