"""The sampled flight of one threat, the common output of every trajectory model."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Track"]

_ARRAY_FIELDS = ("t_s", "lat_deg", "lon_deg", "alt_m", "speed_mps")


# eq=False: the generated __eq__/__hash__ would compare numpy arrays element-wise and fail.
@dataclass(frozen=True, eq=False)
class Track:
    """Sampled flight of one threat, relative to its own launch time.

    All arrays have the shape of ``t_s``; positions and speeds are NaN wherever the threat is
    not in flight (``t_s < 0`` or ``t_s > duration_s``). The arrays are copied on construction
    and made read-only.

    Attributes
    ----------
    t_s : numpy.ndarray
        Sample times relative to launch. [s]
    lat_deg : numpy.ndarray
        WGS84 latitude; NaN where not in flight. [deg]
    lon_deg : numpy.ndarray
        WGS84 longitude; NaN where not in flight. [deg]
    alt_m : numpy.ndarray
        Altitude above mean sea level; NaN where not in flight. [m]
    speed_mps : numpy.ndarray
        Speed (magnitude of the velocity); NaN where not in flight. [m/s]
    duration_s : float
        Time from launch to impact (ballistic) or arrival at the last waypoint (routes). [s]
    impact_lat_deg : float
        Latitude of the impact or arrival point (aim point, before any CEP). [deg]
    impact_lon_deg : float
        Longitude of the impact or arrival point. [deg]
    """

    t_s: np.ndarray
    lat_deg: np.ndarray
    lon_deg: np.ndarray
    alt_m: np.ndarray
    speed_mps: np.ndarray
    duration_s: float
    impact_lat_deg: float
    impact_lon_deg: float

    def __post_init__(self) -> None:
        shape = np.shape(self.t_s)
        for name in _ARRAY_FIELDS:
            arr = np.array(getattr(self, name), dtype=float)
            if arr.shape != shape:
                raise ValueError(
                    f"Track.{name} has shape {arr.shape}, expected the shape of t_s {shape}"
                )
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        for name in ("duration_s", "impact_lat_deg", "impact_lon_deg"):
            object.__setattr__(self, name, float(getattr(self, name)))

    @property
    def in_flight(self) -> np.ndarray:
        """Boolean mask of the samples with ``0 <= t_s <= duration_s``."""
        return (self.t_s >= 0.0) & (self.t_s <= self.duration_s)
