"""The Project model: exact money, unknown is not false, errors as records with field paths."""

from __future__ import annotations

import json
import os
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policyengine import Project, ProjectError
from policyengine._inputs import AMOUNT_PATTERN
from policyengine.errors import ProjectIssue
from policyengine.facts import FACTS, FactType
from policyengine.project import FACT_FIELDS, GROUPS, group_facts


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (1.5, "must not be a float"),
        ("NaN", "must be finite"),
        ("Infinity", "must be finite"),
        ("-1", "must not be negative"),
        ("0.001", "at most two decimal places"),
        ("10000000000000000", "below 10^15"),
        (True, "not a boolean"),
        ("五十万", "is not a decimal amount"),
    ],
)
def test_bad_amounts_are_rejected_with_the_field_path(value: object, message: str) -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_facts({"total_investment": value})
    (issue,) = info.value.issues
    assert issue.path == "total_investment"
    assert message in issue.msg


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("500000", Decimal("500000")),
        (500000, Decimal(500000)),
        ("1200000.50", Decimal("1200000.50")),
        ("0.10", Decimal("0.10")),
        (Decimal("12.30"), Decimal("12.30")),
    ],
)
def test_amounts_are_exact_decimals(value: object, expected: Decimal) -> None:
    project = Project.from_facts({"total_investment": value})
    assert project.money.total_investment == expected
    assert isinstance(project.money.total_investment, Decimal)


# --- Strict numbers, bounded collections and JSON input (security review B5, B7) -------------------


def _issue(data: dict[str, object]) -> ProjectIssue:
    with pytest.raises(ProjectError) as info:
        Project.from_facts(data)
    (issue,) = info.value.issues
    return issue


def test_a_huge_integer_fact_is_refused_quickly_without_being_converted() -> None:
    # B5: a JSON `1e1000000` (read as Decimal) used to become a million-digit int, and every
    # comparison with it took seconds.
    started = time.perf_counter()
    issue = _issue({"secrecy_pool_experts": Decimal("1e1000000")})
    assert issue.path == "secrecy_pool_experts"
    assert "too large" in issue.msg
    with pytest.raises(ProjectError) as info:
        Project.from_json('{"secrecy_pool_experts": 1e1000000}')
    # JSON text is refused by its reader before the number is even a Decimal.
    assert info.value.issues[0].type == "json.bad_number"
    assert time.perf_counter() - started < 5


INTEGER_FIELDS = [name for name, spec in FACTS.items() if spec.kind is FactType.INT]


def test_the_integer_facts_are_the_ones_bounded_here() -> None:
    assert sorted(INTEGER_FIELDS) == ["mlps_level", "plan_year", "secrecy_pool_experts"]


def _fact_schema(name: str) -> dict[str, Any]:
    group, field = FACT_FIELDS[name]
    schema = Project.model_json_schema()
    model = GROUPS[group].__name__
    properties: dict[str, dict[str, Any]] = schema["$defs"][model]["properties"]
    return properties[field]


@pytest.mark.parametrize("name", INTEGER_FIELDS)
@pytest.mark.parametrize(
    "value", [10**7, "10000000", Decimal("1e30"), 10**4000], ids=["int", "str", "decimal", "huge"]
)
def test_every_integer_fact_has_an_upper_bound(name: str, value: object) -> None:
    assert _issue({name: value}).path == name


@pytest.mark.parametrize("name", INTEGER_FIELDS)
def test_integer_bounds_are_published_in_the_schema(name: str) -> None:
    (integer,) = [
        branch for branch in _fact_schema(name)["anyOf"] if branch.get("type") == "integer"
    ]
    assert {"minimum", "maximum"} <= set(integer)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (True, "not a boolean"),
        (False, "not a boolean"),
        (3.0, "binary float"),
        (Decimal("3.5"), "whole number"),
        (Decimal("NaN"), "finite"),
        ("3.0", "no decimal point"),
        ("three", "not a whole number"),
        (" 3", "spaces"),
        ("٣", "only the ASCII digits"),
        ("３", "only the ASCII digits"),
        ("1_0", "separators"),
        ("-3", "negative"),
        ("+3", "no sign"),
        ("3e0", "exponents"),
        ("9" * 50, "too large"),
        ([3], "whole number is expected"),
    ],
)
def test_integer_facts_accept_only_whole_numbers(value: object, message: str) -> None:
    issue = _issue({"secrecy_pool_experts": value})
    assert issue.path == "secrecy_pool_experts"
    assert message in issue.msg


@pytest.mark.parametrize("value", [3, "3", "03", Decimal(3), Decimal("3.00"), Decimal("0E+9")])
def test_integer_facts_read_ints_digit_strings_and_integral_decimals(value: object) -> None:
    expected = 0 if value == 0 else 3
    assert (
        Project.from_facts({"secrecy_pool_experts": value}).fact("secrecy_pool_experts") == expected
    )


@pytest.mark.parametrize(
    ("field", "huge"),
    [
        ("items", ["spaceship"] * 190_000),
        ("documents", ["lost_document"] * 190_000),
        ("funding", [{"source": "nowhere"}] * 190_000),
        ("budget_changes", [{"increase": "x"}] * 190_000),
        ("steps", {f"step_{i}": {} for i in range(190_000)}),
    ],
)
def test_a_huge_collection_is_refused_as_one_issue(field: str, huge: object) -> None:
    # B7: each bad member used to give its own issue (a 182 MB message for 190,000 items).
    issue = _issue({field: huge})
    assert issue.path == field
    assert issue.type == "too_long"
    assert "190000" in issue.msg


@pytest.mark.parametrize(
    ("collection", "huge"),
    [
        ("dates", ["not a date"] * 190_000),
        ("dates", ["2025-01-01"] * 190_000),
        ("joint_authorities", ["nobody"] * 190_000),
        ("joint_authorities", ["finance"] * 190_000),
    ],
)
def test_a_huge_collection_of_a_step_is_refused_as_one_issue(collection: str, huge: object) -> None:
    # Every step of every project is read with its lists: each is bounded, and one too long is
    # refused as one issue without its members being read one by one (a set validated member by
    # member took seconds for 100,000 bad members).
    with pytest.raises(ProjectError) as raised:
        Project.from_facts({"steps": {"progress_report": {collection: huge}}})
    (issue,) = raised.value.issues
    assert issue.path == f"steps.progress_report.{collection}"
    assert issue.type == "too_long"
    assert "190000" in issue.msg


def test_collections_below_their_bound_are_read() -> None:
    project = Project.from_facts({"items": ["server"] * 1000, "funding": []})
    assert project.content.items == frozenset({"server"})
    assert _issue({"items": ["server"] * 1001}).path == "items"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("4,8", "separators"),
        ("1,200,000.50", "separators"),
        ("1_000", "separators"),
        ("1 000", "spaces"),
        (" 480000", "spaces"),
        ("480000\n", "spaces"),
        ("１２３", "only the ASCII digits"),
        ("١٢٣", "only the ASCII digits"),
        ("1e6", "exponents"),
        ("1E+6", "exponents"),
        ("nan", "finite"),
        ("-Infinity", "finite"),
        ("-0", "must not be negative"),
        ("+5", "no sign"),
        ("12.300", "at most two decimal places"),
        ("1.2345678万", "at most six decimal places"),
        (".5", "not a decimal amount"),
        ("5.", "not a decimal amount"),
        ("", "not a decimal amount"),
        ("48万万", "not a decimal amount"),
        ("48元万", "not a decimal amount"),
        ("48亿", "not a decimal amount"),
        ("0x10", "not a decimal amount"),
    ],
)
def test_amount_strings_outside_the_rule_are_refused_with_the_accepted_forms(
    value: str, reason: str
) -> None:
    issue = _issue({"total_investment": value})
    assert issue.path == "total_investment"
    assert reason in issue.msg
    assert "'480000.50'" in issue.msg
    assert "'4.8万元'" in issue.msg


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("4800000", "4800000"),
        ("4800000.5", "4800000.5"),
        ("4800000.50", "4800000.50"),
        ("4800000元", "4800000"),
        ("4800000.05元", "4800000.05"),
        ("480万", "4800000"),
        ("480万元", "4800000"),
        ("4.5万元", "45000"),
        ("4.50万", "45000"),
        ("0.000001万", "0.01"),
        ("1.234567万元", "12345.67"),
        ("99999999999.999999万", "999999999999999.99"),
        (4800000, "4800000"),
        (Decimal("4800000.05"), "4800000.05"),
        (Decimal("1E+6"), "1000000"),
        (Decimal("-0"), "0"),
        (Decimal("-0.00"), "0.00"),
    ],
)
def test_amounts_are_read_exactly_in_their_documented_forms(value: object, expected: str) -> None:
    amount = Project.from_facts({"total_investment": value}).fact("total_investment")
    assert isinstance(amount, Decimal)
    assert str(amount) == expected


@pytest.mark.parametrize(
    "value",
    [Decimal("12.300"), Decimal("0E-999999999"), Decimal("1e1000000"), 10**4000, -1, 4.8],
    ids=["places", "tiny-zero", "huge-decimal", "huge-int", "negative", "float"],
)
def test_amount_numbers_outside_the_rule_are_refused(value: object) -> None:
    assert _issue({"total_investment": value}).path == "total_investment"


def test_a_negative_zero_amount_is_not_echoed() -> None:
    project = Project.from_facts({"total_investment": Decimal("-0.00")})
    assert "-0" not in project.to_json()
    assert not project.money.total_investment.is_signed()  # type: ignore[union-attr]


def test_every_amount_field_states_its_unit_and_string_form_in_the_schema() -> None:
    schema = Project.model_json_schema()
    properties = [
        (name, prop)
        for model in [schema, *schema["$defs"].values()]
        for name, prop in model.get("properties", {}).items()
    ]
    pattern = json.dumps(AMOUNT_PATTERN, ensure_ascii=False)
    amounts = [(n, p) for n, p in properties if pattern in json.dumps(p, ensure_ascii=False)]
    assert len(amounts) == 14
    for name, prop in amounts:
        assert "in yuan (元)" in prop["description"], name


@pytest.mark.parametrize(
    "value", ["480000", "480000.5", "480000.50", "480000元", "48万", "4.8万元", "4,8", "1e6", "-1"]
)
def test_the_schema_pattern_accepts_exactly_the_strings_the_model_accepts(value: str) -> None:
    try:
        Project.from_facts({"total_investment": value})
        accepted = True
    except ProjectError:
        accepted = False
    assert bool(re.fullmatch(AMOUNT_PATTERN, value)) is accepted


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (2.5, "binary float"),
        (True, "not a boolean"),
        ("2,5", "separators"),
        ("2.555", "at most two decimal places are"),
        ("100", "below 100"),
    ],
)
def test_years_refuse_floats_and_other_forms(value: object, message: str) -> None:
    issue = _issue({"om_period_years": value})
    assert issue.path == "om_period_years"
    assert message in issue.msg


@pytest.mark.parametrize("value", ["2.5", Decimal("2.5"), 3, "3"])
def test_years_read_exact_decimals(value: object) -> None:
    years = Project.from_facts({"om_period_years": value}).fact("om_period_years")
    assert years == Decimal(value)


def test_from_json_matches_from_mapping_and_from_file(tmp_path: Path) -> None:
    text = json.dumps(
        {
            "name": "平台",
            "money": {
                "total_investment": "480万",
                "budget_estimate": 4800000.5,
                "funding": [{"source": "municipal_fiscal", "amount": 1200000.25}],
            },
            "operation": {"om_period_years": 2.5},
            "procedure": {
                "secrecy_pool_experts": 7,
                "steps": {"approval": {"date": "2025-03-01"}},
            },
        },
        ensure_ascii=False,
    )
    path = tmp_path / "p.json"
    path.write_text(text, encoding="utf-8")
    from_json = Project.from_json(text)
    assert from_json == Project.from_mapping(json.loads(text, parse_float=Decimal))
    assert from_json == Project.from_file(path)
    assert from_json.money.budget_estimate == Decimal("4800000.5")
    assert from_json.money.total_investment == Decimal(4800000)


def test_from_json_reads_numbers_with_a_point_as_decimal() -> None:
    project = Project.from_json('{"money": {"total_investment": 4800000.5}}')
    assert project.money.total_investment == Decimal("4800000.5")
    assert str(project.money.total_investment) == "4800000.5"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not valid JSON"),
        ('{"name": "x"', "not valid JSON"),
        (b"\xff\xfe{", "not valid JSON"),
        ("[" * 100_000 + "]" * 100_000, "not valid JSON"),
        ('{"plan_year": ' + "9" * 5000 + "}", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('"x"', "must be a JSON object"),
    ],
)
def test_from_json_raises_only_project_errors(text: str | bytes, message: str) -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_json(text, source="p.json")
    assert message in str(info.value)
    assert info.value.source == "p.json"


# --- end of the block for B5 and B7 ------------------------------------------------------------------


def test_unknown_is_none_not_false() -> None:
    project = Project.from_facts({})
    assert project.profile.classified is None
    assert project.documents is None
    assert project.content.items is None
    assert project.procedure.steps is None
    assert Project.from_facts({"documents": frozenset()}).documents == frozenset()


def test_unknown_fields_are_rejected_with_a_path() -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_mapping({"owner": {"typ": "school"}, "money": {"total_invesment": "1"}})
    assert sorted(issue.path for issue in info.value.issues) == [
        "money.total_invesment",
        "owner.typ",
    ]
    with pytest.raises(ProjectError) as info:
        Project.from_facts({"owner_typ": "school", "total_invesment": "1"})
    assert sorted(issue.path for issue in info.value.issues) == ["owner_typ", "total_invesment"]
    assert "did you mean 'owner_type'" in str(info.value)


def test_a_fact_outside_its_group_is_told_where_it_belongs() -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_mapping({"total_investment": "1", "money": {"kind": "new_build"}})
    messages = {issue.path: issue.msg for issue in info.value.issues}
    assert messages == {
        "total_investment": "'total_investment' belongs at money.total_investment",
        "money.kind": "'kind' belongs at profile.kind",
    }


def test_a_group_named_in_the_flat_form_is_refused_with_the_reason() -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_facts({"money": {"total_investment": "1"}})
    (issue,) = info.value.issues
    assert issue.path == "money"
    assert "names each fact, not its group" in issue.msg


def test_the_flat_and_grouped_forms_state_the_same_project() -> None:
    facts = {
        "id": "p1",
        "owner_type": "school",
        "owner_level": "district",
        "total_investment": "600000",
        "kind": "upgrade",
        "items": ["server"],
        "documents": {"present": ["project_proposal"]},
        "steps": {"approval": {"date": "2025-03-01"}},
        "funding": [{"source": "district_fiscal", "amount": "600000"}],
    }
    grouped = group_facts(facts)
    assert grouped["owner"] == {"type": "school", "level": "district"}
    assert grouped["procedure"] == {"steps": {"approval": {"date": "2025-03-01"}}}
    project = Project.from_facts(facts)
    assert project == Project.from_mapping(grouped)
    assert Project.from_facts(project.facts_mapping()) == project
    assert project.fact("owner_type") == "school"
    assert project.fact("total_investment") == Decimal(600000)
    assert project.fact("documents") == project.documents
    with pytest.raises(KeyError):
        project.fact("owner")


def test_every_fact_has_one_place() -> None:
    places = list(FACT_FIELDS.values())
    assert len(places) == len(set(places))
    for group, field in places:
        assert field in GROUPS[group].model_fields
    # Every stated fact is read by that name, except the records read through derived facts.
    read = {name for name in FACTS if name in FACT_FIELDS}
    assert read == set(FACT_FIELDS) - {"funding", "budget_changes"}


def test_unknown_vocabulary_member_is_rejected() -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_facts({"items": ["server", "spaceship"]})
    (issue,) = info.value.issues
    assert issue.loc == ("items", 1)
    assert issue.input == "spaceship"


def test_project_loads_from_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "p.yaml"
    yaml_file.write_text(
        "name: 平台\nmoney: {total_investment: 480000.10}\n"
        "procedure:\n  steps:\n    approval: {date: 2025-03-01}\n",
        encoding="utf-8",
    )
    json_file = tmp_path / "p.json"
    json_file.write_text(
        json.dumps(
            {
                "name": "平台",
                "money": {"total_investment": 480000.10},
                "procedure": {"steps": {"approval": {"date": "2025-03-01"}}},
            }
        ).replace("480000.1", "480000.10"),
        encoding="utf-8",
    )
    from_yaml = Project.from_file(yaml_file)
    from_json = Project.from_file(json_file)
    assert from_yaml == from_json
    assert from_yaml.money.total_investment == Decimal("480000.10")


def test_project_file_errors_name_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("profile: {kind: new_buld}\n", encoding="utf-8")
    with pytest.raises(ProjectError) as info:
        Project.from_file(bad)
    assert info.value.source == str(bad)
    assert "kind" in str(info.value)


def test_project_json_round_trips() -> None:
    project = Project.from_facts(
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
        Project.from_facts({"steps": steps})
    (issue,) = info.value.issues
    assert issue.path == f"steps.{after}.date"
    assert "cannot be before" in issue.msg
    steps[after]["date"] = "2025-03-02"
    Project.from_facts({"steps": steps})


def test_enormous_lists_are_refused() -> None:
    funding = [{"source": "self_raised", "amount": "1"}] * 101
    with pytest.raises(ProjectError) as info:
        Project.from_facts({"funding": funding})
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
    text = '{"name": "[[{{", "money": {"total_investment": 480000.10}}'
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    project = Project.from_file(path)
    assert project.money.total_investment == Decimal("480000.10")
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
        Project.from_facts(unknown)
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


# --- Step outcomes: a step taken is not a step passed -------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "passed"),
    [("passed", True), ("conditional", True), ("failed", False), ("pending", None), (None, None)],
)
def test_a_steps_outcome_decides_whether_it_passed(
    outcome: str | None, passed: bool | None
) -> None:
    from policyengine.facts import FactReader

    record = {"date": "2025-03-01", "outcome": outcome}
    project = Project.from_facts({"steps": {"approval": record}})
    facts = FactReader(frozenset({"steps", "approval_passed", "approval_date"})).read(project, None)
    assert "approval" in facts["steps"]  # taken, whatever the outcome
    assert facts["approval_passed"] is passed


def test_an_unknown_outcome_is_refused_with_the_outcomes() -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_facts({"steps": {"approval": {"outcome": "approved"}}})
    assert "passed" in str(info.value)
    assert info.value.issues[0].path == "steps.approval.outcome"


def test_to_json_is_the_same_whatever_the_hash_seed() -> None:
    # Sets (documents, items, categories, joint authorities) iterate in an order that depends on
    # PYTHONHASHSEED; to_json sorts them, so every process writes the same bytes.
    import subprocess
    import sys

    code = (
        "from policyengine import Project\n"
        "print(Project.from_file('examples/project.yaml').to_json())\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            cwd=Path(__file__).resolve().parents[1],
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(outputs) == 1


def test_calling_project_raises_the_error_from_mapping_raises() -> None:
    data = {"money": {"total_investment": 4.5}, "owner": {"level": "planet"}}
    with pytest.raises(ProjectError) as called:
        Project(**data)
    with pytest.raises(ProjectError) as mapped:
        Project.from_mapping(data)
    assert called.value.issues == mapped.value.issues
    assert [issue.loc for issue in called.value.issues] == [
        ("owner", "level"),
        ("money", "total_investment"),
    ]


def test_a_valid_call_still_builds_a_project() -> None:
    assert Project(name="x", money={"total_investment": "1"}) == Project.from_mapping(
        {"name": "x", "money": {"total_investment": "1"}}
    )


def test_repr_shows_the_known_facts_only() -> None:
    assert repr(Project(name="x")) == "Project(name='x')"
    known = Project.from_mapping(
        {"name": "平台", "owner": {"type": "school"}, "money": {"total_investment": "600000"}}
    )
    assert repr(known) == (
        "Project(name='平台', owner=Owner(type=<OwnerType.SCHOOL: 'school'>), "
        "money=Money(total_investment=Decimal('600000')))"
    )


_CJK = re.compile(r"[\u3400-\u9fff]")
_LATIN = re.compile(r"[A-Za-z]")


def _bilingual(description: str) -> bool:
    """ "中文 / English": one separator, Chinese before it and English after it."""
    parts = description.split(" / ")
    return len(parts) == 2 and bool(_CJK.search(parts[0])) and bool(_LATIN.search(parts[1]))


def test_every_fact_is_described_in_chinese_and_english() -> None:
    odd = {
        name: spec.description for name, spec in FACTS.items() if not _bilingual(spec.description)
    }
    assert odd == {}


def test_every_field_of_the_project_schema_is_described_in_chinese_and_english() -> None:
    from policyengine.schemas import schema

    def descriptions(node: Any, path: str) -> list[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        if isinstance(node, dict):
            for key, value in node.get("properties", {}).items():
                if isinstance(value, dict) and "description" in value:
                    found.append((f"{path}.{key}", value["description"]))
            for key, value in node.items():
                found += descriptions(value, f"{path}.{key}" if key != "properties" else path)
        elif isinstance(node, list):
            for item in node:
                found += descriptions(item, path)
        return found

    fields = descriptions(schema("project"), "project")
    assert len(fields) > 150
    assert [(path, text) for path, text in fields if not _bilingual(text)] == []


def test_derived_step_and_funding_facts_take_the_vocabulary_labels() -> None:
    from policyengine.vocabulary import FundingSource, Step

    assert FACTS["approval_date"].description.startswith(Step.APPROVAL.zh)
    assert f"of {Step.APPROVAL.en}" in FACTS["approval_date"].description
    assert FACTS["funding_self_raised"].description.startswith(FundingSource.SELF_RAISED.zh)
