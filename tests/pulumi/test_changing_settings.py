"""Changing approvalTimeoutSeconds on a stack whose requests wait: the program, run under
mocks before and after the change, must not touch what would replace the workflow function
(its DurableConfig, set only when Lambda creates it: a replacement deletes its versions and
stops every waiting execution), and must publish the change as a new version (its environment)
that only new executions run."""

from typing import Any

from components.durable_function import DURABLE_CONFIG
from tests.pulumi.mocks import PROJECT
from tests.pulumi.support import FUNCTION, function_environment, function_inputs, run_main


def _workflow(approval_seconds: int) -> tuple[dict[str, Any], dict[str, str]]:
    deployment = run_main({f"{PROJECT}:approvalTimeoutSeconds": str(approval_seconds)})
    return function_inputs(deployment, "workflow"), function_environment(deployment, "workflow")


def test_a_new_approval_timeout_replaces_nothing_and_publishes_a_version() -> None:
    week, week_settings = _workflow(604_800)
    day, day_settings = _workflow(86_400)
    month, _ = _workflow(2_592_000)

    # What Lambda takes only at creation is the same whatever the approval timeout.
    assert week["durableConfig"] == day["durableConfig"] == month["durableConfig"]
    assert week["durableConfig"]["executionTimeout"] == 31_622_400
    # The new timeout is in the environment a new published version keeps: executions that
    # started on the old version replay with the old one.
    assert week["publish"] is True
    assert week_settings["APPROVAL_TIMEOUT_SECONDS"] == "604800"
    assert day_settings["APPROVAL_TIMEOUT_SECONDS"] == "86400"


def test_a_stack_keeps_the_durable_config_its_workflow_was_created_with() -> None:
    """A stack created when the execution timeout followed approvalTimeoutSeconds must not
    have its workflow replaced by the upgrade to a fixed one (nor by a new
    executionRetentionDays): Pulumi is told to leave DurableConfig as it was created."""
    deployment = run_main()
    options = deployment.one(FUNCTION, "leave-workflow-function").options
    assert options is not None
    assert options.ignore_changes == [DURABLE_CONFIG] == ["durableConfig"]
