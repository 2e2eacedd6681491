"""The engine's time grid: durations in whole steps."""

from __future__ import annotations

import numpy as np


def steps(seconds: float, dt_s: float) -> int:
    """A duration in whole steps of ``dt_s``, rounded up, at least one. [-]"""
    return max(1, int(np.ceil(seconds / dt_s - 1e-9)))
