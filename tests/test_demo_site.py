"""The bundled demo site: built from its content, served as a WordPress-like news site."""

from __future__ import annotations

import urllib.request
from pathlib import Path

from newsarchive.demo.build import article_path, build_site, load_content
from newsarchive.demo.server import SITE_DIR


def test_committed_site_is_built_from_content(tmp_path: Path):
    """`newsarchive/demo/site/` is what `python -m newsarchive.demo.build` makes of content.json."""
    out = tmp_path / "site"
    built = {p.relative_to(out): p.read_bytes() for p in build_site(load_content(), out)}
    committed = {
        p.relative_to(SITE_DIR): p.read_bytes() for p in SITE_DIR.rglob("*") if p.is_file()
    }
    assert built.keys() == committed.keys()
    assert [name for name in built if built[name] != committed[name]] == []


def test_site_shape(demo_content: dict):
    """At least 40 articles in at least 3 sections, each section paginated 10 per page."""
    articles = demo_content["articles"]
    assert len(articles) >= 40
    for section in demo_content["sections"]:
        count = sum(1 for a in articles if a["section"] == section["slug"])
        assert count > 10
        page2 = SITE_DIR / "category" / section["slug"] / "page" / "2" / "index.html"
        first = (SITE_DIR / "category" / section["slug"] / "index.html").read_text()
        assert first.count('<article id="post-') == 10
        assert "Older posts" in first and page2.exists()
    for article in articles:
        assert (SITE_DIR / article_path(article).strip("/") / "index.html").exists()


def test_server_serves_pages_feed_and_robots(demo_site):
    """Folders answer with their index.html, the feed with its RSS, robots.txt as text."""
    with urllib.request.urlopen(demo_site.base_url + "feed/") as response:
        assert response.headers["Content-Type"].startswith("application/xml")
        assert b"<rss" in response.read(200)
    with urllib.request.urlopen(demo_site.base_url + "robots.txt") as response:
        assert b"Disallow: /private/" in response.read()
    with urllib.request.urlopen(demo_site.base_url + "category/asia/page/2/") as response:
        assert response.status == 200
    assert demo_site.request_log == ["/feed/", "/robots.txt", "/category/asia/page/2/"]
