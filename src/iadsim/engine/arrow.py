"""Arrow columns from numpy arrays and lists of strings, built from their buffers.

``pyarrow.array`` and ``pyarrow.table`` look for pandas objects in what they are given, and so
import pandas (~0.4 s, a tenth of a small run) in every process that writes results, though
no result needs it. Building each column from its buffers gives the same arrays without it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyarrow as pa

_TYPES = {
    np.dtype(np.int8): pa.int8(),
    np.dtype(np.int16): pa.int16(),
    np.dtype(np.int32): pa.int32(),
    np.dtype(np.int64): pa.int64(),
    np.dtype(np.uint8): pa.uint8(),
    np.dtype(np.float32): pa.float32(),
    np.dtype(np.float64): pa.float64(),
}


def _bitmap(bits: np.ndarray) -> pa.Buffer:
    return pa.py_buffer(np.packbits(bits.astype(bool), bitorder="little"))


def column(values: np.ndarray | Sequence, mask: np.ndarray | None = None) -> pa.Array:
    """An Arrow array of a 1-d numpy array (numbers or booleans) or a list of strings (``None``
    is null); ``mask`` marks nulls of a numpy array."""
    if isinstance(values, np.ndarray):
        a = np.ascontiguousarray(values)
        if a.ndim != 1:
            raise ValueError("a column is one-dimensional")
        validity = None if mask is None or not mask.any() else _bitmap(~mask)
        nulls = 0 if validity is None else int(np.count_nonzero(mask))
        if a.dtype == np.bool_:
            return pa.Array.from_buffers(pa.bool_(), len(a), [validity, _bitmap(a)], nulls)
        if a.dtype not in _TYPES:
            raise TypeError(f"no Arrow column for dtype {a.dtype}")
        return pa.Array.from_buffers(_TYPES[a.dtype], len(a), [validity, pa.py_buffer(a)], nulls)
    return _strings(list(values))


def _strings(values: list) -> pa.Array:
    valid = np.array([v is not None for v in values], dtype=bool)
    data = [("" if v is None else str(v)).encode() for v in values]
    offsets = np.zeros(len(data) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in data], out=offsets[1:])
    validity = None if valid.all() else _bitmap(valid)
    return pa.Array.from_buffers(
        pa.string(),
        len(data),
        [validity, pa.py_buffer(offsets), pa.py_buffer(b"".join(data))],
        int(np.count_nonzero(~valid)),
    )


def dictionary(codes: np.ndarray, names: Sequence[str]) -> pa.Array:
    """A dictionary-encoded string column; code -1 is null."""
    codes = np.asarray(codes, dtype=np.int32)
    mask = codes < 0
    indices = column(np.where(mask, 0, codes).astype(np.int32), mask=mask)
    return pa.DictionaryArray.from_arrays(indices, _strings(list(names) or [""]))


def coded_strings(codes: np.ndarray, names: Sequence[str]) -> pa.Array:
    """A plain string column whose row ``i`` is ``names[codes[i]]`` (null where the code is
    -1), built from its buffers by numpy, not a Python string per row (a replay of
    April-2024-scale logs ~36,000 events). Not Arrow's cast or dictionary_decode: either
    imports pyarrow.compute, ~30 ms of every run, which no other step of a run needs."""
    codes = np.asarray(codes, dtype=np.int64)
    valid = codes >= 0
    encoded = [str(n).encode() for n in names] or [b""]
    size = np.array([len(b) for b in encoded], dtype=np.int64)
    first = np.cumsum(size) - size  # where each name starts in the joined names
    code = np.where(valid, codes, 0)
    length = np.where(valid, size[code], 0)
    offsets = np.zeros(codes.shape[0] + 1, dtype=np.int64)
    np.cumsum(length, out=offsets[1:])
    if offsets[-1] > np.iinfo(np.int32).max:
        raise ValueError("a string column of more than 2 GiB")
    # byte b of row i is joined[first[code[i]] + b]
    at = np.repeat(first[code] - offsets[:-1], length) + np.arange(offsets[-1])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8)[at]
    validity = None if valid.all() else _bitmap(valid)
    return pa.Array.from_buffers(
        pa.string(),
        codes.shape[0],
        [validity, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(data)],
        int(np.count_nonzero(~valid)),
    )


def table(columns: Mapping[str, np.ndarray | Sequence | pa.Array]) -> pa.Table:
    """An Arrow table of named columns (numpy arrays, string lists or Arrow arrays)."""
    arrays = [c if isinstance(c, pa.Array) else column(c) for c in columns.values()]
    return pa.Table.from_arrays(arrays, names=list(columns))
