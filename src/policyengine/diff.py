"""What differs between two jurisdictions: thresholds, prohibited items, required documents and
acceptance-failure conditions, each with the article that says so."""

from __future__ import annotations

from collections import defaultdict
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .loader import CompiledPack
from .render import cite, columns
from .verdict import ExactDecimal
from .vocabulary import Document, Item, Stage

_DATA = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class ThresholdRow(BaseModel):
    """A threshold of one pack."""

    model_config = _DATA
    pack: str
    name: str
    value: ExactDecimal
    unit: str
    direction: str
    boundary: str
    article: str
    description: str


class SetDifference(BaseModel):
    """Members found only in A, only in B, and in both."""

    model_config = _DATA
    only_a: list[str]
    only_b: list[str]
    both: list[str]


class PackDiff(BaseModel):
    """The differences between pack A and pack B."""

    model_config = _DATA
    format: Literal["policyengine.diff"] = "policyengine.diff"
    format_version: Literal[1] = 1
    a: str
    b: str
    thresholds: list[ThresholdRow]
    prohibited_items: SetDifference
    required_documents: dict[str, SetDifference]
    acceptance_failures: SetDifference


def _thresholds(pack: CompiledPack) -> list[ThresholdRow]:
    style = pack.spec.source.citation_style
    return [
        ThresholdRow(
            pack=pack.id,
            name=name,
            value=t.value,
            unit=t.unit,
            direction=t.direction,
            boundary=t.boundary,
            article=cite(t.citation, style=style),
            description=t.description.en,
        )
        for name, t in pack.spec.thresholds.items()
    ]


def _prohibited(pack: CompiledPack) -> set[str]:
    return {item.value for rule in pack.spec.prohibited_items for item in rule.items}


def _documents(pack: CompiledPack) -> dict[str, set[str]]:
    by_stage: dict[str, set[str]] = defaultdict(set)
    for rule in pack.spec.required_documents:
        for doc in rule.documents:
            members = [doc] if isinstance(doc, Document) else doc.any_of
            by_stage[rule.due_from.value].update(m.value for m in members)
    return by_stage


def _acceptance(pack: CompiledPack) -> set[str]:
    return {rule.title.en for rule in pack.spec.acceptance_failures}


def _difference(a: set[str], b: set[str], order: list[str] | None = None) -> SetDifference:
    def ordered(values: set[str]) -> list[str]:
        if order is None:
            return sorted(values)
        return [v for v in order if v in values]

    return SetDifference(only_a=ordered(a - b), only_b=ordered(b - a), both=ordered(a & b))


def diff_packs(a: CompiledPack, b: CompiledPack) -> PackDiff:
    """Compare two packs."""
    docs_a, docs_b = _documents(a), _documents(b)
    stages = [s.value for s in Stage if s.value in docs_a or s.value in docs_b]
    return PackDiff(
        a=a.id,
        b=b.id,
        thresholds=_thresholds(a) + _thresholds(b),
        prohibited_items=_difference(_prohibited(a), _prohibited(b), [i.value for i in Item]),
        required_documents={
            stage: _difference(
                docs_a.get(stage, set()), docs_b.get(stage, set()), [d.value for d in Document]
            )
            for stage in stages
        },
        acceptance_failures=_difference(_acceptance(a), _acceptance(b)),
    )


_SIGNS = {
    ("at_least", "inclusive"): ">=",
    ("at_least", "exclusive"): ">",
    ("at_most", "inclusive"): "<=",
    ("at_most", "exclusive"): "<",
}


def render_diff(diff: PackDiff) -> str:
    """Plain-text form of a pack diff."""
    lines = [f"thresholds ({diff.a} | {diff.b})"]
    rows = [
        [
            row.pack,
            row.name,
            f"{_SIGNS[(row.direction, row.boundary)]} {row.value} {row.unit}",
            row.article,
        ]
        for row in diff.thresholds
    ]
    lines += columns(rows, indent="  ")

    def section(title: str, difference: SetDifference) -> None:
        lines.append("")
        lines.append(title)
        lines.append(f"  only {diff.a}: {', '.join(difference.only_a) or '—'}")
        lines.append(f"  only {diff.b}: {', '.join(difference.only_b) or '—'}")
        lines.append(f"  both: {', '.join(difference.both) or '—'}")

    section("prohibited items", diff.prohibited_items)
    for stage, difference in diff.required_documents.items():
        section(f"required documents at {stage}", difference)
    section("acceptance-failure conditions", diff.acceptance_failures)
    return "\n".join(lines)
