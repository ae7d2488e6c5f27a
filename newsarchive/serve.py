"""Browsing the archive: `newsarchive serve` runs Datasette with the project's configuration
directory `newsarchive/datasette/` (metadata, templates, plugins)."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

CONFIG_DIR = Path(__file__).parent / "datasette"
METADATA_FILE = CONFIG_DIR / "metadata.yml"
TEMPLATES_DIR = CONFIG_DIR / "templates"
PLUGINS_DIR = CONFIG_DIR / "plugins"
DEFAULT_DB_KEY = "archive"
LOOPBACK = "127.0.0.1"
PUBLIC = "0.0.0.0"
# Datasette settings: queries stop after these times; facet suggestions (a query per column
# on every table page) are off so that large archives stay fast.
SETTINGS = {
    "sql_time_limit_ms": "3000",
    "facet_time_limit_ms": "1000",
    "suggest_facets": "off",
}


def datasette_metadata(db_path: Path) -> dict[str, Any]:
    """The project's Datasette metadata, keyed by the database name Datasette will use
    for `db_path` (its file name without extension)."""
    from datasette.utils import tilde_encode  # only `serve` needs Datasette loaded

    metadata = yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8"))
    name = db_path.stem
    if name != DEFAULT_DB_KEY:
        metadata["databases"] = {name: metadata["databases"][DEFAULT_DB_KEY]}
        metadata["description_html"] = metadata["description_html"].replace(
            f"/{DEFAULT_DB_KEY}/",
            f"/{tilde_encode(name)}/",  # as Datasette writes it in URLs
        )
        for dashboard in metadata.get("plugins", {}).get("datasette-dashboards", {}).values():
            for part in (
                *dashboard.get("charts", {}).values(),
                *dashboard.get("filters", {}).values(),
            ):
                if part.get("db") == DEFAULT_DB_KEY:
                    part["db"] = name
    return metadata


def free_port(host: str, preferred: int) -> int:
    """`preferred` if nothing listens on it at `host`, else a free port chosen by the OS."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            # As servers do: a port whose last connections are in TIME_WAIT is free.
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return sock.getsockname()[1]
    raise OSError(f"no free port on {host}")


def datasette_command(db_path: Path, metadata_path: Path, host: str, port: int) -> list[str]:
    """The command line that serves the archive, read-only, with the project's templates and
    plugins."""
    command = [
        *(sys.executable, "-m", "datasette", "serve", str(db_path)),
        *("--metadata", str(metadata_path)),
        *("--template-dir", str(TEMPLATES_DIR)),
        *("--plugins-dir", str(PLUGINS_DIR)),
        *("--host", host, "--port", str(port)),
    ]
    for name, value in SETTINGS.items():
        command += ["--setting", name, value]
    return command


def serve_archive(db_path: Path, host: str, port: int) -> int:
    """Run Datasette over the archive until it is stopped (Ctrl-C or SIGTERM, which stop
    Datasette too); return its exit status."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)
    with tempfile.TemporaryDirectory(prefix="newsarchive-") as folder:
        metadata_path = Path(folder) / "metadata.json"
        metadata_path.write_text(json.dumps(datasette_metadata(db_path)), encoding="utf-8")
        process = subprocess.Popen(datasette_command(db_path, metadata_path, host, port))
        try:
            return process.wait()
        except KeyboardInterrupt:  # stopped by the user: a normal end
            process.terminate()
            process.wait()
            return 0


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
