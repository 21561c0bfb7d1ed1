"""Writes to a request while it waits for a decision, none of which changes its status: the
workflow's take-over and its callback, an approver's claim on the level it waits at, a
follow-up's lease, and the follow-ups themselves (reminders, escalations, hand-overs), each
written once under its key. Who may act on a waiting request, and why a claim and a lease
exclude each other: handlers/domain/claims.py.
"""

from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, cast

from botocore.exceptions import BotoCoreError, ClientError

from handlers.domain.claims import claim_expiry, lease_expiry
from handlers.domain.leave_request import HistoryEntry, LeaveRecord, LeaveRequest
from handlers.domain.statuses import AWAITING_DECISION, LeaveStatus
from handlers.storage.items import from_item, to_item
from handlers.storage.refused_writes import FollowUpUnderwayError, RequestConflictError
from handlers.storage.request_reads import RequestReads
from handlers.storage.table_schema import request_key

# A decision's claim holds once marked sent, or until it expires; a lease until it expires.
_NO_LIVE_CLAIM = (
    "(attribute_not_exists(claimed_by) OR "
    "(attribute_not_exists(claim_sent_at) AND claim_until < :now))"
)
_NO_LIVE_LEASE = "(attribute_not_exists(lease_key) OR lease_until < :now)"


def _awaiting_values() -> dict[str, str]:
    return {f":awaiting{i}": status.value for i, status in enumerate(AWAITING_DECISION)}


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _from_millis(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


def _is_condition_failure(error: ClientError) -> bool:
    return cast(str, error.response["Error"]["Code"]) == "ConditionalCheckFailedException"


class WaitingRequestWrites(RequestReads):
    def take_over(self, request: LeaveRequest, at: datetime) -> LeaveRecord | None:
        """The workflow's execution claims its request; None if submit discarded it (or it
        was settled before the execution ran). A repeat keeps the first time."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request.request_id)),
                UpdateExpression="SET #started = if_not_exists(#started, :at)",
                # Only while pending: a request the sweep settled before a late start ran
                # stays settled.
                ConditionExpression="execution_name = :name AND #status = :pending",
                ExpressionAttributeNames={"#status": "status", "#started": "workflow_started_at"},
                ExpressionAttributeValues=to_item(
                    {
                        ":at": at.isoformat(),
                        ":name": request.execution_name,
                        ":pending": LeaveStatus.PENDING.value,
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            return None
        return LeaveRecord.model_validate(from_item(response["Attributes"]))

    def attach_callback(self, request_id: str, callback_id: str, deadline: datetime) -> LeaveRecord:
        """Keep the callback the approver's decision goes to, and until when it may come."""
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression="SET callback_id = :callback, decision_deadline = :deadline",
                ConditionExpression="#status = :pending",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(
                    {
                        ":callback": callback_id,
                        ":deadline": deadline.isoformat(),
                        ":pending": LeaveStatus.PENDING.value,
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            raise RequestConflictError("the request is no longer pending") from None
        return LeaveRecord.model_validate(from_item(response["Attributes"]))

    # -- who may act on the level a request waits at (see handlers/domain/claims.py) ------------

    def claim_decision(
        self, request_id: str, approver_email: str, callback_id: str, at: datetime
    ) -> None:
        """Claim the level the request waits at for `approver_email`'s decision, before it goes
        into `callback_id`: only while it awaits a decision through that callback, is theirs,
        and no live claim of someone else's or live follow-up lease holds it. Taken again by
        the same approver, it holds as before.

        FollowUpUnderwayError: a follow-up holds the request (retry once it is done).
        RequestConflictError: the level is no longer this approver's to decide (`record`).
        """
        statuses = _awaiting_values()
        condition = (
            f"#status IN ({', '.join(statuses)}) AND approver_email = :approver "
            f"AND callback_id = :callback AND {_NO_LIVE_LEASE} "
            f"AND ({_NO_LIVE_CLAIM} OR claimed_by = :approver)"
        )
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression=(
                    "SET claimed_by = :approver, claim_callback = :callback, claim_until = :until"
                ),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(
                    {
                        **statuses,
                        ":approver": approver_email,
                        ":callback": callback_id,
                        ":until": _millis(claim_expiry(at)),
                        ":now": _millis(at),
                    }
                ),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            item = self._raw(request_id)
            lease_until = int(item.get("lease_until", 0)) if item and "lease_key" in item else 0
            if lease_until >= _millis(at):
                raise FollowUpUnderwayError(_from_millis(lease_until)) from None
            record = LeaveRecord.model_validate(item) if item else None
            raise RequestConflictError("the level is not this approver's", record) from None

    def mark_claim_sent(self, request_id: str, approver_email: str, at: datetime) -> None:
        """The claimed decision went into the callback: the claim now holds for good. Best
        effort (a refusal or a timeout leaves it unmarked): unmarked, it stops holding after the
        decision function's timeout, long after the workflow took the decision."""
        with suppress(ClientError, BotoCoreError):
            self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression="SET claim_sent_at = :at",
                ConditionExpression="claimed_by = :approver",
                ExpressionAttributeValues=to_item(
                    {":at": _millis(at), ":approver": approver_email}
                ),
            )

    def take_lease(self, request_id: str, key: str, at: datetime) -> LeaveRecord:
        """Hold the request for the follow-up `key` while it writes and sends: only while it
        awaits a decision, no decision claimed it, and no other follow-up holds it. Taken again
        by the same follow-up (a retried step), it holds anew. The record as it now stands;
        RequestConflictError otherwise."""
        statuses = _awaiting_values()
        condition = (
            f"#status IN ({', '.join(statuses)}) AND {_NO_LIVE_CLAIM} "
            "AND (attribute_not_exists(lease_key) OR lease_key = :key OR lease_until < :now)"
        )
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression="SET lease_key = :key, lease_until = :until",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(
                    {
                        **statuses,
                        ":key": key,
                        ":until": _millis(lease_expiry(at)),
                        ":now": _millis(at),
                    }
                ),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            raise RequestConflictError("claimed, decided or held", self.get(request_id)) from None
        return LeaveRecord.model_validate(from_item(response["Attributes"]))

    def release_lease(self, request_id: str, key: str) -> None:
        """Let go of the follow-up `key`'s lease, if it still holds it."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression="REMOVE lease_key, lease_until",
                ConditionExpression="lease_key = :key",
                ExpressionAttributeValues=to_item({":key": key}),
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise

    def _raw(self, request_id: str) -> dict[str, Any] | None:
        response = self._client.get_item(
            TableName=self._table, Key=to_item(request_key(request_id)), ConsistentRead=True
        )
        return from_item(response["Item"]) if "Item" in response else None

    def follow_up(
        self,
        request_id: str,
        key: str,
        entry: HistoryEntry,
        handed_from: str | None = None,
        callback_id: str | None = None,
        after_decision: bool = False,
    ) -> LeaveRecord:
        """Add a follow-up (reminder, escalation, reassignment) to the history of a request
        that still awaits a decision and that no decision claimed, once: `key` marks it done.
        With `handed_from`, the request moves from that approver to `entry.to_approver`, only
        if it is still theirs.

        Returns the record as it now stands; a repeat of a follow-up that happened (a retried
        step) returns it as well. RequestConflictError: the request was decided or claimed
        meanwhile, or (for a hand-over) is no longer `handed_from`'s. `callback_id`: the
        hand-over comes with a new callback (a second approval), attached in the same write.
        `after_decision`: the write follows the level's accepted decision (the hand-over to
        the second level, or the note that one approval suffices): it ends the level's claim
        instead of yielding to it.
        """
        statuses = _awaiting_values()
        condition = f"#status IN ({', '.join(statuses)}) AND NOT contains(follow_ups, :key)"
        sets = ["history = list_append(history, :entry)"]
        values: dict[str, Any] = {
            **statuses,
            ":key": key,
            ":keys": {key},
            ":entry": [entry.model_dump(mode="json", exclude_none=True)],
        }
        removals = ""
        if after_decision:
            removals = " REMOVE claimed_by, claim_callback, claim_until, claim_sent_at"
        else:
            condition += f" AND {_NO_LIVE_CLAIM}"
            values[":now"] = _millis(entry.at)
        if handed_from is not None:
            sets.append("approver_email = :to")
            condition += " AND approver_email = :from"
            values |= {":to": entry.to_approver, ":from": handed_from}
        if callback_id is not None:
            sets.append("callback_id = :callback")
            values[":callback"] = callback_id
        try:
            response = self._client.update_item(
                TableName=self._table,
                Key=to_item(request_key(request_id)),
                UpdateExpression=f"SET {', '.join(sets)} ADD follow_ups :keys{removals}",
                ConditionExpression=condition,
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_NEW",
            )
        except ClientError as error:
            if not _is_condition_failure(error):
                raise
            record = self.get(request_id)
            if record is not None and key in record.follow_ups:
                return record
            where = record.status.value if record else "gone"
            raise RequestConflictError(f"the request is {where}", record) from None
        return LeaveRecord.model_validate(from_item(response["Attributes"]))
