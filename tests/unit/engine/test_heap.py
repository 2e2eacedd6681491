"""engine/heap.py: freed heap memory is given back to the system (glibc's malloc_trim)."""

from __future__ import annotations

import ctypes
import sys

import numpy as np
import pytest

from iadsim.engine.heap import release_free_heap


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def _glibc() -> bool:
    try:
        return sys.platform.startswith("linux") and hasattr(ctypes.CDLL(None), "malloc_trim")
    except OSError:
        return False


@pytest.mark.skipif(not _glibc(), reason="malloc_trim is glibc's")
def test_free_pages_between_live_blocks_go_back_to_the_system():
    # 60 MB in blocks under glibc's mmap threshold, each followed by a small block that stays:
    # freeing the big ones leaves holes inside the heap, which free() alone never returns
    big, small = [], []
    for _ in range(600):
        big.append(np.ones(100_000 // 8))
        small.append(np.ones(256))
    del big
    before = _rss_mb()
    release_free_heap()
    assert before - _rss_mb() > 30, (before, _rss_mb())
    assert all(s[0] == 1.0 for s in small)  # what is in use stays


def test_it_is_safe_to_call_anywhere():
    release_free_heap()
    release_free_heap()
