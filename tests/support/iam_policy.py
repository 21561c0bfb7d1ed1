"""A small evaluator of IAM identity policies: is this action on this resource allowed?

It follows the IAM User Guide's "Policy evaluation logic" for what one role's own policies
decide (no permissions boundary, session policy, SCP or resource policy: the service's roles
have none): an explicit Deny in any statement wins, otherwise an Allow that matches allows,
otherwise the request is implicitly denied. Matching, per "IAM JSON policy elements":

- `Action` / `NotAction`: `service:Action`, with `*` and `?` wildcards, case-insensitive.
- `Resource` / `NotResource`: ARNs with `*` and `?` wildcards, case-sensitive.
- `Condition`: every operator block must hold, every key in it must hold, and a key holds when
  the request's value matches any of the listed values. A key absent from the request makes
  the condition false. Only the operators the program's role policies use are supported
  (`SUPPORTED_OPERATORS`); anything else fails loudly rather than being guessed at, as do
  policy variables (`${...}`) and keys the caller does not say it models.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

# What a request says about one condition key: its value, several values for a multivalued
# key, or None when the key is known to be absent from this request.
ContextValue = str | tuple[str, ...] | None

SUPPORTED_OPERATORS = frozenset({"StringEquals", "ForAllValues:StringEquals"})


class UnsupportedPolicyError(ValueError):
    """The policy uses something this evaluator does not model: extend it rather than guess."""


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # The Sid (or position) of the statement that decided, or why nothing did.
    reason: str


def evaluate(
    documents: Iterable[Mapping[str, Any]],
    action: str,
    resource: str,
    context: Mapping[str, ContextValue],
) -> Decision:
    """What the policy documents, together, decide for one action on one resource.

    `context` holds every condition key the caller models for this request (absent ones as
    None); a condition on any other key raises UnsupportedPolicyError.
    """
    allowed_by: str | None = None
    for position, statement in enumerate(_statements(documents)):
        sid = str(statement.get("Sid") or f"statement {position}")
        if not _applies(statement, action, resource, context, sid):
            continue
        effect = statement.get("Effect")
        if effect == "Deny":
            return Decision(False, f"explicitly denied by {sid}")
        if effect != "Allow":
            raise UnsupportedPolicyError(f"{sid}: Effect must be Allow or Deny, not {effect!r}")
        allowed_by = allowed_by or sid
    if allowed_by is not None:
        return Decision(True, f"allowed by {allowed_by}")
    return Decision(False, "no statement allows it (implicit deny)")


def _statements(documents: Iterable[Mapping[str, Any]]) -> Iterable[Mapping[str, Any]]:
    for document in documents:
        statements = document.get("Statement", [])
        yield from [statements] if isinstance(statements, Mapping) else statements


def _applies(
    statement: Mapping[str, Any],
    action: str,
    resource: str,
    context: Mapping[str, ContextValue],
    sid: str,
) -> bool:
    if "Principal" in statement or "NotPrincipal" in statement:
        raise UnsupportedPolicyError(f"{sid}: an identity policy names no principal")
    return (
        _element_matches(statement, "Action", action, sid, case_sensitive=False)
        and _element_matches(statement, "Resource", resource, sid, case_sensitive=True)
        and _conditions_hold(statement.get("Condition", {}), context, sid)
    )


def _element_matches(
    statement: Mapping[str, Any], element: str, value: str, sid: str, case_sensitive: bool
) -> bool:
    positive, negative = statement.get(element), statement.get(f"Not{element}")
    if (positive is None) == (negative is None):
        raise UnsupportedPolicyError(f"{sid}: needs exactly one of {element} and Not{element}")
    patterns = _as_list(positive if positive is not None else negative)
    for pattern in patterns:
        if "${" in pattern:
            raise UnsupportedPolicyError(f"{sid}: policy variables are not modelled: {pattern}")
    matched = any(_wildcard_match(p, value, case_sensitive) for p in patterns)
    return matched if positive is not None else not matched


def _conditions_hold(
    conditions: Mapping[str, Mapping[str, Any]], context: Mapping[str, ContextValue], sid: str
) -> bool:
    for operator, keys in conditions.items():
        if operator not in SUPPORTED_OPERATORS:
            raise UnsupportedPolicyError(
                f"{sid}: condition operator {operator} is not modelled "
                f"(supported: {sorted(SUPPORTED_OPERATORS)})"
            )
        for key, expected in keys.items():
            holds = (
                _for_all_values_string_equals(key, _as_list(expected), context, sid)
                if operator.startswith("ForAllValues:")
                else _string_equals(key, _as_list(expected), context, sid)
            )
            if not holds:
                return False
    return True


def _for_all_values_string_equals(
    key: str, expected: Sequence[str], context: Mapping[str, ContextValue], sid: str
) -> bool:
    """True when every value the request has for `key` is one of `expected`; and, as IAM
    evaluates it, when the request has none ("Single-valued vs. multivalued condition keys",
    IAM User Guide: ForAllValues returns true for a key absent from the request)."""
    found = {k.lower(): v for k, v in context.items()}
    if key.lower() not in found:
        raise UnsupportedPolicyError(
            f"{sid}: condition key {key} is not one this request's authorization models"
        )
    value = found[key.lower()]
    values = () if value is None else (value,) if isinstance(value, str) else value
    return all(v in expected for v in values)


def _string_equals(
    key: str, expected: Sequence[str], context: Mapping[str, ContextValue], sid: str
) -> bool:
    # Condition keys are case-insensitive; their values, for StringEquals, are not.
    found = {k.lower(): v for k, v in context.items()}
    if key.lower() not in found:
        raise UnsupportedPolicyError(
            f"{sid}: condition key {key} is not one this request's authorization models"
        )
    value = found[key.lower()]
    if value is None:
        return False
    if isinstance(value, tuple):
        raise UnsupportedPolicyError(
            f"{sid}: {key} has several values here; StringEquals without ForAllValues or "
            "ForAnyValue is not modelled"
        )
    return value in expected


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _wildcard_match(pattern: str, value: str, case_sensitive: bool) -> bool:
    return _compiled(pattern, case_sensitive).fullmatch(value) is not None


@cache
def _compiled(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)
