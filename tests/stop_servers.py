"""Servers that hold a crawl up, for the stopping tests: one that accepts connections and
never answers, one that answers with a page that never ends (a byte a second)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

__all__ = ["silent_server", "trickling_server", "wait_for"]


@contextmanager
def silent_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """A TCP server on 127.0.0.1 that accepts connections and never answers; yields its
    port and the connections it accepted."""
    with _server(lambda connection, stop: stop.wait()) as served:
        yield served


@contextmanager
def trickling_server() -> Iterator[tuple[int, list[socket.socket]]]:
    """An HTTP server on 127.0.0.1 that answers every request with the headers of a large
    page, then sends its body one byte a second; yields its port and the connections it
    accepted."""

    def trickle(connection: socket.socket, stop: threading.Event) -> None:
        try:
            connection.recv(65536)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000000\r\n\r\n"
            )
            while not stop.wait(1.0):
                connection.sendall(b" ")
        except OSError:  # the crawl closed the connection
            return

    with _server(trickle) as served:
        yield served


@contextmanager
def _server(
    serve: Callable[[socket.socket, threading.Event], None],
) -> Iterator[tuple[int, list[socket.socket]]]:
    """A TCP server on 127.0.0.1 that runs `serve(connection, stop)` in a thread for each
    connection it accepts."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()
    threads: list[threading.Thread] = []

    def accept() -> None:
        while not stop.is_set():
            try:
                connection = listener.accept()[0]
            except TimeoutError:
                continue
            accepted.append(connection)
            thread = threading.Thread(target=serve, args=(connection, stop), daemon=True)
            thread.start()
            threads.append(thread)

    acceptor = threading.Thread(target=accept, name="stop-test-server", daemon=True)
    acceptor.start()
    try:
        yield listener.getsockname()[1], accepted
    finally:
        stop.set()
        acceptor.join()
        for thread in threads:
            thread.join(timeout=5)
        for connection in accepted:
            connection.close()
        listener.close()


def wait_for(condition: Callable[[], object], seconds: float = 60.0) -> None:
    """Wait until `condition()` is true; AssertionError after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)
