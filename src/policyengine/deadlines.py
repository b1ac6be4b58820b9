"""Deadlines judged: a rule's due dates, and the step measured against them.

A deadline is due in one of four ways (`pack.Deadline`): a period counted from an anchor, a fixed
calendar date, the end of every period of a stretch of time (`recurs`), or the date of another
step (`before`). `judge_deadline` judges each (`Judged`: its state at once, its `DeadlineResult`
when a finding needs it); the generated program and the interpreter both call it, so they cannot
disagree.

A single deadline and an order measure a step's first occurrence (it happened by a date if it
first did by then). A recurring deadline weighs every occurrence: each due date is met by an
occurrence after the previous due date and on or before its own (the first due date: from the
first day of its period), so one report cannot count for two years.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from .calendar import add_period, fixed_date, next_working_day, period_ends, period_start
from .expressions import whole_number
from .pack import Deadline
from .project import PartialSteps, StepRecord
from .verdict import DeadlineResult, DeadlineState, DueDate, build
from .vocabulary import Step

if TYPE_CHECKING:
    from .loader import CompiledRule


class Judged:
    """A deadline judged: its state at once, its `DeadlineResult` when a finding needs it.

    Deciding a project needs only the state; building the result model for every deadline of
    every project was most of the cost of judging it.
    """

    __slots__ = ("_result", "_values", "state")

    def __init__(self, values: dict[str, Any]) -> None:
        self.state: DeadlineState = values["state"]
        self._values: dict[str, Any] | None = values
        self._result: DeadlineResult | None = None

    @classmethod
    def of(cls, result: DeadlineResult) -> Judged:
        judged = cls({"state": result.state})
        judged._values, judged._result = None, result
        return judged

    def result(self) -> DeadlineResult:
        """The computed deadline, as findings state it."""
        if self._result is None:
            assert self._values is not None
            self._result, self._values = build(DeadlineResult, self._values), None
        return self._result


Judgement = tuple[Judged | None, list[str]]
"""The judged deadline (None: no due date could be computed) and the facts it lacked."""

_STEP_OF_DATE: Mapping[str, Step] = {f"{step.value}_date": step for step in Step}

# A missed due date decides the rule (it fails), whatever the others; then an undecided one; then
# one not yet reached. The result's own due date and state are those of the first such.
_PRECEDENCE = (DeadlineState.OVERDUE, DeadlineState.UNKNOWN, DeadlineState.PENDING)


def _taken(steps: Any, step: Step) -> tuple[bool | None, StepRecord | None]:
    """Whether `step` was taken (None: unknown) and its record, from a complete record (a step
    not recorded was not taken), a partial one, or none."""
    if steps is None:
        return None, None
    if isinstance(steps, PartialSteps):
        return steps.taken_state(step), steps.taken.get(step)
    record = steps.get(step)
    return record is not None, record


def _unknown_step(steps: Any, step: Step) -> str:
    # The fact a deadline lacks when whether a step was taken is unknown.
    return "steps" if steps is None else f"steps.{step.value}"


def judge_deadline(
    rule: CompiledRule, namespace: Mapping[str, Any], steps: Any, as_of: dt.date
) -> Judgement:
    """The result of a deadline rule for one project, and the facts it lacked."""
    spec = rule.spec
    assert isinstance(spec, Deadline)
    if spec.recurs is not None:
        return _recurring(rule, spec, namespace, steps, as_of)
    if spec.before is not None:
        return _order(spec, steps)
    return _single(rule, spec, namespace, steps, as_of)


def _single(
    rule: CompiledRule,
    spec: Deadline,
    namespace: Mapping[str, Any],
    steps: Any,
    as_of: dt.date,
) -> Judgement:
    anchor = window_start = None
    if spec.fixed is not None:
        assert rule.year is not None
        year = rule.year.evaluate(namespace)
        if year is None:
            return None, rule.year.missing(namespace)
        due = fixed_date(spec.fixed, whole_number(year, 1, 9999, "year"))
    else:
        assert rule.anchor is not None
        assert spec.period is not None
        anchor = rule.anchor.evaluate(namespace)
        if anchor is None:
            return None, rule.anchor.missing(namespace)
        due = add_period(anchor, spec.period)
        if spec.window_start is not None:
            window_start = add_period(anchor, spec.window_start)
    if spec.roll_to_working_day:
        due = next_working_day(due)
    taken, record = _taken(steps, spec.event)
    event_date = record.first_date if record is not None else None
    state = _single_state(taken, event_date, window_start, due, as_of)
    result = Judged(
        {
            "rule_id": spec.id,
            "event": spec.event,
            "anchor": anchor,
            "window_start": window_start,
            "due": due,
            "event_date": event_date,
            "state": state,
        }
    )
    if state is not DeadlineState.UNKNOWN:
        return result, []
    return result, [
        _unknown_step(steps, spec.event) if taken is None else f"{spec.event.value}_date"
    ]


def _single_state(
    taken: bool | None,
    event_date: dt.date | None,
    window_start: dt.date | None,
    due: dt.date,
    as_of: dt.date,
) -> DeadlineState:
    if taken is None:
        return DeadlineState.UNKNOWN
    if taken:
        if event_date is None:
            return DeadlineState.UNKNOWN
        if window_start is not None and event_date < window_start:
            return DeadlineState.EARLY
        return DeadlineState.MET if event_date <= due else DeadlineState.LATE
    return DeadlineState.OVERDUE if as_of > due else DeadlineState.PENDING


def _order(spec: Deadline, steps: Any) -> Judgement:
    """The event against another step: due on that step's first date (or the day before)."""
    assert spec.before is not None
    later, inclusive = spec.before.step, spec.before.inclusive
    values: dict[str, Any] = {"rule_id": spec.id, "event": spec.event, "before": later}
    taken, record = _taken(steps, spec.event)
    other_taken, other = _taken(steps, later)
    values["event_date"] = record.first_date if record is not None else None
    if other_taken is None:
        state = DeadlineState.UNKNOWN
        return Judged({**values, "state": state}), [_unknown_step(steps, later)]
    if other is None:
        # The other step has not happened: the order cannot be broken yet.
        return Judged({**values, "state": DeadlineState.PENDING}), []
    if taken is None:
        state = DeadlineState.UNKNOWN
        return Judged({**values, "state": state}), [_unknown_step(steps, spec.event)]
    anchor = values["anchor"] = other.first_date
    if anchor is not None:
        values["due"] = anchor if inclusive else _day_before(anchor)
    if record is None:
        # The other step happened and the event never did before it.
        return Judged({**values, "state": DeadlineState.OVERDUE}), []
    event_date = values["event_date"]
    if event_date is None or anchor is None:
        # Both happened, in an order nobody recorded: never a silent pass.
        missing = [
            f"{step.value}_date"
            for step, day in ((spec.event, event_date), (later, anchor))
            if day is None
        ]
        return Judged({**values, "state": DeadlineState.UNKNOWN}), missing
    met = event_date <= anchor if inclusive else event_date < anchor
    state = DeadlineState.MET if met else DeadlineState.LATE
    return Judged({**values, "state": state}), []


def _day_before(day: dt.date) -> dt.date | None:
    return day - dt.timedelta(days=1) if day > dt.date.min else None


def _recurring(
    rule: CompiledRule,
    spec: Deadline,
    namespace: Mapping[str, Any],
    steps: Any,
    as_of: dt.date,
) -> Judgement:
    recurs = spec.recurs
    assert recurs is not None
    assert rule.recurs_from is not None
    start = rule.recurs_from.evaluate(namespace)
    if start is None:
        return None, rule.recurs_from.missing(namespace)
    end, end_missing = _stretch_end(rule, namespace, steps, as_of)
    dues = period_ends(recurs.every, start, end if end is not None else as_of)
    if spec.roll_to_working_day:
        dues = [next_working_day(due) for due in dues]
    taken, record = _taken(steps, spec.event)
    occurrences = record.occurrences if record is not None else []
    undated = taken is None or (record is not None and not occurrences)
    missing: set[str] = set()
    results: list[DueDate] = []
    for index, due in enumerate(dues):
        # The first occurrence after the previous due date (in the first period: from its
        # first day), on or before this one.
        if index == 0:
            at = bisect.bisect_left(occurrences, period_start(recurs.every, start))
        else:
            at = bisect.bisect_right(occurrences, dues[index - 1])
        met = occurrences[at] if at < len(occurrences) and occurrences[at] <= due else None
        if met is not None:
            state = DeadlineState.MET
        elif undated:
            state = DeadlineState.UNKNOWN
            missing.add(
                _unknown_step(steps, spec.event) if taken is None else f"{spec.event.value}_dates"
            )
        elif index > 0 and end is None:
            # The stretch may have ended before this period: whether it is due is unknown.
            state = DeadlineState.UNKNOWN
            missing.update(end_missing)
        else:
            state = DeadlineState.OVERDUE if as_of > due else DeadlineState.PENDING
        results.append(build(DueDate, {"due": due, "state": state, "event_date": met}))
    top = _deciding(results)
    result = Judged.of(
        build(
            DeadlineResult,
            {
                "rule_id": spec.id,
                "event": spec.event,
                "anchor": start,
                "due": top.due,
                "event_date": top.event_date,
                "state": top.state,
                "every": recurs.every,
                "until": end,
                "due_dates": results,
            },
        )
    )
    return result, sorted(missing) if top.state is DeadlineState.UNKNOWN else []


def _deciding(results: list[DueDate]) -> DueDate:
    """The due date that decides a recurring deadline (see `_PRECEDENCE`), else the last met."""
    for state in _PRECEDENCE:
        for result in results:
            if result.state is state:
                return result
    return results[-1]


def _stretch_end(
    rule: CompiledRule, namespace: Mapping[str, Any], steps: Any, as_of: dt.date
) -> tuple[dt.date | None, list[str]]:
    """Where a recurring deadline's stretch of time ends (None: unknown), and the facts lacked.

    An end given by the date of a step not yet taken means the stretch is still running: it
    runs to `as_of`. A step taken on a date unknown leaves the end unknown.
    """
    if rule.recurs_until is None:
        return as_of, []
    end = rule.recurs_until.evaluate(namespace)
    if end is not None:
        return end, []
    missing = rule.recurs_until.missing(namespace)
    running = bool(missing) and all(
        name in _STEP_OF_DATE and _taken(steps, _STEP_OF_DATE[name])[0] is False for name in missing
    )
    return (as_of, []) if running else (None, missing)
