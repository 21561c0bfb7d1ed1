"""How `leave-ops` answers: a table or JSON on stdout, and one clear line on stderr when it
cannot do what it was asked (exit code 1, never a traceback)."""

import functools
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn, ParamSpec, TypeVar

import typer
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)
from rich.console import Console
from rich.table import Table

from handlers.settings import SettingsError

P = ParamSpec("P")
R = TypeVar("R")


class OperatorError(Exception):
    """What `leave-ops` tells the operator when it cannot go on: one line, exit code 1."""


def fail(message: str) -> NoReturn:
    raise OperatorError(message)


# Wide enough that no address or id is cut when the output goes to a file or a pipe.
_WIDTH_OFF_A_TERMINAL = 240


def _stdout() -> Console:
    # Made per call: the test runner swaps sys.stdout for each invocation.
    console = Console(soft_wrap=True)
    if not console.is_terminal:
        console = Console(soft_wrap=True, width=_WIDTH_OFF_A_TERMINAL)
    return console


def say(message: str) -> None:
    """A line for the operator (rich markup allowed)."""
    _stdout().print(message)


def print_json(value: Any) -> None:
    typer.echo(json.dumps(value, indent=2, sort_keys=True, default=str))


def print_table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], title: str | None = None
) -> None:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*("" if row.get(c) is None else str(row.get(c)) for c in columns))
    _stdout().print(table)


def show_rows(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[str], as_json: bool, empty: str
) -> None:
    """Rows as a table (or `empty` when there are none), or as a JSON list."""
    if as_json:
        print_json(list(rows))
    elif not rows:
        say(empty)
    else:
        print_table(rows, columns)


def _aws_refusal(error: ClientError) -> str:
    details = error.response.get("Error", {})
    operation = getattr(error, "operation_name", "a call")
    return f"AWS refused {operation}: {details.get('Code', '?')}: {details.get('Message', '')}"


@contextmanager
def operator_errors() -> Iterator[None]:
    """Turn what can go wrong into one line on stderr and exit code 1."""
    try:
        yield
    except OperatorError as error:
        message = str(error)
    except NoCredentialsError:
        message = (
            "no AWS credentials: sign in (aws sso login, AWS_PROFILE, or AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY) with the operator policy attached"
        )
    except NoRegionError:
        message = "no AWS region: set AWS_REGION"
    except EndpointConnectionError as error:
        message = f"cannot reach {error.kwargs.get('endpoint_url', 'AWS')}: is it running?"
    except ClientError as error:
        message = _aws_refusal(error)
    except BotoCoreError as error:
        message = f"AWS call failed: {error}"
    except SettingsError as error:
        message = f"a deployed function's settings are not valid: {error}"
    except (typer.Exit, typer.Abort):
        raise
    except Exception as error:  # an operator gets one line, whatever broke
        message = f"unexpected {type(error).__name__}: {error}"
    else:
        return
    typer.echo(f"leave-ops: {message}", err=True)
    raise typer.Exit(1)


def operator_command(function: Callable[P, R]) -> Callable[P, R]:
    """A command whose failures are told in one line (see `operator_errors`)."""

    @functools.wraps(function)
    def command(*args: P.args, **kwargs: P.kwargs) -> R:
        with operator_errors():
            return function(*args, **kwargs)
        raise AssertionError("unreachable")  # operator_errors exits on every failure

    return command
