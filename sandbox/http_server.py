"""A loopback HTTP server on its own thread, serving one function from request to response.

Every HTTP face of the sandbox (the Function URLs, the Lambda API, the pages) is one of these,
so each of them is a plain `Request -> Response` function that can be read and tested alone.
"""

import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

from sandbox.child_process import SERVE_POLL_SECONDS

logger = logging.getLogger(__name__)

# Not forwarded between hops, and recomputed by whoever writes the message.
HOP_BY_HOP_HEADERS = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server"}
)


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    client_ip: str

    def header(self, name: str, default: str = "") -> str:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return default

    def query_params(self) -> dict[str, str]:
        return dict(parse_qsl(self.query, keep_blank_values=True))

    def wants_json(self) -> bool:
        return "application/json" in self.header("accept")


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def text(cls, status: int, body: str, content_type: str, **headers: str) -> "Response":
        extra = [(name.replace("_", "-"), value) for name, value in headers.items()]
        return cls(status, body.encode(), [("Content-Type", content_type), *extra])

    @classmethod
    def html(cls, body: str, status: int = 200) -> "Response":
        return cls.text(status, body, "text/html; charset=utf-8", Cache_Control="no-store")

    @classmethod
    def json(cls, body: str, status: int = 200, **headers: str) -> "Response":
        return cls.text(status, body, "application/json", **headers)


Handle = Callable[[Request], Response]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # The load test opens hundreds of connections at once: the default backlog of 5 drops them.
    request_queue_size = 512

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser that leaves (a page closed, a refresh mid-answer) is not the sandbox failing:
        # no traceback on the console for it.
        if isinstance(sys.exc_info()[1], ConnectionError):
            logger.debug("a client at %s left before its answer", client_address)
            return
        super().handle_error(request, client_address)


def read_request(handler: BaseHTTPRequestHandler) -> Request:
    """The request a handler of `http.server` is serving, read whole."""
    path, _, query = handler.path.partition("?")
    length = int(handler.headers.get("Content-Length") or 0)
    return Request(
        method=handler.command,
        path=path,
        query=query,
        headers=list(handler.headers.items()),
        body=handler.rfile.read(length) if length else b"",
        client_ip=handler.client_address[0],
    )


def _request_handler(name: str, handle: Handle) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = f"sandbox-{name}"

        def _serve(self) -> None:
            request = read_request(self)
            try:
                response = handle(request)
            except Exception:
                logger.exception("%s failed on %s %s", name, self.command, request.path)
                response = Response.json('{"message": "Internal Server Error"}', status=500)
            self.send_response(response.status)
            for key, value in response.headers:
                if key.lower() not in HOP_BY_HOP_HEADERS:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_HEAD = _serve

        def log_message(self, format: str, *args: Any) -> None:
            logger.debug("%s: " + format, name, *args)

    return Handler


class LoopbackServer:
    """Serves `handle` on 127.0.0.1:`port` from a daemon thread until `stop`."""

    def __init__(self, name: str, port: int, handle: Handle) -> None:
        self.name = name
        self._server = _Server(("127.0.0.1", port), _request_handler(name, handle))
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": SERVE_POLL_SECONDS},
            name=f"http-{name}",
            daemon=True,
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
