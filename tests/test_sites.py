"""Tests for sites: the sites file, site selection and sites from command-line URLs."""

import re

import pytest

from crawler.pages.urls import InvalidURL
from crawler.sites import SiteConfig, SitesFileError, load_sites, select_site, site_from_urls

VALID = """\
# Two sites to archive.
[sites.coastline]
start_urls = ["http://127.0.0.1:8765/news/#top", "http://127.0.0.1:8765/local/?utm_source=x"]
allowed_paths = ["/news/", "/local/"]
article_url_pattern = '/\\d{4}/\\d{2}/\\d{2}/'
boilerplate_selectors = [".promo-box", "div#print-edition"]

[sites.valley]
start_urls = ["https://Example.com/"]
"""


def write(tmp_path, text: str):
    """A sites file holding `text`."""
    path = tmp_path / "sites.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_two_sites(tmp_path):
    """Both [sites.NAME] tables load, in file order, with start URLs normalised."""
    sites = load_sites(write(tmp_path, VALID))
    assert sites == [
        SiteConfig(
            name="coastline",
            start_urls=["http://127.0.0.1:8765/news/", "http://127.0.0.1:8765/local/"],
            allowed_paths=["/news/", "/local/"],
            article_url_pattern=r"/\d{4}/\d{2}/\d{2}/",
            boilerplate_selectors=[".promo-box", "div#print-edition"],
        ),
        SiteConfig(name="valley", start_urls=["https://example.com/"]),
    ]


def test_loaded_site_properties(tmp_path):
    """A loaded site's regex and hosts are ready to use; optional keys default to empty."""
    coastline, valley = load_sites(write(tmp_path, VALID))
    assert coastline.article_url_regex == re.compile(r"/\d{4}/\d{2}/\d{2}/")
    assert coastline.article_url_regex.search("http://127.0.0.1:8765/news/2024/03/18/x/")
    assert coastline.hosts == {"127.0.0.1:8765"}
    assert valley.article_url_regex is None
    assert valley.hosts == {"example.com"}
    assert valley.allowed_paths == []
    assert valley.boilerplate_selectors == []


def test_select_site(tmp_path):
    """A site is selected by its name."""
    sites = load_sites(write(tmp_path, VALID))
    assert select_site(sites, "valley") is sites[1]
    assert select_site(sites, "coastline") is sites[0]


def test_select_unknown_site_lists_known_names(tmp_path):
    """An unknown name is an error that lists the names the file has."""
    sites = load_sites(write(tmp_path, VALID))
    with pytest.raises(SitesFileError) as excinfo:
        select_site(sites, "harbour")
    assert str(excinfo.value) == (
        "no site named 'harbour' in the sites file (known: coastline, valley)"
    )


def test_missing_file(tmp_path):
    """A missing file is an error naming the file."""
    path = tmp_path / "nowhere.toml"
    with pytest.raises(SitesFileError) as excinfo:
        load_sites(path)
    assert str(path) in str(excinfo.value)
    assert "cannot read sites file" in str(excinfo.value)


def test_invalid_toml(tmp_path):
    """A file that is not TOML is an error naming the file."""
    path = write(tmp_path, '[sites.coastline\nstart_urls = ["http://127.0.0.1:8765/"]\n')
    with pytest.raises(SitesFileError) as excinfo:
        load_sites(path)
    assert str(excinfo.value).startswith(f"{path} is not valid TOML")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "# nothing here\n",
        '[other]\nstart_urls = ["http://127.0.0.1:8765/"]\n',
        "[sites]\n",
        'sites = "coastline"\n',
    ],
    ids=["empty", "comment-only", "other-table", "empty-sites", "sites-string"],
)
def test_no_sites_tables(tmp_path, text):
    """A file without [sites.NAME] tables is an error naming the file."""
    path = write(tmp_path, text)
    with pytest.raises(SitesFileError) as excinfo:
        load_sites(path)
    assert str(excinfo.value) == f"{path} declares no sites (expected [sites.NAME] tables)"


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (
            'start_urls = ["http://127.0.0.1:8765/"]\nstart_url = "http://127.0.0.1:8765/"\n',
            "unknown key(s) start_url",
        ),
        ("start_urls = []\n", "start_urls must list at least one URL"),
        ("allowed_paths = ['/news/']\n", "start_urls must list at least one URL"),
        ('start_urls = "http://127.0.0.1:8765/"\n', "start_urls must be a list of strings"),
        ("start_urls = [8765]\n", "start_urls must be a list of strings"),
        (
            'start_urls = ["example.com/news"]\n',
            "'example.com/news' is not an http(s) URL",
        ),
        ('start_urls = ["ftp://127.0.0.1/"]\n', "'ftp://127.0.0.1/' is not an http(s) URL"),
        (
            'start_urls = ["http://127.0.0.1:8765/"]\narticle_url_pattern = "/news/(\\\\d+"\n',
            "article_url_pattern is not a regex",
        ),
        (
            'start_urls = ["http://127.0.0.1:8765/"]\narticle_url_pattern = 2024\n',
            "article_url_pattern must be a string",
        ),
        (
            'start_urls = ["http://127.0.0.1:8765/"]\nboilerplate_selectors = ["div[class="]\n',
            "bad CSS selector 'div[class='",
        ),
        (
            'start_urls = ["http://127.0.0.1:8765/"]\nallowed_paths = ["news/"]\n',
            "allowed_paths entries must start with '/'",
        ),
        (
            'start_urls = ["http://127.0.0.1:8765/"]\nallowed_paths = "/news/"\n',
            "allowed_paths must be a list of strings",
        ),
        (
            'start_urls = ["http://127.0.0.1:8765/"]\nfollow_article_links = "yes"\n',
            "follow_article_links must be true or false",
        ),
    ],
    ids=[
        "unknown-key",
        "empty-start-urls",
        "no-start-urls",
        "start-urls-string",
        "start-urls-number",
        "no-scheme",
        "ftp",
        "bad-regex",
        "pattern-not-string",
        "bad-css",
        "relative-allowed-path",
        "allowed-paths-string",
        "follow-not-boolean",
    ],
)
def test_site_errors_name_file_and_site(tmp_path, table, message):
    """Each problem in a site's table is an error naming the file, the site and the problem."""
    good = '[sites.valley]\nstart_urls = ["http://127.0.0.1:8766/"]\n\n'
    path = write(tmp_path, good + "[sites.coastline]\n" + table)
    with pytest.raises(SitesFileError) as excinfo:
        load_sites(path)
    text = str(excinfo.value)
    assert text.startswith(f"{path}: [sites.coastline]: ")
    assert message in text


def test_site_table_that_is_not_a_table(tmp_path):
    """A [sites] entry that is not a table is an error naming it."""
    path = write(tmp_path, '[sites]\ncoastline = "http://127.0.0.1:8765/"\n')
    with pytest.raises(SitesFileError) as excinfo:
        load_sites(path)
    assert str(excinfo.value) == f"{path}: [sites.coastline] must be a table"


def test_sites_file_error_is_value_error():
    """SitesFileError is a ValueError."""
    assert issubclass(SitesFileError, ValueError)


# site_from_urls ------------------------------------------------------------------------


def test_site_from_urls_named_after_first_host():
    """URLs from the command line make a site named after the first host, normalised."""
    site = site_from_urls(
        ["http://127.0.0.1:8765/news/#latest", "http://127.0.0.1:8765/local/?fbclid=abc"]
    )
    assert site == SiteConfig(
        name="127.0.0.1:8765",
        start_urls=["http://127.0.0.1:8765/news/", "http://127.0.0.1:8765/local/"],
    )
    assert site.hosts == {"127.0.0.1:8765"}
    assert site.article_url_regex is None


def test_site_from_urls_several_hosts():
    """Start URLs on two hosts keep both hosts; the name is the first one's."""
    site = site_from_urls(["https://WWW.Example.com/news/", "http://127.0.0.1:8765/"])
    assert site.name == "www.example.com"
    assert site.hosts == {"www.example.com", "127.0.0.1:8765"}


@pytest.mark.parametrize(
    "urls",
    [[], ["example.com/news"], ["http://127.0.0.1:8765/", "ftp://x"], ["http://"]],
    ids=["none", "no-scheme", "second-bad", "no-host"],
)
def test_site_from_urls_errors(urls):
    """No URL, or any URL that cannot be crawled, is an InvalidURL."""
    with pytest.raises(InvalidURL):
        site_from_urls(urls)


def test_follow_article_links_is_read(tmp_path):
    """`follow_article_links = true` lets a site's article pages lead on; off by default."""
    path = write(
        tmp_path,
        '[sites.blog]\nstart_urls = ["http://127.0.0.1:8765/"]\nfollow_article_links = true\n'
        '[sites.news]\nstart_urls = ["http://127.0.0.1:8766/"]\n',
    )
    blog, news = load_sites(path)
    assert blog.follow_article_links is True
    assert news.follow_article_links is False
