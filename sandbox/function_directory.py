"""What the local Lambda API says about its functions: ListFunctions, GetFunction,
GetFunctionConfiguration, GetAlias.

Shaped as Lambda answers them, so `aws lambda list-functions`, `get-function` and `get-alias`
work against the sandbox. A durable function has one published version, `1`, and its alias
(`live`) points at it, as the deployed stack publishes a version for the alias on each deploy.
"""

from typing import Any

from components.packaging import LAMBDA_ARCHITECTURE, LAMBDA_RUNTIME
from sandbox.config import ACCOUNT_ID
from sandbox.functions import WORKFLOW_ALIAS, LambdaFunction, function_arn

PUBLISHED_VERSION = "1"


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


def versions_of(function: LambdaFunction) -> dict[str, str]:
    """Qualifier -> version: `$LATEST` always; a durable function's alias and its version."""
    versions = {"$LATEST": "$LATEST"}
    if function.durable is not None:
        versions |= {PUBLISHED_VERSION: PUBLISHED_VERSION, WORKFLOW_ALIAS: PUBLISHED_VERSION}
    return versions


def list_functions(functions: list[LambdaFunction]) -> dict[str, Any]:
    return {
        "Functions": [function_configuration(f) for f in sorted(functions, key=lambda f: f.name)]
    }


def get_function(function: LambdaFunction, qualifier: str | None) -> dict[str, Any] | None:
    version = versions_of(function).get(qualifier or "$LATEST")
    if version is None:
        return None
    return {
        "Configuration": function_configuration(function, version),
        "Code": {"RepositoryType": "S3", "Location": "file:///sandbox/handlers"},
    }


def get_function_configuration(
    function: LambdaFunction, qualifier: str | None
) -> dict[str, Any] | None:
    version = versions_of(function).get(qualifier or "$LATEST")
    return None if version is None else function_configuration(function, version)


def get_alias(function: LambdaFunction, alias: str) -> dict[str, Any] | None:
    if function.durable is None or alias != WORKFLOW_ALIAS:
        return None
    return {
        "AliasArn": function_arn(function.name, alias),
        "Name": alias,
        "FunctionVersion": PUBLISHED_VERSION,
        "Description": "Every invoke, permission and event target of the workflow",
    }


def as_published(execution: dict[str, Any]) -> dict[str, Any]:
    """An execution as Lambda describes it: on the version it runs (every execution is started
    through the alias, so on its one published version), where the emulator says `$LATEST`."""
    described = dict(execution)
    if str(described.get("FunctionArn", "")).endswith(":$LATEST"):
        described["FunctionArn"] = (
            described["FunctionArn"].rsplit(":", 1)[0] + ":" + PUBLISHED_VERSION
        )
    if described.get("Version") == "$LATEST":
        described["Version"] = PUBLISHED_VERSION
    return described
