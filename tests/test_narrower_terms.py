"""Narrower terms of the shared item vocabulary: a question about an item asks about its kinds.

One project description serves every pack: a project states the item it buys (`server`), and a
pack whose text speaks of the broader item (硬件设施, `hardware`) reads it as that item. Both
evaluation paths agree, partial records stay three-valued, and bans reach the kinds of what
they ban.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyengine import Project, ProjectError, Status, evaluate
from policyengine.evaluator import interpret
from policyengine.expressions import compile_expression
from policyengine.facts import FACTS, FactReader
from policyengine.loader import load_pack_text
from policyengine.mutants import generate_mutants
from policyengine.partial import PartialSet
from policyengine.vocabulary import NARROWER, Item

FIXTURES = Path(__file__).parent / "fixtures"
AS_OF = dt.date(2025, 6, 1)


def _names() -> dict[str, Any]:
    from policyengine.expressions import NameInfo

    return {
        name: NameInfo("fact", spec.kind, spec.vocabulary, facts=frozenset({name}))
        for name, spec in FACTS.items()
    }


def _ask(source: str, items: Any) -> bool | None:
    expression = compile_expression(source, _names())
    project = Project.from_facts({"items": items})
    namespace = FactReader(expression.facts).read(project, None)
    return expression.evaluate(namespace)  # type: ignore[no-any-return]


def test_the_relation_is_the_one_the_words_make() -> None:
    assert Item.HARDWARE.narrower == {
        Item.SERVER,
        Item.STORAGE_DEVICE,
        Item.SERVER_NETWORK_EQUIPMENT,
    }
    assert Item.NETWORK.narrower == {Item.LAN}
    assert Item.CLOUD_PLATFORM.narrower == {Item.VIRTUAL_CLOUD_PLATFORM}
    assert Item.SERVER.narrower == frozenset()
    # Overlapping items that are not kinds of one another stay apart.
    assert Item.OFFICE_TERMINAL not in Item.HARDWARE.narrower
    assert Item.PRIVATE_NETWORK not in Item.NETWORK.narrower
    assert all(member not in kinds for member, kinds in NARROWER.items())


@pytest.mark.parametrize(
    ("source", "items", "expected"),
    [
        ("'hardware' in items", ["server"], True),
        ("'hardware' in items", ["lan"], False),
        ("'hardware' not in items", ["storage_device"], False),
        ("'server' in items", ["hardware"], False),  # the broader item says nothing narrower
        ("has_any(items, 'network', 'machine_room')", ["lan"], True),
        ("has_all(items, 'hardware', 'network')", ["server", "lan"], True),
        ("has_all(items, 'hardware', 'network')", ["server"], False),
        ("has_only(items, 'hardware', 'custom_software')", ["server", "custom_software"], True),
        ("has_only(items, 'hardware')", ["server", "lan"], False),
        ("count(items) == 1", ["server"], True),  # what is stated, not what it implies
        # A partial record: a kind present decides; the broader item absent decides its kinds.
        ("'hardware' in items", {"present": ["server"]}, True),
        ("'hardware' in items", {"absent": ["server"]}, None),
        ("'server' in items", {"absent": ["hardware"]}, False),
        ("'hardware' in items", {"absent": ["hardware"]}, False),
    ],
)
def test_a_question_about_an_item_asks_about_its_kinds(
    source: str, items: Any, expected: bool | None
) -> None:
    assert _ask(source, items) is expected


def test_the_expression_keeps_what_its_author_wrote() -> None:
    expression = compile_expression("'hardware' in items", _names())
    assert expression.text == "'hardware' in items"
    assert expression.source.startswith("has_any(items, 'hardware', ")
    plain = compile_expression("'lan' in items", _names())
    assert plain.written is None
    assert plain.text == plain.source == "'lan' in items"


def test_a_partial_record_missing_a_kind_names_the_members_it_needs() -> None:
    expression = compile_expression("'hardware' in items", _names())
    project = Project.from_facts({"items": {"present": ["lan"]}})
    namespace = FactReader(expression.facts).read(project, None)
    assert isinstance(namespace["items"], PartialSet)
    assert expression.missing(namespace) == [
        "items.hardware",
        "items.server",
        "items.server_network_equipment",
        "items.storage_device",
    ]


def test_a_kind_present_where_its_broader_item_is_absent_is_refused() -> None:
    with pytest.raises(ProjectError, match="as a kind of an absent member"):
        Project.from_facts({"items": {"present": ["lan"], "absent": ["network"]}})


def _banning(items: str) -> Any:
    text = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    old = "items: [machine_room, private_network]"
    assert old in text
    return load_pack_text(text.replace(old, f"items: [{items}]"), "ban.yaml")


@pytest.mark.parametrize("how", [evaluate, interpret])
def test_a_ban_reaches_the_kinds_of_what_it_bans(how: Any) -> None:
    pack = _banning("network")
    facts = {
        "owner_type": "party_government_organ",
        "owner_level": "municipal",
        "total_investment": "100000",
        "classified": False,
        "involves_work_secrets": False,
    }
    lan = how(Project.from_facts({**facts, "items": ["lan"]}), pack, as_of=AS_OF)
    finding = lan.finding("mi-05-no-machine-room")
    assert finding.status is Status.FAIL
    assert finding.prohibited_items == ["lan"]
    unknown = how(Project.from_facts({**facts, "items": {"absent": ["lan"]}}), pack, as_of=AS_OF)
    assert unknown.finding("mi-05-no-machine-room").missing_facts == ["items.network"]
    absent = how(Project.from_facts({**facts, "items": {"absent": ["network"]}}), pack, as_of=AS_OF)
    assert absent.finding("mi-05-no-machine-room").status is Status.PASS


def test_leaving_out_a_member_its_broader_member_covers_is_no_mutant() -> None:
    spec = _banning("network, lan, machine_room").spec
    ids = {mutant.id for mutant in generate_mutants(spec)}
    assert "item:mi-05-no-machine-room:network" in ids
    assert "item:mi-05-no-machine-room:machine_room" in ids
    assert "item:mi-05-no-machine-room:lan" not in ids


_ITEMS = st.frozensets(st.sampled_from(list(Item)), max_size=6)


@given(_ITEMS, st.sampled_from(sorted(NARROWER)))
def test_membership_of_a_broader_item_is_membership_of_it_or_a_kind(
    items: frozenset[Item], broader: Any
) -> None:
    expected = bool(({broader} | broader.narrower) & items)
    assert _ask(f"'{broader.value}' in items", sorted(items)) is expected
    assert _ask(f"'{broader.value}' not in items", sorted(items)) is (not expected)
