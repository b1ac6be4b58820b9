"""Pydantic's validation messages in the words of packs and projects.

Pydantic writes for programmers: "Value error, ..." before a validator's own sentence, a regular
expression where a name has the wrong shape, and every member of a long vocabulary where one was
misspelt. Authors and form builders read these messages, so they get the sentence alone, the
shape in words, and the closest member.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ._suggest import did_you_mean

_PREFIXES = ("Value error, ", "Assertion failed, ")
"""What pydantic puts before the message of a validator that raises ValueError or asserts."""

_SHAPES = {
    r"^[a-z][a-z0-9_]*$": "lower-case letters, digits and _, starting with a letter "
    "(e.g. 'hubei_city')",
    r"^[a-z][a-z0-9_.-]*$": "lower-case letters, digits, _, . and -, starting with a letter "
    "(e.g. 'wh-08-approval'); no spaces or capitals",
    r"^[a-z_]+:\S+$": "a mutant id: its kind, a colon and the rule or threshold it alters, "
    "without spaces (as policyengine mutate prints it)",
    r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,80}\.clauses\.yaml$": "a file name ending in .clauses.yaml, "
    "beside the source text (e.g. 'wuhan.clauses.yaml')",
}
"""The identifier patterns of packs and projects, in words."""

_CLAUSE_SHAPE = (
    "a clause id: the article, then paragraph, item and sub-item where there are any, then the "
    "sentence (e.g. 'a8-p2-i3-s1'; 'n-s1' for the preamble)"
)

MAX_LISTED = 12
"""Most members of a vocabulary a message lists in full; a longer one names the closest."""


def plain_message(error: Mapping[str, Any]) -> str:
    """The message of one pydantic error (an item of `ValidationError.errors()`), in words."""
    kind = error.get("type")
    ctx = error.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        shape = _SHAPES.get(pattern) or (_CLAUSE_SHAPE if pattern.startswith("^(?:n|a") else None)
        if shape:
            return f"must be {shape}"
    if kind in ("enum", "literal_error") and "expected" in ctx:
        return _vocabulary_message(str(ctx["expected"]), error.get("input"), str(error["msg"]))
    message = str(error["msg"])
    for prefix in _PREFIXES:
        message = message.removeprefix(prefix)
    return message


def _vocabulary_message(expected: str, given: Any, message: str) -> str:
    members = re.findall(r"'((?:[^'\\]|\\.)*)'", expected)
    suggestion = did_you_mean(given, members) if isinstance(given, str) else None
    if len(members) <= MAX_LISTED:
        return f"{message}; {suggestion}" if suggestion else message
    if suggestion:
        return f"not one of the {len(members)} allowed values; {suggestion}"
    shown = ", ".join(f"'{member}'" for member in members[:MAX_LISTED])
    return (
        f"not one of the {len(members)} allowed values: {shown}, ... "
        "(`policyengine schema` lists them all)"
    )


_UNITS = {"万": 10_000, "亿": 100_000_000}
_WITH_UNIT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(万|亿)元?\s*$")


def unit_hint(given: Any) -> str | None:
    """For a number written with a Chinese unit (50万, 2亿元): the same number in yuan."""
    match = _WITH_UNIT.match(given) if isinstance(given, str) else None
    if match is None:
        return None
    yuan = Decimal(match[1]) * _UNITS[match[2]]
    return f"write the number in yuan, without a unit: {given.strip()} is {yuan.normalize():f}"
