"""The benchmarks' regression gate (`bench/floors.py`) and the floors committed with it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import bench_module

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"


floors = bench_module("floors")


@pytest.fixture
def floors_file(tmp_path: Path) -> Path:
    path = tmp_path / "floors.json"
    path.write_text(
        json.dumps(
            {
                "extraction": {
                    "devset": {"min": {"body_f1": 0.967, "title_exact": 0.85}, "max": {"lost": 0}}
                },
                "discovery": {"site-a": {"max": {"requests_per_article": 1.2}}},
            }
        ),
        "utf-8",
    )
    return path


def test_figures_in_bounds_pass(floors_file: Path) -> None:
    figures = {"devset": {"body_f1": 0.9671, "title_exact": 0.85, "lost": 0, "other": 0.1}}
    assert floors.out_of_bounds("extraction", figures, floors_file) == []
    assert floors.gate("extraction", figures, floors_file) == 0


def test_a_figure_below_its_floor_or_above_its_ceiling_fails_by_name(floors_file: Path) -> None:
    figures = {"devset": {"body_f1": 0.9659, "title_exact": 0.9, "lost": 2}}
    assert floors.out_of_bounds("extraction", figures, floors_file) == [
        "devset: body_f1 0.9659 is below its floor 0.967",
        "devset: lost 2.0000 is above its ceiling 0",
    ]
    assert floors.gate("extraction", figures, floors_file) == 1
    slow = {"site-a": {"requests_per_article": 1.25}}
    assert floors.out_of_bounds("discovery", slow, floors_file) == [
        "site-a: requests_per_article 1.2500 is above its ceiling 1.2"
    ]


def test_a_set_or_figure_not_measured_fails(floors_file: Path) -> None:
    """A gate whose figures are missing checks nothing: it must not pass."""
    assert floors.out_of_bounds("extraction", {}, floors_file) == ["devset: not measured"]
    assert floors.out_of_bounds("extraction", {"devset": {"lost": 0}}, floors_file) == [
        "devset: body_f1 not measured",
        "devset: title_exact not measured",
    ]


def test_the_committed_floors_name_figures_the_benchmarks_report() -> None:
    """Every figure of `bench/floors.json` is one the benchmark reports under that name."""
    committed = json.loads((BENCH / "floors.json").read_text("utf-8"))
    sys.path.insert(0, str(BENCH))  # the benchmarks import their siblings as scripts do
    try:
        extraction = bench_module("extraction")
        discovery = bench_module("discovery")
    finally:
        sys.path.remove(str(BENCH))
    extraction_figures = {key for _, key in extraction.ROWS} | {"lost_pages"}
    assert set(committed["extraction"]) == {"devset"}
    for limits in committed["extraction"].values():
        assert set(limits["min"]) | set(limits["max"]) <= extraction_figures
    site_names = set(discovery.BUILDERS)
    assert set(committed["discovery"]) == site_names
    result = discovery.Result("x", 10, 10, [], 0, 0, 12, 0, 0, "0", 1.0)
    for limits in committed["discovery"].values():
        assert set(limits["min"]) | set(limits["max"]) <= set(result.figures())


def test_ci_runs_the_gates_after_the_tests() -> None:
    """`.ci/run` calls `make test`, then `make bench-gate`, which runs both benchmarks with
    the committed floors when the dev set is there and says so when it is not."""
    ci = (REPO / ".ci" / "run").read_text("utf-8")
    commands = [line for line in ci.splitlines() if line and not line.startswith("#")]
    assert commands[-2:] == ["make test", "make bench-gate"]
    dry = _make("-n", "bench-gate", "DEVSET=/nonexistent")
    assert "bench/extraction.py" in dry and "--floors bench/floors.json" in dry
    assert "bench/discovery.py" in dry
    skipped = _make("-s", "bench-gate", "DEVSET=/nonexistent")
    assert "no dev set at /nonexistent" in skipped and "gates not run" in skipped


def _make(*args: str) -> str:
    """The output of `make ARGS...` in the project folder (which must succeed)."""
    return subprocess.run(
        ["make", *args], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout
