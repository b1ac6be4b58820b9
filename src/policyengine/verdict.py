"""The result of evaluating a project against a pack: a Verdict of Findings, plain data.

The shape and order are fixed (findings in pack order, sets sorted), so the JSON form of the same
evaluation is the same bytes every time; text, Markdown and HTML are renderings of this data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, PlainSerializer

from .pack import Category, Citation, Recurrence, Severity, Text
from .vocabulary import Consequence, Document, Item, Stage, Step


class Status(StrEnum):
    """The outcome of one rule."""

    PASS = "pass"
    FAIL = "fail"
    UNKNOWN = "unknown"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


class OverallStatus(StrEnum):
    """The outcome of a whole evaluation."""

    COMPLIANT = "compliant"
    NON_COMPLIANT = "non_compliant"
    INCOMPLETE = "incomplete"
    OUT_OF_SCOPE = "out_of_scope"


class DeadlineState(StrEnum):
    """Where an event stands against its due date."""

    MET = "met"
    LATE = "late"
    EARLY = "early"
    OVERDUE = "overdue"
    PENDING = "pending"
    UNKNOWN = "unknown"


ExactDecimal = Annotated[Decimal, PlainSerializer(str, return_type=str, when_used="json")]
FactValue = bool | int | str | list[str] | dict[str, list[str]] | None
"""A fact as recorded in a finding: amounts and dates as exact strings, sets as sorted lists, and
a set stated as a partial record as {"present": [...], "absent": [...]}, each sorted."""

_DATA = ConfigDict(frozen=True, extra="forbid")


class DueDate(BaseModel):
    """One due date of a recurring deadline, and the occurrence of the event that met it."""

    model_config = _DATA
    due: dt.date
    state: DeadlineState
    event_date: dt.date | None = None


class DeadlineResult(BaseModel):
    """A computed deadline and the event measured against it.

    A recurring deadline lists every due date under `due_dates`; its own `due` and `state` are
    those of the first missed due date, else the first undecided, else the first not yet due,
    else the last one met. An order of two steps (`before`) is due on that step's date.
    """

    model_config = _DATA
    rule_id: str
    event: Step
    anchor: dt.date | None = None  # the date the due date is computed from
    window_start: dt.date | None = None
    due: dt.date | None = None
    event_date: dt.date | None = None
    state: DeadlineState
    note: str | None = None
    every: Recurrence | None = None  # a recurring deadline's periods
    until: dt.date | None = None  # the end of its stretch of time (None: unknown)
    before: Step | None = None  # the step the event must precede
    due_dates: list[DueDate] = []


class Decision(BaseModel):
    """The band a decision table selected."""

    model_config = _DATA
    table_id: str
    title: Text
    status: Status  # pass: decided; unknown: input unknown; not_applicable: table does not apply
    input: ExactDecimal | None = None
    band_id: str | None = None
    label: Text | None = None
    approver: Text | None = None
    citation: Citation
    missing_facts: list[str] = []


class Assumption(BaseModel):
    """An exception whose facts are unknown: the ordinary outcome stands, assuming it does not apply.

    Exceptions are defaults (as in Catala's default logic): a scope exclusion or a rule's
    exception changes the outcome only when its condition is established. When its facts are
    unknown, the ordinary outcome stands and this records what was assumed, so a reader sees
    which answer rests on a fact nobody stated ("fails art. 12 unless the system is classified").
    """

    model_config = _DATA
    rule_id: str | None = None  # None: a scope exclusion
    exception_id: str
    reason: Text
    missing_facts: list[str] = []
    citation: Citation | None = None


class Finding(BaseModel):
    """The outcome of one rule for one project."""

    model_config = _DATA
    rule_id: str
    section: str
    category: Category
    due_from: Stage | None = None  # the stage from which the duty is checked
    title: Text
    status: Status
    severity: Severity
    message: Text | None = None
    citation: Citation
    facts: dict[str, FactValue] = {}
    missing_facts: list[str] = []
    missing_documents: list[Document] = []
    prohibited_items: list[Item] = []
    exception: Text | None = None
    justification: str | None = None  # a stated reason to depart from an in-principle rule
    assumptions: list[Assumption] = []
    consequences: list[Consequence] = []
    deadline: DeadlineResult | None = None
    error: str | None = None


class ExclusionHit(BaseModel):
    """The scope exclusion that took a project out of a pack's scope."""

    model_config = _DATA
    id: str
    reason: Text
    citation: Citation | None = None  # none for a regulation not yet in force on the date


class SourceRef(BaseModel):
    """Which regulation a verdict was made under."""

    model_config = _DATA
    title: str
    title_en: str
    number: str | None
    seed_file: str
    citation_style: Literal["article", "section"] = "article"


class StageBasis(StrEnum):
    """Where the stage of an evaluation comes from."""

    GIVEN = "given"  # asked for by the caller
    PROJECT = "project"  # the project's own `stage`
    STEPS = "steps"  # the latest stage of the steps the project has taken
    EVERY = "every"  # no stage known: every duty was checked


FORMAT_VERSION: Final = 1
"""The version of the full verdict and of the decisions' JSON form (README, "Stability")."""


class Verdict(BaseModel):
    """Everything one evaluation found."""

    # Every field is written, defaults too: the schemas (and the service's OpenAPI) say so.
    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )
    format: Literal["policyengine.verdict"] = "policyengine.verdict"
    format_version: Literal[1] = FORMAT_VERSION
    pack_id: str
    pack_version: str
    jurisdiction: Text
    source: SourceRef
    project_id: str | None
    project_name: str | None
    stage: Stage | None
    stage_basis: StageBasis = StageBasis.GIVEN
    as_of: dt.date | None
    in_scope: bool | None
    scope_missing_facts: list[str] = []
    exclusion: ExclusionHit | None = None
    assumptions: list[Assumption] = []
    attestations: list[str] = []  # judgements (project.ATTESTATIONS) the findings relied on
    status: OverallStatus
    route: Decision | None = None
    decisions: list[Decision] = []
    findings: list[Finding] = []
    missing_documents: list[Document] = []
    consequences: list[Consequence] = []
    deadlines: list[DeadlineResult] = []

    def finding(self, rule_id: str) -> Finding:
        """The finding of `rule_id` (KeyError if the rule was not evaluated)."""
        for finding in self.findings:
            if finding.rule_id == rule_id:
                return finding
        raise KeyError(rule_id)

    @property
    def failed(self) -> list[Finding]:
        """Findings whose status is fail."""
        return [f for f in self.findings if f.status is Status.FAIL]

    def to_json(self, *, indent: int | None = None) -> str:
        """Deterministic JSON: same evaluation, same bytes."""
        return self.model_dump_json(indent=indent)


_M = TypeVar("_M", bound=BaseModel)
_DEFAULTS: dict[type[BaseModel], tuple[dict[str, Any], list[tuple[str, Any]]]] = {}


def build(model: type[_M], values: dict[str, Any]) -> _M:
    """Construct a verdict model from values the evaluator already checked, without validation.

    Equivalent to `model.model_construct(**values)` for these frozen models, at a fraction of its
    cost: evaluation builds one Finding per rule per project, so this is the hot path.
    """
    static, factories = _defaults(model)
    data = static.copy()
    for name, factory in factories:
        if name not in values:
            data[name] = factory()
    data.update(values)
    instance = model.__new__(model)
    object.__setattr__(instance, "__dict__", data)
    object.__setattr__(instance, "__pydantic_fields_set__", set(values))
    object.__setattr__(instance, "__pydantic_extra__", None)
    object.__setattr__(instance, "__pydantic_private__", None)
    return instance


class Prototype(Generic[_M]):
    """Builds the many instances of a verdict model that share most values (one rule's findings).

    Like `build`, without validation; the shared values are merged once, and mutable ones (lists,
    dicts) are copied for every instance, so no two instances share a list. `make` is generated
    for the model's fields, because evaluation calls it once per rule per project.
    """

    __slots__ = ("_args", "make")

    make: Callable[[dict[str, Any]], _M]
    """An instance with the shared values and `values` (already checked)."""
    _args: tuple[type[_M], dict[str, Any]]

    def __init__(self, model: type[_M], shared: dict[str, Any]) -> None:
        static, _ = _defaults(model)
        data = {**static, **shared}
        lines = ["def make(values):", "    d = data.copy()"]
        for name, value in data.items():
            if isinstance(value, list | dict | set):
                lines.append(f"    d[{name!r}] = data[{name!r}].copy()")
        lines += [
            "    d.update(values)",
            "    instance = new(model)",
            "    setattr(instance, '__dict__', d)",
            "    setattr(instance, '__pydantic_fields_set__', shared_fields.union(values))",
            "    setattr(instance, '__pydantic_extra__', None)",
            "    setattr(instance, '__pydantic_private__', None)",
            "    return instance",
        ]
        scope: dict[str, Any] = {
            "__builtins__": {},
            "data": data,
            "model": model,
            "new": model.__new__,
            "setattr": object.__setattr__,
            "shared_fields": set(shared),
        }
        # The text holds only the model's own field names: nothing from a pack or a project.
        exec("\n".join(lines), scope)
        object.__setattr__(self, "make", scope["make"])
        object.__setattr__(self, "_args", (model, shared))

    def __reduce__(self) -> tuple[Any, ...]:
        # The generated function does not pickle; a copy generates its own.
        return (Prototype, self._args)


def _defaults(model: type[BaseModel]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = _defaults_of(model)
    return defaults


def _defaults_of(model: type[BaseModel]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    # Fields in declaration order; mutable defaults get a fresh copy per instance (a factory).
    static: dict[str, Any] = {}
    factories: list[tuple[str, Any]] = []
    for name, info in model.model_fields.items():
        default = None if info.is_required() else info.default
        static[name] = default
        if isinstance(default, list | dict | set):
            factories.append((name, type(default)))
    return static, factories


class DecisionsRecord(BaseModel):
    """The JSON form of `Decisions` (`Decisions.to_json()`, `schema/decisions.schema.json`)."""

    model_config = _DATA
    format: Literal["policyengine.decisions"]
    format_version: Literal[1]
    pack_id: str
    in_scope: bool | None
    status: OverallStatus
    route: str | None  # the band id, as in the compact verdict: see `Decisions`
    statuses: dict[str, Status]
    missing_documents: list[Document]


@dataclass(frozen=True, slots=True)
class Decisions:
    """The decisions of an evaluation without the findings' detail: what `decide` returns.

    For screening many projects: the status of every rule evaluated (in pack order), the band
    the primary decision table chose, the missing documents and the overall status, exactly as
    the full `Verdict` would give them.

    `route` is the id of the band the primary table chose (`verdict.route.band_id`), not the
    whole `Decision` a verdict holds: like a compact verdict, the decisions refer to what the
    pack states anyway (the band's label, approver and citation) by id, and `decide` never
    builds the `Decision`, which is where its speed comes from.
    """

    pack_id: str
    in_scope: bool | None
    status: OverallStatus
    route: str | None
    statuses: Mapping[str, Status]
    missing_documents: tuple[Document, ...]

    @classmethod
    def of(cls, verdict: Verdict) -> Decisions:
        """The decisions a full verdict holds."""
        return cls(
            pack_id=verdict.pack_id,
            in_scope=verdict.in_scope,
            status=verdict.status,
            route=verdict.route.band_id if verdict.route is not None else None,
            statuses={f.rule_id: f.status for f in verdict.findings},
            missing_documents=tuple(verdict.missing_documents),
        )

    def to_record(self) -> DecisionsRecord:
        """The decisions as the model of their JSON form."""
        return DecisionsRecord(
            format="policyengine.decisions",
            format_version=FORMAT_VERSION,
            pack_id=self.pack_id,
            in_scope=self.in_scope,
            status=self.status,
            route=self.route,
            statuses=dict(self.statuses),
            missing_documents=list(self.missing_documents),
        )

    def to_json(self, *, indent: int | None = None) -> str:
        """Deterministic JSON (`schema/decisions.schema.json`): rules in pack order."""
        return self.to_record().model_dump_json(indent=indent)

    def to_dict(self) -> dict[str, Any]:
        """The decisions as JSON data: enums as their values, rule statuses in pack order."""
        return {
            "pack_id": self.pack_id,
            "in_scope": self.in_scope,
            "status": self.status.value,
            "route": self.route,
            "statuses": {rule_id: status.value for rule_id, status in self.statuses.items()},
            "missing_documents": [document.value for document in self.missing_documents],
        }
