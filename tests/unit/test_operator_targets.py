"""`leave-ops --stack NAME` as an operator meets it when something is missing: no `pulumi`, a
stack Pulumi cannot read, no AWS credentials. Each is one line and exit code 1. The installed
command runs in a process of its own, with an environment made here (a stand-in `pulumi` on
its PATH), as an operator's shell would run it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.installed_command import leave_ops_command

OUTPUTS = {
    "table_name": "leave-table-0a1b2c3",
    "workflow_alias_arn": "arn:aws:lambda:eu-west-1:123456789012:function:leave-dev-workflow:live",
    "workflow_function_name": "leave-dev-workflow",
}


def stand_in_pulumi(directory: Path, exit_code: int, stdout: str, stderr: str) -> Path:
    """A `pulumi` that answers `stack output` as told, and records its arguments."""
    directory.mkdir()
    script = directory / "pulumi"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        f"open({str(directory / 'arguments')!r}, 'w').write(' '.join(sys.argv[1:]))\n"
        f"sys.stdout.write({stdout!r})\n"
        f"sys.stderr.write({stderr!r})\n"
        f"sys.exit({exit_code})\n"
    )
    script.chmod(0o755)
    return directory


def leave_ops(path: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": str(path),
        "HOME": str(path),
        # Nowhere to find credentials: not the machine's, not an instance's metadata.
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": str(path / "none"),
        "AWS_SHARED_CREDENTIALS_FILE": str(path / "none"),
    }
    return subprocess.run(  # noqa: S603 - the project's own command
        [str(leave_ops_command()), *arguments],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env=environment,
    )


def test_without_pulumi_it_says_to_install_it(tmp_path: Path) -> None:
    done = leave_ops(tmp_path, "--stack", "dev", "list")
    assert (done.returncode, done.stderr) == (
        1,
        "leave-ops: pulumi is not installed: install its CLI to read the stack's outputs\n",
    )


def test_a_stack_pulumi_cannot_read_is_named_with_pulumis_reason(tmp_path: Path) -> None:
    path = stand_in_pulumi(tmp_path / "bin", 255, "", "error: no stack named 'nope' found\n")
    done = leave_ops(path, "--stack", "nope", "list")
    assert (done.returncode, done.stderr) == (
        1,
        "leave-ops: cannot read the outputs of stack 'nope': error: no stack named 'nope' found\n",
    )
    assert (path / "arguments").read_text() == ("stack output --json --show-secrets --stack nope")


def test_without_credentials_it_says_how_to_sign_in(tmp_path: Path) -> None:
    path = stand_in_pulumi(tmp_path / "bin", 0, json.dumps(OUTPUTS), "")
    done = leave_ops(path, "--stack", "dev", "list", "--employee", "alice@example.com")
    assert done.returncode == 1
    assert done.stderr.startswith("leave-ops: no AWS credentials: sign in (aws sso login")
    assert done.stderr.count("\n") == 1


@pytest.mark.parametrize("answer", ["", "not json", "[1, 2]"])
def test_outputs_pulumi_did_not_print_are_one_line(tmp_path: Path, answer: str) -> None:
    path = stand_in_pulumi(tmp_path / "bin", 0, answer, "")
    done = leave_ops(path, "--stack", "dev", "list")
    assert done.returncode == 1
    assert done.stderr.startswith("leave-ops: ")
    assert "Traceback" not in done.stderr
