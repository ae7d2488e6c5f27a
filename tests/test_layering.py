"""The layout's rules hold: the rooms depend on each other one way (the contracts of
`lint-imports` in `pyproject.toml`), and the archive and the extraction library stand
without Scrapy: importing them loads no Scrapy and no Twisted (so `reextract`, the
benchmarks and other tools can use them, and they can be tested and reused alone)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO_ROOT

SCRAPY_FREE = [
    "pipelines.archive",
    "pipelines.archive.lock",
    "pipelines.archive.run_status",
    "pipelines.archive.writer",
    "pipelines.extraction",
    "pipelines.extraction.site_blocks",
    "pipelines.ingest",  # the writer of a distributed crawl runs no Scrapy
    "pipelines.item_writes",
    "crawler.distributed.item_codec",
    "crawler.extraction_pool",
    "newsarchive.reextract",
]


def frameworks_loaded_by(module: str) -> str:
    """Which of `scrapy` and `twisted` a fresh interpreter has loaded once it imported
    `module` (printed as a sorted list)."""
    probe = (
        f"import sys, {module}\n"
        "print(sorted({n.split('.')[0] for n in sys.modules} & {'scrapy', 'twisted'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


@pytest.mark.parametrize("module", SCRAPY_FREE)
def test_module_imports_no_scrapy(module: str) -> None:
    """Importing `module` leaves no `scrapy` or `twisted` module in `sys.modules`."""
    assert frameworks_loaded_by(module) == "[]"


def test_the_probe_sees_scrapy_when_it_is_imported() -> None:
    """The check can fail: a module that imports Scrapy is caught."""
    assert frameworks_loaded_by("pipelines.store_stage") == "['scrapy', 'twisted']"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` run on the project at `root` (its packages first on the path)."""
    env = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", "--no-logo"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
    )


def test_the_rooms_depend_on_each_other_one_way() -> None:
    """Every contract of `pyproject.toml` is kept: the layers, no cycle between sibling
    packages, no Scrapy reached from the archive or the extraction library."""
    result = lint_imports(REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "bad_import", "broken"),
    [
        # the archive reaching up to the application
        ("pipelines/archive/basics.py", "import newsarchive.cli", "Rooms one way"),
        # the extraction library reaching Scrapy
        ("pipelines/extraction/words.py", "import scrapy", "Archive and extraction"),
        # two sibling packages of the crawl importing each other
        ("crawler/pages/urls.py", "import crawler.middlewares.scope", "No cycle"),
    ],
)
def test_an_import_against_the_layout_breaks_a_contract(
    tmp_path: Path, module: str, bad_import: str, broken: str
) -> None:
    """The check can fail: a copy of the project with one import against the layout
    breaks the contract that forbids it (and maybe others: an import of the application
    from the archive also reaches Scrapy)."""
    for name in ("newsarchive", "crawler", "pipelines"):
        shutil.copytree(
            REPO_ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("site", "__pycache__")
        )
    shutil.copy(REPO_ROOT / "pyproject.toml", tmp_path)
    path = tmp_path / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{bad_import}\n", encoding="utf-8")
    result = lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout
    verdicts = [line for line in result.stdout.splitlines() if line.endswith(("KEPT", "BROKEN"))]
    assert len(verdicts) == 3
    assert [line.rsplit(" ", 1)[1] for line in verdicts if line.startswith(broken)] == ["BROKEN"]
