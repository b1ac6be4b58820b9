"""The compact verdict's JSON, written straight from a verdict: no model per finding.

`compact(verdict, pack).model_dump_json(exclude_defaults=True)` builds a Pydantic model per
finding, decision and assumption only to write them out again. `write` gives the same bytes from
the verdict's fields and its findings' public attributes: the same keys in the same order, no
whitespace, non-ASCII characters as they are, and a field left out exactly where the model's
dump leaves it out (equal to its default: None, an empty list, an empty dict). What every verdict
of a pack shares is worked out once per pack and kept while the pack lives: each rule's recorded
facts and the JSON of its id with each status, which is all most findings are.

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
from collections.abc import Iterable
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from pydantic_core import PydanticSerializationError

from .loader import CompiledPack
from .pack import Text
from .verdict import (
    Assumption,
    DeadlineResult,
    Decision,
    DueDate,
    FactValue,
    Status,
    Verdict,
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

# What every finding states, then the fields most findings leave at their defaults; each
# through its public attribute, read in one call.
_READ = attrgetter("rule_id", "status", "facts")
_MORE = attrgetter(
    "missing_facts",
    "missing_documents",
    "prohibited_items",
    "exception",
    "justification",
    "assumptions",
    "consequences",
    "deadline",
    "error",
)
_NO_MORE: tuple[Any, ...] = ([], [], [], None, None, [], [], None, None)


@dataclass(frozen=True, slots=True)
class _RuleJSON:
    """What the findings of one rule share in JSON."""

    reads: frozenset[str]  # the facts its findings record, unless a finding says otherwise
    opened: dict[Status, str]  # '{"rule_id":...,"status":...' for each status
    plain: dict[Status, str]  # the same, closed: a finding with nothing more to say


def _rule_json(rule_id: str, reads: frozenset[str]) -> _RuleJSON:
    opened = {
        status: f'{{"rule_id":{_string(rule_id)},"status":"{status.value}"' for status in Status
    }
    return _RuleJSON(reads, opened, {status: f"{text}}}" for status, text in opened.items()})


# Per pack, by identity: a pack is kept alive by its caller, and its entry leaves with it.
_PACKS: dict[int, tuple[weakref.ref[CompiledPack], dict[str, _RuleJSON]]] = {}


def _rules_of(pack: CompiledPack) -> dict[str, _RuleJSON]:
    key = id(pack)
    entry = _PACKS.get(key)
    if entry is not None and entry[0]() is pack:
        return entry[1]
    rules = {rule.id: _rule_json(rule.id, rule.recorded) for rule in pack.rules}

    def forget(ref: weakref.ref[CompiledPack]) -> None:
        if _PACKS.get(key, (None,))[0] is ref:
            del _PACKS[key]

    _PACKS[key] = (weakref.ref(pack, forget), rules)
    return rules


def write(verdict: Verdict, pack: CompiledPack, format_version: int) -> str:
    """`compact(verdict, pack).model_dump_json(exclude_defaults=True)`, written directly."""
    rules = _rules_of(pack)
    findings = [(_READ(finding), _MORE(finding)) for finding in verdict.findings]
    shared: dict[str, FactValue] = {}
    for (_, _, facts), _ in reversed(findings):  # the first finding's value of each fact wins
        shared.update(facts)
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
        out += ',"findings":[', ",".join(_findings(findings, rules, shared)), "]"
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


def _findings(
    findings: list[tuple[tuple[Any, ...], tuple[Any, ...]]],
    rules: dict[str, _RuleJSON],
    shared: dict[str, FactValue],
) -> list[str]:
    shared_items = shared.items()
    written = []
    for (rule_id, status, facts), more in findings:
        rule = rules[rule_id]
        if rule.reads == facts.keys() and facts.items() <= shared_items:
            if more == _NO_MORE:
                written.append(rule.plain[status])  # most findings: the rule's id and a status
                continue
            read = ""
        else:
            read = _facts_read(rule, facts, shared)
        tail = "}" if more == _NO_MORE else _more(more)
        written.append(f"{rule.opened[status]}{read}{tail}")
    return written


def _facts_read(rule: _RuleJSON, facts: dict[str, FactValue], shared: dict[str, FactValue]) -> str:
    """A finding's `read` (where it is not its rule's) and `facts` (those not the verdict's)."""
    out: list[str] = []
    if rule.reads != facts.keys():
        out += ',"read":', _strings(sorted(facts))
    own = [(name, value) for name, value in facts.items() if shared[name] != value]
    if own:
        out += ',"facts":{', ",".join([f"{_string(n)}:{_value(v)}" for n, v in own]), "}"
    return "".join(out)


def _more(more: tuple[Any, ...]) -> str:
    """The rest of a finding, from its missing facts to its error, and its closing brace."""
    (
        missing_facts,
        missing_documents,
        prohibited_items,
        exception,
        justification,
        assumptions,
        consequences,
        deadline,
        error,
    ) = more
    out: list[str] = []
    if missing_facts:
        out += ',"missing_facts":', _strings(missing_facts)
    if missing_documents:
        out += ',"missing_documents":', _strings(missing_documents)
    if prohibited_items:
        out += ',"prohibited_items":', _strings(prohibited_items)
    if exception is not None:
        out += ',"exception":', _text(exception)
    if justification is not None:
        out += ',"justification":', _string(justification)
    if assumptions:
        out += ',"assumptions":', _assumptions(assumptions)
    if consequences:
        out += ',"consequences":', _strings(consequences)
    if deadline is not None:
        out += ',"deadline":', _deadline(deadline)
    if error is not None:
        out += ',"error":', _string(error)
    out.append("}")
    return "".join(out)


def _value(value: FactValue) -> str:
    """One fact's value; the common kinds by hand, the rest by the standard encoder."""
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


def _text(text: Text) -> str:
    return f'{{"zh":{_string(text.zh)},"en":{_string(text.en)}}}'


def _strings(values: Iterable[str]) -> str:
    return f"[{','.join(map(_string, values))}]"


def _date(value: dt.date) -> str:
    return f'"{value.isoformat()}"'
