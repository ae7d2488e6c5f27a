"""Settings in one place: every default lives in `crawler/settings.py`, and a component
that a setting switches off is not installed (`NotConfigured`)."""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler

from crawler import settings as project_module
from crawler.extensions.process import MemoryTrimExtension
from crawler.middlewares.budget import CrawlBudget
from crawler.middlewares.redirects import RedirectGuardMiddleware
from crawler.middlewares.revisit import RevisitPolicy
from newsarchive.overrides import project_settings
from pipelines.extraction.site_blocks import LearningSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("newsarchive", "crawler", "pipelines")
# Methods that only Scrapy's settings have: checked whatever the object is called.
SETTINGS_ONLY_GETTERS = frozenset(
    {"getbool", "getint", "getfloat", "getlist", "getdict", "getdictorlist", "getwithbase"}
)


def source_files() -> list[Path]:
    """The Python files of the project's packages (the demo site's generated files aside)."""
    files = []
    for folder in SOURCE_DIRS:
        files += [p for p in sorted((REPO_ROOT / folder).rglob("*.py")) if "site" not in p.parts]
    return files


def _receiver_name(node: ast.expr) -> str | None:
    """`settings` for `settings`, `crawler.settings` or `self.crawler.settings`."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def settings_reads() -> Iterator[tuple[str, int, ast.Call]]:
    """(file, line, call) of every `settings.get*(...)` call in the project's packages."""
    for path in source_files():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            method = node.func.attr
            receiver = _receiver_name(node.func.value) or ""
            is_settings = receiver.endswith("settings") or receiver == "defaults"
            if method in SETTINGS_ONLY_GETTERS or (method == "get" and is_settings):
                yield str(path.relative_to(REPO_ROOT)), node.lineno, node


def read_names() -> dict[str, list[str]]:
    """The setting names read by name (a string literal), each with where."""
    names: dict[str, list[str]] = {}
    for where, line, call in settings_reads():
        first = call.args[0] if call.args else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.setdefault(first.value, []).append(f"{where}:{line}")
    return names


def project_settings_dict() -> dict[str, Any]:
    """The settings of `crawler/settings.py`, as `Settings.setmodule` reads them."""
    return {name: getattr(project_module, name) for name in dir(project_module) if name.isupper()}


def test_the_scan_finds_the_reads():
    """The scan sees the project's reads (a scan finding nothing would pass anything)."""
    names = read_names()
    assert {"ARCHIVE_DB", "REVISIT_RECENT_DAYS", "BOILERPLATE_SHARE"} <= set(names)


def test_no_settings_read_has_a_fallback():
    """No component reads a setting with a default of its own: the default is the one
    in `crawler/settings.py`, which every crawl loads."""
    with_default = [
        f"{where}:{line}: {ast.unparse(call)}"
        for where, line, call in settings_reads()
        if len(call.args) > 1 or any(k.arg == "default" for k in call.keywords)
    ]
    assert not with_default, "settings read with a fallback:\n" + "\n".join(with_default)


def test_every_setting_read_is_a_commented_project_setting():
    """Every setting read by name is defined in `crawler/settings.py`, on a line with a
    comment or in a block of lines that a comment opens."""
    source = inspect.getsource(project_module).splitlines()
    defined = {}
    for node in ast.parse("\n".join(source)).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            defined[node.targets[0].id] = node.lineno
    problems = []
    for name, places in sorted(read_names().items()):
        if name not in defined:
            problems.append(f"{name} (read at {', '.join(places)}) is not in crawler/settings.py")
        elif not _commented(source, defined[name] - 1):
            problems.append(f"{name} has no comment in crawler/settings.py")
    assert not problems, "\n".join(problems)


def _commented(lines: list[str], index: int) -> bool:
    """True if line `index` has a comment, or a comment opens its block of lines."""
    if "#" in lines[index]:
        return True
    for line in reversed(lines[:index]):
        if not line.strip():
            return False
        if line.lstrip().startswith("#"):
            return True
    return False


@pytest.mark.parametrize(
    ("policy", "from_settings"),
    [
        (RevisitPolicy(), RevisitPolicy.from_settings),
        (LearningSettings(), LearningSettings.from_settings),
    ],
    ids=["revisit", "boilerplate"],
)
def test_policy_defaults_are_the_project_settings(policy: Any, from_settings: Callable):
    """A policy built outside a crawl has the defaults a crawl reads."""
    assert from_settings(project_settings()) == policy


def crawler_with(archive: Path, **overrides: Any) -> Crawler:
    """A crawler (not run) with the project's settings, the archive `archive`, and
    `overrides`. `get_crawler` builds the crawler's extensions: the project's are left
    out, so that none takes the archive's lock (each test builds its component itself)."""
    settings = {**project_settings_dict(), "ARCHIVE_DB": str(archive), "EXTENSIONS": {}}
    return get_crawler(settings_dict={**settings, **overrides})


SWITCHED_OFF = [
    (MemoryTrimExtension, {"MEMORY_TRIM_SECONDS": 0}),
    (RedirectGuardMiddleware, {"REDIRECT_ENABLED": False}),
    (CrawlBudget, {"NEWS_MAX_PAGES": 0, "NEWS_MAX_REQUESTS": 0}),
]


@pytest.mark.parametrize(
    ("component", "off"), SWITCHED_OFF, ids=[c.__name__ for c, _ in SWITCHED_OFF]
)
def test_switched_off_component_is_not_configured(
    component: type, off: dict[str, Any], tmp_path: Path
):
    """Switched off by its setting, the component is not installed; with the project's
    defaults, it is."""
    archive = tmp_path / "archive.db"
    with pytest.raises(NotConfigured):
        component.from_crawler(crawler_with(archive, **off))
    assert isinstance(component.from_crawler(crawler_with(archive)), component)


@pytest.mark.parametrize(
    ("component", "off"), SWITCHED_OFF, ids=[c.__name__ for c, _ in SWITCHED_OFF]
)
def test_switched_off_component_is_a_project_component(component: type, off: dict[str, Any]):
    """Each such component is one the project installs, and its switch is a project
    setting."""
    path = f"{component.__module__}.{component.__qualname__}"
    installed = {
        **project_module.EXTENSIONS,
        **project_module.SPIDER_MIDDLEWARES,
        **project_module.DOWNLOADER_MIDDLEWARES,
    }
    assert path in installed
    assert set(off) <= set(project_settings_dict())
