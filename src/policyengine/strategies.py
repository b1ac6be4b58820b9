"""Hypothesis strategies derived from the Project model and from packs themselves.

Needs the `test` extra (hypothesis). Use them to probe a pack's boundaries in your own tests:

    from hypothesis import given
    from policyengine.strategies import boundary_values, projects

    @given(projects())
    def test_deterministic(project): ...
"""

from __future__ import annotations

import datetime as dt
import random
import typing
from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from pydantic.fields import FieldInfo

from .errors import PolicyEngineError, ProjectError
from .evaluator import decide
from .facts import FACTS, FactType
from .loader import CompiledPack
from .pack import Threshold
from .project import DATE_ORDER, FACT_FIELDS, GROUPS, MEMBER_RECORDS, Project
from .vocabulary import Authority, FundingSource, Step, StepOutcome, Vocabulary

FEN = Decimal("0.01")
"""The smallest step of an amount in yuan."""

_STEP = {"CNY": FEN, "ratio": Decimal("0.0001")}


def step_for(unit: str) -> Decimal:
    """The smallest meaningful step of a quantity in `unit` (0.01 yuan for money)."""
    return _STEP.get(unit, Decimal(1))


def boundary_values(value: Decimal, unit: str = "CNY") -> tuple[Decimal, Decimal, Decimal]:
    """Just below, at, and just above `value`, by the unit's smallest step."""
    step = step_for(unit)
    return value - step, value, value + step


def threshold_boundaries(pack: CompiledPack) -> dict[str, tuple[Threshold, tuple[Decimal, ...]]]:
    """Every threshold of `pack` with its below/at/above values."""
    return {
        name: (threshold, boundary_values(threshold.value, threshold.unit))
        for name, threshold in pack.spec.thresholds.items()
    }


def table_boundaries(pack: CompiledPack) -> dict[str, list[Decimal]]:
    """For each decision table, every band bound with its neighbours (0.01 apart), sorted."""
    result: dict[str, list[Decimal]] = {}
    for table in pack.tables:
        values: set[Decimal] = set()
        for low, _, high, _ in table.bounds:
            for bound in (low, high):
                if bound is not None:
                    values.update(v for v in boundary_values(bound) if v >= 0)
        result[table.spec.id] = sorted(values)
    return result


def amounts(max_value: Decimal = Decimal("1e9")) -> st.SearchStrategy[Decimal]:
    """Non-negative amounts in yuan with two decimal places."""
    return st.decimals(
        min_value=0, max_value=max_value, places=2, allow_nan=False, allow_infinity=False
    )


def amounts_near(pack: CompiledPack) -> st.SearchStrategy[Decimal]:
    """Amounts at and around every CNY threshold and band bound of `pack`, plus any amount."""
    near: set[Decimal] = set()
    for threshold, values in threshold_boundaries(pack).values():
        if threshold.unit == "CNY":
            near.update(v for v in values if v >= 0)
    for bounds in table_boundaries(pack).values():
        near.update(bounds)
    if not near:
        return amounts()
    return st.one_of(st.sampled_from(sorted(near)), amounts())


def _vocabulary_sets(vocabulary: type[Vocabulary]) -> st.SearchStrategy[frozenset[Any] | None]:
    return st.one_of(st.none(), st.frozensets(st.sampled_from(list(vocabulary)), max_size=6))


def _member_records(vocabulary: type[Vocabulary], partial: bool) -> st.SearchStrategy[Any]:
    """Unknown, a complete set, or (with `partial`) a partial record {present, absent}."""
    if not partial:
        return _vocabulary_sets(vocabulary)
    stated = st.dictionaries(st.sampled_from(list(vocabulary)), st.booleans(), max_size=8)
    return st.one_of(_vocabulary_sets(vocabulary), stated.map(_present_and_absent))


def _present_and_absent(stated: dict[Any, bool]) -> dict[str, list[Any]]:
    present = {m for m, there in stated.items() if there}
    # A member is not absent while a kind of it is present (Vocabulary.narrower).
    absent = {m for m, there in stated.items() if not there and not m.narrower & present}
    return {"present": sorted(present), "absent": sorted(absent)}


_DATES = st.dates(min_value=dt.date(2018, 1, 1), max_value=dt.date(2026, 12, 31))


def _step_records(partial: bool = False) -> st.SearchStrategy[dict[str, Any] | None]:
    """Unknown, the complete mapping of steps taken, or (with `partial`) {taken, not_taken}."""
    record = st.fixed_dictionaries(
        {},
        optional={
            "date": _DATES,
            # A step taken repeatedly (a yearly report): its occurrences, in any order.
            "dates": st.lists(_DATES, max_size=4),
            "outcome": st.sampled_from(list(StepOutcome)),
            "authority": st.sampled_from(list(Authority)),
            "authority_name": st.just("主管部门"),
        },
    )
    steps = st.sampled_from([s.value for s in Step])
    complete = st.dictionaries(steps, record, max_size=8).map(_possible_order)
    if not partial:
        return st.one_of(st.none(), complete)
    # A step drawn without a record is stated not taken.
    stated = st.dictionaries(steps, st.one_of(st.none(), record), max_size=8)
    return st.one_of(st.none(), complete, stated.map(_taken_and_not_taken))


def _taken_and_not_taken(stated: dict[str, dict[str, Any] | None]) -> dict[str, Any]:
    taken = {step: record for step, record in stated.items() if record is not None}
    return {
        "taken": _possible_order(taken),
        "not_taken": sorted(step for step, record in stated.items() if record is None),
    }


def _possible_order(steps: dict[str, Any]) -> dict[str, Any]:
    # Keep generated dates in an order that can happen (see Project's date-order check, which
    # places a step by its first date): the later step's dates are moved up to the earlier's.
    for before, after in DATE_ORDER:
        first, second = steps.get(before.value) or {}, steps.get(after.value) or {}
        earliest, latest = _first_date(first), _first_date(second)
        if earliest is not None and latest is not None and latest < earliest:
            moved = {**second, "dates": [max(day, earliest) for day in second.get("dates", [])]}
            if "date" in second:
                moved["date"] = max(second["date"], earliest)
            steps[after.value] = moved
    return steps


def _first_date(record: dict[str, Any]) -> dt.date | None:
    dates = [*record.get("dates", []), *([record["date"]] if "date" in record else [])]
    return min(dates) if dates else None


def _field_strategy(annotation: Any, amount: st.SearchStrategy[Decimal]) -> st.SearchStrategy[Any]:
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if args else annotation
    if typing.get_origin(base) is typing.Annotated:
        base = typing.get_args(base)[0]
    if isinstance(base, type) and issubclass(base, Vocabulary):
        return st.one_of(st.none(), st.sampled_from(list(base)))
    if base is bool:
        return st.one_of(st.none(), st.booleans())
    if base is Decimal:
        return st.one_of(st.none(), amount)
    if base is dt.date:
        return st.one_of(st.none(), _DATES)
    return st.none()


def _stated_facts() -> Iterator[tuple[str, FieldInfo]]:
    # Every fact a project states, by the name `Project.from_facts` reads, with its field.
    yield "documents", Project.model_fields["documents"]
    for name, (group, field) in FACT_FIELDS.items():
        yield name, GROUPS[group].model_fields[field]


def project_dicts(
    amount: st.SearchStrategy[Decimal] | None = None,
    fields: Iterable[str] | None = None,
    *,
    partial: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """Projects stated by fact names (the flat form of `Project.from_facts`), with any mix of
    known and unknown facts.

    Documents, items and steps are complete records (lists, the mapping of steps taken) or
    unknown; with `partial`, also partial records (`{present, absent}`, `{taken, not_taken}`).
    """
    money = amount if amount is not None else amounts()
    chosen = set(fields) if fields is not None else None
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    for name, info in _stated_facts():
        if chosen is not None and name not in chosen:
            continue
        if name in MEMBER_RECORDS:
            strategies[name] = _member_records(MEMBER_RECORDS[name].vocabulary, partial)
            continue
        if name in {
            "owner_name",
            "funding",
            "budget_changes",
            "steps",
            "plan_year",
            "mlps_level",
            "secrecy_pool_experts",
            "om_period_years",
        }:
            continue
        strategies[name] = _field_strategy(info.annotation, money)
    strategies["owner_type"] = st.one_of(
        st.none(),
        st.sampled_from(
            [
                "party_government_organ",
                "public_institution",
                "state_owned_enterprise",
                "school",
                "township_street",
            ]
        ),
    )
    strategies["owner_level"] = st.one_of(
        st.none(), st.sampled_from(["municipal", "district", "county", "prefecture"])
    )
    strategies["plan_year"] = st.one_of(st.none(), st.integers(2018, 2027))
    strategies["steps"] = _step_records(partial)
    strategies["funding"] = st.one_of(
        st.none(),
        st.lists(
            st.fixed_dictionaries(
                {"source": st.sampled_from(list(FundingSource)), "amount": money}
            ),
            max_size=3,
        ),
    )
    return st.fixed_dictionaries(strategies)


def projects(amount: st.SearchStrategy[Decimal] | None = None) -> st.SearchStrategy[Project]:
    """Valid projects with any mix of known and unknown facts."""
    return project_dicts(amount).map(Project.from_facts)


SCOPE_SEARCH_TRIES = 4000
"""Most candidate scopes `scope_assignments` tries before it gives up on a pack."""

_SCOPE_VARIETY = 16  # distinct in-scope assignments gathered, for variety among examples
_SCOPE_DATES = (dt.date(2019, 6, 1), dt.date(2022, 3, 15), dt.date(2025, 9, 30))


def _scope_input(fact: str) -> str | None:
    """The input a project states a scope fact by: the fact itself, or what it derives from."""
    if fact in FACT_FIELDS or fact == "documents":
        return fact
    if fact.startswith("funding_"):
        return "funding"
    if fact.startswith("budget_"):
        return "budget_changes"
    if fact == "as_of":
        return None  # the evaluation date, not a fact of the project
    return "steps"


def _candidate(name: str, rng: random.Random, amounts: list[Decimal]) -> Any:
    """A value of the input `name` for the scope search: never unknown, since an unknown
    scope fact leaves the scope undecided."""
    if name == "funding":
        sources = rng.sample(list(FundingSource), rng.randint(1, 2))
        return [{"source": s.value, "amount": str(rng.choice(amounts))} for s in sources]
    if name == "steps":
        return {step.value: {} for step in rng.sample(list(Step), rng.randint(1, 3))}
    if name == "budget_changes":
        return []
    spec = FACTS[name]
    if spec.kind is FactType.SET and spec.vocabulary is not None:
        return sorted(m.value for m in rng.sample(list(spec.vocabulary), rng.randint(1, 3)))
    if spec.kind is FactType.ENUM and spec.vocabulary is not None:
        return rng.choice(list(spec.vocabulary)).value
    if spec.kind is FactType.BOOL:
        return rng.random() < 0.5
    if spec.kind is FactType.DECIMAL:
        return str(rng.choice(amounts))
    if spec.kind is FactType.INT:
        return rng.randint(2018, 2027) if name.endswith("year") else rng.randint(0, 9)
    if spec.kind is FactType.DATE:
        return rng.choice(_SCOPE_DATES)
    return None


def scope_assignments(pack: CompiledPack) -> list[dict[str, Any]]:
    """Values of the inputs `pack`'s scope reads (by fact name, as `Project.from_facts` takes
    them) with which the pack applies, whatever the project's other facts are.

    Found by a seeded, hence repeatable, search over the facts `applies_when` and the exclusions
    read (through definitions too; a derived fact by the input it comes from: `funding_sources`
    by `funding`). A pack without a scope gives `[{}]`. `PolicyEngineError` when no assignment
    is found in `SCOPE_SEARCH_TRIES` tries.
    """
    inputs = sorted({i for f in pack.scope_reader.names if (i := _scope_input(f)) is not None})
    if not inputs:
        return [{}]
    amounts = sorted(
        {v for t, values in threshold_boundaries(pack).values() if t.unit == "CNY" for v in values}
        | {Decimal(0), Decimal(100000), Decimal(1000000), Decimal(10000000)}
    )
    amounts = [a for a in amounts if a >= 0]
    rng = random.Random(f"scope:{pack.id}")
    found: dict[str, dict[str, Any]] = {}
    for _ in range(SCOPE_SEARCH_TRIES):
        facts = {name: _candidate(name, rng, amounts) for name in inputs}
        key = repr(sorted(facts.items()))
        if key in found:
            continue
        try:
            project = Project.from_facts(facts)
        except ProjectError:
            continue
        if decide(project, pack).in_scope is True:
            found[key] = facts
            if len(found) == _SCOPE_VARIETY:
                break
    if not found:
        raise PolicyEngineError(
            f"no project in the scope of pack '{pack.id}' was found in {SCOPE_SEARCH_TRIES} tries",
            code="strategies.no_scope",
            hint="state the scope facts yourself (policyengine facts --pack "
            f"{pack.id}) and pass them over project_dicts()",
        )
    return list(found.values())


def in_scope_project_dicts(
    pack: CompiledPack,
    amount: st.SearchStrategy[Decimal] | None = None,
    *,
    partial: bool = False,
) -> st.SearchStrategy[dict[str, Any]]:
    """Projects by fact names (as `project_dicts`) that `pack` applies to: the inputs its scope
    reads take one of `scope_assignments(pack)`, and every other fact varies."""
    scopes = scope_assignments(pack)
    return st.tuples(project_dicts(amount, partial=partial), st.sampled_from(scopes)).map(
        lambda drawn: {**drawn[0], **drawn[1]}
    )


def in_scope_projects(
    pack: CompiledPack, amount: st.SearchStrategy[Decimal] | None = None
) -> st.SearchStrategy[Project]:
    """Valid projects that `pack` applies to (`decide(project, pack).in_scope is True`)."""
    return in_scope_project_dicts(pack, amount).map(Project.from_facts)


__all__ = [
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
]
