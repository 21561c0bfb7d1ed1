"""The commands that read: `list`, `show`, `export`, `settings`; and those that steer a
request's durable execution: `pause`, `resume`, `stop` (ops/README.md says how commands are
built)."""

import csv
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, TextIO

import typer

from handlers.domain.leave_request import LeaveRecord
from handlers.domain.statuses import LeaveStatus
from handlers.gateways.durable_executions import ExecutionSummary
from handlers.settings import DecisionSettings, SettlerSettings, WorkflowSettings, _Settings
from handlers.storage.request_reads import RequestReads
from handlers.storage.request_search import DynamoDbRequestSearch, RequestCriteria
from ops.cli import app, target_of
from ops.output import fail, operator_command, print_json, say, show_rows
from ops.reading import (
    EXPORT_COLUMNS,
    LIST_COLUMNS,
    check_range,
    export_rows,
    list_row,
    parse_age,
    parse_day,
    record_summary,
    timeline,
)
from ops.target import Target

AsJson = Annotated[bool, typer.Option("--json", help="JSON instead of a table.")]
RequestId = Annotated[str, typer.Argument(help="The request's id.", show_default=False)]
SETTINGS_OF: dict[str, type[_Settings]] = {
    "workflow": WorkflowSettings,
    "decision": DecisionSettings,
    "settler": SettlerSettings,
}
Reason = Annotated[str, typer.Option(help="Why, as Lambda records it.")]


def _record(target: Target, request_id: str) -> LeaveRecord:
    record = RequestReads(target.table_name, target.client("dynamodb")).get(request_id)
    if record is None:
        fail(f"no request {request_id}")
    return record


def _execution(target: Target, record: LeaveRecord) -> ExecutionSummary:
    execution = target.executions().find(record.execution_name)
    if execution is None:
        fail(
            f"request {record.request_id} has no execution {record.execution_name} "
            "(never started, or past Lambda's retention)"
        )
    return execution


@app.command("list")
@operator_command
def list_requests(
    context: typer.Context,
    status: Annotated[LeaveStatus | None, typer.Option(help="Only this status.")] = None,
    employee: Annotated[str | None, typer.Option(help="Only this employee's.")] = None,
    approver: Annotated[
        str | None, typer.Option(help="Only those waiting for this approver.")
    ] = None,
    older_than: Annotated[
        str | None, typer.Option(help="Submitted at least this long ago: 30m, 12h, 3d, 2w.")
    ] = None,
    from_: Annotated[
        str | None, typer.Option("--from", help="Leave on or after this day (YYYY-MM-DD).")
    ] = None,
    to: Annotated[str | None, typer.Option(help="Leave on or before this day.")] = None,
    as_json: AsJson = False,
) -> None:
    """Requests by status, employee, approver, age and dates, oldest first."""
    first, last = parse_day("--from", from_), parse_day("--to", to)
    check_range(first, last)
    criteria = RequestCriteria(
        status=status,
        employee=employee,
        waiting_for=approver,
        submitted_before=(
            datetime.now(UTC) - parse_age(older_than) if older_than is not None else None
        ),
        first_day=first,
        last_day=last,
    )
    target = target_of(context)
    found = DynamoDbRequestSearch(target.table_name, target.client("dynamodb")).find(criteria)
    show_rows([list_row(r) for r in found], LIST_COLUMNS, as_json, "no requests match")


@app.command("show")
@operator_command
def show(context: typer.Context, request_id: RequestId, as_json: AsJson = False) -> None:
    """A request: its record, then its history and its execution's as one timeline."""
    target = target_of(context)
    record = _record(target, request_id)
    executions = target.executions()
    execution = executions.find(record.execution_name)
    events = executions.history(execution.arn) if execution is not None else []
    entries = [entry.as_row() for entry in timeline(record, events)]
    summary = record_summary(record)
    summary["execution_status"] = execution.status if execution else None
    if as_json:
        print_json({"request": summary, "timeline": entries})
        return
    for name, value in summary.items():
        if value is not None:
            say(f"[bold]{name}[/bold]: {value}")
    if execution is None:
        say(f"(no execution named {record.execution_name}: its history is the request's alone)")
    show_rows(entries, ("at", "source", "what", "detail"), False, "no history")


@app.command("export")
@operator_command
def export(
    context: typer.Context,
    from_: Annotated[str, typer.Option("--from", help="First day (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option(help="Last day (YYYY-MM-DD).")],
    output: Annotated[
        Path | None, typer.Option(help="Write the CSV here (default: standard output).")
    ] = None,
) -> None:
    """CSV of the requests whose leave takes a day in the range, for HR."""
    first, last = parse_day("--from", from_), parse_day("--to", to)
    check_range(first, last)
    target = target_of(context)
    search = DynamoDbRequestSearch(target.table_name, target.client("dynamodb"))
    rows = export_rows(search.find(RequestCriteria(first_day=first, last_day=last)))
    if output is None:
        _write_csv(sys.stdout, rows)
        return
    partial = output.with_name(output.name + ".partial")
    try:
        with partial.open("w", newline="", encoding="utf-8") as file:
            _write_csv(file, rows)
        partial.replace(output)  # nothing half-written under the name asked for
    except OSError as error:
        partial.unlink(missing_ok=True)
        fail(f"cannot write {output}: {error.strerror}")
    say(f"{len(rows)} requests written to {output}")


def _write_csv(file: TextIO, rows: list[dict[str, object]]) -> None:
    writer = csv.DictWriter(file, fieldnames=EXPORT_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)


@app.command("pause")
@operator_command
def pause(
    context: typer.Context, request_id: RequestId, reason: Reason = "paused by an operator"
) -> None:
    """Pause the request's execution: Lambda invokes it no more until it is resumed."""
    target = target_of(context)
    execution = _running(target, _record(target, request_id))
    target.executions().pause(execution.arn, reason)
    say(f"pausing {execution.name}: `leave-ops resume {request_id}` lets it go on")


@app.command("resume")
@operator_command
def resume(
    context: typer.Context, request_id: RequestId, reason: Reason = "resumed by an operator"
) -> None:
    """Resume the request's paused execution."""
    target = target_of(context)
    execution = _running(target, _record(target, request_id))
    target.executions().resume(execution.arn, reason)
    say(f"resuming {execution.name}")


@app.command("stop")
@operator_command
def stop(
    context: typer.Context, request_id: RequestId, reason: Reason = "stopped by an operator"
) -> None:
    """Stop the request's execution: the settler then ends the request as failed (its dates
    and allowance freed, its employee and approver told)."""
    target = target_of(context)
    execution = _running(target, _record(target, request_id))
    target.executions().stop(execution.arn, reason)
    say(f"stopped {execution.name}: the settler ends request {request_id} as failed")


def _running(target: Target, record: LeaveRecord) -> ExecutionSummary:
    execution = _execution(target, record)
    if execution.has_ended:
        fail(f"the execution of request {record.request_id} has ended ({execution.status})")
    return execution


@app.command("settings")
@operator_command
def settings(context: typer.Context, as_json: AsJson = False) -> None:
    """The settings the deployed functions run with (the workflow's, the decision function's,
    the settler's), as Lambda holds them."""
    target = target_of(context)
    rows = [
        {"function": function, "setting": name, "value": value}
        for function, model in SETTINGS_OF.items()
        for name, value in target.settings(model).model_dump(mode="json").items()
    ]
    show_rows(rows, ("function", "setting", "value"), as_json, "no settings")
