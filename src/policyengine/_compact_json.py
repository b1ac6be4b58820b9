"""The compact verdict's JSON, written straight from a verdict: no model per finding.

`compact(verdict, pack).model_dump_json(exclude_defaults=True)` builds a Pydantic model per
finding, decision and assumption only to write them out again. `write` gives the same bytes from
the verdict's fields and its findings' records (`Finding`'s slots): the same keys in the same
order, no whitespace, non-ASCII characters as they are, and a field left out exactly where the
model's dump leaves it out (equal to its default). Most findings are only a status: a finding
whose facts are still the evaluation's (`UnreadFacts`) and that adds nothing its rule table
entry does not imply is a status in `statuses` and nothing more. The verdict's facts are then
the evaluation's values, converted once; a finding whose facts are its own is weighed as
`compact` weighs it (`_Scan`, `_evaluated`). The facts are encoded by pydantic-core's own
serializer (`pydantic_core.to_json`), the one the model's dump uses.

Strings are escaped by the standard library's C encoder (`json.encoder.encode_basestring`, what
`json.dumps(..., ensure_ascii=False)` uses), which escapes what pydantic-core escapes and nothing
else: the quote, the backslash and the control characters (as \\b \\f \\n \\r \\t, else \\u00xx).
What pydantic-core refuses to write, a lone surrogate (which a Project refuses, but a Verdict
built in Python may hold), is refused with its error. Dates are written as ISO dates, decimals as
their `str`, enums as their values.
"""

from __future__ import annotations

import datetime as dt
import json
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic_core import PydanticSerializationError, to_json

from . import compact as _compact
from .loader import CompiledPack, CompiledRule
from .pack import Text
from .verdict import (
    MORE_FIELDS,
    Assumption,
    DeadlineResult,
    Decision,
    DueDate,
    FactSource,
    FactValue,
    Finding,
    Status,
    UnreadFacts,
    Verdict,
    unread_facts,
)

_string = json.encoder.encode_basestring
"""A str as a JSON string, non-ASCII characters as they are (C-accelerated)."""


def _facts_json(value: Any) -> str:
    """Facts (a dict of them, or one value) as JSON, by pydantic-core's own serializer: the
    bytes the model's dump gives them, three times as fast as the standard library's encoder."""
    return to_json(value).decode()


_HEAD = (
    '{"format":"policyengine.verdict.compact","format_version":%d,"pack_id":%s,"pack_version":%s'
)

_MORE_FIELDS = tuple(name for name in MORE_FIELDS if name != "message")
"""The fields a finding may add, in the compact form's order (a finding's message is its
rule's, in the rule table, or says what is missing or found)."""
_STATUS = {status: f'"{status.value}"' for status in Status}


@dataclass(frozen=True, slots=True, eq=False)
class _RuleJSON:
    """What the findings of one rule share in the compact form."""

    rule: CompiledRule
    position: int  # in the rule table: where `statuses` gives the finding's status
    opened: str  # '{"rule_id":...'
    failing: dict[str, Any] | None  # what every plain failure of the rule adds (see `_plain`)
    consequences: list[Any]  # what each failure carries, which the rule table gives


@dataclass(frozen=True, slots=True, eq=False)
class _Unread:
    """Facts still the evaluation's (an `UnreadFacts`): the names recorded whole, the list
    judged and the members asked about, and the finding's `"read"` where its facts are not its
    rule's `reads`."""

    names: frozenset[str]
    judged: str | None
    asked: frozenset[str]
    read: str


def _rule_json(rule: CompiledRule, position: int) -> _RuleJSON:
    opened = f'{{"rule_id":{_string(rule.id)}'
    return _RuleJSON(rule, position, opened, rule.failing, rule.consequences)


def _unread(rule: CompiledRule, judged: bool) -> _Unread:
    own = rule.judged_alone if judged else None
    keys = {*rule.fact_names, *([own] if own else [])}
    read = "" if keys == rule.recorded else f',"read":{_strings(sorted(keys))}'
    return _Unread(frozenset(rule.fact_names), own, rule.asked if own else frozenset(), read)


@dataclass(frozen=True, slots=True)
class _PackJSON:
    """What the compact verdicts of one pack share: by rule id, and by unread facts."""

    rules: dict[str, _RuleJSON]
    unread: dict[UnreadFacts, _Unread]
    count: int  # of rules: the length of `statuses`


# Per pack, by identity: a pack is kept alive by its caller, and its entry leaves with it.
_PACKS: dict[int, tuple[weakref.ref[CompiledPack], _PackJSON]] = {}


def _pack_json(pack: CompiledPack) -> _PackJSON:
    key = id(pack)
    entry = _PACKS.get(key)
    if entry is not None and entry[0]() is pack:
        return entry[1]
    unread = {rule.unread: _unread(rule, False) for rule in pack.rules}
    unread.update({rule.unread_judged: _unread(rule, True) for rule in pack.rules})
    rules = {rule.id: _rule_json(rule, position) for position, rule in enumerate(pack.rules)}
    known = _PackJSON(rules, unread, len(pack.rules))

    def forget(ref: weakref.ref[CompiledPack]) -> None:
        if _PACKS.get(key, (None,))[0] is ref:
            del _PACKS[key]

    _PACKS[key] = (weakref.ref(pack, forget), known)
    return known


def write(verdict: Verdict, pack: CompiledPack, format_version: int) -> str:
    """`compact(verdict, pack).model_dump_json(exclude_defaults=True)`, written directly."""
    findings = verdict.findings
    scan = _Scan(_pack_json(pack), pack, findings) if findings else None
    out = [_HEAD % (format_version, _string(verdict.pack_id), _string(verdict.pack_version))]
    if verdict.project_id is not None:
        out += ',"project_id":', _string(verdict.project_id)
    if verdict.project_name is not None:
        out += ',"project_name":', _string(verdict.project_name)
    if verdict.stage is not None:
        out += ',"stage":', _string(verdict.stage)
    out += ',"stage_basis":', _string(verdict.stage_basis)
    if verdict.as_of is not None:
        out += ',"as_of":', _date(verdict.as_of)
    if verdict.in_scope is not None:
        out.append(',"in_scope":true' if verdict.in_scope else ',"in_scope":false')
    if verdict.scope_missing_facts:
        out += ',"scope_missing_facts":', _strings(verdict.scope_missing_facts)
    if verdict.exclusion is not None:
        out += ',"exclusion_id":', _string(verdict.exclusion.id)
    if verdict.assumptions:
        out += ',"assumptions":', _assumptions(verdict.assumptions)
    if verdict.attestations:
        out += ',"attestations":', _strings(verdict.attestations)
    if scan is not None and scan.shared:
        out += ',"facts":', _facts_json(scan.shared)
    out += ',"status":', _string(verdict.status)
    if verdict.route is not None and verdict.route.band_id is not None:
        out += ',"route":', _string(verdict.route.band_id)
    if verdict.decisions:
        out += ',"decisions":[', ",".join(map(_decision, verdict.decisions)), "]"
    if scan is not None:
        out += ',"statuses":[', ",".join(scan.statuses), "]"
        if scan.written:
            out += ',"findings":[', ",".join(scan.written), "]"
    if verdict.missing_documents:
        out += ',"missing_documents":', _strings(verdict.missing_documents)
    if verdict.consequences:
        out += ',"consequences":', _strings(verdict.consequences)
    out.append("}")
    return _encodable("".join(out))


class _Scan:
    """The findings of a verdict in the compact form: their statuses, the verdict's facts, and
    the findings that say more than their status, in one pass and a few set operations.

    The facts of most findings are still the evaluation's (`UnreadFacts`): the verdict's value
    of a fact one of them records whole is the evaluation's, and of a list they only judge, the
    evaluation's with the members any of them asks about. Where every finding whose facts are
    its own agrees with the evaluation (a deadline's, which records its dates), they add their
    names to these; `compact`'s reading (`compact.verdict_facts`: the first value recorded
    whole, else the union of those judged) then gives the same values. Where one does not (a
    verdict made or changed by hand), every finding's facts are read and weighed as `compact`
    weighs them.
    """

    def __init__(self, known: _PackJSON, pack: CompiledPack, findings: list[Finding]) -> None:
        rules = known.rules
        unread = known.unread
        slots = ["null"] * known.count
        keys: set[UnreadFacts] = set()
        source: FactSource | None = None
        more_to_say: list[tuple[Finding, _RuleJSON, _Unread | None]] = []
        last = -1
        for finding in findings:
            rule = rules[finding._rule.rule_id]
            position = rule.position
            if position <= last:
                raise _compact.out_of_order(finding._rule.rule_id, pack)
            last = position
            status = finding.status
            slots[position] = _STATUS[status]
            found = unread_facts(finding, source)
            if found is None:
                more_to_say.append((finding, rule, None))
                continue
            key, source = found
            keys.add(key)
            entry = unread[key]
            if entry.read or not _plain(finding._more, rule, status):
                more_to_say.append((finding, rule, entry))
        self.statuses = slots
        own = [(f, r) for f, r, entry in more_to_say if entry is None]

        def read_before(finding: Finding, name: str) -> bool:
            """Whether a finding before `finding` records `name` whole from the evaluation."""
            at = next(i for i, each in enumerate(findings) if each is finding)
            for before in findings[:at]:
                found = unread_facts(before, source)
                if found is not None and name in unread[found[0]].names:
                    return True
            return False

        entries = [unread[key] for key in keys]
        shared = None if source is None else _evaluated(source, entries, own, read_before)
        if shared is None:
            self.shared = self._read_all(findings, rules)
            every = [(f, rules[f._rule.rule_id], None) for f in findings]
            written = [self._finding(*finding) for finding in every]
        else:
            self.shared = shared
            written = [self._finding(*finding) for finding in more_to_say]
        self.written = [text for text in written if text]

    def _read_all(self, findings: list[Finding], rules: dict[str, _RuleJSON]) -> dict[str, Any]:
        """The verdict's facts as `compact` reads them: every finding's facts written out."""
        records = []
        for finding in findings:
            rule = rules[finding._rule.rule_id].rule
            records.append((rule.judged_alone, finding.facts))
        return _compact.verdict_facts(records)

    def _finding(self, finding: Finding, rule: _RuleJSON, entry: _Unread | None) -> str:
        """A finding's JSON, or "" where it says nothing beyond its status. Facts still the
        evaluation's (`entry`) are the verdict's; other facts are weighed against them."""
        out = [rule.opened]
        if entry is not None:
            out.append(entry.read)
        else:
            facts = finding.facts
            compiled = rule.rule
            if compiled.recorded != facts.keys():
                out += ',"read":', _strings(sorted(facts))
            shared = self.shared
            own = [
                (name, value)
                for name, value in facts.items()
                if value != _compact.implied(name, compiled, shared)
            ]
            if own:
                out += ',"facts":{', ",".join([f"{_string(n)}:{_value(v)}" for n, v in own]), "}"
        more = finding._more
        for name in _MORE_FIELDS:
            if name == "consequences":
                out.append(_consequences(more, rule, finding.status))
            elif name in more:
                value = more[name]
                if value is not None and value != [] and value != ():
                    out += ',"', name, '":', _WRITERS[name](value)
        if len(out) == 1 or not "".join(out[1:]):
            return ""
        out.append("}")
        return "".join(out)


def _consequences(more: dict[str, Any], rule: _RuleJSON, status: Status) -> str:
    """A finding's `"consequences"`, where they are not its rule's for its status."""
    stated = list(more.get("consequences") or ())
    if stated == (rule.consequences if status is Status.FAIL else []):
        return ""
    return f',"consequences":{_strings(stated)}'


def _plain(more: dict[str, Any], rule: _RuleJSON, status: Status) -> bool:
    """Whether a finding whose fields beyond status and facts are `more` adds nothing to the
    compact form: none, a message only (its rule's, or one that says what is missing), or the
    plain failure of a condition (its message and its rule's consequences)."""
    if not more or more.keys() == _MESSAGE:
        return True
    return more is rule.failing and status is Status.FAIL


_MESSAGE = frozenset({"message"})


def _evaluated(
    source: FactSource,
    entries: list[_Unread],
    own: list[tuple[Finding, _RuleJSON]],
    read_before: Callable[[Finding, str], bool],
) -> dict[str, Any] | None:
    """The verdict's facts, sorted by name, as `compact.verdict_facts` gives them, from the
    evaluation `source` and the findings whose facts are their own (`own`, in order); None where
    those findings differ from the evaluation on a fact it reads, so that which finding comes
    first would matter.

    Each fact a finding of the evaluation records whole has the evaluation's value; each list
    they only judge, the evaluation's with the members any of them asks about. A fact only the
    other findings record has the first value they record (a deadline's dates).
    """
    whole: set[str] = set()
    asked: dict[str, set[str]] = {}
    for entry in entries:
        whole |= entry.names
        if entry.judged is not None:
            asked.setdefault(entry.judged, set()).update(entry.asked)
    first: dict[str, FactValue] = {}
    judged: dict[str, list[FactValue]] = {}
    for finding, rule in own:
        alone = rule.rule.judged_alone
        for name, value in finding.facts.items():
            if name == alone:
                judged.setdefault(name, []).append(value)
            elif name in whole:
                if value != source[name] and not read_before(finding, name):
                    return None  # first recorded with another value: every finding is weighed
            elif name in asked and value != source[name]:
                return None  # the lists the evaluation's findings judged would be this one
            elif name not in first:
                first[name] = value
    values = source.values_of(whole)
    values.update(first)
    for name, members in asked.items():
        if name not in values:
            value = values[name] = _compact.only(source[name], members)
            for other in judged.pop(name, ()):
                # Another finding's judged list must add nothing the evaluation lacks.
                if other is not None and (
                    not _compact.joinable(value, other) or _compact.union(value, other) != value
                ):
                    return None
    for name, recorded in judged.items():
        if name not in values:
            value = recorded[0]
            for other in recorded[1:]:
                value = _compact.union(value, other)
            values[name] = value
    return dict(sorted(values.items()))


def _encodable(text: str) -> str:
    """`text`, unless it holds a lone surrogate, which UTF-8 cannot encode: then the error
    pydantic-core raises for it."""
    if not text.isascii():  # an ASCII text is known to be so without a scan
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            message = f"Error serializing to JSON: UnicodeEncodeError: {exc}"
            raise PydanticSerializationError(message) from None
    return text


def _value(value: FactValue) -> str:
    """One fact's value; the common kinds by hand, the rest by the standard encoder."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        try:
            return _strings(value)
        except TypeError:  # not strings (an unchecked finding's): as the encoder writes them
            pass
    return _facts_json(value)


def _decision(decision: Decision) -> str:
    out = ['{"table_id":', _string(decision.table_id), ',"status":', _string(decision.status)]
    if decision.input is not None:
        out += ',"input":"', str(decision.input), '"'
    if decision.band_id is not None:
        out += ',"band_id":', _string(decision.band_id)
    if decision.missing_facts:
        out += ',"missing_facts":', _strings(decision.missing_facts)
    out.append("}")
    return "".join(out)


def _assumptions(assumptions: list[Assumption]) -> str:
    written = []
    for assumption in assumptions:
        out = ['{"exception_id":', _string(assumption.exception_id)]
        if assumption.rule_id is not None:
            out += ',"rule_id":', _string(assumption.rule_id)
        if assumption.missing_facts:
            out += ',"missing_facts":', _strings(assumption.missing_facts)
        out.append("}")
        written.append("".join(out))
    return f"[{','.join(written)}]"


def _deadline(deadline: DeadlineResult) -> str:
    out = ['{"rule_id":', _string(deadline.rule_id), ',"event":', _string(deadline.event)]
    if deadline.anchor is not None:
        out += ',"anchor":', _date(deadline.anchor)
    if deadline.window_start is not None:
        out += ',"window_start":', _date(deadline.window_start)
    if deadline.due is not None:
        out += ',"due":', _date(deadline.due)
    if deadline.event_date is not None:
        out += ',"event_date":', _date(deadline.event_date)
    out += ',"state":', _string(deadline.state)
    if deadline.note is not None:
        out += ',"note":', _string(deadline.note)
    if deadline.every is not None:
        out += ',"every":', _string(deadline.every)
    if deadline.until is not None:
        out += ',"until":', _date(deadline.until)
    if deadline.before is not None:
        out += ',"before":', _string(deadline.before)
    if deadline.due_dates:
        out += ',"due_dates":[', ",".join(map(_due_date, deadline.due_dates)), "]"
    out.append("}")
    return "".join(out)


def _due_date(due: DueDate) -> str:
    event = "" if due.event_date is None else f',"event_date":{_date(due.event_date)}'
    return f'{{"due":{_date(due.due)},"state":{_string(due.state)}{event}}}'


_WRITERS: dict[str, Callable[[Any], str]] = {}
"""How each of a finding's further fields is written; filled below its writers."""


def _text(text: Text) -> str:
    return f'{{"zh":{_string(text.zh)},"en":{_string(text.en)}}}'


def _strings(values: Iterable[str]) -> str:
    return f"[{','.join(map(_string, values))}]"


def _date(value: dt.date) -> str:
    return f'"{value.isoformat()}"'


_WRITERS.update(
    missing_facts=_strings,
    missing_documents=_strings,
    prohibited_items=_strings,
    exception=_text,
    justification=_string,
    assumptions=_assumptions,
    consequences=_strings,
    deadline=_deadline,
    error=_string,
)
