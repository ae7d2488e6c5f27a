"""What every part of the archive uses: its error, the clock, this process's name."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime

__all__ = ["ArchiveError", "now_iso", "this_worker"]


class ArchiveError(Exception):
    """The archive cannot be opened or written."""


def this_worker() -> str:
    """This process, as `crawl_runs.worker` names it: host name and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def now_iso(timespec: str = "seconds") -> str:
    """The current UTC time in ISO 8601 (to the second unless `timespec` says otherwise)."""
    return datetime.now(UTC).isoformat(timespec=timespec)
