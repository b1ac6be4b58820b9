"""Projects from flat rows: one cell per fact, as a spreadsheet, a CSV file or pandas gives them.

A row names its columns by fact (`total_investment`, `owner_type`, `items`, ...), as
`Project.from_facts` does, but every cell may be text, and a blank cell is an unknown fact:
None, "", only whitespace, or a float NaN (pandas' empty cell). Each cell is read by the type of
its fact:

- yes/no facts: true/false, yes/no, 是/否, 1/0 (any case);
- whole numbers: digits (a float with no fraction, as pandas gives a column with blanks);
- amounts: the amount rules of the Project model ("4800000", "480万", "12.5万元"); a float is read
  as the shortest decimal that prints it (4800000.5 -> "4800000.5") and then by the same rules;
- set facts (`documents`, `items`, `categories`, `steps`, ...): members separated by ";" or "、";
- funding: `funding_sources` (a set) and `funding_<source>` columns (the amount from that
  source), the fact names packs read, become the project's funding shares.

Every other value goes to `Project.from_facts` unchanged; errors name the column.
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from .errors import PolicyEngineError, ProjectError, ProjectIssue
from .facts import FACTS, FactType, fact_place
from .project import FACT_FIELDS, Project
from .vocabulary import FundingSource

_SEPARATOR = re.compile(r"[;、]")
_TRUE = frozenset({"true", "yes", "是", "1"})
_FALSE = frozenset({"false", "no", "否", "0"})
_BOOLEAN_FORMS = "true/false, yes/no, 是/否 or 1/0"
_FUNDING_COLUMNS = {f"funding_{source.value}": source for source in FundingSource}
_TEXT_ONLY = ("id", "name", "stage")
_EXTRA_CELLS = "\0extra"  # where csv puts a row's cells beyond the header: never a fact name
_DERIVED = frozenset(FACTS) - set(FACT_FIELDS) - {"documents", *_FUNDING_COLUMNS, "funding_sources"}


class _CellError(ValueError):
    """A cell that its fact cannot read; the message says what it should hold."""


def blank(value: Any) -> bool:
    """Whether a cell states nothing: None, empty or whitespace text, or a float NaN."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def project_from_row(row: Mapping[str, Any], *, source: str | None = None) -> Project:
    """The project a flat row states (see the module docstring); `ProjectError` names the
    column of every cell it cannot read."""
    facts: dict[str, Any] = {}
    funding: dict[FundingSource, Any] = {}
    issues: list[ProjectIssue] = []
    for column, value in row.items():
        if blank(value):
            continue
        name = column.strip() if isinstance(column, str) else column
        try:
            if name in _FUNDING_COLUMNS:
                funding[_FUNDING_COLUMNS[name]] = _amount(value)
            elif name == "funding_sources":
                for member in _members(value):
                    funding.setdefault(FundingSource(member), None)
            elif name in _DERIVED:
                raise _CellError(f"a derived fact, read {fact_place(name)}; a row cannot state it")
            else:
                facts[name] = _cell(name, value)
        except _CellError as exc:
            issues.append(ProjectIssue(loc=(name,), msg=str(exc), input=value))
        except ValueError:  # a funding source that is not one
            allowed = ", ".join(source.value for source in FundingSource)
            issues.append(
                ProjectIssue(
                    loc=(name,), msg=f"funding sources are some of: {allowed}", input=value
                )
            )
    if issues:
        raise ProjectError(issues, source=source)
    if funding:
        facts["funding"] = [
            {"source": source.value, **({} if amount is None else {"amount": amount})}
            for source, amount in funding.items()
        ]
    return Project.from_facts(facts, source=source)


def _cell(name: Any, value: Any) -> Any:
    """The value of one cell as `from_facts` reads the fact `name`."""
    if isinstance(value, str):
        value = value.strip()
    if name in _TEXT_ONLY or not isinstance(name, str) or name not in FACTS:
        return value  # from_facts refuses an unknown column with a suggestion
    spec = FACTS[name]
    if spec.kind is FactType.BOOL:
        return _boolean(value)
    if spec.kind is FactType.INT:
        return _integer(value)
    if spec.kind is FactType.DECIMAL:
        return _amount(value)
    if spec.kind is FactType.SET:
        members = _members(value)
        if name == "steps":  # a step named, with nothing recorded about it
            return {member: {} for member in members}
        return members
    return value


def _boolean(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    raise _CellError(f"a yes/no fact is written {_BOOLEAN_FORMS}")


def _integer(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)  # pandas reads a whole-number column with blanks as floats
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value  # the Project model says what is wrong with it


def _amount(value: Any) -> Any:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _CellError("an amount is a finite number of yuan")
        return repr(value).removesuffix(".0")
    return value.strip() if isinstance(value, str) else value


def _members(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [member.strip() for member in _SEPARATOR.split(value) if member.strip()]
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    raise _CellError('a set is written as its members separated by ";" or "、"')


def csv_projects(path: Path) -> Iterator[tuple[str, Project | PolicyEngineError]]:
    """(`<file>:<line>`, the project or the error) for each row of a CSV file whose first row
    names the facts, read as a stream (`policyengine evaluate projects.csv`)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle, restkey=_EXTRA_CELLS)
        try:
            for row in reader:
                where = f"{path}:{reader.line_num}"
                extra: Any = row.pop(_EXTRA_CELLS, None)
                if extra:
                    yield where, _ragged(len(reader.fieldnames or ()), extra)
                    continue
                try:
                    yield where, project_from_row(row, source=where)
                except PolicyEngineError as exc:
                    yield where, exc
        except (csv.Error, UnicodeDecodeError) as exc:
            yield (
                f"{path}:{reader.line_num}",
                PolicyEngineError(
                    f"cannot read the CSV file: {exc}",
                    code="project.bad_csv",
                    hint="save it as UTF-8 CSV with a header row of fact names",
                ),
            )


def _ragged(columns: int, extra: list[str]) -> PolicyEngineError:
    return PolicyEngineError(
        f"the row has {len(extra)} more cells than the header's {columns} columns",
        code="project.bad_csv",
        hint='quote cells that hold a comma; separate set members with ";" or "、"',
    )
