"""The replay check: every recorded path replays against the workflow's code at each moment
its execution waited; a change that would break a waiting execution fails it, naming the path,
where it waited and the operation; a safe change passes.

The breaking changes are made to a copy of handlers/logic/leave_workflow.py (its source with
one edit, loaded as a module of its own and run by the workflow's handler), so each is the
change a person would make to the file.
"""

import importlib.util
import inspect
import sys

import pytest

from handlers import workflow
from handlers.logic import leave_workflow
from tests.replay.check import ReplayBroken, replay_history
from tests.replay.history import AT_THE_START, History, stored_histories

HISTORIES = {history.path: history for history in stored_histories()}
PATHS = {"decided", "rejected", "reminded", "escalated", "two-levels", "withdrawn", "expired"}


def _changed_workflow(monkeypatch: pytest.MonkeyPatch, *edits: tuple[str, str]) -> None:
    """Run the workflow's handler on a copy of leave_workflow.py with `edits` made to it."""
    source = inspect.getsource(leave_workflow)
    for before, after in edits:
        assert source.count(before) == 1, f"the edit's anchor is not in the source: {before!r}"
        source = source.replace(before, after)
    spec = importlib.util.spec_from_loader("changed_leave_workflow", loader=None)
    assert spec is not None
    changed = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up while they are built.
    monkeypatch.setitem(sys.modules, spec.name, changed)
    exec(compile(source, "changed_leave_workflow.py", "exec"), changed.__dict__)  # noqa: S102
    monkeypatch.setattr(workflow, "run_leave_workflow", changed.run_leave_workflow)


def _broken(path: str) -> str:
    with pytest.raises(ReplayBroken) as broken:
        replay_history(HISTORIES[path])
    return str(broken.value)


def test_every_path_is_recorded_with_the_moments_it_waited() -> None:
    assert set(HISTORIES) == PATHS
    for history in HISTORIES.values():
        waited = [invocation.waited_at for invocation in history.invocations[1:]]
        assert waited, history.path
        assert AT_THE_START not in waited, history.path
    assert [i.waited_at for i in HISTORIES["escalated"].invocations[1:]] == [
        "remind-1-due",
        "escalate-due",
        "approval",
    ]
    assert [i.waited_at for i in HISTORIES["two-levels"].invocations[1:]] == [
        "approval",
        "second-approval",
    ]


@pytest.mark.parametrize("path", sorted(PATHS))
def test_each_recorded_path_replays_against_the_code(path: str) -> None:
    replay_history(HISTORIES[path])


class TestABreakingChangeFailsNamingTheStep:
    def test_a_renamed_step(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(leave_workflow.StepName, "ASK_APPROVER", "ask-the-approver")
        assert _broken("decided") == (
            "decided, waiting at 'approval': the code asks for step 'ask-the-approver' where "
            "the history has step 'ask-approver'"
        )

    def test_a_renamed_follow_up_step(self, monkeypatch: pytest.MonkeyPatch) -> None:
        _changed_workflow(monkeypatch, ("name=follow_up.key,", 'name=f"{follow_up.key}b",'))
        assert _broken("reminded") == (
            "reminded, waiting at 'remind-1-due': the code asks for step 'remind-1b' where "
            "the history has step 'remind-1'"
        )
        assert _broken("escalated").startswith("escalated, waiting at 'remind-1-due'")

    def test_a_step_inserted_before_a_wait(self, monkeypatch: pytest.MonkeyPatch) -> None:
        _changed_workflow(
            monkeypatch,
            (
                "    timeout = steps.settings.approval_timeout_seconds\n",
                "    timeout = steps.settings.approval_timeout_seconds\n"
                '    context.step(lambda _: "", name="look-up-team", config=STEP)\n',
            ),
        )
        assert _broken("withdrawn") == (
            "withdrawn, waiting at 'approval': the code asks for step 'look-up-team' where "
            "the history has callback 'approval'"
        )

    def test_follow_ups_reordered(self, monkeypatch: pytest.MonkeyPatch) -> None:
        _changed_workflow(
            monkeypatch,
            (
                "first_level = steps.settings.follow_ups.schedule(timeout)",
                "first_level = tuple(reversed(steps.settings.follow_ups.schedule(timeout)))",
            ),
        )
        assert _broken("escalated") == (
            "escalated, waiting at 'remind-1-due': the code asks for context 'escalate-due' "
            "where the history has context 'remind-1-due'"
        )

    def test_a_step_dropped(self, monkeypatch: pytest.MonkeyPatch) -> None:
        _changed_workflow(
            monkeypatch,
            (
                "        context.step(\n"
                "            lambda _: steps.send_receipt(request), name=StepName.EMAIL_RECEIPT, "
                "config=STEP\n"
                "        )\n",
                "        pass\n",
            ),
        )
        assert _broken("expired") == (
            "expired, waiting at 'approval': the code asks for callback 'approval' where the "
            "history has step 'email-receipt'"
        )

    def test_an_end_that_no_longer_records_the_outcome(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        waited = (
            "    verdict, deadline = _wait_for_verdict(context, request, steps, submitted_at)\n"
        )
        _changed_workflow(
            monkeypatch,
            (
                waited,
                waited
                + '    return {"request_id": request.request_id, "status": verdict.status.value}\n',
            ),
        )
        assert _broken("decided") == (
            "decided, waiting at 'approval': the code no longer asks for step 'record-outcome' "
            "(start), which the history has next"
        )

    def test_a_step_result_read_in_a_new_shape(self, monkeypatch: pytest.MonkeyPatch) -> None:
        # record-outcome now returns {"outcome": ...}, and the code reads it so: the outcome
        # an execution recorded before the change is in the old shape.
        _changed_workflow(
            monkeypatch,
            (
                "outcome = Outcome.model_validate(recorded)",
                'outcome = Outcome.model_validate(recorded["outcome"])',
            ),
        )
        assert _broken("rejected") == (
            "rejected, waiting at 'approval': the code fails after step 'record-outcome': "
            "KeyError: 'outcome'"
        )

    def test_a_setting_the_replay_reads_changed(self) -> None:
        # Long leave's threshold is read on replay: run with another one (as a version with
        # new settings would), an execution approved at the first level moves on otherwise.
        history = HISTORIES["two-levels"]
        changed = History(
            history.path,
            history.description,
            history.input,
            {**history.settings, "SECOND_APPROVAL_OVER_DAYS": "none"},
            history.invocations,
        )
        with pytest.raises(ReplayBroken, match="two-levels, waiting at 'approval': the code"):
            replay_history(changed)


class TestASafeChangePasses:
    def test_a_step_after_the_last_one(self, monkeypatch: pytest.MonkeyPatch) -> None:
        _changed_workflow(
            monkeypatch,
            (
                '    return {"request_id": request.request_id, "status": outcome.status.value}',
                '    context.step(lambda _: "noted", name="note-the-end", config=STEP)\n'
                '    return {"request_id": request.request_id, "status": outcome.status.value}',
            ),
        )
        for history in HISTORIES.values():
            replay_history(history)

    def test_a_log_line(self, monkeypatch: pytest.MonkeyPatch) -> None:
        _changed_workflow(
            monkeypatch,
            (
                "    first_level = steps.settings.follow_ups.schedule(timeout)\n",
                "    first_level = steps.settings.follow_ups.schedule(timeout)\n"
                '    context.logger.info("asked", extra={"deadline": deadline})\n',
            ),
        )
        for history in HISTORIES.values():
            replay_history(history)
