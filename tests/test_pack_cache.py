"""The on-disk cache of compiled packs: reused across processes, never stale, never unsafe."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine import evaluate, load_pack
from policyengine import loader as loader_module
from policyengine.loader import bundled_pack_path

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "project.yaml"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(folder))
    loader_module._compiled.clear()  # forget what this process compiled
    return folder


def _fresh_load(path: Path) -> object:
    loader_module._compiled.clear()
    return load_pack(path)


def test_a_compiled_pack_is_reused_and_evaluates_identically(cache: Path, tmp_path: Path) -> None:
    pack_file = tmp_path / "wuhan.yaml"
    pack_file.write_bytes(bundled_pack_path("wuhan").read_bytes())
    first = _fresh_load(pack_file)
    entries = list(cache.glob("*.pickle"))
    assert len(entries) == 1
    assert (cache.stat().st_mode & 0o077) == 0  # private to the user
    second = _fresh_load(pack_file)
    assert second is not first  # read back from disk, not from this process's memory
    as_of = dt.date(2026, 11, 23)
    project = EXAMPLE
    from policyengine import Project

    model = Project.from_file(project)
    assert (
        evaluate(model, second, as_of=as_of).to_json()
        == evaluate(model, first, as_of=as_of).to_json()
    )


def test_an_edited_pack_gets_a_new_entry(cache: Path, tmp_path: Path) -> None:
    pack_file = tmp_path / "wuhan.yaml"
    text = bundled_pack_path("wuhan").read_text(encoding="utf-8")
    pack_file.write_text(text, encoding="utf-8")
    _fresh_load(pack_file)
    pack_file.write_text(text.replace("value: 500000\n", "value: 600000\n", 1), encoding="utf-8")
    edited = _fresh_load(pack_file)
    assert str(edited.thresholds["approval_threshold"]) == "600000"
    assert len(list(cache.glob("*.pickle"))) == 2


def test_a_damaged_entry_is_compiled_afresh(cache: Path, tmp_path: Path) -> None:
    pack_file = tmp_path / "wuhan.yaml"
    pack_file.write_bytes(bundled_pack_path("wuhan").read_bytes())
    _fresh_load(pack_file)
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(b"not a pickle")
    assert _fresh_load(pack_file).id == "wuhan"


def test_a_directory_others_may_write_to_is_not_read(cache: Path, tmp_path: Path) -> None:
    pack_file = tmp_path / "wuhan.yaml"
    pack_file.write_bytes(bundled_pack_path("wuhan").read_bytes())
    _fresh_load(pack_file)
    (entry,) = cache.glob("*.pickle")
    entry.write_bytes(b"planted")  # would fail to unpickle if read
    os.chmod(cache, 0o777)
    from policyengine import _pack_cache

    assert _pack_cache.load(entry.stem) is None
    assert _fresh_load(pack_file).id == "wuhan"


def test_an_empty_setting_turns_the_cache_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    _fresh_load(bundled_pack_path("wuhan"))
    assert not (tmp_path / "xdg").exists()


def test_the_command_line_uses_the_cache_across_processes(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    env = {**os.environ, "POLICYENGINE_CACHE_DIR": str(folder)}
    command = [sys.executable, "-m", "policyengine", "evaluate", str(EXAMPLE), "--pack", "yiyang"]
    runs = [
        subprocess.run([*command, "--format", "json"], capture_output=True, env=env, timeout=60)
        for _ in range(2)
    ]
    assert len(list(folder.glob("*.pickle"))) == 1
    assert runs[0].stdout == runs[1].stdout
    assert runs[0].returncode == runs[1].returncode
