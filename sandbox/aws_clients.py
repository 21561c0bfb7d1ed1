"""boto3 clients of the local AWS, for the sandbox's own calls (seeding, telemetry, pages)."""

from typing import Any

import boto3
from botocore.config import Config

from sandbox.config import FAKE_CREDENTIALS, REGION


def local_client(service: str, endpoint: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=FAKE_CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=FAKE_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=FAKE_CREDENTIALS["AWS_SESSION_TOKEN"],
        config=Config(max_pool_connections=20, retries={"max_attempts": 3, "mode": "standard"}),
    )
