"""The compact verdict: what one evaluation found, without what the pack says anyway.

A full verdict is self-contained: every finding repeats its rule's title, section, category,
severity, stage, citation, message and consequences, and every decision its table's title, band
label and citation. Those are the same for every project a pack judges. The compact form keeps
only what this project made of each rule and table and refers to the rest by position or id; the
pack's rule table (`rule_table`, `policyengine rules PACK`) holds it, once:

- `statuses` gives each rule's status in the rule table's order (null: no finding of that rule);
- `facts` gives each fact the findings record, once;
- `findings` lists only the findings that say more than their status and the facts their rule
  table entry implies: other facts, missing facts or documents, items found, an exception, a
  justification, assumptions, consequences other than the rule's, a deadline, an error.

`findings(data, table)` rebuilds every finding from the two, as the full verdict states it but
for what the rule table holds and the message (see `CompactFinding`).

Both forms carry a `format` and a `format_version`, and each has a published JSON Schema
(`schema/verdict-compact.schema.json`, `schema/rules.schema.json`). The version changes only
when a field changes meaning or is removed; new optional fields may appear within a version.
Empty lists and unknown values are left out of the compact JSON.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from . import _compact_json
from .loader import CompiledPack, CompiledRule
from .pack import Category, Citation, Severity, Text
from .verdict import (
    Assumption,
    DeadlineResult,
    ExactDecimal,
    FactValue,
    Finding,
    OverallStatus,
    StageBasis,
    Status,
    Verdict,
    build,
)
from .vocabulary import Consequence, Document, Item, Stage

FORMAT_VERSION = 2
"""The version of the compact verdict. Version 2 gives statuses in the rule table's order and
leaves to the rule table the consequences of a failure and the members a rule judges."""
RULES_VERSION = 1
"""The version of the rule table (`consequences` and `judges` were added within it)."""

_DATA = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class CompactAssumption(BaseModel):
    """An exception assumed not to apply: which one, and the facts that would decide it."""

    model_config = _DATA
    exception_id: str
    rule_id: str | None = None  # None: a scope exclusion
    missing_facts: list[str] = []


class CompactFinding(BaseModel):
    """What a finding says beyond its status (`statuses`) and the facts its rule table entry
    implies; the rule itself is in the pack's rule table. Its facts are its `read` names (else
    its rule's `reads`), each with the value `facts` here gives it, else the verdict's, which
    for the rule's `judges` list keeps only the members the rule asks about. Its consequences are
    `consequences` here, else its rule's where it failed, else none. Its message, which the full
    verdict states, is its rule's message, or says what is missing or found."""

    model_config = _DATA
    rule_id: str
    read: list[str] | None = None
    facts: dict[str, FactValue] = {}
    missing_facts: list[str] = []
    missing_documents: list[Document] = []
    prohibited_items: list[Item] = []
    exception: Text | None = None
    justification: str | None = None
    assumptions: list[CompactAssumption] = []
    consequences: list[Consequence] | None = None
    deadline: DeadlineResult | None = None
    error: str | None = None


class CompactDecision(BaseModel):
    """What a project made of one decision table: its band, or the facts it still needs."""

    model_config = _DATA
    table_id: str
    status: Status
    input: ExactDecimal | None = None
    band_id: str | None = None
    missing_facts: list[str] = []


class CompactVerdict(BaseModel):
    """A verdict that refers to its pack's rule table instead of repeating it."""

    model_config = _DATA
    format: Literal["policyengine.verdict.compact"]
    format_version: Literal[2]
    pack_id: str
    pack_version: str
    project_id: str | None = None
    project_name: str | None = None
    stage: Stage | None = None
    stage_basis: StageBasis
    as_of: dt.date | None = None
    in_scope: bool | None = None
    scope_missing_facts: list[str] = []
    exclusion_id: str | None = None
    assumptions: list[CompactAssumption] = []
    attestations: list[str] = []
    facts: dict[str, FactValue] = Field(
        default={},
        description="each fact the findings record, once: the first value recorded whole, "
        "else (a list rules only judge) the members they recorded",
    )
    status: OverallStatus
    route: str | None = None  # the band of the primary decision table
    decisions: list[CompactDecision] = []
    statuses: list[Status | None] = Field(
        default=[],
        description="one per rule of the rule table, in its order: the status of its finding, "
        "null where the verdict has none; empty when the verdict has no findings",
    )
    findings: list[CompactFinding] = Field(
        default=[],
        description="the findings that say more than their status and what the rule table "
        "implies, in the rule table's order",
    )
    missing_documents: list[Document] = []
    consequences: list[Consequence] = []


class JudgedList(BaseModel):
    """The list a rule judges member by member, where no expression of it reads the list whole:
    its findings record only the members it asks about."""

    model_config = _DATA
    fact: str
    members: list[str]  # sorted


class RuleEntry(BaseModel):
    """What every finding of one rule shares."""

    model_config = _DATA
    rule_id: str
    section: str
    category: Category
    due_from: Stage | None = None
    title: Text
    severity: Severity
    message: Text | None = None
    citation: Citation
    reads: list[str] = Field(
        description="the facts its findings record, unless a finding says otherwise (`read`)"
    )
    judges: JudgedList | None = Field(
        default=None,
        description="the list it judges member by member: its findings record only `members`",
    )
    consequences: list[Consequence] = Field(
        default=[], description="what each of its failures carries, unless a finding says otherwise"
    )


class BandEntry(BaseModel):
    """One band of a decision table."""

    model_config = _DATA
    band_id: str
    label: Text
    approver: Text | None = None


class TableEntry(BaseModel):
    """What every decision of one table shares."""

    model_config = _DATA
    table_id: str
    title: Text
    citation: Citation
    bands: list[BandEntry]


class RuleTable(BaseModel):
    """A pack's rules and decision tables, which compact verdicts refer to by position or id."""

    model_config = _DATA
    format: Literal["policyengine.rules"]
    format_version: Literal[1]
    pack_id: str
    pack_version: str
    rules: list[RuleEntry]
    tables: list[TableEntry]


def compact(verdict: Verdict, pack: CompiledPack) -> CompactVerdict:
    """The compact form of `verdict`, made by `pack`: nothing a project made of its rules is
    lost (`findings` rebuilds them). The findings must be of `pack`'s rules, in its order, at
    most one per rule (as `evaluate` makes them): a KeyError names a rule the pack lacks, a
    ValueError a finding out of order."""
    positions = _positions(verdict.findings, pack)
    records = [(pack.rules[p], f.facts) for p, f in zip(positions, verdict.findings, strict=True)]
    shared = verdict_facts((rule.judged_alone, facts) for rule, facts in records)
    statuses: list[Status | None] = [None] * len(pack.rules) if positions else []
    findings = []
    for position, finding, (rule, facts) in zip(positions, verdict.findings, records, strict=True):
        statuses[position] = finding.status
        more = _finding(finding, rule, facts, shared)
        if more is not None:
            findings.append(more)
    # Built without validation: every value comes from a verdict the engine made (or one that
    # was validated when read back), and validating 100 findings again is most of the cost.
    return build(
        CompactVerdict,
        {
            "format": "policyengine.verdict.compact",
            "format_version": FORMAT_VERSION,
            "pack_id": verdict.pack_id,
            "pack_version": verdict.pack_version,
            "project_id": verdict.project_id,
            "project_name": verdict.project_name,
            "stage": verdict.stage,
            "stage_basis": verdict.stage_basis,
            "as_of": verdict.as_of,
            "in_scope": verdict.in_scope,
            "scope_missing_facts": verdict.scope_missing_facts,
            "exclusion_id": verdict.exclusion.id if verdict.exclusion is not None else None,
            "assumptions": [_assumption(a) for a in verdict.assumptions],
            "attestations": verdict.attestations,
            "facts": shared,
            "status": verdict.status,
            "route": verdict.route.band_id if verdict.route is not None else None,
            "decisions": [
                build(
                    CompactDecision,
                    {
                        "table_id": d.table_id,
                        "status": d.status,
                        "input": d.input,
                        "band_id": d.band_id,
                        "missing_facts": d.missing_facts,
                    },
                )
                for d in verdict.decisions
            ],
            "statuses": statuses,
            "findings": findings,
            "missing_documents": verdict.missing_documents,
            "consequences": verdict.consequences,
        },
    )


def compact_json(verdict: Verdict, pack: CompiledPack) -> str:
    """The compact verdict as deterministic JSON, without empty or unknown fields.

    The bytes of `compact(verdict, pack).model_dump_json(exclude_defaults=True)`, written
    without building the model (`_compact_json`): this is the form for many verdicts.
    """
    return _compact_json.write(verdict, pack, FORMAT_VERSION)


def _positions(findings: list[Finding], pack: CompiledPack) -> list[int]:
    """Each finding's rule's position in `pack`; strictly increasing, else a ValueError."""
    index = pack.rule_positions
    positions = [index[finding.rule_id] for finding in findings]
    for before, after, finding in zip(positions, positions[1:], findings[1:], strict=False):
        if after <= before:
            raise out_of_order(finding.rule_id, pack)
    return positions


def out_of_order(rule_id: str, pack: CompiledPack) -> ValueError:
    """The error for a finding the compact form cannot place: the form gives one status per
    rule, in the rule table's order."""
    return ValueError(
        f"finding of rule {rule_id!r} is out of {pack.spec.id}'s rule order or repeated: a "
        "compact verdict holds at most one finding per rule, in the rule table's order"
    )


def verdict_facts(records: Iterable[tuple[str | None, Mapping[str, FactValue]]]) -> dict[str, Any]:
    """The verdict's `facts`, from each finding's judged list (or None) and facts, in order:
    a fact's first value recorded whole; for a list only ever judged, the union of the members
    recorded (where the values are lists, or present/absent records, of names; else the first).
    Sorted by name."""
    whole: dict[str, FactValue] = {}
    judged: dict[str, FactValue] = {}
    for alone, facts in records:
        for name, value in facts.items():
            if name == alone:
                judged[name] = union(judged[name], value) if name in judged else value
            elif name not in whole:
                whole[name] = value
    judged.update(whole)
    return dict(sorted(judged.items()))


def union(first: Any, second: Any) -> Any:
    """Two values of a judged list together: the members of both, sorted (of a partial record,
    those present and those absent); None where either is unknown gives the other; `first` if
    they are not lists of names of the same kind."""
    if first is None:
        return second
    if second is None:
        return first
    if _names(first) and _names(second):
        return sorted({*first, *second})
    if _record(first) and _record(second):
        return {key: sorted({*first[key], *second[key]}) for key in ("present", "absent")}
    return first


def joinable(first: Any, second: Any) -> bool:
    """Whether `union` joins two known values (else it keeps the first)."""
    return (_names(first) and _names(second)) or (_record(first) and _record(second))


def only(value: Any, members: frozenset[str] | set[str]) -> Any:
    """`value` with only `members`: a finding's value of the list its rule judges, from the
    verdict's. A value not a list (or partial record) of names is kept whole."""
    if _names(value):
        return [name for name in value if name in members]
    if _record(value):
        return {key: [name for name in value[key] if name in members] for key in value}
    return value


def _names(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


def _record(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and value.keys() == {"present", "absent"}
        and _names(value["present"])
        and _names(value["absent"])
    )


def _assumption(assumption: Assumption) -> CompactAssumption:
    return build(
        CompactAssumption,
        {
            "exception_id": assumption.exception_id,
            "rule_id": assumption.rule_id,
            "missing_facts": assumption.missing_facts,
        },
    )


def implied(name: str, rule: CompiledRule, shared: Mapping[str, FactValue]) -> FactValue:
    """The value of fact `name` a finding of `rule` records, as the compact form implies it."""
    value = shared.get(name)
    if name == rule.judged_alone:
        judged: FactValue = only(value, rule.asked)
        return judged
    return value


_NONE_DEFAULTS = ("rule_id", "read", "consequences")


def _finding(
    finding: Finding, rule: CompiledRule, facts: dict[str, FactValue], shared: dict[str, Any]
) -> CompactFinding | None:
    """What `finding` says beyond its status and what the rule table implies; None if nothing."""
    read = None if rule.recorded == facts.keys() else sorted(facts)
    own = {n: v for n, v in facts.items() if v != implied(n, rule, shared)}
    consequences: list[Consequence] | None = finding.consequences
    if consequences == (rule.consequences if finding.status is Status.FAIL else []):
        consequences = None
    values = {
        "rule_id": finding.rule_id,
        "read": read,
        "facts": own,
        "missing_facts": finding.missing_facts,
        "missing_documents": finding.missing_documents,
        "prohibited_items": finding.prohibited_items,
        "exception": finding.exception,
        "justification": finding.justification,
        "assumptions": [_assumption(a) for a in finding.assumptions],
        "consequences": consequences,
        "deadline": finding.deadline,
        "error": finding.error,
    }
    # `read` and `consequences` say something when empty: their default is None.
    said = [value for name, value in values.items() if name not in _NONE_DEFAULTS]
    if read is None and consequences is None and all(v in (None, [], {}) for v in said):
        return None
    return build(CompactFinding, values)


def findings(data: Mapping[str, Any], table: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every finding of a compact verdict (its JSON data), rebuilt with its pack's rule table
    (the table's JSON data): rule id, status, facts, missing facts and documents, items found,
    exception, justification, assumptions (as the compact form gives them), consequences,
    deadline and error, as the full verdict states them. The rest of a full finding is its
    rule's, in `table`; its message is not rebuilt. A ValueError if `table` is not of the pack
    and version the verdict names, or does not give a rule for each status."""
    made_by = (data.get("pack_id"), data.get("pack_version"))
    if made_by != (table.get("pack_id"), table.get("pack_version")):
        raise ValueError(
            "the compact verdict is of pack {} version {}, the rule table of {} version {}".format(
                *made_by, table.get("pack_id"), table.get("pack_version")
            )
        )
    rules = table["rules"]
    statuses = data.get("statuses") or [None] * len(rules)  # none: the verdict has no findings
    if len(statuses) != len(rules):
        raise ValueError(f"{len(statuses)} statuses for the rule table's {len(rules)} rules")
    more = {finding["rule_id"]: finding for finding in data.get("findings", [])}
    shared = data.get("facts", {})
    rebuilt = []
    for entry, status in zip(rules, statuses, strict=True):
        if status is None:
            continue
        rule_id = entry["rule_id"]
        finding = more.get(rule_id, {})
        judges = entry.get("judges")
        own = finding.get("facts", {})
        facts = {}
        for name in finding.get("read", entry["reads"]):
            value = own[name] if name in own else shared.get(name)
            if name not in own and judges is not None and name == judges["fact"]:
                value = only(value, set(judges["members"]))
            facts[name] = value
        failed = entry.get("consequences", []) if status == Status.FAIL else []
        rebuilt.append(
            {
                "rule_id": rule_id,
                "status": status,
                "facts": facts,
                "missing_facts": finding.get("missing_facts", []),
                "missing_documents": finding.get("missing_documents", []),
                "prohibited_items": finding.get("prohibited_items", []),
                "exception": finding.get("exception"),
                "justification": finding.get("justification"),
                "assumptions": finding.get("assumptions", []),
                "consequences": finding.get("consequences", failed),
                "deadline": finding.get("deadline"),
                "error": finding.get("error"),
            }
        )
    return rebuilt


def rule_table(pack: CompiledPack) -> RuleTable:
    """The rules and decision tables of `pack`, as compact verdicts refer to them."""
    rules = []
    for rule in pack.rules:
        spec = rule.spec
        judged = rule.judged_alone
        rules.append(
            RuleEntry(
                rule_id=spec.id,
                section=rule.section,
                category=spec.category,
                due_from=spec.due_from,
                title=spec.title,
                severity=spec.severity,
                message=getattr(spec, "message", None),
                citation=spec.citation,
                reads=sorted(rule.recorded),
                judges=None
                if judged is None
                else JudgedList(fact=judged, members=sorted(rule.asked)),
                consequences=rule.consequences,
            )
        )
    tables = [
        TableEntry(
            table_id=table.id,
            title=table.title,
            citation=table.citation,
            bands=[
                BandEntry(band_id=band.id, label=band.label, approver=band.approver)
                for band in table.bands
            ],
        )
        for table in pack.spec.decision_tables
    ]
    return RuleTable(
        format="policyengine.rules",
        format_version=RULES_VERSION,
        pack_id=pack.spec.id,
        pack_version=pack.spec.version,
        rules=rules,
        tables=tables,
    )
