"""The Project model: exact money, unknown is not false, errors as records with field paths."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from policyengine import Project, ProjectError


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "must not be a float"),
        ("NaN", "must be finite"),
        ("Infinity", "must be finite"),
        ("-1", "must not be negative"),
        ("0.001", "at most two decimal places"),
        ("1e16", "below 10^15"),
        (True, "not a boolean"),
        ("五十万", "is not a decimal amount"),
    ],
)
def test_bad_amounts_are_rejected_with_the_field_path(value: object, message: str) -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_mapping({"total_investment": value})
    (issue,) = info.value.issues
    assert issue.path == "total_investment"
    assert message in issue.msg


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("500000", Decimal("500000")),
        (500000, Decimal(500000)),
        ("1,200,000.50", Decimal("1200000.50")),
        ("0.10", Decimal("0.10")),
        ("12.300", Decimal("12.300")),
    ],
)
def test_amounts_are_exact_decimals(value: object, expected: Decimal) -> None:
    project = Project.from_mapping({"total_investment": value})
    assert project.total_investment == expected
    assert isinstance(project.total_investment, Decimal)


def test_unknown_is_none_not_false() -> None:
    project = Project()
    assert project.classified is None
    assert project.documents is None
    assert project.items is None
    assert project.steps is None
    assert Project(documents=frozenset()).documents == frozenset()


def test_unknown_fields_are_rejected_with_a_path() -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_mapping({"owner": {"typ": "school"}, "total_invesment": "1"})
    assert sorted(issue.path for issue in info.value.issues) == ["owner.typ", "total_invesment"]


def test_unknown_vocabulary_member_is_rejected() -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_mapping({"items": ["server", "spaceship"]})
    (issue,) = info.value.issues
    assert issue.loc == ("items", 1)
    assert issue.input == "spaceship"


def test_project_loads_from_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "p.yaml"
    yaml_file.write_text(
        "name: 平台\ntotal_investment: 480000.10\nsteps:\n  approval: {date: 2025-03-01}\n",
        encoding="utf-8",
    )
    json_file = tmp_path / "p.json"
    json_file.write_text(
        json.dumps(
            {
                "name": "平台",
                "total_investment": 480000.10,
                "steps": {"approval": {"date": "2025-03-01"}},
            }
        ).replace("480000.1", "480000.10"),
        encoding="utf-8",
    )
    from_yaml = Project.from_file(yaml_file)
    from_json = Project.from_file(json_file)
    assert from_yaml == from_json
    assert from_yaml.total_investment == Decimal("480000.10")


def test_project_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("kind: new_buld\n", encoding="utf-8")
    with pytest.raises(ProjectError) as info:
        Project.from_file(bad)
    assert info.value.source == str(bad)
    assert "kind" in str(info.value)


def test_project_json_round_trips() -> None:
    project = Project.from_mapping(
        {
            "total_investment": "500000.00",
            "items": ["server", "lan"],
            "funding": [{"source": "municipal_fiscal", "amount": "500000.00"}],
        }
    )
    assert Project.model_validate_json(project.model_dump_json()) == project
    assert '"500000.00"' in project.to_json()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("contract_signing", "contract_filing"),
        ("completion", "final_acceptance"),
        ("trial_run_start", "trial_run_end"),
        ("application", "approval"),
    ],
)
def test_impossible_date_orders_are_refused_at_the_step(before: str, after: str) -> None:
    steps = {before: {"date": "2025-03-02"}, after: {"date": "2025-03-01"}}
    with pytest.raises(ProjectError) as info:
        Project.from_mapping({"steps": steps})
    (issue,) = info.value.issues
    assert issue.path == f"steps.{after}.date"
    assert "cannot be before" in issue.msg
    steps[after]["date"] = "2025-03-02"
    Project.from_mapping({"steps": steps})


def test_enormous_lists_are_refused() -> None:
    funding = [{"source": "self_raised", "amount": "1"}] * 101
    with pytest.raises(ProjectError) as info:
        Project.from_mapping({"funding": funding})
    assert info.value.issues[0].path == "funding"
