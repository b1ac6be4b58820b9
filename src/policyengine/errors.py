"""The library's exceptions. Every one carries a stable `code`, a location or field path, and a hint.

PolicyEngineError
├── PackError         a pack could not be loaded (file:line:column)
├── ProjectError      a project is invalid (field paths, as records)
└── EvaluationError   evaluation itself failed (not a rule: a rule's fault becomes an `error`
                      finding and the other rules still run)
"""

from __future__ import annotations

import itertools
import reprlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._messages import plain_message
from .partial import FORMS, RECORD_FIELDS

if TYPE_CHECKING:
    from pydantic import ValidationError


@dataclass(frozen=True, slots=True)
class Location:
    """A place in a source file; line and column count from 1."""

    path: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.path
        if self.column is None:
            return f"{self.path}:{self.line}"
        return f"{self.path}:{self.line}:{self.column}"


class PolicyEngineError(Exception):
    """Base of every error the library raises on purpose."""

    code: str = "policyengine.error"

    def __init__(self, message: str, *, code: str | None = None, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.hint = hint

    def __str__(self) -> str:
        text = f"{self.code}: {self.message}"
        return f"{text}\n  hint: {self.hint}" if self.hint else text


class PackError(PolicyEngineError):
    """A pack failed to load: bad YAML, schema, expression or consistency. Located in the file."""

    code = "pack.error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        location: Location | None = None,
        pack: str | None = None,
        rule_id: str | None = None,
        expression: str | None = None,
    ) -> None:
        super().__init__(message, code=code, hint=hint)
        self.location = location
        self.pack = pack
        self.rule_id = rule_id
        self.expression = expression

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        text = f"{where}{self.code}: {self.message}"
        if self.rule_id:
            text += f" (in '{self.rule_id}')"
        if self.expression:
            text += f"\n  expression: {self.expression}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


class PackErrors(PackError):
    """Several pack errors found in one load; the first is also exposed as attributes."""

    def __init__(self, errors: Sequence[PackError]) -> None:
        first = errors[0]
        super().__init__(
            first.message,
            code=first.code,
            hint=first.hint,
            location=first.location,
            pack=first.pack,
            rule_id=first.rule_id,
            expression=first.expression,
        )
        self.errors = tuple(errors)

    def __str__(self) -> str:
        body = "\n".join(PackError.__str__(error) for error in self.errors)
        more = f"{len(self.errors)} errors\n" if len(self.errors) > 1 else ""
        return more + body


@dataclass(frozen=True, slots=True)
class ProjectIssue:
    """One problem in a project, as a record: field path, message, offending input."""

    loc: tuple[str | int, ...]
    msg: str
    input: Any
    type: str = "value_error"

    @property
    def path(self) -> str:
        """The field path in dotted form, e.g. `funding.0.amount`."""
        return ".".join(str(part) for part in self.loc) or "<project>"


MAX_ISSUES = 20
"""Most issues a `ProjectError` keeps and shows; the rest are counted ("... and K more")."""


class ProjectError(PolicyEngineError):
    """A project is invalid. `issues` lists the problems with their field paths.

    At most `MAX_ISSUES` issues are kept, so that one hostile record (a list of 100,000 bad
    items) cannot produce an unbounded error; `issue_count` is how many there were in all.
    """

    code = "project.invalid"

    def __init__(self, issues: Iterable[ProjectIssue], *, source: str | None = None) -> None:
        remaining = iter(issues)
        self.issues = tuple(itertools.islice(remaining, MAX_ISSUES))
        self.issue_count = len(self.issues) + sum(1 for _ in remaining)
        self.source = source
        lines = [f"{issue.path}: {issue.msg} (got {_short(issue.input)})" for issue in self.issues]
        if self.issue_count > len(self.issues):
            lines.append(f"... and {self.issue_count - len(self.issues):,} more")
        where = f"{source}: " if source else ""
        super().__init__(
            f"{where}invalid project: " + "; ".join(lines),
            hint="fix the fields listed; unknown facts may be left out or set to null",
        )

    @classmethod
    def from_validation(
        cls,
        exc: ValidationError,
        *,
        source: str | None = None,
        adjust: Callable[[ProjectIssue], ProjectIssue] | None = None,
    ) -> ProjectError:
        """Convert a pydantic ValidationError into located records (each passed through
        `adjust`, which may rename its path or say more)."""
        issues = [
            ProjectIssue(
                loc=_issue_loc(error),
                msg=plain_message(error),
                input=error.get("input"),
                type=error["type"],
            )
            for error in exc.errors(include_url=False)
        ]
        return cls(map(adjust, issues) if adjust else issues, source=source)


class EvaluationError(PolicyEngineError):
    """Evaluation could not run at all (for example: a stage the pack does not know)."""

    code = "evaluation.error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        hint: str | None = None,
        rule_id: str | None = None,
    ) -> None:
        super().__init__(message, code=code, hint=hint)
        self.rule_id = rule_id


def _issue_loc(error: Any) -> tuple[str | int, ...]:
    loc = tuple(error["loc"])
    for index, part in enumerate(loc[:-1]):
        if part in RECORD_FIELDS and loc[index + 1] in FORMS:
            # The form of a record (complete or partial) is how it was read, not part of its path.
            loc = (*loc[: index + 1], *loc[index + 2 :])
            break
    if error["type"] == "date_order":
        # Point at the step whose date is out of order, not at the whole `steps` mapping.
        return (*loc, error["ctx"]["after"], "date")
    return loc


class _ShortRepr(reprlib.Repr):
    """`repr` bounded in depth, width and length, whatever the value (user input)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel = 3
        self.maxstring = 50
        self.maxother = 50
        self.maxlong = 40

    def repr_int(self, x: int, level: int) -> str:
        # repr() of an int is quadratic in its digits and refused past 4,300 of them.
        if x.bit_length() > 128:
            return f"<integer of {x.bit_length():,} bits>"
        return super().repr_int(x, level)

    def repr_instance(self, x: Any, level: int) -> str:
        if isinstance(x, Decimal) and len(x.as_tuple().digits) > self.maxlong:
            return f"<decimal of {len(x.as_tuple().digits):,} digits>"
        return super().repr_instance(x, level)


_SHORT_REPR = _ShortRepr()


def _short(value: Any, limit: int = 60) -> str:
    """A bounded rendering of an offending input: nested, huge or odd values stay short."""
    try:
        text = _SHORT_REPR.repr(value)
    except Exception:  # a value whose own __repr__ fails must not hide the real problem
        text = f"<{type(value).__name__}>"
    return text if len(text) <= limit else text[: limit - 3] + "..."
