"""Time in the pack format: recurring deadlines, the order of two steps, deadlines anchored to a
plan year or to another event, and a period set in principle only (`tests/fixtures/time.yaml`)."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from policyengine import (
    CompiledPack,
    Decisions,
    OverallStatus,
    Project,
    ProjectError,
    Status,
    Verdict,
    decide,
    evaluate,
    load_pack,
)
from policyengine.calendar import MAX_DUE_DATES, period_ends
from policyengine.evaluator import interpret
from policyengine.explain import explain, render_explanation
from policyengine.html import render_html
from policyengine.loader import load_pack_text
from policyengine.pack import Recurrence
from policyengine.render import render_markdown, render_text
from policyengine.testing import compare
from policyengine.verdict import DeadlineState

FIXTURES = Path(__file__).parent / "fixtures"
D = dt.date.fromisoformat


@pytest.fixture(scope="module")
def pack() -> CompiledPack:
    return load_pack(FIXTURES / "time.yaml")


def only(rule_id: str) -> CompiledPack:
    """The fixture pack with one deadline only, for a verdict's overall status."""
    data = yaml.safe_load((FIXTURES / "time.yaml").read_text(encoding="utf-8"))
    data["deadlines"] = [rule for rule in data["deadlines"] if rule["id"] == rule_id]
    return load_pack_text(yaml.safe_dump(data, allow_unicode=True), f"time-{rule_id}.yaml")


def both(pack: CompiledPack, data: dict[str, Any], stage: str | None, as_of: str) -> Verdict:
    """The verdict, after checking that the compiled and the interpreted paths agree."""
    compiled = evaluate(Project.from_facts(data), pack, stage=stage, as_of=D(as_of))
    interpreted = interpret(Project.from_facts(data), pack, stage=stage, as_of=D(as_of))
    assert compiled.to_json() == interpreted.to_json()
    assert decide(Project.from_facts(data), pack, stage=stage, as_of=D(as_of)) == Decisions.of(
        compiled
    )
    return compiled


def states(verdict: Verdict, rule_id: str) -> list[tuple[str, str]]:
    deadline = verdict.finding(rule_id).deadline
    assert deadline is not None
    return [(d.due.isoformat(), d.state.value) for d in deadline.due_dates]


def steps(**records: Any) -> dict[str, Any]:
    return {"steps": records}


# --- recurring deadlines ------------------------------------------------------------------------

REPORT = "tm-02-year-end-report"


def test_one_report_per_year_end_from_start_through_completion(pack: CompiledPack) -> None:
    data = steps(
        construction_start={"date": "2024-05-01"},
        completion={"date": "2026-03-31"},
        performance_evaluation={"date": "2024-12-31", "dates": ["2025-12-01", "2026-02-01"]},
    )
    verdict = both(pack, data, "construction", "2026-11-23")
    finding = verdict.finding(REPORT)
    assert finding.status is Status.PASS
    assert states(verdict, REPORT) == [
        ("2024-12-31", "met"),
        ("2025-12-31", "met"),
        ("2026-12-31", "met"),
    ]
    assert finding.deadline is not None
    assert finding.deadline.anchor == D("2024-05-01")
    assert finding.deadline.until == D("2026-03-31")
    assert finding.deadline.every is Recurrence.YEAR_END
    assert [d.event_date for d in finding.deadline.due_dates] == [
        D("2024-12-31"),
        D("2025-12-01"),
        D("2026-02-01"),
    ]
    assert finding.facts["performance_evaluation_dates"] == [
        "2024-12-31",
        "2025-12-01",
        "2026-02-01",
    ]


def test_a_missed_year_end_fails_even_when_later_years_are_met(pack: CompiledPack) -> None:
    data = steps(
        construction_start={"date": "2024-05-01"},
        completion={"date": "2026-03-31"},
        # 1 January 2026 is after the 2025 year-end: it counts for 2026, not 2025.
        performance_evaluation={"dates": ["2024-12-20", "2026-01-01"]},
    )
    verdict = both(pack, data, "construction", "2026-11-23")
    finding = verdict.finding(REPORT)
    assert finding.status is Status.FAIL
    assert states(verdict, REPORT) == [
        ("2024-12-31", "met"),
        ("2025-12-31", "overdue"),
        ("2026-12-31", "met"),
    ]
    assert finding.deadline is not None
    assert (finding.deadline.due, finding.deadline.state) == (
        D("2025-12-31"),
        DeadlineState.OVERDUE,
    )


def test_a_running_construction_owes_a_report_through_the_year_of_as_of(
    pack: CompiledPack,
) -> None:
    data = steps(
        construction_start={"date": "2025-05-01"},
        performance_evaluation={"date": "2025-12-20"},
    )
    verdict = both(pack, data, "construction", "2026-11-23")
    finding = verdict.finding(REPORT)
    assert finding.status is Status.UNKNOWN
    assert finding.missing_facts == []
    assert finding.message is not None
    assert "not yet due" in finding.message.en
    assert states(verdict, REPORT) == [("2025-12-31", "met"), ("2026-12-31", "pending")]
    # Not yet due is not a missing fact: the verdict is not incomplete for it.
    alone = both(only(REPORT), data, "construction", "2026-11-23")
    assert alone.status is OverallStatus.COMPLIANT
    later = both(pack, data, "construction", "2027-01-01")
    assert later.finding(REPORT).status is Status.FAIL
    assert states(later, REPORT)[1] == ("2026-12-31", "overdue")


def test_unknown_start_names_the_fact(pack: CompiledPack) -> None:
    data = steps(construction_start={}, performance_evaluation={"date": "2025-12-20"})
    finding = both(pack, data, "construction", "2026-11-23").finding(REPORT)
    assert finding.status is Status.UNKNOWN
    assert finding.missing_facts == ["construction_start_date"]
    assert finding.deadline is None


def test_completion_on_a_date_unknown_leaves_later_years_undecided(pack: CompiledPack) -> None:
    data = steps(
        construction_start={"date": "2025-05-01"},
        completion={},
        performance_evaluation={"date": "2025-12-20"},
    )
    verdict = both(pack, data, "construction", "2027-03-01")
    finding = verdict.finding(REPORT)
    assert finding.status is Status.UNKNOWN
    assert finding.missing_facts == ["completion_date"]
    assert states(verdict, REPORT) == [
        ("2025-12-31", "met"),
        ("2026-12-31", "unknown"),
        ("2027-12-31", "unknown"),
    ]
    # The first year-end is owed whenever the construction ended: missing it fails.
    data["steps"]["performance_evaluation"] = {"date": "2024-12-20"}
    assert both(pack, data, "construction", "2027-03-01").finding(REPORT).status is Status.FAIL


def test_reports_on_dates_unknown_are_undecided_never_a_pass(pack: CompiledPack) -> None:
    data = steps(construction_start={"date": "2025-05-01"}, performance_evaluation={})
    finding = both(pack, data, "construction", "2026-11-23").finding(REPORT)
    assert finding.status is Status.UNKNOWN
    assert finding.missing_facts == ["performance_evaluation_dates"]
    unknown_steps = both(pack, {"steps": None}, "construction", "2026-11-23").finding(REPORT)
    assert unknown_steps.missing_facts == ["construction_start_date"]


def test_quarter_ends_roll_to_the_next_working_day(pack: CompiledPack) -> None:
    # 31 March 2024 is a Sunday: that quarter's report is due on Monday 1 April, and a report on
    # that day counts for the first quarter, not the second.
    data = steps(operation_start={"date": "2024-02-10"}, progress_report={"dates": ["2024-04-01"]})
    verdict = both(pack, data, "operation", "2024-08-01")
    assert states(verdict, "tm-02-quarterly-progress") == [
        ("2024-04-01", "met"),
        ("2024-07-01", "overdue"),  # 30 June 2024 is a Sunday too
        ("2024-09-30", "pending"),
    ]


def test_half_year_ends_from_approval_to_acceptance(pack: CompiledPack) -> None:
    data = steps(
        approval={"date": "2025-03-01", "outcome": "passed"},
        final_acceptance={"date": "2026-02-15"},
        expert_evaluation={"dates": ["2025-06-30", "2025-07-01", "2026-01-10"]},
    )
    verdict = both(pack, data, "acceptance", "2026-11-23")
    assert states(verdict, "tm-03-half-yearly-review") == [
        ("2025-06-30", "met"),
        ("2025-12-31", "met"),
        ("2026-06-30", "met"),
    ]


def test_a_stretch_beyond_the_limit_is_an_error_in_both_paths(pack: CompiledPack) -> None:
    data = steps(operation_start={"date": "1900-01-01"}, progress_report={"date": "1900-03-01"})
    finding = both(pack, data, "operation", "2025-01-01").finding("tm-02-quarterly-progress")
    assert finding.status is Status.ERROR
    assert f"at most {MAX_DUE_DATES}" in (finding.error or "")


@pytest.mark.parametrize(
    ("start", "as_of", "due"),
    [("9999-12-31", "9999-12-31", "9999-12-31"), ("0001-01-01", "0001-01-01", "0001-12-31")],
)
def test_the_ends_of_the_calendar_are_computed_without_overflow(
    pack: CompiledPack, start: str, as_of: str, due: str
) -> None:
    data = steps(construction_start={"date": start}, performance_evaluation={"date": start})
    verdict = both(pack, data, "construction", as_of)
    assert states(verdict, REPORT) == [(due, "met")]


@given(
    start=st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)),
    length=st.integers(0, 4000),
    as_of=st.dates(dt.date(2000, 1, 1), dt.date(2035, 12, 31)),
    completed=st.booleans(),
    reports=st.lists(st.dates(dt.date(1999, 1, 1), dt.date(2036, 12, 31)), max_size=12),
)
def test_exactly_one_due_date_per_year_end_of_the_construction_period(
    start: dt.date, length: int, as_of: dt.date, completed: bool, reports: list[dt.date]
) -> None:
    pack = load_pack(FIXTURES / "time.yaml")
    end = start + dt.timedelta(days=length)
    records: dict[str, Any] = {"construction_start": {"date": start}}
    if reports:  # recorded without a date, the reports would be on dates unknown
        records["performance_evaluation"] = {"dates": reports}
    if completed:
        records["completion"] = {"date": end}
    data = {"steps": records}
    verdict = both(pack, data, "construction", as_of.isoformat())
    deadline = verdict.finding(REPORT).deadline
    assert deadline is not None
    last = end if completed else as_of
    years = range(start.year, max(start.year, last.year) + 1)
    assert [d.due for d in deadline.due_dates] == [dt.date(year, 12, 31) for year in years]
    for due in deadline.due_dates:
        # Met exactly when a report falls in that calendar year (the window after the previous
        # year-end, through this one); missed once past; pending before.
        in_year = sorted(day for day in reports if day.year == due.due.year)
        if in_year:
            assert (due.state, due.event_date) == (DeadlineState.MET, in_year[0])
        elif as_of > due.due:
            assert due.state is DeadlineState.OVERDUE
        else:
            assert due.state is DeadlineState.PENDING
    finding = verdict.finding(REPORT)
    missed = any(d.state is DeadlineState.OVERDUE for d in deadline.due_dates)
    all_met = all(d.state is DeadlineState.MET for d in deadline.due_dates)
    assert finding.status is (Status.FAIL if missed else Status.PASS if all_met else Status.UNKNOWN)


@given(
    every=st.sampled_from(list(Recurrence)),
    first=st.dates(dt.date(1990, 1, 1), dt.date(2060, 12, 31)),
    days=st.integers(0, 20 * 366),
)
def test_period_ends_are_the_last_days_of_consecutive_periods(
    every: Recurrence, first: dt.date, days: int
) -> None:
    last = first + dt.timedelta(days=days)
    ends = period_ends(every, first, last)
    assert ends[0] >= first
    assert ends[-1] >= last
    assert ends[-1] - last < dt.timedelta(days=31 * every.months)
    for end in ends:
        assert end.month % every.months == 0
        assert (end + dt.timedelta(days=1)).day == 1
    for earlier, later in itertools.pairwise(ends):
        months = (later.year - earlier.year) * 12 + later.month - earlier.month
        assert months == every.months


_TIME_STEPS = (
    "application",
    "approval",
    "filing",
    "technical_review",
    "contract_filing",
    "construction_start",
    "performance_evaluation",
    "expert_evaluation",
    "completion",
    "final_acceptance",
    "operation_start",
    "progress_report",
)
_DAYS = st.dates(dt.date(2019, 1, 1), dt.date(2026, 12, 31))
_RECORDS = st.fixed_dictionaries({}, optional={"date": _DAYS, "dates": st.lists(_DAYS, max_size=5)})


@given(
    records=st.one_of(
        st.none(), st.dictionaries(st.sampled_from(_TIME_STEPS), _RECORDS, max_size=8)
    ),
    plan_year=st.one_of(st.none(), st.integers(2019, 2027)),
    stage=st.sampled_from([None, "application", "approval", "construction", "operation"]),
    as_of=_DAYS,
)
def test_time_rules_decide_alike_in_both_paths(
    records: dict[str, Any] | None, plan_year: int | None, stage: str | None, as_of: dt.date
) -> None:
    pack = load_pack(FIXTURES / "time.yaml")
    data = {"steps": records, "plan_year": plan_year}
    try:
        Project.from_facts(data)
    except ProjectError:
        return  # dates in an order that cannot happen: refused before any rule runs
    verdict = both(pack, data, stage, as_of.isoformat())
    for finding in verdict.findings:
        deadline = finding.deadline
        if finding.status is Status.UNKNOWN and (
            deadline is None or deadline.state is not DeadlineState.PENDING
        ):
            assert finding.missing_facts or finding.error, finding.rule_id
        if deadline is not None and deadline.due_dates:
            assert [d.due for d in deadline.due_dates] == sorted(
                {d.due for d in deadline.due_dates}
            )


# --- the order of two steps ----------------------------------------------------------------------

FILED = "tm-04-filed-before-start"  # strictly before
REVIEWED = "tm-04-review-before-approval"  # on or before


@pytest.mark.parametrize(
    ("rule_id", "stage", "event", "other", "event_date", "other_date", "status", "state"),
    [
        (FILED, "construction", "contract_filing", "construction_start", "2025-03-01",
         "2025-03-02", "pass", "met"),
        (FILED, "construction", "contract_filing", "construction_start", "2025-03-02",
         "2025-03-02", "fail", "late"),
        (REVIEWED, "approval", "technical_review", "approval", "2025-03-02", "2025-03-02",
         "pass", "met"),
        (REVIEWED, "approval", "technical_review", "approval", "2025-03-03", "2025-03-02",
         "fail", "late"),
    ],
)  # fmt: skip
def test_an_order_compares_the_dates_strictly_or_inclusively(
    pack: CompiledPack,
    rule_id: str,
    stage: str,
    event: str,
    other: str,
    event_date: str,
    other_date: str,
    status: str,
    state: str,
) -> None:
    data = steps(**{event: {"date": event_date}, other: {"date": other_date}})
    finding = both(pack, data, stage, "2026-01-01").finding(rule_id)
    assert (finding.status.value, finding.deadline and finding.deadline.state.value) == (
        status,
        state,
    )
    assert finding.facts[f"{event}_date"] == event_date
    assert finding.facts[f"{other}_date"] == other_date


def test_the_other_step_taken_without_the_event_fails(pack: CompiledPack) -> None:
    data = steps(construction_start={"date": "2025-03-02"})
    finding = both(pack, data, "construction", "2025-03-03").finding(FILED)
    assert finding.status is Status.FAIL
    assert finding.deadline is not None
    assert finding.deadline.state is DeadlineState.OVERDUE
    assert finding.deadline.due == D("2025-03-01")  # strictly before: the day before


def test_the_other_step_not_taken_is_not_yet_due(pack: CompiledPack) -> None:
    for records in ({}, {"contract_filing": {"date": "2025-03-01"}}):
        verdict = both(pack, {"steps": records}, "construction", "2025-03-03")
        finding = verdict.finding(FILED)
        assert finding.status is Status.UNKNOWN
        assert finding.deadline is not None
        assert finding.deadline.state is DeadlineState.PENDING
        assert finding.message is not None
        assert finding.message.en == "not yet due: due before start of construction"
        alone = both(only(FILED), {"steps": records}, "construction", "2025-03-03")
        assert alone.status is OverallStatus.COMPLIANT


@pytest.mark.parametrize(
    ("records", "missing"),
    [
        ({"contract_filing": {}, "construction_start": {"date": "2025-03-02"}},
         ["contract_filing_date"]),
        ({"contract_filing": {"date": "2025-03-01"}, "construction_start": {}},
         ["construction_start_date"]),
        ({"contract_filing": {}, "construction_start": {}},
         ["construction_start_date", "contract_filing_date"]),
        (None, ["steps"]),
    ],
)  # fmt: skip
def test_an_order_of_dates_unknown_is_never_a_silent_pass(
    pack: CompiledPack, records: dict[str, Any] | None, missing: list[str]
) -> None:
    verdict = both(pack, {"steps": records}, "construction", "2026-01-01")
    finding = verdict.finding(FILED)
    assert finding.status is Status.UNKNOWN
    assert sorted(finding.missing_facts) == missing
    alone = both(only(FILED), {"steps": records}, "construction", "2026-01-01")
    assert alone.status is OverallStatus.INCOMPLETE


# --- anchored to a plan year or another event; a period in principle only ------------------------


def test_a_fixed_date_in_the_year_before_the_plan_year(pack: CompiledPack) -> None:
    data = {"plan_year": 2026, "steps": {"application": {"date": "2025-09-01"}}}
    finding = both(pack, data, "application", "2026-01-01").finding("tm-06-application-by-august")
    assert finding.status is Status.FAIL
    assert finding.deadline is not None
    assert finding.deadline.due == D("2025-08-31")
    unknown = both(pack, {"steps": {}}, "application", "2026-01-01")
    assert unknown.finding("tm-06-application-by-august").missing_facts == ["plan_year"]


def test_a_period_anchored_to_another_event(pack: CompiledPack) -> None:
    data = steps(
        approval={"date": "2025-03-01", "outcome": "passed"}, filing={"date": "2025-03-11"}
    )
    finding = both(pack, data, "approval", "2026-01-01").finding("tm-06-filing-after-approval")
    assert finding.status is Status.PASS
    assert finding.deadline is not None
    assert (finding.deadline.anchor, finding.deadline.due) == (D("2025-03-01"), D("2025-03-11"))


START = "tm-05-start-within-half-year"


def test_half_a_year_in_principle_fails_as_a_warning_and_yields_to_a_justification(
    pack: CompiledPack,
) -> None:
    late = steps(
        approval={"date": "2025-01-31", "outcome": "passed"},
        construction_start={"date": "2025-08-01"},  # half a year from 31 January ends 31 July
    )
    verdict = both(pack, late, "construction", "2026-01-01")
    finding = verdict.finding(START)
    assert (finding.status, finding.severity.value) == (Status.FAIL, "warning")
    assert finding.deadline is not None
    assert finding.deadline.due == D("2025-07-31")
    # A warning does not decide the verdict.
    assert both(only(START), late, "construction", "2026-01-01").status is OverallStatus.COMPLIANT
    justified = {**late, "justifications": {START: "the site was handed over late"}}
    verdict = both(pack, justified, "construction", "2026-01-01")
    finding = verdict.finding(START)
    assert finding.status is Status.PASS
    assert finding.justification == "the site was handed over late"
    on_time = steps(
        approval={"date": "2025-01-31", "outcome": "passed"},
        construction_start={"date": "2025-07-31"},
    )
    assert both(pack, on_time, "construction", "2026-01-01").finding(START).status is Status.PASS


def test_zhanggong_half_year_start_in_principle_is_a_warning_a_justification_waives() -> None:
    # 第二十四条: 项目批复后原则上半年未组织开工建设的, 收回项目资金.
    rule = "zg-24-start-within-half-year"
    late = steps(
        approval={"date": "2026-01-15", "outcome": "passed"},
        construction_start={"date": "2026-07-16"},
    )
    pack = load_pack("zhanggong")
    finding = both(pack, late, "construction", "2027-01-01").finding(rule)
    assert (finding.status, finding.severity.value) == (Status.FAIL, "warning")
    assert finding.deadline is not None
    assert finding.deadline.due == D("2026-07-15")
    justified = {**late, "justifications": {rule: "the land was handed over late"}}
    finding = both(pack, justified, "construction", "2027-01-01").finding(rule)
    assert finding.status is Status.PASS
    assert finding.justification == "the land was handed over late"
    assert finding.consequences == []


# --- recording occurrences ------------------------------------------------------------------------


def test_date_counts_as_one_occurrence_and_facts_read_the_latest() -> None:
    project = Project.from_facts(
        {
            "steps": {
                "progress_report": {"date": "2025-12-20", "dates": ["2024-12-20", "2025-12-20"]}
            }
        }
    )
    assert project.procedure.steps is not None
    record = project.procedure.steps["progress_report"]  # type: ignore[index]
    assert record.occurrences == [D("2024-12-20"), D("2025-12-20")]
    assert (record.first_date, record.last_date) == (D("2024-12-20"), D("2025-12-20"))
    from policyengine.facts import FactReader

    facts = FactReader(frozenset({"progress_report_date"})).read(project, None)
    assert facts["progress_report_date"] == D("2025-12-20")


def test_a_steps_dates_are_bounded() -> None:
    many = [(D("2000-01-01") + dt.timedelta(days=n)).isoformat() for n in range(201)]
    with pytest.raises(ProjectError) as info:
        Project.from_facts({"steps": {"progress_report": {"dates": many}}})
    assert "200" in str(info.value)


def test_steps_in_an_impossible_order_are_placed_by_their_first_date() -> None:
    with pytest.raises(ProjectError, match="completion"):
        Project.from_facts(
            {
                "steps": {
                    "completion": {"dates": ["2025-06-01"]},
                    "final_acceptance": {"dates": ["2025-05-01", "2025-07-01"]},
                }
            }
        )


# --- rendering and case files ---------------------------------------------------------------------


MISSED = steps(
    construction_start={"date": "2024-05-01"},
    completion={"date": "2026-03-31"},
    performance_evaluation={"dates": ["2024-12-20", "2026-01-01"]},
)


def _missed(pack: CompiledPack) -> Verdict:
    return evaluate(Project.from_facts(MISSED), pack, stage="construction", as_of=D("2026-11-23"))


def test_reports_show_every_due_date_compactly(pack: CompiledPack) -> None:
    verdict = _missed(pack)
    line = (
        "every year-end 2024-05-01 .. 2026-03-31: 2024-12-31 met (2024-12-20); "
        "2025-12-31 overdue; 2026-12-31 met (2026-01-01)"
    )
    assert line in render_text(verdict)
    assert line in render_markdown(verdict)
    assert line in render_html([verdict])
    assert "每年年底 2024-05-01 .. 2026-03-31" in render_text(verdict, lang="zh")
    explained = render_explanation(
        explain(Project.from_facts(MISSED), pack, REPORT, as_of=D("2026-11-23"))
    )
    assert "due dates: " + line in explained
    assert "from: construction_start_date" in explained


def test_a_long_list_of_due_dates_counts_those_met(pack: CompiledPack) -> None:
    reports = [f"{year}-06-30" for year in range(2010, 2025) if year != 2016]
    data = steps(
        construction_start={"date": "2010-01-01"}, performance_evaluation={"dates": reports}
    )
    text = render_text(
        evaluate(Project.from_facts(data), pack, stage="construction", as_of=D("2025-03-01"))
    )
    assert "every year-end 2010-01-01 .. 2025-03-01: 14 met; 2016-12-31 overdue; " in text
    assert "2025-12-31 pending" in text


def test_case_files_check_due_dates(pack: CompiledPack) -> None:
    verdict = _missed(pack)
    wanted = [{"due": D("2024-12-31"), "state": "met"}, {"due": D("2025-12-31"), "state": "met"}]
    problems = compare(verdict, {"deadlines": {REPORT: {"due_dates": wanted}}})
    assert len(problems) == 1
    assert "'state': 'overdue'" in problems[0]
    assert "extra due date" in problems[0]
    exact = [
        {"due": D("2024-12-31"), "state": "met", "event_date": D("2024-12-20")},
        {"due": D("2025-12-31"), "state": "overdue"},
        {"due": D("2026-12-31")},
    ]
    assert (
        compare(verdict, {"deadlines": {REPORT: {"due_dates": exact, "every": "year_end"}}}) == []
    )
