"""The archive and the extraction library stand without Scrapy: importing them loads no
Scrapy and no Twisted (so `reextract`, the benchmarks and other tools can use them, and
they can be tested and reused alone)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REPO_ROOT

SCRAPY_FREE = [
    "pipelines.archive",
    "pipelines.archive_lock",
    "pipelines.extraction",
    "pipelines.extraction_pool",
    "pipelines.ingest",  # the writer of a distributed crawl runs no Scrapy
    "pipelines.item_codec",
    "pipelines.item_writes",
    "pipelines.reextract",
    "pipelines.run_status",
    "pipelines.site_blocks",
    "pipelines.site_knowledge",
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
