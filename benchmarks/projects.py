"""Generated projects for the benchmark: every fact a pack reads is known.

A quarter of the projects put each amount exactly on one of the pack's CNY thresholds or band
bounds, so boundaries are exercised as often as ordinary values. Steps are all present, with
dates in life-cycle order (so no impossible date order is generated). Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
import typing
from decimal import Decimal
from typing import Any

from policyengine import CompiledPack, Project
from policyengine.project import MEMBER_RECORDS
from policyengine.vocabulary import (
    AdminLevel,
    Document,
    FundingSource,
    Item,
    OwnerType,
    Step,
    Vocabulary,
)

AS_OF = dt.date(2026, 11, 23)
"""The date every benchmark evaluation is made for."""


def boundaries(pack: CompiledPack) -> list[Decimal]:
    """Every CNY threshold and band bound of `pack`."""
    values = {t.value for t in pack.spec.thresholds.values() if t.unit == "CNY"}
    for table in pack.tables:
        for low, _, high, _ in table.bounds:
            values.update(b for b in (low, high) if b is not None and b > 0)
    return sorted(values)


def generate(pack: CompiledPack, count: int, seed: int = 2026) -> list[Project]:
    """`count` complete projects for `pack`; a quarter sit exactly on its boundaries."""
    rng = random.Random(seed)
    edges = boundaries(pack)
    return [_project(pack, rng, edges if i % 4 == 0 else [], i) for i in range(count)]


def generate_dicts(pack: CompiledPack, count: int, seed: int = 2026) -> list[dict[str, Any]]:
    """The same projects as JSON-ready mappings (for JSON Lines input)."""
    return [p.model_dump(mode="json", exclude_none=True) for p in generate(pack, count, seed)]


def _project(pack: CompiledPack, rng: random.Random, edges: list[Decimal], i: int) -> Project:
    names = pack.reader.names
    data: dict[str, Any] = {"id": f"bench-{i:07d}", "name": f"项目{i}"}
    for name in pack.reader.plain:
        info = Project.model_fields[name]
        data[name] = _value(name, info.annotation, rng, edges)
    data["owner"] = {
        "type": rng.choice(list(OwnerType)).value,
        # Mostly the level the pack governs, so that most projects are in scope.
        "level": pack.spec.level.value if rng.random() < 0.85 else rng.choice(list(AdminLevel)),
    }
    total = data.get("total_investment") or _amount(rng, edges)
    data["funding"] = _funding(rng, Decimal(total))
    data["steps"] = _steps(rng, data.get("plan_year"))
    if "budget_increase_total" in names or "budget_increase_ratio" in names:
        data["budget_changes"] = [
            {"increase": str(_amount(rng, [])), "approved_by_authority": rng.random() < 0.8}
        ]
    return Project.model_validate(data)


def _value(name: str, annotation: Any, rng: random.Random, edges: list[Decimal]) -> Any:
    if name in MEMBER_RECORDS:  # complete records: the benchmark's projects know every fact
        return _members(MEMBER_RECORDS[name].vocabulary, rng)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if args else annotation
    if typing.get_origin(base) is typing.Annotated:
        base = typing.get_args(base)[0]
    if isinstance(base, type) and issubclass(base, Vocabulary):
        return rng.choice(list(base)).value
    if base is bool:
        return rng.random() < 0.75
    if base is Decimal:
        if name == "om_period_years":
            return str(rng.choice([2, 3, 4, 5]))
        return str(_amount(rng, edges))
    if base is int:
        if name == "plan_year":
            return rng.randint(2023, 2027)
        if name == "mlps_level":
            return rng.randint(1, 4)
        return rng.randint(0, 4)
    if base is dt.date:
        return (dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 1400))).isoformat()
    if base is str:
        return None
    raise TypeError(f"no generator for Project.{name}: {annotation!r}")


def _members(vocabulary: type[Vocabulary], rng: random.Random) -> list[str]:
    members = list(vocabulary)
    if vocabulary is Document:
        # Most documents present, so that missing ones are the exception, as in real files.
        return [d.value for d in members if rng.random() < 0.9]
    if vocabulary is Item:
        return [i.value for i in rng.sample(members, rng.randint(0, 3))]
    return [m.value for m in rng.sample(members, rng.randint(0, 3))]


def _amount(rng: random.Random, edges: list[Decimal]) -> Decimal:
    if edges:
        return rng.choice(edges)
    return Decimal(rng.randint(1_000, 60_000_000_00)) / 100


_FISCAL = [s for s in FundingSource if s.value.endswith("_fiscal")]


def _funding(rng: random.Random, total: Decimal) -> list[dict[str, str]]:
    # Mostly fiscal money first, the usual case for government IT projects.
    first_source = rng.choice(_FISCAL) if rng.random() < 0.85 else rng.choice(list(FundingSource))
    others = [s for s in FundingSource if s is not first_source]
    sources = [first_source, *rng.sample(others, rng.randint(0, 1))]
    if len(sources) == 1:
        return [{"source": sources[0].value, "amount": str(total)}]
    first = (total * Decimal(rng.randint(1, 99)) / 100).quantize(Decimal("0.01"))
    return [
        {"source": sources[0].value, "amount": str(first)},
        {"source": sources[1].value, "amount": str(total - first)},
    ]


def _steps(rng: random.Random, plan_year: int | None) -> dict[str, dict[str, Any]]:
    # Every step, dated in vocabulary order, which is life-cycle order; the application falls
    # in the year before the plan year when there is one.
    start = dt.date(plan_year - 1, 1, 1) if plan_year else dt.date(2022, 1, 1)
    day = start + dt.timedelta(days=rng.randint(0, 300))
    steps: dict[str, dict[str, Any]] = {}
    for step in Step:
        day += dt.timedelta(days=rng.randint(0, 45))
        steps[step.value] = {
            "date": day.isoformat(),
            "outcome": "passed" if rng.random() < 0.85 else "failed",
        }
    return steps
