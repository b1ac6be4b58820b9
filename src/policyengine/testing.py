"""YAML test cases for packs: facts in, statuses, routes and citations out.

A case file names its pack, an optional `base` project, and cases. A case states its project by
fact names, in the flat form of `Project.from_facts` (`total_investment`, `owner_type`, `steps`:
the names the pack's rules read), not in the grouped form of a project file. Each case's project
is merged over the base (mappings merge recursively; a null removes the key) and evaluated; only
what `expect` lists is checked. `run_case` returns the list of mismatches (empty: the case passes).

The hypothesis strategies of `policyengine.strategies` (valid projects, projects a pack's scope
admits, and the boundary values of every threshold and decision table of a pack) are available here too, as
`policyengine.testing.projects` and so on; they are imported on first use, so that the case runner
and the pytest plugin do not need hypothesis.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ._suggest import did_you_mean
from ._yaml import load_yaml, read_file
from .errors import Location, PackError, PolicyEngineError
from .evaluator import evaluate
from .loader import CompiledPack, get_pack
from .pack import Severity
from .project import Project
from .verdict import DeadlineResult, Status, Verdict

EXPECT_KEYS = (
    "in_scope",
    "status",
    "route",
    "decisions",
    "exclusion",
    "findings",
    "missing_facts",
    "missing_documents",
    "consequences",
    "assumptions",
    "citations",
    "deadlines",
    "failing_clauses",
    "needs",
    "error",
)
_CASE_KEYS = ("name", "stage", "as_of", "project", "expect")
_FILE_KEYS = ("pack", "base", "cases")


@dataclass(frozen=True)
class Case:
    """One test case, resolved against its file's base project."""

    pack: str
    name: str
    location: Location
    project: Mapping[str, Any]
    expect: Mapping[str, Any]
    stage: str | None = None
    as_of: dt.date | None = None
    file: Path = field(default=Path())

    @property
    def id(self) -> str:
        """A stable test id: pack/file::name."""
        return f"{Path(self.pack).stem}/{self.file.stem}::{self.name}"


def merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge `override` over `base`: mappings recursively; a None value removes the key."""
    result = dict(base)
    for key, value in override.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merge(result[key], value)
        else:
            result[key] = value
    return result


def load_cases(path: str | Path) -> list[Case]:
    """Read the cases of one YAML case file. Raises PackError for a malformed file."""
    file = Path(path)
    data, marks = load_yaml(read_file(file, "case file", "case.unreadable"), str(file))
    if not isinstance(data, dict) or "cases" not in data:
        raise PackError(
            "a case file is a mapping with 'pack' and 'cases'",
            code="case.malformed",
            location=marks.locate(()),
        )
    _check_keys(data, _FILE_KEYS, (), marks, "case file")
    pack = data.get("pack")
    if not isinstance(pack, str):
        raise PackError(
            "'pack' names the pack under test",
            code="case.malformed",
            location=marks.locate(("pack",)),
        )
    if pack.endswith((".yaml", ".yml")):
        # A pack given by path is relative to the case file.
        pack = str((file.parent / pack).resolve())
    base = data.get("base") or {}
    cases = []
    for index, raw in enumerate(data["cases"] or []):
        loc = ("cases", index)
        if not isinstance(raw, dict) or "name" not in raw:
            raise PackError(
                "each case is a mapping with a 'name'",
                code="case.malformed",
                location=marks.locate(loc),
            )
        _check_keys(raw, _CASE_KEYS, loc, marks, "case")
        expect = raw.get("expect") or {}
        _check_keys(expect, EXPECT_KEYS, (*loc, "expect"), marks, "expect")
        cases.append(
            Case(
                pack=pack,
                name=str(raw["name"]),
                location=marks.locate(loc),
                project=merge(base, raw.get("project") or {}),
                expect=expect,
                stage=raw.get("stage"),
                as_of=raw.get("as_of"),
                file=file,
            )
        )
    return cases


def iter_case_files(root: str | Path) -> Iterator[Path]:
    """Every case file under `root`, sorted."""
    yield from sorted(Path(root).rglob("*.yaml"))


@dataclass(frozen=True)
class CaseResult:
    """The outcome of one case: its mismatches (none: passed) and the verdict, if any."""

    case: Case
    problems: list[str]
    verdict: Verdict | None

    @property
    def passed(self) -> bool:
        """Whether the verdict matched every expectation."""
        return not self.problems


def check_case(case: Case, pack: CompiledPack | None = None) -> CaseResult:
    """Evaluate the case and compare the verdict with `expect`."""
    compiled = pack or get_pack(case.pack)
    try:
        project = Project.from_facts(case.project, source=f"{case.file}: {case.name}")
        verdict = evaluate(project, compiled, stage=case.stage, as_of=case.as_of)
    except PolicyEngineError as exc:
        wanted = case.expect.get("error")
        problems = [] if wanted is not None and wanted == exc.code else [f"evaluation raised {exc}"]
        return CaseResult(case, problems, None)
    if "error" in case.expect:
        return CaseResult(
            case, [f"expected error {case.expect['error']!r}, but evaluation succeeded"], verdict
        )
    return CaseResult(case, compare(verdict, case.expect, compiled), verdict)


def run_case(case: Case, pack: CompiledPack | None = None) -> list[str]:
    """Evaluate the case; return a description of every mismatch with `expect`."""
    return check_case(case, pack).problems


@dataclass
class Coverage:
    """Which statuses the cases produced for each rule of each pack."""

    seen: dict[str, dict[str, set[str]]] = field(default_factory=dict)

    def add(self, pack: CompiledPack, verdict: Verdict) -> None:
        """Record the statuses of a verdict."""
        rules = self.seen.setdefault(pack.id, {rule.id: set() for rule in pack.rules})
        for finding in verdict.findings:
            rules.setdefault(finding.rule_id, set()).add(finding.status.value)

    def gaps(self) -> dict[str, dict[str, list[str]]]:
        """Per pack: rules never made to pass and rules never made to fail."""
        return {
            pack: {
                "never_pass": sorted(r for r, s in rules.items() if "pass" not in s),
                "never_fail": sorted(r for r, s in rules.items() if "fail" not in s),
            }
            for pack, rules in self.seen.items()
        }


@dataclass
class CaseRun:
    """The outcome of every case of some case files, and the statuses they produced."""

    results: list[CaseResult] = field(default_factory=list)
    coverage: Coverage = field(default_factory=Coverage)

    @property
    def failed(self) -> list[CaseResult]:
        """The cases that did not pass."""
        return [result for result in self.results if not result.passed]


def run_case_files(paths: Iterable[str | Path]) -> CaseRun:
    """Run the cases of every case file of `paths` (files, or directories searched for them)."""
    run = CaseRun()
    for name in paths:
        path = Path(name)
        for file in iter_case_files(path) if path.is_dir() else [path]:
            for case in load_cases(file):
                pack = get_pack(case.pack)
                result = check_case(case, pack)
                if result.verdict is not None:
                    run.coverage.add(pack, result.verdict)
                run.results.append(result)
    return run


_DATA = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class CaseRecord(BaseModel):
    """One case's outcome: where it is, and every mismatch (none: it passed)."""

    model_config = _DATA
    id: str  # pack/file::name
    name: str
    pack: str  # the id of the pack under test
    file: str
    line: int | None
    column: int | None
    passed: bool
    problems: list[str]


class RuleCoverage(BaseModel):
    """The rules of one pack that no case made pass, or fail."""

    model_config = _DATA
    pack: str
    rules: int
    never_pass: list[str]
    never_fail: list[str]


class CaseReport(BaseModel):
    """What `policyengine test --format json` writes: every case, and the rule coverage."""

    model_config = _DATA
    format: Literal["policyengine.test"]
    format_version: Literal[1]
    passed: int
    failed: int
    cases: list[CaseRecord]
    coverage: list[RuleCoverage]


def case_report(run: CaseRun) -> CaseReport:
    """A case run as one document."""
    failed = len(run.failed)
    return CaseReport(
        format="policyengine.test",
        format_version=1,
        passed=len(run.results) - failed,
        failed=failed,
        cases=[
            CaseRecord(
                id=result.case.id,
                name=result.case.name,
                pack=get_pack(result.case.pack).id,
                file=str(result.case.file),
                line=result.case.location.line,
                column=result.case.location.column,
                passed=result.passed,
                problems=result.problems,
            )
            for result in run.results
        ],
        coverage=[
            RuleCoverage(
                pack=pack,
                rules=len(run.coverage.seen[pack]),
                never_pass=gaps["never_pass"],
                never_fail=gaps["never_fail"],
            )
            for pack, gaps in run.coverage.gaps().items()
        ],
    )


NOT_DUE = "not_due"
"""The expected status of a rule that is not evaluated because it falls due at a later stage."""


def compare(
    verdict: Verdict, expect: Mapping[str, Any], pack: CompiledPack | None = None
) -> list[str]:
    """Mismatches between a verdict and an `expect` mapping.

    With `pack`, a rule expected `not_due` must be one of its rules, so that a misspelt id
    cannot pass as a rule that is not yet due.
    """
    problems: list[str] = []

    def check(what: str, got: Any, wanted: Any) -> None:
        if got != wanted:
            problems.append(f"{what}: expected {wanted!r}, got {got!r}")

    if "in_scope" in expect:
        check("in_scope", verdict.in_scope, expect["in_scope"])
    if "status" in expect:
        check("status", verdict.status.value, expect["status"])
    if "route" in expect:
        check("route", verdict.route.band_id if verdict.route else None, expect["route"])
    if "exclusion" in expect:
        check("exclusion", verdict.exclusion.id if verdict.exclusion else None, expect["exclusion"])
    decisions = {d.table_id: d for d in verdict.decisions}
    for table_id, band in (expect.get("decisions") or {}).items():
        decision = decisions.get(table_id)
        got = None if decision is None else (decision.band_id or decision.status.value)
        check(f"decision {table_id}", got, band)
    findings = {f.rule_id: f for f in verdict.findings}
    for rule_id, status in (expect.get("findings") or {}).items():
        finding = findings.get(rule_id)
        if status == NOT_DUE:
            if finding is not None:
                problems.append(
                    f"finding {rule_id}: expected not due, got {finding.status.value!r}"
                )
            elif pack is not None and rule_id not in pack.rule_index:
                problems.append(
                    f"finding {rule_id}: no such rule" + _hint(rule_id, pack.rule_index)
                )
            continue
        if finding is None:
            problems.append(
                f"finding {rule_id}: not evaluated (wrong id or stage?)" + _hint(rule_id, findings)
            )
            continue
        detail = f" ({finding.error})" if finding.error else ""
        if finding.status.value != status:
            problems.append(
                f"finding {rule_id}: expected {status!r}, got {finding.status.value!r}{detail}"
                + (f"; missing facts {finding.missing_facts}" if finding.missing_facts else "")
            )
    for rule_id, facts in (expect.get("missing_facts") or {}).items():
        finding = findings.get(rule_id)
        got_facts = sorted(finding.missing_facts) if finding else None
        check(f"missing_facts {rule_id}", got_facts, sorted(facts))
    if "missing_documents" in expect:
        check(
            "missing_documents",
            sorted(d.value for d in verdict.missing_documents),
            sorted(expect["missing_documents"] or []),
        )
    if "consequences" in expect:
        check(
            "consequences",
            sorted(c.value for c in verdict.consequences),
            sorted(expect["consequences"] or []),
        )
    if "assumptions" in expect:
        # "rule_id/exception_id" for a rule's exception, the exclusion id for the scope's.
        check(
            "assumptions",
            sorted(
                f"{a.rule_id}/{a.exception_id}" if a.rule_id else a.exception_id
                for a in verdict.assumptions
            ),
            sorted(expect["assumptions"] or []),
        )
    for rule_id, citation in (expect.get("citations") or {}).items():
        finding = findings.get(rule_id)
        if finding is None:
            problems.append(f"citation {rule_id}: rule not evaluated")
            continue
        for key, value in citation.items():
            check(f"citation {rule_id}.{key}", getattr(finding.citation, key, None), value)
    problems += _pack_agnostic(verdict, expect)
    deadlines = {d.rule_id: d for d in verdict.deadlines}
    for rule_id, wanted in (expect.get("deadlines") or {}).items():
        result = deadlines.get(rule_id)
        if result is None:
            problems.append(f"deadline {rule_id}: not computed")
            continue
        for key, value in wanted.items():
            if key == "due_dates" and isinstance(value, list):
                check(f"deadline {rule_id}.due_dates", _due_dates(result, value), value)
                continue
            attribute = getattr(result, key, None)
            check(f"deadline {rule_id}.{key}", getattr(attribute, "value", attribute), value)
    return problems


def _pack_agnostic(verdict: Verdict, expect: Mapping[str, Any]) -> list[str]:
    """Expectations a reader can write from the source text alone, without the pack's rule ids.

    `failing_clauses`: each clause listed (an id of the source's clause list) is cited by some
    failing finding. `needs`: exactly the facts an incomplete verdict still needs: the scope's,
    the undecided tables' and those of the duties (error severity) left unknown; an unknown
    warning or advice does not hold the verdict back, nor does a deadline not yet due.
    """
    problems: list[str] = []
    if "failing_clauses" in expect:
        cited = {
            clause
            for finding in verdict.findings
            if finding.status is Status.FAIL
            for clause in finding.citation.clauses
        }
        for clause in expect["failing_clauses"] or []:
            if clause not in cited:
                failing = sorted(cited)
                problems.append(
                    f"failing_clauses: no failing finding cites {clause} (failing: {failing})"
                )
    if "needs" in expect:
        needed = set(verdict.scope_missing_facts)
        needed.update(f for d in verdict.decisions for f in d.missing_facts)
        needed.update(
            f
            for finding in verdict.findings
            if finding.status is Status.UNKNOWN and finding.severity is Severity.ERROR
            for f in finding.missing_facts
        )
        wanted = sorted(expect["needs"] or [])
        if sorted(needed) != wanted:
            problems.append(f"needs: expected {wanted!r}, got {sorted(needed)!r}")
    return problems


def _due_dates(result: DeadlineResult, wanted: list[Any]) -> list[dict[str, Any]]:
    """A recurring deadline's due dates with the fields each expected entry names (due, state,
    event_date); a due date beyond the expected list shows as extra."""
    got: list[dict[str, Any]] = []
    for index, due in enumerate(result.due_dates):
        entry = wanted[index] if index < len(wanted) else None
        if not isinstance(entry, Mapping):
            got.append({"extra due date": due.due})
            continue
        values = {key: getattr(due, key, None) for key in entry}
        got.append({key: getattr(v, "value", v) for key, v in values.items()})
    return got


def _hint(rule_id: str, findings: Mapping[str, Any]) -> str:
    hint = did_you_mean(rule_id, findings)
    return f"; {hint}" if hint else ""


def _check_keys(
    data: Mapping[str, Any],
    allowed: tuple[str, ...],
    loc: tuple[Any, ...],
    marks: Any,
    what: str,
) -> None:
    for key in data:
        if key not in allowed:
            hint = did_you_mean(str(key), allowed)
            raise PackError(
                f"unexpected key '{key}' in {what}",
                code="case.unknown_key",
                location=marks.locate((*loc, key), key=True),
                hint=(hint + " " if hint else "") + f"allowed: {list(allowed)}",
            )


_STRATEGIES = (
    "FEN",
    "amounts",
    "amounts_near",
    "boundary_values",
    "in_scope_project_dicts",
    "in_scope_projects",
    "project_dicts",
    "projects",
    "scope_assignments",
    "step_for",
    "table_boundaries",
    "threshold_boundaries",
)


def __getattr__(name: str) -> Any:
    # The hypothesis strategies, imported only when asked for (hypothesis is a test extra).
    if name in _STRATEGIES:
        from . import strategies

        return getattr(strategies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
