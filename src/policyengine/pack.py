"""The pack format, as frozen Pydantic models. `schema/pack.schema.json` is generated from these.

A pack is law as data: metadata about its source, its scope and exclusions, named thresholds with an
explicit boundary, decision tables, rules of five kinds (checks, required documents, prohibited items,
acceptance-failure conditions, deadlines: single, recurring, or the order of two steps), a
ledger of the provisions it does not encode, and the mutants that cannot change its meaning.
Conditions are expressions over the fact vocabulary (`policyengine.facts`), the pack's thresholds and
its definitions; they are checked and compiled by the loader.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from .vocabulary import AdminLevel, Consequence, Document, Item, Stage, Step

# Built on first validation, not at import: a command that reads no pack never pays for building
# the validators of the pack format.
_FROZEN = ConfigDict(extra="forbid", frozen=True, defer_build=True)

IDENTIFIER_PATTERN = r"^[a-z][a-z0-9_]*$"
"""A pack's id and the names inside it: lower-case letters, digits and _, from a letter."""
Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER_PATTERN, max_length=64)]
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.-]*$", max_length=80)]
ExpressionText = Annotated[str, StringConstraints(min_length=1, max_length=2000)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]

FORMAT: Literal[2] = 2
"""The pack format this version reads. Format 1 listed `stages: [...]` on each rule; format 2 states
`due_from: <stage>` instead, because a duty stays due at every later stage."""

MAX_ENTRIES = 1000
"""Most entries in any list or mapping of a pack (real packs have a few dozen): validation
stops at the first list over the limit instead of checking every entry."""
MAX_ARTICLES = 1000
"""Most articles a source may have (and so the largest article number a pack may name)."""
MAX_NUMBER = 10**18
"""Numbers of a pack (threshold values, band bounds) lie strictly between -MAX_NUMBER and
MAX_NUMBER, with at most MAX_DECIMALS decimal places."""
MAX_DECIMALS = 10

Number = Annotated[Decimal, Field(gt=-MAX_NUMBER, lt=MAX_NUMBER, decimal_places=MAX_DECIMALS)]


def _at_most_entries(value: Any) -> Any:
    # Checked before the entries are: pydantic validates every entry of a mapping first.
    if isinstance(value, dict) and len(value) > MAX_ENTRIES:
        raise ValueError(f"at most {MAX_ENTRIES:,} entries are allowed, not {len(value):,}")
    return value


_Bounded = BeforeValidator(_at_most_entries)


class Text(BaseModel):
    """A text in Chinese and English; both are required."""

    model_config = _FROZEN
    zh: NonEmpty
    en: NonEmpty

    def get(self, lang: str) -> str:
        """The text in `lang` ("zh" or "en")."""
        return self.zh if lang == "zh" else self.en


CLAUSE_ID_PATTERN = (
    r"^(?:n|a[1-9][0-9]{0,2}(?:-p[1-9][0-9]?)?(?:-i[1-9][0-9]?)?(?:-u[1-9][0-9]?)?)-s[1-9][0-9]?$"
)
ClauseId = Annotated[str, StringConstraints(pattern=CLAUSE_ID_PATTERN, max_length=24)]
"""`a{article}[-p{paragraph}][-i{item}][-u{sub}]-s{sentence}`, or `n-s{k}` for the covering notice
(see the source's clause list, `sources/<pack>.clauses.yaml`)."""
ClauseIds = Annotated[list[ClauseId], Field(max_length=50)]


class Citation(BaseModel):
    """Where a rule comes from: article (Mengyin: section 一..十 = 1..10), item, sub-item, paragraph,
    and the quoted official wording."""

    model_config = _FROZEN
    article: int = Field(ge=1, le=200, description="第N条 (Mengyin: section number)")
    item: int | None = Field(None, ge=1, le=50, description="(一)(二)... item")
    sub: int | None = Field(None, ge=1, le=50, description="1. 2. ... inside an item")
    para: int | None = Field(None, ge=1, le=20, description="款: paragraph inside the article")
    quote: NonEmpty = Field(description="the official wording (restored where the copy is damaged)")
    note: str | None = Field(None, description="how the pack reads this provision, and why")
    clauses: ClauseIds = Field(
        default_factory=list, description="the clauses of the source this encodes, by id"
    )


class Severity(StrEnum):
    """How a failed rule weighs on the overall status."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Category(StrEnum):
    """What kind of provision a rule encodes (the digest's categories)."""

    SCOPE = "scope"
    EXCLUSION = "exclusion"
    APPROVAL_THRESHOLD = "approval_threshold"
    APPROVAL_ROUTE = "approval_route"
    APPLICATION_DEADLINE = "application_deadline"
    REQUIRED_DOCUMENT = "required_document"
    REQUIRED_CONTENT = "required_content"
    PROHIBITED_ITEM = "prohibited_item"
    NOT_SUPPORTED = "not_supported"
    PRECONDITION = "precondition"
    IMPLEMENTATION_DUTY = "implementation_duty"
    CHANGE_CONTROL = "change_control"
    DEADLINE = "deadline"
    ACCEPTANCE_REQUIREMENT = "acceptance_requirement"
    ACCEPTANCE_DOCUMENT = "acceptance_document"
    ACCEPTANCE_FAILURE = "acceptance_failure"
    FUNDING_CONSEQUENCE = "funding_consequence"
    OPERATIONS = "operations"
    EVALUATION = "evaluation"
    SECURITY = "security"
    DATA_SHARING = "data_sharing"
    SUPERVISION = "supervision"
    PENALTY = "penalty"
    ORGANISATIONAL = "organisational"


class MissingArticle(BaseModel):
    """An article absent from the source copy."""

    model_config = _FROZEN
    article: int = Field(ge=1, le=MAX_ARTICLES)
    reason: NonEmpty


class SourceDocument(BaseModel):
    """The regulation a pack encodes."""

    model_config = _FROZEN
    title: NonEmpty = Field(description="official title, in Chinese")
    title_en: NonEmpty
    number: str | None = Field(None, description="document number (文号), if known")
    issuer: str | None = None
    issued: dt.date | None = None
    effective: dt.date | None = None
    repeals: list[str] = Field(max_length=MAX_ENTRIES, default_factory=list)
    seed_file: NonEmpty = Field(description="file name of the source text")
    clause_file: (
        Annotated[
            str, StringConstraints(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,80}\.clauses\.yaml$")
        ]
        | None
    ) = Field(
        None,
        description="file name of the source's clause list, looked up in ../sources/ or beside "
        "the pack",
    )
    articles: int = Field(
        ge=1, le=MAX_ARTICLES, description="number of articles (Mengyin: sections)"
    )
    citation_style: Literal["article", "section"] = "article"
    missing_articles: list[MissingArticle] = Field(max_length=MAX_ENTRIES, default_factory=list)
    notes: str | None = Field(None, description="condition of the source, restoration choices")


class Definition(BaseModel):
    """A named expression that other expressions may use."""

    model_config = _FROZEN
    expression: ExpressionText
    description: NonEmpty


class Threshold(BaseModel):
    """A named number of the law with its boundary stated.

    `direction: at_least` means the threshold is *reached* by larger values (50万元以上);
    `at_most` means it is a *limit* that smaller values respect (不超过15%). `boundary` says whether
    the number itself reaches the threshold / respects the limit (inclusive) or not (exclusive).
    """

    model_config = _FROZEN
    value: Number
    unit: Literal["CNY", "ratio", "years", "months", "days", "working_days", "count"]
    direction: Literal["at_least", "at_most"]
    boundary: Literal["inclusive", "exclusive"]
    description: Text
    citation: Citation
    reading: str | None = Field(
        None, description="where the text is ambiguous: the reading taken, and why"
    )

    @property
    def upper_side_holds_value(self) -> bool:
        """Whether the number itself belongs with the values above it."""
        inclusive = self.boundary == "inclusive"
        return inclusive if self.direction == "at_least" else not inclusive


Bound = Number | Identifier


class Band(BaseModel):
    """One band of a decision table: [min, max) or (min, max] etc.; open ends are null."""

    model_config = _FROZEN
    id: Identifier = Field(description="the route this band selects")
    min: Bound | None = None
    min_inclusive: bool | None = None
    max: Bound | None = None
    max_inclusive: bool | None = None
    label: Text
    approver: Text | None = None
    requires: ExpressionText | None = Field(
        None,
        description="true when the project took the route this band requires (e.g. "
        "\"approval_authority == 'municipal_government'\"); needs the table's `duty`",
    )
    citation: Citation

    @model_validator(mode="after")
    def _bounds_state_inclusion(self) -> Band:
        for side in ("min", "max"):
            bound = getattr(self, side)
            inclusive = getattr(self, f"{side}_inclusive")
            if bound is not None and inclusive is None:
                raise ValueError(f"'{side}' is set, so '{side}_inclusive' must be stated")
            if bound is None and inclusive is not None:
                raise ValueError(f"'{side}_inclusive' is set without '{side}'")
        return self


class RouteDuty(BaseModel):
    """A route table's route is a duty: a project on a band that `requires` a route fails the
    band's article when the route it took differs (W-3: 3000万元以上 报市人民政府批准)."""

    model_config = _FROZEN
    title: Text
    message: Text = Field(description="what is wrong when the route taken differs")
    due_from: Stage = Field(description="the stage by which the route must have been taken")
    severity: Severity = Severity.ERROR
    consequences: list[Consequence] = Field(max_length=MAX_ENTRIES, default_factory=list)
    severity_reading: str | None = Field(None, max_length=2000)


def route_rule_id(table_id: str, band_id: str) -> str:
    """The id of the rule a route duty makes of one band that `requires` a route."""
    return f"{table_id}.{band_id}"


class DecisionTable(BaseModel):
    """Ordered bands over one number (usually an amount) selecting a route and an approver."""

    model_config = _FROZEN
    id: Identifier
    title: Text
    input: ExpressionText = Field(description="expression giving the number the bands cover")
    when: ExpressionText | None = Field(None, description="when the table applies")
    primary: bool = Field(False, description="the verdict's approval route comes from this table")
    due_from: Stage | None = Field(
        None, description="the stage from which the table is decided (none: from the start)"
    )
    bands: list[Band] = Field(max_length=MAX_ENTRIES, min_length=1)
    duty: RouteDuty | None = Field(
        None,
        description="the route is a duty: each band's `requires` is checked as a rule, "
        "'<table id>.<band id>'",
    )
    citation: Citation

    @model_validator(mode="after")
    def _duty_and_requirements_together(self) -> DecisionTable:
        requiring = [band.id for band in self.bands if band.requires is not None]
        if requiring and self.duty is None:
            raise ValueError(f"bands {requiring} state 'requires': give the table a 'duty'")
        if self.duty is not None and not requiring:
            raise ValueError("'duty' is given but no band states 'requires'")
        return self


class Exclusion(BaseModel):
    """A project the regulation leaves out, or sends to another regime."""

    model_config = _FROZEN
    id: RuleId
    when: ExpressionText
    reason: Text
    citation: Citation


class Scope(BaseModel):
    """Which projects the pack applies to."""

    model_config = _FROZEN
    description: Text
    applies_when: ExpressionText | None = None
    citation: Citation
    exclusions: list[Exclusion] = Field(max_length=MAX_ENTRIES, default_factory=list)


class RuleException(BaseModel):
    """A case the text carves out of a rule ("涉密系统除外", "除不可抗力原因外").

    A default's exception: it changes the rule's outcome only when `when` is established; when
    its facts are unknown the ordinary outcome stands, with the exception as an assumption.
    """

    model_config = _FROZEN
    when: ExpressionText
    reason: Text
    citation: Citation | None = None


ItemException = RuleException
"""The former name, when only prohibited items had exceptions."""


class _RuleBase(BaseModel):
    model_config = _FROZEN
    id: RuleId
    title: Text
    due_from: Stage = Field(
        description="the stage at which the duty falls due: it is checked at that stage and every "
        "later one, never before"
    )
    when: ExpressionText | None = Field(None, description="when the rule applies")
    severity: Severity = Severity.ERROR
    consequences: list[Consequence] = Field(max_length=MAX_ENTRIES, default_factory=list)
    exceptions: list[RuleException] = Field(
        max_length=MAX_ENTRIES,
        default_factory=list,
        description="cases carved out of the rule: the first established one excuses a failure",
    )
    severity_reading: str | None = Field(
        None,
        max_length=2000,
        description="why the severity departs from the modal words of the quote (lint checks "
        "必须/应当/不得... as error, 原则上/一般 as warning, 鼓励/可以 as info)",
    )
    negation_reading: str | None = Field(
        None,
        max_length=2000,
        description="why a `not <fact>` in `when` is the rule's own condition rather than an "
        "exception the text carves out (lint.exception_as_condition)",
    )
    outcome_irrelevant: list[Step] = Field(
        default_factory=list,
        max_length=MAX_ENTRIES,
        description="steps this rule judges whatever their outcome (the make-up of a review "
        "panel, when a test took place); say why in the citation's note",
    )
    citation: Citation


class SourceGap(BaseModel):
    """Where the source is incomplete (a lost item, a missing article): cases it cannot decide."""

    model_config = _FROZEN
    when: ExpressionText = Field(description="true: the source cannot decide this project")
    reason: Text


class Rule(_RuleBase):
    """A condition the project must satisfy: `check` true is a pass, false a failure."""

    category: Category
    check: ExpressionText
    message: Text = Field(description="what is wrong when the check fails")
    source_gap: SourceGap | None = Field(
        None, description="cases the incomplete source cannot decide: reported as unknown"
    )


class AnyOf(BaseModel):
    """Alternative documents: one of them suffices."""

    model_config = _FROZEN
    any_of: list[Document] = Field(max_length=MAX_ENTRIES, min_length=2)


class RequiredDocuments(_RuleBase):
    """Documents that must be present at a stage."""

    category: Category = Category.REQUIRED_DOCUMENT
    documents: list[Document | AnyOf] = Field(max_length=MAX_ENTRIES, min_length=1)
    message: Text | None = Field(None, description="default: the list of missing documents")


class ProhibitedItems(_RuleBase):
    """Items a project must not build, buy or lease."""

    category: Category = Category.PROHIBITED_ITEM
    items: list[Item] = Field(max_length=MAX_ENTRIES, min_length=1)
    message: Text | None = Field(None, description="default: the list of prohibited items found")


class AcceptanceFailure(_RuleBase):
    """A condition under which acceptance fails: `condition` true is a failure."""

    category: Category = Category.ACCEPTANCE_FAILURE
    due_from: Stage = Stage.ACCEPTANCE
    consequences: list[Consequence] = Field(
        max_length=MAX_ENTRIES, default_factory=lambda: [Consequence.ACCEPTANCE_FAILED]
    )
    condition: ExpressionText
    message: Text


class Period(BaseModel):
    """A length of time; exactly one field is set."""

    model_config = _FROZEN
    years: int | None = Field(None, ge=0, le=100)
    months: int | None = Field(None, ge=0, le=1200)
    days: int | None = Field(None, ge=0, le=36500)
    working_days: int | None = Field(None, ge=0, le=3650)

    @model_validator(mode="after")
    def _exactly_one(self) -> Period:
        given = [name for name in type(self).model_fields if getattr(self, name) is not None]
        if len(given) != 1:
            raise ValueError("give exactly one of years, months, days, working_days")
        return self


class FixedDate(BaseModel):
    """A calendar date whose year is computed: e.g. 31 August of the year before the plan year."""

    model_config = _FROZEN
    month: int = Field(ge=1, le=12)
    day: Annotated[int, Field(ge=1, le=31)] | Literal["last"] = Field(
        description="day of month, or 'last'"
    )
    year: ExpressionText = Field(description="expression giving the year, e.g. 'plan_year - 1'")


class Recurrence(StrEnum):
    """The periods a recurring deadline falls due at the end of: calendar years, half-years or
    quarters."""

    YEAR_END = "year_end"
    HALF_YEAR_END = "half_year_end"
    QUARTER_END = "quarter_end"

    @property
    def months(self) -> int:
        """The length of one period in months."""
        return {"year_end": 12, "half_year_end": 6, "quarter_end": 3}[self.value]


class Recurs(BaseModel):
    """A duty that falls due at the end of every period of a stretch of time ("每年年底前").

    One due date per period end (31 December for `year_end`), from the period in which `from`
    falls through the period in which `until` falls. An `until` that reads the date of a step
    not yet taken means the stretch is still running: it runs through the period of `as_of`.
    """

    model_config = _FROZEN
    every: Recurrence = Field(description="year_end, half_year_end or quarter_end")
    from_: ExpressionText = Field(
        alias="from",
        description="expression giving the date the duty starts, e.g. construction_start_date",
    )
    until: ExpressionText | None = Field(
        None,
        description="expression giving the date the duty ends, e.g. completion_date; omitted, "
        "or the date of a step not yet taken: the duty runs through the period of as_of",
    )


class Before(BaseModel):
    """The order of two steps: the event must happen before `step` does ("事前", "经...后方可")."""

    model_config = _FROZEN
    step: Step = Field(description="the step the event must precede")
    inclusive: bool = Field(
        description="true: on or before the step's date (the same day counts); false: strictly "
        "before it"
    )


class Deadline(_RuleBase):
    """An event that must happen by a due date (or inside a window, or before another step).

    The due date is `anchor + period`, or the `fixed` calendar date, or every period end of
    `recurs`, or the date of the step named by `before`; with `window`, the event must fall
    between `anchor + window_start` and `anchor + period`, both ends included. Periods count
    from the day after the anchor (民法典 第二百零一条); a month period ends on the corresponding
    day, or the month's last day (第二百零二条).
    """

    category: Category = Category.DEADLINE
    event: Step = Field(description="the step that must happen by the due date")
    anchor: ExpressionText | None = Field(None, description="expression giving the start date")
    period: Period | None = None
    window_start: Period | None = None
    fixed: FixedDate | None = None
    recurs: Recurs | None = Field(
        None, description="due at the end of every year (half-year, quarter) of a stretch of time"
    )
    before: Before | None = Field(
        None, description="due when another step happens: the event must precede it"
    )
    roll_to_working_day: bool = Field(
        False,
        description="a due date on a holiday or rest day moves to the next working day "
        "(民法典 第二百零三条); off by default: the pack states when it applies it",
    )
    message: Text

    @model_validator(mode="after")
    def _one_due_date(self) -> Deadline:
        given = [k for k in ("period", "fixed", "recurs", "before") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                "give exactly one of 'period' (with 'anchor'), 'fixed', 'recurs' or 'before'"
                + (f", not {' and '.join(given)}" if given else "")
            )
        if self.period is not None and self.anchor is None:
            raise ValueError("'period' needs an 'anchor'")
        if self.anchor is not None and self.period is None:
            raise ValueError("'anchor' is the start of a 'period'; give the period too")
        if self.window_start is not None and self.period is None:
            raise ValueError("'window_start' needs 'period' (the window's end)")
        if self.before is not None:
            if self.before.step is self.event:
                raise ValueError(f"'before' names the event itself ({self.event.value})")
            if self.roll_to_working_day:
                raise ValueError("'roll_to_working_day' has no effect with 'before'")
        return self


class LedgerEntry(BaseModel):
    """A provision the pack does not encode, and why."""

    model_config = _FROZEN
    article: int = Field(ge=1, le=MAX_ARTICLES)
    item: int | None = Field(None, ge=1, le=50)
    para: int | None = Field(None, ge=1, le=20)
    category: Category
    summary: NonEmpty = Field(description="what the provision says")
    reason: NonEmpty = Field(description="why it is not computable from project facts")
    clauses: ClauseIds = Field(
        default_factory=list, description="the clauses of the source this entry stands for"
    )
    status: Literal["not_computable", "not_yet_encoded"] = Field(
        "not_computable",
        description="not_computable: no observable fact could decide it (say which is missing); "
        "not_yet_encoded: computable but not encoded yet, reported open by coverage",
    )


MutantId = Annotated[str, StringConstraints(pattern=r"^[a-z_]+:\S+$", max_length=300)]
"""The id of a mutant of the pack (`policyengine.mutants`), e.g. `threshold:approval_threshold:up`."""


class EquivalentMutant(BaseModel):
    """A mutant that does not change what the pack decides, so no case can kill it.

    Mutation testing (`policyengine mutate`) reports it as `equivalent` and leaves it out of
    the score; `lint.equivalent_mutant_unknown` flags an id that names no mutant of the pack.
    """

    model_config = _FROZEN
    id: MutantId = Field(description="the mutant's id, as `policyengine mutate` reports it")
    reason: NonEmpty = Field(
        description="why no project can tell the mutant from the pack (e.g. the only values "
        "it would treat differently are out of scope)"
    )


class PolicyPack(BaseModel):
    """One regulation as data."""

    model_config = _FROZEN
    format: Literal[2] = Field(
        FORMAT,
        description="pack format version (2: rules state the stage they fall due, `due_from`)",
    )
    id: Identifier
    version: NonEmpty = "1"
    jurisdiction: Text
    level: AdminLevel
    source: SourceDocument
    scope: Scope
    definitions: Annotated[dict[Identifier, Definition], _Bounded] = Field(
        max_length=MAX_ENTRIES, default_factory=dict
    )
    thresholds: Annotated[dict[Identifier, Threshold], _Bounded] = Field(
        max_length=MAX_ENTRIES, default_factory=dict
    )
    decision_tables: list[DecisionTable] = Field(max_length=MAX_ENTRIES, default_factory=list)
    rules: list[Rule] = Field(max_length=MAX_ENTRIES, default_factory=list)
    required_documents: list[RequiredDocuments] = Field(
        max_length=MAX_ENTRIES, default_factory=list
    )
    prohibited_items: list[ProhibitedItems] = Field(max_length=MAX_ENTRIES, default_factory=list)
    acceptance_failures: list[AcceptanceFailure] = Field(
        max_length=MAX_ENTRIES, default_factory=list
    )
    deadlines: list[Deadline] = Field(max_length=MAX_ENTRIES, default_factory=list)
    not_computable: list[LedgerEntry] = Field(max_length=MAX_ENTRIES, default_factory=list)
    equivalent_mutants: list[EquivalentMutant] = Field(
        max_length=MAX_ENTRIES,
        default_factory=list,
        description="mutants that do not change the pack's meaning: mutation testing reports "
        "them as equivalent, not as survivors",
    )


AnyRule = Rule | RequiredDocuments | ProhibitedItems | AcceptanceFailure | Deadline
RULE_SECTIONS: tuple[str, ...] = (
    "rules",
    "required_documents",
    "prohibited_items",
    "acceptance_failures",
    "deadlines",
)
"""The pack sections that hold rules, in evaluation order."""
