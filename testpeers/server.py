"""What the HTTP test peers on 127.0.0.1 share (the SMS/WhatsApp gateway ``testpeers.http_gateway``,
the BSrE-compatible signer ``testpeers.bsre``): a threaded stdlib server started and stopped around
a test or a benchmark, and a request handler that answers JSON or drops the connection on purpose.

Each server subclasses ``LocalJsonServer`` with its ``handler_class`` (a ``JsonHandler``) and its
own routes, faults and records; the handler reaches the server object as ``self.app``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self

logger = logging.getLogger(__name__)


class Dropped(Exception):
    """Raised by ``JsonHandler.drop`` to end the handling of a request whose connection was cut."""


class LocalJsonServer:
    handler_class: type[BaseHTTPRequestHandler]
    thread_name = "json-testserver"

    def __init__(self, *, host: str = "127.0.0.1", port: int = 0):
        self.host = host
        self.port = port  # 0: any free port, known after start()
        self._stopping = threading.Event()  # set on stop(): wakes answers a fault delays
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def _before_start(self) -> None:
        """Work to do before the first request can be answered (a subclass hook)."""

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        self._before_start()
        self._stopping.clear()
        httpd = ThreadingHTTPServer((self.host, self.port), self.handler_class)
        httpd.daemon_threads = True
        httpd.app = self  # type: ignore[attr-defined]
        self._httpd = httpd
        self.port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


class JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    @property
    def app(self):
        return self.server.app  # type: ignore[attr-defined]

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's name
        logger.debug(f"{self.server_version}: " + format, *args)

    def _send(self, status: int, payload: dict, *, headers: dict | None = None) -> None:
        """Answer ``payload`` as JSON and close the connection."""
        body = json.dumps(payload).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            pass  # the client has gone (it timed out)
        self.close_connection = True

    def _drop(self) -> None:
        """Cut the connection without an answer (a fault a test asked for)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)
        raise Dropped
