"""A pack compiled, per stage, into one generated Python function that decides every rule.

The interpreter in `evaluator` walks the rules one object at a time. For the many-projects case
the same decisions are made by a function generated once per (pack, stage): every fact is read
into a local variable, every checked expression is inlined as Python code, each decision table
chooses its band, and each rule becomes a few lines that set its status. The scope has a function
of its own (`compile_scope`), run first, so that a project out of scope is told apart from the
few facts the scope reads.

Three-valued logic is kept exactly. An expression whose names are all known runs as plain
Python, which computes what the three-valued code computes then (set tests against constant
frozensets of the members named); one that reads an unknown fact runs as generated three-valued
code (`policyengine.threevalued`); one that reads a set stated as a partial record is handed to
the Kleene interpreter, as the interpreter does.

Only expressions that passed the loader's whitelist reach the generator, and every name in the
generated text is an identifier the loader checked; nothing else is interpolated.
"""

from __future__ import annotations

import ast
import datetime as dt
import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from .calendar import CalendarUnavailable
from .deadlines import Judged, judge_deadline
from .expressions import Expression, decimal_literals, kleene, runtime_scope
from .facts import FACTS, FactType
from .pack import (
    AcceptanceFailure,
    Deadline,
    ProhibitedItems,
    RequiredDocuments,
    Rule,
    Severity,
)
from .partial import PartialSet, undecided
from .threevalued import OPEN_KNOWN, Rename, open_known, translate
from .verdict import DeadlineState, Status
from .vocabulary import Document, Item, Stage

if TYPE_CHECKING:
    from .loader import CompiledPack, CompiledRule, CompiledTable

PASS, FAIL, UNKNOWN, NOT_APPLICABLE, ERROR = range(5)
"""Rule outcomes as the generated code returns them (indexes into STATUSES)."""
STATUSES: tuple[Status, ...] = (
    Status.PASS,
    Status.FAIL,
    Status.UNKNOWN,
    Status.NOT_APPLICABLE,
    Status.ERROR,
)

Band = tuple[Status, int | None, Decimal | None, Expression | None]
"""A decision table's status, the index of the band it chose, its input amount, and the
expression that was unknown (see `evaluator.choose_band`)."""

Outcome = tuple[list[int], list[Any], list[Any], list[Band]]
"""Per active rule: its outcome code; its detail (documents known missing; (items found, index of
the exception that applied, indexes of the exceptions whose facts are unknown); a DeadlineResult)
or None; and, for other rules with exceptions, (index of the exception that applied, indexes of
the exceptions assumed not to apply) or None.

Of a rule left unknown, the detail says why, so that its finding can name the missing facts
without deciding the rule again: the `Expression` (its `when`, source gap or test) that was
unknown; `SOURCE_GAP` where the source itself cannot decide the case; for a list of documents or
of items, the members a partial record leaves open, or None where the list is unknown.

Last, per decision table due at the stage (`Program.tables`), its `Band`."""

SOURCE_GAP = "source gap"
"""The detail of a rule whose source gap holds: the source itself cannot decide the case."""


@dataclass(frozen=True)
class Program:
    """The rules active at one stage, and the generated function that decides them.

    `run(namespace, steps, as_of)` returns the outcomes, or None when a definition raised (the
    caller then takes the interpreter, which reports which definition failed).
    """

    rules: tuple[CompiledRule, ...]
    run: Callable[[dict[str, Any], Any, dt.date], Outcome | None]
    source: str
    ids: tuple[str, ...] = ()
    """The rules' ids, in order."""
    decisive: tuple[int, ...] = ()
    """The rules of severity error: they decide the verdict's status."""
    documents: tuple[int, ...] = ()
    """The rules requiring documents: a failure lists them as missing."""
    waivable: tuple[int, ...] = ()
    """The rules of severity warning (duties in principle): a stated justification waives them."""
    attesting: tuple[int, ...] = ()
    """The rules that read a judgement (`project.ATTESTATIONS`): a verdict states those relied on."""
    tables: tuple[CompiledTable, ...] = ()
    """The decision tables due at the stage, in pack order."""


def active_rules(pack: CompiledPack, stage: Stage | None) -> tuple[CompiledRule, ...]:
    """The rules due at `stage` (None: every stage), in pack order.

    A duty falls due at its rule's `due_from` stage and stays due at every later one.
    """
    if stage is None:
        return pack.rules
    return tuple(rule for rule in pack.rules if rule.spec.due_from.rank <= stage.rank)


def compile_program(pack: CompiledPack, stage: Stage | None) -> Program:
    """Generate and compile the decision function of `pack` at `stage`."""
    rules = active_rules(pack, stage)
    tables = tuple(t for t in pack.tables if due(t.spec.due_from, stage))
    generator = _Generator(pack)
    source = generator.function(rules, tables)
    scope = generator.scope()
    code = compile(source, f"<pack {pack.id}: {stage.value if stage else 'all stages'}>", "exec")
    exec(code, scope)  # the text was generated from checked trees only (see the module doc)
    return Program(
        rules,
        scope["decide"],
        source,
        ids=tuple(rule.id for rule in rules),
        decisive=_indexes(rules, lambda rule: rule.spec.severity is Severity.ERROR),
        documents=_indexes(rules, lambda rule: isinstance(rule.spec, RequiredDocuments)),
        waivable=_indexes(rules, lambda rule: rule.spec.severity is Severity.WARNING),
        attesting=_indexes(rules, lambda rule: bool(rule.attested)),
        tables=tables,
    )


def due(due_from: Stage | None, stage: Stage | None) -> bool:
    """Whether a duty or table due from `due_from` is due at `stage`: from its stage on; with no
    stage known, every duty is checked."""
    return stage is None or due_from is None or due_from.rank <= stage.rank


ScopeWalk = tuple[bool | None, int | None, list[int]]
"""In scope or not (None: undecided); the index of the exclusion that took the project out, else
None; the indexes of the exclusions whose facts are unknown (see `evaluator._walk_scope`)."""


def compile_scope(pack: CompiledPack) -> Callable[[dict[str, Any]], ScopeWalk | None]:
    """Generate and compile the scope of `pack`: its definitions, exclusions and `applies_when`
    in one function of the namespace of the scope's facts, which returns the walk of the scope
    as the interpreter's `_walk_scope` does (the date the regulation came into force apart), or
    None when a definition raised (the caller then takes the interpreter)."""
    generator = _Generator(pack)
    source = generator.scope_function()
    scope = generator.scope()
    exec(compile(source, f"<pack {pack.id}: scope>", "exec"), scope)  # see the module doc
    function: Callable[[dict[str, Any]], ScopeWalk | None] = scope["walk"]
    return function


class _SetCalls(ast.NodeTransformer):
    """`has_any`, `has_all` and `has_only` of literal members as operations on a constant
    frozenset of them, for plain code only: its sets are known and complete, where these are
    the same tests (`policyengine.partial`) without a call per member."""

    _TESTS = frozenset({"has_any", "has_all", "has_only"})

    def __init__(self, constant: Callable[[frozenset[str]], str]) -> None:
        self.constant = constant

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.func, ast.Name) or node.func.id not in self._TESTS:
            return node
        collection, *members = node.args
        named = [m.value for m in members if isinstance(m, ast.Constant)]
        values = frozenset(v for v in named if isinstance(v, str))
        if not members or len(named) != len(members) or len(values) != len(set(named)):
            return node  # a member that is not a literal name: left as the call
        name = ast.Name(self.constant(values), ast.Load())

        def method(method: str) -> ast.Call:
            return ast.Call(ast.Attribute(name, method, ast.Load()), [collection], [])

        if node.func.id == "has_any":
            return ast.UnaryOp(ast.Not(), method("isdisjoint"))
        if node.func.id == "has_all":
            return method("issubset")
        # An empty set does not consist only of the members (see `partial.has_only`).
        nonempty = ast.Call(ast.Name("_nonempty", ast.Load()), [collection], [])
        return ast.BoolOp(ast.And(), [nonempty, method("issuperset")])


def _indexes(
    rules: Sequence[CompiledRule], test: Callable[[CompiledRule], bool]
) -> tuple[int, ...]:
    return tuple(k for k, rule in enumerate(rules) if test(rule))


def deadline_outcome(
    rule: CompiledRule, namespace: Mapping[str, Any], steps: Any, as_of: dt.date
) -> tuple[int, Judged | None, list[str]]:
    """A deadline rule's outcome, its judged deadline and the facts it lacked.

    Used by the generated code and by the interpreter alike.
    """
    judged, missing = judge_deadline(rule, namespace, steps, as_of)
    if judged is None:
        return UNKNOWN, None, missing
    return _STATE_OUTCOMES[judged.state], judged, missing


_STATE_OUTCOMES = {
    DeadlineState.MET: PASS,
    DeadlineState.LATE: FAIL,
    DeadlineState.EARLY: FAIL,
    DeadlineState.OVERDUE: FAIL,
    DeadlineState.PENDING: UNKNOWN,  # not yet due: undecided, though nothing is missing
    DeadlineState.UNKNOWN: UNKNOWN,
}


def missing_documents(
    present: frozenset[Document], required: Sequence[Document | tuple[Document, ...]]
) -> list[Document]:
    """The required documents absent from `present` (for alternatives, the first one named)."""
    missing: list[Document] = []
    for requirement in required:
        if isinstance(requirement, tuple):
            if not any(document in present for document in requirement):
                missing.append(requirement[0])
        elif requirement not in present:
            missing.append(requirement)
    return missing


def partially_missing(
    documents: PartialSet, required: Sequence[Document | tuple[Document, ...]]
) -> tuple[list[Document], list[Document]]:
    """The required documents known absent (for alternatives all absent, the first one named),
    and those the partial record leaves undecided (for alternatives none present and not all
    absent, each undecided one), in the order required."""
    missing: list[Document] = []
    open_: list[Document] = []
    for requirement in required:
        alternatives = requirement if isinstance(requirement, tuple) else (requirement,)
        answers = [documents.contains(document) for document in alternatives]
        if True in answers:
            continue
        if None in answers:
            open_ += (d for d, a in zip(alternatives, answers, strict=True) if a is None)
        else:
            missing.append(alternatives[0])
    return missing, open_


def partially_found(items: PartialSet, prohibited: Sequence[Item]) -> tuple[list[Item], list[Item]]:
    """The prohibited items known present, and those the partial record leaves undecided."""
    return [item for item in prohibited if items.contains(item)], undecided(items, prohibited)


# --- code generation ----------------------------------------------------------------------


class _Generator:
    """Writes the source of one decision function; collects the constants it refers to."""

    def __init__(self, pack: CompiledPack) -> None:
        self.pack = pack
        self.constants: dict[str, Any] = {}
        self.expressions: list[Expression] = []
        self.indexes: dict[int, int] = {}
        self.loaded: set[str] = set()
        self.records: set[str] = set()  # documents, items: read by rule bodies as stated
        self.definition_names = {name for name, _ in pack.definitions}
        self.thresholds = frozenset(pack.thresholds)
        self.temporaries = (f"_t{n}" for n in itertools.count())

    def scope(self) -> dict[str, Any]:
        return {
            **runtime_scope(),
            **self.constants,
            "_kleene": kleene,
            OPEN_KNOWN: open_known,
            "_E": tuple(self.expressions),
            "_missing_documents": missing_documents,
            "_partially_missing": partially_missing,
            "_partially_found": partially_found,
            "_PartialSet": PartialSet,
            "_deadline": deadline_outcome,
            "_CalendarUnavailable": CalendarUnavailable,
            "_nonempty": bool,
            "_Decimal": Decimal,
            "_PASS": Status.PASS,
            "_NOT_APPLICABLE": Status.NOT_APPLICABLE,
            "_UNKNOWN": Status.UNKNOWN,
            "_ERROR": Status.ERROR,
            "Exception": Exception,
        }

    def function(self, rules: Sequence[CompiledRule], tables: Sequence[CompiledTable]) -> str:
        definitions = [self._definition(name, expr) for name, expr in self.pack.definitions]
        blocks = [self._table(t, table) for t, table in enumerate(tables)]
        blocks += [self._rule(k, rule) for k, rule in enumerate(rules)]
        for k, rule in enumerate(rules):
            self.constants[f"_R{k}"] = rule
        loads = self._loads()
        lines = [
            "def decide(ns, steps, as_of):",
            f"    out = [{NOT_APPLICABLE}] * {len(rules)}",
            f"    detail = [None] * {len(rules)}",
            f"    note = [None] * {len(rules)}",
            f"    bands = [None] * {len(tables)}",
            *loads,
            *[line for block in definitions for line in block],
            *[line for block in blocks for line in block],
            "    return out, detail, note, bands",
        ]
        return "\n".join(lines) + "\n"

    def scope_function(self) -> str:
        """The scope: an exclusion takes a project out only when it holds; one whose facts are
        unknown, or that raises, is assumed not to apply; the positive condition must hold."""
        body = [
            line
            for name, expr in self.pack.scope_definitions
            for line in self._definition(name, expr)
        ]
        body.append("    unknown = []")
        for index, (_, expr) in enumerate(self.pack.exclusions):
            body += [
                "    try:",
                f"        e = {self.expression(expr)}",
                "    except Exception:",
                "        e = None",
                "    if e is True:",
                f"        return False, {index}, []",
                "    if e is None:",
                f"        unknown.append({index})",
            ]
        if self.pack.applies_when is not None:
            body += [
                "    try:",
                f"        a = {self.expression(self.pack.applies_when)}",
                "    except Exception:",
                "        a = None",
                "    if a is False or a is None:",
                "        return a, None, unknown",
            ]
        body.append("    return True, None, unknown")
        lines = ["def walk(ns):", *self._loads(), *body]
        return "\n".join(lines) + "\n"

    def _loads(self) -> list[str]:
        # Loads come first but are known only once every expression has been generated.
        loads = [f"    v_{name} = ns[{name!r}]" for name in sorted(self.loaded)]
        for name in sorted(self.loaded | self.records):
            if name in FACTS and FACTS[name].kind is FactType.SET:
                loads.append(f"    p_{name} = ns[{name!r}].__class__ is _PartialSet")
        loads += [f"    r_{name} = ns[{name!r}]" for name in sorted(self.records)]
        return loads

    # expressions ---------------------------------------------------------------------------

    def expression(self, expr: Expression) -> str:
        """Python text for `expr`, three-valued (`policyengine.threevalued`); an expression that
        reads a set stated as a partial record is handed to the interpreter."""
        index = self.index(expr)
        local: dict[str, Decimal] = {}
        tree = decimal_literals(expr.source, local)
        renamed = Rename(expr.names, {name: f"_c{index}_{name}" for name in local}).visit(tree)
        for name, value in local.items():
            self.constants[f"_c{index}_{name}"] = value
        self.loaded.update(name for name in expr.names if name not in self.definition_names)
        partial = " or ".join(f"p_{name}" for name in sorted(expr.sets))
        # Thresholds are always known; facts and definitions may not be.
        text = translate(
            renamed,
            maybe_unknown=lambda name: name.startswith("v_") and name[2:] not in self.thresholds,
            known_reads=f"_E[{index}].reads.known",
            temporaries=self.temporaries,
        )
        # Plain Python when every name is known (most projects state most facts): it computes
        # what the three-valued code does then, in the same order, with fewer steps.
        unknowable = sorted(name for name in expr.names if name not in self.thresholds)
        checks = [f"v_{name} is None" for name in unknowable]
        guard = " or ".join([*checks, partial] if partial else checks)
        plain = f"({ast.unparse(_SetCalls(self.constant).visit(renamed))})"
        if not guard:
            return plain
        if text is None:  # declined (a chained comparison): interpreted when a name is unknown
            return f"(_kleene(_E[{index}], ns) if ({guard}) else {plain})"
        if partial:
            text = f"(_kleene(_E[{index}], ns) if ({partial}) else {text})"
        return f"({text} if ({guard}) else {plain})"

    def constant(self, value: frozenset[str] | Decimal) -> str:
        """The name of a constant holding `value` in the generated code's scope."""
        name = f"_K{len(self.constants)}"
        self.constants[name] = value
        return name

    def index(self, expr: Expression) -> int:
        """The index of `expr` in the generated code's table of expressions (`_E`)."""
        index = self.indexes.get(id(expr))
        if index is None:
            index = self.indexes[id(expr)] = len(self.expressions)
            self.expressions.append(expr)
        return index

    def _definition(self, name: str, expr: Expression) -> list[str]:
        # A definition that raises sends the whole project to the interpreter (return None),
        # which reports the rules that read it as errors.
        lines = [
            "    try:",
            f"        v_{name} = ns[{name!r}] = {self.expression(expr)}",
            "    except Exception:",
            "        return None",
        ]
        if expr.type is FactType.SET:
            lines.append(f"    p_{name} = v_{name}.__class__ is _PartialSet")
        return lines

    # decision tables -----------------------------------------------------------------------

    def _table(self, t: int, table: CompiledTable) -> list[str]:
        """The band of table `t`, as `evaluator.choose_band` chooses it: a `when` or `input`
        that raises makes its status an error."""
        lines = ["    try:"]
        indent = "        "
        if table.when is not None:
            lines += [
                f"        w = {self.expression(table.when)}",
                "        if w is False:",
                f"            bands[{t}] = (_NOT_APPLICABLE, None, None, None)",
                "        elif w is None:",
                f"            bands[{t}] = (_UNKNOWN, None, None, _E[{self.index(table.when)}])",
                "        else:",
            ]
            indent = "            "
        chosen = "".join(
            f"(_PASS, {index}, a, None) if {self._within(bounds)} else "
            for index, bounds in enumerate(table.bounds)
        )
        body = [
            f"x = {self.expression(table.input)}",
            "if x is None:",
            f"    bands[{t}] = (_UNKNOWN, None, None, _E[{self.index(table.input)}])",
            "else:",
            "    a = _Decimal(x)",
            f"    bands[{t}] = {chosen}(_NOT_APPLICABLE, None, a, None)",
        ]
        lines += [indent + line for line in body]
        lines += ["    except Exception:", f"        bands[{t}] = (_ERROR, None, None, None)"]
        return lines

    def _within(
        self, bounds: tuple[Decimal | None, bool | None, Decimal | None, bool | None]
    ) -> str:
        """The test that the amount `a` lies in a band (`evaluator._within`)."""
        low, low_inclusive, high, high_inclusive = bounds
        tests = []
        if low is not None:
            tests.append(
                f"a >= {self.constant(low)}" if low_inclusive else f"a > {self.constant(low)}"
            )
        if high is not None:
            tests.append(
                f"a <= {self.constant(high)}" if high_inclusive else f"a < {self.constant(high)}"
            )
        return "(" + (" and ".join(tests) or "True") + ")"

    # rules ---------------------------------------------------------------------------------

    def _rule(self, k: int, rule: CompiledRule) -> list[str]:
        body = self._body(k, rule)
        lines = ["    try:"]
        depth = 2
        if rule.when is not None:
            lines += [
                f"        w = {self.expression(rule.when)}",
                "        if w is False:",
                f"            out[{k}] = {NOT_APPLICABLE}",
                "        elif w is None:",
                f"            out[{k}] = {UNKNOWN}",
                f"            detail[{k}] = _E[{self.index(rule.when)}]",
                "        else:",
            ]
            depth = 3
        lines += [("    " * depth) + line for line in body]
        if rule.exceptions and not isinstance(rule.spec, ProhibitedItems):
            lines += self._exceptions(k, rule)
        if isinstance(rule.spec, Deadline):
            lines += ["    except _CalendarUnavailable:", f"        out[{k}] = {UNKNOWN}"]
        lines += ["    except Exception:", f"        out[{k}] = {ERROR}"]
        return lines

    def _body(self, k: int, rule: CompiledRule) -> list[str]:
        spec = rule.spec
        if isinstance(spec, RequiredDocuments):
            self.records.add("documents")
            return [
                "if r_documents is None:",
                f"    out[{k}] = {UNKNOWN}",
                "elif p_documents:",
                f"    m, o = _partially_missing(r_documents, _R{k}.documents)",
                f"    out[{k}] = {FAIL} if m else {UNKNOWN} if o else {PASS}",
                f"    detail[{k}] = m or o",
                "else:",
                f"    m = _missing_documents(r_documents, _R{k}.documents)",
                f"    out[{k}] = {FAIL} if m else {PASS}",
                f"    detail[{k}] = m",
            ]
        if isinstance(spec, ProhibitedItems):
            return self._prohibited(k, rule)
        if isinstance(spec, Deadline):
            return [
                f"s, d, _ = _deadline(_R{k}, ns, steps, as_of)",
                f"out[{k}] = s",
                f"detail[{k}] = d",
            ]
        assert rule.test is not None
        lines: list[str] = []
        indent = ""
        if isinstance(spec, Rule) and rule.gap is not None:
            lines += [
                f"g = {self.expression(rule.gap)}",
                "if g is None:",
                f"    out[{k}] = {UNKNOWN}",
                f"    detail[{k}] = _E[{self.index(rule.gap)}]",
                "elif g:",
                f"    out[{k}] = {UNKNOWN}",
                f"    detail[{k}] = {SOURCE_GAP!r}",
                "else:",
            ]
            indent = "    "
        holds = "t" if isinstance(spec, Rule) else "not t"
        assert isinstance(spec, Rule | AcceptanceFailure)
        lines += [
            f"{indent}t = {self.expression(rule.test)}",
            f"{indent}if t is None:",
            f"{indent}    out[{k}] = {UNKNOWN}",
            f"{indent}    detail[{k}] = _E[{self.index(rule.test)}]",
            f"{indent}else:",
            f"{indent}    out[{k}] = {PASS} if {holds} else {FAIL}",
        ]
        return lines

    def _exceptions(self, k: int, rule: CompiledRule) -> list[str]:
        # Exceptions are defaults: the first that is established excuses a failure (or a rule
        # that could not be decided); those whose facts are unknown leave a failure standing,
        # noted as assumptions. (Prohibited items weigh their exceptions against the items.)
        lines = [f"        if out[{k}] == {FAIL} or out[{k}] == {UNKNOWN}:"]
        lines += self._scan_exceptions(rule, "            ")
        lines += [
            "            if s is not None:",
            f"                out[{k}] = {PASS}",
            f"                note[{k}] = (s, [])",
            f"            elif u and out[{k}] == {FAIL}:",
            f"                note[{k}] = (None, u)",
        ]
        return lines

    def _prohibited(self, k: int, rule: CompiledRule) -> list[str]:
        spec = rule.spec
        assert isinstance(spec, ProhibitedItems)
        self.records.add("items")
        self.constants[f"_I{k}"] = rule.banned
        lines = [
            "if r_items is None:",
            f"    out[{k}] = {UNKNOWN}",
            "else:",
            f"    f, o = _partially_found(r_items, _I{k}) if p_items else "
            f"([i for i in _I{k} if i in r_items], None)",
            "    if not f:",
            f"        out[{k}] = {UNKNOWN} if o else {PASS}",
            f"        detail[{k}] = o or None",
            "    else:",
        ]
        # Exceptions are defaults: the first that holds excuses the items; one whose facts are
        # unknown leaves the failure standing, recorded as an assumption.
        lines += self._scan_exceptions(rule, "        ")
        lines += [
            "        if s is None:",
            f"            out[{k}] = {FAIL}",
            f"            detail[{k}] = (f, None, u)",
            "        else:",
            f"            out[{k}] = {PASS}",
            f"            detail[{k}] = (f, s, ())",
        ]
        return lines

    def _scan_exceptions(self, rule: CompiledRule, indent: str) -> list[str]:
        """Code leaving in `s` the index of the first established exception (or None) and in
        `u` the indexes of those whose facts are unknown, up to it."""
        lines = [f"{indent}s = None", f"{indent}u = []"]
        for j, (_, expr) in enumerate(rule.exceptions):
            lines += [
                f"{indent}if s is None:",
                f"{indent}    e = {self.expression(expr)}",
                f"{indent}    if e is True:",
                f"{indent}        s = {j}",
                f"{indent}    elif e is None:",
                f"{indent}        u.append({j})",
            ]
        return lines
