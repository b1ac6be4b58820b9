"""Check that the hand-written Zhanggong decisions agree with the engine, project for project.

    python benchmarks/check_handwritten.py [COUNT_PER_SEED]

For several seeds, generates COUNT_PER_SEED projects (`benchmarks/projects.py`) and compares
`handwritten.decide(p, AS_OF, stage)` with `policyengine.decide(p, "zhanggong", stage=stage,
as_of=AS_OF)` on them and on variants of them:

- as benchmarked: every fact known, every step taken;
- varied: some steps not taken, some outcomes pending;
- on a path toward compliance: one in 25 starts a path of projects that fail fewer and fewer
  error rules (`projects.toward_compliance`), bringing compliant and incomplete verdicts in;
- authorities stated: who performed each step (the generated projects state none, which leaves
  every rule reading a step's authorities unknown);
- one unknown fact: each project with one of the facts the pack reads unknown, in turn;
- several unknown facts: ten at random;
- unknown step facts: dates, outcomes and authorities of steps taken;
- the ends of paths from projects with authorities stated, each with one fact unknown in turn,
  and with a deadline of an error rule pending (due on AS_OF, or the other step not held);
- edge cases: no facts at all, no steps taken, the steps unknown.

Every set is compared at stage `audit` (every duty due: what the benchmark times); every fifth
project of each set also at every other stage. Every field of the decisions is compared: pack,
scope, overall status, route, the missing documents, and the whole mapping of rule statuses (its
keys and their order as well as each status). The first mismatches are printed with the facts
the rules read; the exit status is 1 if any project mismatches.

`compare` is what `benchmarks/bench.py` runs over the projects it times, before timing them.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten
from projects import (
    AS_OF,
    _with,
    generate,
    toward_compliance,
    unknowable_facts,
    with_authorities,
    with_unknown,
    with_unknown_steps,
)

import policyengine
from policyengine import CompiledPack, Decisions, Project, load_pack
from policyengine.evaluator import fact_value
from policyengine.project import StepRecord
from policyengine.vocabulary import Document, Stage, Step, StepOutcome

SEEDS = (2026, 1, 7, 42)
SHOWN = 10
STAGE = Stage.AUDIT
"""The stage the benchmark times: the last, at which every duty of the pack is due."""
EVERY_STAGE = 5
"""Every this many projects of a set is compared at every stage as well."""
PATH_EVERY = 25
"""One generated project in this many also starts a path toward compliance."""
SEVERAL = 10
"""Facts unknown at once in the "several unknown facts" set."""


def differences(hand: Decisions, engine: Decisions) -> list[str]:
    """What differs between two decisions, one line each (empty: equal)."""
    found = []
    for field in ("pack_id", "in_scope", "status", "route", "missing_documents"):
        if getattr(hand, field) != getattr(engine, field):
            found.append(
                f"{field}: hand {getattr(hand, field)!r}, engine {getattr(engine, field)!r}"
            )
    extra = [rule_id for rule_id in hand.statuses if rule_id not in engine.statuses]
    for rule_id in [*engine.statuses, *extra]:
        mine, theirs = hand.statuses.get(rule_id), engine.statuses.get(rule_id)
        if mine != theirs:
            found.append(f"{rule_id}: hand {mine}, engine {theirs}")
    if not found and list(hand.statuses) != list(engine.statuses):
        found.append(f"rule order: hand {list(hand.statuses)}, engine {list(engine.statuses)}")
    if not found and hand != engine:
        found.append("(decisions differ)")
    return found


def _facts(pack: CompiledPack, project: Project, lines: list[str]) -> dict[str, Any]:
    ids = {line.split(":", 1)[0] for line in lines}
    namespace = pack.reader.read(project, AS_OF)
    names: set[str] = set()
    for rule in pack.rules:
        if rule.id in ids:
            names.update(rule.fact_names)
    if not names:  # scope, route or overall status: show every fact
        names = set(pack.reader.names)
    return {name: fact_value(namespace.get(name)) for name in sorted(names)}


def compare(
    pack: CompiledPack,
    sets: Mapping[str, Sequence[Project]],
    *,
    every_stage: int = EVERY_STAGE,
    shown: int = SHOWN,
    label: str = "",
) -> tuple[int, int, Counter[str]]:
    """Compare the hand-written decisions with the engine's on every project of `sets`, at
    stage audit and, for every `every_stage`-th project, at every other stage too.

    Prints the first `shown` mismatches; returns (comparisons, mismatching comparisons, the
    engine's overall statuses at audit).
    """
    compared = mismatched = 0
    overall: Counter[str] = Counter()
    others = [stage for stage in Stage if stage is not STAGE]
    for kind, projects in sets.items():
        for index, project in enumerate(projects):
            stages = [STAGE, *others] if every_stage and index % every_stage == 0 else [STAGE]
            for stage in stages:
                hand = handwritten.decide(project, AS_OF, stage)
                engine = policyengine.decide(project, pack, stage=stage, as_of=AS_OF)
                compared += 1
                if stage is STAGE:
                    overall[engine.status.value] += 1
                lines = differences(hand, engine)
                if not lines:
                    continue
                mismatched += 1
                if mismatched <= shown:
                    print(f"{label}{kind}, {project.id}, stage {stage.value}:")
                    for line in lines:
                        print(f"    {line}")
                    print(f"    facts: {_facts(pack, project, lines)}")
    return compared, mismatched, overall


def variants(pack: CompiledPack, count: int, seed: int) -> dict[str, list[Project]]:
    """The sets of projects `main` compares for one seed (see the module doc)."""
    benchmarked = generate(pack, count, seed)
    varied = generate(pack, count, seed, varied=True)
    sets = {"as benchmarked": benchmarked, "varied": varied}
    starts = [start for projects in sets.values() for start in projects[::PATH_EVERY]]
    names = unknowable_facts(pack)
    sets["on a path"] = [
        project
        for start in starts
        for project in toward_compliance(pack, start, stage=STAGE.value, as_of=AS_OF)
    ]
    stated = with_authorities(varied, seed)
    sets["authorities stated"] = stated
    # Paths from projects whose authorities are stated can reach compliance; their ends, each
    # with one fact unknown in turn, weigh undecided rules against an otherwise clean verdict.
    ends = []
    for start in stated[::PATH_EVERY]:
        path = toward_compliance(pack, start, stage=STAGE.value, as_of=AS_OF)
        sets["on a path"] += path
        ends += path[-1:]
    sets["path ends, deadlines pending"] = [_pending(end) for end in ends for _pending in PENDING]
    sets["path ends, one unknown fact"] = [
        project for end in ends for project in with_unknown(pack, [end] * len(names), 1, seed)
    ]
    sets["one unknown fact"] = with_unknown(pack, stated, 1, seed)
    sets["several unknown facts"] = with_unknown(pack, stated, SEVERAL, seed)
    sets["unknown step facts"] = with_unknown_steps(stated, 3, seed)
    sets["edge cases"] = [
        Project(id="no-facts"),
        *(
            p.model_copy(update={"procedure": p.procedure.model_copy(update={"steps": steps})})
            for p in benchmarked[:50]
            for steps in ({}, None)
        ),
    ]
    return sets


def _acceptance_due_today(project: Project) -> Project:
    """Preliminary acceptance passed six months before AS_OF, no application for the completion
    acceptance and no deferral requested: zg-25-2-acceptance-within-half-year falls due on AS_OF
    itself (pending)."""
    steps = dict(project.procedure.steps or {})
    steps.pop(Step.ACCEPTANCE_APPLICATION, None)
    steps[Step.PRELIMINARY_ACCEPTANCE] = StepRecord(
        date=dt.date(AS_OF.year, AS_OF.month - 6, AS_OF.day), outcome=StepOutcome.PASSED
    )
    documents = (project.documents or frozenset()) - {Document.ACCEPTANCE_EXTENSION_REQUEST}
    return _with(project, {"steps": steps, "documents": documents})


def _final_acceptance_not_held(project: Project) -> Project:
    """zg-25-1-confirmation-before-acceptance pending: the confirmation, no final acceptance."""
    steps = dict(project.procedure.steps or {})
    steps.pop(Step.FINAL_ACCEPTANCE, None)
    steps.setdefault(Step.PRE_ACCEPTANCE_CONFIRMATION, StepRecord(date=AS_OF))
    return _with(project, {"steps": steps})


PENDING = (_acceptance_due_today, _final_acceptance_not_held)


def main(argv: list[str]) -> int:
    count = int(argv[0]) if argv else 2000
    pack = load_pack("zhanggong")
    start = time.perf_counter()
    compared = mismatched = 0
    kinds: Counter[str] = Counter()
    overall: Counter[str] = Counter()
    for seed in SEEDS:
        sets = variants(pack, count, seed)
        for kind, projects in sets.items():
            kinds[kind] += len(projects)
        n, bad, statuses = compare(pack, sets, shown=SHOWN - mismatched, label=f"seed {seed}, ")
        compared += n
        mismatched += bad
        overall += statuses
    projects = sum(kinds.values())
    print(
        f"hand-written against policyengine.decide, zhanggong, as of {AS_OF}: {projects} projects "
        f"({', '.join(f'{n} {kind}' for kind, n in kinds.items())}), seeds "
        f"{', '.join(map(str, SEEDS))}; at stage {STAGE.value}, and every {EVERY_STAGE}th at "
        f"every stage: {compared} comparisons in {time.perf_counter() - start:.0f} s"
    )
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(overall.items()))
    print(f"engine's overall status at {STAGE.value}: {statuses}")
    if mismatched:
        print(f"DISAGREEMENT: {mismatched} of {compared} comparisons mismatch")
        return 1
    print(f"{compared}/{compared} agree: full agreement")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
