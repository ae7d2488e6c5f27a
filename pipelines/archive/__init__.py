"""The archive: the SQLite file every crawl writes and Datasette reads (no Scrapy).

`Archive` (`core.py`) is the one writer's and every reader's way in; its methods come in
parts, one module each: `runs.py` (crawl runs and their errors), `articles.py` (articles,
their versions and every fetched page), `pages.py` (raw pages, zstd with a dictionary per
site: `page_codec.py`) and `site_knowledge.py` (URL shapes and block statistics, and the
snapshot of them a distributed worker reads). `migrations.py` is the schema, `lock.py`
the one-writer lock, `writer.py` the batched writer a crawl's stages share,
`run_status.py` a run's status, and `schema_doc.py` the schema in the README.
"""

from pipelines.archive.articles import Outcome, content_hash
from pipelines.archive.basics import ArchiveError, now_iso, this_worker
from pipelines.archive.core import Archive
from pipelines.archive.runs import RunCounts

__all__ = [
    "Archive",
    "ArchiveError",
    "Outcome",
    "RunCounts",
    "content_hash",
    "now_iso",
    "this_worker",
]
