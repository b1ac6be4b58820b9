"""One invalid pack per failure mode: each must fail to load with its code, line and message.

The first line of each fixture states the expectation: `# error: <code> line <n>: <fragment>`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from policyengine import PackError, load_pack

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
