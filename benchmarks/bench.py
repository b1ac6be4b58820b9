"""policyengine against hand-written Python, on the Zhanggong pack: `make bench`.

Prints, in one run: the agreement of the hand-written function with the engine on every project
timed; a table of interleaved timings, one row per path, with each row's ratio to the
hand-written function on the same projects; pack loading; a cold command-line run; batch scaling
from one worker to two and the peak memory of a long JSON Lines batch.

The baseline (`benchmarks/handwritten.py`) is what a careful engineer would write for speed,
with the engine's answers, three-valued where the pack is. Before timing anything the benchmark
checks that it agrees with `policyengine.decide`, and `decide` with `evaluate`, on every project
it times (at stage audit, and at every stage for each project), and exits 2 if they do not.

Timing: each round times every path once over its projects, in an order rotated from round to
round (A B C, B C A, ...), so that load on a shared machine falls on every path alike; each
row reports microseconds per project (min, median, max over the rounds) and its ratio to the
baseline of the same round (median, min, max of the same-round ratios). The clock is the
thread's CPU time (BENCH_CLOCK=wall for wall-clock time). The garbage collector runs as usual
(a collection before each pass, outside the timing). Rows:

- all projects: the hand-written function on a pre-built Project (the baseline); the same
  from a dict (`Project.from_mapping` inside the timing); `decide` and `evaluate` from a
  Project and from a dict; `evaluate` + `Verdict.to_json()`;
- in scope only, out of scope only: the baseline, `decide`, `evaluate` on those projects;
- one unknown fact per project (each of the facts the pack reads in turn): the same three.

Every engine call (the agreement check, the timed paths, the command-line runs) is made at stage
`audit`, the last stage, at which every duty of the pack is due, as in the hand-written function
by default; without a stage the engine would use each project's own stage, else the latest stage
of its steps, so that the paths would not do the same work. The exit status is 1 if a target is
missed.

Environment: BENCH_PROJECTS (default 2000) generated projects for the timing runs; BENCH_ROUNDS
(default 7) interleaved rounds; BENCH_CLOCK (cpu or wall); BENCH_BATCH (default 1000000) records
streamed through the command line for the memory run; BENCH_SCALING (default 60000) records for
the one-versus-two-workers run (long enough that starting the worker processes, about half a
second, does not decide the ratio).
"""

from __future__ import annotations

import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten
from check_handwritten import compare
from projects import AS_OF, boundaries, generate, with_unknown

from policyengine import Decisions, Project, decide, evaluate, load_pack
from policyengine.loader import BUNDLED_PACKS
from policyengine.vocabulary import Stage

ROOT = Path(__file__).resolve().parents[1]
PACK = "zhanggong"
STAGE = "audit"
"""The last stage: every duty is due, as in the hand-written function."""
TARGETS = {"decide": 4.0, "evaluate": 10.0}
"""The README's targets: `decide` and `evaluate` from a Project, all projects, ÷ baseline."""
LOAD_TARGET_MS = 50.0
CLI_TARGET_S = 0.5
SCALING_TARGET = 1.7
MEMORY_TARGET_MB = 200.0


@dataclass(frozen=True)
class Row:
    """One timed path: `run` over `inputs`, compared with the baseline row of `group`."""

    group: str
    name: str
    run: Callable[[Any], Any]
    inputs: Sequence[Any]
    target: float | None = None


def main() -> int:
    count = int(os.environ.get("BENCH_PROJECTS", "2000"))
    rounds = int(os.environ.get("BENCH_ROUNDS", "7"))
    clock = os.environ.get("BENCH_CLOCK", "cpu")
    batch = int(os.environ.get("BENCH_BATCH", "1000000"))
    scaling = int(os.environ.get("BENCH_SCALING", "60000"))
    pack = load_pack(PACK)
    projects = generate(pack, count)
    scopes = [handwritten.in_scope(p) for p in projects]
    inside = [p for p, scope in zip(projects, scopes, strict=True) if scope is True]
    outside = [p for p, scope in zip(projects, scopes, strict=True) if scope is False]
    unknown = with_unknown(pack, projects, 1)
    dicts = [p.model_dump(mode="json", exclude_none=True) for p in projects]
    print(f"policyengine benchmark: the {PACK} pack ({len(pack.rules)} rules), {count} generated")
    print(f"projects ({len(inside)} in scope; every fourth puts its amounts exactly on one of the")
    print(
        f"pack's {len(boundaries(pack))} CNY boundaries), as of {AS_OF}, at stage {STAGE} "
        "(every duty due)"
    )
    print(f"machine: {_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print()

    if not _agree(pack, projects, unknown, dicts):
        return 2

    misses: list[str] = []
    rows = _rows(pack, projects, dicts, inside, outside, unknown)
    _print_timings(_time(rows, rounds, clock), rows, rounds, clock, misses)
    print()

    compiled_ms, warm_ms = _load_times()
    cli_s = _cli_cold()
    print(
        f"load all five packs, warm process:        {warm_ms:8.2f} ms   target < {LOAD_TARGET_MS:g} ms  "
        + _ok(warm_ms < LOAD_TARGET_MS, "warm load", misses)
    )
    print(
        f"load all five packs, new process, compile: {compiled_ms:6.1f} ms   (parse, check, compile)"
    )
    print(
        f"command line, one project, cold:          {cli_s:8.2f} s    target < {CLI_TARGET_S:g} s   "
        + _ok(cli_s < CLI_TARGET_S, "cold CLI", misses)
    )
    print()

    lines = [_json_line(p) for p in projects]
    one = _batch(lines, scaling, workers=1)
    two = _batch(lines, scaling, workers=2)
    if one["records"] != scaling or two["records"] != scaling:
        misses.append("batch record count")
    factor = one["seconds"] / two["seconds"]
    print(f"batch, {scaling:,} JSON Lines records through `policyengine evaluate -`:")
    print(f"  1 worker  {scaling / one['seconds']:8,.0f} projects/s")
    print(
        f"  2 workers {scaling / two['seconds']:8,.0f} projects/s   scaling {factor:.2f}x   "
        f"target ≥ {SCALING_TARGET:g}  " + _ok(factor >= SCALING_TARGET, "scaling", misses)
    )
    big = _batch(lines, batch, workers=2)
    print(
        f"batch, {batch:,} records, 2 workers: {big['seconds']:.0f} s, "
        f"{batch / big['seconds']:,.0f} projects/s, {big['records']:,} records written, "
        f"{big['rejected']:,} rejected"
    )
    print(
        f"  peak memory: {big['largest_mb']:.0f} MB in the largest process, "
        f"{big['total_mb']:.0f} MB in all three   target < {MEMORY_TARGET_MB:g} MB in all  "
        + _ok(big["total_mb"] < MEMORY_TARGET_MB and big["records"] == batch, "memory", misses)
    )
    print()
    if misses:
        print("targets missed: " + ", ".join(misses))
        return 1
    print("every target met")
    return 0


# --- agreement -----------------------------------------------------------------------------


def _agree(
    pack: Any, projects: list[Project], unknown: list[Project], dicts: list[dict[str, Any]]
) -> bool:
    """The hand-written function against `decide` on every project timed, at every stage;
    `decide` against `evaluate` at audit; the dicts read back as the same projects."""
    start = time.perf_counter()
    sets = {"benchmarked": projects, "one unknown fact": unknown}
    compared, mismatched, _ = compare(pack, sets, every_stage=1)
    full = sum(
        1
        for project in [*projects, *unknown]
        if Decisions.of(evaluate(project, pack, stage=STAGE, as_of=AS_OF))
        != decide(project, pack, stage=STAGE, as_of=AS_OF)
    )
    read_back = sum(1 for p, d in zip(projects, dicts, strict=True) if Project.from_mapping(d) != p)
    print(
        f"agreement: hand-written = decide on {compared - mismatched}/{compared} comparisons "
        f"({len(projects)} projects and the same with one fact unknown, each at all "
        f"{len(Stage)} stages); decide = evaluate on {2 * len(projects) - full}/"
        f"{2 * len(projects)} at {STAGE}; dicts read back as the projects: "
        f"{len(projects) - read_back}/{len(projects)} ({time.perf_counter() - start:.0f} s)"
    )
    print()
    if mismatched or full or read_back:
        print("DISAGREEMENT: the timings would not compare the same answers; nothing timed")
        return False
    return True


# --- timing --------------------------------------------------------------------------------


def _rows(
    pack: Any,
    projects: list[Project],
    dicts: list[dict[str, Any]],
    inside: list[Project],
    outside: list[Project],
    unknown: list[Project],
) -> list[Row]:
    def hand(p: Project) -> Any:
        return handwritten.decide(p, AS_OF)

    def hand_dict(d: dict[str, Any]) -> Any:
        return handwritten.decide(Project.from_mapping(d), AS_OF)

    def decide_(p: Any) -> Any:
        return decide(p, pack, stage=STAGE, as_of=AS_OF)

    def evaluate_(p: Any) -> Any:
        return evaluate(p, pack, stage=STAGE, as_of=AS_OF)

    def evaluate_json(p: Project) -> Any:
        return evaluate(p, pack, stage=STAGE, as_of=AS_OF).to_json()

    rows = [
        Row("all projects", "hand-written (baseline)", hand, projects),
        Row("all projects", "hand-written, from a dict", hand_dict, dicts),
        Row("all projects", "decide", decide_, projects, TARGETS["decide"]),
        Row("all projects", "decide, from a dict", decide_, dicts),
        Row("all projects", "evaluate", evaluate_, projects, TARGETS["evaluate"]),
        Row("all projects", "evaluate, from a dict", evaluate_, dicts),
        Row("all projects", "evaluate + JSON", evaluate_json, projects),
    ]
    for group, inputs in (
        (f"in scope only ({len(inside)})", inside),
        (f"out of scope only ({len(outside)})", outside),
        ("one unknown fact per project", unknown),
    ):
        rows += [
            Row(group, "hand-written (baseline)", hand, inputs),
            Row(group, "decide", decide_, inputs),
            Row(group, "evaluate", evaluate_, inputs),
        ]
    return rows


def _time(rows: Sequence[Row], rounds: int, clock: str) -> list[list[float]]:
    """Seconds per project of each row in each round (rows interleaved, order rotated)."""
    now = time.thread_time if clock == "cpu" else time.perf_counter
    for row in rows:  # warm-up: generated programs, caches, branch predictors
        for item in row.inputs[:200]:
            row.run(item)
    times = [[0.0] * rounds for _ in rows]
    for r in range(rounds):
        shift = r % len(rows)
        for index in [*range(shift, len(rows)), *range(shift)]:
            row = rows[index]
            run = row.run
            gc.collect()
            start = now()
            for item in row.inputs:
                run(item)
            times[index][r] = (now() - start) / len(row.inputs)
    return times


def _print_timings(
    times: list[list[float]], rows: Sequence[Row], rounds: int, clock: str, misses: list[str]
) -> None:
    what = "thread CPU time" if clock == "cpu" else "wall clock"
    print(
        f"{rounds} interleaved rounds, {what}; µs per project min / median / max over the "
        "rounds; ratio to the"
    )
    print("hand-written baseline of the same projects: median (min-max) of same-round ratios")
    print(f"\n  {'path':<28}{'min':>8}{'median':>8}{'max':>8}  ratio (min-max)")
    baseline: list[float] = []
    for row, seconds in zip(rows, times, strict=True):
        if row.name.startswith("hand-written (baseline)"):
            print(f"\n{row.group}")
            baseline = seconds
        ratios = sorted(t / b for t, b in zip(seconds, baseline, strict=True))
        us = sorted(t * 1e6 for t in seconds)
        ratio = statistics.median(ratios)
        spread = f"{ratio:6.2f}  ({ratios[0]:.2f}-{ratios[-1]:.2f})"
        target = ""
        if row.target is not None:
            target = f"  ≤ {row.target:g} " + _ok(ratio <= row.target, row.name, misses)
        print(
            f"  {row.name:<28}{us[0]:8.1f}{statistics.median(us):8.1f}{us[-1]:8.1f}"
            f"  {spread:<20}{target}"
        )


def _load_times() -> tuple[float, float]:
    """(first load in a new process, compiling; a load in a warm process)."""
    # The first load parses, checks and compiles; later loads in the same process find the
    # compiled packs by the hash of their text.
    code = (
        "import time, policyengine\n"
        "t = time.perf_counter(); policyengine.load_packs(); first = time.perf_counter() - t\n"
        "warm = []\n"
        "for _ in range(20):\n"
        "    t = time.perf_counter(); policyengine.load_packs()\n"
        "    warm.append(time.perf_counter() - t)\n"
        "print(first * 1000, min(warm) * 1000)\n"
    )
    runs = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
        )
        runs.append([float(x) for x in result.stdout.split()])
    assert len(BUNDLED_PACKS) == 5
    return min(runs[0][0], runs[1][0]), min(runs[0][1], runs[1][1])


def _cli_cold(runs: int = 7) -> float:
    command = [
        str(Path(sys.executable).with_name("policyengine")),
        "evaluate",
        str(ROOT / "examples" / "project.yaml"),
        "--pack",
        PACK,
        "--stage",
        STAGE,
        "--format",
        "json",
        "-o",
        os.devnull,
    ]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False, timeout=60)
        times.append(time.perf_counter() - start)
    return sorted(times)[runs // 2]


# --- batch ---------------------------------------------------------------------------------


def _json_line(project: Project) -> str:
    data = project.model_dump(mode="json", exclude_none=True)
    data.pop("id", None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))[1:]


def _batch(lines: Sequence[str], count: int, *, workers: int) -> dict[str, float]:
    """Stream `count` records through the command line; time it and sample its memory.

    The records are fed on standard input and the JSON Lines go to /dev/null; the command's
    --summary line says how many records it wrote.
    """
    command = [
        str(Path(sys.executable).with_name("policyengine")),
        "evaluate",
        "-",
        "--pack",
        PACK,
        "--format",
        "jsonl",
        "--stage",
        STAGE,
        "--as-of",
        AS_OF.isoformat(),
        "--workers",
        str(workers),
        "--summary",
        "-o",
        os.devnull,
    ]
    start = time.perf_counter()
    process = subprocess.Popen(
        command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    assert process.stdin is not None
    assert process.stderr is not None
    feeder = threading.Thread(target=_feed, args=(process.stdin, lines, count), daemon=True)
    feeder.start()
    peaks = {"largest": 0, "total": 0}
    sampler = threading.Thread(target=_sample, args=(process, peaks), daemon=True)
    sampler.start()
    errors = process.stderr.read().decode("utf-8", "replace")
    process.wait()
    feeder.join()
    sampler.join()
    seconds = time.perf_counter() - start
    written = re.search(r"policyengine: (\d+) records written, (\d+) rejected", errors)
    return {
        "seconds": seconds,
        "records": int(written.group(1)) if written else -1,
        "rejected": int(written.group(2)) if written else -1,
        "largest_mb": peaks["largest"] / 2**20,
        "total_mb": peaks["total"] / 2**20,
    }


def _feed(stdin: Any, lines: Sequence[str], count: int) -> None:
    with stdin:
        for i in range(count):
            stdin.write(f'{{"id":"b{i:07d}",{lines[i % len(lines)]}\n'.encode())


def _sample(process: subprocess.Popen[bytes], peaks: dict[str, int]) -> None:
    # Resident memory of the command and its worker processes, every 0.2 s.
    while process.poll() is None:
        sizes = [_rss(pid) for pid in _tree(process.pid)]
        peaks["largest"] = max(peaks["largest"], max(sizes, default=0))
        peaks["total"] = max(peaks["total"], sum(sizes))
        time.sleep(0.2)


def _tree(pid: int) -> list[int]:
    found = [pid]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in children:
            found += _tree(int(child))
    return found


def _rss(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _ok(met: bool, name: str, misses: list[str]) -> str:
    if not met:
        misses.append(name)
    return "ok" if met else "MISSED"


if __name__ == "__main__":
    sys.exit(main())
