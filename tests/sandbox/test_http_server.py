"""The sandbox's HTTP servers: a browser that leaves mid-answer is not an error on the console."""

import logging
import socket
import struct
import threading
import time
from collections.abc import Callable

import pytest

from sandbox.http_server import LoopbackServer, Request, Response
from tests.e2e.harness import free_base_port

# Larger than a socket's buffers: writing it to a client that left must fail.
LARGE_PAGE = "x" * (8 * 1024 * 1024)
WAIT_CAP_SECONDS = 60.0


def _leave_abruptly(port: int, answering: threading.Event, client_left: threading.Event) -> None:
    with socket.create_connection(("127.0.0.1", port)) as client:
        client.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert answering.wait(WAIT_CAP_SECONDS), "the server never took the request"
        # Close with a reset, as a browser tab that is closed does.
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    client_left.set()


def _wait_for(record_found: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_CAP_SECONDS
    while not record_found():
        assert time.monotonic() < deadline, "the server never noticed the client leave"
        time.sleep(0.05)


def test_a_client_that_leaves_mid_answer_prints_no_traceback(
    caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    answering, client_left = threading.Event(), threading.Event()

    def answer_after_the_client_left(request: Request) -> Response:
        answering.set()
        client_left.wait(WAIT_CAP_SECONDS)
        return Response.html(LARGE_PAGE)

    port = free_base_port()
    server = LoopbackServer("pages", port, answer_after_the_client_left)
    server.start()
    try:
        with caplog.at_level(logging.DEBUG, logger="sandbox.http_server"):
            _leave_abruptly(port, answering, client_left)
            _wait_for(lambda: "left before its answer" in caplog.text)
    finally:
        server.stop()

    assert "Traceback" not in capfd.readouterr().err


def test_any_other_failure_still_shows_its_traceback(capfd: pytest.CaptureFixture[str]) -> None:
    port = free_base_port()
    server = LoopbackServer("pages", port, lambda request: Response.html("ok"))
    server.start()
    try:
        try:
            raise ValueError("a bug in a handler")
        except ValueError:
            server._server.handle_error(None, ("127.0.0.1", 1))
    finally:
        server.stop()

    assert "ValueError: a bug in a handler" in capfd.readouterr().err
