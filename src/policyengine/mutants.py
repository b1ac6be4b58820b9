"""Mutants of a pack: the small changes a wrong reading of the law would make.

A mutant is the pack with one reading changed: a boundary on the other side, a threshold a fen
away, a comparison, connective or negation altered, a document, item, exclusion, exception or
acceptance condition left out, a severity lowered, a duty due one stage early or late, a period
one unit off. `policyengine.mutate` runs a pack's cases against each; a case that notices the
change kills it. Making the list is cheap (nothing is compiled) and kept apart from running it,
so that lint can check the ids `equivalent_mutants` names.

Each mutant is a list of edits to the pack's data (`pack_data`): the mutated pack is validated
and compiled like any other, and a mutant that does not load is reported as invalid.

Ids are `<kind>:<where>:<change>`; numbers in them count from 1. `<site>` names an expression:
`<rule>.when`, `<rule>.check`, `<rule>.condition`, `<rule>.exceptions.<n>.when`,
`<exclusion>.when`, `scope.applies_when`, `definitions.<name>`, `<table>.when`, `<table>.input`,
`<table>.<band>.requires`.

- `threshold:<name>:boundary` (inclusive <-> exclusive, with every comparison and band bound
  that reads the threshold, so that the mutant still loads), `:up` / `:down` (one fen, 0.01, for
  amounts and ratios; one unit for counts, days, months and years), `:round_up` / `:round_down`
  (the next power of ten above and below: 500000 -> 1000000 and 100000);
- `band:<table>:<band>:min_inclusive` for a number bounding the table, and
  `band:<table>:<band>|<next band>:boundary` for a number two bands share (both flags flip, so
  the number moves to the other band); bounds named by a threshold move with the threshold;
- `compare:<site>:<n>:<op>`: the n-th comparison becomes `lt`, `le`, `gt`, `ge`, `eq`, `ne`,
  `in` or `not_in` (< <-> <=, > <-> >=, == <-> !=, in <-> not in); a comparison with a
  threshold is left to the threshold's boundary mutant, since the loader refuses an operator
  that contradicts the threshold's boundary;
- `logic:<site>:<n>:and|or` (the n-th `and` / `or` swapped), `negation:<site>:<n>` (the n-th
  `not` dropped), `member:<site>:<n>:<value>` (a value left out of the n-th literal tuple of
  `in (...)` or of the identifiers of has_any / has_all / has_only);
- `document:<rule>:<document>` (a required document, or an alternative of an `any_of`),
  `document:<rule>:any_of:<a>|<b>` (a whole `any_of`), `item:<rule>:<item>`: left out of the
  list; the only member of a list takes its rule with it;
- `exclusion:<id>`, `acceptance_failure:<id>`, `exception:<rule>:<n>`: dropped;
- `severity:<rule>:warning|info`: lowered one step (a route duty's rule is `<table>.duty`);
- `due_from:<rule>:later|earlier`: one stage later or earlier;
- `period:<rule>:longer|shorter`: a deadline's period one unit longer or shorter, and
  `before:<rule>:inclusive`: the same day counts, or no longer does, for the order of two steps.
"""

from __future__ import annotations

import ast
import copy
import itertools
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, NamedTuple

from .pack import (
    RULE_SECTIONS,
    AcceptanceFailure,
    AnyOf,
    AnyRule,
    Citation,
    Deadline,
    DecisionTable,
    PolicyPack,
    ProhibitedItems,
    RequiredDocuments,
    Rule,
    Severity,
    Threshold,
    route_rule_id,
)
from .render import cite
from .vocabulary import Item, Stage

STRICT_KINDS: frozenset[str] = frozenset(
    {"threshold", "band", "member", "document", "item", "exclusion", "acceptance_failure"}
)
"""The kinds `mutate --strict` refuses to let survive: boundaries, thresholds and lists."""

_HAS_FUNCTIONS = ("has_any", "has_all", "has_only")
_FEN = Decimal("0.01")
_FINE_UNITS = ("CNY", "ratio")  # moved by a fen; the other units count whole days, months...

_SHIFTED: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
}
_OP_NAMES: dict[type[ast.cmpop], str] = {
    ast.Lt: "lt",
    ast.LtE: "le",
    ast.Gt: "gt",
    ast.GtE: "ge",
    ast.Eq: "eq",
    ast.NotEq: "ne",
    ast.In: "in",
    ast.NotIn: "not_in",
}
_ORDERING = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
_LOWER: dict[Severity, Severity] = {
    Severity.ERROR: Severity.WARNING,
    Severity.WARNING: Severity.INFO,
}
_STAGES: tuple[Stage, ...] = tuple(Stage)

DataPath = tuple[str | int, ...]
"""Where a value is in the pack's data: keys and list positions."""


class _Change(NamedTuple):
    """One mutant of an expression: its kind, id, description and the expression's new text."""

    kind: str
    id: str
    description: str
    text: str


class Edit(NamedTuple):
    """One change to the pack's data: the value at `path` replaced, or removed."""

    path: DataPath
    value: Any = None
    remove: bool = False


@dataclass(frozen=True)
class Mutant:
    """One wrong reading of the pack, as edits to its data."""

    id: str
    kind: str
    target: str
    """The rule, exclusion, table, threshold or definition it touches (or `scope`)."""
    description: str
    clauses: tuple[str, ...]
    """The clause ids its citations name; where a citation names none, its reference
    (`art. 3 para. 2`) stands in, so that every mutant has a place in the report."""
    edits: tuple[Edit, ...]

    def apply(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """The pack data with this mutant's edits; `data` is left as it is."""
        result: Any = data
        for edit in self.edits:
            result = _edited(result, edit.path, edit)
        return dict(result)


def pack_data(spec: PolicyPack) -> dict[str, Any]:
    """The pack as data that mutants edit and `compile_pack` validates again."""
    return spec.model_dump(by_alias=True)


def mutant_ids(spec: PolicyPack) -> list[str]:
    """The ids of every mutant of the pack, in pack order."""
    return [mutant.id for mutant in generate_mutants(spec)]


def generate_mutants(spec: PolicyPack) -> list[Mutant]:
    """Every mutant of the pack, in pack order, each with a unique id."""
    maker = _Maker(spec)
    mutants = list(maker.all())
    seen: Counter[str] = Counter()
    unique = []
    for mutant in mutants:
        seen[mutant.id] += 1
        if seen[mutant.id] > 1:
            # The same member listed twice (lint flags it) would give two mutants one id.
            mutant = replace(mutant, id=f"{mutant.id}#{seen[mutant.id]}")
        unique.append(mutant)
    return unique


def _edited(node: Any, path: DataPath, edit: Edit) -> Any:
    """`node` with the edit made at `path`; only the containers on the path are copied."""
    head, rest = path[0], path[1:]
    changed: Any = dict(node) if isinstance(node, Mapping) else list(node)
    if rest:
        changed[head] = _edited(node[head], rest, edit)
    elif edit.remove:
        del changed[head]
    else:
        changed[head] = edit.value
    return changed


# --- expressions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    """An expression of the pack: where it is, whose it is, and what it cites."""

    path: DataPath
    text: str
    name: str
    target: str
    clauses: tuple[str, ...]
    mutable: bool  # deadline dates, years and source gaps are only rewritten with thresholds


def _preorder(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    for child in ast.iter_child_nodes(node):
        yield from _preorder(child)


class _Replace(ast.NodeTransformer):
    """Replace the node at a pre-order position (the order of `_preorder`)."""

    def __init__(self, index: int, change: Callable[[Any], ast.AST]) -> None:
        self.index = index
        self.change = change
        self.position = -1

    def visit(self, node: ast.AST) -> Any:
        self.position += 1
        if self.position == self.index:
            return self.change(node)
        return self.generic_visit(node)


def _rewritten(tree: ast.Expression, index: int, change: Callable[[Any], ast.AST]) -> str:
    fresh = copy.deepcopy(tree)
    return ast.unparse(_Replace(index, change).visit(fresh).body)


def _is_threshold(node: ast.AST, thresholds: Mapping[str, Threshold]) -> bool:
    return isinstance(node, ast.Name) and node.id in thresholds


class _ExpressionMutants:
    """The mutants of one expression: comparisons, connectives, negations, tuple members."""

    def __init__(self, site: _Site, thresholds: Mapping[str, Threshold]) -> None:
        self.site = site
        self.thresholds = thresholds
        self.tree = ast.parse(site.text.strip(), mode="eval")
        self.nodes = list(_preorder(self.tree))
        self.counts: Counter[str] = Counter()

    def all(self) -> Iterator[_Change]:
        """Each mutant of the expression, left to right."""
        for index, node in enumerate(self.nodes):
            if isinstance(node, ast.Compare):
                yield from self._comparisons(index, node)
            elif isinstance(node, ast.BoolOp):
                yield from self._connective(index, node)
            elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
                yield from self._negation(index, node)
            elif isinstance(node, ast.Call) and _called(node) in _HAS_FUNCTIONS:
                yield from self._identifiers(index, node)

    def _next(self, kind: str) -> int:
        self.counts[kind] += 1
        return self.counts[kind]

    def _mutant(
        self, kind: str, change: str, before: ast.AST, after: ast.AST, text: str
    ) -> _Change:
        mutant_id = f"{kind}:{self.site.name}:{change}"
        description = f"{self.site.name}: {ast.unparse(before)} -> {ast.unparse(after)}"
        return _Change(kind, mutant_id, description, text)

    def _comparisons(self, index: int, node: ast.Compare) -> Iterator[_Change]:
        operands = [node.left, *node.comparators]
        for j, op in enumerate(node.ops):
            n = self._next("compare")
            left, right = operands[j], operands[j + 1]
            if isinstance(op, _ORDERING) and (
                _is_threshold(left, self.thresholds) or _is_threshold(right, self.thresholds)
            ):
                continue  # the threshold's boundary mutant moves every such comparison
            new_op = _SHIFTED[type(op)]()
            ops = [*node.ops[:j], new_op, *node.ops[j + 1 :]]

            def change(old: ast.Compare, ops: list[ast.cmpop] = ops) -> ast.AST:
                return ast.Compare(left=old.left, ops=ops, comparators=old.comparators)

            after = change(node)
            yield self._mutant(
                "compare",
                f"{n}:{_OP_NAMES[type(new_op)]}",
                node,
                after,
                _rewritten(self.tree, index, change),
            )
        yield from self._tuple_members(index, node)

    def _tuple_members(self, index: int, node: ast.Compare) -> Iterator[_Change]:
        for j, op in enumerate(node.ops):
            listed = node.comparators[j]
            if not isinstance(op, ast.In | ast.NotIn) or not isinstance(listed, ast.Tuple):
                continue
            n = self._next("member")
            if len(listed.elts) < 2:
                continue  # an empty tuple is not a reading anyone would write
            for k, element in enumerate(listed.elts):
                if _covered(element, listed.elts):
                    continue

                def change(old: ast.Compare, j: int = j, k: int = k) -> ast.AST:
                    elements = old.comparators[j].elts  # type: ignore[attr-defined]
                    shorter = ast.Tuple(elts=elements[:k] + elements[k + 1 :], ctx=ast.Load())
                    comparators = [*old.comparators[:j], shorter, *old.comparators[j + 1 :]]
                    return ast.Compare(left=old.left, ops=old.ops, comparators=comparators)

                yield self._member(index, n, element, listed, change)

    def _identifiers(self, index: int, node: ast.Call) -> Iterator[_Change]:
        n = self._next("member")
        if len(node.args) < 3:
            return  # the set and one identifier: the function needs both
        for k in range(1, len(node.args)):
            if _covered(node.args[k], node.args[1:]):
                continue

            def change(old: ast.Call, k: int = k) -> ast.AST:
                return ast.Call(func=old.func, args=old.args[:k] + old.args[k + 1 :], keywords=[])

            yield self._member(index, n, node.args[k], node, change)

    def _member(
        self,
        index: int,
        n: int,
        element: ast.expr,
        container: ast.AST,
        change: Callable[[Any], ast.AST],
    ) -> _Change:
        if isinstance(element, ast.Constant) and isinstance(element.value, str):
            value = element.value
        else:
            value = ast.unparse(element)
        text = _rewritten(self.tree, index, change)
        description = (
            f"{self.site.name}: {ast.unparse(element)} left out of {ast.unparse(container)}"
        )
        return _Change("member", f"member:{self.site.name}:{n}:{value}", description, text)

    def _connective(self, index: int, node: ast.BoolOp) -> Iterator[_Change]:
        n = self._next("logic")
        swapped: ast.boolop = ast.Or() if isinstance(node.op, ast.And) else ast.And()

        def change(old: ast.BoolOp) -> ast.AST:
            return ast.BoolOp(op=swapped, values=old.values)

        word = "or" if isinstance(swapped, ast.Or) else "and"
        yield self._mutant(
            "logic", f"{n}:{word}", node, change(node), _rewritten(self.tree, index, change)
        )

    def _negation(self, index: int, node: ast.UnaryOp) -> Iterator[_Change]:
        n = self._next("negation")

        def change(old: ast.UnaryOp) -> ast.AST:
            return old.operand

        yield self._mutant(
            "negation", str(n), node, node.operand, _rewritten(self.tree, index, change)
        )


def _covered(element: ast.expr, listed: Sequence[ast.expr]) -> bool:
    """Whether a listed member is a kind of another member of the same list (`Item.narrower`):
    a question about the broader one asks about it too, so leaving it out changes nothing. A
    pack lists both where its text does; the mutant is equivalent by construction."""
    value = element.value if isinstance(element, ast.Constant) else None
    if not isinstance(value, str) or value not in Item._value2member_map_:
        return False
    kinds = (
        Item(other.value).narrower
        for other in listed
        if isinstance(other, ast.Constant)
        and isinstance(other.value, str)
        and other.value in Item._value2member_map_
    )
    return any(value in narrower for narrower in kinds)


def _called(node: ast.Call) -> str | None:
    return node.func.id if isinstance(node.func, ast.Name) else None


class _FlipThreshold(ast.NodeTransformer):
    """Move every comparison with one threshold to the threshold's other boundary."""

    _FLIPPED: Mapping[type[ast.cmpop], type[ast.cmpop]] = {
        ast.GtE: ast.Gt,
        ast.Gt: ast.GtE,
        ast.Lt: ast.LtE,
        ast.LtE: ast.Lt,
    }

    def __init__(self, name: str) -> None:
        self.name = name
        self.changed = False

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        self.generic_visit(node)
        operands = [node.left, *node.comparators]
        ops = list(node.ops)
        for j, op in enumerate(ops):
            reads = any(
                isinstance(side, ast.Name) and side.id == self.name for side in operands[j : j + 2]
            )
            if reads and type(op) in self._FLIPPED:
                ops[j] = self._FLIPPED[type(op)]()
                self.changed = True
        node.ops = ops
        return node


# --- the pack -----------------------------------------------------------------------------------


class _Maker:
    """Walks the pack in order and makes its mutants."""

    def __init__(self, spec: PolicyPack) -> None:
        self.spec = spec
        self.style = spec.source.citation_style
        self.sites = list(self._sites())
        self.definition_clauses = self._definition_clauses()

    def all(self) -> Iterator[Mutant]:
        spec = self.spec
        yield from self._expressions("scope")
        for i, exclusion in enumerate(spec.scope.exclusions):
            yield from self._expressions(exclusion.id)
            yield Mutant(
                f"exclusion:{exclusion.id}",
                "exclusion",
                exclusion.id,
                f"exclusion {exclusion.id} dropped: the projects it leaves out are judged",
                self._clauses(exclusion.citation),
                (Edit(("scope", "exclusions", i), remove=True),),
            )
        for name in spec.definitions:
            yield from self._expressions(name, definition=True)
        for name, threshold in spec.thresholds.items():
            yield from self._threshold(name, threshold)
        for t, table in enumerate(spec.decision_tables):
            yield from self._table(t, table)
        for section in RULE_SECTIONS:
            for i, rule in enumerate(getattr(spec, section)):
                yield from self._rule(section, i, rule)

    # citations ----------------------------------------------------------------------------

    def _clauses(self, *citations: Citation | None) -> tuple[str, ...]:
        found: list[str] = []
        for citation in citations:
            if citation is None:
                continue
            named = citation.clauses or [cite(citation, style=self.style, lang="en")]
            found += [clause for clause in named if clause not in found]
        return tuple(found)

    def _definition_clauses(self) -> dict[str, tuple[str, ...]]:
        """A definition cites the clauses of the expressions that read it, directly or not."""
        definitions = self.spec.definitions
        reads = {name: _names(d.expression) & definitions.keys() for name, d in definitions.items()}
        found: dict[str, list[str]] = {name: [] for name in definitions}
        for site in self.sites:
            if site.path[0] == "definitions":
                continue
            stack = list(_names(site.text) & definitions.keys())
            reached: set[str] = set()
            while stack:
                name = stack.pop()
                if name in reached:
                    continue
                reached.add(name)
                stack += reads[name]
            for name in reached:
                found[name] += [c for c in site.clauses if c not in found[name]]
        return {name: tuple(clauses) for name, clauses in found.items()}

    # sites --------------------------------------------------------------------------------

    def _sites(self) -> Iterator[_Site]:
        spec = self.spec
        scope = spec.scope
        if scope.applies_when:
            yield _Site(
                ("scope", "applies_when"),
                scope.applies_when,
                "scope.applies_when",
                "scope",
                self._clauses(scope.citation),
                True,
            )
        for i, exclusion in enumerate(scope.exclusions):
            yield _Site(
                ("scope", "exclusions", i, "when"),
                exclusion.when,
                f"{exclusion.id}.when",
                exclusion.id,
                self._clauses(exclusion.citation),
                True,
            )
        for name, definition in spec.definitions.items():
            # Clauses are filled in later, from the expressions that read the definition.
            yield _Site(
                ("definitions", name, "expression"),
                definition.expression,
                f"definitions.{name}",
                name,
                (),
                True,
            )
        for t, table in enumerate(spec.decision_tables):
            yield from self._table_sites(t, table)
        for section in RULE_SECTIONS:
            for i, rule in enumerate(getattr(spec, section)):
                yield from self._rule_sites((section, i), rule)

    def _table_sites(self, t: int, table: DecisionTable) -> Iterator[_Site]:
        clauses = self._clauses(table.citation)
        loc: DataPath = ("decision_tables", t)
        for field in ("when", "input"):
            text = getattr(table, field)
            if text is not None:
                yield _Site((*loc, field), text, f"{table.id}.{field}", table.id, clauses, True)
        for b, band in enumerate(table.bands):
            if band.requires is not None:
                yield _Site(
                    (*loc, "bands", b, "requires"),
                    band.requires,
                    f"{route_rule_id(table.id, band.id)}.requires",
                    route_rule_id(table.id, band.id),
                    self._clauses(band.citation),
                    True,
                )

    def _rule_sites(self, loc: DataPath, rule: AnyRule) -> Iterator[_Site]:
        clauses = self._clauses(rule.citation)

        def site(
            path: DataPath, text: str | None, field: str, mutable: bool = True
        ) -> Iterator[_Site]:
            if text is not None:
                yield _Site((*loc, *path), text, f"{rule.id}.{field}", rule.id, clauses, mutable)

        yield from site(("when",), rule.when, "when")
        if isinstance(rule, Rule):
            yield from site(("check",), rule.check, "check")
            if rule.source_gap is not None:
                yield from site(("source_gap", "when"), rule.source_gap.when, "source_gap", False)
        if isinstance(rule, AcceptanceFailure):
            yield from site(("condition",), rule.condition, "condition")
        for e, exception in enumerate(rule.exceptions, start=1):
            yield _Site(
                (*loc, "exceptions", e - 1, "when"),
                exception.when,
                f"{rule.id}.exceptions.{e}.when",
                rule.id,
                self._clauses(exception.citation or rule.citation),
                True,
            )
        if isinstance(rule, Deadline):
            yield from site(("anchor",), rule.anchor, "anchor", False)
            if rule.fixed is not None:
                yield from site(("fixed", "year"), rule.fixed.year, "fixed.year", False)
            if rule.recurs is not None:
                yield from site(("recurs", "from"), rule.recurs.from_, "recurs.from", False)
                yield from site(("recurs", "until"), rule.recurs.until, "recurs.until", False)

    def _expressions(self, target: str, *, definition: bool = False) -> Iterator[Mutant]:
        for site in self.sites:
            if site.target != target or not site.mutable:
                continue
            if (site.path[0] == "definitions") != definition:
                continue
            clauses = self.definition_clauses[target] if definition else site.clauses
            for change in _ExpressionMutants(site, self.spec.thresholds).all():
                yield Mutant(
                    change.id,
                    change.kind,
                    target,
                    change.description,
                    clauses,
                    (Edit(site.path, change.text),),
                )

    # thresholds and tables ----------------------------------------------------------------

    def _threshold(self, name: str, threshold: Threshold) -> Iterator[Mutant]:
        clauses = self._clauses(threshold.citation)
        other = "exclusive" if threshold.boundary == "inclusive" else "inclusive"
        edits = [Edit(("thresholds", name, "boundary"), other)]
        edits += self._bands_reading(name)
        for site in self.sites:
            flip = _FlipThreshold(name)
            tree = flip.visit(ast.parse(site.text.strip(), mode="eval"))
            if flip.changed:
                edits.append(Edit(site.path, ast.unparse(tree.body)))
        yield Mutant(
            f"threshold:{name}:boundary",
            "threshold",
            name,
            f"{name}: boundary {threshold.boundary} -> {other} ({threshold.value} "
            + ("no longer counts" if threshold.boundary == "inclusive" else "counts")
            + (" as reaching it)" if threshold.direction == "at_least" else " as within it)"),
            clauses,
            tuple(edits),
        )
        value = threshold.value
        step = _FEN if threshold.unit in _FINE_UNITS else Decimal(1)
        moved = {"up": value + step, "down": value - step}
        moved.update(_round_numbers(value, whole=threshold.unit not in _FINE_UNITS))
        taken: set[Decimal] = set()
        for change, new in moved.items():
            if new in taken:
                continue  # a round number one step away is the step's mutant already
            taken.add(new)
            yield Mutant(
                f"threshold:{name}:{change}",
                "threshold",
                name,
                f"{name}: {value} -> {new}",
                clauses,
                (Edit(("thresholds", name, "value"), new),),
            )

    def _bands_reading(self, name: str) -> list[Edit]:
        """The band bounds named by the threshold, flipped as its boundary flips."""
        edits = []
        for t, table in enumerate(self.spec.decision_tables):
            for b, band in enumerate(table.bands):
                for side in ("min", "max"):
                    if getattr(band, side) == name:
                        flag = f"{side}_inclusive"
                        path: DataPath = ("decision_tables", t, "bands", b, flag)
                        edits.append(Edit(path, not getattr(band, flag)))
        return edits

    def _table(self, t: int, table: DecisionTable) -> Iterator[Mutant]:
        yield from self._expressions(table.id)
        bands = table.bands
        loc: DataPath = ("decision_tables", t, "bands")
        first = bands[0]
        if isinstance(first.min, Decimal):
            yield Mutant(
                f"band:{table.id}:{first.id}:min_inclusive",
                "band",
                table.id,
                f"{table.id}: band {first.id} "
                + ("no longer includes" if first.min_inclusive else "includes")
                + f" its min {first.min}",
                self._clauses(first.citation),
                (Edit((*loc, 0, "min_inclusive"), not first.min_inclusive),),
            )
        for b, (band, following) in enumerate(itertools.pairwise(bands)):
            if not (isinstance(band.max, Decimal) and isinstance(following.min, Decimal)):
                continue
            to = following.id if band.max_inclusive else band.id
            yield Mutant(
                f"band:{table.id}:{band.id}|{following.id}:boundary",
                "band",
                table.id,
                f"{table.id}: {band.max} moves to band {to}",
                self._clauses(band.citation, following.citation),
                (
                    Edit((*loc, b, "max_inclusive"), not band.max_inclusive),
                    Edit((*loc, b + 1, "min_inclusive"), not following.min_inclusive),
                ),
            )
        for band in bands:
            if band.requires is not None:
                yield from self._expressions(route_rule_id(table.id, band.id))
        if table.duty is not None:
            requiring = [band.citation for band in bands if band.requires is not None]
            clauses = self._clauses(*requiring)
            where: DataPath = ("decision_tables", t, "duty")
            yield from self._severity(f"{table.id}.duty", where, table.duty.severity, clauses)
            yield from self._due_from(f"{table.id}.duty", where, table.duty.due_from, clauses)

    # rules --------------------------------------------------------------------------------

    def _rule(self, section: str, i: int, rule: AnyRule) -> Iterator[Mutant]:
        loc: DataPath = (section, i)
        clauses = self._clauses(rule.citation)
        yield from self._expressions(rule.id)
        if isinstance(rule, RequiredDocuments):
            yield from self._documents(loc, rule, clauses)
        if isinstance(rule, ProhibitedItems):
            yield from self._items(loc, rule, clauses)
        for e, exception in enumerate(rule.exceptions, start=1):
            yield Mutant(
                f"exception:{rule.id}:{e}",
                "exception",
                rule.id,
                f"{rule.id}: exception {e} ({exception.when}) dropped",
                self._clauses(exception.citation or rule.citation),
                (Edit((*loc, "exceptions", e - 1), remove=True),),
            )
        if isinstance(rule, AcceptanceFailure):
            yield Mutant(
                f"acceptance_failure:{rule.id}",
                "acceptance_failure",
                rule.id,
                f"acceptance failure {rule.id} dropped",
                clauses,
                (Edit(loc, remove=True),),
            )
        yield from self._severity(rule.id, loc, rule.severity, clauses)
        yield from self._due_from(rule.id, loc, rule.due_from, clauses)
        if isinstance(rule, Deadline):
            yield from self._deadline(loc, rule, clauses)

    def _documents(
        self, loc: DataPath, rule: RequiredDocuments, clauses: tuple[str, ...]
    ) -> Iterator[Mutant]:
        documents = rule.documents
        for k, entry in enumerate(documents):
            path: DataPath = (*loc, "documents", k)
            if isinstance(entry, AnyOf):
                names = "|".join(d.value for d in entry.any_of)
                yield self._left_out(
                    f"document:{rule.id}:any_of:{names}",
                    "document",
                    rule,
                    f"any of {names.replace('|', ', ')} no longer required",
                    path,
                    len(documents),
                    clauses,
                )
                for a, alternative in enumerate(entry.any_of):
                    rest = entry.any_of[:a] + entry.any_of[a + 1 :]
                    edit = (
                        Edit(path, rest[0])
                        if len(rest) == 1  # an any_of needs two: one left is a plain document
                        else Edit((*path, "any_of", a), remove=True)
                    )
                    yield Mutant(
                        f"document:{rule.id}:{alternative.value}",
                        "document",
                        rule.id,
                        f"{rule.id}: {alternative.value} no longer an alternative "
                        f"(only {', '.join(d.value for d in rest)})",
                        clauses,
                        (edit,),
                    )
            else:
                yield self._left_out(
                    f"document:{rule.id}:{entry.value}",
                    "document",
                    rule,
                    f"{entry.value} no longer required",
                    path,
                    len(documents),
                    clauses,
                )

    def _items(
        self, loc: DataPath, rule: ProhibitedItems, clauses: tuple[str, ...]
    ) -> Iterator[Mutant]:
        for k, item in enumerate(rule.items):
            if any(item in other.narrower for other in rule.items):
                continue  # a ban on the broader item reaches it: leaving it out changes nothing
            yield self._left_out(
                f"item:{rule.id}:{item.value}",
                "item",
                rule,
                f"{item.value} no longer prohibited",
                (*loc, "items", k),
                len(rule.items),
                clauses,
            )

    @staticmethod
    def _left_out(
        mutant_id: str,
        kind: str,
        rule: AnyRule,
        what: str,
        path: DataPath,
        members: int,
        clauses: tuple[str, ...],
    ) -> Mutant:
        if members == 1:
            # A list may not be empty: without its only member the rule is not there at all.
            return Mutant(
                mutant_id,
                kind,
                rule.id,
                f"{rule.id}: {what} (its only member: the rule is dropped)",
                clauses,
                (Edit(path[:2], remove=True),),
            )
        return Mutant(
            mutant_id, kind, rule.id, f"{rule.id}: {what}", clauses, (Edit(path, remove=True),)
        )

    def _severity(
        self, name: str, loc: DataPath, severity: Severity, clauses: tuple[str, ...]
    ) -> Iterator[Mutant]:
        lower = _LOWER.get(severity)
        if lower is not None:
            yield Mutant(
                f"severity:{name}:{lower.value}",
                "severity",
                name,
                f"{name}: severity {severity.value} -> {lower.value}",
                clauses,
                (Edit((*loc, "severity"), lower),),
            )

    def _due_from(
        self, name: str, loc: DataPath, stage: Stage, clauses: tuple[str, ...]
    ) -> Iterator[Mutant]:
        rank = _STAGES.index(stage)
        for change, other in (("later", rank + 1), ("earlier", rank - 1)):
            if 0 <= other < len(_STAGES):
                yield Mutant(
                    f"due_from:{name}:{change}",
                    "due_from",
                    name,
                    f"{name}: due from {stage.value} -> {_STAGES[other].value}",
                    clauses,
                    (Edit((*loc, "due_from"), _STAGES[other]),),
                )

    def _deadline(
        self, loc: DataPath, rule: Deadline, clauses: tuple[str, ...]
    ) -> Iterator[Mutant]:
        if rule.period is not None:
            unit, length = next(
                (unit, value)
                for unit, value in rule.period.model_dump().items()
                if value is not None
            )
            for change, new in (("longer", length + 1), ("shorter", length - 1)):
                if new < 0:
                    continue
                yield Mutant(
                    f"period:{rule.id}:{change}",
                    "period",
                    rule.id,
                    f"{rule.id}: period {length} -> {new} {unit.replace('_', ' ')}",
                    clauses,
                    (Edit((*loc, "period", unit), new),),
                )
        if rule.before is not None:
            same_day = "no longer counts" if rule.before.inclusive else "counts"
            yield Mutant(
                f"before:{rule.id}:inclusive",
                "before",
                rule.id,
                f"{rule.id}: {rule.event.value} on the day of {rule.before.step.value} {same_day}",
                clauses,
                (Edit((*loc, "before", "inclusive"), not rule.before.inclusive),),
            )


def _round_numbers(value: Decimal, *, whole: bool) -> dict[str, Decimal]:
    """The powers of ten just above and just below a positive value (500000: 10**6 and 10**5).

    A reader who takes a threshold for the nearest round number, or a case that only tries
    round amounts, is what these stand for; a whole unit keeps whole numbers.
    """
    if value <= 0:
        return {}
    magnitude = value.adjusted()  # floor(log10(value))
    up = Decimal(10) ** (magnitude + 1)
    down = Decimal(10) ** magnitude
    if down == value:
        down = Decimal(10) ** (magnitude - 1)
    found = {"round_up": up}
    if not whole or down >= 1:
        found["round_down"] = down
    return found


def _names(text: str) -> set[str]:
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
