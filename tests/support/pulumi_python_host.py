"""How the Pulumi CLI loads a Python plugin (a component package, a policy pack) from its
directory, written out from Pulumi's sources, and a check of a plugin directory against it: the
CLI is not installable here, so this is what stands in for `pulumi package add` and
`pulumi preview --policy-pack` finding and starting our code.

Sources, pulumi/pulumi (read at 1b59498, August 2026; the lock-file detection below dates from
v3.227.0):
- sdk/go/common/resource/plugin/plugin.go, `execPlugin`: a plugin directory without a binary is
  read through its `PulumiPlugin.yaml` (a component package) or `PulumiPolicy.yaml` (a policy
  pack), `workspace.LoadPluginProject`; its runtime's language host runs it, the plugin
  directory being both the root and the program directory (`NewProgramInfo(pluginDir,
  pluginDir, ".", runtime options)`); the engine's address is its first argument.
- sdk/go/common/workspace/project.go: `PluginProject` (runtime, packages,
  requiredPulumiVersion, template) and `PolicyPackProject` (runtime, version, main,
  description, author, website, license) are what the files may hold (other keys are silently
  dropped); `runtime` is a name, or an object with `name` and `options`; a runtime is required.
- sdk/python/cmd/pulumi-language-python/main.go, `parseOptions`: the options the Python host
  reads are `virtualenv` (text), `typechecker` (mypy | pyright) and `toolchain` (pip | poetry |
  uv); any other key is ignored, so a misspelt one silently falls back to the default (for a
  package: a virtualenv named `venv`).
- sdk/python/toolchain/toolchain.go, `ResolveToolchain`, pip.go and uv.go: with no `toolchain`,
  uv is chosen when a `uv.lock` is found in the plugin directory or any directory above it, else
  poetry for a `poetry.lock`, else pip. pip and uv both resolve a relative `virtualenv` against
  the plugin directory. pip runs `<virtualenv>/bin/python` with the virtualenv activated; uv runs
  the same python, after `uv sync --inexact` in the plugin directory with
  `UV_PROJECT_ENVIRONMENT=<virtualenv>`, and needs `uv` on PATH to start at all. A virtualenv is
  a directory holding `bin/python` (`IsVirtualEnv`).
- main.go, `RunPlugin`: a package with a `__main__.py` runs as `python <plugin dir> <engine
  address>` (Python runs the directory's `__main__.py`); a policy pack as
  `python -u -m pulumi.policy <engine address> <pack dir>`, from the pack's directory (the SDK's
  pulumi/policy/__main__.py runs the directory's `__main__.py`). Either prints the port of its
  gRPC server on its first line of output (pulumi.provider.main; pulumi_policy's PolicyPack).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PACKAGE_FILE = "PulumiPlugin.yaml"
POLICY_PACK_FILE = "PulumiPolicy.yaml"
TOP_LEVEL_KEYS = {
    PACKAGE_FILE: {"runtime", "packages", "requiredPulumiVersion", "template"},
    # The CLI reads a pack's file both as a plugin and as a policy pack project.
    POLICY_PACK_FILE: {
        "runtime",
        "packages",
        "requiredPulumiVersion",
        "template",
        "version",
        "main",
        "description",
        "author",
        "website",
        "license",
    },
}
PYTHON_OPTIONS = {
    "virtualenv": None,  # any text
    "typechecker": {"mypy", "pyright"},
    "toolchain": {"pip", "poetry", "uv"},
}
DEFAULT_PACKAGE_VIRTUALENV = "venv"


class PluginLayoutError(Exception):
    """The Python host would not start the plugin as laid out: each problem names its key."""

    def __init__(self, file: Path, problems: list[str]) -> None:
        super().__init__(f"{file}: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PluginLaunch:
    """How the Python host starts the plugin: with which toolchain, virtualenv and command."""

    directory: Path
    toolchain: str
    virtualenv: Path
    python: Path
    before_engine_address: tuple[str, ...]
    after_engine_address: tuple[str, ...]
    # A pack runs from its own directory; a package from the program's (None).
    cwd: Path | None
    # What the toolchain needs of the machine besides the virtualenv.
    needs_on_path: tuple[str, ...]

    def command(self, engine_address: str) -> list[str]:
        return [*self.before_engine_address, engine_address, *self.after_engine_address]

    def environment(self) -> dict[str, str]:
        """The environment the host gives it: the virtualenv activated."""
        environment = {k: v for k, v in os.environ.items() if k != "PYTHONHOME"}
        environment["VIRTUAL_ENV"] = str(self.virtualenv)
        environment["PATH"] = f"{self.virtualenv / 'bin'}{os.pathsep}{environment.get('PATH', '')}"
        return environment


def _search_up(directory: Path, name: str) -> Path | None:
    for candidate in (directory, *directory.parents):
        if (candidate / name).exists():
            return candidate
    return None


def _toolchain(directory: Path, chosen: str | None) -> str:
    if chosen:
        return chosen
    if _search_up(directory, "uv.lock"):
        return "uv"
    if _search_up(directory, "poetry.lock"):
        return "poetry"
    return "pip"


def _runtime(document: dict[str, Any], problems: list[str]) -> tuple[str, dict[str, Any]]:
    runtime = document.get("runtime")
    if isinstance(runtime, str):
        return runtime, {}
    if not isinstance(runtime, dict) or not runtime.get("name"):
        problems.append("runtime: missing, or not a name or an object with a name")
        return "", {}
    options = runtime.get("options") or {}
    if not isinstance(options, dict):
        problems.append("runtime.options: not an object")
        return str(runtime["name"]), {}
    return str(runtime["name"]), options


def _option_problems(options: dict[str, Any]) -> list[str]:
    problems = []
    for key, value in options.items():
        if key not in PYTHON_OPTIONS:
            problems.append(
                f"runtime.options.{key}: not an option the Python host reads "
                f"({', '.join(sorted(PYTHON_OPTIONS))}); it would be ignored"
            )
            continue
        allowed = PYTHON_OPTIONS[key]
        if not isinstance(value, str):
            problems.append(f"runtime.options.{key}: must be text")
        elif allowed is not None and value not in allowed:
            problems.append(f"runtime.options.{key}: {value!r} is not one of {sorted(allowed)}")
    return problems


def check_plugin(directory: Path, file_name: str) -> PluginLaunch:
    """The plugin in `directory` as the Python host would start it, or every reason it would
    not (PluginLayoutError)."""
    directory = directory.absolute()
    file = directory / file_name
    if not file.is_file():
        raise PluginLayoutError(file, [f"{file_name}: missing"])
    document = yaml.safe_load(file.read_text()) or {}
    problems = [
        f"{key}: not a key Pulumi reads from {file_name}"
        for key in document
        if key not in TOP_LEVEL_KEYS[file_name]
    ]
    name, options = _runtime(document, problems)
    if name and name != "python":
        problems.append(f"runtime.name: {name!r}, not python: the code here is Python")
    problems += _option_problems(options)
    is_pack = file_name == POLICY_PACK_FILE
    toolchain = _toolchain(directory, options.get("toolchain"))
    if toolchain == "poetry":
        problems.append("runtime.options.toolchain: poetry keeps its own environment")
    chosen = options.get("virtualenv")
    if not chosen and not is_pack and toolchain == "pip":
        chosen = DEFAULT_PACKAGE_VIRTUALENV
    virtualenv = Path(os.path.normpath(directory / (chosen or ".")))
    python = virtualenv / "bin" / "python"
    if not chosen:
        problems.append(
            "runtime.options.virtualenv: missing: name the project's environment rather than "
            "leave it to the toolchain's default"
        )
    elif not python.is_file():
        problems.append(
            f"runtime.options.virtualenv: {chosen!r} resolves to {virtualenv}, "
            "which is not a virtualenv (no bin/python)"
        )
    if not (directory / "__main__.py").is_file():
        problems.append("__main__.py: missing from the plugin directory: nothing to run")
    if problems:
        raise PluginLayoutError(file, problems)
    return PluginLaunch(
        directory=directory,
        toolchain=toolchain,
        virtualenv=virtualenv,
        python=python,
        before_engine_address=(
            (str(python), "-u", "-m", "pulumi.policy") if is_pack else (str(python), str(directory))
        ),
        after_engine_address=(str(directory),) if is_pack else (),
        cwd=directory if is_pack else None,
        needs_on_path=("uv",) if toolchain == "uv" else (),
    )
