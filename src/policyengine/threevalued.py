"""Checked expressions as Python code that computes Kleene's three-valued logic directly.

The Kleene interpreter (`expressions.kleene`, on simpleeval) is the reference for an expression
that reads an unknown fact: unknown (None) propagates through arithmetic, comparisons and
function calls, and `and`/`or` are decided by a known decisive operand. Interpreting costs tens
of microseconds an expression; this module writes the same semantics as plain Python text, once
at load time, so that an unknown fact costs a comparison with None. The code evaluates operands
in the interpreter's order and stops where it stops, so an error is raised (or not) exactly where
the interpreter would raise it.

Two things stay with the interpreter: a set stated as a partial record (membership is itself
three-valued: callers test for one before running this code), and a chained comparison
(`a < b < c`), which `translate` declines by returning None.

The text holds only names from a checked tree and the fixed names below; nothing else is
interpolated.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from .facts import OPEN

_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*"}
_UNARY = {ast.Not: "not ", ast.USub: "-", ast.UAdd: "+"}
COMPARISONS: Mapping[type[ast.cmpop], str] = {
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.In: "in",
    ast.NotIn: "not in",
}
"""The comparison operators an expression may use, as written."""

OPEN_KNOWN = "_open_known"
"""The name under which generated code calls `open_known`."""


def open_known(
    namespace: Mapping[str, Any],
    reads: Mapping[tuple[int, int], frozenset[str]],
    position: tuple[int, int],
) -> bool | None:
    """`known(x)` where x is None: unknown if x reads a step fact a partial steps record leaves
    open (the step may or may not have been taken), else false. As the interpreter decides."""
    open_facts = namespace.get(OPEN)
    if not open_facts:
        return False
    return None if reads.get(position, open_facts) & open_facts else False


_MEMBER_TESTS = {"has_any": " or ", "has_all": " and "}
"""Set functions written out as membership tests (the set is complete here: a partial one is
the interpreter's), which spares a call and a generator per question."""


def _call(name: str, arguments: tuple[str, ...]) -> str:
    collection, *members = arguments
    joiner = _MEMBER_TESTS.get(name)
    if joiner is not None and collection.isidentifier() and members:
        return joiner.join(f"{member} in {collection}" for member in members)
    return f"{name}({', '.join(arguments)})"


class _Untranslatable(Exception):
    """A construct left to the interpreter."""


def translate(
    tree: ast.expr,
    *,
    maybe_unknown: Callable[[str], bool],
    known_reads: str,
    temporaries: Iterator[str],
) -> str | None:
    """Python text computing `tree` three-valued, or None for a construct it leaves to the
    interpreter (a chained comparison).

    `maybe_unknown(name)` says whether a name may hold None (a threshold or a constant cannot);
    `known_reads` is the text of the expression's `Reads.known` mapping in the generated code's
    scope, and `temporaries` yields fresh local names. The text uses walrus assignments, so it
    must run inside a function body, and `ns` (the namespace) for `known()`.
    """
    try:
        text, _ = _Writer(maybe_unknown, known_reads, temporaries).write(tree)
    except _Untranslatable:
        return None
    return text


class _Writer:
    def __init__(
        self, maybe_unknown: Callable[[str], bool], known_reads: str, temporaries: Iterator[str]
    ) -> None:
        self.maybe_unknown = maybe_unknown
        self.known_reads = known_reads
        self.temporaries = temporaries

    def write(self, node: ast.expr) -> tuple[str, bool]:
        """The text of `node` and whether its value may be None (unknown)."""
        method: Callable[[Any], tuple[str, bool]] | None = getattr(
            self, "_" + type(node).__name__, None
        )
        if method is None:
            raise _Untranslatable(type(node).__name__)
        return method(node)

    def _Constant(self, node: ast.Constant) -> tuple[str, bool]:
        return repr(node.value), False

    def _Name(self, node: ast.Name) -> tuple[str, bool]:
        return node.id, self.maybe_unknown(node.id)

    def _Tuple(self, node: ast.Tuple) -> tuple[str, bool]:
        # The checker admits tuples of string literals only.
        elements = [self.write(element)[0] for element in node.elts]
        return "(" + "".join(f"{e}, " for e in elements) + ")", False

    def _UnaryOp(self, node: ast.UnaryOp) -> tuple[str, bool]:
        operator = _UNARY[type(node.op)]
        operand, unknown = self.write(node.operand)
        if not unknown:
            return f"({operator}{operand})", False
        t = next(self.temporaries)
        return f"(None if ({t} := {operand}) is None else {operator}{t})", True

    def _BinOp(self, node: ast.BinOp) -> tuple[str, bool]:
        # Both sides are evaluated (left first) before unknown is propagated, as interpreted.
        operator = _BINARY[type(node.op)]  # `/` is already a call of the exact division
        return self._strict([node.left, node.right], lambda a, b: f"{a} {operator} {b}")

    def _Compare(self, node: ast.Compare) -> tuple[str, bool]:
        if len(node.ops) != 1:
            raise _Untranslatable("chained comparison")
        operator = COMPARISONS[type(node.ops[0])]
        return self._strict([node.left, node.comparators[0]], lambda a, b: f"{a} {operator} {b}")

    def _Call(self, node: ast.Call) -> tuple[str, bool]:
        assert isinstance(node.func, ast.Name)  # the checker admits named functions only
        name = node.func.id
        if name == "known":
            argument, unknown = self.write(node.args[0])
            if not unknown:
                return "True", False
            t = next(self.temporaries)
            position = (node.lineno, node.col_offset)
            return (
                f"(True if ({t} := {argument}) is not None else "
                f"{OPEN_KNOWN}(ns, {self.known_reads}, {position!r}))",
                True,
            )
        # Every function returns unknown for an unknown argument (the interpreter's none-safe
        # wrapper), after evaluating all of them.
        return self._strict(node.args, lambda *args: _call(name, args))

    def _BoolOp(self, node: ast.BoolOp) -> tuple[str, bool]:
        # Operands in order; the first known decisive one (False for and, True for or) settles
        # it, else unknown if any was unknown. The result is a bool, as interpreted.
        decisive = isinstance(node.op, ast.Or)
        operands = [self.write(value) for value in node.values]
        if not any(unknown for _, unknown in operands):
            joiner = " or " if decisive else " and "
            return "(" + joiner.join(text for text, _ in operands) + ")", False
        branches: list[str] = []
        unknowns: list[str] = []
        for text, unknown in operands:
            if not unknown:
                test = f"{text}" if decisive else f"not {text}"
            else:
                t = next(self.temporaries)
                unknowns.append(t)
                test = f"({t} := {text}) is not None and {'' if decisive else 'not '}{t}"
            branches.append(f"{decisive} if {test} else ")
        rest = " or ".join(f"{t} is None" for t in unknowns)
        return f"({''.join(branches)}(None if {rest} else {not decisive}))", True

    def _strict(self, nodes: list[ast.expr], combine: Callable[..., str]) -> tuple[str, bool]:
        # Every operand evaluated in order; unknown if any is.
        parts = [self.write(node) for node in nodes]
        if not any(unknown for _, unknown in parts):
            return f"({combine(*(text for text, _ in parts))})", False
        names: list[str] = []
        checks: list[str] = []
        for node, (text, unknown) in zip(nodes, parts, strict=True):
            if not unknown and isinstance(node, ast.Name | ast.Constant | ast.Tuple):
                names.append(text)  # cannot raise: read where it is used
                continue
            # Bound in order, known or not, so that what raises raises where interpreted.
            t = next(self.temporaries)
            names.append(t)
            checks.append(f"(({t} := {text}) is None)")
        # `|` evaluates every check (unlike `or`), so no operand is skipped.
        return f"(None if {' | '.join(checks)} else {combine(*names)})", True


class Rename(ast.NodeTransformer):
    """Names become locals of generated code (`v_<name>`) or constants bound in its scope."""

    def __init__(self, names: frozenset[str], constants: Mapping[str, str]) -> None:
        self.names = names
        self.constants = constants

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.constants:
            return ast.copy_location(ast.Name(id=self.constants[node.id], ctx=ast.Load()), node)
        if node.id in self.names:
            return ast.copy_location(ast.Name(id=f"v_{node.id}", ctx=ast.Load()), node)
        return node


def function_text(tree: ast.expr, names: frozenset[str]) -> str | None:
    """The source of `def kleene(ns)`: the expression `tree` (its decimal literals already bound
    as constants) over the names it reads, three-valued; None where `translate` declines."""
    renamed = Rename(names, {}).visit(tree)
    body = translate(
        renamed,
        maybe_unknown=lambda name: name.startswith("v_"),
        known_reads="_reads",
        temporaries=(f"_t{n}" for n in itertools.count()),
    )
    if body is None:
        return None
    loads = [f"    v_{name} = ns[{name!r}]" for name in sorted(names)]
    return "\n".join(["def kleene(ns):", *loads, f"    return {body}"]) + "\n"
