"""Load packs: YAML -> Pydantic models -> checked, compiled expressions. Every error is located.

`load_pack("wuhan")` loads a bundled pack; `load_pack("path/to/pack.yaml")` loads a file being
edited. All problems found in one pass are reported together (`PackErrors`), each with
file:line:column, a stable code and a hint.
"""

from __future__ import annotations

import ast
import datetime as dt
import hashlib
import heapq
import reprlib
import threading
import types
import typing
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ._messages import plain_message, unit_hint
from ._suggest import did_you_mean
from ._yaml import Marks, load_yaml, read_file
from .errors import Location, PackError, PackErrors
from .expressions import (
    FUNCTIONS,
    RESERVED_NAMES,
    Expression,
    ExpressionError,
    NameInfo,
    compile_expression,
)
from .facts import FACTS, FactReader, FactType
from .pack import (
    FORMAT,
    RULE_SECTIONS,
    AcceptanceFailure,
    AnyOf,
    AnyRule,
    Band,
    Category,
    Deadline,
    DecisionTable,
    Exclusion,
    PolicyPack,
    ProhibitedItems,
    RequiredDocuments,
    Rule,
    RuleException,
    Threshold,
    route_rule_id,
)
from .partial import PartialSet
from .program import Program, ScopeWalk, compile_program, compile_scope
from .project import ATTESTATIONS
from .verdict import (
    Decisions,
    FindingTemplate,
    OverallStatus,
    RuleData,
    SourceRef,
    UnreadFacts,
)
from .vocabulary import Consequence, Document, Item, Stage

BUNDLED_PACKS: tuple[str, ...] = ("wuhan", "mengyin", "zhanggong", "xiangxi", "yiyang")
"""The packs shipped with the library, in the order reports list them."""

MAX_REPORTED_ERRORS = 100
"""Most errors one load reports; a last error counts the rest."""
_MAX_LISTED = 10
"""Most names listed in one message (the rest are counted)."""
_MAX_QUOTED = 40
"""Most characters of a key or value from the file quoted in a message."""


@dataclass(frozen=True)
class CompiledTable:
    """A decision table with its expressions compiled and its bounds resolved to numbers."""

    spec: DecisionTable
    input: Expression
    when: Expression | None
    bounds: tuple[tuple[Decimal | None, bool | None, Decimal | None, bool | None], ...]


@dataclass(frozen=True)
class CompiledRule:
    """One rule of any section, with its expressions compiled."""

    section: str
    index: int
    spec: AnyRule
    when: Expression | None
    test: Expression | None = None  # check (rules) or condition (acceptance failures)
    exceptions: tuple[tuple[RuleException, Expression], ...] = ()
    anchor: Expression | None = None
    year: Expression | None = None
    recurs_from: Expression | None = None  # a recurring deadline's start and end
    recurs_until: Expression | None = None
    documents: tuple[Document | tuple[Document, ...], ...] = ()
    gap: Expression | None = None  # a rule's source_gap condition

    @property
    def id(self) -> str:
        """The rule's id."""
        return self.spec.id

    @cached_property
    def fact_names(self) -> tuple[str, ...]:
        """The facts the rule's expressions read, sorted."""
        return tuple(sorted({name for expr in self.expressions() for name in expr.facts}))

    @cached_property
    def banned(self) -> tuple[Item, ...]:
        """A prohibited-items rule's items, each followed by the items that are kinds of it
        (`Vocabulary.narrower`): a ban on networks reaches a LAN. Empty for other rules."""
        if not isinstance(self.spec, ProhibitedItems):
            return ()
        banned = list(self.spec.items)
        for item in self.spec.items:
            banned += sorted(kind for kind in item.narrower if kind not in banned)
        return tuple(banned)

    @cached_property
    def judged(self) -> tuple[str, tuple[tuple[str, Any], ...]] | None:
        """For a documents or items rule: the list it judges, and the members it asks about
        (as (identifier, member) pairs in identifier order)."""
        asked: set[Any]
        if isinstance(self.spec, RequiredDocuments):
            asked = {
                d
                for entry in self.documents
                for d in (entry if isinstance(entry, tuple) else (entry,))
            }
            name = "documents"
        elif isinstance(self.spec, ProhibitedItems):
            asked = set(self.banned)
            name = "items"
        else:
            return None
        return name, tuple(sorted((str(member), member) for member in asked))

    def record_judged(self, facts: dict[str, Any], namespace: Mapping[str, Any]) -> None:
        """Record in `facts` the members of the judged list this rule asks about that are there
        (of a partial record: those known present and those known absent).

        Where an expression of the rule reads the whole list, the whole list is recorded already.
        """
        name = self.judged_alone
        if name is not None:
            facts[name] = self.judged_value(namespace)

    @cached_property
    def asked(self) -> frozenset[str]:
        """The names of the members of the judged list this rule asks about (empty for a rule
        that judges no list)."""
        judged = self.judged
        return frozenset() if judged is None else frozenset(key for key, _ in judged[1])

    @cached_property
    def consequences(self) -> list[Consequence]:
        """What each failure of this rule carries."""
        return list(self.spec.consequences)

    @cached_property
    def judged_alone(self) -> str | None:
        """The list this rule judges, where no expression of it reads the whole list: its
        findings record the members asked about after the facts read (`record_judged`)."""
        judged = self.judged
        return None if judged is None or judged[0] in self.fact_names else judged[0]

    def judged_value(self, namespace: Mapping[str, Any]) -> Any:
        """The judged list as `record_judged` records it: the members asked about that are
        there (of a partial record, those known present and those known absent); None where it
        is unknown. Only for a rule that judges a list."""
        assert self.judged is not None
        name, asked = self.judged
        value = namespace.get(name)
        if value is None:
            return None
        if isinstance(value, PartialSet):
            return {
                "present": [key for key, m in asked if value.contains(m) is True],
                "absent": [key for key, m in asked if value.contains(m) is False],
            }
        return [key for key, member in asked if member in value]

    @cached_property
    def data(self) -> RuleData:
        """What every finding of this rule shares."""
        spec = self.spec
        return RuleData(
            spec.id,
            self.section,
            spec.category,
            spec.due_from,
            spec.title,
            spec.severity,
            spec.citation,
        )

    @cached_property
    def prototype(self) -> FindingTemplate:
        """Builds this rule's findings: the fields they all share are set once."""
        return FindingTemplate(self.data)

    @cached_property
    def unread(self) -> UnreadFacts:
        """The facts its findings read, before they are written out."""
        return UnreadFacts(self, judged=False)

    @cached_property
    def unread_judged(self) -> UnreadFacts:
        """The same, with the list it judged (as a decided rule records them)."""
        return UnreadFacts(self, judged=True)

    @cached_property
    def plain_pass(self) -> bool:
        """Whether a pass of this rule is only its status and facts (a condition, an acceptance
        failure, a list of documents; not a ban, which names an excused item, or a deadline)."""
        return isinstance(self.spec, Rule | AcceptanceFailure | RequiredDocuments)

    @cached_property
    def failing(self) -> dict[str, Any] | None:
        """For a condition or an acceptance failure, what each of its failures adds to the status
        and facts (its message and consequences), shared by them; None for other rules, whose
        failures name what is missing or found."""
        spec = self.spec
        if not isinstance(spec, Rule | AcceptanceFailure):
            return None
        more: dict[str, Any] = {}
        if spec.message is not None:
            more["message"] = spec.message
        if spec.consequences:
            more["consequences"] = list(spec.consequences)
        return more

    @cached_property
    def banning(self) -> bool:
        """Whether this is a prohibited-items rule."""
        return isinstance(self.spec, ProhibitedItems)

    @cached_property
    def recorded(self) -> frozenset[str]:
        """The facts its findings record: those it reads and the list it judges."""
        judged = self.judged
        return frozenset({*self.fact_names, *([judged[0]] if judged else [])})

    @cached_property
    def attested(self) -> tuple[str, ...]:
        """The judgements (project.ATTESTATIONS) among the facts the rule reads."""
        return tuple(name for name in self.fact_names if name in ATTESTATIONS)

    def expressions(self) -> list[Expression]:
        """Every compiled expression of the rule."""
        own = (self.when, self.test, self.anchor, self.year, self.recurs_from, self.recurs_until)
        found = [e for e in (*own, self.gap) if e is not None]
        return found + [expr for _, expr in self.exceptions]


@dataclass(frozen=True)
class CompiledPack:
    """A loaded pack, ready to evaluate projects.

    A threshold is kept twice, for two readers. `thresholds` maps a name to its bare number (a
    `Decimal`), as expressions read it; `spec.thresholds` maps it to the `Threshold` as the pack
    states it: number, unit, direction, boundary and citation. `threshold(name)` is that
    `Threshold`, with a suggestion for a misspelt name; `threshold(name).value` is the number.
    """

    spec: PolicyPack  # the pack as written: every threshold, table and rule with its citation
    path: str
    thresholds: Mapping[str, Decimal]  # name -> number only; the Threshold is `threshold(name)`
    definitions: tuple[tuple[str, Expression], ...]
    applies_when: Expression | None
    exclusions: tuple[tuple[Exclusion, Expression], ...]
    tables: tuple[CompiledTable, ...]
    rules: tuple[CompiledRule, ...]
    rule_index: Mapping[str, CompiledRule] = field(repr=False)
    reader: FactReader = field(repr=False, compare=False, default_factory=FactReader)
    marks: Marks = field(repr=False, compare=False, default_factory=lambda: Marks("<pack>"))
    programs: dict[Stage | None, Program] = field(repr=False, compare=False, default_factory=dict)

    @property
    def facts(self) -> frozenset[str]:
        """The names of the facts this pack reads (its scope, definitions, tables and rules),
        as `policyengine facts` lists them: what a form for this pack must ask."""
        return self.reader.names

    @cached_property
    def source_ref(self) -> SourceRef:
        """The source as every verdict of this pack names it (one immutable object)."""
        source = self.spec.source
        return SourceRef.model_construct(
            title=source.title,
            title_en=source.title_en,
            number=source.number,
            seed_file=source.seed_file,
            citation_style=source.citation_style,
        )

    @cached_property
    def rule_positions(self) -> Mapping[str, int]:
        """Each rule's position in `rules`, by id: where a compact verdict gives its status."""
        return {rule.id: position for position, rule in enumerate(self.rules)}

    @cached_property
    def scope_reader(self) -> FactReader:
        """Reads only the facts the scope reads (through its definitions too): an out-of-scope
        project is told apart before the rest of its facts are read."""
        scope = [expr for _, expr in self.exclusions]
        if self.applies_when is not None:
            scope.append(self.applies_when)
        return FactReader(frozenset().union(*(expr.facts for expr in scope)))

    @cached_property
    def scope_definitions(self) -> tuple[tuple[str, Expression], ...]:
        """The definitions the scope reads, directly or through one another, in pack order:
        computed first, they let the scope be decided before any rule runs."""
        exprs = dict(self.definitions)
        scope = [expr for _, expr in self.exclusions]
        if self.applies_when is not None:
            scope.append(self.applies_when)
        needed: set[str] = set()
        pending = [name for expr in scope for name in expr.names if name in exprs]
        while pending:
            name = pending.pop()
            if name not in needed:
                needed.add(name)
                pending += [n for n in exprs[name].names if n in exprs]
        return tuple((name, expr) for name, expr in self.definitions if name in needed)

    def program(self, stage: Stage | None) -> Program:
        """The pack's decisions at `stage`, compiled into one function (once per stage)."""
        program = self.programs.get(stage)
        if program is None:
            program = self.programs[stage] = compile_program(self, stage)
        return program

    @cached_property
    def effective(self) -> dt.date | None:
        """The date the regulation came into force (`source.effective`), if the pack states it."""
        return self.spec.source.effective

    @cached_property
    def scope_thresholds(self) -> Mapping[str, Decimal]:
        """The thresholds the scope reads (through its definitions too)."""
        scope = [expr for _, expr in (*self.exclusions, *self.scope_definitions)]
        if self.applies_when is not None:
            scope.append(self.applies_when)
        names = frozenset().union(*(expr.names for expr in scope))
        return {name: value for name, value in self.thresholds.items() if name in names}

    @cached_property
    def out_of_scope(self) -> Decisions:
        """The decisions on every project out of this pack's scope: no rule applies. One
        immutable value, shared."""
        return Decisions(
            self.id, False, OverallStatus.OUT_OF_SCOPE, None, types.MappingProxyType({}), ()
        )

    @cached_property
    def scope_walk(self) -> Callable[[dict[str, Any]], ScopeWalk | None]:
        """The pack's scope, compiled into one function (`program.compile_scope`)."""
        return compile_scope(self)

    def __getstate__(self) -> dict[str, Any]:
        # Generated functions do not pickle; a copy compiles its own when first used.
        state = {**self.__dict__, "programs": {}}
        for name in ("scope_walk", "out_of_scope"):  # made again when first used
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def locate(self, *loc: str | int, key: bool = False) -> Location:
        """Where `loc` (a path into the pack, e.g. 'rules', 3, 'check') is in the file."""
        return self.marks.locate(tuple(loc), key=key)

    @property
    def id(self) -> str:
        """The pack's id."""
        return self.spec.id

    def threshold(self, name: str) -> Threshold:
        """The threshold `name` as the pack states it, with its citation (KeyError with a
        suggestion otherwise); `thresholds[name]` is its number alone."""
        try:
            return self.spec.thresholds[name]
        except KeyError:
            hint = did_you_mean(name, self.spec.thresholds) or ""
            raise KeyError(f"pack '{self.id}' has no threshold '{name}'. {hint}".strip()) from None

    def rule(self, rule_id: str) -> CompiledRule:
        """The rule with this id (KeyError with a suggestion otherwise)."""
        try:
            return self.rule_index[rule_id]
        except KeyError:
            hint = did_you_mean(rule_id, self.rule_index) or ""
            raise KeyError(f"pack '{self.id}' has no rule '{rule_id}'. {hint}".strip()) from None


def bundled_pack_path(name: str) -> Path:
    """The file of a bundled pack: inside the installed package, or in a source checkout."""
    installed = resources.files("policyengine") / "policies" / f"{name}.yaml"
    if installed.is_file():
        return Path(str(installed))
    checkout = Path(__file__).resolve().parents[2] / "policies" / f"{name}.yaml"
    if checkout.is_file():
        return checkout
    if name in BUNDLED_PACKS:
        raise PackError(
            f"the bundled pack '{name}' is missing from this installation",
            code="pack.not_found",
            hint="reinstall the package, or give the path to a pack file",
        )
    raise PackError(
        f"no bundled pack named '{name}'",
        code="pack.not_found",
        hint=did_you_mean(name, BUNDLED_PACKS)
        or "bundled packs: " + ", ".join(BUNDLED_PACKS) + "; or give a path to a .yaml file",
    )


def load_pack(ref: str | Path) -> CompiledPack:
    """Load a pack by name (bundled, `"wuhan"`, or declared by an installed plugin distribution:
    `policyengine.plugins`) or by path. Raises `PackError`."""
    if isinstance(ref, str) and _is_name(ref) and ref not in BUNDLED_PACKS:
        from .plugins import load_plugin_pack  # entry points are looked up only for their names

        return load_plugin_pack(ref)
    path = _resolve(ref)
    return _load(read_file(path, "pack file", "pack.unreadable"), str(path))


def load_bundled_pack(name: str) -> CompiledPack:
    """Load a pack shipped with the library by its name; any other name is refused.

    For callers that take a pack name from an untrusted source: unlike `load_pack`, a name is
    never read as a path. Raises `PackError` (`pack.not_found`).
    """
    if name not in BUNDLED_PACKS:
        raise PackError(
            f"no bundled pack named '{_quoted(name)}'",
            code="pack.not_found",
            hint="bundled packs: " + ", ".join(BUNDLED_PACKS),
        )
    return _bundled(name)


def load_packs(refs: Iterable[str | Path] | None = None) -> list[CompiledPack]:
    """Load several packs (default: every installed pack, the bundled ones first, then those of
    plugin distributions by name)."""
    return [load_pack(ref) for ref in (pack_names() if refs is None else refs)]


def pack_names() -> tuple[str, ...]:
    """The name of every installed pack: the bundled ones, then the plugins' by name. Raises
    `PackErrors` when plugins clash with each other or with a bundled pack."""
    from .plugins import plugin_names

    return (*BUNDLED_PACKS, *plugin_names())


_COMPILED_CACHE_SIZE = 32
_compiled: OrderedDict[tuple[str, str], CompiledPack] = OrderedDict()
_compiled_lock = threading.Lock()


def load_pack_text(text: str, path: str = "<pack>") -> CompiledPack:
    """Load a pack from YAML text; `path` is used in error locations.

    A compiled pack is immutable, so loading the same text from the same path again in one
    process returns the pack compiled the first time (the text's hash is the key: an edited file
    is always compiled afresh).
    """
    return _load(text, path)


def _load(text: str, path: str) -> CompiledPack:
    # Compiled packs are kept in this process only. An on-disk cache of pickled packs once saved
    # cold starts ~100 ms, but a pickle runs code when read, so its directory, its entries and
    # its key all became attack surface (a symlink race, trimming of others' files, stale code);
    # loading is made fast instead.
    key = (path, hashlib.sha256(text.encode("utf-8")).hexdigest())
    with _compiled_lock:
        cached = _compiled.get(key)
        if cached is not None:
            _compiled.move_to_end(key)
            return cached
    pack = _compile_text(text, path)
    with _compiled_lock:
        _compiled[key] = pack
        while len(_compiled) > _COMPILED_CACHE_SIZE:
            _compiled.popitem(last=False)
    return pack


def _compile_text(text: str, path: str) -> CompiledPack:
    try:
        return _compile_checked(text, path)
    except PackError:
        raise
    except Exception as exc:
        # Every input error should be a located PackError already; anything else is a fault of
        # the loader, and still must not escape as a raw exception.
        raise _internal_error(path, exc) from exc


def _internal_error(path: str, exc: Exception) -> PackError:
    return PackError(
        f"the pack could not be loaded: internal error ({type(exc).__name__})",
        code="pack.internal",
        location=Location(path),
        hint="this is a fault of policyengine, not of the pack; please report it with the file",
    )


def _compile_checked(text: str, path: str) -> CompiledPack:
    data, marks = load_yaml(text, path)
    if not isinstance(data, dict):
        raise PackError(
            "a pack must be a YAML mapping",
            code="pack.not_a_mapping",
            location=Location(path, 1, 1),
            hint="start from docs/authoring.md",
        )
    if not _looks_like_a_pack(data):
        # Say so once, without quoting the file's keys: they may be another file's contents.
        raise PackError(
            "this file is not a policy pack: its top level needs 'format' or 'id', and mostly "
            "the keys of a pack",
            code="pack.not_a_pack",
            location=Location(path, 1, 1),
            hint="a pack starts with 'format: 1' and 'id: ...'; start from docs/authoring.md",
        )
    return _compile_data(data, marks)


def compile_pack(
    spec: PolicyPack | Mapping[str, Any], *, marks: Marks | None = None, path: str = "<pack>"
) -> CompiledPack:
    """Check and compile a pack built in code rather than read from YAML text. Raises `PackError`.

    `spec` is a `PolicyPack`, or its data (`model_dump(by_alias=True)`), which is validated
    first. Errors are located by `marks`, those of the file the pack was read from (a pack
    derived from a loaded one keeps its shape, so its paths still point at the right lines);
    without them, at `path`.
    """
    where = marks if marks is not None else Marks(path)
    try:
        if isinstance(spec, PolicyPack):
            return _Compiler(spec, where).compile()
        return _compile_data(spec, where)
    except PackError:
        raise
    except Exception as exc:
        raise _internal_error(where.path, exc) from exc


def _compile_data(data: Mapping[str, Any], marks: Marks) -> CompiledPack:
    try:
        spec = PolicyPack.model_validate(data)
    except ValidationError as exc:
        errors, more = _schema_errors(exc, marks, data.get("id"), data)
        raise _pack_errors(errors, more) from None
    return _Compiler(spec, marks).compile()


def _looks_like_a_pack(data: Mapping[Any, Any]) -> bool:
    known = sum(1 for key in data if key in PolicyPack.model_fields)
    has_header = "format" in data or "id" in data
    return has_header and 2 * known >= len(data)


def _pack_errors(errors: Sequence[PackError], more: int = 0) -> PackErrors:
    """The errors of one load, at most MAX_REPORTED_ERRORS of them, and a count of the rest."""
    shown = list(errors[:MAX_REPORTED_ERRORS])
    more += len(errors) - len(shown)
    if more:
        first = shown[0]
        shown.append(
            PackError(
                f"... and {more:,} more errors",
                code="pack.too_many_errors",
                location=Location(first.location.path) if first.location else None,
                pack=first.pack,
                hint="fix the errors listed and load the pack again",
            )
        )
    return PackErrors(shown)


def _quoted(value: Any, limit: int = _MAX_QUOTED) -> str:
    """`value` as a message quotes it: at most `limit` characters, control characters escaped.

    Keys and values come from the file, which may not be a pack at all (or may hold escape
    sequences for a terminal).
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 128:
        return f"<an integer of {value.bit_length():,} bits>"  # str() of it may be refused
    text = value if isinstance(value, str) else reprlib.repr(value)
    cut = text[:limit]
    shown = "".join(c if c.isprintable() else repr(c)[1:-1] for c in cut)
    return shown + "..." if len(text) > limit else shown


def _where(loc: Sequence[Any]) -> str:
    return "/".join(_quoted(part) if isinstance(part, str) else str(part) for part in loc)


def _resolve(ref: str | Path) -> Path:
    if isinstance(ref, Path) or not _is_name(ref):
        return Path(ref)
    return bundled_pack_path(ref)


def _is_name(ref: str) -> bool:
    """Whether `ref` names a pack rather than a file."""
    return not ("/" in ref or "\\" in ref or ref.endswith((".yaml", ".yml")))


# --- schema errors ------------------------------------------------------------------------------


def _schema_errors(
    exc: ValidationError, marks: Marks, pack_id: Any, data: Any = None
) -> tuple[list[PackError], int]:
    """The first MAX_REPORTED_ERRORS distinct schema errors, located, and how many more there are."""
    selected: list[tuple[tuple[Any, ...], Any]] = []
    more = 0
    seen: set[tuple[Any, ...]] = set()
    for error in exc.errors(include_url=False):
        loc = _data_path(error["loc"], data)
        key = (loc, error["type"])
        if key in seen:
            continue
        seen.add(key)
        if len(selected) < MAX_REPORTED_ERRORS:
            selected.append((loc, error))
        else:
            more += 1  # counted only: locating and hinting every error is what costs
    pack = _quoted(pack_id) if pack_id else None
    errors = [_schema_error(loc, error, marks, pack) for loc, error in selected]
    errors.sort(
        key=lambda e: (e.location.line or 0, e.location.column or 0) if e.location else (0, 0)
    )
    return errors, more


def _schema_error(loc: tuple[Any, ...], error: Any, marks: Marks, pack: str | None) -> PackError:
    kind = error["type"]
    if not loc:
        return PackError(plain_message(error), code="pack.invalid_value", location=marks.locate(()))
    parent = _where(loc[:-1]) or "the pack"
    if kind == "extra_forbidden":
        allowed = sorted(_allowed_keys(loc[:-1]))
        unknown = _quoted(str(loc[-1]))
        hint = _FORMAT_1_KEYS.get(unknown) or did_you_mean(unknown, allowed)
        return PackError(
            f"unexpected key '{unknown}' in {parent}",
            code="pack.unknown_key",
            location=marks.locate(loc, key=True),
            pack=pack,
            hint=f"{hint} allowed: {allowed}" if hint else f"allowed: {allowed}",
        )
    if kind == "missing":
        return PackError(
            f"missing key '{loc[-1]}' in {parent}",
            code="pack.missing_key",
            location=marks.locate(loc[:-1]),
            pack=pack,
            hint=_missing_hint(str(loc[-1])),
        )
    return PackError(
        f"{_where(loc)}: {plain_message(error)}",
        code="pack.invalid_value",
        location=marks.locate(loc),
        pack=pack,
        hint=_value_hint(error, loc),
    )


def _data_path(loc: Sequence[Any], data: Any) -> tuple[Any, ...]:
    """The error's location as a path into the data, without pydantic's union-member tags."""
    path: list[Any] = []
    node = data
    for position, part in enumerate(loc):
        if (isinstance(node, dict) and part in node) or (
            isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
        ):
            node = node[part]
        elif position < len(loc) - 1:
            continue  # a tag such as 'AnyOf' or 'function-after[...]' naming a union member
        path.append(part)
    return tuple(path)


_UPGRADE = "`policyengine upgrade PACK --write` rewrites a format 1 pack as format 2"
_FORMAT_1_KEYS = {
    "stages": "format 2 states the stage a duty falls due, `due_from: <stage>`, instead of "
    f"listing `stages`: it stays due at every later stage; {_UPGRADE}.",
}


def _route_rule(table: DecisionTable, band: Band) -> Rule:
    """The rule a route duty makes of one band: in the band, the route it requires was taken."""
    assert table.duty is not None
    assert band.requires is not None
    inside = [f"({table.when})"] if table.when else []
    for bound, inclusive, op in (
        (band.min, band.min_inclusive, ">=" if band.min_inclusive else ">"),
        (band.max, band.max_inclusive, "<=" if band.max_inclusive else "<"),
    ):
        if bound is not None and inclusive is not None:
            inside.append(f"({table.input}) {op} {bound}")
    # A band open at both ends holds every amount: it applies once the input is known.
    inside = inside or [f"({table.input}) == ({table.input})"]
    duty = table.duty
    return Rule(
        id=route_rule_id(table.id, band.id),
        title=duty.title,
        due_from=duty.due_from,
        when=" and ".join(inside),
        severity=duty.severity,
        consequences=duty.consequences,
        severity_reading=duty.severity_reading,
        category=Category.APPROVAL_ROUTE,
        check=band.requires,
        message=duty.message,
        citation=band.citation,
    )


def _missing_hint(key: str) -> str | None:
    hints = {
        "due_from": "the stage at which the duty falls due (application, approval, acceptance...); "
        "it is checked at that stage and every later one",
        "boundary": "every threshold states whether the number itself is included: "
        "'inclusive' (以上, 以下, 不超过, 不少于) or 'exclusive' (超过, 不满)",
        "citation": "every rule cites its article: {article: N, item: M, quote: '...'}",
        "message": "give the message shown when the rule fails, in zh and en",
        "direction": "'at_least' (reached by larger values) or 'at_most' (a limit)",
        "from": "a recurring deadline runs from a date: 'from: construction_start_date'; "
        "'until' (optional) ends it, e.g. 'until: completion_date'",
        "every": "how often it falls due: year_end, half_year_end or quarter_end",
        "inclusive": "say whether the same day counts: 'inclusive: true' (on or before the "
        "step's date) or 'inclusive: false' (strictly before)",
    }
    return hints.get(key)


def _value_hint(error: Mapping[str, Any], loc: tuple[Any, ...]) -> str | None:
    if loc == ("format",):
        return f"this engine reads pack format {FORMAT}; {_UPGRADE}"
    # An enum's closest member is already in the message (plain_message).
    return unit_hint(error.get("input"))


def _allowed_keys(loc: tuple[Any, ...]) -> set[str]:
    model: Any = PolicyPack
    for part in loc:
        model = _step_into(model, part)
        if model is None:
            return set()
    models = _models_in(model)
    return set().union(*(_keys(m) for m in models)) if models else set()


def _keys(model: type[BaseModel]) -> dict[str, Any]:
    """A model's fields by the key a pack writes (`from`, not the attribute `from_`)."""
    return {info.alias or name: info for name, info in model.model_fields.items()}


def _step_into(annotation: Any, part: Any) -> Any:
    for model in _models_in(annotation):
        fields = _keys(model)
        if isinstance(part, str) and part in fields:
            return fields[part].annotation
    for arg in _flatten(annotation):
        origin = typing.get_origin(arg)
        if origin is list and isinstance(part, int):
            return typing.get_args(arg)[0]
        if origin is dict and isinstance(part, str):
            return typing.get_args(arg)[1]
    return None


def _flatten(annotation: Any) -> list[Any]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return [a for arg in typing.get_args(annotation) for a in _flatten(arg)]
    if origin is typing.Annotated:
        return _flatten(typing.get_args(annotation)[0])
    return [annotation]


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    return [a for a in _flatten(annotation) if isinstance(a, type) and issubclass(a, BaseModel)]


# --- semantic checks and compilation ------------------------------------------------------------


_FACT_NAMES: Mapping[str, NameInfo] = {
    name: NameInfo("fact", spec.kind, spec.vocabulary, facts=frozenset([name]))
    for name, spec in FACTS.items()
}


class _Compiler:
    def __init__(self, spec: PolicyPack, marks: Marks) -> None:
        self.spec = spec
        self.marks = marks
        self.errors: list[PackError] = []
        self.uncounted = 0  # errors found past MAX_REPORTED_ERRORS: counted, not built
        self.names: dict[str, NameInfo] = dict(_FACT_NAMES)
        self.compiled: dict[tuple[str, FactType | None], Expression] = {}

    def compile(self) -> CompiledPack:
        spec = self.spec
        self._add_thresholds()
        definitions = self._compile_definitions()
        applies_when = self._expr(spec.scope.applies_when, ("scope", "applies_when"), FactType.BOOL)
        exclusions = tuple(
            (exclusion, expr)
            for i, exclusion in enumerate(spec.scope.exclusions)
            if (
                expr := self._expr(
                    exclusion.when, ("scope", "exclusions", i, "when"), FactType.BOOL, exclusion.id
                )
            )
            is not None
        )
        tables = tuple(
            table
            for i, spec_table in enumerate(spec.decision_tables)
            if (table := self._compile_table(spec_table, i)) is not None
        )
        rules = self._compile_rules() + self._compile_route_duties()
        self._check_unique_ids()
        if self.errors:
            raise _pack_errors(self.errors, self.uncounted)
        expressions = [expr for _, expr in definitions] + [expr for _, expr in exclusions]
        expressions += [applies_when] if applies_when is not None else []
        expressions += [e for t in tables for e in (t.input, t.when) if e is not None]
        for rule in rules:
            expressions += rule.expressions()
        needed = {name for expr in expressions for name in expr.facts}
        if spec.required_documents:
            needed.add("documents")
        if spec.prohibited_items:
            needed.add("items")
        return CompiledPack(
            spec=spec,
            path=self.marks.path,
            thresholds={name: t.value for name, t in spec.thresholds.items()},
            definitions=definitions,
            applies_when=applies_when,
            exclusions=exclusions,
            tables=tables,
            rules=rules,
            rule_index={rule.id: rule for rule in rules},
            reader=FactReader(frozenset(needed)),
            marks=self.marks,
        )

    # names -------------------------------------------------------------------------------

    def _add_thresholds(self) -> None:
        for name, threshold in self.spec.thresholds.items():
            if self._name_clash("thresholds", name, "threshold", "a fact"):
                continue
            self.names[name] = NameInfo(
                "threshold",
                FactType.DECIMAL,
                upper_side_holds_value=threshold.upper_side_holds_value,
            )

    def _name_clash(self, section: str, name: str, what: str, taken: str) -> bool:
        """Report a threshold or definition that takes a name already in use; True if it does."""
        if name in RESERVED_NAMES:
            # Expressions look functions up by name: a pack name would shadow the function.
            self._error(
                (section, name),
                f"{what} '{name}' has the name of a function or keyword of expressions",
                "pack.name_clash",
                key=True,
                hint=f"rename the {what}; reserved: " + ", ".join(sorted(FUNCTIONS)),
            )
            return True
        if name in self.names:
            self._error(
                (section, name),
                f"{what} '{name}' has the name of {taken}",
                "pack.name_clash",
                key=True,
                hint=f"rename the {what}",
            )
            return True
        return False

    def _compile_definitions(self) -> tuple[tuple[str, Expression], ...]:
        definitions = self.spec.definitions
        for name in definitions:
            self._name_clash("definitions", name, "definition", "a fact or threshold")
        # Each definition is parsed for the names it reads and compiled once, in dependency order
        # (a definition may read one written below it): linear in the number of definitions.
        reads = {
            name: _names_in(definition.expression) & definitions.keys()
            for name, definition in definitions.items()
        }
        order, cyclic = _dependency_order(reads)
        compiled: list[tuple[str, Expression]] = []
        failed: set[str] = set()
        for name in order:
            if reads[name] & failed:
                # A definition it reads is in error already: that error is the one to report.
                failed.add(name)
                continue
            source = definitions[name].expression
            try:
                expr = compile_expression(source, self.names)
            except ExpressionError as exc:
                self._expr_error(exc, ("definitions", name, "expression"), None, source)
                failed.add(name)
                continue
            assert expr.type is not None
            self.names[name] = NameInfo(
                "definition",
                expr.type,
                _vocabulary_of(expr, self.names),
                facts=expr.facts,
                members=expr.reads.members,
            )
            compiled.append((name, expr))
        if cyclic:
            listed = ", ".join(cyclic[:_MAX_LISTED])
            if len(cyclic) > _MAX_LISTED:
                listed += f", ... and {len(cyclic) - _MAX_LISTED} more"
            for name in cyclic:
                self._error(
                    ("definitions", name),
                    f"definition '{name}' depends on itself (a cycle among: {listed})",
                    "pack.definition_cycle",
                    key=True,
                )
        return tuple(compiled)

    def _expr(
        self,
        source: str | None,
        loc: tuple[Any, ...],
        expect: FactType | None,
        rule_id: str | None = None,
    ) -> Expression | None:
        if source is None:
            return None
        # Packs repeat conditions ("needs_approval and not special_route"); compile each once.
        key = (source.strip(), expect)
        cached = self.compiled.get(key)
        if cached is not None:
            return cached
        try:
            expression = compile_expression(source, self.names, expect=expect)
        except ExpressionError as exc:
            self._expr_error(exc, loc, rule_id, source)
            return None
        self.compiled[key] = expression
        return expression

    def _expr_error(
        self, exc: ExpressionError, loc: tuple[Any, ...], rule_id: str | None, source: str
    ) -> None:
        message = exc.message
        if exc.column is not None:
            message += f" (column {exc.column} of the expression)"
        self._add(
            lambda: PackError(
                message,
                code="pack.expression",
                location=self.marks.locate(loc),
                pack=self.spec.id,
                rule_id=rule_id,
                expression=source,
                hint=exc.hint,
            )
        )

    # decision tables ---------------------------------------------------------------------

    def _compile_table(self, table: DecisionTable, index: int) -> CompiledTable | None:
        loc = ("decision_tables", index)
        input_expr = self._expr(table.input, (*loc, "input"), FactType.DECIMAL, table.id)
        when = self._expr(table.when, (*loc, "when"), FactType.BOOL, table.id)
        bounds = []
        for b, band in enumerate(table.bands):
            low = self._bound(band, "min", (*loc, "bands", b), table.id)
            high = self._bound(band, "max", (*loc, "bands", b), table.id)
            bounds.append((low, band.min_inclusive, high, band.max_inclusive))
        self._check_bands(table, bounds, loc)
        if input_expr is None:
            return None
        return CompiledTable(table, input_expr, when, tuple(bounds))

    def _bound(self, band: Band, side: str, loc: tuple[Any, ...], table_id: str) -> Decimal | None:
        value = getattr(band, side)
        if value is None:
            return None
        if isinstance(value, Decimal):
            return value
        threshold = self.spec.thresholds.get(value)
        if threshold is None:
            self._error(
                (*loc, side),
                f"'{value}' is neither a number nor a threshold of this pack",
                "pack.unknown_threshold",
                rule_id=table_id,
                hint=did_you_mean(value, self.spec.thresholds) or "define it under thresholds",
            )
            return None
        self._check_band_boundary(band, side, value, threshold, loc, table_id)
        return threshold.value

    def _check_band_boundary(
        self,
        band: Band,
        side: str,
        name: str,
        threshold: Threshold,
        loc: tuple[Any, ...],
        table_id: str,
    ) -> None:
        inclusive = getattr(band, f"{side}_inclusive")
        # The threshold's own number belongs to the upper band iff upper_side_holds_value.
        expected = (
            threshold.upper_side_holds_value
            if side == "min"
            else (not threshold.upper_side_holds_value)
        )
        if inclusive != expected:
            self._error(
                (*loc, f"{side}_inclusive"),
                f"band '{band.id}': {side}_inclusive is {str(inclusive).lower()}, but threshold "
                f"'{name}' is {threshold.direction} {threshold.boundary}, which puts its number "
                f"{'in' if expected else 'outside'} this band",
                "pack.boundary_mismatch",
                rule_id=table_id,
                hint=f"set {side}_inclusive: {str(expected).lower()}, or fix the threshold",
            )

    def _check_bands(
        self,
        table: DecisionTable,
        bounds: list[tuple[Decimal | None, bool | None, Decimal | None, bool | None]],
        loc: tuple[Any, ...],
    ) -> None:
        for b, (low, _, high, _) in enumerate(bounds):
            if low is not None and high is not None and low > high:
                self._error(
                    (*loc, "bands", b),
                    f"band '{table.bands[b].id}' has min > max",
                    "pack.band_order",
                    rule_id=table.id,
                )
        for b in range(len(bounds) - 1):
            _, _, high, high_inc = bounds[b]
            low, low_inc, _, _ = bounds[b + 1]
            here, there = table.bands[b].id, table.bands[b + 1].id
            if high is None or low is None:
                self._error(
                    (*loc, "bands", b + 1),
                    f"bands '{here}' and '{there}' do not meet: only the first band may be open "
                    "below and only the last open above",
                    "pack.band_gap",
                    rule_id=table.id,
                )
                continue
            if high != low:
                kind = "gap" if high < low else "overlap"
                self._error(
                    (*loc, "bands", b + 1),
                    f"{kind} between bands '{here}' (max {high}) and '{there}' (min {low})",
                    f"pack.band_{kind}",
                    rule_id=table.id,
                    hint="the max of one band must equal the min of the next",
                )
            elif high_inc and low_inc:
                self._error(
                    (*loc, "bands", b + 1),
                    f"overlap: {high} belongs to both '{here}' and '{there}'",
                    "pack.band_overlap",
                    rule_id=table.id,
                    hint="exactly one of the two bands includes the shared bound; where the law "
                    "is ambiguous, choose one reading and state it in the threshold's 'reading'",
                )
            elif not high_inc and not low_inc:
                self._error(
                    (*loc, "bands", b + 1),
                    f"gap: {high} belongs to neither '{here}' nor '{there}'",
                    "pack.band_gap",
                    rule_id=table.id,
                    hint="exactly one of the two bands includes the shared bound",
                )
        first_low = bounds[0][0]
        if first_low is not None and first_low > 0:
            self._error(
                (*loc, "bands", 0),
                f"the first band starts at {first_low}, leaving smaller values undecided",
                "pack.band_gap",
                rule_id=table.id,
                hint="start the first band at 0 (inclusive) or leave min empty",
            )
        if bounds[-1][2] is not None:
            self._error(
                (*loc, "bands", len(bounds) - 1),
                "the last band has a max, leaving larger values undecided",
                "pack.band_gap",
                rule_id=table.id,
                hint="leave the last band's max empty",
            )

    # rules -------------------------------------------------------------------------------

    def _compile_rules(self) -> tuple[CompiledRule, ...]:
        compiled: list[CompiledRule] = []
        for section in RULE_SECTIONS:
            for index, rule in enumerate(getattr(self.spec, section)):
                loc = (section, index)
                result = self._compile_rule(section, rule, loc)
                if result is not None:
                    compiled.append(result)
        return tuple(compiled)

    def _compile_rule(
        self, section: str, rule: AnyRule, loc: tuple[Any, ...]
    ) -> CompiledRule | None:
        before = self.found
        when = self._expr(rule.when, (*loc, "when"), FactType.BOOL, rule.id)
        test = anchor = year = gap = recurs_from = recurs_until = None
        exceptions: list[tuple[RuleException, Expression]] = []
        for e, exception in enumerate(rule.exceptions):
            expr = self._expr(
                exception.when, (*loc, "exceptions", e, "when"), FactType.BOOL, rule.id
            )
            if expr is not None:
                exceptions.append((exception, expr))
        documents: tuple[Document | tuple[Document, ...], ...] = ()
        if isinstance(rule, Rule):
            test = self._expr(rule.check, (*loc, "check"), FactType.BOOL, rule.id)
            if rule.source_gap is not None:
                gap = self._expr(
                    rule.source_gap.when, (*loc, "source_gap", "when"), FactType.BOOL, rule.id
                )
        elif isinstance(rule, AcceptanceFailure):
            test = self._expr(rule.condition, (*loc, "condition"), FactType.BOOL, rule.id)
        elif isinstance(rule, RequiredDocuments):
            documents = tuple(
                tuple(d.any_of) if isinstance(d, AnyOf) else d for d in rule.documents
            )
        elif isinstance(rule, Deadline):
            anchor = self._expr(rule.anchor, (*loc, "anchor"), FactType.DATE, rule.id)
            if rule.fixed is not None:
                year = self._expr(rule.fixed.year, (*loc, "fixed", "year"), FactType.INT, rule.id)
            if rule.recurs is not None:
                where = (*loc, "recurs")
                recurs_from = self._expr(
                    rule.recurs.from_, (*where, "from"), FactType.DATE, rule.id
                )
                recurs_until = self._expr(
                    rule.recurs.until, (*where, "until"), FactType.DATE, rule.id
                )
        if self.found > before:
            return None
        return CompiledRule(
            section=section,
            index=loc[1],
            spec=rule,
            when=when,
            test=test,
            exceptions=tuple(exceptions),
            anchor=anchor,
            year=year,
            recurs_from=recurs_from,
            recurs_until=recurs_until,
            documents=documents,
            gap=gap,
        )

    def _compile_route_duties(self) -> tuple[CompiledRule, ...]:
        """Each band that `requires` a route, as a rule '<table>.<band>' after the pack's rules.

        The rule applies when the table applies and the input falls in the band; its check is
        the band's `requires`. A rule, so that unknown facts, exceptions, justifications and both
        evaluation paths treat a route exactly as any other duty.
        """
        compiled: list[CompiledRule] = []
        for t, table in enumerate(self.spec.decision_tables):
            if table.duty is None:
                continue
            for b, band in enumerate(table.bands):
                if band.requires is None:
                    continue
                rule = _route_rule(table, band)
                loc = ("decision_tables", t, "bands", b)
                when = self._expr(rule.when, ("decision_tables", t), FactType.BOOL, rule.id)
                test = self._expr(band.requires, (*loc, "requires"), FactType.BOOL, rule.id)
                if when is None or test is None:
                    continue
                compiled.append(
                    CompiledRule(
                        section="decision_tables", index=t, spec=rule, when=when, test=test
                    )
                )
        return tuple(compiled)

    def _check_unique_ids(self) -> None:
        first: dict[str, tuple[Any, ...]] = {}
        places: list[tuple[str, tuple[Any, ...]]] = [
            (exclusion.id, ("scope", "exclusions", i))
            for i, exclusion in enumerate(self.spec.scope.exclusions)
        ]
        places += [(t.id, ("decision_tables", i)) for i, t in enumerate(self.spec.decision_tables)]
        for section in RULE_SECTIONS:
            places += [(r.id, (section, i)) for i, r in enumerate(getattr(self.spec, section))]
        places += [
            (route_rule_id(table.id, band.id), ("decision_tables", t, "bands", b, "requires"))
            for t, table in enumerate(self.spec.decision_tables)
            for b, band in enumerate(table.bands)
            if band.requires is not None
        ]
        for rule_id, loc in places:
            if rule_id in first:
                line = self.marks.locate(first[rule_id]).line
                self._error(
                    (*loc, "id"),
                    f"duplicate id '{rule_id}' (first used at line {line})",
                    "pack.duplicate_id",
                    rule_id=rule_id,
                    hint="ids are unique across the whole pack",
                )
            else:
                first[rule_id] = loc

    def _error(
        self,
        loc: tuple[Any, ...],
        message: str,
        code: str,
        *,
        rule_id: str | None = None,
        hint: str | None = None,
        key: bool = False,
    ) -> None:
        self._add(
            lambda: PackError(
                message,
                code=code,
                location=self.marks.locate(loc, key=key),
                pack=self.spec.id,
                rule_id=rule_id,
                hint=hint,
            )
        )

    def _add(self, make: Callable[[], PackError]) -> None:
        # Past the limit an error is only counted: building it (its hint above all) is the cost.
        if len(self.errors) < MAX_REPORTED_ERRORS:
            self.errors.append(make())
        else:
            self.uncounted += 1

    @property
    def found(self) -> int:
        """How many errors were found so far, reported or only counted."""
        return len(self.errors) + self.uncounted


def _names_in(source: str) -> set[str]:
    """The names an expression's text reads (empty if it does not parse: compiling reports that)."""
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def _dependency_order(reads: Mapping[str, set[str]]) -> tuple[list[str], list[str]]:
    """Names ordered so that each comes after the names it reads (Kahn's algorithm), and the
    names that cannot be ordered (on a cycle, or reading one), both in declaration order.

    Among the names ready at each step the first declared goes first, so that definitions
    written in dependency order keep their order.
    """
    names = list(reads)
    index = {name: i for i, name in enumerate(names)}
    waiting = {name: len(read) for name, read in reads.items()}
    readers: dict[str, list[str]] = {name: [] for name in names}
    for name, read in reads.items():
        for other in read:
            readers[other].append(name)
    ready = [index[name] for name in names if waiting[name] == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        name = names[heapq.heappop(ready)]
        order.append(name)
        for reader in readers[name]:
            waiting[reader] -= 1
            if waiting[reader] == 0:
                heapq.heappush(ready, index[reader])
    return order, [name for name in names if waiting[name] > 0]


def _vocabulary_of(expr: Expression, names: Mapping[str, NameInfo]) -> Any:
    # A definition that is just another name inherits its vocabulary (e.g. an alias of `items`).
    if len(expr.names) == 1 and expr.source.strip() in names:
        return names[expr.source.strip()].vocabulary
    return None


@cache
def _bundled(name: str) -> CompiledPack:
    return load_pack(name)


def get_pack(ref: str | CompiledPack) -> CompiledPack:
    """A pack object from a pack, a name or a path (bundled packs are loaded once and cached)."""
    if isinstance(ref, CompiledPack):
        return ref
    if ref in BUNDLED_PACKS:
        return _bundled(ref)
    return load_pack(ref)
