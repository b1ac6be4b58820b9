"""Every JSON the project writes meets its committed schema; the schemas are current and named.

The documents are made by the real command line (in process) and library, on the bundled packs,
the example project and the test fixtures. Each is checked against its committed schema, and
against a closed copy of it (no property beyond those listed), so a field the code writes but the
schema does not describe fails here rather than surprising a reader.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from policyengine import CompiledPack, Project, decide, evaluate, load_pack
from policyengine.cli import main
from policyengine.loader import BUNDLED_PACKS
from policyengine.schemas import (
    BY_NAME,
    FORMATS,
    ID_PREFIX,
    SCHEMAS,
    SchemaError,
    schema_text,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]
SCHEMA_DIR = ROOT / "schema"
EXAMPLE = ROOT / "examples" / "project.yaml"
MINI = ROOT / "tests" / "fixtures" / "mini.yaml"
AS_OF = "2026-11-23"


def committed(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8")
    )
    return data


def closed(node: Any) -> Any:
    """The schema with every object that lists its properties closed to any other."""
    if isinstance(node, dict):
        result = {key: closed(value) for key, value in node.items()}
        if "properties" in result and "additionalProperties" not in result:
            result["additionalProperties"] = False
        return result
    if isinstance(node, list):
        return [closed(value) for value in node]
    return node


def check(name: str, document: Any) -> None:
    """`document` meets the committed schema `name`, open and closed, and states its format."""
    schema = committed(name)
    jsonschema.Draft202012Validator(schema).validate(document)
    jsonschema.Draft202012Validator(closed(schema)).validate(document)
    fmt = BY_NAME[name]
    assert (document["format"], document["format_version"]) == (fmt.format, fmt.version)
    assert validate(document) == []


def run(capsys: pytest.CaptureFixture[str], *args: str, code: int | None = None) -> str:
    """What the command line prints for `args` (run in this process)."""
    returned = main(list(args))
    out = capsys.readouterr().out
    if code is not None:
        assert returned == code, out
    return out


# --- the schemas themselves ----------------------------------------------------------------------


@pytest.mark.parametrize("name", SCHEMAS)
def test_committed_schema_is_current(name: str) -> None:
    text = (SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8")
    assert text == schema_text(name), (
        f"schema/{name}.schema.json is stale: run `policyengine schema --write schema`"
    )


def test_schema_directory_holds_exactly_the_published_schemas() -> None:
    assert sorted(p.name for p in SCHEMA_DIR.iterdir()) == sorted(
        f"{name}.schema.json" for name in SCHEMAS
    )


@pytest.mark.parametrize("name", SCHEMAS)
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(committed(name))


def test_schema_ids_are_unique_and_name_their_format_and_version() -> None:
    ids = [committed(name)["$id"] for name in SCHEMAS]
    assert len(set(ids)) == len(ids)
    for fmt in FORMATS:
        assert committed(fmt.name)["$id"] == f"{ID_PREFIX}{fmt.name}:{fmt.version}" == fmt.id


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f.output], ids=lambda f: f.name)
def test_every_output_schema_requires_its_format_and_version(fmt: Any) -> None:
    schema = committed(fmt.name)
    roots = (
        [schema]
        if "properties" in schema
        else [schema["$defs"][ref["$ref"].rsplit("/", 1)[1]] for ref in schema["anyOf"]]
    )
    for root in roots:
        assert root["properties"]["format"]["const"] == fmt.format
        assert root["properties"]["format_version"]["const"] == fmt.version
        assert root["required"][:2] == ["format", "format_version"]


def test_input_schemas_stay_strict_and_output_schemas_open() -> None:
    # A pack or project with an unknown key is refused; an output may gain fields in a version.
    assert committed("pack")["additionalProperties"] is False
    assert committed("project")["additionalProperties"] is False
    assert "additionalProperties" not in json.dumps(committed("verdict")).replace(
        '"additionalProperties": {', ""
    )


# --- the outputs, as written -------------------------------------------------------------------


def test_evaluate_json_and_every_verdict_in_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("money: {total_investment: -5}\nprofile: {kind: nonsense}\n", encoding="utf-8")
    out = run(capsys, "evaluate", str(EXAMPLE), str(bad), "--format", "json", "--as-of", AS_OF)
    document = json.loads(out)
    check("evaluation", document)
    verdicts = [r for r in document["results"] if r["format"] == "policyengine.verdict"]
    assert [v["pack_id"] for v in verdicts] == list(BUNDLED_PACKS)
    for verdict in verdicts:
        check("verdict", verdict)
    (error,) = [r for r in document["results"] if "error" in r]
    check("batch-record", error)
    # A rejected project carries the per-field issues of its ProjectError.
    issues = error["error"]["issues"]
    assert sorted(issue["loc"] for issue in issues) == [
        ["money", "total_investment"],
        ["profile", "kind"],
    ]
    assert error["error"]["issue_count"] == 2


def test_evaluate_compact(capsys: pytest.CaptureFixture[str]) -> None:
    out = run(capsys, "evaluate", str(EXAMPLE), "--format", "compact", "--as-of", AS_OF)
    document = json.loads(out)
    check("evaluation-compact", document)
    for verdict in document["results"]:
        check("verdict-compact", verdict)


def test_every_json_lines_record(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    records = tmp_path / "records.jsonl"
    project = json.dumps(Project.from_file(EXAMPLE).model_dump(mode="json", exclude_none=True))
    records.write_text(
        f'{project}\n{{"money": {{"total_investment": "1,5"}}, "owner": {{"level": "x"}}}}\n'
        "{broken\n[1]\n",
        encoding="utf-8",
    )
    out = run(capsys, "evaluate", str(records), "--format", "jsonl", "--as-of", AS_OF, code=2)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [("verdicts" in line, line["index"]) for line in lines] == [
        (True, 0),
        (False, 1),
        (False, 2),
        (False, 3),
    ]
    for line in lines:
        check("batch-record", line)
    for verdict in lines[0]["verdicts"]:
        check("verdict", verdict)
    assert {issue["loc"][0] for issue in lines[1]["error"]["issues"]} == {"money", "owner"}
    assert lines[2]["error"]["code"] == "json.syntax"


@pytest.mark.parametrize("pack_name", BUNDLED_PACKS)
def test_decisions_of_every_pack(pack_name: str) -> None:
    pack = load_pack(pack_name)
    project = Project.from_file(EXAMPLE)
    day = dt.date.fromisoformat(AS_OF)
    document = json.loads(decide(project, pack, as_of=day).to_json())
    check("decisions", document)
    # The route is the band id the full verdict's route holds, and nothing else differs.
    verdict = evaluate(project, pack, as_of=day)
    assert document["route"] == (verdict.route.band_id if verdict.route else None)
    assert document["statuses"] == {f.rule_id: f.status.value for f in verdict.findings}
    assert document["status"] == verdict.status.value


def test_decisions_record_has_every_field_of_decisions() -> None:
    from dataclasses import fields

    from policyengine import Decisions
    from policyengine.verdict import DecisionsRecord

    assert [f.name for f in fields(Decisions)] == list(DecisionsRecord.model_fields)[2:]


@pytest.mark.parametrize("pack_name", BUNDLED_PACKS)
def test_rules_and_thresholds_of_every_pack(
    capsys: pytest.CaptureFixture[str], pack_name: str
) -> None:
    check("rules", json.loads(run(capsys, "rules", pack_name, code=0)))
    thresholds = json.loads(run(capsys, "thresholds", pack_name, "--format", "json", code=0))
    check("thresholds", thresholds)
    spec = load_pack(pack_name).spec
    assert [t["name"] for t in thresholds["thresholds"]] == list(spec.thresholds)
    assert [t["table_id"] for t in thresholds["tables"]] == [t.id for t in spec.decision_tables]


def test_thresholds_give_each_band_its_interval(capsys: pytest.CaptureFixture[str]) -> None:
    # As the text form reads them: [0, 500000) filing, [500000, +inf) approval.
    document = json.loads(run(capsys, "thresholds", "wuhan", "--format", "json", code=0))
    bands = document["tables"][0]["bands"]
    assert [
        (b["band_id"], b["min"], b["min_inclusive"], b["max"], b["max_inclusive"]) for b in bands
    ] == [
        ("filing", "0", True, "500000", False),
        ("approval", "500000", True, None, None),
    ]


def test_facts(capsys: pytest.CaptureFixture[str]) -> None:
    document = json.loads(run(capsys, "facts", "--format", "json", code=0))
    check("facts", document)
    by_name = {fact["name"]: fact for fact in document["facts"]}
    assert by_name["total_investment"]["place"] == "money"
    assert "feasibility_study_report" in by_name["documents"]["values"]


def test_coverage_lines(capsys: pytest.CaptureFixture[str]) -> None:
    lines = run(capsys, "coverage", "--format", "json", code=0).splitlines()
    assert len(lines) == len(BUNDLED_PACKS)
    for line in lines:
        check("coverage", json.loads(line))


def test_diff_and_explanation(capsys: pytest.CaptureFixture[str]) -> None:
    check("diff", json.loads(run(capsys, "diff", "wuhan", "zhanggong", "--format", "json")))
    out = run(
        capsys,
        *("explain", str(EXAMPLE), "--pack", "wuhan", "--rule", "wh-12-rely-on-shared-facilities"),
        *("--as-of", AS_OF, "--format", "json"),
        code=0,
    )
    check("explanation", json.loads(out))


def test_lint_of_good_and_broken_packs(capsys: pytest.CaptureFixture[str]) -> None:
    broken = [
        str(ROOT / "tests" / d) for d in ("invalid/unknown_key.yaml", "lint/unused_threshold.yaml")
    ]
    out = run(capsys, "lint", "policies", *broken, "--format", "json", code=1)
    document = json.loads(out)
    check("lint", document)
    levels = {issue["level"] for pack in document["packs"] for issue in pack["issues"]}
    assert levels == {"error", "warning"}
    assert [p["pack_id"] for p in document["packs"]][: len(BUNDLED_PACKS)] == sorted(BUNDLED_PACKS)


def test_test_report(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    failing = tmp_path / "failing.yaml"
    failing.write_text(
        f"pack: {MINI}\ncases:\n  - name: wrong route\n    project: {{total_investment: '1'}}\n"
        "    expect: {route: approval}\n",
        encoding="utf-8",
    )
    out = run(
        capsys,
        "test",
        str(ROOT / "tests" / "packs" / "mini"),
        str(failing),
        "--format",
        "json",
        code=1,
    )
    document = json.loads(out)
    check("test", document)
    assert (document["passed"], document["failed"]) == (1, 1)
    assert document["cases"][1]["problems"] == ["route: expected 'approval', got 'filing'"]


def test_mutation_report(capsys: pytest.CaptureFixture[str]) -> None:
    cases = str(ROOT / "tests" / "fixtures" / "mutate")
    out = run(
        capsys,
        "mutate",
        str(MINI),
        "--cases",
        cases,
        "--jobs",
        "1",
        "--no-cache",
        "--format",
        "json",
    )
    check("mutation", json.loads(out))


def test_verdict_of_a_small_pack(mini: CompiledPack) -> None:
    verdict = evaluate(
        {"money": {"total_investment": "500000"}, "content": {"items": ["machine_room"]}}, mini
    )
    check("verdict", json.loads(verdict.to_json()))


def test_bundled_packs_validate_against_the_pack_schema() -> None:
    from policyengine._yaml import load_yaml
    from policyengine.loader import bundled_pack_path

    validator = jsonschema.Draft202012Validator(committed("pack"))
    for name in BUNDLED_PACKS:
        path = bundled_pack_path(name)
        data, _ = load_yaml(path.read_text(encoding="utf-8"), str(path))
        errors = [e.message for e in validator.iter_errors(_jsonable(data))]
        assert not errors, f"{name}: {errors[:3]}"


def _jsonable(value: object) -> object:
    # YAML gives Decimals and dates; the JSON Schema speaks of JSON numbers and strings.
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- validate --------------------------------------------------------------------------------------


def test_validate_locates_each_violation(mini: CompiledPack) -> None:
    document = json.loads(evaluate({"money": {"total_investment": "1"}}, mini).to_json())
    document["findings"][0]["status"] = "maybe"
    del document["pack_id"]
    assert [str(v) for v in validate(document)] == [
        "$: 'pack_id' is a required property",
        "$.findings[0].status: 'maybe' is not one of "
        "['pass', 'fail', 'unknown', 'not_applicable', 'error']",
    ]


def test_validate_names_a_version_it_does_not_read() -> None:
    (violation,) = validate({"format": "policyengine.verdict", "format_version": 2})
    assert str(violation) == (
        "$.format_version: 2: this library reads and writes version 1 of policyengine.verdict"
    )


@pytest.mark.parametrize(
    ("document", "name", "message"),
    [
        ({"pack_id": "x"}, None, "schema.unknown: the document states no format"),
        ({"format": "policyengine.nothing"}, None, "schema.unknown: unknown format"),
        ({}, "verdicts", "schema.unknown: no schema 'verdicts'"),
    ],
)
def test_validate_refuses_what_it_cannot_check(
    document: dict[str, Any], name: str | None, message: str
) -> None:
    with pytest.raises(SchemaError) as caught:
        validate(document, name)
    assert str(caught.value).startswith(message)
    assert caught.value.hint


def test_validate_command(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    good = tmp_path / "rules.json"
    good.write_text(run(capsys, "rules", "wuhan"), encoding="utf-8")
    lines = tmp_path / "coverage.json"  # JSON Lines, without the .jsonl suffix
    lines.write_text(run(capsys, "coverage", "--format", "json"), encoding="utf-8")
    assert main(["validate", str(good), str(lines)]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"{good}: 1 document valid",
        f"{lines}: {len(BUNDLED_PACKS)} documents valid",
    ]
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "policyengine.rules", "format_version": 1}', encoding="utf-8")
    assert main(["validate", str(bad)]) == 1
    assert f"{bad}: $: 'pack_id' is a required property" in capsys.readouterr().out
    assert main(["validate", str(good), "--schema", "verdict"]) == 1
    capsys.readouterr()
    unknown = tmp_path / "unknown.json"
    unknown.write_text("[1, 2]", encoding="utf-8")
    assert main(["validate", str(unknown)]) == 2
    assert "schema.unknown: the document states no format" in capsys.readouterr().err
    broken = tmp_path / "broken.json"
    broken.write_text("{", encoding="utf-8")
    assert main(["validate", str(broken)]) == 2
    assert "json.syntax" in capsys.readouterr().err


def test_validate_reads_json_lines_line_by_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    lines = run(capsys, "coverage", "--format", "json").splitlines()
    records = tmp_path / "coverage.jsonl"
    records.write_text(
        "\n".join([lines[0], '{"format": "policyengine.coverage", "format_version": 1}', "{"]),
        encoding="utf-8",
    )
    good = tmp_path / "facts.json"
    good.write_text(run(capsys, "facts", "--format", "json"), encoding="utf-8")
    assert main(["validate", str(records), str(good)]) == 2
    captured = capsys.readouterr()
    assert f"{records}:2: $: 'accounted' is a required property" in captured.out
    assert f"{records}:3:2: json.syntax" in captured.err
    # A file after a bad one is still reported.
    assert captured.out.splitlines()[-1] == f"{good}: 1 document valid"
