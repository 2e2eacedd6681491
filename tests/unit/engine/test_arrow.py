"""Arrow columns built from buffers equal pyarrow's own conversion (the oracle), nulls included."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from iadsim.engine import arrow


@pytest.mark.parametrize(
    "dtype", [np.int8, np.int16, np.int32, np.int64, np.uint8, np.float32, np.float64, bool]
)
@pytest.mark.parametrize("n", [0, 1, 7, 8, 9, 1000])
def test_numeric_columns_equal_pyarrow(dtype, n):
    rng = np.random.default_rng(n)
    x = (rng.normal(size=n) * 100).astype(dtype)
    if np.dtype(dtype).kind == "f" and n:
        x[::3] = np.nan  # NaN is a value, not a null
    _same(arrow.column(x), pa.array(x))
    mask = rng.random(n) < 0.3
    _same(arrow.column(x, mask=mask), pa.array(x, mask=mask))


def _same(a: pa.Array, b: pa.Array) -> None:
    # Array.equals counts NaN unequal to itself; compare type, nulls and values, NaN == NaN
    assert a.type == b.type and a.null_count == b.null_count
    assert a.is_null().equals(b.is_null())
    np.testing.assert_array_equal(
        a.to_numpy(zero_copy_only=False), b.to_numpy(zero_copy_only=False)
    )


def test_strings_and_dictionaries_equal_pyarrow():
    names = ["al-asad", None, "erbil", "", "ربيل", None]
    assert arrow.column(names).equals(pa.array(names, type=pa.string()))
    codes = np.array([0, -1, 2, 1, 1, -1, 0], dtype=np.int32)
    want = pa.DictionaryArray.from_arrays(
        pa.array(np.where(codes < 0, 0, codes), mask=codes < 0, type=pa.int32()),
        pa.array(["a", "b", "c"]),
    )
    assert arrow.dictionary(codes, ["a", "b", "c"]).equals(want)


def test_table_equals_pyarrow_table():
    cols = {
        "r": np.arange(4, dtype=np.int64),
        "ok": np.array([1, 0, 1, 1], bool),
        "s": list("wxyz"),
    }
    assert arrow.table(cols).equals(pa.table(cols))


def test_a_column_is_one_dimensional():
    with pytest.raises(ValueError):
        arrow.column(np.zeros((2, 2)))


@pytest.mark.parametrize("n", [0, 1, 9, 1000])
@pytest.mark.parametrize("names", [["al-asad", "", "ربيل", "erbil"], ["x"], []])
def test_coded_strings_equal_pyarrow_strings(names, n):
    """Row i is names[codes[i]], null where the code is -1 (every code -1 with no names)."""
    rng = np.random.default_rng(n)
    codes = rng.integers(-1, len(names), n) if names else np.full(n, -1)
    got = arrow.coded_strings(codes, names)
    got.validate(full=True)
    assert got.equals(pa.array([names[c] if c >= 0 else None for c in codes], type=pa.string()))
