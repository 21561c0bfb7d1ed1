"""Every refused submission is counted under a reason of the InputsRejected metric."""

import ast
from pathlib import Path

import handlers.logic.submission as submission
from handlers.logic.refusals import RefusalReason
from handlers.submit_routes.rejections import COUNTED_AS


def _reasons_raised(source: str) -> set[RefusalReason]:
    return {
        RefusalReason[node.attr]
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "RefusalReason"
    }


def test_every_reason_a_submission_is_refused_for_is_counted() -> None:
    raised = _reasons_raised(Path(submission.__file__).read_text())

    assert raised
    assert raised <= set(COUNTED_AS)


def test_the_scan_finds_the_reasons_named() -> None:
    assert _reasons_raised("raise Refusal(RefusalReason.OVERLAP, 'x')") == {RefusalReason.OVERLAP}
