"""Page classification benchmark: the committed classifier and the current one, side by side.

    python bench/classify.py DEVSET_PATH WCXB_PATH     (either order, either may be left out)
    python bench/classify.py DEVSET_PATH WCXB_PATH --also SAVED_CLASSIFY_PY   (a third column)

Each folder's layout is detected: the Fundus dev set (`truth.json`, `pages/<id>.html.gz`,
all pages are articles) and the WCXB dev split (`dev/html/NNNN.html.gz`,
`dev/ground-truth/NNNN.json` with the page type). Pages are parsed the way the spider does
(`HtmlResponse(url=url, body=html).selector.root`) and given to both classifiers:

- old: `crawler/pages/classify.py` as committed at git `HEAD` (`git show HEAD:...`, loaded as a
  module from a temporary file), called as `classify_page(url, tree)`;
- new: the working tree's `crawler.pages.classify.classify_page(url, tree)`;
- with `--also FILE`, a third column: another copy of `crawler/pages/classify.py` (say, the
  one before a change), loaded the same way as the committed one.

Printed: on WCXB, article precision, recall and F1 and the share of each page type
classified "article"; the same precision and recall on each half of WCXB's domains (the
registrable domain hashed with SHA-1, even or odd) and their mean; on the Fundus set, the
recall; with the Fundus set given, the check on generated pages: the listing and article
pages of `bench/discovery_sites.py`'s sites (built from the Fundus stories) and of the
demo site (`newsarchive/demo/site/`), counting listing pages classified as articles and
article pages classified as listings; and milliseconds per page (classification only,
CPU time of this process, median and mean: the machine may be shared).

The shipped weights were fitted on all of WCXB, so the per-half figures here are not
held-out figures: they show whether the classifier does about as well on both halves.
Held-out figures come from fitting the same features on one half and scoring the other
(done outside the project; see the comment above `WEIGHTS` in `crawler/pages/classify.py`).
The generated and demo pages were never used for fitting.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Run as a script, this folder comes first on sys.path, and its `incremental.py` would hide
# the `incremental` package Twisted (under Scrapy) imports: the project root goes there.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if Path(p or ".").resolve() != HERE]

from scrapy.http import HtmlResponse  # noqa: E402

from crawler.pages import classify as new_classify  # noqa: E402

Classifier = Callable[[str, object], object]


@dataclass
class Page:
    """One labelled page of a dev set."""

    source: str  # "wcxb" or "fundus"
    page_id: str
    url: str
    page_type: str  # "article", "listing", "product", ...
    html: bytes


@dataclass
class Tally:
    """One classifier's verdicts and timings."""

    verdicts: dict[tuple[str, str], bool] = field(default_factory=dict)  # (source, id)
    millis: list[float] = field(default_factory=list)


def load_old_classifier() -> ModuleType:
    """`crawler/pages/classify.py` as committed at `HEAD`, loaded from a temporary file."""
    source = subprocess.run(
        ["git", "show", "HEAD:crawler/pages/classify.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as handle:
        handle.write(source)
    try:
        return load_classifier_file(Path(handle.name), "old_classify")
    finally:
        Path(handle.name).unlink()


def load_classifier_file(path: Path, name: str) -> ModuleType:
    """A copy of `crawler/pages/classify.py` at `path`, loaded as module `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne", "go"})


def site_domain(url: str) -> str:
    """The registrable domain, roughly: the last two labels of the host, or three under a
    country's second level (`bbc.co.uk`), so that a site's subdomains stay together."""
    labels = (urlsplit(url).hostname or "").lower().split(".")
    if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def domain_half(url: str) -> int:
    """Which half of the domains the page's site is in (0 or 1), by a hash of its domain."""
    return int(hashlib.sha1(site_domain(url).encode()).hexdigest(), 16) % 2


def wcxb_pages(folder: Path) -> Iterator[Page]:
    """The pages of a WCXB split folder, with their page types."""
    for truth_file in sorted((folder / "dev" / "ground-truth").glob("*.json")):
        truth = json.loads(truth_file.read_text(encoding="utf-8"))
        page_type = page_type_of(truth)
        url = truth.get("url") or f"https://unknown.invalid/{truth_file.stem}"
        html_file = folder / "dev" / "html" / f"{truth_file.stem}.html.gz"
        html = gzip.decompress(html_file.read_bytes())
        yield Page("wcxb", truth_file.stem, url, page_type, html)


def page_type_of(truth: dict) -> str:
    """The page type as WCXB's `evaluate.get_page_type` reads it."""
    found = (truth.get("_internal") or {}).get("page_type", {})
    kind = found.get("primary", "article") if isinstance(found, dict) else found or "article"
    return "collection" if kind == "category" else str(kind)


def fundus_pages(folder: Path) -> Iterator[Page]:
    """The pages of the Fundus dev set: all articles."""
    truth = json.loads((folder / "truth.json").read_text(encoding="utf-8"))
    for page_id, record in truth.items():
        html = gzip.decompress((folder / "pages" / f"{page_id}.html.gz").read_bytes())
        yield Page("fundus", page_id, record["url"], "article", html)


def generated_pages(devset: Path) -> Iterator[Page]:
    """The HTML pages of the discovery benchmark's sites (built from the Fundus stories;
    an article page is one the site counts as an article, every other page is a listing
    or another non-article) and of the demo site (its `2023/` pages are the articles;
    `private/`, an article kept from crawlers by robots.txt, is left out)."""
    sys.path.append(str(HERE))  # appended: this folder's incremental.py must not shadow
    import discovery_sites as ds

    stories = ds.load_stories(devset)
    seen: set[bytes] = set()
    builders = (
        ("old-2008", ds.build_old_2008),
        ("dated-notags", ds.build_dated_notags),
        ("listing-words", ds.build_listing_words),
        ("real-paths", ds.build_real_paths),
        ("opaque-ids", ds.build_opaque_ids),
        ("variants", ds.build_variants),
    )
    for name, build in builders:
        site = ds.Site(name, "http://127.0.0.1:9/", "http://127.0.0.1:8/")
        build(site, ds.prepare(stories, name, len(stories)))
        for key, resource in site.resources.items():
            if resource.status != 200 or not resource.content_type.startswith("text/html"):
                continue
            digest = hashlib.sha1(resource.body).digest()
            if digest in seen:  # the same page under several URLs
                continue
            seen.add(digest)
            story = site.article_urls.get(key)
            kind = "article" if story and site.kinds.get(story) == "article" else "listing"
            url = "http://127.0.0.1:9" + key
            yield Page(f"gen:{name}", key, url, kind, resource.body)
    demo = ROOT / "newsarchive" / "demo" / "site"
    for file in sorted(demo.rglob("*.html")):
        path = "/" + file.parent.relative_to(demo).as_posix().strip(".") + "/"
        path = path.replace("//", "/")
        if path.startswith("/private/"):
            continue
        kind = "article" if path.startswith("/2023/") else "listing"
        yield Page("gen:demo", path, "http://127.0.0.1:8000" + path, kind, file.read_bytes())


def pages_of(folder: Path) -> Iterator[Page]:
    """The pages of `folder`, whichever of the two layouts it has."""
    if (folder / "truth.json").is_file() and (folder / "pages").is_dir():
        return fundus_pages(folder)
    if (folder / "dev" / "ground-truth").is_dir():
        return wcxb_pages(folder)
    raise SystemExit(f"{folder}: neither a Fundus dev set nor a WCXB split")


def run(folders: list[Path], classifiers: dict[str, Classifier]) -> tuple[list[Page], dict]:
    """Classify every page with every classifier, taking turns page by page."""
    tallies = {name: Tally() for name in classifiers}
    pages: list[Page] = []
    sources = [pages_of(folder) for folder in folders]
    devsets = [folder for folder in folders if (folder / "truth.json").is_file()]
    if devsets:
        sources.append(generated_pages(devsets[0]))
    for source in sources:
        for page in source:
            tree = HtmlResponse(url=page.url, body=page.html, encoding="utf-8").selector.root
            page.html = b""  # keep memory small
            pages.append(page)
            for name, classify in classifiers.items():
                start = time.process_time()
                kind = classify(page.url, tree)
                if not page.source.startswith("gen:"):  # timed on real pages only
                    tallies[name].millis.append((time.process_time() - start) * 1000)
                tallies[name].verdicts[(page.source, page.page_id)] = str(kind) == "article"
    return pages, tallies


def report(pages: list[Page], tallies: dict[str, Tally]) -> None:
    """Print the side-by-side table."""
    names = list(tallies)
    header = f"{'':34}" + "".join(f"{name:>10}" for name in names)
    print(header)
    wcxb = [page for page in pages if page.source == "wcxb"]
    if wcxb:
        print(f"WCXB ({len(wcxb)} pages)")
        rows: dict[str, list[float]] = defaultdict(list)
        for name in names:
            verdicts = tallies[name].verdicts
            said = [verdicts[("wcxb", page.page_id)] for page in wcxb]
            truth = [page.page_type == "article" for page in wcxb]
            hits = sum(s and t for s, t in zip(said, truth, strict=True))
            precision = hits / max(sum(said), 1)
            recall = hits / max(sum(truth), 1)
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            rows["  article precision"].append(precision)
            rows["  article recall"].append(recall)
            rows["  article F1"].append(f1)
            by_type: dict[str, list[bool]] = defaultdict(list)
            for page, verdict in zip(wcxb, said, strict=True):
                by_type[page.page_type].append(verdict)
            for page_type in sorted(by_type, key=lambda t: (t != "article", t)):
                share = sum(by_type[page_type]) / len(by_type[page_type])
                label = f"  '{page_type}' as article ({len(by_type[page_type])})"
                rows[label].append(share)
        for label, values in rows.items():
            print(f"{label:34}" + "".join(f"{value:>10.3f}" for value in values))
        report_halves(wcxb, tallies)
    fundus = [page for page in pages if page.source == "fundus"]
    if fundus:
        print(f"Fundus dev set ({len(fundus)} article pages)")
        values = [
            sum(tallies[name].verdicts[("fundus", page.page_id)] for page in fundus) / len(fundus)
            for name in names
        ]
        print(f"{'  article recall':34}" + "".join(f"{value:>10.3f}" for value in values))
    report_generated(pages, tallies)
    print("CPU time per page, classification only (real pages)")
    for label, measure in (("  ms median", statistics.median), ("  ms mean", statistics.mean)):
        values = [measure(tallies[name].millis) for name in names]
        print(f"{label:34}" + "".join(f"{value:>10.2f}" for value in values))


def precision_recall(pages: list[Page], verdicts: dict) -> tuple[float, float]:
    """Article precision and recall of `verdicts` on `pages`."""
    said = [verdicts[(page.source, page.page_id)] for page in pages]
    truth = [page.page_type == "article" for page in pages]
    hits = sum(s and t for s, t in zip(said, truth, strict=True))
    return hits / max(sum(said), 1), hits / max(sum(truth), 1)


def report_halves(wcxb: list[Page], tallies: dict[str, Tally]) -> None:
    """Precision and recall on each half of WCXB's domains, and their mean."""
    halves = [[page for page in wcxb if domain_half(page.url) == half] for half in (0, 1)]
    print(f"WCXB by domain half ({len(halves[0])} / {len(halves[1])} pages; weights not refitted)")
    figures = {
        name: [precision_recall(half, t.verdicts) for half in halves] for name, t in tallies.items()
    }
    for index, label in ((0, "precision"), (1, "recall")):
        for half in (0, 1):
            values = [figures[name][half][index] for name in tallies]
            print(f"{f'  half {half} article {label}':34}" + "".join(f"{v:>10.3f}" for v in values))
        values = [statistics.mean(f[index] for f in figures[name]) for name in tallies]
        print(f"{f'  mean article {label}':34}" + "".join(f"{v:>10.3f}" for v in values))


def report_generated(pages: list[Page], tallies: dict[str, Tally]) -> None:
    """Listing pages taken for articles and article pages taken for listings, per site."""
    generated = [page for page in pages if page.source.startswith("gen:")]
    if not generated:
        return
    print("Generated and demo pages: wrong verdicts")
    by_site: dict[str, list[Page]] = defaultdict(list)
    for page in generated:
        by_site[page.source[4:]].append(page)
    for site, members in by_site.items():
        for kind, wrong_is in (("listing", True), ("article", False)):
            chosen = [page for page in members if page.page_type == kind]
            if not chosen:
                continue
            counts = [
                sum(t.verdicts[(page.source, page.page_id)] is wrong_is for page in chosen)
                for t in tallies.values()
            ]
            label = f"  {site} {kind}s ({len(chosen)})"
            print(f"{label:34}" + "".join(f"{count:>10}" for count in counts))


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark on the folders given."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path, help="Fundus dev set and/or WCXB split")
    parser.add_argument("--also", type=Path, help="another classify.py, as a third column")
    args = parser.parse_args(argv)
    old = load_old_classifier()
    classifiers: dict[str, Classifier] = {"old": lambda url, tree: old.classify_page(url, tree)}
    if args.also:
        also = load_classifier_file(args.also, "also_classify")
        classifiers["also"] = lambda url, tree: also.classify_page(url, tree)
    classifiers["new"] = lambda url, tree: new_classify.classify_page(url, tree)
    pages, tallies = run(args.folders, classifiers)
    report(pages, tallies)


if __name__ == "__main__":
    main()
