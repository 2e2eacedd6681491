/* iadsim offline report: map (Leaflet) and plots (plotly.js), from the JSON data block.
   Nothing here fetches anything: every layer is built from inlined data. */
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("report-data").textContent);
  var FATES = DATA.colors.fates;

  // ------------------------------------------------------------------ plots
  var PLOT_CONFIG = { displaylogo: false, responsive: true };
  DATA.plots.forEach(function (p) {
    var el = document.getElementById(p.div);
    if (el) { Plotly.newPlot(el, p.figure.data, p.figure.layout, PLOT_CONFIG); }
  });

  // ------------------------------------------------------------------ map
  var map = L.map("map", { zoomSnap: 0.25, worldCopyJump: false, attributionControl: true });
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Leaflet · borders: Natural Earth · relief: NOAA GLOBE");
  L.control.scale({ imperial: false, maxWidth: 180 }).addTo(map);

  function pane(name, z) { map.createPane(name).style.zIndex = z; }
  pane("land", 200); pane("relief", 250); pane("coverage", 350); pane("rings", 400);
  pane("tracks", 450); pane("leaks", 500); pane("points", 620);

  var borders = L.geoJSON(DATA.borders, {
    pane: "land", interactive: false,
    style: { className: "iad-border", color: "#6b6b6b", weight: 0.8, fillColor: "#f4f1ea", fillOpacity: 1 }
  }).addTo(map);
  var relief = null;
  if (DATA.hillshade) {
    relief = L.imageOverlay(DATA.hillshade.url, DATA.hillshade.bounds, {
      pane: "relief", opacity: 0.75, interactive: false, className: "iad-relief"
    }).addTo(map);
  }

  function byLayer(fc, names) {
    return { type: "FeatureCollection",
             features: fc.features.filter(function (f) { return names.indexOf(f.properties.layer) >= 0; }) };
  }
  function tip(f, layer) { if (f.properties.name) { layer.bindTooltip(f.properties.name, { sticky: true }); } }
  function points(fc, names, opts, cls) {
    return L.geoJSON(byLayer(fc, names), {
      pane: "points",
      pointToLayer: function (f, ll) {
        var o = Object.assign({ pane: "points", className: cls, color: "#ffffff", weight: 1,
                                fillColor: f.properties.color || "#333", fillOpacity: 1 }, opts);
        return L.circleMarker(ll, o);
      },
      onEachFeature: tip
    });
  }
  function shapes(fc, names, style, paneName) {
    return L.geoJSON(byLayer(fc, names), {
      pane: paneName,
      style: function (f) { return Object.assign({ color: f.properties.color, fillColor: f.properties.color }, style); },
      onEachFeature: tip
    });
  }

  function variantLayers(v) {
    var fc = v.features, groups = [];
    var cov = fc.features.filter(function (f) { return f.properties.layer === "coverage"; });
    cov.sort(function (a, b) { return b.properties.altitude_m - a.properties.altitude_m; });
    cov.forEach(function (f) {
      var g = L.geoJSON(f, {
        pane: "coverage", interactive: false,
        style: { className: "iad-coverage", color: f.properties.color, weight: 0.6, opacity: 0.8,
                 fillColor: f.properties.color, fillOpacity: 0.22 }
      });
      groups.push(["Coverage ≥ " + f.properties.altitude_m + " m AGL (" +
                   Math.round(f.properties.area_km2).toLocaleString("en") + " km²)", g, true]);
    });
    groups.push(["Radar instrumented range", shapes(fc, ["radar_sector"],
      { className: "iad-radar-sector", weight: 1.2, dashArray: "2 5", fill: false }, "rings"), true]);
    groups.push(["Interceptor range rings", shapes(fc, ["range_ring"],
      { className: "iad-ring", weight: 2, dashArray: "8 5", fillOpacity: 0.04 }, "rings"), true]);
    groups.push(["Defended assets", L.layerGroup([
      shapes(fc, ["asset_area"], { className: "iad-asset-area", weight: 1.5, fillOpacity: 0.25 }, "rings"),
      points(fc, ["asset"], { radius: 7, weight: 2 }, "iad-asset")]), true]);
    groups.push(["Trajectories, replication 0", L.layerGroup([
      L.geoJSON(byLayer(fc, ["trajectory"]), {
        pane: "tracks",
        style: function (f) { return { className: "iad-trajectory iad-fate-" + f.properties.fate,
                                       color: f.properties.color, weight: 2.2, opacity: 0.9 }; },
        onEachFeature: tip }),
      points(fc, ["intercept"], { radius: 5, weight: 1.5 }, "iad-intercept"),
      points(fc, ["impact"], { radius: 4, weight: 1 }, "iad-impact")]), true]);
    groups.push(["Leaker impact points, all replications", L.geoJSON(byLayer(fc, ["leak"]), {
      pane: "leaks",
      pointToLayer: function (f, ll) {
        return L.circleMarker(ll, { pane: "leaks", className: "iad-leak", radius: 2.5, stroke: false,
                                    fillColor: FATES.leaked, fillOpacity: 0.35, interactive: false });
      } }), true]);
    groups.push(["Fire units", points(fc, ["fire_unit"], { radius: 6, weight: 2 }, "iad-fire-unit"), true]);
    groups.push(["Radars", points(fc, ["radar"], { radius: 4, weight: 1.5 }, "iad-radar"), true]);
    return groups;
  }

  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    var d = L.DomUtil.create("div", "legend");
    var h = "<b>Threats</b><br>";
    Object.keys(FATES).forEach(function (k) { h += '<i class="line" style="background:' + FATES[k] + '"></i>' + k + "<br>"; });
    h += '<i style="background:' + DATA.colors.asset + '"></i>defended asset<br>';
    h += '<i style="background:' + DATA.colors.fire_unit + '"></i>fire unit<br>';
    h += '<i style="background:' + DATA.colors.radar + '"></i>radar<br>';
    h += "<b>Coverage (m AGL)</b><br>";
    Object.keys(DATA.colors.bands).forEach(function (k) {
      h += '<i style="background:' + DATA.colors.bands[k] + '"></i>' + k + "<br>"; });
    d.innerHTML = h;
    return d;
  };
  legend.addTo(map);

  var control = null, current = [];
  function showVariant(name) {
    var v = DATA.variants.filter(function (x) { return x.name === name; })[0] || DATA.variants[0];
    current.forEach(function (g) { map.removeLayer(g[1]); });
    if (control) { control.remove(); }
    var overlays = { "Country borders": borders };
    if (relief) { overlays["Relief (GLOBE DEM)"] = relief; }
    current = variantLayers(v);
    current.forEach(function (g) { overlays[g[0]] = g[1]; if (g[2]) { g[1].addTo(map); } });
    control = L.control.layers(null, overlays, { collapsed: true, position: "topright" }).addTo(map);
    document.getElementById("variant-description").textContent = v.description || "";
    document.getElementById("map-notes").textContent = (v.notes || []).join("; ");
    if (!map._loaded) { map.fitBounds(v.bounds, { padding: [20, 20] }); }
    document.querySelectorAll(".variant-block").forEach(function (b) {
      var on = b.getAttribute("data-variant") === v.name;
      b.classList.toggle("active", on);
      if (on) { b.querySelectorAll(".js-plotly-plot").forEach(function (p) { Plotly.Plots.resize(p); }); }
    });
  }
  var select = document.getElementById("variant-select");
  select.addEventListener("change", function () { showVariant(select.value); });
  showVariant(select.value);
  document.body.setAttribute("data-report-ready", "1");
})();
