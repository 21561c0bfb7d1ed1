"""A Lambda context object with the attributes Powertools reads."""

from dataclasses import dataclass


@dataclass
class FakeLambdaContext:
    function_name: str = "leave-test"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = "arn:aws:lambda:us-east-2:123456789012:function:leave-test"
    aws_request_id: str = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()
