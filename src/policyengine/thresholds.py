"""A pack's thresholds and decision tables as data: what `policyengine thresholds` lists.

Each band is given with its bounds resolved to numbers (a bound that names a threshold is the
threshold's value), so a reader sees the exact interval without evaluating the pack.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from .loader import CompiledPack
from .pack import Citation, Text
from .verdict import ExactDecimal
from .vocabulary import Stage

_DATA = ConfigDict(frozen=True, extra="forbid", defer_build=True)


class ThresholdEntry(BaseModel):
    """A named number of the law, with the side its boundary falls on."""

    model_config = _DATA
    name: str
    value: ExactDecimal
    unit: str
    direction: Literal["at_least", "at_most"]
    boundary: Literal["inclusive", "exclusive"]
    description: Text
    citation: Citation
    reading: str | None = None


class BandEntry(BaseModel):
    """One band of a decision table; an open end is null."""

    model_config = _DATA
    band_id: str
    label: Text
    approver: Text | None = None
    min: ExactDecimal | None = None
    min_inclusive: bool | None = None
    max: ExactDecimal | None = None
    max_inclusive: bool | None = None
    citation: Citation


class TableEntry(BaseModel):
    """A decision table: the number it reads and its bands, in order."""

    model_config = _DATA
    table_id: str
    title: Text
    input: str
    primary: bool
    due_from: Stage | None = None
    citation: Citation
    bands: list[BandEntry]


class ThresholdTable(BaseModel):
    """A pack's thresholds and decision tables (`policyengine thresholds PACK --format json`)."""

    model_config = _DATA
    format: Literal["policyengine.thresholds"]
    format_version: Literal[1]
    pack_id: str
    pack_version: str
    thresholds: list[ThresholdEntry]
    tables: list[TableEntry]


def threshold_table(pack: CompiledPack) -> ThresholdTable:
    """The thresholds and decision tables of `pack`, in pack order."""
    return ThresholdTable(
        format="policyengine.thresholds",
        format_version=1,
        pack_id=pack.spec.id,
        pack_version=pack.spec.version,
        thresholds=[
            ThresholdEntry(
                name=name,
                value=t.value,
                unit=t.unit,
                direction=t.direction,
                boundary=t.boundary,
                description=t.description,
                citation=t.citation,
                reading=t.reading,
            )
            for name, t in pack.spec.thresholds.items()
        ],
        tables=[
            TableEntry(
                table_id=table.spec.id,
                title=table.spec.title,
                input=table.spec.input,
                primary=table.spec.primary,
                due_from=table.spec.due_from,
                citation=table.spec.citation,
                bands=[
                    BandEntry(
                        band_id=band.id,
                        label=band.label,
                        approver=band.approver,
                        min=low,
                        min_inclusive=low_inclusive if low is not None else None,
                        max=high,
                        max_inclusive=high_inclusive if high is not None else None,
                        citation=band.citation,
                    )
                    for band, (low, low_inclusive, high, high_inclusive) in zip(
                        table.spec.bands, table.bounds, strict=True
                    )
                ],
            )
            for table in pack.tables
        ],
    )
