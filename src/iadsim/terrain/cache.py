"""An on-disk cache of terrain coverage tables: a radar site's ray march is done once.

A coverage table depends only on the DEM's values and georeferencing, the site, the table's
grid and the refraction model, and on the code that marches the rays; its key is a SHA-256 of
all of these, so a changed input or a changed algorithm can never return a stale table. A
table is ~150 MB for a 600 km S-400 radar at 0.1 deg x 250 m and takes about 1 s to march.

An entry is a folder of ``.npy`` files, one per array, mapped into memory copy-on-write when
loaded: a hit costs only the pages the caller reads (a zip of arrays was read, checked and
copied whole, ~0.2 s a table), and worker processes forked afterwards share those pages.

Location: ``$IADSIM_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/iadsim`` or
``~/.cache/iadsim``; ``IADSIM_CACHE_DIR=off`` disables the cache. An entry is written in a
temporary folder and renamed into place (atomic), and the least recently used are removed beyond ``IADSIM_CACHE_MAX_GB`` (default
4 GB). A missing, unreadable or corrupt entry is recomputed: the cache only ever saves time.
"""

from __future__ import annotations

import functools
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from iadsim.cachedir import cache_root

_GRID_HASHES: dict[int, tuple[object, str]] = {}


def cache_dir() -> Path | None:
    """The coverage-table cache directory, or None when disabled."""
    root = cache_root()
    return None if root is None else root / "coverage"


@functools.cache
def _code_digest(builders: tuple[Callable[..., Any], ...]) -> str:
    """A digest of the code a table comes from: the ray-march kernels, the functions that
    build a table (``builders``, named by the caller, so this module imports no coverage code
    and no import circle forms) and the DEM's coordinate transforms (an edit elsewhere keeps
    the cache)."""
    import inspect

    import pyproj

    from iadsim.terrain import dem, kernels

    h = hashlib.sha256(f"{pyproj.__version__} {pyproj.proj_version_str}".encode())
    h.update(inspect.getsource(kernels).encode())
    for fn in (
        *builders,
        dem.Dem.lonlat_to_xy,
        dem.Dem.xy_to_pixel,
        dem.Dem.require,
    ):
        h.update(inspect.getsource(fn).encode())
    return h.hexdigest()


def _grid_digest(grid: np.ndarray) -> str:
    """SHA-256 of a DEM grid's values (kept per array: the grid is immutable)."""
    hit = _GRID_HASHES.get(id(grid))
    if hit is not None and hit[0] is grid:
        return hit[1]
    digest = hashlib.sha256(np.ascontiguousarray(grid).tobytes()).hexdigest()
    _GRID_HASHES[id(grid)] = (grid, digest)
    return digest


def table_key(dem, builders: tuple[Callable[..., Any], ...], **params) -> str:
    """The key of a coverage table: DEM values, transform and CRS, the parameters, the code
    (the ``builders`` functions, the kernels and the DEM transforms)."""
    h = hashlib.sha256()
    h.update(_grid_digest(dem.elevation_grid_m).encode())
    h.update(repr(tuple(dem.transform)).encode())
    h.update(str(dem.crs).encode())
    h.update(repr(sorted(params.items())).encode())
    h.update(_code_digest(tuple(builders)).encode())
    return h.hexdigest()


def entries(root: Path) -> list[Path]:
    """The cache's entries (one folder per table), least recently used first."""
    found = [p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")]
    return sorted(found, key=lambda p: p.stat().st_mtime)


def load(key: str) -> dict[str, np.ndarray] | None:
    """The cached arrays of ``key`` (memory-mapped copy-on-write: writing to them never
    reaches the cache), or None."""
    root = cache_dir()
    if root is None:
        return None
    entry = root / key
    try:
        out = {f.stem: np.load(f, mmap_mode="c", allow_pickle=False) for f in entry.glob("*.npy")}
        if not out:
            return None
        os.utime(entry)  # recently used: the last to be evicted
        return out
    except (OSError, ValueError, KeyError, EOFError):
        return None


def store(key: str, arrays: dict[str, np.ndarray]) -> None:
    """Save ``arrays`` under ``key`` (best effort: a read-only or full disk only costs time)."""
    root = cache_dir()
    if root is None:
        return
    try:
        root.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{key[:16]}-", dir=root))
        try:
            for name, a in arrays.items():
                np.save(tmp / f"{name}.npy", np.ascontiguousarray(a), allow_pickle=False)
            if (root / key).exists():
                shutil.rmtree(root / key, ignore_errors=True)  # a broken entry being replaced
            os.rename(tmp, root / key)  # atomic: readers see all of an entry or none of it
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        _evict(root, float(os.environ.get("IADSIM_CACHE_MAX_GB", "4")) * 2**30)
    except (OSError, ValueError):
        pass


def _size(entry: Path) -> int:
    if entry.is_dir():
        return sum(f.stat().st_size for f in entry.glob("*.npy"))
    return entry.stat().st_size


def _evict(root: Path, max_bytes: float) -> None:
    # single .npz files share the folder: the planner's coverage matrices (and tables of the
    # earlier format); they count against the limit and are evicted like the rest
    found = entries(root) + list(root.glob("*.npz"))
    found.sort(key=lambda p: p.stat().st_mtime)
    total = sum(_size(e) for e in found)
    for e in found[:-1]:  # never the newest: the one just written
        if total <= max_bytes:
            break
        total -= _size(e)
        if e.is_dir():
            shutil.rmtree(e, ignore_errors=True)
        else:
            e.unlink(missing_ok=True)
