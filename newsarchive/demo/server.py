"""A small static HTTP server for the demo site and for tests.

`python -m http.server` accepts only 5 queued connections, which Scrapy's bursts overflow;
this one queues 256 and serves each request in its own thread. It keeps a log of the
paths requested, which tests use to check what a crawl fetched.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

logger = logging.getLogger(__name__)

SITE_DIR = Path(__file__).parent / "site"


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """Serves a folder; a folder URL is answered by its `index.html` or, for feeds,
    `index.xml`. Requests are logged on the server instead of stderr."""

    extensions_map = {  # noqa: RUF012 - the base class declares it as a plain dict
        **SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/xml",
    }

    def send_head(self):  # type: ignore[no-untyped-def]
        """Serve `index.xml` for a folder that has no `index.html`."""
        folder = Path(self.translate_path(self.path))
        if folder.is_dir() and not (folder / "index.html").exists():
            feed = folder / "index.xml"
            if feed.exists() and self.path.endswith("/"):
                self.path = self.path.split("?", 1)[0] + "index.xml"
        return super().send_head()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Record the request path on the server, once per request."""
        path = self.requestline.split(" ")[1] if " " in self.requestline else self.path
        self.server.request_log.append(path)  # type: ignore[attr-defined]
        headers = getattr(self, "headers", None)  # absent when the request line was bad
        user_agent = headers.get("User-Agent", "") if headers else ""
        self.server.user_agents.add(user_agent)  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:
        """Send the server's messages to the debug log instead of stderr."""
        logger.debug(format, *args)


class SiteServer(ThreadingHTTPServer):
    """A threading HTTP server with a deep accept queue and a log of requested paths."""

    request_queue_size = 256
    daemon_threads = True

    def __init__(
        self,
        directory: Path,
        host: str = "127.0.0.1",
        port: int = 0,
        handler_class: type[SiteRequestHandler] = SiteRequestHandler,
    ) -> None:
        handler = partial(handler_class, directory=str(directory))
        super().__init__((host, port), handler)
        self.request_log: list[str] = []  # paths as requested, in order
        self.user_agents: set[str] = set()

    @property
    def base_url(self) -> str:
        """The server's URL, ending with "/"."""
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"


@contextmanager
def serve_site(
    directory: Path = SITE_DIR,
    host: str = "127.0.0.1",
    port: int = 0,
    handler_class: type[SiteRequestHandler] = SiteRequestHandler,
) -> Iterator[SiteServer]:
    """Serve `directory` in a background thread for the duration of the `with` block."""
    server = SiteServer(directory, host, port, handler_class)
    thread = threading.Thread(target=server.serve_forever, name="site-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
