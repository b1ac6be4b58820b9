"""The evaluator on the `mini` fixture pack: every section, unknowns, errors, determinism."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policyengine import (
    CompiledPack,
    Decisions,
    EvaluationError,
    OverallStatus,
    ProjectError,
    Stage,
    StageBasis,
    Status,
    Verdict,
    decide,
    evaluate,
)
from policyengine.evaluator import interpret
from policyengine.loader import load_pack_text
from policyengine.project import Project
from policyengine.testing import merge

FIXTURES = Path(__file__).parent / "fixtures"
FIXTURE_TEXT = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")


AS_OF = dt.date(2025, 11, 1)
BASE: dict[str, Any] = {
    "owner_type": "public_institution",
    "classified": False,
    "involves_work_secrets": False,
    "total_investment": "600000",
    "in_annual_plan": True,
    "plan_year": 2026,
    "items": [],
    "documents": ["feasibility_study_report", "implementation_plan"],
    "deviates_from_approved_content": False,
    "budget_changes": [],
    "steps": {"application": {"date": "2025-08-01"}},
}


def run(pack: CompiledPack, stage_: str | None = None, **changes: Any) -> Verdict:
    return evaluate(Project.from_facts(merge(BASE, changes)), pack, stage=stage_, as_of=AS_OF)


def status(verdict: Verdict, rule_id: str) -> str:
    return verdict.finding(rule_id).status.value


def test_out_of_scope_by_exclusion_evaluates_no_rule(mini: CompiledPack) -> None:
    verdict = run(mini, classified=True)
    assert verdict.in_scope is False
    assert verdict.status is OverallStatus.OUT_OF_SCOPE
    assert verdict.exclusion is not None
    assert verdict.exclusion.id == "mi-01-classified"
    assert verdict.findings == []


def test_out_of_scope_by_applies_when(mini: CompiledPack) -> None:
    verdict = run(mini, owner_type="state_owned_enterprise")
    assert verdict.in_scope is False
    assert verdict.exclusion is None
    assert verdict.status is OverallStatus.OUT_OF_SCOPE
    assert verdict.findings == []
    assert verdict.decisions == []


def test_undecided_scope_names_the_facts_and_is_incomplete(mini: CompiledPack) -> None:
    verdict = run(
        mini,
        "application",
        classified=None,
        owner_type=None,
        steps={"application": {"date": "2025-08-01"}},
    )
    # The positive condition (owner type) is unknown; the exclusion (classified) is only assumed
    # not to apply, so it is not a fact the scope needs.
    assert verdict.in_scope is None
    assert verdict.scope_missing_facts == ["owner_type"]
    assert [a.exception_id for a in verdict.assumptions] == ["mi-01-classified"]
    assert verdict.status is OverallStatus.INCOMPLETE
    assert verdict.findings, "rules still run when scope is undecided"


@pytest.mark.parametrize(
    ("amount", "band"),
    [
        ("0", "filing"),
        ("499999.99", "filing"),
        ("500000.00", "approval"),
        ("500000.01", "approval"),
        ("999999999", "approval"),
    ],
)
def test_primary_decision_table_selects_the_band(
    mini: CompiledPack, amount: str, band: str
) -> None:
    verdict = run(mini, total_investment=amount)
    assert verdict.route is not None
    assert verdict.route.band_id == band
    assert verdict.route.input == Decimal(amount)


def test_unknown_input_leaves_the_route_undecided(mini: CompiledPack) -> None:
    verdict = run(mini, total_investment=None)
    assert verdict.route is not None
    assert verdict.route.status is Status.UNKNOWN
    assert verdict.route.missing_facts == ["total_investment"]
    assert verdict.status is OverallStatus.INCOMPLETE


def test_rule_pass_fail_unknown_and_not_applicable(mini: CompiledPack) -> None:
    assert status(run(mini, "application"), "mi-03-in-plan") == "pass"
    assert status(run(mini, "application", in_annual_plan=False), "mi-03-in-plan") == "fail"
    unknown = run(mini, "application", in_annual_plan=None).finding("mi-03-in-plan")
    assert unknown.status is Status.UNKNOWN
    assert unknown.missing_facts == ["in_annual_plan"]
    small = run(mini, "application", total_investment="100", in_annual_plan=False)
    assert status(small, "mi-03-in-plan") == "not_applicable"


def test_a_duty_is_checked_from_its_stage_on_and_never_before(mini: CompiledPack) -> None:
    procurement = {f.rule_id for f in run(mini, "procurement").findings}
    # Due at application and at procurement; the change and acceptance duties are not yet due.
    assert procurement == {
        "mi-03-in-plan",
        "mi-03-application-documents",
        "mi-03-application-by-august",
        "mi-05-no-machine-room",
        "mi-06-contract-filing",
    }
    assert "mi-06-contract-filing" not in {f.rule_id for f in run(mini, "approval").findings}
    audit = run(mini, "audit")
    assert len(audit.findings) == len(mini.rules)
    assert audit.stage_basis is StageBasis.GIVEN


def test_the_stage_comes_from_the_project_then_its_steps(mini: CompiledPack) -> None:
    derived = run(mini)  # BASE has taken the application step only
    assert (derived.stage, derived.stage_basis) == (Stage.APPLICATION, StageBasis.STEPS)
    assert "mi-06-contract-filing" not in {f.rule_id for f in derived.findings}
    stated = run(mini, stage_=None, stage="procurement")
    assert (stated.stage, stated.stage_basis) == (Stage.PROCUREMENT, StageBasis.PROJECT)
    assert "mi-06-contract-filing" in {f.rule_id for f in stated.findings}
    unknown = run(mini, steps=None)
    assert (unknown.stage, unknown.stage_basis) == (None, StageBasis.EVERY)
    assert len(unknown.findings) == len(mini.rules)


def test_unknown_stage_is_an_evaluation_error(mini: CompiledPack) -> None:
    with pytest.raises(EvaluationError, match="unknown stage 'aproval'") as info:
        run(mini, "aproval")
    assert info.value.hint == "did you mean 'approval'?"


def test_required_documents_with_alternatives(mini: CompiledPack) -> None:
    rule = "mi-03-application-documents"
    assert status(run(mini, "application"), rule) == "pass"
    alt = run(mini, "application", documents=["feasibility_study_report", "preliminary_design"])
    assert status(alt, rule) == "pass"
    none = run(mini, "application", documents=[])
    finding = none.finding(rule)
    assert finding.status is Status.FAIL
    assert [d.value for d in finding.missing_documents] == [
        "feasibility_study_report",
        "preliminary_design",
    ]
    assert [d.value for d in none.missing_documents] == [
        "feasibility_study_report",
        "preliminary_design",
    ]
    assert [c.value for c in none.consequences] == ["not_approved"]
    assert status(run(mini, "application", documents=None), rule) == "unknown"


def test_prohibited_items_and_their_exception(mini: CompiledPack) -> None:
    rule = "mi-05-no-machine-room"
    found = run(mini, "application", items=["machine_room", "server"]).finding(rule)
    assert found.status is Status.FAIL
    assert [i.value for i in found.prohibited_items] == ["machine_room"]
    exempt = run(mini, "application", items=["machine_room"], involves_work_secrets=True)
    assert exempt.finding(rule).status is Status.PASS
    assert exempt.finding(rule).exception is not None
    assumed = run(mini, "application", items=["machine_room"], involves_work_secrets=None)
    assert assumed.finding(rule).status is Status.FAIL
    assert assumed.finding(rule).assumptions[0].missing_facts == ["involves_work_secrets"]
    assert status(run(mini, "application", items=["server"]), rule) == "pass"
    assert status(run(mini, "application", items=None), rule) == "unknown"


def test_acceptance_failure_condition(mini: CompiledPack) -> None:
    rule = "mi-06-deviation"
    assert status(run(mini, "acceptance"), rule) == "pass"
    failed = run(mini, "acceptance", deviates_from_approved_content=True)
    assert status(failed, rule) == "fail"
    assert [c.value for c in failed.consequences] == ["acceptance_failed"]
    assert status(run(mini, "acceptance", deviates_from_approved_content=None), rule) == "unknown"


@pytest.mark.parametrize(
    ("completion", "applied", "state", "due"),
    [
        ("2025-01-31", "2025-07-31", "met", "2025-07-31"),
        ("2025-01-31", "2025-08-01", "late", "2025-07-31"),
        ("2024-08-31", "2025-02-28", "met", "2025-02-28"),
        ("2024-02-29", "2024-08-29", "met", "2024-08-29"),
        ("2025-01-31", None, "overdue", "2025-07-31"),
        ("2025-06-30", None, "pending", "2025-12-30"),
    ],
)
def test_month_deadline(
    mini: CompiledPack, completion: str, applied: str | None, state: str, due: str
) -> None:
    steps: dict[str, Any] = {"completion": {"date": completion}}
    if applied:
        steps["acceptance_application"] = {"date": applied}
    verdict = run(mini, "acceptance", steps=steps)
    finding = verdict.finding("mi-06-acceptance-half-year")
    assert finding.deadline is not None
    assert finding.deadline.state.value == state
    assert finding.deadline.due == dt.date.fromisoformat(due)
    expected = {"met": "pass", "late": "fail", "overdue": "fail", "pending": "unknown"}[state]
    assert finding.status.value == expected


def test_a_deadline_not_yet_due_does_not_make_the_verdict_incomplete(mini: CompiledPack) -> None:
    steps = {
        "contract_signing": {"date": "2025-03-03"},
        "contract_filing": {"date": "2025-03-05"},
        "completion": {"date": "2025-06-30"},
    }
    pending = run(mini, "acceptance", steps=steps, budget_estimate="600000")
    assert pending.finding("mi-06-acceptance-half-year").deadline.state.value == "pending"
    others = [f for f in pending.findings if f.rule_id != "mi-06-acceptance-half-year"]
    assert all(f.status.value != "unknown" for f in others)
    assert pending.status.value != "incomplete"
    unknown = run(mini, "acceptance", steps={"completion": {"date": None}})
    assert unknown.status.value == "incomplete"


@pytest.mark.parametrize(
    ("signed", "filed", "expected"),
    [
        # National Day 2025: 1-8 October off; Sunday 28 September and Saturday 11 October worked.
        ("2025-09-26", "2025-10-10", "pass"),
        ("2025-09-26", "2025-10-11", "fail"),
        ("2025-09-30", "2025-10-14", "pass"),
        ("2025-09-30", "2025-10-15", "fail"),
    ],
)
def test_working_day_deadline_follows_the_official_calendar(
    mini: CompiledPack, signed: str, filed: str, expected: str
) -> None:
    steps = {"contract_signing": {"date": signed}, "contract_filing": {"date": filed}}
    assert status(run(mini, "procurement", steps=steps), "mi-06-contract-filing") == expected


def test_working_days_in_an_uncovered_year_are_unknown(mini: CompiledPack) -> None:
    steps = {"contract_signing": {"date": "2099-03-02"}, "contract_filing": {"date": "2099-03-03"}}
    finding = run(mini, "procurement", steps=steps).finding("mi-06-contract-filing")
    assert finding.status is Status.UNKNOWN
    assert finding.error is not None
    assert "2099" in finding.error


def test_fixed_calendar_deadline(mini: CompiledPack) -> None:
    rule = "mi-03-application-by-august"
    on_time = run(mini, "application", steps={"application": {"date": "2025-08-31"}})
    assert status(on_time, rule) == "pass"
    late = run(mini, "application", steps={"application": {"date": "2025-09-01"}})
    assert status(late, rule) == "fail"
    assert status(run(mini, "application", plan_year=None), rule) == "unknown"


def test_steps_unknown_makes_deadlines_unknown(mini: CompiledPack) -> None:
    verdict = run(mini, "acceptance", steps=None)
    finding = verdict.finding("mi-06-acceptance-half-year")
    assert finding.status is Status.UNKNOWN


def test_a_faulty_rule_is_an_error_and_the_others_still_run() -> None:
    text = FIXTURE_TEXT.replace(
        'check: "budget_increase_ratio <= adjustment_limit"',
        'check: "total_investment / budget_estimate <= adjustment_limit"',
    )
    pack = load_pack_text(text, "faulty.yaml")
    verdict = evaluate(
        Project.from_facts(merge(BASE, {"budget_estimate": "0"})), pack, stage="audit", as_of=AS_OF
    )
    faulty = verdict.finding("mi-04-adjustment")
    assert faulty.status is Status.ERROR
    assert faulty.error is not None
    assert "Division" in faulty.error
    assert verdict.finding("mi-03-in-plan").status is Status.PASS
    assert verdict.status is OverallStatus.INCOMPLETE


def test_findings_record_the_facts_they_read(mini: CompiledPack) -> None:
    finding = run(mini, "application").finding("mi-03-in-plan")
    assert finding.facts == {"in_annual_plan": True, "total_investment": "600000"}


def test_invalid_project_mapping_raises_project_error_with_paths(mini: CompiledPack) -> None:
    with pytest.raises(ProjectError) as info:
        evaluate(Project.from_facts({"total_investment": 1.5, "items": ["nope"]}), mini)
    paths = [issue.path for issue in info.value.issues]
    assert paths == ["total_investment", "items.0"]


def test_json_is_deterministic_and_round_trips(mini: CompiledPack) -> None:
    first = run(mini, items=["private_network", "machine_room"]).to_json()
    second = run(mini, items=["machine_room", "private_network"]).to_json()
    assert first == second
    restored = Verdict.model_validate_json(first)
    assert restored.to_json() == first
    data = json.loads(first)
    assert list(data)[:4] == ["format", "format_version", "pack_id", "pack_version"]


def test_verdict_pickles(mini: CompiledPack) -> None:
    import pickle

    verdict = run(mini)
    assert pickle.loads(pickle.dumps(verdict)) == verdict
    assert pickle.loads(pickle.dumps(mini)).id == "mini"


def test_the_same_pack_text_is_compiled_once_and_an_edit_is_compiled_afresh() -> None:
    text = FIXTURE_TEXT
    first = load_pack_text(text, "cache-test.yaml")
    assert load_pack_text(text, "cache-test.yaml") is first
    edited = load_pack_text(text.replace("value: 500000", "value: 600000"), "cache-test.yaml")
    assert edited is not first
    assert edited.thresholds["approval_threshold"] == Decimal(600000)
    # The same text under another path is another pack: its errors and marks name that path.
    assert load_pack_text(text, "elsewhere.yaml").path == "elsewhere.yaml"


def test_facts_are_recorded_as_fact_value_records_them() -> None:
    from policyengine.evaluator import _CONVERTERS, fact_value
    from policyengine.facts import FACTS, FactType
    from policyengine.vocabulary import Document

    samples: dict[FactType, Any] = {
        FactType.DECIMAL: Decimal("500000.10"),
        FactType.INT: 3,
        FactType.BOOL: False,
        FactType.DATE: dt.date(2026, 2, 28),
        FactType.STR: "市城管委",
        FactType.SET: frozenset({Document.CONTRACT, Document.AWARD_NOTICE}),
    }
    for name, spec in FACTS.items():
        value = samples.get(spec.kind)
        if spec.kind is FactType.ENUM:
            assert spec.vocabulary is not None
            value = next(iter(spec.vocabulary))
        assert _CONVERTERS[name](value) == fact_value(value), name


# --- decision tables that raise; exact division (security review B14, B15) --------------------


@pytest.mark.parametrize(
    ("replace", "by"),
    [
        ("input: total_investment\n", "input: total_investment / budget_estimate\n"),
        ("input: total_investment\n", "input: total_investment * 1e18 * 1e18 * 1e18 * 1e18\n"),
        (
            "input: total_investment\n",
            "input: total_investment\n    when: total_investment / budget_estimate > 1\n",
        ),
    ],
    ids=["input-divides-by-zero", "input-overflows", "when-divides-by-zero"],
)
def test_a_table_that_raises_is_an_error_decision_on_every_path(replace: str, by: str) -> None:
    import decimal

    from policyengine import Decisions, decide
    from policyengine.evaluator import interpret

    assert replace in FIXTURE_TEXT
    pack = load_pack_text(FIXTURE_TEXT.replace(replace, by), f"raising-table-{len(by)}.yaml")
    data = merge(BASE, {"budget_estimate": "0"})
    with decimal.localcontext() as context:
        context.Emax = 60  # small enough that the product above overflows
        compiled = evaluate(Project.from_facts(data), pack, as_of=AS_OF)
        interpreted = interpret(Project.from_facts(data), pack, as_of=AS_OF)
        decisions = decide(Project.from_facts(data), pack, as_of=AS_OF)
    assert compiled.to_json() == interpreted.to_json()
    (decision,) = compiled.decisions
    assert decision.status is Status.ERROR
    assert decision.band_id is None
    assert compiled.route is not None
    assert compiled.route.status is Status.ERROR
    assert compiled.status is OverallStatus.INCOMPLETE
    assert decisions == Decisions.of(compiled)


def test_integer_division_is_exact_in_a_pack() -> None:
    from policyengine.evaluator import interpret

    text = FIXTURE_TEXT.replace(
        'when: "needs_approval"\n    check: "in_annual_plan"', 'check: "mlps_level / 10 >= 0.3"'
    )
    pack = load_pack_text(text, "exact-division.yaml")
    data = merge(BASE, {"mlps_level": 3})
    compiled = evaluate(Project.from_facts(data), pack, stage="application", as_of=AS_OF)
    assert status(compiled, "mi-03-in-plan") == "pass"
    assert (
        compiled.to_json()
        == interpret(Project.from_facts(data), pack, stage="application", as_of=AS_OF).to_json()
    )
    assert status(run(pack, "application", mlps_level=2), "mi-03-in-plan") == "fail"


@pytest.mark.parametrize(
    ("year", "message"),
    [
        ('"1e999999"', "number out of range"),
        ('"plan_year / 1"', "expression gives decimal, but int is required here"),
    ],
)
def test_a_fixed_deadline_year_must_be_an_integer(year: str, message: str) -> None:
    from policyengine import PackError

    text = FIXTURE_TEXT.replace('year: "plan_year - 1"', f"year: {year}")
    with pytest.raises(PackError) as info:
        load_pack_text(text, "fixed-year.yaml")
    assert info.value.code == "pack.expression"
    assert message in info.value.message


def test_an_out_of_scope_project_runs_no_rule(
    mini: CompiledPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scope is decided first; no rule applies out of scope, and the program that runs them
    # is not called at all (out-of-scope projects return at once).
    assert mini.scope_definitions == ()
    outside = Project.from_facts({**BASE, "owner_type": "state_owned_enterprise"})
    expected = interpret(outside, mini, stage="audit", as_of=AS_OF)

    def refuse(stage: object) -> object:
        raise AssertionError("the rules ran for an out-of-scope project")

    monkeypatch.setattr(type(mini), "program", lambda self, stage: refuse(stage))
    verdict = evaluate(outside, mini, stage="audit", as_of=AS_OF)
    assert verdict == expected
    assert verdict.status is OverallStatus.OUT_OF_SCOPE
    assert not verdict.findings
    assert decide(outside, mini, stage="audit", as_of=AS_OF) == Decisions.of(expected)


def test_a_scope_that_reads_a_definition_computes_it_first(monkeypatch: pytest.MonkeyPatch) -> None:
    text = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    old = 'exclusions:\n    - id: mi-01-classified\n      when: "classified"'
    assert old in text
    pack = load_pack_text(
        text.replace(old, old.replace('"classified"', '"classified and needs_approval"')),
        "scope-reads-definition.yaml",
    )
    assert [name for name, _ in pack.scope_definitions] == ["needs_approval"]
    for facts, in_scope in [({"classified": True}, False), ({"classified": False}, True)]:
        project = Project.from_facts({**BASE, **facts})
        verdict = evaluate(project, pack, stage="audit", as_of=AS_OF)
        assert verdict.in_scope is in_scope
        assert verdict == interpret(project, pack, stage="audit", as_of=AS_OF)
        assert decide(project, pack, stage="audit", as_of=AS_OF) == Decisions.of(verdict)
    excluded = Project.from_facts({**BASE, "classified": True})
    monkeypatch.setattr(type(pack), "program", lambda self, stage: pytest.fail("rules ran"))
    assert evaluate(excluded, pack, stage="audit", as_of=AS_OF).in_scope is False
