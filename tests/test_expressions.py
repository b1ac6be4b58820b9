"""Expressions: load-time checks (input -> exact message) and three-valued evaluation."""

from __future__ import annotations

import pickle
from decimal import Decimal
from typing import Any

import pytest

from policyengine.expressions import ExpressionError, NameInfo, compile_expression
from policyengine.facts import FACTS, FactType

NAMES = {
    name: NameInfo("fact", spec.kind, spec.vocabulary, facts=frozenset([name]))
    for name, spec in FACTS.items()
}
NAMES["floor"] = NameInfo("threshold", FactType.DECIMAL, upper_side_holds_value=True)
NAMES["limit"] = NameInfo("threshold", FactType.DECIMAL, upper_side_holds_value=False)


def namespace(**facts: Any) -> dict[str, Any]:
    ns: dict[str, Any] = dict.fromkeys(NAMES)
    ns.update(floor=Decimal(500000), limit=Decimal("0.15"))
    ns.update(facts)
    return ns


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("total_invesment >= 1", "unknown name 'total_invesment'"),
        ("total_investment > floor", "'>' contradicts threshold 'floor'"),
        ("total_investment <= floor", "'<=' contradicts threshold 'floor'"),
        ("floor < total_investment", "'>' contradicts threshold 'floor'"),
        ("budget_increase_ratio < limit", "'<' contradicts threshold 'limit'"),
        ("total_investment == floor", "not == or !="),
        ("total_investment >= approval_date", "cannot order decimal >= date"),
        ("kind == 'new_buld'", "'new_buld' is not a ProjectKind identifier"),
        ("'servr' in items", "'servr' is not a Item identifier"),
        ("owner_type in ('school', 'hospital')", "'hospital' is not a OwnerType identifier"),
        ("items.__class__", "attribute access (x.y) is not allowed"),
        ("items[0]", "indexing (x[i]) is not allowed"),
        ("9 ** 9", "the power operator (**) is not allowed"),
        ("'x' * 10", "arithmetic needs numbers, got the string 'x'"),
        ("__import__('os')", "function '__import__' is not allowed"),
        ("(lambda: 1)()", "a lambda is not allowed"),
        ("[x for x in items]", "a comprehension is not allowed"),
        ("total_investment", "expression gives decimal, but bool is required here"),
        ("classified and total_investment", "and/or operand must be true/false"),
        ("x = 1", "invalid syntax"),
        ("known()", "known() takes 1 argument(s)"),
        ("has_any(items)", "has_any() takes at least 2 arguments"),
        ("has_any(items, 'nope')", "'nope' is not a Item identifier"),
        ("classified == None", "literal None is not allowed"),
        ("", "an expression must be a non-empty string"),
        ("a" * 2001, "the limit is 2000"),
        # Integer parameters take integers only; decimal literals are bounded (B12, B13).
        ("add_days(approval_date, 1e1000000) > approval_date", "number out of range"),
        ("add_days(approval_date, 1.5) > approval_date", "add_days() expects int, got decimal"),
        ("add_months(approval_date, 1e18) > as_of", "add_months() expects int, got decimal"),
        ("add_days(approval_date, budget_estimate) > as_of", "add_days() expects int, got decimal"),
        ("total_investment >= 1e9999999999999999999", "number out of range"),
        ("total_investment >= 1e19", "number out of range"),
        ("total_investment >= 1e-19", "number out of range"),
        ("total_investment >= 1." + "1" * 30, "number out of range"),
        # Tuple members obey the string literal limit (B23).
        ("owner_name in ('" + "a" * 201 + "', 'b')", "string literal is too long"),
    ],
)
def test_rejected_with_message(source: str, message: str) -> None:
    with pytest.raises(ExpressionError) as info:
        compile_expression(source, NAMES, expect=FactType.BOOL)
    assert message in info.value.message


def test_threshold_comparisons_that_agree_with_the_boundary_are_accepted() -> None:
    for source in (
        "total_investment >= floor",
        "total_investment < floor",
        "floor <= total_investment",
        "budget_increase_ratio <= limit",
        "budget_increase_ratio > limit",
    ):
        compile_expression(source, NAMES, expect=FactType.BOOL)


def test_float_literals_are_exact_decimals() -> None:
    expr = compile_expression("budget_increase_ratio <= 0.15", NAMES, expect=FactType.BOOL)
    assert list(expr.constants.values()) == [Decimal("0.15")]
    assert expr.evaluate(namespace(budget_increase_ratio=Decimal("0.15"))) is True
    assert expr.evaluate(namespace(budget_increase_ratio=Decimal("0.1500000001"))) is False


@pytest.mark.parametrize(
    ("source", "facts", "expected"),
    [
        ("classified and total_investment >= floor", {"classified": False}, False),
        ("classified or total_investment >= floor", {"classified": True}, True),
        ("classified and total_investment >= floor", {"classified": True}, None),
        ("classified or total_investment >= floor", {"classified": False}, None),
        ("not classified", {}, None),
        ("'server' in items", {}, None),
        ("has_any(items, 'server')", {}, None),
        ("known(classified)", {}, False),
        ("known(classified)", {"classified": False}, True),
        ("total_investment + 1 > 2", {}, None),
        ("1 < total_investment < 3", {"total_investment": Decimal(2)}, True),
        ("1 < total_investment < 3", {}, None),
    ],
)
def test_three_valued_logic(source: str, facts: dict[str, Any], expected: bool | None) -> None:
    expr = compile_expression(source, NAMES, expect=FactType.BOOL)
    assert expr.evaluate(namespace(**facts)) is expected


@pytest.mark.parametrize(
    ("source", "facts"),
    [
        ("classified and total_investment >= floor", {"classified": True}),
        ("has_all(items, 'server', 'lan') or not classified", {"classified": False}),
        ("add_months(approval_date, 6) < as_of", {}),
    ],
)
def test_both_evaluation_paths_agree_when_facts_are_known(
    source: str, facts: dict[str, Any]
) -> None:
    import datetime as dt

    from policyengine.expressions import _interpreter

    full = namespace(
        classified=True,
        total_investment=Decimal("500000.00"),
        items=frozenset({"server"}),
        approval_date=dt.date(2024, 8, 31),
        as_of=dt.date(2025, 3, 1),
    )
    full.update(facts)
    expr = compile_expression(source, NAMES, expect=FactType.BOOL)
    assert expr.evaluate(full) == _interpreter().run(expr, full)


def test_missing_names_the_unknown_facts_sorted() -> None:
    expr = compile_expression(
        "total_investment >= floor and 'server' in items", NAMES, expect=FactType.BOOL
    )
    assert expr.missing(namespace()) == ["items", "total_investment"]
    assert expr.missing(namespace(items=frozenset())) == ["total_investment"]


def test_expression_pickles() -> None:
    expr = compile_expression("budget_increase_ratio <= 0.15", NAMES, expect=FactType.BOOL)
    clone = pickle.loads(pickle.dumps(expr))
    assert clone.evaluate(namespace(budget_increase_ratio=Decimal("0.2"))) is False
    assert clone.evaluate(namespace()) is None


@pytest.mark.parametrize(
    ("source", "facts"),
    [
        ("mlps_level / 10 >= 0.3", {"mlps_level": 3}),
        ("count(items) / 10 == 0.1", {"items": frozenset({"server"})}),
        ("plan_year / 3 * 3 == plan_year", {"plan_year": 2025}),
        ("1 / 3 == 1.0 / 3.0", {}),
    ],
)
def test_division_is_exact_on_both_paths(source: str, facts: dict[str, Any]) -> None:
    from policyengine.expressions import kleene

    expr = compile_expression(source, NAMES, expect=FactType.BOOL)
    full = namespace(**facts)
    assert expr.evaluate(full) is True
    assert kleene(expr, full) is True


def test_division_gives_a_decimal() -> None:
    expr = compile_expression("mlps_level / 10", NAMES, expect=FactType.DECIMAL)
    value = expr.evaluate(namespace(mlps_level=3))
    assert type(value) is Decimal
    assert value == Decimal("0.3")


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        ("add_days", Decimal("1E+30")),
        ("add_days", 10**30),
        ("add_months", Decimal("-1E+30")),
        ("add_months", 100_001),
    ],
)
def test_date_steps_are_bounded_before_converting(call: str, argument: Any) -> None:
    import datetime as dt

    from policyengine.expressions import FUNCTIONS

    with pytest.raises(ValueError, match="out of range: the limits are"):
        FUNCTIONS[call].implementation(dt.date(2024, 1, 31), argument)
    assert FUNCTIONS[call].implementation(dt.date(2024, 1, 31), 1) > dt.date(2024, 1, 31)
