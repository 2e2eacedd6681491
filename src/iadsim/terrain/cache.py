"""An on-disk cache of terrain coverage tables: a radar site's ray march is done once.

A coverage table depends only on the DEM's values and georeferencing, the site, the table's
grid and the refraction model, and on the code that marches the rays; its key is a SHA-256 of
all of these, so a changed input or a changed algorithm can never return a stale table. A
table is ~150 MB for a 600 km S-400 radar at 0.1 deg x 250 m and takes about 1 s to march; it
loads in about 0.1 s.

Location: ``$IADSIM_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/iadsim`` or
``~/.cache/iadsim``; ``IADSIM_CACHE_DIR=off`` disables the cache. Files are written atomically
(:mod:`iadsim.atomic`), and the oldest are removed beyond ``IADSIM_CACHE_MAX_GB`` (default
4 GB). A missing, unreadable or corrupt entry is recomputed: the cache only ever saves time.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from iadsim.atomic import atomic_path
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


def load(key: str) -> dict[str, np.ndarray] | None:
    """The cached arrays of ``key``, or None."""
    root = cache_dir()
    if root is None:
        return None
    path = root / f"{key}.npz"
    try:
        with np.load(path, allow_pickle=False) as z:
            out = {k: z[k] for k in z.files}
        os.utime(path)  # recently used: the last to be evicted
        return out
    except (OSError, ValueError, KeyError, EOFError):
        return None


def store(key: str, arrays: dict[str, np.ndarray]) -> None:
    """Save ``arrays`` under ``key`` (best effort: a read-only or full disk only costs time)."""
    root = cache_dir()
    if root is None:
        return
    try:
        with atomic_path(root / f"{key}.npz", suffix=".npz") as tmp:
            np.savez(tmp, **arrays)
        _evict(root, float(os.environ.get("IADSIM_CACHE_MAX_GB", "4")) * 2**30)
    except (OSError, ValueError):
        pass


def _evict(root: Path, max_bytes: float) -> None:
    files = sorted(root.glob("*.npz"), key=lambda f: f.stat().st_mtime)
    total = sum(f.stat().st_size for f in files)
    for f in files[:-1]:  # never the one just written
        if total <= max_bytes:
            break
        total -= f.stat().st_size
        f.unlink(missing_ok=True)
