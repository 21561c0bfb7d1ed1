"""The integration fixtures (moto, the durable test runner), the workflow's handler wrapped
so each invocation is written down."""

from collections.abc import Callable
from typing import Any

import pytest

from handlers import workflow
from tests.integration.conftest import (  # noqa: F401 (fixtures)
    approval_timeout,
    aws_calls,
    durable_waits_driven_down,
    follow_ups,
    issuer,
    leave_app,
    second_approval_over,
    work_calendar,
)
from tests.replay.history import RecordingHandler


@pytest.fixture
def recorder() -> RecordingHandler:
    return RecordingHandler(workflow.handler)


@pytest.fixture
def workflow_handler(recorder: RecordingHandler) -> Callable[..., Any]:
    return recorder
