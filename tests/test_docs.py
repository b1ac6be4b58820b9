"""The documentation shows what the code does today."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

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


def test_readme_pack_table_is_current() -> None:
    from policyengine import load_pack
    from policyengine.clauses import clause_list_for, coverage
    from policyengine.loader import BUNDLED_PACKS
    from policyengine.testing import iter_case_files, load_cases

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in BUNDLED_PACKS:
        pack = load_pack(name)
        clauses = clause_list_for(pack)
        assert clauses is not None
        c = coverage(pack, clauses).to_dict()
        files = list(iter_case_files(ROOT / "tests" / "packs" / name))
        blind = sum(len(load_cases(file)) for file in files if file.parent.name == "blind")
        author = sum(len(load_cases(file)) for file in files) - blind
        row = (
            f"| `{name}` | {c['clauses']} | {c['encoded']} | {c['ledgered']} | {len(c['open'])}"
            f" | {len(pack.rules)} | {author} / {blind} |"
        )
        # The mutation score is what `make mutate` (run in CI) measured; it is not recomputed
        # here, only required to be stated.
        stated = re.search(re.escape(row) + r" \d+(\.\d)?% \|$", readme, flags=re.M)
        assert stated, f"README pack table is stale; the row should read: {row} <score> |"


def test_readme_stability_section_lists_every_schema() -> None:
    from policyengine.schemas import FORMATS

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("## Stability")
    section = readme[start : readme.index("\n## ", start + 1)]
    listed = re.findall(r"^\| `([a-z-]+)` \| `([^`]+)` \|", section, flags=re.MULTILINE)
    assert listed == [(f.name, f.id) for f in FORMATS]


def test_authoring_guide_property_test_example_runs_and_catches_a_wrong_boundary(
    tmp_path: Path,
) -> None:
    from decimal import Decimal

    guide = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    start = guide.index("```python", guide.index("### Property tests")) + len("```python")
    code = guide[start : guide.index("```", start)]
    example = tmp_path / "test_example.py"  # hypothesis reads the test's source from its file
    example.write_text(code, encoding="utf-8")
    scope: dict[str, Any] = {}
    exec(compile(code, str(example), "exec"), scope)
    scope["test_the_city_reviews_from_200_wan"]()
    # The belief "200万元以上 is strictly above 200万" is refused at the boundary.
    scope["CITY"] = scope["CITY"] + Decimal("0.01")
    with pytest.raises(AssertionError):
        scope["test_the_city_reviews_from_200_wan"]()


def test_authoring_guide_in_scope_example_runs(tmp_path: Path) -> None:
    guide = (ROOT / "docs" / "authoring.md").read_text(encoding="utf-8")
    first = guide.index("```python", guide.index("### Property tests"))
    start = guide.index("```python", first + 1) + len("```python")
    code = guide[start : guide.index("```", start)]
    assert "in_scope_projects" in code
    example = tmp_path / "test_in_scope.py"  # hypothesis reads the test's source from its file
    example.write_text(code, encoding="utf-8")
    scope: dict[str, Any] = {}
    exec(compile(code, str(example), "exec"), scope)
    scope["test_every_example_is_in_scope"]()
