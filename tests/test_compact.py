"""The compact verdict: lossless against the full one, given the pack's rule table."""

from __future__ import annotations

import json
import subprocess
import sys
import weakref
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from policyengine import Project, evaluate, load_pack
from policyengine.compact import FORMAT_VERSION, compact, compact_json, findings, rule_table
from policyengine.loader import BUNDLED_PACKS, CompiledPack
from policyengine.schemas import schema_text
from policyengine.testing import iter_case_files, load_cases
from policyengine.verdict import DeadlineResult, Verdict

ROOT = Path(__file__).resolve().parents[1]


def _verdicts(name: str) -> list[Verdict]:
    pack = load_pack(name)
    verdicts = []
    for file in iter_case_files(ROOT / "tests" / "packs" / name):
        for case in load_cases(file):
            if "error" in case.expect:
                continue
            project = Project.from_facts(case.project)
            verdicts.append(evaluate(project, pack, stage=case.stage, as_of=case.as_of))
    return verdicts


_REBUILT = (
    "rule_id",
    "status",
    "facts",
    "missing_facts",
    "missing_documents",
    "prohibited_items",
    "exception",
    "justification",
    "assumptions",
    "consequences",
    "deadline",
    "error",
)


def said(findings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What findings (JSON data) say that `compact.findings` rebuilds: every field but those
    of the rule table and the message; a deadline as its model reads it, an assumption as the
    compact form states it."""
    out = []
    for finding in findings:
        kept = {name: finding.get(name) for name in _REBUILT}
        for name in ("missing_facts", "missing_documents", "prohibited_items", "consequences"):
            kept[name] = kept[name] or []
        if kept["deadline"] is not None:
            kept["deadline"] = DeadlineResult.model_validate(kept["deadline"])
        kept["assumptions"] = [
            (a["exception_id"], a.get("rule_id"), a.get("missing_facts", []))
            for a in kept["assumptions"] or []
        ]
        out.append(kept)
    return out


_TABLES: dict[int, tuple[weakref.ref[CompiledPack], dict[str, Any]]] = {}


def rebuilt(written: str, pack: CompiledPack) -> list[dict[str, Any]]:
    """The findings of a compact verdict's JSON, rebuilt with its pack's rule table (as
    `policyengine rules` prints it: without empty fields)."""
    known = _TABLES.get(id(pack))
    if known is None or known[0]() is not pack:
        table = json.loads(rule_table(pack).model_dump_json(exclude_defaults=True))
        known = _TABLES[id(pack)] = (weakref.ref(pack), table)
    return said(findings(json.loads(written), known[1]))


def stated(verdict: Verdict) -> list[dict[str, Any]]:
    """The findings of the full verdict, as `rebuilt` gives them."""
    return said(json.loads(verdict.to_json())["findings"])


@pytest.mark.parametrize("name", BUNDLED_PACKS)
def test_nothing_a_project_made_of_its_rules_is_lost(name: str) -> None:
    pack = load_pack(name)
    for verdict in _verdicts(name):
        data = json.loads(compact_json(verdict, pack))
        assert data["format_version"] == FORMAT_VERSION
        assert data["status"] == verdict.status.value
        assert data.get("in_scope") == verdict.in_scope
        assert data.get("route") == (verdict.route.band_id if verdict.route else None)
        assert rebuilt(compact_json(verdict, pack), pack) == stated(verdict)


def test_findings_are_rebuilt_only_with_the_rule_table_of_the_verdicts_pack() -> None:
    pack = load_pack("wuhan")
    verdict = next(v for v in _verdicts("wuhan") if v.findings)
    data = json.loads(compact_json(verdict, pack))
    table = json.loads(rule_table(pack).model_dump_json())
    assert len(findings(data, table)) == len(verdict.findings)
    other = json.loads(rule_table(load_pack("mengyin")).model_dump_json())
    with pytest.raises(
        ValueError, match=r"of pack wuhan version 2021\.1, the rule table of mengyin"
    ):
        findings(data, other)
    with pytest.raises(ValueError, match="for the rule table's"):
        findings(data, {**table, "rules": table["rules"][1:]})


def test_an_in_scope_zhanggong_verdict_is_under_15_kb() -> None:
    pack = load_pack("zhanggong")
    (case, *_) = load_cases(ROOT / "tests" / "packs" / "zhanggong" / "application.yaml")
    verdict = evaluate(Project.from_facts(case.project), pack, stage="audit", as_of=case.as_of)
    assert verdict.in_scope is True
    assert len(verdict.findings) == len(pack.rules)  # every rule due at the last stage
    full, small = len(verdict.to_json().encode()), len(compact_json(verdict, pack).encode())
    assert small < 15_000 < full


@pytest.mark.parametrize("name", BUNDLED_PACKS)
def test_compact_verdicts_and_rule_tables_meet_their_published_schemas(name: str) -> None:
    pack = load_pack(name)
    verdict_schema = json.loads(schema_text("verdict-compact"))
    table_schema = json.loads(schema_text("rules"))
    for verdict in _verdicts(name)[:40]:
        jsonschema.validate(json.loads(compact_json(verdict, pack)), verdict_schema)
        assert compact(verdict, pack) == compact(verdict, pack)  # deterministic
    jsonschema.validate(json.loads(rule_table(pack).model_dump_json()), table_schema)


def test_the_cli_writes_compact_verdicts_and_rule_tables() -> None:
    example = str(ROOT / "examples" / "project.yaml")
    run = [sys.executable, "-m", "policyengine"]
    result = subprocess.run(
        [
            *run,
            "evaluate",
            example,
            "--pack",
            "wuhan",
            "--format",
            "compact",
            "--as-of",
            "2026-11-23",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr  # the example is non-compliant
    (verdict,) = json.loads(result.stdout)["results"]
    assert verdict["format"] == "policyengine.verdict.compact"
    table = subprocess.run([*run, "rules", "wuhan"], capture_output=True, text=True, check=True)
    rules = {rule["rule_id"] for rule in json.loads(table.stdout)["rules"]}
    assert {finding["rule_id"] for finding in verdict["findings"]} <= rules
