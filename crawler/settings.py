"""Scrapy settings for newsarchive: the one place settings come from.

Components read the `ARCHIVE_*`, `NEWS_*`, `EXTRACT_*` and `BOILERPLATE_*` settings below
in `from_crawler`; the CLI and `scrapy crawl -s NAME=VALUE` override them. Every default is
here and nowhere else: components read their settings without a fallback, the policy
objects' defaults are these constants (`RevisitPolicy`, `LearningSettings`,
`ExtractionPool`), and code outside a crawl starts from `newsarchive.overrides.project_settings()`.
A component that a setting switches off raises `NotConfigured` and is not installed.
"""

from crawler import __version__

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Names the project; add a way to reach you for real sites, e.g.
# `-s "USER_AGENT=newsarchive/0.1 (+mailto:you@example.org)"`.
USER_AGENT = f"newsarchive/{__version__} (news archiving crawler; Scrapy)"
ROBOTSTXT_OBEY = True

# Politeness for real sites: AutoThrottle adapts the delay between requests to the
# server's latency (about one request in flight per site on average), and at most 4
# requests run in parallel per site. Turn it off for local servers with
# `-s AUTOTHROTTLE_ENABLED=False` (the CLI's `--no-throttle` does the same).
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# Resolves IPv6 hosts too (`http://[::1]:8080/`), which Scrapy's default resolver cannot;
# it does not apply DNS_TIMEOUT.
TWISTED_DNS_RESOLVER = "scrapy.resolver.CachingHostnameResolver"
RETRY_TIMES = 2
# Redirects are followed (Scrapy's RedirectMiddleware) up to REDIRECT_MAX_TIMES in a chain;
# crawler/middlewares/redirects.py fails a redirect loop or a longer chain with a `crawl_errors` row
# of kind `redirect`. With REDIRECT_ENABLED = False none is followed, and that guard is not
# installed (Scrapy's defaults, written here because the project reads them).
REDIRECT_ENABLED = True
REDIRECT_MAX_TIMES = 20

# Variants of one story's URL (trailing slash, AMP, index.html) are one request.
REQUEST_FINGERPRINTER_CLASS = "crawler.fingerprints.StoryFingerprinter"

# Listings are followed at most this many links away from the start URLs (pagination
# included, so this bounds how deep a backfill pages through a section); 0: no limit.
DEPTH_LIMIT = 100

# Article pages and listings only: no media, no huge files. The limit holds for what a
# response unpacks to as well (Content-Encoding, gzipped sitemaps): a `crawl_errors` row
# of kind `too_large`.
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
DOWNLOAD_WARNSIZE = 0
# A crawl whose process grows past this many megabytes stops (Scrapy's MemoryUsage, which
# checks every MEMUSAGE_CHECK_INTERVAL_SECONDS); its run ends with a warning.
MEMUSAGE_LIMIT_MB = 2048
MEMUSAGE_CHECK_INTERVAL_SECONDS = 10.0

# The crawl never leaves the site (see crawler/middlewares/scope.py): only http(s) is downloaded
# (Scrapy's file: handler would read local files, ignoring robots.txt and DOWNLOAD_MAXSIZE;
# an ftp: link to an HTTP port hangs the crawl), and ScopeMiddleware fails every request
# (start requests and redirects included) whose host and port are not one of the site's.
# It replaces Scrapy's OffsiteMiddleware (host names only, no ports, subdomains allowed).
DOWNLOAD_HANDLERS = {"file": None, "ftp": None, "s3": None, "data": None}
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.scope.ScopeMiddleware": 50,  # before RobotsTxtMiddleware (100)
    # sees redirects before Scrapy's RedirectMiddleware (600)
    "crawler.middlewares.redirects.RedirectGuardMiddleware": 610,
    # after robots.txt, before the download stats (850)
    "crawler.middlewares.budget.CrawlBudget": 840,
    "crawler.middlewares.scope.StopGuardMiddleware": 990,  # last: no new download once stopping
}

# Extraction, then storage (a worker of a distributed crawl ships to the writer instead of
# storing: pipelines/ship_stage.py).
ITEM_PIPELINES = {
    "pipelines.extract_stage.ExtractPipeline": 300,
    "pipelines.store_stage.StorePipeline": 800,
}

# The archive: a SQLite file, created on first use.
ARCHIVE_DB = "archive.db"

# Extraction runs in this many worker processes while the crawl goes on downloading
# (see crawler/extraction_pool.py, whose ExtractionPool takes its defaults from the
# EXTRACT_* settings here); None: one per CPU; 0: inline, in the crawl's process.
EXTRACT_WORKERS = None
# A page whose extraction takes longer than this (seconds) fails alone (a `crawl_errors`
# row of kind `extraction_failed`); its worker is replaced.
EXTRACT_TIMEOUT = 60.0
# A worker is replaced by a fresh one after this many pages (0: never): a long crawl's
# workers keep the memory they started with.
EXTRACT_WORKER_PAGES = 500
# Scrapy starts no new download while the responses in hand (downloaded, not yet extracted
# and stored) exceed this many bytes: about ten long article pages, which keeps two workers
# busy at the same throughput as Scrapy's 5 MB and the crawl's process 50 MB smaller
# (bench/crawl.py). With many more workers, raise it (about 600 KB a worker).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_500_000
# The crawl's process gives the memory freed by parsed pages back to the system this often
# (seconds; 0: never, and crawler.extensions.process.MemoryTrimExtension is not installed; see
# crawler/extensions/memory.py), and each worker every ten pages.
MEMORY_TRIM_SECONDS = 1.0
# Tests only: pages holding a marker comment crash or hang their worker.
EXTRACT_TEST_FAULTS = False

# The store stage writes in transactions of at most this many items, committed at least
# every STORE_BATCH_SECONDS and when the crawl ends or is stopped: a killed crawl loses
# at most one batch, and the next run fetches exactly those pages again.
STORE_BATCH_SIZE = 200
STORE_BATCH_SECONDS = 1.0

# A distributed crawl (`newsarchive crawl --redis`, see crawler/distributed/ and the README):
# the Redis server of the crawl (None: a local crawl; the CLI's `--redis URL` sets it, and
# with it scrapy-redis's scheduler), and this worker's name in `crawl_runs.worker`
# (host:pid, set by the CLI).
REDIS_URL = None
NEWS_WORKER_NAME = None
# A worker closes a site's crawl once no worker has had work for it (requests queued or
# in hand) for this many seconds; a worker started with no site waits this long for one.
REDIS_IDLE_SECONDS = 30.0
# A worker's heartbeat expires this many seconds after its last beat: then its requests in
# hand go back to the queue for the other workers, and the writer records its run as
# interrupted.
REDIS_WORKER_TIMEOUT = 30.0
# Workers wait while more than this many items wait for the writer in the stream (0: never).
REDIS_MAX_WAITING = 20_000
# The writer (`newsarchive ingest`) publishes what the archive knows of each site written
# to (for the workers' incremental runs) at most this often, in seconds.
REDIS_SNAPSHOT_SECONDS = 5.0

# Discovery (see crawler/spiders/news.py).
NEWS_FOLLOW_ARTICLE_LINKS = False
NEWS_MAX_ARTICLES = 0  # 0: no limit
# A listing page that links to no article not already found, of a URL shape that this
# many such pages had (a calendar, a date archive, query-string variants), is a dead end:
# its links are not followed.
NEWS_BARREN_LISTINGS = 3
# A listing path is followed with at most this many query strings (`?sort=new&topic=x`:
# filters, facets, a calendar by query string); pagination and links with a headline for
# a text do not count. 0: no limit.
NEWS_MAX_QUERY_VARIANTS = 20
# The crawl budget of each site and run (see crawler/middlewares/budget.py): a run stops once it has
# received NEWS_MAX_PAGES responses or made NEWS_MAX_REQUESTS requests (0: no limit), and
# ends with status `warning`, not complete; the next run goes on from the archive.
NEWS_MAX_PAGES = 50_000
NEWS_MAX_REQUESTS = 100_000

# Incremental runs (see crawler/middlewares/incremental.py and crawler/middlewares/revisit.py):
# archived articles are fetched again only when due; pagination stops at the first fully known
# listing page unless NEWS_BACKFILL is set (`newsarchive crawl --backfill`). A sitemap index's child
# sitemaps are read a few at a time (see crawler/middlewares/pacing.py), after the depth, URL length
# and referer middlewares have seen them.
SPIDER_MIDDLEWARES = {
    "crawler.middlewares.incremental.IncrementalMiddleware": 950,
    "crawler.middlewares.pacing.SitemapPacer": 650,
}
NEWS_BACKFILL = False
REVISIT_RECENT_DAYS = 3  # articles whose latest date is this recent...
REVISIT_RECENT_EVERY_HOURS = 6  # ...are fetched again this often,
REVISIT_OLD_EVERY_DAYS = 30  # older ones this often (0: only when a sitemap or feed says)

# Learned boilerplate (see pipelines/extraction/site_blocks.py): once a site has
# BOILERPLATE_MIN_PAGES archived pages, a text block found on more than BOILERPLATE_SHARE of them is
# dropped from its articles; so is a short one (at most BOILERPLATE_REPEAT_MAX_WORDS words) found
# word for word on at least BOILERPLATE_MIN_REPEATS pages that are more than BOILERPLATE_MIN_SHARE
# of them: one template's box on a site with several templates (BOILERPLATE_MIN_REPEATS = 0 turns
# that rule off).
BOILERPLATE_ENABLED = True
BOILERPLATE_MIN_PAGES = 10
BOILERPLATE_SHARE = 0.5
BOILERPLATE_MIN_REPEATS = 8
BOILERPLATE_MIN_SHARE = 0.2
BOILERPLATE_REPEAT_MAX_WORDS = 40

FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
# No control servers: scheduled crawls need no telnet console or remote code execution
# endpoint (Scrapy's RemoteControl also writes job files to the user's profile).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# One writer per archive, whatever starts the crawl (`newsarchive crawl`, `scrapy crawl news`),
# and a stopping crawl (Ctrl-C, SIGTERM) ends within about 10 s whatever the servers do
# (see crawler/extensions/process.py); freed memory goes back to the system during the crawl.
EXTENSIONS = {
    "crawler.extensions.process.ArchiveLockExtension": 0,
    # The crawl's archive, opened once for the stages and middlewares, and its run's row.
    "crawler.extensions.archive_run.ArchiveRun": 0,
    "crawler.extensions.process.StopDeadlineExtension": 0,
    "crawler.extensions.process.MemoryTrimExtension": 0,
}
