"""Who decides whose leave: the directory's chain of approvers, topped by the default approver.

A person's approver is their directory entry, else the default approver. Above the default
approver there is only their own directory entry: the chain ends there.
"""

from collections.abc import Collection
from typing import Protocol


class ApproverDirectory(Protocol):
    def approver_of(self, employee_email: str) -> str | None: ...


def approver_above(
    person: str, directory: ApproverDirectory, default_approver: str, passed_over: Collection[str]
) -> str | None:
    """Who decides above `person`, skipping anyone in `passed_over` (the employee, and whoever
    had the request already, so the chain never loops); None when nobody is left."""
    person = person.lower()
    default = default_approver.lower()
    for candidate in (directory.approver_of(person), None if person == default else default):
        if candidate and candidate.lower() not in passed_over and candidate.lower() != person:
            return candidate.lower()
    return None
