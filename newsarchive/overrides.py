"""`-s NAME=VALUE` overrides: parsed and checked before a crawl starts.

A value that Scrapy or a component of the project would fail to read (`DEPTH_LIMIT=abc`,
`BOILERPLATE_ENABLED=maybe`) stops the command with one line before anything is fetched,
instead of a traceback from inside the crawl. The type a setting wants is the type of its
default: the project's (`crawler/settings.py`), else Scrapy's.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Any

from scrapy.settings import BaseSettings, Settings

__all__ = ["BadSetting", "check_override", "parse_overrides", "unknown_settings"]

# Settings whose default is written as an integer but which are read as floats: a
# fraction is fine for them.
READ_AS_FLOAT = frozenset(
    {
        "DNS_TIMEOUT",
        "DOWNLOAD_DELAY",
        "DOWNLOAD_TIMEOUT",
        "REVISIT_RECENT_DAYS",
        "REVISIT_RECENT_EVERY_HOURS",
        "REVISIT_OLD_EVERY_DAYS",
    }
)
# Settings whose default is None but which are read as integers.
READ_AS_INT = frozenset({"EXTRACT_WORKERS"})
# Settings that must be at least 1: with 0, the crawl never downloads anything and hangs.
AT_LEAST_ONE = frozenset({"CONCURRENT_REQUESTS_PER_DOMAIN", "REACTOR_THREADPOOL_MAXSIZE"})

_BOOLEANS = ("True", "true", "False", "false", "1", "0")


class BadSetting(ValueError):
    """An override that cannot be used; the message names it and says why."""


def project_settings() -> Settings:
    """Scrapy's default settings with the project's (`crawler/settings.py`) over them."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    return settings


def parse_overrides(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """`NAME=VALUE` pairs as a dict, each value checked with `check_override`; raises
    `BadSetting` for the first one that is not `NAME=VALUE` or has a bad value."""
    defaults = project_settings()
    overrides: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not name:
            raise BadSetting(f"-s expects NAME=VALUE, got {pair!r}")
        check_override(name, value, defaults)
        overrides[name] = value
    return overrides


def check_override(name: str, value: str, defaults: Settings | None = None) -> None:
    """Raise `BadSetting` if `value` is not of the kind setting `name` takes (judged by its
    default): a boolean, a number (>= 0 unless it is a priority; a whole number unless
    the setting is read as a float) or a JSON object."""
    defaults = defaults if defaults is not None else project_settings()
    reason = _problem(name, value.strip(), defaults.get(name))
    if reason:
        raise BadSetting(f"-s {name}={value}: {reason}")


def unknown_settings(overrides: dict[str, str], defaults: Settings | None = None) -> list[str]:
    """The names among `overrides` that neither Scrapy nor the project defines (typos,
    most likely: Scrapy takes any name and ignores those nothing reads)."""
    defaults = defaults if defaults is not None else project_settings()
    return [name for name in overrides if name not in defaults and name not in READ_AS_INT]


def _problem(name: str, value: str, default: Any) -> str | None:
    """Why `value` does not suit a setting whose default is `default`; None if it does."""
    if name == "LOG_LEVEL":
        levels = logging.getLevelNamesMapping()
        return None if value in levels else f"not a log level ({', '.join(levels)})"
    if isinstance(default, bool):
        return None if value in _BOOLEANS else "not a boolean (use True or False)"
    if name in READ_AS_INT or (isinstance(default, int) and name not in READ_AS_FLOAT):
        return _number_problem(name, value, whole=True)
    if isinstance(default, int | float):
        return _number_problem(name, value, whole=False)
    if isinstance(default, dict | BaseSettings):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        return None if isinstance(parsed, dict) else 'not a JSON object such as {"a.B": 100}'
    return None


def _number_problem(name: str, value: str, whole: bool) -> str | None:
    """Why `value` is not a number the setting `name` takes; None if it is one."""
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        return "not an integer" if whole else "not a number"
    if not math.isfinite(number):
        return "not a finite number"
    if number < 0 and "PRIORITY" not in name:
        return "must not be negative"
    if number < 1 and name in AT_LEAST_ONE:
        return "must be at least 1"
    return None
