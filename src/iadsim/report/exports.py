"""Results as geographic data files: GeoJSON, KML/KMZ (Google Earth) and CZML (CesiumJS).

:func:`write_exports` writes, per variant of a results directory, the map features of
:mod:`iadsim.report.features` as GeoJSON (RFC 7946), KML and KMZ (one folder per layer,
simplekml), a CZML replay of replication 0 (czml3), and the publication figures of
:mod:`iadsim.report.figures`.

Every file is written atomically (temporary file in the same directory, then ``os.replace``).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from iadsim.report.data import (
    ASSET_COLOR,
    FATE_COLORS,
    FIRE_UNIT_COLOR,
    RING_COLOR,
    ResultsData,
    VariantData,
    atomic_write,
    load_results,
)
from iadsim.report.features import variant_features
from iadsim.report.figures import write_figures
from iadsim.terrain import Dem

__all__ = [
    "CZML_EPOCH",
    "czml_packets",
    "kml_document",
    "write_czml",
    "write_exports",
    "write_geojson",
    "write_kml",
]

#: Nominal start of the CZML clock: scenarios have no calendar date, times are seconds from
#: scenario start.
CZML_EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def write_geojson(fc: dict, path: str | Path) -> Path:
    """Write a FeatureCollection (atomic)."""

    def write(tmp):
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(fc, f, separators=(",", ":"), allow_nan=False)

    return atomic_write(Path(path), write)


def _kml_color(hex_color: str, alpha: int = 255) -> str:
    import simplekml

    h = hex_color.lstrip("#")
    return simplekml.Color.rgb(int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha)


_KML_FOLDERS = {
    "coverage": "Radar coverage by altitude band",
    "asset": "Defended assets",
    "asset_area": "Defended assets",
    "fire_unit": "Fire units",
    "range_ring": "Interceptor range rings",
    "radar": "Radars",
    "radar_sector": "Radar instrumented range",
    "launch": "Launch points",
    "trajectory": "Threat trajectories (replication 0)",
    "intercept": "Intercepts (replication 0)",
    "impact": "Impacts (replication 0)",
    "leak": "Leaker impact points (all replications)",
}


def _kml_polygons(geom: dict) -> list[tuple[list, list[list]]]:
    if geom["type"] == "Polygon":
        polys = [geom["coordinates"]]
    elif geom["type"] == "MultiPolygon":
        polys = geom["coordinates"]
    else:
        return []
    return [([tuple(c) for c in p[0]], [[tuple(c) for c in h] for h in p[1:]]) for p in polys]


#: Leaker points written to KML at most (Google Earth slows down beyond ~10,000 placemarks).
MAX_KML_LEAK_POINTS = 5000


def kml_document(fc: dict, max_leak_points: int | None = MAX_KML_LEAK_POINTS):
    """A :class:`simplekml.Kml` of a variant's features, one folder per layer.

    Styles are shared per layer and colour. Leaker points beyond ``max_leak_points`` (the
    first replications are kept) are left out, and the folder says so.
    """
    import simplekml

    kml = simplekml.Kml(name=fc.get("name", "iadsim"))
    folders: dict[str, simplekml.Folder] = {}
    styles: dict[tuple[str, str], simplekml.Style] = {}

    def folder(layer: str) -> simplekml.Folder:
        title = _KML_FOLDERS.get(layer, layer)
        if title not in folders:
            folders[title] = kml.newfolder(name=title)
        return folders[title]

    def style(layer: str, color: str) -> simplekml.Style:
        key = (layer, color)
        if key not in styles:
            st = simplekml.Style()
            st.iconstyle.color = _kml_color(color)
            st.iconstyle.scale = 0.5 if layer == "leak" else 0.9
            st.linestyle.color = _kml_color(color)
            st.linestyle.width = 2 if layer == "trajectory" else 1.5
            fill_alpha = 70 if layer in ("coverage", "asset_area") else 0
            st.polystyle.color = _kml_color(color, fill_alpha)
            st.polystyle.fill = 1 if fill_alpha else 0
            styles[key] = st
        return styles[key]

    leaks = 0
    total_leaks = sum(f["properties"].get("layer") == "leak" for f in fc["features"])
    for feat in fc["features"]:
        props, geom = feat["properties"], feat["geometry"]
        layer = props.get("layer", "")
        if layer == "leak":
            leaks += 1
            if max_leak_points is not None and leaks > max_leak_points:
                continue
        st = style(layer, props.get("color") or FATE_COLORS["leaked"])
        name = props.get("name") or ""
        fol = folder(layer)
        if geom["type"] == "Point":
            pnt = fol.newpoint(name=name, coords=[tuple(geom["coordinates"])])
            if len(geom["coordinates"]) == 3:
                pnt.altitudemode = simplekml.AltitudeMode.absolute
            pnt.style = st
        elif geom["type"] == "LineString":
            line = fol.newlinestring(name=name, coords=[tuple(c) for c in geom["coordinates"]])
            line.altitudemode = simplekml.AltitudeMode.absolute
            line.style = st
        else:
            container = fol.newfolder(name=name) if geom["type"] == "MultiPolygon" else fol
            for outer, holes in _kml_polygons(geom):
                poly = container.newpolygon(name=name, outerboundaryis=outer, innerboundaryis=holes)
                poly.altitudemode = simplekml.AltitudeMode.clamptoground
                poly.tessellate = 1
                poly.style = st
    if max_leak_points is not None and total_leaks > max_leak_points:
        folder("leak").description = (
            f"The first {max_leak_points} of {total_leaks} leaker impact points "
            "(by replication); the GeoJSON export has them all."
        )
    return kml


def write_kml(fc: dict, path: str | Path, kmz_path: str | Path | None = None) -> list[Path]:
    """Write a variant's features as KML, and as zipped KMZ if ``kmz_path`` is given (atomic)."""
    kml = kml_document(fc)
    paths = [atomic_write(Path(path), kml.save)]
    if kmz_path is not None:
        paths.append(atomic_write(Path(kmz_path), kml.savekmz))
    return paths


def _rgba(hex_color: str, alpha: int = 255) -> list[int]:
    h = hex_color.lstrip("#")
    return [int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha]


def czml_packets(
    results: ResultsData, variant: VariantData, *, epoch: dt.datetime = CZML_EPOCH
) -> list:
    """CZML packets replaying replication 0 of a variant: the document packet (clock) first,
    then assets, fire units (range rings as ellipses), threats with time-tagged positions and
    paths, intercepts and impacts (shown from the time they happen)."""
    from czml3 import (
        Clock,
        Color,
        Ellipse,
        Label,
        Packet,
        Path,
        Point,
        PolylineMaterial,
        Position,
        SolidColorMaterial,
    )
    from czml3.enums import ClockRanges, ClockSteps, HeightReferences
    from czml3.properties import HeightReference
    from czml3.types import TimeInterval

    ground = HeightReference(heightReference=HeightReferences.CLAMP_TO_GROUND)

    def at(t_s: float) -> dt.datetime:
        return epoch + dt.timedelta(seconds=float(t_s))

    tracks = variant.tracks
    rep0 = variant.replication0
    t_end = float(tracks["time_s"].max()) if not tracks.empty else 60.0
    t_end = max(t_end, 1.0) + 30.0
    whole = TimeInterval(start=epoch, end=at(t_end))
    packets = [
        Packet(
            id="document",
            name=f"{results.scenario_name} / {variant.name} (replication 0)",
            version="1.0",
            clock=Clock(
                interval=whole,
                currentTime=epoch,
                multiplier=20,
                range=ClockRanges.LOOP_STOP,
                step=ClockSteps.SYSTEM_CLOCK_MULTIPLIER,
            ),
        )
    ]
    for a in variant.assets:
        packets.append(
            Packet(
                id=f"asset/{a['name']}",
                name=a["name"],
                position=Position(cartographicDegrees=[a["lon"], a["lat"], 0.0]),
                point=Point(
                    color=Color(rgba=_rgba(ASSET_COLOR)),
                    pixelSize=10,
                    heightReference=ground,
                ),
                label=Label(text=a["name"], show=True),
            )
        )
    for f in variant.fire_unit_sites:
        r = float(f.get("max_range_m") or 0.0)
        packets.append(
            Packet(
                id=f"fire_unit/{f['name']}",
                name=f"{f['name']} ({f.get('system')}, {f.get('interceptor')})",
                position=Position(cartographicDegrees=[f["lon"], f["lat"], 0.0]),
                point=Point(
                    color=Color(rgba=_rgba(FIRE_UNIT_COLOR)),
                    pixelSize=8,
                    heightReference=ground,
                ),
                ellipse=Ellipse(
                    semiMajorAxis=max(r, 1.0),
                    semiMinorAxis=max(r, 1.0),
                    fill=False,
                    outline=True,
                    outlineColor=Color(rgba=_rgba(RING_COLOR)),
                    height=0.0,
                )
                if r > 0
                else None,
            )
        )
    by_threat = {int(k): g.sort_values("time_s") for k, g in tracks.groupby("threat")}
    for row in rep0.to_dict("records"):
        j = int(row["threat"])
        g = by_threat.get(j)
        if g is None or g.empty:
            continue
        fate = str(row["fate"])
        end_t = (
            float(row["end_time_s"]) if np.isfinite(row["end_time_s"]) else float(g["time_s"].max())
        )
        g = g[g["time_s"] <= end_t + 1e-9] if fate in ("killed", "failed") else g
        if len(g) < 2:
            continue
        samples = np.column_stack(
            [
                g["time_s"].to_numpy(),
                g["lon"].to_numpy(),
                g["lat"].to_numpy(),
                g["alt_m"].to_numpy(),
            ]
        )
        t0, t1 = float(samples[0, 0]), float(samples[-1, 0])
        color = Color(rgba=_rgba(FATE_COLORS.get(fate, "#000000")))
        label = f"T{j} {row['threat_type']} ({row['raid']}): {fate}"
        packets.append(
            Packet(
                id=f"threat/{j}",
                name=label,
                availability=TimeInterval(start=at(t0), end=at(t1)),
                position=Position(
                    epoch=epoch,
                    cartographicDegrees=[round(float(v), 5) for v in samples.ravel()],
                ),
                point=Point(color=color, pixelSize=6),
                path=Path(
                    material=PolylineMaterial(solidColor=SolidColorMaterial(color=color)),
                    width=2,
                    leadTime=0,
                    trailTime=t_end,
                ),
            )
        )
        if fate == "killed" and np.isfinite(row["intercept_lat"]):
            packets.append(
                Packet(
                    id=f"intercept/{j}",
                    name=f"T{j} killed by {row['killer']}",
                    availability=TimeInterval(start=at(row["intercept_time_s"]), end=at(t_end)),
                    position=Position(
                        cartographicDegrees=[
                            float(row["intercept_lon"]),
                            float(row["intercept_lat"]),
                            float(row["intercept_alt_m"]),
                        ]
                    ),
                    point=Point(
                        color=Color(rgba=_rgba(FATE_COLORS["killed"])),
                        pixelSize=12,
                        outlineColor=Color(rgba=[255, 255, 255, 255]),
                        outlineWidth=2,
                    ),
                )
            )
        elif fate in ("leaked", "failed") and np.isfinite(row["impact_lat"]):
            packets.append(
                Packet(
                    id=f"impact/{j}",
                    name=f"T{j} {'impact' if fate == 'leaked' else 'failed, fell'}",
                    availability=TimeInterval(start=at(end_t), end=at(t_end)),
                    position=Position(
                        cartographicDegrees=[
                            float(row["impact_lon"]),
                            float(row["impact_lat"]),
                            0.0,
                        ]
                    ),
                    point=Point(
                        color=Color(rgba=_rgba(FATE_COLORS.get(fate, "#000000"))),
                        pixelSize=10,
                        heightReference=ground,
                    ),
                )
            )
    return packets


def write_czml(
    results: ResultsData,
    variant: VariantData,
    path: str | Path,
    *,
    epoch: dt.datetime = CZML_EPOCH,
) -> Path:
    """Write the CZML replay of replication 0 of a variant (atomic)."""
    from czml3 import Document

    doc = Document(packets=czml_packets(results, variant, epoch=epoch))
    text = doc.dumps()

    def write(tmp):
        Path(tmp).write_text(text, encoding="utf-8")

    return atomic_write(Path(path), write)


def write_exports(
    results_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    figures: bool = True,
    coverage: bool = True,
    formats: Iterable[str] = ("png", "svg"),
) -> list[Path]:
    """Write GeoJSON, KML, KMZ and CZML per variant, and the publication figures.

    Parameters
    ----------
    results_dir : path
        A results directory of ``iadsim run`` (or one variant's directory).
    out_dir : path, optional
        Where to write; default ``results_dir/exports``.
    figures : bool
        Also write the matplotlib map and plots (:mod:`iadsim.report.figures`).
    coverage : bool
        Include the terrain coverage layers (a few hundred ms per radar).
    formats : iterable of str
        Figure formats.

    Returns
    -------
    list of Path
        Files written: ``<variant>.geojson``, ``<variant>.kml``, ``<variant>.kmz``,
        ``<variant>.czml`` and ``figures/*``.
    """
    results = load_results(results_dir)
    out = Path(out_dir) if out_dir is not None else results.directory / "exports"
    out.mkdir(parents=True, exist_ok=True)
    dem = Dem.default() if coverage and any(v.radars for v in results.variants) else None
    cache: dict = {}
    written: list[Path] = []
    collections = {}
    for v in results.variants:
        fc = variant_features(results, v, coverage=coverage, dem=dem, cache=cache)
        collections[v.name] = fc
        written.append(write_geojson(fc, out / f"{v.name}.geojson"))
        written += write_kml(fc, out / f"{v.name}.kml", out / f"{v.name}.kmz")
        written.append(write_czml(results, v, out / f"{v.name}.czml"))
    if figures:
        written += write_figures(results, out / "figures", collections=collections, formats=formats)
    return written
