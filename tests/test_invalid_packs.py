"""One invalid pack per failure mode: each must fail to load with its code, line and message.

The first line of each fixture states the expectation: `# error: <code> line <n>: <fragment>`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from policyengine import PackError, load_pack
from policyengine.loader import load_pack_text

INVALID = Path(__file__).parent / "invalid"
_HEADER = re.compile(r"^# error: (?P<code>\S+) line (?P<line>\d+): ?(?P<fragment>.*)$")


def _fixtures() -> list[Path]:
    return sorted(INVALID.glob("*.yaml"))


@pytest.mark.parametrize("path", _fixtures(), ids=lambda p: p.stem)
def test_invalid_pack_is_rejected_with_location(path: Path) -> None:
    header = _HEADER.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert header, f"{path.name}: first line must be '# error: <code> line <n>: <fragment>'"
    with pytest.raises(PackError) as info:
        load_pack(path)
    error = info.value
    errors = getattr(error, "errors", (error,))
    matching = [e for e in errors if e.code == header["code"]]
    assert matching, f"expected {header['code']}, got {[e.code for e in errors]}: {error}"
    first = matching[0]
    assert first.location is not None
    assert first.location.path == str(path)
    assert first.location.line == int(header["line"]), str(first)
    assert header["fragment"] in str(first), str(first)


# --- resource bounds and hostile files (security review B9, B10, B13, B25) ---------------------

MINI = (Path(__file__).parent / "fixtures" / "mini.yaml").read_text(encoding="utf-8")


def _errors(error: PackError) -> tuple[PackError, ...]:
    return getattr(error, "errors", (error,))


def test_definitions_chained_in_reverse_order_compile_once_each(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import time

    from policyengine import loader

    head, tail = MINI.split("definitions:\n", 1)
    n = 998  # d0 .. d998 and the fixture's own definition: the most a pack may have
    chain = "".join(f"  d{i}: {{expression: d{i + 1}, description: x}}\n" for i in range(n))
    chain += f"  d{n}: {{expression: 'known(classified)', description: x}}\n"
    text = head + "definitions:\n" + chain + tail
    sources = {f"d{i + 1}" for i in range(n)} | {"known(classified)"}
    calls = 0
    compile_expression = loader.compile_expression

    def counting(source: str, *args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        if source in sources:
            calls += 1
            # Resolving by repeated passes compiles the chain quadratically often: stop early.
            assert calls <= len(sources), "a definition was compiled more than once"
        return compile_expression(source, *args, **kwargs)

    monkeypatch.setattr(loader, "compile_expression", counting)
    start = time.perf_counter()
    pack = load_pack_text(text, "reverse-chain.yaml")
    assert time.perf_counter() - start < 5
    assert calls == n + 1
    names = [name for name, _ in pack.definitions]
    assert names.index(f"d{n}") < names.index("d0")


def test_a_definition_cycle_lists_a_bounded_number_of_names() -> None:
    head, tail = MINI.split("definitions:\n", 1)
    cycle = "".join(
        f"  d{i}: {{expression: d{(i + 1) % 500}, description: x}}\n" for i in range(500)
    )
    with pytest.raises(PackError) as info:
        load_pack_text(head + "definitions:\n" + cycle + tail, "cycle.yaml")
    errors = _errors(info.value)
    assert errors[0].code == "pack.definition_cycle"
    assert "... and 490 more" in errors[0].message
    assert len(errors) == 101
    assert errors[-1].code == "pack.too_many_errors"
    assert "400 more errors" in errors[-1].message


@pytest.mark.parametrize(
    "rules",
    [
        "[" + ",".join(["{}"] * 100_000) + "]",
        "[&r {zzz: 1}" + ", *r" * 60_000 + "]",
    ],
    ids=["empty-rules", "aliases"],
)
def test_schema_errors_stop_early_and_are_capped(rules: str) -> None:
    import time

    text = MINI.split("rules:")[0] + "rules: " + rules + "\n"
    start = time.perf_counter()
    with pytest.raises(PackError) as info:
        load_pack_text(text, "many-errors.yaml")
    # Reading the YAML is most of it; validation stops at the first list over the limit.
    assert time.perf_counter() - start < 5
    errors = _errors(info.value)
    assert [e.code for e in errors] == ["pack.invalid_value"]
    assert "at most 1000 items" in errors[0].message
    assert len(str(info.value)) < 2_000


def test_many_schema_errors_are_reported_up_to_a_limit_and_counted() -> None:
    text = MINI.split("rules:")[0] + "rules: [" + ",".join(["{}"] * 1000) + "]\n"
    with pytest.raises(PackError) as info:
        load_pack_text(text, "many-errors.yaml")
    errors = _errors(info.value)
    assert len(errors) == 101
    assert all(e.code == "pack.missing_key" for e in errors[:100])
    last = errors[-1]
    assert last.code == "pack.too_many_errors"
    assert last.location is not None
    assert last.location.path == "many-errors.yaml"
    # Each empty rule misses id, title, stages, citation, category, check and message.
    assert f"... and {7 * 1000 - 100:,} more errors" in last.message
    assert len(str(info.value)) < 50_000


def test_a_mapping_section_over_the_limit_is_refused_before_its_entries() -> None:
    head, tail = MINI.split("definitions:\n", 1)
    many = "".join(f"  d{i}: {{}}\n" for i in range(5000))
    with pytest.raises(PackError) as info:
        load_pack_text(head + "definitions:\n" + many + tail, "many-definitions.yaml")
    errors = _errors(info.value)
    assert [e.code for e in errors] == ["pack.invalid_value"]
    assert "at most 1,000 entries" in errors[0].message


def test_an_unexpected_exception_while_loading_is_a_located_pack_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from policyengine import loader

    def broken(self: Any) -> Any:
        raise RuntimeError("a fault of the loader")

    monkeypatch.setattr(loader._Compiler, "compile", broken)
    with pytest.raises(PackError) as info:
        loader.load_pack_text(MINI, "internal-fault.yaml")
    assert info.value.code == "pack.internal"
    assert info.value.location is not None
    assert info.value.location.path == "internal-fault.yaml"
    assert isinstance(info.value.__cause__, RuntimeError)


def test_unknown_keys_are_quoted_short_and_without_control_characters() -> None:
    key = "\x1b[2J\x1b]0;title\x07" + "k" * 500
    text = MINI.replace(
        "jurisdiction:", f'"{key.encode("unicode_escape").decode()}": 1\njurisdiction:'
    )
    with pytest.raises(PackError) as info:
        load_pack_text(text, "escapes.yaml")
    (error,) = [e for e in _errors(info.value) if e.code == "pack.unknown_key"]
    assert "\x1b" not in str(error)
    assert "\x07" not in str(error)
    assert (
        "unexpected key '\\x1b[2J\\x1b]0;title\\x07" + "k" * 26 + "...' in the pack"
        in error.message
    )


def test_a_file_that_is_not_a_pack_is_refused_without_echoing_its_keys() -> None:
    shadow = "".join(f"user{i}:$6$secret{i}:20228:0:99999:7:::\n" for i in range(50))
    with pytest.raises(PackError) as info:
        load_pack_text(shadow + "id: x\n", "shadow")
    assert _errors(info.value) == (info.value,)
    assert info.value.code == "pack.not_a_pack"
    assert "secret" not in str(info.value)
    assert "user" not in str(info.value)


def test_load_bundled_pack_takes_only_bundled_names(tmp_path: Path) -> None:
    from policyengine import load_bundled_pack

    assert load_bundled_pack("mengyin").id == "mengyin"
    pack = tmp_path / "pack.yaml"
    pack.write_text(MINI, encoding="utf-8")
    for name in (str(pack), "../policies/wuhan.yaml", "wuhan.yaml", "/etc/passwd", "wuhan/"):
        with pytest.raises(PackError) as info:
            load_bundled_pack(name)
        assert info.value.code == "pack.not_found"


def test_errors_past_the_limit_are_counted_without_building_their_hints(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from policyengine import _suggest

    rule = (
        "  - {{id: r{i}, category: precondition, title: {{zh: a, en: a}}, due_from: application,"
        ' check: "unknown_{i} > 1", message: {{zh: a, en: a}},'
        " citation: {{article: 3, quote: q}}}}\n"
    )
    text = MINI.split("rules:")[0] + "rules:\n" + "".join(rule.format(i=i) for i in range(1000))
    calls = 0
    did_you_mean = _suggest.did_you_mean

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        return did_you_mean(*args, **kwargs)

    monkeypatch.setattr(_suggest, "did_you_mean", counting)
    with pytest.raises(PackError) as info:
        load_pack_text(text, "unknown-names.yaml")
    errors = _errors(info.value)
    assert len(errors) == 101
    assert errors[0].hint is not None
    assert errors[-1].message == "... and 900 more errors"
    assert calls <= 100


@pytest.mark.parametrize(
    ("value", "quoted"),
    [
        ("wuhan", "wuhan"),
        ("a\x1b[31mb\u2028c\x00", "a\\x1b[31mb\\u2028c\\x00"),
        ("x" * 100, "x" * 40 + "..."),
        (10**5000, "<an integer of 16,610 bits>"),
        (12345, "12345"),
        (["a"] * 1000, "['a', 'a', 'a', 'a', 'a', 'a', ...]"),
    ],
    ids=["plain", "controls", "long", "huge-int", "int", "list"],
)
def test_values_from_the_file_are_quoted_short_and_printable(value: Any, quoted: str) -> None:
    from policyengine.loader import _quoted

    assert _quoted(value) == quoted


def test_an_invalid_enum_value_is_quoted_short_in_its_hint() -> None:
    text = MINI.replace("level: municipal", "level: munic" + "i" * 100_000 + "pal")
    with pytest.raises(PackError) as info:
        load_pack_text(text, "long-level.yaml")
    (error,) = _errors(info.value)
    assert error.code == "pack.invalid_value"
    assert len(str(error)) < 1_000
