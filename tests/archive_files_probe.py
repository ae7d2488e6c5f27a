"""A test-only Scrapy extension: which files of its archive the crawl's process holds
open when the first item is through the pipelines (every component that reads or writes
the archive has opened it by then). It writes their names, one per open file descriptor,
as JSON to the file named by the `ARCHIVE_FILES_PROBE` environment variable."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler


class ArchiveFilesProbe:
    """Records the archive's open files once, at the first scraped item."""

    def __init__(self, crawler: Crawler) -> None:
        self.db = Path(crawler.settings.get("ARCHIVE_DB")).resolve()
        self.out = Path(os.environ["ARCHIVE_FILES_PROBE"])
        self.recorded = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveFilesProbe:
        """Create the probe and listen for scraped items."""
        probe = cls(crawler)
        crawler.signals.connect(probe.item_scraped, signal=signals.item_scraped)
        return probe

    def item_scraped(self, item: Any) -> None:
        """List the descriptors of this process open on the archive's files, once."""
        if self.recorded:
            return
        self.recorded = True
        names = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{fd}")
            except OSError:  # closed meanwhile (the listing's own descriptor)
                continue
            if target.startswith(str(self.db)):
                names.append(Path(target).name)
        self.out.write_text(json.dumps(sorted(names)), encoding="utf-8")
