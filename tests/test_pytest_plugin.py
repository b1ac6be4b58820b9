"""The pytest plugin collects pack YAML cases as items and reports mismatches at the case."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

MINI = (Path(__file__).parent / "fixtures" / "mini.yaml").resolve()

CASES = f"""\
pack: {MINI}
base:
  owner_type: public_institution
  classified: false
  total_investment: "600000"
cases:
  - name: route at 600000
    expect: {{route: approval}}
  - name: wrong on purpose
    expect: {{route: filing}}
"""


def test_cases_are_collected_and_run(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npolicyengine_cases = cases\n")
    (pytester.path / "cases").mkdir()
    (pytester.path / "cases" / "mini.yaml").write_text(CASES, encoding="utf-8")
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*mini.yaml:9:5: wrong on purpose*", "*route: expected 'filing', got 'approval'*"]
    )


def test_tests_packs_is_collected_without_configuration(pytester: pytest.Pytester) -> None:
    (pytester.path / "tests" / "packs").mkdir(parents=True)
    (pytester.path / "tests" / "packs" / "mini.yaml").write_text(CASES, encoding="utf-8")
    result = pytester.runpytest("-q")
    result.assert_outcomes(passed=1, failed=1)


def test_yaml_elsewhere_is_not_collected_without_the_ini_option(pytester: pytest.Pytester) -> None:
    (pytester.path / "cases").mkdir()
    (pytester.path / "cases" / "mini.yaml").write_text(CASES, encoding="utf-8")
    result = pytester.runpytest("-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_an_empty_ini_option_collects_nothing(pytester: pytest.Pytester) -> None:
    pytester.makeini("[pytest]\npolicyengine_cases =\n")
    (pytester.path / "tests" / "packs").mkdir(parents=True)
    (pytester.path / "tests" / "packs" / "mini.yaml").write_text(CASES, encoding="utf-8")
    result = pytester.runpytest("-q")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
