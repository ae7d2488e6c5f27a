"""The archive's schema as SQL, for the README:
`python -m pipelines.archive.schema_doc [--write]`."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from pipelines.archive.core import Archive

README = Path(__file__).resolve().parents[2] / "README.md"
START, END = "<!-- schema:start -->", "<!-- schema:end -->"


def schema_sql() -> str:
    """The CREATE statements of a fresh archive's tables and indexes (FTS internals left out)."""
    with tempfile.TemporaryDirectory() as folder:
        archive = Archive.open(Path(folder) / "schema.db")
        try:
            statements = archive.db.execute(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL"
                " AND name NOT LIKE 'articles_fts_%' AND name NOT LIKE '_sqlite_migrations%'"
                " AND type IN ('table', 'index', 'trigger')"
                " ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, name"
            ).fetchall()
        finally:
            archive.close()
    return "\n".join(f"{sql};" for (sql,) in statements)


def readme_block() -> str:
    """The README block that holds the schema."""
    return f"{START}\n```sql\n{schema_sql()}\n```\n{END}"


def update_readme(readme: Path = README) -> bool:
    """Rewrite the schema block of the README; True if it changed."""
    text = readme.read_text(encoding="utf-8")
    before, rest = text.split(START, 1)
    after = rest.split(END, 1)[1]
    updated = before + readme_block() + after
    readme.write_text(updated, encoding="utf-8")
    return updated != text


if __name__ == "__main__":
    if "--write" in sys.argv:
        print("README updated" if update_readme() else "README already current")
    else:
        print(schema_sql())
