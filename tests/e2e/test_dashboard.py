"""The dashboard equals what happened: a scripted mix (an expiry, a refused input, a restart, an
approval, a rejection, one left waiting) and every tile, on the page and in its JSON, against it.
"""

import json
import re
from pathlib import Path

import pytest

from tests.e2e.harness import APPROVER, SandboxClient, SandboxProcess, http
from tests.support.dates import from_today

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("sandbox-dashboard")]

# The first run's requests are meant to expire: nothing is raced against this.
EXPIRING_APPROVAL_TIMEOUT = 2


def _request(client: SandboxClient, employee: str, start: str) -> str:
    answer = client.submit({"employee_email": employee, "start_date": start, "end_date": start})
    assert answer.status == 202, answer.body
    request_id: str = answer.json()["request_id"]
    return request_id


def _decide(client: SandboxClient, request_id: str, decision: str) -> None:
    link = client.decision_link(client.wait_for_email(APPROVER, request_id, "Leave to approve"))
    assert client.decide(link, decision).status == 200
    client.wait_until_final(request_id)


def _tiles(client: SandboxClient) -> dict[str, str]:
    page = http("GET", client.outputs["dashboard_url"]).body
    found = re.findall(
        r'<div class="tile" id="figure-([a-z_]+)">.*?<div class="value">([^<]*)</div>', page
    )
    return dict(found)


def test_every_tile_and_figure_matches_a_scripted_mix(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = SandboxProcess(data_dir, approval_timeout=EXPIRING_APPROVAL_TIMEOUT)
    client = SandboxClient(first.start(), first)
    try:
        # Before anything happened, nothing is measured: no tile invents a zero average.
        assert client.figures()["decision_latency_seconds_average"] is None
        expired = _request(client, "ewan@email.com", from_today(639))
        assert client.wait_until_final(expired)["status"] == "expired"
        backwards = {"start_date": from_today(641), "end_date": from_today(640)}
        refused = client.submit({"employee_email": "ewan@email.com", **backwards})
        assert refused.status == 422
        # Counted by reason too (a reason that sorts after "service" once hid from the widget).
        unsigned = http("POST", client.outputs["submit_url"], json.dumps(backwards).encode())
        assert unsigned.status == 401
    finally:
        assert first.stop() == 0, first.console()

    second = SandboxProcess(data_dir, approval_timeout=300, port=first.port)
    client = SandboxClient(second.start(), second)
    try:
        approved = _request(client, "anna@email.com", from_today(646))
        rejected = _request(client, "rolf@email.com", from_today(647))
        waiting = _request(client, "wendy@email.com", from_today(648))
        _decide(client, approved, "approve")
        _decide(client, rejected, "reject")
        client.wait_for_email(APPROVER, waiting, "Leave to approve")

        expected = {
            "submitted": 4,
            "approved": 1,
            "rejected": 1,
            "expired": 1,
            "failed": 0,
            "pending": 1,
            "running_executions": 1,
            "inputs_rejected": 2,
        }
        figures = client.wait_for_figures(expected)

        assert figures["decision_latency_seconds_average"] is not None
        tiles = _tiles(client)
        for key, value in expected.items():
            assert tiles[key] == f"{value:,.0f}", key
        answer = http(
            "GET", client.outputs["dashboard_url"], headers={"Accept": "application/json"}
        )
        widgets = {w["title"]: w for w in answer.json()["widgets"]}
        pending_now = {s["label"]: s["latest"] for s in widgets["Pending now"]["series"]}
        # The tiles and the dashboard's own widget are one source.
        assert pending_now == {"Pending requests": 1, "Running executions": 1}
        by_reason = widgets["Refused submissions by reason"]["series"]
        assert sum(s["over_window"] or 0 for s in by_reason) == figures["inputs_rejected"]
        assert json.dumps(figures)  # plain JSON: a script can compare it
    finally:
        assert second.stop() == 0, second.console()
