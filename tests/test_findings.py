"""A Finding is a small immutable record: the rule's shared data by reference, its own status,
facts and additions; its JSON form and schema are FindingData's."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path

import pytest

from policyengine import Finding, Status, Verdict, evaluate, load_pack
from policyengine.verdict import FindingData

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def verdict() -> Verdict:
    from policyengine import Project

    project = Project.from_file(ROOT / "examples" / "project.yaml")
    return evaluate(project, load_pack("wuhan"), stage="audit", as_of=AS_OF)


def test_a_finding_cannot_be_changed(verdict: Verdict) -> None:
    finding = verdict.findings[0]
    with pytest.raises(AttributeError, match="immutable"):
        finding.status = Status.PASS  # type: ignore[misc]
    with pytest.raises(AttributeError, match="immutable"):
        del finding.status
    # Its lists are copies: changing one changes nothing in the verdict.
    failed = next(f for f in verdict.findings if f.consequences)
    failed.consequences.clear()
    assert failed.consequences


def test_the_fields_make_the_same_finding_again(verdict: Verdict) -> None:
    for finding in verdict.findings:
        assert Finding(**finding.fields()) == finding
        assert pickle.loads(pickle.dumps(finding)) == finding
        data = FindingData.model_validate_json(finding.data().model_dump_json())
        assert Finding(**data.__dict__) == finding


def test_replace_changes_only_what_it_names(verdict: Verdict) -> None:
    finding = next(f for f in verdict.findings if f.status is Status.FAIL)
    changed = finding.replace(justification="stated")
    assert changed.justification == "stated"
    assert finding.justification is None
    assert {k: v for k, v in changed.fields().items() if k != "justification"} == {
        k: v for k, v in finding.fields().items() if k != "justification"
    }


def test_a_finding_made_by_hand_is_validated() -> None:
    from pydantic import ValidationError

    fields = {
        "rule_id": "r",
        "section": "rules",
        "category": "approval_route",
        "title": {"zh": "规则", "en": "rule"},
        "status": "pass",
        "severity": "error",
        "citation": {"article": 1, "quote": "x"},
    }
    finding = Finding(**fields)
    assert finding.status is Status.PASS
    assert finding.missing_facts == []
    with pytest.raises(ValidationError, match="colour"):
        Finding(**fields, colour="red")
    with pytest.raises(ValidationError, match="category"):
        Finding(**{**fields, "category": "astrology"})


def test_facts_written_out_when_read_are_those_the_interpreter_records(verdict: Verdict) -> None:
    from policyengine import Project
    from policyengine.evaluator import interpret

    project = Project.from_file(ROOT / "examples" / "project.yaml")
    interpreted = interpret(project, load_pack("wuhan"), stage="audit", as_of=AS_OF)
    assert [f.facts for f in verdict.findings] == [f.facts for f in interpreted.findings]


def test_a_verdict_read_back_equals_the_verdict(verdict: Verdict) -> None:
    restored = Verdict.model_validate_json(verdict.to_json())
    assert restored == verdict
    assert all(isinstance(f, Finding) for f in restored.findings)
    assert restored.to_json() == verdict.to_json()


def test_a_finding_replaced_with_a_deadline_keeps_the_facts_it_read() -> None:
    # Facts not yet written out are this finding's: a deadline set by `replace` changes neither
    # them nor, on a rule that is not a deadline, breaks reading them.
    from policyengine import Project
    from policyengine.testing import load_cases
    from policyengine.verdict import DeadlineResult, DeadlineState
    from policyengine.vocabulary import Step

    pack = load_pack("zhanggong")
    deadline = DeadlineResult(rule_id="x", event=Step.FILING, state=DeadlineState.MET)
    replaced_deadlines = 0
    for case in load_cases(ROOT / "tests" / "packs" / "zhanggong" / "deadlines.yaml"):
        project = Project.from_facts(case.project)
        verdict = evaluate(project, pack, stage=case.stage, as_of=case.as_of)
        fresh = evaluate(project, pack, stage=case.stage, as_of=case.as_of)
        for finding, same in zip(verdict.findings, fresh.findings, strict=True):
            replaced_deadlines += finding.deadline is not None
            replaced = finding.replace(deadline=deadline)
            assert replaced.facts == same.facts
            assert replaced.deadline == deadline
    assert replaced_deadlines
