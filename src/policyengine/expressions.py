"""Pack expressions: checked once at load time, then evaluated many times.

An expression is parsed with Python's `ast`, walked against a whitelist of node types, names and
functions, and type-checked against the fact vocabulary, so that a typo, a call outside the
whitelist, a comparison of an amount with a date or a comparison that contradicts a threshold's
declared boundary is a load error rather than a surprise at run time.

Evaluation has two paths that give the same answer:
- when every name the expression reads is known, the compiled code object runs directly (no
  interpretation per node);
- otherwise the expression is interpreted by a `simpleeval` evaluator extended with three-valued
  (Kleene) logic, so that `False and <unknown>` is still false and anything that depends on an
  unknown fact is `None` (unknown).

A set fact stated as a partial record (`policyengine.partial`) also takes the second path: its
membership tests, `has_any`, `has_all`, `has_only`, `count` and `==` are three-valued there.
"""

from __future__ import annotations

import ast
import calendar
import datetime as dt
import keyword
import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from types import CodeType
from typing import Any, Literal

import simpleeval

from . import partial, threevalued
from .facts import OPEN, FactType
from .partial import PartialSet
from .vocabulary import Vocabulary

MAX_EXPRESSION_LENGTH = 2000
"""Longest expression text accepted."""
MAX_EXPRESSION_NODES = 400
"""Most syntax-tree nodes in one expression."""
MAX_STRING_LITERAL = 200
"""Longest string literal (identifiers are short)."""
MAX_LITERAL_DIGITS = 30
"""Most significant digits in a decimal literal."""
MAX_LITERAL_EXPONENT = 18
"""Largest magnitude of a decimal literal's adjusted exponent: literals lie between 1e-18 and
9.99...e18 in magnitude (zero written with at most 18 decimals)."""
MAX_DATE_STEP = 100_000
"""Most days or months that add_days and add_months move a date, either way."""


class ExpressionError(Exception):
    """An expression is invalid. `column` counts from 1 within the expression text.

    The hint may be given as a function: a suggestion that searches every known name is
    computed only for an error that is reported.
    """

    def __init__(
        self,
        message: str,
        *,
        hint: str | Callable[[], str | None] | None = None,
        column: int | None = None,
    ):
        super().__init__(message)
        self.message = message
        self._hint = hint
        self.column = column

    @property
    def hint(self) -> str | None:
        """How to fix the expression, if there is advice to give."""
        if callable(self._hint):
            self._hint = self._hint()
        return self._hint


@dataclass(frozen=True, slots=True)
class NameInfo:
    """What a name in an expression refers to."""

    role: str  # "fact" | "threshold" | "definition"
    kind: FactType
    vocabulary: type[Vocabulary] | None = None
    upper_side_holds_value: bool | None = None  # thresholds only
    facts: frozenset[str] = frozenset()  # the facts it reads (a fact reads itself)
    # For a definition: how it reads set facts (Reads.members).
    members: Mapping[str, frozenset[str] | None] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class _Type:
    """The static type of a sub-expression."""

    kind: FactType | None  # None: a tuple of literals
    vocabulary: type[Vocabulary] | None = None
    literal: str | None = None  # a string literal's value
    threshold: str | None = None  # a threshold's name
    upper_side_holds_value: bool | None = None
    items: tuple[str, ...] = ()  # a tuple's string literals


# --- functions ------------------------------------------------------------------------------


def _year(day: dt.date) -> int:
    return day.year


def whole_number(value: Any, low: int, high: int, what: str) -> int:
    """`value` as an int, or ValueError when it lies outside [low, high].

    The range is checked before converting: `int()` of a Decimal with a huge exponent takes
    time that grows with the exponent.
    """
    if not low <= value <= high:
        raise ValueError(f"{what} out of range: the limits are {low:,} and {high:,}")
    return int(value)


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day `months` later, or that month's last day (民法典 第二百零二条)."""
    step = whole_number(months, -MAX_DATE_STEP, MAX_DATE_STEP, "months")
    index = day.year * 12 + (day.month - 1) + step
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def _add_days(day: dt.date, days: int) -> dt.date:
    return day + dt.timedelta(days=whole_number(days, -MAX_DATE_STEP, MAX_DATE_STEP, "days"))


def _days_between(start: dt.date, end: dt.date) -> int:
    return (end - start).days


def _known(value: Any) -> bool:
    return value is not None


def _divide(left: Any, right: Any) -> Decimal:
    # `/` is exact: two integers divide as Decimals, never into a binary float (3 / 10 is 0.3).
    return Decimal(left) / Decimal(right)


@dataclass(frozen=True, slots=True)
class _Function:
    implementation: Callable[..., Any]
    arguments: tuple[FactType | None, ...]  # None: any type
    result: FactType | None  # None: same type as the first argument
    variadic: FactType | str | None = None  # type of extra arguments; "literal" for identifiers
    minimum: int | None = None


FUNCTIONS: Mapping[str, _Function] = {
    # Three-valued for a partial set (which only the interpreter sees); plain for a complete one.
    "has_any": _Function(partial.has_any, (FactType.SET,), FactType.BOOL, "literal", 2),
    "has_all": _Function(partial.has_all, (FactType.SET,), FactType.BOOL, "literal", 2),
    "has_only": _Function(partial.has_only, (FactType.SET,), FactType.BOOL, "literal", 2),
    "count": _Function(partial.count, (FactType.SET,), FactType.INT),
    "known": _Function(_known, (None,), FactType.BOOL),
    "min": _Function(min, (None, None), None, "same", 2),
    "max": _Function(max, (None, None), None, "same", 2),
    "year": _Function(_year, (FactType.DATE,), FactType.INT),
    "add_days": _Function(_add_days, (FactType.DATE, FactType.INT), FactType.DATE),
    "add_months": _Function(add_months, (FactType.DATE, FactType.INT), FactType.DATE),
    "days_between": _Function(_days_between, (FactType.DATE, FactType.DATE), FactType.INT),
}
"""The functions an expression may call."""

RESERVED_NAMES: frozenset[str] = frozenset(FUNCTIONS) | frozenset(keyword.kwlist)
"""Names a threshold or definition may not take: a function's name would shadow the function,
and a keyword cannot be written as a name in an expression."""

_DIVIDE = "_divide"
"""The name under which compiled code calls `_divide` (not an identifier a pack can use)."""

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.UAdd,
    ast.BinOp,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.Compare,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Name,
    ast.Load,
    ast.Constant,
    ast.Tuple,
    ast.Call,
)

_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_SYMBOL = threevalued.COMPARISONS


# --- the compiled expression -----------------------------------------------------------------


@dataclass(frozen=True)
class Expression:
    """A checked, compiled expression."""

    source: str
    type: FactType | None
    names: frozenset[str]
    facts: frozenset[str]
    code: CodeType = field(repr=False, compare=False)
    tree: ast.expr = field(repr=False, compare=False)
    constants: Mapping[str, Decimal] = field(repr=False, compare=False)
    scope: dict[str, Any] = field(repr=False, compare=False)
    reads: Reads = field(repr=False, compare=False)
    sets: tuple[str, ...] = field(init=False, repr=False, compare=False)  # reads.sets, at hand
    # As the author wrote it, where `source` (what runs) differs: a question about a member
    # that has narrower members asks about them too (see _NarrowerTerms).
    written: str | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """The expression as its author wrote it."""
        return self.written or self.source

    def __post_init__(self) -> None:
        object.__setattr__(self, "sets", self.reads.sets)

    def evaluate(self, namespace: Mapping[str, Any]) -> Any:
        """Evaluate over `namespace` (facts, thresholds, definitions); None means unknown."""
        for name in self.sets:  # a partial set needs three-valued membership
            if namespace[name].__class__ is PartialSet:
                return _interpreter().run(self, namespace)
        for name in self.names:
            if namespace[name] is None:
                return self._three_valued(namespace)
        # The code was checked against the whitelist at load time; builtins are not reachable.
        return eval(self.code, self.scope, namespace)

    def _three_valued(self, namespace: Mapping[str, Any]) -> Any:
        # Kleene's logic as generated code (policyengine.threevalued), written on first use;
        # the interpreter where the generator declines (a chained comparison).
        function = self.__dict__.get("_kleene")
        if function is None:
            function = _kleene_function(self)
            object.__setattr__(self, "_kleene", function)
        if function is False:
            return _interpreter().run(self, namespace)
        return function(namespace)

    def missing(self, namespace: Mapping[str, Any]) -> list[str]:
        """The facts this expression reads that are unknown in `namespace`, sorted.

        Of a set fact stated as a partial record, the members it asks about and the record
        leaves open are named `<fact>.<member>` (`steps.filing`); the fact itself is named when
        the expression reads the whole set (`count`, `has_only`, `==`).
        """
        missing: list[str] = []
        for name in self.facts:
            value = namespace.get(name)
            if value is None:
                missing.append(name)
            elif value.__class__ is PartialSet:
                asked = self.reads.members.get(name)
                if asked is None:
                    missing.append(name)
                else:
                    missing += (f"{name}.{m}" for m in partial.undecided(value, sorted(asked)))
        return sorted(missing)

    def __reduce__(self) -> tuple[Any, ...]:
        # Code objects do not pickle: rebuild from the checked tree.
        return (
            _rebuild,
            (
                self.source,
                self.type,
                self.names,
                self.facts,
                self.tree,
                self.constants,
                self.reads,
                self.written,
            ),
        )


@dataclass(frozen=True, slots=True)
class Reads:
    """How an expression reads set facts, found when it is checked.

    - `sets`: the names of set type it reads (facts or definitions);
    - `members`: for each set fact, the members it asks about (`'filing' in steps`,
      `has_any(items, ...)`), or None where it reads the whole set;
    - `known`: for each `known(...)` call, by (line, column), the facts its argument reads.
    """

    sets: tuple[str, ...] = ()
    members: Mapping[str, frozenset[str] | None] = field(default_factory=dict)
    known: Mapping[tuple[int, int], frozenset[str]] = field(default_factory=dict)


def _rebuild(
    source: str,
    type_: FactType | None,
    names: frozenset[str],
    facts: frozenset[str],
    tree: ast.expr,
    constants: Mapping[str, Decimal],
    reads: Reads,
    written: str | None = None,
) -> Expression:
    # Re-parse the (already checked) source: literal names come out the same, in the same order.
    compiled = ast.parse(source, mode="eval").body
    compiled = _ExactDivision().visit(_DecimalLiterals({}, source).visit(compiled))
    return Expression(
        source,
        type_,
        names,
        facts,
        _compile_tree(compiled),
        tree,
        constants,
        {**_GLOBALS, **constants},
        reads,
        written,
    )


def _kleene_function(expression: Expression) -> Callable[[Mapping[str, Any]], Any] | Literal[False]:
    """The three-valued function of `expression`, or False where only the interpreter can run it."""
    constants: dict[str, Decimal] = {}
    tree = decimal_literals(expression.source, constants)
    text = threevalued.function_text(tree, expression.names)
    if text is None:
        return False
    scope = {
        **runtime_scope(),
        **constants,
        threevalued.OPEN_KNOWN: threevalued.open_known,
        "_reads": expression.reads.known,
    }
    # Generated from the checked tree: its names, literals bound as constants, fixed helpers.
    exec(compile(text, f"<three-valued {expression.source[:40]!r}>", "exec"), scope)
    function: Callable[[Mapping[str, Any]], Any] = scope["kleene"]
    return function


def runtime_scope() -> dict[str, Any]:
    """The globals compiled expression code runs with: the functions, and no builtins."""
    return {
        "__builtins__": {},
        **{name: spec.implementation for name, spec in FUNCTIONS.items()},
        _DIVIDE: _divide,
    }


_GLOBALS: dict[str, Any] = runtime_scope()


_EXPECTED_HINTS = {
    FactType.BOOL: "a condition must be true or false (compare the value with something)",
    FactType.DATE: "give a date: a step's date (construction_start_date), as_of, or "
    "add_days, add_months, min or max of dates",
    FactType.INT: "a year is a whole number, e.g. plan_year - 1 or year(approval_date)",
}
"""What to write where an expression of the wrong type was given, by the type required."""


_LITERAL_HINTS = {
    "true": "write True (capital T); a fact that must hold is written alone: `in_annual_plan`",
    "false": "write False (capital F), or `not x` for a fact that must not hold",
    "null": "to test whether a fact is known, use known(x); not known(x) for unknown",
    "none": "to test whether a fact is known, use known(x); not known(x) for unknown",
    "nil": "to test whether a fact is known, use known(x); not known(x) for unknown",
}
"""What to write instead of another language's literals, which parse as unknown names."""

_SYNTAX_HINTS = (
    (re.compile(r"[0-9.]\s*万"), "write amounts in yuan without units: 50万 is 500000"),
    (re.compile(r"[0-9.]\s*(?:元|亿)"), "write amounts in yuan without units: 2亿 is 200000000"),
    (re.compile(r"&&|\|\|"), "write `and` and `or` instead of && and ||"),
    (
        re.compile(r"(?<![=!<>])=(?!=)"),
        "compare with == (a single = assigns, which is not allowed)",
    ),
    (re.compile(r"!(?!=)"), "write `not x` instead of !x"),
)
"""Tailored hints for the syntax errors authors make most, checked in order."""

_SYNTAX_HINT = "expressions use Python syntax: and, or, not, ==, >=, in, f(x, ...)"


def _syntax_hint(text: str) -> str:
    """The hint for a syntax error in `text`: the likely mistake, else the syntax in brief."""
    return next((hint for pattern, hint in _SYNTAX_HINTS if pattern.search(text)), _SYNTAX_HINT)


def compile_expression(
    source: str,
    names: Mapping[str, NameInfo],
    *,
    expect: FactType | None = None,
) -> Expression:
    """Check `source` against `names` and compile it. Raises ExpressionError."""
    if not isinstance(source, str) or not source.strip():
        raise ExpressionError("an expression must be a non-empty string")
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"expression is {len(source)} characters; the limit is {MAX_EXPRESSION_LENGTH}",
            hint="split it into definitions",
        )
    text = source.strip()
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(
            "invalid syntax" if exc.msg == "invalid syntax" else f"invalid syntax: {exc.msg}",
            column=exc.offset,
            hint=_syntax_hint(text),
        ) from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression is nested too deeply") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_EXPRESSION_NODES:
        raise ExpressionError(
            f"expression has {len(nodes)} syntax nodes; the limit is {MAX_EXPRESSION_NODES}",
            hint="split it into definitions",
        )
    for node in nodes:
        if not isinstance(node, _ALLOWED_NODES):
            raise ExpressionError(
                f"{_describe(node)} is not allowed in an expression",
                column=_column(node),
                hint="allowed: names, literals, and/or/not, comparisons, in, + - * /, "
                "and the functions " + ", ".join(sorted(FUNCTIONS)),
            )
    checker = _Checker(names, text)
    result = checker.check(tree.body)
    if expect is not None and not _assignable(result, expect):
        raise ExpressionError(
            f"expression gives {_type_name(result)}, but {expect.value} is required here",
            hint=_EXPECTED_HINTS.get(expect),
        )
    written = None
    narrower = _NarrowerTerms(names)
    asked = narrower.visit(tree.body)
    if narrower.changed:
        # Run (and read the members of) the question about the narrower members too.
        written, text = text, ast.unparse(asked)
        tree = ast.parse(text, mode="eval")
        checker = _Checker(names, text)
        checker.check(tree.body)
    constants: dict[str, Decimal] = {}
    body = _ExactDivision().visit(_DecimalLiterals(constants, text).visit(tree.body))
    facts: frozenset[str] = frozenset().union(*(names[name].facts for name in checker.seen))
    code = _compile_tree(body)
    # A second parse is cheaper than a deep copy of the first tree.
    fresh = _DecimalLiterals({}, text).visit(ast.parse(text, mode="eval").body)
    kleene_tree = _ConstantsInline(constants).visit(fresh)
    return Expression(
        source=text,
        type=result.kind,
        names=frozenset(checker.seen),
        facts=facts,
        code=code,
        tree=kleene_tree,
        constants=constants,
        scope={**_GLOBALS, **constants},
        reads=checker.reads(),
        written=written,
    )


class _NarrowerTerms(ast.NodeTransformer):
    """Asks each question about a member of a set of a vocabulary with narrower members about
    those too (`Vocabulary.narrower`): `'hardware' in items` holds for a project that buys a
    server. `in` and `has_any` ask whether the member or a narrower one is there, `has_all`
    asks that of each member, and `has_only` allows the narrower members too."""

    def __init__(self, names: Mapping[str, NameInfo]) -> None:
        self.names = names
        self.changed = False

    def _vocabulary(self, node: ast.expr) -> type[Vocabulary] | None:
        if not isinstance(node, ast.Name):
            return None
        info = self.names.get(node.id)
        return info.vocabulary if info is not None and info.kind is FactType.SET else None

    @staticmethod
    def _kinds(vocabulary: type[Vocabulary], node: ast.expr) -> list[str]:
        if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
            return []
        member = vocabulary._value2member_map_.get(node.value)
        return sorted(m.value for m in member.narrower) if isinstance(member, Vocabulary) else []

    def _expanded(self, vocabulary: type[Vocabulary], nodes: list[ast.expr]) -> list[ast.expr]:
        listed = {n.value for n in nodes if isinstance(n, ast.Constant)}
        out = list(nodes)
        for node in nodes:
            for kind in self._kinds(vocabulary, node):
                if kind not in listed:
                    listed.add(kind)
                    out.append(ast.Constant(kind))
        if len(out) > len(nodes):
            self.changed = True
        return out

    def _has_any(self, collection: ast.expr, members: list[ast.expr]) -> ast.Call:
        return ast.Call(ast.Name("has_any", ast.Load()), [collection, *members], [])

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        if len(node.ops) != 1 or not isinstance(node.ops[0], ast.In | ast.NotIn):
            return node
        vocabulary = self._vocabulary(node.comparators[0])
        if vocabulary is None or not self._kinds(vocabulary, node.left):
            return node
        asked = self._has_any(node.comparators[0], self._expanded(vocabulary, [node.left]))
        return ast.UnaryOp(ast.Not(), asked) if isinstance(node.ops[0], ast.NotIn) else asked

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        name = node.func.id if isinstance(node.func, ast.Name) else None
        if name not in ("has_any", "has_all", "has_only") or not node.args:
            return node
        collection, *members = node.args
        vocabulary = self._vocabulary(collection)
        if vocabulary is None or not any(self._kinds(vocabulary, m) for m in members):
            return node
        if name != "has_all":
            expanded = self._expanded(vocabulary, members)
            if len(expanded) == len(members):  # every kind is listed already
                return node
            return ast.Call(node.func, [collection, *expanded], [])
        self.changed = True
        each: list[ast.expr] = [
            self._has_any(collection, self._expanded(vocabulary, [m])) for m in members
        ]
        return each[0] if len(each) == 1 else ast.BoolOp(ast.And(), each)


def decimal_literals(source: str, constants: dict[str, Decimal]) -> ast.expr:
    """The tree of a checked expression as compiled code runs it: its decimal literals bound as
    names in `constants`, and `/` a call of the exact division (see `runtime_scope`)."""
    tree = ast.parse(source, mode="eval").body
    body: ast.expr = _ExactDivision().visit(_DecimalLiterals(constants, source).visit(tree))
    return body


def kleene(expression: Expression, namespace: Mapping[str, Any]) -> Any:
    """Evaluate with three-valued logic, for a namespace in which some name is unknown."""
    return _interpreter().run(expression, namespace)


def _compile_tree(body: ast.expr) -> CodeType:
    module = ast.Expression(body=body)
    ast.fix_missing_locations(module)
    return compile(module, "<pack expression>", "eval")


class _DecimalLiterals(ast.NodeTransformer):
    """Replace numeric literals with names bound to exact Decimals taken from the source text."""

    def __init__(self, constants: dict[str, Decimal], source: str) -> None:
        self.constants = constants
        self.source = source

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, float):
            name = f"_c{len(self.constants)}"
            self.constants[name] = literal_decimal(self.source, node)
            return ast.copy_location(ast.Name(id=name, ctx=ast.Load()), node)
        return node


class _ExactDivision(ast.NodeTransformer):
    """For compiled code: `a / b` becomes `_divide(a, b)`, as the interpreter divides."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.op, ast.Div):
            return node
        call = ast.Call(
            func=ast.Name(id=_DIVIDE, ctx=ast.Load()), args=[node.left, node.right], keywords=[]
        )
        return ast.copy_location(call, node)


def literal_decimal(source: str, node: ast.Constant) -> Decimal:
    """The exact value of a decimal literal, from its text; ExpressionError when out of range.

    Bounded like integer literals, so that no literal makes arithmetic or a conversion to int
    run long (`int(Decimal("1e1000000"))` takes seconds).
    """
    text = ast.get_source_segment(source, node) or repr(node.value)
    try:
        number = Decimal(text.replace("_", ""))
    except (InvalidOperation, ValueError):
        number = Decimal("NaN")
    if (
        not number.is_finite()
        or len(number.as_tuple().digits) > MAX_LITERAL_DIGITS
        or not -MAX_LITERAL_EXPONENT <= number.adjusted() <= MAX_LITERAL_EXPONENT
    ):
        raise ExpressionError(
            f"number out of range: {_shorten(text)}",
            column=_column(node),
            hint=f"decimal literals have at most {MAX_LITERAL_DIGITS} digits and an exponent "
            f"between -{MAX_LITERAL_EXPONENT} and {MAX_LITERAL_EXPONENT} (1e-18 to 9.9e18)",
        )
    return number


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


class _ConstantsInline(ast.NodeTransformer):
    """For the interpreter: put the Decimal values themselves in the tree."""

    def __init__(self, constants: Mapping[str, Decimal]) -> None:
        self.constants = constants

    def visit_Name(self, node: ast.Name) -> ast.AST:
        if node.id in self.constants:
            constant = ast.Constant(value=self.constants[node.id])  # type: ignore[arg-type]
            return ast.copy_location(constant, node)
        return node


# --- static checking --------------------------------------------------------------------------


class _Checker:
    def __init__(self, names: Mapping[str, NameInfo], source: str) -> None:
        self.names = names
        self.source = source
        self.seen: set[str] = set()
        # Set facts by the node that names them, and the nodes a member test consumes: a set
        # fact named anywhere else is read whole (see Reads).
        self.set_nodes: dict[int, str] = {}
        self.asked: dict[str, set[str] | None] = {}
        self.member_nodes: set[int] = set()
        self.known: dict[tuple[int, int], frozenset[str]] = {}

    def reads(self) -> Reads:
        """How the checked expression reads set facts."""
        members: dict[str, frozenset[str] | None] = {
            name: None if asked is None else frozenset(asked) for name, asked in self.asked.items()
        }
        for node_id, name in self.set_nodes.items():
            if node_id not in self.member_nodes:
                members[name] = None
        for name in self.seen:  # what the definitions it reads ask, added to its own
            for fact, asked in self.names[name].members.items():
                so_far = members.get(fact, frozenset())
                members[fact] = None if so_far is None or asked is None else so_far | asked
        sets = tuple(sorted(name for name in self.seen if self.names[name].kind is FactType.SET))
        return Reads(sets, members, self.known)

    def _ask(self, node: ast.expr, literals: list[str]) -> None:
        """Record that `node`, if it names a set fact, is asked about `literals` only."""
        name = self.set_nodes.get(id(node))
        if name is None:
            return
        self.member_nodes.add(id(node))
        asked = self.asked.setdefault(name, set())
        if asked is not None:
            asked.update(literals)

    def check(self, node: ast.expr) -> _Type:
        method: Callable[[Any], _Type] = getattr(self, f"_{type(node).__name__}")
        return method(node)

    def _Constant(self, node: ast.Constant) -> _Type:
        value = node.value
        if isinstance(value, bool):
            return _Type(FactType.BOOL)
        if isinstance(value, int):
            if abs(value) > 10**18:
                raise ExpressionError("integer literal is too large", column=_column(node))
            return _Type(FactType.INT)
        if isinstance(value, float):
            literal_decimal(self.source, node)  # range-checked here, converted when compiled
            return _Type(FactType.DECIMAL)
        if isinstance(value, str):
            if len(value) > MAX_STRING_LITERAL:
                raise ExpressionError("string literal is too long", column=_column(node))
            return _Type(FactType.STR, literal=value)
        raise ExpressionError(
            f"literal {value!r} is not allowed",
            column=_column(node),
            hint="to test whether a fact is known, use known(x)" if value is None else None,
        )

    def _Name(self, node: ast.Name) -> _Type:
        info = self.names.get(node.id)
        if info is None:
            from ._suggest import did_you_mean

            if node.id in FUNCTIONS:
                raise ExpressionError(f"'{node.id}' is a function; call it", column=_column(node))
            raise ExpressionError(
                f"unknown name '{node.id}'",
                column=_column(node),
                hint=lambda: (
                    _LITERAL_HINTS.get(node.id.lower())
                    or did_you_mean(node.id, self.names)
                    or "names are facts (policyengine.facts.FACTS), thresholds and definitions"
                ),
            )
        self.seen.add(node.id)
        if info.role == "fact" and info.kind is FactType.SET:
            self.set_nodes[id(node)] = node.id
        return _Type(
            info.kind,
            info.vocabulary,
            threshold=node.id if info.role == "threshold" else None,
            upper_side_holds_value=info.upper_side_holds_value,
        )

    def _Tuple(self, node: ast.Tuple) -> _Type:
        items = []
        for element in node.elts:
            if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
                raise ExpressionError(
                    "a tuple may hold only identifiers ('a', 'b', ...)", column=_column(element)
                )
            if len(element.value) > MAX_STRING_LITERAL:
                raise ExpressionError("string literal is too long", column=_column(element))
            items.append(element.value)
        return _Type(None, items=tuple(items))

    def _BoolOp(self, node: ast.BoolOp) -> _Type:
        for value in node.values:
            self._require(value, FactType.BOOL, "and/or operand")
        return _Type(FactType.BOOL)

    def _UnaryOp(self, node: ast.UnaryOp) -> _Type:
        if isinstance(node.op, ast.Not):
            self._require(node.operand, FactType.BOOL, "'not' operand")
            return _Type(FactType.BOOL)
        operand = self.check(node.operand)
        if operand.kind is None or not operand.kind.numeric:
            raise ExpressionError("unary minus needs a number", column=_column(node))
        return _Type(operand.kind)

    def _BinOp(self, node: ast.BinOp) -> _Type:
        left, right = self.check(node.left), self.check(node.right)
        for side in (left, right):
            if side.kind is None or not side.kind.numeric:
                raise ExpressionError(
                    f"arithmetic needs numbers, got {_type_name(side)}",
                    column=_column(node),
                    hint="dates: use add_days, add_months, days_between",
                )
        if isinstance(node.op, ast.Div) or FactType.DECIMAL in (left.kind, right.kind):
            return _Type(FactType.DECIMAL)
        return _Type(FactType.INT)

    def _Compare(self, node: ast.Compare) -> _Type:
        left_node = node.left
        left = self.check(left_node)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = self.check(right_node)
            self._compare(op, left, right, node)
            if isinstance(op, ast.In | ast.NotIn) and left.literal is not None:
                self._ask(right_node, [left.literal])
            left = right
        return _Type(FactType.BOOL)

    def _compare(self, op: ast.cmpop, left: _Type, right: _Type, node: ast.AST) -> None:
        symbol = _SYMBOL[type(op)]
        if isinstance(op, ast.In | ast.NotIn):
            self._membership(left, right, node)
            return
        self._threshold_consistent(op, left, right, node)
        if isinstance(op, _ORDERING):
            if not (_both_numeric(left, right) or _both(left, right, FactType.DATE)):
                raise ExpressionError(
                    f"cannot order {_type_name(left)} {symbol} {_type_name(right)}",
                    column=_column(node),
                    hint="ordering compares two numbers or two dates",
                )
            return
        # == and !=
        if _both_numeric(left, right) or (
            left.kind == right.kind
            and left.kind is not None
            and left.kind not in (FactType.ENUM, FactType.STR)
        ):
            return
        enum_side, literal_side = (left, right) if left.kind == FactType.ENUM else (right, left)
        if enum_side.kind == FactType.ENUM and literal_side.literal is not None:
            _check_member(enum_side.vocabulary, literal_side.literal, node)
            return
        if left.kind == FactType.STR and right.kind == FactType.STR:
            return
        raise ExpressionError(
            f"cannot compare {_type_name(left)} {symbol} {_type_name(right)}",
            column=_column(node),
        )

    def _membership(self, left: _Type, right: _Type, node: ast.AST) -> None:
        if right.kind == FactType.SET and left.literal is not None:
            _check_member(right.vocabulary, left.literal, node)
            return
        if right.kind is None and left.kind == FactType.ENUM:
            for item in right.items:
                _check_member(left.vocabulary, item, node)
            return
        if right.kind is None and left.kind == FactType.STR:
            return
        raise ExpressionError(
            f"'in' needs an identifier and a set fact, or an enum fact and a tuple; "
            f"got {_type_name(left)} in {_type_name(right)}",
            column=_column(node),
            hint="e.g. 'machine_room' in items, or owner_type in ('school', 'medical_institution')",
        )

    def _threshold_consistent(
        self, op: ast.cmpop, left: _Type, right: _Type, node: ast.AST
    ) -> None:
        if left.threshold is None and right.threshold is None:
            return
        if left.threshold is not None and right.threshold is not None:
            raise ExpressionError(
                "comparing two thresholds is not meaningful", column=_column(node)
            )
        if isinstance(op, ast.Eq | ast.NotEq):
            raise ExpressionError(
                "a threshold is compared with an ordering (<, <=, >, >=), not == or !=",
                column=_column(node),
            )
        # Normalise to "value OP threshold".
        threshold = right if right.threshold is not None else left
        op_type = type(op) if right.threshold is not None else _MIRROR[type(op)]
        upper_holds = threshold.upper_side_holds_value
        allowed = (ast.GtE, ast.Lt) if upper_holds else (ast.Gt, ast.LtE)
        if op_type not in allowed:
            words = "is reached by" if upper_holds else "is not reached by"
            raise ExpressionError(
                f"'{_SYMBOL[op_type]}' contradicts threshold '{threshold.threshold}': its boundary "
                f"value {words} the number itself",
                column=_column(node),
                hint="use "
                + " or ".join(f"'{_SYMBOL[a]}'" for a in allowed)
                + ", or change the threshold's boundary if the law says otherwise",
            )

    def _Call(self, node: ast.Call) -> _Type:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise ExpressionError(
                f"function '{name}' is not allowed",
                column=_column(node),
                hint="allowed functions: " + ", ".join(sorted(FUNCTIONS)),
            )
        if node.keywords:
            raise ExpressionError("keyword arguments are not allowed", column=_column(node))
        spec = FUNCTIONS[node.func.id]
        name = node.func.id
        args = node.args
        fixed = len(spec.arguments)
        if spec.variadic is None and len(args) != fixed:
            raise ExpressionError(f"{name}() takes {fixed} argument(s)", column=_column(node))
        if spec.minimum is not None and len(args) < spec.minimum:
            raise ExpressionError(
                f"{name}() takes at least {spec.minimum} arguments", column=_column(node)
            )
        types = [self.check(arg) for arg in args]
        for arg_type, wanted in zip(types, spec.arguments, strict=False):
            if wanted is not None and not _assignable(arg_type, wanted):
                raise ExpressionError(
                    f"{name}() expects {wanted.value}, got {_type_name(arg_type)}",
                    column=_column(node),
                )
        if spec.variadic == "literal":
            vocabulary = types[0].vocabulary
            literals = []
            for extra in types[fixed:]:
                if extra.literal is None:
                    raise ExpressionError(
                        f"{name}() takes identifiers after the set", column=_column(node)
                    )
                _check_member(vocabulary, extra.literal, node)
                literals.append(extra.literal)
            if name in _MEMBER_TESTS:
                self._ask(args[0], literals)
        if name == "known":
            reads = (
                self.names[n.id].facts
                for n in ast.walk(args[0])
                if isinstance(n, ast.Name) and n.id in self.names  # not a function's name
            )
            self.known[(node.lineno, node.col_offset)] = frozenset().union(*reads)
        if spec.variadic == "same":
            first = types[0]
            if first.kind is None or not (first.kind.numeric or first.kind == FactType.DATE):
                raise ExpressionError(f"{name}() needs numbers or dates", column=_column(node))
            for other in types[1:]:
                if not (_both_numeric(first, other) or _both(first, other, FactType.DATE)):
                    raise ExpressionError(
                        f"{name}() arguments must all be numbers or all be dates",
                        column=_column(node),
                    )
        if spec.result is None:
            return _Type(types[0].kind)
        return _Type(spec.result)

    def _require(self, node: ast.expr, wanted: FactType, what: str) -> None:
        got = self.check(node)
        if got.kind != wanted:
            raise ExpressionError(
                f"{what} must be true/false, got {_type_name(got)}",
                column=_column(node),
                hint="compare the value with something, e.g. total_investment >= some_threshold",
            )


_MEMBER_TESTS = frozenset({"has_any", "has_all"})
"""Functions whose answer turns on the members named only (has_only reads the whole set)."""

_MIRROR: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.Gt,
    ast.LtE: ast.GtE,
    ast.Gt: ast.Lt,
    ast.GtE: ast.LtE,
    ast.Eq: ast.Eq,
    ast.NotEq: ast.NotEq,
}


def _check_member(vocabulary: type[Vocabulary] | None, literal: str, node: ast.AST) -> None:
    if vocabulary is None:
        return
    if literal not in vocabulary._value2member_map_:
        from ._suggest import did_you_mean

        raise ExpressionError(
            f"'{literal}' is not a {vocabulary.__name__} identifier",
            column=_column(node),
            hint=did_you_mean(literal, [m.value for m in vocabulary])
            or f"see policyengine.vocabulary.{vocabulary.__name__}",
        )


def _both_numeric(a: _Type, b: _Type) -> bool:
    return a.kind is not None and b.kind is not None and a.kind.numeric and b.kind.numeric


def _both(a: _Type, b: _Type, kind: FactType) -> bool:
    return a.kind == kind and b.kind == kind


def _assignable(got: _Type, wanted: FactType) -> bool:
    if got.kind == wanted:
        return True
    # An integer widens to a decimal; a decimal never narrows to an integer (days, months, a
    # year): converting one with a huge exponent to int takes unbounded time.
    return wanted is FactType.DECIMAL and got.kind is FactType.INT


def _type_name(t: _Type) -> str:
    if t.kind is None:
        return "a tuple"
    if t.literal is not None:
        return f"the string '{t.literal}'"
    if t.vocabulary is not None:
        return f"{t.kind.value} of {t.vocabulary.__name__}"
    return t.kind.value


def _describe(node: ast.AST) -> str:
    names = {
        "Attribute": "attribute access (x.y)",
        "Subscript": "indexing (x[i])",
        "Lambda": "a lambda",
        "ListComp": "a comprehension",
        "SetComp": "a comprehension",
        "DictComp": "a comprehension",
        "GeneratorExp": "a generator",
        "Pow": "the power operator (**)",
        "IfExp": "a conditional expression (a if c else b)",
        "NamedExpr": "assignment (:=)",
        "JoinedStr": "an f-string",
        "List": "a list",
        "Dict": "a dict",
        "Set": "a set literal",
        "Starred": "unpacking (*x)",
        "Await": "await",
    }
    kind = type(node).__name__
    return names.get(kind, f"'{kind}'")


def _column(node: ast.AST) -> int | None:
    offset = getattr(node, "col_offset", None)
    return offset + 1 if isinstance(offset, int) else None


# --- three-valued interpretation --------------------------------------------------------------


class _KleeneEval(simpleeval.SimpleEval):  # type: ignore[misc]
    """simpleeval with unknown (None) propagated by Kleene's strong three-valued logic."""

    def __init__(self) -> None:
        functions = {name: _none_safe(spec.implementation) for name, spec in FUNCTIONS.items()}
        functions["known"] = _known
        operators = {**simpleeval.DEFAULT_OPERATORS, ast.Div: _divide}
        super().__init__(operators=operators, functions=functions, names={})
        self.nodes[ast.Tuple] = self._eval_tuple

    known_reads: Mapping[tuple[int, int], frozenset[str]] = {}

    def run(self, expression: Expression, namespace: Mapping[str, Any]) -> Any:
        self.names = namespace
        self.known_reads = expression.reads.known
        try:
            return self.eval(expression.source, previously_parsed=expression.tree)
        finally:
            self.names = {}

    def _eval_tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return tuple(self._eval(element) for element in node.elts)

    def _eval_boolop(self, node: ast.BoolOp) -> bool | None:
        unknown = False
        decisive = isinstance(node.op, ast.Or)  # the value that settles the whole: True for or
        for value_node in node.values:
            value = self._eval(value_node)
            if value is None:
                unknown = True
            elif bool(value) is decisive:
                return decisive
        return None if unknown else not decisive

    def _eval_unaryop(self, node: ast.UnaryOp) -> Any:
        operand = self._eval(node.operand)
        if operand is None:
            return None
        if isinstance(node.op, ast.Not):
            return not operand
        return -operand if isinstance(node.op, ast.USub) else +operand

    def _eval_binop(self, node: ast.BinOp) -> Any:
        left, right = self._eval(node.left), self._eval(node.right)
        if left is None or right is None:
            return None
        return self.operators[type(node.op)](left, right)

    def _eval_compare(self, node: ast.Compare) -> bool | None:
        left = self._eval(node.left)
        unknown = False
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self._eval(comparator)
            if left is None or right is None:
                unknown = True
            elif left.__class__ is PartialSet or right.__class__ is PartialSet:
                holds = _partial_compare(op, left, right)
                if holds is None:
                    unknown = True
                elif not holds:
                    return False
            elif not self.operators[type(op)](left, right):
                return False
            left = right
        return None if unknown else True

    def _eval_call(self, node: ast.Call) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id == "known":
            return self._known(node)
        return super()._eval_call(node)

    def _known(self, node: ast.Call) -> bool | None:
        # A fact a partial steps record leaves open (the date of a step it does not mention)
        # may or may not have a value: known() of it is unknown, not false.
        if self._eval(node.args[0]) is not None:
            return True
        open_facts = self.names.get(OPEN)
        if not open_facts:
            return False
        reads = self.known_reads.get((node.lineno, node.col_offset), open_facts)
        return None if reads & open_facts else False


def _partial_compare(op: ast.cmpop, left: Any, right: Any) -> bool | None:
    """`left op right` where a side is a partial set (the checker allows in, not in, ==, !=)."""
    if isinstance(op, ast.In):
        return partial.member(right, left)
    if isinstance(op, ast.NotIn):
        holds = partial.member(right, left)
        return None if holds is None else not holds
    equal = partial.equal(left, right)
    if isinstance(op, ast.Eq) or equal is None:
        return equal
    return not equal


def _none_safe(function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any) -> Any:
        if any(arg is None for arg in args):
            return None
        return function(*args)

    wrapper.__name__ = getattr(function, "__name__", "function")
    return wrapper


_local = threading.local()


def _interpreter() -> _KleeneEval:
    # simpleeval keeps per-call state on the instance: one evaluator per thread.
    evaluator: _KleeneEval | None = getattr(_local, "evaluator", None)
    if evaluator is None:
        evaluator = _KleeneEval()
        _local.evaluator = evaluator
    return evaluator


@dataclass(frozen=True, slots=True)
class TraceStep:
    """The value of one sub-expression, at a nesting depth (0 = the whole expression)."""

    depth: int
    text: str
    value: Any


def trace(expression: Expression, namespace: Mapping[str, Any]) -> list[TraceStep]:
    """Every sub-expression of `expression` with its (three-valued) value, outermost first."""
    source = expression.source
    tree = ast.parse(source, mode="eval").body
    body = _ConstantsInline(expression.constants).visit(_DecimalLiterals({}, source).visit(tree))
    evaluator = _KleeneEval()
    evaluator.names = namespace
    evaluator.known_reads = expression.reads.known
    evaluator.expr = source
    steps: list[TraceStep] = []

    def visit(node: ast.expr, depth: int) -> None:
        if isinstance(node, ast.Constant | ast.Tuple):
            return
        text = ast.get_source_segment(source, node) or ast.unparse(node)
        steps.append(TraceStep(depth, text, evaluator._eval(node)))
        children = node.args if isinstance(node, ast.Call) else list(ast.iter_child_nodes(node))
        for child in children:
            if isinstance(child, ast.expr):
                visit(child, depth + 1)

    visit(body, 0)
    return steps
