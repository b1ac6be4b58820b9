"""A pack's account of the clauses of its source: lint per clause and `policyengine coverage`.

`tests/fixtures/cited.yaml` is the mini pack with a clause list (`cited.clauses.yaml`): each of
its citations and ledger entries names its clauses; one normative clause is ledgered as not yet
encoded.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine import PackError, load_pack
from policyengine.clauses import (
    clause_list_for,
    clauses_quoted,
    coverage,
    fragments_outside,
    load_clause_list,
    quote_fragments,
)
from policyengine.lint import lint_pack
from policyengine.loader import BUNDLED_PACKS
from policyengine.pack import Citation

FIXTURES = Path(__file__).parent / "fixtures"
CITED = FIXTURES / "cited.yaml"
CLAUSES = FIXTURES / "cited.clauses.yaml"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copy(CITED, tmp_path / "cited.yaml")
    shutil.copy(CLAUSES, tmp_path / "cited.clauses.yaml")
    return tmp_path


def _edit(path: Path, old: str, new: str) -> Path:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _codes(path: Path) -> list[str]:
    return [issue.code for issue in lint_pack(load_pack(path))]


def test_the_fixture_lints_clean_and_reports_its_open_clause() -> None:
    pack = load_pack(CITED)
    assert lint_pack(pack) == []
    clauses = clause_list_for(pack)
    assert clauses is not None
    result = coverage(pack, clauses)
    assert result.to_dict() == {
        "format": "policyengine.coverage",
        "format_version": 1,
        "pack": "cited",
        "clauses": 12,
        "accounted": 11,
        "encoded": 11,
        "ledgered": 0,
        "open": ["a6-s4"],
        "unaccounted": ["a6-s4"],
        "to_encode": ["a6-s4"],
    }
    assert not result.complete


def test_a_normative_clause_nothing_names_fails_lint(workdir: Path) -> None:
    pack = _edit(workdir / "cited.yaml", "    clauses: [a6-s4]\n", "    clauses: [n-s1]\n")
    issues = [i for i in lint_pack(load_pack(pack)) if i.code == "lint.clause_unaccounted"]
    assert len(issues) == 1
    assert "1 normative clause(s)" in issues[0].message
    assert issues[0].message.endswith("a6-s4")
    assert issues[0].location.line == 12  # source.clause_file


def test_a_clause_cited_for_one_sentence_does_not_cover_its_neighbours(workdir: Path) -> None:
    # Article-level accounting counted a whole article as covered when one sentence was cited.
    pack = _edit(
        workdir / "cited.yaml",
        "citation: {clauses: [a3-s2], article: 3,",
        "citation: {clauses: [a3-s1], article: 3,",
    )
    codes = _codes(pack)
    assert "lint.clause_unaccounted" in codes
    assert "lint.quote_outside_clause" in codes


def test_an_unknown_clause_id_is_named(workdir: Path) -> None:
    pack = _edit(
        workdir / "cited.yaml", "{clauses: [a5-s1], article: 5", "{clauses: [a5-s9], article: 5"
    )
    issues = [i for i in lint_pack(load_pack(pack)) if i.code == "lint.clause_unknown"]
    assert len(issues) == 1
    assert "a5-s9" in issues[0].message
    assert issues[0].location.line == 97


def test_a_citation_without_clauses_gets_the_ids_its_quote_comes_from(workdir: Path) -> None:
    pack = _edit(workdir / "cited.yaml", "{clauses: [a5-s1], article: 5", "{article: 5")
    issues = [i for i in lint_pack(load_pack(pack)) if i.code == "lint.clause_not_named"]
    assert len(issues) == 1
    assert issues[0].hint == "add clauses: [a5-s1]"


def test_a_ledger_entry_without_clauses_is_named(workdir: Path) -> None:
    pack = _edit(workdir / "cited.yaml", "    clauses: [n-s1]\n", "")
    assert "lint.clause_not_named" in _codes(pack)


def test_a_quote_outside_its_clauses_is_reported_with_the_piece(workdir: Path) -> None:
    pack = _edit(
        workdir / "cited.yaml",
        "quote: 不得新建机房和专网}",
        "quote: 不得新建机房……也不得租用专网}",
    )
    issues = [i for i in lint_pack(load_pack(pack)) if i.code == "lint.quote_outside_clause"]
    assert len(issues) == 1
    assert issues[0].message.endswith("也不得租用专网")


def test_article_and_clause_must_agree(workdir: Path) -> None:
    pack = _edit(
        workdir / "cited.yaml", "{clauses: [a5-s1], article: 5", "{clauses: [a5-s1], article: 6"
    )
    assert "lint.citation_mismatch" in _codes(pack)


def test_a_clause_list_that_cannot_be_found_is_a_located_lint_issue(workdir: Path) -> None:
    (workdir / "cited.clauses.yaml").unlink()
    issues = lint_pack(load_pack(workdir / "cited.yaml"))
    assert [i.code for i in issues] == ["clauses.not_found"]
    assert issues[0].location.line == 12


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("id: a3-s2,", "id: a3-s1,", "clauses.duplicate_id"),
        ("normative: true, kind: deadline", "normative: false, kind: deadline", "clauses.invalid"),
        ("id: a5-s1,", "id: a5-x1,", "clauses.invalid"),
        ("kind: purpose", "kind: aspiration", "clauses.invalid"),
    ],
)
def test_bad_clause_lists_are_located_errors(workdir: Path, old: str, new: str, code: str) -> None:
    path = _edit(workdir / "cited.clauses.yaml", old, new)
    with pytest.raises(PackError) as info:
        load_clause_list(path)
    assert info.value.code == code
    assert info.value.location is not None
    assert info.value.location.line is not None


def test_quote_fragments_ignore_width_markers_and_restored_characters() -> None:
    assert quote_fragments("申[报]前……（一）项目建设情况表；") == ["申前", "项目建设情况表"]
    assert (
        fragments_outside("本办法适用于市级党政机关", ["本办法适用于市级党政机关和事业单位。"])
        == []
    )
    # A quote may run across two neighbouring clauses.
    assert fragments_outside("项目备案。未纳入", ["的项目备案。", "未纳入年度计划"]) == []


def test_clauses_quoted_prefers_the_single_clause_that_holds_the_quote() -> None:
    clauses = load_clause_list(CLAUSES)
    citation = Citation(article=6, quote="建成后半年内申请验收")
    assert clauses_quoted(citation, clauses) == ["a6-s2"]
    spanning = Citation(article=6, quote="不予验收。项目建成后")
    assert clauses_quoted(spanning, clauses) == ["a6-s1", "a6-s2"]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policyengine", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_coverage_command_prints_json_per_pack_and_exits_by_completeness() -> None:
    result = _cli("coverage", str(CITED), "--format", "json")
    assert result.returncode == 1
    summary = json.loads(result.stdout)
    assert {k: summary[k] for k in ("clauses", "accounted", "unaccounted")} == {
        "clauses": 12,
        "accounted": 11,
        "unaccounted": ["a6-s4"],
    }
    text = _cli("coverage", str(CITED))
    assert "11 of 12 normative clauses accounted for" in text.stdout
    assert "of which ledgered as not yet encoded: a6-s4" in text.stdout


def test_coverage_of_a_pack_without_a_clause_list_is_a_usage_error() -> None:
    result = _cli("coverage", str(FIXTURES / "mini.yaml"))
    assert result.returncode == 2
    assert "names no clause list" in result.stderr


@pytest.mark.parametrize("name", BUNDLED_PACKS)
def test_every_bundled_pack_lints_clean_against_its_clause_list(name: str) -> None:
    # Every normative clause is named by a citation or a ledger entry (open ones included).
    pack = load_pack(name)
    clauses = clause_list_for(pack)
    assert clauses is not None
    assert clauses.pack == name
    assert [i for i in lint_pack(pack) if i.code.startswith(("lint.clause", "lint.quote"))] == []
    result = coverage(pack, clauses)
    assert set(result.unaccounted) == set(result.still_open)
