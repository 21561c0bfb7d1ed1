"""What the local Lambda API says about its functions: ListFunctions, GetFunction,
GetFunctionConfiguration, GetAlias, ListVersionsByFunction.

Shaped as Lambda answers them, so `aws lambda list-functions`, `get-function`,
`get-alias` and `list-versions-by-function` work against the sandbox. A durable function has
the versions the sandbox published (sandbox/versions.py), each with the settings it was
published with, and its alias (`live`) points at the newest, as the deployed stack publishes
a version for the alias on each deploy.
"""

import dataclasses
from typing import Any

from components.packaging import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME
from sandbox.config import ACCOUNT_ID
from sandbox.functions import WORKFLOW_ALIAS, LambdaFunction, function_arn
from sandbox.versions import PublishedVersion, WorkflowVersions


def function_configuration(function: LambdaFunction, version: str = "$LATEST") -> dict[str, Any]:
    configuration: dict[str, Any] = {
        "FunctionName": function.name,
        "FunctionArn": function_arn(function.name, None if version == "$LATEST" else version),
        "Runtime": LAMBDA_RUNTIME,
        "Role": f"arn:aws:iam::{ACCOUNT_ID}:role/{function.name}",
        "Handler": function.handler,
        "Timeout": function.timeout_seconds,
        "MemorySize": function.memory_mb,
        "Version": version,
        "Architectures": [LAMBDA_ARCHITECTURE],
        "State": "Active",
        "PackageType": "Zip",
        "LoggingConfig": {"LogFormat": "Text", "LogGroup": function.log_group},
        "Environment": {"Variables": dict(function.settings)},
    }
    if function.durable is not None:
        configuration["DurableConfig"] = {
            "ExecutionTimeout": function.durable.execution_timeout_seconds,
            "RetentionPeriodInDays": function.durable.retention_period_days,
        }
    return configuration


def _as_published(function: LambdaFunction, version: PublishedVersion) -> dict[str, Any]:
    published = dataclasses.replace(function, settings=dict(version.settings))
    return function_configuration(published, version.name)


def list_functions(functions: list[LambdaFunction]) -> dict[str, Any]:
    return {
        "Functions": [function_configuration(f) for f in sorted(functions, key=lambda f: f.name)]
    }


def get_function(
    function: LambdaFunction, qualifier: str | None, versions: WorkflowVersions | None = None
) -> dict[str, Any] | None:
    if qualifier in (None, "$LATEST"):
        configuration = function_configuration(function)
    elif versions is None:
        return None
    else:
        version = versions.resolve(qualifier, WORKFLOW_ALIAS)
        if version is None:
            return None
        configuration = _as_published(function, version)
    return {
        "Configuration": configuration,
        "Code": {"RepositoryType": "S3", "Location": "file:///sandbox/handlers"},
    }


def get_function_configuration(
    function: LambdaFunction, qualifier: str | None, versions: WorkflowVersions | None = None
) -> dict[str, Any] | None:
    found = get_function(function, qualifier, versions)
    return None if found is None else dict(found["Configuration"])


def list_versions(
    function: LambdaFunction, versions: WorkflowVersions | None = None
) -> dict[str, Any]:
    published = [] if versions is None else versions.versions
    return {
        "Versions": [
            function_configuration(function),
            *(_as_published(function, version) for version in published),
        ]
    }


def get_alias(
    function: LambdaFunction, alias: str, versions: WorkflowVersions | None = None
) -> dict[str, Any] | None:
    if versions is None or alias != WORKFLOW_ALIAS:
        return None
    return {
        "AliasArn": function_arn(function.name, alias),
        "Name": alias,
        "FunctionVersion": versions.newest.name,
        "Description": "Every invoke, permission and event target of the workflow",
    }


def as_published(execution: dict[str, Any], version: str) -> dict[str, Any]:
    """An execution as Lambda describes it: on the version it started on, where the emulator
    says `$LATEST`."""
    described = dict(execution)
    if str(described.get("FunctionArn", "")).endswith(":$LATEST"):
        described["FunctionArn"] = described["FunctionArn"].rsplit(":", 1)[0] + ":" + version
    if described.get("Version") == "$LATEST":
        described["Version"] = version
    return described
