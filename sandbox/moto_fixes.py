"""Where moto's emulation differs from AWS in a way the sandbox's pages would show: put right in
the AWS emulator's process, before it serves.

- CloudWatch matches a metric's dimensions as a set. moto sorts both lists before comparing them,
  with an ordering that compares one dimension's value with the other's *name*: dimensions
  written in another order than a query names them may then not match (`reason=unauthenticated`
  with `service=...`), and a dashboard widget misses data its total counts.
- The recorder (what a restart replays) writes each request as a line of its own. moto appends a
  line in several writes, from whichever thread served the request: two large requests at once
  (log batches under load) interleaved into one line that no restart could read again.
- SQS receipt handles are the same on every replay: moto draws them at random, so a restart's
  replay of `DeleteMessage` named a handle the replayed `ReceiveMessage` never gave, and every
  record `leave-ops retry-starts` had deleted from the failed-start queue came back. A message's
  handle is drawn from its body (each Lambda record's is unique: its request id and time), the
  same for each receive of it; SQS's differ per receive, and an older one may still delete.
"""

import hashlib
import threading
from typing import Any


def match_dimensions_as_a_set() -> None:
    from moto.cloudwatch import models

    def before(self: Any, other: Any) -> bool:
        return (self.name or "", self.value or "") < (other.name or "", other.value or "")

    setattr(models.Dimension, "__lt__", before)  # noqa: B010 (a method, replaced)


def record_one_request_at_a_time() -> None:
    from moto.moto_api._internal.recorder.models import Recorder

    record = Recorder._record_request
    one_at_a_time = threading.Lock()

    def recorded_alone(self: Any, request: Any, body: bytes | None = None) -> None:
        with one_at_a_time:
            record(self, request, body)

    setattr(Recorder, "_record_request", recorded_alone)  # noqa: B010 (a method, replaced)


def replayable_receipt_handles() -> None:
    from moto.sqs import models

    mark_received = models.Message.mark_received

    def received(self: Any, visibility_timeout: int | None = None) -> None:
        mark_received(self, visibility_timeout)
        self._old_receipt_handles.pop()  # the one drawn at random is never handed out
        self.receipt_handle = hashlib.sha256(self.body.encode()).hexdigest()

    setattr(models.Message, "mark_received", received)  # noqa: B010 (a method, replaced)
