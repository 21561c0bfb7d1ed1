"""The leave workflow's steps: every side effect of the workflow, each run inside one durable
step by the orchestration (handlers/logic/leave_workflow.py), which replays; this module runs
only when a step runs. Store writes, emails, domain events, metrics, the clock and the signing
key belong here, never in the orchestration.

What "once" means here: a step's result is checkpointed once, but a step that fails after its
side effect is retried whole. Writes are conditional, so a retry finds its own earlier write;
emails and domain events are at least once (a retry after a timeout may send a second copy),
and every event carries a deterministic id for consumers to deduplicate.

Races at one level (handlers/domain/claims.py: a decision claims its level before its
callback, a follow-up leases the request before its first write or email):
- decision vs reminder: whichever takes the request first. A claimed decision makes the
  reminder do nothing; a reminder under way makes the decision retry (503), and it then goes
  through. No reminder follows a decision its approver saw accepted.
- decision vs escalation: the same. A claimed decision stops the escalation before the new
  approver is emailed (and long leave then goes above who decided); an escalation under way
  makes the decision retry, after which the old link answers 409 naming who has it now.
- decision vs a delegation's hand-over (the settler): the same; a claimed decision keeps the
  request with, and credits, the approver who decided.
- withdrawal vs the hand-over to the second level: the withdrawal takes no claim. Before the
  second callback is attached it finds the first one closed and is told to retry (503), never
  409; after, it goes into the second callback and wins over the second approver (who is told).

Long leave: the second approval is asked of the approver above the one who decided the first
(above whom a delegate stood in for), never of anyone who had or approved it; with nobody
above, one approval suffices and the history says so.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from handlers.domain.decision_token import DecisionToken, decision_link
from handlers.domain.delegation import stood_in_for
from handlers.domain.follow_ups import FollowUp, FollowUpKind
from handlers.domain.leave_request import (
    DecisionPayload,
    HistoryEntry,
    LeaveRecord,
    LeaveRequest,
    Outcome,
    status_url,
)
from handlers.domain.signals import (
    EventType,
    Metric,
    event_id_for,
    follow_up_event_id,
)
from handlers.domain.statuses import HistoryEvent, LeaveStatus
from handlers.gateways.event_publisher import EventPublisher
from handlers.gateways.mailer import Mailer
from handlers.logic.approval_chain import ApproverDirectory, approver_above
from handlers.logic.delegating import decider_for
from handlers.logic.leave_workflow import StepName, Verdict
from handlers.logic.notifying import (
    announce_outcome,
    event_fields,
    notice_key,
    send_email,
    send_notice_once,
    tell_approvers_it_ended,
)
from handlers.observability import emit_metric, logger
from handlers.settings import WorkflowSettings
from handlers.storage.delegations import Delegations
from handlers.storage.leave_store import LeaveStore
from handlers.storage.refused_writes import RequestConflictError
from handlers.web.approver_briefing import handed_to_you
from handlers.web.emails import (
    Email,
    approval_request_email,
    escalated_away_email,
    handed_over_email,
    moment_words,
    outcome_email,
    receipt_email,
    reminder_email,
)
from handlers.web.wording import counted_days_words


@dataclass(frozen=True)
class LeaveSteps:
    """The side effects of the workflow, each run inside one durable step."""

    settings: WorkflowSettings
    store: LeaveStore
    mailer: Mailer
    events: EventPublisher
    directory: ApproverDirectory
    delegations: Delegations
    signing_key: Callable[[], bytes]
    clock: Callable[[], datetime]

    def status_link(self, request: LeaveRequest) -> str:
        return status_url(self.settings.submit_url, request.request_id)

    # Within a step the order is: the write, then the event, then the metric. A step that
    # fails is retried whole and the write is idempotent; the event may go out again (at least
    # once, with one id); the metric is last, so only a crash between it and the step's
    # checkpoint counts it again (the dashboard counts from the status totals, exact).

    def take_over(self, request: LeaveRequest) -> str | None:
        """Claim the request submit recorded; None if submit gave up on this execution."""
        record = self.store.take_over(request, self.clock())
        if record is None:
            return None
        self.events.publish(
            EventType.REQUEST_SUBMITTED,
            event_id_for(request.request_id, EventType.REQUEST_SUBMITTED, LeaveStatus.PENDING),
            {
                **event_fields(request),
                "status": LeaveStatus.PENDING,
                "submitted_at": record.submitted_at.isoformat(),
            },
        )
        emit_metric(Metric.REQUESTS_SUBMITTED)
        return record.submitted_at.isoformat()

    def send_receipt(self, request: LeaveRequest) -> str:
        return self._send(receipt_email(request, self.status_link(request)))

    def ask_approver(self, request: LeaveRequest, callback_id: str, submitted_at: str) -> int:
        """Attach the callback and send the approver their link; the deadline (Unix seconds)
        every link of the request shares. It counts from the submission, which came before the
        callback's timer started, so no link promises more time than the callback has."""
        started = datetime.fromisoformat(submitted_at)
        expires = started + timedelta(seconds=self.settings.approval_timeout_seconds)
        record = self.store.attach_callback(request.request_id, callback_id, expires)
        deadline = int(expires.timestamp())
        link = self._decision_link(request.request_id, request.approver_email, deadline)
        self._send(approval_request_email(request, link, _when(deadline), _why_you(record)))
        return deadline

    def _decision_link(self, request_id: str, approver_email: str, deadline: int) -> str:
        token = DecisionToken(request_id, approver_email, deadline)
        return decision_link(self.settings.decision_url, token, self.signing_key())

    # A follow-up is due. Its record is written once (under its key), so a retried step finds
    # it done; the event goes out at least once with one id; emails go last but one, so only a
    # crash just after one sends it twice; the metric, which cannot fail, counts once. One
    # exception: the new approver of an escalation is emailed before the request is handed to
    # them, so a request never moves to someone who cannot be reached.

    def follow_up(self, request: LeaveRequest, follow_up: FollowUp, deadline: int) -> str | None:
        """Remind or escalate; who has the request now, or None when nothing was done (the
        request was decided or claimed by a decision meanwhile, another follow-up is under
        way, or there is nobody to escalate to). It holds the request's lease from before its
        first write to after its last email, so no decision is accepted while it sends."""
        try:
            record = self.store.take_lease(request.request_id, follow_up.key, self.clock())
        except RequestConflictError as refused:
            moved = refused.record
            if (
                follow_up.kind is FollowUpKind.ESCALATE
                and moved
                and moved.status.awaits_decision
                and follow_up.key in moved.follow_ups
            ):
                # A retry after the escalation moved it: the request is the new approver's,
                # whatever they claimed since, and what happened is still announced.
                return self._escalate(moved, follow_up.key, deadline)
            return None
        try:
            if follow_up.kind is FollowUpKind.REMIND:
                return self._remind(record, follow_up.key, deadline)
            return self._escalate(record, follow_up.key, deadline)
        finally:
            self.store.release_lease(request.request_id, follow_up.key)

    def _remind(self, record: LeaveRecord, key: str, deadline: int) -> str | None:
        approver = record.approver_email
        entry = HistoryEntry(event=HistoryEvent.REMINDED, at=self.clock(), to_approver=approver)
        try:
            self.store.follow_up(record.request_id, key, entry)
        except RequestConflictError:
            return None
        self.events.publish(
            EventType.APPROVER_REMINDED,
            follow_up_event_id(record.request_id, key),
            {**event_fields(record), "approver_email": approver, "reminder": key},
        )
        link = self._decision_link(record.request_id, approver, deadline)
        self._send(reminder_email(record, link, _when(deadline)))
        emit_metric(Metric.REMINDERS_SENT)
        return approver

    def _approver_above(self, record: LeaveRecord, person: str | None = None) -> str | None:
        """Who the request moves up to from `person` (by default its approver): the own
        approver, in the chain, of the one `person` stands in for as a delegate (else of
        `person`), or that approver's delegate while they are away; never the employee, never
        back to anyone who had it. None when nobody is left."""
        stands_for = stood_in_for(record, person or record.approver_email)
        passed_over = {
            record.employee_email,
            record.approver_email,
            *stands_for,
            *record.former_approvers(),
        }
        above = approver_above(
            stands_for[-1], self.directory, self.settings.default_approver, passed_over
        )
        if above is None:
            return None
        # Away? Their delegate decides, unless that sends it back down (to someone who had or
        # approved it): then it stays with them, away or not, rather than lose a level.
        delegate, _ = decider_for(
            above, record.employee_email, self.clock().date(), self.delegations
        )
        return above if delegate in passed_over else delegate

    def ask_second_approver(
        self, request: LeaveRequest, first: DecisionPayload, callback_id: str, deadline: int
    ) -> bool:
        """Hand approved long leave, with its second callback, to the first approver's own
        approver, then email them and tell the employee; False when nobody is above the first
        approver (their approval stands). If the second approver cannot be emailed, the step
        fails and the request ends as failed: nobody is left waiting on them."""
        record = self.store.get(request.request_id)
        if record is None:
            return False
        key = StepName.SECOND_LEVEL
        if key not in record.follow_ups:
            first_approver = record.approver_email
            # Above who decided (or whom they stood in for), not above whoever has it now.
            above = self._approver_above(record, first.approver_email)
            if above is None:
                self._note_one_approval_suffices(record, first)
                return False
            entry = HistoryEntry(
                event=HistoryEvent.APPROVED_FIRST_LEVEL,
                at=first.decided_at,
                by=first.approver_email,
                comment=first.comment,
                from_approver=first_approver,
                to_approver=above,
            )
            record = self.store.follow_up(
                record.request_id,
                key,
                entry,
                handed_from=first_approver,
                callback_id=callback_id,
                after_decision=True,
            )
        elif any(e.event is HistoryEvent.ONE_APPROVAL_SUFFICED for e in record.history):
            return False
        second = record.approver_email
        self.events.publish(
            EventType.REQUEST_APPROVED_FIRST_LEVEL,
            follow_up_event_id(record.request_id, key),
            {**event_fields(record), "first_approver": first.approver_email},
        )
        over = self.settings.second_approval_over_days
        why = (
            f"{first.approver_email} approved this leave. Leave longer than "
            f"{_second_approval_line(over, record)} needs a second approval: yours."
        )
        link = self._decision_link(record.request_id, second, deadline)
        self._send(approval_request_email(record, link, _when(deadline), why))
        told = (
            f"{first.approver_email} approved it; leave this long also needs {second}'s approval."
        )
        self._send(handed_over_email(record, told, self.status_link(record)))
        return True

    def _note_one_approval_suffices(self, record: LeaveRecord, first: DecisionPayload) -> None:
        """Say in the history why long leave ends with one approval: nobody is above."""
        over = self.settings.second_approval_over_days
        entry = HistoryEntry(
            event=HistoryEvent.ONE_APPROVAL_SUFFICED,
            at=first.decided_at,
            by=first.approver_email,
            comment=(
                f"Leave longer than {_second_approval_line(over, record)} needs a second "
                f"approval, but nobody is above {first.approver_email} to give it: this "
                "approval suffices."
            ),
        )
        self.store.follow_up(record.request_id, StepName.SECOND_LEVEL, entry, after_decision=True)

    def _escalate(self, record: LeaveRecord, key: str, deadline: int) -> str | None:
        if key in record.follow_ups:
            # A retry after the write: who it came from is in the escalation's own entry (a
            # hand-over to a delegate may have come after it).
            escalated = [e for e in record.history if e.event is HistoryEvent.ESCALATED]
            previous = escalated[-1].from_approver or record.approver_email
        else:
            previous = record.approver_email
            above = self._approver_above(record)
            if above is None:
                logger.info("nobody above the approver: no escalation", extra={"from": previous})
                return None
            link = self._decision_link(record.request_id, above, deadline)
            why = f"{previous} has not decided this leave request in time, so it now comes to you."
            self._send(approval_request_email(record.handed_to(above), link, _when(deadline), why))
            entry = HistoryEntry(
                event=HistoryEvent.ESCALATED,
                at=self.clock(),
                from_approver=previous,
                to_approver=above,
            )
            try:
                record = self.store.follow_up(record.request_id, key, entry, handed_from=previous)
            except RequestConflictError:
                return None
        # It is the new approver's now: their decision need not wait for the employee's email.
        self.store.release_lease(record.request_id, key)
        self.events.publish(
            EventType.REQUEST_ESCALATED,
            follow_up_event_id(record.request_id, key),
            {**event_fields(record), "from_approver": previous},
        )
        # Whoever let it wait holds a link that leads nowhere now: say so, once (noted, so a
        # retry after the employee's email below does not send it again).
        notice = escalated_away_email(record, previous)
        send_notice_once(self.mailer, self.store, record, notice_key(key, previous), notice)
        why = f"{previous} did not decide it in time."
        self._send(handed_over_email(record, why, self.status_link(record)))
        emit_metric(Metric.REQUESTS_ESCALATED)
        return record.approver_email

    def record_outcome(
        self, request: LeaveRequest, submitted_at: str, verdict: Verdict
    ) -> dict[str, Any] | None:
        """Record the verdict and announce it; None if the request had already ended
        otherwise (an operator settled it): then nobody is told twice."""
        outcome = verdict.outcome(self.clock())
        try:
            self.store.record_outcome(request.request_id, outcome, request.execution_name)
        except RequestConflictError as conflict:
            status = conflict.record.status.value if conflict.record else "gone"
            logger.warning("the request had already ended", extra={"status": status})
            return None
        announce_outcome(self.events, request, outcome, datetime.fromisoformat(submitted_at))
        return outcome.model_dump(mode="json")

    def send_outcome(self, request: LeaveRequest, outcome: Outcome) -> str:
        email = outcome_email(request, outcome, self.status_link(request))
        if outcome.status not in (LeaveStatus.WITHDRAWN, LeaveStatus.FAILED):
            return self._send(email)
        # More than one email goes out in this step, and the step is retried whole when a
        # later one fails: each is noted as it goes, so a retry sends none twice (chaos mode
        # found the employee told of a withdrawal twice when the approver's email failed).
        record = self.store.get(request.request_id)
        if record is None:
            return self._send(email)
        key = notice_key(f"{outcome.status.value}-outcome", request.employee_email)
        message_id = send_notice_once(self.mailer, self.store, record, key, email)
        # Withdrawn: whoever has it holds a link that leads nowhere. Closed here: its approver
        # could not be emailed (why it failed), but whoever approved its first level is told.
        asked = outcome.status is LeaveStatus.WITHDRAWN
        tell_approvers_it_ended(self.mailer, self.store, record, outcome.status, asked)
        return message_id or ""

    def _send(self, email: Email) -> str:
        return send_email(self.mailer, email)


def _why_you(record: LeaveRecord) -> str | None:
    """For an approver deciding for someone else: why the request comes to them."""
    handed = [e for e in record.history if e.event is HistoryEvent.REASSIGNED]
    if not handed or handed[-1].to_approver != record.approver_email:
        return None
    return handed_to_you(handed[-1].comment or "")


def _second_approval_line(over: int | None, record: LeaveRecord) -> str:
    """The line long leave crosses, counted as the request's own days were counted."""
    return counted_days_words(over or 0, working=record.working_days is not None)


def _when(deadline: int) -> str:
    return moment_words(datetime.fromtimestamp(deadline, UTC))
