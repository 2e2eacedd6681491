"""Where numba keeps iadsim's compiled kernels: a folder named by a digest of the package's
numba code, so that an edit anywhere in it can never run stale machine code.

Numba's own cache checks only the file that defines a function: the engine's driver
(``engine/kernel.py``) calls stages compiled in other files, and after an edit of
``engine/stages.py`` alone it loaded from its cache with the old stage linked into it. A test
run against that cache tested code that no longer existed (a bug planted in a stage would pass).
Keyed by the digest of the contents of every module of the package that uses numba, a changed
file compiles everything afresh, once, in a new folder; the same sources share one folder
whatever their timestamps (a fresh clone or a second worktree of one commit reuse it).

Location: ``$NUMBA_CACHE_DIR/iadsim-<digest>`` if ``NUMBA_CACHE_DIR`` is set, else
``<cache root>/numba/iadsim-<digest>`` (:func:`iadsim.cachedir.cache_root`); with the caches
off (``IADSIM_CACHE_DIR=off``) numba's own default is left alone. Beside the newest
:data:`KEEP` folders, older ones are removed when a new one is made.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

from iadsim.cachedir import cache_root

#: Digest folders kept (the newest by modification time).
KEEP = 8
_PREFIX = "iadsim-"


def code_digest(package: Path | None = None) -> str:
    """SHA-256 (16 hex digits) of the relative path and contents of every module under
    ``package`` (default: iadsim's own folder) whose text mentions numba."""
    root = Path(package) if package is not None else Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        data = path.read_bytes()
        if b"numba" in data:
            h.update(path.relative_to(root).as_posix().encode() + b"\0")
            h.update(hashlib.sha256(data).digest())
    return h.hexdigest()[:16]


def _prune(base: Path, keep: int) -> None:
    try:
        folders = [p for p in base.iterdir() if p.is_dir() and p.name.startswith(_PREFIX)]
        folders.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    except OSError:
        return
    for old in folders[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def cache_folder(environ=os.environ, package: Path | None = None) -> Path | None:
    """The folder numba should cache iadsim's kernels in, made if need be, or None to leave
    numba's default (caches off, or the folder cannot be made)."""
    given = environ.get("NUMBA_CACHE_DIR")
    digest = code_digest(package)
    if given:
        base = Path(given)
        if base.name == _PREFIX + digest:  # already chosen (a worker inherits the parent's)
            return base
    else:
        root = cache_root()
        if root is None:
            return None
        base = root / "numba"
    folder = base / (_PREFIX + digest)
    if folder.is_dir():
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    _prune(base, KEEP)
    return folder


def configure() -> None:
    """Point numba at :func:`cache_folder`, before any of iadsim's kernels is compiled or
    loaded: through ``NUMBA_CACHE_DIR`` (read when numba is imported, and inherited by worker
    processes) and, if numba is imported already, its config. If the sources cannot be read
    (an unusual install), numba's default is left: the cache only ever saves time."""
    try:
        folder = cache_folder()
    except OSError:
        return
    if folder is None:
        return
    os.environ["NUMBA_CACHE_DIR"] = str(folder)
    config = sys.modules.get("numba.core.config")
    if config is not None:
        config.CACHE_DIR = str(folder)
