"""Batch evaluation: one result per record, in order, errors isolated, workers and resume."""

from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine import CompiledPack, ProjectError
from policyengine.batch import evaluate_many, write_json_lines

FIXTURES = Path(__file__).parent / "fixtures"
MINI = str(FIXTURES / "mini.yaml")
AS_OF = dt.date(2025, 6, 1)


def _lines(count: int) -> list[str]:
    lines = []
    for i in range(count):
        if i % 7 == 3:
            lines.append('{"total_investment": "-1"}')  # invalid project
        elif i % 11 == 5:
            lines.append("{not json")
        else:
            lines.append(json.dumps({"id": f"p{i}", "total_investment": str(400000 + i * 1000)}))
    return lines


def test_every_record_gets_exactly_one_result_in_order(mini: CompiledPack) -> None:
    records = [(f"r{i}", line) for i, line in enumerate(_lines(40))]
    results = list(evaluate_many(records, [mini, mini], as_of=AS_OF))
    assert [r.index for r in results] == list(range(40))
    errors = {r.index: r.error_code for r in results if not r.ok}
    assert errors == {
        **{i: "project.invalid" for i in range(40) if i % 7 == 3},
        **{i: "json.syntax" for i in range(40) if i % 11 == 5 and i % 7 != 3},
    }
    ok = [r for r in results if r.ok]
    assert all(len(r.verdicts) == 2 for r in ok)


def test_reading_errors_become_error_results(mini: CompiledPack) -> None:
    error = ProjectError([], source="x")
    (result,) = evaluate_many([("x", error)], [mini], as_of=AS_OF)
    assert result.error_code == "project.invalid"


def test_two_workers_give_the_same_results_as_one(mini: CompiledPack) -> None:
    records = [(f"r{i}", line) for i, line in enumerate(_lines(300))]
    one = [r.to_json() for r in evaluate_many(records, [mini], as_of=AS_OF, workers=1)]
    two = [
        r.to_json() for r in evaluate_many(records, [mini], as_of=AS_OF, workers=2, chunk_size=16)
    ]
    assert one == two


@pytest.mark.parametrize("workers", [1, 2])
def test_json_lines_written_directly_match_the_results(
    mini: CompiledPack, tmp_path: Path, workers: int
) -> None:
    records = [(f"r{i}", line) for i, line in enumerate(_lines(150))]
    expected = [r.to_json() for r in evaluate_many(records, [mini], as_of=AS_OF)]
    path = tmp_path / "out.jsonl"
    with path.open("wb") as handle:  # a real file: the spool files are copied by the kernel
        light = list(
            write_json_lines(records, [mini], handle, as_of=AS_OF, workers=workers, chunk_size=16)
        )
    assert path.read_text(encoding="utf-8").splitlines() == expected
    assert [r.index for r in light] == list(range(150))
    assert all(r.verdicts_json == () for r in light)
    assert [r.error_code for r in light] == [
        json.loads(e).get("error", {}).get("code") for e in expected
    ]
    memory = io.BytesIO()  # no file descriptor: copied in Python instead
    list(write_json_lines(records, [mini], memory, as_of=AS_OF, workers=workers, chunk_size=16))
    assert memory.getvalue().decode("utf-8").splitlines() == expected


def test_cli_resume_after_an_interrupted_run(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(_lines(30)) + "\n", encoding="utf-8")
    full = tmp_path / "full.jsonl"
    args = [
        sys.executable,
        "-m",
        "policyengine",
        "evaluate",
        str(batch),
        "--pack",
        MINI,
        "--format",
        "jsonl",
        "--as-of",
        "2025-06-01",
        "-o",
    ]
    subprocess.run([*args, str(full)], check=False, capture_output=True, timeout=60)
    expected = full.read_text(encoding="utf-8").splitlines()
    assert len(expected) == 30
    # Simulate an interruption: 12 complete records and half of the 13th.
    partial = tmp_path / "partial.jsonl"
    partial.write_text("\n".join(expected[:12]) + "\n" + expected[12][:40], encoding="utf-8")
    subprocess.run([*args, str(partial), "--resume"], check=False, capture_output=True, timeout=60)
    resumed = partial.read_text(encoding="utf-8").splitlines()
    assert resumed == expected


def test_cli_reads_json_lines_from_standard_input_and_keeps_bad_lines(tmp_path: Path) -> None:
    good = [json.dumps({"id": f"p{i}", "total_investment": "600000"}) for i in range(7)]
    lines = [*good[:5], "{not json", '"a string, not an object"', *good[5:]]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "policyengine",
            "evaluate",
            "-",
            "--pack",
            MINI,
            "--format",
            "jsonl",
            "--as-of",
            "2025-06-01",
        ],
        input="\n".join(lines) + "\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["index"] for r in records] == list(range(9))
    assert [r["source"] for r in records][:2] == ["<stdin>:1", "<stdin>:2"]
    assert records[5]["error"]["code"] == "json.syntax"
    assert records[6]["error"]["code"] == "project.invalid"
    assert all("verdicts" in r for i, r in enumerate(records) if i not in (5, 6))
    assert result.returncode == 2  # bad input was met, and said so on stderr
    assert "<stdin>:6" in result.stderr
