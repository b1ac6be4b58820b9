"""Check that the hand-written Zhanggong decisions agree with the engine, project for project.

    python benchmarks/check_handwritten.py [COUNT_PER_SEED] [--time]

Generates projects with several seeds (benchmarks/projects.py: for each seed, COUNT_PER_SEED
projects as the benchmark times them and as many varied ones, with steps not taken and outcomes
pending), compares
`handwritten.decide(p, AS_OF)` with `policyengine.decide(p, "zhanggong", stage="audit",
as_of=AS_OF)` and prints the first mismatches with the facts the rule reads. The engine is asked
for stage `audit`, the last stage, at which every duty of the pack is due, as the hand-written
function decides them all (without a stage the engine would use the project's own stage, else
the latest stage of its steps). Every field of the decisions is compared, the whole mapping of
rule statuses included (its keys and their order as well as each status), so a rule the engine
has and the hand-written function lacks (or the reverse) is a mismatch. Random projects nearly
always fail some rule, so one in 25 also starts a path of projects toward compliance
(`projects.toward_compliance`), each compared too: they bring compliant and incomplete verdicts,
and nearly compliant projects, into the comparison. With --time, also
measures microseconds per project for the hand-written function, `policyengine.decide` and
`policyengine.evaluate`, at the same stage.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten
from projects import AS_OF, generate, toward_compliance

import policyengine
from policyengine import Decisions, Project, load_pack
from policyengine.evaluator import fact_value

SEEDS = (2026, 1, 7, 42)
SHOWN = 10
STAGE = "audit"
"""The last stage: every duty is due, as in the hand-written function."""
PATH_EVERY = 25
"""One generated project in this many also starts a path toward compliance (`projects.py`):
random projects nearly always fail some rule, and the paths bring compliant and incomplete
verdicts into the comparison."""


def _differences(hand: Decisions, engine: Decisions) -> list[str]:
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
    return found


def _facts(pack: policyengine.CompiledPack, project: Project, lines: list[str]) -> dict[str, Any]:
    ids = {line.split(":", 1)[0] for line in lines}
    namespace = pack.reader.read(project, AS_OF)
    names: set[str] = set()
    for rule in pack.rules:
        if rule.id in ids:
            names.update(rule.fact_names)
    return {name: fact_value(namespace.get(name)) for name in sorted(names)}


def check(count: int) -> int:
    """Compare `count` generated projects per seed, as many varied ones, and the projects on
    the paths toward compliance of every `PATH_EVERY`-th of them; return the number of
    mismatching projects."""
    pack = load_pack("zhanggong")
    compared = mismatched = 0
    kinds: Counter[str] = Counter()
    overall: Counter[str] = Counter()
    for seed in SEEDS:
        # The benchmark's projects, and varied ones (steps not taken, outcomes pending).
        sets = {
            "benchmarked": generate(pack, count, seed),
            "varied": generate(pack, count, seed, varied=True),
        }
        starts = [start for projects in sets.values() for start in projects[::PATH_EVERY]]
        sets["on a path"] = [
            project
            for start in starts
            for project in toward_compliance(pack, start, stage=STAGE, as_of=AS_OF)
        ]
        for kind, projects in sets.items():
            kinds[kind] += len(projects)
            for project in projects:
                hand = handwritten.decide(project, AS_OF)
                engine = policyengine.decide(project, pack, stage=STAGE, as_of=AS_OF)
                compared += 1
                overall[engine.status.value] += 1
                lines = _differences(hand, engine)
                if not lines and hand == engine:
                    continue
                mismatched += 1
                if mismatched <= SHOWN:
                    print(f"seed {seed}, {kind}, {project.id}:")
                    for line in lines or ["(decisions differ)"]:
                        print(f"    {line}")
                    print(f"    facts: {_facts(pack, project, lines)}")
    print(
        f"{compared} projects compared ({kinds['benchmarked']} as benchmarked, "
        f"{kinds['varied']} varied, {kinds['on a path']} on paths toward compliance)"
    )
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(overall.items()))
    print(f"engine's overall status: {statuses}")
    agreement = ": full agreement" if not mismatched else ""
    print(f"{compared - mismatched}/{compared} agree, {mismatched} mismatching{agreement}")
    return mismatched


def _per_project(run: Callable[[Project], object], projects: list[Project]) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for project in projects:
            run(project)
        best = min(best, time.perf_counter() - start)
    return best / len(projects) * 1e6


def timings(count: int = 5000) -> None:
    """Microseconds per project: hand-written, policyengine.decide, policyengine.evaluate."""
    pack = load_pack("zhanggong")
    projects = generate(pack, count, 2026)
    in_scope = sum(handwritten.in_scope(p) for p in projects)
    print(f"{count} projects, {in_scope} in scope; best of 3 runs, µs per project:")
    runs: dict[str, Callable[[Project], object]] = {
        "handwritten.decide": lambda p: handwritten.decide(p, AS_OF),
        "policyengine.decide": lambda p: policyengine.decide(p, pack, stage=STAGE, as_of=AS_OF),
        "policyengine.evaluate": lambda p: policyengine.evaluate(p, pack, stage=STAGE, as_of=AS_OF),
    }
    for name, run in runs.items():
        print(f"    {name:24} {_per_project(run, projects):8.1f}")


def main(argv: list[str]) -> int:
    args = [a for a in argv if not a.startswith("--")]
    count = int(args[0]) if args else 5000
    mismatched = check(count)
    if "--time" in argv:
        timings()
    return 1 if mismatched else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
