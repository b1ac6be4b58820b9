"""The safe YAML loader: located errors, duplicate keys, unsafe tags, limits, exact numbers."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from policyengine import PackError
from policyengine._yaml import MAX_FILE_BYTES, load_yaml, read_text


def error_of(text: str) -> PackError:
    with pytest.raises(PackError) as info:
        load_yaml(text, "t.yaml")
    return info.value


def test_floats_become_exact_decimals_and_marks_are_recorded() -> None:
    data, marks = load_yaml("a:\n  b: 0.1\n  c: [1, 2.50]\n", "t.yaml")
    assert data == {"a": {"b": Decimal("0.1"), "c": [1, Decimal("2.50")]}}
    assert str(marks.locate(("a", "c", 1))) == "t.yaml:3:10"
    assert str(marks.locate(("a", "b"), key=True)) == "t.yaml:2:3"


def test_duplicate_keys_are_refused_with_both_lines() -> None:
    error = error_of("a: 1\nb: 2\na: 3\n")
    assert error.code == "yaml.duplicate_key"
    assert str(error.location) == "t.yaml:3:1"
    assert "first at line 1" in error.message


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object/apply:os.system ['echo hi']\n",
        "a: !!python/name:os.system\n",
        "a: !custom 1\n",
        "a: !!set {x, y}\n",
    ],
)
def test_unsafe_tags_are_refused(text: str) -> None:
    assert error_of(text).code == "yaml.unsafe_tag"


def test_alias_bomb_is_bounded() -> None:
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    started = time.perf_counter()
    error = error_of(bomb)
    assert error.code == "yaml.too_many_nodes"
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize("depth", [65, 5000, 1_000_000])
def test_deep_nesting_is_bounded(depth: int) -> None:
    # A million levels once crashed the C parser's recursive composer; it must be a located error.
    deep = "a: " + "[" * depth + "]" * depth + "\n"
    error = error_of(deep)
    assert error.code == "yaml.too_deep"
    assert error.location is not None
    assert error.location.line == 1


@pytest.mark.parametrize("depth", [999, 1000, 1001, 1100])
def test_nesting_at_the_c_parser_limit_is_too_deep(depth: int) -> None:
    # libyaml has a nesting limit of its own; whichever limit stops the parse, the code is ours.
    for deep in (
        "[" * depth + "]" * depth,
        "".join(" " * i + "k:\n" for i in range(depth)) + "v\n",
    ):
        assert error_of(deep).code == "yaml.too_deep"


def test_a_syntax_error_after_allowed_nesting_stays_a_syntax_error() -> None:
    error = error_of("a: " + "[" * 10 + "]" * 9 + "}\n")
    assert error.code == "yaml.syntax"


def test_wide_documents_are_refused_before_they_are_composed() -> None:
    # B26: the node limit applies on the event stream, before libyaml builds every node.
    import tracemalloc

    from policyengine._yaml import MAX_NODES

    wide = "x: [" + "0," * (MAX_NODES + 10) + "0]\n"
    tracemalloc.start()
    try:
        error = error_of(wide)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.code == "yaml.too_many_nodes"
    assert error.location is not None
    # The mapping, its key and the sequence count too: the value over the limit is number
    # MAX_NODES - 3 of the sequence, at column 5 + 2 * (MAX_NODES - 3).
    assert error.location.column == 5 + 2 * (MAX_NODES - 3)
    assert peak < 50 * 1024 * 1024


def test_block_nesting_is_bounded() -> None:
    deep = "".join(" " * i + f"k{i}:\n" for i in range(100)) + " " * 100 + "v\n"
    assert error_of(deep).code == "yaml.too_deep"


def test_tab_indentation_gets_a_hint() -> None:
    error = error_of("a:\n\tb: 1\n")
    assert error.code == "yaml.syntax"
    assert error.hint is not None
    assert "tab" in error.hint


def test_bom_is_accepted_and_bad_bytes_are_located() -> None:
    assert read_text("\ufeffa: 1\n".encode(), "t.yaml") == "a: 1\n"
    with pytest.raises(PackError) as info:
        read_text(b"a: 1\nb: \xff\n", "t.yaml")
    assert info.value.code == "yaml.encoding"
    assert str(info.value.location) == "t.yaml:2:4"


def test_oversized_input_is_refused_before_parsing() -> None:
    with pytest.raises(PackError) as info:
        read_text(b" " * (MAX_FILE_BYTES + 1), "big.yaml")
    assert info.value.code == "yaml.too_large"


def test_merge_keys_are_refused() -> None:
    assert error_of("a: &a {x: 1}\nb:\n  <<: *a\n").code == "yaml.merge_key"


# --- numbers and keys that would be costly to build (security review B11, B13) ----------------


@pytest.mark.parametrize(
    "text",
    [
        "a: 0x" + "f" * 900_000 + "\n",
        "a: !!int -0o" + "7" * 40 + "\n",
        "a: 0b" + "1" * 40 + "\n",
        "a: 0x" + "f" * 4000 + "\n",
    ],
    ids=["hex-900k", "octal", "binary", "hex-4000"],
)
def test_long_non_decimal_integers_are_refused(text: str) -> None:
    start = time.perf_counter()
    error = error_of(text)
    assert time.perf_counter() - start < 2
    assert error.code == "yaml.bad_number"
    assert error.location is not None
    assert error.location.line == 1
    assert len(error.message) < 200


def test_short_non_decimal_integers_are_read() -> None:
    data, _ = load_yaml("a: 0x" + "f" * 28 + "\nb: !!int 0o17\nc: -0b101\n", "t.yaml")
    assert data == {"a": 16**28 - 1, "b": 15, "c": -5}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("? 0x" + "f" * 4000 + "\n: 1\n", "yaml.bad_key"),
        ("? " + "9" * 100 + "\n: 1\n", "yaml.bad_key"),
        ("a: !!timestamp garbage\n", "yaml.bad_date"),
        ("a: !!timestamp 2024-13-45\n", "yaml.bad_date"),
    ],
    ids=["hex-key", "long-int-key", "garbage-timestamp", "impossible-date"],
)
def test_hostile_scalars_are_located_pack_errors(text: str, code: str) -> None:
    error = error_of(text)
    assert error.code == code
    assert error.location is not None
    assert error.location.line == 1


def test_short_number_keys_are_still_read_as_text() -> None:
    data, _ = load_yaml("1: a\n2024-01-01: b\n", "t.yaml")
    assert data == {"1": "a", "2024-01-01": "b"}
