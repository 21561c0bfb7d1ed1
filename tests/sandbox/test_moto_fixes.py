"""Where the sandbox puts moto right: CloudWatch matches a metric's dimensions as a set, what
a restart replays is every request, whole, and a queue's deleted messages stay deleted."""

import json
import os
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws

from sandbox.aws_clients import local_client
from sandbox.child_process import ChildProcess
from sandbox.config import FAKE_CREDENTIALS, loopback_url
from sandbox.moto_fixes import match_dimensions_as_a_set
from tests.e2e.harness import free_base_port

SERVICE = {"Name": "service", "Value": "leave-approvals"}


def _sum(cloudwatch: object, dimensions: list[dict[str, str]], now: datetime) -> list[float]:
    answer = cloudwatch.get_metric_data(  # type: ignore[attr-defined]
        MetricDataQueries=[
            {
                "Id": "refused",
                "MetricStat": {
                    "Metric": {
                        "Namespace": "LeaveApprovals",
                        "MetricName": "InputsRejected",
                        "Dimensions": dimensions,
                    },
                    "Period": 60,
                    "Stat": "Sum",
                },
            }
        ],
        StartTime=now - timedelta(minutes=5),
        EndTime=now + timedelta(minutes=1),
    )
    return list(answer["MetricDataResults"][0]["Values"])


def test_a_query_finds_dimensions_written_in_another_order() -> None:
    with mock_aws():
        match_dimensions_as_a_set()
        cloudwatch = boto3.client("cloudwatch", region_name="us-east-2")
        now = datetime.now(UTC)
        for reason in ("unauthenticated", "overlap", "too_long"):
            cloudwatch.put_metric_data(
                Namespace="LeaveApprovals",
                MetricData=[
                    {
                        "MetricName": "InputsRejected",
                        "Dimensions": [SERVICE, {"Name": "reason", "Value": reason}],
                        "Value": 1,
                        "Timestamp": now,
                    }
                ],
            )

        for reason in ("unauthenticated", "overlap", "too_long"):
            assert _sum(cloudwatch, [{"Name": "reason", "Value": reason}, SERVICE], now) == [1.0]


def test_a_restart_replays_every_request_made_at_once(tmp_path: Path) -> None:
    """Large requests served on many threads at once (the functions' log batches under load)
    are each recorded as a line of their own, so a restart replays them all."""
    recording = tmp_path / "aws-requests.jsonl"
    batches, events_per_batch, writers = 32, 4, 8
    port = free_base_port()
    now_ms = int(datetime.now(UTC).timestamp() * 1000)

    def run_emulator() -> ChildProcess:
        emulator = ChildProcess(
            "aws-emulator",
            "sandbox.aws_emulator",
            [str(port), str(recording)],
            {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **FAKE_CREDENTIALS},
            tmp_path / "aws-emulator.log",
        )
        emulator.wait_until_ready(f"{loopback_url(port)}_sandbox/ready")
        return emulator

    def logs_client() -> Any:
        return local_client("logs", loopback_url(port))

    emulator = run_emulator()
    try:
        logs = logs_client()
        logs.create_log_group(logGroupName="busy")
        logs.create_log_stream(logGroupName="busy", logStreamName="s")

        def put_batch(batch: int) -> None:
            # Each request tens of kilobytes: moto's recorder wrote one in several pieces.
            events = [
                {"timestamp": now_ms + 1_000 * batch + n, "message": f"{batch}-{n} " + "x" * 8_000}
                for n in range(events_per_batch)
            ]
            logs_client().put_log_events(logGroupName="busy", logStreamName="s", logEvents=events)

        with ThreadPoolExecutor(max_workers=writers) as pool:
            list(pool.map(put_batch, range(batches)))
    finally:
        emulator.stop()

    for line in recording.read_text().splitlines():
        json.loads(line)
    emulator = run_emulator()
    try:
        replayed = logs_client().get_log_events(
            logGroupName="busy", logStreamName="s", limit=10_000
        )
        assert len(replayed["events"]) == batches * events_per_batch
    finally:
        emulator.stop()


def test_a_restart_keeps_deleted_queue_messages_deleted(tmp_path: Path) -> None:
    """The failed-start queue after `leave-ops retry-starts` deleted one of two records: a
    restart's replay deletes it again, and only the other comes back."""
    recording = tmp_path / "aws-requests.jsonl"
    port = free_base_port()

    def run_emulator() -> ChildProcess:
        emulator = ChildProcess(
            "aws-emulator",
            "sandbox.aws_emulator",
            [str(port), str(recording)],
            {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **FAKE_CREDENTIALS},
            tmp_path / "aws-emulator.log",
        )
        emulator.wait_until_ready(f"{loopback_url(port)}_sandbox/ready")
        return emulator

    emulator = run_emulator()
    try:
        sqs = local_client("sqs", loopback_url(port))
        url = sqs.create_queue(QueueName="failed-starts")["QueueUrl"]
        for body in ('{"request": "handled"}', '{"request": "left"}'):
            sqs.send_message(QueueUrl=url, MessageBody=body)
        received = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        (handled,) = [m for m in received if "handled" in m["Body"]]
        sqs.delete_message(QueueUrl=url, ReceiptHandle=handled["ReceiptHandle"])
    finally:
        emulator.stop()

    emulator = run_emulator()
    try:
        sqs = local_client("sqs", loopback_url(port))
        counted = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        assert sum(int(v) for v in counted.values()) == 1
    finally:
        emulator.stop()
