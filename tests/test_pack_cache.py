"""Compiled packs are kept in memory only: nothing is written to or read from a disk cache.

An on-disk cache of pickled packs once saved cold starts, but a pickle runs code when read: its
ownership check could be raced with a symlink swap (B1), trimming deleted any `*.pickle` in the
directory (B2) and its key ignored the library's code (B3). The cache was removed; these tests
keep it removed.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from policyengine import __version__, load_pack
from policyengine import loader as loader_module
from policyengine.loader import bundled_pack_path, load_pack_text

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "project.yaml"
_MARKER = "policyengine-planted-pickle-ran"


class _Planted:
    """A pickle that makes a marker directory when it is loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.marker),))


@pytest.fixture
def cache_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every directory a cache was once looked for in, each filled with pickles."""
    folders = [tmp_path / "configured", tmp_path / "xdg" / "policyengine", tmp_path / "home"]
    monkeypatch.setenv("POLICYENGINE_CACHE_DIR", str(folders[0]))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(folders[2]))
    for folder in folders:
        folder.mkdir(parents=True, mode=0o700)
        for number in range(100):
            (folder / f"experiment_{number}.pickle").write_bytes(pickle.dumps(number))
    loader_module._compiled.clear()
    return folders


def _snapshot(folders: list[Path]) -> dict[Path, bytes]:
    return {
        p: p.read_bytes() for folder in folders for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_loading_writes_and_deletes_nothing_on_disk(cache_dirs: list[Path], tmp_path: Path) -> None:
    # B2: a run once deleted 37 of 100 unrelated *.pickle files in the cache directory.
    before = _snapshot(cache_dirs)
    pack_file = tmp_path / "wuhan.yaml"
    pack_file.write_bytes(bundled_pack_path("wuhan").read_bytes())
    for _ in range(3):
        loader_module._compiled.clear()
        load_pack(pack_file)
    assert _snapshot(cache_dirs) == before


def test_a_planted_pickle_is_never_read(cache_dirs: list[Path], tmp_path: Path) -> None:
    # B1: a pickle planted where the cache looked (by a symlink race) ran as the victim.
    marker = tmp_path / _MARKER
    payload = pickle.dumps(_Planted(marker))
    for folder in cache_dirs:
        for name in os.listdir(folder):
            (folder / name).write_bytes(payload)
    pack_file = tmp_path / "wuhan.yaml"
    pack_file.write_bytes(bundled_pack_path("wuhan").read_bytes())
    # The entry name the removed cache used: SHA-256 of version, Python, path and text.
    digest = hashlib.sha256()
    for part in (__version__, sys.version, str(pack_file), pack_file.read_text(encoding="utf-8")):
        digest.update(part.encode("utf-8") + b"\0")
    for folder in cache_dirs:
        (folder / f"{digest.hexdigest()}.pickle").write_bytes(payload)
    load_pack(pack_file)
    assert not marker.exists()


def test_changed_code_is_never_served_a_stale_pack(tmp_path: Path) -> None:
    # B3: a pack compiled by older code was served after the checker changed. With packs kept
    # only in the memory of the process that compiled them, each process checks afresh: here a
    # new process with a stricter checker refuses what the first process accepted.
    pack_file = tmp_path / "mini.yaml"
    text = (Path(__file__).parent / "fixtures" / "mini.yaml").read_text(encoding="utf-8")
    pack_file.write_text(text, encoding="utf-8")
    load_pack(pack_file)
    stricter = (
        "import policyengine.expressions as e, ast, sys;"
        "e._ALLOWED_NODES = tuple(n for n in e._ALLOWED_NODES if n is not ast.In);"
        "from policyengine import load_pack, PackError\n"
        "try:\n    load_pack(sys.argv[1])\nexcept PackError:\n    print('refused')"
    )
    result = subprocess.run(
        [sys.executable, "-c", stricter, str(pack_file)], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "refused", result.stderr


def test_a_pack_is_compiled_once_per_process_and_text() -> None:
    text = bundled_pack_path("yiyang").read_text(encoding="utf-8")
    first = load_pack_text(text, "yiyang.yaml")
    assert load_pack_text(text, "yiyang.yaml") is first
    assert load_pack_text(text.replace("\n", "\n\n", 1), "yiyang.yaml") is not first
