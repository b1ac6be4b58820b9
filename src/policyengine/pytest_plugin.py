"""pytest plugin: collect pack YAML cases as test items.

Installed with the package (entry point `pytest11`). It collects the YAML files under
`tests/packs/` of the rootdir, the layout `policyengine test` and `policyengine mutate` expect,
with no configuration. The ini option `policyengine_cases` names other directories instead (an
empty list collects nothing):

    [tool.pytest.ini_options]
    policyengine_cases = ["cases"]

Each case becomes an item `<file>::<case name>`; a failing case shows every mismatch between the
expected and the actual verdict, located at the case in the YAML file.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .testing import Case, load_cases, run_case


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the `policyengine_cases` ini option."""
    parser.addini(
        "policyengine_cases",
        "directories whose YAML files are policyengine pack cases (default: tests/packs)",
        type="paths",
        default=None,
    )


DEFAULT_CASES = Path("tests", "packs")
"""Where cases are collected from when `policyengine_cases` is not set, under the rootdir."""


def _case_roots(config: pytest.Config) -> list[Path]:
    configured = config.getini("policyengine_cases")
    if configured is None:
        return [config.rootpath / DEFAULT_CASES]
    return [Path(p).resolve() for p in configured]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    """Collect YAML case files under the configured directories."""
    if file_path.suffix not in {".yaml", ".yml"}:
        return None
    roots = _case_roots(parent.config)
    resolved = file_path.resolve()
    if not any(root == resolved or root in resolved.parents for root in roots):
        return None
    collected: pytest.Collector = CaseFile.from_parent(parent, path=file_path)
    return collected


class CaseFile(pytest.File):
    """A YAML file of pack cases."""

    def collect(self) -> Iterator[pytest.Item]:
        for case in load_cases(self.path):
            yield CaseItem.from_parent(self, name=case.name, case=case)


class CaseItem(pytest.Item):
    """One pack case."""

    def __init__(self, *, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.case = case

    def runtest(self) -> None:
        problems = run_case(self.case)
        if problems:
            raise CaseFailure(self.case, problems)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> str:
        if isinstance(excinfo.value, CaseFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        line = self.case.location.line
        return self.path, (line - 1 if line else None), f"case: {self.case.name}"


class CaseFailure(Exception):
    """A case whose verdict differs from what it expects."""

    def __init__(self, case: Case, problems: list[str]) -> None:
        super().__init__(case, problems)
        self.case = case
        self.problems = problems

    def __str__(self) -> str:
        lines = [f"{self.case.location}: {self.case.name}"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)
