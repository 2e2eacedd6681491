"""Load catalog files: the packaged data (cached) or a single file.

Every file is read with :func:`iadsim.yamlio.load_model`, so each problem is reported as
``FILE:LINE:COL: path.to.field: message``. Packaged files live in ``catalog/data/systems`` and
``catalog/data/threats``; a file's ``name`` must equal its file stem and names are unique across
both directories.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

from iadsim.catalog.schema import JammerEntry, SystemEntry, ThreatEntry
from iadsim.errors import InputError, Problem
from iadsim.yamlio import load_model_cached, locate, read_yaml

__all__ = ["Catalog", "Entry", "load_catalog", "load_directory", "load_entry"]

Entry = SystemEntry | ThreatEntry | JammerEntry

_MODELS: dict[str, type[SystemEntry] | type[ThreatEntry] | type[JammerEntry]] = {
    "system": SystemEntry,
    "threat": ThreatEntry,
    "jammer": JammerEntry,
}
_DIRS = {"systems": "system", "threats": "threat", "jammers": "jammer"}


def _known(names: Iterable[str]) -> str:
    return ", ".join(sorted(names)) or "(none)"


@dataclass(frozen=True)
class Catalog:
    """Every system and threat entry, by stable name.

    Attributes
    ----------
    systems : dict[str, SystemEntry]
        Air-defence systems by name. [-]
    threats : dict[str, ThreatEntry]
        Threat types by name. [-]
    files : dict[str, str]
        The file each entry was read from, by name. [-]
    """

    systems: dict[str, SystemEntry] = field(default_factory=dict)
    threats: dict[str, ThreatEntry] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict, compare=False)
    #: Noise jammers (pods, expendable jammers) by name (issue 11).
    jammers: dict[str, JammerEntry] = field(default_factory=dict)

    def system(self, name: str) -> SystemEntry:
        """The system called ``name``; InputError listing the known names otherwise."""
        try:
            return self.systems[name]
        except KeyError:
            raise InputError.single(
                f"unknown system '{name}'; known: {_known(self.systems)}"
            ) from None

    def threat(self, name: str) -> ThreatEntry:
        """The threat called ``name``; InputError listing the known names otherwise."""
        try:
            return self.threats[name]
        except KeyError:
            raise InputError.single(
                f"unknown threat '{name}'; known: {_known(self.threats)}"
            ) from None

    def entry(self, name: str) -> Entry:
        """The system or threat called ``name``; InputError listing every known name otherwise."""
        found = self.systems.get(name) or self.threats.get(name) or self.jammers.get(name)
        if found is None:
            raise InputError.single(
                f"unknown catalog entry '{name}'; known: {_known(self.names())}"
            )
        return found

    def names(self) -> list[str]:
        """Every entry name, systems first, each group sorted."""
        return [*sorted(self.systems), *sorted(self.threats), *sorted(self.jammers)]

    def __iter__(self) -> Iterator[Entry]:
        yield from (self.systems[n] for n in sorted(self.systems))
        yield from (self.threats[n] for n in sorted(self.threats))
        yield from (self.jammers[n] for n in sorted(self.jammers))

    def __len__(self) -> int:
        return len(self.systems) + len(self.threats) + len(self.jammers)


def load_entry(path: str | Path, kind: str | None = None) -> Entry:
    """Read one catalog file; the ``kind`` field chooses the schema (system or threat).

    ``kind`` (``"system"`` or ``"threat"``), if given, is what the file must be (the packaged
    loader passes the directory's kind). The file's ``name`` must equal its stem.
    """
    path = Path(path)
    if kind is None:
        data = read_yaml(path)
        found = data.get("kind") if hasattr(data, "get") else None
        if found not in _MODELS:
            line, col = locate(data, ["kind"])
            msg = (
                "required field is missing: kind (system, threat or jammer)"
                if found is None
                else f"unknown kind '{found}'; known: system, threat, jammer"
            )
            raise InputError.single(msg, path, line, col, "kind")
        kind = str(found)
    return load_model_cached(path, _MODELS[kind], context={"expected_name": path.stem})


def load_directory(root: str | Path) -> Catalog:
    """Read a catalog laid out as ``root/systems/*.yaml`` and ``root/threats/*.yaml``."""
    root = Path(root)
    systems: dict[str, SystemEntry] = {}
    threats: dict[str, ThreatEntry] = {}
    jammers: dict[str, JammerEntry] = {}
    files: dict[str, str] = {}
    problems: list[Problem] = []
    for sub, kind in _DIRS.items():
        for path in sorted((root / sub).glob("*.yaml")):
            try:
                entry = load_entry(path, kind)
            except InputError as exc:
                problems.extend(exc.problems)
                continue
            if entry.name in files:
                line, col = locate(read_yaml(path), ["name"])
                problems.append(
                    Problem(
                        f"duplicate name '{entry.name}' (also in {files[entry.name]})",
                        str(path),
                        line,
                        col,
                        "name",
                    )
                )
                continue
            files[entry.name] = str(path)
            if isinstance(entry, SystemEntry):
                systems[entry.name] = entry
            elif isinstance(entry, JammerEntry):
                jammers[entry.name] = entry
            else:
                threats[entry.name] = entry
    if problems:
        raise InputError(problems)
    return Catalog(systems=systems, threats=threats, files=files, jammers=jammers)


@cache
def load_catalog() -> Catalog:
    """The packaged catalog (read once per process, then cached)."""
    data = resources.files("iadsim.catalog") / "data"
    with ExitStack() as stack:
        root = stack.enter_context(resources.as_file(data))
        return load_directory(root)
