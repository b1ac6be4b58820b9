"""Run every pack's YAML cases (tests/packs/<pack>/*.yaml) as pytest items."""

from __future__ import annotations

from pathlib import Path

import pytest

from policyengine.testing import Case, iter_case_files, load_cases, run_case

CASES_ROOT = Path(__file__).parent / "packs"


def _collect() -> list[Case]:
    return [case for path in iter_case_files(CASES_ROOT) for case in load_cases(path)]


ALL_CASES = _collect()


@pytest.mark.parametrize("case", ALL_CASES, ids=[case.id for case in ALL_CASES])
def test_case(case: Case) -> None:
    problems = run_case(case)
    assert not problems, f"{case.location}: {case.name}\n  " + "\n  ".join(problems)


def test_every_bundled_pack_has_cases() -> None:
    from policyengine import BUNDLED_PACKS

    packs_with_cases = {case.pack for case in ALL_CASES}
    present = {
        p for p in BUNDLED_PACKS if (Path(__file__).parents[1] / "policies" / f"{p}.yaml").exists()
    }
    assert present <= packs_with_cases, f"packs without cases: {sorted(present - packs_with_cases)}"


@pytest.mark.parametrize("pack", sorted({case.pack for case in ALL_CASES}))
def test_decide_agrees_with_evaluate_on_every_case(pack: str) -> None:
    # decide takes its own path to the statuses (justifications waiving duties in principle,
    # pending deadlines, missing documents): on every case project it must give evaluate's.
    from policyengine import Decisions, PolicyEngineError, Project, decide, evaluate
    from policyengine.loader import get_pack

    compiled = get_pack(pack)
    compared = 0
    for case in ALL_CASES:
        if case.pack != pack:
            continue
        try:
            project = Project.from_facts(case.project)
            verdict = evaluate(project, compiled, stage=case.stage, as_of=case.as_of)
        except PolicyEngineError:
            continue  # a case about an invalid project or stage
        decisions = decide(project, compiled, stage=case.stage, as_of=case.as_of)
        assert decisions == Decisions.of(verdict), case.id
        compared += 1
    assert compared
