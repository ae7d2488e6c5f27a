"""Datasette plugin of newsarchive: facets Datasette 0.65 lacks or makes slow at scale.

`month` counts ISO 8601 dates by month (`- month: published`; a value links to the
`published__startswith=2023-02` filter), as Datasette's `date` facet does by day.

`terms` counts authors and tags fast.

Datasette's `array` facet parses the JSON of every row it counts and de-duplicates whole
rows (the article text included): on 100,000 articles it takes seconds. The archive keeps
each article's authors and tags in the indexed table `article_terms` (kept in step by
triggers); this facet counts them there, for the rows the page shows (its filters and
search applied). Configured in metadata as `- terms: authors` or `- terms: tags`; a facet
value links to the same `authors__arraycontains=` filter as the `array` facet does.
"""

from __future__ import annotations

import re
from typing import Any

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

KINDS = {"authors": "author", "tags": "tag"}  # JSON list column -> article_terms.kind


class TermsFacet(Facet):
    """Counts of the values of a JSON list column (authors, tags) of `articles`."""

    type = "terms"

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The facet's values with their counts, most frequent first."""
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        size = self.get_facet_size()
        for config in self.get_configs():
            column = config["config"]["simple"]
            kind = KINDS.get(column)
            if self.table != "articles" or kind is None:
                continue
            if _whole_table(self.sql):  # counted from the primary key alone
                where = f"kind = '{kind}'"
            else:  # looked up by article id (`+kind` keeps SQLite from scanning by kind)
                where = f"+kind = '{kind}' and article_id in (select id from ({self.sql}))"
            sql = (
                f"select value, count(*) as count from article_terms where {where}"
                f" group by value order by count desc, value limit {size + 1}"
            )
            rows = await _counts(self, sql)
            if rows is None:
                timed_out.append(column)
                continue
            results.append(
                _facet_result(self, column, rows, size, config["source"], "arraycontains")
            )
        return results, timed_out


class MonthFacet(Facet):
    """Counts of the months (YYYY-MM) of an ISO 8601 date column, newest first."""

    type = "month"

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        """The facet's months with their counts."""
        results: list[dict[str, Any]] = []
        timed_out: list[str] = []
        size = self.get_facet_size()
        for config in self.get_configs():
            column = config["config"]["simple"]
            name = escape_sqlite(column)
            sql = (
                f"select substr({name}, 1, 7) as value, count(*) as count from ({self.sql})"
                f" where {name} glob '[0-9][0-9][0-9][0-9]-[0-9][0-9]*'"
                f" group by value order by value desc limit {size + 1}"
            )
            rows = await _counts(self, sql)
            if rows is None:
                timed_out.append(column)
                continue
            results.append(_facet_result(self, column, rows, size, config["source"], "startswith"))
        return results, timed_out


async def _counts(facet: Facet, sql: str) -> list | None:
    """The rows of a facet's counting query, or None if it hit the facet time limit."""
    try:
        results = await facet.ds.execute(
            facet.database,
            sql,
            facet.params,
            truncate=False,
            custom_time_limit=facet.ds.setting("facet_time_limit_ms"),
        )
    except QueryInterrupted:
        return None
    return results.rows


def _whole_table(sql: str) -> bool:
    """Whether a table page's SQL selects every row of `articles` (no filter, no search):
    then the facet counts straight from the index of `article_terms`."""
    return re.fullmatch(r"select [\w\[\]\", ]+ from \[?articles\]?", sql.strip(), re.I) is not None


def _facet_result(
    facet: Facet, column: str, rows: list, size: int, source: str, operator: str
) -> dict[str, Any]:
    """A facet's results as Datasette shows them: each value with its count and the link
    that adds (or, when selected, removes) the `column__operator=value` filter."""
    pairs = facet.get_querystring_pairs()
    values = []
    for row in rows[:size]:
        value = str(row["value"])
        arg = {f"{column}__{operator}": value}
        selected = (f"{column}__{operator}", value) in pairs
        path = (
            path_with_removed_args(facet.request, arg)
            if selected
            else path_with_added_args(facet.request, arg)
        )
        values.append(
            {
                "value": value,
                "label": value,
                "count": row["count"],
                "toggle_url": facet.ds.absolute_url(facet.request, path),
                "selected": selected,
            }
        )
    return {
        "name": column,
        "type": facet.type,
        "results": values,
        "hideable": source != "metadata",
        "toggle_url": facet.ds.urls.path(
            path_with_removed_args(facet.request, {f"_facet_{facet.type}": column})
        ),
        "truncated": len(rows) > size,
    }


@hookimpl
def register_facet_classes() -> list[type[Facet]]:
    """The `terms` and `month` facets."""
    return [TermsFacet, MonthFacet]
