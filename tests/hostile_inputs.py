"""Hostile inputs from the security review, each under 1 MB, as command lines to run.

Every entry writes its input files into a directory and returns the `policyengine` arguments that
feed them in. The promise they check: whatever the input, the command ends with a result or a
library error (exit status 0, 1 or 2, never a traceback), in bounded time and memory.
`tests/test_hostile_inputs.py` runs them all with generous limits; `benchmarks/hostile.py` runs
them and prints the time and memory each took against the 2 s and 300 MB bars.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MINI = ROOT / "tests" / "fixtures" / "mini.yaml"
EXAMPLE = ROOT / "examples" / "project.yaml"


@dataclass(frozen=True)
class Hostile:
    """One hostile input: the review's id and what it is, and how to make and feed it."""

    id: str
    what: str
    make: Callable[[Path], list[str]]


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _mini(folder: Path, name: str, old: str, new: str) -> str:
    text = MINI.read_text(encoding="utf-8")
    if old not in text:
        raise ValueError(f"{old!r} is not in {MINI}")
    return _write(folder, name, text.replace(old, new, 1))


def _batch(folder: Path, lines: list[str]) -> list[str]:
    records = _write(folder, "in.jsonl", "\n".join(lines) + "\n")
    out = str(folder / "out.jsonl")
    return ["evaluate", records, "--format", "jsonl", "-o", out]


def _project(folder: Path, name: str, text: str) -> list[str]:
    return ["evaluate", _write(folder, name, text), "--pack", "wuhan"]


def _pack(folder: Path, text: str) -> list[str]:
    return ["lint", _write(folder, "hostile.yaml", text)]


def _pack_from_mini(folder: Path, old: str, new: str) -> list[str]:
    return ["lint", _mini(folder, "hostile.yaml", old, new)]


def _evaluate_with_pack(folder: Path, old: str, new: str, project: dict[str, object]) -> list[str]:
    pack = _mini(folder, "hostile.yaml", old, new)
    path = _write(folder, "p.json", json.dumps(project))
    return ["evaluate", path, "--pack", pack, "--as-of", "2025-01-01"]


def _reverse_definitions(count: int) -> str:
    lines = [f"  d{i}:\n    expression: d{i + 1}\n    description: x\n" for i in range(count)]
    lines.append(f"  d{count}:\n    expression: classified\n    description: x\n")
    return "".join(lines)


HOSTILE: tuple[Hostile, ...] = (
    Hostile(
        "B4",
        "JSON Lines record nested 1,100 deep between two good records",
        lambda d: _batch(d, ['{"id": "a"}', "[" * 1100 + "]" * 1100, '{"id": "c"}']),
    ),
    Hostile(
        "B4",
        "JSON Lines record nested 100,000 deep",
        lambda d: _batch(d, ['{"id": "a"}', "[" * 100_000 + "]" * 100_000]),
    ),
    Hostile(
        "B5",
        "136-byte record with an integer fact of 1e1000000",
        lambda d: _batch(
            d,
            [
                '{"profile": {"classified": true}, "money": {"total_investment": "1000000"}, '
                '"procedure": {"secrecy_pool_experts": 1e1000000, '
                '"steps": {"expert_evaluation": {"date": "2024-01-01"}}}}'
            ],
        ),
    ),
    Hostile(
        "B6",
        "record with an integer fact of 1e5000",
        lambda d: _batch(
            d, ['{"id": "a"}', '{"procedure": {"secrecy_pool_experts": 1e5000}}', '{"id": "c"}']
        ),
    ),
    Hostile(
        "B7",
        "760 KB record with 190,000 invalid items",
        lambda d: _batch(d, [json.dumps({"items": ["x"] * 190_000}, separators=(",", ":"))]),
    ),
    Hostile(
        "B7",
        "record with 75,000 unknown keys",
        lambda d: _batch(d, [json.dumps({f"k{i}": 1 for i in range(75_000)})]),
    ),
    Hostile(
        "B8",
        "YAML project with a 4,000-hex-digit plan year",
        lambda d: _project(d, "p.yaml", "name: x\nplan_year: 0x" + "f" * 4000 + "\n"),
    ),
    Hostile(
        "B8",
        "JSON project with a 5,000-digit integer",
        lambda d: _project(d, "p.json", '{"plan_year": ' + "9" * 5000 + "}"),
    ),
    Hostile(
        "B8",
        "JSON project nested 985 deep",
        lambda d: _project(d, "p.json", '{"name": ' + "[" * 985 + "]" * 985 + "}"),
    ),
    Hostile(
        "B8",
        "JSON project nested 100,000 deep",
        lambda d: _project(d, "p.json", '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}"),
    ),
    Hostile(
        "B9",
        "900 definitions chained in reverse order",
        lambda d: _pack_from_mini(
            d, "definitions:\n", "definitions:\n" + _reverse_definitions(900)
        ),
    ),
    Hostile(
        "B10",
        "100,000 empty rules",
        lambda d: _pack_from_mini(d, "rules:\n", "rules:\n" + "  - {}\n" * 100_000),
    ),
    Hostile(
        "B11",
        "threshold written as 900,000 hex digits",
        lambda d: _pack_from_mini(d, "value: 500000", "value: 0x" + "f" * 900_000),
    ),
    Hostile(
        "B12",
        "add_days with a 1e1000000 literal, evaluated",
        lambda d: _evaluate_with_pack(
            d,
            'check: "in_annual_plan"',
            'check: "add_days(approval_date, 1e1000000) > approval_date"',
            {
                "owner": {"type": "party_government_organ"},
                "money": {"total_investment": "600000"},
                "procedure": {"steps": {"approval": {"date": "2024-01-01"}}},
            },
        ),
    ),
    Hostile(
        "B13",
        "top-level key of 4,000 hex digits",
        lambda d: _pack(d, MINI.read_text(encoding="utf-8") + "? 0x" + "f" * 4000 + "\n: 1\n"),
    ),
    Hostile(
        "B13",
        "invalid !!timestamp",
        lambda d: _pack_from_mini(d, "seed_file: none.txt", "seed_file: !!timestamp garbage"),
    ),
    Hostile(
        "B13",
        "expression literal 1e9999999999999999999",
        lambda d: _pack_from_mini(
            d, 'check: "in_annual_plan"', 'check: "total_investment >= 1e9999999999999999999"'
        ),
    ),
    Hostile(
        "B21",
        "source.articles of 10^12",
        lambda d: _pack_from_mini(d, "articles: 6", "articles: 1000000000000"),
    ),
    Hostile(
        "B16",
        "an unknown stage",
        lambda d: ["evaluate", str(EXAMPLE), "--pack", "wuhan", "--stage", "bogus"],
    ),
    Hostile("B22", "a case file that never ends", lambda d: ["test", "/dev/zero"]),
    Hostile(
        "B26",
        "YAML pack of 500,000 scalars (1 MB)",
        lambda d: _pack(d, "x: [" + "0," * 499_999 + "0]\n"),
    ),
    Hostile(
        "B26",
        "YAML pack of 333,000 empty sequences",
        lambda d: _pack(d, "x: [" + "[]," * 333_000 + "[]]\n"),
    ),
    Hostile(
        "B26",
        "YAML pack of a 100,000-key mapping",
        lambda d: _pack(d, "".join(f"k{i}: 0\n" for i in range(100_000))),
    ),
)
