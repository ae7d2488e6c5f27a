"""Browsing the archive: `newsarchive serve` runs Datasette with the project's metadata."""

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

METADATA_FILE = Path(__file__).parent / "datasette" / "metadata.yml"
DEFAULT_DB_KEY = "archive"


def datasette_metadata(db_path: Path) -> dict[str, Any]:
    """The project's Datasette metadata, keyed by the database name Datasette will use
    for `db_path` (its file name without extension)."""
    metadata = yaml.safe_load(METADATA_FILE.read_text(encoding="utf-8"))
    name = db_path.stem
    if name != DEFAULT_DB_KEY:
        metadata["databases"] = {name: metadata["databases"][DEFAULT_DB_KEY]}
        metadata["description_html"] = metadata["description_html"].replace(
            f"/{DEFAULT_DB_KEY}/", f"/{name}/"
        )
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
    """The command line that serves the archive with Datasette."""
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        str(db_path),
        "--metadata",
        str(metadata_path),
        "--host",
        host,
        "--port",
        str(port),
        "--setting",
        "sql_time_limit_ms",
        "3000",
        "--setting",
        "facet_time_limit_ms",
        "1000",
    ]


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
