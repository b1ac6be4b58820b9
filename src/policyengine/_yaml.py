"""Safe YAML loading with a line/column for every node, duplicate keys refused, and hard limits.

PyYAML's own constructors silently keep the last of two duplicate keys and build Python floats.
Here the node graph is composed by the safe loader and then built by hand, so that
- every mapping key and value keeps its mark (for located errors),
- a duplicate key is an error,
- only the YAML core tags are accepted (no `!!python/...`),
- YAML floats become `Decimal` from their exact text, never binary floats,
- size, nesting depth and alias expansion are bounded.
"""

from __future__ import annotations

import codecs
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, BinaryIO

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from . import _json
from .errors import Location, PackError

MAX_FILE_BYTES = 8 * 1024 * 1024
"""Largest pack or project file accepted (8 MiB): real packs are a few hundred KiB at most."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and sequences accepted."""
MAX_NODES = 200_000
"""Most values built from one document, counting every expansion of an alias."""

Path_ = tuple[str | int, ...]

_CORE = "tag:yaml.org,2002:"
_ALLOWED_SCALAR_TAGS = {f"{_CORE}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}


@dataclass
class Marks:
    """Line and column of every node, by its path in the document (1-based)."""

    path: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, loc: Path_, *, key: bool = False) -> Location:
        """The location of `loc`, or of its nearest ancestor that has one."""
        table = self.keys if key else self.values
        probe = tuple(loc)
        while probe:
            if probe in table:
                line, column = table[probe]
                return Location(self.path, line, column)
            if probe in self.values:
                line, column = self.values[probe]
                return Location(self.path, line, column)
            probe = probe[:-1]
        line, column = self.values.get((), (1, 1))
        return Location(self.path, line, column)


def read_text(data: bytes, path: str) -> str:
    """Decode UTF-8 (a BOM is allowed and dropped); bad bytes are a located error."""
    if len(data) > MAX_FILE_BYTES:
        raise PackError(
            f"file is {len(data):,} bytes; the limit is {MAX_FILE_BYTES:,}",
            code="yaml.too_large",
            location=Location(path),
            hint="a pack or project this large is not plausible; split it or check the file",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise PackError(
            f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
            code="yaml.encoding",
            location=Location(path, line, column),
            hint="save the file as UTF-8 (GBK and other encodings are not accepted)",
        ) from None
    return text.removeprefix("\ufeff")


# libyaml parses about ten times faster than PyYAML's pure-Python parser; both build the same nodes.
_LOADER: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_OPEN = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
_CLOSE = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
_NODE = (yaml.ScalarEvent, yaml.AliasEvent, *_OPEN)


def _at(path: str, mark: Any) -> Location:
    return Location(path, mark.line + 1, mark.column + 1) if mark is not None else Location(path)


def _too_deep(path: str, mark: Any) -> PackError:
    return PackError(
        f"nesting is deeper than {MAX_DEPTH} levels",
        code="yaml.too_deep",
        location=_at(path, mark),
        hint="flatten the structure",
    )


def _too_many_nodes(path: str, mark: Any) -> PackError:
    return PackError(
        f"the document has more than {MAX_NODES:,} values",
        code="yaml.too_many_nodes",
        location=_at(path, mark),
        hint="a pack or project this large is not plausible; split it or check the file",
    )


def _check_events(text: str, path: str, loader: type[Any]) -> None:
    """Refuse nesting deeper than MAX_DEPTH and more than MAX_NODES values, on the event stream.

    Composing builds every node (with its marks) and libyaml composes recursively in C, so both
    limits are checked first on the event stream, which is parsed without recursion and without
    keeping what it has seen.
    """
    depth = 0
    nodes = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, _NODE):
            nodes += 1
            if nodes > MAX_NODES:
                raise _too_many_nodes(path, event.start_mark)
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                raise _too_deep(path, event.start_mark)
        elif isinstance(event, _CLOSE):
            depth -= 1


def _deeper_before(text: str, path: str, error: yaml.MarkedYAMLError) -> PackError | None:
    """A depth error hidden behind a syntax error that the C parser raised first, if any.

    libyaml scans ahead and stops at its own nesting limit (1,000 in recent releases) before the
    events of level MAX_DEPTH reach us. The pure-Python parser has no such limit and does not
    recurse: it reads the text up to the error and reports the depth, whatever libyaml's message.
    """
    mark = error.problem_mark or error.context_mark
    if mark is None or mark.index is None:
        return None
    try:
        _check_events(text[: mark.index + 1], path, yaml.SafeLoader)
    except PackError as deep:
        return deep if deep.code == "yaml.too_deep" else None
    except yaml.YAMLError:
        return None
    return None


def load_yaml(text: str, path: str) -> tuple[Any, Marks]:
    """Parse one YAML document into plain data plus the marks of its nodes."""
    marks = Marks(path)
    try:
        _check_events(text, path, _LOADER)
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        raise (_deeper_before(text, path, exc) or _syntax_error(exc, path, text)) from None
    except yaml.YAMLError as exc:
        raise PackError(str(exc), code="yaml.syntax", location=Location(path)) from None
    except RecursionError:
        raise _too_deep(path, None) from None
    if root is None:
        return None, marks
    builder = _Builder(marks)
    return builder.build(root, (), 0), marks


def read_file(path: Path, what: str, code: str) -> str:
    """The text of a file read through the size limit (one byte past it is enough to refuse it,
    so `/dev/zero` has an end); an unreadable file is `code` with the reason."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise PackError(
            f"cannot read {what}: {exc.strerror or exc}", code=code, location=Location(str(path))
        ) from None
    return read_text(raw, str(path))


def load_data_file(path: Path) -> Any:
    """Load a YAML or JSON data file (projects, test cases); numbers with a point become Decimal.

    Raises:
        PackError: the file is too large, not UTF-8, or not valid YAML or JSON within the limits
            (`yaml.*` or `json.*` codes, located in the file).
    """
    with path.open("rb") as handle:
        raw = handle.read(MAX_FILE_BYTES + 1)  # OSError stays the caller's (a missing project)
    text = read_text(raw, str(path))
    if path.suffix.lower() == ".json":
        return _json.loads(text, str(path))
    try:
        data, _ = load_yaml(text, str(path))
    except (ValueError, RecursionError) as exc:
        # A value the YAML builder did not anticipate must still be a located error, never a
        # traceback: project files are untrusted input.
        raise PackError(
            f"not readable as YAML ({type(exc).__name__})",
            code="yaml.syntax",
            location=Location(str(path)),
        ) from None
    return data


def iter_json_lines(handle: BinaryIO, name: str) -> Iterator[tuple[int, str | PackError]]:
    """Yield (line number, JSON text or error) for each non-blank line of a JSON Lines stream.

    The text is not parsed here: a batch parses each record (with `_json.loads`) where it is
    evaluated, so that worker processes share the parsing. A byte order mark on the first line
    is dropped, as YAML drops it.
    """
    for number, raw in enumerate(handle, start=1):
        if number == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        if not raw.strip():
            continue
        try:
            yield number, raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield (
                number,
                PackError(str(exc), code="json.encoding", location=Location(name, number)),
            )


class _Builder:
    def __init__(self, marks: Marks) -> None:
        self.marks = marks
        self.count = 0

    def build(self, node: Node, path: Path_, depth: int) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            raise PackError(
                f"the document expands to more than {MAX_NODES:,} values",
                code="yaml.too_many_nodes",
                location=self._loc(node),
                hint="aliases that refer to aliases multiply; write the values out or trim them",
            )
        if depth > MAX_DEPTH:
            raise _too_deep(self.marks.path, node.start_mark)
        self.marks.values.setdefault(path, _mark(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            self._check_tag(node, f"{_CORE}seq")
            return [self.build(child, (*path, i), depth + 1) for i, child in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node)

    def _mapping(self, node: MappingNode, path: Path_, depth: int) -> dict[str, Any]:
        self._check_tag(node, f"{_CORE}map")
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_CORE}merge":
                raise PackError(
                    "merge keys ('<<') are not supported",
                    code="yaml.merge_key",
                    location=self._loc(key_node),
                    hint="write the keys out; merges hide where a value comes from",
                )
            if not isinstance(key_node, ScalarNode):
                raise PackError(
                    "a mapping key must be a plain scalar",
                    code="yaml.complex_key",
                    location=self._loc(key_node),
                )
            if key_node.tag != f"{_CORE}str" and len(key_node.value) > _MAX_KEY_TEXT:
                # Not converted: a long number would be costly to build and to print.
                raise PackError(
                    f"a key that is not a string is longer than {_MAX_KEY_TEXT} characters",
                    code="yaml.bad_key",
                    location=self._loc(key_node),
                    hint="keys are short names",
                )
            key = self._scalar(key_node)
            key = key if isinstance(key, str) else str(key)
            if key in result:
                first = self.marks.keys.get((*path, key))
                where = f" (first at line {first[0]})" if first else ""
                raise PackError(
                    f"duplicate key '{key}'{where}",
                    code="yaml.duplicate_key",
                    location=self._loc(key_node),
                    hint="YAML would silently keep only the last value; remove one of them",
                )
            self.marks.keys[(*path, key)] = _mark(key_node)
            result[key] = self.build(value_node, (*path, key), depth + 1)
        return result

    def _scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag not in _ALLOWED_SCALAR_TAGS:
            raise PackError(
                f"tag '{tag}' is not allowed",
                code="yaml.unsafe_tag",
                location=self._loc(node),
                hint="only plain YAML values (strings, numbers, booleans, null, dates) are accepted",
            )
        value = node.value
        if tag == f"{_CORE}str":
            return value
        if tag == f"{_CORE}null":
            return None
        if tag == f"{_CORE}bool":
            return value.lower() in {"true", "yes", "on", "y"}
        if tag == f"{_CORE}int":
            try:
                return _int(value)
            except ValueError:
                shown = value if len(value) <= _MAX_KEY_TEXT else value[: _MAX_KEY_TEXT - 3] + "..."
                raise PackError(
                    f"'{shown}' is not an integer this loader accepts",
                    code="yaml.bad_number",
                    location=self._loc(node),
                    hint="write integers in plain decimal digits",
                ) from None
        if tag == f"{_CORE}float":
            return self._decimal(node)
        return self._timestamp(node)

    def _decimal(self, node: ScalarNode) -> Decimal:
        text = node.value.replace("_", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            raise PackError(
                f"'{node.value}' is not a finite number",
                code="yaml.non_finite",
                location=self._loc(node),
            )
        return number

    def _timestamp(self, node: ScalarNode) -> dt.date | dt.datetime:
        constructor = yaml.SafeLoader.__new__(yaml.SafeLoader)
        try:
            value = yaml.constructor.SafeConstructor.construct_yaml_timestamp(constructor, node)
        except Exception:  # PyYAML raises AttributeError, ValueError... for malformed text
            raise PackError(
                f"'{node.value}' is not a valid date",
                code="yaml.bad_date",
                location=self._loc(node),
                hint="write dates as YYYY-MM-DD",
            ) from None
        assert isinstance(value, dt.date)
        return value

    def _check_tag(self, node: Node, expected: str) -> None:
        if node.tag != expected:
            raise PackError(
                f"tag '{node.tag}' is not allowed",
                code="yaml.unsafe_tag",
                location=self._loc(node),
                hint="only plain YAML mappings and sequences are accepted",
            )

    def _loc(self, node: Node) -> Location:
        line, column = _mark(node)
        return Location(self.marks.path, line, column)


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


_MAX_KEY_TEXT = 64
"""Longest text of a key that is not a string (a number, a date), and longest text quoted."""
_MAX_INT_TEXT = 30
"""Longest hexadecimal, octal or binary integer literal (int() of these has no digit limit)."""


def _int(text: str) -> int:
    cleaned = text.replace("_", "")
    sign = -1 if cleaned.startswith("-") else 1
    cleaned = cleaned.lstrip("+-")
    if cleaned.startswith(("0b", "0x", "0o")) and len(cleaned) > _MAX_INT_TEXT:
        # Python's 4,300-digit guard covers base 10 only; a long hex literal then takes
        # quadratic time to become a Decimal.
        raise ValueError(f"integer literal longer than {_MAX_INT_TEXT} characters")
    if cleaned.startswith("0b"):
        return sign * int(cleaned[2:], 2)
    if cleaned.startswith("0x"):
        return sign * int(cleaned[2:], 16)
    if cleaned.startswith("0o"):
        return sign * int(cleaned[2:], 8)
    if ":" in cleaned:
        raise ValueError(f"sexagesimal integer '{text}' is not supported")
    return sign * int(cleaned)


def _syntax_error(exc: yaml.MarkedYAMLError, path: str, text: str) -> PackError:
    mark = exc.problem_mark or exc.context_mark
    location = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
    problem = exc.problem or "invalid YAML"
    context = exc.context_mark
    if context is not None and mark is not None and context.line != mark.line:
        problem += f" ({exc.context or 'started'} at line {context.line + 1})"
    hint = None
    if "\t" in problem or "'\\t'" in problem or (mark is not None and _tab_at(text, mark.line)):
        hint = "YAML indents with spaces; replace the tab characters"
    else:
        hint = "check the brackets, quotes and indentation at and just before this place"
    return PackError(problem, code="yaml.syntax", location=location, hint=hint)


def _tab_at(text: str, line: int) -> bool:
    # libyaml does not name the tab it stumbled on; look at the line's indentation instead.
    lines = text.splitlines()
    if not 0 <= line < len(lines):
        return False
    current = lines[line]
    return "\t" in current[: len(current) - len(current.lstrip())]
