"""JUnit XML for `lint --junit` and `test --junit`, the report format CI systems read.

The shape is the common one (Jenkins, GitLab, GitHub test reporters): `testsuites` of
`testsuite`s of `testcase`s, a failed check holding a `failure` and a pack that does not load an
`error`. A lint suite is one pack: a test case per issue, or one passing case when it is clean.
A case suite is one case file: a test case per YAML case. No times are written, so the same run
gives the same bytes.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

from .lint import LintRecord, LintReport
from .testing import CaseRecord, CaseReport


def junit_xml(report: LintReport | CaseReport) -> str:
    """The report as a JUnit XML document (text, with its XML declaration)."""
    root = _lint(report) if isinstance(report, LintReport) else _cases(report)
    for name in ("tests", "failures", "errors"):
        root.set(name, str(sum(int(suite.get(name, "0")) for suite in root)))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _lint(report: LintReport) -> ET.Element:
    root = ET.Element("testsuites", name="policyengine lint")
    for pack in report.packs:
        suite = _suite(root, pack.path or pack.ref)
        classname = f"lint.{pack.pack_id or Path(pack.ref).stem}"
        if not pack.issues:
            ET.SubElement(suite, "testcase", classname=classname, name="lint")
        for issue in pack.issues:
            case = ET.SubElement(suite, "testcase", classname=classname, name=_issue_name(issue))
            if issue.location is not None:
                case.set("file", issue.location.path)
                if issue.location.line is not None:
                    case.set("line", str(issue.location.line))
            outcome = ET.SubElement(
                case,
                "error" if issue.level == "error" else "failure",
                type=issue.code,
                message=issue.message,
            )
            outcome.text = _issue_text(issue)
        _count(suite)
    return root


def _issue_name(issue: LintRecord) -> str:
    where = issue.location
    if where is None or where.line is None:
        return issue.code
    column = f":{where.column}" if where.column is not None else ""
    return f"{issue.code} at {where.line}{column}"


def _issue_text(issue: LintRecord) -> str:
    where = issue.location
    place = ""
    if where is not None:
        place = ":".join(str(p) for p in (where.path, where.line, where.column) if p is not None)
        place += ": "
    text = f"{place}{issue.code}: {issue.message}"
    return f"{text}\n  hint: {issue.hint}" if issue.hint else text


def _cases(report: CaseReport) -> ET.Element:
    root = ET.Element("testsuites", name="policyengine test")
    by_file: dict[str, list[CaseRecord]] = {}
    for case in report.cases:
        by_file.setdefault(case.file, []).append(case)
    for file, cases in by_file.items():
        suite = _suite(root, file)
        for record in cases:
            element = ET.SubElement(
                suite,
                "testcase",
                classname=record.id.partition("::")[0].replace("/", "."),
                name=record.name,
                file=record.file,
            )
            if record.line is not None:
                element.set("line", str(record.line))
            if record.problems:
                failure = ET.SubElement(element, "failure", message=record.problems[0])
                failure.text = "\n".join(record.problems)
        _count(suite)
    return root


def _suite(root: ET.Element, name: str) -> ET.Element:
    return ET.SubElement(root, "testsuite", name=name)


def _count(suite: ET.Element) -> None:
    outcomes = Counter(child.tag for case in suite for child in case)
    suite.set("tests", str(len(suite)))
    suite.set("failures", str(outcomes["failure"]))
    suite.set("errors", str(outcomes["error"]))
    suite.set("skipped", "0")
