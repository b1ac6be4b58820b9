"""The fact vocabulary: the flat names that pack expressions read, derived from the Project model.

A pack never reaches into the Project object; it reads named facts. Most facts are Project fields of
the same name. The rest are derived here, once per project:

- the facts a project states, each under its name in `project.FACT_FIELDS` (a project groups
  them by its life: `money.total_investment` is the fact `total_investment`, `owner.type` is
  `owner_type`);
- `funding_sources`, `funding_total` and `funding_<source>` (one per funding source) from `funding`;
- `budget_increase_total`, `budget_increase_ratio`, `budget_change_unapproved` from `budget_changes`;
- `steps`, and `<step>_date` (a repeated step's latest date), `<step>_passed`,
  `<step>_authority` (the lead) and `<step>_authorities` (with the bodies that joined it) for
  every step, from `steps`;
- `as_of`, the date the evaluation is made for.

Set facts (`documents`, `items`, `steps`, `funding_sources`) are frozensets, or a `PartialSet` when
the project states a partial record. A partial steps record leaves the date and outcome of a step it
does not mention unknown; the reader lists those facts under `OPEN`, so that `known()` of them is
unknown too rather than false. A step stated not taken reads as a step left out of a complete
record: no date and no outcome (None), and `'<step>' in steps` is False.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .partial import known_set
from .project import (
    ATTESTATIONS,
    FACT_FIELDS,
    MEMBER_RECORDS,
    BudgetChange,
    FundingShare,
    PartialSteps,
    Project,
    StepRecord,
)
from .vocabulary import Authority, FundingSource, Step, StepOutcome, Vocabulary


class FactType(Enum):
    """The type of a fact, as seen by the expression checker."""

    DECIMAL = "decimal"
    INT = "int"
    BOOL = "bool"
    DATE = "date"
    STR = "str"
    ENUM = "enum"
    SET = "set"

    @property
    def numeric(self) -> bool:
        """Whether arithmetic and ordering with numbers make sense."""
        return self in (FactType.DECIMAL, FactType.INT)


@dataclass(frozen=True, slots=True)
class FactSpec:
    """A fact's name, type, vocabulary (for ENUM and SET facts) and meaning."""

    name: str
    kind: FactType
    description: str
    vocabulary: type[Vocabulary] | None = None
    attestation: bool = False  # someone's judgement, not an observation (see project.ATTESTATIONS)


Facts = dict[str, Any]

OPEN = "__open__"
"""The key under which the facts hold the names of the step facts a partial steps record leaves
open (absent when there are none); not a name an expression can write."""

_STRUCTURED = {"funding", "budget_changes", "steps"}
"""Fields a project states that rules read only through the facts derived from them."""

_TOP_LEVEL_FACTS = ("documents",)
"""The Project's own fields that are facts (the others are groups, or not facts at all)."""

_PLACES: tuple[tuple[str, str | None, str], ...] = (
    *((name, None, name) for name in _TOP_LEVEL_FACTS),
    *(
        (name, group, field)
        for name, (group, field) in FACT_FIELDS.items()
        if name not in _STRUCTURED
    ),
)
"""(fact, group or None for the Project itself, field) of every fact read as stated."""


def _field_spec(name: str, annotation: Any, description: str) -> FactSpec:
    if name in MEMBER_RECORDS:
        return FactSpec(name, FactType.SET, description, MEMBER_RECORDS[name].vocabulary)
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    base = args[0] if args else annotation
    origin = typing.get_origin(base)
    if origin is typing.Annotated:
        base = typing.get_args(base)[0]
        origin = typing.get_origin(base)
    if origin is frozenset:
        (member,) = typing.get_args(base)
        return FactSpec(name, FactType.SET, description, member)
    if isinstance(base, type) and issubclass(base, Vocabulary):
        return FactSpec(name, FactType.ENUM, description, base)
    simple = {
        bool: FactType.BOOL,
        int: FactType.INT,
        Decimal: FactType.DECIMAL,
        dt.date: FactType.DATE,
        str: FactType.STR,
    }
    if base in simple:
        return FactSpec(name, simple[base], description)
    raise TypeError(f"Project field {name!r} has a type the fact table does not know: {base!r}")


def _build_specs() -> dict[str, FactSpec]:
    specs: dict[str, FactSpec] = {}

    def add(spec: FactSpec) -> None:
        if spec.name in specs:
            raise TypeError(f"fact {spec.name!r} is defined twice")
        specs[spec.name] = spec

    for name, group, field in _PLACES:
        model = Project if group is None else Project.model_fields[group].annotation
        assert isinstance(model, type)
        info = model.model_fields[field]
        spec = _field_spec(name, info.annotation, info.description or name)
        add(dataclasses.replace(spec, attestation=name in ATTESTATIONS))
    # Derived facts are described as the stated ones are, "中文 / English"; a step's and a
    # funding source's words come from the vocabulary's own labels.
    add(
        FactSpec(
            "funding_sources", FactType.SET, "资金来源 / funding sources present", FundingSource
        )
    )
    add(
        FactSpec(
            "funding_total", FactType.DECIMAL, "资金合计 / sum of all funding shares, in yuan (元)"
        )
    )
    for source in FundingSource:
        add(
            FactSpec(
                f"funding_{source.value}",
                FactType.DECIMAL,
                f"{source.zh}金额 / amount from {source.en}, in yuan (元)",
            )
        )
    add(
        FactSpec(
            "budget_increase_total",
            FactType.DECIMAL,
            "概算调增合计 / sum of budget-estimate increases, in yuan (元)",
        )
    )
    add(
        FactSpec(
            "budget_increase_ratio",
            FactType.DECIMAL,
            "概算调增比例 / budget_increase_total divided by budget_estimate (0.15 = 15%)",
        )
    )
    add(
        FactSpec(
            "budget_change_unapproved",
            FactType.BOOL,
            "有概算调整未经原审批部门批准 / some budget change lacks the approval authority's "
            "approval",
        )
    )
    add(FactSpec("steps", FactType.SET, "已履行的程序步骤 / procedural steps taken", Step))
    for step in Step:
        add(
            FactSpec(
                f"{step.value}_date",
                FactType.DATE,
                f"{step.zh}日期(重复时取最近一次) / date of {step.en} (the latest, if repeated)",
            )
        )
        add(
            FactSpec(f"{step.value}_passed", FactType.BOOL, f"{step.zh}结果 / outcome of {step.en}")
        )
        add(
            FactSpec(
                f"{step.value}_authority",
                FactType.ENUM,
                f"{step.zh}的履行机关 / who performed {step.en}",
                Authority,
            )
        )
        add(
            FactSpec(
                f"{step.value}_authorities",
                FactType.SET,
                f"共同履行{step.zh}的全部机关 / every body that performed {step.en}, jointly",
                Authority,
            )
        )
    add(FactSpec("as_of", FactType.DATE, "评估基准日 / the date the evaluation is made for"))
    return specs


FACTS: Mapping[str, FactSpec] = types.MappingProxyType(_build_specs())
"""Every fact a pack expression may read, by name."""

_STEP_DATE_NAMES = {step: f"{step.value}_date" for step in Step}
_STEP_PASSED_NAMES = {step: f"{step.value}_passed" for step in Step}
_STEP_AUTHORITY_NAMES = {step: f"{step.value}_authority" for step in Step}
_STEP_AUTHORITIES_NAMES = {step: f"{step.value}_authorities" for step in Step}
_FUNDING_NAMES = {source: f"funding_{source.value}" for source in FundingSource}

_FUNDING_AMOUNTS = frozenset({"funding_total", *_FUNDING_NAMES.values()})
"""The funding facts that add amounts up (`funding_sources` only lists the sources)."""

_BUDGET = frozenset({"budget_increase_total", "budget_increase_ratio", "budget_change_unapproved"})


class FactReader:
    """Reads the facts a pack needs from a project, once, and nothing else.

    Built when a pack is loaded from the facts its expressions read, so that evaluating a
    project does not derive facts no rule looks at.
    """

    def __init__(self, names: frozenset[str] | None = None) -> None:
        needed = frozenset(FACTS) if names is None else names
        unknown = needed - set(FACTS)
        if unknown:
            raise KeyError(f"unknown facts: {sorted(unknown)}")
        self.names = needed
        groups: dict[str | None, list[tuple[str, str]]] = {}
        for name, group, field in _PLACES:
            if name in needed:
                groups.setdefault(group, []).append((name, field))
        self.plain = tuple((group, tuple(pairs)) for group, pairs in groups.items())
        self.records = tuple(name for name in MEMBER_RECORDS if name in needed)
        self.funding = any(name.startswith("funding_") for name in needed)
        self.budget = bool(needed & _BUDGET)
        self.steps = tuple(
            (step, _step_fact_names(step))
            for step in Step
            if needed.intersection(_step_fact_names(step))
        )
        self.step_set = "steps" in needed
        self.as_of = "as_of" in needed
        self.read: Callable[[Project, dt.date | None], Facts] = self._generate()
        """The needed facts of `project` (unknown facts are None)."""

    def _generate(self) -> Callable[[Project, dt.date | None], Facts]:
        # One function per pack that reads exactly the facts it needs, straight from the
        # project's fields: reading is a large share of deciding a project, and a loop over
        # (group, field) pairs and a call per step cost more than the reading itself.
        lines = ["def read(project, as_of):", "    top = project.__dict__"]
        entries: list[str] = []
        for k, (group, pairs) in enumerate(self.plain):
            if group is not None:
                lines.append(f"    g{k} = top[{group!r}].__dict__")
            source = "top" if group is None else f"g{k}"
            entries += (f"{name!r}: {source}[{field!r}]" for name, field in pairs)
        lines.append("    facts = {" + ", ".join(entries) + "}")
        if self.funding or self.budget:
            lines.append("    money = top['money']")
        if self.funding and self.names.intersection(_FUNDING_AMOUNTS):
            lines.append("    facts.update(_funding_facts(money.funding))")
        elif self.funding:  # the sources alone, as `_funding_facts` finds them
            lines += [
                "    funding = money.funding",
                "    facts['funding_sources'] = (",
                "        None if funding is None else frozenset([s.source for s in funding])",
                "    )",
            ]
        if self.budget:
            lines.append(
                "    facts.update(_budget_facts(money.budget_changes, money.budget_estimate))"
            )
        for name in self.records:
            lines += [
                f"    value = facts[{name!r}]",
                "    if value is not None and value.__class__ is not frozenset:",
                f"        facts[{name!r}] = value.as_set()",
            ]
        if self.steps or self.step_set:
            lines += self._steps_code()
        if self.as_of:
            lines.append("    facts['as_of'] = as_of")
        lines.append("    return facts")
        scope: dict[str, Any] = {
            "__builtins__": {},
            "frozenset": frozenset,
            "dict": dict,
            "reader": self,
            "_funding_facts": _funding_facts,
            "_budget_facts": _budget_facts,
            "_performers": _performers,
            "_PASSED": _PASSED,
            **{f"_S{k}": step for k, (step, _) in enumerate(self.steps)},
        }
        # The text holds fact and field names of the Project model and nothing from a pack.
        exec(compile("\n".join(lines) + "\n", "<fact reader>", "exec"), scope)
        function: Callable[[Project, dt.date | None], Facts] = scope["read"]
        return function

    def _steps_code(self) -> list[str]:
        """Reads the step facts: unknown steps, a complete record, or a partial one."""
        lines = ["    steps = top['procedure'].steps", "    if steps is None:"]
        # Only the step facts the pack reads: a pack reads a few of the four of each step.
        needed = [[name for name in names if name in self.names] for _, names in self.steps]
        unknown = [name for names in needed for name in names]
        if self.step_set:
            unknown.append("steps")
        lines += [f"        facts[{name!r}] = None" for name in unknown]
        lines.append("    elif steps.__class__ is dict:")
        for k, names in enumerate(needed):
            if not names:
                continue
            date, passed, authority, authorities = _step_fact_names(self.steps[k][0])
            values = {
                # StepRecord.last_date and .passed, without the calls for the common case.
                date: "r.last_date if r.dates else r.date",
                passed: "_PASSED[r.outcome]",
                authority: "r.authority",
                authorities: "_performers(r)",
            }
            lines += [
                f"        r = steps.get(_S{k})",
                "        if r is None:",
                "            " + " = ".join(f"facts[{name!r}]" for name in names) + " = None",
                "        else:",
                *(f"            facts[{name!r}] = {values[name]}" for name in names),
            ]
        if self.step_set:
            lines.append("        facts['steps'] = frozenset(steps)")
        lines += ["    else:", "        reader._partial_steps(steps, facts)"]
        return lines

    def _partial_steps(self, steps: PartialSteps, facts: Facts) -> None:
        open_facts: list[str] = []
        for step, names in self.steps:
            record: StepRecord | None = steps.taken.get(step)
            _step_facts(record, names, facts)
            if record is None and step not in steps.not_taken:
                open_facts += names
        if open_facts:
            facts[OPEN] = frozenset(open_facts)
        if self.step_set:
            facts["steps"] = known_set(frozenset(steps.taken), steps.not_taken, Step)

    def __reduce__(self) -> tuple[Any, ...]:
        return (FactReader, (self.names,))


_PASSED: Mapping[StepOutcome | None, bool | None] = {
    None: None,
    **{outcome: outcome.passed for outcome in StepOutcome},
}
"""A step's `passed` fact by its outcome (StepRecord.passed, without the call)."""


def _step_fact_names(step: Step) -> tuple[str, str, str, str]:
    return (
        _STEP_DATE_NAMES[step],
        _STEP_PASSED_NAMES[step],
        _STEP_AUTHORITY_NAMES[step],
        _STEP_AUTHORITIES_NAMES[step],
    )


def _step_facts(record: StepRecord | None, names: tuple[str, str, str, str], facts: Facts) -> None:
    date, passed, authority, authorities = names
    if record is None:
        facts[date] = facts[passed] = facts[authority] = facts[authorities] = None
        return
    facts[date] = record.last_date
    facts[passed] = record.passed
    facts[authority] = record.authority
    facts[authorities] = _performers(record)


def _performers(record: StepRecord) -> frozenset[Authority] | None:
    # Who performed a step is unknown until its lead is stated; the joint bodies add to it.
    if record.authority is None:
        return None
    return record.joint_authorities | {record.authority}


def _funding_facts(funding: list[FundingShare] | None) -> Facts:
    if funding is None:
        facts: Facts = dict.fromkeys(_FUNDING_NAMES.values())
        facts["funding_sources"] = None
        facts["funding_total"] = None
        return facts
    amounts: dict[FundingSource, Decimal | None] = {}
    for share in funding:
        previous = amounts.get(share.source, Decimal(0))
        amounts[share.source] = (
            None if previous is None or share.amount is None else previous + share.amount
        )
    facts = {name: amounts.get(source, Decimal(0)) for source, name in _FUNDING_NAMES.items()}
    facts["funding_sources"] = frozenset(amounts)
    known = list(amounts.values())
    total = Decimal(0)
    for amount in known:
        if amount is None:
            facts["funding_total"] = None
            break
        total += amount
    else:
        facts["funding_total"] = total
    return facts


def _budget_facts(changes: list[BudgetChange] | None, estimate: Decimal | None) -> Facts:
    if changes is None:
        return {
            "budget_increase_total": None,
            "budget_increase_ratio": None,
            "budget_change_unapproved": None,
        }
    total = sum((change.increase for change in changes), Decimal(0))
    ratio = None if estimate is None or estimate == 0 else total / estimate
    approvals = [change.approved_by_authority for change in changes]
    unapproved: bool | None
    if any(a is False for a in approvals):
        unapproved = True
    elif any(a is None for a in approvals):
        unapproved = None
    else:
        unapproved = False
    return {
        "budget_increase_total": total,
        "budget_increase_ratio": ratio,
        "budget_change_unapproved": unapproved,
    }


def fact_place(fact: str) -> str:
    """The group in which a project states `fact`, or what it is derived from."""
    if fact in FACT_FIELDS:
        return FACT_FIELDS[fact][0]
    if fact == "documents":
        return fact
    if fact == "as_of":
        return "the evaluation date"
    if fact.startswith("funding_"):
        return "from money.funding"
    if fact.startswith("budget_"):
        return "from money.budget_changes"
    return "from procedure.steps"


_DATA = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class FactEntry(BaseModel):
    """One fact expressions may read."""

    model_config = _DATA
    name: str
    kind: Literal["decimal", "int", "bool", "date", "str", "enum", "set"]
    vocabulary: str | None = None  # the vocabulary of an enum or set fact
    values: list[str] = []  # its members
    place: str  # the group a project states it in, or what it is derived from
    description: str
    attestation: bool = False  # someone's judgement, not an observation


class FactTable(BaseModel):
    """Every fact expressions may read (`policyengine facts --format json`)."""

    model_config = _DATA
    format: Literal["policyengine.facts"]
    format_version: Literal[1]
    facts: list[FactEntry]


def fact_table(read: Collection[str] | None = None) -> FactTable:
    """The fact vocabulary as data, in the order `policyengine facts` lists it; only the facts
    in `read` (what one pack reads) when given."""
    return FactTable(
        format="policyengine.facts",
        format_version=1,
        facts=[
            FactEntry(
                name=name,
                kind=spec.kind.value,
                vocabulary=spec.vocabulary.__name__ if spec.vocabulary else None,
                values=[member.value for member in spec.vocabulary] if spec.vocabulary else [],
                place=fact_place(name),
                description=spec.description,
                attestation=spec.attestation,
            )
            for name, spec in FACTS.items()
            if read is None or name in read
        ],
    )
