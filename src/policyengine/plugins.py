"""Packs published as distributions of their own, found through the `policyengine.packs` entry points.

A plugin distribution declares one entry point per pack:

    [project.entry-points."policyengine.packs"]
    hunan = "hunan_pack:PACK_PATH"

The entry point's name is the pack's id, the name `load_pack("hunan")` finds; the object it names
is the path of the pack file, a `str` or an `os.PathLike` (`pathlib.Path`). The pack finds its
clause list the way a bundled pack does, in `../sources/` or beside the file, so a plugin keeps
`policies/hunan.yaml` and `sources/hunan.clauses.yaml` (with the source text) inside its import
package. Resolving an entry point imports that package: an installed distribution is code its
installer trusts, and only the entry point of the pack asked for is resolved.

Bundled names are reserved. A plugin that declares one, two distributions that declare the same
name, or an entry point that cannot be resolved to a pack file is a `PackError` that names the
distribution.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from ._suggest import did_you_mean
from .errors import PackError, PackErrors
from .loader import BUNDLED_PACKS, CompiledPack, _quoted, bundled_pack_path, load_pack
from .pack import IDENTIFIER_PATTERN

ENTRY_POINT_GROUP = "policyengine.packs"
"""The entry-point group in which plugin distributions declare their packs."""

_DECLARE_HINT = 'check the [project.entry-points."policyengine.packs"] table of its pyproject.toml'


@dataclass(frozen=True)
class InstalledPack:
    """A pack that can be loaded by name: bundled, or declared by a plugin distribution."""

    name: str
    path: Path
    distribution: str | None = None
    """The declaring distribution as `name version`; None for a bundled pack."""
    entry_point: str | None = None
    """The entry point's value (`hunan_pack:PACK_PATH`); None for a bundled pack."""

    @property
    def origin(self) -> str:
        """Where the pack comes from: `bundled`, or the distribution that declares it."""
        return self.distribution or "bundled"


def installed_packs() -> list[InstalledPack]:
    """Every pack loadable by name: the bundled ones in `BUNDLED_PACKS` order, then the plugins'
    by name. Raises `PackErrors` listing every clash and every broken entry point."""
    found, errors = discover()
    if errors:
        raise PackErrors(errors)
    return found


def discover() -> tuple[list[InstalledPack], list[PackError]]:
    """Every pack loadable by name, and a `PackError` for each plugin that cannot be used."""
    found = [InstalledPack(name, bundled_pack_path(name)) for name in BUNDLED_PACKS]
    errors: list[PackError] = []
    for name, declared in sorted(_declared().items()):
        problem = _declaration_problem(name, declared)
        if problem is not None:
            errors.append(problem)
            continue
        try:
            found.append(_resolve(declared[0]))
        except PackError as exc:
            errors.append(exc)
    return found, errors


def plugin_names() -> tuple[str, ...]:
    """The names plugin distributions declare, sorted, without importing them. Raises
    `PackErrors` if a name is declared twice, is a bundled one, or is not a pack id."""
    declared = _declared()
    errors = [
        problem
        for name in sorted(declared)
        if (problem := _declaration_problem(name, declared[name])) is not None
    ]
    if errors:
        raise PackErrors(errors)
    return tuple(sorted(declared))


def find_plugin(name: str) -> InstalledPack:
    """The plugin pack declared under `name`, its entry point resolved. Raises `PackError`
    (`pack.not_found`) when no distribution declares it, and the errors of `discover` for it."""
    declared = _declared()
    entries = declared.get(name)
    if not entries:
        names = [*BUNDLED_PACKS, *sorted(declared)]
        raise PackError(
            f"no bundled or installed pack named '{_shown(name)}'",
            code="pack.not_found",
            hint=did_you_mean(name, names)
            or "packs: "
            + ", ".join(names)
            + " (policyengine packs lists where each comes from); or give a path to a .yaml file",
        )
    problem = _declaration_problem(name, entries)
    if problem is not None:
        raise problem
    return _resolve(entries[0])


def load_plugin_pack(name: str) -> CompiledPack:
    """Load the pack a plugin distribution declares under `name`. Raises `PackError`, also when
    the pack's own id is not that name."""
    plugin = find_plugin(name)
    pack = load_pack(plugin.path)
    if pack.id != name:
        raise PackError(
            f"the distribution '{plugin.distribution}' declares the pack '{name}', but the id of "
            f"its file is '{pack.id}'",
            code="pack.plugin_id_mismatch",
            location=pack.locate("id"),
            pack=pack.id,
            hint="name the entry point after the pack's id (load_pack finds a pack by its id)",
        )
    return pack


def is_pack_id(name: str) -> bool:
    """Whether `name` can be a pack's id, and so the name of its entry point."""
    return len(name) <= 64 and re.fullmatch(IDENTIFIER_PATTERN, name) is not None


def _declared() -> dict[str, list[EntryPoint]]:
    """The group's entry points by name: more than one where distributions clash."""
    declared: dict[str, list[EntryPoint]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        declared.setdefault(entry.name, []).append(entry)
    return declared


def _declaration_problem(name: str, entries: list[EntryPoint]) -> PackError | None:
    """Why the packs declared under `name` cannot be used, or None."""
    owners = _distributions(entries)
    if name in BUNDLED_PACKS:
        return PackError(
            f"the distribution {owners} declares a pack '{name}', the name of a bundled pack",
            code="pack.plugin_clash",
            pack=name,
            hint="bundled names are reserved: rename the entry point and the pack's id, or "
            "uninstall the distribution",
        )
    if len(entries) > 1:
        return PackError(
            f"the pack '{name}' is declared by {len(entries)} distributions: {owners}",
            code="pack.plugin_clash",
            pack=name,
            hint="uninstall all but one of them, or rename the pack in one",
        )
    if not is_pack_id(name):
        return PackError(
            f"the distribution {owners} declares a pack '{_shown(name)}', which is not a pack id",
            code="pack.plugin_broken",
            hint="a pack's id and its entry point's name are lower-case letters, digits and _, "
            "starting with a letter; " + _DECLARE_HINT,
        )
    return None


def _resolve(entry: EntryPoint) -> InstalledPack:
    """The pack file an entry point names. Raises `PackError` (`pack.plugin_broken`)."""
    owner = _distribution(entry)

    def broken(what: str, hint: str = _DECLARE_HINT) -> PackError:
        return PackError(
            f"the pack '{entry.name}' of the distribution '{owner}' cannot be used: its entry "
            f"point '{entry.value}' {what}",
            code="pack.plugin_broken",
            pack=entry.name,
            hint=hint,
        )

    try:
        value = entry.load()
    except Exception as exc:  # the plugin's own code: any fault of it is the plugin's error
        raise broken(
            f"cannot be loaded ({type(exc).__name__}: {_shown(str(exc))})",
            "reinstall the distribution, or " + _DECLARE_HINT,
        ) from exc
    if callable(value) or not isinstance(value, str | os.PathLike):
        raise broken(
            f"names {type(value).__name__} object, not the path of a pack file",
            'point it at a str or pathlib.Path, e.g. PACK_PATH = Path(__file__).parent / "policies"'
            f' / "{entry.name}.yaml"',
        )
    path = Path(os.fspath(value))
    if not path.is_file():
        raise broken(
            f"names {_shown(str(path))}, which is not a file",
            "ship the pack file inside the import package (package data), and reinstall",
        )
    return InstalledPack(entry.name, path, owner, entry.value)


def _distribution(entry: EntryPoint) -> str:
    dist = entry.dist
    return "an unknown distribution" if dist is None else f"{dist.name} {dist.version}"


def _distributions(entries: Iterable[EntryPoint]) -> str:
    return ", ".join(f"'{_distribution(entry)}'" for entry in entries)


def _shown(text: str) -> str:
    """`text` from a plugin or a caller as a message quotes it: a name, a path or an exception's
    message, shortened, control characters escaped."""
    return _quoted(text, limit=200)
