"""The files made from `StackSettings`: the package's inputs and the docs' settings table.

Pulumi's component provider infers the package's schema from a class's source (its
annotations, and the docstring under each), so the inputs are written out as a module rather
than built at run time. `python -m components.config` rewrites both files; a test fails while
either differs from what the model says.
"""

from __future__ import annotations

import json
import re
import textwrap
import types
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le
from pydantic.fields import FieldInfo

from components.config.setting_types import OneOf
from components.config.stack_settings import StackSettings

PROJECT_ROOT = Path(__file__).resolve().parents[2]
PACKAGE_INPUTS = PROJECT_ROOT / "components" / "config" / "package_inputs.py"
DEPLOYING = PROJECT_ROOT / "docs" / "deploying.md"
REGENERATE = "python -m components.config"
TABLE_START = (
    "<!-- settings: made from components/config/stack_settings.py by `python -m components.config`"
    " -->"
)
TABLE_END = "<!-- end of settings -->"
_PYTHON_TYPES = {str: "str", bool: "bool", int: "int", float: "float"}


def _extra(field: FieldInfo) -> dict[str, Any]:
    return field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}


def _number(value: Any) -> str:
    return f"{value:,g}" if isinstance(value, float) else f"{value:,}"


def takes(field: FieldInfo) -> str:
    """The values a setting takes, from its type and bounds (or as its declaration says)."""
    extra = _extra(field)
    if extra.get("takes"):
        return str(extra["takes"])
    low = above = high = None
    for constraint in field.metadata:
        if isinstance(constraint, OneOf):
            values = [str(value) for value in constraint.values]
            return f"{', '.join(values[:-1])} or {values[-1]}"
        if isinstance(constraint, Ge):
            low = constraint.ge
        elif isinstance(constraint, Gt):
            above = constraint.gt
        elif isinstance(constraint, Le):
            high = constraint.le
    if low is not None and high is not None:
        return f"{_number(low)} to {_number(high)}"
    if above is not None and high is not None:
        return f"above {_number(above)}, at most {_number(high)}"
    kind = _unwrap_optional(field.annotation)
    if kind is bool:
        return "`true` or `false`"
    if isinstance(kind, type) and issubclass(kind, Enum):
        choices = [f"`{member.value}`" for member in kind]
        return f"{', '.join(choices[:-1])} or {choices[-1]}"
    raise TypeError(f"{field.alias}: say what it takes (`takes`)")


def default_shown(field: FieldInfo) -> str:
    secret = ", secret" if _extra(field).get("secret") else ""
    if field.is_required():
        return f"required{secret}"
    value = field.default
    if value is None:
        return f"unset{secret}"
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, str):
        return f"`{value}`"
    if isinstance(value, float):
        return f"`{value:g}`"
    return f"`{json.dumps(list(value) if isinstance(value, tuple) else value)}`"


def description(field: FieldInfo) -> str:
    return " ".join((field.description or "").split())


def _unwrap_optional(annotation: Any) -> Any:
    """The type a person writes: without None, validators, or the Output a secret may be."""
    while True:
        if get_origin(annotation) not in (Annotated, Union, types.UnionType):
            return annotation
        annotation = get_args(annotation)[0]


def package_type(name: str, field: FieldInfo) -> str:
    """The Python type of the package's input: what a program in any language passes."""
    declared = _extra(field).get("packageType")
    if declared:
        return str(declared)
    kind = _unwrap_optional(field.annotation)
    if kind in _PYTHON_TYPES:
        return _PYTHON_TYPES[kind]
    origin, args = get_origin(kind), get_args(kind)
    if origin is tuple and args[1:] == (Ellipsis,) and args[0] in _PYTHON_TYPES:
        return f"list[{_PYTHON_TYPES[args[0]]}]"
    if origin is dict and args == (str, str):
        return "dict[str, str]"
    raise TypeError(f"{name}: say which type the package takes (`package_type`), for {kind}")


def _docstring(text: str) -> list[str]:
    if '"""' in text or "\\" in text:
        raise ValueError(f"a description cannot hold triple quotes or backslashes: {text}")
    lines = textwrap.wrap(f'"""{text}"""', width=96, break_on_hyphens=False)
    return [f"    {line}" for line in lines]


def package_inputs_source() -> str:
    lines = [
        '"""The inputs of the package component `LeaveApprovals`: made from StackSettings by',
        f"`{REGENERATE}`; edit the model (stack_settings.py), not this file.",
        "",
        "Their names are the stack's config keys in snake_case (the schema's are the keys), their",
        'docstrings the descriptions in the package\'s schema."""',
        "",
        "from typing import Any, NotRequired, TypedDict",
        "",
        "import pulumi",
        "",
        "",
        "class LeaveApprovalsArgs(TypedDict):",
        '    """The stack settings of docs/deploying.md, as inputs; the signing keys may be',
        '    secrets."""',
        "",
    ]
    for name, field in StackSettings.model_fields.items():
        kind = f"pulumi.Input[{package_type(name, field)}]"
        if not field.is_required():
            kind = f"NotRequired[{kind}]"
        text = description(field)
        text += f" Takes {takes(field)}."
        if not field.is_required():
            text += f" Default: {default_shown(field)}."
        lines += [f"    {name}: {kind}", *_docstring(text)]
    return "\n".join(lines) + "\n"


def settings_table() -> str:
    rows = [
        TABLE_START,
        "",
        "| key | default | takes | what it is |",
        "| --- | --- | --- | --- |",
        "| `aws:region` | (none) | a region with durable functions (`us-east-2`) | where "
        "everything is created |",
    ]
    for field in StackSettings.model_fields.values():
        rows.append(
            f"| `{field.alias}` | {default_shown(field)} | {takes(field)} | {description(field)} |"
        )
    rows += ["", TABLE_END]
    return "\n".join(rows)


def deploying_with_table(document: str) -> str:
    section = re.compile(re.escape(TABLE_START) + ".*?" + re.escape(TABLE_END), re.DOTALL)
    if not section.search(document):
        raise ValueError(f"{DEPLOYING} has no settings table between {TABLE_START} and {TABLE_END}")
    return section.sub(lambda _: settings_table(), document)


def write() -> list[Path]:
    """Rewrite whichever file the model no longer matches; answer those rewritten."""
    wanted = {
        PACKAGE_INPUTS: package_inputs_source(),
        DEPLOYING: deploying_with_table(DEPLOYING.read_text()),
    }
    changed = [
        path for path, text in wanted.items() if not path.exists() or path.read_text() != text
    ]
    for path in changed:
        path.write_text(wanted[path])
    return changed
