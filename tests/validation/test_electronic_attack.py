"""Electronic attack against closed forms (issue 11).

- Burn-through ranges of the worked example (Pt = 1 MW, Gt = 40 dB, sigma = 10 m^2,
  Br = 1 MHz, Bj = 10 MHz, S/J required 13 dB): self-screening 14.14 km, stand-off 39.85 km,
  from the closed forms and from the engine's prepared jamming on a smooth earth, to 0.1 %.
- The first detection of a self-screened target moves inward as the Swerling 1 Pd of
  S/(N + J) predicts: the engine's mean first-detection range against an oracle that sums the
  first-detection distribution over the scans, within 4 standard errors.
- A jammer whose carrier is shot down stops jamming (the kernel's own Pd function).

References: NAWCWD TP 8347, Electronic Warfare and Radar Systems Engineering Handbook,
sec. 4.7-4.9; Adamy, EW 101, ch. 9.
"""

from __future__ import annotations

import dataclasses
import math
import textwrap

import numpy as np
import pytest

from iadsim import geo
from iadsim.catalog import load_catalog
from iadsim.catalog.schema import JammerEntry
from iadsim.constants import R_EARTH_M
from iadsim.engine.chunks import _outputs, replication_generators
from iadsim.engine.kernel import simulate_replication
from iadsim.engine.prepare import prepare
from iadsim.engine.stages_attack import jammed_pd
from iadsim.engine.state import EV_TRACK, KILLED, PENDING, new_state
from iadsim.scenario import parse_scenario
from iadsim.sensors import ew
from iadsim.yamlio import read_yaml

SJ_REQ = 10**1.3
WORKED = dict(pt_w=1e6, gt=1e4, rcs_m2=10.0, br_hz=1e6)
SSJ = dict(pj_w=10.0, gj=10**0.3, bj_hz=10e6)
SOJ = dict(pj_w=500.0, gj=10**1.5, bj_hz=10e6)
RADAR = ("s-400", "91n6e")


def _fig(value, unit):
    return {"value": value, "unit": unit, "claim": "assumption", "note": "test value"}


def ew_catalog(ref_range_km=100_000.0, processing_gain_db=0.0, rcs=10.0):
    """The packaged catalog with the 91N6E set to the worked radar, the F-15E and Soumar to
    the worked RCS and full reliability, and two test jammers (SSJ and SOJ values)."""
    from iadsim.catalog.schema import Figure

    cat = load_catalog()
    system = cat.systems[RADAR[0]]
    spec = system.radars[RADAR[1]]
    spec = spec.model_copy(
        update={
            "peak_power_w": Figure(**_fig(1e6, "W")),
            "antenna_gain_db": Figure(**_fig(40.0, "dB")),
            "sidelobe_level_db": Figure(**_fig(-30.0, "dB")),
            "bandwidth_hz": Figure(**_fig(1e6, "Hz")),
            "processing_gain_db": Figure(**_fig(processing_gain_db, "dB")),
            "reference_range_km": Figure(**_fig(ref_range_km, "km")),
            "min_elevation_deg": Figure(**_fig(-5.0, "deg")),
        }
    )
    systems = {**cat.systems, RADAR[0]: system.model_copy(update={"radars": {RADAR[1]: spec}})}
    threats = dict(cat.threats)
    for name in ("f-15e", "soumar"):
        threats[name] = threats[name].model_copy(
            update={"rcs_m2": Figure(**_fig(rcs, "m^2")), "reliability": Figure(**_fig(1.0, "1"))}
        )
    jammers = {}
    for name, vals in (("ssj-test", SSJ), ("soj-test", SOJ)):
        jammers[name] = JammerEntry(
            schema_version=1,
            kind="jammer",
            name=name,
            display_name=name,
            origin="test",
            summary="worked-example jammer",
            carriers=["aircraft"],
            power_w=_fig(vals["pj_w"], "W"),
            antenna_gain_db=_fig(10 * math.log10(vals["gj"]), "dB"),
            bandwidth_hz=_fig(vals["bj_hz"], "Hz"),
        )
    return dataclasses.replace(cat, systems=systems, threats=threats, jammers=jammers)


def scenario(tmp_path, raids: str, catalog, confirm="{confirm_m: 1, confirm_n: 1}"):
    text = textwrap.dedent(
        """\
        schema_version: 1
        name: ew
        terrain: {dem: none}
        assets: [{name: base, lat: 33.0, lon: 44.0}]
        sensors: [{name: ew, system: s-400, radar: 91n6e, lat: 33.0, lon: 44.0}]
        tracking: CONFIRM
        raids:
        """
    ).replace("CONFIRM", confirm) + textwrap.indent(textwrap.dedent(raids), "  ")
    path = tmp_path / "ew.yaml"
    path.write_text(text)
    return parse_scenario(read_yaml(path), path, catalog)


def slant_m(p, j, steps, k=4.0 / 3.0):
    """Radar-to-threat slant range on the kR sphere by the law of cosines (independent of the
    engine's geometry), from the prepared samples' positions."""
    lat, lon = p.threats.lat.at(j, steps), p.threats.lon.at(j, steps)
    alt = p.threats.alt.at(j, steps)
    _, _, gr = geo.inverse(33.0, 44.0, lat, lon)
    re = k * R_EARTH_M
    h_r = load_catalog().systems[RADAR[0]].radars[RADAR[1]].antenna_height_m.si()
    a, b = re + h_r, re + alt
    return np.sqrt(a * a + b * b - 2 * a * b * np.cos(np.asarray(gr) / re))


def entries(p, j, s=0):
    n_s = len(p.sensors.name)
    r = j * n_s + s
    lo, hi = int(p.sensors.scan.offsets[r]), int(p.sensors.scan.offsets[r + 1])
    return np.arange(lo, hi), p.sensors.scan.step[lo:hi].astype(np.int64)


def crossing(r, sj, level):
    """Range at which S/J reaches ``level``, interpolated in log-log between two scans."""
    i = int(np.flatnonzero((sj[:-1] < level) & (sj[1:] >= level))[0])
    x0, x1 = np.log(r[i]), np.log(r[i + 1])
    y0, y1 = np.log(sj[i]), np.log(sj[i + 1])
    return float(np.exp(x0 + (np.log(level) - y0) * (x1 - x0) / (y1 - y0)))


def test_closed_forms_give_the_worked_values():
    r_ssj = ew.burn_through_range_ssj_m(**SSJ, **WORKED, sj_required=SJ_REQ)
    r_soj = ew.burn_through_range_soj_m(
        100e3, **SOJ, **WORKED, g_sidelobe=1e4 * 1e-3, sj_required=SJ_REQ
    )
    assert r_ssj == pytest.approx(14_140, rel=1e-3)
    assert r_soj == pytest.approx(39_850, rel=1e-3)
    # at burn-through the J/S forms give back the required S/J
    assert 1 / ew.js_ssj(r_ssj, **SSJ, **WORKED) == pytest.approx(SJ_REQ, rel=1e-12)
    js = ew.js_soj(r_soj, 100e3, **SOJ, **WORKED, g_sidelobe=10.0)
    assert 1 / js == pytest.approx(SJ_REQ, rel=1e-12)
    # S/(N+J): no jamming gives the SNR back; no noise gives S/J
    assert ew.sinr(20.0, 0.0) == 20.0 and ew.sinr(np.inf, 0.05) == pytest.approx(20.0)


def test_engine_self_screening_burn_through(tmp_path):
    cat = ew_catalog()
    sc = scenario(
        tmp_path,
        """\
        - {name: strike, threat: f-15e, jammer: ssj-test, aim: base,
           launch_points: [{lat: 33.0, lon: 43.4}]}
        """,
        cat,
    )
    p = prepare(sc, catalog=cat)
    jm = p.jamming
    c, steps = entries(p, 0)
    js = jm.b[c] * jm.w[0, 0, steps] * (1.0 + jm.ml_extra[0])
    r = slant_m(p, 0, steps)
    order = np.argsort(-r)  # inbound: range falls, S/J rises
    got = crossing(r[order], 1.0 / js[order], SJ_REQ)
    want = ew.burn_through_range_ssj_m(**SSJ, **WORKED, sj_required=SJ_REQ)
    assert got == pytest.approx(want, rel=1e-3)
    assert got == pytest.approx(14_140, rel=1e-3)


def test_engine_stand_off_burn_through(tmp_path):
    cat = ew_catalog()
    # the jammer loiters 100 km east of the radar (1 m/s across the line of sight) while a
    # non-jamming strike aircraft flies in from the west
    jlat, jlon = geo.forward(33.0, 44.0, 90.0, 100e3)[:2]
    jlat2, jlon2 = geo.forward(float(jlat), float(jlon), 0.0, 1500.0)[:2]
    sc = scenario(
        tmp_path,
        f"""\
        - {{name: soj, threat: f-15e, jammer: soj-test, speed_mps: 1,
           launch_points: [{{lat: {float(jlat)}, lon: {float(jlon)}}}],
           aim: {{lat: {float(jlat2)}, lon: {float(jlon2)}}}}}
        - {{name: strike, threat: f-15e, aim: base, launch_points: [{{lat: 33.0, lon: 43.2}}]}}
        """,
        cat,
    )
    p = prepare(sc, catalog=cat)
    jm = p.jamming
    assert list(jm.carrier) == [0]
    c, steps = entries(p, 1)
    js = jm.b[c] * jm.w[0, 0, steps]
    r = slant_m(p, 1, steps)
    order = np.argsort(-r)
    got = crossing(r[order], 1.0 / js[order], SJ_REQ)
    r_j = slant_m(p, 0, steps[order])
    # slant, not ground, range: the jammer flies at 7.5 km, so R_j is 0.3 % above 100 km and
    # barely moves (1 m/s across the line of sight) while the target closes
    assert np.ptp(r_j) < 10.0 and np.all(np.abs(r_j - 100e3) < 0.005 * 100e3)
    want = ew.burn_through_range_soj_m(
        float(np.median(r_j)), **SOJ, **WORKED, g_sidelobe=10.0, sj_required=SJ_REQ
    )
    assert got == pytest.approx(want, rel=1e-3)
    # the worked 39.85 km at R_j = 100 km, scaled by R_BT ~ sqrt(R_j)
    assert got == pytest.approx(39_850 * math.sqrt(float(np.median(r_j)) / 100e3), rel=1e-3)


def _first_detection_ranges(p, reps, seed=11):
    n_thr, n_fu = p.threats.launch_step.shape[0], len(p.fire_units.name)
    sx = p.static()
    ranges = []
    log = np.zeros((64, 5), dtype=np.int64)
    n_log = np.zeros(1, dtype=np.int64)
    for i in range(reps):
        g_t, g_e = replication_generators(seed, i)
        out = _outputs(1, n_thr, n_fu)
        n_log[0] = 0
        simulate_replication(g_t, g_e, sx, tuple(a[0] for a in out), log, n_log)
        ev = log[: n_log[0]]
        tracks = ev[ev[:, 1] == EV_TRACK]
        ranges.append(int(tracks[0, 0]) if len(tracks) else -1)
    return np.array(ranges)


def _oracle_mean_range(p, jammed: bool, ref_range_m, pfa, ref_pd, ref_rcs):
    """Mean first-detection range: scan k detects with Pd_k = Pfa^(1/(1 + SINR_k)), SINR from
    the radar equation and the SSJ J/S closed form; first detection at k with probability
    Pd_k prod_{i<k}(1 - Pd_i)."""
    _, steps = entries(p, 0)
    r = slant_m(p, 0, steps)
    ref_snr = math.log(pfa) / math.log(ref_pd) - 1.0
    snr = ref_snr * (10.0 / ref_rcs) * (ref_range_m / r) ** 4  # target sigma 10 m^2
    js = ew.js_ssj(r, **SSJ, **WORKED) / 10.0 if jammed else 0.0  # 10 dB processing gain
    pd = pfa ** (1.0 / (1.0 + ew.sinr(snr, js)))
    survive = np.concatenate([[1.0], np.cumprod(1.0 - pd)[:-1]])
    first = pd * survive
    return float(np.sum(first * r) / np.sum(first)), steps, r


def test_first_detection_moves_inward_as_predicted(tmp_path):
    cat = ew_catalog(ref_range_km=60.0, processing_gain_db=10.0)
    spec = cat.systems[RADAR[0]].radars[RADAR[1]]
    ref = (spec.reference_pfa.si(), spec.reference_pd.si(), spec.reference_rcs_m2.si())
    means, ses, wants = [], [], []
    for jammed in (False, True):
        jam = "jammer: ssj-test, " if jammed else ""
        sc = scenario(
            tmp_path,
            f"""\
            - {{name: strike, threat: f-15e, {jam}aim: base,
               launch_points: [{{lat: 33.0, lon: 42.6}}]}}
            """,
            cat,
        )
        p = prepare(sc, catalog=cat)
        want, steps, r = _oracle_mean_range(p, jammed, 60e3, *ref)
        first = _first_detection_ranges(p, 1500)
        assert (first >= 0).all()
        got = r[np.searchsorted(steps, first)]
        se = got.std(ddof=1) / math.sqrt(len(got))
        assert abs(got.mean() - want) < 4 * se, (jammed, got.mean(), want, se)
        means.append(got.mean())
        ses.append(se)
        wants.append(want)
    # the first detection moves inward by the predicted factor (about 0.8 here)
    ratio, predicted = means[1] / means[0], wants[1] / wants[0]
    se_ratio = ratio * math.hypot(ses[0] / means[0], ses[1] / means[1])
    assert predicted < 0.85
    assert abs(ratio - predicted) < 4 * se_ratio, (ratio, predicted, se_ratio)


def test_a_jammer_shot_down_stops_jamming(tmp_path):
    cat = ew_catalog(ref_range_km=60.0, processing_gain_db=10.0)
    jlat, jlon = geo.forward(33.0, 44.0, 90.0, 60e3)[:2]
    sc = scenario(
        tmp_path,
        f"""\
        - {{name: soj, threat: f-15e, jammer: soj-test, speed_mps: 1,
           launch_points: [{{lat: {float(jlat)}, lon: {float(jlon)}}}],
           aim: {{lat: {float(jlat) + 0.02}, lon: {float(jlon)}}}}}
        - {{name: strike, threat: soumar, aim: base, launch_points: [{{lat: 33.0, lon: 43.5}}]}}
        """,
        cat,
    )
    p = prepare(sc, catalog=cat)
    sx = p.static()
    out = tuple(a[0] for a in _outputs(1, 2, 0))
    st = new_state(sx, out, np.zeros((0, 5), np.int64), np.zeros(1, np.int64))
    c, steps = entries(p, 1)
    assert c.size > 3
    jm = p.jamming
    for ci, t in zip(c[:: max(1, c.size // 5)], steps[:: max(1, c.size // 5)], strict=True):
        st.fate[0] = PENDING
        alive = jammed_pd(st, sx, 0, 1, ci, t)
        sinr = 1.0 / (jm.inv_snr[ci] + jm.b[ci] * jm.w[0, 0, t])
        assert alive == pytest.approx(np.exp(jm.ln_pfa[0] / (1 + sinr)), rel=1e-12)
        st.fate[0] = KILLED
        st.jam_at[0] = -1  # a new step: the kernel sums the live jammers again
        dead = jammed_pd(st, sx, 0, 1, ci, t)
        assert dead == pytest.approx(float(p.sensors.scan.value[ci]), rel=1e-5)
        assert alive < dead
