"""policyengine against hand-written Python, on the Zhanggong pack: `make bench`.

Prints, in one run: the agreement of the hand-written function with the engine on every project
timed; a table of interleaved timings, one row per path, with each row's ratio to the
hand-written function on the same projects; the memory an in-scope verdict keeps and the size of
its compact JSON; pack loading; a cold command-line run; batch scaling from one worker to two and
the peak memory of a long JSON Lines batch.

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

Beside the targets that reading a dict and a cold command line miss, it prints their floors,
measured in the same run: what pydantic-core takes to validate only the step records of each
dict (each a `StepRecord` model), against `decide`; and, against `python -c pass`, a cold
`from pydantic import BaseModel` plus the time the `Project` model's module takes to import
(building the models a project is validated by; `python -X importtime`, its own time only).

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
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten
from check_handwritten import compare
from projects import AS_OF, boundaries, generate, with_unknown

from policyengine import Decisions, Project, decide, evaluate, load_pack
from policyengine.compact import compact_json
from policyengine.loader import BUNDLED_PACKS, load_pack_text
from policyengine.project import StepRecord
from policyengine.vocabulary import Stage

ROOT = Path(__file__).resolve().parents[1]
PACK = "zhanggong"
STAGE = "audit"
"""The last stage: every duty is due, as in the hand-written function."""
TARGETS = {"decide": 2.0, "evaluate": 4.0, "evaluate + compact JSON": 6.0}
"""Targets, ÷ the baseline on the same projects: all projects, from a Project."""
OUT_OF_SCOPE_TARGET = 1.5
"""`decide` on out-of-scope projects, ÷ the baseline on them."""
FROM_DICT_TARGET = 1.5
"""`decide` from a dict ÷ `decide` from a Project, same round."""
LOAD_TARGET_MS = 50.0
CLI_TARGET = 8.0
"""One project through the command line, cold, ÷ `python -c pass`."""
SCALING_TARGET = 1.8
MEMORY_TARGET_MB = 200.0
VERDICT_TARGET_KIB = 30.0
"""Memory one in-scope verdict keeps alive."""
COMPACT_TARGET_KB = 15.0
"""The compact JSON of an in-scope verdict (UTF-8 bytes), median over the in-scope projects."""
STEPS_ROW = "step records alone, dict"
"""The floor of reading a dict: only its step records validated (see `_print_from_dict`)."""
GROWTH_SIZES = (10, 100, 1000, 2000)
SECTION_LIMIT = 1000
"""The most rules a pack section may hold."""
GROWTH_TARGET = 1.5
"""Per-rule cost at 2,000 rules ÷ at 100: growth stays linear in the number of rules."""


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
    times = _time(rows, rounds, clock)
    _print_timings(times, rows, rounds, clock, misses)
    _print_from_dict(times, rows, misses)
    print()

    kib = _verdict_memory(pack, inside)
    print(
        f"memory one in-scope verdict keeps alive:  {kib:8.1f} KiB  target < "
        f"{VERDICT_TARGET_KIB:g} KiB  " + _ok(kib < VERDICT_TARGET_KIB, "verdict memory", misses)
    )
    sizes = sorted(_compact_size(pack, p) for p in inside)
    median = statistics.median(sizes)
    print(
        f"compact verdict of an in-scope project:   {median / 1000:8.1f} KB median, "
        f"{sizes[0] / 1000:.1f} to {sizes[-1] / 1000:.1f} KB  target < {COMPACT_TARGET_KB:g} KB  "
        + _ok(median < COMPACT_TARGET_KB * 1000, "compact size", misses)
    )
    print()
    _print_growth(projects[:300], rounds, misses)
    print()

    compiled_ms, warm_ms = _load_times()
    cli_s = _cli_cold()
    python_s = _python_cold()
    print(
        f"load all five packs, warm process:        {warm_ms:8.2f} ms   target < {LOAD_TARGET_MS:g} ms  "
        + _ok(warm_ms < LOAD_TARGET_MS, "warm load", misses)
    )
    print(
        f"load all five packs, new process, compile: {compiled_ms:6.1f} ms   (parse, check, compile)"
    )
    cold = cli_s / python_s
    print(
        f"command line, one project, cold:          {cli_s:8.2f} s    {cold:.1f}x `python -c pass` "
        f"({python_s * 1000:.0f} ms)  target ≤ {CLI_TARGET:g}x  "
        + _ok(cold <= CLI_TARGET, "cold CLI", misses)
    )
    pydantic_s = _pydantic_cold()
    model_s = _project_model_import()
    print(
        f"  floor: `from pydantic import BaseModel`, cold, {pydantic_s * 1000:.0f} ms "
        f"({pydantic_s / python_s:.1f}x), and building the Project model, {model_s * 1000:.0f} ms: "
        f"{(pydantic_s + model_s) / python_s:.1f}x before any pack or project is read"
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

    def evaluate_compact(p: Project) -> Any:
        return compact_json(evaluate(p, pack, stage=STAGE, as_of=AS_OF), pack)

    read_step = StepRecord.__pydantic_validator__.validate_python

    def step_records(records: list[Any]) -> Any:
        return [read_step(record) for record in records]

    rows = [
        Row("all projects", "hand-written (baseline)", hand, projects),
        Row("all projects", "hand-written, from a dict", hand_dict, dicts),
        Row("all projects", "decide", decide_, projects, TARGETS["decide"]),
        Row("all projects", "decide, from a dict", decide_, dicts),
        Row("all projects", "evaluate", evaluate_, projects, TARGETS["evaluate"]),
        Row("all projects", "evaluate, from a dict", evaluate_, dicts),
        Row("all projects", STEPS_ROW, step_records, [_step_records(d) for d in dicts]),
        Row("all projects", "evaluate + JSON", evaluate_json, projects),
        Row(
            "all projects",
            "evaluate + compact JSON",
            evaluate_compact,
            projects,
            TARGETS["evaluate + compact JSON"],
        ),
    ]
    for group, inputs in (
        (f"in scope only ({len(inside)})", inside),
        (f"out of scope only ({len(outside)})", outside),
        ("one unknown fact per project", unknown),
    ):
        outside_group = group.startswith("out of scope")
        rows += [
            Row(group, "hand-written (baseline)", hand, inputs),
            Row(group, "decide", decide_, inputs, OUT_OF_SCOPE_TARGET if outside_group else None),
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


def _print_from_dict(times: list[list[float]], rows: Sequence[Row], misses: list[str]) -> None:
    """`decide` from a dict ÷ from a Project, same round: what reading a mapping adds; and the
    least it can add while every step record is a validated `StepRecord` model."""
    named = {(row.group, row.name): t for row, t in zip(rows, times, strict=True)}
    project = named[("all projects", "decide")]
    mapping = named[("all projects", "decide, from a dict")]
    steps = named[("all projects", STEPS_ROW)]
    (records,) = [row.inputs for row in rows if row.name == STEPS_ROW]
    ratios = sorted(m / p for m, p in zip(mapping, project, strict=True))
    ratio = statistics.median(ratios)
    print(
        f"\n  decide from a dict ÷ from a Project: {ratio:.2f} ({ratios[0]:.2f}-{ratios[-1]:.2f})"
        f"  ≤ {FROM_DICT_TARGET:g} " + _ok(ratio <= FROM_DICT_TARGET, "from a dict", misses)
    )
    floors = sorted((p + s) / p for p, s in zip(project, steps, strict=True))
    floor = statistics.median(floors)
    print(
        f"  floor, decide + its step records alone ÷ decide: {floor:.2f} "
        f"({floors[0]:.2f}-{floors[-1]:.2f})"
    )
    print(
        f"    (pydantic-core validating a project's {statistics.mean(map(len, records)):.0f} "
        "step records on average, each a `StepRecord` model, and no other field)"
    )


def _step_records(data: dict[str, Any]) -> list[Any]:
    """The step records of a project stated as a dict, in either form of `steps`."""
    steps = (data.get("procedure") or {}).get("steps") or {}
    taken = steps.get("taken", {}) if "taken" in steps or "not_taken" in steps else steps
    return list(taken.values())


def _compact_size(pack: Any, project: Project) -> int:
    """The bytes of the compact JSON of `project`'s verdict, in UTF-8."""
    return len(compact_json(evaluate(project, pack, stage=STAGE, as_of=AS_OF), pack).encode())


def _verdict_memory(pack: Any, projects: Sequence[Project], count: int = 300) -> float:
    """KiB that one in-scope verdict keeps alive (its findings, facts, deadlines), traced."""
    chosen = [projects[k % len(projects)] for k in range(count)]
    evaluate(chosen[0], pack, stage=STAGE, as_of=AS_OF)  # programs and caches outside the trace
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = [evaluate(p, pack, stage=STAGE, as_of=AS_OF) for p in chosen]
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    del kept
    return (after - before) / count / 1024


def _print_growth(projects: Sequence[Project], rounds: int, misses: list[str]) -> None:
    """µs per rule of `decide` and `evaluate` on packs of 10 to 2,000 rules: the Zhanggong
    pack's own rules repeated under new ids (the other sections left out)."""
    print(f"growth with the number of rules ({len(projects)} projects, best of {rounds} rounds):")
    print(f"  {'rules':>6}{'decide µs/rule':>16}{'evaluate µs/rule':>18}")
    per_rule: dict[int, float] = {}
    for size in GROWTH_SIZES:
        pack = _synthetic_pack(size)
        assert len(pack.rules) == size, (size, len(pack.rules))
        costs = []
        for run in (decide, evaluate):
            best = min(
                _timed(lambda p, f=run, k=pack: f(p, k, stage=STAGE, as_of=AS_OF), projects)
                for _ in range(rounds)
            )
            costs.append(best / size * 1e6)
        per_rule[size] = costs[0]
        print(f"  {size:>6}{costs[0]:>16.3f}{costs[1]:>18.3f}")
    growth = per_rule[GROWTH_SIZES[-1]] / per_rule[100]
    print(
        f"  decide per rule at {GROWTH_SIZES[-1]:,} ÷ at 100: {growth:.2f}  ≤ {GROWTH_TARGET:g} "
        + _ok(growth <= GROWTH_TARGET, "growth", misses)
    )


def _timed(run: Callable[[Project], Any], projects: Sequence[Project]) -> float:
    gc.collect()
    start = time.thread_time()
    for project in projects:
        run(project)
    return (time.thread_time() - start) / len(projects)


def _synthetic_pack(size: int) -> Any:
    """The pack's rules repeated under new ids up to `size`: its conditions (`rules`) first,
    then its acceptance failures once a section holds its limit of 1,000; the decision tables
    stay (each adds a route duty), the other sections are left out."""
    text = (ROOT / "policies" / f"{PACK}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    sections = (
        "rules",
        "required_documents",
        "prohibited_items",
        "acceptance_failures",
        "deadlines",
    )
    duties = len(load_pack(PACK).rules) - sum(len(data.get(name, [])) for name in sections)
    count = size - duties  # the route duties the decision tables add
    for section in ("rules", "acceptance_failures"):
        own = data[section]
        take = min(count, SECTION_LIMIT)
        data[section] = [
            {**own[k % len(own)], "id": f"{own[k % len(own)]['id']}-{k}"} for k in range(take)
        ]
        count -= take
    for section in ("required_documents", "prohibited_items", "deadlines", "equivalent_mutants"):
        data.pop(section, None)
    return load_pack_text(yaml.safe_dump(data, allow_unicode=True), f"<{PACK} x{size} rules>")


def _cold(command: Sequence[str], *, check: bool = True, runs: int = 7) -> float:
    """Seconds `command` takes in a new process, its output captured (median of `runs`)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=check, timeout=60)
        times.append(time.perf_counter() - start)
    return sorted(times)[runs // 2]


def _python_cold() -> float:
    return _cold([sys.executable, "-c", "pass"])


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


def _pydantic_cold() -> float:
    """Seconds to start Python and import pydantic's `BaseModel`, cold."""
    return _cold([sys.executable, "-c", "from pydantic import BaseModel"])


def _project_model_import(runs: int = 7) -> float:
    """Seconds the `Project` model's module takes to import, its own time only (median of
    `python -X importtime` runs): building the models a project is validated by."""
    times = []
    for _ in range(runs):
        result = subprocess.run(
            [sys.executable, "-X", "importtime", "-c", "import policyengine"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        own = re.search(
            r"import time:\s+(\d+) \|\s+\d+ \|\s+policyengine\.project$", result.stderr, re.M
        )
        assert own is not None, result.stderr[-500:]
        times.append(int(own.group(1)) / 1e6)
    return sorted(times)[runs // 2]


def _cli_cold() -> float:
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
    return _cold(command, check=False)  # exit 1 is the non-compliant verdict


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
