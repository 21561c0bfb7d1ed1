"""Working days: what every day count of a leave request counts.

A day of leave counts when its employee would have worked it: a day of the work week (Monday to
Friday unless the stack says otherwise) that is neither a public holiday of the configured
country (and subdivision) nor one of the company's closure days. Public holidays come from the
`holidays` package, imported only when a count needs them (about 50 ms: only a submission pays
it, once per execution environment), and then only the one country's module (`_one_country`).

A request is counted once, when it is submitted, and the count is stored with it
(`LeaveRequest.working_days`): a workflow replayed or waiting for weeks decides from the count
the employee was shown, whatever the holiday list or the settings say since.

The settings' shapes are parsed here too, once for the stack's config, the functions' settings
and the sandbox's flags. Whether the package knows a country or subdivision is asked only where
the stack is configured (`known_country`, `known_subdivision`), never in a function.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_FULL_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONDAY_TO_FRIDAY: frozenset[int] = frozenset(range(5))
DEFAULT_WORK_WEEK = "Mon-Fri"
# Closure days travel in the submit function's environment, which Lambda caps at 4 KB for all
# its variables together (Lambda Developer Guide, "Lambda quotas"): 100 dates are 1,100 bytes.
MAX_CLOSURE_DAYS = 100
_COUNTRY_CODE = re.compile(r"^[A-Z]{2}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
WORK_WEEK_EXAMPLES = "a range like Mon-Fri or Sun-Thu, or a list like Mon,Tue,Thu"


def _weekday(name: str) -> int:
    text = name.strip().lower()
    for number, full in enumerate(_FULL_NAMES):
        if text in (full, full[:3]):
            return number
    raise ValueError(
        f"must name days of the week, as {WORK_WEEK_EXAMPLES}: {name.strip()!r} is not a day "
        "of the week"
    )


def _days_of(part: str) -> list[int]:
    """`Mon`, or a range `Mon-Fri` (one that passes Sunday wraps: `Sun-Thu`)."""
    first, dash, last = part.partition("-")
    start = _weekday(first)
    if not dash:
        return [start]
    end = _weekday(last)
    return [(start + offset) % 7 for offset in range((end - start) % 7 + 1)]


def parse_work_week(value: object) -> frozenset[int]:
    """The weekdays people work (0 is Monday), from `Mon-Fri`, `Mon,Tue,Thu`, `Sun-Thu`, a list
    of day names (or ranges), or the weekday numbers themselves; unset: Monday to Friday."""
    if value is None:
        return MONDAY_TO_FRIDAY
    if isinstance(value, frozenset | set) and all(isinstance(d, int) for d in value):
        if not value or not all(0 <= d <= 6 for d in value):
            raise ValueError(f"must name days of the week, as {WORK_WEEK_EXAMPLES}")
        return frozenset(value)
    parts: Iterable[object]
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, list | tuple):
        parts = value
    else:
        raise ValueError(f"must name days of the week, as {WORK_WEEK_EXAMPLES}, not {value!r}")
    days: set[int] = set()
    for part in parts:
        if not isinstance(part, str):
            raise ValueError(f"must name days of the week, as {WORK_WEEK_EXAMPLES}, not {part!r}")
        if part.strip():
            days.update(_days_of(part))
    if not days:
        raise ValueError(f"must name at least one day of the week, as {WORK_WEEK_EXAMPLES}")
    return frozenset(days)


def work_week_text(days: frozenset[int]) -> str:
    """The work week as people write it: `Mon-Fri`, `Sun-Thu`, `Mon,Wed,Fri`, `Mon-Sun`."""
    if len(days) == 7:
        return "Mon-Sun"
    starts = [day for day in sorted(days) if (day - 1) % 7 not in days]
    if len(starts) == 1 and len(days) >= 3:
        start = starts[0]
        return f"{WEEKDAY_NAMES[start]}-{WEEKDAY_NAMES[(start + len(days) - 1) % 7]}"
    return ",".join(WEEKDAY_NAMES[day] for day in sorted(days))


def _optional_text(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"must be text, not {value!r}")
    text = value.strip()
    return text or None


def country_code(value: object) -> str | None:
    """An ISO 3166-1 alpha-2 code as the `holidays` package spells it (`GB`), or None."""
    text = _optional_text(value)
    if text is None:
        return None
    code = text.upper()
    if not _COUNTRY_CODE.match(code):
        raise ValueError(
            f"must be a two-letter ISO 3166-1 country code like GB or DE, not {value!r}"
        )
    return code


def subdivision_code(value: object) -> str | None:
    """A subdivision's code as given (its country decides which it may be), or None."""
    return _optional_text(value)


def parse_closure_days(value: object) -> frozenset[date]:
    """Dates written as YYYY-MM-DD, as `2026-12-24,2026-12-31` or a list; unset: none."""
    if value is None:
        return frozenset()
    parts: Iterable[object]
    if isinstance(value, str):
        parts = value.split(",")
    elif isinstance(value, list | tuple | set | frozenset):
        parts = value
    else:
        raise ValueError(f"must list dates written as YYYY-MM-DD, not {value!r}")
    days: set[date] = set()
    for part in parts:
        if isinstance(part, date):
            days.add(part)
            continue
        text = part.strip() if isinstance(part, str) else part
        if text == "":
            continue
        if not isinstance(text, str) or not _ISO_DATE.match(text):
            raise ValueError(f"must list dates written as YYYY-MM-DD: {part!r} is not one")
        try:
            days.add(date.fromisoformat(text))
        except ValueError:
            raise ValueError(f"must list dates on the calendar: {text} is not one") from None
    if len(days) > MAX_CLOSURE_DAYS:
        raise ValueError(
            f"takes at most {MAX_CLOSURE_DAYS} dates (a Lambda function's environment holds "
            f"4 KB in all), not {len(days)}"
        )
    return frozenset(days)


def closure_days_text(days: Iterable[date]) -> str:
    return ",".join(day.isoformat() for day in sorted(days))


def known_country(code: str) -> str:
    """`code` if the `holidays` package has public holidays for it; else a ValueError that lists
    the codes it knows. Imports the package's every country: for the stack's config only."""
    # Here, not at the top: the functions never ask.
    import holidays

    known = sorted(holidays.list_supported_countries(include_aliases=False))
    if code not in known:
        raise ValueError(
            f"must be a country the holidays package knows ({', '.join(known)}), not {code!r}"
        )
    return code


def known_subdivision(country: str, subdivision: str) -> str:
    """The package's own code for one of `country`'s subdivisions, given as its code (any case)
    or its name (`England`); else a ValueError that lists the ones it knows."""
    import holidays

    entity = holidays.country_holidays(country)
    codes = tuple(entity.subdivisions)
    if not codes:
        raise ValueError(
            f"names a subdivision, but the holidays package has none for {country}: leave it unset"
        )
    by_name = {code.upper(): code for code in codes}
    aliases = getattr(entity, "subdivisions_aliases", {}) or {}
    by_name |= {alias.upper(): code for alias, code in aliases.items()}
    found = by_name.get(subdivision.strip().upper())
    if found is None:
        raise ValueError(
            f"must be one of {country}'s subdivisions the holidays package knows "
            f"({', '.join(codes)}), not {subdivision!r}"
        )
    return found


def _one_country(country: str) -> Any:
    """The `holidays` package's class for `country`, its module loaded alone.

    `holidays.country_holidays` imports the package's `countries`, whose `__init__` imports all
    250 countries' modules: about 80 ms, where the one module takes 6 (issue #24's figures).
    The registry names the module; loaded by its file under its own name, it is the module
    `country_holidays` would use. None where that does not work out (a version laid out
    otherwise): the caller then asks the package the ordinary way.
    """
    import holidays
    from holidays.registry import COUNTRIES

    found = [(module, names[0]) for module, names in COUNTRIES.items() if country in names[1:]]
    if len(found) != 1:
        return None
    module_name, class_name = found[0]
    name = f"holidays.countries.{module_name}"
    module = sys.modules.get(name)
    if module is None:
        path = Path(holidays.__file__).parent / "countries" / f"{module_name}.py"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None or not path.is_file():
            return None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    return getattr(module, class_name, None)


@cache
def _public_holidays(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """One year's public holidays (observed days included) of a country or subdivision."""
    # Imported here: about 50 ms of a cold start, paid by the first count only.
    import holidays

    entity = _one_country(country)
    if entity is None:
        calendar = holidays.country_holidays(country, subdiv=subdivision, years=year)
    else:
        calendar = entity(subdiv=subdivision, years=year)
    return frozenset(day for day in calendar if day.year == year)


# A NamedTuple, not a dataclass: every function's settings module defines it as it loads, and a
# NamedTuple costs a tenth as much to define.
class WorkCalendar(NamedTuple):
    """Which days people work: a work week, less public holidays and closure days."""

    work_week: frozenset[int] = MONDAY_TO_FRIDAY
    # ISO 3166-1 alpha-2 (None: no public holidays), and one of its subdivisions (None: the
    # country's own holidays only).
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closure_days: frozenset[date] = frozenset()

    def public_holidays(self, year: int) -> frozenset[date]:
        if self.holiday_country is None:
            return frozenset()
        return _public_holidays(self.holiday_country, self.holiday_subdivision, year)

    def is_working_day(self, day: date) -> bool:
        return (
            day.weekday() in self.work_week
            and day not in self.closure_days
            and day not in self.public_holidays(day.year)
        )

    def working_days(self, start: date, end: date) -> int:
        """The working days from `start` to `end`, both included (0 if `end` is before it)."""
        return sum(
            1
            for offset in range((end - start).days + 1)
            if self.is_working_day(start + timedelta(days=offset))
        )

    def as_settings(self) -> dict[str, str]:
        """The calendar as the functions' settings spell it (`work_week`, `holiday_country`,
        `holiday_subdivision`, `closure_days`); what is unset is left out."""
        values = {
            "work_week": work_week_text(self.work_week),
            "holiday_country": self.holiday_country,
            "holiday_subdivision": self.holiday_subdivision,
            "closure_days": closure_days_text(self.closure_days) or None,
        }
        return {name: value for name, value in values.items() if value is not None}
