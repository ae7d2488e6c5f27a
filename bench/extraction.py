"""Extraction benchmark: plain trafilatura and newsarchive's extraction on a dev set, side by side.

    python bench/extraction.py DEVSET_PATH [--worst N] [--only ID ...]

DEVSET_PATH is a folder holding `truth.json`, `pages/<id>.html.gz` and the scorer `score.py`
(the Fundus dev set's layout). Both extractors run on every page in the same process and
run, taking turns page by page; both are scored by the dev set's own scorer, and a table
compares them: body precision / recall / F1, title exact match, authors F1, date match and
pages per second (extraction only, not reading the files).

The baseline is what the dev set's `baseline.py` runs: `trafilatura.bare_extraction(html,
url=url, with_metadata=True)` with default settings.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import importlib
import io
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import trafilatura

from pipelines.extraction import EXTRACTOR_VERSION, extract_article

Prediction = dict[str, Any]

ROWS = (
    ("body precision", "body_precision"),
    ("body recall", "body_recall"),
    ("body F1", "body_f1"),
    ("title exact match", "title_exact"),
    ("authors F1", "authors_f1"),
    ("published date match", "published_match"),
    ("topics F1", "topics_f1"),
)


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


def run_extractors(
    extractors: list[Callable[[str, str], Prediction]],
    pages: dict[str, str],
    truth: dict[str, Any],
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


def load_scorer(devset: Path) -> ModuleType:
    """The dev set's `score.py`, imported from its folder."""
    sys.path.insert(0, str(devset))
    try:
        return importlib.import_module("score")
    finally:
        sys.path.remove(str(devset))


def score_quietly(scorer: ModuleType, truth: dict, preds: dict, worst: int) -> tuple[dict, str]:
    """The scorer's metrics and its printed report (kept for the worst-page listing)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        metrics = scorer.run(truth, preds, argparse.Namespace(json=False, worst=worst, bootstrap=0))
    return metrics, out.getvalue()


def print_table(baseline: dict, ours: dict, speeds: tuple[float, float], pages: int) -> None:
    """The side-by-side table."""
    name = f"trafilatura {trafilatura.__version__}"
    print(f"{pages} pages; newsarchive extractor {EXTRACTOR_VERSION}")
    print(f"{'metric':<24}{name:>20}{'newsarchive':>14}")
    print("-" * 58)
    for label, key in ROWS:
        print(f"{label:<24}{_fmt(baseline[key]):>20}{_fmt(ours[key]):>14}")
    print(f"{'pages/s':<24}{speeds[0]:>20.1f}{speeds[1]:>14.1f}")
    print(f"{'speed ratio':<24}{1.0:>20.2f}{speeds[1] / speeds[0]:>14.2f}")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> None:
    """Run both extractors on the dev set and print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("devset", type=Path, help="the dev set folder (truth.json, pages/)")
    parser.add_argument("--worst", type=int, default=0, help="list the N worst pages of each")
    parser.add_argument("--only", nargs="*", help="only these page ids")
    parser.add_argument("--dump", type=Path, help="write newsarchive's predictions here (JSON)")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)

    truth = json.loads((args.devset / "truth.json").read_text(encoding="utf-8"))
    if args.only:
        truth = {page_id: truth[page_id] for page_id in args.only}
    pages = {
        page_id: gzip.decompress(
            (args.devset / "pages" / f"{page_id}.html.gz").read_bytes()
        ).decode("utf-8")
        for page_id in truth
    }
    scorer = load_scorer(args.devset)
    (baseline_preds, baseline_speed), (our_preds, our_speed) = run_extractors(
        [trafilatura_prediction, newsarchive_prediction], pages, truth
    )
    if args.dump:
        args.dump.write_text(json.dumps(our_preds, ensure_ascii=False, indent=1), "utf-8")
    baseline, baseline_report = score_quietly(scorer, truth, baseline_preds, args.worst)
    ours, our_report = score_quietly(scorer, truth, our_preds, args.worst)
    if args.worst:
        print("trafilatura:\n" + baseline_report.split("worst", 1)[1])
        print("newsarchive:\n" + our_report.split("worst", 1)[1])
    print_table(baseline, ours, (baseline_speed, our_speed), len(pages))


if __name__ == "__main__":
    main()
