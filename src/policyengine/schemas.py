"""JSON Schemas of every JSON the project reads or writes, generated from the models.

Two inputs (a pack, a project) and every output: verdicts full and compact, the decisions of
`decide`, the documents of `evaluate --format json|compact`, a JSON Lines record of a batch, and
the JSON of `rules`, `facts`, `thresholds`, `coverage`, `diff`, `explain`, `lint`, `test` and
`mutate`, and the bodies the decision service (`policyengine serve`) answers with. Each schema has an `$id` that names it and its version
(`urn:egov-policyengine:schema:verdict:1`); each output document states its `format` and
`format_version`. Within a version, changes are additive (README, "Stability"), so the schema
of an output leaves objects open to fields a later release may add: a reader built against
this schema keeps reading later documents of the same version.

The committed copies in `schema/` are what editors and other systems use; a test keeps them equal
to what this module generates. `validate` checks a document against its schema (with
`jsonschema`, imported on first use).
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, TypeAdapter

from .errors import PolicyEngineError

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

ID_PREFIX = "urn:egov-policyengine:schema:"


@dataclass(frozen=True, slots=True)
class Format:
    """One JSON format: its schema's name, the `format` its documents state, and its version."""

    name: str
    """The schema's name: `schema/<name>.schema.json`, `policyengine schema <name>`."""
    format: str | None
    """The `format` every document states; None for an input (pack, project)."""
    version: int
    """The `format_version` every document states (a pack's own `format` for the pack)."""
    model: str
    """The model the schema is generated from, `module:name`, imported on first use."""
    description: str
    lines: bool = False
    """Written as JSON Lines, one document per line."""

    @property
    def id(self) -> str:
        """The schema's `$id`: stable for as long as the version is."""
        return f"{ID_PREFIX}{self.name}:{self.version}"

    @property
    def output(self) -> bool:
        """Whether the project writes documents of this format (else it reads them)."""
        return self.format is not None


FORMATS: tuple[Format, ...] = (
    Format("pack", None, 2, "pack:PolicyPack", "a policy pack (YAML or JSON), pack format 2"),
    Format("project", None, 1, "project:Project", "a project to evaluate (YAML or JSON)"),
    Format(
        "verdict",
        "policyengine.verdict",
        1,
        "verdict:Verdict",
        "a full verdict: `verdict.to_json()`, an item of `evaluate --format json`",
    ),
    Format(
        "verdict-compact",
        "policyengine.verdict.compact",
        2,
        "compact:CompactVerdict",
        "a compact verdict, which refers to the pack's rule table: `compact_json(verdict, pack)`",
    ),
    Format(
        "decisions",
        "policyengine.decisions",
        1,
        "verdict:DecisionsRecord",
        "the decisions of `decide(...)`: `decisions.to_json()`",
    ),
    Format(
        "evaluation",
        "policyengine.evaluation",
        1,
        "batch:Evaluation",
        "`evaluate --format json`: the verdicts, and the records rejected, in input order; "
        "`POST /v1/evaluate`: the verdicts of one project, one per pack",
    ),
    Format(
        "evaluation-compact",
        "policyengine.evaluation.compact",
        2,
        "batch:CompactEvaluation",
        "`evaluate --format compact`: compact verdicts, and the records rejected; "
        "`POST /v1/evaluate` with `format: compact`",
    ),
    Format(
        "batch-record",
        "policyengine.batch.record",
        1,
        "batch:BatchRecord",
        "`evaluate --format jsonl`: one line per input record, its verdicts or its error",
        lines=True,
    ),
    Format(
        "rules",
        "policyengine.rules",
        1,
        "compact:RuleTable",
        "`rules PACK`: the rule table compact verdicts refer to",
    ),
    Format(
        "facts",
        "policyengine.facts",
        1,
        "facts:FactTable",
        "`facts --format json`, `GET /v1/facts`: the facts expressions may read",
    ),
    Format(
        "thresholds",
        "policyengine.thresholds",
        1,
        "thresholds:ThresholdTable",
        "`thresholds PACK --format json`: thresholds and decision tables",
    ),
    Format(
        "coverage",
        "policyengine.coverage",
        1,
        "clauses:CoverageReport",
        "`coverage --format json`: one line per pack, how it accounts for its source's clauses",
        lines=True,
    ),
    Format(
        "diff",
        "policyengine.diff",
        1,
        "diff:PackDiff",
        "`diff A B --format json`: what differs between two packs",
    ),
    Format(
        "explanation",
        "policyengine.explanation",
        1,
        "explain:Explanation",
        "`explain --format json`, `POST /v1/explain`: why a rule gave its answer for a project",
    ),
    Format(
        "lint",
        "policyengine.lint",
        1,
        "lint:LintReport",
        "`lint --format json`: load errors and lint findings, located, per pack",
    ),
    Format(
        "test",
        "policyengine.test",
        1,
        "testing:CaseReport",
        "`test --format json`: every YAML case's outcome, and rule coverage",
    ),
    Format(
        "mutation",
        "policyengine.mutation",
        1,
        "mutate:MutationSummary",
        "`mutate --format json`: one line per pack, its mutants' outcomes and survivors",
        lines=True,
    ),
    Format(
        "decisions-list",
        "policyengine.decisions.list",
        1,
        "service:DecisionsList",
        "`POST /v1/decide`: the decisions of one project, one `decisions` document per pack",
    ),
    Format(
        "comparison",
        "policyengine.comparison",
        1,
        "service:Comparison",
        "`POST /v1/compare`: each pack's verdict on one project, side by side",
    ),
    Format(
        "packs",
        "policyengine.packs",
        1,
        "service:Packs",
        "`GET /v1/packs`: the packs the service serves",
    ),
    Format(
        "pack-detail",
        "policyengine.pack.detail",
        1,
        "service:PackDetail",
        "`GET /v1/packs/{id}`: a served pack's thresholds, tables, facts read and rule table",
    ),
    Format(
        "health",
        "policyengine.health",
        1,
        "service:Health",
        "`GET /healthz`: the service's packs and how its last reload went",
    ),
    Format(
        "service-error",
        "policyengine.service.error",
        1,
        "service:ServiceError",
        "the body of every error the service answers (4xx, 5xx)",
    ),
)
"""Every format, inputs first."""

BY_NAME = {f.name: f for f in FORMATS}
BY_FORMAT = {f.format: f for f in FORMATS if f.format is not None}
SCHEMAS = tuple(BY_NAME)
"""Schema names, as `policyengine schema NAME` takes them."""


class SchemaError(PolicyEngineError):
    """A schema that does not exist, or a document that names no format this library knows."""

    code = "schema.unknown"


def schema(name: str) -> dict[str, Any]:
    """The JSON Schema of format `name` (a dict: draft 2020-12, with its `$id`)."""
    fmt = _format(name)
    module, _, attribute = fmt.model.partition(":")
    model = getattr(importlib.import_module(f"policyengine.{module}"), attribute)
    generated: dict[str, Any]
    if isinstance(model, type) and issubclass(model, BaseModel):
        mode: Literal["validation", "serialization"] = (
            "serialization" if fmt.output else "validation"
        )
        generated = model.model_json_schema(mode=mode)
    else:  # a union of models
        generated = TypeAdapter(model).json_schema(mode="serialization")
    if fmt.output:
        generated = _open(generated)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": fmt.id,
        "title": generated.get("title", name),
        "description": "\n\n".join(filter(None, (fmt.description, generated.get("description")))),
        **{key: value for key, value in generated.items() if key not in ("title", "description")},
    }


def schema_text(name: str) -> str:
    """The schema `name` as stable, indented JSON text (with a final newline)."""
    return json.dumps(schema(name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@dataclass(frozen=True, slots=True)
class Violation:
    """Where a document departs from its schema, and how."""

    path: str
    """A JSON path into the document: `$.findings[3].status`."""
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


def format_of(document: Any) -> Format:
    """The format a document states (`format`), or SchemaError."""
    stated = document.get("format") if isinstance(document, dict) else None
    if not isinstance(stated, str):
        raise SchemaError(
            "the document states no format",
            hint="name its schema (policyengine validate --schema NAME); schemas: "
            + ", ".join(SCHEMAS),
        )
    if stated not in BY_FORMAT:
        raise SchemaError(
            f"unknown format {stated!r}",
            hint="formats this library writes: " + ", ".join(sorted(BY_FORMAT)),
        )
    return BY_FORMAT[stated]


def validate(document: Any, name: str | None = None) -> list[Violation]:
    """Check `document` (JSON data) against the schema `name`, by default the schema of the
    format it states; returns every violation, sorted by path (none: it is valid).

    Raises:
        SchemaError: `name` is no schema, or the document states no format this library knows.
    """
    fmt = _format(name) if name is not None else format_of(document)
    if fmt.output and isinstance(document, dict):
        version = document.get("format_version")
        if document.get("format") == fmt.format and version != fmt.version:
            return [
                Violation(
                    "$.format_version",
                    f"{version!r}: this library reads and writes version {fmt.version} of "
                    f"{fmt.format}",
                )
            ]
    errors = _validator(fmt.name).iter_errors(document)
    return [
        Violation(_json_path(error.absolute_path), error.message)
        for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])
    ]


def _format(name: str) -> Format:
    if name not in BY_NAME:
        raise SchemaError(f"no schema {name!r}", hint="schemas: " + ", ".join(SCHEMAS))
    return BY_NAME[name]


@cache
def _validator(name: str) -> Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schema(name))


def _json_path(parts: Any) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


_STATED = ("format", "format_version")


def _open(node: Any) -> Any:
    """`node` with every `additionalProperties: false` left out: an output schema describes the
    fields of its version, and a later release of the same version may add more. A document's
    `format` and `format_version` are required, defaults or not: a reader goes by them."""
    if isinstance(node, dict):
        opened = {
            key: _open(value)
            for key, value in node.items()
            if not (key == "additionalProperties" and value is False)
        }
        properties = opened.get("properties")
        if isinstance(properties, dict) and all(name in properties for name in _STATED):
            required = opened.get("required", [])
            opened["required"] = [*_STATED, *(name for name in required if name not in _STATED)]
        return opened
    if isinstance(node, list):
        return [_open(value) for value in node]
    return node
