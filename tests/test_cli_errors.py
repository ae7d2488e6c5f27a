"""Bad input: clear one-line errors, the documented exit statuses, the archive untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import free_tcp_port, rows, run_cli


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("www.example.com/news/", "is not an http(s) URL"),
        ("ftp://example.com/", "is not an http(s) URL"),
        ("http://", "has no valid host name"),
        ("http://exa mple.com/", "has no valid host name"),
    ],
)
def test_malformed_url(tmp_path: Path, url: str, message: str):
    """A malformed URL: one line naming it, exit status 2, no archive created."""
    db = tmp_path / "archive.db"
    result = run_cli("crawl", url, "--db", str(db))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert url in lines[0] and message in lines[0]
    assert not db.exists()


def test_unreachable_site_recorded_as_failed(tmp_path: Path):
    """Nothing listens on the port: exit 1, a `failed` run with the error, one error row."""
    db = tmp_path / "archive.db"
    url = f"http://127.0.0.1:{free_tcp_port()}/"
    result = run_cli("crawl", url, "--db", str(db), "--no-throttle", "-s", "RETRY_TIMES=0")
    assert result.returncode == 1, result.stdout + result.stderr
    [(status, error, errors)] = rows(db, "SELECT status, error, errors FROM crawl_runs")
    assert status == "failed"
    assert "site unreachable" in error and url in error
    assert errors == 1
    assert rows(db, "SELECT url, kind FROM crawl_errors") == [(url, "connection")]
    assert "Traceback" not in result.stderr
    assert [line for line in result.stderr.splitlines() if "site unreachable" in line] == [
        f"Error: {url.split('/')[2]}: {error}"
    ]


@pytest.mark.parametrize("where", ["missing-folder", "directory"])
def test_archive_path_not_writable(tmp_path: Path, demo_site, where: str):
    """An archive path that can't be written: a clear error, exit 2, nothing fetched."""
    db = tmp_path / "no-such-folder" / "archive.db" if where == "missing-folder" else tmp_path
    result = run_cli("crawl", demo_site.base_url, "--db", str(db), "--no-throttle")
    assert result.returncode == 2
    assert result.stderr.startswith("Error: cannot ")
    assert len(result.stderr.strip().splitlines()) == 1
    assert demo_site.request_log == []


def test_bad_setting_override(tmp_path: Path):
    """-s without NAME=VALUE is a usage error."""
    result = run_cli("crawl", "http://127.0.0.1:9/", "--db", str(tmp_path / "a.db"), "-s", "X")
    assert result.returncode == 2
    assert "-s expects NAME=VALUE" in result.stderr


def test_urls_or_sites_required(tmp_path: Path):
    """Without URLs or a sites file there is nothing to crawl."""
    result = run_cli("crawl", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert "give at least one URL" in result.stderr


def test_bad_sites_file(tmp_path: Path):
    """A sites file with a bad entry: one line naming the file and site, exit 2."""
    sites = tmp_path / "sites.toml"
    sites.write_text('[sites.bad]\nstart_urls = ["example.com"]\n', encoding="utf-8")
    result = run_cli("crawl", "--sites", str(sites), "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert "[sites.bad]" in result.stderr and "example.com" in result.stderr
    assert not (tmp_path / "a.db").exists()
