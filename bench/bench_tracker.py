"""Tracker benchmark (issue 12): the numba filters against Stone Soup on the same measurement
stream, and the engine with estimated tracks against perfect ones.

    PYTHONPATH=src python bench/bench_tracker.py            # full
    PYTHONPATH=src python bench/bench_tracker.py --quick    # fewer replications

1. Throughput on :func:`iadsim.tracking.synthetic.radar_stream` (200 tracks x 20 updates of a
   constant-velocity EKF with range/azimuth/elevation plots): Stone Soup's
   ``ExtendedKalmanPredictor``/``ExtendedKalmanUpdater`` with the exact-Jacobian radar model
   (the oracle of tests/validation/test_tracking_stonesoup.py) and with its stock
   finite-difference Jacobian, against iadsim's numba functions in a compiled loop, one thread.
   Goal: >= 100x.
2. The engine on the Al Asad example (variant s400-tor) and on bench/scenarios/april-2024-scale.yaml
   with ``doctrine.tracking: estimated`` against ``perfect`` (in process, compiled, one thread).
   Goal: at most 2x slower.
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import numba
import numpy as np

from iadsim.tracking.kalman import cv_predict, ekf_radar_update

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


@numba.njit(cache=False)
def _run_stream(dt_s, z, x0, P0, pos, rot, R, q, out):
    w = np.zeros((4, 6, 6))
    for i in range(dt_s.shape[0]):
        x = x0[i].copy()
        P = P0.copy()
        for k in range(dt_s.shape[1]):
            cv_predict(x, P, dt_s[i, k], q, w)
            ekf_radar_update(x, P, z[i, k], pos, rot, R, w)
        out[i] = x


def numba_rate(s, repeat: int = 20) -> tuple[float, np.ndarray]:
    out = np.zeros((s.dt_s.shape[0], 6))
    _run_stream(s.dt_s, s.z, s.x0, s.P0, s.radar_pos, s.radar_rot, s.R, s.q, out)  # compile
    t0 = time.process_time()
    for _ in range(repeat):
        _run_stream(s.dt_s, s.z, s.x0, s.P0, s.radar_pos, s.radar_rot, s.R, s.q, out)
    return repeat * s.dt_s.size / (time.process_time() - t0), out


def stonesoup_rate(s, exact: bool, n_tracks: int) -> tuple[float, np.ndarray]:
    from stonesoup.models.measurement.nonlinear import CartesianToElevationBearingRange
    from stonesoup.models.transition.linear import (
        CombinedLinearGaussianTransitionModel,
        ConstantVelocity,
    )
    from stonesoup.predictor.kalman import ExtendedKalmanPredictor
    from stonesoup.types.angle import Bearing, Elevation
    from stonesoup.types.array import StateVector
    from stonesoup.types.detection import Detection
    from stonesoup.types.hypothesis import SingleHypothesis
    from stonesoup.types.state import GaussianState
    from stonesoup.updater.kalman import ExtendedKalmanUpdater

    class Exact(CartesianToElevationBearingRange):
        def jacobian(self, state, **kwargs):
            xyz = np.asarray(state.state_vector[self.mapping, :], dtype=float).ravel()
            d = self.rotation_matrix @ (xyz - np.asarray(self.translation_offset, float).ravel())
            rxy2 = d[0] ** 2 + d[1] ** 2
            rho2 = rxy2 + d[2] ** 2
            rxy = np.sqrt(rxy2)
            jd = np.array(
                [
                    [-d[2] * d[0] / (rho2 * rxy), -d[2] * d[1] / (rho2 * rxy), rxy / rho2],
                    [-d[1] / rxy2, d[0] / rxy2, 0.0],
                    d / np.sqrt(rho2),
                ]
            )
            out = np.zeros((3, self.ndim_state))
            out[:, list(self.mapping)] = jd @ self.rotation_matrix
            return out

    cls = Exact if exact else CartesianToElevationBearingRange
    mm = cls(
        ndim_state=6,
        mapping=(0, 2, 4),
        noise_covar=np.diag([s.R[2, 2], s.R[1, 1], s.R[0, 0]]),
        translation_offset=StateVector(s.radar_pos),
        rotation_offset=StateVector([0.0, -0.01, 0.3]),
    )
    tm = CombinedLinearGaussianTransitionModel([ConstantVelocity(s.q)] * 3)
    pred, upd = ExtendedKalmanPredictor(tm), ExtendedKalmanUpdater(mm)
    inv = np.argsort([0, 2, 4, 1, 3, 5])
    t_start = dt.datetime(2024, 4, 13, 22)
    out = np.zeros((n_tracks, 6))
    t0 = time.process_time()
    for i in range(n_tracks):
        track = GaussianState(StateVector(s.x0[i][inv]), s.P0[np.ix_(inv, inv)], timestamp=t_start)
        t = t_start
        for k in range(s.dt_s.shape[1]):
            t = t + dt.timedelta(seconds=float(s.dt_s[i, k]))
            r, az, el = s.z[i, k]
            det = Detection(StateVector([Elevation(el), Bearing(az), r]), t, mm)
            track = upd.update(SingleHypothesis(pred.predict(track, timestamp=t), det))
        out[i] = np.asarray(track.state_vector, float).ravel()[[0, 2, 4, 1, 3, 5]]
    return n_tracks * s.dt_s.shape[1] / (time.process_time() - t0), out


def engine_rates(path: Path, variant: str | None, reps: int) -> dict:
    import iadsim
    from iadsim.engine.prepare import prepare
    from iadsim.engine.runner import run_chunk

    sc = iadsim.load_scenario(path)
    rates = {}
    for mode in ("perfect", "estimated"):
        s2 = sc.model_copy(update={"doctrine": sc.doctrine.model_copy(update={"tracking": mode})})
        if variant:
            var = s2.variant(variant)
            if var.doctrine is not None:
                patch = var.doctrine.model_copy(update={"tracking": mode})
                variants = [
                    v.model_copy(update={"doctrine": patch}) if v.name == variant else v
                    for v in s2.variants
                ]
                s2 = s2.model_copy(update={"variants": variants})
        p = prepare(s2, variant)
        run_chunk(p, 1, 0, 2)  # compiled already, or compile now
        t0 = time.process_time()
        raw = run_chunk(p, 1, 0, reps)
        elapsed = time.process_time() - t0
        rates[mode] = (reps / elapsed, float((raw.fate == 1).sum(axis=1).mean()))
    return rates


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    numba.set_num_threads(1)
    from iadsim.tracking.synthetic import radar_stream

    s = radar_stream()
    ours, x_ours = numba_rate(s)
    n_ss = 50 if args.quick else 200
    ss_exact, x_ss = stonesoup_rate(s, exact=True, n_tracks=n_ss)
    ss_fd, _ = stonesoup_rate(s, exact=False, n_tracks=n_ss // 2)
    diff = np.max(np.abs(x_ours[:n_ss] - x_ss) / np.max(np.abs(x_ss), axis=1, keepdims=True))
    print(
        f"Tracker throughput, {s.dt_s.shape[0]} tracks x {s.dt_s.shape[1]} updates (EKF, r/az/el):"
    )
    print(f"  iadsim numba                    {ours:12,.0f} updates/s")
    print(
        f"  Stone Soup, exact Jacobian      {ss_exact:12,.0f} updates/s   ratio {ours / ss_exact:7.1f}x (goal >= 100x)"
    )
    print(
        f"  Stone Soup, finite difference   {ss_fd:12,.0f} updates/s   ratio {ours / ss_fd:7.1f}x"
    )
    print(
        f"  final states agree to {diff:.1e} (relative; Stone Soup's timestamps round each step "
        "to 1 µs: fed the same rounded steps, tests/validation/test_tracking_stonesoup.py "
        "agrees to 1e-9)"
    )

    cases = [
        (ROOT / "examples" / "iraq-2020-al-asad.yaml", "s400-tor", 500 if args.quick else 2000),
        (HERE / "scenarios" / "april-2024-scale.yaml", None, 10 if args.quick else 40),
    ]
    print("Engine, replications per second (in process, one thread):")
    for path, variant, reps in cases:
        r = engine_rates(path, variant, reps)
        (perf, k0), (est, k1) = r["perfect"], r["estimated"]
        label = f"{path.name}{' / ' + variant if variant else ''}"
        print(
            f"  {label:42s} perfect {perf:9,.1f}/s  estimated {est:9,.1f}/s  "
            f"slowdown {perf / est:5.2f}x (goal <= 2x)  killed/rep {k0:.2f} vs {k1:.2f}"
        )


if __name__ == "__main__":
    main()
