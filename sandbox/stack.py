"""The whole sandbox: on one machine, what the Pulumi stack is on AWS.

Processes (ports from `--port N`, all on 127.0.0.1):
- this one: the home site (N), the employees' REST API (N+1, in front of submit), the decision
  Function URL (N+2), the local
  Lambda API (N+3), the scheduler, and the telemetry that ships logs and EMF metrics;
- the durable emulator (N+4), which drives workflow executions through the Lambda API;
- the AWS emulator, moto (N+5): DynamoDB, SES, SSM, CloudWatch, Logs, EventBridge, SQS (the
  failed-start queue);
- one worker process per Lambda execution environment, started on demand.
"""

import json
import logging
import os
import socket
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from components.app_client import employees_app_client
from sandbox.async_starts import FailedStartDestination, StartFaults
from sandbox.aws_clients import local_client
from sandbox.chaos import CHAOS_LOG, ChaosFront, ChaosLog, ChaosServer, FaultDice
from sandbox.child_process import ChildProcess
from sandbox.config import (
    ALLOWED_EMAIL_DOMAINS,
    FAILED_START_QUEUE,
    FAKE_CREDENTIALS,
    OIDC_AUDIENCE,
    SIGN_IN_PEOPLE,
    TABLE_NAME,
    SandboxConfig,
)
from sandbox.dashboard import DashboardPage
from sandbox.durable_signals import DurableSignals
from sandbox.durable_starts import DurableStarts
from sandbox.event_rules import EventRouter
from sandbox.function_url_gateway import FunctionUrlConfig, FunctionUrlGateway, url_id
from sandbox.functions import (
    DECISION,
    SETTLER,
    SUBMIT,
    WORKFLOW,
    WORKFLOW_ALIAS,
    function_arn,
    lambda_rules,
    platform_environment,
    scheduled_functions,
    service_functions,
)
from sandbox.hosted_sign_in import HostedSignIn, UserDirectory
from sandbox.http_server import LoopbackServer
from sandbox.lambda_runtime import FunctionRuntime, Runtime
from sandbox.lambda_service import LambdaService
from sandbox.mailbox import Mailbox
from sandbox.oidc_issuer import LocalIssuer
from sandbox.rest_api_gateway import RestApiConfig, RestApiGateway
from sandbox.scheduler import Scheduler
from sandbox.seed import failed_start_queue, seed, signing_key
from sandbox.telemetry import Telemetry
from sandbox.ui import HomeSite
from sandbox.versions import VersionedRuntime, WorkflowVersions

logger = logging.getLogger(__name__)

OUTPUTS_FILE = "outputs.json"
AWS_RECORDING = "aws-requests.jsonl"
DURABLE_STORE = "durable-executions.sqlite"
# How long a stop waits for the workflow's invocations in flight to end.
DRAIN_SECONDS = 10.0


class PortInUseError(RuntimeError):
    pass


def _check_ports_free(ports: tuple[int, ...]) -> None:
    for port in ports:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                raise PortInUseError(f"port {port} is in use: choose another --port")


def _child_environment() -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **FAKE_CREDENTIALS}


def hosted_sign_in(config: SandboxConfig, data_dir: Path) -> HostedSignIn:
    """The user pool's issuer and hosted sign-in, for the app client the stack creates on AWS
    (from the same definition; its callback: the employees' app)."""
    issuer = LocalIssuer.in_directory(
        data_dir, config.oidc_issuer, OIDC_AUDIENCE, config.sign_in_url
    )
    return HostedSignIn(
        issuer,
        employees_app_client(config.submit_url),
        UserDirectory(ALLOWED_EMAIL_DOMAINS, SIGN_IN_PEOPLE),
    )


class SandboxStack:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self._children: list[ChildProcess] = []
        self._durable_emulator: ChildProcess | None = None
        self._lambda_server: LoopbackServer | None = None
        self._servers: list[LoopbackServer] = []
        self._runtimes: dict[str, Runtime] = {}
        self._telemetry: Telemetry | None = None
        self._signals: DurableSignals | None = None
        self._lambda: LambdaService | None = None
        self._scheduler: Scheduler | None = None
        self._chaos: ChaosServer | None = None
        self._start_faults = StartFaults(config.fail_starts)
        self._failed_start_queue_url = ""
        self._failed_starts: FailedStartDestination | None = None

    @property
    def outputs_path(self) -> Path:
        return self.config.data_dir / OUTPUTS_FILE

    def outputs(self) -> dict[str, str]:
        """The Pulumi stack's outputs, plus the mailbox and the local AWS endpoints (point
        `AWS_ENDPOINT_URL_LAMBDA` and `AWS_ENDPOINT_URL` at them to use the AWS CLI or boto3)."""
        return {
            "submit_url": self.config.submit_url,
            "decision_url": self.config.decision_url,
            "dashboard_url": self.config.dashboard_url,
            "table_name": TABLE_NAME,
            "workflow_alias_arn": function_arn(WORKFLOW, WORKFLOW_ALIAS),
            "failed_start_queue_url": self._failed_start_queue_url,
            "submit_function_name": SUBMIT,
            "workflow_function_name": WORKFLOW,
            "decision_function_name": DECISION,
            "settler_function_name": SETTLER,
            "mailbox_url": self.config.mailbox_url,
            "token_url": self.config.token_url,
            "lambda_endpoint": self.config.lambda_endpoint,
            "aws_endpoint": self.config.aws_endpoint,
        }

    def start(self) -> dict[str, str]:
        config = self.config
        data_dir = config.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.outputs_path.unlink(missing_ok=True)
        _check_ports_free(config.ports.all())
        self._start_emulators()

        clients: dict[str, Any] = {
            service: local_client(service, config.aws_endpoint)
            for service in ("dynamodb", "ses", "ssm", "logs", "cloudwatch", "events", "sqs")
        }
        seed(clients, signing_key(data_dir))
        self._failed_start_queue_url = failed_start_queue(clients["sqs"])
        self._telemetry = Telemetry(clients["logs"], clients["cloudwatch"], clients["events"])
        self._telemetry.start()
        # EventBridge rules with Lambda targets; invoked once the Lambda service is up.
        router = EventRouter(
            lambda_rules(), lambda name, event: self._require_lambda().invoke_event(name, event)
        )
        self._signals = DurableSignals(
            self._telemetry, local_client("lambda", config.durable_endpoint), router.route
        )

        platform = platform_environment(config, self._start_chaos())
        scheduled = scheduled_functions(config)
        plain: dict[str, FunctionRuntime] = {}
        for function in [*service_functions(config), *(s.function for s in scheduled)]:
            if function.durable is None:
                plain[function.name] = FunctionRuntime(function, platform, self._telemetry)
                continue
            # Its code and settings, published as a new version if either changed since the
            # data dir's last version; executions already started keep theirs.
            versions = WorkflowVersions(data_dir)
            version = versions.publish_if_changed(config.workflow_code, function.settings)
            logger.info("%s runs version %s for new executions", function.name, version.name)
            self._runtimes[function.name] = VersionedRuntime(
                function, platform, self._telemetry, versions
            )
        self._runtimes.update(plain)
        with ThreadPoolExecutor() as warming:
            list(warming.map(lambda runtime: runtime.warm(), self._runtimes.values()))

        durable = [r.function.name for r in self._runtimes.values() if r.function.durable]
        for name in durable:
            self._signals.count_running(name)
        self._signals.keep_counting(durable, config.schedule_seconds)
        self._failed_starts = FailedStartDestination(clients["sqs"], self._failed_start_queue_url)
        self._failed_starts.keep_publishing_depth(
            FAILED_START_QUEUE, self._telemetry.metric, config.schedule_seconds
        )
        self._lambda = LambdaService(
            self._runtimes,
            DurableStarts(config.durable_endpoint, self._start_faults),
            self._signals,
            config.durable_endpoint,
            self._failed_starts,
        )
        submit_gateway = RestApiGateway(
            plain[SUBMIT],
            RestApiConfig(
                url_id(SUBMIT)[:10],
                config.throttle,
                client_rate_limit=config.client_rate_limit,
            ),
        )
        decision_gateway = FunctionUrlGateway(plain[DECISION], FunctionUrlConfig(url_id(DECISION)))
        site = HomeSite(
            config.submit_url,
            config.decision_url,
            Mailbox(config.aws_endpoint),
            DashboardPage(clients["cloudwatch"], clients["logs"]).handle,
            hosted_sign_in(config, data_dir),
            config.token_url,
        )
        for name, port, handle in (
            ("lambda", config.ports.lambda_api, self._lambda.handle),
            ("employee-api", config.ports.submit_url, submit_gateway.handle),
            ("decision-url", config.ports.decision_url, decision_gateway.handle),
            ("home", config.ports.home, site.handle),
        ):
            server = LoopbackServer(name, port, handle)
            server.start()
            if name == "lambda":
                self._lambda_server = server
            else:
                self._servers.append(server)

        self._scheduler = Scheduler(
            scheduled,
            config.schedule_seconds,
            self._lambda.invoke_event,
            self._lambda.invoke_and_wait,
        )
        self._scheduler.start()

        outputs = self.outputs()
        partial = self.outputs_path.with_suffix(".tmp")
        partial.write_text(json.dumps(outputs, indent=2) + "\n")
        partial.replace(self.outputs_path)
        return outputs

    def _start_chaos(self) -> str | None:
        """The chaos front's endpoint, for the functions' environments; None without chaos."""
        config = self.config
        if not config.chaos.enabled:
            return None
        log = ChaosLog(config.data_dir / CHAOS_LOG)
        # One seeded RNG for the functions' calls and Lambda's own starts (async_starts.py).
        dice = FaultDice(config.chaos)
        self._start_faults = StartFaults(config.fail_starts, dice, log)
        front = ChaosFront(config.aws_endpoint, config.lambda_endpoint, config.chaos, log, dice)
        self._chaos = ChaosServer(front)
        self._chaos.start()
        return self._chaos.endpoint

    def _require_lambda(self) -> LambdaService:
        if self._lambda is None:
            raise RuntimeError("the local Lambda service is not running")
        return self._lambda

    def _start_emulators(self) -> None:
        config = self.config
        logs = config.data_dir / "logs"
        logs.mkdir(exist_ok=True)
        aws = ChildProcess(
            "aws-emulator",
            "sandbox.aws_emulator",
            [str(config.ports.aws_emulator), str(config.data_dir / AWS_RECORDING)],
            _child_environment(),
            logs / "aws-emulator.log",
        )
        self._children.append(aws)
        durable = ChildProcess(
            "durable-emulator",
            "sandbox.durable_emulator",
            [
                str(config.ports.durable_emulator),
                config.lambda_endpoint,
                str(config.data_dir / DURABLE_STORE),
            ],
            _child_environment(),
            logs / "durable-emulator.log",
        )
        self._durable_emulator = durable
        aws.wait_until_ready(config.aws_endpoint + "/_sandbox/ready")
        durable.wait_until_ready(config.durable_endpoint + "/health")

    def stop(self) -> None:
        """Stop taking work, let the workflow's invocations in flight end, then stop the
        durable emulator and only then what it drives; safe after a failed start."""
        self.outputs_path.unlink(missing_ok=True)
        if self._scheduler:
            self._scheduler.stop()
        for server in reversed(self._servers):
            server.stop()
        # An invocation cut off after a step's effects (an email, a metric) but before its
        # checkpoint runs that step again after a restart.
        for runtime in self._runtimes.values():
            if runtime.function.durable and not runtime.wait_until_idle(DRAIN_SECONDS):
                logger.warning("%s was still running when the sandbox stopped", runtime.arn)
        # The driver stops before what it drives: a timer falling due while the Lambda API and
        # the environments stop (many seconds on a busy machine) would fail one invocation after
        # another, and five fail the execution for good.
        if self._durable_emulator:
            self._durable_emulator.stop()
        if self._lambda_server:
            self._lambda_server.stop()
        if self._lambda:
            self._lambda.stop()
        for runtime in self._runtimes.values():
            runtime.stop()
        if self._chaos:
            self._chaos.stop()
        if self._failed_starts:
            self._failed_starts.stop()
        if self._signals:
            self._signals.stop()
        if self._telemetry:
            self._telemetry.stop()
        for child in reversed(self._children):
            child.stop()
