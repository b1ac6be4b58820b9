"""The compact verdict: what one evaluation found, without what the pack says anyway.

A full verdict is self-contained: every finding repeats its rule's title, section, category,
severity, stage, citation and message, and every decision its table's title, band label and
citation. Those are the same for every project a pack judges. The compact form keeps only what
this project made of each rule and table (a status, the facts read, the facts or documents
missing, the assumptions made) and refers to the rule or table by its id; the pack's rule table
(`rule_table`, `policyengine rules PACK`) holds the rest, once.

Both forms carry a `format` and a `format_version`, and each has a published JSON Schema
(`schema/verdict-compact.schema.json`, `schema/rules.schema.json`). The version changes only
when a field changes meaning or is removed; new optional fields may appear within a version.
Empty lists and unknown values are left out of the compact JSON.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict

from . import _compact_json
from .loader import CompiledPack
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

FORMAT_VERSION = 1
"""The version of the compact verdict and of the rule table."""

_DATA = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class CompactAssumption(BaseModel):
    """An exception assumed not to apply: which one, and the facts that would decide it."""

    model_config = _DATA
    exception_id: str
    rule_id: str | None = None  # None: a scope exclusion
    missing_facts: list[str] = []


class CompactFinding(BaseModel):
    """What a project made of one rule; the rule itself is in the pack's rule table."""

    model_config = _DATA
    rule_id: str
    status: Status
    # The facts it read, where they are not the rule table's `reads`; each has the value the
    # verdict's `facts` gives it, unless `facts` here gives its own (a list recorded in part).
    read: list[str] | None = None
    facts: dict[str, FactValue] = {}
    missing_facts: list[str] = []
    missing_documents: list[Document] = []
    prohibited_items: list[Item] = []
    exception: Text | None = None
    justification: str | None = None
    assumptions: list[CompactAssumption] = []
    consequences: list[Consequence] = []
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
    format_version: Literal[1]
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
    facts: dict[str, FactValue] = {}  # each fact the findings read, once
    status: OverallStatus
    route: str | None = None  # the band of the primary decision table
    decisions: list[CompactDecision] = []
    findings: list[CompactFinding] = []
    missing_documents: list[Document] = []
    consequences: list[Consequence] = []


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
    reads: list[str]  # the facts its findings record, unless a finding says otherwise


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
    """A pack's rules and decision tables, which compact verdicts refer to by id."""

    model_config = _DATA
    format: Literal["policyengine.rules"]
    format_version: Literal[1]
    pack_id: str
    pack_version: str
    rules: list[RuleEntry]
    tables: list[TableEntry]


def compact(verdict: Verdict, pack: CompiledPack) -> CompactVerdict:
    """The compact form of `verdict`, made by `pack`. Nothing a project made of its rules is
    lost: a finding's facts are its `read` names (else its rule's `reads`) looked up in the
    verdict's `facts`, with its own `facts` over them."""
    reads = {rule.id: rule.recorded for rule in pack.rules}
    shared: dict[str, FactValue] = {}
    for finding in verdict.findings:
        for name, value in finding.facts.items():
            shared.setdefault(name, value)
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
            "facts": dict(sorted(shared.items())),
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
            "findings": [_finding(f, shared, reads[f.rule_id]) for f in verdict.findings],
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


def _assumption(assumption: Assumption) -> CompactAssumption:
    return build(
        CompactAssumption,
        {
            "exception_id": assumption.exception_id,
            "rule_id": assumption.rule_id,
            "missing_facts": assumption.missing_facts,
        },
    )


def _finding(
    finding: Finding, shared: dict[str, FactValue], reads: frozenset[str]
) -> CompactFinding:
    facts = finding.facts
    read = None if reads == facts.keys() else sorted(facts)
    return build(
        CompactFinding,
        {
            "rule_id": finding.rule_id,
            "status": finding.status,
            "read": read,
            "facts": {name: v for name, v in facts.items() if shared[name] != v},
            "missing_facts": finding.missing_facts,
            "missing_documents": finding.missing_documents,
            "prohibited_items": finding.prohibited_items,
            "exception": finding.exception,
            "justification": finding.justification,
            "assumptions": [_assumption(a) for a in finding.assumptions],
            "consequences": finding.consequences,
            "deadline": finding.deadline,
            "error": finding.error,
        },
    )


def rule_table(pack: CompiledPack) -> RuleTable:
    """The rules and decision tables of `pack`, as compact verdicts refer to them."""
    rules = []
    for rule in pack.rules:
        spec = rule.spec
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
        format_version=FORMAT_VERSION,
        pack_id=pack.spec.id,
        pack_version=pack.spec.version,
        rules=rules,
        tables=tables,
    )
