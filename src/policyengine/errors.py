"""The library's exceptions. Every one carries a stable `code`, a location or field path, and a hint.

PolicyEngineError
├── PackError         a pack could not be loaded (file:line:column)
├── ProjectError      a project is invalid (field paths, as records)
└── EvaluationError   evaluation itself failed (not a rule: a rule's fault becomes an `error`
                      finding and the other rules still run)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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


class ProjectError(PolicyEngineError):
    """A project is invalid. `issues` lists every problem with its field path."""

    code = "project.invalid"

    def __init__(self, issues: Iterable[ProjectIssue], *, source: str | None = None) -> None:
        self.issues = tuple(issues)
        self.source = source
        lines = [f"{issue.path}: {issue.msg} (got {_short(issue.input)})" for issue in self.issues]
        where = f"{source}: " if source else ""
        super().__init__(
            f"{where}invalid project: " + "; ".join(lines),
            hint="fix the fields listed; unknown facts may be left out or set to null",
        )

    @classmethod
    def from_validation(cls, exc: ValidationError, *, source: str | None = None) -> ProjectError:
        """Convert a pydantic ValidationError into located records."""
        issues = [
            ProjectIssue(
                loc=_issue_loc(error),
                msg=error["msg"],
                input=error.get("input"),
                type=error["type"],
            )
            for error in exc.errors(include_url=False)
        ]
        return cls(issues, source=source)


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
    if error["type"] == "date_order":
        # Point at the step whose date is out of order, not at the whole `steps` mapping.
        return (*loc, error["ctx"]["after"], "date")
    return loc


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
