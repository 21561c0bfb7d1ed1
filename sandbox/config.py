"""What one sandbox is: its options, its addresses, and the emulated account's fixed names."""

from dataclasses import dataclass, field
from pathlib import Path

from components.throttling import API_STAGE, ClientRateLimit, Throttle
from handlers.domain.allowances import AllowanceTable, parse_allowances
from handlers.domain.approval_levels import DEFAULT_SECOND_APPROVAL_OVER_DAYS
from handlers.domain.follow_ups import FollowUpPlan
from handlers.domain.leave_dates import DateLimits
from handlers.domain.working_days import WorkCalendar

# Where `handlers` and `sandbox` live: the working directory of every process the sandbox starts.
PROJECT_ROOT = Path(__file__).resolve().parent.parent

REGION = "us-east-2"
ACCOUNT_ID = "123456789012"
# Every process that talks to an emulator signs with these; nothing checks them.
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "sandbox",
    "AWS_SECRET_ACCESS_KEY": "sandbox",
    "AWS_SESSION_TOKEN": "sandbox",
}

# Physical names follow the Pulumi program's scheme for project `leave-approvals`, stack `sandbox`.
NAME_PREFIX = "leave-approvals-sandbox"
TABLE_NAME = f"{NAME_PREFIX}-requests"
EVENT_BUS_NAME = NAME_PREFIX
# Where Lambda puts the workflow's asynchronous starts it could not make (its on-failure
# destination: components/failed_starts.py), `leave-ops retry-starts` reads them.
FAILED_START_QUEUE = f"{NAME_PREFIX}-failed-starts"
SIGNING_KEY_PARAMETER = "/leave-approvals/sandbox/signing-key"
# The key before the last rotation (`leave-ops rotate-key`): links it signed still decide.
PREVIOUS_SIGNING_KEY_PARAMETER = f"{SIGNING_KEY_PARAMETER}-previous"
SENDER_EMAIL = "leave@email.com"
# The seed article's payload comes from employee@email.com: its domain must be allowed, and
# anyone without a directory entry is decided by the default approver.
ALLOWED_EMAIL_DOMAINS = ("email.com", "example.com")
DEFAULT_APPROVER = "manager@email.com"
# The manager's people are named too (the default approver decides for them anyway), so that
# the manager's team view, which lists the people whose entry names them, has a team.
APPROVER_DIRECTORY = {
    DEFAULT_APPROVER: "director@email.com",
    "employee@email.com": DEFAULT_APPROVER,
    "colleague@email.com": DEFAULT_APPROVER,
}
MAX_LEAVE_DAYS = 30
# Who the sign-in page offers (anyone else at an allowed domain may type their address).
SIGN_IN_PEOPLE = ("employee@email.com", DEFAULT_APPROVER, "director@email.com")
# The app client's id: the audience of the local issuer's ID tokens, the submit function's.
OIDC_AUDIENCE = "leave-approvals-sandbox"
# Where the home site serves the user pool's stand-ins: its issuer (Cognito's
# `cognito-idp.<region>.amazonaws.com/<pool id>`), its hosted sign-in (the pool's domain,
# `<prefix>.auth.<region>.amazoncognito.com`), and, outside both, the sign-in for scripts.
ISSUER_PATH = "/oidc"
HOSTED_SIGN_IN_PATH = "/auth"
SCRIPTS_TOKEN_PATH = "/token-for-scripts"  # noqa: S105 (a path, not a secret)


# Chaos is reproducible unless told otherwise: one seed, one order of calls, the same faults.
DEFAULT_CHAOS_SEED = 25


@dataclass(frozen=True)
class ChaosSettings:
    """Chaos mode (`sandbox/chaos.py`): the share of the functions' AWS calls that fail."""

    rate: float = 0.0
    seed: int = DEFAULT_CHAOS_SEED

    @property
    def enabled(self) -> bool:
        return self.rate > 0


@dataclass(frozen=True)
class Ports:
    """Each Function URL and API is its own origin on AWS, so each gets its own port here."""

    base: int

    @property
    def home(self) -> int:
        return self.base

    @property
    def submit_url(self) -> int:
        return self.base + 1

    @property
    def decision_url(self) -> int:
        return self.base + 2

    @property
    def lambda_api(self) -> int:
        return self.base + 3

    @property
    def durable_emulator(self) -> int:
        return self.base + 4

    @property
    def aws_emulator(self) -> int:
        return self.base + 5

    def all(self) -> tuple[int, ...]:
        return tuple(self.base + offset for offset in range(6))


def loopback_url(port: int, path: str = "/") -> str:
    return f"http://127.0.0.1:{port}{path}"


@dataclass(frozen=True)
class SandboxConfig:
    port: int = 8000
    approval_timeout_seconds: int = 300
    data_dir: Path = Path(".sandbox")
    # How often the scheduler fires each registered scheduled function.
    schedule_seconds: float = 30.0
    # The settler's sweep looks at requests no workflow took over within this long.
    sweep_grace_seconds: int = 60
    # The employees' API stage's limits: the deployed stack's defaults unless told otherwise.
    throttle: Throttle = field(default_factory=Throttle)
    # The web ACL's limit per client in front of that stage: the deployed stack's defaults.
    client_rate_limit: ClientRateLimit = field(default_factory=ClientRateLimit)
    # When approvers are reminded and requests escalate: the deployed stack's defaults.
    follow_ups: FollowUpPlan = field(default_factory=FollowUpPlan)
    # Leave longer than this many days needs a second approval: the deployed stack's default.
    second_approval_over_days: int | None = DEFAULT_SECOND_APPROVAL_OVER_DAYS
    # How far back a request may start and how far ahead it may end: the deployed defaults.
    date_limits: DateLimits = field(default_factory=DateLimits)
    # Days a year of each leave type (None: no limit): the deployed stack's defaults.
    allowances: AllowanceTable = field(default_factory=lambda: parse_allowances(None))
    # Which days count: Monday to Friday as deployed, with no public holidays unless told.
    work_calendar: WorkCalendar = field(default_factory=WorkCalendar)
    # Where the workflow's code comes from: a directory holding the `handlers` package that
    # is published as a new version when it changed (sandbox/versions.py).
    workflow_code: Path = PROJECT_ROOT
    # A share of the functions' AWS calls failed as AWS fails them (`sandbox/chaos.py`): none.
    chaos: ChaosSettings = field(default_factory=ChaosSettings)
    # How many of the next attempts of Lambda's own start of an accepted asynchronous invoke of
    # the workflow fail (`--fail-starts`; three attempts per invoke): none.
    fail_starts: int = 0

    @property
    def ports(self) -> Ports:
        return Ports(self.port)

    @property
    def submit_url(self) -> str:
        return loopback_url(self.ports.submit_url, f"/{API_STAGE}/")

    @property
    def decision_url(self) -> str:
        return loopback_url(self.ports.decision_url)

    @property
    def home_url(self) -> str:
        return loopback_url(self.ports.home)

    @property
    def dashboard_url(self) -> str:
        return loopback_url(self.ports.home, "/dashboard")

    @property
    def mailbox_url(self) -> str:
        return loopback_url(self.ports.home, "/mailbox")

    @property
    def oidc_issuer(self) -> str:
        return loopback_url(self.ports.home, ISSUER_PATH)

    @property
    def oidc_jwks_url(self) -> str:
        """Where Cognito publishes a pool's keys: under its issuer, as on AWS."""
        return f"{self.oidc_issuer}/.well-known/jwks.json"

    @property
    def sign_in_url(self) -> str:
        return loopback_url(self.ports.home, HOSTED_SIGN_IN_PATH)

    @property
    def token_url(self) -> str:
        return loopback_url(self.ports.home, SCRIPTS_TOKEN_PATH)

    @property
    def aws_endpoint(self) -> str:
        return loopback_url(self.ports.aws_emulator).rstrip("/")

    @property
    def lambda_endpoint(self) -> str:
        return loopback_url(self.ports.lambda_api).rstrip("/")

    @property
    def durable_endpoint(self) -> str:
        return loopback_url(self.ports.durable_emulator).rstrip("/")
