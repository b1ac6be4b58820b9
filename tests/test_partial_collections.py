"""Complete and partial records of documents, items and steps.

A complete record (`documents: [a, b]`) says everything: what is not listed is absent. A partial
one (`documents: {present: [a], absent: [c]}`, `steps: {taken: {...}, not_taken: [...]}`) says
only what it lists; rules read the rest as unknown. The properties at the end check the promise
that makes the partial form safe to use: it never decides otherwise than the complete record it
describes, and stating more never takes a decision back.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyengine import (
    CompiledPack,
    Decisions,
    Finding,
    Project,
    ProjectError,
    Stage,
    Status,
    Verdict,
    decide,
    evaluate,
    load_pack,
)
from policyengine.evaluator import interpret
from policyengine.expressions import NameInfo, compile_expression
from policyengine.facts import FACTS, OPEN, FactReader, FactType
from policyengine.loader import BUNDLED_PACKS
from policyengine.partial import PartialSet, equal
from policyengine.project import PartialDocuments, PartialSteps
from policyengine.strategies import amounts_near, project_dicts
from policyengine.vocabulary import Document, Item, Step

ROOT = Path(__file__).resolve().parents[1]
AS_OF = dt.date(2025, 11, 1)
EVALUATORS = [evaluate, interpret]


def _refusal(data: dict[str, Any]) -> ProjectError:
    with pytest.raises(ProjectError) as caught:
        Project.from_facts(data)
    return caught.value


# --- the record as a project states it -----------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        {"documents": ["project_proposal"], "items": ["server"], "steps": {"approval": {}}},
        {
            "documents": {"present": ["project_proposal"], "absent": ["preliminary_design"]},
            "items": {"absent": ["machine_room"]},
            "steps": {
                "taken": {"approval": {"date": "2025-03-01", "outcome": "passed"}},
                "not_taken": ["filing"],
            },
        },
    ],
    ids=["complete", "partial"],
)
def test_both_forms_round_trip(data: dict[str, Any]) -> None:
    project = Project.from_facts(data)
    assert Project.from_mapping(json.loads(project.to_json())) == project
    assert Project.from_facts(project.facts_mapping()) == project
    assert Project.model_validate_json(project.model_dump_json()) == project
    dumped = project.facts_mapping()
    for name in ("documents", "items", "steps"):
        assert type(dumped[name]) is type(data[name])


def test_the_partial_form_is_a_model_of_its_own() -> None:
    project = Project.from_facts(
        {"documents": {"present": ["project_proposal"]}, "steps": {"not_taken": ["filing"]}}
    )
    assert project.documents == PartialDocuments(present=frozenset({Document.PROJECT_PROPOSAL}))
    assert isinstance(project.procedure.steps, PartialSteps)
    assert project.procedure.steps.taken_state(Step.FILING) is False
    assert project.procedure.steps.taken_state(Step.APPROVAL) is None


@pytest.mark.parametrize(
    ("data", "path", "words"),
    [
        (
            {"documents": {"present": ["contract"], "absent": ["contract", "invoice_copies"]}},
            "documents.absent",
            "contract: stated both present and absent",
        ),
        (
            {"items": {"present": ["server", "lan"], "absent": ["lan", "server"]}},
            "items.absent",
            "lan, server: stated both present and absent",
        ),
        (
            {"steps": {"taken": {"filing": {}}, "not_taken": ["filing"]}},
            "steps.not_taken",
            "filing: stated both taken and not taken",
        ),
    ],
)
def test_a_member_stated_both_ways_is_refused(data: dict[str, Any], path: str, words: str) -> None:
    (issue,) = _refusal(data).issues
    assert (issue.path, issue.msg) == (path, words)


def test_a_bad_member_names_its_path_and_value() -> None:
    (issue,) = _refusal({"documents": {"present": ["nonsense"]}}).issues
    assert issue.path == "documents.present.0"
    assert issue.input == "nonsense"
    assert "'project_proposal'" in issue.msg


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"documents": {"presnt": ["contract"]}}, "documents.presnt"),
        ({"steps": {"taken": {}, "approval": {}}}, "steps.approval"),
        ({"items": "server"}, "items"),
    ],
)
def test_a_malformed_record_names_its_path(data: dict[str, Any], path: str) -> None:
    assert _refusal(data).issues[0].path == path


@pytest.mark.parametrize(
    ("data", "path"),
    [
        ({"documents": {"present": ["contract"] * 1001}}, "documents.present"),
        ({"items": {"absent": ["server"] * 1001}}, "items.absent"),
        ({"steps": {"not_taken": ["filing"] * 101}}, "steps.not_taken"),
    ],
)
def test_each_list_of_a_partial_record_is_bounded(data: dict[str, Any], path: str) -> None:
    (issue,) = _refusal(data).issues
    assert (issue.path, issue.type) == (path, "too_long")


def test_steps_taken_keep_their_dates_in_order_in_a_partial_record() -> None:
    steps = {"application": {"date": "2025-03-01"}, "approval": {"date": "2025-02-01"}}
    (issue,) = _refusal({"steps": {"taken": steps}}).issues
    assert issue.path == "steps.taken.approval.date"
    (complete,) = _refusal({"steps": steps}).issues
    assert complete.path == "steps.approval.date"


def test_an_empty_steps_mapping_is_the_complete_record_of_no_steps() -> None:
    facts = FactReader().read(Project.from_facts({"steps": {}}), AS_OF)
    assert facts["steps"] == frozenset()


def test_the_json_schema_describes_both_forms() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "schema" / "project.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    good = [
        {"documents": ["contract"], "procedure": {"steps": {}}},
        {
            "documents": {"present": ["contract"]},
            "procedure": {"steps": {"taken": {"approval": {}}}},
        },
        {
            "content": {"items": {"absent": ["server"]}},
            "procedure": {"steps": {"not_taken": ["filing"]}},
        },
    ]
    for data in good:
        assert list(validator.iter_errors(data)) == [], data
        Project.from_mapping(data)
    for data in [
        {"documents": {"present": ["nonsense"]}},
        {"procedure": {"steps": {"taken": {}, "x": 1}}},
        {"steps": {}},
    ]:
        assert list(validator.iter_errors(data)), data


# --- the facts rules read ------------------------------------------------------------------


def test_complete_records_stay_plain_frozensets() -> None:
    project = Project.from_facts({"documents": ["contract"], "items": [], "steps": {}})
    facts = FactReader().read(project, AS_OF)
    assert facts["documents"].__class__ is frozenset
    assert facts["items"].__class__ is frozenset
    assert OPEN not in facts


def test_a_partial_record_that_states_every_member_is_complete() -> None:
    first, *rest = list(Item)
    every = Project.from_facts({"items": {"present": [first], "absent": rest}})
    assert FactReader().read(every, AS_OF)["items"] == frozenset({first})
    partly = Project.from_facts({"items": {"present": [first], "absent": rest[1:]}})
    assert isinstance(FactReader().read(partly, AS_OF)["items"], PartialSet)


def test_step_facts_of_a_partial_record() -> None:
    project = Project.from_facts(
        {
            "steps": {
                "taken": {"approval": {"date": "2025-03-01", "outcome": "failed"}},
                "not_taken": ["filing"],
            }
        }
    )
    facts = FactReader().read(project, AS_OF)
    assert facts["steps"] == PartialSet(frozenset({Step.APPROVAL}), frozenset({Step.FILING}))
    assert (facts["approval_date"], facts["approval_passed"]) == (dt.date(2025, 3, 1), False)
    # Not taken reads as left out of a complete record: no date, no outcome.
    assert (facts["filing_date"], facts["filing_passed"]) == (None, None)
    assert (facts["completion_date"], facts["completion_passed"]) == (None, None)
    assert {"completion_date", "completion_passed"} <= facts[OPEN]
    assert not {"approval_date", "filing_date", "filing_passed"} & facts[OPEN]


# --- expressions, three-valued ---------------------------------------------------------------

NAMES = {
    name: NameInfo("fact", spec.kind, spec.vocabulary, facts=frozenset([name]))
    for name, spec in FACTS.items()
}
PARTIAL_ITEMS = PartialSet(frozenset({Item.SERVER}), frozenset({Item.LAN}))


def _namespace(**facts: Any) -> dict[str, Any]:
    namespace: dict[str, Any] = dict.fromkeys(NAMES)
    namespace["items"] = PARTIAL_ITEMS
    namespace.update(facts)
    return namespace


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("'server' in items", True),
        ("'lan' in items", False),
        ("'storage_device' in items", None),
        ("'server' not in items", False),
        ("'lan' not in items", True),
        ("'storage_device' not in items", None),
        ("has_any(items, 'lan', 'server')", True),
        ("has_any(items, 'lan')", False),
        ("has_any(items, 'lan', 'storage_device')", None),
        ("has_all(items, 'server')", True),
        ("has_all(items, 'server', 'lan')", False),
        ("has_all(items, 'server', 'storage_device')", None),
        ("has_only(items, 'lan')", False),
        ("has_only(items, 'server', 'lan')", None),
        ("count(items) >= 1", None),
        ("known(items)", True),
        ("'storage_device' in items or 'server' in items", True),
        ("'storage_device' in items and 'lan' in items", False),
    ],
)
def test_each_set_function_is_three_valued_over_a_partial_set(
    source: str, expected: bool | None
) -> None:
    expr = compile_expression(source, NAMES, expect=FactType.BOOL)
    assert expr.evaluate(_namespace()) is expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("has_any(items, 'lan')", False),
        ("has_only(items, 'server')", True),
        ("has_only(items, 'server', 'lan')", True),
        ("count(items) == 1", True),
    ],
)
def test_a_complete_set_decides_what_a_partial_one_leaves_open(source: str, expected: bool) -> None:
    expr = compile_expression(source, NAMES, expect=FactType.BOOL)
    assert expr.evaluate(_namespace(items=frozenset({Item.SERVER}))) is expected


def test_set_equality_is_three_valued() -> None:
    server, lan = frozenset({Item.SERVER}), frozenset({Item.LAN})
    assert equal(server, server) is True
    assert equal(PARTIAL_ITEMS, lan) is False  # lan is known absent on the left
    assert equal(PARTIAL_ITEMS, frozenset()) is False  # server is known present on the left
    assert equal(PARTIAL_ITEMS, server) is None
    assert equal(PARTIAL_ITEMS, PartialSet(frozenset(), frozenset({Item.SERVER}))) is False
    assert equal(PARTIAL_ITEMS, PARTIAL_ITEMS) is None


def test_membership_of_a_partial_set_is_never_read_as_two_valued() -> None:
    with pytest.raises(TypeError, match="three-valued"):
        _ = Item.SERVER in PARTIAL_ITEMS  # type: ignore[operator]


@pytest.mark.parametrize(
    ("source", "missing"),
    [
        ("'server' in items and 'storage_device' in items", ["items.storage_device"]),
        (
            "has_any(items, 'machine_room', 'lan', 'storage_device')",
            ["items.machine_room", "items.storage_device"],
        ),
        ("count(items) > 1", ["items"]),
        ("has_only(items, 'server') and classified", ["classified", "items"]),
    ],
)
def test_missing_names_the_members_a_partial_record_leaves_open(
    source: str, missing: list[str]
) -> None:
    expr = compile_expression(source, NAMES, expect=FactType.BOOL)
    assert expr.evaluate(_namespace()) is None
    assert expr.missing(_namespace()) == missing


@pytest.mark.parametrize(
    "source", ["not known(approval_date)", "not known(add_days(approval_date, 1))"]
)
def test_known_of_a_step_fact_a_partial_record_leaves_open_is_unknown(source: str) -> None:
    expr = compile_expression(source, NAMES, expect=FactType.BOOL)
    assert expr.evaluate(_namespace()) is True  # complete record: approval not taken
    assert expr.evaluate(_namespace(**{OPEN: frozenset({"approval_date"})})) is None
    assert expr.evaluate(_namespace(**{OPEN: frozenset({"filing_date"})})) is True


def test_a_definition_passes_on_the_members_it_asks_about() -> None:
    # xiangxi: server_hardware = has_any(items, 'server', 'storage_device', ...)
    project = Project.from_facts(
        {
            "owner_type": "public_institution",
            "owner_level": "prefecture",
            "kind": "new_build",
            "items": {"absent": ["server"]},
            "classified": False,
        }
    )
    for how in EVALUATORS:
        finding = how(project, "xiangxi", as_of=AS_OF).finding("xx-05-central-hosting")
        assert finding.status is Status.UNKNOWN
        assert finding.missing_facts == [
            "items.hardware",
            "items.server_network_equipment",
            "items.storage_device",
        ]


def test_a_set_definition_and_a_pickled_expression_read_a_partial_set(mini: CompiledPack) -> None:
    from policyengine.loader import load_pack_text

    text = (ROOT / "tests" / "fixtures" / "mini.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "definitions:\n",
        "definitions:\n  kit:\n    expression: items\n    description: the items, by another name\n",
    ).replace('check: "in_annual_plan"', "check: \"in_annual_plan and 'server' in kit\"")
    pack = pickle.loads(pickle.dumps(load_pack_text(text, "kit.yaml")))
    for items, status in [({"present": ["server"]}, "pass"), ({"absent": ["server"]}, "fail")]:
        project = Project.from_facts({**MINI_BASE, "in_annual_plan": True, "items": items})
        verdicts = [how(project, pack, stage="application", as_of=AS_OF) for how in EVALUATORS]
        assert verdicts[0].to_json() == verdicts[1].to_json()
        assert verdicts[0].finding("mi-03-in-plan").status.value == status
    undecided = {**MINI_BASE, "in_annual_plan": True, "items": {"absent": ["lan"]}}
    finding = evaluate(
        Project.from_facts(undecided), pack, stage="application", as_of=AS_OF
    ).finding("mi-03-in-plan")
    assert (finding.status, finding.missing_facts) == (Status.UNKNOWN, ["items"])


# --- rules over partial records --------------------------------------------------------------

MINI_BASE: dict[str, Any] = {
    "owner_type": "party_government_organ",
    "owner_level": "municipal",
    "total_investment": "600000",
    "classified": False,
    "involves_work_secrets": False,
}


def _mini(mini: CompiledPack, how: Any, stage: str, **facts: Any) -> Verdict:
    verdict: Verdict = how(
        Project.from_facts({**MINI_BASE, **facts}), mini, stage=stage, as_of=AS_OF
    )
    assert decide(
        Project.from_facts({**MINI_BASE, **facts}), mini, stage=stage, as_of=AS_OF
    ) == Decisions.of(verdict)
    return verdict


@pytest.mark.parametrize("how", EVALUATORS)
@pytest.mark.parametrize(
    ("documents", "status", "missing_documents", "missing_facts"),
    [
        # mi-03 requires feasibility_study_report and one of preliminary_design or
        # implementation_plan.
        ({"present": ["feasibility_study_report", "preliminary_design"]}, "pass", [], []),
        (
            {"present": ["feasibility_study_report"]},
            "unknown",
            [],
            ["documents.implementation_plan", "documents.preliminary_design"],
        ),
        (
            {"present": ["feasibility_study_report"], "absent": ["preliminary_design"]},
            "unknown",
            [],
            ["documents.implementation_plan"],
        ),
        ({"absent": ["feasibility_study_report"]}, "fail", ["feasibility_study_report"], []),
        (
            {
                "present": ["feasibility_study_report"],
                "absent": ["preliminary_design", "implementation_plan"],
            },
            "fail",
            ["preliminary_design"],
            [],
        ),
        (
            {},
            "unknown",
            [],
            [
                "documents.feasibility_study_report",
                "documents.implementation_plan",
                "documents.preliminary_design",
            ],
        ),
    ],
)
def test_required_documents_over_a_partial_record(
    mini: CompiledPack,
    how: Any,
    documents: dict[str, Any],
    status: str,
    missing_documents: list[str],
    missing_facts: list[str],
) -> None:
    verdict = _mini(mini, how, "application", documents=documents)
    finding = verdict.finding("mi-03-application-documents")
    assert finding.status.value == status
    assert [d.value for d in finding.missing_documents] == missing_documents
    assert finding.missing_facts == missing_facts


@pytest.mark.parametrize("how", EVALUATORS)
@pytest.mark.parametrize(
    ("items", "secrets", "status", "missing_facts"),
    [
        # mi-05 prohibits machine_room and private_network unless work secrets are involved.
        ({"present": ["machine_room"]}, False, "fail", []),
        ({"present": ["machine_room"]}, True, "pass", []),
        ({"absent": ["machine_room", "private_network"]}, False, "pass", []),
        ({"absent": ["machine_room"]}, False, "unknown", ["items.private_network"]),
        (
            {"present": ["server"]},
            False,
            "unknown",
            ["items.machine_room", "items.private_network"],
        ),
    ],
)
def test_prohibited_items_over_a_partial_record(
    mini: CompiledPack,
    how: Any,
    items: dict[str, Any],
    secrets: bool,
    status: str,
    missing_facts: list[str],
) -> None:
    verdict = _mini(mini, how, "application", items=items, involves_work_secrets=secrets)
    finding = verdict.finding("mi-05-no-machine-room")
    assert finding.status.value == status
    assert finding.missing_facts == missing_facts
    if status == "pass" and secrets:
        assert finding.exception is not None
        assert [i.value for i in finding.prohibited_items] == ["machine_room"]


@pytest.mark.parametrize("how", EVALUATORS)
def test_a_partial_steps_record_leaves_an_unstated_deadline_event_unknown(
    mini: CompiledPack, how: Any
) -> None:
    # mi-06: acceptance applied for within six months of completion (2025-01-10: overdue).
    completion = {"completion": {"date": "2025-01-10"}}
    rule = "mi-06-acceptance-half-year"
    unstated = _mini(mini, how, "acceptance", steps={"taken": completion}).finding(rule)
    assert unstated.status is Status.UNKNOWN
    assert unstated.missing_facts == ["steps.acceptance_application"]
    assert unstated.deadline is not None
    assert unstated.deadline.state.value == "unknown"
    not_taken = {"taken": completion, "not_taken": ["acceptance_application"]}
    overdue = _mini(mini, how, "acceptance", steps=not_taken).finding(rule)
    assert overdue.status is Status.FAIL
    assert overdue.deadline is not None
    assert overdue.deadline.state.value == "overdue"
    complete = _mini(mini, how, "acceptance", steps=completion).finding(rule)
    assert complete.status is Status.FAIL


WUHAN_BASE: dict[str, Any] = {
    "owner_type": "party_government_organ",
    "owner_level": "municipal",
    "kind": "upgrade",
    "classified": False,
    "bundled_with_fixed_asset_project": False,
    "self_use": False,
}


@pytest.mark.parametrize("how", EVALUATORS)
def test_the_authoring_guide_example(how: Any) -> None:
    # docs/authoring.md, "Complete and partial records": wuhan art. 10.
    stated = {
        **WUHAN_BASE,
        "feasibility_and_design_merged": False,
        "total_investment": "4800000",
        "documents": {"present": ["project_proposal", "feasibility_study_report"]},
    }
    project = Project.from_facts(stated)
    verdict = how(project, "wuhan", stage=Stage.APPLICATION, as_of=AS_OF)
    finding = verdict.finding("wh-10-approval-documents")
    assert finding.status is Status.UNKNOWN
    assert finding.missing_facts == ["documents.preliminary_design"]
    assert finding.facts["documents"] == {
        "absent": [],
        "present": ["feasibility_study_report", "project_proposal"],
    }
    refused = {**stated, "documents": {**stated["documents"], "absent": ["preliminary_design"]}}
    failed = how(Project.from_facts(refused), "wuhan", stage=Stage.APPLICATION, as_of=AS_OF)
    finding = failed.finding("wh-10-approval-documents")
    assert finding.status is Status.FAIL
    assert finding.missing_documents == [Document.PRELIMINARY_DESIGN]


def test_a_step_stated_not_taken_reads_as_one_left_out_of_a_complete_record() -> None:
    # wuhan art. 8: approval before the start of construction, unless construction has not
    # started ('construction_start' not in steps).
    approval = {"approval": {"date": "2025-03-01", "outcome": "passed"}}
    base = {**WUHAN_BASE, "total_investment": "4800000"}
    rule = "wh-08-approved-before-start"

    def status(steps: Any) -> tuple[Status, list[str]]:
        project = Project.from_facts({**base, "steps": steps})
        verdict = evaluate(project, "wuhan", stage="construction", as_of=AS_OF)
        reference = interpret(project, "wuhan", stage="construction", as_of=AS_OF)
        assert verdict.to_json() == reference.to_json()
        finding = verdict.finding(rule)
        return finding.status, finding.missing_facts

    assert status(approval) == (Status.PASS, [])
    assert status({"taken": approval, "not_taken": ["construction_start"]}) == (Status.PASS, [])
    assert status({"taken": approval}) == (
        Status.UNKNOWN,
        ["construction_start_date", "steps.construction_start"],
    )


# --- properties: partial records never contradict the complete record ------------------------

PACKS = [load_pack(ROOT / "tests" / "fixtures" / "mini.yaml")] + [
    load_pack(name) for name in BUNDLED_PACKS if (ROOT / "policies" / f"{name}.yaml").exists()
]
IDS = [p.id for p in PACKS]
STAGES = st.sampled_from([None, *Stage])
_VOCABULARIES = {"documents": list(Document), "items": list(Item), "steps": list(Step)}


def _masks(draw: st.DataObject) -> dict[str, list[bool]]:
    return {
        name: draw.draw(st.lists(st.booleans(), min_size=len(v), max_size=len(v)), label=name)
        for name, v in _VOCABULARIES.items()
    }


def _stating(complete: dict[str, Any], masks: dict[str, list[bool]]) -> dict[str, Any]:
    """The partial record of `complete` that states the members chosen by `masks`."""
    partial = dict(complete)
    for name, vocabulary in _VOCABULARIES.items():
        known = complete.get(name)
        if known is None:
            continue
        stated = [m.value for m, chosen in zip(vocabulary, masks[name], strict=True) if chosen]
        there = {str(getattr(m, "value", m)) for m in known}
        if name == "steps":
            partial[name] = {
                "taken": {step: complete[name][step] for step in stated if step in there},
                "not_taken": [step for step in stated if step not in there],
            }
        else:
            # A member of which a kind is there is not absent (Vocabulary.narrower); leave it
            # unstated rather than call it present: the complete record does not list it.
            kinds = {m.value: {k.value for k in m.narrower} for m in vocabulary}
            partial[name] = {
                "present": [m for m in stated if m in there],
                "absent": [m for m in stated if m not in there and not kinds[m] & there],
            }
    return partial


def _decided(verdict: Verdict) -> dict[str, Finding]:
    """The findings that are not unknown, by rule id.

    A finding that rests on an assumption (an exception whose facts are unknown) is decided
    only until those facts are stated: default logic, left out of the comparison.
    """
    return {
        f.rule_id: f
        for f in verdict.findings
        if f.status is not Status.UNKNOWN and not f.assumptions
    }


def _agrees(decided: Finding, other: Finding) -> bool:
    """Whether `other` has the status of `decided`. An exception that excuses a rule whose
    `when` is undecided makes it pass where more facts may find it not applicable: both say the
    duty is not breached (as with any unknown fact; see "Exceptions are defaults")."""
    if decided.exception is not None and decided.status is Status.PASS:
        return other.status in (Status.PASS, Status.NOT_APPLICABLE)
    return decided.status is other.status


def _run(data: dict[str, Any], pack: CompiledPack, stage: Stage | None) -> Verdict:
    verdict = evaluate(Project.from_facts(data), pack, stage=stage, as_of=AS_OF)
    assert (
        verdict.to_json()
        == interpret(Project.from_facts(data), pack, stage=stage, as_of=AS_OF).to_json()
    )
    return verdict


@pytest.mark.parametrize("pack", PACKS, ids=IDS)
def test_a_partial_record_agrees_with_the_complete_record_it_describes(
    pack: CompiledPack,
) -> None:
    @given(project_dicts(amounts_near(pack)), STAGES, st.data())
    def check(complete: dict[str, Any], stage: Stage | None, draw: st.DataObject) -> None:
        whole = {
            f.rule_id: f
            for f in evaluate(Project.from_facts(complete), pack, stage=stage, as_of=AS_OF).findings
        }
        part = _run(_stating(complete, _masks(draw)), pack, stage)
        for rule_id, finding in _decided(part).items():
            if rule_id in whole:  # out of scope under the complete record: no findings
                other = whole[rule_id]
                assert _agrees(finding, other), (rule_id, finding.status, other.status)

    check()


@pytest.mark.parametrize("pack", PACKS, ids=IDS)
def test_stating_more_members_never_takes_a_decision_back(pack: CompiledPack) -> None:
    @given(project_dicts(amounts_near(pack)), STAGES, st.data())
    def check(complete: dict[str, Any], stage: Stage | None, draw: st.DataObject) -> None:
        fewer = _masks(draw)
        extra = _masks(draw)
        more = {k: [a or b for a, b in zip(fewer[k], extra[k], strict=True)] for k in fewer}
        before = _run(_stating(complete, fewer), pack, stage)
        after = {f.rule_id: f for f in _run(_stating(complete, more), pack, stage).findings}
        for rule_id, finding in _decided(before).items():
            if rule_id in after:
                other = after[rule_id]
                assert _agrees(finding, other), (rule_id, finding.status, other.status)

    check()


def test_findings_record_a_partial_record_as_present_and_absent() -> None:
    verdict = evaluate(
        Project.from_facts({**MINI_BASE, "items": {"present": ["server"], "absent": ["lan"]}}),
        PACKS[0],
        stage="application",
        as_of=AS_OF,
    )
    assert verdict.finding("mi-05-no-machine-room").facts["items"] == {"present": [], "absent": []}
    assert Verdict.model_validate_json(verdict.to_json()) == verdict
