"""Observations and attestations: a verdict names the judgements it relied on."""

from __future__ import annotations

import datetime as dt

from policyengine import Project, evaluate
from policyengine.facts import FACTS, FactReader, FactType
from policyengine.project import ATTESTATIONS, FACT_FIELDS
from policyengine.render import render_markdown, render_text

RULE = "zg-03-five-unifications"


def test_every_attestation_is_a_stated_yes_or_no_of_the_project() -> None:
    for name in ATTESTATIONS:
        assert name in FACT_FIELDS, name
        assert FACTS[name].kind is FactType.BOOL
        assert FACTS[name].attestation
    assert not FACTS["total_investment"].attestation
    assert not FACTS["approval_passed"].attestation


def test_the_schema_marks_attestations() -> None:
    groups = Project.model_json_schema()["$defs"]
    assert groups["Content"]["properties"]["meets_five_unifications"]["x-attestation"] is True
    assert "x-attestation" not in groups["Money"]["properties"]["total_investment"]


def _verdict(value: bool | None) -> object:
    project = Project.from_facts(
        {
            "owner_type": "party_government_organ",
            "owner_level": "district",
            "total_investment": "600000",
            "meets_five_unifications": value,
        }
    )
    return evaluate(project, "zhanggong", stage="application", as_of=dt.date(2026, 6, 1))


def test_a_decided_finding_that_read_a_judgement_lists_it() -> None:
    for value in (True, False):
        verdict = _verdict(value)
        finding = verdict.finding(RULE)  # type: ignore[attr-defined]
        assert finding.status.value in ("pass", "fail")
        assert "meets_five_unifications" in verdict.attestations  # type: ignore[attr-defined]
    unknown = _verdict(None)
    assert "meets_five_unifications" not in unknown.attestations  # type: ignore[attr-defined]


def test_every_report_names_the_judgements() -> None:
    verdict = _verdict(True)
    for text in (render_text(verdict), render_markdown(verdict)):  # type: ignore[arg-type]
        assert "Relies on the judgement that" in text
        assert "meets_five_unifications" in text


def test_who_performed_a_step_jointly() -> None:
    project = Project.from_facts(
        {
            "steps": {
                "final_acceptance": {
                    "authority": "secrecy",
                    "joint_authorities": ["county_data_bureau"],
                },
                "approval": {"date": "2026-01-05"},
            }
        }
    )
    facts = FactReader().read(project, None)
    assert facts["final_acceptance_authority"] == "secrecy"
    assert facts["final_acceptance_authorities"] == {"secrecy", "county_data_bureau"}
    assert facts["approval_authority"] is None
    assert facts["approval_authorities"] is None  # the lead is not stated: who performed is unknown
