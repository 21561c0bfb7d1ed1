"""The boto3 clients of an execution environment: one per AWS service, shared.

Creating a client costs 10-20 ms even once botocore has read the service's model, and a
function that made one per store and gateway paid that several times on its first request
(the workflow made three for DynamoDB alone). boto3 clients are thread-safe.
"""

from functools import cache
from typing import Any

import boto3


@cache
def aws_client(service: str) -> Any:
    return boto3.client(service)
