"""One archive and one run per crawl (`crawler.extensions.archive_run.ArchiveRun`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.utils.test import get_crawler

from conftest import REPO_ROOT, rows
from crawler import settings as project_module
from crawler.extensions.archive_run import ArchiveRun
from newsarchive.demo.server import SiteServer

TESTS = REPO_ROOT / "tests"  # where the probe extension is imported from


def _settings(db: Path, **extra: object) -> dict:
    """The settings of `crawler/settings.py`, with the archive `db` and `extra`."""
    settings = {
        name: getattr(project_module, name) for name in dir(project_module) if name.isupper()
    }
    return {**settings, "ARCHIVE_DB": str(db), **extra}


def test_the_run_is_the_extension_scrapy_builds_and_opens_nothing_by_itself(
    tmp_path: Path,
) -> None:
    crawler = get_crawler(settings_dict=_settings(tmp_path / "a.db"))
    run = ArchiveRun.of(crawler)
    assert isinstance(run, ArchiveRun)
    assert run.writer is None and run.run_id is None
    assert not (tmp_path / "a.db").exists()


def test_a_crawl_without_the_extension_says_what_is_missing(tmp_path: Path) -> None:
    crawler = get_crawler(settings_dict=_settings(tmp_path / "a.db", EXTENSIONS={}))
    with pytest.raises(RuntimeError, match=r"ArchiveRun is not in the crawl's EXTENSIONS"):
        ArchiveRun.of(crawler)


def test_a_crawl_holds_one_connection_to_its_archive(demo_site: SiteServer, tmp_path: Path) -> None:
    """The extract stage, the store stage and the incremental middleware share the run's
    connection: when the first article is stored, the crawl's process holds the archive's
    file (and its WAL) open once."""
    db, probe = tmp_path / "archive.db", tmp_path / "files.json"
    extensions = {**project_module.EXTENSIONS, "archive_files_probe.ArchiveFilesProbe": 0}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsarchive",
            "crawl",
            demo_site.base_url,
            "--db",
            str(db),
            "--no-throttle",
            "-q",
            "-s",
            f"EXTENSIONS={json.dumps(extensions)}",
        ],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "ARCHIVE_FILES_PROBE": str(probe),
            "PYTHONPATH": str(REPO_ROOT / "tests"),
        },
        capture_output=True,
        text=True,
        timeout=180,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    names = json.loads(probe.read_text(encoding="utf-8"))
    assert names.count("archive.db") == 1, names
    assert names.count("archive.db-wal") == 1, names
    # One run row, finished, whose counts are what the archive holds.
    (run,) = rows(db, "SELECT status, articles_new, errors FROM crawl_runs")
    (articles,) = rows(db, "SELECT count(*) FROM articles")
    assert run == ("ok", articles[0], 0)
