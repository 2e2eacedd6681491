"""The offline HTML report: one self-contained file with a map, plots, tables and sources.

:func:`build_report` reads a results directory of ``iadsim run`` and writes a single HTML file
that opens anywhere with no network at all:

- Leaflet (vendored in ``report/vendor/leaflet``) and plotly.js (from the ``plotly`` package)
  are inlined once; the map has no tile server: Natural Earth borders are the base map and the
  packaged GLOBE DEM gives an optional hillshade (a PNG ``data:`` URI on a Leaflet
  ``imageOverlay``, resampled to Web Mercator rows so it lines up with the vectors);
- a strict Content-Security-Policy (``default-src 'none'``, inline scripts and styles,
  ``data:`` images) makes the browser refuse any stray fetch;
- per variant (a selector switches them): assets and fire units with permanent labels, range
  rings, radars with their sectors (wedges when ``run.json`` gives one), launch points,
  coverage per altitude band, trajectories of replication 0 coloured by fate, and where
  leakers came down over all replications; a layer control, a scale bar, a legend with an
  entry per style, and one starting view fitted to every variant's sites and launch points;
- plots: leakers per replication, P(leak) per threat class with 95% Wilson intervals,
  interceptors spent per fire unit, and a timeline of replication 0 per variant;
- tables: the summary of every variant, every catalog figure of the systems and threats used
  (value, unit, claim type, source links) and the scenario as run.

The file is written atomically (temporary file, then ``os.replace``).
"""

from __future__ import annotations

import base64
import json
import math
import re
import string
from importlib import resources
from pathlib import Path

from iadsim.analysis.uncertainty_report import html_section
from iadsim.atomic import atomic_path
from iadsim.report.coverage import load_borders
from iadsim.report.data import (
    ASSET_COLOR,
    BAND_COLORS,
    FATE_COLORS,
    FIRE_UNIT_COLOR,
    LAUNCH_COLOR,
    RADAR_COLOR,
    RING_COLOR,
    ResultsData,
    load_results,
)
from iadsim.report.features import variant_features
from iadsim.report.hillshade import hillshade_overlay
from iadsim.report.plots import COMPARISON_DIVS, report_plots, timeline_div
from iadsim.report.tables import catalog_tables, comparison_table, esc, variant_tables
from iadsim.terrain import Dem

__all__ = ["CSP", "build_report"]

#: Content-Security-Policy of the report: nothing may be fetched; only inline code runs.
CSP = (
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
    "img-src data:; font-src 'none'; connect-src 'none'; frame-src 'none'; "
    "object-src 'none'; base-uri 'none'; form-action 'none'"
)

#: Leaker impact points drawn on the map, at most (the first replications, in order).
MAX_LEAK_POINTS = 4000


# ------------------------------------------------------------------------------ resources
def _resource(*parts: str) -> resources.abc.Traversable:
    return resources.files("iadsim.report").joinpath(*parts)


def _text(*parts: str) -> str:
    return _resource(*parts).read_text(encoding="utf-8")


def _leaflet_css() -> str:
    """Leaflet's CSS with its ``url(images/x.png)`` references inlined as data URIs."""
    css = _text("vendor", "leaflet", "leaflet.css")

    def inline(m: re.Match) -> str:
        png = _resource("vendor", "leaflet", "images", m.group(1)).read_bytes()
        return f"url(data:image/png;base64,{base64.b64encode(png).decode('ascii')})"

    css = re.sub(r"url\(images/([\w.-]+\.png)\)", inline, css)
    # the IE-only VML behaviour is the one url() left; drop it (nothing may be fetched)
    return css.replace("behavior: url(#default#VML);", "")


def _no_source_map(js: str) -> str:
    return re.sub(r"^//# sourceMappingURL=.*$", "", js, flags=re.MULTILINE)


def _script_safe(text: str) -> str:
    """Text for inside <script>: a literal ``</script`` would end the element early."""
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def _json_for_html(obj) -> str:
    """``obj`` as JSON safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``, ``\\u003e`` and ``\\u0026``, so no
    ``</script>``, ``<!--`` or ``<script`` can open or close anything in the HTML tokenizer,
    and U+2028/U+2029 as ``\\u2028``/``\\u2029`` (line terminators in older JavaScript).
    All are plain JSON string escapes, so ``JSON.parse`` returns the original text.

    References
    ----------
    .. [1] WHATWG HTML Living Standard, 4.12.1.3 "Restrictions for contents of script
       elements" (script data escaped states).
    .. [2] RFC 8259, section 7 (JSON string escapes).
    """
    text = json.dumps(obj, separators=(",", ":"), allow_nan=False)
    for char, escape in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escape)
    return text


# ------------------------------------------------------------------------------ map data
def _feature_bounds(
    features: list[dict], layers: set[str]
) -> tuple[float, float, float, float] | None:
    xs: list[float] = []
    ys: list[float] = []

    def walk(c):
        if isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for x in c:
                walk(x)

    for f in features:
        if f["properties"].get("layer") in layers and f["geometry"]["coordinates"]:
            walk(f["geometry"]["coordinates"])
    if not xs:
        return None
    return (min(xs), min(ys), max(xs), max(ys))


def _pad(b: tuple[float, float, float, float], frac: float = 0.08, min_deg: float = 0.3):
    w, s, e, n = b
    dx = max((e - w) * frac, min_deg)
    dy = max((n - s) * frac, min_deg)
    return (w - dx, s - dy, e + dx, n + dy)


def _relief_bounds(b: tuple[float, float, float, float], aspect: float = 2.6):
    """``b`` widened (east-west, on the ground) to ``aspect`` times its height and heightened to
    half its width: the map fits its view to a wide panel, and the relief must fill what it
    shows, not stop short of an edge."""
    w, s, e, n = b
    coslat = max(math.cos(math.radians((s + n) / 2)), 0.1)
    width_km, height_km = (e - w) * coslat, n - s  # in degrees of latitude
    grow_x = max(aspect * height_km - width_km, 0.0) / 2 / coslat
    grow_y = max(width_km / 2 - height_km, 0.0) / 2
    return (w - grow_x, max(s - grow_y, -85.0), e + grow_x, min(n + grow_y, 85.0))


def _compact_leaks(features: list[dict]) -> list[dict]:
    """Leaker impact points as one MultiPoint (a tenth of the size of one feature each)."""
    leaks = [f["geometry"]["coordinates"] for f in features if f["properties"]["layer"] == "leak"]
    rest = [f for f in features if f["properties"]["layer"] != "leak"]
    if not leaks:
        return rest
    return [
        *rest,
        {
            "type": "Feature",
            "properties": {"layer": "leak", "count": len(leaks)},
            "geometry": {
                "type": "MultiPoint",
                "coordinates": [[round(x, 4), round(y, 4)] for x, y in leaks],
            },
        },
    ]


#: What the starting view is fitted to, over all variants: the sites and the launch points.
_SITES = {"asset", "fire_unit", "radar", "launch"}
_FOCUS = _SITES | {"trajectory", "impact", "intercept", "range_ring"}
_ALL = _FOCUS | {"asset_area", "radar_sector", "coverage", "leak"}


def _union(boxes: list[tuple[float, float, float, float]]):
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


# ------------------------------------------------------------------------------ building
def _variant_description(results: ResultsData, name: str) -> str:
    for v in results.scenario.get("variants") or []:
        if isinstance(v, dict) and v.get("name") == name:
            return str(v.get("description") or "")
    return ""


def build_report(
    results_dir: str | Path,
    out_path: str | Path | None = None,
    *,
    hillshade: bool = True,
    coverage: bool = True,
) -> Path:
    """Write the self-contained offline HTML report of a results directory.

    Parameters
    ----------
    results_dir : path
        A results directory written by ``iadsim run`` (``scenario.yaml`` and one
        sub-directory per variant), or a single variant's directory.
    out_path : path, optional
        The HTML file; default ``results_dir/report.html``.
    hillshade : bool
        Draw the packaged DEM's relief under the vectors (adds a few hundred kB).
    coverage : bool
        Compute and draw the radars' terrain coverage per altitude band.

    Returns
    -------
    Path
        The report written.
    """
    import plotly
    from plotly.offline import get_plotlyjs

    import iadsim

    results = load_results(results_dir)
    out = Path(out_path) if out_path is not None else results.directory / "report.html"
    need_dem = hillshade or (coverage and any(v.radars for v in results.variants))
    dem = Dem.default() if need_dem else None
    cache: dict = {}
    variants = []
    all_bounds = []
    site_bounds = []
    for v in results.variants:
        fc = variant_features(
            results, v, coverage=coverage, max_leak_points=MAX_LEAK_POINTS, dem=dem, cache=cache
        )
        focus = _feature_bounds(fc["features"], _FOCUS) or _feature_bounds(fc["features"], _ALL)
        focus = _pad(focus or (40.0, 30.0, 50.0, 38.0))
        whole = _feature_bounds(fc["features"], _ALL) or focus
        all_bounds.append(whole)
        sites = _feature_bounds(fc["features"], _SITES)
        if sites:
            site_bounds.append(sites)
        features = _compact_leaks(fc["features"])
        variants.append(
            {
                "name": v.name,
                "description": _variant_description(results, v.name),
                "bounds": [[focus[1], focus[0]], [focus[3], focus[2]]],
                "notes": fc["notes"],
                "features": {"type": "FeatureCollection", "features": features},
            }
        )
    relief = None
    if hillshade and dem is not None:
        relief = hillshade_overlay(
            dem, _relief_bounds(_pad(_union(all_bounds), 0.05, 0.5)), max_px=1400
        )
    # one starting view for every variant: all sites and launch points, a little margin
    view = _pad(_union(site_bounds), 0.08, 0.4) if site_bounds else None

    plot_figs = report_plots(results)
    data = {
        "scenario": results.scenario_name,
        "colors": {
            "fates": FATE_COLORS,
            "bands": {f"{k:g}": c for k, c in BAND_COLORS.items()},
            "asset": ASSET_COLOR,
            "fire_unit": FIRE_UNIT_COLOR,
            "radar": RADAR_COLOR,
            "ring": RING_COLOR,
            "launch": LAUNCH_COLOR,
        },
        "borders": load_borders(),
        "hillshade": relief,
        "view": None if view is None else [[view[1], view[0]], [view[3], view[2]]],
        "variants": variants,
        "plots": [{"div": div, "figure": fig} for div, fig in plot_figs.items()],
    }

    blocks = []
    for i, v in enumerate(results.variants):
        div = timeline_div(i)
        blocks.append(
            f'<div class="variant-block" data-variant="{esc(v.name)}">'
            f"<h3>{esc(v.name)}</h3>"
            f'<p class="muted">{esc(_variant_description(results, v.name))}</p>'
            f'<div class="plot wide" id="{div}"></div>'
            f"{variant_tables(v)}</div>"
        )
    reps = sorted({v.replications for v in results.variants})
    meta_line = (
        f"{len(results.variants)} variant(s), {', '.join(map(str, reps))} replications each, "
        f"root seed {results.variants[0].meta.get('seed')}; iadsim {iadsim.__version__}"
    )
    description = (results.scenario.get("description") or "").strip()
    scenario_block = (
        f"<pre>{esc(results.scenario_yaml)}</pre>"
        if results.scenario_yaml
        else '<p class="note">scenario.yaml was not found beside the results.</p>'
    )
    page = string.Template(_text("templates", "report.html")).substitute(
        csp=CSP,
        version=esc(iadsim.__version__),
        title=esc(f"iadsim report: {results.scenario_name}"),
        description=esc(description),
        meta_line=esc(meta_line),
        variant_options="".join(
            f'<option value="{esc(v.name)}">{esc(v.name)}</option>' for v in results.variants
        ),
        leak_note=f" (at most {MAX_LEAK_POINTS:,} points drawn)",
        # the uncertainty study's section, when one was written beside the results
        comparison_table=comparison_table(results) + html_section(results.directory),
        comparison_plots="".join(
            f'<div class="plot" id="{div}"></div>' for div in COMPARISON_DIVS if div in plot_figs
        ),
        variant_blocks="\n".join(blocks),
        catalog_tables=catalog_tables(results),
        scenario_block=scenario_block,
        results_dir=esc(str(results.directory)),
        plotly_version=esc(getattr(plotly, "__version__", "")),
        leaflet_license=esc(_text("vendor", "leaflet", "LICENSE")),
        leaflet_css=_leaflet_css(),
        report_css=_text("templates", "report.css"),
        data_json=_json_for_html(data),
        leaflet_js=_script_safe(_no_source_map(_text("vendor", "leaflet", "leaflet.js"))),
        plotly_js=_script_safe(_no_source_map(get_plotlyjs())),
        report_js=_script_safe(_text("templates", "report.js")),
    )
    with atomic_path(out) as tmp:
        tmp.write_text(page, encoding="utf-8")
    return out
