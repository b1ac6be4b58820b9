"""The law explorer's site opened in headless Chromium: the rendered text, and the search box.

The site is read from file://, as a reviewer would open it; the search box filters the index's
rows as it is typed into, and reads `?q=` from the address (which is how these tests type).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest
from tests.browser import PageText, dom

from policyengine import load_pack
from policyengine.explore import explore

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("explore") / "wuhan"
    cases = [ROOT / "tests" / "packs" / "wuhan"]
    explore(load_pack("wuhan"), directory, case_dirs=cases, cache_dir=None)
    return directory


def _rows(page: PageText) -> list[dict[str, str | None]]:
    return [attrs for tag, attrs in page.tags if tag == "tr" and "data-search" in attrs]


def _shown(page: PageText) -> int:
    visible = [a for a in _rows(page) if "hidden" not in a]
    return len(visible)


def test_the_index_renders_every_clause_and_rule(chromium: str, site: Path, tmp_path: Path) -> None:
    page = dom(chromium, (site / "index.html").as_uri(), tmp_path)
    text = page.text
    assert "Law explorer: Wuhan" in text
    assert "除涉密系统外,市级党政机关、市直属事业单位不得新建机房、专网等基础设施" in text
    assert "wh-12-no-new-infrastructure" in text
    rows = _rows(page)
    assert len(rows) > 100
    # The script ran (its hash matches the page's policy): it filled in the count, all shown.
    assert _shown(page) == len(rows)
    assert f"{len(rows)} / {len(rows)} shown" in text.replace("\n", " ")
    # Self-contained: nothing for the browser to fetch.
    sources = [a.get("src") or a.get("href") for _, a in page.tags]
    assert not [s for s in sources if s and s.startswith(("http:", "https:", "//"))]


@pytest.mark.parametrize("query", ["wh-12-no-new-infrastructure", "机房", "Annual PLAN"])
def test_the_search_box_filters_the_rows(
    chromium: str, site: Path, tmp_path: Path, query: str
) -> None:
    page = dom(chromium, (site / "index.html").as_uri() + "?q=" + quote(query), tmp_path)
    rows = _rows(page)
    terms = query.lower().split()
    visible = [a for a in rows if "hidden" not in a]
    hidden = [a for a in rows if "hidden" in a]
    assert visible
    assert hidden
    for attrs in visible:
        assert all(term in (attrs["data-search"] or "") for term in terms)
    for attrs in hidden:
        assert not all(term in (attrs["data-search"] or "") for term in terms)
    assert f"{len(visible)} / {len(rows)} shown" in page.text.replace("\n", " ")
    # The box shows what was searched for.
    box = next(a for tag, a in page.tags if tag == "input" and a.get("id") == "q")
    assert box.get("type") == "search"


def test_a_clause_page_shows_the_law_beside_its_rule_and_cases(
    chromium: str, site: Path, tmp_path: Path
) -> None:
    page = dom(chromium, (site / "clause" / "a12-s1.html").as_uri(), tmp_path)
    text = page.text
    assert "不得新建机房、专网等基础设施" in text
    assert "wh-12-no-new-infrastructure" in text
    assert "Author cases" in text
    assert "Blind cases (second reader)" in text
    assert "not measured" in text
    links = [a.get("href") or "" for tag, a in page.tags if tag == "a"]
    assert "../rule/wh-12-no-new-infrastructure.html" in links
    assert any(link.startswith("../cases/") and "#case-" in link for link in links)


def test_the_chinese_site_renders_in_chinese(chromium: str, tmp_path: Path) -> None:
    directory = tmp_path / "site"
    cases = [ROOT / "tests" / "packs" / "wuhan"]
    explore(load_pack("wuhan"), directory, lang="zh", case_dirs=cases, cache_dir=None)
    page = dom(chromium, (directory / "index.html").as_uri() + "?q=" + quote("机房"), tmp_path)
    text = page.text
    assert "法规审阅" in text
    assert "条款原文" in text
    assert "Text of the clause" not in text
    assert 0 < _shown(page) < len(_rows(page))
