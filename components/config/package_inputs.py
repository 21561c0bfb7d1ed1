"""The inputs of the package component `LeaveApprovals`: made from StackSettings by
`python -m components.config`; edit the model (stack_settings.py), not this file.

Their names are the stack's config keys in snake_case (the schema's are the keys), their
docstrings the descriptions in the package's schema."""

from typing import Any, NotRequired, TypedDict

import pulumi


class LeaveApprovalsArgs(TypedDict):
    """The stack settings of docs/deploying.md, as inputs; the signing keys may be
    secrets."""

    sender_email: pulumi.Input[str]
    """The From address of every email; an SES identity is created for it (and must be verified).
    Takes an email address."""
    allowed_email_domains: pulumi.Input[list[str]]
    """Only employees at these domains may submit. Takes a list, or `a.com,b.com`."""
    default_approver: pulumi.Input[str]
    """Who approves when the directory names nobody for the employee. Takes an email address."""
    approver_directory: NotRequired[pulumi.Input[dict[str, str]]]
    """Each employee's approver, seeded into the table; everyone else's is `defaultApprover`. Takes
    employee address → approver address. Default: `{}`."""
    allowances: NotRequired[pulumi.Input[dict[str, Any]]]
    """Days of leave each person has a calendar year, by leave type; the types left out keep their
    defaults (annual 25, the others no limit) and `none` takes a type's limit off. A request's days
    count against the year each falls in: waiting, it holds them; approved, it has taken them; ended
    any other way, it gives them back. A request for more than is left is refused: 422 naming its
    dates (or `leave_type` when the type has no days that year), with the days left. Each person's
    own: `allowanceOverrides`. Takes leave types mapped to 0 to 366 days a year, or `none`. Default:
    `{"annual": 25}`."""
    allowance_overrides: NotRequired[pulumi.Input[dict[str, dict[str, Any]]]]
    """Allowances of particular people, seeded into their directory entries; the types each leaves
    out are as `allowances` says. Takes employee address → leave types mapped to days a year, or
    `none`. Default: `{}`."""
    alarm_email: pulumi.Input[str]
    """Where alarms go: subscribed by email to the alarm topic (a team list rather than a person).
    Takes an email address."""
    signing_key: pulumi.Input[str]
    """The key that signs the links in approvers' emails; stored as an SSM SecureString. Takes at
    least 32 characters."""
    approval_timeout_seconds: NotRequired[pulumi.Input[int]]
    """How long an approver has to decide, in seconds (the default is 7 days). A change applies to
    requests submitted after the deploy: those waiting keep the time they were given (see Changing
    the workflow safely). Takes 60 to 31,536,000. Default: `604800`."""
    reminder_at: NotRequired[pulumi.Input[str]]
    """When a waiting request's approver is reminded, as shares of `approvalTimeoutSeconds` (`0.5`,
    `0.25,0.5` or a list), with the link they were sent; `none` sends no reminders. Each reminder
    that falls due costs 5 durable operations (a race between the decision and its time, and its
    step; US$0.00004) and one more workflow invocation, at each approval level. Takes up to 3
    shares, each above 0 and below 1, increasing, or `none`. Default: `0.5`."""
    second_approval_over_days: NotRequired[pulumi.Input[str]]
    """Leave longer than this many working days (`workWeek`) needs a second approval once its
    approver approved, by their own approver (chosen as for an escalation); a rejection at either
    level ends it, and it expires at the end of `approvalTimeoutSeconds` whichever level it waits
    at; with nobody above, one approval suffices. Takes 1 to 366, or `none`. Default: `10`."""
    escalate_at: NotRequired[pulumi.Input[str]]
    """When a request nobody has decided moves up to its approver's own approver (their directory
    entry, else `defaultApprover`; above `defaultApprover` only their own entry), who gets a new
    link; the earlier link then answers 409 naming who has it. `none` turns escalation off. The
    request still expires at the end of `approvalTimeoutSeconds`. Takes a share after every reminder
    and below 1, or `none`. Default: `0.75`."""
    max_leave_days: NotRequired[pulumi.Input[int]]
    """The longest leave one request may cover, in working days (`workWeek`); longer: 422 naming
    `end_date`. Takes 1 to 366. Default: `30`."""
    max_past_days: NotRequired[pulumi.Input[dict[str, int]]]
    """How many days before today (UTC) a request may start, by leave type; the types left out keep
    their defaults (sick 7, the others 0, so annual leave cannot start in the past). Earlier: 422
    naming `start_date`. Takes leave types mapped to 0 to 366 days, or one number for all. Default:
    `{"sick": 7}`."""
    max_future_days: NotRequired[pulumi.Input[int]]
    """How many days after today a request may end at the latest. Later: 422 naming `end_date`.
    Takes 1 to 3,660. Default: `730`."""
    work_week: NotRequired[pulumi.Input[str]]
    """The days of the week people work. Every day count of a request counts working days: days of
    this week that are neither public holidays (`holidayCountry`) nor `closureDays`. That is the
    count people are shown, and the one `maxLeaveDays` and `secondApprovalOverDays` compare; a
    request is counted once, when it is submitted. A request of no working days is refused (422
    naming `start_date`). Takes day names: a range like `Mon-Fri` (or `Sun-Thu`, across the
    weekend), a list like `Mon,Tue,Thu`. Default: `Mon-Fri`."""
    holiday_country: NotRequired[pulumi.Input[str]]
    """The country whose public holidays (observed days included, from the `holidays` package) are
    not working days; unset: no public holidays. Takes an ISO 3166-1 alpha-2 code the `holidays`
    package knows. Default: unset."""
    holiday_subdivision: NotRequired[pulumi.Input[str]]
    """The part of `holidayCountry` (a state, province or nation, like `ENG` or `SCT` for GB) whose
    own public holidays are not working days either; unset: the country's nationwide holidays only.
    Takes one of the country's subdivisions the `holidays` package knows, by code or name. Default:
    unset."""
    closure_days: NotRequired[pulumi.Input[list[str]]]
    """Days the whole company is closed: not working days either. Takes up to 100 dates as
    YYYY-MM-DD: a list, or `2026-12-24,2026-12-31`. Default: `[]`."""
    sandbox_recipients: NotRequired[pulumi.Input[list[str]]]
    """Addresses to verify in SES while the account is in the SES sandbox (which mails only verified
    addresses); empty once out of it. Takes a list, or `a@x.com,b@x.com`. Default: `[]`."""
    log_retention_days: NotRequired[pulumi.Input[int]]
    """How long CloudWatch Logs keeps the functions' logs, in days. Takes 1, 3, 5, 7, 14, 30, 60,
    90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288 or 3653. Default:
    `30`."""
    execution_retention_days: NotRequired[pulumi.Input[int]]
    """How long Lambda keeps a finished workflow's state and history, in days. Taken when the stack
    is first deployed: Lambda sets it only when it creates the workflow function, and the program
    never replaces that function for it. Takes 1 to 90. Default: `14`."""
    table_deletion_protection: NotRequired[pulumi.Input[bool]]
    """Protects the table (and the user pool) from deletion; `false` in `dev`, so `pulumi destroy`
    can delete them. Takes `true` or `false`. Default: `true`."""
    http_max_concurrency: NotRequired[pulumi.Input[int]]
    """Reserved concurrency of each public endpoint (unset: uncapped). Beyond it callers get 429,
    and a flood of requests can neither starve the account's other functions nor run up the bill.
    Lambda keeps at least 100 of the account's concurrency unreserved, so a new account with a quota
    of 10 has nothing to reserve: ask for a raise first. Takes 1 to 1,000. Default: unset."""
    max_pending_per_employee: NotRequired[pulumi.Input[int]]
    """How many requests one employee may have waiting for a decision at once; the next gets 429.
    Takes 1 to 100. Default: `5`."""
    oidc_issuer: NotRequired[pulumi.Input[str]]
    """The company's OpenID Connect issuer; unset, the stack creates a Cognito user pool and its
    hosted sign-in (see the threat model in docs/deploying.md). Takes an `https://` URL. Default:
    unset."""
    oidc_audience: NotRequired[pulumi.Input[str]]
    """The client id the issuer's ID tokens carry as their audience; required with `oidcIssuer`.
    Takes text. Default: unset."""
    oidc_jwks_url: NotRequired[pulumi.Input[str]]
    """Where the issuer's signing keys are, if its discovery document does not say (unset: found
    through it). Takes an `https://` URL. Default: unset."""
    previous_signing_key: NotRequired[pulumi.Input[str]]
    """The signing key before the last rotation, kept until the links it signed have expired (see
    rotating the link-signing key in docs/deploying.md). Takes at least 32 characters, not
    `signingKey`. Default: unset, secret."""
    api_rate_limit: NotRequired[pulumi.Input[float]]
    """Requests per second the employees' API lets through (its stage's steady rate). Past it
    callers get 429 with `Retry-After`. Takes 0.000001 to 10,000. Default: `10`."""
    api_burst_limit: NotRequired[pulumi.Input[int]]
    """How many requests the employees' API lets through at once before the rate applies. Takes 1 to
    5,000. Default: `20`."""
    client_rate_limit_enabled: NotRequired[pulumi.Input[bool]]
    """An AWS WAF web ACL on the employees' API that limits each client address, so that one client,
    signed in or not, cannot spend the throttle above for everyone; `false` removes it (and its
    cost: docs/cost.md). Takes `true` or `false`. Default: `true`."""
    client_rate_limit: NotRequired[pulumi.Input[int]]
    """Requests one client address may send per `clientRateLimitWindowSeconds` (AWS WAF's bounds).
    Past it the address gets 429 with `Retry-After` (the window's share of one request, rounded up)
    until its rate falls back. An office behind one NAT address is one client: leave room for its
    people. Takes 10 to 2,000,000,000. Default: `600`."""
    client_rate_limit_window_seconds: NotRequired[pulumi.Input[int]]
    """The window AWS WAF counts each address's requests over, in seconds. Takes 60, 120, 300 or
    600. Default: `300`."""
    mfa: NotRequired[pulumi.Input[str]]
    """Whether the stack's Cognito user pool asks for a one-time code from an authenticator app
    (TOTP) at sign-in: `off`; `optional`: those with an authenticator app registered are asked for
    its code (the classic hosted sign-in offers no way to register one: that takes Cognito's
    `AssociateSoftwareToken` API); `required`: everyone, and Cognito has each register one when they
    sign in (from the sign-in after their first, its documentation says). No effect with
    `oidcIssuer`. Takes `off`, `optional` or `required`. Default: `optional`."""
    compile_bytecode: NotRequired[pulumi.Input[bool]]
    """Ship bytecode compiled for the runtime in both archives: about half a second off every cold
    start. It uses Python 3.13, which uv installs if the deploying machine has none; `false` skips
    it where that cannot be done. Takes `true` or `false`. Default: `true`."""
    sweep_interval_minutes: NotRequired[pulumi.Input[int]]
    """How often the settler sweeps for pending requests nobody will end, in minutes. Takes 1 to 60.
    Default: `5`."""
    sweep_grace_seconds: NotRequired[pulumi.Input[int]]
    """How long a request may wait to be taken over by its workflow (or stay pending past its
    approval timeout) before the sweep looks at it, in seconds. Takes 60 to 86,400. Default:
    `900`."""
    pending_gauge_interval_minutes: NotRequired[pulumi.Input[int]]
    """How often the pending gauge counts the requests waiting for a decision, in minutes; the
    oldest-pending alarm reads one figure per run. Takes 1 to 60. Default: `1`."""
    oldest_pending_alarm_share: NotRequired[pulumi.Input[float]]
    """Alarm when the oldest pending request has waited this share of `approvalTimeoutSeconds` (0.5:
    halfway through an approver's time). Takes above 0, at most 1. Default: `0.5`."""
    expiry_rate_alarm_threshold: NotRequired[pulumi.Input[float]]
    """Alarm when more than this share of the requests that ended in 6 hours expired rather than
    being approved or rejected. Takes above 0, at most 1. Default: `0.5`."""
    event_archive_retention_days: NotRequired[pulumi.Input[int]]
    """How long the EventBridge archive keeps the service's events for replay, in days. Takes 1 to
    3,650. Default: `90`."""
