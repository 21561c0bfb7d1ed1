"""The commands that change requests: `resend`, `reassign`, `settle`, `retry-starts`.

Each runs the operator's use case (handlers/logic/operating.py) with the deployed settler's
settings (the settler's wiring is what ends and tells, as the service's own settler does) and
the current link-signing key, read from SSM. A refusal is one line and exit code 1, nothing
written.
"""

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.progress import Progress

from handlers.gateways.event_publisher import EventBridgePublisher
from handlers.gateways.failed_starts import SqsFailedStartQueue
from handlers.gateways.mailer import SesMailer
from handlers.gateways.workflow_service import LambdaWorkflowService
from handlers.logic import operating
from handlers.logic.operating import Operator, OperatorError
from handlers.logic.restarting import HANDLED, Restart, Retried, Starter, retry_starts
from handlers.logic.settling import Settler
from handlers.observability import logger
from handlers.settings import SettlerSettings, SubmitSettings
from handlers.storage.leave_store import DynamoDbLeaveStore
from ops.cli import app, target_of
from ops.output import fail, operator_command, say
from ops.target import Target

# The output naming the failed-start queue (the stack's and the sandbox's).
FAILED_START_QUEUE_OUTPUT = "failed_start_queue_url"


def workflow_starter(target: Target) -> Starter:
    """Starts the workflow through its alias, as submit does: Lambda refuses an unqualified
    start of a durable function, and the alias keeps a start on the published version."""
    return LambdaWorkflowService(
        target.output("workflow_alias_arn"), client=target.client("lambda")
    )


def current_signing_key(target: Target, parameter: str) -> bytes:
    answer = target.client("ssm").get_parameter(Name=parameter, WithDecryption=True)
    return str(answer["Parameter"]["Value"]).encode()


def operator_of(target: Target) -> Operator:
    """The operator's wiring on `target`: the deployed settler's, with its clients."""
    settings = target.settings(SettlerSettings)
    settler = Settler(
        settings=settings,
        store=DynamoDbLeaveStore(settings.table_name, client=target.client("dynamodb")),
        mailer=SesMailer(settings.sender_email, client=target.client("ses")),
        events=EventBridgePublisher(settings.event_bus_name, client=target.client("events")),
        # The sweep's listing: no operator command calls it.
        workflow=LambdaWorkflowService(settings.workflow_function, client=target.client("lambda")),
        clock=lambda: datetime.now(UTC),
    )
    return Operator(
        settler=settler,
        executions=target.executions(),
        signing_key=lambda: current_signing_key(target, settings.signing_key_parameter),
        # The domains people are at: the submit function's, which signs nobody else in.
        allowed_domains=tuple(target.settings(SubmitSettings).allowed_email_domains),
    )


@contextmanager
def _quietly() -> Iterator[None]:
    """Run a use case without the functions' JSON logs and EMF metrics on the operator's
    stdout: outside Lambda nothing collects them (its outcome counts are the status totals,
    exact either way), and the command says what happened in its own line."""
    level = logger.log_level
    logger.setLevel(logging.CRITICAL)
    try:
        with redirect_stdout(io.StringIO()):  # Powertools prints each metric
            yield
    finally:
        logger.setLevel(level)


RequestId = Annotated[str, typer.Argument(help="The request's id.", show_default=False)]


@app.command("resend")
@operator_command
def resend(context: typer.Context, request_id: RequestId) -> None:
    """Email the approver who has a waiting request its link again."""
    try:
        with _quietly():
            sent = operating.resend(request_id, operator_of(target_of(context)))
    except OperatorError as error:
        fail(str(error))
    say(
        f"{request_id}: its approval request went to {sent.approver} again, with their link "
        "(the same link while the signing key is the one that signed it)."
    )


@app.command("reassign")
@operator_command
def reassign(
    context: typer.Context,
    request_id: RequestId,
    to: Annotated[
        str, typer.Option("--to", help="Who decides it now: their address.", show_default=False)
    ],
) -> None:
    """Move a waiting request to another approver: a new link to them, the old one closed."""
    try:
        with _quietly():
            moved = operating.reassign(request_id, to, operator_of(target_of(context)))
    except OperatorError as error:
        fail(str(error))
    record = moved.record
    say(
        f"{request_id} is now with {record.approver_email}, who was emailed a link; "
        f"{moved.from_approver}'s link now says it moved. {record.employee_email} was told."
    )


@app.command("settle")
@operator_command
def settle(context: typer.Context, request_id: RequestId) -> None:
    """End a stuck request as failed: its dates and days freed, its people told."""
    try:
        with _quietly():
            settled = operating.settle_request(request_id, operator_of(target_of(context)))
    except OperatorError as error:
        fail(str(error))
    execution = {
        True: "its execution was stopped",
        False: "it had no running execution",
        None: "its execution could not be stopped (it ends by itself, without a word)",
    }[settled.stopped]
    say(
        f"{request_id} is now failed: its dates and days are free, "
        f"{settled.record.employee_email} and its approver were told; {execution}."
    )


@app.command("retry-starts")
@operator_command
def retry_failed_starts(context: typer.Context) -> None:
    """Start again the workflows Lambda could not start (the failed-start queue)."""
    target = target_of(context)
    queue_url = target.outputs.get(FAILED_START_QUEUE_OUTPUT)
    if not isinstance(queue_url, str) or not queue_url:
        fail(
            f"{target.description} has no failed-start queue: its outputs name none "
            f"({FAILED_START_QUEUE_OUTPUT}); deploy the stack again, or restart the sandbox"
        )
    operator = operator_of(target)
    queue = SqsFailedStartQueue(queue_url, target.client("sqs"))
    with Progress(transient=True) as progress:
        task = progress.add_task("Failed starts", total=queue.approximate_count() or None)

        def advanced(_: Retried) -> None:
            progress.advance(task)

        with _quietly():
            done = retry_starts(
                queue,
                operator.settler.store,
                operator.executions,
                workflow_starter(target),
                on_each=advanced,
            )
    for retried in done:
        say(f"{retried.request_id or '?'}: {retried.outcome.value} ({retried.detail})")
    counts = {outcome: sum(1 for r in done if r.outcome is outcome) for outcome in Restart}
    summary = ", ".join(f"{n} {outcome.value}" for outcome, n in counts.items() if n)
    deleted = sum(1 for r in done if r.outcome in HANDLED)
    say(f"{len(done)} failed start(s): {summary or 'none'}; {deleted} deleted from the queue.")
    if len(done) != deleted:
        raise typer.Exit(1)
