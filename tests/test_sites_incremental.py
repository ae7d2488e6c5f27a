"""Tests for the sites-file keys of incremental crawls: feeds, sitemaps and revisit_*."""

import pytest

from crawler.middlewares.revisit import RevisitPolicy
from crawler.sites import SiteConfig, SitesFileError, load_sites

INCREMENTAL = """\
[sites.coastline]
start_urls = ["https://www.example.com/news/"]
feeds = ["https://www.example.com/news/rss.xml", "https://www.example.com/local/atom.xml"]
sitemaps = ["https://www.example.com/sitemap-news.xml"]
revisit_recent_days = 2
revisit_recent_every_hours = 1.5
revisit_old_every_days = 0

[sites.valley]
start_urls = ["http://127.0.0.1:8765/"]
sitemaps = ["http://127.0.0.1:8765/sitemap.xml.gz", "http://127.0.0.1:8765/sitemap-2026.xml"]
revisit_old_every_days = 14
"""

GOOD_SITE = '[sites.valley]\nstart_urls = ["http://127.0.0.1:8766/"]\n\n'
COASTLINE_START = '[sites.coastline]\nstart_urls = ["https://www.example.com/news/"]\n'


def write(tmp_path, text: str):
    """A sites file holding `text`."""
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(tmp_path, table_lines: str) -> tuple[str, str]:
    """The (path, message) of the error loading a file whose second site, coastline, has
    `table_lines` after its start URLs."""
    path = write(tmp_path, GOOD_SITE + COASTLINE_START + table_lines)
    with pytest.raises(SitesFileError) as excinfo:
        load_sites(path)
    return str(path), str(excinfo.value)


def test_feeds_sitemaps_and_revisit_load(tmp_path):
    """The new keys load into feeds, sitemaps and the revisit overrides, as floats."""
    sites = load_sites(write(tmp_path, INCREMENTAL))
    assert sites == [
        SiteConfig(
            name="coastline",
            start_urls=["https://www.example.com/news/"],
            feeds=[
                "https://www.example.com/news/rss.xml",
                "https://www.example.com/local/atom.xml",
            ],
            sitemaps=["https://www.example.com/sitemap-news.xml"],
            revisit={"recent_days": 2.0, "recent_every_hours": 1.5, "old_every_days": 0.0},
        ),
        SiteConfig(
            name="valley",
            start_urls=["http://127.0.0.1:8765/"],
            sitemaps=[
                "http://127.0.0.1:8765/sitemap.xml.gz",
                "http://127.0.0.1:8765/sitemap-2026.xml",
            ],
            revisit={"old_every_days": 14.0},
        ),
    ]
    assert all(isinstance(value, float) for value in sites[0].revisit.values())


def test_new_keys_default_to_empty(tmp_path):
    """A site without the new keys has no feeds, no sitemaps and no revisit overrides."""
    (site,) = load_sites(write(tmp_path, COASTLINE_START))
    assert site.feeds == []
    assert site.sitemaps == []
    assert site.revisit == {}


def test_revisit_overrides_are_policy_fields(tmp_path):
    """A site's revisit dict applies to a RevisitPolicy as-is."""
    coastline, valley = load_sites(write(tmp_path, INCREMENTAL))
    base = RevisitPolicy(recent_days=3, recent_every_hours=6, old_every_days=30)
    assert base.with_overrides(coastline.revisit) == RevisitPolicy(
        recent_days=2.0, recent_every_hours=1.5, old_every_days=0.0
    )
    assert base.with_overrides(valley.revisit) == RevisitPolicy(
        recent_days=3, recent_every_hours=6, old_every_days=14.0
    )


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'feeds = ["www.example.com/news/rss.xml"]\n',
            "'www.example.com/news/rss.xml' is not an http(s) URL",
        ),
        (
            'feeds = ["https://www.example.com/rss.xml", "ftp://www.example.com/rss.xml"]\n',
            "'ftp://www.example.com/rss.xml' is not an http(s) URL",
        ),
        ('sitemaps = ["/sitemap.xml"]\n', "'/sitemap.xml' is not an http(s) URL"),
        ('sitemaps = ["https://"]\n', "'https://' has no valid host name"),
        ('feeds = "https://www.example.com/news/rss.xml"\n', "feeds must be a list of strings"),
        ("sitemaps = [1]\n", "sitemaps must be a list of strings"),
    ],
    ids=[
        "feed-no-scheme",
        "second-feed-ftp",
        "sitemap-relative",
        "sitemap-no-host",
        "feeds-string",
        "sitemaps-number",
    ],
)
def test_bad_feeds_and_sitemaps(tmp_path, table, message):
    """A feed or sitemap entry that is not an http(s) URL is an error naming file and site."""
    path, text = load_error(tmp_path, table)
    assert text.startswith(f"{path}: [sites.coastline]: ")
    assert message in text


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("revisit_recent_days = -1\n", "revisit_recent_days"),
        ("revisit_recent_every_hours = -0.5\n", "revisit_recent_every_hours"),
        ('revisit_old_every_days = "30"\n', "revisit_old_every_days"),
        ("revisit_old_every_days = true\n", "revisit_old_every_days"),
        ("revisit_recent_days = false\n", "revisit_recent_days"),
        ("revisit_recent_every_hours = [6]\n", "revisit_recent_every_hours"),
    ],
    ids=["negative-int", "negative-float", "string", "true", "false", "list"],
)
def test_bad_revisit_values(tmp_path, table, key):
    """A revisit_* value that is negative, a string, a boolean or a list is an error."""
    path, text = load_error(tmp_path, table)
    assert text == f"{path}: [sites.coastline]: {key} must be a number >= 0"


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("revisit_recent_every_hours = nan\n", "revisit_recent_every_hours"),
        ("revisit_old_every_days = inf\n", "revisit_old_every_days"),
    ],
    ids=["nan", "inf"],
)
def test_non_finite_revisit_values(tmp_path, table, key):
    """TOML's nan and inf are not usable revisit intervals (timedelta cannot hold them, so
    every revisit check would fail): they are errors like negative numbers."""
    path, text = load_error(tmp_path, table)
    assert text == f"{path}: [sites.coastline]: {key} must be a number >= 0"


def test_zero_revisit_values_are_allowed(tmp_path):
    """Zero is a valid value for every revisit_* key."""
    table = "revisit_recent_days = 0\nrevisit_recent_every_hours = 0\nrevisit_old_every_days = 0\n"
    (site,) = load_sites(write(tmp_path, COASTLINE_START + table))
    assert site.revisit == {"recent_days": 0.0, "recent_every_hours": 0.0, "old_every_days": 0.0}


def test_misspelt_revisit_key_is_unknown(tmp_path):
    """A misspelt revisit key is an unknown key, not silently ignored."""
    path, text = load_error(tmp_path, "revisit_old_days = 30\n")
    assert text == f"{path}: [sites.coastline]: unknown key(s) revisit_old_days"
