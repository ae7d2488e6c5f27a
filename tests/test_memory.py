"""Memory freed by parsed pages goes back to the system (`crawler.extensions.memory`): without it
glibc keeps it, and a long crawl's resident memory creeps up."""

from __future__ import annotations

import gc
from pathlib import Path

import lxml.html

from crawler.extensions.memory import release_free_memory

PAGE = (
    "<html><body>"
    + "".join(
        f"<div class='c{n}'><p>Paragraph {n} of the story, with words.</p>"
        f"<a href='/news/{n}/'>link {n}</a></div>"
        for n in range(3000)
    )
    + "</body></html>"
)


def _rss_mb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) // 1024
    raise AssertionError("no VmRSS line")


def test_freed_page_trees_are_given_back_to_the_system():
    """60 parsed pages (about 200 MB of lxml's C heap), once dropped, are handed back to
    the system by `release_free_memory`: the process's resident memory falls by 100 MB."""
    trees = [lxml.html.fromstring(PAGE) for _ in range(60)]
    parsed = _rss_mb()
    del trees
    gc.collect()
    assert release_free_memory() is True
    assert _rss_mb() < parsed - 100
