"""Compression benchmark: how the archive's raw pages are best compressed, for their cost.

    python bench/compression.py DEVSET [--site-dir DIR] [--train-pages K ...] [--repeat N]

    python bench/compression.py ../shared/devset
    python bench/compression.py ../shared/devset --site-dir /tmp/crawl-bench  # crawl.py --keep

DEVSET is the Fundus dev set folder (`pages/<id>.html.gz`, real pages of many
publishers); `--site-dir` a folder of one site's HTML files, such as the site that
`bench/crawl.py --keep FOLDER` builds (its `articles/` folder is used if it has one,
else every `*.html` under DIR). Nothing is copied into the project.

Per set it prints, for every page: the compression ratio (raw bytes / compressed bytes)
and the milliseconds per page to compress and to decompress, for zlib 6 (what the archive
did before zstd) and zlib 1, and zstd at levels 1, 3, 6 and 9 (`--levels`).

Then per-site dictionaries, as the archive uses them: each site's pages in file-name
order (the dev set's are named `<country>-<publisher>-<date>`: a site is the first two
`-`-separated parts of the name), a dictionary trained on the first K pages of the site
(`--train-pages`, default the archive's `TRAIN_AFTER`; on a dev-set publisher, which has a
few pages only, on all but its last), measured on its later pages only, next to plain
zstd and zlib on those same pages. Dictionaries are trained by the archive's own
`pipelines.archive.page_codec.train` (zstd's fastcover) at several sizes, and built as "raw
content" dictionaries (the training pages' last bytes, untrained) for comparison; the
table gives the training time per site (mean and worst) and the dictionaries' mean size.
Before those tables, the time to train on a set's first `TRAIN_AFTER` pages, as much as
the archive trains on (on the dev set they are of many publishers: a useless dictionary,
but the volume of real pages). Every round trip is checked to give the original bytes
back.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import zstandard

from pipelines.archive import page_codec
from pipelines.archive.page_codec import PageDictionary

Codec = tuple[Callable[[bytes], bytes], Callable[[bytes], bytes]]
DICTIONARY_SIZES = (32 * 1024, 110 * 1024, 256 * 1024, 512 * 1024)


@dataclass
class Result:
    """One line of a table."""

    method: str
    pages: int
    raw: int
    compressed: int
    compress_ms: float  # per page
    decompress_ms: float  # per page
    train_ms: list[float] | None = None  # per site
    dictionary_bytes: list[int] | None = None  # per site

    @property
    def ratio(self) -> float:
        """Raw bytes over compressed bytes."""
        return self.raw / self.compressed


def devset_sites(folder: Path) -> dict[str, list[bytes]]:
    """The dev set's pages by publisher, in file-name order."""
    files = sorted((folder / "pages").glob("*.html.gz"))
    if not files:
        raise SystemExit(f"no pages found under {folder} (pages/<id>.html.gz)")
    sites: dict[str, list[bytes]] = defaultdict(list)
    for path in files:
        sites["-".join(path.name.split("-")[:2])].append(gzip.decompress(path.read_bytes()))
    return dict(sites)


def site_dir_pages(folder: Path) -> list[bytes]:
    """The HTML files of one site, in path order (article pages only, when it has them)."""
    for candidate in (folder / "articles", folder / "site" / "articles"):
        if candidate.is_dir():
            folder = candidate
            break
    files = sorted(folder.rglob("*.html"))
    if not files:
        raise SystemExit(f"no *.html files found under {folder}")
    return [path.read_bytes() for path in files]


def plain_codecs(levels: Sequence[int], zlib_levels: Sequence[int] = (6, 1)) -> dict[str, Codec]:
    """zlib and zstd (without a dictionary) at the given levels, by name."""
    codecs: dict[str, Codec] = {}
    for level in zlib_levels:
        name = "zlib 6 (before)" if level == 6 else f"zlib {level}"
        codecs[name] = (partial(zlib.compress, level=level), zlib.decompress)
    for level in levels:
        compressor = zstandard.ZstdCompressor(level=level)
        decompressor = zstandard.ZstdDecompressor()
        codecs[f"zstd {level}"] = (compressor.compress, decompressor.decompress)
    return codecs


def measure(name: str, pages: Sequence[bytes], codec: Codec, repeat: int) -> Result:
    """Compress and decompress `pages` with `codec`, the fastest of `repeat` rounds."""
    compress, decompress = codec
    compress_s = decompress_s = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        packed = [compress(page) for page in pages]
        compress_s = min(compress_s, time.perf_counter() - started)
        started = time.perf_counter()
        unpacked = [decompress(data) for data in packed]
        decompress_s = min(decompress_s, time.perf_counter() - started)
        if unpacked != list(pages):
            raise SystemExit(f"{name}: a round trip did not give the page back")
    return Result(
        name,
        len(pages),
        sum(map(len, pages)),
        sum(map(len, packed)),
        compress_s * 1000 / len(pages),
        decompress_s * 1000 / len(pages),
    )


def split_sites(
    sites: dict[str, list[bytes]], train_pages: int, min_pages: int
) -> list[tuple[list[bytes], list[bytes]]]:
    """(training pages, later pages) of each site with at least `min_pages` pages."""
    return [
        (pages[: min(train_pages, len(pages) - 1)], pages[min(train_pages, len(pages) - 1) :])
        for pages in sites.values()
        if len(pages) >= min_pages
    ]


def trained(size: int) -> Callable[[list[bytes]], bytes | None]:
    """A dictionary maker: the archive's training, for at most `size` bytes."""
    return lambda pages: page_codec.train(pages, size)


def raw_content(size: int) -> Callable[[list[bytes]], bytes | None]:
    """A dictionary maker: the last `size` bytes of the training pages, untrained."""
    return lambda pages: b"".join(pages)[-size:]


def measure_dictionary(
    name: str,
    splits: list[tuple[list[bytes], list[bytes]]],
    make: Callable[[list[bytes]], bytes | None],
    level: int,
    repeat: int,
) -> Result:
    """Per site: make a dictionary from its training pages (timed), then compress and
    decompress its later pages with it; summed over the sites."""
    total = Result(name, 0, 0, 0, 0.0, 0.0, [], [])
    for training, later in splits:
        started = time.perf_counter()
        data = make(training)
        dictionary = PageDictionary(data, level) if data else None
        total.train_ms.append((time.perf_counter() - started) * 1000)
        total.dictionary_bytes.append(len(data or b""))
        if dictionary is None:  # too little to train on: plain zstd, as the archive does
            plain = zstandard.ZstdCompressor(level=level)
            codec: Codec = (plain.compress, zstandard.ZstdDecompressor().decompress)
        else:
            codec = (dictionary.compress, dictionary.decompress)
        result = measure(name, later, codec, repeat)
        total.pages += result.pages
        total.raw += result.raw
        total.compressed += result.compressed
        total.compress_ms += result.compress_ms * result.pages
        total.decompress_ms += result.decompress_ms * result.pages
    total.compress_ms /= total.pages
    total.decompress_ms /= total.pages
    return total


def dictionary_results(splits: list[tuple[list[bytes], list[bytes]]], repeat: int) -> list[Result]:
    """Plain codecs and dictionaries on the later pages of each site."""
    later = [page for _, pages in splits for page in pages]
    codecs = plain_codecs([page_codec.LEVEL], zlib_levels=[6])
    results = [measure(name, later, codec, repeat) for name, codec in codecs.items()]
    for size in DICTIONARY_SIZES:
        label = f"zstd {page_codec.LEVEL} + trained {size // 1024} KB"
        results.append(measure_dictionary(label, splits, trained(size), page_codec.LEVEL, repeat))
    for level in (1, 6):
        size = page_codec.DICTIONARY_SIZE
        label = f"zstd {level} + trained {size // 1024} KB"
        results.append(measure_dictionary(label, splits, trained(size), level, repeat))
    for size in DICTIONARY_SIZES[1:]:
        label = f"zstd {page_codec.LEVEL} + raw content {size // 1024} KB"
        results.append(
            measure_dictionary(label, splits, raw_content(size), page_codec.LEVEL, repeat)
        )
    return results


def print_training_times(label: str, pages: Sequence[bytes], repeat: int) -> None:
    """How long the archive's training takes on the first `TRAIN_AFTER` pages of a set (as
    much as the archive trains on, up to `SAMPLE_BYTES`), for each dictionary size."""
    first = list(pages[: page_codec.TRAIN_AFTER])
    used = min(sum(map(len, first)), page_codec.SAMPLE_BYTES)
    print(
        f"== {label}: training on its first {len(first)} pages ({used / 2**20:.1f} MB used,"
        f" at most {page_codec.SAMPLE_BYTES // 2**20} MB), {repeat} times"
    )
    print(f"{'dictionary':<30}{'ms median':>10}{'ms max':>8}")
    for size in DICTIONARY_SIZES:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            data = page_codec.train(first, size)
            if data:
                PageDictionary(data)
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"{f'trained {size // 1024} KB':<30}{statistics.median(times):>10.0f}{max(times):>8.0f}"
        )
    print()


def print_table(title: str, results: list[Result]) -> None:
    """A table of results, with training time and dictionary size when there are any."""
    print(f"== {title}")
    print(
        f"{'method':<30}{'pages':>6}{'ratio':>7}{'comp ms':>9}{'dec ms':>8}"
        f"{'train ms mean/max':>19}{'dict KB':>9}"
    )
    for r in results:
        train = dict_kb = ""
        if r.train_ms:
            train = f"{statistics.mean(r.train_ms):.0f} / {max(r.train_ms):.0f}"
            dict_kb = f"{statistics.mean(r.dictionary_bytes or [0]) / 1024:.0f}"
        print(
            f"{r.method:<30}{r.pages:>6}{r.ratio:>7.2f}{r.compress_ms:>9.2f}"
            f"{r.decompress_ms:>8.2f}{train:>19}{dict_kb:>9}"
        )
    print()


def bench_set(
    label: str, sites: dict[str, list[bytes]], args: argparse.Namespace, min_pages: int
) -> None:
    """Print the tables of one set of pages."""
    pages = [page for site in sites.values() for page in site]
    average_kb = sum(map(len, pages)) / len(pages) / 1024
    codecs = plain_codecs(args.levels)
    print_table(
        f"{label}: every page ({len(pages)} pages, {average_kb:.0f} KB on average)",
        [measure(name, pages, codec, args.repeat) for name, codec in codecs.items()],
    )
    print_training_times(label, pages, args.repeat)
    done: set[tuple[int, ...]] = set()
    for k in args.train_pages:
        splits = split_sites(sites, k, min_pages)
        shape = tuple(len(training) for training, _ in splits)
        if not splits or shape in done:
            continue
        done.add(shape)
        print_table(
            f"{label}: per-site dictionaries, {len(splits)} site(s) of {min_pages}+ pages,"
            f" trained on the first {min(shape)}-{max(shape)} pages of each (K={k}),"
            " measured on its later pages",
            dictionary_results(splits, args.repeat),
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("devset", type=Path, help="the Fundus dev set folder")
    parser.add_argument("--site-dir", type=Path, help="a folder of one site's HTML files")
    parser.add_argument(
        "--train-pages",
        type=int,
        nargs="+",
        default=[page_codec.TRAIN_AFTER],
        help=f"pages a dictionary is trained on (default {page_codec.TRAIN_AFTER})",
    )
    parser.add_argument(
        "--levels", type=int, nargs="+", default=[1, 3, 6, 9], help="zstd levels without"
    )
    parser.add_argument(
        "--min-site-pages",
        type=int,
        default=3,
        help="dev-set publishers with fewer pages are left out of the dictionary tables",
    )
    parser.add_argument("--repeat", type=int, default=3, help="rounds timed, the fastest kept")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print its tables."""
    args = parse_args(argv)
    bench_set("dev set", devset_sites(args.devset), args, args.min_site_pages)
    if args.site_dir:
        bench_set("site dir", {"site": site_dir_pages(args.site_dir)}, args, 2)


if __name__ == "__main__":
    main()
