"""The sandbox counts working days as a deployed stack does: Monday to Friday by default, with
the public holidays and closure days its flags name, checked as the stack's config is."""

from datetime import date

import pytest

from handlers.domain.working_days import WorkCalendar
from handlers.settings import SubmitSettings
from sandbox.__main__ import _arguments
from sandbox.functions import SUBMIT, service_functions


def _submit_settings(argv: list[str]) -> SubmitSettings:
    (submit,) = [f for f in service_functions(_arguments(argv)) if f.name == SUBMIT]
    return SubmitSettings.from_environment(submit.settings)


def test_the_sandbox_counts_monday_to_friday_without_public_holidays_by_default() -> None:
    assert _submit_settings([]).work_calendar == WorkCalendar()


def test_the_flags_reach_the_submit_function() -> None:
    flags = ["--work-week", "Sun-Thu", "--holiday-country", "gb", "--holiday-subdivision"]
    flags += ["Scotland", "--closure-days", "2026-12-24,2026-12-31"]
    assert _submit_settings(flags).work_calendar == WorkCalendar(
        frozenset({6, 0, 1, 2, 3}), "GB", "SCT", frozenset({date(2026, 12, 24), date(2026, 12, 31)})
    )


@pytest.mark.parametrize(
    ("flags", "problem"),
    [
        (["--work-week", "Mon-Funday"], "--work-week must name days of the week"),
        (["--holiday-country", "XX"], "--holiday-country must be a country the holidays package"),
        (["--holiday-subdivision", "ENG"], "--holiday-subdivision goes with --holiday-country"),
        (
            ["--holiday-country", "GB", "--holiday-subdivision", "CA"],
            "--holiday-subdivision must be one of GB's subdivisions",
        ),
        (["--closure-days", "24/12/2026"], "--closure-days must list dates written as YYYY-MM-DD"),
    ],
)
def test_a_bad_flag_is_refused_naming_it(
    flags: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        _arguments(flags)
    assert problem in capsys.readouterr().err
