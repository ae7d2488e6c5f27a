"""The names of the crawl's Scrapy stats that newsarchive's components share.

The spider, the middlewares, the extract and store stages count what they do in the
crawler's stats; the store stage turns the counts into the run's `crawl_runs` row and the
progress display shows them while the crawl runs. A key written in one place and read in
another is a contract: it is named here, once, and every component uses the name.
"""

from __future__ import annotations

# The run.
RUN_ID = "archive/run_id"  # the crawl_runs row of this crawl, set when it starts
LOCK_REFUSED = "archive/lock_refused"  # why the archive's lock could not be taken

# What the store stage wrote.
ARTICLES_NEW = "archive/articles_new"
ARTICLES_UPDATED = "archive/articles_updated"
ARTICLES_UNCHANGED = "archive/articles_unchanged"
ARTICLES_NOT_MODIFIED = "archive/articles_not_modified"  # revisits answered 304
ERRORS = "archive/errors"  # crawl_errors rows written
STORAGE_ERRORS = "archive/storage_errors"  # items that could not be written

# What the spider found.
FEEDS = "news/feeds"
SITEMAPS = "news/sitemaps"
DUPLICATES = "news/duplicates"  # second URLs of a story archived in the run
WALLS = "news/walls"  # consent walls and bot challenges instead of pages
NOT_MODIFIED_RESPONSES = "news/not_modified"
PAGES_READ_IN_WORKERS = "news/read_in_workers"  # article pages parsed and scored in a worker
PAGES_NOT_FOLLOWED = "news/pages_not_followed"
LISTINGS_LEFT = "news/listings_left"

# What the incremental middleware left out.
SKIPPED_ARTICLES = "incremental/skipped"  # archived articles not due for a revisit
KNOWN_PAGES_SKIPPED = "incremental/known_pages_skipped"
SITEMAPS_UNCHANGED = "incremental/sitemaps_unchanged"
REVISITS = "incremental/revisits"
PAGINATION_STOPPED = "incremental/pagination_stopped"

# What the extract stage did.
EXTRACT_OK = "extract/ok"
EXTRACTED_WHERE_READ = "extract/where_read"  # articles the worker extracted as it read them
EXTRACT_FAILED = "extract/failed"  # no article text in the page
EXTRACT_CRASHED = "extract/crashed"  # the extraction itself failed
LEARNED_BOILERPLATE_REMOVED = "extract/learned_boilerplate_removed"

# Scope and stopping.
SCOPE_FAILED_WHILE_STOPPING = "scope/failed_while_stopping"
STOP_DOWNLOADS_ABORTED = "stop/downloads_aborted"  # downloads cut off by a stop that hung

# Sitemap pacing.
SITEMAPS_PACED = "sitemaps/paced"
SITEMAPS_DROPPED = "sitemaps/dropped"

# The crawl budget.
BUDGET_SPENT = "budget/spent"  # which budget ended the crawl
BUDGET_REQUESTS_REFUSED = "budget/requests_refused"

# Scrapy's own.
REQUESTS = "downloader/request_count"
RESPONSES = "downloader/response_count"
RESPONSE_BYTES = "downloader/response_bytes"
ROBOTS_RESPONSES = "robotstxt/response_count"
DEPTH_IGNORED = "depth/request_ignored_count"  # links beyond DEPTH_LIMIT


# A worker of a distributed crawl (crawler/distributed/, pipelines/ship_stage.py).
ITEMS_SHIPPED = "redis/items_shipped"  # items added to the writer's stream
WAITS_FOR_WRITER = "redis/waits_for_writer"  # times shipping waited for the writer
REDIS_ERROR = "redis/unreachable"  # why the worker stopped: Redis could not be reached
SCHEDULER_ENQUEUED = "scheduler/enqueued/redis"  # requests pushed to the shared queue
SCHEDULER_DEQUEUED = "scheduler/dequeued/redis"  # requests taken from it


def pages(kind: str) -> str:
    """Pages the spider classified as `kind` (a `PageKind`: article, listing...)."""
    return f"news/pages/{kind}"


def page_errors(kind: str) -> str:
    """Fetched pages that could not be read, by kind (empty, not_html...)."""
    return f"news/errors/{kind}"


def skipped_links(reason: str) -> str:
    """Links the spider did not follow, by reason (dead_shape, scheme, not_html...)."""
    return f"news/skipped/{reason}"


def scope_filtered(reason: str) -> str:
    """Requests the scope middleware failed, by reason (another host, stopping...)."""
    return f"scope/filtered/{reason}"


def articles(outcome: str) -> str:
    """Articles the store stage wrote with `outcome`: new, updated or unchanged."""
    return f"archive/articles_{outcome}"


LISTING_PAGES = pages("listing")
