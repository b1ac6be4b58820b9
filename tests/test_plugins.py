"""Plugin packs: distributions that declare packs in the `policyengine.packs` entry-point group.

Each test installs fake distributions into a temporary directory on `sys.path`: a `.dist-info`
with `entry_points.txt`, which importlib.metadata discovers as pip's would be, and the plugin's
import package beside it.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from policyengine import BUNDLED_PACKS, PackError, load_pack, load_packs
from policyengine.clauses import clause_list_for, coverage
from policyengine.cli import main
from policyengine.lint import lint_pack
from policyengine.loader import get_pack, pack_names
from policyengine.plugins import ENTRY_POINT_GROUP, installed_packs, plugin_names
from policyengine.testing import check_case, load_cases

FIXTURES = Path(__file__).parent / "fixtures"


class Site:
    """A directory on sys.path into which fake distributions are installed."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def distribution(self, name: str, entry_points: dict[str, str], version: str = "1.0") -> None:
        """Install the metadata of a distribution declaring `entry_points` (name -> value)."""
        info = self.root / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
        )
        lines = [f"[{ENTRY_POINT_GROUP}]", *(f"{k} = {v}" for k, v in entry_points.items())]
        (info / "entry_points.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def module(self, name: str, body: str) -> Path:
        """Install an import package whose `__init__.py` is `body`; return its directory."""
        package = self.root / name
        package.mkdir()
        (package / "__init__.py").write_text(body, encoding="utf-8")
        return package

    def cited_plugin(self, module: str = "cited_pack") -> Path:
        """The fixture pack `cited` with its clause list, in an import package; the pack file."""
        package = self.module(
            module,
            "from pathlib import Path\n"
            "PACK_PATH = Path(__file__).parent / 'policies' / 'cited.yaml'\n"
            "def pack_path():\n    return PACK_PATH\n"
            "NOT_A_PATH = 42\n"
            "MISSING = Path(__file__).parent / 'policies' / 'missing.yaml'\n",
        )
        (package / "policies").mkdir()
        (package / "sources").mkdir()
        shutil.copy(FIXTURES / "cited.yaml", package / "policies" / "cited.yaml")
        shutil.copy(FIXTURES / "cited.clauses.yaml", package / "sources" / "cited.clauses.yaml")
        return package / "policies" / "cited.yaml"


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    before = set(sys.modules)
    yield Site(root)
    for name in set(sys.modules) - before:  # the plugins' modules go with their directory
        if name.split(".")[0] in {p.name for p in root.iterdir()}:
            del sys.modules[name]


@pytest.fixture
def cited(site: Site) -> Path:
    """The `cited` pack, installed as the plugin distribution `egov-pack-cited 1.0`."""
    path = site.cited_plugin()
    site.distribution("egov-pack-cited", {"cited": "cited_pack:PACK_PATH"})
    return path


# --- discovery ----------------------------------------------------------------------------------


def test_a_plugin_pack_loads_by_name(cited: Path) -> None:
    pack = load_pack("cited")
    assert pack.id == "cited"
    assert pack.path == str(cited)
    assert get_pack("cited").path == str(cited)


def test_the_clause_list_is_found_in_the_plugins_sources(cited: Path) -> None:
    pack = load_pack("cited")
    clauses = clause_list_for(pack)
    assert clauses is not None
    assert clauses.pack == "cited"
    assert coverage(pack, clauses).to_dict()["clauses"] == 12


def test_installed_packs_list_the_bundled_ones_then_the_plugins(cited: Path) -> None:
    packs = installed_packs()
    assert [p.name for p in packs] == [*BUNDLED_PACKS, "cited"]
    assert {p.origin for p in packs[:-1]} == {"bundled"}
    plugin = packs[-1]
    assert plugin.origin == "egov-pack-cited 1.0"
    assert plugin.entry_point == "cited_pack:PACK_PATH"
    assert plugin.path == cited
    assert plugin_names() == ("cited",)
    assert pack_names() == (*BUNDLED_PACKS, "cited")


def test_load_packs_loads_the_plugins_too(cited: Path) -> None:
    assert [pack.id for pack in load_packs()] == [*BUNDLED_PACKS, "cited"]


def test_without_plugins_the_bundled_packs_are_all() -> None:
    assert plugin_names() == ()
    assert [p.origin for p in installed_packs()] == ["bundled"] * len(BUNDLED_PACKS)


def test_lint_and_cases_of_a_plugin_pack(cited: Path, tmp_path: Path) -> None:
    pack = load_pack("cited")
    assert lint_pack(pack) == []
    cases = tmp_path / "cases.yaml"
    cases.write_text(
        "pack: cited\nbase: {owner_type: public_institution, total_investment: '600000'}\n"
        "cases:\n"
        "  - name: not in the plan\n    stage: application\n"
        "    project: {in_annual_plan: false}\n"
        "    expect: {findings: {mi-03-in-plan: fail}, failing_clauses: [a3-s1]}\n",
        encoding="utf-8",
    )
    (case,) = load_cases(cases)
    assert check_case(case).problems == []


# --- the command line ---------------------------------------------------------------------------


def test_packs_command_shows_where_each_pack_comes_from(
    cited: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["packs"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["pack", "origin", "file"]
    assert lines[1].split()[:2] == ["wuhan", "bundled"]
    assert lines[-1].split() == ["cited", "egov-pack-cited", "1.0", str(cited)]


def test_commands_take_a_plugin_pack_by_name(
    cited: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project.yaml"
    project.write_text(
        "owner: {type: public_institution}\nmoney: {total_investment: '600000'}\n"
        "procedure: {in_annual_plan: false}\n",
        encoding="utf-8",
    )
    assert main(["coverage", "cited"]) == 1  # a6-s4 is ledgered as not yet encoded
    assert f"{cited}: 11 of 12 normative clauses" in capsys.readouterr().out
    stage = ["--stage", "application", "--as-of", "2025-06-01"]
    assert main(["evaluate", str(project), "--pack", "cited", *stage]) == 1
    assert "mi-03-in-plan" in capsys.readouterr().out
    assert main(["compare", str(project), *stage]) == 1
    rows = capsys.readouterr().out.splitlines()
    assert [row.split()[0] for row in rows[1:7]] == [*BUNDLED_PACKS, "cited"]


# --- clashes and broken entry points ------------------------------------------------------------


def test_a_plugin_may_not_take_a_bundled_name(site: Site) -> None:
    site.cited_plugin()
    site.distribution("hijack", {"wuhan": "cited_pack:PACK_PATH"}, version="6.6")
    with pytest.raises(PackError) as info:
        installed_packs()
    assert info.value.code == "pack.plugin_clash"
    assert "'hijack 6.6'" in info.value.message
    assert "bundled" in info.value.message
    with pytest.raises(PackError, match=r"hijack 6\.6"):
        load_packs()
    # The bundled name keeps its pack.
    assert load_pack("wuhan").path.endswith("policies/wuhan.yaml")


def test_two_distributions_may_not_declare_one_name(site: Site) -> None:
    site.cited_plugin()
    site.distribution("first-pack", {"cited": "cited_pack:PACK_PATH"})
    site.distribution("second-pack", {"cited": "cited_pack:PACK_PATH"}, version="2.0")
    with pytest.raises(PackError) as info:
        load_pack("cited")
    assert info.value.code == "pack.plugin_clash"
    assert "'first-pack 1.0'" in info.value.message
    assert "'second-pack 2.0'" in info.value.message


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("no_such_module:PACK_PATH", "cannot be loaded (ModuleNotFoundError: No module named"),
        ("cited_pack:NO_SUCH_NAME", "cannot be loaded (AttributeError"),
        ("cited_pack:NOT_A_PATH", "names int object, not the path of a pack file"),
        ("cited_pack:pack_path", "names function object, not the path of a pack file"),
        ("cited_pack:MISSING", "missing.yaml, which is not a file"),
    ],
)
def test_a_broken_entry_point_names_its_distribution(site: Site, value: str, says: str) -> None:
    site.cited_plugin()
    site.distribution("broken-pack", {"cited": value}, version="0.3")
    with pytest.raises(PackError) as info:
        load_pack("cited")
    error = info.value
    assert error.code == "pack.plugin_broken"
    assert error.message.startswith(
        f"the pack 'cited' of the distribution 'broken-pack 0.3' cannot be used: its entry point "
        f"'{value}' "
    )
    assert says in error.message
    assert error.hint


def test_a_plugin_module_that_raises_is_a_broken_entry_point(site: Site) -> None:
    site.module("raising_pack", "raise RuntimeError('the plugin is broken')\n")
    site.distribution("raising", {"raising": "raising_pack:PACK_PATH"})
    with pytest.raises(PackError, match=r"RuntimeError: the plugin is broken"):
        load_pack("raising")


def test_an_entry_point_name_that_is_not_a_pack_id(site: Site) -> None:
    site.cited_plugin()
    site.distribution("badly-named", {"Cited-Pack": "cited_pack:PACK_PATH"})
    with pytest.raises(PackError) as info:
        installed_packs()
    assert info.value.code == "pack.plugin_broken"
    assert "'badly-named 1.0'" in info.value.message
    assert "'Cited-Pack'" in info.value.message


def test_the_pack_id_must_be_the_entry_point_name(site: Site) -> None:
    path = site.cited_plugin()
    site.distribution("renamed", {"other": "cited_pack:PACK_PATH"})
    with pytest.raises(PackError) as info:
        load_pack("other")
    error = info.value
    assert error.code == "pack.plugin_id_mismatch"
    assert "'renamed 1.0'" in error.message
    assert "'cited'" in error.message
    assert error.location is not None
    assert (error.location.path, error.location.line) == (str(path), 4)


def test_a_broken_plugin_does_not_stop_another(site: Site) -> None:
    site.cited_plugin()
    site.distribution("egov-pack-cited", {"cited": "cited_pack:PACK_PATH"})
    site.distribution("broken-pack", {"broken": "no_such_module:PACK_PATH"})
    assert load_pack("cited").id == "cited"
    assert load_pack("wuhan").id == "wuhan"
    with pytest.raises(PackError, match="broken-pack"):
        load_packs()


def test_an_unknown_name_lists_the_installed_packs(cited: Path) -> None:
    with pytest.raises(PackError) as info:
        load_pack("cite")
    assert info.value.code == "pack.not_found"
    assert info.value.hint == "did you mean 'cited'?"
    with pytest.raises(PackError) as info:
        load_pack("zzzz")
    assert info.value.hint is not None
    assert "wuhan" in info.value.hint
    assert "cited" in info.value.hint


def test_the_command_line_reports_a_broken_plugin_without_a_traceback(
    site: Site, cited: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site.distribution("hijack", {"wuhan": "cited_pack:PACK_PATH"}, version="6.6")
    assert main(["packs"]) == 2
    out, err = capsys.readouterr()
    assert "cited" in out  # the usable packs are still listed
    assert "pack.plugin_clash" in err
    assert "hijack 6.6" in err
    assert "Traceback" not in err
    assert main(["lint"]) == 2
    assert "hijack 6.6" in capsys.readouterr().err


def test_the_service_and_the_explorer_find_a_plugin_pack(cited: Path, tmp_path: Path) -> None:
    # Every command discovers plugins: the service serves them by default, explore by name.
    import json
    import urllib.request

    pytest.importorskip("fastapi")
    from policyengine import serve
    from test_serve import in_process

    with (
        in_process(serve.create_app()) as local,
        urllib.request.urlopen(local.url + "/v1/packs", timeout=30) as reply,
    ):
        listed = json.loads(reply.read())
    assert [pack["id"] for pack in listed["packs"]][-1] == "cited"
    assert main(["explore", "cited", "-o", str(tmp_path / "explorer"), "--no-cache"]) == 0
    assert (tmp_path / "explorer" / "index.html").is_file()
