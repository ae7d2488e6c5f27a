"""Regression gates of the benchmarks: the figures a benchmark must not fall below.

`bench/floors.json` holds, per benchmark and per set (a dev set's label, a discovery
site's name), the lowest value each figure may have (`min`) and, for figures where less is
better (requests per article, duplicate rows), the highest (`max`). A benchmark run with
`--floors bench/floors.json` prints its figures as usual, then checks them against the
file and exits with status 1 when any is out of bounds, naming each; `.ci/run` runs the
extraction and discovery benchmarks that way when the dev set is there, as trafilatura
gates its releases on its evaluation set.

The floors are the figures the benchmarks gave when the file was last committed (they are
deterministic: same pages, same code, same figures): a change that lowers one is caught;
one that raises it should raise the floor in the same commit.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

FLOORS_FILE = Path(__file__).with_name("floors.json")

Figures = Mapping[str, Mapping[str, float]]


def out_of_bounds(benchmark: str, figures: Figures, floors_path: Path = FLOORS_FILE) -> list[str]:
    """The figures of `benchmark` (set -> figure -> value) that are below their floor or
    above their ceiling in `floors_path`, one line each; a set or figure the file names but
    the run did not measure is one too (a gate that checks nothing passes nothing)."""
    return _problems(_bounds(benchmark, floors_path), figures)


def gate(benchmark: str, figures: Figures, floors_path: Path) -> int:
    """Print the gate's verdict on `figures`; the exit status: 0 when every figure is in
    bounds, 1 otherwise."""
    bounds = _bounds(benchmark, floors_path)
    problems = _problems(bounds, figures)
    if problems:
        print(f"\nRegression gate ({floors_path.name}): FAILED")
        for problem in problems:
            print(f"  {problem}")
        return 1
    checked = sum(len(limits.get(d, {})) for limits in bounds.values() for d in ("min", "max"))
    print(f"\nRegression gate ({floors_path.name}): ok, {checked} figures in bounds")
    return 0


def _bounds(benchmark: str, floors_path: Path) -> dict[str, dict[str, dict[str, float]]]:
    """The bounds of `benchmark` in the floors file: set -> "min"/"max" -> figure -> limit."""
    return json.loads(floors_path.read_text("utf-8")).get(benchmark, {})


def _problems(bounds: dict[str, dict[str, dict[str, float]]], figures: Figures) -> list[str]:
    problems = []
    for set_name, limits in bounds.items():
        measured = figures.get(set_name)
        if measured is None:
            problems.append(f"{set_name}: not measured")
            continue
        for direction, check in (("min", _at_least), ("max", _at_most)):
            for name, limit in limits.get(direction, {}).items():
                value = measured.get(name)
                if value is None:
                    problems.append(f"{set_name}: {name} not measured")
                elif not check(value, limit):
                    word = "below its floor" if direction == "min" else "above its ceiling"
                    problems.append(f"{set_name}: {name} {value:.4f} is {word} {limit}")
    return problems


def _at_least(value: float, limit: float) -> bool:
    # The figures are printed to 3 decimals; a floor is one of them.
    return round(value, 4) >= limit


def _at_most(value: float, limit: float) -> bool:
    return round(value, 4) <= limit
