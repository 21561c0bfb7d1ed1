"""The operators' dashboard on CloudWatch: `dashboards.leave_operations`, declared once, rendered
with the names of what was deployed."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from dashboards.cloudwatch import dashboard_body
from dashboards.leave_operations import DeployedNames, leave_operations_dashboard


@dataclass(frozen=True)
class DashboardArgs:
    dashboard_name: str
    # Every function of the service, by role, and their log groups.
    functions: Mapping[str, aws.lambda_.Function]
    log_groups: Sequence[aws.cloudwatch.LogGroup]
    failed_start_queue: aws.sqs.Queue
    region: pulumi.Input[str]


def operations_dashboard(
    resource_name: str, args: DashboardArgs, opts: pulumi.ResourceOptions
) -> aws.cloudwatch.Dashboard:
    """The dashboard, created once every name it shows is known."""
    deployed: pulumi.Output[Any] = pulumi.Output.from_input(
        {
            "functions": {role: function.name for role, function in args.functions.items()},
            "log_groups": [group.name for group in args.log_groups],
            "queue": args.failed_start_queue.name,
            "region": args.region,
        }
    )

    def render(names: dict[str, Any]) -> str:
        dashboard = leave_operations_dashboard(
            DeployedNames(
                dashboard_name=args.dashboard_name,
                functions=dict(names["functions"]),
                failed_start_queue=names["queue"],
                log_groups=tuple(names["log_groups"]),
            )
        )
        return json.dumps(dashboard_body(dashboard, names["region"]), sort_keys=True)

    return aws.cloudwatch.Dashboard(
        resource_name,
        dashboard_name=args.dashboard_name,
        dashboard_body=deployed.apply(render),
        opts=opts,
    )
