"""Preparation of electronic attack (issue 11): what the kernel needs to turn each scan's SNR
into S/(N + J) while the jammers fly.

A jammer rides on a threat (its raid's ``jammer``), so it stops jamming when its carrier is
killed, fails or arrives. The jamming one carrier ``k`` puts into radar ``s`` at step ``t``
factorises from the echo of the target ``j`` the radar looks at::

    J/S_j = b_j · w_k        w_k = Pj Gj G_sl min(1, Br/Bj) / (Rsk² Gp)
                             b_j = 4π Rt⁴ / (Pt Gt² σ_j)

(:mod:`iadsim.sensors.ew`; ``Gp`` the radar's processing gain against noise, which the
reference SNR already holds for thermal noise). So the kernel needs per scan entry ``1/SNR``
and ``b``, and per (carrier, radar, step) ``w``, zero where the carrier is below the radar's
horizon or terrain mask or not in flight; the carrier's own echo sees it in the main beam, a
factor ``Gt/G_sl`` above the sidelobe (``ml_extra = Gt/G_sl - 1`` on top of the sum).

Design: the jammer-alive test is done in the kernel at each scan (a jammer shot down stops
jamming from the next scan on); a precomputed Pd per combination of live jammers would grow
as 2^jammers. See docs/models/electronic-warfare.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from iadsim import geo
from iadsim.engine.prepare_radar import line_of_sight
from iadsim.sensors.ew import band_factor, db_to_linear
from iadsim.sensors.radar import (
    slant_range_m,
    snr_at_range,
    snr_from_pd_swerling1,
)

#: Most jammer carriers in one variant: the dense (carrier x radar x step) table stays small.
MAX_CARRIERS = 512


@dataclass
class Jamming:
    """Jamming inputs of one variant (empty arrays when no raid carries a jammer)."""

    on: bool
    carrier: np.ndarray  # (K,) threat index of each carrier
    carrier_of: np.ndarray  # (N,) carrier index of each threat, -1 if none
    w: np.ndarray  # (K, S, T) float64: sidelobe jamming power term, 0 where none
    ml_extra: np.ndarray  # (S,) Gt/G_sl - 1
    ln_pfa: np.ndarray  # (S,) ln(Pfa) of each radar
    inv_snr: np.ndarray  # (scan entries,) 1/SNR without jamming
    b: np.ndarray  # (scan entries,) 4π Rt⁴ / (Pt Gt² σ)
    jammer: list  # (K,) catalog name of each carrier's jammer


def no_jamming(n_threats: int) -> Jamming:
    """The inputs of a variant without jammers: nothing changes and nothing is drawn."""
    z = np.zeros(0)
    return Jamming(
        False,
        np.zeros(0, np.int64),
        np.full(n_threats, -1, np.int64),
        np.zeros((0, 0, 0)),
        z,
        z,
        z,
        z,
        [],
    )


def _radar_ew(spec) -> dict:
    gt = float(db_to_linear(spec.antenna_gain_db.value))
    return {
        "pt": spec.peak_power_w.si(),
        "gt": gt,
        "gsl": gt * float(db_to_linear(spec.sidelobe_level_db.value)),
        "br": spec.bandwidth_hz.si(),
        "gp": float(db_to_linear(spec.processing_gain_db.value)),
        "pfa": spec.reference_pfa.si(),
    }


def _geometry(site, lat, lon, alt, h_agl, k_factor, table):
    """Slant range and line of sight from a radar site to points (smooth earth or terrain)."""
    az, _, ground_range = geo.inverse(site.lat, site.lon, lat, lon)
    seen, h_r = line_of_sight(site, table, k_factor, az, ground_range, h_agl, alt)
    return slant_range_m(ground_range, h_r, alt, k_factor), seen


def prepare_jamming(scenario, catalog, threats, sites, sensors, k_factor, tables) -> Jamming:
    """The :class:`Jamming` inputs of a variant.

    ``sites`` are the radar sites in sensor order, ``sensors`` the prepared
    :class:`~iadsim.engine.prepare.Sensors` (its ``scan`` table), ``tables`` each site's full
    (all-round) terrain table or None for a smooth earth.
    """
    raids = {r.name: r for r in scenario.raids}
    # a raid's jammer rides on its aircraft, not on the weapons they release
    roles = threats.role or ["threat"] * len(threats.raid)
    names = [
        None if role == "weapon" else raids[name].jammer
        for name, role in zip(threats.raid, roles, strict=True)
    ]
    n = len(names)
    carriers = [j for j in range(n) if names[j] is not None]
    if not carriers:
        return no_jamming(n)
    if len(carriers) > MAX_CARRIERS:
        raise ValueError(f"{len(carriers)} jammer carriers; at most {MAX_CARRIERS} are modelled")
    n_s, n_steps = len(sites), threats.lat.n_steps
    # radars without EW figures (airborne radars of fighters on patrol, issue 13) are not
    # jammed: the kernel reads their precomputed Pd (ml_extra < 0 marks them)
    jammable = [
        s < len(tables) and getattr(site.spec, "has_ew", False) for s, site in enumerate(sites)
    ]
    tables = [tables[s] if s < len(tables) else None for s in range(n_s)]
    ew = [_radar_ew(site.spec) if ok else None for site, ok in zip(sites, jammable, strict=True)]
    carrier_of = np.full(n, -1, np.int64)
    carrier_of[carriers] = np.arange(len(carriers))
    w = np.zeros((len(carriers), n_s, n_steps))
    flat_steps = threats.lat.flat_steps()
    for k, j in enumerate(carriers):
        jam = catalog.jammers[names[j]]
        pj, gj = jam.power_w.si(), float(db_to_linear(jam.antenna_gain_db.value))
        bj = jam.bandwidth_hz.si()
        steps = flat_steps[threats.lat.offsets[j] : threats.lat.offsets[j + 1]]
        lat, lon = threats.lat.flight(j), threats.lon.flight(j)
        alt, h_agl = threats.alt.flight(j), threats.height_agl.flight(j)
        # the arrival sample is on the ground at the aim: the carrier is done by then
        for s, site in enumerate(sites):
            if not jammable[s]:
                continue
            rng, seen = _geometry(site, lat, lon, alt, h_agl, k_factor, tables[s])
            e = ew[s]
            term = pj * gj * e["gsl"] * band_factor(e["br"], bj) / (rng**2 * e["gp"])
            w[k, s, steps] = np.where(seen, term, 0.0)
    # per scan entry: the clear SNR and the target factor b, from the entry's own geometry
    scan = sensors.scan
    row = np.repeat(np.arange(scan.offsets.shape[0] - 1), np.diff(scan.offsets))
    j_e, s_e = row // max(n_s, 1), row % max(n_s, 1)
    step_e = scan.step.astype(np.int64)
    inv_snr = np.zeros(step_e.shape)
    b = np.zeros(step_e.shape)
    for s, site in enumerate(sites):
        sel = np.flatnonzero(s_e == s)
        if not sel.size or not jammable[s]:
            continue
        jj, tt = j_e[sel], step_e[sel]
        lat, lon = threats.lat.at(jj, tt), threats.lon.at(jj, tt)
        alt, h_agl = threats.alt.at(jj, tt), threats.height_agl.at(jj, tt)
        rng, _ = _geometry(site, lat, lon, alt, h_agl, k_factor, tables[s])
        spec, e = site.spec, ew[s]
        rcs = threats.rcs_m2[jj]
        ref_snr = snr_from_pd_swerling1(spec.reference_pd.si(), spec.reference_pfa.si())
        snr = snr_at_range(
            rng, rcs, spec.reference_range_km.si(), spec.reference_rcs_m2.si(), ref_snr
        )
        inv_snr[sel] = 1.0 / snr
        b[sel] = 4.0 * np.pi * rng**4 / (e["pt"] * e["gt"] ** 2 * rcs)
    return Jamming(
        True,
        np.asarray(carriers, np.int64),
        carrier_of,
        w,
        np.array([e["gt"] / e["gsl"] - 1.0 if e else -1.0 for e in ew]),
        np.log(np.array([e["pfa"] if e else 0.5 for e in ew])),
        inv_snr,
        b,
        [names[j] for j in carriers],
    )
