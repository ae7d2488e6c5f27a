"""Docs that cannot drift: the README's code map matches the tree, and every column of the
archive has a description in the Datasette metadata that `newsarchive serve` uses."""

from __future__ import annotations

import re
from pathlib import Path

from newsarchive.serve import datasette_metadata
from pipelines.archive import Archive
from pipelines.archive.schema_doc import README

ROOT = README.parent
CODE_PACKAGES = ("newsarchive", "crawler", "pipelines")
GENERATED = ("newsarchive/demo/site",)  # the demo site's static files, built from content.json
NOT_SOURCE = {".venv", ".git", "node_modules", "artifacts", "build", "dist"}
CODE_MAP_HEADER = "| where | what |"
# A backticked name in the code map that is a file or folder: `crawler/pages/urls.py`,
# `templates/`, `content.json` (not `url_key`, `ArticlePage` or `newsarchive reextract`).
PATH_NAME = re.compile(r"^[\w.-]+(?:/[\w.-]+)*(?:/|\.(?:py|yml|yaml|json|html|toml|cfg|md))$")
FTS_SHADOW = re.compile(r"_fts_(?:data|idx|docsize|config|content)$")


def code_map_rows() -> list[tuple[str, str]]:
    """The (where, what) cells of the code map: the README table under "How it works"
    headed `| where | what |`."""
    section = README.read_text(encoding="utf-8").split("\n## How it works\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    lines = section.split(f"\n{CODE_MAP_HEADER}\n", 1)[1].splitlines()
    rows = []
    for line in lines[1:]:  # after the `| --- | --- |` line
        if not line.startswith("|"):
            break
        where, what = (cell.strip() for cell in line.strip().strip("|").split(" | ", 1))
        rows.append((where, what))
    return rows


def named_paths() -> set[str]:
    """Every path the code map names, relative to the repository root, folders without
    their trailing slash: each backticked name of a row's `where` cell, and, in a row whose
    `where` is one folder (`newsarchive/demo/`), the file and folder names its `what` cell
    gives inside that folder (`build.py`, `plugins/newsarchive_views.py`)."""
    paths = set()
    for where, what in code_map_rows():
        names = re.findall(r"`([^`]+)`", where)
        paths.update(name.rstrip("/") for name in names)
        if len(names) == 1 and names[0].endswith("/"):
            for name in re.findall(r"`([^`]+)`", what):
                if PATH_NAME.match(name):
                    paths.add(names[0] + name.rstrip("/"))
    return paths


def source_tree() -> tuple[set[str], set[str]]:
    """The repository's Python packages (folders with `__init__.py`, anywhere), and the
    modules under `crawler/` and `pipelines/` (`__init__.py` and the generated demo site
    left out), as paths relative to the root."""
    packages, modules = set(), set()
    for init in ROOT.rglob("__init__.py"):
        relative = init.parent.relative_to(ROOT)
        if not NOT_SOURCE.intersection(relative.parts) and not relative.parts[0].startswith("."):
            packages.add(relative.as_posix())
    for package in CODE_PACKAGES:
        for module in (ROOT / package).rglob("*.py"):
            path = module.relative_to(ROOT).as_posix()
            if module.name != "__init__.py" and not path.startswith(GENERATED):
                modules.add(path)
    return packages, modules


def test_code_map_names_only_what_exists():
    """Every file or folder the code map names is in the repository."""
    assert code_map_rows(), "no code map table in the README"
    missing = sorted(path for path in named_paths() if not (ROOT / path).exists())
    assert missing == [], f"the code map names what the repository lacks: {missing}"


def test_code_map_names_every_package_and_module():
    """The code map tells a newcomer where each piece of code lives, down to the module:
    every Python package of the repository and every module of `crawler/` and `pipelines/`
    (not `__init__.py` files, not the generated `newsarchive/demo/site/`) is named in it, by
    its full path in a row's `where` cell, or by its name inside a folder that is a row's
    only `where` (the `newsarchive/demo/` row naming `server.py`). A package counts as named
    only by its folder (`crawler/spiders/`), not through one of its modules."""
    packages, modules = source_tree()
    named = named_paths()
    missing = sorted({f"{package}/" for package in packages - named} | (modules - named))
    assert missing == [], f"not in the README's code map: {missing}"


def test_every_archive_column_has_a_description(tmp_path: Path):
    """Each column of each table and view of a fresh archive (SQLite's own tables and the
    FTS index's shadow tables left out) has a description in the metadata Datasette serves."""
    db_path = tmp_path / "news.db"
    archive = Archive.open(db_path)
    try:
        relations = [
            name
            for (name,) in archive.db.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                " AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
            )
            if not FTS_SHADOW.search(name)
        ]
        columns = {
            name: [row[1] for row in archive.db.execute(f'PRAGMA table_info("{name}")')]
            for name in relations
        }
    finally:
        archive.close()
    assert "articles" in columns and "articles_fts" in columns
    tables = datasette_metadata(db_path)["databases"][db_path.stem].get("tables", {})
    undescribed = [
        f"{table}.{column}"
        for table, names in columns.items()
        for column in names
        if not str((tables.get(table) or {}).get("columns", {}).get(column) or "").strip()
    ]
    assert undescribed == [], f"columns without a description in metadata.yml: {undescribed}"
