"""Projects from flat rows (`Project.from_row`) and CSV files: blank cells are unknown facts,
cells are read by their fact's type, and errors name the column."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from policyengine import Project, ProjectError, decide, load_pack
from policyengine.cli import main
from policyengine.vocabulary import Document, FundingSource, Item, Step

NAN = float("nan")  # what pandas gives for an empty cell

IN_SCOPE = {
    "owner_type": "administrative_organ",
    "owner_level": "district",
    "kind": "new_build",
    "categories": "business_application_system",
}


@pytest.mark.parametrize("cell", [None, "", "   ", NAN])
def test_a_blank_cell_is_an_unknown_fact(cell: Any) -> None:
    row = {"in_annual_plan": cell, "total_investment": cell, "items": cell, "plan_year": cell}
    assert Project.from_row(row) == Project()


@pytest.mark.parametrize(
    ("cell", "value"),
    [
        ("true", True),
        ("FALSE", False),
        ("yes", True),
        ("No", False),
        ("是", True),
        ("否", False),
        ("1", True),
        ("0", False),
        (1.0, True),
        (0, False),
        (True, True),
    ],
)
def test_yes_no_cells(cell: Any, value: bool) -> None:
    assert Project.from_row({"in_annual_plan": cell}).procedure.in_annual_plan is value


@pytest.mark.parametrize("cell", ["machine_room;lan", "machine_room、lan", " machine_room ; lan ;"])
def test_a_set_is_written_with_either_separator(cell: str) -> None:
    assert Project.from_row({"items": cell}).content.items == {Item.MACHINE_ROOM, Item.LAN}


def test_amounts_follow_the_amount_rules_and_a_float_is_read_as_it_prints() -> None:
    project = Project.from_row(
        {"total_investment": "480万", "approved_investment": 4800000.5, "budget_estimate": 12.0}
    )
    assert project.money.total_investment == Decimal(4800000)
    assert project.money.approved_investment == Decimal("4800000.5")
    assert project.money.budget_estimate == Decimal(12)


def test_a_whole_number_read_by_pandas_as_a_float_is_an_integer() -> None:
    assert Project.from_row({"plan_year": 2025.0}).procedure.plan_year == 2025
    assert Project.from_row({"plan_year": "2025"}).procedure.plan_year == 2025


def test_funding_columns_become_funding_shares_and_put_the_project_in_scope() -> None:
    row = {**IN_SCOPE, "total_investment": 2000000.0, "funding_district_fiscal": "200万"}
    project = Project.from_row(row)
    (share,) = project.money.funding or []
    assert (share.source, share.amount) == (FundingSource.DISTRICT_FISCAL, Decimal(2000000))
    assert decide(project, load_pack("zhanggong"), stage="application").in_scope is True
    sources = Project.from_row({"funding_sources": "self_raised;district_fiscal"})
    assert [(s.source, s.amount) for s in sources.money.funding or []] == [
        (FundingSource.SELF_RAISED, None),
        (FundingSource.DISTRICT_FISCAL, None),
    ]


def test_steps_and_documents_are_sets_of_names() -> None:
    project = Project.from_row(
        {"steps": "application、approval", "documents": "feasibility_study_report"}
    )
    assert set(project.procedure.steps or {}) == {Step.APPLICATION, Step.APPROVAL}
    assert project.documents == {Document.FEASIBILITY_STUDY_REPORT}


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ({"in_annual_plan": "maybe"}, "in_annual_plan", "true/false, yes/no, 是/否 or 1/0"),
        ({"total_investment": "4,8"}, "total_investment", "separators"),
        ({"total_investment": float("inf")}, "total_investment", "finite"),
        ({"funding_sources": "gold"}, "funding_sources", "district_fiscal"),
        ({"approval_date": "2024-01-01"}, "approval_date", "derived fact, read from procedure"),
        ({"totl_investment": "1"}, "totl_investment", "did you mean 'total_investment'"),
        ({"owner_type": "ministry"}, "owner_type", "administrative_organ"),
    ],
)
def test_errors_name_the_column(row: dict[str, Any], column: str, message: str) -> None:
    with pytest.raises(ProjectError) as info:
        Project.from_row(row, source="projects.csv:2")
    (issue,) = info.value.issues
    assert issue.path == column
    assert message in issue.msg
    assert str(info.value).startswith("project.invalid: projects.csv:2: ")


def test_evaluate_reads_a_csv_file_one_project_a_row(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "projects.csv"
    table.write_text(
        "\ufeffid,owner_type,owner_level,kind,categories,total_investment,funding_district_fiscal,"
        "in_annual_plan\n"
        "a,administrative_organ,district,new_build,business_application_system,2000000,200万,是\n"
        "b,administrative_organ,district,new_build,business_application_system,1,1,maybe\n",
        encoding="utf-8",
    )
    code = main(
        [
            "evaluate",
            str(table),
            "--pack",
            "zhanggong",
            "--stage",
            "application",
            "--format",
            "jsonl",
        ]
    )
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["source"] for r in records] == [f"{table}:2", f"{table}:3"]
    assert records[0]["verdicts"][0]["project_id"] == "a"
    assert records[0]["verdicts"][0]["in_scope"] is True
    assert records[1]["error"]["code"] == "project.invalid"
    assert "in_annual_plan" in records[1]["error"]["message"]
    assert code == 2


def test_a_row_with_more_cells_than_the_header_is_one_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = tmp_path / "projects.csv"
    table.write_text("id,total_investment\na,4,8\n", encoding="utf-8")
    code = main(["evaluate", str(table), "--pack", "wuhan", "--format", "jsonl"])
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert record["error"]["code"] == "project.bad_csv"
    assert "1 more cells" in record["error"]["message"]
    assert code == 2


def test_the_readme_example_reads_a_csv_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python", readme.index("### Rows")) + len("```python")
    code = readme[start : readme.index("```", start)]
    (tmp_path / "projects.csv").write_text(
        "id,owner_type,owner_level,kind,categories,total_investment,funding_district_fiscal\n"
        "a,administrative_organ,district,new_build,business_application_system,2000000,200万\n"
        "b,administrative_organ,district,new_build,business_application_system,300000,30万\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out.splitlines() == ["a city_review", "b filing"]
