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
            lines.append('{"money": {"total_investment": "-1"}}')  # invalid project
        elif i % 11 == 5:
            lines.append("{not json")
        else:
            lines.append(
                json.dumps({"id": f"p{i}", "money": {"total_investment": str(400000 + i * 1000)}})
            )
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


def _cli_jsonl(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """`policyengine evaluate ARGS` against the mini pack, JSON Lines out, on a fixed date."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "policyengine",
            "evaluate",
            *args,
            "--pack",
            MINI,
            "--format",
            "jsonl",
            "--as-of",
            "2025-06-01",
        ],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_cli_resume_after_an_interrupted_run(tmp_path: Path) -> None:
    batch = tmp_path / "batch.jsonl"
    batch.write_text("\n".join(_lines(30)) + "\n", encoding="utf-8")
    full = tmp_path / "full.jsonl"
    _cli_jsonl(str(batch), "-o", str(full))
    expected = full.read_text(encoding="utf-8").splitlines()
    assert len(expected) == 30
    # Simulate an interruption: 12 complete records and half of the 13th.
    partial = tmp_path / "partial.jsonl"
    partial.write_text("\n".join(expected[:12]) + "\n" + expected[12][:40], encoding="utf-8")
    _cli_jsonl(str(batch), "-o", str(partial), "--resume")
    resumed = partial.read_text(encoding="utf-8").splitlines()
    assert resumed == expected


def test_cli_reads_json_lines_from_standard_input_and_keeps_bad_lines(tmp_path: Path) -> None:
    good = [json.dumps({"id": f"p{i}", "money": {"total_investment": "600000"}}) for i in range(7)]
    lines = [*good[:5], "{not json", '"a string, not an object"', *good[5:]]
    result = _cli_jsonl("-", stdin="\n".join(lines) + "\n")
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["index"] for r in records] == list(range(9))
    assert [r["source"] for r in records][:2] == ["<stdin>:1", "<stdin>:2"]
    assert records[5]["error"]["code"] == "json.syntax"
    assert records[6]["error"]["code"] == "project.invalid"
    assert all("verdicts" in r for i, r in enumerate(records) if i not in (5, 6))
    assert result.returncode == 2  # bad input was met, and said so on stderr
    assert "<stdin>:6" in result.stderr


# --- Hostile records (security review B4, B6, B7, B17, B19) ---


def _hostile_lines() -> list[str]:
    return [
        json.dumps({"id": "first", "money": {"total_investment": "600000"}}),
        "[" * 1100 + "]" * 1100,
        '{"name": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"procedure": {"plan_year": ' + "9" * 5000 + "}}",
        '{"procedure": {"secrecy_pool_experts": 1e5000}}',
        '{"name": "a", "name": "b"}',
        '{"name": "\\ud800"}',
        '{"money": {"total_investment": NaN}}',
        "[1, 2]",
        "null",
        "{not json",
        json.dumps({f"fact_{i}": 1 for i in range(300)}),
        json.dumps({"id": "last", "money": {"total_investment": "600000"}}),
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_every_line_yields_one_result_whatever_it_holds(
    mini: CompiledPack, tmp_path: Path, workers: int
) -> None:
    lines = _hostile_lines()
    records = [(f"r{i}", line) for i, line in enumerate(lines)]
    results = list(evaluate_many(records, [mini], as_of=AS_OF, workers=workers, chunk_size=2))
    assert [r.index for r in results] == list(range(len(lines)))
    codes = [r.error_code for r in results]
    assert codes[:6] == [
        None,
        "json.too_deep",
        "json.too_deep",
        "json.bad_number",
        "json.bad_number",
        "json.duplicate_key",
    ]
    assert codes[-1] is None
    assert all(code is not None for code in codes[1:-1])
    path = tmp_path / "out.jsonl"
    with path.open("wb") as handle:
        written = list(
            write_json_lines(records, [mini], handle, as_of=AS_OF, workers=workers, chunk_size=2)
        )
    assert len(written) == len(lines)
    out = path.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["index"] for line in out] == list(range(len(lines)))


def test_json_errors_in_a_record_point_at_its_line_and_column(mini: CompiledPack) -> None:
    from policyengine.batch import JsonLine

    record = ("in.jsonl:7", JsonLine("in.jsonl", 7, '{"name": "a", "name": "b"}'))
    (result,) = evaluate_many([record], [mini], as_of=AS_OF)
    assert result.error_code == "json.duplicate_key"
    assert result.error_message is not None
    assert result.error_message.startswith("in.jsonl:7:15: json.duplicate_key: ")


def test_a_failure_to_serialise_a_verdict_is_that_records_error(
    mini: CompiledPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    from policyengine import Verdict

    def broken(self: Verdict, *, indent: int | None = None) -> str:
        raise RuntimeError("cannot serialise")

    monkeypatch.setattr(Verdict, "to_json", broken)
    records = [(f"r{i}", json.dumps({"id": f"p{i}"})) for i in range(3)]
    results = list(evaluate_many(records, [mini], as_of=AS_OF))
    assert [(r.index, r.error_code) for r in results] == [(i, "evaluation.error") for i in range(3)]
    assert results[0].error_message == "RuntimeError: cannot serialise"


def test_error_records_list_the_first_issues_with_their_paths(mini: CompiledPack) -> None:
    line = json.dumps({"money": {"total_investment": "-1"}, **{f"fact_{i}": 1 for i in range(300)}})
    (result,) = evaluate_many([("r", line)], [mini], as_of=AS_OF)
    error = json.loads(result.to_json())["error"]
    assert error["code"] == "project.invalid"
    assert error["issue_count"] == 301
    assert len(error["issues"]) == 20
    assert set(error["issues"][0]) == {"loc", "msg", "type"}
    assert ["money", "total_investment"] in [issue["loc"] for issue in error["issues"]]
    assert len(error["message"]) < 5_000


def test_an_unknown_stage_is_refused_when_the_batch_is_made(mini: CompiledPack) -> None:
    from policyengine import EvaluationError

    for make in (
        lambda: evaluate_many([], [mini], stage="bogus"),
        lambda: write_json_lines([], [mini], io.BytesIO(), stage="bogus"),
    ):
        with pytest.raises(EvaluationError) as info:
            make()
        assert info.value.code == "evaluation.unknown_stage"
        assert info.value.hint is not None
        assert "planning" in info.value.hint


def test_a_source_name_that_is_not_utf8_is_written_as_its_json_escape(mini: CompiledPack) -> None:
    source = "\udcff.jsonl:1"  # os.fsdecode(b"\xff.jsonl") + ":1"
    for line in ('{"id": "p"}', "{not json"):
        (result,) = evaluate_many([(source, line)], [mini], as_of=AS_OF)
        data = result.to_json_bytes()
        assert json.loads(data.decode("utf-8"))["source"] == source


# The bundled packs pickle to hundreds of kilobytes: more than a pipe holds, which once left the
# parent blocked for ever writing them to a worker that had died.
@pytest.mark.parametrize("pack", [MINI, "zhanggong"])
def test_script_without_a_main_guard_fails_fast_with_workers(tmp_path: Path, pack: str) -> None:
    script = tmp_path / "batch_script.py"
    script.write_text(
        "import json\n"
        "from policyengine import load_pack\n"
        "from policyengine.batch import evaluate_many\n"
        f"pack = load_pack({pack!r})\n"
        "records = [(f'r{i}', json.dumps({'id': f'p{i}'})) for i in range(10)]\n"
        "print(len(list(evaluate_many(records, [pack], workers=2))))\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        [sys.executable, str(script)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,  # without the fix the pool restarts its workers for ever
        cwd=tmp_path,
    )
    assert result.returncode != 0
    assert "batch.workers_failed" in result.stderr
    assert '__name__ == "__main__"' in result.stderr


@pytest.mark.parametrize("workers", ["1", "2"])
def test_cli_deeply_nested_record_is_one_error_line_and_resume_passes_it(
    tmp_path: Path, workers: str
) -> None:
    batch = tmp_path / "deep.jsonl"
    batch.write_text(
        '{"id": "first"}\n' + "[" * 1100 + "]" * 1100 + '\n{"id": "third"}\n', encoding="utf-8"
    )
    out = tmp_path / "out.jsonl"
    result = _cli_jsonl(str(batch), "-o", str(out), "--workers", workers)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["index"] for line in lines] == [0, 1, 2]
    assert lines[1]["error"]["code"] == "json.too_deep"
    assert lines[1]["source"] == f"{batch}:2"
    # Resuming after a cut before the deep record redoes it, once, and finishes.
    text = out.read_text(encoding="utf-8")
    out.write_text(text.splitlines(keepends=True)[0], encoding="utf-8")
    resumed = _cli_jsonl(str(batch), "-o", str(out), "--workers", workers, "--resume")
    assert "Traceback" not in resumed.stderr
    assert out.read_text(encoding="utf-8") == text


def test_cli_resume_reads_only_the_index_of_each_line(tmp_path: Path) -> None:
    batch = tmp_path / "in.jsonl"
    batch.write_text('{"id": "a"}\n{"id": "b"}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    # An earlier line that JSON readers refuse (an integer of 5,001 digits) is not re-parsed.
    first = '{"index":0,"source":"x","verdicts":[{"n":' + "1" + "0" * 5000 + "}]}\n"
    out.write_text(first, encoding="utf-8")
    result = _cli_jsonl(str(batch), "-o", str(out), "--resume")
    assert result.returncode in (0, 1), result.stderr
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    assert lines[0] == first
    assert [line[:12] for line in lines[1:]] == ['{"index":1,"']


def test_resume_cuts_a_torn_tail_in_place_without_reading_the_file_whole(tmp_path: Path) -> None:
    import tracemalloc

    from policyengine.cli import _completed

    out = tmp_path / "out.jsonl"
    line = '{"index":%d,"source":"x","verdicts":[' + '{"pad":"' + "x" * 10_000 + '"}]}\n'
    with out.open("w", encoding="utf-8") as handle:
        for i in range(2_000):  # 20 MB of earlier results
            handle.write(line % i)
        handle.write('{"index":2000,"source":"x","verd')
    size = out.stat().st_size
    tracemalloc.start()
    try:
        done = _completed(out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert done == frozenset(range(2_000))
    assert out.stat().st_size == size - len('{"index":2000,"source":"x","verd')
    assert peak < 2_000_000  # line by line, not the 20 MB file at once
    assert out.read_text(encoding="utf-8").endswith("}]}\n")


def test_resume_refuses_a_foreign_file_without_cutting_it(tmp_path: Path) -> None:
    from policyengine.cli import UsageError, _completed

    out = tmp_path / "notes.txt"
    out.write_text("my notes, no newline at the end", encoding="utf-8")
    with pytest.raises(UsageError):
        _completed(out)
    assert out.read_text(encoding="utf-8") == "my notes, no newline at the end"


def test_bom_on_the_first_json_lines_line_is_ignored(mini: CompiledPack) -> None:
    from policyengine._yaml import iter_json_lines

    stream = io.BytesIO(b'\xef\xbb\xbf{"id": "a"}\n{"id": "b"}\n')
    records = [(str(n), text) for n, text in iter_json_lines(stream, "in.jsonl")]
    results = list(evaluate_many(records, [mini], as_of=AS_OF))
    assert [r.ok for r in results] == [True, True]


def test_spool_directories_left_by_killed_runs_are_removed(
    mini: CompiledPack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import tempfile

    from policyengine.batch import SPOOL_PREFIX

    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    dead = ended.pid
    old = 1_000_000_000.0  # 2001: long stale
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("mine", encoding="utf-8")
    temp = tmp_path / "tmp"
    temp.mkdir()
    made = {
        "stale": temp / f"{SPOOL_PREFIX}{dead}-abc",
        "recent": temp / f"{SPOOL_PREFIX}{dead}-def",
        "running": temp / f"{SPOOL_PREFIX}{os.getpid()}-ghi",
        "other": temp / "policyengine-spool-notapid",
    }
    for path in made.values():
        path.mkdir()
        (path / "chunk.jsonl").write_text("{}\n", encoding="utf-8")
    for name in ("stale", "running", "other"):
        os.utime(made[name], (old, old))
    link = temp / f"{SPOOL_PREFIX}{dead}-lnk"
    link.symlink_to(elsewhere)
    os.utime(link, (old, old), follow_symlinks=False)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    records = [(f"r{i}", json.dumps({"id": f"p{i}"})) for i in range(4)]
    list(write_json_lines(records, [mini], io.BytesIO(), as_of=AS_OF, workers=2, chunk_size=2))
    left = sorted(p.name for p in temp.iterdir())
    assert left == sorted(
        [made["recent"].name, made["running"].name, made["other"].name, link.name]
    )
    assert (elsewhere / "keep.txt").read_text(encoding="utf-8") == "mine"


def test_ctrl_c_stops_a_run_with_workers_and_keeps_no_partial_output(tmp_path: Path) -> None:
    import os
    import signal
    import time

    batch = tmp_path / "big.jsonl"
    line = json.dumps({"id": "p", "total_investment": "600000"}) + "\n"
    batch.write_text(line * 50_000, encoding="utf-8")
    out = tmp_path / "out.jsonl"
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "policyengine", "evaluate", str(batch), "--pack", MINI),
            *("--format", "jsonl", "-o", str(out), "--workers", "2"),
        ],
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C addresses
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the workers have written something
            if any(p.stat().st_size > 0 for p in tmp_path.glob(".out.jsonl.*.part")):
                break
            time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 130
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.jsonl"]
