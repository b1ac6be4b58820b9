"""The full verdict's JSON with its findings written straight from their records.

`verdict.model_dump_json()` turns each of a verdict's findings into its JSON form's model
(`FindingData`) to write it, and a verdict has a finding for every rule: most of the time of
writing one. `write` gives the same bytes. The verdict without its findings is written by its
model; each finding is written from the pieces every finding of its rule shares (its id, section,
category, stage, title, severity and citation, written once per rule by the model itself), its
status, its message, its facts (each fact's JSON made once per verdict, the value the evaluation
read being the same for every finding that reads it) and its further fields, through their
models where they are models.

Strings are escaped as pydantic-core escapes them (`_compact_json._string`), and a text holding a
lone surrogate, which pydantic-core refuses to write, is refused with its error.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter

from ._compact_json import _encodable, _string, _strings, _text, _value
from .pack import Text
from .verdict import (
    MORE_FIELDS,
    Assumption,
    DeadlineResult,
    FactSource,
    FactValue,
    Finding,
    FindingData,
    RuleData,
    Status,
    UnreadFacts,
    Verdict,
    build,
    unread_facts,
)

_FINDINGS = ',"findings":[],"missing_documents":'
"""Where the findings go in the JSON of a verdict without them: the key is written once, and a
quote inside a string is escaped, so this text is found at that key alone."""

_ASSUMPTIONS = TypeAdapter(list[Assumption])
_DEADLINE = TypeAdapter(DeadlineResult)


class _RulePieces:
    """The JSON every finding of one rule shares, as the model writes it: what comes before its
    status, its severity, and its citation."""

    __slots__ = ("citation", "failed", "failing", "head", "severity")

    def __init__(self, rule: RuleData) -> None:
        # A finding of the rule with every other field at its default, written by the model;
        # cut at keys, which a string's escaped quotes cannot imitate.
        fields = {
            "rule_id": rule.rule_id,
            "section": rule.section,
            "category": rule.category,
            "due_from": rule.due_from,
            "title": rule.title,
            "status": Status.PASS,
            "severity": rule.severity,
            "citation": rule.citation,
        }
        text = build(FindingData, fields).model_dump_json()
        head, rest = text.split(',"status":"pass"', 1)
        severity, rest = rest.split(',"message":null', 1)
        citation = rest[: rest.index(',"facts":{}')]
        self.head = head + ',"status":"'
        self.severity = '"' + severity
        self.citation = citation
        # The further fields every plain failure of the rule shares, and their JSON.
        self.failing: dict[str, Any] | None = None
        self.failed = ""

    def fails_with(self, failing: dict[str, Any]) -> None:
        """Keep `failing`, the rule's shared failure fields, and their JSON."""
        self.failed = _encodable(_more(failing))
        self.failing = failing


def _pieces(rule: RuleData) -> _RulePieces:
    pieces = rule.json
    if pieces is None:  # kept with the rule's data: as many as there are rules, gone with them
        pieces = _RulePieces(rule)
        object.__setattr__(rule, "json", pieces)
    assert isinstance(pieces, _RulePieces)
    return pieces


_NO_MORE = (
    ',"missing_facts":[],"missing_documents":[],"prohibited_items":[],"exception":null,'
    '"justification":null,"assumptions":[],"consequences":[],"deadline":null,"error":null}'
)
"""The end of a finding whose further fields are all at their defaults."""


def write(verdict: Verdict) -> str:
    """`verdict.model_dump_json()`, its findings written from their records."""
    findings = verdict.findings
    if not findings:
        return verdict.model_dump_json()
    text = verdict.model_copy(update={"findings": []}).model_dump_json()
    at = text.index(_FINDINGS)
    written = _Findings().write(findings)
    return (
        f'{text[:at]},"findings":[{",".join(written)}],"missing_documents":'
        f"{text[at + len(_FINDINGS) :]}"
    )


class _Findings:
    """Writes findings; each fact's JSON is made once, for all the findings that read it."""

    def __init__(self) -> None:
        self.source: FactSource | None = None
        self.fragments: _Fragments | None = None
        self.texts: dict[int, str] = {}  # each message's JSON, by the identity of its Text

    def write(self, findings: list[Finding]) -> list[str]:
        # What the model writes (the verdict without its findings, each rule's pieces) the model
        # has checked; the rest is checked here as it is written (see `_encodable`).
        written = []
        for finding in findings:
            pieces = _pieces(finding._rule)
            more = finding._more
            facts = self._facts(finding)
            if not more:
                written.append(
                    f'{pieces.head}{finding.status}{pieces.severity},"message":null'
                    f'{pieces.citation},"facts":{facts}{_NO_MORE}'
                )
                continue
            message = more.get("message")
            if more.keys() == _MESSAGE:
                tail = _NO_MORE
            elif more is pieces.failing:
                tail = pieces.failed
            elif self._plain_failure(finding, more):  # the first met: kept with the rule's pieces
                pieces.fails_with(more)
                tail = pieces.failed
            else:
                tail = _encodable(_more(more))
            written.append(
                f"{pieces.head}{finding.status}{pieces.severity}"
                f',"message":{"null" if message is None else self._text(message)}'
                f'{pieces.citation},"facts":{facts}{tail}'
            )
        return written

    @staticmethod
    def _plain_failure(finding: Finding, more: dict[str, Any]) -> bool:
        """Whether `more` is the further fields every plain failure of the rule shares."""
        facts = finding._facts
        return facts.__class__ is UnreadFacts and more is facts.rule.failing

    def _text(self, text: Text) -> str:
        # The messages are shared: a rule's own, or one per set of missing facts.
        written = self.texts.get(id(text))
        if written is None:
            written = self.texts[id(text)] = _encodable(_text(text))
        return written

    def _facts(self, finding: Finding) -> str:
        found = unread_facts(finding, self.source)
        if found is None:
            return _encodable(_json(finding.facts))
        # The values the evaluation read, the same for every finding that reads them; a judged
        # list, the finding's own.
        facts, source = found
        self.source = source
        rule = facts.rule
        if self.fragments is None:
            self.fragments = _Fragments(source)
        parts = list(map(self.fragments.__getitem__, rule.fact_names))
        name = rule.judged_alone if facts.judged else None
        if name is not None:
            judged = _value(rule.judged_value(source.namespace))  # members' names: ASCII
            parts.append(f"{_string(name)}:{judged}")
        return "{" + ",".join(parts) + "}"


class _Fragments(dict[str, str]):
    """Each fact's `"name":value` in JSON, as the evaluation read it: made when first asked for."""

    def __init__(self, source: FactSource) -> None:
        super().__init__()
        self.source = source

    def __missing__(self, name: str) -> str:
        fragment = self[name] = _encodable(f"{_string(name)}:{_value(self.source[name])}")
        return fragment


_MESSAGE = frozenset({"message"})


def _more(more: dict[str, Any]) -> str:
    """A finding's further fields, each written or at its default, and its closing brace."""
    out: list[str] = []
    for name in MORE_FIELDS[1:]:  # the message is written before the citation
        value = more.get(name)
        out += ',"', name, '":', _FIELDS[name](value)
    out.append("}")
    return "".join(out)


def _listed(values: list[str] | None) -> str:
    return _strings(values or ())


def _or_null(write: Any) -> Any:
    return lambda value: "null" if value is None else write(value)


def _json(facts: dict[str, FactValue]) -> str:
    return "{" + ",".join(f"{_string(n)}:{_value(v)}" for n, v in facts.items()) + "}"


_FIELDS: dict[str, Any] = {
    "missing_facts": _listed,
    "missing_documents": _listed,
    "prohibited_items": _listed,
    "exception": _or_null(_text),
    "justification": _or_null(_string),
    "assumptions": lambda value: _ASSUMPTIONS.dump_json(value or []).decode(),
    "consequences": _listed,
    "deadline": _or_null(lambda value: _DEADLINE.dump_json(value).decode()),
    "error": _or_null(_string),
}
"""How each further field of a finding is written, its default included."""
