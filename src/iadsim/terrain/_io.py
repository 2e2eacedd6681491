"""Atomic file writes for rasters (temp file in the same directory, then ``os.replace``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio

from iadsim.atomic import atomic_path


def write_geotiff_atomic(path, array: np.ndarray, transform, crs, nodata: float = np.nan) -> Path:
    """Write one float32 band as a tiled, deflate-compressed GeoTIFF, atomically."""
    with atomic_path(path, ".tif") as tmp:
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
    return Path(path)
