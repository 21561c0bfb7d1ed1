"""Where moto's emulation differs from AWS in a way the sandbox's pages would show: put right in
the AWS emulator's process, before it serves.

- CloudWatch matches a metric's dimensions as a set. moto sorts both lists before comparing them,
  with an ordering that compares one dimension's value with the other's *name*: dimensions
  written in another order than a query names them may then not match (`reason=unauthenticated`
  with `service=...`), and a dashboard widget misses data its total counts.
"""

from typing import Any


def match_dimensions_as_a_set() -> None:
    from moto.cloudwatch import models

    def before(self: Any, other: Any) -> bool:
        return (self.name or "", self.value or "") < (other.name or "", other.value or "")

    setattr(models.Dimension, "__lt__", before)  # noqa: B010 (a method, replaced)
