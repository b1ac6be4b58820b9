"""Exceptions are defaults (Catala's default logic): an exception whose facts are unknown only
adds an assumption; it never turns a failure into a pass, nor a decided scope into an undecided one.

The mini pack has a scope exclusion (`classified`) and a prohibited-items exception
(`involves_work_secrets`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyengine import (
    CompiledPack,
    Decisions,
    Project,
    Stage,
    Status,
    decide,
    evaluate,
    load_pack,
)
from policyengine.evaluator import interpret
from policyengine.verdict import Verdict

AS_OF = dt.date(2025, 6, 1)
BASE: dict[str, Any] = {
    "owner_type": "party_government_organ",
    "owner_level": "municipal",
    "total_investment": "600000",
    "in_annual_plan": True,
    "documents": ["feasibility_study_report", "preliminary_design"],
    "items": ["machine_room"],
    "classified": False,
    "involves_work_secrets": False,
}
EVALUATORS = [evaluate, interpret]


def _verdict(mini: CompiledPack, how: Any = evaluate, **changes: Any) -> Verdict:
    project = Project.from_facts({**BASE, **changes})
    verdict: Verdict = how(project, mini, stage=Stage.APPLICATION, as_of=AS_OF)
    return verdict


def _assumed(verdict: Verdict) -> list[str]:
    return [
        f"{a.rule_id}/{a.exception_id}" if a.rule_id else a.exception_id
        for a in verdict.assumptions
    ]


@pytest.mark.parametrize("how", EVALUATORS)
def test_an_unknown_exclusion_leaves_the_project_in_scope_on_an_assumption(
    mini: CompiledPack, how: Any
) -> None:
    verdict = _verdict(mini, how, classified=None)
    assert verdict.in_scope is True
    assert verdict.scope_missing_facts == []
    assert _assumed(verdict) == ["mi-01-classified"]
    (assumption,) = verdict.assumptions
    assert assumption.missing_facts == ["classified"]
    assert assumption.citation is not None
    assert assumption.citation.para == 2


@pytest.mark.parametrize("how", EVALUATORS)
def test_an_established_exclusion_takes_the_project_out_without_assumptions(
    mini: CompiledPack, how: Any
) -> None:
    verdict = _verdict(mini, how, classified=True)
    assert verdict.in_scope is False
    assert verdict.exclusion is not None
    assert verdict.assumptions == []


def test_the_positive_scope_condition_must_still_be_established(mini: CompiledPack) -> None:
    verdict = _verdict(mini, owner_type=None, owner_level="municipal", classified=None)
    assert verdict.in_scope is None
    assert verdict.scope_missing_facts == ["owner_type"]
    assert _assumed(verdict) == ["mi-01-classified"]


@pytest.mark.parametrize("how", EVALUATORS)
def test_an_unknown_exception_leaves_the_failure_standing_as_an_assumption(
    mini: CompiledPack, how: Any
) -> None:
    verdict = _verdict(mini, how, involves_work_secrets=None)
    finding = verdict.finding("mi-05-no-machine-room")
    assert finding.status is Status.FAIL
    assert [a.exception_id for a in finding.assumptions] == ["exception 1"]
    assert finding.assumptions[0].missing_facts == ["involves_work_secrets"]
    assert _assumed(verdict) == ["mi-05-no-machine-room/exception 1"]
    assert verdict.status.value == "non_compliant"


@pytest.mark.parametrize("how", EVALUATORS)
def test_an_established_exception_excuses_the_items(mini: CompiledPack, how: Any) -> None:
    finding = _verdict(mini, how, involves_work_secrets=True).finding("mi-05-no-machine-room")
    assert finding.status is Status.PASS
    assert finding.exception is not None
    assert finding.assumptions == []


def test_a_refuted_exception_fails_without_assumptions(mini: CompiledPack) -> None:
    verdict = _verdict(mini)
    assert verdict.finding("mi-05-no-machine-room").status is Status.FAIL
    assert verdict.assumptions == []


_facts = st.fixed_dictionaries(
    {
        "total_investment": st.sampled_from(["100000", "499999.99", "500000", "900000"]),
        "in_annual_plan": st.sampled_from([True, False, None]),
        "items": st.sampled_from([[], ["machine_room"], ["private_network", "server"], None]),
        "documents": st.sampled_from([[], ["feasibility_study_report"], None]),
        "classified": st.booleans(),
        "involves_work_secrets": st.booleans(),
    }
)


MINI = load_pack(Path(__file__).parent / "fixtures" / "mini.yaml")


@given(facts=_facts, stage=st.sampled_from([None, Stage.APPLICATION, Stage.ACCEPTANCE]))
def test_an_unknown_exception_only_adds_assumptions(
    facts: dict[str, Any], stage: Stage | None
) -> None:
    mini = MINI
    # Where the exceptions are established false, forgetting them changes no status and no
    # finding: it adds the assumptions that they do not apply, and nothing else.
    stated = {**BASE, **facts, "classified": False, "involves_work_secrets": False}
    known = evaluate(Project.from_facts(stated), mini, stage=stage, as_of=AS_OF)
    forgotten = {**stated, "classified": None, "involves_work_secrets": None}
    for how in EVALUATORS:
        unknown = how(Project.from_facts(forgotten), mini, stage=stage, as_of=AS_OF)
        assert unknown.status == known.status
        assert unknown.in_scope == known.in_scope
        assert [(f.rule_id, f.status) for f in unknown.findings] == [
            (f.rule_id, f.status) for f in known.findings
        ]
        assert known.assumptions == []
        assert "mi-01-classified" in _assumed(unknown)
        assert Decisions.of(unknown) == decide(
            Project.from_facts(forgotten), mini, stage=stage, as_of=AS_OF
        )


# --- In principle (原则上, 一般): a warning until a justification is stated ---------------------

XIANGXI_MACHINE_ROOM: dict[str, Any] = {
    "owner_type": "public_institution",
    "owner_level": "prefecture",
    "kind": "new_build",
    "classified": False,
    "items": ["machine_room"],
}


@pytest.mark.parametrize("how", EVALUATORS)
def test_a_stated_justification_waives_an_in_principle_rule(how: Any) -> None:
    reason = "the shared machine room cannot host the secure storage"
    project = Project.from_facts(
        {**XIANGXI_MACHINE_ROOM, "justifications": {"xx-05-no-new-machine-room": reason}}
    )
    verdict = how(project, "xiangxi", stage=Stage.APPLICATION, as_of=AS_OF)
    finding = verdict.finding("xx-05-no-new-machine-room")
    assert finding.status is Status.PASS
    assert finding.justification == reason
    assert decide(project, "xiangxi", stage=Stage.APPLICATION, as_of=AS_OF) == Decisions.of(verdict)
    unjustified = how(
        Project.from_facts(XIANGXI_MACHINE_ROOM), "xiangxi", stage=Stage.APPLICATION, as_of=AS_OF
    )
    assert unjustified.finding("xx-05-no-new-machine-room").status is Status.FAIL
    assert unjustified.finding("xx-05-no-new-machine-room").severity.value == "warning"


def test_a_justification_does_not_waive_an_error_level_duty() -> None:
    project = Project.from_facts({"justifications": {"mi-05-no-machine-room": "needed"}, **BASE})
    verdict = evaluate(project, MINI, stage=Stage.APPLICATION, as_of=AS_OF)
    assert verdict.finding("mi-05-no-machine-room").status is Status.FAIL
    assert verdict.finding("mi-05-no-machine-room").justification is None


# --- Exceptions on every kind of rule ------------------------------------------------------


def _mini_with_exceptions() -> CompiledPack:
    from policyengine.loader import load_pack_text

    text = (Path(__file__).parent / "fixtures" / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace(
        """    check: "in_annual_plan"
""",
        """    check: "in_annual_plan"
    exceptions:
      - when: "major_project"
        reason: {zh: 重大项目除外, en: except major projects}
""",
        1,
    )
    return load_pack_text(text, "mini-exceptions.yaml")


EXCEPTED = _mini_with_exceptions()


@pytest.mark.parametrize("how", EVALUATORS)
@pytest.mark.parametrize(
    ("in_plan", "major", "status", "assumed"),
    [
        (False, True, Status.PASS, []),
        (False, None, Status.FAIL, ["mi-03-in-plan/exception 1"]),
        (False, False, Status.FAIL, []),
        (None, True, Status.PASS, []),
        (None, None, Status.UNKNOWN, []),
        (True, None, Status.PASS, []),
    ],
)
def test_a_rules_exception_is_a_default(
    how: Any, in_plan: bool | None, major: bool | None, status: Status, assumed: list[str]
) -> None:
    project = Project.from_facts({**BASE, "in_annual_plan": in_plan, "major_project": major})
    verdict = how(project, EXCEPTED, stage=Stage.APPLICATION, as_of=AS_OF)
    finding = verdict.finding("mi-03-in-plan")
    assert finding.status is status
    assert (finding.exception is not None) == (status is Status.PASS and in_plan is not True)
    assert _assumed(verdict) == assumed
    assert decide(project, EXCEPTED, stage=Stage.APPLICATION, as_of=AS_OF) == Decisions.of(verdict)
    other = evaluate if how is interpret else interpret
    assert other(project, EXCEPTED, stage=Stage.APPLICATION, as_of=AS_OF) == verdict
