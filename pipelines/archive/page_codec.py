"""How the archive compresses raw pages: zstd at a cheap level, with a dictionary per site.

A news site's article pages share most of their bytes (the header, menus, inline CSS and
scripts, the footer), so a dictionary trained on a site's first pages makes its later
pages much smaller at no extra cost per page. `bench/compression.py` measures the
choices; the README gives the figures. The archive (`pipelines/archive/core.py`) decides when
a site gets a dictionary and stores it; this module only compresses, decompresses and
trains, and reads the pages that older archives stored with zlib.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Iterable

import zstandard

__all__ = [
    "DICTIONARY_SIZE",
    "LEVEL",
    "SAMPLE_BYTES",
    "TRAIN_AFTER",
    "DictionaryCache",
    "PageDictionary",
    "compress",
    "decompress",
    "decompress_zlib",
    "train",
]

LEVEL = 3  # zstd's default level: zlib 6's ratio or better in a fifth of its time
DICTIONARY_SIZE = 512 * 1024  # the best size measured, and no slower per page
TRAIN_AFTER = 32  # pages of a site stored without a dictionary before one is trained
# Training runs in the crawl's thread: at most this much of those pages feeds it, which
# keeps it near 0.1 s on real pages (`bench/compression.py`).
SAMPLE_BYTES = 8 * 1024 * 1024
# fastcover with fixed parameters: no search over them (several times slower, for no gain
# on HTML); 2 KB segments and a 2^18 frequency table train twice as fast as zstd's
# defaults (k 1024, f 20, accel 1) into as good a dictionary, on both sets of the bench.
_FASTCOVER = {"k": 2048, "d": 8, "f": 18, "accel": 2}
_MIN_SAMPLES = 8  # zstd's trainer refuses a handful of samples: a few pages are cut up
_SAMPLE_PIECE = 16 * 1024

_plain_compressor = zstandard.ZstdCompressor(level=LEVEL)
_plain_decompressor = zstandard.ZstdDecompressor()


class PageDictionary:
    """A trained dictionary, ready to compress and decompress pages with."""

    def __init__(self, data: bytes, level: int = LEVEL) -> None:
        self.data = data
        self._dict = zstandard.ZstdCompressionDict(data)
        self._dict.precompute_compress(level=level)
        self._compressor = zstandard.ZstdCompressor(level=level, dict_data=self._dict)
        self._decompressor = zstandard.ZstdDecompressor(dict_data=self._dict)

    @property
    def zstd_id(self) -> int:
        """The dictionary's id as zstd writes it into each frame compressed with it."""
        return self._dict.dict_id()

    def compress(self, body: bytes) -> bytes:
        """`body` compressed with this dictionary."""
        return self._compressor.compress(body)

    def decompress(self, data: bytes) -> bytes:
        """The bytes that `compress` made `data` from."""
        return self._decompressor.decompress(data)


def compress(body: bytes, dictionary: PageDictionary | None = None) -> bytes:
    """`body` as a zstd frame, compressed with `dictionary` if one is given."""
    if dictionary is not None:
        return dictionary.compress(body)
    return _plain_compressor.compress(body)


def decompress(data: bytes, dictionary: PageDictionary | None = None) -> bytes:
    """The bytes of zstd frame `data` (compressed with `dictionary`, if given).

    Raises `zstandard.ZstdError` if `data` needs another dictionary or is corrupt."""
    if dictionary is not None:
        return dictionary.decompress(data)
    return _plain_decompressor.decompress(data)


def decompress_zlib(data: bytes) -> bytes:
    """The bytes of a page stored with zlib (archives written before zstd)."""
    return zlib.decompress(data)


def train(pages: Iterable[bytes], size: int = DICTIONARY_SIZE) -> bytes | None:
    """A dictionary of at most `size` bytes trained on `pages` (up to `SAMPLE_BYTES` of
    them, in order); None if they are too few or too small to train one from."""
    samples: list[bytes] = []
    total = 0
    for page in pages:
        if total >= SAMPLE_BYTES:
            break
        if not page:
            continue
        samples.append(page[: SAMPLE_BYTES - total])
        total += len(samples[-1])
    if len(samples) < _MIN_SAMPLES:
        samples = [
            s[i : i + _SAMPLE_PIECE] for s in samples for i in range(0, len(s), _SAMPLE_PIECE)
        ]
    size = min(size, total // 4)  # a dictionary of most of its samples learns nothing
    if len(samples) < _MIN_SAMPLES or size < 1024:
        return None
    try:
        trained = zstandard.train_dictionary(size, samples, **_FASTCOVER)
    except zstandard.ZstdError:  # nothing recurs enough to build a dictionary of
        return None
    return trained.as_bytes()


class DictionaryCache:
    """Loaded dictionaries by key, the least recently used dropped beyond `capacity` (a
    loaded dictionary with its compression tables holds about 2 MB)."""

    def __init__(self, capacity: int = 8) -> None:
        self.capacity = capacity
        self._loaded: OrderedDict[object, PageDictionary] = OrderedDict()

    def get(self, key: object) -> PageDictionary | None:
        """The dictionary loaded under `key`, if it is loaded."""
        dictionary = self._loaded.get(key)
        if dictionary is not None:
            self._loaded.move_to_end(key)
        return dictionary

    def put(self, key: object, dictionary: PageDictionary) -> None:
        """Keep `dictionary` under `key`."""
        self._loaded[key] = dictionary
        self._loaded.move_to_end(key)
        while len(self._loaded) > self.capacity:
            self._loaded.popitem(last=False)
