"""The employees' API throttles before anything reaches the function: past the burst, a 429 in
the service's error shape with a Retry-After, and a client that waits as told gets through."""

import json
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from components.throttling import THROTTLED_MESSAGE
from tests.e2e.harness import APPROVER, SandboxClient, http, running_sandbox
from tests.support.dates import from_today

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-throttling")]

BURST = 3
# One request every five seconds once the burst is spent: Retry-After says 5.
RATE = 0.2


@pytest.fixture(scope="module")
def throttled_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxClient]:
    with running_sandbox(
        tmp_path_factory.mktemp("throttling") / "data",
        approval_timeout=600,
        flags=("--api-rate", str(RATE), "--api-burst", str(BURST)),
    ) as sandbox:
        yield sandbox


def test_past_the_burst_the_api_answers_429_with_retry_after(
    throttled_sandbox: SandboxClient,
) -> None:
    sandbox = throttled_sandbox
    token = sandbox.token("paced@email.com")
    payload = {
        "employee_email": "paced@email.com",
        "start_date": from_today(331),
        "end_date": from_today(332),
    }

    sent_together = threading.Barrier(BURST + 3)

    def post() -> tuple[int, dict[str, str], str]:
        sent_together.wait(timeout=30)
        answer = http(
            "POST",
            sandbox.outputs["submit_url"],
            json.dumps(payload).encode(),
            {
                "Content-Type": "application/json",
                "Authorization": f"Bearer {token}",
                "Idempotency-Key": "paced-1",
            },
        )
        return answer.status, answer.headers, answer.body

    # The same request sent six times at once: the burst passes, the rest is turned away.
    with ThreadPoolExecutor(max_workers=BURST + 3) as pool:
        answers = list(pool.map(lambda _: post(), range(BURST + 3)))
    statuses = sorted(status for status, _, _ in answers)
    throttled = [(headers, body) for status, headers, body in answers if status == 429]

    assert statuses.count(202) >= BURST, answers
    assert 429 in statuses, statuses
    assert set(statuses) == {202, 429}, answers
    for headers, body in throttled:
        assert headers["retry-after"] == "5"
        assert json.loads(body) == {"message": THROTTLED_MESSAGE}

    # Those that passed were one request (one Idempotency-Key): one approver email.
    accepted = {json.loads(body)["request_id"] for status, _, body in answers if status == 202}
    assert len(accepted) == 1
    request_id = accepted.pop()
    sandbox.remember(request_id, "paced@email.com")
    sandbox.wait_for_email(APPROVER, request_id, "Leave to approve")
    assert len(sandbox.emails_about(request_id, APPROVER)) == 1

    # A client that waits as Retry-After says gets through (the harness's client does).
    assert sandbox.status(request_id)["status"] == "pending"
