"""GeoJSON, KML/KMZ, CZML and figures: they parse, validate and say what the results say."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
import zipfile

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from iadsim.report.data import load_results
from iadsim.report.features import circle_ring, sector_ring, variant_features
from iadsim.report.plotdata import leakers_data, p_leak_data, shots_data, timeline_data

KML_NS = "{http://www.opengis.net/kml/2.2}"
VARIANTS = ("undefended", "s400-tor", "patriot")


@pytest.fixture(scope="module")
def written(exports_dir):
    out, paths = exports_dir
    return out, {p.relative_to(out).as_posix(): p for p in paths}


def test_files_written(written):
    out, files = written
    for v in VARIANTS:
        for ext in ("geojson", "kml", "kmz", "czml"):
            assert f"{v}.{ext}" in files
        for fig in ("timeline", "map"):
            for fmt in ("png", "svg"):
                assert f"figures/{v}-{fig}.{fmt}" in files
    for fig in ("leakers", "p-leak", "shots"):
        assert f"figures/{fig}.png" in files and f"figures/{fig}.svg" in files
    assert all(p.exists() and p.stat().st_size > 0 for p in files.values())
    assert not list(out.rglob("*.tmp"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_geojson_valid(written, results_dir, variant):
    _, files = written
    fc = json.loads(files[f"{variant}.geojson"].read_text(encoding="utf-8"))
    assert fc["type"] == "FeatureCollection"
    layers = {}
    for feat in fc["features"]:
        geom = shape(feat["geometry"])
        assert geom.is_valid, (feat["properties"], shapely.is_valid_reason(geom))
        assert not geom.is_empty or feat["properties"]["layer"] == "coverage"
        x0, y0, x1, y1 = geom.bounds if not geom.is_empty else (40, 30, 40, 30)
        assert -180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90
        layers[feat["properties"]["layer"]] = layers.get(feat["properties"]["layer"], 0) + 1
    threats = pd.read_parquet(results_dir / variant / "threats.parquet")
    assert layers["trajectory"] == 16
    assert layers["asset"] == 2
    assert layers.get("leak", 0) == int((threats["fate"].astype(str) == "leaked").sum())
    rep0 = threats[threats["replication"] == 0]
    assert layers.get("intercept", 0) == int((rep0["fate"].astype(str) == "killed").sum())
    if variant == "undefended":
        assert "fire_unit" not in layers and "coverage" not in layers
    else:
        assert layers["fire_unit"] >= 1 and layers["range_ring"] == layers["fire_unit"]
        assert layers["coverage"] == 4


def test_coverage_bands_nest(written):
    _, files = written
    fc = json.loads(files["s400-tor.geojson"].read_text(encoding="utf-8"))
    cov = sorted(
        (f for f in fc["features"] if f["properties"]["layer"] == "coverage"),
        key=lambda f: f["properties"]["altitude_m"],
    )
    areas = [f["properties"]["area_km2"] for f in cov]
    assert areas == sorted(areas) and areas[0] > 0
    # a low flier seen is seen higher up too (up to the simplification of the outlines)
    low, high = shape(cov[0]["geometry"]), shape(cov[-1]["geometry"])
    assert low.difference(high.buffer(0.05)).area < 0.01 * low.area


def test_range_rings_match_the_fire_units(written):
    _, files = written
    fc = json.loads(files["s400-tor.geojson"].read_text(encoding="utf-8"))
    units = {
        f["properties"]["name"]: f
        for f in fc["features"]
        if f["properties"]["layer"] == "fire_unit"
    }
    for ring in (f for f in fc["features"] if f["properties"]["layer"] == "range_ring"):
        fu = units[ring["properties"]["fire_unit"]]
        lon0, lat0 = fu["geometry"]["coordinates"]
        lon, lat = np.asarray(ring["geometry"]["coordinates"][0]).T
        from iadsim import geo

        _, _, d = geo.inverse(np.full(lon.shape, lat0), np.full(lon.shape, lon0), lat, lon)
        assert d == pytest.approx(ring["properties"]["radius_m"], rel=1e-3)


@pytest.mark.parametrize("variant", VARIANTS)
def test_kml_parses(written, variant):
    _, files = written
    root = ET.parse(files[f"{variant}.kml"]).getroot()
    assert root.tag == f"{KML_NS}kml"
    folders = [f.findtext(f"{KML_NS}name") for f in root.iter(f"{KML_NS}Folder")]
    assert "Threat trajectories (replication 0)" in folders
    lines = list(root.iter(f"{KML_NS}LineString"))
    assert len(lines) == 16
    for line in lines:
        coords = line.findtext(f"{KML_NS}coordinates").split()
        assert len(coords) >= 2 and len(coords[0].split(",")) == 3
    with zipfile.ZipFile(files[f"{variant}.kmz"]) as z:
        names = z.namelist()
        assert "doc.kml" in names
        ET.fromstring(z.read("doc.kml"))


@pytest.mark.parametrize("variant", VARIANTS)
def test_czml_round_trips(written, results_dir, variant):
    from czml3 import Document, Packet

    _, files = written
    text = files[f"{variant}.czml"].read_text(encoding="utf-8")
    packets = json.loads(text)
    assert packets[0]["id"] == "document" and packets[0]["version"] == "1.0"
    clock = packets[0]["clock"]
    assert clock["currentTime"].startswith("2000-01-01T00:00:00")
    ids = [p["id"] for p in packets]
    assert len(ids) == len(set(ids)) and all(ids)
    threats = [p for p in packets if p["id"].startswith("threat/")]
    assert len(threats) == 16
    for p in threats:
        samples = np.asarray(p["position"]["cartographicDegrees"]).reshape(-1, 4)
        assert np.all(np.diff(samples[:, 0]) > 0)
        assert "epoch" in p["position"] and "availability" in p
    rep0 = pd.read_parquet(results_dir / variant / "threats.parquet").query("replication == 0")
    n_killed = int((rep0["fate"].astype(str) == "killed").sum())
    assert sum(p["id"].startswith("intercept/") for p in packets) == n_killed
    # czml3 reads it back
    doc = Document.model_validate({"packets": packets})
    assert len(doc.packets) == len(packets)
    assert Packet.model_validate(packets[1]).id == packets[1]["id"]


def test_figures_parse(written):
    _, files = written
    for name, path in files.items():
        if name.endswith(".png"):
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        elif name.endswith(".svg"):
            root = ET.parse(path).getroot()
            assert root.tag.endswith("svg")
            assert "<dc:date>" not in path.read_text(encoding="utf-8")


def test_plot_data_agrees_with_the_summary(results_dir):
    results = load_results(results_dir)
    p = p_leak_data(results)
    for v in results.variants:
        overall = v.summary["by_threat"][-1]
        row = p[(p["variant"] == v.name) & (p["threat_class"] == "all")].iloc[0]
        assert row["p"] == pytest.approx(overall["p_leak"])
        assert row["lo"] == pytest.approx(overall["p_leak_lo"])
        d = leakers_data(results)[v.name]
        assert d["share"].sum() == pytest.approx(1.0)
        assert (d["leakers"] * d["share"]).sum() == pytest.approx(overall["leakers_mean"])
        flights, events = timeline_data(v)
        assert len(flights) == 16 and (flights["end_s"] >= flights["start_s"]).all()
        assert set(events["event"]) <= {"track", "launch", "kill", "miss", "leak", "failed"}
    s = shots_data(results)
    assert set(s["variant"]) == {"s400-tor", "patriot"}


def test_leak_cap_and_no_coverage(results_dir):
    results = load_results(results_dir)
    v = results.variants[0]
    fc = variant_features(results, v, coverage=False, max_leak_points=10)
    assert sum(f["properties"]["layer"] == "leak" for f in fc["features"]) == 10
    assert not [f for f in fc["features"] if f["properties"]["layer"] == "coverage"]


def test_rings_are_valid_counter_clockwise():
    circle = shapely.Polygon(circle_ring(33.8, 42.4, 50_000.0))
    assert circle.is_valid and circle.exterior.is_ccw
    wedge = shapely.Polygon(sector_ring(33.8, 42.4, 50_000.0, 90.0, 120.0))
    assert wedge.is_valid and wedge.exterior.is_ccw
    # the wedge is a third of the disc (to within the chords of the arc)
    assert wedge.area / circle.area == pytest.approx(1 / 3, rel=0.01)
    # centred on east: its points lie east of the site
    assert min(x for x, _ in wedge.exterior.coords) == pytest.approx(42.4, abs=1e-6)
    assert math.isclose(shapely.Polygon(sector_ring(33.8, 42.4, 5e4, 0, 360)).area, circle.area)
