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


# --- Reading project files and reporting errors within bounds (security review B7, B8) ---


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize(
    ("text", "code", "line", "column"),
    [
        ('{"plan_year": ' + "9" * 5000 + "}", "json.bad_number", 1, 15),
        ('{"name": "x",\n "plan_year": 1e5000}', "json.bad_number", 2, 15),
        ('{"plan_year": 1e-31}', "json.bad_number", 1, 15),
        ('{"plan_year": 1e999999999999999999999}', "json.bad_number", 1, 15),
        ('{"name": ' + _nested(985) + "}", "json.too_deep", 1, 73),
        ('{"name": ' + _nested(100_000) + "}", "json.too_deep", 1, 73),
        ('{"name": "a",\n "name": "b"}', "json.duplicate_key", 2, 2),
        ('{"owner": {"type": "x", "type": "y"}}', "json.duplicate_key", 1, 25),
        ('{"name": "[[[[", "id": }', "json.syntax", 1, 24),
    ],
    ids=[
        "5000-digit-int",
        "huge-exponent",
        "tiny-exponent",
        "beyond-decimal",
        "985-deep",
        "100000-deep",
        "duplicate-key",
        "nested-duplicate-key",
        "syntax",
    ],
)
def test_hostile_json_project_files_are_located_library_errors(
    tmp_path: Path, text: str, code: str, line: int, column: int
) -> None:
    from policyengine import PackError

    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as info:
        Project.from_file(path)
    assert info.value.code == code
    assert info.value.location is not None
    assert (info.value.location.path, info.value.location.line) == (str(path), line)
    assert info.value.location.column == column
    assert info.value.hint
    assert len(str(info.value)) < 1_000


def test_json_project_files_read_exact_decimals_and_accept_a_bom(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    text = '{"name": "[[{{", "total_investment": 480000.10, "plan_year": 2025}'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    project = Project.from_file(path)
    assert project.total_investment == Decimal("480000.10")
    assert project.name == "[[{{"


def test_json_and_yaml_refuse_nesting_at_the_same_depth(tmp_path: Path) -> None:
    from policyengine import _json, _yaml

    assert _json.MAX_DEPTH == _yaml.MAX_DEPTH
    inner = "[" * (_json.MAX_DEPTH - 1) + "]" * (_json.MAX_DEPTH - 1)
    path = tmp_path / "p.json"
    path.write_text('{"name": ' + inner + "}", encoding="utf-8")
    with pytest.raises(ProjectError):  # parsed (64 levels), then refused by the model
        Project.from_file(path)


def test_yaml_project_file_with_a_huge_hex_integer_is_a_library_error(tmp_path: Path) -> None:
    from policyengine import PolicyEngineError

    path = tmp_path / "p.yaml"
    path.write_text("name: x\nplan_year: 0x" + "f" * 4000 + "\n", encoding="utf-8")
    with pytest.raises(PolicyEngineError) as info:
        Project.from_file(path)
    assert len(str(info.value)) < 1_000


def test_project_error_keeps_twenty_issues_and_counts_the_rest() -> None:
    from policyengine.errors import MAX_ISSUES, ProjectIssue

    issues = [ProjectIssue(loc=("items", i), msg="not an item", input="x") for i in range(5000)]
    error = ProjectError(issues)
    assert MAX_ISSUES == 20
    assert len(error.issues) == 20
    assert error.issue_count == 5000
    assert error.issues[-1].loc == ("items", 19)
    assert str(error).count("not an item") == 20
    assert "... and 4,980 more" in str(error)
    unknown = {f"fact_{i}": 1 for i in range(300)}
    with pytest.raises(ProjectError) as info:
        Project.from_mapping(unknown)
    assert (len(info.value.issues), info.value.issue_count) == (20, 300)


def test_project_error_shows_huge_and_deep_inputs_shortly() -> None:
    from policyengine.errors import ProjectIssue

    deep: list[object] = []
    for _ in range(100_000):
        deep = [deep]
    inputs = [10**5000, -(10**5000), deep, "x" * 1_000_000, Decimal("9" * 5000), {"a": deep}]
    issues = [ProjectIssue(loc=("name",), msg="bad", input=value) for value in inputs]
    text = str(ProjectError(issues))
    assert len(text) < 1_000
    assert "<integer of 16,610 bits>" in text
    assert "<decimal of 5,000 digits>" in text


@pytest.mark.parametrize(
    ("text", "deep"),
    [
        ('{"name": "' + "[" * 200 + '"}', False),  # brackets inside a string are not nesting
        ('{"name": "\\"' + "{" * 200 + '"}', False),  # nor after an escaped quote
        ('{"a\\\\": ' + "[" * 70 + "]" * 70 + "}", True),  # an escaped backslash ends no string
        ('{"a": "\\\\", "b": ' + "[" * 70 + "]" * 70 + "}", True),
        ("[" * 63 + "]" * 63, False),
        ("[" * 65 + "]" * 65, True),
        ("[[1, 2], [3, 4]]" * 50, False),  # many brackets, shallow (then a syntax error)
    ],
)
def test_json_depth_is_read_outside_strings(text: str, deep: bool) -> None:
    from policyengine import PackError, _json

    code = None
    try:
        _json.loads(text, "x")
    except PackError as exc:
        code = exc.code
    assert (code == "json.too_deep") == deep
