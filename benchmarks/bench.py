"""policyengine against hand-written Python, on the Zhanggong pack: `make bench`.

Prints one table: projects per second, microseconds per project and the ratio to the hand-written
function for the decisions-only path (`policyengine.decide`) and the full verdict path
(`policyengine.evaluate`); pack loading; a cold command-line run; batch scaling from one worker to
two and the peak memory of a long JSON Lines batch. Before timing anything it checks that the
hand-written function, `decide` and `evaluate` agree on every generated project, and it exits 1
if they do not or if a target is missed.

Every engine call (the agreement check, the timed paths, the command-line runs) is made at stage
`audit`, the last stage, at which every duty of the pack is due: the hand-written function decides
them all, and without a stage the engine would use each project's own stage, else the latest
stage of its steps, so that the paths would not do the same work.

Environment: BENCH_PROJECTS (default 5000) generated projects for the timing runs;
BENCH_BATCH (default 1000000) records streamed through the command line for the memory run;
BENCH_SCALING (default 60000) records for the one-versus-two-workers run (long enough that
starting the worker processes, about half a second, does not decide the ratio).
"""

from __future__ import annotations

import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import handwritten
from projects import AS_OF, boundaries, generate

from policyengine import Decisions, Project, decide, evaluate, load_pack
from policyengine.loader import BUNDLED_PACKS

ROOT = Path(__file__).resolve().parents[1]
PACK = "zhanggong"
STAGE = "audit"
"""The last stage: every duty is due, as in the hand-written function."""
TARGETS = {"decide": 4.0, "evaluate": 10.0}
LOAD_TARGET_MS = 50.0
CLI_TARGET_S = 0.5
SCALING_TARGET = 1.7
MEMORY_TARGET_MB = 200.0


def main() -> int:
    count = int(os.environ.get("BENCH_PROJECTS", "5000"))
    batch = int(os.environ.get("BENCH_BATCH", "1000000"))
    scaling = int(os.environ.get("BENCH_SCALING", "60000"))
    pack = load_pack(PACK)
    projects = generate(pack, count)
    in_scope = sum(1 for p in projects if handwritten.in_scope(p))
    print(f"policyengine benchmark: the {PACK} pack ({len(pack.rules)} rules), {count} generated")
    print(f"projects ({in_scope} in scope; every fourth puts its amounts exactly on one of the")
    print(
        f"pack's {len(boundaries(pack))} CNY boundaries), as of {AS_OF}, at stage {STAGE} "
        "(every duty due)"
    )
    print(f"machine: {_cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print()

    if not _agree(projects, pack):
        return 1

    misses: list[str] = []
    rows = [
        ("hand-written Python (baseline)", _best(lambda p: handwritten.decide(p, AS_OF), projects)),
        (
            "policyengine.decide (decisions)",
            _best(lambda p: decide(p, pack, stage=STAGE, as_of=AS_OF), projects),
        ),
        (
            "policyengine.evaluate (Verdict)",
            _best(lambda p: evaluate(p, pack, stage=STAGE, as_of=AS_OF), projects),
        ),
    ]
    base = rows[0][1]
    print(f"{'path':<34}{'projects/s':>12}{'µs/project':>12}{'ratio':>8}{'target':>9}")
    for (name, seconds), target in zip(
        rows, (None, TARGETS["decide"], TARGETS["evaluate"]), strict=True
    ):
        ratio = seconds / base
        verdict = "" if target is None else f"≤ {target:g}  " + _ok(ratio <= target, name, misses)
        print(f"{name:<34}{1 / seconds:>12,.0f}{seconds * 1e6:>12.1f}{ratio:>8.1f}   {verdict}")
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


def _agree(projects: Sequence[Project], pack: Any) -> bool:
    hand = full = 0
    for project in projects:
        fast = decide(project, pack, stage=STAGE, as_of=AS_OF)
        if handwritten.decide(project, AS_OF) != fast:
            hand += 1
        if Decisions.of(evaluate(project, pack, stage=STAGE, as_of=AS_OF)) != fast:
            full += 1
    print(
        f"agreement: hand-written = decide on {len(projects) - hand}/{len(projects)} projects; "
        f"decide = evaluate on {len(projects) - full}/{len(projects)}"
    )
    print()
    return hand == 0 and full == 0


# --- timing --------------------------------------------------------------------------------


def _best(function: Callable[[Project], Any], projects: Sequence[Project], runs: int = 5) -> float:
    """Seconds per project: the best of `runs` passes over every project (after a warm-up)."""
    for project in projects[:200]:
        function(project)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        for project in projects:
            function(project)
        best = min(best, time.perf_counter() - start)
    return best / len(projects)


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
