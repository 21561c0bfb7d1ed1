"""The workflow's published versions: each execution replays the code it started on.

On AWS every deploy publishes a version of the durable function (its code and its settings,
frozen) and moves the alias to it; an execution started through the alias keeps replaying the
version it started on. Here, on every start, the sandbox publishes a version when the
workflow's code (what its workers import from the project: `handlers/`, hashed) or its
settings differ from the newest version recorded in the data dir. Each version keeps a copy of
that code and the settings it was published with in `DIR/versions/<n>/`; the alias points at
the newest; `DIR/versions/executions.json` remembers which version each execution started on,
and every invocation of an execution runs in a worker of its version (lambda_runtime.py, with
the version's copy first on the import path).

The code comes from the project unless `--workflow-code DIR` names another directory holding
a `handlers/` package: how a test changes the workflow between two runs of one data dir.
Executions started before a data dir kept versions replay its first version.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sandbox.functions import LambdaFunction, function_arn
from sandbox.lambda_runtime import FunctionRuntime, Invocation, InvocationResult, LogSink

# The package the workflow's workers import, copied into each version.
CODE_PACKAGE = "handlers"
VERSIONS_DIR = "versions"
_VERSION_FILE = "version.json"
_EXECUTIONS_FILE = "executions.json"
_NOT_CODE = shutil.ignore_patterns("__pycache__", "*.pyc")


def code_hash(code_root: Path) -> str:
    """A hash of the package's files (their paths and bytes), compiled files left out."""
    digest = hashlib.sha256()
    package = code_root / CODE_PACKAGE
    for path in sorted(package.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts or path.suffix == ".pyc":
            continue
        digest.update(path.relative_to(package).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class PublishedVersion:
    number: int
    code_hash: str
    # The function's environment (handlers/settings.py) as it was published.
    settings: Mapping[str, str]
    # Holds the version's copy of `handlers/`: the workers' working directory.
    code_root: Path

    @property
    def name(self) -> str:
        return str(self.number)


class WorkflowVersions:
    """One durable function's versions, kept in `DIR/versions`."""

    def __init__(self, data_dir: Path) -> None:
        self._directory = data_dir / VERSIONS_DIR
        self._lock = threading.Lock()
        # Held while an execution starts and its version is written down: the emulator may
        # invoke it before the start returns its ARN, and that invocation waits for the record.
        self.starting = threading.Lock()
        self.versions: list[PublishedVersion] = []
        self._executions: dict[str, int] = {}

    def load(self) -> None:
        """Read what the data dir recorded: its versions and its executions' versions."""
        found = []
        for path in self._directory.glob(f"*/{_VERSION_FILE}"):
            recorded = json.loads(path.read_text())
            found.append(
                PublishedVersion(
                    int(recorded["version"]),
                    recorded["code_hash"],
                    dict(recorded["settings"]),
                    path.parent,
                )
            )
        self.versions = sorted(found, key=lambda version: version.number)
        executions = self._directory / _EXECUTIONS_FILE
        if executions.exists():
            self._executions = {
                arn: int(number) for arn, number in json.loads(executions.read_text()).items()
            }

    def publish_if_changed(self, code_root: Path, settings: Mapping[str, str]) -> PublishedVersion:
        """The newest version, after publishing one if the code or the settings changed."""
        self.load()
        current = code_hash(code_root)
        newest = self.versions[-1] if self.versions else None
        if newest and newest.code_hash == current and dict(newest.settings) == dict(settings):
            return newest
        number = newest.number + 1 if newest else 1
        target = self._directory / str(number)
        partial = self._directory / f".{number}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(code_root / CODE_PACKAGE, partial / CODE_PACKAGE, ignore=_NOT_CODE)
        if code_hash(partial) != current:
            raise RuntimeError(f"{code_root / CODE_PACKAGE} changed while it was copied")
        recorded = {"version": number, "code_hash": current, "settings": dict(settings)}
        (partial / _VERSION_FILE).write_text(json.dumps(recorded, indent=2, sort_keys=True))
        # Published whole or not at all: a crash mid-copy leaves only the partial directory.
        partial.replace(target)
        version = PublishedVersion(number, current, dict(settings), target)
        self.versions.append(version)
        return version

    @property
    def newest(self) -> PublishedVersion:
        return self.versions[-1]

    def resolve(self, qualifier: str | None, alias: str) -> PublishedVersion | None:
        """The version a qualifier names: the alias (or $LATEST) the newest, a number itself."""
        if qualifier in (None, alias, "$LATEST"):
            return self.newest
        return next((v for v in self.versions if v.name == qualifier), None)

    def started(self, execution_arn: str, version: PublishedVersion) -> None:
        """Remember the version an execution started on (written before it first runs)."""
        with self._lock:
            self._executions[execution_arn] = version.number
            self._directory.mkdir(parents=True, exist_ok=True)
            path = self._directory / _EXECUTIONS_FILE
            partial = path.with_suffix(".tmp")
            partial.write_text(json.dumps(self._executions, indent=1, sort_keys=True))
            partial.replace(path)

    def knows(self, execution_arn: str) -> bool:
        """Whether the version the execution started on was written down."""
        with self._lock:
            return execution_arn in self._executions

    def of_execution(self, execution_arn: str) -> PublishedVersion:
        """The version the execution started on; the first for one started before versions
        were kept."""
        with self._lock:
            number = self._executions.get(execution_arn)
        if number is None:
            with self.starting:  # it may be starting now: its record is written next
                pass
            with self._lock:
                number = self._executions.get(execution_arn)
        return next((v for v in self.versions if v.number == number), self.versions[0])


class VersionedRuntime:
    """A durable function's environments, kept apart by version: each invocation of an
    execution runs in an environment of the version it started on, with that version's code
    and settings."""

    def __init__(
        self,
        function: LambdaFunction,
        platform: Mapping[str, str],
        sink: LogSink,
        versions: WorkflowVersions,
    ) -> None:
        self.function = function
        self.versions = versions
        self._platform = platform
        self._sink = sink
        self._lock = threading.Lock()
        self._runtimes: dict[int, FunctionRuntime] = {}

    @property
    def arn(self) -> str:
        return function_arn(self.function.name)

    def _runtime(self, version: PublishedVersion) -> FunctionRuntime:
        with self._lock:
            runtime = self._runtimes.get(version.number)
            if runtime is None:
                runtime = FunctionRuntime(
                    dataclasses.replace(self.function, settings=dict(version.settings)),
                    self._platform,
                    self._sink,
                    code_root=version.code_root,
                    version=version.name,
                )
                self._runtimes[version.number] = runtime
            return runtime

    def version_invoked(self, invocation: Invocation) -> PublishedVersion:
        """The version an invocation runs: its execution's (the durable invocation input names
        the execution), else the newest."""
        try:
            arn = json.loads(invocation.payload or b"{}").get("DurableExecutionArn")
        except (ValueError, AttributeError):
            arn = None
        return self.versions.of_execution(arn) if isinstance(arn, str) else self.versions.newest

    def warm(self) -> None:
        self._runtime(self.versions.newest).warm()

    def invoke(self, invocation: Invocation) -> InvocationResult:
        version = self.version_invoked(invocation)
        qualified = dataclasses.replace(
            invocation, invoked_arn=function_arn(self.function.name, version.name)
        )
        return self._runtime(version).invoke(qualified)

    def _all(self) -> list[FunctionRuntime]:
        with self._lock:
            return list(self._runtimes.values())

    def wait_until_idle(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        return all(r.wait_until_idle(max(0, deadline - time.monotonic())) for r in self._all())

    def stop(self) -> None:
        for runtime in self._all():
            runtime.stop()
