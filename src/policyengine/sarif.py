"""SARIF 2.1.0 for `lint --sarif` and `test --sarif`, so code hosts show problems in place.

Each load error and lint finding of a pack, and each failing YAML case, is a SARIF result
located in its file by line and column (from 1, in Unicode code points, as the YAML reader counts
them). A path under the current directory is written relative to it, against the base
`%SRCROOT%` (the checkout), which is how code hosts match results to files; any other path is an
absolute `file:` URI. The rules are the problem codes (`lint.unused_threshold`,
`pack.expression`, `case.failed`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from . import __version__
from .lint import IssueLocation, LintReport
from .testing import CaseReport

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SOURCE_ROOT = "%SRCROOT%"
CASE_FAILED = "case.failed"


def sarif_json(report: LintReport | CaseReport, *, root: Path | None = None) -> str:
    """The report as a SARIF 2.1.0 log (JSON text); paths are made relative to `root`
    (default: the current directory)."""
    base = (root or Path.cwd()).resolve()
    results = _lint(report, base) if isinstance(report, LintReport) else _cases(report, base)
    codes = sorted({result["ruleId"] for result in results})
    for result in results:
        result["ruleIndex"] = codes.index(result["ruleId"])
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "policyengine",
                        "version": __version__,
                        "rules": [
                            {"id": code, "shortDescription": {"text": _describe(code)}}
                            for code in codes
                        ],
                    }
                },
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": base.as_uri() + "/"}},
                "columnKind": "unicodeCodePoints",
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def _lint(report: LintReport, base: Path) -> list[dict[str, Any]]:
    results = []
    for pack in report.packs:
        for issue in pack.issues:
            text = issue.message + (f" (hint: {issue.hint})" if issue.hint else "")
            location = issue.location or IssueLocation(path=pack.path or pack.ref)
            results.append(
                {
                    "ruleId": issue.code,
                    "level": issue.level,
                    "message": {"text": text},
                    "locations": [_location(location, base)],
                }
            )
    return results


def _cases(report: CaseReport, base: Path) -> list[dict[str, Any]]:
    return [
        {
            "ruleId": CASE_FAILED,
            "level": "error",
            "message": {"text": f"case '{case.name}': " + "; ".join(case.problems)},
            "locations": [
                _location(IssueLocation(path=case.file, line=case.line, column=case.column), base)
            ],
        }
        for case in report.cases
        if not case.passed
    ]


def _location(where: IssueLocation, base: Path) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": _artifact(where.path, base)}
    if where.line is not None:
        region = {"startLine": where.line}
        if where.column is not None:
            region["startColumn"] = where.column
        physical["region"] = region
    return {"physicalLocation": physical}


def _artifact(path: str, base: Path) -> dict[str, str]:
    resolved = Path(path).resolve()
    try:
        relative = resolved.relative_to(base)
    except ValueError:
        return {"uri": resolved.as_uri()}
    return {"uri": quote(relative.as_posix()), "uriBaseId": SOURCE_ROOT}


def _describe(code: str) -> str:
    if code == CASE_FAILED:
        return "a YAML case whose verdict differs from what it expects"
    if code.startswith("lint."):
        return f"lint finding {code}: the pack loads, but may misread its source"
    return f"load error {code}: the pack does not load"
