"""JSON reading for project data (files, JSON Lines records), with the limits YAML has.

The standard `json` module recurses once per nesting level, turns integers of any length into
`int` (quadratic beyond a few thousand digits, refused past 4,300) and keeps the last of two
duplicate keys. Project data is untrusted, so `loads` refuses before converting:
- nesting deeper than `MAX_DEPTH` (checked on the text, without recursion),
- number literals longer than `MAX_NUMBER_CHARS`, or whose exponent is beyond `MAX_EXPONENT`,
- duplicate keys (the YAML loader refuses them too, so a JSON and a YAML project cannot differ),
and reads numbers with a point or an exponent as exact `Decimal`, never as binary floats.
Every failure is a located `PackError` with a `json.*` code, like the other reading errors.
"""

from __future__ import annotations

import itertools
import json
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from .errors import Location, PackError

MAX_DEPTH = 64
"""Deepest nesting of objects and arrays accepted; the same as `_yaml.MAX_DEPTH`."""
MAX_NUMBER_CHARS = 40
"""Longest number literal accepted, in characters (signs, digits, point and exponent)."""
MAX_EXPONENT = 30
"""Largest magnitude of a number's adjusted exponent: `1e30` and `1e-30` pass, `1e31` does not."""

# Strings (whose brackets and digits are not structure), brackets, number-like runs and keys.
# Used to check the depth before parsing and, on the error path only, to find what failed.
_TOKEN = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}:]|[-+.\w]+', re.DOTALL)
_OPENERS = frozenset("[{")


class _Refused(Exception):
    """Raised inside the parser's hooks; turned into a located PackError by `loads`."""

    def __init__(self, code: str, subject: str) -> None:
        super().__init__(subject)
        self.code = code
        self.subject = subject


def loads(text: str, name: str, line: int | None = None) -> Any:
    """Parse one JSON document of project data; numbers with a point or exponent are Decimal.

    Args:
        text: The JSON text. A leading byte order mark is ignored, as YAML ignores it.
        name: Where the text came from (a file name), for error locations.
        line: The line of `name` on which `text` starts (a JSON Lines record); None for a
            whole file, whose lines count from 1.

    Returns:
        The parsed value: dicts, lists, str, int, Decimal, bool, None.

    Raises:
        PackError: `json.too_deep`, `json.bad_number`, `json.duplicate_key` or `json.syntax`,
            located at the offending place.
    """
    text = text.removeprefix("\ufeff")
    _check_depth(text, name, line)
    try:
        return json.loads(
            text,
            parse_int=_integer,
            parse_float=_decimal,
            object_pairs_hook=_object,
        )
    except _Refused as exc:
        raise _refusal(exc, text, name, line) from None
    except json.JSONDecodeError as exc:
        raise PackError(
            exc.msg,
            code="json.syntax",
            location=_location(name, line, text, exc.pos),
            hint="check the brackets, quotes and commas at and just before this place",
        ) from None
    except (ValueError, RecursionError) as exc:
        raise PackError(
            f"not readable as JSON ({type(exc).__name__})",
            code="json.syntax",
            location=_location(name, line, text, 0),
        ) from None


def _check_depth(text: str, name: str, line: int | None) -> None:
    # Cheap first: a text with few brackets cannot nest deeply, whatever its strings hold.
    if text.count("[") + text.count("{") <= MAX_DEPTH or not _too_deep(text):
        return
    depth = offset = 0
    for match in _TOKEN.finditer(text):  # only to say where: slower, and exact
        token = match.group()
        if token in _OPENERS:
            depth += 1
            if depth > MAX_DEPTH:
                offset = match.start()
                break
        elif token in ("]", "}"):
            depth -= 1
    raise PackError(
        f"nesting is deeper than {MAX_DEPTH} levels",
        code="json.too_deep",
        location=_location(name, line, text, offset),
        hint="project data nests a few levels at most; flatten the structure",
    )


# Outside strings, JSON holds only brackets and these (Python's reader also takes NaN and
# Infinity); anything else ends what the parser will read, so brackets after it do not count.
_OUTSIDE = str.maketrans("", "", " \t\n\r,:0123456789+-.eEtrufalsnNIiy")
_NOT_BRACKET = re.compile(r"[^\[\]{}]")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


def _too_deep(text: str) -> bool:
    """Whether brackets outside strings nest deeper than MAX_DEPTH, with string methods only."""
    if "\\" in text:
        # Drop escaped backslashes, then escaped quotes: what is left of `"` delimits strings.
        text = text.replace("\\\\", "").replace('\\"', "")
    brackets = "".join(text.split('"')[0::2]).translate(_OUTSIDE)
    stop = _NOT_BRACKET.search(brackets)
    if stop is not None:
        brackets = brackets[: stop.start()]
    return max(itertools.accumulate(map(_STEP.__getitem__, brackets)), default=0) > MAX_DEPTH


def _integer(literal: str) -> int:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _Refused("json.bad_number", literal)
    return int(literal)


def _decimal(literal: str) -> Decimal:
    if len(literal) > MAX_NUMBER_CHARS:
        raise _Refused("json.bad_number", literal)
    try:
        number = Decimal(literal)
    except InvalidOperation:  # an exponent beyond what Decimal can hold at all
        raise _Refused("json.bad_number", literal) from None
    if number and abs(number.adjusted()) > MAX_EXPONENT:
        raise _Refused("json.bad_number", literal)
    return number


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Refused("json.duplicate_key", key)
            seen.add(key)
    return result


def _refusal(exc: _Refused, text: str, name: str, line: int | None) -> PackError:
    where = _location(name, line, text, _offset_of(exc, text))
    if exc.code == "json.duplicate_key":
        return PackError(
            f"duplicate key {_quoted(exc.subject)}",
            code=exc.code,
            location=where,
            hint="JSON readers differ on which value they keep; remove one of them",
        )
    return PackError(
        f"number {_quoted(exc.subject)} is out of range",
        code=exc.code,
        location=where,
        hint=(
            f"numbers may have at most {MAX_NUMBER_CHARS} characters and an exponent within "
            f'±{MAX_EXPONENT}; write amounts as strings such as "1200000.50"'
        ),
    )


def _offset_of(exc: _Refused, text: str) -> int:
    """Where the refused number or key is in `text` (the parser's hooks are not told).

    The parser reads in document order and stops at the first refusal, so the first token that
    would be refused again is the one.
    """
    if exc.code == "json.bad_number":
        for match in _TOKEN.finditer(text):
            if match.group() == exc.subject:
                return match.start()
        return 0
    keys: list[set[str]] = []
    tokens = list(_TOKEN.finditer(text))
    for position, match in enumerate(tokens):
        token = match.group()
        if token == "{":
            keys.append(set())
        elif token == "}" and keys:
            keys.pop()
        elif token.startswith('"') and keys and _is_key(tokens, position):
            key = json.loads(token)
            if key in keys[-1]:
                return match.start()
            keys[-1].add(key)
    return 0


def _is_key(tokens: list[re.Match[str]], position: int) -> bool:
    return position + 1 < len(tokens) and tokens[position + 1].group() == ":"


def _quoted(subject: str, limit: int = 40) -> str:
    shown = subject if len(subject) <= limit else f"{subject[: limit - 3]}..."
    suffix = f" ({len(subject):,} characters)" if len(subject) > limit else ""
    return f"'{shown}'{suffix}"


def _location(name: str, line: int | None, text: str, offset: int) -> Location:
    lines_before = text.count("\n", 0, offset)
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return Location(name, (line or 1) + lines_before, column)
