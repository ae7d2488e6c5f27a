"""Running from cron or systemd: killed runs resume, overlapping runs are locked out,
`--quiet` output, and `newsarchive schedule`."""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import REPO_ROOT, rows, run_cli
from newsarchive.demo.server import SiteServer, serve_site
from newsroom import Newsroom, generate_articles

ARTICLE_PATH = re.compile(r"^/\d{4}/\d{2}/\d{2}/[^/]+/$")
CLI = (sys.executable, "-m", "newsarchive")
N_ARTICLES = 120
# Slow enough that a run can be killed in the middle.
SLOW = ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "DOWNLOAD_DELAY=0.02")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[SiteServer]:
    """A generated news site of 120 articles served on 127.0.0.1."""
    site_dir = tmp_path / "site"
    site_dir.mkdir()
    with serve_site(site_dir) as server:
        Newsroom(site_dir, server.base_url, generate_articles(N_ARTICLES)).write()
        yield server


def start_crawl(server: SiteServer, db: Path, *args: str) -> subprocess.Popen:
    """Start `newsarchive crawl` in the background."""
    return subprocess.Popen(
        [*CLI, "crawl", server.base_url, "--db", str(db), "--no-throttle", *args],
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def article_count(db: Path) -> int:
    """Articles archived so far (0 while the archive does not exist yet)."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # tables not created yet
        return 0


def wait_for(condition, timeout: float = 60) -> None:
    """Wait until `condition()` is true."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_killed_runs_resume_without_duplicates(site: SiteServer, tmp_path: Path):
    """SIGKILL at several points, then a run to the end: every article once, nothing
    already stored fetched again, the killed runs logged as interrupted."""
    db = tmp_path / "archive.db"
    for threshold in (1, 30, 75):
        process = start_crawl(site, db, *SLOW)
        wait_for(lambda threshold=threshold: article_count(db) >= threshold)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=30)
        assert process.returncode == -signal.SIGKILL
    stored = {url for (url,) in rows(db, "SELECT url FROM articles")}
    assert 75 <= len(stored) < N_ARTICLES

    site.request_log.clear()
    final = run_cli("crawl", site.base_url, "--db", str(db), "--no-throttle")
    assert final.returncode == 0, final.stderr
    refetched = {site.base_url.rstrip("/") + p for p in site.request_log if ARTICLE_PATH.match(p)}
    assert refetched.isdisjoint(stored)
    assert len(refetched) == N_ARTICLES - len(stored)
    assert rows(db, "SELECT count(*), count(DISTINCT url) FROM articles") == [
        (N_ARTICLES, N_ARTICLES)
    ]
    assert rows(
        db, "SELECT count(*) FROM articles WHERE page_id NOT IN (SELECT id FROM pages)"
    ) == [(0,)]
    assert rows(db, "SELECT count(*), count(DISTINCT url) FROM pages") == [(N_ARTICLES, N_ARTICLES)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]
    runs = rows(db, "SELECT status, error FROM crawl_runs ORDER BY id")
    assert [status for status, _ in runs] == ["interrupted"] * 3 + ["ok"]
    assert all("killed" in error for _, error in runs[:3])
    assert rows(db, "SELECT mode FROM crawl_runs WHERE id = 4") == [("incremental",)]


def test_overlapping_run_exits_75_and_writes_nothing(site: SiteServer, tmp_path: Path):
    """While a crawl holds the archive, a second one exits at once with status 75."""
    db = tmp_path / "archive.db"
    lock = tmp_path / "archive.db.lock"
    first = start_crawl(site, db, *SLOW)
    try:
        wait_for(lambda: lock.exists() and lock.read_text().strip() != "")
        wait_for(lambda: article_count(db) >= 1)
        runs_before = rows(db, "SELECT count(*) FROM crawl_runs")
        second = run_cli("crawl", site.base_url, "--db", str(db), "--no-throttle")
        assert second.returncode == 75
        assert second.stdout == ""
        assert second.stderr == (
            f"Error: another newsarchive process (pid {first.pid}) is writing to {db}; "
            "this run did not start\n"
        )
        assert rows(db, "SELECT count(*) FROM crawl_runs") == runs_before == [(1,)]
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)
    assert rows(db, "SELECT id, status FROM crawl_runs") == [(1, "interrupted")]
    # The lock goes with the process: the next run starts.
    after = run_cli("crawl", site.base_url, "--db", str(db), "--no-throttle")
    assert after.returncode == 0, after.stderr


def test_quiet_prints_only_the_summary(site: SiteServer, tmp_path: Path):
    """`--quiet` (what cron runs) prints the summary lines and nothing else."""
    result = run_cli(
        "crawl", site.base_url, "--db", str(tmp_path / "a.db"), "--no-throttle", "--quiet"
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 5
    assert lines[0].startswith(f"{site.base_url[7:-1]}: run 1 ok in ")
    assert lines[1] == (
        f"  articles: {N_ARTICLES} new, 0 updated, 0 unchanged, 0 not modified, "
        "0 already archived (not fetched)"
    )
    assert lines[2].startswith("  pages fetched: ")
    assert lines[3].startswith("  requests: ") and " per archived article" in lines[3]
    assert lines[4].startswith(f"Archive {tmp_path / 'a.db'}: {N_ARTICLES} articles in all")


def test_schedule_prints_cron_and_systemd_with_absolute_paths(tmp_path: Path):
    """`schedule --every 1h --sites FILE` prints a crontab line and both systemd units."""
    sites = tmp_path / "sites.toml"
    sites.write_text('[sites.local]\nstart_urls = ["http://127.0.0.1:8000/news/"]\n')
    result = run_cli("schedule", "--every", "1h", "--sites", "sites.toml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    cron = next(line for line in out.splitlines() if line.startswith("0 * * * * "))
    assert cron.startswith(f"0 * * * * cd {tmp_path} && ")
    assert cron.endswith(f" crawl --quiet --db {tmp_path / 'archive.db'} --sites {sites}")
    assert "OnCalendar=hourly\n" in out
    assert f"WorkingDirectory={tmp_path}\n" in out
    assert "SuccessExitStatus=75\n" in out
    assert "# ~/.config/systemd/user/newsarchive-crawl.timer" in out


@pytest.mark.parametrize(
    ("every", "cron", "calendar"),
    [
        ("15m", "*/15 * * * *", "*:0/15"),
        ("6h", "0 */6 * * *", "*-*-* 0/6:00:00"),
        ("1d", "0 3 * * *", "*-*-* 03:00:00"),
    ],
)
def test_schedule_intervals(tmp_path: Path, every: str, cron: str, calendar: str):
    """Each interval becomes the matching cron fields and OnCalendar expression."""
    result = run_cli("schedule", "--every", every, "http://127.0.0.1:8000/", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"\n{cron} cd {tmp_path} && " in result.stdout
    assert f"OnCalendar={calendar}\n" in result.stdout
    assert result.stdout.count(" crawl --quiet --db ") == 2
    assert "http://127.0.0.1:8000/" in result.stdout


@pytest.mark.parametrize("every", ["7m", "5h", "often", "0h"])
def test_schedule_rejects_uneven_intervals(tmp_path: Path, every: str):
    """An interval cron cannot repeat evenly is bad input (exit 2, one line)."""
    result = run_cli("schedule", "--every", every, "http://127.0.0.1:8000/", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith(f"Error: '{every}'")
    assert result.stderr.count("\n") == 1


def test_lock_file_is_released_by_a_killed_process(tmp_path: Path):
    """The kernel drops the lock of a killed process: no stale lock blocks the next run."""
    db = tmp_path / "a.db"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path;"
            "from pipelines.archive.lock import archive_lock\n"
            "with archive_lock(Path(sys.argv[1])):\n"
            "    print('locked', flush=True); time.sleep(60)",
            str(db),
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    with holder:
        assert holder.stdout.readline() == "locked\n"
        locked = run_cli("crawl", "http://127.0.0.1:9/", "--db", str(db))
        assert locked.returncode == 75
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    after = run_cli("crawl", "http://127.0.0.1:9/", "--db", str(db), "-s", "RETRY_TIMES=0")
    assert after.returncode == 1  # ran (and found nothing listening), not locked out
    assert "site unreachable" in after.stderr
