"""The documents `policyengine serve` answers with, where the library has none of its own.

Each is a versioned format with a committed schema (`schemas.FORMATS`): it states `format` and
`format_version` like every other JSON the project writes, so a platform validates the
service's answers as it validates a verdict. The service also answers with formats the library
writes anyway (verdicts in an `evaluation`, an `explanation`, the `facts`); these models cover
the rest: the decisions of several packs, a comparison, the packs served, the service's health
and every error body.

No FastAPI here: the schemas are generated (`policyengine schema`) without the 'serve' extra.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .compact import RuleTable
from .pack import DecisionTable, Text, Threshold
from .verdict import DecisionsRecord, OverallStatus, SourceRef

FORMAT_VERSION: Literal[1] = 1
"""The `format_version` of every document defined here."""

_DATA = ConfigDict(frozen=True, extra="forbid")
# A document writes every field, defaults too: its schema (and the OpenAPI document) says so.
_DOCUMENT = ConfigDict(
    frozen=True, extra="forbid", json_schema_serialization_defaults_required=True
)


class DecisionsList(BaseModel):
    """`POST /v1/decide`: the decisions of each pack, in the order the packs were named."""

    model_config = _DOCUMENT
    format: Literal["policyengine.decisions.list"] = "policyengine.decisions.list"
    format_version: Literal[1] = FORMAT_VERSION
    decisions: list[DecisionsRecord] = Field(
        description="one `decisions` document per pack (schema/decisions.schema.json)"
    )


class FailingArticle(BaseModel):
    """An article a project fails under one pack, and the rules that say so."""

    model_config = _DATA
    article: str
    rule_ids: list[str]


class ComparisonRow(BaseModel):
    """One pack's verdict on the project, as `policyengine compare` shows it."""

    model_config = _DATA
    pack_id: str
    pack_version: str
    jurisdiction: Text
    in_scope: bool | None
    exclusion_id: str | None
    status: OverallStatus
    route: str | None
    route_label: Text | None
    approver: Text | None
    failing: list[FailingArticle]


class Comparison(BaseModel):
    """`POST /v1/compare`: every pack's verdict on one project, side by side."""

    model_config = _DOCUMENT
    format: Literal["policyengine.comparison"] = "policyengine.comparison"
    format_version: Literal[1] = FORMAT_VERSION
    comparison: list[ComparisonRow]


class PackSummary(BaseModel):
    """A pack the service serves."""

    model_config = _DATA
    id: str
    version: str
    jurisdiction: Text
    level: str
    source: SourceRef
    rules: int
    decision_tables: list[str]


class Packs(BaseModel):
    """`GET /v1/packs`: the packs served, in the order they were given."""

    model_config = _DOCUMENT
    format: Literal["policyengine.packs"] = "policyengine.packs"
    format_version: Literal[1] = FORMAT_VERSION
    packs: list[PackSummary]


class PackDetail(BaseModel):
    """`GET /v1/packs/{id}`: thresholds, decision tables, the facts it reads, its rule table."""

    model_config = _DOCUMENT
    format: Literal["policyengine.pack.detail"] = "policyengine.pack.detail"
    format_version: Literal[1] = FORMAT_VERSION
    id: str
    version: str
    jurisdiction: Text
    level: str
    source: SourceRef
    thresholds: dict[str, Threshold]
    decision_tables: list[DecisionTable]
    facts: list[str] = Field(description="the facts its expressions read (GET /v1/facts)")
    rule_table: RuleTable = Field(
        description="what compact verdicts refer to (schema/rules.schema.json)"
    )


class PackVersion(BaseModel):
    """A served pack's id and version."""

    model_config = _DATA
    id: str
    version: str


class Health(BaseModel):
    """`GET /healthz`: the service is up; which packs it serves, how the last reload went."""

    model_config = _DOCUMENT
    format: Literal["policyengine.health"] = "policyengine.health"
    format_version: Literal[1] = FORMAT_VERSION
    status: Literal["ok"]
    version: str
    generation: int = Field(description="1 at start; one more for every successful reload")
    packs: list[PackVersion]
    reload_error: str | None = Field(description="why the last reload failed; null: it did not")


class Issue(BaseModel):
    """One problem in a request, at its path in the request body."""

    model_config = _DATA
    loc: list[str | int]
    msg: str
    type: str


class ErrorDetail(BaseModel):
    """A library error (code, message, hint) and, for an invalid request, its issues.

    The optional fields are left out when they say nothing (no hint, no issues).
    """

    model_config = _DATA
    code: str
    message: str
    hint: str | None = None
    issues: list[Issue] | None = None
    issue_count: int | None = Field(
        None, description="how many issues there were; `issues` lists the first 20"
    )


class ServiceError(BaseModel):
    """The body of every error response: 400, 404, 405, 413, 415, 422, 500, 503."""

    model_config = _DOCUMENT
    format: Literal["policyengine.service.error"] = "policyengine.service.error"
    format_version: Literal[1] = FORMAT_VERSION
    error: ErrorDetail

    def to_json(self) -> str:
        """The error as compact JSON, without the detail's empty optional fields."""
        # exclude_none reaches only ErrorDetail: no field of the document itself is optional.
        return self.model_dump_json(exclude_none=True)
