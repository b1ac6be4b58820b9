"""Every hostile input of the security review ends in a result or a library error, never a crash.

The inputs are in `tests/hostile_inputs.py`. Each runs as a command in its own process, with an
address-space limit and a timeout far above what it needs, so that a regression to unbounded time
or memory fails here rather than hanging the suite; `benchmarks/hostile.py` measures the time and
memory each takes against the 2 s and 300 MB bars.
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest
from tests.hostile_inputs import HOSTILE, Hostile

_MEMORY_LIMIT = 1536 * 1024 * 1024
_TIMEOUT_S = 60


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (_MEMORY_LIMIT, _MEMORY_LIMIT))


@pytest.mark.parametrize("hostile", HOSTILE, ids=lambda h: f"{h.id}-{h.what}")
def test_hostile_input_ends_in_a_result_or_a_library_error(
    hostile: Hostile, tmp_path: Path
) -> None:
    args = hostile.make(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "policyengine", *args],
        capture_output=True,
        text=True,
        errors="replace",
        timeout=_TIMEOUT_S,
        preexec_fn=_limit_memory,
        cwd=tmp_path,
        check=False,
    )
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.returncode in (0, 1, 2), result.stderr[-2000:]
    assert len(result.stderr) < 100_000, "the error message is not bounded"
