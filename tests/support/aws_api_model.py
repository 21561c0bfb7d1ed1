"""An AWS API request checked against botocore's model of the operation, as AWS itself checks it
before acting: every member's type, enum, bounds and pattern, the required members, and no member
the operation does not have.

botocore's own `ParamValidator` checks types and required members, and neither enums, maxima nor
patterns (AWS does, server side), so this walks the shapes itself. The model is botocore's as
installed, read at test time (`botocore.session.get_session().get_service_model`): nothing here is
written out by hand.

What the model's bounds mean, by shape type: for an integer, long, float or double, the value's
range; for a string, its length; for a list or a map, how many entries; for a blob, its bytes.
A pattern must match the whole value (as AWS's validation applies it); the models write them as
Java regular expressions (`\\p{L}` and the like), which the `regex` package reads.

A number that arrives as a whole float (Pulumi's wire format has no integers) counts as an
integer; 15.5 for an integer member does not.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import botocore.session
import regex
from botocore.model import ListShape, MapShape, OperationModel, ServiceModel, Shape, StructureShape

# How many enum values a message lists before it says how many more there are.
ENUM_VALUES_SHOWN = 12


@dataclass(frozen=True)
class Breach:
    """One way a request breaks its operation's model: where (`path`, from the request's top)
    and what (`problem`, naming the bound, the enum or the member)."""

    service: str
    operation: str
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.service} {self.operation} {self.path or '(request)'}: {self.problem}"


@cache
def service_model(service: str) -> ServiceModel:
    return botocore.session.get_session().get_service_model(service)


def operation_model(service: str, operation: str) -> OperationModel:
    return service_model(service).operation_model(operation)


def shape_named(service: str, shape: str) -> Shape:
    return service_model(service).shape_for(shape)


def request_breaches(service: str, operation: str, params: Mapping[str, Any]) -> list[Breach]:
    """Everything in `params` that `service`'s `operation` would refuse, by its model."""
    shape = operation_model(service, operation).input_shape
    return [
        Breach(service, operation, path, problem)
        for path, problem in value_breaches(shape, params, "")
    ]


def value_breaches(shape: Shape, value: Any, path: str) -> list[tuple[str, str]]:
    """What is wrong with `value` as a `shape`, each as (path, problem)."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(shape, StructureShape)
        return _structure(shape, value, path)
    if kind == "list":
        assert isinstance(shape, ListShape)
        return _list(shape, value, path)
    if kind == "map":
        assert isinstance(shape, MapShape)
        return _map(shape, value, path)
    if kind == "string":
        return _string(shape, value, path)
    if kind in {"integer", "long"}:
        return _number(shape, value, path, whole=True)
    if kind in {"float", "double"}:
        return _number(shape, value, path, whole=False)
    if kind == "boolean":
        return [] if isinstance(value, bool) else [(path, _wrong_type("a boolean", value))]
    if kind == "blob":
        return _blob(shape, value, path)
    if kind == "timestamp":
        fits = isinstance(value, datetime.datetime | str | int | float)
        return [] if fits else [(path, _wrong_type("a timestamp", value))]
    raise NotImplementedError(f"{path}: shape type {kind} ({shape.name})")


def shown(value: Any) -> str:
    """A number as people write it: 15000, not 15000.0 (as Pulumi sends it) or 1.5e+04."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _wrong_type(expected: str, value: Any) -> str:
    return f"must be {expected}, not {value!r} ({type(value).__name__})"


def _member_path(path: str, member: str) -> str:
    return f"{path}.{member}" if path else member


def _size_breaches(shape: Shape, size: int, path: str, what: str) -> list[tuple[str, str]]:
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and size < low:
        return [(path, f"{what} {size}, below the minimum {low} (shape {shape.name})")]
    if high is not None and size > high:
        return [(path, f"{what} {size}, above the maximum {high} (shape {shape.name})")]
    return []


def _structure(shape: StructureShape, value: Any, path: str) -> list[tuple[str, str]]:
    if shape.is_document_type:
        return []
    if not isinstance(value, Mapping):
        return [(path, _wrong_type(f"a structure ({shape.name})", value))]
    found: list[tuple[str, str]] = []
    members = shape.members
    for name in shape.required_members:
        if value.get(name) is None:
            found.append((_member_path(path, name), f"is required by {shape.name}, and missing"))
    for name, member_value in value.items():
        if name not in members:
            known = ", ".join(members)
            found.append(
                (_member_path(path, name), f"is not a member of {shape.name} (members: {known})")
            )
        elif member_value is not None:
            found.extend(value_breaches(members[name], member_value, _member_path(path, name)))
    if shape.is_tagged_union:
        given = [name for name, member_value in value.items() if member_value is not None]
        if len(given) != 1:
            found.append((path, f"{shape.name} takes exactly one of its members, not {given}"))
    return found


def _list(shape: ListShape, value: Any, path: str) -> list[tuple[str, str]]:
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
        return [(path, _wrong_type(f"a list ({shape.name})", value))]
    found = _size_breaches(shape, len(value), path, "has length")
    for index, item in enumerate(value):
        found.extend(value_breaches(shape.member, item, f"{path}[{index}]"))
    return found


def _map(shape: MapShape, value: Any, path: str) -> list[tuple[str, str]]:
    if not isinstance(value, Mapping):
        return [(path, _wrong_type(f"a map ({shape.name})", value))]
    found = _size_breaches(shape, len(value), path, "has size")
    for key, item in value.items():
        key_path = f"{path}[{key!r}]"
        found.extend(
            (p, f"key {problem}") for p, problem in value_breaches(shape.key, key, key_path)
        )
        found.extend(value_breaches(shape.value, item, key_path))
    return found


def _string(shape: Shape, value: Any, path: str) -> list[tuple[str, str]]:
    if not isinstance(value, str):
        return [(path, _wrong_type("a string", value))]
    enum = shape.metadata.get("enum")
    if enum and value not in enum:
        return [(path, _not_in_enum(shape.name, enum, value))]
    found = _size_breaches(shape, len(value), path, f"{value[:60]!r} has length")
    pattern = shape.metadata.get("pattern")
    if pattern and _compiled(pattern).fullmatch(value) is None:
        found.append((path, f"{value!r} does not match the pattern {pattern} (shape {shape.name})"))
    return found


def _not_in_enum(shape: str, enum: Sequence[str], value: str) -> str:
    shown = ", ".join(enum[:ENUM_VALUES_SHOWN])
    more = f" and {len(enum) - ENUM_VALUES_SHOWN} more" if len(enum) > ENUM_VALUES_SHOWN else ""
    spelt = [known for known in enum if known.lower() == value.lower()]
    hint = f"; AWS spells it {spelt[0]!r}" if spelt else ""
    return f"{value!r} is not in the enum {shape} ({shown}{more}){hint}"


@cache
def _compiled(pattern: str) -> Any:
    return regex.compile(pattern)


def _number(shape: Shape, value: Any, path: str, whole: bool) -> list[tuple[str, str]]:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return [(path, _wrong_type("a number", value))]
    if whole and not float(value).is_integer():
        return [(path, _wrong_type(f"a whole number ({shape.type_name})", value))]
    low, high = shape.metadata.get("min"), shape.metadata.get("max")
    if low is not None and value < low:
        return [(path, f"{shown(value)} is below the minimum {low} (shape {shape.name})")]
    if high is not None and value > high:
        return [(path, f"{shown(value)} is above the maximum {high} (shape {shape.name})")]
    return []


def _blob(shape: Shape, value: Any, path: str) -> list[tuple[str, str]]:
    # botocore sends text as its UTF-8 bytes.
    if isinstance(value, str):
        value = value.encode()
    if not isinstance(value, bytes):
        return [(path, _wrong_type("bytes", value))]
    return _size_breaches(shape, len(value), path, "holds bytes:")
