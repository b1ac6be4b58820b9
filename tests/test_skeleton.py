"""`policyengine new-pack`: the repository it writes is a plugin whose pack loads, lints clean and
passes its own cases and mutation testing, as its CI will check."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from policyengine import load_pack
from policyengine.clauses import clause_list_for, coverage
from policyengine.cli import main
from policyengine.lint import lint_pack
from policyengine.mutate import load_pack_cases, run_mutation
from policyengine.plugins import ENTRY_POINT_GROUP, installed_packs
from policyengine.skeleton import TEMPLATES, SkeletonError, default_directory, write_skeleton
from policyengine.testing import check_case, iter_case_files, load_cases

FILES = [
    ".github/workflows/ci.yml",
    ".gitignore",
    "README.md",
    "pyproject.toml",
    "src/hunan_pack/__init__.py",
    "src/hunan_pack/policies/hunan.yaml",
    "src/hunan_pack/sources/hunan.clauses.yaml",
    "src/hunan_pack/sources/hunan.txt",
    "tests/packs/hunan/cases.yaml",
    "tests/test_sources.py",
]


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    root = tmp_path / "policyengine-pack-hunan"
    write_skeleton("hunan", root)
    return root


@pytest.fixture
def installed(repository: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The skeleton installed as an editable install would: its `src/` on sys.path, and a
    `.dist-info` declaring the entry points its pyproject.toml declares."""
    project = tomllib.loads((repository / "pyproject.toml").read_text(encoding="utf-8"))
    name, version = project["project"]["name"], project["project"]["version"]
    declared = project["project"]["entry-points"][ENTRY_POINT_GROUP]
    info = repository / "site" / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
    )
    entries = "".join(f"{key} = {value}\n" for key, value in declared.items())
    (info / "entry_points.txt").write_text(f"[{ENTRY_POINT_GROUP}]\n{entries}", encoding="utf-8")
    monkeypatch.syspath_prepend(str(repository / "site"))
    monkeypatch.syspath_prepend(str(repository / "src"))
    yield repository
    sys.modules.pop("hunan_pack", None)


def test_the_repository_has_every_file(repository: Path) -> None:
    written = sorted(str(p.relative_to(repository)) for p in repository.rglob("*") if p.is_file())
    assert written == FILES
    assert len(TEMPLATES) == len(FILES)
    text = "".join(p.read_text(encoding="utf-8") for p in repository.rglob("*") if p.is_file())
    assert "@" + "NAME@" not in text
    assert "@" + "MODULE@" not in text


def test_the_pack_loads_and_lints_clean(repository: Path) -> None:
    pack = load_pack(repository / "src/hunan_pack/policies/hunan.yaml")
    assert pack.id == "hunan"
    assert lint_pack(pack) == []
    clauses = clause_list_for(pack)
    assert clauses is not None
    result = coverage(pack, clauses)
    assert result.complete
    assert result.to_dict()["encoded"] == 2


def test_the_placeholders_are_marked_to_replace(repository: Path) -> None:
    sources = repository / "src/hunan_pack/sources"
    for path in (
        sources / "hunan.txt",
        sources / "hunan.clauses.yaml",
        repository / "src/hunan_pack/policies/hunan.yaml",
        repository / "README.md",
    ):
        assert "REPLACE" in path.read_text(encoding="utf-8"), path
    assert "占位" in (sources / "hunan.txt").read_text(encoding="utf-8")


def test_every_clause_is_in_the_placeholder_text(repository: Path) -> None:
    pack = load_pack(repository / "src/hunan_pack/policies/hunan.yaml")
    clauses = clause_list_for(pack)
    assert clauses is not None
    text = (repository / "src/hunan_pack/sources/hunan.txt").read_text(encoding="utf-8")
    assert [c.id for c in clauses.clauses if c.text not in text] == []


def test_the_entry_point_finds_the_pack_and_its_cases_pass(installed: Path) -> None:
    pack = load_pack("hunan")
    assert pack.path == str(installed / "src/hunan_pack/policies/hunan.yaml")
    assert installed_packs()[-1].origin == "policyengine-pack-hunan 0.1.0"
    cases = [case for f in iter_case_files(installed / "tests/packs") for case in load_cases(f)]
    assert len(cases) == 4
    assert {case.pack for case in cases} == {"hunan"}
    assert [(case.name, check_case(case).problems) for case in cases] == [
        (case.name, []) for case in cases
    ]


def test_its_cases_kill_every_mutant(installed: Path) -> None:
    pack = load_pack("hunan")
    cases = load_pack_cases(pack, [installed / "tests/packs/hunan"])
    report = run_mutation(pack, cases, jobs=1, cache_dir=None)
    assert report.score == 1
    assert report.to_dict()["survived"] == []


def test_ci_runs_lint_and_the_tests(repository: Path) -> None:
    workflow = yaml.safe_load((repository / ".github/workflows/ci.yml").read_text("utf-8"))
    runs = [step.get("run") for step in workflow["jobs"]["test"]["steps"]]
    assert 'python -m pip install -e ".[test]"' in runs
    assert "policyengine lint hunan" in runs
    assert "policyengine test tests/packs" in runs
    assert "python -m pytest" in runs


def test_the_pyproject_declares_the_pack(repository: Path) -> None:
    project = tomllib.loads((repository / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"][ENTRY_POINT_GROUP] == {
        "hunan": "hunan_pack:PACK_PATH"
    }
    assert project["project"]["dependencies"][0].startswith("egov-policyengine>=")
    assert project["tool"]["pytest"]["ini_options"]["policyengine_cases"] == ["tests/packs"]


def test_an_existing_empty_directory_is_used(tmp_path: Path) -> None:
    written = write_skeleton("changsha_county", tmp_path)
    assert tmp_path / "src/changsha_county_pack/policies/changsha_county.yaml" in written
    pyproject = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert 'name = "policyengine-pack-changsha-county"' in pyproject
    assert load_pack(tmp_path / "src/changsha_county_pack/policies/changsha_county.yaml")


def test_the_default_directory_is_named_after_the_distribution() -> None:
    assert default_directory("hunan") == Path("policyengine-pack-hunan")


@pytest.mark.parametrize("name", ["Hunan", "1hunan", "hu-nan", "hu nan", "", "h" * 65, "hunan\n"])
def test_a_bad_name_is_refused(name: str, tmp_path: Path) -> None:
    with pytest.raises(SkeletonError) as info:
        write_skeleton(name, tmp_path / "out")
    assert info.value.code == "new_pack.bad_name"
    assert info.value.hint
    assert not (tmp_path / "out").exists()


def test_a_bundled_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SkeletonError, match="bundled pack") as info:
        write_skeleton("wuhan", tmp_path / "out")
    assert info.value.code == "new_pack.bad_name"


def test_a_non_empty_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SkeletonError) as info:
        write_skeleton("hunan", tmp_path)
    assert info.value.code == "new_pack.not_empty"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    with pytest.raises(SkeletonError, match="not a directory"):
        write_skeleton("hunan", tmp_path / "notes.txt")


def test_the_command_writes_and_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "repo"
    assert main(["new-pack", "hunan", "-o", str(out)]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert sorted(str(Path(line).relative_to(out)) for line in printed) == FILES
    assert main(["new-pack", "hunan", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"new_pack.not_empty: {out} is not empty\n  hint: ")
    assert main(["new-pack", "Hunan"]) == 2
    assert "new_pack.bad_name" in capsys.readouterr().err


def test_the_command_writes_into_the_default_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["new-pack", "hunan"]) == 0
    assert (tmp_path / "policyengine-pack-hunan/src/hunan_pack/policies/hunan.yaml").is_file()
    assert "policyengine-pack-hunan/pyproject.toml" in capsys.readouterr().out


def test_the_built_wheel_installs_a_working_plugin(repository: Path, tmp_path: Path) -> None:
    """The skeleton built by its own build backend (hatchling, as pip would use it) and installed
    by unpacking the wheel: a fresh process finds the pack, lints it and runs its cases."""
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", str(dist)],
        cwd=repository,
        check=True,
        capture_output=True,
        timeout=120,
    )
    (wheel,) = dist.glob("*.whl")
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "policyengine", *args],
            cwd=repository,
            env=env,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )

    listing = cli("packs")
    assert listing.returncode == 0, listing.stderr
    row = listing.stdout.splitlines()[-1].split()
    assert row == [
        "hunan",
        "policyengine-pack-hunan",
        "0.1.0",
        str(site / "hunan_pack/policies/hunan.yaml"),
    ]
    lint = cli("lint", "hunan")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    cases = cli("test", "tests/packs")
    assert cases.returncode == 0, cases.stdout + cases.stderr
    assert cases.stdout.endswith("4 passed, 0 failed\n")
