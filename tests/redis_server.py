"""A throwaway Redis server for the distributed-crawl tests: Debian's `redis-server` on a
free 127.0.0.1 port, no persistence, its output to a log file, stopped at the end."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from newsarchive.serve import free_port

__all__ = ["REDIS_SERVER", "redis_process", "redis_server"]

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _start(port: int, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [
                *(REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def _answers(port: int, process: subprocess.Popen[bytes], timeout: float) -> bool:
    """True once the server at `port` answers PING; False if it exited or timed out."""
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + timeout
    try:
        while process.poll() is None and time.monotonic() < deadline:
            try:
                if client.ping():
                    return True
            except redis.ConnectionError:
                time.sleep(0.05)
        return False
    finally:
        client.close()


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def redis_server(log: Path, timeout: float = 15) -> Iterator[str]:
    """Run a fresh Redis server for the `with` block; yield its URL
    (`redis://127.0.0.1:PORT/0`). Raises RuntimeError, with its log, if it does not
    answer PING within `timeout` seconds (a port taken meanwhile is tried again)."""
    with redis_process(log, timeout) as (url, _process):
        yield url


@contextlib.contextmanager
def redis_process(log: Path, timeout: float = 15) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`redis_server`, yielding the server's process too (for a test that kills it)."""
    for _attempt in range(3):
        port = free_port("127.0.0.1", 0)
        process = _start(port, log)
        if _answers(port, process, timeout):
            break
        _stop(process)
    else:
        raise RuntimeError(f"redis-server did not start: {log.read_text(errors='replace')}")
    try:
        yield f"redis://127.0.0.1:{port}/0", process
    finally:
        _stop(process)
