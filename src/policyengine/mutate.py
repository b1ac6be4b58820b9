"""Mutation testing of a pack: would its cases notice a wrong reading of the law?

Every mutant of the pack (`policyengine.mutants`) is compiled and the pack's cases are run
against it, in order, until one of them fails: that case kills the mutant. A mutant that no case
kills survives, and names a reading the cases do not pin down. A mutant that does not load is
invalid, and one the pack lists under `equivalent_mutants` (and no case kills) is equivalent;
neither counts in the score, killed / (mutants - invalid - equivalent).

Mutants run in worker processes (`jobs`). Each outcome is cached in a JSON file under
`.policyengine-cache/mutate/`, keyed by the mutated pack (the pack's data and the mutant's edits)
and the engine's code, with the cases it was decided by, each known by a hash of its contents: a
mutant killed by a case that is still there stays killed, a survivor meets only the cases it has
not met yet, and a second run with nothing changed evaluates nothing.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
import signal
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from . import __version__
from ._yaml import Marks
from .errors import EvaluationError, PackError, PackErrors
from .loader import CompiledPack, compile_pack, get_pack
from .mutants import STRICT_KINDS, Edit, Mutant, generate_mutants, pack_data
from .testing import Case, check_case, iter_case_files, load_cases

CACHE_DIR = Path(".policyengine-cache") / "mutate"
"""Where outcomes are cached, relative to the working directory."""
_CACHE_FORMAT = 2
_CHUNKS_PER_JOB = 4  # several chunks per worker, so that one slow chunk does not hold up the end


class Outcome(StrEnum):
    """What became of a mutant."""

    KILLED = "killed"
    SURVIVED = "survived"
    INVALID = "invalid"
    EQUIVALENT = "equivalent"


@dataclass(frozen=True)
class MutantResult:
    """A mutant and its outcome."""

    mutant: Mutant
    outcome: Outcome
    detail: str | None = None
    """The killing case and its first mismatch, the load error, or why it is equivalent."""
    listed_equivalent: bool = False
    """The pack lists it under `equivalent_mutants` (a killed one is not equivalent after all)."""


_DATA = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Survivor(BaseModel):
    """A mutant no case killed: the reading of the law the cases do not pin down."""

    model_config = _DATA
    id: str
    clause: str | None  # the first of `clauses`
    clauses: list[str]
    rule: str  # the rule, exclusion, table, threshold or definition it touches
    kind: str
    mutation: str


class InvalidMutant(BaseModel):
    """A mutant that did not load, with the load error."""

    model_config = _DATA
    id: str
    error: str | None


class MutationSummary(BaseModel):
    """The outcome of every mutant of one pack: counts, score and the survivors."""

    model_config = _DATA
    format: Literal["policyengine.mutation"]
    format_version: Literal[1]
    pack: str
    path: str
    cases: int
    mutants: int
    killed: int
    invalid: int
    equivalent: int
    survived: list[Survivor]
    survived_by_kind: dict[str, int]
    score: float | None  # killed / (mutants - invalid - equivalent); null when none counts
    invalid_mutants: list[InvalidMutant]
    equivalent_mutants: list[str]
    unknown_equivalents: list[str]


@dataclass(frozen=True)
class MutationReport:
    """The outcome of every mutant of one pack against its cases."""

    pack: str
    path: str
    cases: int
    results: tuple[MutantResult, ...]
    evaluated: int
    """Mutants run by this call; the others came from the cache."""
    seconds: float
    unknown_equivalents: tuple[str, ...] = ()
    """Ids `equivalent_mutants` lists that name no mutant (lint reports them too)."""

    def count(self, outcome: Outcome) -> int:
        """How many mutants had `outcome`."""
        return sum(1 for result in self.results if result.outcome is outcome)

    @property
    def scored(self) -> int:
        """The mutants the score counts: all but the invalid and the equivalent ones."""
        return self.count(Outcome.KILLED) + self.count(Outcome.SURVIVED)

    @property
    def score(self) -> float | None:
        """killed / scored; None when no mutant counts."""
        return self.count(Outcome.KILLED) / self.scored if self.scored else None

    @property
    def survivors(self) -> list[MutantResult]:
        """The mutants no case killed, in pack order."""
        return [result for result in self.results if result.outcome is Outcome.SURVIVED]

    @property
    def strict_survivors(self) -> list[MutantResult]:
        """Survivors of a boundary, threshold or list: what `--strict` refuses."""
        return [result for result in self.survivors if result.mutant.kind in STRICT_KINDS]

    def survived_by_kind(self) -> dict[str, int]:
        """How many survivors of each kind, most first."""
        counts = Counter(result.mutant.kind for result in self.survivors)
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))

    def summary(self) -> str:
        """`N mutants, K killed, S survived, I invalid, E equivalent, score K/(N-I-E)`."""
        killed = self.count(Outcome.KILLED)
        score = f"{killed}/{self.scored}"
        if self.score is not None:
            score += f" = {self.score:.1%}"
        return (
            f"{len(self.results)} mutants, {killed} killed, {self.count(Outcome.SURVIVED)} "
            f"survived, {self.count(Outcome.INVALID)} invalid, "
            f"{self.count(Outcome.EQUIVALENT)} equivalent, score {score}"
        )

    def to_summary(self) -> MutationSummary:
        """The report as a document (`mutate --format json`, one line per pack)."""
        return MutationSummary(
            format="policyengine.mutation",
            format_version=1,
            pack=self.pack,
            path=self.path,
            cases=self.cases,
            mutants=len(self.results),
            killed=self.count(Outcome.KILLED),
            invalid=self.count(Outcome.INVALID),
            equivalent=self.count(Outcome.EQUIVALENT),
            survived=[
                Survivor(
                    id=result.mutant.id,
                    clause=result.mutant.clauses[0] if result.mutant.clauses else None,
                    clauses=list(result.mutant.clauses),
                    rule=result.mutant.target,
                    kind=result.mutant.kind,
                    mutation=result.mutant.description,
                )
                for result in self.survivors
            ],
            survived_by_kind=self.survived_by_kind(),
            score=self.score,
            invalid_mutants=[
                InvalidMutant(id=result.mutant.id, error=result.detail)
                for result in self.results
                if result.outcome is Outcome.INVALID
            ],
            equivalent_mutants=[
                result.mutant.id for result in self.results if result.outcome is Outcome.EQUIVALENT
            ],
            unknown_equivalents=list(self.unknown_equivalents),
        )

    def to_dict(self) -> dict[str, Any]:
        """`to_summary()` as JSON data."""
        return self.to_summary().model_dump(mode="json")

    def to_text(self) -> str:
        """The survivors grouped by the clause they read wrongly, then the summary line."""
        lines = [f"{self.pack} ({self.path}): {len(self.results)} mutants, {self.cases} cases"]
        groups: dict[str, list[Mutant]] = {}
        for result in self.survivors:
            for clause in result.mutant.clauses or ("(no clause)",):
                groups.setdefault(clause, []).append(result.mutant)
        if groups:
            lines.append("survivors, by clause:")
        for clause in sorted(groups, key=_natural):
            lines.append(f"  {clause}")
            for mutant in groups[clause]:
                lines += [f"    {mutant.id}", f"      {mutant.description}"]
        if self.survivors:
            kinds = ", ".join(f"{kind} {n}" for kind, n in self.survived_by_kind().items())
            lines.append(f"survivors by kind: {kinds}")
        for result in self.results:
            if result.outcome is Outcome.EQUIVALENT:
                lines.append(f"equivalent: {result.mutant.id}: {result.detail}")
            elif result.listed_equivalent and result.outcome is Outcome.KILLED:
                lines.append(
                    f"listed as equivalent but killed: {result.mutant.id} by {result.detail}"
                )
        lines += [f"unknown in equivalent_mutants: {name}" for name in self.unknown_equivalents]
        lines.append(self.summary())
        return "\n".join(lines)


def summary_table(reports: Sequence[MutationReport]) -> str:
    """One line per pack: its counts, score and wall time."""
    head = ("pack", "mutants", "killed", "survived", "invalid", "equivalent", "score", "seconds")
    rows: list[tuple[str, ...]] = [head]
    for report in reports:
        counts = [report.count(outcome) for outcome in Outcome]
        score = "-" if report.score is None else f"{report.score:.1%}"
        rows.append(
            (
                report.pack,
                str(len(report.results)),
                *(str(n) for n in counts),
                score,
                f"{report.seconds:.1f}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    return "\n".join(
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    )


def _natural(text: str) -> list[Any]:
    """Sort key that puts a2-s1 before a10-s1."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


# --- cases ------------------------------------------------------------------------------------


def default_case_dirs(pack: CompiledPack) -> list[Path]:
    """`tests/packs/<pack id>/` under the working directory (its `blind/` cases included)."""
    return [Path("tests") / "packs" / pack.id]


def load_pack_cases(pack: CompiledPack, dirs: Iterable[str | Path]) -> list[Case]:
    """The cases under `dirs` (files or directories, searched recursively) written for `pack`.

    Cases of another pack are left out: `--cases` may name a directory shared by several packs.
    """
    files: list[Path] = []
    for entry in dirs:
        path = Path(entry)
        if not path.exists():
            raise EvaluationError(
                f"no cases at {path}", code="mutate.no_cases", hint="give --cases DIR"
            )
        files += iter_case_files(path) if path.is_dir() else [path]
    cases = [case for file in files for case in load_cases(file)]
    ours = {ref: _same_pack(ref, pack) for ref in {case.pack for case in cases}}
    return [case for case in cases if ours[case.pack]]


def _same_pack(ref: str, pack: CompiledPack) -> bool:
    if ref == pack.id or ref == pack.path:
        return True
    return get_pack(ref).id == pack.id


# --- running ------------------------------------------------------------------------------------


def run_mutation(
    pack: CompiledPack,
    cases: Sequence[Case],
    *,
    jobs: int | None = None,
    cache_dir: Path | None = CACHE_DIR,
    mutants: Sequence[Mutant] | None = None,
) -> MutationReport:
    """Run `cases` against every mutant of `pack` (or the `mutants` given).

    `jobs` worker processes (default: one per core; 1 runs in this process); `cache_dir` None
    neither reads nor writes the cache. Raises `EvaluationError` when there are no cases or
    when a case fails on the pack itself: a mutant can only be killed by cases that pass.
    """
    started = time.perf_counter()
    if not cases:
        raise EvaluationError(
            f"no cases for pack '{pack.id}'",
            code="mutate.no_cases",
            hint=f"write cases under tests/packs/{pack.id}/ or give --cases DIR",
        )
    mutants = list(generate_mutants(pack.spec) if mutants is None else mutants)
    keys = _Keys(pack)
    digests = [_case_digest(case) for case in cases]
    cached = _read_cache(cache_dir, pack.id) if cache_dir is not None else {}
    # The pack itself is cached as the mutant without edits: the cases it has passed.
    original = keys.of(())
    known = cached.get(original)
    passed = known.passed if known is not None and known.outcome is Outcome.SURVIVED else set()
    _check_baseline(pack, [case for case, d in zip(cases, digests, strict=True) if d not in passed])
    mutant_keys = [keys.of(mutant.edits) for mutant in mutants]
    plans = [_plan(cached.get(key), digests) for key in mutant_keys]
    work = [
        (mutant, plan.pending) for mutant, plan in zip(mutants, plans, strict=True) if plan.pending
    ]
    ran = iter(_run(work, pack_data(pack.spec), pack.marks, cases, jobs))
    entries = {original: _Entry(Outcome.SURVIVED, passed=frozenset(digests))}
    for key, plan in zip(mutant_keys, plans, strict=True):
        if plan.pending:
            plan.entry = plan.settle(next(ran), digests)
        assert plan.entry is not None  # a plan without pending cases keeps its entry
        entries[key] = plan.entry
    if cache_dir is not None:
        _write_cache(cache_dir, pack.id, entries)
    equivalent = {entry.id: entry.reason for entry in pack.spec.equivalent_mutants}
    results = tuple(
        _result(mutant, plan.entry, equivalent) for mutant, plan in zip(mutants, plans, strict=True)
    )
    ids = {mutant.id for mutant in mutants}
    return MutationReport(
        pack=pack.id,
        path=pack.path,
        cases=len(cases),
        results=results,
        evaluated=len(work),
        seconds=time.perf_counter() - started,
        unknown_equivalents=tuple(name for name in equivalent if name not in ids),
    )


def cached_results(
    pack: CompiledPack, cases: Sequence[Case], *, cache_dir: Path = CACHE_DIR
) -> list[tuple[Mutant, MutantResult | None]]:
    """Every mutant of `pack`, with its outcome against `cases` as the cache records it.

    None stands for a mutant the cache cannot settle: never run, or not yet against every case
    (a survivor), or killed by a case no longer among `cases`. Nothing is evaluated and the cache
    is not written: this is what `run_mutation` would reuse.
    """
    keys = _Keys(pack)
    digests = [_case_digest(case) for case in cases]
    cached = _read_cache(cache_dir, pack.id)
    equivalent = {entry.id: entry.reason for entry in pack.spec.equivalent_mutants}
    found: list[tuple[Mutant, MutantResult | None]] = []
    for mutant in generate_mutants(pack.spec):
        plan = _plan(cached.get(keys.of(mutant.edits)), digests)
        settled = plan.entry is not None and not plan.pending
        found.append((mutant, _result(mutant, plan.entry, equivalent) if settled else None))
    return found


@dataclass(frozen=True)
class _Entry:
    """A mutant's outcome as cached: what killed it, or the cases it survived."""

    outcome: Outcome  # killed, survived or invalid
    detail: str | None = None
    killer: str | None = None  # the digest of the case that killed it
    passed: frozenset[str] = frozenset()  # the digests of the cases it survived


@dataclass
class _Plan:
    """What a mutant still needs: the cases to run against it (none: the entry stands)."""

    entry: _Entry | None
    pending: tuple[int, ...]

    def settle(self, ran: _Ran, digests: Sequence[str]) -> _Entry:
        """The mutant's entry, given what running the pending cases found."""
        outcome, detail, killer = ran
        if outcome is not Outcome.SURVIVED:
            return _Entry(outcome, detail, None if killer is None else digests[killer])
        before = self.entry.passed if self.entry is not None else frozenset()
        now = {digests[i] for i in self.pending}
        return _Entry(Outcome.SURVIVED, passed=frozenset(before & set(digests)) | now)


def _plan(entry: _Entry | None, digests: Sequence[str]) -> _Plan:
    every = tuple(range(len(digests)))
    if entry is None:
        return _Plan(None, every)
    if entry.outcome is Outcome.INVALID:
        return _Plan(entry, ())  # loading does not depend on the cases
    if entry.outcome is Outcome.KILLED:
        # Killed for good while its killer is among the cases; otherwise it runs again.
        return _Plan(entry, ()) if entry.killer in digests else _Plan(None, every)
    return _Plan(entry, tuple(i for i, d in enumerate(digests) if d not in entry.passed))


def _result(mutant: Mutant, entry: _Entry | None, equivalent: Mapping[str, str]) -> MutantResult:
    assert entry is not None
    outcome, detail = entry.outcome, entry.detail
    if mutant.id not in equivalent:
        return MutantResult(mutant, outcome, detail)
    # A listed mutant is still run: a case that kills it shows that it was not equivalent.
    if outcome is Outcome.SURVIVED:
        return MutantResult(mutant, Outcome.EQUIVALENT, equivalent[mutant.id], True)
    return MutantResult(mutant, outcome, detail, True)


def _check_baseline(pack: CompiledPack, cases: Sequence[Case]) -> None:
    failing = [case for case in cases if check_case(case, pack).problems]
    if failing:
        names = ", ".join(case.id for case in failing[:5])
        more = f" and {len(failing) - 5} more" if len(failing) > 5 else ""
        raise EvaluationError(
            f"{len(failing)} case(s) fail on pack '{pack.id}' itself: {names}{more}",
            code="mutate.cases_fail",
            hint="make `policyengine test` pass first: a failing case would kill every mutant",
        )


_Work = tuple[Mutant, tuple[int, ...]]
"""A mutant and the positions of the cases to run against it."""
_Ran = tuple[Outcome, str | None, int | None]
"""The outcome, its detail, and the position of the case that killed the mutant."""


def _run(
    work: Sequence[_Work],
    data: Mapping[str, Any],
    marks: Marks,
    cases: Sequence[Case],
    jobs: int | None,
) -> list[_Ran]:
    state = _State(data, marks, tuple(cases))
    workers = min(jobs or os.cpu_count() or 1, len(work))
    if workers <= 1:
        return _run_chunk(state, list(work))
    import multiprocessing  # only parallel runs need these
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = math.ceil(len(work) / (workers * _CHUNKS_PER_JOB))
    chunks = [list(work[i : i + size]) for i in range(0, len(work), size)]
    # Spawned, not forked: a fork of a process with threads may deadlock. The pack's data and
    # the cases travel with each chunk rather than as the initializer's arguments: a worker that
    # dies while starting (a script without a `__main__` guard) would leave the parent blocked
    # for ever writing arguments larger than a pipe's buffer to it.
    with ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
    ) as executor:
        try:
            ran = executor.map(_run_chunk, itertools.repeat(state), chunks)
            return [outcome for chunk in ran for outcome in chunk]
        except BrokenProcessPool:
            raise EvaluationError(
                "the worker processes stopped before finishing the mutants",
                code="mutate.workers_failed",
                hint="run with --jobs 1 to see the cause (a worker ran out of memory or was "
                'killed; a script must start the run under `if __name__ == "__main__":`)',
            ) from None


@dataclass(frozen=True)
class _State:
    """What a worker needs besides the mutants: the pack's data, its marks, the cases."""

    data: Mapping[str, Any]
    marks: Marks
    cases: tuple[Case, ...]


def _init_worker() -> None:
    # Ctrl-C reaches the whole process group; the parent shuts the pool down.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _run_chunk(state: _State, chunk: list[_Work]) -> list[_Ran]:
    return [_try(m, pending, state.data, state.marks, state.cases) for m, pending in chunk]


def _try(
    mutant: Mutant,
    pending: Sequence[int],
    data: Mapping[str, Any],
    marks: Marks,
    cases: Sequence[Case],
) -> _Ran:
    """Compile the mutant and run the pending cases, in order, until one fails."""
    try:
        pack = compile_pack(mutant.apply(data), marks=marks)
    except PackError as exc:
        first = exc.errors[0] if isinstance(exc, PackErrors) else exc
        return Outcome.INVALID, PackError.__str__(first).splitlines()[0], None
    for index in pending:
        case = cases[index]
        try:
            problems = check_case(case, pack).problems
        except Exception as exc:  # any failure of evaluation tells the mutant apart
            detail = f"{case.id}: evaluation raised {type(exc).__name__}: {exc}"
            return Outcome.KILLED, detail, index
        if problems:
            return Outcome.KILLED, f"{case.id}: {problems[0]}", index
    return Outcome.SURVIVED, None, None


# --- the cache ----------------------------------------------------------------------------------


class _Keys:
    """Cache keys of mutated packs: the pack's data, the mutant's edits and the engine, hashed."""

    def __init__(self, pack: CompiledPack) -> None:
        common = hashlib.sha256()
        # Listing a mutant as equivalent changes no outcome: the list is left out of the key.
        common.update(pack.spec.model_dump_json(exclude={"equivalent_mutants"}).encode())
        common.update(_engine_digest().encode())
        self.common = common.hexdigest()

    def of(self, edits: Sequence[Edit]) -> str:
        """The key of the pack with `edits` made (the mutated pack follows from the two)."""
        listed = [[list(edit.path), edit.value, edit.remove] for edit in edits]
        text = json.dumps(listed, default=str, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(f"{self.common}\n{text}".encode()).hexdigest()


_CASE_DIGEST_CHARS = 16  # a survivor lists every case it met: short digests keep the file small


def _case_digest(case: Case) -> str:
    """A case, known by its contents (its project as merged over the file's base)."""
    fields = [case.name, case.stage, case.as_of, case.project, case.expect]
    text = json.dumps(fields, default=str, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()[:_CASE_DIGEST_CHARS]


@cache
def _engine_digest() -> str:
    """The version and the code of the engine: an edit to the evaluator changes outcomes before
    the version number changes."""
    digest = hashlib.sha256(__version__.encode())
    for module in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(module.read_bytes())
    return digest.hexdigest()


def _read_cache(directory: Path, pack_id: str) -> dict[str, _Entry]:
    # Plain JSON, never pickle: a cache file is read as data and cannot run code. An entry of
    # the wrong shape is skipped, and its mutant runs again.
    try:
        stored = json.loads((directory / f"{pack_id}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(stored, dict) or stored.get("format") != _CACHE_FORMAT:
        return {}
    mutants = stored.get("mutants")
    found: dict[str, _Entry] = {}
    for key, raw in mutants.items() if isinstance(mutants, dict) else ():
        entry = _entry(raw)
        if entry is not None:
            found[key] = entry
    return found


def _entry(raw: Any) -> _Entry | None:
    if not isinstance(raw, dict) or raw.get("outcome") not in ("killed", "survived", "invalid"):
        return None
    detail, killer, passed = raw.get("detail"), raw.get("killer"), raw.get("passed", [])
    if not (
        (detail is None or isinstance(detail, str))
        and (killer is None or isinstance(killer, str))
        and isinstance(passed, list)
        and all(isinstance(d, str) for d in passed)
    ):
        return None
    return _Entry(Outcome(raw["outcome"]), detail, killer, frozenset(passed))


def _write_cache(directory: Path, pack_id: str, entries: Mapping[str, _Entry]) -> None:
    """Replace the pack's cache file with this run's entries (older keys are dropped)."""
    mutants = {
        key: {
            "outcome": entry.outcome.value,
            "detail": entry.detail,
            "killer": entry.killer,
            "passed": sorted(entry.passed),
        }
        for key, entry in sorted(entries.items())
    }
    text = json.dumps({"format": _CACHE_FORMAT, "mutants": mutants}, ensure_ascii=False)
    partial: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True)
        # Written beside and renamed into place: a reader never sees half a file.
        handle, partial = tempfile.mkstemp(dir=directory, prefix=f".{pack_id}.", suffix=".tmp")
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            file.write(text)
        os.replace(partial, directory / f"{pack_id}.json")
        partial = None
    except OSError:
        pass  # the cache only saves time: a run that cannot write it still reports
    finally:
        if partial is not None:
            Path(partial).unlink(missing_ok=True)
