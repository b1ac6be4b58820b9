"""`compact_json` writes the compact verdict without its model: the model's bytes, always; and
`Verdict.to_json` writes the full verdict's findings without theirs: `model_dump_json`'s bytes.

Every comparison is with `compact(verdict, pack).model_dump_json(exclude_defaults=True)`, the
form the schema and the service describe, on the verdicts of every bundled pack: its cases at
several stages, generated projects (complete, with facts unknown, with steps not taken), hand-made
verdicts that set every field, and arbitrary projects from the pack strategies, with hostile
strings wherever a project's own text reaches the verdict.
"""

from __future__ import annotations

import datetime as dt
import gc
import importlib.util
import json
import pickle
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic_core import PydanticSerializationError
from tests.test_compact import rebuilt, stated

from policyengine import CompiledPack, Project, Stage, Status, Verdict, evaluate, load_pack
from policyengine import _compact_json as writer
from policyengine.compact import (
    CompactAssumption,
    CompactDecision,
    CompactFinding,
    CompactVerdict,
    compact,
    compact_json,
)
from policyengine.loader import BUNDLED_PACKS, load_pack_text
from policyengine.pack import Severity, Text
from policyengine.strategies import in_scope_project_dicts, project_dicts
from policyengine.testing import iter_case_files, load_cases, merge
from policyengine.verdict import (
    Assumption,
    DeadlineResult,
    DeadlineState,
    DueDate,
    ExclusionHit,
    Finding,
    RuleData,
    StageBasis,
)
from policyengine.vocabulary import Consequence, Document, Item, Step

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures"
PACKS = (*BUNDLED_PACKS, "mini")
STAGES: tuple[Stage | None, ...] = (None, *Stage)

HOSTILE = (
    'a "quoted" name',
    "back\\slash \\u0041 \\",
    "control \x00\x01\x08\t\n\x0b\x0c\r\x1b\x1f\x7f end",
    "</script><script>alert(1)</script>",
    "line\u2028separator\u2029paragraph",
    "emoji 😀🇨🇳 and zero width \u200b\ufeff",
    "武汉市政务信息化项目「测试」—— 第二期",
    '\\"\\\\"',  # escapes of escapes
    '}],"status":"compliant",{',  # JSON structure inside a string
)


def model_json(verdict: Verdict, pack: CompiledPack) -> str:
    """The compact verdict as its model writes it: what `compact_json` must equal."""
    return compact(verdict, pack).model_dump_json(exclude_defaults=True)


def assert_same(verdict: Verdict, pack: CompiledPack) -> str:
    # The full form too: `Verdict.to_json` writes the findings from their records as well.
    # Both writers first: the models write every finding's facts out, the writers need not.
    full = verdict.to_json()
    written = compact_json(verdict, pack)
    assert written == model_json(verdict, pack)
    assert full == verdict.model_dump_json()
    # ... and nothing is lost: the rule table and the compact form give every finding back.
    assert rebuilt(written, pack) == stated(verdict)
    return written


def the_pack(name: str) -> CompiledPack:
    return load_pack(FIXTURES / "mini.yaml") if name == "mini" else load_pack(name)


def case_verdicts(name: str) -> Iterator[Verdict]:
    """Each case of the pack at its own stage, at none (the project's or its steps'), and at
    one more stage, a different one from case to case so that every stage is seen."""
    pack = the_pack(name)
    count = 0
    for file in iter_case_files(ROOT / "tests" / "packs" / name):
        for case in load_cases(file):
            if "error" in case.expect:
                continue
            project = Project.from_facts(case.project)
            for stage in dict.fromkeys((case.stage, None, STAGES[count % len(STAGES)])):
                yield evaluate(project, pack, stage=stage, as_of=case.as_of)
            count += 1


def benchmark_projects() -> ModuleType:
    """`benchmarks/projects.py`: the generated projects the benchmark times."""
    spec = importlib.util.spec_from_file_location(
        "bench_projects", ROOT / "benchmarks" / "projects.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def keys_written(text: str) -> dict[str, set[str]]:
    """The keys a compact verdict's JSON writes at each level, by the model they belong to."""
    data = json.loads(text)
    seen: dict[str, set[str]] = {"verdict": set(data)}
    for name, items in (("finding", "findings"), ("decision", "decisions")):
        seen[name] = {key for item in data.get(items, []) for key in item}
    assumptions = [*data.get("assumptions", [])]
    for finding in data.get("findings", []):
        assumptions += finding.get("assumptions", [])
    seen["assumption"] = {key for assumption in assumptions for key in assumption}
    deadlines = [f["deadline"] for f in data.get("findings", []) if "deadline" in f]
    seen["deadline"] = {key for deadline in deadlines for key in deadline}
    seen["due_date"] = {key for d in deadlines for due in d.get("due_dates", []) for key in due}
    return seen


FIELDS = {
    "verdict": set(CompactVerdict.model_fields),
    "finding": set(CompactFinding.model_fields),
    "decision": set(CompactDecision.model_fields),
    "assumption": set(CompactAssumption.model_fields),
    "deadline": set(DeadlineResult.model_fields),
    "due_date": set(DueDate.model_fields),
}


# --- the packs' own cases and generated projects -----------------------------------------------


@pytest.mark.parametrize("name", PACKS)
def test_every_case_of_every_pack_is_written_as_its_model_writes_it(name: str) -> None:
    pack = the_pack(name)
    for verdict in case_verdicts(name):
        assert_same(verdict, pack)


@pytest.mark.parametrize("name", BUNDLED_PACKS)
def test_generated_projects_are_written_as_their_model_writes_them(name: str) -> None:
    projects = benchmark_projects()
    pack = load_pack(name)
    complete = projects.generate(pack, 40)
    varied = projects.generate(pack, 40, seed=7, varied=True)  # steps not taken, pending
    unknown = projects.with_unknown(pack, complete, 1)  # each fact the pack reads, in turn
    several = projects.with_unknown_steps(projects.with_unknown(pack, varied, 3))
    as_of = projects.AS_OF
    for index, project in enumerate([*complete, *varied, *unknown, *several]):
        stage = STAGES[index % len(STAGES)]
        assert_same(evaluate(project, pack, stage="audit", as_of=as_of), pack)
        assert_same(evaluate(project, pack, stage=stage, as_of=as_of), pack)


def test_the_cases_and_generated_projects_write_every_field_of_the_compact_form() -> None:
    # The comparisons above are worth what the verdicts compared hold: between them, every key
    # of every compact model appears, so none is written (or left out) by a path never taken.
    seen: dict[str, set[str]] = {level: set() for level in FIELDS}
    projects = benchmark_projects()
    for name in PACKS:
        pack = the_pack(name)
        verdicts = list(case_verdicts(name))
        if name in BUNDLED_PACKS:
            generated = projects.generate(pack, 40, varied=True)
            verdicts += [evaluate(p, pack, stage="audit", as_of=projects.AS_OF) for p in generated]
        for verdict in verdicts:
            for level, keys in keys_written(compact_json(verdict, pack)).items():
                seen[level] |= keys
    missing = {level: FIELDS[level] - seen[level] for level in FIELDS}
    # The engine writes no note on a deadline (a verdict read back may hold one), and a
    # finding's consequences are always its rule's (the rule table's); the hand-made verdicts
    # below write both.
    expected = {**{level: set() for level in FIELDS}, "deadline": {"note"}}
    assert missing == {**expected, "finding": {"consequences"}}


# --- what a project writes itself: its id, name and justifications --------------------------


def zhanggong_case() -> tuple[dict[str, Any], dt.date | None]:
    (case, *_) = load_cases(ROOT / "tests" / "packs" / "zhanggong" / "application.yaml")
    return case.project, case.as_of


def failing_a_warning(pack: CompiledPack) -> tuple[dict[str, Any], dt.date | None]:
    """The first case of `pack` that fails a warning, which a justification waives."""
    for file in iter_case_files(ROOT / "tests" / "packs" / pack.spec.id):
        for case in load_cases(file):
            if "error" in case.expect:
                continue
            verdict = evaluate(
                Project.from_facts(case.project), pack, stage="audit", as_of=case.as_of
            )
            if any(
                f.status is Status.FAIL and f.severity is Severity.WARNING for f in verdict.findings
            ):
                return case.project, case.as_of
    raise AssertionError(f"no case of {pack.spec.id} fails a warning")


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_project_text_is_escaped_as_the_model_escapes_it(text: str) -> None:
    pack = load_pack("zhanggong")
    facts, as_of = failing_a_warning(pack)
    warnings = [rule.id for rule in pack.rules if rule.spec.severity is Severity.WARNING]
    changes = {"id": text, "name": text, "justifications": dict.fromkeys(warnings, text)}
    verdict = evaluate(Project.from_facts(merge(facts, changes)), pack, stage="audit", as_of=as_of)
    assert any(finding.justification == text for finding in verdict.findings)
    written = assert_same(verdict, pack)
    data = json.loads(written)
    assert data["project_id"] == data["project_name"] == text
    assert "\\u2028" not in written  # raw, as pydantic-core writes it
    assert "\\u003c" not in written


# --- verdicts made by hand: every field, every value kind --------------------------------------


def every_field(verdict: Verdict, text: str) -> Verdict:
    """`verdict` with every field of its findings and of itself set, each finding differently,
    and `text` wherever a string is free."""
    due = dt.date(2026, 3, 31)
    deadlines = [
        DeadlineResult(rule_id="any", event=Step.APPLICATION, state=DeadlineState.UNKNOWN),
        DeadlineResult(
            rule_id=text,
            event=Step.ACCEPTANCE_APPLICATION,
            anchor=dt.date(999, 1, 2),
            window_start=dt.date(2025, 1, 1),
            due=due,
            event_date=due,
            state=DeadlineState.LATE,
            note=text,
            every="quarter_end",
            until=dt.date(2026, 12, 31),
            before=Step.FINAL_ACCEPTANCE,
            due_dates=[
                DueDate(due=due, state=DeadlineState.MET, event_date=due),
                DueDate(due=dt.date(2026, 6, 30), state=DeadlineState.PENDING),
            ],
        ),
    ]
    assumptions = [
        Assumption(exception_id="x", reason=Text(zh=text or "-", en="e")),
        Assumption(
            rule_id=text, exception_id=text, reason=Text(zh="z", en="e"), missing_facts=["a"]
        ),
    ]
    findings = []
    for index, finding in enumerate(verdict.findings):
        shown = index % 4
        assert finding.facts is not None  # read with the rule's own deadline, before it changes
        findings.append(
            finding.replace(
                status=list(Status)[index % len(Status)],
                missing_facts=["total_investment", text][: shown + 1] if shown else [],
                missing_documents=list(Document)[:shown],
                prohibited_items=list(Item)[:shown],
                exception=Text(zh=f"zh {text}", en=f"en {text}") if shown == 1 else None,
                justification=text if shown == 2 else ("" if shown == 3 else None),
                assumptions=assumptions[: shown % 3],
                consequences=list(Consequence)[:shown],
                deadline=deadlines[shown % 2] if shown else None,
                error=f"ZeroDivisionError: {text}" if shown == 3 else None,
            )
        )
    return verdict.model_copy(
        update={
            "project_id": text,
            "project_name": text,
            "stage": None,
            "stage_basis": StageBasis.EVERY,
            "as_of": None,
            "in_scope": None,
            "scope_missing_facts": ["owner_type", text],
            "exclusion": ExclusionHit(id=text, reason=Text(zh="z", en="e")),
            "assumptions": assumptions,
            "attestations": [text],
            "findings": findings,
            "missing_documents": list(Document)[:2],
            "consequences": list(Consequence)[:2],
        }
    )


@pytest.mark.parametrize("text", ["", *HOSTILE])
@pytest.mark.parametrize("name", BUNDLED_PACKS)
def test_a_verdict_with_every_field_set_is_written_as_its_model_writes_it(
    name: str, text: str
) -> None:
    pack = load_pack(name)
    verdict = next(v for v in case_verdicts(name) if v.in_scope)
    assert_same(every_field(verdict, text), pack)


def test_decisions_write_their_input_as_the_decimal_states_it() -> None:
    pack = load_pack("wuhan")
    verdict = next(v for v in case_verdicts("wuhan") if v.decisions)
    for number in ("1E+6", "0.10", "-0", "123456789012345678901234567890.5", "NaN", "-Infinity"):
        decisions = [
            d.model_copy(update={"input": Decimal(number), "missing_facts": ["x", number]})
            for d in verdict.decisions
        ]
        changed = verdict.model_copy(update={"decisions": decisions, "route": None})
        assert f'"input":"{number}"' in assert_same(changed, pack)


def with_findings(verdict: Verdict, findings: list[dict[str, Any]]) -> Verdict:
    """`verdict` with `findings` (their JSON form) instead of its own, validated."""
    return Verdict.model_validate({**verdict.model_dump(), "findings": findings})


def test_facts_of_every_kind_and_findings_with_facts_of_their_own() -> None:
    pack = load_pack("zhanggong")
    facts, as_of = zhanggong_case()
    verdict = evaluate(Project.from_facts(facts), pack, stage="audit", as_of=as_of)
    first, second, third, *_ = (finding.data().model_dump() for finding in verdict.findings)
    values: dict[str, Any] = {
        "a_bool": False,
        "an_int": -12,
        "a_big_int": 2**70,
        "a_str": HOSTILE[2],
        "a_list": [HOSTILE[0], "武汉"],
        "an_empty_list": [],
        "a_record": {"present": ["b", "a"], "absent": []},
        "unknown": None,
    }
    own = {
        "a_bool": True,
        "an_int": 0,
        "a_str": HOSTILE[5],
        "a_list": ["武汉"],
        "a_record": {"present": [], "absent": ["a"]},
        "unknown": "known",
    }
    made = with_findings(
        verdict,
        [
            {**first, "facts": values},  # the verdict's facts are those of the first finding
            {**second, "facts": {**values, **own}},  # its own, where they differ
            {**third, "facts": {}},  # read nothing: "read":[]
        ],
    )
    written = json.loads(assert_same(made, pack))
    assert written["facts"] == dict(sorted(values.items()))
    assert written["findings"][1]["facts"] == own
    assert written["findings"][2]["read"] == []


def test_facts_of_their_own_beside_the_evaluations_are_weighed_in_finding_order() -> None:
    # Findings whose facts are their own among those whose facts are still the evaluation's:
    # before them, after them, agreeing or not, whole facts and judged lists; the verdict's
    # value of a fact is the first recorded whole, of a list only judged the union.
    pack = load_pack("zhanggong")
    facts, as_of = zhanggong_case()
    verdict = evaluate(Project.from_facts(facts), pack, stage="audit", as_of=as_of)
    findings = verdict.findings
    # The list most findings judge and none reads whole, the first of them, and all of them.
    lists = [pack.rule_index[f.rule_id].judged_alone for f in findings]
    whole = {name for f in findings for name in pack.rule_index[f.rule_id].fact_names}
    judged = Counter(name for name in lists if name and name not in whole).most_common(1)[0][0]
    judges = [i for i, name in enumerate(lists) if name == judged]
    judging = judges[0]
    # The fact most rules read, and the first and last findings that record it.
    read = Counter(name for rule in pack.rules for name in rule.fact_names).most_common(1)[0][0]
    readers = [i for i, f in enumerate(findings) if read in pack.rule_index[f.rule_id].fact_names]

    def own(index: int, changes: dict[str, Any]) -> Finding:
        finding = findings[index]
        data = finding.data()
        rule = RuleData(
            data.rule_id,
            data.section,
            data.category,
            data.due_from,
            data.title,
            data.severity,
            data.citation,
        )
        return Finding.of(rule, finding.status, {**finding.facts, **changes}, finding._more)

    variants = {
        "first, agreeing": {readers[0]: {}},
        "first, another value": {readers[0]: {read: "another"}},
        "last, another value": {readers[-1]: {read: "another"}},
        "first and last, other values": {readers[0]: {read: "one"}, readers[-1]: {read: "two"}},
        "a judged list with another member": {judging: {judged: ["a_member"]}},
        "a judged list unknown": {judging: {judged: None}},
        "a judged list read whole": {0: {judged: ["a", "b"]}},
        "a judged list of another kind": {judging: {judged: {"present": [], "absent": []}}},
        "a judged list of no kind": {judging: {judged: "a_member"}},
        "every judged list its own": {i: {judged: [f"member {i}"]} for i in judges},
        "every judged list its own, of two kinds": {
            i: {judged: [f"member {i}"] if i % 2 else {"present": [], "absent": ["x"]}}
            for i in judges
        },
    }
    for name, changed in variants.items():
        fresh = evaluate(Project.from_facts(facts), pack, stage="audit", as_of=as_of)
        findings = fresh.findings
        made = [own(i, changed[i]) if i in changed else f for i, f in enumerate(findings)]
        assert_same(fresh.model_copy(update={"findings": made}), pack), name


def test_findings_out_of_the_rule_tables_order_are_refused() -> None:
    # The compact form gives one status per rule, in the rule table's order.
    pack = load_pack("zhanggong")
    verdict = evaluate(Project.from_facts(zhanggong_case()[0]), pack, stage="audit")
    first, second, *rest = verdict.findings
    for findings in ([second, first, *rest], [first, first, second]):
        changed = verdict.model_copy(update={"findings": findings})
        with pytest.raises(ValueError, match="out of zhanggong's rule order or repeated"):
            model_json(changed, pack)
        with pytest.raises(ValueError, match="out of zhanggong's rule order or repeated"):
            compact_json(changed, pack)


def test_values_no_fact_holds_are_written_as_the_model_writes_them() -> None:
    # A finding made unchecked (`Finding.of`) may hold values `FactValue` does not describe: the
    # model warns and writes what it finds, and so does the writer (not a refusal of its own).
    pack = load_pack("zhanggong")
    verdict = evaluate(Project(), pack, stage="audit")
    first, second = (
        RuleData(f.rule_id, f.section, f.category, f.due_from, f.title, f.severity, f.citation)
        for f in verdict.findings[:2]
    )
    findings = [
        Finding.of(first, Status.PASS, {"a_list": ["a"], "a_number": 1}),
        Finding.of(second, Status.FAIL, {"a_list": [1, "a"], "a_number": 1.5}),
    ]
    odd = verdict.model_copy(update={"findings": findings})
    with pytest.warns(UserWarning, match="PydanticSerializationUnexpectedValue"):
        expected = model_json(odd, pack)
    assert compact_json(odd, pack) == expected
    assert '"facts":{"a_list":[1,"a"],"a_number":1.5}' in expected


def test_a_rule_in_error_is_written_as_its_model_writes_it() -> None:
    text = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    faulty = load_pack_text(
        text.replace(
            'check: "budget_increase_ratio <= adjustment_limit"',
            'check: "total_investment / budget_estimate <= adjustment_limit"',
        ),
        "faulty.yaml",
    )
    facts = {
        "owner_type": "public_institution",
        "classified": False,
        "involves_work_secrets": False,
        "total_investment": "600000",
        "budget_estimate": "0",
        "in_annual_plan": True,
        "plan_year": 2026,
        "steps": {"application": {"date": "2025-08-01"}},
    }
    verdict = evaluate(Project.from_facts(facts), faulty, stage="audit", as_of=dt.date(2025, 11, 1))
    assert any(finding.status is Status.ERROR for finding in verdict.findings)
    assert '"error":' in assert_same(verdict, faulty)


def test_an_empty_verdict_leaves_out_every_empty_field() -> None:
    pack = load_pack("yiyang")
    verdict = next(case_verdicts("yiyang"))
    empty = verdict.model_copy(
        update={
            "project_id": None,
            "project_name": None,
            "stage": None,
            "as_of": None,
            "in_scope": False,
            "scope_missing_facts": [],
            "exclusion": None,
            "assumptions": [],
            "attestations": [],
            "route": None,
            "decisions": [],
            "findings": [],
            "missing_documents": [],
            "consequences": [],
        }
    )
    written = assert_same(empty, pack)
    assert set(json.loads(written)) == {
        "format",
        "format_version",
        "pack_id",
        "pack_version",
        "stage_basis",
        "in_scope",
        "status",
    }


@pytest.mark.parametrize("where", ["project_id", "attestations", "justification"])
def test_a_lone_surrogate_is_refused_as_the_model_refuses_it(where: str) -> None:
    # A Project refuses one, but a Verdict built in Python may hold one; UTF-8 cannot encode it.
    pack = load_pack("wuhan")
    verdict = next(v for v in case_verdicts("wuhan") if v.findings)
    first, *rest = verdict.findings
    changes: dict[str, Any] = {
        "project_id": {"project_id": "项目\ud800"},
        "attestations": {"attestations": ["a\udcff"]},
        "justification": {"findings": [first.replace(justification="\udfff"), *rest]},
    }[where]
    odd = verdict.model_copy(update=changes)
    with pytest.raises(PydanticSerializationError, match="surrogates not allowed"):
        model_json(odd, pack)
    with pytest.raises(PydanticSerializationError, match="surrogates not allowed"):
        compact_json(odd, pack)
    with pytest.raises(PydanticSerializationError, match="surrogates not allowed"):
        odd.to_json()


# --- the per-pack data -----------------------------------------------------------------------


def test_each_pack_object_has_its_own_rules_and_they_go_with_it() -> None:
    text = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    project = Project.from_facts({"owner_type": "public_institution", "total_investment": "600000"})
    first = load_pack_text(text, "first.yaml")
    renamed = load_pack_text(text.replace("mi-03-in-plan", "mi-03-renamed"), "second.yaml")
    for pack in (first, renamed, first):
        assert_same(evaluate(project, pack, stage="audit"), pack)
    # A pack unpickled (as in a batch's workers) is a pack of its own, which the loader does
    # not keep: its entry is dropped when it is collected.
    copy = pickle.loads(pickle.dumps(renamed))
    assert_same(evaluate(project, copy, stage="audit"), copy)
    key = id(copy)
    assert writer._PACKS[key][0]() is copy
    del copy
    gc.collect()
    assert key not in writer._PACKS


def test_a_finding_of_a_rule_the_pack_lacks_is_refused_as_the_model_refuses_it() -> None:
    verdict = next(case_verdicts("mini"))
    with pytest.raises(KeyError):
        model_json(verdict, load_pack("wuhan"))
    with pytest.raises(KeyError):
        compact_json(verdict, load_pack("wuhan"))


# --- arbitrary projects ----------------------------------------------------------------------

_TEXT = st.one_of(st.sampled_from(HOSTILE), st.text(min_size=1, max_size=40))
_REASON = _TEXT.filter(str.strip)  # a project's text is stripped; a justification may not be blank
_ANY = project_dicts(partial=True)
_INSIDE = {name: in_scope_project_dicts(load_pack(name), partial=True) for name in BUNDLED_PACKS}


@st.composite
def verdicts(draw: st.DrawFn) -> tuple[Verdict, CompiledPack]:
    """A verdict of any bundled pack on an arbitrary project, in its scope or not (partial
    records among its facts), at any stage, with hostile text and some warning rules justified."""
    name = draw(st.sampled_from(BUNDLED_PACKS))
    pack = load_pack(name)
    facts = draw(st.one_of(_INSIDE[name], _ANY))
    warnings = [rule.id for rule in pack.rules if rule.spec.severity is Severity.WARNING]
    justified = draw(st.lists(st.sampled_from(warnings), max_size=3)) if warnings else []
    facts |= {
        "id": draw(st.none() | _TEXT),
        "name": draw(st.none() | _TEXT),
        "justifications": {rule_id: draw(_REASON) for rule_id in justified} or None,
    }
    stage = draw(st.sampled_from(STAGES))
    as_of = draw(st.none() | st.dates(dt.date(2015, 1, 1), dt.date(2035, 12, 31)))
    return evaluate(Project.from_facts(facts), pack, stage=stage, as_of=as_of), pack


@given(verdicts())
def test_any_verdict_is_written_as_its_model_writes_it(drawn: tuple[Verdict, CompiledPack]) -> None:
    verdict, pack = drawn
    assert_same(verdict, pack)


@given(verdicts(), _TEXT)
def test_any_verdict_with_every_field_set_is_written_as_its_model_writes_it(
    drawn: tuple[Verdict, CompiledPack], text: str
) -> None:
    verdict, pack = drawn
    assert_same(every_field(verdict, text), pack)
