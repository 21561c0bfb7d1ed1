"""Refused submissions, counted by why (the `InputsRejected` metric and its `reason`)."""

from handlers.domain.signals import REJECTION_REASON_DIMENSION, Metric, RejectionReason
from handlers.logic.refusals import RefusalReason
from handlers.observability import emit_metric

# What each refusal of a submission counts as.
COUNTED_AS: dict[RefusalReason, RejectionReason] = {
    RefusalReason.MALFORMED: RejectionReason.INVALID_INPUT,
    RefusalReason.NOT_YOURS: RejectionReason.SOMEONE_ELSE,
    RefusalReason.TOO_LONG: RejectionReason.TOO_LONG,
    RefusalReason.DATES_OUT_OF_RANGE: RejectionReason.DATES_OUT_OF_RANGE,
    RefusalReason.NO_WORKING_DAYS: RejectionReason.NO_WORKING_DAYS,
    RefusalReason.DOMAIN_NOT_ALLOWED: RejectionReason.DOMAIN_NOT_ALLOWED,
    RefusalReason.NO_APPROVER: RejectionReason.NO_APPROVER,
    RefusalReason.OVERLAP: RejectionReason.OVERLAP,
    RefusalReason.IDEMPOTENCY_CONFLICT: RejectionReason.IDEMPOTENCY_CONFLICT,
    RefusalReason.TOO_MANY_PENDING: RejectionReason.TOO_MANY_PENDING,
    RefusalReason.OVER_ALLOWANCE: RejectionReason.OVER_ALLOWANCE,
}


def count_rejection(reason: RejectionReason) -> None:
    emit_metric(Metric.INPUTS_REJECTED, dimensions={REJECTION_REASON_DIMENSION: reason.value})


def count_refusal(reason: RefusalReason) -> None:
    """Count a refused submission; a reason no submission is refused for counts as invalid."""
    count_rejection(COUNTED_AS.get(reason, RejectionReason.INVALID_INPUT))
