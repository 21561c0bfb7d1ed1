"""What Lambda does with an asynchronous start of the workflow it accepted but could not make.

On AWS an `Event` invoke of a durable function is answered 202 once Lambda has checked it (the
qualifier, the execution-name rule); the start itself happens after. If it fails, Lambda tries
twice more (a minute, then two, apart), then sends its on-failure destination record to the
failed-start queue (components/failed_starts.py), where `leave-ops retry-starts` finds it.
The sandbox's Lambda API (lambda_service.py) does the same, the retries only seconds apart
(`RETRY_DELAYS_SECONDS`), the record sent to the same queue in the AWS emulator.

A start fails here when the durable emulator refuses it, errs or cannot be reached, or when it
is made to fail (`StartFaults`): `--fail-starts N` fails the next N attempts, and chaos mode
rolls its seeded dice for each attempt as for any other Lambda call, logging the fault in
DIR/chaos.log (a timeout is applied, its answer lost: the next attempt finds the execution).

The queue's depth is published as SQS publishes it (`AWS/SQS`
`ApproximateNumberOfMessagesVisible` by `QueueName`), every schedule tick, for the dashboard.
"""

import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from dashboards.leave_operations import QUEUE_DEPTH, SQS_NAMESPACE
from sandbox.chaos import SERVICE_FAULTS, AwsCall, ChaosLog, FaultDice, FaultKind
from sandbox.emf import MetricDatum

logger = logging.getLogger(__name__)

# Lambda retries a failed asynchronous invocation twice, a minute and then two minutes later;
# the sandbox waits seconds so that a test or a person sees the record soon.
RETRY_DELAYS_SECONDS = (1.0, 2.0)
# How chaos mode's log names the call: Lambda's own, not one a function makes.
INTERNAL_START = AwsCall("lambda", "StartDurableExecution (Lambda's own start of an Invoke)")


@dataclass(frozen=True)
class StartFault:
    description: str
    # Whether the start was made before its answer was lost.
    applied: bool


class StartFaults:
    """Which of Lambda's own start attempts fail: the next `fail_next`, then chaos's share."""

    def __init__(
        self, fail_next: int = 0, dice: FaultDice | None = None, log: ChaosLog | None = None
    ) -> None:
        self._left = fail_next
        self._dice = dice
        self._log = log
        self._lock = threading.Lock()

    def next_attempt(self) -> StartFault | None:
        with self._lock:
            if self._left > 0:
                self._left -= 1
                logger.warning("--fail-starts: failing this start (%d more)", self._left)
                return StartFault("failed by --fail-starts", applied=False)
        if self._dice is None:
            return None
        faults = SERVICE_FAULTS[INTERNAL_START.service]
        fault = self._dice.roll(faults)
        if fault is None:
            return None
        description = fault.describe(faults)
        if self._log is not None:
            self._log.fault(INTERNAL_START, description)
        applied = fault.kind is FaultKind.TIMEOUT and faults.applied_before_timeout
        return StartFault(f"chaos: {description}", applied)


def destination_record(
    request_id: str,
    qualified_arn: str,
    attempts: int,
    payload: bytes,
    executed_version: str,
    error: str,
) -> dict[str, Any]:
    """Lambda's on-failure destination record for an asynchronous invocation."""
    try:
        request_payload: Any = json.loads(payload)
    except ValueError:
        request_payload = payload.decode(errors="replace")
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "requestContext": {
            "requestId": request_id,
            "functionArn": qualified_arn,
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": request_payload,
        "responseContext": {
            "statusCode": 500,
            "executedVersion": executed_version,
            "functionError": "Unhandled",
        },
        "responsePayload": {"errorType": "ServiceException", "errorMessage": error},
    }


class FailedStartDestination:
    """The on-failure destination: the failed-start queue in the AWS emulator."""

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self.queue_url = queue_url
        self._stopping = threading.Event()

    def keep_publishing_depth(
        self, queue_name: str, publish: Callable[[MetricDatum], None], every_seconds: float
    ) -> None:
        """Publish the queue's visible messages now and every `every_seconds` until `stop`."""

        def publish_each_tick() -> None:
            while True:
                try:
                    visible = self._sqs.get_queue_attributes(
                        QueueUrl=self.queue_url, AttributeNames=["ApproximateNumberOfMessages"]
                    )["Attributes"]["ApproximateNumberOfMessages"]
                except (BotoCoreError, ClientError):
                    logger.exception("could not read the failed-start queue's depth")
                else:
                    dimensions = (("QueueName", queue_name),)
                    now = datetime.now(UTC)
                    publish(
                        MetricDatum(
                            SQS_NAMESPACE, QUEUE_DEPTH, float(visible), "Count", dimensions, now
                        )
                    )
                if self._stopping.wait(every_seconds):
                    return

        threading.Thread(target=publish_each_tick, name="queue-depth", daemon=True).start()

    def stop(self) -> None:
        self._stopping.set()

    def send(self, record: dict[str, Any]) -> None:
        self._sqs.send_message(QueueUrl=self.queue_url, MessageBody=json.dumps(record))
        logger.warning(
            "the start of %s failed %d times: its record is in the failed-start queue",
            record["requestContext"]["functionArn"],
            record["requestContext"]["approximateInvokeCount"],
        )
