"""Mutation testing of packs: the mutants made, the outcomes, the report, the cache, the workers.

A bounded run on the mini pack with the handful of cases in `tests/fixtures/mutate/`; the full
run over the bundled packs is `make mutate`, not part of the test suite.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import policyengine.mutate as mutate_module
from policyengine import CompiledPack, PolicyPack, load_pack
from policyengine.cli import main
from policyengine.lint import lint_pack
from policyengine.loader import BUNDLED_PACKS, compile_pack
from policyengine.mutants import Edit, Mutant, generate_mutants, mutant_ids, pack_data
from policyengine.mutate import MutationReport, Outcome, load_pack_cases, run_mutation
from policyengine.testing import Case

FIXTURES = Path(__file__).parent / "fixtures"
MINI = FIXTURES / "mini.yaml"
CASES = FIXTURES / "mutate"

MINI_IDS = [
    "compare:scope.applies_when:1:not_in",
    "member:scope.applies_when:1:party_government_organ",
    "member:scope.applies_when:1:public_institution",
    "exclusion:mi-01-classified",
    "threshold:approval_threshold:boundary",
    "threshold:approval_threshold:up",
    "threshold:approval_threshold:down",
    "threshold:approval_threshold:round_up",
    "threshold:approval_threshold:round_down",
    "threshold:adjustment_limit:boundary",
    "threshold:adjustment_limit:up",
    "threshold:adjustment_limit:down",
    "threshold:adjustment_limit:round_up",
    "threshold:adjustment_limit:round_down",
    "band:approval_route:filing:min_inclusive",
    "severity:mi-03-in-plan:warning",
    "due_from:mi-03-in-plan:later",
    "due_from:mi-03-in-plan:earlier",
    "severity:mi-04-adjustment:warning",
    "due_from:mi-04-adjustment:later",
    "due_from:mi-04-adjustment:earlier",
    "document:mi-03-application-documents:feasibility_study_report",
    "document:mi-03-application-documents:any_of:preliminary_design|implementation_plan",
    "document:mi-03-application-documents:preliminary_design",
    "document:mi-03-application-documents:implementation_plan",
    "severity:mi-03-application-documents:warning",
    "due_from:mi-03-application-documents:later",
    "due_from:mi-03-application-documents:earlier",
    "item:mi-05-no-machine-room:machine_room",
    "item:mi-05-no-machine-room:private_network",
    "exception:mi-05-no-machine-room:1",
    "severity:mi-05-no-machine-room:warning",
    "due_from:mi-05-no-machine-room:later",
    "due_from:mi-05-no-machine-room:earlier",
    "acceptance_failure:mi-06-deviation",
    "severity:mi-06-deviation:warning",
    "due_from:mi-06-deviation:later",
    "due_from:mi-06-deviation:earlier",
    "severity:mi-06-acceptance-half-year:warning",
    "due_from:mi-06-acceptance-half-year:later",
    "due_from:mi-06-acceptance-half-year:earlier",
    "period:mi-06-acceptance-half-year:longer",
    "period:mi-06-acceptance-half-year:shorter",
    "severity:mi-06-contract-filing:warning",
    "due_from:mi-06-contract-filing:later",
    "due_from:mi-06-contract-filing:earlier",
    "period:mi-06-contract-filing:longer",
    "period:mi-06-contract-filing:shorter",
    "severity:mi-03-application-by-august:warning",
    "due_from:mi-03-application-by-august:later",
    "due_from:mi-03-application-by-august:earlier",
]

# Expressions, a table with a number two bands share, and the order of two steps: the kinds of
# mutant the mini pack itself does not have.
EXTRA_RULE = """\
  - id: mi-04-change-approved
    category: change_control
    title: {zh: 调整经批准, en: adjustment approved}
    due_from: change
    severity: warning
    when: "not classified and (budget_increase_total > 0 or has_any(items, 'machine_room', 'private_network'))"
    check: "'change_approval' in steps"
    message: {zh: 调整未经批准, en: adjustment not approved}
    citation: {article: 4, quote: 不超过概算的15%}
"""
EXTRA_TABLE = """\
  - id: review_route
    title: {zh: 评审方式, en: review}
    input: total_investment
    citation: {article: 2, quote: 50万元以上(含本数)的项目实行审批}
    bands:
      - id: light
        min: 0
        min_inclusive: true
        max: 2000000
        max_inclusive: false
        label: {zh: 简易评审, en: light review}
        citation: {article: 2, quote: 50万元以上(含本数)的项目实行审批}
      - id: full
        min: 2000000
        min_inclusive: true
        label: {zh: 专家评审, en: expert review}
        citation: {article: 2, quote: 50万元以上(含本数)的项目实行审批}
"""
EXTRA_DEADLINE = """\
  - id: mi-06-trial-before-acceptance
    title: {zh: 验收前试运行, en: trial run before acceptance}
    due_from: acceptance
    event: trial_run_end
    before: {step: final_acceptance, inclusive: false}
    message: {zh: 未在验收前完成试运行, en: trial run not finished before acceptance}
    citation: {article: 6, quote: 建成后半年内申请验收}
"""
EXTRA_IDS = {
    "mi-04-change-approved": [
        "logic:mi-04-change-approved.when:1:or",
        "negation:mi-04-change-approved.when:1",
        "logic:mi-04-change-approved.when:2:and",
        "compare:mi-04-change-approved.when:1:ge",
        "member:mi-04-change-approved.when:1:machine_room",
        "member:mi-04-change-approved.when:1:private_network",
        "compare:mi-04-change-approved.check:1:not_in",
        "severity:mi-04-change-approved:info",
        "due_from:mi-04-change-approved:later",
        "due_from:mi-04-change-approved:earlier",
    ],
    "review_route": [
        "band:review_route:light:min_inclusive",
        "band:review_route:light|full:boundary",
    ],
    "mi-06-trial-before-acceptance": [
        "severity:mi-06-trial-before-acceptance:warning",
        "due_from:mi-06-trial-before-acceptance:later",
        "due_from:mi-06-trial-before-acceptance:earlier",
        "before:mi-06-trial-before-acceptance:inclusive",
    ],
}

# A rule naming an owner type the scope leaves out: leaving it out of the tuple changes nothing.
OUT_OF_SCOPE_RULE = """\
  - id: mi-03-organs-plan
    category: precondition
    title: {zh: 机关事业单位纳入计划, en: organs and institutions in the plan}
    due_from: application
    when: "owner_type in ('party_government_organ', 'public_institution', 'state_owned_enterprise')"
    check: "in_annual_plan"
    message: {zh: 未纳入年度计划, en: not in the annual plan}
    citation: {article: 3, quote: 未纳入年度计划的项目不得申报}
"""
EQUIVALENT = "member:mi-03-organs-plan.when:1:state_owned_enterprise"
EQUIVALENT_SECTION = f"""\
equivalent_mutants:
  - id: {EQUIVALENT}
    reason: state-owned enterprises are outside the scope (art. 1), so no project judged is one
"""


def _variant(
    tmp_path: Path,
    *,
    rules: str = "",
    tables: str = "",
    deadlines: str = "",
    tail: str = "",
) -> CompiledPack:
    """The mini pack with entries added to its sections, written beside the test."""
    text = MINI.read_text(encoding="utf-8")
    for section, added in (("rules", rules), ("decision_tables", tables), ("deadlines", deadlines)):
        text = text.replace(f"\n{section}:\n", f"\n{section}:\n{added}", 1)
    path = tmp_path / "mini.yaml"
    path.write_text(text + tail, encoding="utf-8")
    return load_pack(path)


@pytest.fixture
def mini() -> CompiledPack:
    return load_pack(MINI)


@pytest.fixture
def cases(mini: CompiledPack) -> list[Case]:
    return load_pack_cases(mini, [CASES])


def _outcomes(report: MutationReport) -> dict[str, Outcome]:
    return {result.mutant.id: result.outcome for result in report.results}


# --- the mutants --------------------------------------------------------------------------------


def test_the_mutants_of_the_mini_pack(mini: CompiledPack) -> None:
    assert mutant_ids(mini.spec) == MINI_IDS


def test_expression_band_and_order_mutants(tmp_path: Path) -> None:
    pack = _variant(tmp_path, rules=EXTRA_RULE, tables=EXTRA_TABLE, deadlines=EXTRA_DEADLINE)
    mutants = generate_mutants(pack.spec)
    for target, ids in EXTRA_IDS.items():
        assert [m.id for m in mutants if m.target == target] == ids
    described = {m.id: m.description for m in mutants}
    assert described["logic:mi-04-change-approved.when:2:and"] == (
        "mi-04-change-approved.when: budget_increase_total > 0 or has_any(items, "
        "'machine_room', 'private_network') -> budget_increase_total > 0 and has_any(items, "
        "'machine_room', 'private_network')"
    )
    assert described["band:review_route:light|full:boundary"] == (
        "review_route: 2000000 moves to band light"
    )
    assert described["threshold:approval_threshold:round_up"] == (
        "approval_threshold: 500000 -> 1000000"
    )


def test_each_mutant_changes_the_pack_in_one_reading(tmp_path: Path) -> None:
    pack = _variant(tmp_path, rules=EXTRA_RULE, tables=EXTRA_TABLE, deadlines=EXTRA_DEADLINE)
    data = pack_data(pack.spec)
    edited = {m.id: compile_pack(m.apply(data)).spec for m in generate_mutants(pack.spec)}
    assert edited["negation:mi-04-change-approved.when:1"].rules[0].when == (
        "classified and (budget_increase_total > 0 or has_any(items, 'machine_room', "
        "'private_network'))"
    )
    assert edited["member:mi-04-change-approved.when:1:machine_room"].rules[0].when == (
        "not classified and (budget_increase_total > 0 or has_any(items, 'private_network'))"
    )
    # A boundary flip moves the threshold, the bands it bounds and every comparison with it.
    flipped = edited["threshold:approval_threshold:boundary"]
    assert flipped.thresholds["approval_threshold"].boundary == "exclusive"
    assert flipped.definitions["needs_approval"].expression == (
        "total_investment > approval_threshold"
    )
    bands = flipped.decision_tables[1].bands  # after review_route, added first
    assert (bands[0].max_inclusive, bands[1].min_inclusive) == (True, False)
    # An alternative left out of a pair leaves a plain document.
    documents = edited["document:mi-03-application-documents:preliminary_design"]
    assert documents.required_documents[0].documents[1] == "implementation_plan"
    shorter = edited["period:mi-06-contract-filing:shorter"].deadlines
    (filing,) = [deadline for deadline in shorter if deadline.id == "mi-06-contract-filing"]
    assert filing.period is not None
    assert filing.period.working_days == 4
    assert data == pack_data(pack.spec)  # the pack's own data is left as it was


def test_mutants_cite_the_clauses_of_what_they_touch() -> None:
    cited = load_pack(FIXTURES / "cited.yaml")
    mutants = {m.id: m for m in generate_mutants(cited.spec)}
    assert mutants["threshold:approval_threshold:up"].clauses == ("a2-s1",)
    assert mutants["exclusion:mi-01-classified"].clauses == ("a1-p2-s1",)
    assert mutants["item:mi-05-no-machine-room:machine_room"].target == "mi-05-no-machine-room"


@pytest.mark.parametrize("name", BUNDLED_PACKS)
def test_bundled_packs_round_trip_and_their_boundary_mutants_load(name: str) -> None:
    pack = load_pack(name)
    data = pack_data(pack.spec)
    assert PolicyPack.model_validate(data) == pack.spec
    for mutant in generate_mutants(pack.spec):
        if mutant.kind in ("threshold", "band"):
            compile_pack(mutant.apply(data), marks=pack.marks)


# --- running ------------------------------------------------------------------------------------


def test_mutants_the_cases_pin_down_are_killed(mini: CompiledPack, cases: list[Case]) -> None:
    report = run_mutation(mini, cases, jobs=1, cache_dir=None)
    outcomes = _outcomes(report)
    for killed in (
        "threshold:approval_threshold:boundary",
        "threshold:approval_threshold:up",
        "threshold:approval_threshold:down",
        "item:mi-05-no-machine-room:machine_room",
        "exception:mi-05-no-machine-room:1",
        "exclusion:mi-01-classified",
    ):
        assert outcomes[killed] is Outcome.KILLED, killed
    # No case has a private network, a late contract filing or an organ as owner.
    for survived in (
        "item:mi-05-no-machine-room:private_network",
        "period:mi-06-contract-filing:longer",
        "member:scope.applies_when:1:party_government_organ",
    ):
        assert outcomes[survived] is Outcome.SURVIVED, survived
    boundary = next(r for r in report.results if r.mutant.id.endswith(":up"))
    assert boundary.detail is not None
    assert boundary.detail.startswith("mini/cases::the approval threshold itself needs approval")
    assert report.summary() == "51 mutants, 12 killed, 39 survived, 0 invalid, 0 equivalent, " + (
        "score 12/51 = 23.5%"
    )


def test_invalid_mutants_are_left_out_of_the_score(mini: CompiledPack, cases: list[Case]) -> None:
    broken = Mutant(
        "threshold:approval_threshold:negative",
        "threshold",
        "approval_threshold",
        "approval_threshold: 500000 -> -1",
        ("art. 2",),
        (Edit(("thresholds", "approval_threshold", "value"), Decimal(-1)),),
    )
    mutants = [*generate_mutants(mini.spec)[:5], broken]
    report = run_mutation(mini, cases, jobs=1, cache_dir=None, mutants=mutants)
    invalid = report.results[-1]
    assert invalid.outcome is Outcome.INVALID
    assert invalid.detail is not None
    assert "pack.band_order" in invalid.detail
    assert report.scored == 5
    assert report.to_dict()["invalid"] == 1


def test_equivalent_mutants_are_reported_apart(tmp_path: Path, cases: list[Case]) -> None:
    pack = _variant(tmp_path, rules=OUT_OF_SCOPE_RULE, tail=EQUIVALENT_SECTION)
    assert lint_pack(pack) == []
    report = run_mutation(pack, cases, jobs=1, cache_dir=None)
    (equivalent,) = [r for r in report.results if r.outcome is Outcome.EQUIVALENT]
    assert equivalent.mutant.id == EQUIVALENT
    assert equivalent.detail is not None
    assert "outside the scope" in equivalent.detail
    assert EQUIVALENT not in {r.mutant.id for r in report.survivors}
    killed, survived = report.count(Outcome.KILLED), report.count(Outcome.SURVIVED)
    assert report.scored == killed + survived == len(report.results) - 1
    assert "equivalent: " + EQUIVALENT in report.to_text()


def test_a_killed_mutant_listed_as_equivalent_is_counted_killed(
    tmp_path: Path, cases: list[Case]
) -> None:
    tail = (
        "equivalent_mutants:\n"
        "  - id: exclusion:mi-01-classified\n"
        "    reason: wrongly thought to change nothing\n"
    )
    pack = _variant(tmp_path, tail=tail)
    report = run_mutation(pack, cases, jobs=1, cache_dir=None)
    result = next(r for r in report.results if r.mutant.id == "exclusion:mi-01-classified")
    assert (result.outcome, result.listed_equivalent) == (Outcome.KILLED, True)
    assert "listed as equivalent but killed: exclusion:mi-01-classified" in report.to_text()


def test_a_case_failing_on_the_pack_itself_stops_the_run(
    mini: CompiledPack, cases: list[Case]
) -> None:
    from dataclasses import replace

    from policyengine import EvaluationError

    wrong = replace(cases[0], expect={"route": "filing"})
    with pytest.raises(EvaluationError) as caught:
        run_mutation(mini, [wrong], jobs=1, cache_dir=None)
    assert caught.value.code == "mutate.cases_fail"


def test_parallel_and_serial_runs_agree(mini: CompiledPack, cases: list[Case]) -> None:
    serial = run_mutation(mini, cases, jobs=1, cache_dir=None)
    parallel = run_mutation(mini, cases, jobs=2, cache_dir=None)
    assert parallel.results == serial.results


def test_a_second_run_reuses_the_cache(
    mini: CompiledPack, cases: list[Case], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    evaluations = 0
    check_case = mutate_module.check_case

    def counting(case: Case, pack: Any = None) -> Any:
        nonlocal evaluations
        evaluations += 1
        return check_case(case, pack)

    monkeypatch.setattr(mutate_module, "check_case", counting)
    first = run_mutation(mini, cases, jobs=1, cache_dir=tmp_path)
    assert evaluations > 0
    assert first.evaluated == len(first.results)
    evaluations = 0
    second = run_mutation(mini, cases, jobs=1, cache_dir=tmp_path)
    assert evaluations == 0
    assert second.evaluated == 0
    assert second.results == first.results
    stored = json.loads((tmp_path / "mini.json").read_text(encoding="utf-8"))
    assert set(stored) == {"format", "mutants"}  # JSON data, never a pickle
    # A changed pack is a different key: its mutants run again.
    moved = _variant(tmp_path, rules=OUT_OF_SCOPE_RULE)
    third = run_mutation(moved, cases, jobs=1, cache_dir=tmp_path)
    assert third.evaluated == len(third.results)


def test_a_new_case_runs_only_against_the_survivors(
    mini: CompiledPack, cases: list[Case], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_mutation(mini, cases[:-1], jobs=1, cache_dir=tmp_path)
    assert _outcomes(first)["exclusion:mi-01-classified"] is Outcome.SURVIVED
    evaluations = 0
    check_case = mutate_module.check_case

    def counting(case: Case, pack: Any = None) -> Any:
        nonlocal evaluations
        evaluations += 1
        return check_case(case, pack)

    monkeypatch.setattr(mutate_module, "check_case", counting)
    second = run_mutation(mini, cases, jobs=1, cache_dir=tmp_path)
    # The pack itself and each survivor meet the new case, and only it.
    assert second.evaluated == len(first.survivors)
    assert evaluations == 1 + len(first.survivors)
    assert _outcomes(second)["exclusion:mi-01-classified"] is Outcome.KILLED
    assert second.results == run_mutation(mini, cases, jobs=1, cache_dir=None).results


# --- the report and the command -------------------------------------------------------------------


def test_json_report_shape(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["mutate", str(MINI), "--cases", str(CASES), "--jobs", "1", "--no-cache"]
    assert main([*args, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"pack", "mutants", "killed", "invalid", "survived", "score"} <= report.keys()
    assert (report["pack"], report["mutants"], report["killed"], report["invalid"]) == (
        "mini",
        51,
        12,
        0,
    )
    assert report["score"] == pytest.approx(12 / 51)
    survivor = report["survived"][0]
    assert set(survivor) >= {"id", "clause", "rule", "mutation"}
    assert survivor == {
        "id": "member:scope.applies_when:1:party_government_organ",
        "clause": "art. 1",
        "clauses": ["art. 1"],
        "rule": "scope",
        "kind": "member",
        "mutation": "scope.applies_when: 'party_government_organ' left out of "
        "('party_government_organ', 'public_institution')",
    }


def test_text_report_groups_survivors_by_clause(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mutate", str(MINI), "--cases", str(CASES), "--jobs", "1", "--no-cache"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"mini ({MINI}): 51 mutants, 5 cases"
    article_5 = lines.index("  art. 5")
    assert lines[article_5 + 1 : article_5 + 3] == [
        "    item:mi-05-no-machine-room:private_network",
        "      mi-05-no-machine-room: private_network no longer prohibited",
    ]
    assert lines[-1].startswith("51 mutants, 12 killed, 39 survived, 0 invalid")


@pytest.mark.parametrize(
    ("options", "code"),
    [
        ([], 0),
        (["--min-score", "0.2"], 0),
        (["--min-score", "0.5"], 1),
        (["--strict"], 1),  # a threshold, a band and list members survive
    ],
)
def test_exit_codes(options: list[str], code: int, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["mutate", str(MINI), "--cases", str(CASES), "--jobs", "1", "--no-cache", *options]
    assert main(args) == code
    capsys.readouterr()


def test_no_cases_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mutate", str(MINI), "--cases", str(tmp_path), "--no-cache"]) == 2
    assert "mutate.no_cases" in capsys.readouterr().err
