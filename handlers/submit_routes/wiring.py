"""What the employees' routes call, built once per execution environment: the use cases with
their stores and gateways, the sign-in check, and the stage's own address.

Routes call these through the module (`wiring.submitter()`), so a test can replace one.
"""

from datetime import UTC, datetime
from functools import cache

from aws_lambda_powertools.utilities.data_classes.common import BaseProxyEvent

from handlers.domain.leave_request import status_url
from handlers.gateways.event_publisher import EventBridgePublisher
from handlers.gateways.mailer import SesMailer
from handlers.gateways.signing_key import signing_key
from handlers.gateways.token_verifier import Caller, TokenVerifier
from handlers.gateways.workflow_service import LambdaWorkflowService
from handlers.logic.cancelling import Canceller
from handlers.logic.deciding import Decider, await_final
from handlers.logic.deciding_in_app import AppDecider
from handlers.logic.submission import Submitter, id_key_from
from handlers.logic.withdrawing import Withdrawer
from handlers.settings import submit_settings
from handlers.storage.approver_directory import DynamoDbApproverDirectory
from handlers.storage.delegations import DynamoDbDelegations
from handlers.storage.feed_secrets import DynamoDbFeedSecrets, FeedSecrets
from handlers.storage.leave_store import DynamoDbLeaveStore
from handlers.storage.team_reads import DynamoDbTeamReads, TeamReads


@cache
def submitter() -> Submitter:
    settings = submit_settings()
    return Submitter(
        settings=settings,
        store=DynamoDbLeaveStore(settings.table_name),
        directory=DynamoDbApproverDirectory(settings.table_name),
        delegations=DynamoDbDelegations(settings.table_name),
        workflow=LambdaWorkflowService(settings.workflow_function),
        clock=lambda: datetime.now(UTC),
        id_key=lambda: id_key_from(signing_key(settings.signing_key_parameter)),
    )


@cache
def withdrawer() -> Withdrawer:
    wired = submitter()
    return Withdrawer(
        store=wired.store,
        workflow=wired.workflow,
        clock=wired.clock,
        await_final=lambda request_id: await_final(wired.store, request_id),
    )


@cache
def canceller() -> Canceller:
    settings, wired = submit_settings(), submitter()
    return Canceller(
        store=wired.store,
        mailer=SesMailer(settings.sender_email),
        events=EventBridgePublisher(settings.event_bus_name),
        clock=wired.clock,
        status_link=lambda request_id: status_url(base_url(), request_id),
    )


def app_decider() -> AppDecider:
    """Decisions in the app: the link's decision path on the submit function's store and
    workflow (its signing key names no link here: the caller is signed in)."""
    wired = submitter()
    store = wired.store
    decider = Decider(
        store=store,
        workflow=wired.workflow,
        signing_keys=lambda: [],
        clock=wired.clock,
        await_final=lambda request_id: await_final(store, request_id),
    )
    return AppDecider(decider=decider, delegations=wired.delegations)


def team_reads() -> TeamReads:
    return DynamoDbTeamReads(submit_settings().table_name)


@cache
def verifier() -> TokenVerifier:
    settings = submit_settings()
    return TokenVerifier(settings.oidc_issuer, settings.oidc_audience, settings.oidc_jwks_url)


def feed_secrets() -> FeedSecrets:
    return DynamoDbFeedSecrets(submit_settings().table_name)


def caller(event: BaseProxyEvent) -> Caller:
    """Who is signed in, from the event's bearer token; UnauthenticatedError if nobody."""
    return verifier().verify(event.headers.get("authorization"))


def base_url() -> str:
    """Where this stage answers, ending with `/`: configured, never taken from the request's
    Host header."""
    return submit_settings().submit_url.rstrip("/") + "/"


def wants_page(event: BaseProxyEvent) -> bool:
    """Whether a browser asks (for the employees' app rather than the API's JSON)."""
    return "text/html" in (event.headers.get("Accept") or "")
