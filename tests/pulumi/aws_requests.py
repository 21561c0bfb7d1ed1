"""What AWS is asked when each resource the program registered is created: its Pulumi inputs (as
the engine sends them, camelCase: `Registered.inputs`) as the AWS API request(s) pulumi-aws's
provider (terraform-provider-aws) makes for them, so that botocore's model can check them
(tests/support/aws_api_model.py) and the written-out rules after it (tests/support/aws_limits.py).

One mapping per resource type, `requests_for` the entry point. A type with no mapping, and an
input its mapping does not place, fail loudly: a new resource or option cannot slip through
unchecked. Each mapping writes out where an input goes when the API's name is not the input's
own; a nested block whose members carry the same names (but for case: `callbackUrls` is
`CallbackURLs`) is fitted to its API shape by `fitted`, so a nested option the API lacks stays
in the request and the model names it.

Where a resource is more than one call, the calls are the provider's: a log group's retention is
`PutRetentionPolicy` after `CreateLogGroup`, a function's reserved concurrency
`PutFunctionConcurrency`, a table's point-in-time recovery `UpdateContinuousBackups`, a user
pool's second factor `SetUserPoolMfaConfig` (only when MFA is not OFF), a topic policy
`SetTopicAttributes`, `MethodSettings` an `UpdateStage` of patch operations, a `TableItem`
`PutItem`, an SES `EmailIdentity` (v1) `VerifyEmailIdentity`. Inputs only the provider reads (a
code hash, a redeploy trigger) are listed as such.

Values other resources give (ids, ARNs) are the mocks' (tests/pulumi/mocks.py), which answer in
AWS's formats. Values that only exist at deploy time are stubbed with realistic ones, and each
request lists the members it stubbed: names Pulumi makes up (the logical name, a dash and seven
random hex digits: an IAM role's and role policy's name, a permission's statement id, an event
target's id) and the bytes of an archive that is not on disk.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from botocore.model import ListShape, MapShape, Shape, StructureShape

from tests.pulumi.mocks import Registered
from tests.support.aws_api_model import operation_model

# Pulumi's auto-name suffix: a dash and seven random hex digits (stubbed fixed).
AUTONAME_SUFFIX = "-0a1b2c3"
# An empty zip archive: what stands in for an archive's bytes when its file is not at hand.
EMPTY_ZIP = b"PK\x05\x06" + b"\x00" * 18
# How Pulumi marks a secret value inside a resource's recorded inputs.
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"


@dataclass(frozen=True)
class ApiRequest:
    """One call the provider makes for a resource: the botocore service and operation, the
    request as AWS receives it, and which members hold stand-in values (`stubbed`)."""

    service: str
    operation: str
    params: dict[str, Any]
    stubbed: tuple[str, ...] = ()


class UnmappedInput(AssertionError):
    """A resource type with no mapping, or an input its mapping does not place."""


@dataclass
class Inputs:
    """A resource's inputs, taken one by one by its mapping; `untaken` is what none took."""

    resource: Registered
    values: dict[str, Any]
    taken: set[str] = field(default_factory=set)

    def take(self, key: str) -> Any:
        self.taken.add(key)
        return self.values.get(key)

    def not_sent(self, key: str, why: str) -> None:
        """An input the provider reads itself and sends to no API (`why` says what it does)."""
        assert why
        self.taken.add(key)

    def untaken(self) -> list[str]:
        return sorted(set(self.values) - self.taken)

    @property
    def name(self) -> str:
        return self.resource.name


def plain(value: Any) -> Any:
    """A recorded input without Pulumi's secret wrappers, its archives as they are."""
    if isinstance(value, Mapping):
        if SECRET_SIGNATURE in value:
            return plain(value.get("value"))
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def present(**members: Any) -> dict[str, Any]:
    """The members given a value (an input left unset is not sent)."""
    return {name: value for name, value in members.items() if value is not None}


def autoname(resource: Inputs) -> str:
    return f"{resource.name}{AUTONAME_SUFFIX}"


def archive_bytes(archive: Any) -> tuple[bytes, bool]:
    """An archive's bytes as the provider uploads them, and whether they are a stand-in."""
    if isinstance(archive, pulumi.FileArchive) and Path(archive.path).is_file():
        return Path(archive.path).read_bytes(), False
    return EMPTY_ZIP, True


def tag_list(tags: Mapping[str, str] | None) -> list[dict[str, str]] | None:
    """Tags as the APIs that take a list of them want them."""
    if tags is None:
        return None
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def name_values(dimensions: Mapping[str, str] | None) -> list[dict[str, str]] | None:
    """A metric's dimensions as CloudWatch's API takes them."""
    if dimensions is None:
        return None
    return [{"Name": name, "Value": value} for name, value in dimensions.items()]


def fitted(shape: Shape, value: Any) -> Any:
    """A Pulumi block as `shape`: each member under the API's own spelling of its name where
    the two differ only in case (a map's keys are data, and kept). What matches no member keeps
    its Pulumi name, for the model to refuse."""
    if isinstance(shape, StructureShape) and isinstance(value, Mapping):
        spelling = {member.lower(): member for member in shape.members}
        result = {}
        for key, item in value.items():
            member = key if key in shape.members else spelling.get(key.lower(), key)
            inner = shape.members.get(member)
            result[member] = fitted(inner, item) if inner is not None else item
        return result
    if isinstance(shape, ListShape) and isinstance(value, list):
        return [fitted(shape.member, item) for item in value]
    if isinstance(shape, MapShape) and isinstance(value, Mapping):
        return {key: fitted(shape.value, item) for key, item in value.items()}
    return value


def request(
    service: str, operation: str, params: dict[str, Any], stubbed: tuple[str, ...] = ()
) -> ApiRequest:
    """The request, its blocks fitted to the operation's shapes."""
    shape = operation_model(service, operation).input_shape
    return ApiRequest(service, operation, fitted(shape, params), stubbed)


# ---------------------------------------------------------------------------------------------
# API Gateway (REST). Its API's members are camelCase already.


def _rest_api(r: Inputs) -> Iterator[ApiRequest]:
    endpoint = r.take("endpointConfiguration")
    if endpoint is not None and isinstance(endpoint.get("types"), str):
        # pulumi-aws 7 takes one endpoint type; the API takes a list.
        endpoint = {**endpoint, "types": [endpoint["types"]]}
    yield request(
        "apigateway",
        "CreateRestApi",
        present(
            name=r.take("name"),
            description=r.take("description"),
            endpointConfiguration=endpoint,
            binaryMediaTypes=r.take("binaryMediaTypes"),
            minimumCompressionSize=r.take("minimumCompressionSize"),
            apiKeySource=r.take("apiKeySource"),
            policy=r.take("policy"),
            disableExecuteApiEndpoint=r.take("disableExecuteApiEndpoint"),
            tags=r.take("tags"),
        ),
    )


def _rest_resource(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "apigateway",
        "CreateResource",
        present(
            restApiId=r.take("restApi"), parentId=r.take("parentId"), pathPart=r.take("pathPart")
        ),
    )


def _method(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "apigateway",
        "PutMethod",
        present(
            restApiId=r.take("restApi"),
            resourceId=r.take("resourceId"),
            httpMethod=r.take("httpMethod"),
            authorizationType=r.take("authorization"),
            authorizerId=r.take("authorizerId"),
            apiKeyRequired=r.take("apiKeyRequired"),
            requestParameters=r.take("requestParameters"),
        ),
    )


def _integration(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "apigateway",
        "PutIntegration",
        present(
            restApiId=r.take("restApi"),
            resourceId=r.take("resourceId"),
            httpMethod=r.take("httpMethod"),
            type=r.take("type"),
            integrationHttpMethod=r.take("integrationHttpMethod"),
            uri=r.take("uri"),
            timeoutInMillis=r.take("timeoutMilliseconds"),
            passthroughBehavior=r.take("passthroughBehavior"),
            contentHandling=r.take("contentHandling"),
        ),
    )


def _gateway_response(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "apigateway",
        "PutGatewayResponse",
        present(
            restApiId=r.take("restApiId"),
            responseType=r.take("responseType"),
            statusCode=r.take("statusCode"),
            responseParameters=r.take("responseParameters"),
            responseTemplates=r.take("responseTemplates"),
        ),
    )


def _deployment(r: Inputs) -> Iterator[ApiRequest]:
    r.not_sent("triggers", "a change to them replaces the deployment")
    yield request(
        "apigateway",
        "CreateDeployment",
        present(
            restApiId=r.take("restApi"),
            description=r.take("description"),
            variables=r.take("variables"),
        ),
    )


def _stage(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "apigateway",
        "CreateStage",
        present(
            restApiId=r.take("restApi"),
            stageName=r.take("stageName"),
            deploymentId=r.take("deployment"),
            description=r.take("description"),
            variables=r.take("variables"),
            tracingEnabled=r.take("xrayTracingEnabled"),
            tags=r.take("tags"),
        ),
    )


# terraform-provider-aws's method settings: each setting a patch operation on the stage, at
# `/{methodPath}/{path}`, its value as text (`%d` for integers, `%f` for numbers, `%t` for
# booleans; Go's `%f` writes six decimals).
METHOD_SETTING_PATHS = {
    "metricsEnabled": "metrics/enabled",
    "loggingLevel": "logging/loglevel",
    "dataTraceEnabled": "logging/dataTrace",
    "throttlingBurstLimit": "throttling/burstLimit",
    "throttlingRateLimit": "throttling/rateLimit",
    "cachingEnabled": "caching/enabled",
    "cacheTtlInSeconds": "caching/ttlInSeconds",
    "cacheDataEncrypted": "caching/dataEncrypted",
    "requireAuthorizationForCacheControl": "caching/requireAuthorizationForCacheControl",
    "unauthorizedCacheControlHeaderStrategy": "caching/unauthorizedCacheControlHeaderStrategy",
}
_WHOLE_SETTINGS = {"throttlingBurstLimit", "cacheTtlInSeconds"}


def _patch_value(setting: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if setting in _WHOLE_SETTINGS:
        return f"{int(value)}"
    if isinstance(value, int | float):
        return f"{value:f}"
    return str(value)


def _method_settings(r: Inputs) -> Iterator[ApiRequest]:
    method_path = r.take("methodPath")
    settings = r.take("settings") or {}
    unknown = sorted(set(settings) - set(METHOD_SETTING_PATHS))
    if unknown:
        raise UnmappedInput(f"settings.{unknown[0]} has no patch path here")
    operations = [
        {
            "op": "replace",
            "path": f"/{method_path}/{METHOD_SETTING_PATHS[setting]}",
            "value": _patch_value(setting, value),
        }
        for setting, value in settings.items()
    ]
    yield request(
        "apigateway",
        "UpdateStage",
        present(
            restApiId=r.take("restApi"), stageName=r.take("stageName"), patchOperations=operations
        ),
    )


# ---------------------------------------------------------------------------------------------
# CloudWatch, CloudWatch Logs, EventBridge


def _dashboard(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "cloudwatch",
        "PutDashboard",
        present(DashboardName=r.take("dashboardName"), DashboardBody=r.take("dashboardBody")),
    )


def _metric_query(query: Mapping[str, Any]) -> dict[str, Any]:
    """A Pulumi metric query as a `MetricDataQuery`: its `metric` is a `MetricStat` holding
    the `Metric`, dimensions a list of name and value."""
    query = dict(query)
    metric = query.pop("metric", None)
    if metric is not None:
        metric = dict(metric)
        dimensions = metric.pop("dimensions", None)
        query["MetricStat"] = present(
            Metric=present(
                Namespace=metric.pop("namespace", None),
                MetricName=metric.pop("metricName", None),
                Dimensions=name_values(dimensions),
            ),
            Period=metric.pop("period", None),
            Stat=metric.pop("stat", None),
            Unit=metric.pop("unit", None),
        )
        # Anything else in the metric block stays where the model will name it.
        query["MetricStat"].update(metric)
    return query


def _metric_alarm(r: Inputs) -> Iterator[ApiRequest]:
    queries = r.take("metricQueries")
    yield request(
        "cloudwatch",
        "PutMetricAlarm",
        present(
            AlarmName=r.take("name"),
            AlarmDescription=r.take("alarmDescription"),
            ActionsEnabled=r.take("actionsEnabled"),
            OKActions=r.take("okActions"),
            AlarmActions=r.take("alarmActions"),
            InsufficientDataActions=r.take("insufficientDataActions"),
            MetricName=r.take("metricName"),
            Namespace=r.take("namespace"),
            Statistic=r.take("statistic"),
            ExtendedStatistic=r.take("extendedStatistic"),
            Dimensions=name_values(r.take("dimensions")),
            Period=r.take("period"),
            Unit=r.take("unit"),
            EvaluationPeriods=r.take("evaluationPeriods"),
            DatapointsToAlarm=r.take("datapointsToAlarm"),
            Threshold=r.take("threshold"),
            ThresholdMetricId=r.take("thresholdMetricId"),
            ComparisonOperator=r.take("comparisonOperator"),
            TreatMissingData=r.take("treatMissingData"),
            EvaluateLowSampleCountPercentile=r.take("evaluateLowSampleCountPercentiles"),
            Metrics=[_metric_query(q) for q in queries] if queries is not None else None,
            Tags=tag_list(r.take("tags")),
        ),
    )


def _log_group(r: Inputs) -> Iterator[ApiRequest]:
    name = r.take("name")
    yield request(
        "logs",
        "CreateLogGroup",
        present(
            logGroupName=name,
            kmsKeyId=r.take("kmsKeyId"),
            logGroupClass=r.take("logGroupClass"),
            tags=r.take("tags"),
        ),
    )
    retention = r.take("retentionInDays")
    if retention:
        yield request(
            "logs", "PutRetentionPolicy", {"logGroupName": name, "retentionInDays": retention}
        )


def _log_resource_policy(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "logs",
        "PutResourcePolicy",
        present(policyName=r.take("policyName"), policyDocument=r.take("policyDocument")),
    )


def _event_bus(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "events",
        "CreateEventBus",
        present(
            Name=r.take("name"),
            Description=r.take("description"),
            KmsKeyIdentifier=r.take("kmsKeyIdentifier"),
            Tags=tag_list(r.take("tags")),
        ),
    )


def _event_rule(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "events",
        "PutRule",
        present(
            Name=r.take("name"),
            ScheduleExpression=r.take("scheduleExpression"),
            EventPattern=r.take("eventPattern"),
            State=r.take("state"),
            Description=r.take("description"),
            RoleArn=r.take("roleArn"),
            EventBusName=r.take("eventBusName"),
            Tags=tag_list(r.take("tags")),
        ),
    )


def _event_target(r: Inputs) -> Iterator[ApiRequest]:
    target_id = r.take("targetId")
    transformer = r.take("inputTransformer")
    if transformer is not None:
        transformer = present(
            InputPathsMap=transformer.get("inputPaths"),
            InputTemplate=transformer.get("inputTemplate"),
        ) | {k: v for k, v in transformer.items() if k not in {"inputPaths", "inputTemplate"}}
    target = present(
        Id=target_id or autoname(r),
        Arn=r.take("arn"),
        RoleArn=r.take("roleArn"),
        Input=r.take("input"),
        InputPath=r.take("inputPath"),
        InputTransformer=transformer,
        DeadLetterConfig=r.take("deadLetterConfig"),
        RetryPolicy=r.take("retryPolicy"),
    )
    yield request(
        "events",
        "PutTargets",
        present(Rule=r.take("rule"), EventBusName=r.take("eventBusName"), Targets=[target]),
        stubbed=() if target_id else ("Targets[0].Id",),
    )


def _event_archive(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "events",
        "CreateArchive",
        present(
            ArchiveName=r.take("name"),
            EventSourceArn=r.take("eventSourceArn"),
            Description=r.take("description"),
            EventPattern=r.take("eventPattern"),
            RetentionDays=r.take("retentionDays"),
            KmsKeyIdentifier=r.take("kmsKeyIdentifier"),
        ),
    )


# ---------------------------------------------------------------------------------------------
# Cognito


def _user_pool(r: Inputs) -> Iterator[ApiRequest]:
    password_policy = r.take("passwordPolicy")
    mfa = r.take("mfaConfiguration")
    software_token = r.take("softwareTokenMfaConfiguration")
    yield request(
        "cognito-idp",
        "CreateUserPool",
        present(
            PoolName=r.take("name"),
            Policies=({"PasswordPolicy": password_policy} if password_policy is not None else None),
            DeletionProtection=r.take("deletionProtection"),
            AutoVerifiedAttributes=r.take("autoVerifiedAttributes"),
            AliasAttributes=r.take("aliasAttributes"),
            UsernameAttributes=r.take("usernameAttributes"),
            UsernameConfiguration=r.take("usernameConfiguration"),
            AdminCreateUserConfig=r.take("adminCreateUserConfig"),
            AccountRecoverySetting=r.take("accountRecoverySetting"),
            UserPoolTier=r.take("userPoolTier"),
            UserPoolTags=r.take("tags"),
        ),
    )
    # The provider creates the pool, then sets its second factor unless MFA is off.
    if mfa is not None and mfa != "OFF":
        yield request(
            "cognito-idp",
            "SetUserPoolMfaConfig",
            present(
                UserPoolId=str(r.resource.outputs["arn"]).rsplit("/", 1)[-1],
                MfaConfiguration=mfa,
                SoftwareTokenMfaConfiguration=software_token,
            ),
        )


def _user_pool_client(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "cognito-idp",
        "CreateUserPoolClient",
        present(
            UserPoolId=r.take("userPoolId"),
            ClientName=r.take("name"),
            GenerateSecret=r.take("generateSecret"),
            RefreshTokenValidity=r.take("refreshTokenValidity"),
            AccessTokenValidity=r.take("accessTokenValidity"),
            IdTokenValidity=r.take("idTokenValidity"),
            TokenValidityUnits=r.take("tokenValidityUnits"),
            ReadAttributes=r.take("readAttributes"),
            WriteAttributes=r.take("writeAttributes"),
            ExplicitAuthFlows=r.take("explicitAuthFlows"),
            SupportedIdentityProviders=r.take("supportedIdentityProviders"),
            CallbackURLs=r.take("callbackUrls"),
            LogoutURLs=r.take("logoutUrls"),
            DefaultRedirectURI=r.take("defaultRedirectUri"),
            AllowedOAuthFlows=r.take("allowedOauthFlows"),
            AllowedOAuthScopes=r.take("allowedOauthScopes"),
            AllowedOAuthFlowsUserPoolClient=r.take("allowedOauthFlowsUserPoolClient"),
            PreventUserExistenceErrors=r.take("preventUserExistenceErrors"),
            EnableTokenRevocation=r.take("enableTokenRevocation"),
            AuthSessionValidity=r.take("authSessionValidity"),
        ),
    )


def _user_pool_domain(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "cognito-idp",
        "CreateUserPoolDomain",
        present(
            Domain=r.take("domain"),
            UserPoolId=r.take("userPoolId"),
            ManagedLoginVersion=r.take("managedLoginVersion"),
        ),
    )


# ---------------------------------------------------------------------------------------------
# DynamoDB


def _key_schema(hash_key: str | None, range_key: str | None) -> list[dict[str, str]]:
    keys = [("HASH", hash_key), ("RANGE", range_key)]
    return [{"AttributeName": name, "KeyType": kind} for kind, name in keys if name]


def _secondary_index(index: Mapping[str, Any]) -> dict[str, Any]:
    index = dict(index)
    key_schema = index.pop("keySchemas", None)
    if key_schema is None:
        key_schema = _key_schema(index.pop("hashKey", None), index.pop("rangeKey", None))
    projection = present(
        ProjectionType=index.pop("projectionType", None),
        NonKeyAttributes=index.pop("nonKeyAttributes", None),
    )
    return {"IndexName": index.pop("name", None), "KeySchema": key_schema, "Projection": projection}


def _table(r: Inputs) -> Iterator[ApiRequest]:
    name = r.take("name") or autoname(r)
    attributes = r.take("attributes")
    indexes = r.take("globalSecondaryIndexes")
    yield request(
        "dynamodb",
        "CreateTable",
        present(
            TableName=name,
            AttributeDefinitions=(
                [{"AttributeName": a["name"], "AttributeType": a["type"]} for a in attributes]
                if attributes is not None
                else None
            ),
            KeySchema=_key_schema(r.take("hashKey"), r.take("rangeKey")),
            GlobalSecondaryIndexes=(
                [_secondary_index(index) for index in indexes] if indexes is not None else None
            ),
            BillingMode=r.take("billingMode"),
            TableClass=r.take("tableClass"),
            DeletionProtectionEnabled=r.take("deletionProtectionEnabled"),
            Tags=tag_list(r.take("tags")),
        ),
        stubbed=() if r.values.get("name") else ("TableName",),
    )
    recovery = r.take("pointInTimeRecovery")
    # The provider turns point-in-time recovery on after creating the table; off is the default.
    if recovery is not None and recovery.get("enabled"):
        yield request(
            "dynamodb",
            "UpdateContinuousBackups",
            {
                "TableName": name,
                "PointInTimeRecoverySpecification": present(
                    PointInTimeRecoveryEnabled=recovery.get("enabled"),
                    RecoveryPeriodInDays=recovery.get("recoveryPeriodInDays"),
                ),
            },
            stubbed=() if r.values.get("name") else ("TableName",),
        )


def _table_item(r: Inputs) -> Iterator[ApiRequest]:
    hash_key = r.take("hashKey")
    r.not_sent("rangeKey", "with hashKey, it makes the resource's id")
    yield request(
        "dynamodb",
        "PutItem",
        present(
            TableName=r.take("tableName"),
            Item=json.loads(r.take("item")),
            # The provider creates an item only where none is.
            ConditionExpression="attribute_not_exists(#hk)",
            ExpressionAttributeNames={"#hk": hash_key},
        ),
    )


# ---------------------------------------------------------------------------------------------
# IAM


def _role(r: Inputs) -> Iterator[ApiRequest]:
    name = r.take("name")
    yield request(
        "iam",
        "CreateRole",
        present(
            RoleName=name or autoname(r),
            Path=r.take("path"),
            AssumeRolePolicyDocument=r.take("assumeRolePolicy"),
            Description=r.take("description"),
            MaxSessionDuration=r.take("maxSessionDuration"),
            PermissionsBoundary=r.take("permissionsBoundary"),
            Tags=tag_list(r.take("tags")),
        ),
        stubbed=() if name else ("RoleName",),
    )


def _role_policy(r: Inputs) -> Iterator[ApiRequest]:
    name = r.take("name")
    yield request(
        "iam",
        "PutRolePolicy",
        present(
            RoleName=r.take("role"),
            PolicyName=name or autoname(r),
            PolicyDocument=r.take("policy"),
        ),
        stubbed=() if name else ("PolicyName",),
    )


# ---------------------------------------------------------------------------------------------
# Lambda


def _function(r: Inputs) -> Iterator[ApiRequest]:
    r.not_sent("sourceCodeHash", "a change to it makes the provider upload the code again")
    zip_file, stand_in = archive_bytes(r.take("code"))
    durable = r.take("durableConfig")
    if durable is not None:
        durable = {
            ("RetentionPeriodInDays" if key == "retentionPeriod" else key): value
            for key, value in durable.items()
        }
    name = r.take("name")
    yield request(
        "lambda",
        "CreateFunction",
        present(
            FunctionName=name,
            Runtime=r.take("runtime"),
            Role=r.take("role"),
            Handler=r.take("handler"),
            Code={"ZipFile": zip_file},
            Description=r.take("description"),
            Timeout=r.take("timeout"),
            MemorySize=r.take("memorySize"),
            Publish=r.take("publish"),
            PackageType=r.take("packageType"),
            Environment=r.take("environment"),
            TracingConfig=r.take("tracingConfig"),
            Tags=r.take("tags"),
            Layers=r.take("layers"),
            Architectures=r.take("architectures"),
            EphemeralStorage=r.take("ephemeralStorage"),
            LoggingConfig=r.take("loggingConfig"),
            DurableConfig=durable,
            KMSKeyArn=r.take("kmsKeyArn"),
            SnapStart=r.take("snapStart"),
        ),
        stubbed=("Code.ZipFile",) if stand_in else (),
    )
    reserved = r.take("reservedConcurrentExecutions")
    # The provider reserves concurrency after creating the function; -1 (its default) is none.
    if reserved is not None and reserved >= 0:
        yield request(
            "lambda",
            "PutFunctionConcurrency",
            {"FunctionName": name, "ReservedConcurrentExecutions": reserved},
        )


def _alias(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "lambda",
        "CreateAlias",
        present(
            FunctionName=r.take("functionName"),
            Name=r.take("name"),
            FunctionVersion=r.take("functionVersion"),
            Description=r.take("description"),
            RoutingConfig=r.take("routingConfig"),
        ),
    )


def _invoke_config(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "lambda",
        "PutFunctionEventInvokeConfig",
        present(
            FunctionName=r.take("functionName"),
            Qualifier=r.take("qualifier"),
            MaximumRetryAttempts=r.take("maximumRetryAttempts"),
            MaximumEventAgeInSeconds=r.take("maximumEventAgeInSeconds"),
            DestinationConfig=r.take("destinationConfig"),
        ),
    )


def _function_url(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "lambda",
        "CreateFunctionUrlConfig",
        present(
            FunctionName=r.take("functionName"),
            Qualifier=r.take("qualifier"),
            AuthType=r.take("authorizationType"),
            Cors=r.take("cors"),
            InvokeMode=r.take("invokeMode"),
        ),
    )


def _layer_version(r: Inputs) -> Iterator[ApiRequest]:
    r.not_sent("sourceCodeHash", "a change to it makes the provider publish a new version")
    zip_file, stand_in = archive_bytes(r.take("code"))
    yield request(
        "lambda",
        "PublishLayerVersion",
        present(
            LayerName=r.take("layerName"),
            Description=r.take("description"),
            Content={"ZipFile": zip_file},
            CompatibleRuntimes=r.take("compatibleRuntimes"),
            CompatibleArchitectures=r.take("compatibleArchitectures"),
            LicenseInfo=r.take("licenseInfo"),
        ),
        stubbed=("Content.ZipFile",) if stand_in else (),
    )


def _permission(r: Inputs) -> Iterator[ApiRequest]:
    statement_id = r.take("statementId")
    yield request(
        "lambda",
        "AddPermission",
        present(
            FunctionName=r.take("function"),
            StatementId=statement_id or autoname(r),
            Action=r.take("action"),
            Principal=r.take("principal"),
            SourceArn=r.take("sourceArn"),
            SourceAccount=r.take("sourceAccount"),
            EventSourceToken=r.take("eventSourceToken"),
            Qualifier=r.take("qualifier"),
            PrincipalOrgID=r.take("principalOrgId"),
            FunctionUrlAuthType=r.take("functionUrlAuthType"),
            InvokedViaFunctionUrl=r.take("invokedViaFunctionUrl"),
        ),
        stubbed=() if statement_id else ("StatementId",),
    )


# ---------------------------------------------------------------------------------------------
# SES, SNS, SQS, SSM


def _email_identity(r: Inputs) -> Iterator[ApiRequest]:
    # aws.ses.EmailIdentity is SES v1: the provider asks SES to verify the address.
    yield request("ses", "VerifyEmailIdentity", {"EmailAddress": r.take("email")})


# pulumi-aws's topic inputs that are topic attributes, by their SNS attribute name.
TOPIC_ATTRIBUTES = {
    "displayName": "DisplayName",
    "policy": "Policy",
    "deliveryPolicy": "DeliveryPolicy",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "fifoTopic": "FifoTopic",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "signatureVersion": "SignatureVersion",
    "tracingConfig": "TracingConfig",
}


def _attribute_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _topic(r: Inputs) -> Iterator[ApiRequest]:
    given = {attribute: r.take(key) for key, attribute in TOPIC_ATTRIBUTES.items()}
    attributes = {name: _attribute_text(v) for name, v in given.items() if v is not None}
    yield request(
        "sns",
        "CreateTopic",
        present(Name=r.take("name"), Attributes=attributes or None, Tags=tag_list(r.take("tags"))),
    )


def _topic_policy(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "sns",
        "SetTopicAttributes",
        {"TopicArn": r.take("arn"), "AttributeName": "Policy", "AttributeValue": r.take("policy")},
    )


def _topic_subscription(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "sns",
        "Subscribe",
        present(
            TopicArn=r.take("topic"),
            Protocol=r.take("protocol"),
            Endpoint=r.take("endpoint"),
            ReturnSubscriptionArn=True,
        ),
    )


# pulumi-aws's queue inputs that are queue attributes, by their SQS attribute name (values are
# text: the model cannot say what they may be; aws_limits.py does).
QUEUE_ATTRIBUTES = {
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "policy": "Policy",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "deduplicationScope": "DeduplicationScope",
    "fifoThroughputLimit": "FifoThroughputLimit",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
}


def _queue(r: Inputs) -> Iterator[ApiRequest]:
    given = {attribute: r.take(key) for key, attribute in QUEUE_ATTRIBUTES.items()}
    attributes = {name: _attribute_text(v) for name, v in given.items() if v is not None}
    yield request(
        "sqs",
        "CreateQueue",
        present(QueueName=r.take("name"), Attributes=attributes or None, tags=r.take("tags")),
    )


def _parameter(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "ssm",
        "PutParameter",
        present(
            Name=r.take("name"),
            Description=r.take("description"),
            Value=r.take("value"),
            Type=r.take("type"),
            KeyId=r.take("keyId"),
            Overwrite=r.take("overwrite"),
            AllowedPattern=r.take("allowedPattern"),
            Tier=r.take("tier"),
            DataType=r.take("dataType"),
            Tags=tag_list(r.take("tags")),
        ),
    )


# ---------------------------------------------------------------------------------------------
# WAF


def _web_acl(r: Inputs) -> Iterator[ApiRequest]:
    bodies = r.take("customResponseBodies")
    yield request(
        "wafv2",
        "CreateWebACL",
        present(
            Name=r.take("name"),
            Scope=r.take("scope"),
            DefaultAction=r.take("defaultAction"),
            Description=r.take("description"),
            Rules=r.take("rules"),
            VisibilityConfig=r.take("visibilityConfig"),
            # A list of keyed bodies in Pulumi, a map by key in the API.
            CustomResponseBodies=(
                {body["key"]: {k: v for k, v in body.items() if k != "key"} for body in bodies}
                if bodies is not None
                else None
            ),
            TokenDomains=r.take("tokenDomains"),
            Tags=tag_list(r.take("tags")),
        ),
    )


def _web_acl_association(r: Inputs) -> Iterator[ApiRequest]:
    yield request(
        "wafv2",
        "AssociateWebACL",
        present(WebACLArn=r.take("webAclArn"), ResourceArn=r.take("resourceArn")),
    )


# ---------------------------------------------------------------------------------------------

ToRequests = Callable[[Inputs], Iterator[ApiRequest]]

MAPPINGS: dict[str, ToRequests] = {
    "aws:apigateway/deployment:Deployment": _deployment,
    "aws:apigateway/integration:Integration": _integration,
    "aws:apigateway/method:Method": _method,
    "aws:apigateway/methodSettings:MethodSettings": _method_settings,
    "aws:apigateway/resource:Resource": _rest_resource,
    "aws:apigateway/response:Response": _gateway_response,
    "aws:apigateway/restApi:RestApi": _rest_api,
    "aws:apigateway/stage:Stage": _stage,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/eventArchive:EventArchive": _event_archive,
    "aws:cloudwatch/eventBus:EventBus": _event_bus,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": _event_target,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": _log_resource_policy,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:cognito/userPool:UserPool": _user_pool,
    "aws:cognito/userPoolClient:UserPoolClient": _user_pool_client,
    "aws:cognito/userPoolDomain:UserPoolDomain": _user_pool_domain,
    "aws:dynamodb/table:Table": _table,
    "aws:dynamodb/tableItem:TableItem": _table_item,
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:lambda/alias:Alias": _alias,
    "aws:lambda/function:Function": _function,
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": _invoke_config,
    "aws:lambda/functionUrl:FunctionUrl": _function_url,
    "aws:lambda/layerVersion:LayerVersion": _layer_version,
    "aws:lambda/permission:Permission": _permission,
    "aws:ses/emailIdentity:EmailIdentity": _email_identity,
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicPolicy:TopicPolicy": _topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": _topic_subscription,
    "aws:sqs/queue:Queue": _queue,
    "aws:ssm/parameter:Parameter": _parameter,
    "aws:wafv2/webAcl:WebAcl": _web_acl,
    "aws:wafv2/webAclAssociation:WebAclAssociation": _web_acl_association,
}


def requests_for(resource: Registered) -> list[ApiRequest]:
    """The calls that create `resource`. Raises `UnmappedInput` for a type with no mapping or an
    input the mapping leaves unplaced."""
    mapping = MAPPINGS.get(resource.typ)
    if mapping is None:
        raise UnmappedInput(
            f"{resource.typ} {resource.name}: no mapping to the AWS API in "
            "tests/pulumi/aws_requests.py (add one, so its inputs are checked)"
        )
    inputs = Inputs(resource, plain(resource.inputs))
    made = list(mapping(inputs))
    left = inputs.untaken()
    if left:
        raise UnmappedInput(
            f"{resource.typ} {resource.name}: inputs {left} reach no API request in its "
            "mapping (tests/pulumi/aws_requests.py)"
        )
    return made
