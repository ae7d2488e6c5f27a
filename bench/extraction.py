"""Extraction benchmark: plain trafilatura and newsarchive's extraction on dev sets, side by side.

    python bench/extraction.py SET_PATH [SET_PATH ...] [--types TYPE ...] [--worst N]
                               [--only ID ...] [--scorer FOLDER] [--dump FOLDER]
                               [--floors bench/floors.json]

    python bench/extraction.py ../shared/devset ../shared/wcxb-dev

Each SET_PATH is a dev set folder in one of two layouts, told apart by their files:

- the Fundus dev set: `truth.json`, `pages/<id>.html.gz` and its scorer `score.py`;
- the WCXB dev split: `dev/html/NNNN.html.gz` and `dev/ground-truth/NNNN.json` (`url`,
  `ground_truth.main_content`, `title`, `author`, `publish_date`; page type from
  `_internal.page_type.primary`, read as WCXB's `evaluate.get_page_type` reads it). Only
  its article pages are scored unless `--types` names others (`--types all` for each type);
  each type gets its own table. Its `author` is one string: names are split on `,`, `;`,
  `&` and ` and ` (the predictions' names too, alike for both extractors), and compared as a
  case-folded set; `publish_date` is compared as a calendar date.

Both extractors run on every page of a set in the same process, taking turns page by
page (so that a change in the machine's load weighs on both alike); both are scored by the
Fundus dev set's own `score.py` (imported from the set's folder; for a WCXB folder, from
`--scorer FOLDER` or else from a Fundus folder given in the same run), with its
ScrapingHub shingle measures for the body. Per set (and page type) a table compares
them: body precision / recall / F1, title exact match, authors F1, date match, pages
returned empty, pages where trafilatura's body F1 is 0.5 or more and newsarchive
returns nothing, and pages per second (extraction only, not reading the files) with
the speed ratio.

The baseline is what the dev set's `baseline.py` runs: `trafilatura.bare_extraction(html,
url=url, with_metadata=True)` with default settings.

`--worst N` lists each extractor's N worst pages by body F1; `--dump FOLDER` writes both
extractors' predictions there, one JSON file per set and extractor. `--floors FILE`
checks newsarchive's figures against the floors in FILE (`bench/floors.py`) and exits
with status 1 when one is below its floor: `.ci/run` runs it so on the Fundus dev set.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib.util
import io
import json
import logging
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import trafilatura
from floors import gate  # bench/floors.py: this file runs as a script, from bench/

from pipelines.extraction import EXTRACTOR_VERSION, extract_article

Prediction = dict[str, Any]
Extractor = Callable[[str, str], Prediction]

ROWS = (
    ("body precision", "body_precision"),
    ("body recall", "body_recall"),
    ("body F1", "body_f1"),
    ("title exact match", "title_exact"),
    ("authors F1", "authors_f1"),
    ("published date match", "published_match"),
    ("topics F1", "topics_f1"),
)
# A page trafilatura gets this right (body F1) should not come back empty from newsarchive.
GOOD_F1 = 0.5
# WCXB's one-string author field: names are separated by these.
_NAME_SEPARATOR_RE = re.compile(r"\s*(?:[,;&|]|\band\b|\bund\b)\s*", re.IGNORECASE)


@dataclass
class DevSet:
    """The pages of one dev set (or one page type of it) and their truth in the layout of
    the Fundus dev set's `truth.json` (`url`, `title`, `authors`, `published`, `body`)."""

    label: str
    folder: Path
    truth: dict[str, dict[str, Any]]
    pages: dict[str, str]
    split_names: bool  # WCXB: authors are compared name by name after splitting


def trafilatura_prediction(html: str, url: str) -> Prediction:
    """Plain trafilatura, as the dev set's baseline calls it."""
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return {}
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    topics = list(
        dict.fromkeys(
            t.strip() for t in (doc.tags or []) + (doc.categories or []) if t and t.strip()
        )
    )
    return {
        "text": doc.text or "",
        "title": doc.title,
        "authors": authors,
        "published": doc.date,
        "topics": topics,
    }


def newsarchive_prediction(html: str, url: str) -> Prediction:
    """newsarchive's `extract_article`."""
    article = extract_article(html, url)
    if article is None:
        return {}
    topics = list(dict.fromkeys([*([article.section] if article.section else []), *article.tags]))
    return {
        "text": article.text,
        "title": article.title,
        "authors": article.authors,
        "published": article.published,
        "topics": topics,
    }


def split_names(value: str | list[str] | None) -> list[str]:
    """Names in a one-string author field ("A, B and C", "A; B") or a list of such strings."""
    if not value:
        return []
    values = [value] if isinstance(value, str) else value
    return [
        name.strip()
        for item in values
        for name in _NAME_SEPARATOR_RE.split(str(item))
        if name and name.strip()
    ]


def _gunzip(path: Path) -> str:
    return gzip.decompress(path.read_bytes()).decode("utf-8", errors="replace")


def fundus_set(folder: Path, only: set[str] | None) -> DevSet:
    """The Fundus dev set: `truth.json` and `pages/<id>.html.gz`."""
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    if only:
        truth = {page_id: record for page_id, record in truth.items() if page_id in only}
    pages = {page_id: _gunzip(folder / "pages" / f"{page_id}.html.gz") for page_id in truth}
    return DevSet(folder.name, folder, truth, pages, split_names=False)


def wcxb_page_type(record: dict[str, Any]) -> str:
    """The page type as WCXB's `evaluate.get_page_type` reads it."""
    page_type = (record.get("_internal") or {}).get("page_type", {})
    if isinstance(page_type, dict):
        page_type = page_type.get("primary", "article")
    elif not isinstance(page_type, str):
        page_type = "article"
    return "collection" if page_type == "category" else page_type


def wcxb_sets(folder: Path, types: list[str], only: set[str] | None) -> list[DevSet]:
    """The WCXB dev split, one `DevSet` per page type asked for (`all`: every type)."""
    by_type: dict[str, dict[str, dict[str, Any]]] = {}
    for truth_file in sorted((folder / "dev" / "ground-truth").glob("*.json")):
        if only and truth_file.stem not in only:
            continue
        record = json.loads(truth_file.read_text(encoding="utf-8"))
        truth = record.get("ground_truth") or {}
        by_type.setdefault(wcxb_page_type(record), {})[truth_file.stem] = {
            "url": record.get("url") or "",
            "title": truth.get("title"),
            "authors": split_names(truth["author"]) if truth.get("author") else None,
            "published": truth.get("publish_date") or None,
            "topics": None,
            "body": truth.get("main_content") or "",
        }
    wanted = sorted(by_type) if "all" in types else [t for t in types if t in by_type]
    return [
        DevSet(
            f"{folder.name} {page_type}",
            folder,
            by_type[page_type],
            {
                page_id: _gunzip(folder / "dev" / "html" / f"{page_id}.html.gz")
                for page_id in by_type[page_type]
            },
            split_names=True,
        )
        for page_type in wanted
    ]


def is_fundus(folder: Path) -> bool:
    """True for a folder in the Fundus dev set's layout."""
    return (folder / "truth.json").is_file() and (folder / "pages").is_dir()


def is_wcxb(folder: Path) -> bool:
    """True for a folder in the WCXB dev split's layout."""
    return (folder / "dev" / "ground-truth").is_dir() and (folder / "dev" / "html").is_dir()


def run_extractors(
    extractors: list[Extractor], pages: dict[str, str], truth: dict[str, Any]
) -> list[tuple[dict[str, Prediction], float]]:
    """Each extractor's predictions for every page and its pages per second.

    The extractors take turns page by page, so that a change in the machine's load
    weighs on all of them alike; each first runs on one untimed page, so that one-time
    set-up is not counted.
    """
    first_id = next(iter(pages))
    for extract in extractors:
        extract(pages[first_id], truth[first_id]["url"])
    predictions: list[dict[str, Prediction]] = [{} for _ in extractors]
    seconds = [0.0 for _ in extractors]
    for page_id, html in pages.items():
        for n, extract in enumerate(extractors):
            started = time.perf_counter()
            predictions[n][page_id] = extract(html, truth[page_id]["url"])
            seconds[n] += time.perf_counter() - started
    return [(preds, len(pages) / took) for preds, took in zip(predictions, seconds, strict=True)]


def load_scorer(folder: Path) -> ModuleType:
    """The dev set's `score.py`, imported from `folder`."""
    spec = importlib.util.spec_from_file_location("devset_score", folder / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no score.py in {folder}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def score_quietly(scorer: ModuleType, truth: dict, preds: dict, worst: int) -> tuple[dict, str]:
    """The scorer's metrics and its printed report (kept for the worst-page listing)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        metrics = scorer.run(truth, preds, argparse.Namespace(json=False, worst=worst, bootstrap=0))
    return metrics, out.getvalue()


def page_f1s(scorer: ModuleType, truth: dict, preds: dict) -> dict[str, float]:
    """Body F1 per page, by the scorer's measures."""
    _, per_page, _ = scorer.score(truth, preds)
    return {page_id: row["f1"] for page_id, row in per_page.items()}


def empty_pages(preds: dict[str, Prediction]) -> set[str]:
    """The pages an extractor returned no body text for."""
    return {page_id for page_id, pred in preds.items() if not (pred.get("text") or "").strip()}


def with_split_names(preds: dict[str, Prediction]) -> dict[str, Prediction]:
    """The predictions with each author string split into names, as WCXB's truth is."""
    return {
        page_id: {**pred, "authors": split_names(pred.get("authors"))}
        for page_id, pred in preds.items()
    }


def print_table(
    dev_set: DevSet,
    metrics: tuple[dict, dict],
    counts: tuple[tuple[int, int], int],
    speeds: tuple[float, float],
) -> None:
    """The side-by-side table of one set."""
    baseline, ours = metrics
    (baseline_empty, our_empty), lost = counts
    name = f"trafilatura {trafilatura.__version__}"
    print(f"== {dev_set.label}: {len(dev_set.pages)} pages; newsarchive {EXTRACTOR_VERSION}")
    print(f"{'metric':<28}{name:>20}{'newsarchive':>14}")
    print("-" * 62)
    for label, key in ROWS:
        if baseline[key] is None and ours[key] is None:
            continue
        print(f"{label:<28}{_fmt(baseline[key]):>20}{_fmt(ours[key]):>14}")
    print(f"{'pages returned empty':<28}{baseline_empty:>20}{our_empty:>14}")
    print(f"{'trafilatura F1>=0.5, ours empty':<28}{'':>20}{lost:>11}")
    print(f"{'pages/s':<28}{speeds[0]:>20.1f}{speeds[1]:>14.1f}")
    print(f"{'speed ratio':<28}{1.0:>20.2f}{speeds[1] / speeds[0]:>14.2f}")
    print()


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def bench_set(
    dev_set: DevSet, scorer: ModuleType, worst: int, dump: Path | None
) -> dict[str, float]:
    """Run both extractors on one set, score them and print the table; return
    newsarchive's figures (for `--floors`)."""
    (baseline_preds, baseline_speed), (our_preds, our_speed) = run_extractors(
        [trafilatura_prediction, newsarchive_prediction], dev_set.pages, dev_set.truth
    )
    if dump:
        dump.mkdir(parents=True, exist_ok=True)
        stem = dev_set.label.replace(" ", "-")
        for name, preds in (("trafilatura", baseline_preds), ("newsarchive", our_preds)):
            (dump / f"{stem}.{name}.json").write_text(
                json.dumps(preds, ensure_ascii=False, indent=1), "utf-8"
            )
    if dev_set.split_names:
        baseline_preds, our_preds = with_split_names(baseline_preds), with_split_names(our_preds)
    baseline, baseline_report = score_quietly(scorer, dev_set.truth, baseline_preds, worst)
    ours, our_report = score_quietly(scorer, dev_set.truth, our_preds, worst)
    baseline_f1 = page_f1s(scorer, dev_set.truth, baseline_preds)
    ours_empty = empty_pages(our_preds)
    # A page whose truth is empty scores 1.0 when left empty: only pages trafilatura
    # returned text for count.
    lost = sum(
        1 for page_id in ours_empty - empty_pages(baseline_preds) if baseline_f1[page_id] >= GOOD_F1
    )
    if worst:
        print(f"{dev_set.label}, trafilatura:\n" + baseline_report.split("worst", 1)[1])
        print(f"{dev_set.label}, newsarchive:\n" + our_report.split("worst", 1)[1])
    print_table(
        dev_set,
        (baseline, ours),
        ((len(empty_pages(baseline_preds)), len(ours_empty)), lost),
        (baseline_speed, our_speed),
    )
    figures = {key: ours[key] for _, key in ROWS if ours[key] is not None}
    figures["lost_pages"] = lost
    return figures


def main(argv: list[str] | None = None) -> None:
    """Run both extractors on each dev set and print the comparisons."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "sets", type=Path, nargs="+", help="dev set folders (Fundus or WCXB layout)"
    )
    parser.add_argument(
        "--types",
        nargs="+",
        default=["article"],
        help="WCXB page types to score, each in its own table ('all': every type)",
    )
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages of each")
    parser.add_argument("--only", nargs="*", help="only these page ids")
    parser.add_argument("--scorer", type=Path, help="folder of the score.py for WCXB sets")
    parser.add_argument("--dump", type=Path, help="write both predictions here (JSON per set)")
    parser.add_argument(
        "--floors",
        type=Path,
        help="fail (exit status 1) when a figure is below its floor in this file"
        " (bench/floors.json)",
    )
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)

    for folder in args.sets:
        if not (is_fundus(folder) or is_wcxb(folder)):
            parser.error(f"{folder}: neither the Fundus dev set's layout nor WCXB's")
    scorer_folder = args.scorer or next((f for f in args.sets if (f / "score.py").is_file()), None)
    only = set(args.only) if args.only else None
    figures: dict[str, dict[str, float]] = {}
    for folder in args.sets:
        if is_fundus(folder):
            sets, own_scorer = [fundus_set(folder, only)], folder
        else:
            sets, own_scorer = wcxb_sets(folder, args.types, only), scorer_folder
        if own_scorer is None:
            parser.error(f"{folder}: no score.py to score it with (give --scorer DEVSET_PATH)")
        scorer = load_scorer(own_scorer)
        for dev_set in sets:
            if dev_set.pages:
                figures[dev_set.label] = bench_set(dev_set, scorer, args.worst, args.dump)
    if args.floors:
        sys.exit(gate("extraction", figures, args.floors))


if __name__ == "__main__":
    main()
