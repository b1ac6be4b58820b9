"""Expectations a second reader can write from the source alone: clauses and needed facts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from policyengine import Project, evaluate, load_bundled_pack
from policyengine.testing import compare

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


def _verdict(**changes: Any) -> Any:
    project = Project.from_facts({**PROJECT, **changes})
    return evaluate(
        project, load_bundled_pack("wuhan"), stage="approval", as_of=dt.date(2026, 7, 1)
    )


def test_failing_clauses_names_the_clauses_of_the_failures() -> None:
    steps = {"approval": {"date": "2026-06-01", "outcome": "passed", "authority": "finance"}}
    verdict = _verdict(steps=steps)
    assert compare(verdict, {"failing_clauses": ["a15-s1"]}) == []
    problems = compare(verdict, {"failing_clauses": ["a12-s1"]})
    assert len(problems) == 1
    assert "no failing finding cites a12-s1" in problems[0]


def test_needs_is_the_exact_set_of_facts_still_needed() -> None:
    verdict = _verdict()
    needed = sorted(
        {
            f
            for finding in verdict.findings
            if finding.status.value == "unknown"
            for f in finding.missing_facts
        }
        | set(verdict.scope_missing_facts)
        | {f for d in verdict.decisions for f in d.missing_facts}
    )
    assert "approval_authority" in needed
    assert compare(verdict, {"needs": needed}) == []
    assert compare(verdict, {"needs": [*needed, "classified"]}) != []
    assert compare(verdict, {"needs": needed[1:]}) != []
