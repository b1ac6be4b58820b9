"""Time and memory of every hostile input of the security review, against the 2 s / 300 MB bars.

Run: `.venv/bin/python benchmarks/hostile.py`. Each input (all under 1 MB; listed in
`tests/hostile_inputs.py`) runs as a `policyengine` command in a new process; the table gives its
wall time, the peak resident memory of that process and its exit status. The bars apply to the
work an input causes, so the time of an empty command (`policyengine --version`, which starts
Python and imports the package) is printed first for reference and is included in every row.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.hostile_inputs import HOSTILE

TIME_BAR_S = 2.0
MEMORY_BAR_MB = 300.0


def _run(args: list[str], cwd: str) -> tuple[float, float, int, bool]:
    """(wall seconds, peak RSS in MB, exit status, whether a traceback was printed)."""
    start = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "policyengine", *args],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, usage.ru_maxrss / 1024, process.returncode, b"Traceback" in stderr


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        base_s, base_mb, _, _ = _run(["--version"], folder)
    print(f"empty command: {base_s:.2f} s, {base_mb:.0f} MB (included in every row below)\n")
    print(f"{'id':<4} {'input':<62} {'time':>7} {'memory':>8} {'exit':>4}  verdict")
    failures = 0
    for hostile in HOSTILE:
        with tempfile.TemporaryDirectory() as folder:
            args = hostile.make(Path(folder))
            size = sum(p.stat().st_size for p in Path(folder).iterdir() if p.is_file())
            elapsed, memory, code, traceback = _run(args, folder)
        ok = elapsed <= TIME_BAR_S and memory <= MEMORY_BAR_MB and code in (0, 1, 2)
        ok = ok and not traceback and size < 1024 * 1024
        failures += not ok
        verdict = "ok" if ok else "OVER" + (" (traceback)" if traceback else "")
        print(
            f"{hostile.id:<4} {hostile.what[:62]:<62} {elapsed:6.2f}s {memory:6.0f}MB {code:>4}  "
            f"{verdict}"
        )
    print(
        f"\n{len(HOSTILE) - failures} of {len(HOSTILE)} within {TIME_BAR_S:g} s and {MEMORY_BAR_MB:g} MB"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
