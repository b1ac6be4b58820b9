"""A static site for reviewing a pack clause by clause: `policyengine explore PACK -o DIR`.

A legal reviewer signs a pack off clause by clause. For every clause of the pack's source (its
clause list, `policyengine.clauses`) the site shows the clause's text beside everything in the
pack that encodes it (rules, thresholds, decision tables and their bands, the scope and its
exclusions, rule exceptions) or ledgers it as not computable; the test cases that exercise it,
the author's and the blind second reader's (`blind/` under the case directory) apart; and the
mutants of its reading that no case kills (`policyengine.mutate`), from the cached outcomes of
an earlier run, from a run made now, or "not measured".

A case exercises what its expectations name: the rules whose findings, missing facts,
citations or deadlines it expects, the decision tables of its route and decisions, the scope
(`in_scope`), an exclusion, an assumption; and the clauses it names itself, in
`failing_clauses` or at the start of its name (the blind reader's habit: `a8-s1 breach - ...`).

The site is plain files, one page per clause, rule, decision table and case file: HTML with its
CSS inline and one inline script (the search box), no network, readable from file://. Pack text
and case files are untrusted: every string is escaped, and each page's Content-Security-Policy
lets only its own script (by hash) run.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ._explore_pages import Lang, render_site
from ._yaml import load_yaml, read_file
from .clauses import Clause, ClauseList, Coverage, Reference, clause_list_for, coverage, references
from .errors import PackError, PolicyEngineError
from .loader import CompiledPack
from .mutants import Mutant
from .mutate import (
    CACHE_DIR,
    MutantResult,
    Outcome,
    cached_results,
    default_case_dirs,
    load_pack_cases,
    run_mutation,
)
from .pack import RULE_SECTIONS, AnyRule
from .testing import Case

MANIFEST = ".policyengine-explore"
"""The list of files a run wrote, kept in the output directory: the next run replaces them."""

# --- what the pack says about each clause -----------------------------------------------------

Target = tuple[str, str]
"""What a case or a mutant is about: ("rule", id), ("table", id), ("exclusion", id),
("threshold", name) or ("scope", "")."""


@dataclass(frozen=True)
class Encoding:
    """One part of the pack that cites or ledgers a clause."""

    kind: Literal["scope", "exclusion", "threshold", "table", "band", "rule", "exception", "ledger"]
    target: Target | None
    """The rule, table, exclusion, threshold or scope it belongs to (None: a ledger entry)."""
    spec: Any
    """The pack's model of it: a Rule, Threshold, DecisionTable, Band, ..."""
    index: int = 0
    """A rule exception's or a ledger entry's position, from 0."""


def _encoding(reference: Reference, pack: CompiledPack) -> Encoding:
    spec, loc = pack.spec, reference.loc
    if loc[0] == "not_computable":
        index = int(loc[1])
        return Encoding("ledger", None, spec.not_computable[index], index)
    if loc[0] == "scope":
        if loc[1] == "exclusions":
            exclusion = spec.scope.exclusions[int(loc[2])]
            return Encoding("exclusion", ("exclusion", exclusion.id), exclusion)
        return Encoding("scope", ("scope", ""), spec.scope)
    if loc[0] == "thresholds":
        name = str(loc[1])
        return Encoding("threshold", ("threshold", name), (name, spec.thresholds[name]))
    if loc[0] == "decision_tables":
        table = spec.decision_tables[int(loc[1])]
        if loc[2] == "bands":
            band = table.bands[int(loc[3])]
            return Encoding("band", ("table", table.id), band)
        return Encoding("table", ("table", table.id), table)
    rule: AnyRule = getattr(spec, str(loc[0]))[int(loc[1])]
    if loc[2] == "exceptions":
        index = int(loc[3])
        return Encoding("exception", ("rule", rule.id), rule.exceptions[index], index)
    return Encoding("rule", ("rule", rule.id), rule)


# --- cases ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseLink:
    """A case's expectation about a target or a clause, as a short text ("fail", "approval")."""

    case: int
    """The case's position in `Material.cases`."""
    what: tuple[str, str]
    """A word to localise (see `_WORDS`) and the value expected, e.g. ("route", "approval")."""


@dataclass(frozen=True)
class ExploredCase:
    """A case with where it is shown and what it exercises."""

    case: Case
    blind: bool
    page: str
    anchor: str
    project: Mapping[str, Any]
    """The facts the case states itself, over its file's base."""
    targets: tuple[tuple[Target, tuple[str, str]], ...]
    clauses: tuple[tuple[str, tuple[str, str]], ...]


@dataclass(frozen=True)
class CaseFile:
    """A file of cases, shown on one page."""

    path: Path
    page: str
    blind: bool
    base: Mapping[str, Any]
    cases: tuple[int, ...]


def is_blind(case: Case) -> bool:
    """Whether the case is a blind second reader's: its file is under a `blind/` directory."""
    return "blind" in case.file.parts[:-1]


_CLAUSE_IN_NAME = re.compile(r"(?<![\w-])(?:n|a\d{1,3}(?:-[piu]\d{1,2})*)-s\d{1,2}(?![\w-])")


def _expected_targets(
    expect: Mapping[str, Any], pack: CompiledPack
) -> Iterator[tuple[Target, tuple[str, str]]]:
    """The targets an `expect` mapping names, each with the outcome it expects."""
    tables = {table.id for table in pack.spec.decision_tables}

    def rule(rule_id: str) -> Target:
        # A route duty's rule ('<table>.<band>') is shown with its table.
        head = rule_id.split(".", 1)[0]
        return ("table", head) if "." in rule_id and head in tables else ("rule", rule_id)

    for rule_id, status in _mapping(expect.get("findings")).items():
        yield rule(str(rule_id)), ("finding", str(status))
    for rule_id, facts in _mapping(expect.get("missing_facts")).items():
        yield rule(str(rule_id)), ("missing_facts", ", ".join(map(str, _list(facts))))
    for rule_id in _mapping(expect.get("citations")):
        yield rule(str(rule_id)), ("citation", "")
    for rule_id in _mapping(expect.get("deadlines")):
        yield rule(str(rule_id)), ("deadline", "")
    for table_id, band in _mapping(expect.get("decisions")).items():
        yield ("table", str(table_id)), ("decision", str(band))
    primary = next((t.id for t in pack.spec.decision_tables if t.primary), None)
    if "route" in expect and primary is not None:
        yield ("table", primary), ("route", str(expect["route"]))
    if "in_scope" in expect:
        yield ("scope", ""), ("in_scope", str(expect["in_scope"]).lower())
    if expect.get("exclusion"):
        yield ("exclusion", str(expect["exclusion"])), ("exclusion", str(expect["exclusion"]))
    for assumption in _list(expect.get("assumptions")):
        owner, _, exception = str(assumption).partition("/")
        target: Target = ("rule", owner) if exception else ("exclusion", owner)
        yield target, ("assumption", exception or owner)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _named_clauses(
    case: Case, known: Mapping[str, Clause]
) -> Iterator[tuple[str, tuple[str, str]]]:
    for clause in _list(case.expect.get("failing_clauses")):
        if str(clause) in known:
            yield str(clause), ("failing_clause", "")
    for clause in _CLAUSE_IN_NAME.findall(case.name):
        if clause in known:
            yield clause, ("named", "")


def _case_files(cases: Sequence[Case]) -> list[tuple[Path, list[int]]]:
    files: dict[Path, list[int]] = {}
    for index, case in enumerate(cases):
        files.setdefault(case.file, []).append(index)
    return sorted(files.items(), key=lambda item: (is_blind(cases[item[1][0]]), str(item[0])))


def _raw_cases(path: Path) -> tuple[Mapping[str, Any], list[Mapping[str, Any]]]:
    """A case file's base and the facts each case states itself, as written."""
    data, _ = load_yaml(read_file(path, "case file", "case.unreadable"), str(path))
    base = _mapping(data.get("base")) if isinstance(data, Mapping) else {}
    raw = _list(data.get("cases")) if isinstance(data, Mapping) else []
    return base, [_mapping(_mapping(entry).get("project")) for entry in raw]


# --- mutants ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """The outcome of each mutant of the pack, where it is known."""

    source: Literal["cache", "run"]
    outcomes: tuple[tuple[Mutant, MutantResult | None], ...]
    """Every mutant, with its result, or None where it was not measured."""

    @property
    def measured(self) -> int:
        """How many mutants have a known outcome."""
        return sum(1 for _, result in self.outcomes if result is not None)


def measure_mutation(
    pack: CompiledPack,
    cases: Sequence[Case],
    *,
    run: bool = False,
    jobs: int | None = None,
    cache_dir: Path | None = CACHE_DIR,
) -> Mutation | None:
    """The mutants' outcomes: cached ones (None when the cache knows none), or with `run`, a
    mutation run now (minutes; it reuses and updates the cache)."""
    if run:
        report = run_mutation(pack, cases, jobs=jobs, cache_dir=cache_dir)
        return Mutation("run", tuple((result.mutant, result) for result in report.results))
    if cache_dir is None or not cases:
        return None
    found = Mutation("cache", tuple(cached_results(pack, cases, cache_dir=cache_dir)))
    return found if found.measured else None


# --- gathering -----------------------------------------------------------------------------------


@dataclass
class Material:
    """Everything the site shows, linked both ways."""

    pack: CompiledPack
    clauses: ClauseList
    coverage: Coverage
    encodings: dict[str, list[Encoding]]
    """Per clause id, what cites or ledgers it, in pack order."""
    cases: list[ExploredCase]
    case_files: list[CaseFile]
    case_dirs: list[str]
    mutation: Mutation | None
    by_target: dict[Target, list[CaseLink]] = field(default_factory=dict)
    by_clause: dict[str, list[CaseLink]] = field(default_factory=dict)

    def target_clauses(self, target: Target) -> list[str]:
        """The clauses a rule, table, exclusion, threshold or the scope cites, in source order."""
        return [
            clause.id
            for clause in self.clauses.clauses
            if any(e.target == target for e in self.encodings.get(clause.id, ()))
        ]

    def clause_cases(self, clause_id: str) -> list[CaseLink]:
        """The cases that exercise a clause: those naming it, and those of what encodes it."""
        targets = [e.target for e in self.encodings.get(clause_id, ()) if e.target is not None]
        return _merged(
            [self.by_clause.get(clause_id, [])] + [self.by_target.get(t, []) for t in targets]
        )

    def target_cases(self, target: Target) -> list[CaseLink]:
        """The cases that exercise a rule or table: those naming it, and those naming its
        clauses (a blind reader's cases know the clauses, not the rules)."""
        clauses = self.target_clauses(target)
        return _merged(
            [self.by_target.get(target, [])] + [self.by_clause.get(c, []) for c in clauses]
        )


def _merged(groups: Sequence[Sequence[CaseLink]]) -> list[CaseLink]:
    """The links of every group, each once, in case order."""
    links = {(link.case, link.what): link for group in groups for link in group}
    return sorted(links.values(), key=lambda link: link.case)


def gather(
    pack: CompiledPack,
    *,
    case_dirs: Sequence[str | Path] | None = None,
    mutation: Literal["cache", "run", "off"] = "cache",
    jobs: int | None = None,
    cache_dir: Path | None = CACHE_DIR,
) -> Material:
    """Read the pack's clause list and cases, and the mutants' outcomes, and link them.

    `case_dirs` default to `tests/packs/<pack id>/` under the working directory (no cases when
    it is missing); a directory given that does not exist is an error. `mutation`: the cached
    outcomes ("cache"), a run now ("run"), or none ("off").
    """
    clauses = clause_list_for(pack)
    if clauses is None:
        raise PackError(
            f"pack '{pack.id}' names no clause list, so it cannot be reviewed clause by clause",
            code="explore.no_clause_list",
            location=pack.locate("source"),
            hint="give the pack's source a clause_file (<pack>.clauses.yaml, see sources/README.md)",
        )
    if case_dirs is None:
        dirs = [d for d in default_case_dirs(pack) if d.is_dir()]
    else:
        dirs = [Path(d) for d in case_dirs]
    cases = load_pack_cases(pack, dirs) if dirs else []
    encodings: dict[str, list[Encoding]] = defaultdict(list)
    for reference in references(pack):
        encoding = _encoding(reference, pack)
        for clause in dict.fromkeys(reference.clauses):
            encodings[clause].append(encoding)
    material = Material(
        pack=pack,
        clauses=clauses,
        coverage=coverage(pack, clauses),
        encodings=dict(encodings),
        cases=[],
        case_files=[],
        case_dirs=[str(d) for d in dirs],
        mutation=None
        if mutation == "off"
        else measure_mutation(pack, cases, run=mutation == "run", jobs=jobs, cache_dir=cache_dir),
    )
    _link_cases(material, cases)
    return material


def _link_cases(material: Material, cases: Sequence[Case]) -> None:
    explored: list[ExploredCase | None] = [None] * len(cases)
    for number, (path, indices) in enumerate(_case_files(cases)):
        blind = is_blind(cases[indices[0]])
        page = f"cases/{number + 1:03d}-{_slug(path)}.html"
        base, raw = _raw_cases(path)
        for position, index in enumerate(indices):
            case = cases[index]
            explored[index] = ExploredCase(
                case=case,
                blind=blind,
                page=page,
                anchor=f"case-{position + 1}",
                project=raw[position] if position < len(raw) else {},
                targets=tuple(dict.fromkeys(_expected_targets(case.expect, material.pack))),
                clauses=tuple(dict.fromkeys(_named_clauses(case, material.clauses.by_id))),
            )
        material.case_files.append(CaseFile(path, page, blind, base, tuple(indices)))
    material.cases = [case for case in explored if case is not None]
    for index, explored_case in enumerate(material.cases):
        for target, what in explored_case.targets:
            material.by_target.setdefault(target, []).append(CaseLink(index, what))
        for clause, what in explored_case.clauses:
            material.by_clause.setdefault(clause, []).append(CaseLink(index, what))


def _slug(path: Path) -> str:
    """A file name for a case file's page: its last two path parts, in safe characters."""
    parts = [*path.parent.parts[-1:], path.stem]
    return re.sub(r"[^A-Za-z0-9_-]+", "_", "-".join(parts))[:80]


# --- writing -------------------------------------------------------------------------------------


_PAGE_NAME = re.compile(r"(?:index|pack|cases)\.html|(?:clause|rule|table|cases)/[\w.-]+\.html")
"""The names of the pages a site has: the only files an earlier run's record may remove."""
_FOLDERS = ("clause", "rule", "table", "cases")


def check_output(directory: Path) -> list[str]:
    """The pages an earlier run wrote into `directory` (none for a new or empty directory).

    A directory that holds other files and no record of an earlier run is refused, so that a
    mistyped `-o` cannot scatter pages among someone's files or remove any. Checked before any
    work, and again when writing.
    """
    if not directory.exists():
        return []
    if not directory.is_dir():
        raise PolicyEngineError(
            f"{directory} is not a directory", code="explore.output", hint="give -o a directory"
        )
    manifest = directory / MANIFEST
    if manifest.is_file():
        earlier = manifest.read_text(encoding="utf-8", errors="replace").splitlines()
        return [name for name in earlier if _PAGE_NAME.fullmatch(name)]
    if any(directory.iterdir()):
        raise PolicyEngineError(
            f"{directory} is not empty and was not written by policyengine explore",
            code="explore.output",
            hint="give -o a new or empty directory, or one policyengine explore wrote",
        )
    return []


def write_site(pages: Mapping[str, str], directory: Path) -> None:
    """Write the pages under `directory`, replacing the pages an earlier run wrote there (see
    `check_output`) and removing those this run does not write (a rule renamed)."""
    earlier = check_output(directory)
    for name in earlier:
        if name not in pages:
            (directory / name).unlink(missing_ok=True)
    for name, text in pages.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for folder in _FOLDERS:
        path = directory / folder
        if path.is_dir() and not path.is_symlink() and not any(path.iterdir()):
            path.rmdir()
    manifest = directory / MANIFEST
    manifest.write_text("".join(f"{name}\n" for name in sorted(pages)), encoding="utf-8")


@dataclass(frozen=True)
class Summary:
    """What `explore` wrote, for the command line to report."""

    pages: int
    clauses: int
    normative: int
    rules: int
    tables: int
    author_cases: int
    blind_cases: int
    mutation: str

    def to_text(self, pack_id: str, directory: Path) -> str:
        """Two lines: where the site is, and what it holds."""
        return (
            f"{directory / 'index.html'}: {self.pages} pages\n"
            f"{pack_id}: {self.clauses} clauses ({self.normative} normative), {self.rules} rules, "
            f"{self.tables} decision tables, "
            f"{self.author_cases + self.blind_cases} cases ({self.author_cases} author, "
            f"{self.blind_cases} blind), mutants: {self.mutation}"
        )


def explore(
    pack: CompiledPack,
    directory: Path,
    *,
    lang: Lang = "en",
    case_dirs: Sequence[str | Path] | None = None,
    mutation: Literal["cache", "run", "off"] = "cache",
    jobs: int | None = None,
    cache_dir: Path | None = CACHE_DIR,
) -> Summary:
    """Write the site of `pack` into `directory` (see `gather` for the options)."""
    check_output(directory)  # before the work: a mutation run takes minutes
    material = gather(pack, case_dirs=case_dirs, mutation=mutation, jobs=jobs, cache_dir=cache_dir)
    pages = render_site(material, lang=lang)
    write_site(pages, directory)
    blind = sum(1 for case in material.cases if case.blind)
    found = material.mutation
    measured = "not measured"
    if found is not None:
        survived = sum(
            1 for _, result in found.outcomes if result and result.outcome is Outcome.SURVIVED
        )
        source = "from the cache" if found.source == "cache" else "run now"
        measured = (
            f"{found.measured} of {len(found.outcomes)} measured ({source}), {survived} survived"
        )
    return Summary(
        pages=len(pages),
        clauses=len(material.clauses.clauses),
        normative=len(material.clauses.normative),
        rules=sum(len(getattr(material.pack.spec, section)) for section in RULE_SECTIONS),
        tables=len(material.pack.spec.decision_tables),
        author_cases=len(material.cases) - blind,
        blind_cases=blind,
        mutation=measured,
    )
