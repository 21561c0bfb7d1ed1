"""The employees' endpoint's routes (handlers/submit.py), one Powertools `Router` a concern:
`pages` (the employees' app), `leave_requests` (submit, follow, withdraw, cancel), `balance`
(the days left), `calendar_feeds`, `delegation`, `approvals` (an approver's team and decisions
in the app); `wiring` builds what they call, once per execution environment, and `rejections`
counts refused submissions.
"""
