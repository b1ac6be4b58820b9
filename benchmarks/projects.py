"""Generated projects for the benchmark: nearly every fact a pack reads is known.

A quarter of the projects put each amount exactly on one of the pack's CNY thresholds or band
bounds, so boundaries are exercised as often as ordinary values. Categories are mostly one,
sometimes two, sometimes none, and sometimes unknown. Every step is taken, most steps dated in
life-cycle order and some on any day of the project's span (never in an order the model rejects),
a few taken twice; a step's outcome is passed, sometimes conditional or failed. One project in
ten states a justification for departing from one rule. Deterministic for a seed.

With `varied=True` (the agreement check), one step in ten is also not taken and one outcome in
fifty is pending (unknown). The benchmark times the default projects: the engine reads a step
not taken as unknown facts (`<step>_date`, `<step>_passed`) and hands the expressions that read
them to its slower three-valued interpreter, which would change the workload its targets were
set on.

`toward_compliance` walks from a project toward one that fails none of a pack's error rules.
`with_unknown` and `with_unknown_steps` make facts unknown, for the benchmark's unknown-fact row
and the agreement check of the hand-written decisions.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
import re
import typing
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from pydantic.fields import FieldInfo

from policyengine import CompiledPack, Project, Status, decide
from policyengine.loader import CompiledRule
from policyengine.pack import Deadline, ProhibitedItems, RequiredDocuments, Severity
from policyengine.project import DATE_ORDER, FACT_FIELDS, GROUPS, MEMBER_RECORDS, StepRecord
from policyengine.vocabulary import (
    AdminLevel,
    Authority,
    Document,
    FundingSource,
    Item,
    OwnerType,
    ProjectCategory,
    Step,
    StepOutcome,
    Vocabulary,
)

FAIL = Status.FAIL

AS_OF = dt.date(2026, 11, 23)
"""The date every benchmark evaluation is made for."""


def boundaries(pack: CompiledPack) -> list[Decimal]:
    """Every CNY threshold and band bound of `pack`."""
    values = {t.value for t in pack.spec.thresholds.values() if t.unit == "CNY"}
    for table in pack.tables:
        for low, _, high, _ in table.bounds:
            values.update(b for b in (low, high) if b is not None and b > 0)
    return sorted(values)


def generate(
    pack: CompiledPack, count: int, seed: int = 2026, *, varied: bool = False
) -> list[Project]:
    """`count` projects for `pack`; a quarter sit exactly on its boundaries. With `varied`,
    some steps are not taken and some outcomes pending (see the module doc)."""
    rng = random.Random(seed)
    edges = boundaries(pack)
    return [_project(pack, rng, edges if i % 4 == 0 else [], i, varied) for i in range(count)]


def generate_dicts(pack: CompiledPack, count: int, seed: int = 2026) -> list[dict[str, Any]]:
    """The same projects as JSON-ready mappings (for JSON Lines input)."""
    return [p.model_dump(mode="json", exclude_none=True) for p in generate(pack, count, seed)]


def _project(
    pack: CompiledPack, rng: random.Random, edges: list[Decimal], i: int, varied: bool
) -> Project:
    names = pack.reader.names
    data: dict[str, Any] = {"id": f"bench-{i:07d}", "name": f"项目{i}"}
    for name in _plain_facts(pack):
        data[name] = _value(name, _field(name).annotation, rng, edges)
    data["owner_type"] = rng.choice(list(OwnerType)).value
    # Mostly the level the pack governs, so that most projects are in scope.
    level = pack.spec.level.value if rng.random() < 0.85 else rng.choice(list(AdminLevel))
    data["owner_level"] = level
    total = data.get("total_investment") or _amount(rng, edges)
    data["funding"] = _funding(rng, Decimal(total))
    data["steps"] = _steps(rng, data.get("plan_year"), varied)
    if rng.random() < 0.1:
        # A justification waives only a failed warning; half of them name one.
        warnings = [r for r in pack.rules if r.spec.severity is Severity.WARNING]
        rule = rng.choice(warnings if warnings and rng.random() < 0.5 else pack.rules)
        data["justifications"] = {rule.id: "the departure is justified"}
    if "budget_increase_total" in names or "budget_increase_ratio" in names:
        data["budget_changes"] = [
            {"increase": str(_amount(rng, [])), "approved_by_authority": rng.random() < 0.8}
        ]
    return Project.from_facts(data)


def _plain_facts(pack: CompiledPack) -> list[str]:
    """The facts `pack` reads as stated (not derived), except the owner's own."""
    read = [name for _, pairs in pack.reader.plain for name, _ in pairs]
    return [name for name in read if name not in ("owner_name", "owner_type", "owner_level")]


def _field(name: str) -> FieldInfo:
    if name not in FACT_FIELDS:
        return Project.model_fields[name]
    group, field = FACT_FIELDS[name]
    return GROUPS[group].model_fields[field]


def _with(project: Project, changes: dict[str, Any]) -> Project:
    """`project` with the facts `changes` names (by fact name) replaced, unvalidated."""
    top: dict[str, Any] = {}
    groups: dict[str, dict[str, Any]] = {}
    for name, value in changes.items():
        if name in FACT_FIELDS:
            group, field = FACT_FIELDS[name]
            groups.setdefault(group, {})[field] = value
        else:
            top[name] = value
    for group, update in groups.items():
        top[group] = getattr(project, group).model_copy(update=update)
    return project.model_copy(update=top)


def _value(name: str, annotation: Any, rng: random.Random, edges: list[Decimal]) -> Any:
    if name in MEMBER_RECORDS:  # complete records: the benchmark's projects know every fact
        return _members(MEMBER_RECORDS[name].vocabulary, rng)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if args else annotation
    if typing.get_origin(base) is typing.Annotated:
        base = typing.get_args(base)[0]
    if name == "categories":
        return _categories(rng)
    if typing.get_origin(base) is frozenset:
        (member,) = typing.get_args(base)
        return _members(member, rng)
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


def _categories(rng: random.Random) -> list[str] | None:
    # Mostly one category; sometimes two (a platform that is also an integration project), none
    # stated, or unknown.
    draw = rng.random()
    if draw < 0.08:
        return None
    if draw < 0.16:
        return []
    members = list(ProjectCategory)
    return [c.value for c in rng.sample(members, 2 if draw < 0.4 else 1)]


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


_ORDERED = frozenset(step for pair in DATE_ORDER for step in pair)


def _steps(rng: random.Random, plan_year: int | None, varied: bool) -> dict[str, dict[str, Any]]:
    # Dates in vocabulary order, which is mostly life-cycle order; the application falls in the
    # year before the plan year when there is one. One step in ten falls on any day of the
    # project's span, so that rules comparing two steps' dates (and deadlines) see both orders;
    # except the steps whose order the model fixes (DATE_ORDER). Varied: one in ten not taken.
    start = dt.date(plan_year - 1, 1, 1) if plan_year else dt.date(2022, 1, 1)
    day = start + dt.timedelta(days=rng.randint(0, 300))
    days = []
    for _ in Step:
        day += dt.timedelta(days=rng.randint(0, 45))
        days.append(day)
    first, span = days[0], (days[-1] - days[0]).days
    steps: dict[str, dict[str, Any]] = {}
    for step, day in zip(Step, days, strict=True):
        draw = rng.random()
        if varied and draw < 0.1:
            continue
        if 0.1 <= draw < 0.2 and step not in _ORDERED:
            day = first + dt.timedelta(days=rng.randint(0, span))
        record: dict[str, Any] = {"outcome": _outcome(rng, varied).value}
        if rng.random() < 0.05:
            # Taken twice: expressions read the latest date, deadlines measure the first.
            later = day + dt.timedelta(days=rng.randint(1, 120))
            record["dates"] = [day.isoformat(), later.isoformat()]
        else:
            record["date"] = day.isoformat()
        steps[step.value] = record
    return steps


def _outcome(rng: random.Random, varied: bool) -> StepOutcome:
    draw = rng.random()
    if draw < 0.78:
        return StepOutcome.PASSED
    if draw < 0.85:
        return StepOutcome.CONDITIONAL
    if draw < 0.98:
        return StepOutcome.FAILED
    return StepOutcome.PENDING if varied else StepOutcome.PASSED


# --- unknown facts ---------------------------------------------------------------------------


def unknowable_facts(pack: CompiledPack) -> list[str]:
    """The facts `pack` reads as a project states them, each of which a project may leave
    unknown: the plain facts, and the funding, budget changes and steps facts derive from."""
    reader = pack.reader
    names = [name for _, pairs in reader.plain for name, _ in pairs]
    if reader.funding:
        names.append("funding")
    if reader.budget:
        names.append("budget_changes")
    if reader.steps or reader.step_set:
        names.append("steps")
    return names


def with_unknown(
    pack: CompiledPack, projects: list[Project], count: int = 1, seed: int = 2026
) -> list[Project]:
    """Each project with `count` of the facts `pack` reads unknown (None). With one, the facts
    are taken in turn, so that every fact is unknown in some project; with more, at random."""
    names = unknowable_facts(pack)
    rng = random.Random(seed)
    changed = []
    for i, project in enumerate(projects):
        chosen = [names[i % len(names)]] if count == 1 else rng.sample(names, count)
        changed.append(_with(project, dict.fromkeys(chosen)))
    return changed


_STEP_UNKNOWNS: tuple[dict[str, Any], ...] = (
    {"date": None, "dates": []},  # taken on dates unknown
    {"outcome": None},  # outcome not stated
    {"outcome": StepOutcome.PENDING},
    {"authority": None, "joint_authorities": frozenset()},  # who performed it not stated
)


def with_unknown_steps(projects: list[Project], count: int = 3, seed: int = 2026) -> list[Project]:
    """Each project with `count` of its steps' facts unknown: a date, an outcome (unstated or
    pending) or the authority of a step taken."""

    def forget(steps: dict[Step, StepRecord], rng: random.Random) -> dict[Step, StepRecord]:
        for step in rng.sample(sorted(steps), min(count, len(steps))):
            steps[step] = steps[step].model_copy(update=rng.choice(_STEP_UNKNOWNS))
        return steps

    return _rewrite_steps(projects, seed, forget)


_AUTHORITIES = (
    Authority.COUNTY_DATA_BUREAU,
    Authority.MUNICIPAL_DATA_BUREAU,
    Authority.LEADING_GROUP,
    Authority.SECTOR_AUTHORITY,
    Authority.DEVELOPMENT_REFORM,
    Authority.FINANCE,
)


def with_authorities(projects: list[Project], seed: int = 2026) -> list[Project]:
    """Each project with who performed its steps stated: for most steps a lead authority, at
    times with joint ones (the generated projects state none, so that every rule reading a
    step's authorities is unknown there)."""

    def state(steps: dict[Step, StepRecord], rng: random.Random) -> dict[Step, StepRecord]:
        for step, record in steps.items():
            if rng.random() < 0.85:
                joint = frozenset(rng.sample(_AUTHORITIES, rng.choice((0, 0, 1, 2))))
                steps[step] = record.model_copy(
                    update={"authority": rng.choice(_AUTHORITIES), "joint_authorities": joint}
                )
        return steps

    return _rewrite_steps(projects, seed, state)


def _rewrite_steps(
    projects: list[Project],
    seed: int,
    rewrite: Callable[[dict[Step, StepRecord], random.Random], dict[Step, StepRecord]],
) -> list[Project]:
    """Each project with its complete steps record rewritten (a copy), by one seeded random
    source; a project with no steps, or a partial record, is kept as it is."""
    rng = random.Random(seed)
    changed = []
    for project in projects:
        steps = project.procedure.steps
        if not isinstance(steps, dict) or not steps:
            changed.append(project)
            continue
        changed.append(_with(project, {"steps": rewrite(dict(steps), rng)}))
    return changed


# --- toward compliance ---------------------------------------------------------------------


def toward_compliance(
    pack: CompiledPack, project: Project, *, stage: str, as_of: dt.date, limit: int = 40
) -> list[Project]:
    """Projects on a path from `project` toward compliance with `pack`.

    Random projects nearly always fail some rule, so a verdict that is compliant, or incomplete
    for want of a fact rather than failed, is rare among them. Each project of the path is the
    one before with the facts of one failing error rule changed (see `_fixes`), and fails fewer
    of the pack's error rules, as `policyengine.decide` judges them at `stage`, while staying in
    scope; the path ends when none fails, when no change helps, or after `limit` changes. The
    engine only steers the search: the projects are then compared like any others.
    """
    errors = frozenset(rule.id for rule in pack.rules if rule.spec.severity is Severity.ERROR)
    rules = {rule.id: rule for rule in pack.rules}

    def failing(candidate: Project) -> list[str] | None:
        decisions = decide(candidate, pack, stage=stage, as_of=as_of)
        if not decisions.in_scope:
            return None
        return [
            rule_id
            for rule_id, status in decisions.statuses.items()
            if status is FAIL and rule_id in errors
        ]

    path: list[Project] = []
    current, failed = project, failing(project)
    while failed and len(path) < limit:
        for rule_id in failed:
            for candidate in _fixes(pack, rules[rule_id], current):
                fewer = failing(candidate)
                if fewer is not None and len(fewer) < len(failed):
                    current, failed = candidate, fewer
                    path.append(current)
                    break
            else:
                continue
            break
        else:
            break
    return path


_QUOTED = re.compile(r"'([a-z0-9_]+)'")
_STEPS = {step.value: step for step in Step}
_MOST_FLIPPED = 6
_MOST_MOVED = 4


def _fixes(pack: CompiledPack, rule: CompiledRule, project: Project) -> Iterator[Project]:
    """Projects with the facts `rule` reads changed together: every combination of its yes/no
    facts; each count moved by one; its documents added; its items dropped; the steps it names
    taken and passed, each on its own date or the project's first, middle or last one; each of
    those steps removed."""
    plain = set(_plain_facts(pack))
    names = sorted(rule.fact_names)
    values = {name: project.fact(name) for name in names if name in plain}
    flags = [n for n in values if isinstance(values[n], bool)][:_MOST_FLIPPED]
    current = tuple(values[n] for n in flags)
    for combination in itertools.product((False, True), repeat=len(flags)):
        if combination != current:
            yield _with(project, dict(zip(flags, combination, strict=True)))
    for name, value in values.items():
        if type(value) is int and name != "plan_year":
            yield _with(project, {name: value + 1})
            if value > 0:
                yield _with(project, {name: value - 1})
    spec = rule.spec
    if isinstance(spec, RequiredDocuments) and project.documents is not None:
        wanted = {d[0] if isinstance(d, tuple) else d for d in rule.documents}
        yield project.model_copy(update={"documents": project.documents | wanted})
    items = project.content.items
    if isinstance(spec, ProhibitedItems) and isinstance(items, frozenset) and items:
        yield _with(project, {"items": items - set(spec.items)})
    steps = project.procedure.steps
    if not steps:
        return
    named = _named_steps(pack, rule)[:_MOST_MOVED]
    dates = sorted(day for record in steps.values() for day in record.occurrences)
    common = (dates[0], dates[len(dates) // 2], dates[-1])
    choices = [
        sorted({*common, *(steps[step].occurrences[-1:] if step in steps else ())})
        for step in named
    ]
    for days in itertools.product(*choices):
        taken = {
            step: StepRecord(date=day, outcome=StepOutcome.PASSED)
            for step, day in zip(named, days, strict=True)
        }
        yield from _possible(_with(project, {"steps": {**steps, **taken}}))
    for step in named:
        if step in steps:
            rest = {k: v for k, v in steps.items() if k != step}
            yield _with(project, {"steps": rest})


def _named_steps(pack: CompiledPack, rule: CompiledRule) -> list[Step]:
    """The steps `rule` names: in its expressions and the definitions they read, in its facts
    (`<step>_date`, `<step>_passed`), and a deadline's event and other step."""
    sources = [expr.source for expr in rule.expressions()]
    read = set().union(*(expr.names for expr in rule.expressions()))
    sources += [expr.source for name, expr in pack.definitions if name in read]
    words = {word for source in sources for word in _QUOTED.findall(source)}
    words.update(name.rsplit("_", 1)[0] for name in rule.fact_names)
    spec = rule.spec
    if isinstance(spec, Deadline):
        words.add(spec.event.value)
        if spec.before is not None:
            words.add(spec.before.step.value)
    return [step for step in Step if step.value in words]


def _possible(project: Project) -> Iterator[Project]:
    """`project`, unless its steps are in an order the model rejects (`DATE_ORDER`)."""
    steps = project.procedure.steps
    assert isinstance(steps, dict)
    for before, after in DATE_ORDER:
        first, second = steps.get(before), steps.get(after)
        earlier = first.first_date if first else None
        later = second.first_date if second else None
        if earlier and later and later < earlier:
            return
    yield project
