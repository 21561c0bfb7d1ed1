"""Every function the program deploys outlasts the longest AWS call its code may make
(handlers/aws_clients.py), so a call that hangs is given up and answered, not cut off."""

from handlers.aws_clients import longest_call_seconds
from tests.pulumi.support import run_main


def test_every_function_outlasts_one_call_given_up() -> None:
    functions = run_main().of_type("aws:lambda/function:Function")
    timeouts = {function.name: function.inputs["timeout"] for function in functions}

    assert len(timeouts) == 5, timeouts
    assert min(timeouts.values()) > longest_call_seconds(), timeouts
