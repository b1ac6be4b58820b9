"""Guarantees that matter to users, proven by properties over every pack:

- adding a prohibited item never turns a failure into a pass;
- adding a missing document never adds a failure;
- declaring a project classified only ever lifts prohibitions whose exception names it;
- filling in an unknown fact never changes a finding that was already pass or fail (with
  complete or partial records of documents, items and steps);
- a duty is checked at the stage it falls due and at every later one, with the same outcome,
  and never before;
- evaluation is deterministic across runs, processes, hash seeds and threads.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyengine import CompiledPack, Stage, Status, Verdict, evaluate, load_pack
from policyengine.loader import BUNDLED_PACKS
from policyengine.project import Project
from policyengine.strategies import amounts_near, project_dicts
from policyengine.vocabulary import Document, Item

AS_OF = dt.date(2025, 11, 1)
ROOT = Path(__file__).resolve().parents[1]
PACKS = [load_pack(ROOT / "tests" / "fixtures" / name) for name in ("mini.yaml", "time.yaml")] + [
    load_pack(name) for name in BUNDLED_PACKS if (ROOT / "policies" / f"{name}.yaml").exists()
]
IDS = [p.id for p in PACKS]


def statuses(verdict: Verdict) -> dict[str, Status]:
    return {f.rule_id: f.status for f in verdict.findings}


def run(pack: CompiledPack, data: dict[str, Any]) -> Verdict:
    # At the last stage every duty is due: the properties below cover every rule.
    return evaluate(Project.from_facts(data), pack, stage=Stage.AUDIT, as_of=AS_OF)


@pytest.mark.parametrize("pack", PACKS, ids=IDS)
def test_a_duty_is_checked_from_its_stage_on_with_the_same_outcome(pack: CompiledPack) -> None:
    stages = list(Stage)

    @given(project_dicts(amounts_near(pack)), st.sampled_from(stages[:-1]))
    def check(data: dict[str, Any], stage: Stage) -> None:
        now = evaluate(Project.from_facts(data), pack, stage=stage, as_of=AS_OF)
        if now.in_scope is False:
            return
        due = {rule.id for rule in pack.rules if rule.spec.due_from.rank <= stage.rank}
        assert {f.rule_id for f in now.findings} == due
        later = evaluate(Project.from_facts(data), pack, stage=stages[stage.rank + 1], as_of=AS_OF)
        for finding in now.findings:
            assert later.finding(finding.rule_id).status is finding.status, finding.rule_id

    check()


@pytest.mark.parametrize("pack", PACKS, ids=IDS)
def test_adding_a_prohibited_item_never_turns_a_failure_into_a_pass(pack: CompiledPack) -> None:
    prohibited = sorted({i.value for rule in pack.spec.prohibited_items for i in rule.items})
    if not prohibited:
        pytest.skip(f"{pack.id} prohibits no item")

    @given(project_dicts(amounts_near(pack)), st.sampled_from(prohibited))
    def check(data: dict[str, Any], item: str) -> None:
        before = run(pack, data)
        after = run(pack, {**data, "items": sorted({*(data.get("items") or []), item})})
        for rule_id, status in statuses(before).items():
            if status is Status.FAIL and rule_id in statuses(after):
                finding = after.finding(rule_id)
                if finding.section == "prohibited_items":
                    assert finding.status is not Status.PASS, rule_id

    check()


@pytest.mark.parametrize("pack", PACKS, ids=IDS)
def test_adding_a_missing_document_never_adds_a_failure(pack: CompiledPack) -> None:
    @given(project_dicts(amounts_near(pack)), st.sampled_from(list(Document)))
    def check(data: dict[str, Any], document: Document) -> None:
        if data.get("documents") is None:
            data = {**data, "documents": []}
        before = run(pack, data)
        after = run(pack, {**data, "documents": sorted({*data["documents"], document})})
        failed_before = {f.rule_id for f in before.failed}
        failed_after = {f.rule_id for f in after.failed}
        assert failed_after <= failed_before, failed_after - failed_before

    check()


@pytest.mark.parametrize("pack", PACKS, ids=IDS)
def test_classified_only_lifts_prohibitions_that_name_it(pack: CompiledPack) -> None:
    naming = {
        rule.id
        for rule in pack.rules
        if rule.section == "prohibited_items"
        and (
            any("classified" in expr.facts for _, expr in rule.exceptions)
            or (rule.when is not None and "classified" in rule.when.facts)
        )
    }

    @given(project_dicts(amounts_near(pack)), st.lists(st.sampled_from(list(Item)), max_size=4))
    def check(data: dict[str, Any], items: list[Item]) -> None:
        base = {**data, "items": sorted(set(items)), "classified": False}
        before = run(pack, base)
        after = run(pack, {**base, "classified": True})
        for finding in after.findings:
            if finding.section != "prohibited_items" or finding.rule_id not in statuses(before):
                continue
            old = before.finding(finding.rule_id).status
            if finding.status is not old:
                # Lifted by an exception (pass) or outside a ban that covers non-classified
                # systems only (not applicable); never the other way.
                assert finding.rule_id in naming, finding.rule_id
                assert old in {Status.FAIL, Status.UNKNOWN, Status.PASS}
                assert finding.status in {Status.PASS, Status.NOT_APPLICABLE}

    check()


FILLABLE = {
    "classified": st.booleans(),
    "in_annual_plan": st.booleans(),
    "deviates_from_approved_content": st.booleans(),
    "documents": st.lists(st.sampled_from([d.value for d in Document]), max_size=8),
    "items": st.lists(st.sampled_from([i.value for i in Item]), max_size=4),
}


@pytest.mark.parametrize("pack", PACKS, ids=IDS)
def test_filling_an_unknown_fact_never_changes_a_decided_finding(pack: CompiledPack) -> None:
    @given(project_dicts(amounts_near(pack), partial=True), st.data())
    def check(data: dict[str, Any], draw: st.DataObject) -> None:
        unknown = [name for name in FILLABLE if data.get(name) is None]
        if not unknown:
            return
        name = draw.draw(st.sampled_from(unknown))
        value = draw.draw(FILLABLE[name])
        before, after = run(pack, data), run(pack, {**data, name: value})
        if before.in_scope is False or after.in_scope is False:
            return
        # A failure that rests on an assumption (an exception whose facts are unknown) is decided
        # only until the exception's facts are stated: default logic, not a broken promise.
        assumed = {f.rule_id for f in before.findings if f.assumptions}
        decided = {
            k: s
            for k, s in statuses(before).items()
            if s in (Status.PASS, Status.FAIL) and k not in assumed
        }
        now = statuses(after)
        # A rule excused by an established exception before anyone said whether it applies is a
        # pass; once it is known not to apply, it is not applicable: no breach either way.
        excused = {f.rule_id for f in before.findings if f.exception is not None}
        changed = {
            k: (s, now[k])
            for k, s in decided.items()
            if now.get(k) not in (None, s)
            and not (k in excused and now[k] is Status.NOT_APPLICABLE)
        }
        assert not changed, f"filling {name}={value!r} changed {changed}"

    check()


SAMPLE = [
    {
        "owner_type": "party_government_organ",
        "owner_level": "municipal",
        "classified": False,
        "total_investment": amount,
        "items": ["machine_room", "server", "lan"],
        "documents": ["feasibility_study_report", "project_proposal"],
        "in_annual_plan": True,
        "steps": {"approval": {"date": "2025-03-01"}, "completion": {"date": "2025-06-30"}},
    }
    for amount in ("499999.99", "500000.00", "2000000.00", "30000000.00")
] + [
    {
        "owner_type": "party_government_organ",
        "owner_level": "municipal",
        "total_investment": "2000000.00",
        "items": {"present": ["server", "lan"], "absent": ["machine_room"]},
        "documents": {"present": ["project_proposal"], "absent": ["preliminary_design"]},
        "steps": {"taken": {"approval": {"date": "2025-03-01"}}, "not_taken": ["filing"]},
    }
]
_SCRIPT = """
import datetime as dt, json, sys
from policyengine import Project, evaluate, load_pack
from pathlib import Path
packs = [load_pack(Path(p)) for p in json.loads(sys.argv[1])]
projects = json.loads(sys.argv[2])
print("\\n".join(evaluate(Project.from_facts(p), pack, stage="audit", as_of=dt.date(2025, 11, 1)).to_json()
                 for pack in packs for p in projects))
"""


def test_identical_json_across_processes_and_hash_seeds() -> None:
    paths = json.dumps([pack.path for pack in PACKS])
    outputs = set()
    for seed in ("0", "1", "12345"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", _SCRIPT, paths, json.dumps(SAMPLE)],
            capture_output=True,
            text=True,
            env=env,
            check=True,
            timeout=120,
        )
        outputs.add(result.stdout)
    assert len(outputs) == 1
    in_process = "\n".join(run(pack, p).to_json() for pack in PACKS for p in SAMPLE) + "\n"
    assert outputs == {in_process}


def test_thread_safe_evaluation() -> None:
    jobs = [(pack, project) for pack in PACKS for project in SAMPLE] * 10
    sequential = [run(pack, project).to_json() for pack, project in jobs]
    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(lambda job: run(*job).to_json(), jobs))
    assert threaded == sequential
