"""Compiled packs kept on disk between processes, as Python keeps bytecode in __pycache__.

Each command-line run is a new process; parsing, checking and compiling a large pack is a
good part of a cold run. A pack loaded from a file is therefore pickled into the user's cache
directory, under the SHA-256 of the library version, the Python version, the pack's path and its
text: an edited pack, another version of the library or of Python never reads a stale entry.

The directory is `$POLICYENGINE_CACHE_DIR`, else `$XDG_CACHE_HOME/policyengine`, else
`~/.cache/policyengine`; an empty `POLICYENGINE_CACHE_DIR` turns the cache off. Because a pickle
runs code when read, an entry is read only from a directory that belongs to the current user and
that no one else may write to; entries are written atomically, and the newest 64 are kept. Any
failure (no home directory, a read-only disk, a damaged entry) means the pack is compiled as if
there were no cache.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import stat
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .loader import CompiledPack

KEEP = 64
"""Most entries kept; older ones are removed when a new one is written."""


def directory() -> Path | None:
    """The cache directory, or None when caching is off or no directory can be named."""
    configured = os.environ.get("POLICYENGINE_CACHE_DIR")
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        root = Path(base) if base else Path.home() / ".cache"
    except RuntimeError:  # no home directory
        return None
    return root / "policyengine"


def key(text: str, path: str) -> str:
    """The entry name of a pack text loaded from `path`."""
    from . import __version__

    digest = hashlib.sha256()
    for part in (__version__, sys.version, path, text):
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


def load(name: str) -> CompiledPack | None:
    """The cached pack, or None."""
    folder = directory()
    if folder is None or not _private(folder):
        return None
    try:
        with open(folder / f"{name}.pickle", "rb") as handle:
            pack = pickle.load(handle)
    except Exception:  # absent, damaged or from an incompatible build: compile afresh
        return None
    from .loader import CompiledPack

    return pack if isinstance(pack, CompiledPack) else None


def store(name: str, pack: CompiledPack) -> None:
    """Write the pack's entry (atomically), then trim the directory to the newest entries."""
    folder = directory()
    if folder is None:
        return
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(folder):
            return
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            pickle.dump(pack, out, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, folder / f"{name}.pickle")
        _trim(folder)
    except Exception:  # a cache that cannot be written is no cache, not an error
        return


def _private(folder: Path) -> bool:
    try:
        info = folder.stat()
    except OSError:
        return False
    owned = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    return owned and stat.S_ISDIR(info.st_mode) and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _trim(folder: Path) -> None:
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for stale in entries[KEEP:]:
        stale.unlink(missing_ok=True)
