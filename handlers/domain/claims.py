"""Who may act on a waiting request at one level: an approver's claim, a follow-up's lease.

An approver's decision and a follow-up (a reminder, an escalation, a delegation's hand-over)
race for the same level of a request. Both take a conditional mark on the record before any
side effect, so the store lets one through:

- the decision endpoint *claims* the level before it completes the callback, only while the
  request awaits a decision at this level (its callback) and is this approver's, and only
  while no follow-up holds a live lease; a claim by the same approver may be taken again (a
  retried decision). Once the callback took the decision the claim is marked sent, and holds
  for good: no follow-up of that level runs after an accepted decision. A claim never marked
  sent (the decision function died before or after its callback) stops holding once that
  function can no longer be running, so a crash never blocks a request;
- a follow-up takes a *lease* before it writes or sends anything, only while no claim holds,
  and keeps it until it has sent its emails; a decision meanwhile is told to retry (503 +
  Retry-After), and then finds where the request went. A lease outlives the longest function
  that may hold one (the workflow's, the settler's): after that it is dead.
"""

from datetime import datetime, timedelta

# The functions' timeouts (the Pulumi program and the sandbox give them to Lambda from here).
# Each outlasts one AWS call given up (handlers/call_limits.py) by its function's limits.
SUBMIT_FUNCTION_TIMEOUT_SECONDS = 15
DECISION_FUNCTION_TIMEOUT_SECONDS = 15
WORKFLOW_FUNCTION_TIMEOUT_SECONDS = 60
SETTLER_FUNCTION_TIMEOUT_SECONDS = 120
GAUGE_FUNCTION_TIMEOUT_SECONDS = 60

# A claim not marked sent holds only while the decision function that made it may still run.
CLAIM_SECONDS = DECISION_FUNCTION_TIMEOUT_SECONDS
# A lease holds while the follow-up holding it (in the workflow or the settler) may still run.
LEASE_SECONDS = max(WORKFLOW_FUNCTION_TIMEOUT_SECONDS, SETTLER_FUNCTION_TIMEOUT_SECONDS)


def claim_expiry(at: datetime) -> datetime:
    return at + timedelta(seconds=CLAIM_SECONDS)


def lease_expiry(at: datetime) -> datetime:
    return at + timedelta(seconds=LEASE_SECONDS)
