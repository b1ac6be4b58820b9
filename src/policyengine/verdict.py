"""The result of evaluating a project against a pack: a Verdict of Findings, plain data.

The shape and order are fixed (findings in pack order, sets sorted), so the JSON form of the same
evaluation is the same bytes every time; text, Markdown and HTML are renderings of this data.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Final, Literal, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, PlainSerializer
from pydantic_core import core_schema

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

_DATA = ConfigDict(frozen=True, extra="forbid", defer_build=True)


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


class FindingData(BaseModel):
    """The outcome of one rule for one project."""

    # The JSON form of a Finding: its schema, and the validation of a verdict read back. The
    # engine builds Finding records, not these.
    __qualname__ = "Finding"  # the name the verdict schema gives it
    model_config = ConfigDict(frozen=True, extra="forbid", title="Finding", defer_build=True)
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


@dataclass(frozen=True, slots=True)
class RuleData:
    """What every finding of one rule shares: built once per rule, referred to by each."""

    rule_id: str
    section: str
    category: Category
    due_from: Stage | None
    title: Text
    severity: Severity
    citation: Citation
    json: Any = field(default=None, compare=False, repr=False)
    """The JSON its findings share, written when first needed (`_verdict_json`)."""


class FactSource(Protocol):
    """Where a finding's facts come from: the values one evaluation read, shared by its
    findings (`evaluator._FactValues`)."""

    @property
    def namespace(self) -> Mapping[str, Any]:
        """The evaluation's facts, as expressions read them."""
        ...

    def __getitem__(self, name: str) -> FactValue:
        """The fact `name` as findings record it."""
        ...

    def facts_of(
        self, rule: Any, judged: bool, deadline: DeadlineResult | None = None
    ) -> dict[str, FactValue]: ...

    def values_of(self, names: Iterable[str]) -> dict[str, FactValue]:
        """The facts `names`, as findings record them."""
        ...


class UnreadFacts:
    """The facts a finding read, not yet written out (most never are): which rule, and whether
    the rule's judged list is recorded. One per rule and kind, shared by every finding of it; the
    finding holds the evaluation's values (its `FactSource`) beside it until they are read."""

    __slots__ = ("judged", "rule")

    def __init__(self, rule: Any, judged: bool) -> None:
        self.rule = rule
        self.judged = judged


MORE_FIELDS = (
    "message",
    "missing_facts",
    "missing_documents",
    "prohibited_items",
    "exception",
    "justification",
    "assumptions",
    "consequences",
    "deadline",
    "error",
)
"""The fields of a finding that most findings leave at their defaults (None or empty), in the
order of its JSON form."""
_LISTS = frozenset(
    {
        "missing_facts",
        "missing_documents",
        "prohibited_items",
        "assumptions",
        "consequences",
    }
)
_NONE_MORE: dict[str, Any] = {}
_setattr = object.__setattr__


class Finding:
    """The outcome of one rule for one project.

    A small immutable record: the rule's shared data (id, section, category, title, severity,
    citation) by reference, this project's status, the facts it read, and the fields a failure
    or an unknown adds (message, missing facts and documents, prohibited items, exception,
    justification, assumptions, consequences, deadline, error). Its JSON form and schema are
    `FindingData`'s; `Finding(**fields)` takes the same fields.
    """

    __slots__ = ("_facts", "_more", "_rule", "_source", "status")
    _rule: RuleData
    status: Status
    _facts: dict[str, FactValue] | UnreadFacts
    _source: FactSource | None  # where unread facts come from; None once read
    _more: dict[str, Any]

    def __init__(self, **fields: Any) -> None:
        """A finding from its fields (those of `FindingData`, the JSON form), validated."""
        _init_from(self, FindingData.model_validate(fields))

    @classmethod
    def of(
        cls,
        rule: RuleData,
        status: Status,
        facts: dict[str, FactValue],
        more: dict[str, Any] | None = None,
    ) -> Finding:
        """A finding of `rule` without checking its values (the evaluator's own, checked)."""
        return quick_finding(rule, status, facts, _given(more) if more else _NONE_MORE)

    # the rule's data
    @property
    def rule_id(self) -> str:
        return self._rule.rule_id

    @property
    def section(self) -> str:
        return self._rule.section

    @property
    def category(self) -> Category:
        return self._rule.category

    @property
    def due_from(self) -> Stage | None:
        """The stage from which the duty is checked."""
        return self._rule.due_from

    @property
    def title(self) -> Text:
        return self._rule.title

    @property
    def severity(self) -> Severity:
        return self._rule.severity

    @property
    def citation(self) -> Citation:
        return self._rule.citation

    # this project's
    @property
    def facts(self) -> dict[str, FactValue]:
        """The facts the rule read, as findings record them (see `FactValue`)."""
        facts = self._facts
        if facts.__class__ is UnreadFacts:
            source = self._source
            if source is None:  # read meanwhile, by another thread: the facts are set first
                return self._facts  # type: ignore[return-value]
            assert isinstance(facts, UnreadFacts)
            facts = source.facts_of(facts.rule, facts.judged, self._more.get("deadline"))
            _set_facts(self, facts)  # kept, so that every reader sees one dict
            _set_source(self, None)  # what it read is no longer needed
        return facts  # type: ignore[return-value]

    @property
    def message(self) -> Text | None:
        return self._more.get("message")

    @property
    def missing_facts(self) -> list[str]:
        return list(self._more.get("missing_facts", ()))

    @property
    def missing_documents(self) -> list[Document]:
        return list(self._more.get("missing_documents", ()))

    @property
    def prohibited_items(self) -> list[Item]:
        return list(self._more.get("prohibited_items", ()))

    @property
    def exception(self) -> Text | None:
        return self._more.get("exception")

    @property
    def justification(self) -> str | None:
        """A stated reason to depart from an in-principle rule."""
        return self._more.get("justification")

    @property
    def assumptions(self) -> list[Assumption]:
        return list(self._more.get("assumptions", ()))

    @property
    def consequences(self) -> list[Consequence]:
        return list(self._more.get("consequences", ()))

    @property
    def deadline(self) -> DeadlineResult | None:
        return self._more.get("deadline")

    @property
    def error(self) -> str | None:
        return self._more.get("error")

    def replace(self, **changes: Any) -> Finding:
        """A copy with `changes` (fields of `MORE_FIELDS`, or status)."""
        status = changes.pop("status", self.status)
        more = {**self._more, **changes}
        source = self._source  # read before the facts: see `facts`
        facts = self._facts
        if "deadline" in changes and source is not None:
            # Unread facts are written out with the deadline the finding states: these are
            # this finding's, read before its deadline changes.
            source, facts = None, self.facts
        return quick_finding(
            self._rule, status, facts, _given(more) if more else _NONE_MORE, source
        )

    def fields(self) -> dict[str, Any]:
        """Every field, by name, in the order of the JSON form."""
        rule = self._rule
        more = self._more
        values: dict[str, Any] = {
            "rule_id": rule.rule_id,
            "section": rule.section,
            "category": rule.category,
            "due_from": rule.due_from,
            "title": rule.title,
            "status": self.status,
            "severity": rule.severity,
            "message": more.get("message"),
            "citation": rule.citation,
            "facts": self.facts,
        }
        for name in MORE_FIELDS[1:]:
            value = more.get(name)
            values[name] = ([] if value is None else value) if name in _LISTS else value
        return values

    def data(self) -> FindingData:
        """The JSON form's model of this finding (no validation: the values are checked)."""
        return build(FindingData, self.fields())

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a Finding is immutable: cannot set {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"a Finding is immutable: cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return self.fields() == other.fields()

    __hash__ = None  # type: ignore[assignment]  # holds a dict, as its JSON form does

    def __repr__(self) -> str:
        return f"Finding(rule_id={self.rule_id!r}, status={self.status.value!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_restore, (self._rule, self.status, self.facts, self._more))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        # Validated through the JSON form (a verdict read back); a Finding is taken as it is;
        # serialised as the JSON form, so the JSON and the schema are FindingData's.
        data = handler.generate_schema(FindingData)
        from_data = core_schema.no_info_after_validator_function(_from_data, data)
        return core_schema.json_or_python_schema(
            json_schema=from_data,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), from_data]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                Finding.data, return_schema=data
            ),
        )


_new = object.__new__


@dataclass(slots=True)
class Gathered:
    """What a verdict states of all its findings together (see `gather`)."""

    assumptions: list[Assumption]
    missing_documents: set[Document]
    consequences: set[Consequence]
    deadlines: list[DeadlineResult]
    failed: bool  # a duty of severity error failed
    undecided: bool  # a duty of severity error is unknown or in error, not merely not yet due


def gather(findings: list[Finding]) -> Gathered:
    """One pass over `findings` for the verdict: their assumptions and deadlines in order, the
    documents missing and the consequences incurred by failures, and whether a duty of
    severity error failed or is undecided. Reads the records directly: most findings have
    nothing but a status."""
    gathered = Gathered([], set(), set(), [], False, False)
    for finding in findings:
        status = finding.status
        more = finding._more
        deadline = more.get("deadline") if more else None
        if finding._rule.severity is Severity.ERROR:
            if status is Status.FAIL:
                gathered.failed = True
            elif status is Status.UNKNOWN or status is Status.ERROR:
                pending = deadline is not None and deadline.state is DeadlineState.PENDING
                gathered.undecided = gathered.undecided or not pending
        if not more:
            continue
        gathered.assumptions += more.get("assumptions", ())
        if deadline is not None:
            gathered.deadlines.append(deadline)
        if status is Status.FAIL:
            gathered.missing_documents.update(more.get("missing_documents", ()))
            gathered.consequences.update(more.get("consequences", ()))
    return gathered


class FindingTemplate:
    """Builds the findings of one rule: its shared data is set once."""

    __slots__ = ("rule",)

    def __init__(self, rule: RuleData) -> None:
        self.rule = rule

    def make(self, values: dict[str, Any]) -> Finding:
        """A finding with `values` (status, facts, and any of `MORE_FIELDS`), unchecked."""
        status = values.pop("status")
        facts = values.pop("facts", None)
        return Finding.of(self.rule, status, {} if facts is None else facts, values)


# The slots' own setters: they pass by Finding.__setattr__, which refuses every change.
_set_rule = Finding.__dict__["_rule"].__set__
_set_status = Finding.__dict__["status"].__set__
_set_facts = Finding.__dict__["_facts"].__set__
_set_source = Finding.__dict__["_source"].__set__
_set_more = Finding.__dict__["_more"].__set__


def _init(
    finding: Finding,
    rule: RuleData,
    status: Status,
    facts: dict[str, FactValue],
    more: dict[str, Any],
) -> None:
    _set_rule(finding, rule)
    _set_status(finding, status)
    _set_facts(finding, facts)
    _set_source(finding, None)
    _set_more(finding, more)


def quick_finding(
    rule: RuleData,
    status: Status,
    facts: dict[str, FactValue] | UnreadFacts,
    more: dict[str, Any] = _NONE_MORE,
    source: FactSource | None = None,
    new: Any = object.__new__,
) -> Finding:
    """A finding of `rule` with `status`, the facts it read and `more` (fields of `MORE_FIELDS`
    without defaults, never changed afterwards, so one dict may serve every finding of a rule),
    unchecked: what `Finding.of` and the evaluator's loop over the rules build. Facts not yet
    read are an `UnreadFacts` with the `source` they will be read from."""
    finding: Finding = new(Finding)
    _set_rule(finding, rule)
    _set_status(finding, status)
    _set_facts(finding, facts)
    _set_source(finding, source)
    _set_more(finding, more)
    return finding


def unread_facts(
    finding: Finding, source: FactSource | None
) -> tuple[UnreadFacts, FactSource] | None:
    """The facts `finding` read, not yet written out, and where they are read from: when they
    come from `source` (any, when None) and are its rule's alone, not a deadline's (whose
    dates are its own). Else None: `finding.facts` writes them out."""
    facts = finding._facts
    read_from = finding._source  # None once read meanwhile: `facts` then holds them
    if (
        facts.__class__ is UnreadFacts
        and read_from is not None
        and (read_from is source or source is None)
        and "deadline" not in finding._more
    ):
        assert isinstance(facts, UnreadFacts)
        return facts, read_from
    return None


def _given(more: dict[str, Any]) -> dict[str, Any]:
    # Defaults (None, empty lists) are not stored: most findings have none of these fields.
    return {name: value for name, value in more.items() if value is not None and value != []}


def _init_from(finding: Finding, data: FindingData) -> None:
    values = dict(data.__dict__)
    rule = RuleData(
        values.pop("rule_id"),
        values.pop("section"),
        values.pop("category"),
        values.pop("due_from"),
        values.pop("title"),
        values.pop("severity"),
        values.pop("citation"),
    )
    status = values.pop("status")
    facts = values.pop("facts")
    _init(finding, rule, status, facts, _given(values))


def _from_data(data: FindingData) -> Finding:
    finding = _new(Finding)
    _init_from(finding, data)
    return finding


def _restore(
    rule: RuleData, status: Status, facts: dict[str, FactValue], more: dict[str, Any]
) -> Finding:
    return Finding.of(rule, status, facts, more)


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
        """Deterministic JSON: same evaluation, same bytes (those of `model_dump_json`)."""
        if indent is not None:
            return self.model_dump_json(indent=indent)
        from ._verdict_json import write  # the findings written from their records

        return write(self)


_M = TypeVar("_M", bound=BaseModel)
_DEFAULTS: dict[type[BaseModel], tuple[dict[str, Any], list[tuple[str, Any]]]] = {}


def build(model: type[_M], values: dict[str, Any]) -> _M:
    """Construct a verdict model from values the evaluator already checked, without validation.

    Equivalent to `model.model_construct(**values)` for these frozen models, at a fraction of its
    cost: evaluation builds one Finding per rule per project, so this is the hot path.
    """
    static, factories = _defaults(model)
    if len(values) == len(static):  # every field given (the caller's dict is taken as it is)
        data = values
    else:
        data = static.copy()
        for name, factory in factories:
            if name not in values:
                data[name] = factory()
        data.update(values)
    instance = _new(model)
    _setattr(instance, "__dict__", data)
    _setattr(instance, "__pydantic_fields_set__", set(values))
    _setattr(instance, "__pydantic_extra__", None)
    _setattr(instance, "__pydantic_private__", None)
    return instance


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
