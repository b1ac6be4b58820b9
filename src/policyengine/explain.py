"""Why a rule gave its answer: each sub-expression's value, the facts read, the law quoted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from .evaluator import build_namespace, evaluate, fact_value
from .expressions import Expression, trace
from .loader import CompiledPack, CompiledRule, get_pack
from .pack import AcceptanceFailure, Citation, Text
from .project import Project
from .render import cite, due_dates_text, printable
from .verdict import FactValue, Finding

_DATA = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class Step(BaseModel):
    """One sub-expression and its value."""

    model_config = _DATA
    depth: int
    text: str
    value: FactValue


class ExpressionTrace(BaseModel):
    """One expression of the rule (its `when`, `check`, ...) traced."""

    model_config = _DATA
    role: str
    source: str
    steps: list[Step]


class Explanation(BaseModel):
    """A rule's answer for one project, with its reasons."""

    # Every field is written, defaults too: the schema (and the service's OpenAPI) says so.
    model_config = ConfigDict(
        frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
    )
    format: Literal["policyengine.explanation"] = "policyengine.explanation"
    format_version: Literal[1] = 1
    pack_id: str
    rule_id: str
    title: Text
    citation: Citation
    citation_label: str
    finding: Finding | None
    expressions: list[ExpressionTrace]
    facts: dict[str, FactValue]


def explain(
    project: Project | Mapping[str, Any],
    pack: CompiledPack | str,
    rule_id: str,
    *,
    as_of: dt.date | None = None,
) -> Explanation:
    """Explain `rule_id` of `pack` for `project` (KeyError for an unknown rule id)."""
    compiled = get_pack(pack)
    rule = compiled.rule(rule_id)
    model = project if isinstance(project, Project) else Project.from_mapping(project)
    day = as_of if as_of is not None else dt.date.today()
    verdict = evaluate(model, compiled, as_of=day)
    finding = next((f for f in verdict.findings if f.rule_id == rule_id), None)
    namespace = build_namespace(compiled, model, day)
    traces = [
        ExpressionTrace(
            role=role,
            source=expr.text,
            steps=[
                Step(depth=s.depth, text=s.text, value=fact_value(s.value))
                for s in trace(expr, namespace)
            ],
        )
        for role, expr in _roles(rule)
    ]
    names = {name for _, expr in _roles(rule) for name in expr.facts}
    recorded = dict(finding.facts) if finding is not None else {}
    style = compiled.spec.source.citation_style
    return Explanation(
        pack_id=compiled.id,
        rule_id=rule_id,
        title=rule.spec.title,
        citation=rule.spec.citation,
        citation_label=cite(rule.spec.citation, style=style, lang="zh"),
        finding=finding,
        expressions=traces,
        facts={**{name: fact_value(namespace.get(name)) for name in sorted(names)}, **recorded},
    )


def _roles(rule: CompiledRule) -> list[tuple[str, Expression]]:
    roles: list[tuple[str, Expression | None]] = [
        ("when", rule.when),
        ("condition" if isinstance(rule.spec, AcceptanceFailure) else "check", rule.test),
        ("anchor", rule.anchor),
        ("year", rule.year),
        ("from", rule.recurs_from),
        ("until", rule.recurs_until),
        ("source gap", rule.gap),
    ]
    roles += [(f"exception {i + 1}", expr) for i, (_, expr) in enumerate(rule.exceptions)]
    return [(role, expr) for role, expr in roles if expr is not None]


def render_explanation(explanation: Explanation, *, lang: str = "en") -> str:
    """Plain-text form of an explanation."""
    lines = [f"{explanation.rule_id}: {explanation.title.get(lang)}"]
    finding = explanation.finding
    if finding is not None:
        lines.append(f"status: {finding.status.value}")
        if finding.message is not None:
            lines.append(f"message: {finding.message.get(lang)}")
        if finding.missing_documents:
            lines.append(
                "missing documents: " + ", ".join(d.value for d in finding.missing_documents)
            )
        if finding.prohibited_items:
            lines.append(
                "prohibited items: " + ", ".join(i.value for i in finding.prohibited_items)
            )
        if finding.exception is not None:
            lines.append(f"exception applied: {finding.exception.get(lang)}")
        if finding.justification is not None:
            lines.append(f"departure justified: {finding.justification}")
        for assumed in finding.assumptions:
            unknown = ", ".join(assumed.missing_facts) or "a fact"
            lines.append(
                f"assumed not to apply ({assumed.exception_id}): {assumed.reason.get(lang)} "
                f"(unknown: {unknown})"
            )
        if finding.deadline is not None:
            d = finding.deadline
            lines.append(
                f"deadline: {d.event.value} due {d.due} ({d.state.value}); "
                f"anchor {d.anchor}, event {d.event_date}"
                + (f"; before {d.before.value}" if d.before is not None else "")
            )
            if d.due_dates:
                lines.append(f"due dates: {due_dates_text(d, lang)}")
    else:
        lines.append("status: not evaluated at this stage")
    for expression in explanation.expressions:
        lines.append("")
        lines.append(f"{expression.role}: {expression.source}")
        for step in expression.steps:
            lines.append(f"  {'  ' * step.depth}{step.text}  =>  {_show(step.value)}")
    if explanation.facts:
        lines.append("")
        lines.append("facts read:")
        for name, value in explanation.facts.items():
            lines.append(f"  {name} = {_show(value)}")
    lines.append("")
    lines.append(f"{explanation.citation_label}: {explanation.citation.quote}")
    if explanation.citation.note:
        lines.append(f"  note: {explanation.citation.note}")
    return printable("\n".join(lines), newlines=True)


def _show(value: FactValue) -> str:
    # A fact such as owner_name is the project's own text: one line, whatever it holds.
    return "unknown" if value is None else printable(str(value))
