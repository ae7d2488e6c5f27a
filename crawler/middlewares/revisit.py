"""When an archived article is due for a revisit.

News articles change most in their first days (corrections, updates, live pages) and
rarely afterwards. The default policy revisits an article whose latest date (published or
modified) is recent every few hours, and an older one only every few weeks; a sitemap or
feed saying the URL changed after the archive last fetched it makes it due at once.
Revisits are conditional requests (ETag / Last-Modified), so an unchanged page costs a 304.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy.settings import BaseSettings

from crawler import settings as defaults

__all__ = ["RevisitPolicy", "is_due", "parse_time"]


@dataclass(frozen=True)
class RevisitPolicy:
    """How often archived articles are fetched again.

    An article is *recent* while its latest date is less than `recent_days` old; recent
    articles are revisited once `recent_every_hours` have passed since the last fetch,
    older ones once `old_every_days` have passed (0: never, unless a sitemap or feed says
    they changed). The defaults are the project's `REVISIT_*` settings
    (`crawler/settings.py`).
    """

    recent_days: float = defaults.REVISIT_RECENT_DAYS
    recent_every_hours: float = defaults.REVISIT_RECENT_EVERY_HOURS
    old_every_days: float = defaults.REVISIT_OLD_EVERY_DAYS

    @classmethod
    def from_settings(cls, settings: BaseSettings) -> RevisitPolicy:
        """The policy of the `REVISIT_RECENT_DAYS`, `REVISIT_RECENT_EVERY_HOURS` and
        `REVISIT_OLD_EVERY_DAYS` settings."""
        return cls(
            recent_days=settings.getfloat("REVISIT_RECENT_DAYS"),
            recent_every_hours=settings.getfloat("REVISIT_RECENT_EVERY_HOURS"),
            old_every_days=settings.getfloat("REVISIT_OLD_EVERY_DAYS"),
        )

    def with_overrides(self, overrides: dict[str, float]) -> RevisitPolicy:
        """This policy with some fields replaced (a site's own settings)."""
        return RevisitPolicy(**{**self.__dict__, **overrides})


def parse_time(value: str | None) -> datetime | None:
    """An ISO 8601 date or time as an aware datetime (UTC when no zone is given); None if
    absent or unreadable."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def is_due(
    known: dict[str, Any],
    policy: RevisitPolicy,
    now: datetime,
    lastmod: str | None = None,
) -> bool:
    """Whether the archived article `known` (a row of `Archive.known_articles`) should be
    fetched again now. `lastmod` is what a sitemap or feed says of the URL, if anything."""
    last_fetched = parse_time(known.get("last_fetched")) or parse_time(known.get("first_seen"))
    if last_fetched is None:
        return True
    changed = parse_time(lastmod)
    if changed is not None and changed > last_fetched:
        return True
    dates = [parse_time(known.get(key)) for key in ("published", "modified")]
    first_seen = parse_time(known.get("first_seen")) or last_fetched
    latest = max((d for d in dates if d is not None), default=first_seen)
    since_fetch = now - last_fetched
    if now - latest < timedelta(days=policy.recent_days):
        return since_fetch >= timedelta(hours=policy.recent_every_hours)
    if policy.old_every_days <= 0:
        return False
    return since_fetch >= timedelta(days=policy.old_every_days)
