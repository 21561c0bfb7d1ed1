"""The service wired in process: real handlers, moto for AWS, the durable test runner for Lambda."""

import dataclasses
import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3
import pytest
from aws_durable_execution_sdk_python import state as durable_state
from aws_durable_execution_sdk_python_testing.executor import Executor
from aws_durable_execution_sdk_python_testing.runner import DurableFunctionTestRunner
from aws_lambda_powertools.utilities.parameters import SSMProvider
from moto import mock_aws

from handlers import decision, settings, settler, submit, workflow
from handlers.domain.follow_ups import FollowUpPlan
from handlers.domain.working_days import WorkCalendar, parse_work_week
from handlers.gateways.event_publisher import EventBridgePublisher
from handlers.gateways.mailer import SesMailer
from handlers.gateways.signing_key import signing_key, ssm_parameters
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.submit_routes import wiring as submit_wiring
from sandbox.config import HOSTED_SIGN_IN_PATH, ISSUER_PATH
from sandbox.http_server import LoopbackServer
from sandbox.mailbox import ReceivedEmail
from sandbox.oidc_issuer import LocalIssuer
from tests.support.aws import (
    REGION,
    Account,
    create_resources,
    one_dynamodb_request_at_a_time,
    sent_emails,
    stored_employee,
)
from tests.support.dates import EVERY_DAY, from_today
from tests.support.deployed_permissions import deployed_program, unauthorised_calls
from tests.support.durable import WAIT_CAP_SECONDS, InProcessWorkflowService
from tests.support.events import status_change
from tests.support.faults import CrashingHandler, FaultyDependency
from tests.support.http_calls import (
    REST_API_HOST,
    HttpResponse,
    call,
    query_of,
    rest_api_event,
)
from tests.support.lambda_context import lambda_context
from tests.support.recorded_calls import (
    CallRecorder,
    parameter_cache_per_function,
    recording,
    watch_lambda_stand_ins,
)

DEFAULT_APPROVER = "manager@email.com"
DIRECTORY = {
    "alice@email.com": "carol@email.com",
    "manager@email.com": "director@email.com",
}
DECISION_URL = "https://decide.lambda-url.us-east-2.on.aws/"
SUBMIT_URL = f"https://{REST_API_HOST}/live/"
SWEEP_GRACE_SECONDS = 900


OIDC_AUDIENCE = "leave-approvals-tests"
# Who a test is signed in as when it does not say.
SIGNED_IN = "employee@email.com"


def environment(
    account: Account,
    approval_timeout: int,
    issuer: LocalIssuer,
    follow_ups: FollowUpPlan,
    second_approval_over: int | None,
    work_calendar: WorkCalendar,
) -> dict[str, str]:
    return {
        **settings.SubmitSettings.environment_for(
            table_name=account.table_name,
            submit_url=SUBMIT_URL,
            workflow_function=account.workflow_function,
            allowed_email_domains=["email.com", "example.com"],
            default_approver=DEFAULT_APPROVER,
            max_leave_days=30,
            max_body_bytes=4096,
            signing_key_parameter=account.signing_key_parameter,
            # No JWKS URL: the verifier finds it in the issuer's discovery document.
            oidc_issuer=issuer.issuer_url,
            oidc_audience=issuer.audience,
            sender_email=account.sender,
            event_bus_name=account.event_bus_name,
            **work_calendar.as_settings(),
        ),
        **settings.SettlerSettings.environment_for(
            table_name=account.table_name,
            sender_email=account.sender,
            submit_url=SUBMIT_URL,
            event_bus_name=account.event_bus_name,
            workflow_function=account.workflow_function.rsplit(":", 1)[0],
            approval_timeout_seconds=approval_timeout,
            sweep_grace_seconds=SWEEP_GRACE_SECONDS,
            decision_url=DECISION_URL,
            signing_key_parameter=account.signing_key_parameter,
        ),
        **settings.WorkflowSettings.environment_for(
            table_name=account.table_name,
            sender_email=account.sender,
            decision_url=DECISION_URL,
            submit_url=SUBMIT_URL,
            signing_key_parameter=account.signing_key_parameter,
            approval_timeout_seconds=approval_timeout,
            event_bus_name=account.event_bus_name,
            default_approver=DEFAULT_APPROVER,
            **follow_ups.as_settings(),
            second_approval_over_days=second_approval_over or "none",
        ),
    }


# Taken at import, before any test swaps a factory for its wired copy.
_CACHED_FACTORIES = (
    settings.submit_settings,
    settings.workflow_settings,
    settings.decision_settings,
    settings.settler_settings,
    submit_wiring.submitter,
    submit_wiring.verifier,
    submit_wiring.withdrawer,
    submit_wiring.canceller,
    settler.settler,
    settler.hand_over,
    decision.decider,
    workflow.leave_steps,
    ssm_parameters,
)


def _clear_caches() -> None:
    """Forget clients and settings, so each test builds them inside its own moto account."""
    for cached in _CACHED_FACTORIES:
        cached.cache_clear()


@dataclasses.dataclass
class LeaveApp:
    """The service as its users meet it: two HTTP endpoints and their mailboxes."""

    account: Account
    workflow: InProcessWorkflowService
    issuer: LocalIssuer

    def signed_in(self, email: str, headers: dict[str, str] | None = None) -> dict[str, str]:
        """`headers` with the bearer ID token the issuer gives `email` at sign-in."""
        return {"authorization": f"Bearer {self.issuer.token(email)}", **(headers or {})}

    def submit(self, body: Any = None, as_: str | None = None, **kwargs: Any) -> HttpResponse:
        """POST as `as_`, by default as the employee the body names (or SIGNED_IN)."""
        if body is not None:
            kwargs["json"] = body
        if "authorization" not in {k.lower() for k in kwargs.get("headers") or {}}:
            named = body.get("employee_email") if isinstance(body, dict) else None
            who = as_ or (named if isinstance(named, str) and "@" in named else SIGNED_IN)
            kwargs["headers"] = self.signed_in(who, kwargs.get("headers"))
        return call(submit.handler, "POST", "/", via=rest_api_event, **kwargs)

    def status(self, request_id: str, as_: str | None = None) -> HttpResponse:
        """GET as `as_`, by default as the request's own employee."""
        who = as_ or stored_employee(self.account, request_id) or SIGNED_IN
        return call(
            submit.handler,
            "GET",
            f"/requests/{request_id}",
            via=rest_api_event,
            headers=self.signed_in(who),
        )

    def act(self, request_id: str, verb: str, as_: str) -> HttpResponse:
        """POST /requests/{id}/{verb} (withdraw, cancel) as `as_`."""
        return call(
            submit.handler,
            "POST",
            f"/requests/{request_id}/{verb}",
            via=rest_api_event,
            headers=self.signed_in(as_),
        )

    def delegation(self, method: str, as_: str, body: Any = None) -> HttpResponse:
        """GET, PUT or DELETE /delegation as `as_`."""
        kwargs: dict[str, Any] = {"json": body} if body is not None else {}
        return call(
            submit.handler,
            method,
            "/delegation",
            via=rest_api_event,
            headers=self.signed_in(as_),
            **kwargs,
        )

    def away(self, approver: str, delegate: str, starts: date | None = None) -> HttpResponse:
        """`approver` hands their approvals to `delegate` for five days from `starts` (today)."""
        first = starts or datetime.now(UTC).date()
        body = {
            "delegate_email": delegate,
            "starts_on": first.isoformat(),
            "ends_on": (first + timedelta(days=5)).isoformat(),
        }
        return self.delegation("PUT", approver, body)

    def stop_and_settle(self, request_id: str) -> dict[str, Any]:
        """Stop the request's execution, and deliver Lambda's STOPPED event to the settler."""
        self.workflow.stop(request_id)
        event = status_change(self.workflow.execution_name(request_id), "STOPPED")
        result: dict[str, Any] = settler.handler(event, lambda_context())
        return result

    def open_link(self, link: str) -> HttpResponse:
        return call(decision.handler, "GET", "/", query=query_of(link))

    def decide(self, link: str, choice: str, comment: str | None = None, **kw: Any) -> HttpResponse:
        """Decide as the page's final button does (a rejection is sent confirmed)."""
        form = {"token": query_of(link)["token"], "decision": choice, "confirmed": "yes"}
        if comment is not None:
            form["comment"] = comment
        if kw.pop("as_json", False):
            return call(decision.handler, "POST", "/", json=form, **kw)
        return call(decision.handler, "POST", "/", form=form, **kw)

    @staticmethod
    def emails_to(address: str) -> list[ReceivedEmail]:
        return [email for email in sent_emails() if email.to == address]

    @staticmethod
    def wait_for_email(
        address: str, matching: Callable[[ReceivedEmail], bool], timeout: float = WAIT_CAP_SECONDS
    ) -> ReceivedEmail:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [e for e in LeaveApp.emails_to(address) if matching(e)]
            if found:
                return found[0]
            time.sleep(0.05)
        raise AssertionError(f"no matching email reached {address} in {timeout}s")

    def decision_link(self, request_id: str, approver: str = DEFAULT_APPROVER) -> str:
        email = self.wait_for_email(approver, lambda e: request_id in e.text)
        match = re.search(r"(https://\S+\?token=\S+)", email.text)
        assert match, email.text
        return match.group(1)

    def settle(self, timeout: float = WAIT_CAP_SECONDS) -> None:
        """Wait until no execution this test started is running: each has ended, or waits for
        its approver. Otherwise a workflow thread could still write into the next test's
        emulated account (moto's backends are process-wide)."""
        deadline = time.monotonic() + timeout
        for request_id in self.workflow.executions:
            while not (
                self.workflow.is_complete(request_id)
                or any(
                    request_id in e.text and e.subject.startswith("Leave to approve")
                    for e in sent_emails()
                )
            ):
                if time.monotonic() > deadline:
                    raise AssertionError(f"{request_id} did not settle in {timeout}s")
                time.sleep(0.05)

    def wait_until_final(self, request_id: str, timeout: int = WAIT_CAP_SECONDS) -> dict[str, Any]:
        self.workflow.result(request_id, timeout=timeout)
        final: dict[str, Any] = self.status(request_id).json()
        return final


@pytest.fixture(autouse=True)
def durable_waits_driven_down(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lambda retries a crashed invocation after a while, and the runner waits seconds. What
    the tests check is what the retry finds, not how long it waited: drive that time down.
    The same for the SDK's own polling, which only ever delays what happens next."""
    monkeypatch.setattr(Executor, "RETRY_BACKOFF_SECONDS", 0.1)
    # The SDK's checkpointing thread looks for the end of an invocation every 100 ms, and every
    # invocation waits for it: a third of these tests' time, spent waiting.
    monkeypatch.setattr(durable_state, "_STOP_SIGNAL_POLL_SECONDS", 0.005)


@pytest.fixture
def approval_timeout() -> int:
    """Seconds an approver has; tests of expiry override it with a few seconds."""
    return 60


# The runner skips durable waits (skip_time), so a follow-up falls due at once: the tests of
# reminders and escalation turn them on, the others leave the approver undisturbed.
NO_FOLLOW_UPS = FollowUpPlan(reminder_at=(), escalate_at=None)


@pytest.fixture
def follow_ups() -> FollowUpPlan:
    return NO_FOLLOW_UPS


# A call a fault is injected at: the AWS service, the client method, and which calls.
FaultedCall = tuple[str, str, Callable[[dict[str, Any]], bool]]


def fail_in_workflow(
    monkeypatch: pytest.MonkeyPatch, call: FaultedCall, fault: str
) -> FaultyDependency:
    """Wire the workflow's steps to DynamoDB, SES, EventBridge and SSM clients that fail `call`
    once with `fault`; the faulty client, to check what was injected."""
    service, method, when = call
    clients = {
        name: FaultyDependency(boto3.client(name, region_name=REGION))
        for name in ("dynamodb", "ses", "events", "ssm")
    }
    clients[service].inject(method, fault, when=when)
    account = Account()
    # A reader of its own, with nothing cached: the key is read through the faulty client.
    keys = SSMProvider(boto3_client=clients["ssm"])
    faulty = dataclasses.replace(
        workflow.leave_steps(),
        store=DynamoDbLeaveStore(account.table_name, client=clients["dynamodb"]),
        mailer=SesMailer(account.sender, client=clients["ses"]),
        events=EventBridgePublisher(account.event_bus_name, client=clients["events"]),
        signing_key=lambda: signing_key(account.signing_key_parameter, keys),
    )
    monkeypatch.setattr(workflow, "leave_steps", lambda: faulty)
    return clients[service]


@pytest.fixture
def crashing_handler() -> CrashingHandler:
    """The workflow's handler as Lambda runs it: a simulated crash ends the invocation."""
    return CrashingHandler(workflow.handler)


@pytest.fixture
def second_approval_over() -> int | None:
    """Days of leave past which a second approval is needed: none, unless a test says."""
    return None


@pytest.fixture
def work_calendar() -> WorkCalendar:
    """Which days count: every day (the tests' dates count from today, whatever weekday it
    is), unless a test of working days says."""
    return WorkCalendar(work_week=parse_work_week(EVERY_DAY))


@pytest.fixture
def workflow_handler() -> Callable[..., Any]:
    """The durable handler the runner invokes; fault tests wrap it."""
    return workflow.handler


@pytest.fixture(scope="session")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIssuer]:
    """A local OpenID Connect issuer on 127.0.0.1, as the sandbox runs one."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    local = LocalIssuer.in_directory(
        tmp_path_factory.mktemp("oidc"),
        f"http://127.0.0.1:{port}{ISSUER_PATH}",
        OIDC_AUDIENCE,
        f"http://127.0.0.1:{port}{HOSTED_SIGN_IN_PATH}",
    )
    server = LoopbackServer("oidc", port, local.handle)
    server.start()
    yield local
    server.stop()


@pytest.fixture
def leave_app(
    monkeypatch: pytest.MonkeyPatch,
    approval_timeout: int,
    workflow_handler: Callable[..., Any],
    issuer: LocalIssuer,
    follow_ups: FollowUpPlan,
    second_approval_over: int | None,
    work_calendar: WorkCalendar,
) -> Iterator[LeaveApp]:
    account = Account()
    one_dynamodb_request_at_a_time(monkeypatch)
    with mock_aws():
        create_resources(account, DIRECTORY)
        for name, value in environment(
            account, approval_timeout, issuer, follow_ups, second_approval_over, work_calendar
        ).items():
            monkeypatch.setenv(name, value)
        _clear_caches()
        with DurableFunctionTestRunner(handler=workflow_handler, skip_time=True) as runner:
            service = InProcessWorkflowService(runner)
            wired_submitter = dataclasses.replace(submit_wiring.submitter(), workflow=service)
            wired_decider = dataclasses.replace(decision.decider(), workflow=service)
            wired_settler = dataclasses.replace(settler.settler(), workflow=service)
            monkeypatch.setattr(submit_wiring, "submitter", lambda: wired_submitter)
            monkeypatch.setattr(decision, "decider", lambda: wired_decider)
            monkeypatch.setattr(settler, "settler", lambda: wired_settler)
            app = LeaveApp(account, service, issuer)
            yield app
            app.settle()
        _clear_caches()


SEED_PAYLOAD = {
    "start_date": from_today(35),
    "end_date": from_today(45),
    "employee_email": "employee@email.com",
}


@pytest.fixture(autouse=True)
def aws_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[CallRecorder]:
    """Every AWS call the test's functions make, each checked, once the test is over, against
    what the function's role allows as the program deploys it (tests/support/
    deployed_permissions.py). Calls the test makes itself are no function's and are not checked.

    The check reads the functions' settings from the environment the test set through
    `monkeypatch`, which this fixture's own use of it keeps in place until the check is done."""
    recorder = CallRecorder()
    watch_lambda_stand_ins(monkeypatch)
    parameter_cache_per_function(monkeypatch)
    with recording(recorder):
        yield recorder
    if any(call.callers for call in recorder.calls):
        refused = unauthorised_calls(recorder, os.environ, deployed_program())
        if refused:
            pytest.fail("\n".join(["AWS would refuse these calls:", *refused]), pytrace=False)
