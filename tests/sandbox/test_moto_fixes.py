"""The sandbox's local CloudWatch matches a metric's dimensions as CloudWatch does: as a set."""

from datetime import UTC, datetime, timedelta

import boto3
from moto import mock_aws

from sandbox.moto_fixes import match_dimensions_as_a_set

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
