"""The generated three-valued code decides every expression of every pack as the Kleene
interpreter does: the same value, or an error where the interpreter raises one."""

from __future__ import annotations

import ast
import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policyengine import CompiledPack, load_pack
from policyengine.evaluator import build_namespace
from policyengine.expressions import Expression, _kleene_function, compile_expression, kleene
from policyengine.loader import BUNDLED_PACKS
from policyengine.partial import PartialSet
from policyengine.project import Project
from policyengine.strategies import amounts_near, project_dicts
from policyengine.threevalued import translate

ROOT = Path(__file__).resolve().parents[1]
PACKS = [load_pack(ROOT / "tests" / "fixtures" / name) for name in ("mini.yaml", "time.yaml")] + [
    load_pack(name) for name in BUNDLED_PACKS
]
DATES = st.dates(dt.date(2019, 1, 1), dt.date(2026, 12, 31))


def _expressions(pack: CompiledPack) -> list[Expression]:
    found = [expr for _, expr in pack.definitions]
    found += [expr for _, expr in pack.exclusions]
    if pack.applies_when is not None:
        found.append(pack.applies_when)
    for rule in pack.rules:
        found += [e for e in (rule.when, rule.test, rule.gap) if e is not None]
        found += [expr for _, expr in rule.exceptions]
    for table in pack.tables:
        found += [e for e in (table.input, table.when) if e is not None]
    return found


def _outcome(run: Any, *args: Any) -> tuple[str, Any]:
    try:
        return "value", run(*args)
    except Exception as exc:  # the interpreter's errors are the reference too
        return "error", type(exc).__name__


@pytest.mark.parametrize("pack", PACKS, ids=[p.id for p in PACKS])
def test_every_expression_is_translated(pack: CompiledPack) -> None:
    assert all(_kleene_function(expr) is not False for expr in _expressions(pack))


@pytest.mark.parametrize("pack", PACKS, ids=[p.id for p in PACKS])
def test_generated_code_and_interpreter_agree(pack: CompiledPack) -> None:
    expressions = _expressions(pack)

    @given(project_dicts(amounts_near(pack)), DATES, st.randoms(use_true_random=False))
    def check(data: dict[str, Any], as_of: dt.date, random: Any) -> None:
        namespace = build_namespace(pack, Project.from_facts(data), as_of)
        for expr in expressions:
            if any(namespace[name].__class__ is PartialSet for name in expr.sets):
                continue  # partial sets are the interpreter's alone
            # Each name read unknown or as stated, at random: every None in every place.
            local = dict(namespace)
            for name in expr.names:
                if random.random() < 0.3:
                    local[name] = None
            generated = _kleene_function(expr)
            assert generated is not False
            assert _outcome(generated, local) == _outcome(kleene, expr, local), expr.source

    check()


NAMES = {"a": "bool", "b": "bool", "x": "decimal", "y": "decimal"}


@pytest.mark.parametrize(
    ("source", "values", "expected"),
    [
        ("a and b", {"a": None, "b": False}, False),
        ("a and b", {"a": None, "b": True}, None),
        ("a or b", {"a": None, "b": True}, True),
        ("a or b", {"a": False, "b": None}, None),
        ("not a", {"a": None}, None),
        ("x + y > 1", {"x": None, "y": 5}, None),
        ("x >= 1 or a", {"x": None, "a": True}, True),
    ],
)
def test_kleene_tables(source: str, values: dict[str, Any], expected: Any) -> None:
    from decimal import Decimal

    from policyengine.expressions import NameInfo
    from policyengine.facts import FactType

    kinds = {"bool": FactType.BOOL, "decimal": FactType.DECIMAL}
    names = {n: NameInfo("fact", kinds[k], facts=frozenset({n})) for n, k in NAMES.items()}
    expr = compile_expression(source, names)
    namespace = {n: Decimal(v) if isinstance(v, int) else v for n, v in values.items()}
    for name in NAMES:
        namespace.setdefault(name, None)
    generated = _kleene_function(expr)
    assert generated is not False
    assert generated(namespace) is expected
    assert kleene(expr, namespace) is expected


def test_a_chained_comparison_is_left_to_the_interpreter() -> None:
    tree = ast.parse("1 < x < 3", mode="eval").body
    assert (
        translate(
            tree, maybe_unknown=lambda _: True, known_reads="_r", temporaries=itertools.count()
        )
        is None
    )


def test_an_error_is_raised_where_the_interpreter_raises_it() -> None:
    # The left operand raises before the right one is found unknown: an error, not unknown.
    from policyengine.expressions import NameInfo
    from policyengine.facts import FactType

    names = {
        "x": NameInfo("fact", FactType.DECIMAL, facts=frozenset({"x"})),
        "y": NameInfo("fact", FactType.DECIMAL, facts=frozenset({"y"})),
    }
    expr = compile_expression("x / 0 > y", names)
    from decimal import Decimal

    namespace = {"x": Decimal(1), "y": None}
    generated = _kleene_function(expr)
    assert generated is not False
    assert _outcome(generated, namespace)[0] == "error"
    assert _outcome(kleene, expr, namespace)[0] == "error"


def _program_expression(pack: CompiledPack, expr: Expression) -> Any:
    """`expr` as the pack's generated program computes it: a function of the namespace."""
    from policyengine.program import _Generator

    generator = _Generator(pack)
    text = generator.expression(expr)
    # The program computes definitions in its body; here they are read from the namespace.
    definitions = [
        line
        for name in sorted(expr.names & generator.definition_names)
        for line in (
            f"    v_{name} = ns[{name!r}]",
            f"    p_{name} = ns[{name!r}].__class__ is _PartialSet",
        )
    ]
    lines = ["def run(ns):", *generator._loads(), *definitions, f"    return {text}"]
    source = "\n".join(lines) + "\n"
    scope = generator.scope()
    exec(compile(source, "<expression>", "exec"), scope)
    return scope["run"]


@pytest.mark.parametrize("pack", PACKS, ids=[p.id for p in PACKS])
def test_program_expressions_and_interpreter_agree(pack: CompiledPack) -> None:
    # The program's text: plain Python where every name is known, three-valued code where one
    # is not, the interpreter for a partial record.
    programs = [(expr, _program_expression(pack, expr)) for expr in _expressions(pack)]

    @given(
        project_dicts(amounts_near(pack), partial=True), DATES, st.randoms(use_true_random=False)
    )
    def check(data: dict[str, Any], as_of: dt.date, random: Any) -> None:
        namespace = build_namespace(pack, Project.from_facts(data), as_of)
        for expr, run in programs:
            local = dict(namespace)
            for name in expr.names - pack.thresholds.keys():  # a threshold is always known
                if random.random() < 0.15:
                    local[name] = None
            assert _outcome(run, local) == _outcome(kleene, expr, local), expr.source

    check()


@pytest.mark.parametrize("pack", PACKS, ids=[p.id for p in PACKS])
def test_compiled_scope_and_interpreter_agree(pack: CompiledPack) -> None:
    from policyengine.evaluator import _compiled_walk, _scope_namespace, _walk_scope

    @given(project_dicts(amounts_near(pack), partial=True), DATES)
    def check(data: dict[str, Any], as_of: dt.date) -> None:
        project = Project.from_facts(data)
        interpreted = _walk_scope(pack, build_namespace(pack, project, as_of), as_of)
        assert _compiled_walk(pack, _scope_namespace(pack, project, as_of), as_of) == interpreted

    check()


@pytest.mark.parametrize("function", ["has_any", "has_all", "has_only"])
@pytest.mark.parametrize(
    "members",
    [
        ("project_proposal",),
        ("project_proposal", "feasibility_study_report"),
        ("project_proposal", "feasibility_study_report", "project_proposal"),
    ],
)
def test_set_tests_in_plain_code_are_the_set_functions(function: str, members: tuple[str]) -> None:
    # The plain code tests a known, complete set against a constant frozenset of the members,
    # named by their values; a project's sets hold vocabulary members (or their values).
    from policyengine import partial
    from policyengine.program import _SetCalls
    from policyengine.vocabulary import Document

    constants: dict[str, Any] = {}

    def constant(value: frozenset[str]) -> str:
        constants[f"_K{len(constants)}"] = value
        return f"_K{len(constants) - 1}"

    call = f"{function}(x, {', '.join(repr(m) for m in members)})"
    tree = _SetCalls(constant).visit(ast.parse(call, mode="eval").body)
    assert function not in ast.unparse(tree)
    code = compile(ast.Expression(ast.fix_missing_locations(tree)), "<test>", "eval")
    pool = [
        Document.PROJECT_PROPOSAL,
        Document.FEASIBILITY_STUDY_REPORT,
        Document.PRELIMINARY_DESIGN,
    ]
    for size in range(4):
        for subset in itertools.combinations(pool, size):
            for held in (frozenset(subset), frozenset(m.value for m in subset)):
                scope = {"__builtins__": {}, "_nonempty": bool, "x": held, **constants}
                expected = getattr(partial, function)(held, *members)
                assert eval(code, scope) is expected, (call, subset)


def test_a_chained_comparison_runs_in_the_program_as_interpreted() -> None:
    # The translation declines a chained comparison: plain Python when its names are known,
    # the interpreter when one is not.
    from decimal import Decimal

    from policyengine.expressions import NameInfo
    from policyengine.facts import FactType

    names = {n: NameInfo("fact", FactType.DECIMAL, facts=frozenset({n})) for n in ("x", "y")}
    expr = compile_expression("1 < x < y", names)
    run = _program_expression(PACKS[0], expr)
    for x, y in itertools.product([None, Decimal(0), Decimal(2), Decimal(5)], repeat=2):
        namespace = {"x": x, "y": y}
        assert _outcome(run, namespace) == _outcome(kleene, expr, namespace), namespace
