"""Tests for the revisit policy: when an archived article is fetched again."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from scrapy.settings import Settings

from crawler.middlewares.revisit import RevisitPolicy, is_due, parse_time
from newsarchive.overrides import project_settings

NOW = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
DEFAULT = RevisitPolicy()


def known(**fields):
    """A row of `Archive.known_articles` for one article, with `fields` filled in."""
    row = {
        "url": "https://www.example.com/news/2026/11/27/harbour-ferry/",
        "published": None,
        "modified": None,
        "first_seen": None,
        "last_fetched": None,
        "etag": None,
        "http_last_modified": None,
        "sitemap_lastmod": None,
    }
    row.update(fields)
    return row


# RevisitPolicy ---------------------------------------------------------------------------


def test_default_policy():
    """The default policy: recent for 3 days, revisited every 6 hours, then every 30 days."""
    policy = RevisitPolicy()
    assert policy == RevisitPolicy(recent_days=3, recent_every_hours=6, old_every_days=30)


def test_from_settings_reads_all_three_settings():
    """Each REVISIT_* setting sets its field, as a float, whether given as number or text."""
    settings = Settings(
        {
            "REVISIT_RECENT_DAYS": "2",
            "REVISIT_RECENT_EVERY_HOURS": 12,
            "REVISIT_OLD_EVERY_DAYS": "0",
        }
    )
    policy = RevisitPolicy.from_settings(settings)
    assert policy == RevisitPolicy(recent_days=2.0, recent_every_hours=12.0, old_every_days=0.0)
    assert isinstance(policy.recent_days, float)


def test_from_settings_defaults_are_the_project_settings():
    """The project's settings give the default policy; one key changes one field."""
    assert RevisitPolicy.from_settings(project_settings()) == DEFAULT
    settings = project_settings()
    settings.set("REVISIT_OLD_EVERY_DAYS", 7)
    assert RevisitPolicy.from_settings(settings) == RevisitPolicy(
        recent_days=3, recent_every_hours=6, old_every_days=7.0
    )


def test_with_overrides_replaces_only_given_fields():
    """A site's overrides replace their fields and keep the others; the original is unchanged."""
    base = RevisitPolicy(recent_days=2, recent_every_hours=4, old_every_days=14)
    assert base.with_overrides({"old_every_days": 0.0}) == RevisitPolicy(
        recent_days=2, recent_every_hours=4, old_every_days=0.0
    )
    assert base.with_overrides(
        {"recent_days": 1.0, "recent_every_hours": 1.5, "old_every_days": 60.0}
    ) == RevisitPolicy(recent_days=1.0, recent_every_hours=1.5, old_every_days=60.0)
    assert base.with_overrides({}) == base
    assert base == RevisitPolicy(recent_days=2, recent_every_hours=4, old_every_days=14)


def test_with_overrides_unknown_field_is_an_error():
    """An override that is not a policy field is a TypeError, not silently dropped."""
    with pytest.raises(TypeError):
        DEFAULT.with_overrides({"every_days": 3.0})


# parse_time ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-27T08:30:00Z", datetime(2026, 11, 27, 8, 30, tzinfo=UTC)),
        ("2026-11-27T08:30:00+00:00", datetime(2026, 11, 27, 8, 30, tzinfo=UTC)),
        ("2026-11-27T09:30:00+01:00", datetime(2026, 11, 27, 8, 30, tzinfo=UTC)),
        ("2026-11-27T08:30:00", datetime(2026, 11, 27, 8, 30, tzinfo=UTC)),
        ("2026-11-27T08:30:00.250000Z", datetime(2026, 11, 27, 8, 30, 0, 250000, tzinfo=UTC)),
        ("2026-11-27", datetime(2026, 11, 27, tzinfo=UTC)),
        ("  2026-11-27T08:30:00Z\n", datetime(2026, 11, 27, 8, 30, tzinfo=UTC)),
    ],
    ids=["zulu", "utc-offset", "plus-one", "naive", "fraction", "date-only", "whitespace"],
)
def test_parse_time_readable(value, expected):
    """ISO 8601 dates and times become aware datetimes at the same instant."""
    parsed = parse_time(value)
    assert parsed == expected
    assert parsed.tzinfo is not None


def test_parse_time_keeps_the_given_offset():
    """A time with an offset keeps it; a naive time is put in UTC, not in local time."""
    assert parse_time("2026-11-27T09:30:00+01:00").utcoffset() == timedelta(hours=1)
    assert parse_time("2026-11-27T08:30:00").tzinfo is UTC
    assert parse_time("2026-11-27T09:30:00+01:00") == datetime(
        2026, 11, 27, 9, 30, tzinfo=timezone(timedelta(hours=1))
    )


@pytest.mark.parametrize(
    "value",
    [None, "", "   ", "yesterday", "27/11/2026", "Fri, 27 Nov 2026 08:30:00 GMT", "2026-13-01"],
    ids=["none", "empty", "blank", "word", "slashes", "rfc-2822", "month-13"],
)
def test_parse_time_unreadable_is_none(value):
    """Absent or unreadable dates are None, never an exception."""
    assert parse_time(value) is None


# is_due ----------------------------------------------------------------------------------


def test_never_fetched_is_due():
    """An article with neither a last fetch nor a first sighting is due."""
    assert is_due(known(published="2026-11-28T05:00:00Z"), DEFAULT, NOW) is True
    assert is_due(known(), DEFAULT, NOW) is True


def test_first_seen_stands_in_for_last_fetched():
    """Without last_fetched, first_seen is the time of the last fetch."""
    row = known(published="2026-11-27T20:00:00Z", first_seen="2026-11-28T05:00:00Z")
    assert is_due(row, DEFAULT, NOW) is False
    row = known(published="2026-11-27T20:00:00Z", first_seen="2026-11-27T23:00:00Z")
    assert is_due(row, DEFAULT, NOW) is True


def test_newer_lastmod_makes_due():
    """A sitemap lastmod after the last fetch makes even a just-fetched old article due."""
    row = known(
        published="2025-03-14T10:00:00Z",
        first_seen="2025-03-14T11:00:00Z",
        last_fetched="2026-11-28T05:00:00Z",
    )
    assert is_due(row, DEFAULT, NOW) is False
    assert is_due(row, DEFAULT, NOW, lastmod="2026-11-28T05:30:00Z") is True


def test_older_or_equal_lastmod_does_not_make_due():
    """A lastmod before (or at) the last fetch changes nothing."""
    row = known(
        published="2025-03-14T10:00:00Z",
        first_seen="2025-03-14T11:00:00Z",
        last_fetched="2026-11-20T12:00:00Z",
    )
    assert is_due(row, DEFAULT, NOW, lastmod="2026-11-19T08:00:00Z") is False
    assert is_due(row, DEFAULT, NOW, lastmod="2026-11-20T12:00:00Z") is False
    assert is_due(row, DEFAULT, NOW, lastmod="2026-11-20") is False


def test_recent_article_due_after_recent_every_hours():
    """An article published within recent_days is due once recent_every_hours have passed."""
    policy = RevisitPolicy(recent_days=3, recent_every_hours=6, old_every_days=30)
    published = "2026-11-27T07:00:00Z"
    just_under = known(published=published, last_fetched="2026-11-28T00:01:00Z")
    exactly = known(published=published, last_fetched="2026-11-28T00:00:00Z")
    longer = known(published=published, last_fetched="2026-11-27T18:00:00Z")
    assert is_due(just_under, policy, NOW) is False
    assert is_due(exactly, policy, NOW) is True
    assert is_due(longer, policy, NOW) is True


def test_recent_days_boundary():
    """An article is recent while less than recent_days old; at exactly recent_days it is old."""
    fetched_7h_ago = "2026-11-27T23:00:00Z"
    still_recent = known(published="2026-11-25T06:01:00Z", last_fetched=fetched_7h_ago)
    now_old = known(published="2026-11-25T06:00:00Z", last_fetched=fetched_7h_ago)
    assert is_due(still_recent, DEFAULT, NOW) is True
    assert is_due(now_old, DEFAULT, NOW) is False


def test_old_article_due_after_old_every_days():
    """An old article is due once old_every_days have passed since the last fetch."""
    policy = RevisitPolicy(recent_days=3, recent_every_hours=6, old_every_days=30)
    published = "2026-09-01T10:00:00Z"
    assert is_due(known(published=published, last_fetched="2026-10-29T06:00:00Z"), policy, NOW)
    assert is_due(known(published=published, last_fetched="2026-10-01T06:00:00Z"), policy, NOW)
    not_yet = known(published=published, last_fetched="2026-10-29T06:01:00Z")
    assert is_due(not_yet, policy, NOW) is False
    a_week_ago = known(published=published, last_fetched="2026-11-21T06:00:00Z")
    assert is_due(a_week_ago, policy, NOW) is False
    assert is_due(a_week_ago, RevisitPolicy(old_every_days=7), NOW) is True


def test_old_article_never_due_when_old_every_days_is_zero():
    """With old_every_days=0 an old article is never due by age, only by a newer lastmod."""
    policy = RevisitPolicy(recent_days=3, recent_every_hours=6, old_every_days=0)
    row = known(published="2024-01-05T10:00:00Z", last_fetched="2024-01-05T12:00:00Z")
    assert is_due(row, policy, NOW) is False
    assert is_due(row, policy, NOW, lastmod="2023-12-31T00:00:00Z") is False
    assert is_due(row, policy, NOW, lastmod="2026-11-27T09:00:00Z") is True


def test_old_every_days_zero_still_revisits_recent_articles():
    """old_every_days=0 does not stop the revisits of recent articles."""
    policy = RevisitPolicy(recent_days=3, recent_every_hours=6, old_every_days=0)
    row = known(published="2026-11-27T10:00:00Z", last_fetched="2026-11-27T12:00:00Z")
    assert is_due(row, policy, NOW) is True


def test_modified_date_makes_old_article_recent():
    """An old article modified within recent_days follows the recent schedule."""
    old = known(published="2026-06-01T09:00:00Z", last_fetched="2026-11-27T21:00:00Z")
    updated = dict(old, modified="2026-11-27T20:00:00Z")
    assert is_due(old, DEFAULT, NOW) is False
    assert is_due(updated, DEFAULT, NOW) is True


def test_modified_before_published_does_not_make_old():
    """The latest of published and modified counts, whichever field holds it."""
    row = known(
        published="2026-11-27T10:00:00Z",
        modified="2026-05-01T10:00:00Z",
        last_fetched="2026-11-27T23:00:00Z",
    )
    assert is_due(row, DEFAULT, NOW) is True


def test_no_dates_falls_back_to_first_seen():
    """Without published or modified dates, the first sighting decides recent or old."""
    seen_recently = known(first_seen="2026-11-27T12:00:00Z", last_fetched="2026-11-27T23:00:00Z")
    seen_long_ago = known(first_seen="2026-10-01T12:00:00Z", last_fetched="2026-11-27T23:00:00Z")
    assert is_due(seen_recently, DEFAULT, NOW) is True
    assert is_due(seen_long_ago, DEFAULT, NOW) is False


def test_naive_dates_are_utc():
    """Dates without a zone are compared as UTC with dates that have one."""
    row = known(published="2026-11-20T10:00:00", last_fetched="2026-11-28T00:00:00")
    # 01:30+02:00 is 23:30 UTC the day before: older than the naive midnight fetch.
    assert is_due(row, DEFAULT, NOW, lastmod="2026-11-28T01:30:00+02:00") is False
    assert is_due(row, DEFAULT, NOW, lastmod="2026-11-28T00:30:00") is True
    assert is_due(row, DEFAULT, NOW, lastmod="2026-11-28T00:30:00+00:00") is True
    recent = known(published="2026-11-25T06:30:00", last_fetched="2026-11-27T23:00:00")
    old = known(published="2026-11-25T05:30:00", last_fetched="2026-11-27T23:00:00")
    assert is_due(recent, DEFAULT, NOW) is True
    assert is_due(old, DEFAULT, NOW) is False


def test_unreadable_lastmod_is_ignored():
    """A lastmod that is not a date neither makes an article due nor raises."""
    row = known(published="2025-03-14T10:00:00Z", last_fetched="2026-11-28T05:00:00Z")
    assert is_due(row, DEFAULT, NOW, lastmod="last week") is False
    assert is_due(row, DEFAULT, NOW, lastmod="") is False


def test_unreadable_article_dates_are_ignored():
    """Unreadable published/modified dates are skipped; first_seen decides instead."""
    row = known(
        published="Freitag, 27. November",
        modified="n/a",
        first_seen="2026-10-01T12:00:00Z",
        last_fetched="2026-11-27T23:00:00Z",
    )
    assert is_due(row, DEFAULT, NOW) is False
    assert is_due(dict(row, first_seen="2026-11-27T12:00:00Z"), DEFAULT, NOW) is True


def test_unreadable_last_fetched_falls_back_to_first_seen():
    """An unreadable last_fetched is replaced by first_seen; with neither readable, due."""
    row = known(
        published="2026-11-27T20:00:00Z",
        first_seen="2026-11-28T05:00:00Z",
        last_fetched="not yet",
    )
    assert is_due(row, DEFAULT, NOW) is False
    assert is_due(dict(row, first_seen="unknown"), DEFAULT, NOW) is True
