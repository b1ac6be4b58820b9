"""Check that the hand-written Zhanggong decisions agree with the engine, project for project.

    python benchmarks/check_handwritten.py [COUNT_PER_SEED] [--time]

Generates projects with several seeds (benchmarks/projects.py), compares
`handwritten.decide(p, AS_OF)` with `policyengine.decide(p, "zhanggong", stage=None,
as_of=AS_OF)` and prints the first mismatches with the facts the rule reads. With --time, also
measures microseconds per project for the hand-written function, `policyengine.decide` and
`policyengine.evaluate`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten
from projects import AS_OF, generate

import policyengine
from policyengine import Decisions, Project, load_pack
from policyengine.evaluator import fact_value

SEEDS = (2026, 1, 7, 42)
SHOWN = 10


def _differences(hand: Decisions, engine: Decisions) -> list[str]:
    found = []
    for field in ("pack_id", "in_scope", "status", "route", "missing_documents"):
        if getattr(hand, field) != getattr(engine, field):
            found.append(
                f"{field}: hand {getattr(hand, field)!r}, engine {getattr(engine, field)!r}"
            )
    if list(hand.statuses) != list(engine.statuses):
        found.append(f"rule order: hand {list(hand.statuses)}, engine {list(engine.statuses)}")
    for rule_id, status in engine.statuses.items():
        mine = hand.statuses.get(rule_id)
        if mine != status:
            found.append(f"{rule_id}: hand {mine}, engine {status}")
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
    """Compare `count` projects per seed; return the number of mismatching projects."""
    pack = load_pack("zhanggong")
    compared = mismatched = 0
    for seed in SEEDS:
        for project in generate(pack, count, seed):
            hand = handwritten.decide(project, AS_OF)
            engine = policyengine.decide(project, pack, stage=None, as_of=AS_OF)
            compared += 1
            if hand == engine and list(hand.statuses) == list(engine.statuses):
                continue
            mismatched += 1
            if mismatched <= SHOWN:
                lines = _differences(hand, engine)
                print(f"seed {seed}, {project.id}:")
                for line in lines:
                    print(f"    {line}")
                print(f"    facts: {_facts(pack, project, lines)}")
    print(f"{compared} projects compared, {mismatched} mismatching")
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
        "policyengine.decide": lambda p: policyengine.decide(p, pack, as_of=AS_OF),
        "policyengine.evaluate": lambda p: policyengine.evaluate(p, pack, as_of=AS_OF),
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
