"""The documentation shows what the code does today."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cli_page_shows_the_commands_current_output() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "docs" / "build_cli_doc.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr + "\n(regenerate: python docs/build_cli_doc.py)"


def test_readme_quick_start_shows_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Quick start")
    quick = readme[start : readme.index("\n## ", start + 1)]
    assert "make demo" in quick
    assert "make test" in quick


def test_readme_python_example_runs_and_says_what_it_claims(capsys: object) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("```python", readme.index("## Using the library")) + len("```python")
    code = readme[start : readme.index("```", start)]
    scope: dict[str, object] = {}
    exec(compile(code, "README.md", "exec"), scope)
    verdict = scope["verdict"]
    decisions = scope["decisions"]
    assert str(verdict.status) == "non_compliant"  # type: ignore[attr-defined]
    assert verdict.route.band_id == "approval"  # type: ignore[attr-defined]
    assert decisions.status == verdict.status  # type: ignore[attr-defined]
