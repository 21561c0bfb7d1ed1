"""The sandbox as a user meets it: a process started with `python -m sandbox`, then HTTP only."""

import fcntl
import json
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import boto3

from tests.support.dates import EVERY_DAY
from tests.support.http_calls import HttpResponse

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# The Pulumi stack's outputs, and the mailbox.
OUTPUT_KEYS = {
    "submit_url",
    "decision_url",
    "dashboard_url",
    "table_name",
    "workflow_alias_arn",
    "failed_start_queue_url",
    "submit_function_name",
    "workflow_function_name",
    "decision_function_name",
    "settler_function_name",
    "mailbox_url",
    "token_url",
    "lambda_endpoint",
    "aws_endpoint",
}
PORTS_PER_SANDBOX = 6
# The most any wait for an event may take. Waits end as soon as the event happens: this caps a
# broken run, it is no deadline (CI may share a 2-core machine with two other runs).
WAIT_CAP_SECONDS = 180
# How often the sandbox's schedules fire (the pending gauge, the settler's sweep): the dashboard's
# pending figure is the gauge's latest reading, so a test waits about this long to see a change.
SCHEDULE_SECONDS = 5
# Reminders and escalation would add emails and figures to every test of a sandbox: off unless a
# test's flags turn them on (later flags win).
NO_FOLLOW_UPS = (
    *("--reminder-at", "none", "--escalate-at", "none"),
    # Likewise a second approval for long leave.
    *("--second-approval-over", "none"),
)
# Every test's calls come from 127.0.0.1, polls included: one client to the web ACL's budget,
# which would turn a long poll into 429s. Off unless a test's flags turn it on (later flags win).
NO_CLIENT_LIMIT = ("--client-limit", "off")
# The tests' dates count from today, whatever weekday it is: every day is a working day unless a
# test's flags say otherwise (later flags win).
EVERY_DAY_WORKS = ("--work-week", EVERY_DAY)
# Who decides every request in the sandbox (its default approver).
APPROVER = "manager@email.com"
# Where a request stands once nobody can decide it any more.
FINAL_STATUSES = {"approved", "rejected", "expired", "failed", "withdrawn", "cancelled"}


def http(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = WAIT_CAP_SECONDS,
) -> HttpResponse:
    # Only the sandbox's own http://127.0.0.1 URLs come here.
    request = urllib.request.Request(url, data=body, headers=headers or {}, method=method)  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            raw, status, got = response.read(), response.status, response.headers
    except urllib.error.HTTPError as error:
        raw, status, got = error.read(), error.code, error.headers
    return HttpResponse(status, raw.decode(), {k.lower(): v for k, v in got.items()})


def employee_api(
    method: str,
    url: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    answer_within: float = WAIT_CAP_SECONDS,
) -> HttpResponse:
    """A call to the employees' API as a well-behaved client makes it: when the API throttles
    (429) or the service is busy (503, as chaos mode makes it), wait as its Retry-After says
    and send the same request again (the same Idempotency-Key). `answer_within` caps the wait
    for each answer (a load test's queued calls wait longer)."""
    deadline = time.monotonic() + WAIT_CAP_SECONDS
    while True:
        answer = http(method, url, body, headers, timeout=answer_within)
        retry_after = answer.headers.get("retry-after")
        if answer.status not in (429, 503) or not retry_after or time.monotonic() > deadline:
            return answer
        time.sleep(float(retry_after))


def as_a_client_would(
    send: Callable[[], HttpResponse], cap: float = WAIT_CAP_SECONDS
) -> HttpResponse:
    """Send again after "busy, retry" (503, waiting as its Retry-After says: a decision being
    recorded asks for half a minute) or a function that died (502), as the app and an approver
    do: under chaos mode, or on a machine busy with other work, the AWS behind the functions
    fails or is slower than their clients wait, and that answer is the designed one. `cap`
    bounds a broken run; the pause between tries spaces them out, nothing races it."""
    deadline = time.monotonic() + cap
    while True:
        answer = send()
        if answer.status == 503:
            assert answer.headers.get("retry-after"), answer.body
            pause = float(answer.headers["retry-after"])
        elif answer.status == 502:
            pause = 1.0
        else:
            return answer
        if time.monotonic() + pause > deadline:
            return answer
        time.sleep(pause)


def wait_for(condition: Callable[[], Any], timeout: float, what: str, interval: float = 0.1) -> Any:
    """Poll until `condition` returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout}s")
        time.sleep(interval)


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# Below Linux's ephemeral range (32768 and up), where the OS never puts the local end of an
# outgoing connection: under load, hundreds of client sockets would otherwise land on a
# sandbox's ports between the check and the bind.
_PORT_RANGE = (20_000, 32_700)
_RESERVATIONS = Path(tempfile.gettempdir()) / "leave-approvals-sandbox-ports"
# Held for the life of the test process: a restart test reuses its sandbox's ports.
_reserved: dict[int, Any] = {}


def _reserve(base: int) -> bool:
    """Claim the base port against every other test run on this machine (CI runs in parallel)."""
    _RESERVATIONS.mkdir(exist_ok=True)
    handle = (_RESERVATIONS / str(base)).open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return False
    _reserved[base] = handle
    return True


def free_base_port() -> int:
    """A port N with N..N+5 all free (a sandbox uses six consecutive ports), reserved for this
    process so that no other test run on the machine picks it."""
    for _ in range(500):
        base = random.randrange(*_PORT_RANGE, PORTS_PER_SANDBOX)
        if base in _reserved or not _reserve(base):
            continue
        if all(_free(base + offset) for offset in range(PORTS_PER_SANDBOX)):
            return base
    raise RuntimeError("no six consecutive free ports")


class SandboxProcess:
    """`python -m sandbox` as a child process; ready once it has written outputs.json."""

    def __init__(
        self,
        data_dir: Path,
        approval_timeout: int,
        port: int | None = None,
        flags: tuple[str, ...] = (),
    ) -> None:
        self.data_dir = data_dir
        self.port = port or free_base_port()
        self.approval_timeout = approval_timeout
        self.flags = flags
        self._log_path = data_dir.parent / f"{data_dir.name}-console.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def outputs_path(self) -> Path:
        return self.data_dir / "outputs.json"

    def start(self, timeout: float = WAIT_CAP_SECONDS) -> dict[str, str]:
        log = self._log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603
            [
                *(sys.executable, "-m", "sandbox", "--port", str(self.port)),
                *("--data-dir", str(self.data_dir)),
                *("--approval-timeout", str(self.approval_timeout)),
                *("--schedule-every", str(SCHEDULE_SECONDS)),
                *NO_FOLLOW_UPS,
                *NO_CLIENT_LIMIT,
                *EVERY_DAY_WORKS,
                *self.flags,
            ],
            cwd=PROJECT_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        process = self._process

        def ready() -> bool:
            if process.poll() is not None:
                raise AssertionError(f"the sandbox exited early:\n{self.console()}")
            return self.outputs_path.exists()

        wait_for(ready, timeout, "the sandbox writes outputs.json")
        outputs: dict[str, str] = json.loads(self.outputs_path.read_text())
        return outputs

    def stop(self, timeout: float = WAIT_CAP_SECONDS) -> int:
        """SIGTERM, as a service manager would; the exit code. The wait ends when the process
        does (about 4 s idle); the cap only bounds a sandbox that ignores the signal."""
        assert self._process is not None
        self._process.send_signal(signal.SIGTERM)
        try:
            return self._process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
            raise AssertionError(f"the sandbox ignored SIGTERM:\n{self.console()}") from None

    def console(self) -> str:
        return self._log_path.read_text() if self._log_path.exists() else ""


def changed(before: dict[str, float], **deltas: float) -> dict[str, float]:
    """Dashboard figures `before` moved by `deltas`: what a test expects once its own
    requests' metrics have arrived (the flows tests share one sandbox)."""
    return {name: before[name] + delta for name, delta in deltas.items()}


@contextmanager
def running_sandbox(
    data_dir: Path, approval_timeout: int, flags: tuple[str, ...] = ()
) -> Iterator["SandboxClient"]:
    """`flags`: more of `python -m sandbox`'s options."""
    process = SandboxProcess(data_dir, approval_timeout, flags=flags)
    outputs = process.start()
    try:
        yield SandboxClient(outputs, process)
    finally:
        exit_code = process.stop()
    assert exit_code == 0, process.console()


_LINK = re.compile(r"(http://\S+\?token=\S+)")
_REFERENCE = re.compile(r"Reference:\s+(lr-\w+)")


class SandboxClient:
    def __init__(self, outputs: dict[str, str], process: SandboxProcess) -> None:
        self.outputs = outputs
        self.process = process
        self._tokens: dict[str, str] = {}
        # Whose each request is, from the answers to `submit`.
        self._employees: dict[str, str] = {}

    @property
    def home_url(self) -> str:
        return self.outputs["mailbox_url"].rsplit("/", 1)[0] + "/"

    def remember(self, request_id: str, employee: str) -> None:
        """Whose request it is, for a client that did not submit it (after a restart)."""
        self._employees[request_id] = employee

    def token(self, email: str) -> str:
        """Sign in at the sandbox's identity provider, as a script would: an ID token."""
        answer = http("GET", f"{self.outputs['token_url']}?{urlencode({'email': email})}")
        assert answer.status == 200, answer.body
        token: str = answer.json()["token"]
        return token

    def _signed_in(self, email: str) -> dict[str, str]:
        if email not in self._tokens:
            self._tokens[email] = self.token(email)
        return {"Authorization": f"Bearer {self._tokens[email]}"}

    def submit(self, payload: dict[str, Any], **headers: str) -> HttpResponse:
        """POST signed in as the employee the payload names."""
        return self.submit_waiting(payload, WAIT_CAP_SECONDS, headers)

    def submit_waiting(
        self, payload: dict[str, Any], answer_within: float, headers: dict[str, str]
    ) -> HttpResponse:
        """`submit`, waiting up to `answer_within` for each answer."""
        employee = payload["employee_email"]
        answer = employee_api(
            "POST",
            self.outputs["submit_url"],
            json.dumps(payload).encode(),
            {"Content-Type": "application/json", **self._signed_in(employee), **headers},
            answer_within,
        )
        if answer.status == 202:
            self._employees[answer.json()["request_id"]] = employee
        return answer

    def calendar_feed(self, email: str) -> str:
        """The URL of `email`'s private calendar feed, as their page shows it."""
        url = f"{self.outputs['submit_url']}calendar"
        answer = employee_api("GET", url, headers=self._signed_in(email))
        assert answer.status == 200, answer.body
        feed: str = answer.json()["url"]
        return feed

    def act(self, request_id: str, verb: str) -> HttpResponse:
        """POST {status_url}/{verb} (withdraw, cancel) as the request's employee."""
        url = f"{self.outputs['submit_url']}requests/{request_id}/{verb}"
        return employee_api("POST", url, headers=self._signed_in(self._employees[request_id]))

    def status(self, request_id: str, as_: str | None = None) -> dict[str, Any]:
        """The request as its employee (the first to submit it here) or `as_` sees it."""
        who = as_ or self._employees.get(request_id)
        url = f"{self.outputs['submit_url']}requests/{request_id}"
        answer = employee_api("GET", url, headers=self._signed_in(who) if who else {})
        assert answer.status == 200, answer.body
        result: dict[str, Any] = answer.json()
        return result

    def emails(self, to: str | None = None) -> list[dict[str, Any]]:
        url = self.outputs["mailbox_url"] + (f"?{urlencode({'to': to})}" if to else "")
        answer = http("GET", url, headers={"Accept": "application/json"})
        assert answer.status == 200, answer.body
        messages: list[dict[str, Any]] = answer.json()["messages"]
        return messages

    def emails_about(self, request_id: str, to: str) -> list[dict[str, Any]]:
        return [m for m in self.emails(to) if request_id in m["text"]]

    def wait_for_email(
        self, to: str, request_id: str, subject_start: str, timeout: float = WAIT_CAP_SECONDS
    ) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            matching = [
                m
                for m in self.emails_about(request_id, to)
                if m["subject"].startswith(subject_start)
            ]
            return matching[0] if matching else None

        email: dict[str, Any] = wait_for(found, timeout, f"{subject_start!r} to {to}")
        return email

    def submitted_for_approval(self, payload: dict[str, Any]) -> tuple[str, str]:
        """Submit, then find the link in the approver's email: (request id, link)."""
        answer = self.submit(payload)
        assert answer.status == 202, answer.body
        request_id: str = answer.json()["request_id"]
        email = self.wait_for_email(APPROVER, request_id, "Leave to approve")
        return request_id, self.decision_link(email)

    @staticmethod
    def decision_link(email: dict[str, Any]) -> str:
        match = _LINK.search(email["text"])
        assert match, email["text"]
        return match.group(1)

    @staticmethod
    def decision_links(emails: list[dict[str, Any]]) -> dict[str, str]:
        """Each approval email's link, by the request it is about."""
        links = {}
        for email in emails:
            reference, link = _REFERENCE.search(email["text"]), _LINK.search(email["text"])
            if reference and link:
                links[reference.group(1)] = link.group(1)
        return links

    def lambda_client(self) -> Any:
        """A boto3 Lambda client of the local Lambda API, as an operator's CLI would be."""
        return boto3.client(
            "lambda",
            endpoint_url=self.outputs["lambda_endpoint"],
            region_name="us-east-2",
            aws_access_key_id="sandbox",
            aws_secret_access_key="sandbox",
        )

    def decide(
        self,
        link: str,
        decision: str,
        comment: str = "",
        as_json: bool = False,
        answer_within: float = WAIT_CAP_SECONDS,
    ) -> HttpResponse:
        token = dict(parse_qsl(link.partition("?")[2]))["token"]
        # As the page's final button sends it (a rejection confirmed on its own page).
        form = {"token": token, "decision": decision, "comment": comment, "confirmed": "yes"}
        if as_json:
            body, kind = json.dumps(form).encode(), "application/json"
        else:
            body, kind = urlencode(form).encode(), "application/x-www-form-urlencoded"
        return http(
            "POST", link.partition("?")[0], body, {"Content-Type": kind}, timeout=answer_within
        )

    def wait_until_final(
        self, request_id: str, timeout: float = WAIT_CAP_SECONDS
    ) -> dict[str, Any]:
        record: dict[str, Any] = wait_for(
            lambda: (r := self.status(request_id))["status"] in FINAL_STATUSES and r,
            timeout,
            f"{request_id} reaches a final status",
            interval=0.2,
        )
        return record

    def figures(self) -> dict[str, float]:
        answer = http("GET", self.outputs["dashboard_url"], headers={"Accept": "application/json"})
        assert answer.status == 200, answer.body
        figures: dict[str, float] = answer.json()["figures"]
        return figures

    def wait_for_figures(
        self,
        expected: Mapping[str, float],
        timeout: float = WAIT_CAP_SECONDS,
        at_least: bool = False,
    ) -> dict[str, float]:
        """The dashboard's figures once they show `expected` (metrics arrive a moment late).

        `at_least`: once each counter has reached its figure, for a test that must let its own
        metrics land (so the next test's starting figures are settled) but shares the sandbox
        with tests whose metrics may still be arriving.
        """

        def reached() -> dict[str, float] | None:
            figures = self.figures()
            met = all(figures[k] >= v if at_least else figures[k] == v for k, v in expected.items())
            return figures if met else None

        try:
            figures: dict[str, float] = wait_for(reached, timeout, "dashboard figures", 0.5)
        except AssertionError:
            shown = self.figures()
            raise AssertionError(f"expected {expected}, the dashboard shows {shown}") from None
        return figures
