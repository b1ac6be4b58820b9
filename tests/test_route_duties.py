"""Routes as duties: a band that `requires` a route fails its article when another was taken."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from policyengine import PackError, Project, Status, evaluate, load_bundled_pack
from policyengine.evaluator import interpret
from policyengine.loader import load_pack_text

MINI = (Path(__file__).parent / "fixtures" / "mini.yaml").read_text(encoding="utf-8")
RULE = "municipal_government_approval.municipal_government"
PROJECT: dict[str, Any] = {
    "owner_type": "party_government_organ",
    "owner_level": "municipal",
    "categories": ["business_application_system"],
    "classified": False,
    "bundled_with_fixed_asset_project": False,
    "self_use": False,
    "total_investment": "50000000",
    "approved_investment": "50000000",
    "steps": {"approval": {"date": "2026-06-01", "outcome": "passed"}},
}


@pytest.mark.parametrize(
    ("authority", "expected"),
    [("municipal_government", "pass"), ("municipal_data_bureau", "fail"), (None, "unknown")],
)
def test_the_route_taken_decides_the_duty(authority: str | None, expected: str) -> None:
    project = {**PROJECT, "steps": {"approval": {**PROJECT["steps"]["approval"]}}}
    project["steps"]["approval"]["authority"] = authority
    wuhan = load_bundled_pack("wuhan")
    day = dt.date(2026, 7, 1)
    verdict = evaluate(Project.from_facts(project), wuhan, stage="approval", as_of=day)
    finding = verdict.finding(RULE)
    assert finding.status.value == expected
    assert finding.section == "decision_tables"
    assert finding.citation.article == 15
    if expected == "unknown":
        assert finding.missing_facts == ["approval_authority"]
    assert verdict == interpret(Project.from_facts(project), wuhan, stage="approval", as_of=day)


def test_an_unknown_amount_leaves_the_duty_unknown() -> None:
    project = {**PROJECT, "approved_investment": None}
    finding = evaluate(Project.from_facts(project), "wuhan", stage="approval").finding(RULE)
    assert finding.status is Status.UNKNOWN
    assert "approved_investment" in finding.missing_facts


def _table_with(duty: bool, requires: bool) -> str:
    duty_text = (
        "    duty:\n"
        "      title: {zh: 审批, en: approval}\n"
        "      message: {zh: 未经审批, en: not approved by the right body}\n"
        "      due_from: approval\n"
    )
    text = MINI.replace(
        "    primary: true\n", "    primary: true\n" + (duty_text if duty else ""), 1
    )
    if requires:
        text = text.replace(
            "      - id: approval\n",
            "      - id: approval\n        requires: \"approval_authority == 'development_reform'\"\n",
            1,
        )
    return text


def test_a_requirement_needs_a_duty_and_a_duty_needs_a_requirement() -> None:
    with pytest.raises(PackError, match="give the table a 'duty'"):
        load_pack_text(_table_with(duty=False, requires=True), "a.yaml")
    with pytest.raises(PackError, match="no band states 'requires'"):
        load_pack_text(_table_with(duty=True, requires=False), "b.yaml")
    pack = load_pack_text(_table_with(duty=True, requires=True), "c.yaml")
    assert any(rule.id.endswith(".approval") for rule in pack.rules)


def test_a_bad_requirement_is_located_at_its_band() -> None:
    text = _table_with(duty=True, requires=True).replace("'development_reform'", "'nobody'")
    with pytest.raises(PackError) as info:
        load_pack_text(text, "d.yaml")
    assert info.value.code == "pack.expression"
    line = text.splitlines()[info.value.location.line - 1]  # type: ignore[union-attr]
    assert "requires" in line
