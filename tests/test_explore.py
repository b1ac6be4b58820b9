"""The law explorer (`policyengine explore`): what the site shows and how the pages link.

The bundled packs are checked against their own clause lists and cases; the small cited pack
(`tests/fixtures/cited.yaml`), copied with a handful of author and blind cases, carries a hostile
title and is run through mutation testing to show survivors by clause.
"""

from __future__ import annotations

import json
import re
import shutil
from html import escape, unescape
from pathlib import Path

import pytest
from tests.browser import PageText

from policyengine import load_pack
from policyengine._explore_pages import _ENUM_WORDS, _WORDS, Lang
from policyengine.clauses import clause_list_for
from policyengine.cli import main
from policyengine.errors import PackError, PolicyEngineError
from policyengine.explore import (
    MANIFEST,
    Material,
    explore,
    gather,
    is_blind,
    render_site,
    write_site,
)
from policyengine.loader import BUNDLED_PACKS
from policyengine.mutate import Outcome, cached_results, load_pack_cases, run_mutation
from policyengine.pack import RULE_SECTIONS

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
HOSTILE = '</code><script>alert("x")</script><img src=x onerror=alert(1)>&amp;\'"'


def _site(pack: str, lang: str = "en") -> tuple[Material, dict[str, str]]:
    # No mutation cache is read: the outcome must not depend on an earlier `make mutate`.
    material = gather(load_pack(pack), case_dirs=[ROOT / "tests" / "packs" / pack], cache_dir=None)
    return material, render_site(material, lang="zh" if lang == "zh" else "en")


@pytest.fixture(scope="module")
def wuhan() -> tuple[Material, dict[str, str]]:
    return _site("wuhan")


# --- the bundled packs ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUNDLED_PACKS)
def test_every_clause_of_each_bundled_pack_has_its_page_and_its_row(name: str) -> None:
    material, pages = _site(name)
    clauses = clause_list_for(material.pack)
    assert clauses is not None
    index = pages["index.html"]
    for clause in clauses.clauses:
        page = pages[f"clause/{clause.id}.html"]
        assert escape(clause.text) in page  # the text of the law, on its own page
        assert f'href="clause/{clause.id}.html"' in index
    # Every rule and decision table has a page, and every normative clause is accounted for.
    for section in ("rules", "required_documents", "prohibited_items", "deadlines"):
        for rule in getattr(material.pack.spec, section):
            assert f"rule/{rule.id}.html" in pages
    for table in material.pack.spec.decision_tables:
        assert f"table/{table.id}.html" in pages
    states = re.findall(r'class="badge st-(\w+)"', index)
    assert len(states) == len(clauses.clauses)
    assert "unaccounted" not in states
    assert states.count("not_normative") == len(clauses.clauses) - len(clauses.normative)
    # Author and blind cases both, each on its case file's page.
    assert any(case.blind for case in material.cases)
    assert any(not case.blind for case in material.cases)
    for case in material.cases:
        assert f'id="{case.anchor}"' in pages[case.page]


def test_a_rule_links_to_its_clause_and_the_clause_back_to_the_rule(
    wuhan: tuple[Material, dict[str, str]],
) -> None:
    material, pages = wuhan
    rule = material.pack.spec.prohibited_items[0]
    assert rule.citation.clauses
    clause = rule.citation.clauses[0]
    rule_page = pages[f"rule/{rule.id}.html"]
    assert f'href="../clause/{clause}.html"' in rule_page
    text = material.clauses.by_id[clause].text
    assert escape(text) in rule_page  # the law beside the rule
    clause_page = pages[f"clause/{clause}.html"]
    assert f'href="../rule/{rule.id}.html"' in clause_page
    assert escape(rule.citation.quote) in clause_page


def test_a_rule_lists_the_cases_that_expect_its_finding(
    wuhan: tuple[Material, dict[str, str]],
) -> None:
    material, pages = wuhan
    page = pages["rule/wh-07-in-plan.html"]
    linked = [material.cases[link.case] for link in material.by_target[("rule", "wh-07-in-plan")]]
    assert "not in the annual plan may not apply" in {case.case.name for case in linked}
    for case in linked:
        assert f'href="../{case.page}#{case.anchor}"' in page
    # The case's page links back to the rule.
    case = next(c for c in linked if c.case.name == "not in the annual plan may not apply")
    assert 'href="../rule/wh-07-in-plan.html"' in pages[case.page]


def test_blind_cases_are_those_under_blind_and_name_their_clauses(
    wuhan: tuple[Material, dict[str, str]],
) -> None:
    material, pages = wuhan
    blind = [case for case in material.cases if case.blind]
    assert blind
    assert all("blind" in case.case.file.parts for case in blind)
    assert all(is_blind(case.case) == case.blind for case in material.cases)
    # A blind case names its clause in its name, and its failing clauses in its expectations.
    named = next(c for c in blind if c.case.name.startswith("a2-s1 out of scope - municipal"))
    assert ("a2-s1", ("named", "")) in named.clauses
    page = pages["clause/a2-s1.html"]
    blind_part = page[page.index("Blind cases") : page.index('id="mutants"')]
    assert escape(named.case.name) in blind_part
    failing = next(c for c in blind if c.case.expect.get("failing_clauses"))
    clause = failing.case.expect["failing_clauses"][0]
    assert (clause, ("failing_clause", "")) in failing.clauses
    assert escape(failing.case.name) in pages[f"clause/{clause}.html"]


def test_a_ledgered_clause_shows_its_entry_and_reason(
    wuhan: tuple[Material, dict[str, str]],
) -> None:
    material, pages = wuhan
    entry = next(e for e in material.pack.spec.not_computable if e.clauses)
    page = pages[f"clause/{entry.clauses[0]}.html"]
    assert escape(entry.reason) in page
    assert escape(entry.summary) in page
    assert escape(entry.reason) in pages["pack.html"]


def test_the_route_table_shows_its_bands_and_the_cases_of_its_route(
    wuhan: tuple[Material, dict[str, str]],
) -> None:
    material, pages = wuhan
    table = next(t for t in material.pack.spec.decision_tables if t.primary)
    page = pages[f"table/{table.id}.html"]
    for band in table.bands:
        assert f'id="band-{band.id}"' in page
    routes = [
        link
        for link in material.by_target[("table", table.id)]
        if link.what[0] in ("route", "decision", "finding")
    ]
    assert routes
    assert f"../{material.cases[routes[0].case].page}" in page


def test_without_a_mutation_run_the_mutants_are_not_measured(
    wuhan: tuple[Material, dict[str, str]],
) -> None:
    material, pages = wuhan
    assert material.mutation is None
    assert "not measured" in pages["clause/a12-s1.html"]
    assert "not measured" in pages["index.html"]


# --- the cited pack: search, hostile text, mutants -------------------------------------------------

CASES = """\
pack: ../pack/cited.yaml
base:
  owner_type: public_institution
  classified: false
  involves_work_secrets: false
  total_investment: "600000"
  in_annual_plan: true
  documents: [feasibility_study_report, implementation_plan]
  items: []
cases:
  - name: a fen below the approval threshold is filed
    stage: application
    as_of: 2025-06-01
    project: {total_investment: "499999.99"}
    expect: {route: filing, findings: {mi-03-in-plan: not_applicable}}
  - name: NAME
    stage: application
    as_of: 2025-06-01
    project: {in_annual_plan: false}
    expect: {findings: {mi-03-in-plan: fail}}
"""
BLIND = """\
pack: ../../pack/cited.yaml
cases:
  - name: a5-s1 breach - a new machine room
    stage: application
    as_of: 2025-06-01
    project:
      owner_type: public_institution
      classified: false
      involves_work_secrets: false
      total_investment: "600000"
      in_annual_plan: true
      documents: [feasibility_study_report, implementation_plan]
      items: [machine_room]
    expect: {status: non_compliant, failing_clauses: [a5-s1]}
"""


@pytest.fixture
def cited(tmp_path: Path) -> Path:
    """The cited pack with a hostile title, text and case name, and three cases."""
    pack_dir, cases = tmp_path / "pack", tmp_path / "cases"
    (cases / "blind").mkdir(parents=True)
    pack_dir.mkdir()
    text = (FIXTURES / "cited.yaml").read_text(encoding="utf-8")
    hostile = json.dumps(HOSTILE)
    text = text.replace(
        "title: {zh: 纳入年度计划, en: in the annual plan}",
        f"title: {{zh: {hostile}, en: {hostile}}}",
    )
    (pack_dir / "cited.yaml").write_text(text, encoding="utf-8")
    clauses = (FIXTURES / "cited.clauses.yaml").read_text(encoding="utf-8")
    clauses = clauses.replace(
        "未纳入年度计划的项目不得申报。", "未纳入年度计划的项目不得申报。" + hostile[1:-1]
    )
    (pack_dir / "cited.clauses.yaml").write_text(clauses, encoding="utf-8")
    (cases / "rules.yaml").write_text(CASES.replace("NAME", hostile), encoding="utf-8")
    (cases / "blind" / "reader.yaml").write_text(BLIND, encoding="utf-8")
    return tmp_path


def _pages(site: Path) -> dict[str, str]:
    return {
        str(path.relative_to(site)): path.read_text(encoding="utf-8")
        for path in site.rglob("*.html")
    }


def test_hostile_text_is_shown_escaped_and_never_as_markup(cited: Path) -> None:
    pack = load_pack(cited / "pack" / "cited.yaml")
    langs: tuple[Lang, ...] = ("en", "zh")
    for lang in langs:
        site = cited / f"site-{lang}"
        explore(pack, site, lang=lang, case_dirs=[cited / "cases"], cache_dir=None)
        pages = _pages(site)
        for name, page in pages.items():
            # The only script is the index's search, and no tag comes from the pack or cases.
            parsed = PageText()
            parsed.feed(page)
            tags = [tag for tag, _ in parsed.tags]
            assert "img" not in tags, name
            assert tags.count("script") == (1 if name == "index.html" else 0), name
            handlers = [k for _, attrs in parsed.tags for k in attrs if k.startswith("on")]
            assert not handlers, name
            assert '<script>alert("x")' not in page, name
        rule_page = pages["rule/mi-03-in-plan.html"]
        assert escape(HOSTILE) in rule_page  # the title, shown as text
        assert escape(HOSTILE) in pages["clause/a3-s1.html"]  # the clause text
        case_page = next(p for n, p in pages.items() if n.startswith("cases/") and "rules" in n)
        assert escape(HOSTILE) in case_page  # the case name
        assert unescape(escape(HOSTILE)) == HOSTILE


def test_mutants_come_from_the_cache_and_survivors_appear_by_clause(
    cited: Path, tmp_path: Path
) -> None:
    pack = load_pack(cited / "pack" / "cited.yaml")
    cases = load_pack_cases(pack, [cited / "cases"])
    cache = tmp_path / "cache"
    # No cache yet: not measured.
    assert all(result is None for _, result in cached_results(pack, cases, cache_dir=cache))
    material = gather(pack, case_dirs=[cited / "cases"], cache_dir=cache)
    assert material.mutation is None
    report = run_mutation(pack, cases, jobs=1, cache_dir=cache)
    survivor = next(r for r in report.survivors if r.mutant.clauses)
    killed = next(r for r in report.results if r.outcome is Outcome.KILLED)
    # The cached outcomes are those of the run, for every mutant.
    material = gather(pack, case_dirs=[cited / "cases"], cache_dir=cache)
    assert material.mutation is not None
    assert material.mutation.source == "cache"
    assert material.mutation.measured == len(report.results)
    outcomes = {m.id: r.outcome for m, r in material.mutation.outcomes if r is not None}
    assert outcomes == {r.mutant.id: r.outcome for r in report.results}
    pages = render_site(material)
    clause_page = pages[f"clause/{survivor.mutant.clauses[0]}.html"]
    survivors = clause_page[clause_page.index("Survivors") :]
    assert escape(survivor.mutant.id) in survivors
    assert escape(survivor.mutant.description) in survivors
    assert "from the cache" in clause_page
    if killed.mutant.clauses:
        assert escape(killed.mutant.id) in pages[f"clause/{killed.mutant.clauses[0]}.html"]
    # A case the cache has not met leaves the survivors unsettled: not measured.
    more = (cited / "cases" / "rules.yaml").read_text(encoding="utf-8") + (
        "  - name: one more\n    stage: application\n    as_of: 2025-06-01\n"
        "    expect: {status: compliant}\n"
    )
    (cited / "cases" / "rules.yaml").write_text(more, encoding="utf-8")
    material = gather(pack, case_dirs=[cited / "cases"], cache_dir=cache)
    assert material.mutation is not None
    unsettled = {m.id for m, r in material.mutation.outcomes if r is None}
    assert survivor.mutant.id in unsettled
    assert killed.mutant.id not in unsettled


def test_the_mutate_option_runs_mutation_testing_first(
    cited: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = tmp_path / "site"
    args = ["explore", str(cited / "pack" / "cited.yaml"), "-o", str(site)]
    args += ["--cases", str(cited / "cases"), "--mutate", "--jobs", "1", "--no-cache"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert f"{site / 'index.html'}: " in out
    assert "2 author, 1 blind" in out
    assert re.search(r"mutants: (\d+) of \1 measured \(run now\), \d+ survived", out)
    assert "outcomes of a run made for this site" in (site / "index.html").read_text("utf-8")


def test_the_search_covers_clause_text_rule_ids_and_titles(cited: Path) -> None:
    material = gather(load_pack(cited / "pack" / "cited.yaml"), case_dirs=[], cache_dir=None)
    index = render_site(material)["index.html"]
    rows = [unescape(row) for row in re.findall(r'data-search="([^"]*)"', index)]
    spec = material.pack.spec
    rules = sum(len(getattr(spec, section)) for section in RULE_SECTIONS)
    assert len(rows) == len(material.clauses.clauses) + rules  # every clause and every rule
    assert any("a6-s2" in row and "项目建成后半年内申请验收" in row for row in rows)
    assert any(
        row.startswith("mi-06-deviation ") and "deviates from approval" in row for row in rows
    )
    assert all(row == row.lower() for row in rows)  # matched against the lower-cased query


def test_the_chinese_site_localises_every_word_of_the_interface(cited: Path) -> None:
    material = gather(
        load_pack(cited / "pack" / "cited.yaml"), case_dirs=[cited / "cases"], cache_dir=None
    )
    zh = "\n".join(render_site(material, lang="zh").values())
    en = "\n".join(render_site(material, lang="en").values())
    for key in ("clause_text", "encoded_by", "author_cases", "blind_cases", "not_measured"):
        english, chinese = _WORDS[key]
        assert escape(chinese) in zh
        assert escape(english) not in zh
        assert escape(english) in en
    for table in (_WORDS, _ENUM_WORDS):
        for english, chinese in table.values():
            assert english.strip()
            assert chinese.strip()
            assert not re.search(
                "[A-Za-z]{4,}",
                chinese.replace("PACK", "")
                .replace("policyengine", "")
                .replace("explore", "")
                .replace("mutate", ""),
            ), chinese


# --- writing and errors --------------------------------------------------------------------------


def test_a_second_run_replaces_the_first_and_removes_its_stale_pages(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_site({"index.html": "one", "rule/old.html": "old"}, site)
    assert (site / MANIFEST).read_text(encoding="utf-8") == "index.html\nrule/old.html\n"
    write_site({"index.html": "two"}, site)
    assert (site / "index.html").read_text(encoding="utf-8") == "two"
    assert not (site / "rule" / "old.html").exists()


def test_only_pages_named_in_the_record_are_removed(tmp_path: Path) -> None:
    site = tmp_path / "site"
    write_site({"index.html": "one"}, site)
    (site / "notes.txt").write_text("mine", encoding="utf-8")
    (site / MANIFEST).write_text("index.html\nnotes.txt\n../outside.html\n", encoding="utf-8")
    write_site({"index.html": "two", "rule/r.html": "r"}, site)
    assert (site / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_the_output_is_checked_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import policyengine.explore as explore_module

    def no_work(*args: object, **kwargs: object) -> None:
        raise AssertionError("gathered before the output directory was checked")

    monkeypatch.setattr(explore_module, "gather", no_work)
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(PolicyEngineError, match="not empty"):
        explore(load_pack("wuhan"), tmp_path, mutation="run")


def test_a_directory_of_other_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(PolicyEngineError) as caught:
        write_site({"index.html": "x"}, tmp_path)
    assert caught.value.code == "explore.output"
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (tmp_path / "index.html").exists()


def test_a_pack_without_a_clause_list_is_a_located_error() -> None:
    with pytest.raises(PackError) as caught:
        gather(load_pack(FIXTURES / "mini.yaml"))
    assert caught.value.code == "explore.no_clause_list"
    assert "clause_file" in (caught.value.hint or "")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["explore", "tests/fixtures/mini.yaml", "-o", "{tmp}/site"], "explore.no_clause_list"),
        (["explore", "wuhan", "-o", "{tmp}/site", "--cases", "{tmp}/nowhere"], "mutate.no_cases"),
        (["explore", "nowhere", "-o", "{tmp}/site"], "pack"),
        (["explore", "wuhan", "-o", "{tmp}/taken"], "explore.output"),
    ],
)
def test_bad_input_exits_2_with_a_message_and_no_traceback(
    args: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "taken").mkdir()
    (tmp_path / "taken" / "notes.txt").write_text("mine", encoding="utf-8")
    assert main([arg.replace("{tmp}", str(tmp_path)) for arg in args]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert not (tmp_path / "site").exists()


def test_the_command_writes_the_site_of_a_bundled_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(
        ROOT
    )  # the default cases, tests/packs/<pack>/, are under the working directory
    site = tmp_path / "xiangxi"
    assert main(["explore", "xiangxi", "-o", str(site), "--lang", "zh", "--no-cache"]) == 0
    out = capsys.readouterr().out
    assert "mutants: not measured" in out
    index = (site / "index.html").read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in index
    assert "湘西自治州电子政务工程建设管理办法" in index
    shutil.rmtree(site)
