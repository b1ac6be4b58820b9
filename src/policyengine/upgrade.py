"""Upgrade a pack's text from format 1 to format 2, keeping its comments and layout.

Format 1 listed the stages a rule was checked at (`stages: [application, approval]`); format 2
states the stage a duty falls due (`due_from: application`), from which it stays due. The upgrade
is mechanical: a rule's `due_from` is the earliest stage it listed, and a table's empty list (every
stage) is dropped. Whether a duty really stays due at the later stages is a legal question the
upgrade cannot answer; `policyengine test` on the pack's cases shows what changed.

The text is rewritten line by line rather than loaded and dumped, because a YAML dump loses every
comment, and a pack's comments carry its readings of the law.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import Location, PackError
from .vocabulary import Stage

_FORMAT_LINE = re.compile(r"^format:\s*1\s*(#.*)?$")
_FLOW_STAGES = re.compile(
    r"^(?P<lead>\s*(?:-\s+)?)stages:\s*\[(?P<members>[^\]]*)\]\s*(?P<rest>#.*)?$"
)
_BLOCK_STAGES = re.compile(r"^(?P<lead>\s*(?:-\s+)?)stages:\s*(?P<rest>#.*)?$")
_BLOCK_MEMBER = re.compile(r"^\s*-\s+(?P<member>[a-z_]+)\s*(#.*)?$")


@dataclass(frozen=True, slots=True)
class Upgrade:
    """The upgraded text and what was changed, line by line (1-based line numbers)."""

    text: str
    changes: tuple[str, ...]


def upgrade_text(text: str, name: str = "<pack>") -> Upgrade:
    """`text` (a format 1 pack) rewritten as format 2.

    Raises `PackError` (`upgrade.unknown_stage`) for a stage that is not in the vocabulary, with
    the line and column where it stands.
    """
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    changes: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        if _FORMAT_LINE.match(body):
            out.append("format: 2" + ending)
            changes.append(f"line {i + 1}: format 1 -> 2")
            i += 1
            continue
        flow = _FLOW_STAGES.match(body)
        block = None if flow else _BLOCK_STAGES.match(body)
        if flow is None and block is None:
            out.append(line)
            i += 1
            continue
        if flow is not None:
            members = [m.strip() for m in flow["members"].split(",") if m.strip()]
            positions = _positions(body, members, body.index("["))
            lead, rest, used = flow["lead"], flow["rest"], 1
        else:
            assert block is not None
            members, positions, used = [], [], 1
            while i + used < len(lines) and (member := _BLOCK_MEMBER.match(lines[i + used])):
                members.append(member["member"])
                positions.append(lines[i + used].index(member["member"]))
                used += 1
            lead, rest = block["lead"], block["rest"]
        first_line = i + 1 if flow is not None else i + 2
        stages = [
            _stage(member, name, first_line + (k if block else 0), column)
            for k, (member, column) in enumerate(zip(members, positions, strict=True))
        ]
        replacement = _replacement(lead, stages, rest)
        if replacement is None:
            changes.append(f"line {i + 1}: empty stages (every stage) removed")
            if lead.strip().startswith("-"):  # the list entry began here: keep its dash
                out.append(lead.rstrip() + ending)
        else:
            out.append(replacement + ending)
            changes.append(f"line {i + 1}: {replacement.strip()}")
        i += used
    return Upgrade("".join(out), tuple(changes))


def _positions(body: str, members: list[str], start: int) -> list[int]:
    # Each member is looked for after the one before it, so 'a' in '[approval, a]' is found last.
    positions = []
    for member in members:
        start = body.index(member, start)
        positions.append(start)
        start += len(member)
    return positions


def _stage(member: str, name: str, line: int, column: int) -> Stage:
    try:
        return Stage(member)
    except ValueError:
        raise PackError(
            f"unknown stage '{member}'",
            code="upgrade.unknown_stage",
            location=Location(name, line, column + 1),
            hint="stages: " + ", ".join(s.value for s in Stage),
        ) from None


def _replacement(lead: str, stages: list[Stage], rest: str | None) -> str | None:
    if not stages:
        return None
    earliest = min(stages, key=lambda stage: stage.rank)
    comment = f"  {rest}" if rest else ""
    return f"{lead}due_from: {earliest.value}{comment}"
