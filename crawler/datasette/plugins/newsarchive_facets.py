"""Datasette plugin of newsarchive: the `terms` facet, authors and tags counted fast.

Datasette's `array` facet parses the JSON of every row it counts and de-duplicates whole
rows (the article text included): on 100,000 articles it takes seconds. The archive keeps
each article's authors and tags in the indexed table `article_terms` (kept in step by
triggers); this facet counts them there, for the rows the page shows (its filters and
search applied). Configured in metadata as `- terms: authors` or `- terms: tags`; a facet
value links to the same `authors__arraycontains=` filter as the `array` facet does.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.facets import Facet
from datasette.utils import path_with_added_args, path_with_removed_args

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
            sql = (
                "select value, count(*) as count from article_terms"
                f" where kind = '{kind}' and article_id in (select id from ({self.sql}))"
                f" group by value order by count desc, value limit {size + 1}"
            )
            try:
                rows = await self.ds.execute(
                    self.database,
                    sql,
                    self.params,
                    truncate=False,
                    custom_time_limit=self.ds.setting("facet_time_limit_ms"),
                )
            except QueryInterrupted:
                timed_out.append(column)
                continue
            results.append(self._result(column, rows.rows, size, config["source"]))
        return results, timed_out

    def _result(self, column: str, rows: list, size: int, source: str) -> dict[str, Any]:
        pairs = self.get_querystring_pairs()
        values = []
        for row in rows[:size]:
            value = str(row["value"])
            arg = {f"{column}__arraycontains": value}
            selected = (f"{column}__arraycontains", value) in pairs
            path = (
                path_with_removed_args(self.request, arg)
                if selected
                else path_with_added_args(self.request, arg)
            )
            values.append(
                {
                    "value": value,
                    "label": value,
                    "count": row["count"],
                    "toggle_url": self.ds.absolute_url(self.request, path),
                    "selected": selected,
                }
            )
        return {
            "name": column,
            "type": self.type,
            "results": values,
            "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(
                path_with_removed_args(self.request, {"_facet_terms": column})
            ),
            "truncated": len(rows) > size,
        }


@hookimpl
def register_facet_classes() -> list[type[Facet]]:
    """The `terms` facet."""
    return [TermsFacet]
