"""Give the C heap's free pages back to the operating system after a large build.

glibc's ``malloc`` keeps freed memory for reuse: after :func:`iadsim.engine.prepare.prepare`
has freed its temporaries (April-2024-scale: some 80 MB of per-flight and per-pair arrays
made and dropped) the process still holds them, and the run's own allocations then land
partly in other arenas (the pool's result thread, the table writer's thread), so the peak
holds both. ``malloc_trim(0)`` returns every free page of every arena (glibc >= 2.8; man 3
malloc_trim). It is called once per prepared variant, not as a tunable: a low
``M_TRIM_THRESHOLD`` (what Dask's nanny sets) trims after every large free and cost the Al
Asad example 8% of its speed here. Elsewhere than glibc this does nothing.
"""

from __future__ import annotations

import ctypes
import sys


def release_free_heap() -> None:
    """``malloc_trim(0)`` where the C library is glibc; nothing elsewhere."""
    if not sys.platform.startswith("linux"):
        return
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # musl and others have no malloc_trim
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
