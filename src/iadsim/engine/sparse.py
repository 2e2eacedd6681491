"""Sparse tables of the prepared engine: memory that follows what can happen.

Two layouts, both CSR-like (offsets into flat arrays) and threat-major, so that one threat's
entries sit next to each other for the kernel's inner loops:

- :class:`Ragged`: one value per threat per step *of its own flight* (launch to arrival), for
  the sampled tracks (latitude, longitude, altitude, speed). A (threats x steps) array would
  hold mostly NaN: a 24 h day of 1,550 threats is 67 million cells, of which a few percent fly.
- :class:`PairSteps`: for each (outer, threat) pair the steps at which something is possible,
  with one value per step, e.g. the steps at which a radar sees a threat and its Pd there.

Both offer a dense *view* for one threat (``table[j]``, ``table[s, j]``), NaN or 0 outside, so
that tests and plots can read them as before; the engine never builds the dense arrays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Ragged:
    """Per-threat samples on the time grid: threat ``j`` flies steps ``start[j]`` to
    ``start[j] + (offsets[j+1] - offsets[j]) - 1`` and its samples are
    ``values[offsets[j]:offsets[j+1]]``."""

    offsets: np.ndarray  # (N + 1,) int64
    start: np.ndarray  # (N,) int64
    values: np.ndarray  # (M,)
    n_steps: int

    @property
    def shape(self) -> tuple[int, int]:
        return (self.start.shape[0], self.n_steps)

    def row(self, j: int) -> np.ndarray:
        """Dense row of threat ``j`` (NaN outside its flight)."""
        out = np.full(self.n_steps, np.nan, dtype=np.float64)
        lo, hi = int(self.offsets[j]), int(self.offsets[j + 1])
        s0 = int(self.start[j])
        out[s0 : s0 + hi - lo] = self.values[lo:hi]
        return out

    def dense(self) -> np.ndarray:
        """The whole (N, T) table, NaN outside each flight: for small cases and tests only."""
        return np.stack([self.row(j) for j in range(self.start.shape[0])])

    def flight(self, j: int) -> np.ndarray:
        """Samples of threat ``j`` from launch to arrival (no padding)."""
        return self.values[self.offsets[j] : self.offsets[j + 1]]

    def at(self, j, t) -> np.ndarray:
        """Values at threats ``j`` and steps ``t`` (arrays, broadcast); NaN outside a flight."""
        j, t = np.broadcast_arrays(np.asarray(j, dtype=np.int64), np.asarray(t, dtype=np.int64))
        k = t - self.start[j]
        n = self.offsets[j + 1] - self.offsets[j]
        inside = (k >= 0) & (k < n)
        idx = np.where(inside, self.offsets[j] + k, 0)
        vals = self.values[idx] if self.values.size else np.zeros(idx.shape)
        return np.where(inside, vals, np.nan)

    def __getitem__(self, key):
        if isinstance(key, tuple):
            j, rest = key[0], key[1:]
            if np.ndim(j) == 0 and not isinstance(j, slice):
                row = self.row(int(j))
                return row[rest[0]] if len(rest) == 1 else row
            return self.at(j, rest[0])
        return self.row(int(key))

    def flat_steps(self) -> np.ndarray:
        """The step of every flat sample."""
        n = np.diff(self.offsets)
        first = np.repeat(self.start - self.offsets[:-1], n)
        return first + np.arange(self.values.shape[0], dtype=np.int64)

    def flat_threat(self) -> np.ndarray:
        """The threat of every flat sample."""
        return np.repeat(np.arange(self.start.shape[0], dtype=np.int64), np.diff(self.offsets))


@dataclass
class PairSteps:
    """Steps and values per (outer, threat) pair, threat-major: pair ``(o, j)`` is row
    ``j * n_outer + o`` and its entries are ``step[offsets[r]:offsets[r+1]]`` (increasing) with
    ``value`` alongside."""

    offsets: np.ndarray  # (N * n_outer + 1,) int64
    step: np.ndarray  # (K,) int32
    value: np.ndarray  # (K,)
    n_outer: int
    n_threats: int
    n_steps: int
    fill: float = 0.0

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.n_outer, self.n_threats, self.n_steps)

    @property
    def nbytes(self) -> int:
        return self.offsets.nbytes + self.step.nbytes + self.value.nbytes

    def row(self, o: int, j: int) -> np.ndarray:
        r = j * self.n_outer + o
        lo, hi = int(self.offsets[r]), int(self.offsets[r + 1])
        out = np.full(self.n_steps, self.fill, dtype=self.value.dtype)
        out[self.step[lo:hi]] = self.value[lo:hi]
        return out

    def dense(self) -> np.ndarray:
        """The whole (outer, N, T) table, ``fill`` off the stored steps: for small cases and
        tests only (it is what the sparse layout avoids)."""
        return np.stack(
            [np.stack([self.row(o, j) for j in range(self.n_threats)]) for o in range(self.n_outer)]
        )

    def __getitem__(self, key):
        o, j, *rest = key
        row = self.row(int(o), int(j))
        return row[rest[0]] if rest else row

    @classmethod
    def build(cls, outer, threat, step, value, n_outer, n_threats, n_steps, fill=0.0):
        """From unsorted entries (outer, threat, step, value)."""
        row = np.asarray(threat, dtype=np.int64) * n_outer + np.asarray(outer, dtype=np.int64)
        order = np.lexsort((np.asarray(step), row))
        counts = np.bincount(row, minlength=n_outer * n_threats)
        offsets = np.zeros(n_outer * n_threats + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        return cls(
            offsets,
            np.asarray(step, dtype=np.int32)[order],
            np.asarray(value)[order],
            n_outer,
            n_threats,
            n_steps,
            fill,
        )

    def select(self, keep: np.ndarray) -> PairSteps:
        """The entries where ``keep`` (a mask over entries) holds, same pairs."""
        row = np.repeat(np.arange(self.offsets.shape[0] - 1), np.diff(self.offsets))
        counts = np.bincount(row[keep], minlength=self.offsets.shape[0] - 1)
        offsets = np.zeros_like(self.offsets)
        np.cumsum(counts, out=offsets[1:])
        return PairSteps(
            offsets,
            self.step[keep],
            self.value[keep],
            self.n_outer,
            self.n_threats,
            self.n_steps,
            self.fill,
        )

    def as_visible(self) -> PairSteps:
        """The same steps with value True (geometric visibility)."""
        return PairSteps(
            self.offsets,
            self.step,
            np.ones(self.step.shape, dtype=bool),
            self.n_outer,
            self.n_threats,
            self.n_steps,
            False,
        )
