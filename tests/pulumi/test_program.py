"""The unmodified __main__.py, run under mocks with the dev stack's config from Pulumi.dev.yaml."""

import json
from collections import Counter

import pytest
import yaml

from components.config import ConfigError
from handlers.domain.signals import SERVICE_NAME
from tests.pulumi.mocks import ACCOUNT, PROJECT, PROJECT_ROOT, REGION, Deployment
from tests.pulumi.support import dev_stack_config, run_main

# What every function component holds: itself, its log group, role, policy and function.
FUNCTION_PARTS = ("", "-logs", "-role", "-policy", "-function")


@pytest.fixture(scope="module")
def deployment() -> Deployment:
    return run_main()


def test_the_project_runs_python_from_the_projects_uv_environment() -> None:
    project = yaml.safe_load((PROJECT_ROOT / "Pulumi.yaml").read_text())
    assert project["name"] == PROJECT == SERVICE_NAME
    assert project["runtime"] == {
        "name": "python",
        "options": {"toolchain": "uv", "virtualenv": ".venv"},
    }


FUNCTION = "aws:lambda/function:Function"


def test_the_dev_stack_deploys_to_a_region_with_durable_functions() -> None:
    config = dev_stack_config()
    assert config["aws:region"] == "us-east-2"
    assert all(key.startswith((f"{PROJECT}:", "aws:")) for key in config)


def test_every_output_is_exported(deployment: Deployment) -> None:
    outputs = deployment.outputs
    assert set(outputs) == {
        "submit_url",
        "decision_url",
        "dashboard_url",
        "table_name",
        "workflow_alias_arn",
        "alarm_topic_arn",
        "failed_start_queue_url",
        "oidc_issuer",
        "oidc_client_id",
        "user_pool_id",
        "sign_in_url",
        "submit_function_name",
        "workflow_function_name",
        "decision_function_name",
        "settler_function_name",
        "operator_policy",
    }
    functions = {f.inputs["handler"]: f.outputs["name"] for f in deployment.of_type(FUNCTION)}
    assert outputs["submit_function_name"] == functions["handlers.submit.handler"]
    assert outputs["workflow_function_name"] == functions["handlers.workflow.handler"]
    assert outputs["decision_function_name"] == functions["handlers.decision.handler"]
    assert outputs["settler_function_name"] == functions["handlers.settler.handler"]
    assert outputs["oidc_issuer"] == (
        f"https://cognito-idp.{REGION}.amazonaws.com/{outputs['user_pool_id']}"
    )
    assert outputs["submit_url"].startswith("https://")
    assert outputs["submit_url"].endswith(f".execute-api.{REGION}.amazonaws.com/live/")
    assert outputs["sign_in_url"].endswith(f".auth.{REGION}.amazoncognito.com")
    assert outputs["decision_url"].endswith(f".lambda-url.{REGION}.on.aws/")
    assert outputs["submit_url"] != outputs["decision_url"]
    assert outputs["workflow_alias_arn"] == (
        f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:leave-approvals-dev-workflow:live"
    )
    assert outputs["table_name"] == deployment.one("aws:dynamodb/table:Table").outputs["name"]
    assert outputs["dashboard_url"] == (
        f"https://{REGION}.console.aws.amazon.com/cloudwatch/home?region={REGION}"
        "#dashboards/dashboard/leave-approvals-dev"
    )
    assert outputs["alarm_topic_arn"] == (
        f"arn:aws:sns:{REGION}:{ACCOUNT}:leave-approvals-dev-alarms"
    )
    assert outputs["failed_start_queue_url"] == (
        f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/leave-approvals-dev-failed-starts"
    )
    dashboard = deployment.one("aws:cloudwatch/dashboard:Dashboard").inputs
    assert outputs["dashboard_url"].endswith(f"/{dashboard['dashboardName']}")


def test_the_full_resource_inventory(deployment: Deployment) -> None:
    assert Counter(r.typ for r in deployment.resources) == {
        "leave:leave_service:LeaveService": 1,
        # The service's parts, one concern each.
        "leave:storage:Storage": 1,
        "leave:signing_keys:SigningKeys": 1,
        "leave:messaging:Messaging": 1,
        "leave:service_functions:ServiceFunctions": 1,
        "leave:failed_starts:FailedStarts": 1,
        "leave:http_function:HttpFunction": 1,
        "leave:rest_api_function:RestApiFunction": 1,
        "leave:durable_function:DurableFunction": 1,
        "leave:observability:Observability": 1,
        # Its parts: the alarms with their topic, the events kept.
        "leave:alarms:Alarms": 1,
        "leave:event_history:EventHistory": 1,
        "leave:settler:Settler": 1,
        "leave:sign_in:SignIn": 1,
        "aws:cognito/userPool:UserPool": 1,
        "aws:cognito/userPoolClient:UserPoolClient": 1,
        "aws:cognito/userPoolDomain:UserPoolDomain": 1,
        # The employees' API: the root and a catch-all path, each one method and integration,
        # the throttled answer, a deployment, its stage and the stage's throttle.
        "aws:apigateway/restApi:RestApi": 1,
        "aws:apigateway/resource:Resource": 1,
        "aws:apigateway/method:Method": 2,
        "aws:apigateway/integration:Integration": 2,
        "aws:apigateway/response:Response": 1,
        "aws:apigateway/deployment:Deployment": 1,
        "aws:apigateway/stage:Stage": 1,
        "aws:apigateway/methodSettings:MethodSettings": 1,
        # In front of the stage: a web ACL limiting each client address, on the stage.
        "leave:api_firewall:ApiFirewall": 1,
        "aws:wafv2/webAcl:WebAcl": 1,
        "aws:wafv2/webAclAssociation:WebAclAssociation": 1,
        # The pending gauge and the settler (its sweep).
        "leave:scheduled_function:ScheduledFunction": 2,
        "aws:dynamodb/table:Table": 1,
        # The dev stack's approver directory has two entries.
        "aws:dynamodb/tableItem:TableItem": 2,
        "aws:ssm/parameter:Parameter": 1,
        # The sender and the dev stack's three sandbox recipients.
        "aws:ses/emailIdentity:EmailIdentity": 4,
        "aws:cloudwatch/eventBus:EventBus": 1,
        "aws:lambda/layerVersion:LayerVersion": 1,
        # The functions' five, the audit log and the broken executions' log.
        "aws:cloudwatch/logGroup:LogGroup": 7,
        "aws:iam/role:Role": 5,
        # Each function's own, and the workflow's grant to send failed starts to the queue.
        "aws:iam/rolePolicy:RolePolicy": 6,
        "aws:lambda/function:Function": 5,
        "aws:lambda/alias:Alias": 1,
        "aws:lambda/functionUrl:FunctionUrl": 1,
        # Two for the Function URL, one for the API, the gauge's and the sweep's schedules, the
        # settler's rule.
        "aws:lambda/permission:Permission": 6,
        "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": 1,
        "aws:sqs/queue:Queue": 1,
        # The gauge's and the sweep's schedules, the audit rule, the broken executions' rules
        # (one to the alarm topic and its log, one to the settler).
        "aws:cloudwatch/eventRule:EventRule": 5,
        # The gauge; the sweep; the audit log; the topic, a log and the settler for broken
        # executions.
        "aws:cloudwatch/eventTarget:EventTarget": 6,
        "aws:cloudwatch/eventArchive:EventArchive": 1,
        "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": 1,
        "aws:sns/topic:Topic": 1,
        "aws:sns/topicPolicy:TopicPolicy": 1,
        "aws:sns/topicSubscription:TopicSubscription": 1,
        "aws:cloudwatch/metricAlarm:MetricAlarm": 7,
        "aws:cloudwatch/dashboard:Dashboard": 1,
    }
    assert sorted(r.name for r in deployment.resources) == sorted(
        [
            # The service, and its storage, keys, messaging and functions: each part is named
            # as the service, so that what it holds keeps its name from before #23.
            *["leave"] * 5,
            "leave-table",
            "leave-approver-alice@example.com",
            "leave-approver-manager@example.com",
            "leave-signing-key",
            "leave-sender",
            "leave-recipient-alice@example.com",
            "leave-recipient-carol@example.com",
            "leave-recipient-manager@example.com",
            "leave-events",
            "leave-dependencies",
            "leave-sign-in",
            "leave-sign-in-users",
            "leave-sign-in-client",
            "leave-sign-in-domain",
            *(
                f"leave-submit{part}"
                for part in (
                    *FUNCTION_PARTS,
                    "-api",
                    "-proxy",
                    "-root-any",
                    "-root-function",
                    "-proxy-any",
                    "-proxy-function",
                    "-throttled",
                    "-invoke",
                    "-deployment",
                    "-stage",
                    "-throttle",
                    "-firewall",
                    "-firewall-web-acl",
                    "-firewall-association",
                )
            ),
            *(
                f"leave-decision{part}"
                for part in (*FUNCTION_PARTS, "-url", "-url-invoke-url", "-url-invoke-function")
            ),
            *(f"leave-workflow{part}" for part in (*FUNCTION_PARTS, "-alias")),
            *(
                f"leave-observability{part}"
                for part in (
                    # The component, its alarms and its event history, and the workflow's
                    # failed starts (in the service: named as when they were here).
                    *[""] * 4,
                    "-alarms",
                    "-alarm-email",
                    "-alarm-topic-policy",
                    "-failed-starts",
                    "-failed-starts-policy",
                    "-workflow-async-starts",
                    "-archive",
                    "-audit-logs",
                    "-audit-rule",
                    "-audit-target",
                    "-events-to-logs",
                    "-broken-executions-logs",
                    "-broken-executions-rule",
                    "-broken-executions-to-topic",
                    "-broken-executions-to-logs",
                    "-workflow-executions-failed",
                    "-function-errors",
                    "-failed-starts-waiting",
                    "-oldest-pending-request",
                    "-expiry-rate",
                    "-requests-failed",
                    "-durable-executions-utilization",
                    "-dashboard",
                )
            ),
            *(
                f"leave-observability-pending-gauge{part}"
                for part in (
                    *FUNCTION_PARTS,
                    "-schedule",
                    "-schedule-target",
                    "-invoke-from-schedule",
                )
            ),
            "leave-settler",
            *(
                f"leave-settler{part}"
                for part in (
                    "-broken-executions",
                    "-invoke-from-broken-executions",
                    "-broken-executions-target",
                )
            ),
            *(
                f"leave-settler-function{part}"
                for part in (
                    *FUNCTION_PARTS,
                    "-schedule",
                    "-schedule-target",
                    "-invoke-from-schedule",
                )
            ),
        ]
    )


def test_the_functions_are_named_after_the_project_and_stack(deployment: Deployment) -> None:
    names = {f.inputs["name"] for f in deployment.of_type("aws:lambda/function:Function")}
    assert names == {
        "leave-approvals-dev-submit",
        "leave-approvals-dev-workflow",
        "leave-approvals-dev-decision",
        "leave-approvals-dev-pending-gauge",
        "leave-approvals-dev-settler",
    }


def test_the_program_uses_the_real_packages(deployment: Deployment) -> None:
    layer = deployment.one("aws:lambda/layerVersion:LayerVersion").inputs
    functions = deployment.of_type("aws:lambda/function:Function")
    assert layer["sourceCodeHash"] != functions[0].inputs["sourceCodeHash"]
    assert len({f.inputs["sourceCodeHash"] for f in functions}) == 1


def test_the_dev_stack_settings_reach_the_functions(deployment: Deployment) -> None:
    submit = deployment.one("aws:lambda/function:Function", "leave-submit-function")
    variables = submit.inputs["environment"]["variables"]
    assert variables["ALLOWED_EMAIL_DOMAINS"] == "example.com"
    assert variables["MAX_LEAVE_DAYS"] == "30"
    assert variables["DEFAULT_APPROVER_EMAIL"] == "manager@example.com"
    assert variables["ALLOWANCES"].startswith("annual=25,sick=none,")
    # Alice's own allowance is in her directory entry, with her approver.
    alice = json.loads(deployment.named("leave-approver-alice@example.com").inputs["item"])
    assert alice["approver_email"] == {"S": "carol@example.com"}
    assert alice["allowances"] == {"M": {"annual": {"N": "30"}}}
    workflow = deployment.one("aws:lambda/function:Function", "leave-workflow-function")
    assert workflow.inputs["environment"]["variables"]["APPROVAL_TIMEOUT_SECONDS"] == "604800"
    assert workflow.inputs["durableConfig"] == {
        # The longest Lambda allows, whatever the approval timeout (ServiceConfig).
        "executionTimeout": 31_622_400,
        "retentionPeriod": 14,
    }
    table = deployment.one("aws:dynamodb/table:Table").inputs
    assert table["deletionProtectionEnabled"] is False
    subscription = deployment.one("aws:sns/topicSubscription:TopicSubscription").inputs
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "ops@example.com")
    oldest = deployment.named("leave-observability-oldest-pending-request").inputs
    assert oldest["threshold"] == 0.5 * 604_800
    archive = deployment.one("aws:cloudwatch/eventArchive:EventArchive").inputs
    assert archive["retentionDays"] == 90


def test_without_a_signing_key_the_program_says_how_to_set_one() -> None:
    with pytest.raises(ConfigError, match="pulumi config set --secret signingKey"):
        run_main({f"{PROJECT}:signingKey": ""})
