"""Every function the program deploys outlasts the longest AWS call its code may make, by the
limits its settings name (handlers/call_limits.py), so a call that hangs is given up and
answered, not cut off."""

from handlers.call_limits import CALL_LIMITS_VARIABLE, call_limits
from tests.pulumi.support import FUNCTION, run_main


def test_every_function_outlasts_one_call_given_up() -> None:
    functions = run_main().of_type(FUNCTION)
    given_up = {
        function.name: (
            function.inputs["environment"]["variables"][CALL_LIMITS_VARIABLE],
            call_limits(function.inputs["environment"]["variables"]).longest_call_seconds(),
            function.inputs["timeout"],
        )
        for function in functions
    }

    assert len(given_up) == 5, given_up
    assert all(longest < timeout for _, longest, timeout in given_up.values()), given_up
    # A person waits on the two HTTP functions: they give up soonest.
    assert {name for name, (limits, _, _) in given_up.items() if limits == "answering"} == {
        "leave-submit-function",
        "leave-decision-function",
    }, given_up
