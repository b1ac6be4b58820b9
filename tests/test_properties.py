"""Properties every pack must keep, generated from the packs themselves.

- a threshold flips exactly at its declared boundary, in Decimal down to 0.01 yuan;
- a decision table selects the band its bounds say, and never a lower tier for more money;
- evaluation is deterministic, independent of the order of sets, and its JSON round-trips.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyengine import CompiledPack, Project, ProjectError, Verdict, evaluate, load_pack
from policyengine._inputs import AMOUNT_PATTERN
from policyengine.expressions import Expression
from policyengine.facts import FACTS, FactType
from policyengine.loader import BUNDLED_PACKS, bundled_pack_path
from policyengine.strategies import (
    amounts,
    amounts_near,
    boundary_values,
    project_dicts,
    step_for,
)
from policyengine.testing import merge

AS_OF = dt.date(2025, 11, 1)
FIXTURES = Path(__file__).parent / "fixtures"


def _packs() -> list[CompiledPack]:
    packs = [load_pack(FIXTURES / "mini.yaml")]
    for name in BUNDLED_PACKS:
        if bundled_pack_path_exists(name):
            packs.append(load_pack(name))
    return packs


def bundled_pack_path_exists(name: str) -> bool:
    try:
        bundled_pack_path(name)
    except Exception:
        return False
    return True


PACKS = _packs()
PACK_IDS = [pack.id for pack in PACKS]


def _comparisons(pack: CompiledPack) -> list[tuple[str, str, Expression, str]]:
    """(rule or table id, threshold, expression, amount fact) for expressions that compare a
    single numeric fact with a threshold."""
    found = []
    exprs: list[tuple[str, Expression]] = []
    for rule in pack.rules:
        for expr in (rule.when, rule.test):
            if expr is not None:
                exprs.append((rule.id, expr))
    exprs += [(name, expr) for name, expr in pack.definitions]
    for owner, expr in exprs:
        thresholds = [n for n in expr.names if n in pack.thresholds]
        numeric = [n for n in expr.names if n in FACTS and FACTS[n].kind.numeric]
        if len(thresholds) == 1 and len(numeric) == 1 and expr.names == {*thresholds, *numeric}:
            found.append((owner, thresholds[0], expr, numeric[0]))
    return found


CASES = [(pack, *c) for pack in PACKS for c in _comparisons(pack)]


@pytest.mark.parametrize(
    ("pack", "owner", "threshold", "expr", "fact"),
    CASES,
    ids=[f"{p.id}:{o}:{t}" for p, o, t, _, _ in CASES],
)
def test_threshold_flips_exactly_at_its_declared_boundary(
    pack: CompiledPack, owner: str, threshold: str, expr: Expression, fact: str
) -> None:
    spec = pack.spec.thresholds[threshold]
    below, at, above = boundary_values(spec.value, spec.unit)
    namespace: dict[str, Any] = dict(pack.thresholds)
    results = {}
    for value in (below, at, above):
        namespace[fact] = value
        results[value] = expr.evaluate(namespace)
    assert results[below] != results[above], f"{owner}: {threshold} does not change the outcome"
    same_as = above if spec.upper_side_holds_value else below
    assert results[at] == results[same_as], (
        f"{owner}: at {at} the outcome should equal the one at {same_as} "
        f"({spec.direction} {spec.boundary})"
    )


TABLES = [
    (pack, table)
    for pack in PACKS
    for table in pack.tables
    # A one-band table has no boundary to probe.
    if len(table.spec.bands) > 1
    and len(table.input.names) == 1
    and next(iter(table.input.names)) in FACTS
]


@pytest.mark.parametrize(("pack", "table"), TABLES, ids=[f"{p.id}:{t.spec.id}" for p, t in TABLES])
def test_bands_change_exactly_at_their_bounds(pack: CompiledPack, table: Any) -> None:
    fact = next(iter(table.input.names))
    for index, (low, low_inclusive, _, _) in enumerate(table.bounds):
        if low is None or index == 0:
            continue
        below, at, above = boundary_values(low, "CNY")
        bands = {v: _band(pack, table.spec.id, fact, v) for v in (below, at, above)}
        here, previous = table.spec.bands[index].id, table.spec.bands[index - 1].id
        assert bands[below] == previous
        assert bands[above] == here
        assert bands[at] == (here if low_inclusive else previous)


@pytest.mark.parametrize(("pack", "table"), TABLES, ids=[f"{p.id}:{t.spec.id}" for p, t in TABLES])
def test_more_money_never_lowers_the_tier(pack: CompiledPack, table: Any) -> None:
    fact = next(iter(table.input.names))
    order = {band.id: i for i, band in enumerate(table.spec.bands)}

    @given(st.lists(amounts_near(pack), min_size=2, max_size=6))
    def check(values: list[Decimal]) -> None:
        tiers = [_band(pack, table.spec.id, fact, v) for v in sorted(values)]
        assert None not in tiers, f"{table.spec.id} undecided for {sorted(values)}"
        ranks = [order[t] for t in tiers if t is not None]
        assert ranks == sorted(ranks)

    check()


def _band(pack: CompiledPack, table_id: str, fact: str, value: Decimal) -> str | None:
    facts = {fact: str(value)} if FACTS[fact].kind is not FactType.INT else {fact: int(value)}
    verdict = evaluate(Project.from_facts(merge(TABLE_CONTEXT[pack.id], facts)), pack, as_of=AS_OF)
    decision = next((d for d in verdict.decisions if d.table_id == table_id), None)
    return None if decision is None else decision.band_id


# Per pack, the facts under which its decision tables apply (their `when` holds), so that the
# band tests above decide a band at every value instead of passing on an undecided table.
TABLE_CONTEXT: dict[str, dict[str, Any]] = {
    "mini": {"owner_type": "party_government_organ", "owner_level": "municipal"},
    "wuhan": {
        "owner_type": "party_government_organ",
        "owner_level": "municipal",
        "bundled_with_fixed_asset_project": False,
        "self_use": False,
        "total_investment": "1000000",
    },
    "zhanggong": {"owner_level": "district", "funding": [{"source": "district_fiscal"}]},
    "yiyang": {
        "owner_level": "municipal",
        "funding": [{"source": "municipal_fiscal"}],
    },
}


@pytest.mark.parametrize("pack", PACKS, ids=PACK_IDS)
def test_evaluation_is_deterministic_and_round_trips(pack: CompiledPack) -> None:
    @given(project_dicts(amounts_near(pack)), st.sampled_from([None, "application", "acceptance"]))
    def check(data: dict[str, Any], stage: str | None) -> None:
        first = evaluate(Project.from_facts(data), pack, stage=stage, as_of=AS_OF)
        reordered = dict(reversed(list(data.items())))
        for key in ("items", "documents"):
            if reordered.get(key) is not None:
                reordered[key] = sorted(reordered[key], reverse=True)
        second = evaluate(Project.from_facts(reordered), pack, stage=stage, as_of=AS_OF)
        assert first.to_json() == second.to_json()
        assert Verdict.model_validate_json(first.to_json()) == first

    check()


def test_step_sizes() -> None:
    assert step_for("CNY") == Decimal("0.01")
    assert boundary_values(Decimal(500000)) == (
        Decimal("499999.99"),
        Decimal(500000),
        Decimal("500000.01"),
    )


# --- Project numbers: one documented rule, exact, and only ProjectError on refusal ---------------

NUMBER_FIELDS = ["total_investment", "secrecy_pool_experts", "plan_year", "om_period_years"]


@given(
    st.sampled_from(NUMBER_FIELDS),
    st.one_of(
        st.text(max_size=24),
        st.text(alphabet="0123456789.,_ +-eE万元亿１٣", max_size=24),
        st.integers(),
        st.decimals(),
        st.floats(),
        st.booleans(),
    ),
)
def test_a_number_field_accepts_or_raises_project_error(field: str, value: object) -> None:
    error = _refusal({field: value})
    assert error is None or error.issues[0].path == field


@given(st.text(alphabet="0123456789.,_ +-eE万元亿１٣", max_size=24))
def test_an_amount_string_is_accepted_exactly_when_it_matches_the_published_pattern(
    text: str,
) -> None:
    error = _refusal({"total_investment": text})
    matches = re.fullmatch(AMOUNT_PATTERN, text) is not None
    if error is None:
        assert matches
    else:
        assert not matches or "below 10^15" in error.issues[0].msg


def _refusal(data: dict[str, Any]) -> ProjectError | None:
    try:
        Project.from_facts(data)
    except ProjectError as error:
        return error
    return None


@given(amounts(max_value=Decimal("999999999999999.99")))
def test_an_amount_reads_back_exactly_in_yuan_and_in_wan(amount: Decimal) -> None:
    yuan = format(amount, "f")
    wan = format(amount.scaleb(-4), "f")
    for text in (yuan, yuan + "元", wan + "万", wan + "万元"):
        assert Project.from_facts({"total_investment": text}).money.total_investment == amount


@pytest.mark.parametrize("name", BUNDLED_PACKS)
def test_in_scope_projects_are_in_the_pack_scope(name: str) -> None:
    from hypothesis import HealthCheck, settings

    from policyengine import decide
    from policyengine.strategies import in_scope_projects, project_dicts

    pack = load_pack(name)
    scopes: list[bool | None] = []

    @settings(max_examples=60, derandomize=True, database=None, deadline=None)
    @given(in_scope_projects(pack, amounts_near(pack)))
    def record(project: Project) -> None:
        scopes.append(decide(project, pack).in_scope)

    record()
    assert len(scopes) >= 30
    assert scopes.count(True) >= 0.9 * len(scopes)
    # Without the strategy, hardly a project is: the scope facts are what it fixes.
    plain: list[bool | None] = []

    @settings(
        max_examples=60,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.filter_too_much],
    )
    @given(project_dicts(amounts_near(pack)).map(Project.from_facts))
    def record_plain(project: Project) -> None:
        plain.append(decide(project, pack).in_scope)

    record_plain()
    assert plain.count(True) < 0.5 * len(plain)


def test_the_scope_search_fixes_the_scope_facts_and_says_when_there_is_no_scope(
    tmp_path: Path,
) -> None:
    from policyengine.errors import PolicyEngineError
    from policyengine.strategies import scope_assignments

    scopes = scope_assignments(load_pack(FIXTURES / "mini.yaml"))
    assert {frozenset(scope) for scope in scopes} == {frozenset({"owner_type", "classified"})}
    assert all(scope["classified"] is False for scope in scopes)
    assert {scope["owner_type"] for scope in scopes} == {
        "party_government_organ",
        "public_institution",
    }
    assert scope_assignments(load_pack(FIXTURES / "mini.yaml")) == scopes  # repeatable

    text = (FIXTURES / "mini.yaml").read_text(encoding="utf-8")
    never = tmp_path / "never.yaml"
    never.write_text(
        text.replace(
            "applies_when: \"owner_type in ('party_government_organ', 'public_institution')\"",
            "applies_when: \"owner_type == 'school' and classified and not classified\"",
        ),
        encoding="utf-8",
    )
    with pytest.raises(PolicyEngineError) as info:
        scope_assignments(load_pack(never))
    assert info.value.code == "strategies.no_scope"
