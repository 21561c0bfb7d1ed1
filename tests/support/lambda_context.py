"""A Lambda context object with the attributes Powertools reads."""

from aws_lambda_powertools.utilities.typing import LambdaContext


class FakeLambdaContext(LambdaContext):
    """Powertools' LambdaContext, the type the handlers take, with what its logger reads."""

    def __init__(self) -> None:
        self._function_name = "leave-test"
        self._memory_limit_in_mb = 256
        self._invoked_function_arn = "arn:aws:lambda:us-east-2:123456789012:function:leave-test"
        self._aws_request_id = "00000000-0000-0000-0000-000000000000"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def lambda_context() -> LambdaContext:
    return FakeLambdaContext()
