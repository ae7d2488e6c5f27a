"""The `newsarchive` command line: crawl sites into the archive, serve it, run the demo,
print schedules.

Exit statuses of `crawl` (and `demo`): 0 success; 1 a crawl run failed (e.g. the site was
unreachable) or was interrupted (Ctrl-C, SIGTERM); 2 bad input (a malformed URL, a bad
sites file, an archive that cannot be written); 3 a run ended with a warning (no article
found, or consent walls / bot challenges instead of pages); 75 another crawl holds the
archive's lock (nothing was done; try again later).
"""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.console import Console

from crawler import settings as defaults
from crawler import stats_keys
from crawler.pages.urls import InvalidURL
from crawler.sites import SiteConfig, SitesFileError, load_sites, select_site, site_from_urls
from newsarchive.overrides import BadSetting, parse_overrides, unknown_settings
from newsarchive.progress import LiveProgress, summary_lines, summary_table
from newsarchive.runner import RunReport, crawl_settings, run_crawls, run_worker
from newsarchive.schedule import crontab_line, parse_interval, systemd_units
from newsarchive.serve import LOOPBACK, PUBLIC, free_port, serve_archive
from pipelines.archive import Archive, ArchiveError
from pipelines.archive.lock import ArchiveLocked, archive_lock

DEMO_SITE_PORT = 8780
EXIT_RUN_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_RUN_WARNING = 3
EXIT_LOCKED = 75  # EX_TEMPFAIL: cron and systemd know it as "try again later"

# Settings for crawling a server on this machine: no throttling, full parallelism.
LOCAL_SERVER_SETTINGS = {"AUTOTHROTTLE_ENABLED": "False", "CONCURRENT_REQUESTS_PER_DOMAIN": "16"}


F = TypeVar("F", bound=Callable[..., Any])


class BadInput(click.ClickException):
    """A user error: printed as one line, exit status 2."""

    exit_code = EXIT_BAD_INPUT


def db_option(help_text: str, must_exist: bool = False) -> Callable[[F], F]:
    """The `--db PATH` option every command has."""
    return click.option(
        "--db",
        type=click.Path(path_type=Path, exists=must_exist, dir_okay=not must_exist),
        default=defaults.ARCHIVE_DB,
        show_default=True,
        help=help_text,
    )


def redis_option(command: F) -> F:
    """The `--redis URL` option of `ingest` and `status`."""
    return click.option(
        "--redis",
        "redis_url",
        required=True,
        metavar="redis://HOST:PORT/DB",
        help="The Redis server of the distributed crawl.",
    )(command)


@click.group()
@click.version_option(package_name="newsarchive")
def cli() -> None:
    """Archive news sites into SQLite and explore them with Datasette."""


@cli.command()
@click.argument("urls", nargs=-1)
@db_option("The archive file; created on first use.")
@click.option(
    "--sites", "sites_file", type=click.Path(path_type=Path), help="A sites.toml file to crawl."
)
@click.option("--site", "site_names", multiple=True, help="Only this site of --sites (repeatable).")
@click.option(
    "--max-articles",
    type=click.IntRange(min=0),
    help="Stop each site after this many article pages (0: no limit; default: the "
    "NEWS_MAX_ARTICLES setting, no limit).",
)
@click.option(
    "-s",
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting, as `scrapy crawl -s` does (repeatable); values are "
    "checked before the crawl starts, and -s ARCHIVE_DB=PATH is --db PATH.",
)
@click.option(
    "--no-throttle", is_flag=True, help="Crawl at full speed: only for servers you run yourself."
)
@click.option(
    "--backfill",
    is_flag=True,
    help="Page through every listing page, not only up to the first one already archived.",
)
@click.option(
    "--redis",
    "redis_url",
    metavar="redis://HOST:PORT/DB",
    help="Crawl as a worker of a distributed crawl: requests shared through Redis, items "
    "sent to the writer (`newsarchive ingest`) instead of the archive. With URLs or --sites, "
    "starts a crawl of them too; with neither, works on the sites seeded into Redis.",
)
@click.option(
    "--seed", is_flag=True, help="With --redis: start a crawl of URLS / --sites, crawl nothing."
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary and errors (for cron).")
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
def crawl(
    urls: tuple[str, ...],
    db: Path,
    sites_file: Path | None,
    site_names: tuple[str, ...],
    max_articles: int | None,
    overrides: tuple[str, ...],
    no_throttle: bool,
    backfill: bool,
    redis_url: str | None,
    seed: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Crawl the news sections reachable from URLS (home or section pages) into the archive.

    Runs are incremental: articles already archived are fetched again only when due for a
    revisit, and listings are read until the first page whose articles are all archived.

    \b
    Example:
        newsarchive crawl https://www.example.com/news/ --db news.db
        newsarchive crawl --sites sites.toml --site example-news --quiet
        newsarchive crawl http://127.0.0.1:8000/ -s AUTOTHROTTLE_ENABLED=False
        newsarchive crawl --redis redis://10.0.0.5:6379/0 --sites sites.toml --seed
        newsarchive crawl --redis redis://10.0.0.5:6379/0
    """
    if seed and not redis_url:
        raise BadInput("--seed needs --redis URL")
    if seed and not (urls or sites_file):
        raise BadInput("--seed needs URLS or --sites FILE: the sites to start a crawl of")
    if redis_url:
        sites = _sites_to_crawl(urls, sites_file, site_names) if urls or sites_file else []
    else:
        sites = _sites_to_crawl(urls, sites_file, site_names)
    parsed = _parse_overrides(overrides)
    db = _archive_path(db, parsed.pop("ARCHIVE_DB", None))
    settings = {**(LOCAL_SERVER_SETTINGS if no_throttle else {}), **parsed}
    if backfill:
        settings["NEWS_BACKFILL"] = "True"
    if max_articles is not None:
        settings["NEWS_MAX_ARTICLES"] = str(max_articles)
    show_progress = not quiet and not verbose and sys.stderr.isatty()
    if redis_url:
        _crawl_as_worker(redis_url, sites, seed, settings, verbose)
        return
    reports = _crawl(sites, db, settings, verbose, show_progress)
    _exit_for(reports)


def _redis(url: str) -> Any:
    """The Redis server of a distributed crawl (exit 2 when it cannot be reached)."""
    import redis

    from crawler.distributed.worker import redis_client

    try:
        return redis_client(url)
    except (redis.RedisError, ValueError) as error:
        raise BadInput(f"cannot reach Redis at {url}: {error}") from error


def _crawl_as_worker(
    redis_url: str,
    sites: list[SiteConfig],
    seed_only: bool,
    overrides: dict[str, str],
    verbose: bool,
) -> None:
    """Seed `sites` (if any) into the distributed crawl, then work on it unless
    `seed_only`: crawl every seeded site until it has been idle `REDIS_IDLE_SECONDS`."""
    from crawler.distributed.control import seed_sites, wait_for_sites
    from crawler.distributed.worker import worker_settings

    server = _redis(redis_url)
    if sites:
        seed_sites(server, sites)
        click.echo(f"Seeded {', '.join(site.name for site in sites)} into {redis_url}.")
    if seed_only:
        return
    settings = worker_settings(
        crawl_settings(
            Path(defaults.ARCHIVE_DB), {"LOG_LEVEL": "INFO" if verbose else "WARNING", **overrides}
        ),
        redis_url,
    )
    idle = settings.getfloat("REDIS_IDLE_SECONDS")
    crawled = sites or wait_for_sites(server, idle)
    if not crawled:
        click.echo(f"No site was seeded into {redis_url} within {idle:g} s: nothing to do.")
        return
    worker = settings.get("NEWS_WORKER_NAME")
    click.echo(f"Worker {worker}: crawling {', '.join(site.name for site in crawled)}.")
    started = time.monotonic()
    stats = run_worker(crawled, settings, quiet_fetch_errors=not verbose)
    seconds = time.monotonic() - started
    for site, site_stats in zip(crawled, stats, strict=True):
        click.echo(
            f"{site.name}: {site_stats.get(stats_keys.RESPONSES, 0)} pages fetched, "
            f"{site_stats.get(stats_keys.EXTRACT_OK, 0)} articles sent to the writer "
            f"({site_stats.get('finish_reason', 'not finished')})."
        )
    lost = next((s[stats_keys.REDIS_ERROR] for s in stats if stats_keys.REDIS_ERROR in s), None)
    if lost is not None:
        click.echo(
            f"Error: Redis at {redis_url} unreachable ({lost}): worker {worker} stopped"
            f" after {seconds:.1f} s; the requests it held stay in Redis.",
            err=True,
        )
        sys.exit(EXIT_RUN_FAILED)
    click.echo(f"Worker {worker} done in {seconds:.1f} s.")


@cli.command()
@redis_option
@db_option("The archive to write; created on first use.")
@click.option(
    "--until-done",
    is_flag=True,
    help="Exit once the crawl is done (no worker alive, nothing queued, all stored) "
    "instead of running until Ctrl-C / SIGTERM.",
)
@click.option("-q", "--quiet", is_flag=True, help="Print only the summary and errors.")
def ingest(redis_url: str, db: Path, until_done: bool, quiet: bool) -> None:
    """Write what the workers of a distributed crawl send into the archive.

    The one writer of the archive (it holds its lock): it stores the workers' articles,
    errors and runs in batches, acknowledging them in Redis only once committed, and
    publishes what the archive knows of each site for the workers' incremental runs.

    \b
    Example:
        newsarchive ingest --redis redis://10.0.0.5:6379/0 --db archive.db
    """
    import logging
    import signal

    from crawler.distributed.signals import UNREACHABLE_ERRORS
    from pipelines.ingest import Ingester

    server = _redis(redis_url)
    if not quiet:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    stopping: list[int] = []
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda number, _frame: stopping.append(number))
    with _locked(db):
        try:
            archive = Archive.open(db)
        except ArchiveError as error:
            raise BadInput(str(error)) from error
        try:
            ingester = Ingester(
                server,
                archive,
                batch_size=defaults.STORE_BATCH_SIZE,
                batch_seconds=defaults.STORE_BATCH_SECONDS,
                snapshot_seconds=defaults.REDIS_SNAPSHOT_SECONDS,
            )
            click.echo(f"Writing the crawl at {redis_url} into {db} (Ctrl-C to stop).")
            report = ingester.run(lambda: bool(stopping), until_done=until_done)
        except UNREACHABLE_ERRORS as error:
            click.echo(
                f"Error: Redis at {redis_url} unreachable ({error}): the writer stopped;"
                f" {ingester.report.items} items stored, every batch read is committed.",
                err=True,
            )
            sys.exit(EXIT_RUN_FAILED)
        finally:
            archive.close()
    click.echo(
        f"Stored {report.items} items ({report.skipped} delivered again and skipped); "
        f"runs: {report.runs_started} started, {report.runs_finished} finished, "
        f"{report.runs_lost} lost with their worker."
    )


@cli.command()
@redis_option
def status(redis_url: str) -> None:
    """Show a distributed crawl: each site's queue, the live workers, the writer's backlog.

    \b
    Example:
        newsarchive status --redis redis://10.0.0.5:6379/0
    """
    from crawler.distributed.control import crawl_status

    state = crawl_status(_redis(redis_url))
    if not state.sites:
        click.echo("No site seeded.")
    for site in state.sites:
        seed = "; start requests waiting for a worker" if site["seed_waiting"] else ""
        click.echo(
            f"Site {site['name']}: {site['queued']} requests queued, {site['in_hand']} in "
            f"workers' hands, {site['seen']} seen{seed}"
        )
    click.echo(f"Workers alive: {len(state.workers)}")
    for worker in state.workers:
        click.echo(
            f"  {worker['worker']}: {worker['site']}, {worker['responses']} pages, "
            f"last heartbeat {worker['beat']}"
        )
    click.echo(
        f"Items waiting for the writer: {state.waiting_for_writer} "
        f"({state.delivered_not_stored} delivered, not yet committed)"
    )


@cli.command()
@db_option("The archive to open.", must_exist=True)
@click.option("--port", type=int, default=8001, show_default=True, help="Port to listen on.")
@click.option(
    "--public",
    is_flag=True,
    help="Listen on every network interface (0.0.0.0), not only on this machine (127.0.0.1): "
    "anyone who can reach it can read the whole archive.",
)
def serve(db: Path, port: int, public: bool) -> None:
    """Browse, search and chart the archive in Datasette (read-only), on this machine only
    unless --public.

    \b
    Example:
        newsarchive serve --db archive.db --port 8001
        newsarchive serve --db archive.db --public
    """
    if public:
        click.echo(
            f"Warning: --public: Datasette listens on {PUBLIC} (every network interface); "
            "anyone who can reach this machine on that port can read the whole archive.",
            err=True,
        )
    sys.exit(_serve(db, PUBLIC if public else LOOPBACK, port))


@cli.command()
@db_option("The archive to crawl the demo site into; created on first use.")
@click.option("--port", type=int, default=8001, show_default=True, help="Datasette's port.")
@click.option("--no-serve", is_flag=True, help="Crawl and summarise only; do not start Datasette.")
def demo(db: Path, port: int, no_serve: bool) -> None:
    """Serve the bundled demo news site, crawl it into the archive, then browse it.

    \b
    Example:
        newsarchive demo
        newsarchive demo --db /tmp/demo.db --no-serve
    """
    from newsarchive.demo.server import serve_site

    # The demo site keeps one address from run to run when it can, so that running the
    # demo again finds the articles it archived before instead of new URLs.
    with serve_site(port=free_port("127.0.0.1", DEMO_SITE_PORT)) as site_server:
        click.echo(f"Demo news site served at {site_server.base_url}")
        site = SiteConfig(name="demo", start_urls=[site_server.base_url])
        reports = _crawl([site], db, dict(LOCAL_SERVER_SETTINGS), verbose=False)
    _exit_for(reports)
    if not no_serve:
        sys.exit(_serve(db, "127.0.0.1", port))


@cli.command()
@click.argument("urls", nargs=-1)
@click.option(
    "--every",
    "every",
    required=True,
    help="How often to crawl: 15m, 30m, 1h, 6h, 1d… (minutes dividing an hour, hours a day).",
)
@db_option("The archive the scheduled crawls write to.")
@click.option(
    "--sites",
    "sites_file",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="The sites.toml file to crawl.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["all", "cron", "systemd"]),
    default="all",
    show_default=True,
    help="Print the crontab line, the systemd units, or both.",
)
def schedule(
    urls: tuple[str, ...], every: str, db: Path, sites_file: Path | None, output_format: str
) -> None:
    """Print a crontab line and systemd timer units that run the crawl on a schedule.

    Nothing is installed: copy what it prints. Paths are made absolute, so the schedule
    works whatever the current folder of cron or systemd is.

    \b
    Example:
        newsarchive schedule --every 1h --sites sites.toml
        newsarchive schedule --every 30m https://www.example.com/news/ --format cron
    """
    try:
        interval = parse_interval(every)
    except ValueError as error:
        raise BadInput(str(error)) from error
    _sites_to_crawl(urls, sites_file, ())  # the same checks as `crawl`
    command = [_newsarchive_executable(), "crawl", "--quiet", "--db", str(db.resolve())]
    command += ["--sites", str(sites_file.resolve())] if sites_file else list(urls)
    workdir = str(Path.cwd())
    if output_format in ("all", "cron"):
        click.echo("# crontab line (crontab -e); cron mails what the crawl prints:")
        click.echo(crontab_line(interval, workdir, command))
    if output_format in ("all", "systemd"):
        for name, text in systemd_units(interval, workdir, command).items():
            click.echo(f"\n# ~/.config/systemd/user/{name}")
            click.echo(text, nl=False)
        click.echo("\n# then: systemctl --user daemon-reload")
        click.echo("#       systemctl --user enable --now newsarchive-crawl.timer")


def _newsarchive_executable() -> str:
    """The absolute path of the `newsarchive` command running now (or on the PATH)."""
    argv0 = Path(sys.argv[0])
    if argv0.name == "newsarchive" and argv0.exists():
        return str(argv0.resolve())
    return shutil.which("newsarchive") or f"{sys.executable} -m crawler"


def _sites_to_crawl(
    urls: tuple[str, ...], sites_file: Path | None, site_names: tuple[str, ...]
) -> list[SiteConfig]:
    if urls and sites_file:
        raise BadInput("give URLs or --sites, not both")
    if site_names and not sites_file:
        raise BadInput("--site needs --sites FILE")
    try:
        if urls:
            return [site_from_urls(list(urls))]
        if not sites_file:
            raise BadInput("give at least one URL to crawl, or --sites FILE")
        sites = load_sites(sites_file)
        return [select_site(sites, name) for name in site_names] if site_names else sites
    except (InvalidURL, SitesFileError) as error:
        raise BadInput(str(error)) from error


def _parse_overrides(pairs: tuple[str, ...]) -> dict[str, str]:
    """The `-s NAME=VALUE` overrides, each value checked against its setting's type (exit 2
    for a bad one); a name neither Scrapy nor newsarchive knows is a warning."""
    try:
        overrides = parse_overrides(pairs)
    except BadSetting as error:
        raise BadInput(str(error)) from error
    for name in unknown_settings(overrides):
        click.echo(f"Warning: -s {name}: no such setting in Scrapy or newsarchive", err=True)
    return overrides


def _archive_path(db: Path, archive_db: str | None) -> Path:
    """The archive to crawl into: `--db`, or `-s ARCHIVE_DB=PATH` (the same thing, for
    those used to `scrapy crawl`); both, naming different files, is an error (exit 2)."""
    if archive_db is None:
        return db
    given = Path(archive_db)
    source = click.get_current_context().get_parameter_source("db")
    if source is click.core.ParameterSource.DEFAULT or given.resolve() == db.resolve():
        return given
    raise BadInput(f"-s ARCHIVE_DB={archive_db}: another archive than --db {db}; give one of them")


def _crawl(
    sites: list[SiteConfig],
    db: Path,
    overrides: dict[str, str],
    verbose: bool,
    show_progress: bool = False,
) -> list[RunReport]:
    """Take the archive's lock, check the archive can be written, crawl, print the
    summary."""
    with _locked(db):
        try:
            Archive.open(db).close()
        except ArchiveError as error:
            raise BadInput(str(error)) from error
        settings = crawl_settings(db, {"LOG_LEVEL": "INFO" if verbose else "WARNING", **overrides})
        started = time.monotonic()
        if show_progress:
            with LiveProgress(Console(stderr=True)) as progress:
                run_ids = run_crawls(
                    sites, settings, quiet_fetch_errors=not verbose, on_progress=progress.update
                )
        else:
            run_ids = run_crawls(sites, settings, quiet_fetch_errors=not verbose)
        seconds = time.monotonic() - started
        archive = Archive.open(db)
        try:
            reports = [
                RunReport.read(archive, s.name, rid) for s, rid in zip(sites, run_ids, strict=True)
            ]
            total = archive.count("articles")
        finally:
            archive.close()
    _print_summary(reports, as_table=show_progress)
    click.echo(f"Archive {db}: {total} articles in all; crawl took {seconds:.1f} s.")
    return reports


@contextmanager
def _locked(db: Path) -> Iterator[None]:
    """Hold the archive's lock; exit 75 if another process holds it."""
    with ExitStack() as stack:
        try:
            stack.enter_context(archive_lock(db))
        except ArchiveLocked as error:
            click.echo(f"Error: {error}", err=True)
            sys.exit(EXIT_LOCKED)
        except OSError as error:  # no folder for the lock file: say what is wrong with it
            try:
                Archive.open(db).close()
            except ArchiveError as archive_error:
                raise BadInput(str(archive_error)) from archive_error
            raise BadInput(f"cannot lock archive {db}: {error.strerror}") from error
        yield


def _print_summary(reports: list[RunReport], as_table: bool) -> None:
    if as_table:
        Console().print(summary_table(reports))
    else:
        for report in reports:
            click.echo("\n".join(summary_lines(report)))
    for report in reports:
        if report.error:
            label = "Warning" if report.status == "warning" else "Error"
            click.echo(f"{label}: {report.site}: {report.error}", err=True)


def _exit_for(reports: list[RunReport]) -> None:
    if any(report.status not in ("ok", "warning") for report in reports):  # failed, interrupted
        sys.exit(EXIT_RUN_FAILED)
    if any(report.status == "warning" for report in reports):
        sys.exit(EXIT_RUN_WARNING)


def _serve(db: Path, host: str, port: int) -> int:
    chosen = free_port(host, port)
    if chosen != port:
        click.echo(f"Port {port} is taken; using {chosen} instead.")
    shown = LOOPBACK if host == PUBLIC else host
    click.echo(f"Datasette is serving the archive at http://{shown}:{chosen}/ (Ctrl-C to stop)")
    return serve_archive(db, host, chosen)


@cli.command()
@db_option("The archive to re-extract.", must_exist=True)
@click.option("--site", help="Only the articles of this site (as in the articles' site column).")
@click.option(
    "--sites",
    "sites_file",
    type=click.Path(path_type=Path),
    help="A sites.toml whose boilerplate_selectors apply to its sites' articles.",
)
def reextract(db: Path, site: str | None, sites_file: Path | None) -> None:
    """Extract every archived article again from its stored page, with the current
    extraction and the boilerplate learned for its site, and update the articles that
    changed (a changed text keeps its earlier version in article_versions).

    \b
    Example:
        newsarchive reextract --db archive.db
        newsarchive reextract --db archive.db --site www.example-news.com
        newsarchive reextract --db news.db --sites sites.toml --site example-news
    """
    from rich.progress import track

    from crawler.extraction_pool import ExtractionPool
    from newsarchive.reextract import reextract as run_reextract
    from pipelines.extraction import EXTRACTOR_VERSION, SiteProfile
    from pipelines.extraction.site_blocks import BlockLearner, LearningSettings

    def progress(ids: Iterable[int], label: str) -> Iterable[int]:
        return track(
            list(ids),
            description=label,
            console=Console(stderr=True),
            transient=True,
            disable=not sys.stderr.isatty(),
        )

    try:
        configured = load_sites(sites_file) if sites_file else []
    except SitesFileError as error:
        raise BadInput(str(error)) from error
    profiles = {s.name: SiteProfile(tuple(s.boilerplate_selectors)) for s in configured}

    with _locked(db):  # a crawl writing to the archive meanwhile would race with it
        try:
            archive = Archive.open(db)
        except ArchiveError as error:
            raise BadInput(str(error)) from error
        try:
            if site and not archive.article_keys(site):
                raise BadInput(f"no articles of site {site!r} in {db}")
            settings = crawl_settings(db)
            learner = BlockLearner(archive, LearningSettings.from_settings(settings))
            pool = ExtractionPool.from_settings(settings)
            try:
                report = run_reextract(archive, learner, site, progress, profiles, pool)
            finally:
                pool.close()
        finally:
            archive.close()
    click.echo(
        f"Re-extracted {report.articles} articles with {EXTRACTOR_VERSION}: "
        f"{report.changed} changed, {report.unchanged} unchanged, "
        f"{report.failed} without article text (kept as they were)."
    )
