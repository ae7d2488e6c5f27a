"""What a worker does when Redis stops answering: it stops, saying so.

The shared queue, the requests in each worker's hands and the writer's stream all live
in Redis: a worker that cannot reach it has no useful work left. The first of its
components to find Redis gone (the scheduler, the ship stage, the run's heartbeat) calls
`report_unreachable`; the worker's run (`WorkerRun`) then closes the spider with the
reason `REDIS_UNREACHABLE`, and `newsarchive crawl --redis` exits with one error line.
The requests the worker held stay in its in-flight hash: if the server comes back with
its data, another worker puts them back into the queue once this one's heartbeat expires.
"""

from __future__ import annotations

from typing import Any

import redis

__all__ = ["REDIS_UNREACHABLE", "UNREACHABLE_ERRORS", "redis_unreachable", "report_unreachable"]

redis_unreachable = object()
"""Scrapy signal sent (with `error`) when a Redis command of the worker fails to connect."""

REDIS_UNREACHABLE = "redis_unreachable"  # the spider's close reason

UNREACHABLE_ERRORS: tuple[type[Exception], ...] = (redis.ConnectionError, redis.TimeoutError)
"""The errors that mean the server is gone (not a command refused by a live server)."""


def report_unreachable(crawler: Any, error: Exception) -> None:
    """Tell the worker's components that Redis is unreachable (`error` says why)."""
    crawler.signals.send_catch_log(redis_unreachable, error=error)
