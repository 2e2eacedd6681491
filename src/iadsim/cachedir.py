"""Where iadsim keeps what it can recompute: terrain coverage tables, parsed catalog files,
planning's coverage matrices.

``$IADSIM_CACHE_DIR`` if set, else ``$XDG_CACHE_HOME/iadsim``, else ``~/.cache/iadsim``;
``IADSIM_CACHE_DIR=off`` turns every cache off. Every entry is keyed by a digest of all that
makes it, so the cache only ever saves time.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_root() -> Path | None:
    """The cache directory, or None when the caches are off."""
    env = os.environ.get("IADSIM_CACHE_DIR")
    if env:
        return None if env.strip().lower() == "off" else Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "iadsim"
