"""The local AWS: moto's server in its own process, with its requests recorded for restarts.

Run as `python -m sandbox.aws_emulator PORT RECORDING`. moto keeps state in memory only; its
recorder appends every request to RECORDING, and a restart replays that file before serving, so
the table, the mail, the metrics and the failed-start queue survive a restart of the sandbox.
Two routes are added in front of moto's: `/_sandbox/ready` (200 once the replay is done) and
`/_sandbox/sent-emails` (the raw messages SES accepted, which moto keeps but exposes through no
AWS API).
"""

import json
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from sandbox.child_process import SERVE_POLL_SECONDS, serve_until_parent_exits
from sandbox.config import ACCOUNT_ID, REGION
from sandbox.mailbox import SENT_EMAILS_PATH
from sandbox.moto_fixes import (
    match_dimensions_as_a_set,
    record_one_request_at_a_time,
    replayable_receipt_handles,
)

READY_PATH = "/_sandbox/ready"

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def _sent_emails(first: int) -> list[dict[str, Any]]:
    """The raw messages SES accepted, from the `first`-th on (SES keeps them in order)."""
    from moto.ses.models import RawMessage, ses_backends

    messages = ses_backends[ACCOUNT_ID][REGION].sent_messages[first:]
    return [
        {"id": m.id, "source": m.source, "destinations": m.destinations, "raw": m.raw_data}
        if isinstance(m, RawMessage)
        else {"id": m.id, "source": m.source, "raw": ""}
        for m in messages
    ]


def _with_sandbox_routes(moto_app: WsgiApp, ready: threading.Event) -> WsgiApp:
    # DynamoDB applies a conditional write or a transaction atomically; moto, serving requests
    # on many threads, checks a condition and writes in two moves. One DynamoDB request at a
    # time gives the sandbox DynamoDB's guarantee (two racing submissions, two racing claims).
    dynamodb = threading.Lock()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with dynamodb:
                return list(moto_app(environ, start_response))
        path = environ.get("PATH_INFO", "")
        if path == READY_PATH:
            status = "200 OK" if ready.is_set() else "503 Service Unavailable"
            start_response(status, [("Content-Type", "text/plain")])
            return [status.encode()]
        if path == SENT_EMAILS_PATH:
            first = int(parse_qs(environ.get("QUERY_STRING", "")).get("from", ["0"])[0])
            body = json.dumps(_sent_emails(first)).encode()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [body]
        return moto_app(environ, start_response)

    return app


def main(port: int, recording: Path) -> None:
    # moto's recorder reads where to write when it is imported.
    os.environ["MOTO_RECORDER_FILEPATH"] = str(recording)
    from moto.moto_api import recorder
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    match_dimensions_as_a_set()
    record_one_request_at_a_time()
    replayable_receipt_handles()
    # One line per request costs moto's process a tenth of its time under load.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    ready = threading.Event()
    moto_app = DomainDispatcherApplication(create_backend_app)
    server = make_server(
        "127.0.0.1",
        port,
        _with_sandbox_routes(moto_app, ready),
        threaded=True,
        request_handler=MotoRequestHandler,
    )
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": SERVE_POLL_SECONDS}, daemon=True
    ).start()
    if recording.exists() and recording.stat().st_size:
        recorder.replay_recording(target_host=f"http://127.0.0.1:{port}")
    recorder.start_recording()
    ready.set()
    serve_until_parent_exits(server.shutdown)


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
