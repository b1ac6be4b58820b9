"""`policyengine new-pack`: the skeleton of a repository that publishes one pack as a plugin.

The skeleton is a distribution that declares its pack in the `policyengine.packs` entry-point
group (`policyengine.plugins`), with a minimal pack that loads and lints clean, a placeholder
source text and clause list that the author replaces, YAML cases that pass, and CI. Every file
comes from a template in `pack_template/`, in which `@NAME@`, `@MODULE@`, `@DIST@` and `@VERSION@`
stand for the pack's id, its import package, its distribution and this library's version.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from . import __version__
from .errors import PolicyEngineError
from .loader import BUNDLED_PACKS
from .plugins import is_pack_id

TEMPLATES: tuple[tuple[str, str], ...] = (
    ("pyproject.toml.tmpl", "pyproject.toml"),
    ("README.md.tmpl", "README.md"),
    ("gitignore.tmpl", ".gitignore"),
    ("ci.yml.tmpl", ".github/workflows/ci.yml"),
    ("__init__.py.tmpl", "src/@MODULE@/__init__.py"),
    ("pack.yaml.tmpl", "src/@MODULE@/policies/@NAME@.yaml"),
    ("source.txt.tmpl", "src/@MODULE@/sources/@NAME@.txt"),
    ("clauses.yaml.tmpl", "src/@MODULE@/sources/@NAME@.clauses.yaml"),
    ("cases.yaml.tmpl", "tests/packs/@NAME@/cases.yaml"),
    ("test_sources.py.tmpl", "tests/test_sources.py"),
)
"""Each template of `pack_template/` and the file it becomes, relative to the repository."""

_PLACEHOLDER = re.compile(r"@[A-Z]+@")


class SkeletonError(PolicyEngineError):
    """A skeleton cannot be written: a bad name, or a directory in the way."""

    code = "new_pack.error"


@dataclass(frozen=True)
class PackRepository:
    """The names of a pack's repository, all derived from the pack's id."""

    name: str

    @property
    def module(self) -> str:
        """The import package, which holds the pack, its sources and `PACK_PATH`."""
        return f"{self.name}_pack"

    @property
    def distribution(self) -> str:
        """The distribution's name, as pip installs it."""
        return "policyengine-pack-" + self.name.replace("_", "-")

    def substitute(self, text: str) -> str:
        """`text` with every placeholder replaced."""
        values = {
            "@NAME@": self.name,
            "@MODULE@": self.module,
            "@DIST@": self.distribution,
            "@VERSION@": __version__,
        }
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        left = _PLACEHOLDER.search(text)
        if left is not None:  # a template names a placeholder this table lacks
            raise AssertionError(f"unknown placeholder {left.group()} in a pack template")
        return text


def default_directory(name: str) -> Path:
    """Where `new-pack NAME` writes without `-o`: a directory named after the distribution."""
    return Path(PackRepository(name).distribution)


def write_skeleton(name: str, directory: str | Path | None = None) -> list[Path]:
    """Write the repository of a new pack named `name` into `directory` (created if absent; by
    default `default_directory(name)`); return the files written. Raises `SkeletonError` for a
    name that cannot be a pack's id or is a bundled pack's, or a directory that is not empty."""
    _check_name(name)
    root = Path(directory) if directory is not None else default_directory(name)
    _check_directory(root)
    repository = PackRepository(name)
    templates = resources.files("policyengine") / "pack_template"
    written: list[Path] = []
    for template, destination in TEMPLATES:
        text = (templates / template).read_text(encoding="utf-8")
        path = root / repository.substitute(destination)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(repository.substitute(text), encoding="utf-8")
        written.append(path)
    return written


def _check_name(name: str) -> None:
    if not is_pack_id(name):
        raise SkeletonError(
            f"'{name[:80]}' cannot be a pack's id",
            code="new_pack.bad_name",
            hint="lower-case letters, digits and _, starting with a letter, at most 64 "
            "characters: the id load_pack finds the pack by, e.g. hunan or changsha_county",
        )
    if name in BUNDLED_PACKS:
        raise SkeletonError(
            f"'{name}' is the name of a bundled pack",
            code="new_pack.bad_name",
            hint="bundled names are reserved: " + ", ".join(BUNDLED_PACKS),
        )


def _check_directory(root: Path) -> None:
    if root.exists() and not root.is_dir():
        raise SkeletonError(
            f"{root} exists and is not a directory",
            code="new_pack.not_empty",
            hint="give a new or empty directory with -o DIR",
        )
    if root.is_dir() and any(root.iterdir()):
        raise SkeletonError(
            f"{root} is not empty",
            code="new_pack.not_empty",
            hint="give a new or empty directory with -o DIR; nothing is overwritten",
        )
