"""A Scrapy DNS resolver for tests: every host name is 127.0.0.1, so that a crawl of a
host such as `bücher.example` reaches a test server on this machine.

Use it with `-s TWISTED_DNS_RESOLVER=tests.loopback_resolver.LoopbackResolver`.
"""

from __future__ import annotations

from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer

__all__ = ["LoopbackResolver"]


class LoopbackResolver(CachingThreadedResolver):
    """Resolves every name to 127.0.0.1."""

    def getHostByName(self, name: str, timeout: Any = None) -> defer.Deferred[str]:
        """127.0.0.1, whatever `name` is."""
        return defer.succeed("127.0.0.1")
