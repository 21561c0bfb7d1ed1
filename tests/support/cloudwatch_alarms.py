"""What state a CloudWatch metric alarm takes for a scenario: CloudWatch's alarm evaluation,
small enough to read, for checking that an alarm fires when it should and stays quiet otherwise.

`alarm_state(alarm, scenario)` takes an alarm's inputs as the program registers them (the
camelCase inputs of an `aws:cloudwatch/metricAlarm:MetricAlarm`: one metric through
`metricName`, `namespace`, `statistic`, `period`, `dimensions`; or `metricQueries` with metric
math) and a `Scenario`: the raw values each metric received, period by period. It aggregates each
period by the statistic, computes the math, compares each datapoint with the threshold and
decides OK, ALARM or INSUFFICIENT_DATA. It supports what the project's alarms use and raises
`Unsupported` on anything else, rather than guess.

The rules, as the Amazon CloudWatch User Guide writes them:

"Evaluating an alarm": each period gives one datapoint; *Evaluation Periods* (N) is how many of
the most recent datapoints are evaluated, *Datapoints to Alarm* (M) how many of those must breach
("M out of N"; the API's `DatapointsToAlarm` is used only for M out of N, so it is N when absent).

"Configuring how CloudWatch alarms treat missing data" (`treatMissingData`, default `missing`;
`notBreaching`: missing datapoints are good; `breaching`: bad; `ignore`: the current state is
kept; `missing`: if all datapoints in the evaluation range are missing, INSUFFICIENT_DATA). The
alarm retrieves more periods than N, its *evaluation range* (5 for N = 3 in the guide's tables;
the exact number depends on the period and resolution and is not documented, so a scenario's
periods ARE the evaluation range, oldest first). Then:
- if at least N datapoints exist in the range, the most recent N existing ones are evaluated and
  the missing-data setting is not used at all (missing periods in between are skipped);
- if fewer than N exist, "CloudWatch fills in the missing data points with the result you
  specified for how to treat missing data", as few as possible, and every real datapoint in the
  range is evaluated: under `breaching` and `notBreaching`, ALARM if at least M breach, else OK;
- `missing` and `ignore` fill nothing (that is how the guide's tables come out): the existing
  datapoints alone are judged. ALARM if M of
  them breach; OK if one of them is within the threshold; otherwise (all of them breach, fewer
  than M) `missing` waits in INSUFFICIENT_DATA and `ignore` keeps the current state, except that
  under `missing` ("Avoiding premature transitions to alarm state") the alarm goes to ALARM when
  the oldest breaching datapoint is at least M periods old and everything after it breaches or is
  missing;
- none exist: `missing` INSUFFICIENT_DATA, `ignore` the current state, `breaching` ALARM,
  `notBreaching` OK.
The guide's two tables of examples are the evaluator's tests (tests/unit/test_cloudwatch_alarms.py).
The same page: alarms on the `AWS/DynamoDB` namespace always ignore missing data (not modelled:
`Unsupported`).

"Metric math syntax and functions": arithmetic (`+ - * /`) between time series: "Missing values
in a time series are treated as 0" and a datapoint that would divide by zero is dropped; so a
timestamp where every operand is missing has no datapoint. `FILL(m, value)` gives every period of
the range a value (the guide's warning for alarms: a latest period "that never has data" is
filled). `METRICS()` is every metric query of the alarm, expressions excluded; `SUM` of that array
is one time series. "Alarms on math expressions" (the alarms page): "Each metric must be using
the same period".

Whether a missing operand really counts as 0 cannot be checked without AWS, and a stricter
reading (a timestamp missing in one operand is absent from the result) is widely assumed: the
evaluator computes either (`MissingOperand`), so an alarm can be shown to behave under both.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any


class AlarmState(StrEnum):
    OK = "OK"
    ALARM = "ALARM"
    INSUFFICIENT_DATA = "INSUFFICIENT_DATA"


class MissingOperand(Enum):
    """How metric math treats a timestamp that one operand has and another lacks."""

    # The User Guide's "Metric math syntax and functions": the missing value counts as 0.
    COUNTS_AS_ZERO = "a missing operand counts as 0"
    # The stricter reading: no datapoint at that timestamp unless the operand is FILLed.
    DROPS_DATAPOINT = "a missing operand leaves no datapoint"


class Unsupported(ValueError):
    """An alarm uses something this evaluator does not model."""


@dataclass(frozen=True)
class MetricId:
    """One CloudWatch metric: namespace, name and dimensions."""

    namespace: str
    name: str
    dimensions: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, namespace: str, name: str, dimensions: Mapping[str, str]) -> MetricId:
        return cls(namespace, name, frozenset(dimensions.items()))


# The raw values a metric received in one period (one per PutMetricData value), or None: none.
Samples = Sequence[float] | None


@dataclass(frozen=True)
class Scenario:
    """What the metrics received over the alarm's evaluation range, one entry per period, oldest
    first. A metric the scenario does not name received nothing."""

    periods: int
    received: Mapping[MetricId, Sequence[Samples]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for metric, periods in self.received.items():
            if len(periods) != self.periods:
                raise ValueError(
                    f"{metric}: {len(periods)} periods, the scenario has {self.periods}"
                )
            if any(samples is not None and not samples for samples in periods):
                raise ValueError(f"{metric}: a period with no samples is None, not []")

    def samples(self, metric: MetricId) -> Sequence[Samples]:
        return self.received.get(metric, [None] * self.periods)


# The standard statistics (botocore's cloudwatch `Statistic` enum); percentiles are not modelled.
STATISTICS: dict[str, Callable[[Sequence[float]], float]] = {
    "SampleCount": lambda values: float(len(values)),
    "Average": lambda values: sum(values) / len(values),
    "Sum": lambda values: float(sum(values)),
    "Minimum": min,
    "Maximum": max,
}

COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": lambda value, threshold: value >= threshold,
    "GreaterThanThreshold": lambda value, threshold: value > threshold,
    "LessThanThreshold": lambda value, threshold: value < threshold,
    "LessThanOrEqualToThreshold": lambda value, threshold: value <= threshold,
}

TREATMENTS = ("missing", "notBreaching", "breaching", "ignore")

# One datapoint per period of the range, None where there is none.
Series = tuple[float | None, ...]


def alarm_state(
    alarm: Mapping[str, Any],
    scenario: Scenario,
    *,
    missing_operand: MissingOperand = MissingOperand.COUNTS_AS_ZERO,
    current: AlarmState = AlarmState.INSUFFICIENT_DATA,
) -> AlarmState:
    """The state `alarm` takes once it has seen `scenario` (`current`: its state before, which
    `ignore` keeps; a new alarm starts in INSUFFICIENT_DATA)."""
    n = int(alarm["evaluationPeriods"])
    m = int(alarm.get("datapointsToAlarm") or n)
    treatment = alarm.get("treatMissingData", "missing")
    if treatment not in TREATMENTS:
        raise Unsupported(f"treatMissingData {treatment!r}")
    if not 1 <= m <= n:
        raise ValueError(f"datapointsToAlarm {m} out of evaluationPeriods {n}")
    if scenario.periods < n:
        raise ValueError(f"a scenario of {scenario.periods} periods is shorter than {n}")
    comparison = alarm["comparisonOperator"]
    if comparison not in COMPARISONS:
        raise Unsupported(f"comparisonOperator {comparison!r}")
    breaches, threshold = COMPARISONS[comparison], float(alarm["threshold"])
    verdicts = [
        None if value is None else breaches(value, threshold)
        for value in alarm_datapoints(alarm, scenario, missing_operand)
    ]
    return _decide(verdicts, n, m, treatment, current)


def _decide(
    verdicts: Sequence[bool | None], n: int, m: int, treatment: str, current: AlarmState
) -> AlarmState:
    """The state from each period's verdict (True: breaching, None: missing), oldest first."""
    existing = [verdict for verdict in verdicts if verdict is not None]
    breaching = sum(existing)
    if len(existing) >= n:
        return AlarmState.ALARM if sum(existing[-n:]) >= m else AlarmState.OK
    if treatment in ("breaching", "notBreaching"):
        filled_breaching = n - len(existing) if treatment == "breaching" else 0
        return AlarmState.ALARM if breaching + filled_breaching >= m else AlarmState.OK
    if breaching >= m:
        return AlarmState.ALARM
    if breaching < len(existing):
        return AlarmState.OK
    if treatment == "missing" and existing and _oldest_breach_age(verdicts) >= m:
        return AlarmState.ALARM
    return AlarmState.INSUFFICIENT_DATA if treatment == "missing" else current


def _oldest_breach_age(verdicts: Sequence[bool | None]) -> int:
    """How many periods ago (1: the latest) the oldest breaching datapoint is."""
    oldest = next(index for index, verdict in enumerate(verdicts) if verdict)
    return len(verdicts) - oldest


def alarm_datapoints(
    alarm: Mapping[str, Any],
    scenario: Scenario,
    missing_operand: MissingOperand = MissingOperand.COUNTS_AS_ZERO,
) -> Series:
    """The series the alarm compares with its threshold, one datapoint (or None) per period."""
    if "metricQueries" not in alarm:
        if "extendedStatistic" in alarm:
            raise Unsupported(f"extendedStatistic {alarm['extendedStatistic']!r}")
        metric = MetricId.of(alarm["namespace"], alarm["metricName"], alarm.get("dimensions", {}))
        return _aggregate(scenario, metric, alarm["statistic"])
    queries = alarm["metricQueries"]
    returned = [query for query in queries if query.get("returnData")]
    if len(returned) != 1:
        raise ValueError(f"{len(returned)} metric queries return data; an alarm watches one")
    periods = {int(query["metric"]["period"]) for query in queries if "metric" in query}
    if len(periods) > 1:
        raise ValueError(f"an alarm's metrics use one period, these use {sorted(periods)}")
    metrics = {
        query["id"]: _aggregate(
            scenario,
            MetricId.of(
                query["metric"]["namespace"],
                query["metric"]["metricName"],
                query["metric"].get("dimensions", {}),
            ),
            query["metric"]["stat"],
        )
        for query in queries
        if "metric" in query
    }
    expressions = {query["id"]: query["expression"] for query in queries if "expression" in query}
    (watched,) = returned
    evaluation = _Evaluation(metrics, expressions, missing_operand, scenario.periods)
    return evaluation.series_of(watched["id"])


def _aggregate(scenario: Scenario, metric: MetricId, statistic: str) -> Series:
    if metric.namespace == "AWS/DynamoDB":
        raise Unsupported("AWS/DynamoDB alarms always ignore missing data")
    if statistic not in STATISTICS:
        raise Unsupported(f"statistic {statistic!r}")
    aggregate = STATISTICS[statistic]
    return tuple(
        None if samples is None else aggregate(samples) for samples in scenario.samples(metric)
    )


@dataclass(frozen=True)
class _Array:
    """An array of time series (what METRICS() returns)."""

    members: tuple[Series, ...]


_Value = float | Series | _Array

_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/(),]))")


def _tokens(expression: str) -> list[str]:
    found: list[str] = []
    position, text = 0, expression.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise Unsupported(f"{text[position:].strip()!r} in {expression!r}")
        found.append(match.group(match.lastindex or 0))
        position = match.end()
    return found


class _Evaluation:
    """Metric math over the alarm's queries: + - * /, FILL(x, number), SUM(array), METRICS()."""

    def __init__(
        self,
        metrics: Mapping[str, Series],
        expressions: Mapping[str, str],
        missing_operand: MissingOperand,
        periods: int,
    ) -> None:
        self.metrics = metrics
        self.expressions = expressions
        self.missing_operand = missing_operand
        self.periods = periods
        self.evaluating: list[str] = []

    def series_of(self, query_id: str) -> Series:
        value = self.value_of(query_id)
        if not isinstance(value, tuple):
            raise ValueError(f"{query_id} is not one time series: an alarm watches one")
        return value

    def value_of(self, query_id: str) -> _Value:
        if query_id in self.metrics:
            return self.metrics[query_id]
        if query_id not in self.expressions:
            raise ValueError(f"no metric query {query_id!r}")
        if query_id in self.evaluating:
            raise ValueError(f"{query_id} refers to itself")
        self.evaluating.append(query_id)
        tokens = iter([*_tokens(self.expressions[query_id]), ""])
        parser = _Parser(self, tokens, self.expressions[query_id])
        value = parser.expression()
        parser.expect("")
        self.evaluating.pop()
        return value

    def arithmetic(self, operator: str, left: _Value, right: _Value) -> _Value:
        if isinstance(left, _Array) or isinstance(right, _Array):
            raise Unsupported(f"arithmetic {operator!r} on an array of time series")

        def apply(a: float, b: float) -> float | None:
            match operator:
                case "+":
                    return a + b
                case "-":
                    return a - b
                case "*":
                    return a * b
            # Dividing by zero: "the data point is dropped".
            return a / b if b else None

        if isinstance(left, float) and isinstance(right, float):
            result = apply(left, right)
            if result is None:
                raise ValueError("a constant divided by zero")
            return result
        if isinstance(left, float) or isinstance(right, float):
            # With a constant, a period without a datapoint stays without one.
            return tuple(
                None if a is None or b is None else apply(a, b)
                for a, b in zip(
                    _spread(left, self.periods), _spread(right, self.periods), strict=True
                )
            )
        return tuple(self._pointwise(apply, a, b) for a, b in zip(left, right, strict=True))

    def _pointwise(
        self, apply: Callable[[float, float], float | None], a: float | None, b: float | None
    ) -> float | None:
        if a is None and b is None:
            return None
        if a is None or b is None:
            if self.missing_operand is MissingOperand.DROPS_DATAPOINT:
                return None
            return apply(a or 0.0, b or 0.0)
        return apply(a, b)

    def call(self, function: str, arguments: list[_Value]) -> _Value:
        if function == "METRICS" and not arguments:
            return _Array(tuple(self.metrics.values()))
        if function == "FILL" and len(arguments) == 2 and isinstance(arguments[1], float):
            filler = arguments[1]
            target = arguments[0]
            if isinstance(target, tuple):
                return _filled(target, filler)
            if isinstance(target, _Array):
                return _Array(tuple(_filled(member, filler) for member in target.members))
        if function == "SUM" and len(arguments) == 1 and isinstance(arguments[0], _Array):
            return tuple(self._sum(values) for values in zip(*arguments[0].members, strict=True))
        raise Unsupported(f"{function} of {[type(a).__name__ for a in arguments]}")

    def _sum(self, values: Sequence[float | None]) -> float | None:
        present = [value for value in values if value is not None]
        if not present:
            return None
        if len(present) < len(values) and self.missing_operand is MissingOperand.DROPS_DATAPOINT:
            return None
        return sum(present)


def _spread(value: float | Series, periods: int) -> Series:
    return value if isinstance(value, tuple) else (value,) * periods


def _filled(series: Series, filler: float) -> Series:
    return tuple(filler if value is None else value for value in series)


class _Parser:
    """Recursive descent over the tokens, computing as it goes."""

    def __init__(self, evaluation: _Evaluation, tokens: Iterator[str], expression: str) -> None:
        self.evaluation = evaluation
        self.tokens = tokens
        self.expression_text = expression
        self.current = next(tokens)

    def advance(self) -> str:
        token, self.current = self.current, next(self.tokens, "")
        return token

    def expect(self, token: str) -> None:
        if self.current != token:
            expected = token or "the end"
            found = self.current or "the end"
            raise Unsupported(f"{found!r} for {expected!r} in {self.expression_text!r}")
        self.advance()

    def expression(self) -> _Value:
        value = self.term()
        while self.current in ("+", "-"):
            operator = self.advance()
            value = self.evaluation.arithmetic(operator, value, self.term())
        return value

    def term(self) -> _Value:
        value = self.factor()
        while self.current in ("*", "/"):
            operator = self.advance()
            value = self.evaluation.arithmetic(operator, value, self.factor())
        return value

    def factor(self) -> _Value:
        token = self.advance()
        if token == "(":
            value = self.expression()
            self.expect(")")
            return value
        if token[:1].isdigit():
            return float(token)
        if token[:1].islower():
            return self.evaluation.value_of(token)
        if token[:1].isupper() and self.current == "(":
            self.advance()
            arguments: list[_Value] = []
            while self.current != ")":
                if arguments:
                    self.expect(",")
                arguments.append(self.expression())
            self.advance()
            return self.evaluation.call(token, arguments)
        raise Unsupported(f"{token or 'the end'!r} in {self.expression_text!r}")
