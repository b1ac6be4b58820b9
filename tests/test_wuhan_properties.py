"""Property tests on the Wuhan thresholds, end to end through `evaluate`.

Each property states the law's boundary in plain Decimal arithmetic and checks the verdict against
it, for amounts drawn at and around the boundary down to 0.01 yuan and anywhere else.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import example, given
from hypothesis import strategies as st

from policyengine import Verdict, evaluate, load_pack
from policyengine.project import Project
from policyengine.strategies import FEN, amounts, boundary_values

WUHAN = load_pack("wuhan")
AS_OF = dt.date(2026, 11, 23)
BASE: dict[str, Any] = {
    "owner_type": "party_government_organ",
    "owner_level": "municipal",
    "bundled_with_fixed_asset_project": False,
    "self_use": False,
}
APPROVAL = Decimal("500000")
MUNICIPAL_GOVERNMENT = Decimal("30000000")


def near(value: Decimal) -> st.SearchStrategy[Decimal]:
    """The value, a fen either side, and amounts within a few yuan of it."""
    return st.one_of(
        st.sampled_from(boundary_values(value)),
        st.decimals(value - 5, value + 5, places=2).filter(lambda d: d >= 0),
    )


def run(stage: str, **facts: Any) -> Verdict:
    return evaluate(Project.from_facts({**BASE, **facts}), WUHAN, stage=stage, as_of=AS_OF)


def band(verdict: Verdict, table_id: str) -> str | None:
    return next(d.band_id for d in verdict.decisions if d.table_id == table_id)


@given(st.one_of(near(APPROVAL), amounts()))
@example(Decimal("499999.99"))
@example(Decimal("500000.00"))
def test_approval_route_starts_at_500000_inclusive(amount: Decimal) -> None:
    verdict = run("application", total_investment=str(amount))
    assert band(verdict, "approval_route") == ("approval" if amount >= APPROVAL else "filing")


@given(st.one_of(near(MUNICIPAL_GOVERNMENT), amounts(Decimal("1e9"))))
@example(Decimal("29999999.99"))
@example(Decimal("30000000.00"))
def test_municipal_government_from_30_million_approved_investment(amount: Decimal) -> None:
    # Measured on the approved investment, whatever was applied for.
    verdict = run("approval", total_investment="1000000", approved_investment=str(amount))
    expected = "municipal_government" if amount >= MUNICIPAL_GOVERNMENT else "approval_authority"
    assert band(verdict, "municipal_government_approval") == expected


@given(
    estimate=st.decimals(Decimal("1.00"), Decimal("1e9"), places=2),
    offset=st.sampled_from([-FEN, Decimal(0), FEN]) | st.decimals(-1000, 1000, places=2),
)
@example(estimate=Decimal("2000000.00"), offset=Decimal("0.01"))
def test_self_adjustment_limit_is_15_percent_inclusive(estimate: Decimal, offset: Decimal) -> None:
    adjustment = (estimate * Decimal("0.15")).quantize(FEN) + offset
    if adjustment < 0:
        return
    verdict = run(
        "change",
        budget_estimate=str(estimate),
        self_adjusted=True,
        adjustment_amount=str(adjustment),
    )
    within = adjustment <= estimate * Decimal("0.15")  # 不超过: the limit itself is allowed
    assert verdict.finding("wh-19-adjustment-limit").status.value == ("pass" if within else "fail")


@given(st.lists(st.one_of(near(APPROVAL), near(MUNICIPAL_GOVERNMENT), amounts()), min_size=2))
def test_more_investment_never_lowers_the_tier(values: list[Decimal]) -> None:
    tiers = []
    for amount in sorted(values):
        verdict = run("approval", total_investment=str(amount), approved_investment=str(amount))
        route = band(verdict, "approval_route")
        government = band(verdict, "municipal_government_approval")
        tiers.append(2 if government == "municipal_government" else 1 if route == "approval" else 0)
    assert tiers == sorted(tiers)
