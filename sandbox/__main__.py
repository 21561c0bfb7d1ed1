"""`python -m sandbox`: run the whole service on this machine until SIGINT or SIGTERM."""

import argparse
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from components.throttling import (
    CLIENT_WINDOWS_SECONDS,
    DEFAULT_BURST,
    DEFAULT_CLIENT_LIMIT,
    DEFAULT_CLIENT_WINDOW_SECONDS,
    DEFAULT_RATE_PER_SECOND,
    MAX_BURST,
    MAX_RATE_PER_SECOND,
    ClientRateLimit,
    Throttle,
)
from handlers.domain.allowances import parse_allowances
from handlers.domain.approval_levels import DEFAULT_SECOND_APPROVAL_OVER_DAYS, parse_days
from handlers.domain.follow_ups import (
    DEFAULT_ESCALATE_AT,
    DEFAULT_REMINDER_AT,
    FollowUpPlan,
    parse_share,
    parse_shares,
)
from handlers.domain.leave_dates import (
    DEFAULT_MAX_FUTURE_DAYS,
    DateLimits,
    parse_max_future_days,
    parse_max_past_days,
)
from handlers.domain.working_days import (
    DEFAULT_WORK_WEEK,
    WORK_WEEK_EXAMPLES,
    WorkCalendar,
    country_code,
    known_country,
    known_subdivision,
    parse_closure_days,
    parse_work_week,
    subdivision_code,
)
from sandbox.chaos import CHAOS_LOG, parse_chaos_rate
from sandbox.child_process import StopRequest
from sandbox.config import (
    DEFAULT_CHAOS_SEED,
    FAKE_CREDENTIALS,
    PROJECT_ROOT,
    REGION,
    ChaosSettings,
    SandboxConfig,
)
from sandbox.stack import PortInUseError, SandboxStack
from sandbox.versions import CODE_PACKAGE


def _arguments(argv: list[str] | None) -> SandboxConfig:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="The leave-approval service on 127.0.0.1, against local emulators of AWS.",
    )
    parser.add_argument("--port", type=int, default=8000, help="home page port; N+1..N+5 follow")
    parser.add_argument(
        "--approval-timeout",
        type=int,
        default=300,
        metavar="SECONDS",
        help="how long an approver has before a request expires (default 300)",
    )
    parser.add_argument("--data-dir", type=Path, default=Path(".sandbox"), metavar="DIR")
    parser.add_argument(
        "--schedule-every",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="how often the settler's sweep fires (default 60; the pending gauge fires every 5 s)",
    )
    parser.add_argument(
        "--sweep-grace",
        type=int,
        default=60,
        metavar="SECONDS",
        help="the settler's sweep ends a request no workflow took over in this long (default 60)",
    )
    parser.add_argument(
        "--api-rate",
        type=float,
        default=DEFAULT_RATE_PER_SECOND,
        metavar="PER_SECOND",
        help="requests per second the employees' API lets through (default %(default)g)",
    )
    parser.add_argument(
        "--api-burst",
        type=int,
        default=DEFAULT_BURST,
        metavar="N",
        help="requests the employees' API lets through at once (default %(default)d)",
    )
    parser.add_argument(
        "--client-limit",
        default=str(DEFAULT_CLIENT_LIMIT),
        metavar="N",
        help="requests one client may send per --client-window, or off (default %(default)s)",
    )
    parser.add_argument(
        "--client-window",
        type=int,
        default=DEFAULT_CLIENT_WINDOW_SECONDS,
        choices=CLIENT_WINDOWS_SECONDS,
        metavar="SECONDS",
        help="the window of --client-limit: 60, 120, 300 or 600 (default %(default)d)",
    )
    parser.add_argument(
        "--reminder-at",
        default=",".join(f"{share:g}" for share in DEFAULT_REMINDER_AT),
        metavar="SHARES",
        help="when approvers are reminded, as shares of the approval time, or none "
        "(default %(default)s)",
    )
    parser.add_argument(
        "--escalate-at",
        default=f"{DEFAULT_ESCALATE_AT:g}",
        metavar="SHARE",
        help="when a request moves up to the approver's own approver, as a share of the "
        "approval time, or none (default %(default)s)",
    )
    parser.add_argument(
        "--second-approval-over",
        default=str(DEFAULT_SECOND_APPROVAL_OVER_DAYS),
        metavar="DAYS",
        help="leave longer than this needs a second approval, or none (default %(default)s)",
    )
    parser.add_argument(
        "--max-past-days",
        default=None,
        metavar="DAYS",
        help="days before today a request may start: one number, or by leave type like "
        "sick=7,bereavement=3 (default: sick 7, the others 0)",
    )
    parser.add_argument(
        "--max-future-days",
        default=str(DEFAULT_MAX_FUTURE_DAYS),
        metavar="DAYS",
        help="days after today a request may end at the latest (default %(default)s)",
    )
    parser.add_argument(
        "--allowances",
        default=None,
        metavar="DAYS",
        help="days a year by leave type, like annual=25,sick=10 (none: no limit); the types "
        "left out keep their defaults (default: annual 25, the others no limit)",
    )
    parser.add_argument(
        "--work-week",
        default=DEFAULT_WORK_WEEK,
        metavar="DAYS",
        help=f"the days people work, as {WORK_WEEK_EXAMPLES} (default %(default)s)",
    )
    parser.add_argument(
        "--holiday-country",
        default=None,
        metavar="CODE",
        help="whose public holidays are not working days, as an ISO 3166-1 code like GB "
        "(default: no public holidays)",
    )
    parser.add_argument(
        "--holiday-subdivision",
        default=None,
        metavar="CODE",
        help="the part of --holiday-country whose own holidays count too, like ENG or SCT",
    )
    parser.add_argument(
        "--closure-days",
        default=None,
        metavar="DATES",
        help="days the company is closed, like 2026-12-24,2026-12-31 (default: none)",
    )
    parser.add_argument(
        "--workflow-code",
        type=Path,
        default=PROJECT_ROOT,
        metavar="DIR",
        help="a directory holding the handlers package the workflow runs: published as a new "
        "version when it differs from the last one (default: this project)",
    )
    parser.add_argument(
        "--chaos",
        default="0",
        metavar="RATE",
        help="the share of the functions' AWS calls that throttle, answer 5xx or time out, "
        "like 0.05 or 5%% (default 0: none); each fault is logged in DIR/chaos.log",
    )
    parser.add_argument(
        "--chaos-seed",
        type=int,
        default=DEFAULT_CHAOS_SEED,
        metavar="N",
        help="the seed the faults are drawn from (default %(default)d)",
    )
    parser.add_argument(
        "--fail-starts",
        type=int,
        default=0,
        metavar="N",
        help="fail the next N attempts of Lambda's own start of an accepted asynchronous start "
        "of the workflow (three attempts each; then its record goes to the failed-start queue)",
    )
    options = parser.parse_args(argv)
    if options.fail_starts < 0:
        parser.error(f"--fail-starts: must be 0 or more, not {options.fail_starts}")
    chaos = ChaosSettings(
        _flag(parser, "--chaos", parse_chaos_rate, options.chaos), options.chaos_seed
    )
    try:
        follow_ups = FollowUpPlan(
            parse_shares(options.reminder_at), parse_share(options.escalate_at)
        )
    except ValueError as problem:
        parser.error(f"--reminder-at and --escalate-at: {problem}")
    second_approval_over_days = _flag(
        parser, "--second-approval-over", parse_days, options.second_approval_over
    )
    past_days = _flag(parser, "--max-past-days", parse_max_past_days, options.max_past_days)
    future_days = _flag(parser, "--max-future-days", parse_max_future_days, options.max_future_days)
    allowances = _flag(parser, "--allowances", parse_allowances, options.allowances)
    work_calendar = _work_calendar(parser, options)
    if not (options.workflow_code / CODE_PACKAGE / "__init__.py").is_file():
        parser.error(f"--workflow-code: {options.workflow_code} holds no {CODE_PACKAGE} package")
    if not 1024 <= options.port <= 65530:
        parser.error("--port must be between 1024 and 65530")
    if options.approval_timeout < 1:
        parser.error("--approval-timeout must be at least 1 second")
    if options.sweep_grace < 1:
        parser.error("--sweep-grace must be at least 1 second")
    if not 0 < options.api_rate <= MAX_RATE_PER_SECOND:
        parser.error(f"--api-rate must be above 0 and at most {MAX_RATE_PER_SECOND:g}")
    if not 1 <= options.api_burst <= MAX_BURST:
        parser.error(f"--api-burst must be between 1 and {MAX_BURST}")
    try:
        client_rate_limit = (
            ClientRateLimit(enabled=False)
            if options.client_limit == "off"
            else ClientRateLimit(
                limit=int(options.client_limit), window_seconds=options.client_window
            )
        )
    except ValueError as problem:
        parser.error(f"--client-limit: {problem}")
    return SandboxConfig(
        port=options.port,
        approval_timeout_seconds=options.approval_timeout,
        # Absolute: the emulators and workers run from the project root, not from here.
        data_dir=options.data_dir.resolve(),
        workflow_code=options.workflow_code.resolve(),
        schedule_seconds=options.schedule_every,
        sweep_grace_seconds=options.sweep_grace,
        throttle=Throttle(rate_per_second=options.api_rate, burst=options.api_burst),
        client_rate_limit=client_rate_limit,
        follow_ups=follow_ups,
        second_approval_over_days=second_approval_over_days,
        date_limits=DateLimits(past_days, future_days),
        allowances=allowances,
        work_calendar=work_calendar,
        chaos=chaos,
        fail_starts=options.fail_starts,
    )


T = TypeVar("T")


def _flag(parser: argparse.ArgumentParser, flag: str, parse: Callable[[Any], T], value: Any) -> T:
    """`value` of `flag` as `parse` reads it; or the usage and why, and exit."""
    try:
        return parse(value)
    except ValueError as problem:
        parser.error(f"{flag} {problem}")


def _work_calendar(parser: argparse.ArgumentParser, options: argparse.Namespace) -> WorkCalendar:
    """The flags' calendar, its country and subdivision checked against the `holidays` package
    as the stack's config is."""
    work_week = _flag(parser, "--work-week", parse_work_week, options.work_week)
    closure_days = _flag(parser, "--closure-days", parse_closure_days, options.closure_days)
    try:
        country = country_code(options.holiday_country)
        country = None if country is None else known_country(country)
    except ValueError as problem:
        parser.error(f"--holiday-country {problem}")
    subdivision = subdivision_code(options.holiday_subdivision)
    if subdivision is not None:
        if country is None:
            parser.error("--holiday-subdivision goes with --holiday-country")
        try:
            subdivision = known_subdivision(country, subdivision)
        except ValueError as problem:
            parser.error(f"--holiday-subdivision {problem}")
    return WorkCalendar(work_week, country, subdivision, closure_days)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    config = _arguments(argv)
    stopping = StopRequest()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stopping.request)
    stack = SandboxStack(config)
    try:
        outputs = stack.start()
    except PortInUseError as error:
        print(f"sandbox: {error}", file=sys.stderr)
        stack.stop()
        return 2
    except BaseException:
        stack.stop()
        raise
    shown = {"home": config.home_url, **outputs, "outputs": str(stack.outputs_path)}
    width = max(len(name) for name in shown)
    print("The sandbox is running (Ctrl+C stops it):")
    for name, value in shown.items():
        print(f"  {name:<{width}}  {value}")
    print("The AWS CLI and boto3 reach its AWS with (any credentials do):")
    print(
        f"  export AWS_ENDPOINT_URL_LAMBDA={outputs['lambda_endpoint']}"
        f" AWS_ENDPOINT_URL={outputs['aws_endpoint']} AWS_DEFAULT_REGION={REGION}"
        f" AWS_ACCESS_KEY_ID={FAKE_CREDENTIALS['AWS_ACCESS_KEY_ID']}"
        f" AWS_SECRET_ACCESS_KEY={FAKE_CREDENTIALS['AWS_SECRET_ACCESS_KEY']}",
        flush=True,
    )
    if config.chaos.enabled:
        print(
            f"Chaos: {config.chaos.rate * 100:g}% of the functions' AWS calls fail (seed"
            f" {config.chaos.seed}); each fault is logged in {config.data_dir / CHAOS_LOG}",
            flush=True,
        )
    stopping.wait()
    print("Stopping the sandbox...", flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
