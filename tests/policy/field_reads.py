"""Which properties a rule reads, written down as it reads them, and the same paths used to change
one property of one resource.

A resource's properties are wrapped in a mapping that records every key path read through it:
`durableConfig.retentionPeriod`, `metricQueries[].metric.namespace` (`[]`: any element met while
iterating), `metrics[][1]` (`[1]`: the element at that index, read as such), and inside JSON
text a rule parses, `policy{json}.Statement[].Action` (`{json}`: the text parsed as JSON).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any
from unittest import mock

from policy import rules
from policy.rules import Resource, Rule

Read = tuple[str, str]  # (resource type, property path)


class RecordedText(str):
    """Text read from a property: where it was read, in case a rule parses it as JSON."""

    path: str
    reads: set[Read]
    type: str


class RecordingProps(Mapping[str, Any]):
    def __init__(self, data: Mapping[str, Any], type_: str, path: str, reads: set[Read]) -> None:
        self._data = data
        self._type = type_
        self._path = path
        self._reads = reads

    def __getitem__(self, key: str) -> Any:
        path = f"{self._path}.{key}" if self._path else key
        self._reads.add((self._type, path))
        return _recording(self._data[key], self._type, path, self._reads)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


class RecordingItems(list[Any]):
    def __init__(self, data: list[Any], type_: str, path: str, reads: set[Read]) -> None:
        super().__init__(data)
        self._type = type_
        self._path = path
        self._reads = reads

    def __getitem__(self, index: Any) -> Any:
        path = f"{self._path}[{index}]"
        self._reads.add((self._type, path))
        return _recording(super().__getitem__(index), self._type, path, self._reads)

    def __iter__(self) -> Iterator[Any]:
        path = f"{self._path}[]"
        for value in super().__iter__():
            yield _recording(value, self._type, path, self._reads)


def _recording(value: Any, type_: str, path: str, reads: set[Read]) -> Any:
    if isinstance(value, Mapping):
        return RecordingProps(value, type_, path, reads)
    if isinstance(value, list):
        return RecordingItems(value, type_, path, reads)
    if isinstance(value, str):
        text = RecordedText(value)
        text.path, text.reads, text.type = path, reads, type_
        return text
    return value


class _RecordingJson:
    """`json` as the rules see it while they are recorded: what they parse is recorded too."""

    @staticmethod
    def loads(text: str) -> Any:
        parsed = json.loads(text)
        if isinstance(text, RecordedText):
            return _recording(parsed, text.type, f"{text.path}{{json}}", text.reads)
        return parsed


def reads_of(rule: Rule, resources: list[Resource]) -> set[Read]:
    """Every (resource type, property path) `rule` reads when it checks `resources`."""
    reads: set[Read] = set()
    recorded = [
        Resource(r.type, r.name, RecordingProps(r.props, r.type, "", reads)) for r in resources
    ]
    with mock.patch.object(rules, "json", _RecordingJson):
        for _ in rule.check(recorded):
            pass
    return reads


def fields(reads: set[Read]) -> set[Read]:
    """The paths read that are not only a way to another (`environment` on the way to
    `environment.variables.X`): the properties a rule decides on."""
    return {
        (type_, path)
        for type_, path in reads
        if not any(other_type == type_ and _leads_to(path, other) for other_type, other in reads)
    }


def _leads_to(path: str, other: str) -> bool:
    return other != path and other.startswith(path) and other[len(path)] in ".[{"


# -- changing one property -----------------------------------------------------------------------

ABSENT = object()  # as a new value: the property removed
_STEP = re.compile(r"\.?([^.\[\]{}]+)|\[(\d*)\]|(\{json\})")


def _steps(path: str) -> list[str | int | None]:
    """`a.b[][1]{json}.c` as steps: keys, an index, None for `[]` and `{json}` as itself."""
    steps: list[str | int | None] = []
    for key, index, parsed in _STEP.findall(path):
        if key:
            steps.append(key)
        elif parsed:
            steps.append(parsed)
        else:
            steps.append(int(index) if index else None)
    assert "".join(_STEP.sub("", path)) == "", f"cannot read the path {path}"
    return steps


def changed(props: Mapping[str, Any], path: str, at: tuple[int, ...], value: Any) -> Any:
    """A copy of `props` with the property at `path` set to `value` (or removed: ABSENT); each `[]`
    of the path is the element at the next index of `at`."""
    where = iter(at)

    def set_in(current: Any, steps: list[str | int | None]) -> Any:
        step, rest = steps[0], steps[1:]
        if step == "{json}":
            return json.dumps(set_in(json.loads(current), rest))
        if step is None or isinstance(step, int):
            index = next(where) if step is None else step
            items = list(current)
            items[index] = value if not rest else set_in(items[index], rest)
            return items
        copy = dict(current)
        if rest:
            copy[step] = set_in(copy[step], rest)
        elif value is ABSENT:
            copy.pop(step, None)
        else:
            copy[step] = value
        return copy

    result = set_in(props, _steps(path))
    assert next(where, None) is None, f"{path} has fewer [] than {at}"
    return result
