"""Comparing short texts by their words, whatever their case, spacing and punctuation.

Headlines, author names, standfirsts, repeated lines and text blocks are all matched this
way: `word_key` ("Story | Site" → "storysite") and `word_phrase` ("story site"), and
`site_keys`, the keys under which a site names itself. `count_words` measures a text in
words, in languages written with spaces between words and in those written without.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["count_words", "site_keys", "word_key", "word_phrase"]

_WORD_RE = re.compile(r"\w+")

# Scripts written without spaces between words, each with the number of characters that
# make about one word: Chinese words average under two characters and Japanese ones (kanji
# and kana) about two; Thai words, counted in code points with their vowel and tone marks,
# about four, and Lao, Khmer and Myanmar are written the same way.
_HAN_KANA = (
    "\u3005-\u3007"  # 々 〆 〇
    "\u3040-\u30fa\u30fc-\u30ff"  # hiragana, katakana with ー (not the middle dot ・)
    "\u31f0-\u31ff"  # katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width katakana
    "\U00020000-\U0003134f"  # CJK extensions B to G
)
_SOUTHEAST_ASIAN = (
    "\u0e00-\u0e7f"  # Thai
    "\u0e80-\u0eff"  # Lao
    "\u1000-\u109f"  # Myanmar
    "\u1780-\u17ff"  # Khmer
)
_CHARS_PER_WORD = {"han_kana": 2, "southeast_asian": 4}
_UNSPACED_RUN_RE = re.compile(
    f"(?P<han_kana>[{_HAN_KANA}]+)|(?P<southeast_asian>[{_SOUTHEAST_ASIAN}]+)"
)


def word_key(text: str) -> str:
    """The text's words, case-folded and run together."""
    return "".join(_WORD_RE.findall(text.casefold()))


def word_phrase(text: str) -> str:
    """The text's words, case-folded, separated by single spaces."""
    return " ".join(_WORD_RE.findall(text.casefold()))


def count_words(text: str) -> int:
    """The number of words in `text`, in any script.

    Text written with spaces between words counts its space-separated words, exactly as
    `len(text.split())` does; Korean is one of them (Hangul is written with spaces between
    words). Chinese, Japanese, Thai, Lao, Khmer and Myanmar text puts no spaces between
    words, and `str.split()` makes a whole sentence one word: there a run of such characters
    counts one word per two characters (Chinese and Japanese) or per four (Thai and the other
    Southeast Asian scripts), rounded up, the average length of a word in those languages.
    Counting words rather than characters keeps word thresholds meaning the same in every
    language (an 8-word sentence is an 8-word sentence) and a Japanese menu label of a few
    characters short; punctuation between the runs does not count.
    """
    if not _UNSPACED_RUN_RE.search(text):
        return len(text.split())
    return sum(_token_words(token) for token in text.split())


def _token_words(token: str) -> int:
    """The words of one space-separated token: one, unless it holds unspaced-script
    characters."""
    if not _UNSPACED_RUN_RE.search(token):
        return 1  # as `str.split()` counts it, even a lone dash
    words, start = 0, 0
    for run in _UNSPACED_RUN_RE.finditer(token):
        words += _has_word(token[start : run.start()])
        words += -(-len(run.group()) // _CHARS_PER_WORD[run.lastgroup or "han_kana"])
        start = run.end()
    return words + _has_word(token[start:])


def _has_word(piece: str) -> int:
    """1 if `piece` (a token's text between unspaced runs) holds a letter or digit."""
    return 1 if _WORD_RE.search(piece) else 0


def site_keys(site_names: set[str], url: str) -> set[str]:
    """The `word_key`s of the site's names and of its host (with and without the top-level
    domain, without "www.")."""
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    keys = {word_key(name) for name in site_names}
    if host:
        keys |= {word_key(host), word_key(host.rsplit(".", 1)[0])}
    return keys
