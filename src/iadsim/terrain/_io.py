"""Atomic file writes for rasters (temp file in the same directory, then ``os.replace``)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np
import rasterio


def atomic_target(path: str | Path, suffix: str) -> tuple[Path, str]:
    """Final path and a fresh temporary path next to it (same filesystem)."""
    final = Path(path)
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{final.name}.", suffix=suffix, dir=final.parent)
    os.close(fd)
    return final, tmp


def write_geotiff_atomic(path, array: np.ndarray, transform, crs, nodata: float = np.nan) -> Path:
    """Write one float32 band as a tiled, deflate-compressed GeoTIFF, atomically."""
    final, tmp = atomic_target(path, ".tif")
    try:
        arr = np.asarray(array, dtype=np.float32)
        with rasterio.open(
            tmp,
            "w",
            driver="GTiff",
            width=arr.shape[1],
            height=arr.shape[0],
            count=1,
            dtype="float32",
            crs=crs,
            transform=transform,
            nodata=nodata,
            compress="deflate",
            tiled=arr.shape[0] >= 256 and arr.shape[1] >= 256,
        ) as dst:
            dst.write(arr, 1)
        os.replace(tmp, final)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return final
