"""The kinds of value a stack setting takes, each parsed and checked in one place.

Stack config hands every value over as text (a list or a mapping as JSON); the component
package hands over the values themselves. Each type here takes both. A problem is a
`ValueError` whose text follows the setting's key ("must be ..."): `loading` puts the key in
front and says how to set it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

import pulumi
from pydantic import BeforeValidator, GetCoreSchemaHandler, PlainValidator, TypeAdapter
from pydantic import ValidationError as PydanticValidationError
from pydantic_core import PydanticCustomError, core_schema

from components.config.service_config import MIN_SIGNING_KEY_LENGTH
from handlers.domain.allowances import NO_LIMIT, parse_allowance_overrides, parse_allowances
from handlers.domain.approval_levels import parse_days
from handlers.domain.follow_ups import MAX_REMINDERS, OFF, parse_share, parse_shares
from handlers.domain.leave_dates import parse_max_past_days
from handlers.domain.leave_request import EnteredEmail
from handlers.domain.statuses import LeaveType
from handlers.domain.working_days import (
    country_code,
    known_country,
    parse_closure_days,
    parse_work_week,
    subdivision_code,
)

# An address is valid here exactly when the handlers accept it, or a deploy that passes would
# refuse every request at run time.
_EMAIL = TypeAdapter(EnteredEmail)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")
_HTTPS_URL = re.compile(r"^https://[^\s/?#]+(/[^\s?#]*)?$")


class SettingProblem(ValueError):
    """A problem between settings: its text names them; `key` is the one to change."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(problem)
        self.key = key


def missing() -> PydanticCustomError:
    """What a value that holds nothing (an empty list) raises: it is as good as unset."""
    return PydanticCustomError("missing", "Field required")


def structured(value: Any) -> Any:
    """A list or mapping written as JSON text (as stack config holds it), else the value."""
    if isinstance(value, str) and value.strip().startswith(("[", "{")):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            raise ValueError(f"is not valid JSON: {value!r}") from None
    return value


def _text(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def email(value: Any) -> str:
    try:
        return str(_EMAIL.validate_python(_text(value)))
    except PydanticValidationError:
        raise ValueError(f"must be an email address, not {value!r}") from None


def string_list(value: Any) -> list[str]:
    """A list, as JSON (`["a", "b"]`), as comma-separated text (`a,b`), or a list itself."""
    value = structured(value)
    values = value.split(",") if isinstance(value, str) else value
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise ValueError(f"must be a list of strings, not {value!r}")
    return [v.strip() for v in values if v.strip()]


def _domains(value: Any) -> tuple[str, ...]:
    domains = [domain.lower() for domain in string_list(value)]
    if not domains:
        raise missing()
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise ValueError(f"must list domain names: {domain!r} is not a domain name")
    return tuple(dict.fromkeys(domains))


def _emails(value: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(email(address) for address in string_list(value)))


def _directory(value: Any) -> dict[str, str]:
    value = structured(value)
    if not isinstance(value, Mapping):
        raise ValueError("must map employee addresses to approver addresses")
    directory: dict[str, str] = {}
    for employee, approver in value.items():
        try:
            employee_email = email(employee)
        except ValueError:
            raise ValueError(f"must list employees by email address, not {employee!r}") from None
        try:
            approver_email = email(approver)
        except ValueError:
            raise ValueError(
                f"must give each employee an approver's address: for {employee_email}, "
                f"{approver!r} must be an email address"
            ) from None
        if employee_email == approver_email:
            raise ValueError(
                f"must give each employee someone else: {employee_email} cannot approve their "
                "own leave"
            )
        if employee_email in directory:
            raise ValueError(f"must list each employee once: {employee_email} is listed twice")
        directory[employee_email] = approver_email
    return directory


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text not in {"true", "false"}:
        raise ValueError(f"must be true or false, not {value!r}")
    return text == "true"


def _https_url(value: Any) -> str:
    url = str(value).strip().rstrip("/")
    if not _HTTPS_URL.match(url):
        raise ValueError(f"must be an https:// URL, not {value!r}")
    return url


def _reminder_shares(value: Any) -> tuple[float, ...]:
    try:
        shares = parse_shares(structured(value))
    except (ValueError, TypeError):
        raise ValueError(
            f"must be shares of approvalTimeoutSeconds like 0.5 or 0.25,0.5, or {OFF}, "
            f"not {value!r}"
        ) from None
    if len(shares) > MAX_REMINDERS:
        raise ValueError(
            f"takes at most {MAX_REMINDERS} shares (each reminder costs durable operations), "
            f"not {len(shares)}: {value!r}"
        )
    return shares


def _escalation_share(value: Any) -> float | None:
    try:
        return parse_share(value)
    except (ValueError, TypeError):
        raise ValueError(
            f"must be one share of approvalTimeoutSeconds like 0.75, or {OFF}, not {value!r}"
        ) from None


def _days_or_none(value: Any) -> int | None:
    try:
        return parse_days(value)
    except ValueError as problem:
        raise ValueError(f"{problem}, not {value!r}") from None


def _whole(value: Any) -> Any:
    """A whole number sent as a float (Pulumi's wire format has no integers) as an int."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _past_days(value: Any) -> dict[LeaveType, int]:
    value = structured(value)
    if isinstance(value, Mapping):
        value = {leave_type: _whole(days) for leave_type, days in value.items()}
    try:
        return parse_max_past_days(_whole(value))
    except ValueError as problem:
        raise ValueError(f"{problem} (one number for every leave type, or one per type)") from None


def _days_a_year(value: Any) -> Any:
    """Leave types mapped to days a year as written: whole numbers as ints, text as text."""
    value = structured(value)
    if isinstance(value, Mapping):
        return {leave_type: _whole(days) for leave_type, days in value.items()}
    return value


ALLOWANCES_WRITTEN = f"leave types mapped to days a year (or {NO_LIMIT}: no limit)"


def _allowances(value: Any) -> dict[LeaveType, int | None]:
    value = _days_a_year(value)
    if not isinstance(value, Mapping | None):
        raise ValueError(f"must map leave types to days a year, not {value!r}")
    return parse_allowances(value)


def _allowance_overrides(value: Any) -> dict[str, dict[LeaveType, int | None]]:
    value = structured(value)
    if not isinstance(value, Mapping):
        raise ValueError(f"must map employee addresses to their allowances: {ALLOWANCES_WRITTEN}")
    overrides: dict[str, dict[LeaveType, int | None]] = {}
    for employee, allowances in value.items():
        try:
            employee_email = email(employee)
        except ValueError:
            raise ValueError(f"must list employees by email address, not {employee!r}") from None
        if employee_email in overrides:
            raise ValueError(f"must list each employee once: {employee_email} is listed twice")
        table = _days_a_year(allowances)
        if not isinstance(table, Mapping):
            raise ValueError(
                f"must give each employee {ALLOWANCES_WRITTEN}: for {employee_email}, "
                f"not {allowances!r}"
            )
        try:
            overrides[employee_email] = parse_allowance_overrides(table)
        except ValueError as problem:
            raise ValueError(f"for {employee_email}: {problem}") from None
    return {employee: table for employee, table in overrides.items() if table}


def _work_week(value: Any) -> frozenset[int]:
    return parse_work_week(structured(value))


def _holiday_country(value: Any) -> str | None:
    """A country the `holidays` package knows, checked against its own list."""
    code = country_code(value)
    return None if code is None else known_country(code)


def _closure_days(value: Any) -> frozenset[date]:
    return parse_closure_days(structured(value))


def choice(kind: type[StrEnum]) -> Callable[[Any], StrEnum]:
    def parse(value: Any) -> StrEnum:
        try:
            return kind(str(value).strip().lower())
        except ValueError:
            choices = " | ".join(member.value for member in kind)
            raise ValueError(f"must be one of {choices}, not {value!r}") from None

    return parse


def signing_key_problem(text: str) -> str | None:
    """What is wrong with a signing key's value, in words that never repeat it."""
    if len(text) < MIN_SIGNING_KEY_LENGTH:
        return f"must be at least {MIN_SIGNING_KEY_LENGTH} characters"
    return None


def _signing_key(value: Any) -> str | pulumi.Output[str]:
    """Known now (stack config, a plain input), it is checked now; a secret input arrives as an
    Output, whose value `loading` checks once it resolves."""
    if isinstance(value, pulumi.Output):
        return value
    if not isinstance(value, str):
        raise ValueError("must be text")
    problem = signing_key_problem(value)
    if problem:
        raise ValueError(problem)
    return value


@dataclass(frozen=True)
class OneOf:
    """A value AWS takes only from a fixed list; the docs list them."""

    values: tuple[int, ...]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def _check(self, value: int) -> int:
        if value not in self.values:
            raise ValueError(f"must be one of {', '.join(map(str, self.values))}, not {value}")
        return value


Text = Annotated[str, BeforeValidator(_text)]
Email = Annotated[str, BeforeValidator(email)]
EmailList = Annotated[tuple[str, ...], BeforeValidator(_emails)]
DomainList = Annotated[tuple[str, ...], BeforeValidator(_domains)]
Directory = Annotated[dict[str, str], BeforeValidator(_directory)]
Flag = Annotated[bool, PlainValidator(_flag)]
HttpsUrl = Annotated[str, BeforeValidator(_https_url)]
ReminderShares = Annotated[tuple[float, ...], BeforeValidator(_reminder_shares)]
EscalationShare = Annotated[float | None, BeforeValidator(_escalation_share)]
DaysOrNone = Annotated[int | None, BeforeValidator(_days_or_none)]
PastDays = Annotated[dict[LeaveType, int], BeforeValidator(_past_days)]
Allowances = Annotated[dict[LeaveType, int | None], BeforeValidator(_allowances)]
AllowanceOverrides = Annotated[
    dict[str, dict[LeaveType, int | None]], BeforeValidator(_allowance_overrides)
]
WorkWeek = Annotated[frozenset[int], BeforeValidator(_work_week)]
HolidayCountry = Annotated[str | None, BeforeValidator(_holiday_country)]
# Which subdivisions there are depends on the country: StackSettings checks the two together.
HolidaySubdivision = Annotated[str | None, BeforeValidator(subdivision_code)]
ClosureDays = Annotated[frozenset[date], BeforeValidator(_closure_days)]
# Plain when read from stack config, an Output when the package is handed a secret.
SigningKey = Annotated[str | pulumi.Output[str], PlainValidator(_signing_key)]


def holds_output(value: Any) -> bool:
    """Whether a value is, or holds, something only known during the deploy."""
    if isinstance(value, pulumi.Output) or hasattr(value, "__await__"):
        return True
    if isinstance(value, Mapping):
        return any(holds_output(v) for v in value.values())
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return any(holds_output(v) for v in value)
    return False
