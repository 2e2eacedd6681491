"""The defender's picture: track filters and impact-point prediction, as allocation-free numba
functions on plain float arrays (see docs/models/tracking.md).

- :mod:`~iadsim.tracking.kalman`: the constant-velocity Kalman filter and the radar (range,
  azimuth, elevation) extended Kalman update with its exact Jacobian;
- :mod:`~iadsim.tracking.ballistic`: the ballistic prediction (point-mass gravity) and the
  impact point with its covariance;
- :mod:`~iadsim.tracking.batch`: a radar's batch of plots as one equivalent measurement;
- :mod:`~iadsim.tracking.footprint`: the impact ellipse against an asset's footprint;
- :mod:`~iadsim.tracking.ospa`: the OSPA distance between two point sets.
"""
