"""The compact verdict's JSON, written straight from a verdict: no model per finding.

`compact(verdict, pack).model_dump_json(exclude_defaults=True)` builds a Pydantic model per
finding, decision and assumption only to write them out again. `write` gives the same bytes from
the verdict's fields and its findings' records (`Finding`'s slots): the same keys in the same
order, no whitespace, non-ASCII characters as they are, and a field left out exactly where the
model's dump leaves it out (equal to its default: None, an empty list, an empty dict). What every
verdict of a pack shares is worked out once per pack and kept while the pack lives: each rule's
recorded facts, the JSON of its id with each status (which is all most findings are) and of its
plain failures' fields. A finding's facts not yet written out (`UnreadFacts`) are not written out
for it: the verdict's facts are the evaluation's values, converted once (see `_Findings`).

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

from pydantic_core import PydanticSerializationError

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
_facts_json = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), check_circular=False
).encode
"""Facts as JSON. Not `sort_keys`: that would sort a partial record's present and absent too."""

_HEAD = (
    '{"format":"policyengine.verdict.compact","format_version":%d,"pack_id":%s,"pack_version":%s'
)

_MORE_FIELDS = tuple(name for name in MORE_FIELDS if name != "message")
"""The fields a finding may add to its status and facts, in the compact form's order (a
finding's message is its rule's, in the rule table)."""


@dataclass(frozen=True, slots=True)
class _RuleJSON:
    """What the findings of one rule share in JSON."""

    reads: frozenset[str]  # the facts its findings record, unless a finding says otherwise
    opened: dict[Status, str]  # '{"rule_id":...,"status":...' for each status
    plain: dict[Status, str]  # the same, closed: a finding with nothing more to say
    failing: dict[str, Any] | None  # the fields every plain failure of the rule shares
    failed: str  # ... and their JSON, closing the finding


@dataclass(frozen=True, slots=True)
class _Unread:
    """A finding's facts before they are written out (`UnreadFacts`): the names it reads, each
    with the evaluation's one value of it, and the list it judged, which is its own."""

    names: tuple[str, ...]  # in the order the finding's facts have them
    judged: str | None  # the judged list recorded after them, where no expression reads it whole
    read: str  # the finding's `"read"`, where its facts are not its rule's `reads`
    rule: CompiledRule | None  # the rule, where it records a judged list


def _rule_json(rule: CompiledRule) -> _RuleJSON:
    opened = {
        status: f'{{"rule_id":{_string(rule.id)},"status":"{status.value}"' for status in Status
    }
    plain = {status: f"{text}}}" for status, text in opened.items()}
    failing = rule.failing
    return _RuleJSON(rule.recorded, opened, plain, failing, _more(failing or {}))


def _unread(rule: CompiledRule, judged: bool) -> _Unread:
    own = rule.judged_alone if judged else None
    keys = {*rule.fact_names, *([own] if own else [])}
    read = "" if keys == rule.recorded else f',"read":{_strings(sorted(keys))}'
    return _Unread(rule.fact_names, own, read, rule if own else None)


@dataclass(frozen=True, slots=True)
class _PackJSON:
    """What the compact verdicts of one pack share: by rule id, and by unread facts."""

    rules: dict[str, _RuleJSON]
    unread: dict[UnreadFacts, _Unread]


# Per pack, by identity: a pack is kept alive by its caller, and its entry leaves with it.
_PACKS: dict[int, tuple[weakref.ref[CompiledPack], _PackJSON]] = {}


def _pack_json(pack: CompiledPack) -> _PackJSON:
    key = id(pack)
    entry = _PACKS.get(key)
    if entry is not None and entry[0]() is pack:
        return entry[1]
    unread = {rule.unread: _unread(rule, False) for rule in pack.rules}
    unread.update({rule.unread_judged: _unread(rule, True) for rule in pack.rules})
    rules = _PackJSON({rule.id: _rule_json(rule) for rule in pack.rules}, unread)

    def forget(ref: weakref.ref[CompiledPack]) -> None:
        if _PACKS.get(key, (None,))[0] is ref:
            del _PACKS[key]

    _PACKS[key] = (weakref.ref(pack, forget), rules)
    return rules


def write(verdict: Verdict, pack: CompiledPack, format_version: int) -> str:
    """`compact(verdict, pack).model_dump_json(exclude_defaults=True)`, written directly."""
    known = _pack_json(pack)
    findings = verdict.findings
    writer = _Findings(known)
    written = writer.write(findings)
    shared = writer.shared()
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
    if shared:
        out += ',"facts":', _facts_json(dict(sorted(shared.items())))
    out += ',"status":', _string(verdict.status)
    if verdict.route is not None and verdict.route.band_id is not None:
        out += ',"route":', _string(verdict.route.band_id)
    if verdict.decisions:
        out += ',"decisions":[', ",".join(map(_decision, verdict.decisions)), "]"
    if findings:
        out += ',"findings":[', ",".join(written), "]"
    if verdict.missing_documents:
        out += ',"missing_documents":', _strings(verdict.missing_documents)
    if verdict.consequences:
        out += ',"consequences":', _strings(verdict.consequences)
    out.append("}")
    return _encodable("".join(out))


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


class _Findings:
    """The findings of a verdict in JSON, and the facts they read, in one pass.

    Most findings' facts are not written out (`UnreadFacts`): each reads the evaluation's one
    value of every name it reads. The verdict's value of a fact is the first finding's: the
    evaluation's value, unless a finding met first records another (a judged list, which holds
    only the members a rule asks about; a deadline's dates; the facts of a finding built
    otherwise). When a finding is met, its names' first values are known already, so its own
    facts (those that are not the verdict's) are known too.
    """

    def __init__(self, pack: _PackJSON) -> None:
        self.pack = pack
        self.source: FactSource | None = None
        self.seen: set[str] = set()  # the names read with the evaluation's value
        self.first: dict[str, FactValue] = {}  # the names first met with another value

    def write(self, findings: list[Finding]) -> list[str]:
        rules = self.pack.rules
        unread = self.pack.unread
        seen = self.seen
        first = self.first
        written = []
        for finding in findings:
            rule = rules[finding._rule.rule_id]
            status = finding.status
            more = finding._more
            found = unread_facts(finding, self.source)
            if found is not None:
                facts, source = found
                self.source = source
                entry = unread[facts]
                own = entry.read
                if entry.judged is not None or (first and not first.keys().isdisjoint(entry.names)):
                    own += _own(self._unread_own(entry, source))
                seen.update(entry.names)
            else:
                own = self._written_own(rule, finding.facts)
            if not more or more.keys() == _MESSAGE:
                written.append(f"{rule.opened[status]}{own}}}" if own else rule.plain[status])
            elif more is rule.failing:
                written.append(f"{rule.opened[status]}{own}{rule.failed}")
            else:
                written.append(f"{rule.opened[status]}{own}{_more(more)}")
        return written

    def _unread_own(self, entry: _Unread, source: FactSource) -> dict[str, FactValue]:
        """An unread finding's own facts: the names it reads whose first value met was another
        finding's, and the list it judged, unless it is the verdict's."""
        first = self.first
        own = {n: source[n] for n in entry.names if n in first and first[n] != source[n]}
        if entry.judged is not None:
            assert entry.rule is not None
            value = entry.rule.judged_value(source.namespace)
            own.update(self._others({entry.judged: value}))
        return own

    def _written_own(self, rule: _RuleJSON, facts: dict[str, FactValue]) -> str:
        """A written-out finding's `read` (where it is not its rule's) and own facts."""
        read = "" if rule.reads == facts.keys() else f',"read":{_strings(sorted(facts))}'
        return read + _own(self._others(facts))

    def _others(self, facts: dict[str, FactValue]) -> dict[str, FactValue]:
        """Those of `facts` that are not the verdict's; the first value met of each is."""
        own = {}
        first = self.first
        for name, value in facts.items():
            if name in self.seen:
                assert self.source is not None
                verdict = self.source[name] if name not in first else first[name]
            elif name in first:
                verdict = first[name]
            else:
                first[name] = value
                continue
            if value != verdict:
                own[name] = value
        return own

    def shared(self) -> dict[str, FactValue]:
        """Each fact the findings read, with the first finding's value of it."""
        source = self.source
        shared = {} if source is None else source.values_of(self.seen)
        shared.update(self.first)
        return shared


_MESSAGE = frozenset({"message"})
"""A finding that adds only a message adds nothing to the compact form (its rule's is there)."""


def _own(facts: dict[str, FactValue]) -> str:
    """A finding's `"facts"`: those whose values are not the verdict's."""
    if not facts:
        return ""
    return ',"facts":{' + ",".join([f"{_string(n)}:{_value(v)}" for n, v in facts.items()]) + "}"


def _more(more: dict[str, Any]) -> str:
    """The rest of a finding (its fields not at their defaults, as the record holds them), from
    its missing facts to its error, and its closing brace."""
    out: list[str] = []
    for name in _MORE_FIELDS:
        if name in more:
            value = more[name]
            if value is None or (value == [] or value == ()):
                continue
            out += ',"', name, '":', _WRITERS[name](value)
    out.append("}")
    return "".join(out)


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
