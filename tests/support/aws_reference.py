"""AWS's own names and limits, written out once from AWS's documentation and botocore's service
models, never from the project's constants: what the tests check our names against.

Sources:
- Lambda's function metrics, namespace `AWS/Lambda`, dimension `FunctionName`: AWS Lambda
  Developer Guide, "Types of metrics for Lambda functions", and its durable functions chapter
  ("Monitoring durable functions"), as the project's reference notes record them.
- SQS: Amazon SQS Developer Guide, "Available CloudWatch metrics for Amazon SQS", dimension
  `QueueName`.
- The durable status-change event: Lambda Developer Guide, "Durable execution events in
  EventBridge" (source `aws.lambda`, detail-type `Durable Execution Status Change`).
- Execution statuses and DurableConfig limits: botocore's Lambda service model, read at test time
  (`ExecutionStatus`, `DurableConfig.ExecutionTimeout`, `DurableConfig.RetentionPeriodInDays`).
"""

import boto3
from botocore.model import ServiceModel

LAMBDA_NAMESPACE = "AWS/Lambda"
LAMBDA_FUNCTION_DIMENSION = "FunctionName"
LAMBDA_METRICS = frozenset(
    {
        "Invocations",
        "Errors",
        "Throttles",
        "Duration",
        "ConcurrentExecutions",
        "DurableExecutionStarted",
        "DurableExecutionSucceeded",
        "DurableExecutionFailed",
        "DurableExecutionTimedOut",
        "DurableExecutionStopped",
        "DurableExecutionDuration",
        "ApproximateRunningDurableExecutions",
        "ApproximateRunningDurableExecutionsUtilization",
        "DurableExecutionOperations",
        "DurableExecutionStorageWrittenBytes",
    }
)

SQS_NAMESPACE = "AWS/SQS"
SQS_QUEUE_DIMENSION = "QueueName"
SQS_METRICS = frozenset(
    {
        "ApproximateAgeOfOldestMessage",
        "ApproximateNumberOfMessagesDelayed",
        "ApproximateNumberOfMessagesNotVisible",
        "ApproximateNumberOfMessagesVisible",
        "NumberOfEmptyReceives",
        "NumberOfMessagesDeleted",
        "NumberOfMessagesReceived",
        "NumberOfMessagesSent",
        "SentMessageSize",
    }
)

DURABLE_STATUS_CHANGE_SOURCE = "aws.lambda"
DURABLE_STATUS_CHANGE_DETAIL_TYPE = "Durable Execution Status Change"
# The statuses in which an execution has ended without its workflow finishing.
BROKEN_STATUSES = frozenset({"FAILED", "TIMED_OUT", "STOPPED"})

# Written out, and checked against botocore below.
MAX_EXECUTION_TIMEOUT_SECONDS = 31_622_400
RETENTION_DAYS = (1, 90)


def _lambda_model() -> ServiceModel:
    return boto3.client("lambda", region_name="us-east-2").meta.service_model


def botocore_execution_statuses() -> frozenset[str]:
    shape = _lambda_model().shape_for("ExecutionStatus")
    return frozenset(shape.enum)


def botocore_durable_config_limits() -> dict[str, tuple[int, int]]:
    members = _lambda_model().shape_for("DurableConfig").members
    return {
        name: (members[name].metadata["min"], members[name].metadata["max"])
        for name in ("ExecutionTimeout", "RetentionPeriodInDays")
    }
