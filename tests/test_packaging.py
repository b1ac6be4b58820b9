"""The wheel ships the packs, the schemas and py.typed; bundled packs load from any directory."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from policyengine.skeleton import TEMPLATES

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The build backend itself, from the locked dev dependencies: no pip, no network.
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "hatchling", "build", "--target", "wheel", "--directory", str(out)],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (built,) = out.glob("*.whl")
    return built


def test_wheel_contents(wheel: Path) -> None:
    assert wheel.name.startswith("egov_policyengine-")
    names = set(zipfile.ZipFile(wheel).namelist())
    for pack in ("wuhan", "mengyin", "zhanggong", "xiangxi", "yiyang"):
        assert f"policyengine/policies/{pack}.yaml" in names
    for schema in ("pack", "project", "verdict"):
        assert f"policyengine/schema/{schema}.schema.json" in names
    assert "policyengine/py.typed" in names
    for pack in ("wuhan", "mengyin", "zhanggong", "xiangxi", "yiyang"):
        assert f"policyengine/sources/{pack}.clauses.yaml" in names
    # `policyengine new-pack` writes its repository from these.
    for template, _ in TEMPLATES:
        assert f"policyengine/pack_template/{template}" in names


def test_bundled_pack_loads_from_an_installed_wheel_in_another_directory(
    wheel: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import policyengine, sys; from policyengine.clauses import clause_list_for; "
        "p = policyengine.load_pack('wuhan'); "
        "assert str(p.path).startswith(sys.argv[1]), p.path; "
        "assert clause_list_for(p).pack == 'wuhan'; print(p.id)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(site)],
        cwd=tmp_path,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "wuhan"


def _metadata(wheel: Path) -> list[tuple[str, str]]:
    archive = zipfile.ZipFile(wheel)
    (name,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
    headers = archive.read(name).decode("utf-8").split("\n\n", 1)[0]
    return [
        (key, value.strip())
        for key, _, value in (line.partition(":") for line in headers.splitlines())
    ]


def test_wheel_metadata_names_its_addresses_and_classifiers(wheel: Path) -> None:
    from trove_classifiers import classifiers as known

    metadata = _metadata(wheel)
    urls = dict(value.split(", ", 1) for key, value in metadata if key == "Project-URL")
    assert set(urls) == {"Homepage", "Documentation", "Source", "Changelog"}
    assert all(url.startswith("https://") for url in urls.values())
    classifiers = [value for key, value in metadata if key == "Classifier"]
    assert "Typing :: Typed" in classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert not set(classifiers) - known, set(classifiers) - known
    assert any(key == "Author" for key, _ in metadata)


def test_the_test_hint_names_cases_the_sdist_ships(tmp_path: Path) -> None:
    import tarfile

    from policyengine.cli import bundled_cases_hint

    subprocess.run(
        [
            sys.executable,
            "-m",
            "hatchling",
            "build",
            "--target",
            "sdist",
            "--directory",
            str(tmp_path),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    (sdist,) = tmp_path.glob("*.tar.gz")
    hint = bundled_cases_hint()
    assert f"tar xzf {sdist.name}," in hint
    cases = hint.rsplit("policyengine test ", 1)[1]
    with tarfile.open(sdist) as archive:
        names = archive.getnames()
        archive.extractall(tmp_path, filter="data")
    for pack in ("wuhan", "mengyin", "zhanggong", "xiangxi", "yiyang"):
        assert any(name.startswith(f"{cases}/{pack}/") for name in names), pack
    result = subprocess.run(
        [sys.executable, "-m", "policyengine", "test", "--no-coverage", f"{cases}/yiyang"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
