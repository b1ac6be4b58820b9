"""The compiled program decides exactly as the interpreter does: same verdict, byte for byte,
for complete and partial records alike."""

from __future__ import annotations

import datetime as dt
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyengine import CompiledPack, Decisions, Stage, decide, evaluate, load_pack
from policyengine.evaluator import interpret
from policyengine.loader import BUNDLED_PACKS
from policyengine.project import Project
from policyengine.strategies import amounts_near, project_dicts

ROOT = Path(__file__).resolve().parents[1]
PACKS = [load_pack(ROOT / "tests" / "fixtures" / name) for name in ("mini.yaml", "time.yaml")] + [
    load_pack(name) for name in BUNDLED_PACKS if (ROOT / "policies" / f"{name}.yaml").exists()
]
STAGES = st.sampled_from([None, *Stage])
DATES = st.dates(dt.date(2019, 1, 1), dt.date(2026, 12, 31))


@pytest.mark.parametrize("pack", PACKS, ids=[p.id for p in PACKS])
def test_compiled_and_interpreted_verdicts_are_identical(pack: CompiledPack) -> None:
    @given(project_dicts(amounts_near(pack), partial=True), STAGES, DATES)
    def check(data: dict[str, Any], stage: Stage | None, as_of: dt.date) -> None:
        compiled = evaluate(Project.from_facts(data), pack, stage=stage, as_of=as_of)
        interpreted = interpret(Project.from_facts(data), pack, stage=stage, as_of=as_of)
        assert compiled.to_json() == interpreted.to_json()
        assert decide(Project.from_facts(data), pack, stage=stage, as_of=as_of) == Decisions.of(
            compiled
        )

    check()


def test_a_definition_that_raises_is_reported_as_by_the_interpreter() -> None:
    text = (ROOT / "tests" / "fixtures" / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace(
        'expression: "total_investment >= approval_threshold"',
        'expression: "total_investment / budget_estimate >= approval_threshold"',
    )
    from policyengine.loader import load_pack_text

    pack = load_pack_text(text, "broken-definition.yaml")
    data = {
        "owner_type": "public_institution",
        "total_investment": "1",
        "budget_estimate": "0",
    }
    verdict = evaluate(Project.from_facts(data), pack, as_of=dt.date(2025, 1, 1))
    assert (
        verdict.to_json()
        == interpret(Project.from_facts(data), pack, as_of=dt.date(2025, 1, 1)).to_json()
    )
    errors = [f for f in verdict.findings if f.status.value == "error"]
    assert errors
    assert all("needs_approval" in (f.error or "") for f in errors)


def test_a_pack_pickles_without_its_compiled_programs() -> None:
    pack = PACKS[0]
    pack.program(None)
    copy = pickle.loads(pickle.dumps(pack))
    assert copy.programs == {}
    data = {"owner_type": "public_institution", "total_investment": "600000"}
    assert (
        evaluate(Project.from_facts(data), copy).to_json()
        == evaluate(Project.from_facts(data), pack).to_json()
    )
