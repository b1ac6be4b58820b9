"""The compact verdict: lossless against the full one, given the pack's rule table."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from policyengine import Project, evaluate, load_pack
from policyengine.compact import FORMAT_VERSION, compact, compact_json, rule_table
from policyengine.loader import BUNDLED_PACKS
from policyengine.schemas import schema_text
from policyengine.testing import iter_case_files, load_cases
from policyengine.verdict import Verdict

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


def _expanded(data: dict[str, Any], table: dict[str, Any]) -> dict[str, Any]:
    """What the full verdict says of each rule, rebuilt from the compact form and the table."""
    reads = {rule["rule_id"]: rule["reads"] for rule in table["rules"]}
    findings = {}
    for finding in data.get("findings", []):
        own = finding.get("facts", {})
        names = finding.get("read", reads[finding["rule_id"]])
        facts = {name: data["facts"][name] for name in names if name not in own}
        findings[finding["rule_id"]] = {
            "status": finding["status"],
            "facts": {**facts, **own},
            "missing_facts": finding.get("missing_facts", []),
            "missing_documents": finding.get("missing_documents", []),
            "prohibited_items": finding.get("prohibited_items", []),
            "consequences": finding.get("consequences", []),
            "assumptions": [a["exception_id"] for a in finding.get("assumptions", [])],
        }
    return findings


def _full(verdict: Verdict) -> dict[str, Any]:
    data = json.loads(verdict.to_json())
    return {
        f["rule_id"]: {
            "status": f["status"],
            "facts": f["facts"],
            "missing_facts": f["missing_facts"],
            "missing_documents": f["missing_documents"],
            "prohibited_items": f["prohibited_items"],
            "consequences": f["consequences"],
            "assumptions": [a["exception_id"] for a in f["assumptions"]],
        }
        for f in data["findings"]
    }


@pytest.mark.parametrize("name", BUNDLED_PACKS)
def test_nothing_a_project_made_of_its_rules_is_lost(name: str) -> None:
    pack = load_pack(name)
    table = json.loads(rule_table(pack).model_dump_json())
    for verdict in _verdicts(name):
        data = json.loads(compact_json(verdict, pack))
        assert data["format_version"] == FORMAT_VERSION
        assert data["status"] == verdict.status.value
        assert data.get("in_scope") == verdict.in_scope
        assert data.get("route") == (verdict.route.band_id if verdict.route else None)
        assert _expanded(data, table) == _full(verdict)


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
