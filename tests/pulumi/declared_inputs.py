"""Whether each input a resource was registered with is one pulumi_aws declares for its type: the
`*Args` class of its resource and the nested `*Args` types in `_inputs.py`, read through Pulumi's
own name tables. A misnamed option passed in a dict (`environment={"varaibles": ...}`) reaches
the engine unchecked and the provider ignores or refuses it; this names it first.

A map's keys (tags, environment variables) are data, not input names, and are not looked at.
"""

from __future__ import annotations

import typing
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from pulumi._types import input_type_types, is_input_type

from tests.pulumi.aws_requests import plain
from tests.pulumi.mocks import Registered
from tests.pulumi.support import resource_class


@cache
def args_class(typ: str) -> type:
    """The `*Args` input type pulumi_aws declares for a resource type token."""
    cls = resource_class(typ)
    module = __import__(cls.__module__, fromlist=[f"{cls.__name__}Args"])
    found: type = getattr(module, f"{cls.__name__}Args")
    assert is_input_type(found), found
    return found


def undeclared_inputs(resource: Registered) -> list[str]:
    """The paths of `resource`'s inputs its pulumi_aws type does not declare."""
    return list(_undeclared(args_class(resource.typ), plain(resource.inputs), ""))


@cache
def _declared(input_type: type) -> dict[str, Any]:
    """An input type's members by their names on the wire, with their types."""
    return input_type_types(input_type)


def _nested_input_type(annotation: Any) -> type | None:
    """The input type a member's annotation holds (in a list, an Input, an Optional), if any."""
    if isinstance(annotation, type) and is_input_type(annotation):
        return annotation
    if typing.get_origin(annotation) in (Mapping, dict, typing.Mapping):
        return None  # a map: its keys are data
    for argument in typing.get_args(annotation):
        found = _nested_input_type(argument)
        if found is not None:
            return found
    return None


def _undeclared(input_type: type, values: Mapping[str, Any], path: str) -> Iterator[str]:
    declared = _declared(input_type)
    for key, value in values.items():
        where = f"{path}{key}"
        if key not in declared:
            yield where
            continue
        nested = _nested_input_type(declared[key])
        if nested is None:
            continue
        if isinstance(value, Mapping):
            yield from _undeclared(nested, value, f"{where}.")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    yield from _undeclared(nested, item, f"{where}[{index}].")
