"""End to end: `newsarchive crawl` of news sites unlike the demo site, each written into
the test's folder and served on 127.0.0.1: an old table-layout theme with no metadata,
opaque article ids, articles under listing-like words, Japanese and Chinese articles,
URL variants of one story, known service pages on a scheduled run, learned URL shapes,
and a calendar that never ends."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from site_builder import (
    CHINESE_STORY,
    JAPANESE_STORY,
    STORIES,
    ModernSite,
    old_style_article,
    old_style_listing,
    responses,
    routed_handler,
    write_page,
    write_robots,
)

from conftest import rows, run_cli
from newsarchive.demo.server import SiteServer, serve_site


def crawl(server: SiteServer, db: Path):
    """One `newsarchive crawl` of the served site, as a user runs it; the server's request
    log starts afresh."""
    server.request_log.clear()
    return run_cli("crawl", server.base_url, "--db", str(db), "--no-throttle")


def archived_paths(db: Path, server: SiteServer) -> list[str]:
    """The paths (with query, if any) of the archived articles' URLs, sorted."""
    base = server.base_url.rstrip("/")
    return sorted(url.removeprefix(base) for (url,) in rows(db, "SELECT url FROM articles"))


def article_text(db: Path, server: SiteServer, path: str) -> str:
    """The archived text of the article at `path`."""
    [(text,)] = rows(
        db, "SELECT text FROM articles WHERE url = ?", (server.base_url.rstrip("/") + path,)
    )
    return text


def test_old_theme_without_metadata(tmp_path: Path):
    """A 2008 table-and-`<font>` site (no JSON-LD, no OpenGraph, no `<article>`, no
    `<time>`): its 6 stories are archived once each, its home and section pages are not,
    and each text holds its story's first and last paragraph."""
    root = tmp_path / "site"
    stories = dict(
        zip(
            [
                "/2008/05/17/123.html",
                "/2008/05/17/124.html",
                "/2008/05/16/118.html",
                "/2008/05/15/109.html",
                "/2008/05/14/101.html",
                "/2008/05/13/097.html",
            ],
            STORIES[:6],
            strict=True,
        )
    )
    items = list(stories.items())
    write_robots(root)
    write_page(root, "/", old_style_listing("Today's Top Stories", items))
    write_page(root, "/local.html", old_style_listing("Local News", items[::2]))
    write_page(root, "/community.html", old_style_listing("Community", items[1::2]))
    for path, story in items:
        day = int(path.split("/")[3])
        write_page(root, path, old_style_article(story, f"May {day}, 2008 at 6:45 a.m."))
    for path in ("/2008/05/17/123.html", "/local.html"):
        assert "<article" not in (root / path.strip("/")).read_text()

    db = tmp_path / "archive.db"
    with serve_site(root, handler_class=routed_handler({})) as server:
        result = crawl(server, db)
        assert result.returncode == 0, result.stderr
        assert archived_paths(db, server) == sorted(stories), (result.stderr, server.request_log)
        assert rows(db, "SELECT count(*), count(DISTINCT url_key) FROM articles") == [(6, 6)]
        for path, story in items:
            text = article_text(db, server, path)
            assert story.paragraphs[0] in text, path
            assert story.paragraphs[-1] in text, path
            assert "Copyright" not in text and "Printer-friendly" not in text, path


OPAQUE_NAV = (
    ("Home", "/"),
    ("Careers", "/careers/jobs.html"),
    ("Investor Relations", "/Investor-Relations/report.html"),
    ("About", "/about.html"),
)


def test_opaque_article_ids(tmp_path: Path):
    """Articles at `/news/a8Kx29QpZ` and `/story/9f3a2c1b7e` (no date, no slug, no
    extension), listed on `/`, `/?page=2` and `/?page=3`, are all archived; the header's
    links to three pages that are not there (404) are each requested at most once, and no
    more requests 404 than there are such links."""
    root = tmp_path / "site"
    site = ModernSite("Metro Wire", OPAQUE_NAV, footer_links=OPAQUE_NAV[1:])
    paths = [
        "/news/a8Kx29QpZ",
        "/news/Qm7Tz4LwB",
        "/story/9f3a2c1b7e",
        "/news/x2Rb8NcVd",
        "/story/4be81d0c5a",
    ]
    stories = dict(zip(paths, STORIES[:5], strict=True))
    items = list(stories.items())
    most_read = [(items[0][0], items[0][1].title), (items[2][0], items[2][1].title)]
    write_robots(root)
    # The site has a sitemap, with nothing in it yet (a fresh CMS plugin).
    write_page(
        root,
        "/sitemap.xml",
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"></urlset>\n',
    )
    write_page(root, "/", site.listing("Latest news", items[:2], next_page="/?page=2"))
    write_page(root, "/page-2.html", site.listing("Latest news", items[2:4], next_page="/?page=3"))
    write_page(root, "/page-3.html", site.listing("Latest news", items[4:]))
    for path, story in items:
        write_page(root, path, site.article(story, metadata="json-ld", most_read=most_read))

    db = tmp_path / "archive.db"
    handler = routed_handler({"/?page=2": "/page-2.html", "/?page=3": "/page-3.html"})
    with serve_site(root, handler_class=handler) as server:
        result = crawl(server, db)
        log = list(server.request_log)
        answered = responses(server)
        assert result.returncode == 0, result.stderr
        assert archived_paths(db, server) == sorted(paths), (result.stderr, log)
    requested = Counter(log)
    nav_paths = [href for _, href in OPAQUE_NAV[1:]]
    assert {path: requested[path] for path in nav_paths if requested[path] > 1} == {}, log
    not_found = [path for path, status in answered if status == 404]
    assert len(not_found) <= len(nav_paths), not_found


def test_articles_under_listing_words(tmp_path: Path):
    """Articles whose paths hold listing words (`/archive/2023/05/...`, `/page/...`,
    `/topics/politics/story-12345`) and declare NewsArticle in JSON-LD are archived; the
    tag page `/topics/politics/`, the archive `/archive/` and its page 2 are not."""
    root = tmp_path / "site"
    nav = (("Home", "/"), ("Politics", "/topics/politics/"), ("Archive", "/archive/"))
    site = ModernSite("The Lakeside Ledger", nav, footer_links=(("Archive", "/archive/"),))
    a = "/archive/2023/05/harbour-ferry-timetable-changes/"
    b = "/page/library-evening-hours-extended/"
    c = "/topics/politics/story-12345"
    ferry, library, park = STORIES[0], STORIES[4], STORIES[2]
    write_robots(root)
    write_page(root, "/", site.listing("Top stories", [(a, ferry), (b, library)]))
    write_page(
        root,
        "/topics/politics/",
        site.listing("Politics", [(c, park), (a, ferry)], collection=True),
    )
    write_page(
        root,
        "/archive/",
        site.listing(
            "Archive", [(a, ferry), (b, library)], next_page="/archive/page/2/", collection=True
        ),
    )
    write_page(root, "/archive/page/2/", site.listing("Archive: page 2", [(c, park)]))
    write_page(root, a, site.article(ferry, published="2023-05-09T07:00:00+00:00"))
    write_page(root, b, site.article(library, section="Community"))
    write_page(root, c, site.article(park, section="Politics"))

    db = tmp_path / "archive.db"
    with serve_site(root, handler_class=routed_handler({})) as server:
        result = crawl(server, db)
        assert result.returncode == 0, result.stderr
        archived = archived_paths(db, server)
        log = list(server.request_log)
    assert "/topics/politics/" not in archived
    assert "/archive/page/2/" not in archived
    assert archived == sorted([a, b, c]), (result.stderr, log)


def test_japanese_and_chinese_articles(tmp_path: Path):
    """A Japanese and a Chinese article (no spaces between words) are both archived, each
    counted at more than 100 words, with its full first and last paragraphs and its
    language."""
    root = tmp_path / "site"
    ja_site = ModernSite(
        "みなと新報",
        (("ホーム", "/"), ("地域", "/ja/"), ("中文", "/zh/")),
        footer_links=(("会社概要", "/company/"),),
        lang="ja",
        labels={
            "newsletter": "メールマガジン",
            "newsletter_text": "毎朝七時に主なニュースをお届けします。",
            "most_read": "よく読まれている記事",
            "by": "記者",
            "older": "前のページ",
            "copyright": "記事・写真の無断転載を禁じます。",
        },
    )
    zh_site = ModernSite(
        "港城新闻",
        (("首页", "/"), ("日本語", "/ja/"), ("中文", "/zh/")),
        footer_links=(("关于我们", "/company/"),),
        lang="zh-CN",
        labels={
            "newsletter": "订阅简报",
            "newsletter_text": "每天早上七点，把要闻送到您的邮箱。",
            "most_read": "热门文章",
            "by": "记者",
            "older": "更早的新闻",
            "copyright": "版权所有，未经许可不得转载。",
        },
    )
    ja_path = "/ja/2024/03/12/sakura-kaika-hayamaru/"
    zh_path = "/zh/2024/03/11/intercity-rail-line-opens/"
    write_robots(root)
    write_page(
        root,
        "/",
        ja_site.listing("主なニュース", [(ja_path, JAPANESE_STORY), (zh_path, CHINESE_STORY)]),
    )
    write_page(root, "/ja/", ja_site.listing("地域", [(ja_path, JAPANESE_STORY)]))
    write_page(root, "/zh/", zh_site.listing("中文新闻", [(zh_path, CHINESE_STORY)]))
    write_page(
        root,
        ja_path,
        ja_site.article(JAPANESE_STORY, section="地域", published="2024-03-12T10:00:00+09:00"),
    )
    write_page(
        root,
        zh_path,
        zh_site.article(CHINESE_STORY, section="交通", published="2024-03-11T09:00:00+08:00"),
    )

    db = tmp_path / "archive.db"
    with serve_site(root, handler_class=routed_handler({})) as server:
        result = crawl(server, db)
        assert result.returncode == 0, result.stderr
        assert archived_paths(db, server) == sorted([ja_path, zh_path]), (
            result.stderr,
            server.request_log,
        )
        base = server.base_url.rstrip("/")
        for path, story, language in (
            (ja_path, JAPANESE_STORY, "ja"),
            (zh_path, CHINESE_STORY, "zh"),
        ):
            [(text, word_count, lang)] = rows(
                db,
                "SELECT text, word_count, language FROM articles WHERE url = ?",
                (base + path,),
            )
            assert word_count > 100, (path, word_count)
            assert story.paragraphs[0] in text, (path, text)
            assert story.paragraphs[-1] in text, (path, text)
            assert (lang or "").lower().startswith(language), (path, lang)


def test_url_variants_are_one_story(tmp_path: Path):
    """Five stories reached under variant URLs (with and without the trailing slash, an
    AMP version naming its canonical URL, tracking parameters and a fragment, `index.html`,
    and a copy under an unrelated old URL) are five `articles` rows; the AMP story is
    archived under its canonical URL."""
    root = tmp_path / "site"
    nav = (("Home", "/"), ("News", "/news/"), ("From the archive", "/old/"))
    site = ModernSite("Harbour Gazette", nav)
    a01, a02, a03, a04, a05 = STORIES[:5]
    handler = routed_handler(
        {"/news/a01": "/news/a01/index.html", "/news/a02/?amp=1": "/news/a02/amp.html"}
    )
    db = tmp_path / "archive.db"
    with serve_site(root, handler_class=handler) as server:
        base = server.base_url.rstrip("/")
        write_robots(root)
        write_page(
            root,
            "/",
            site.listing(
                "Harbour Gazette",
                [
                    ("/news/a01", a01),
                    ("/news/a02/?amp=1", a02),
                    ("/news/a03/?utm_source=x#comments", a03),
                    ("/news/a04/index.html", a04),
                    ("/news/a05/", a05),
                ],
            ),
        )
        write_page(
            root,
            "/news/",
            site.listing("News", [("/news/a01/", a01), ("/news/a04/", a04), ("/news/a03/", a03)]),
        )
        write_page(root, "/old/", site.listing("From the archive", [("/old/story-5.html", a05)]))
        write_page(root, "/news/a01/", site.article(a01))
        write_page(root, "/news/a02/", site.article(a02, canonical=f"{base}/news/a02/"))
        write_page(
            root,
            "/news/a02/amp.html",
            site.article(a02, canonical=f"{base}/news/a02/", html_attrs=" amp"),
        )
        write_page(root, "/news/a03/", site.article(a03))
        write_page(root, "/news/a04/", site.article(a04))
        write_page(root, "/news/a05/", site.article(a05))
        write_page(root, "/old/story-5.html", site.article(a05))

        result = crawl(server, db)
        log = list(server.request_log)
    assert result.returncode == 0, result.stderr
    archived = rows(db, "SELECT title, url FROM articles ORDER BY title")
    assert sorted(title for title, _ in archived) == sorted(s.title for s in STORIES[:5]), (
        archived,
        log,
    )
    assert len(archived) == 5, archived
    assert dict(archived)[a02.title] == f"{base}/news/a02/", archived


SERVICE_PAGES = {
    "/about/": (
        "About the Tribune",
        [
            "The Northfield Tribune has covered the town and its surrounding villages since"
            " 1898. Our newsroom of twelve reporters and editors works from the old post office"
            " building on Station Road.",
            "We are owned by a local trust and answer to no political party.",
        ],
    ),
    "/contact/": (
        "Contact the newsroom",
        [
            "Send news tips, corrections and letters to the editor to our newsroom, or call us on"
            " weekdays between nine and five.",
            "Our front desk on Station Road is open to visitors on weekday mornings.",
        ],
    ),
    "/advertise/": (
        "Advertise with us",
        [
            "Reach more than forty thousand readers a week in print and online. Our advertising"
            " team can help local businesses plan a campaign that fits their budget.",
            "Ask for our rate card and the dates of upcoming special supplements.",
        ],
    ),
}


def test_second_run_skips_known_service_pages(tmp_path: Path):
    """On a second, scheduled run into the same archive, the home page is fetched again,
    but neither an archived article nor any of the three service pages linked from the
    home page's main column (known as `other` pages) is."""
    root = tmp_path / "site"
    nav = (("Home", "/"), ("Town", "/town/"), ("Schools", "/schools/"))
    footer = tuple((title, path) for path, (title, _) in SERVICE_PAGES.items())
    site = ModernSite("Northfield Tribune", nav, footer_links=footer)
    articles = {
        "/2024/04/09/harlan-street-bridge-to-close/": STORIES[0],
        "/2024/04/10/robotics-team-heads-to-finals/": STORIES[1],
        "/2024/04/11/rail-yard-park-plan-approved/": STORIES[2],
        "/2024/04/12/late-frost-hits-orchards/": STORIES[3],
    }
    items = list(articles.items())
    promo = "<section class='from-the-newsroom'><h2>From the newsroom</h2><ul>" + "".join(
        f"<li><a href='{path}'>{title}</a></li>" for path, (title, _) in SERVICE_PAGES.items()
    )
    promo += "</ul></section>"
    write_robots(root)
    write_page(root, "/", site.listing("Northfield Tribune", items, extra_main=promo))
    write_page(root, "/town/", site.listing("Town", [items[0], items[2], items[3]]))
    write_page(root, "/schools/", site.listing("Schools", [items[1]]))
    for path, (title, paragraphs) in SERVICE_PAGES.items():
        write_page(root, path, site.service_page(title, paragraphs))
    for day, (path, story) in enumerate(items, start=9):
        write_page(root, path, site.article(story, published=f"2024-04-{day:02d}T07:30:00+00:00"))

    db = tmp_path / "archive.db"
    with serve_site(root, handler_class=routed_handler({})) as server:
        first = crawl(server, db)
        assert first.returncode == 0, first.stderr
        assert archived_paths(db, server) == sorted(articles), (first.stderr, server.request_log)
        first_log = list(server.request_log)
        second = crawl(server, db)
        assert second.returncode == 0, second.stderr
        second_log = list(server.request_log)
        base = server.base_url.rstrip("/")
    assert set(SERVICE_PAGES) <= set(first_log), first_log
    assert "/" in second_log, second_log
    assert [path for path in second_log if path in SERVICE_PAGES] == [], second_log
    assert [path for path in second_log if path in articles] == [], second_log
    [(skipped,)] = rows(db, "SELECT known_pages_skipped FROM crawl_runs WHERE id = 2")
    assert skipped == 3, (skipped, second_log)  # each service page once, not each link
    assert "/schools/" in second_log  # a section with one story is still read
    kinds = rows(
        db,
        "SELECT url, kind FROM fetched_urls WHERE url IN (?, ?, ?) ORDER BY url",
        tuple(base + path for path in SERVICE_PAGES),
    )
    assert kinds == sorted((base + path, "other") for path in SERVICE_PAGES)


def test_url_shapes_learned_and_requests_counted(tmp_path: Path):
    """After a crawl of 8 dated articles, `url_shapes` counts 8 articles and no listing
    for `/{year}/{month}/{day}/{slug}/`, and the run's `requests` is the number of requests
    the server saw (robots.txt included)."""
    root = tmp_path / "site"
    nav = (("Home", "/"), ("Local", "/local/"), ("Transport", "/transport/"))
    site = ModernSite("Millbrook Daily", nav)
    slugs = [
        "harlan-street-bridge-repairs",
        "westfield-robotics-national-finals",
        "carver-street-rail-yard-park",
        "valley-orchards-late-frost",
        "library-longer-opening-hours",
        "st-annes-emergency-wing-opens",
        "lake-marren-shore-clean-up",
        "night-buses-three-routes",
    ]
    articles = {
        f"/2024/03/{day:02d}/{slug}/": story
        for day, slug, story in zip(range(4, 20, 2), slugs, STORIES, strict=True)
    }
    items = list(articles.items())
    write_robots(root)
    write_page(root, "/", site.listing("Top stories", items[:5], next_page="/page/2/"))
    write_page(root, "/page/2/", site.listing("Top stories: page 2", items[5:]))
    write_page(root, "/local/", site.listing("Local", items[:4]))
    write_page(root, "/transport/", site.listing("Transport", [items[0], items[7]]))
    for path, story in items:
        write_page(
            root,
            path,
            site.article(story, published=f"{path[1:11].replace('/', '-')}T06:00:00+00:00"),
        )

    db = tmp_path / "archive.db"
    with serve_site(root, handler_class=routed_handler({})) as server:
        result = crawl(server, db)
        log = list(server.request_log)
    assert result.returncode == 0, result.stderr
    assert "/robots.txt" in log
    assert len(rows(db, "SELECT id FROM articles")) == 8, (result.stderr, log)
    shapes = rows(db, "SELECT template, articles, listings, others FROM url_shapes")
    assert [
        (articles_, listings)
        for template, articles_, listings, _ in shapes
        if template == "/{year}/{month}/{day}/{slug}/"
    ] == [(8, 0)], shapes
    assert rows(db, "SELECT requests FROM crawl_runs") == [(len(log),)], log


def _month_page(site: ModernSite, year: int, month: int, items: list) -> str:
    """A calendar month page: the stories of that month (if any) and links to the months
    before and after it, from January 2003 to December 2012."""
    prev_year, prev_month = (year, month - 1) if month > 1 else (year - 1, 12)
    next_year, next_month = (year, month + 1) if month < 12 else (year + 1, 1)
    links = []
    if prev_year >= 2003:
        links.append(
            f'<a href="/calendar/{prev_year}/{prev_month:02d}/">&laquo; Previous month</a>'
        )
    if next_year <= 2012:
        links.append(f'<a href="/calendar/{next_year}/{next_month:02d}/">Next month &raquo;</a>')
    nav = f'<p class="calendar-links">{" | ".join(links)}</p>'
    if items:
        return site.listing(f"Stories of {month:02d}/{year}", items, extra_main=nav)
    empty = f"<h1>Stories of {month:02d}/{year}</h1><p>No stories this month.</p>{nav}"
    return site.page(f"Calendar {month:02d}/{year}", empty)


def test_calendar_trap_left_early(tmp_path: Path):
    """A home page lists 5 articles and links to `/calendar/2008/05/`, a calendar whose
    month pages link to the previous and next month for ten years: the 5 articles are
    archived and fewer than 15 calendar pages are requested."""
    root = tmp_path / "site"
    nav = (("Home", "/"), ("Calendar", "/calendar/2008/05/"))
    site = ModernSite("Courier Weekly", nav)
    articles = {
        "/2008/05/05/bridge-closure-six-weeks/": STORIES[0],
        "/2008/05/09/robotics-team-national-finals/": STORIES[1],
        "/2008/05/14/rail-yard-becomes-park/": STORIES[2],
        "/2008/05/20/orchards-lose-blossom-to-frost/": STORIES[3],
        "/2008/05/27/library-opening-hours-extended/": STORIES[4],
    }
    items = list(articles.items())
    write_robots(root)
    browse = '<p><a href="/calendar/2008/05/">Browse the archive month by month</a></p>'
    write_page(root, "/", site.listing("This week", items, extra_main=browse))
    for year in range(2003, 2013):
        for month in range(1, 13):
            month_items = items if (year, month) == (2008, 5) else []
            write_page(
                root, f"/calendar/{year}/{month:02d}/", _month_page(site, year, month, month_items)
            )
    for path, story in items:
        write_page(
            root,
            path,
            site.article(story, published=f"{path[1:11].replace('/', '-')}T08:00:00+00:00"),
        )

    db = tmp_path / "archive.db"
    with serve_site(root, handler_class=routed_handler({})) as server:
        result = crawl(server, db)
        assert result.returncode == 0, result.stderr
        log = list(server.request_log)
        assert archived_paths(db, server) == sorted(articles), (result.stderr, log)
    calendar = [path for path in log if path.startswith("/calendar/")]
    assert "/calendar/2008/05/" in calendar  # the trap is entered...
    assert len(calendar) < 15, calendar  # ...and left early


def test_query_string_variants_left_early(tmp_path: Path):
    """A section whose page links to endless query-string variants of itself (`?view=N`),
    each listing the same stories again: the stories are archived once, and the chain of
    variants is left after a few pages that bring nothing new."""
    root = tmp_path / "site"
    site = ModernSite("Courier Weekly", (("Home", "/"), ("News", "/news/")))
    articles = {
        "/2008/05/05/bridge-closure-six-weeks/": STORIES[0],
        "/2008/05/09/robotics-team-national-finals/": STORIES[1],
        "/2008/05/14/rail-yard-becomes-park/": STORIES[2],
    }
    items = list(articles.items())
    write_robots(root)
    write_page(root, "/", site.listing("This week", items))
    routes = {}
    for view in range(0, 60):
        more = f'<p><a href="/news/?view={view + 1}">Show this section another way</a></p>'
        write_page(root, f"/views/{view}.html", site.listing("News", items, extra_main=more))
        routes["/news/" if view == 0 else f"/news/?view={view}"] = f"/views/{view}.html"
    for path, story in items:
        write_page(root, path, site.article(story))

    db = tmp_path / "archive.db"
    with serve_site(root, handler_class=routed_handler(routes)) as server:
        result = crawl(server, db)
        assert result.returncode == 0, result.stderr
        log = list(server.request_log)
        assert archived_paths(db, server) == sorted(articles), (result.stderr, log)
    variants = [path for path in log if path.startswith("/news/?view=")]
    assert variants, log  # the chain is entered...
    assert len(variants) <= 4, variants  # ...and left once its pages bring nothing new
