"""The committed JSON Schemas equal the generated ones, and real data validates against them."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from policyengine import CompiledPack, evaluate
from policyengine.schemas import SCHEMAS, schema_text

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schema"


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_current(name: str) -> None:
    committed = (SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8")
    assert committed == schema_text(name), (
        f"schema/{name}.schema.json is stale: run `policyengine schema --write schema`"
    )


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schema_is_valid_draft_2020_12(name: str) -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(schema_text(name)))


def test_verdict_json_validates_against_the_published_schema(mini: CompiledPack) -> None:
    verdict = evaluate(
        {"money": {"total_investment": "500000"}, "content": {"items": ["machine_room"]}}, mini
    )
    schema = json.loads(schema_text("verdict"))
    jsonschema.validate(json.loads(verdict.to_json()), schema)


def test_bundled_packs_validate_against_the_pack_schema() -> None:
    from policyengine._yaml import load_yaml
    from policyengine.loader import BUNDLED_PACKS, bundled_pack_path

    schema = json.loads(schema_text("pack"))
    validator = jsonschema.Draft202012Validator(schema)
    for name in BUNDLED_PACKS:
        try:
            path = bundled_pack_path(name)
        except Exception:
            continue
        data, _ = load_yaml(path.read_text(encoding="utf-8"), str(path))
        errors = [e.message for e in validator.iter_errors(_jsonable(data))]
        assert not errors, f"{name}: {errors[:3]}"


def _jsonable(value: object) -> object:
    # YAML gives Decimals and dates; the JSON Schema speaks of JSON numbers and strings.
    import datetime as dt
    from decimal import Decimal

    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
