"""JSON Schemas of the pack format, the project and the verdict, generated from the models.

The committed copies in `schema/` are what editors and other systems use; a test keeps them equal
to what this module generates.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .compact import CompactVerdict, RuleTable
from .pack import PolicyPack
from .project import Project
from .verdict import Verdict

SCHEMAS: dict[str, Callable[[], dict[str, Any]]] = {
    "pack": lambda: _with_id(PolicyPack.model_json_schema(), "pack"),
    "project": lambda: _with_id(Project.model_json_schema(), "project"),
    "verdict": lambda: _with_id(Verdict.model_json_schema(mode="serialization"), "verdict"),
    "verdict-compact": lambda: _with_id(
        CompactVerdict.model_json_schema(mode="serialization"), "verdict-compact"
    ),
    "rules": lambda: _with_id(RuleTable.model_json_schema(mode="serialization"), "rules"),
}
"""Schema name -> generator."""


def _with_id(schema: dict[str, Any], name: str) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": schema.get("title", name),
        **schema,
    }


def schema_text(name: str) -> str:
    """The schema `name` as stable, indented JSON text (with a final newline)."""
    return json.dumps(SCHEMAS[name](), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
