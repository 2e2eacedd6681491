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
  // Sites with a permanent label: the side and vertical offset come from the data, where
  // sites that stand together (an asset and its fire units) are given stacked positions.
  function labelled(fc, names, opts, cls) {
    return L.geoJSON(byLayer(fc, names), {
      pane: "points",
      pointToLayer: function (f, ll) {
        var o = Object.assign({ pane: "points", className: cls, color: "#ffffff", weight: 1,
                                fillColor: f.properties.color || "#333", fillOpacity: 1 }, opts);
        var m = L.circleMarker(ll, o);
        var right = f.properties.label_side !== "left";
        var dy = f.properties.label_dy_px || 0;
        m.bindTooltip(f.properties.name, {
          permanent: true, direction: right ? "right" : "left", opacity: 0.95,
          offset: [right ? 8 : -8, dy], className: "iad-label iad-label-" + f.properties.layer
        });
        m.bindPopup(details(f.properties));  // the label is the name; a click tells the rest
        return m;
      }
    });
  }
  function details(p) {
    var t = document.createElement("div"), rows = [];
    if (p.layer === "fire_unit") {
      rows = [["system", p.system], ["interceptor", p.interceptor],
              ["range", p.max_range_m ? Math.round(p.max_range_m / 1000) + " km" : null],
              ["networked", p.networked === undefined ? null : String(p.networked)]];
    } else {
      rows = [["value", p.value], ["radius", p.radius_m ? p.radius_m + " m" : null]];
    }
    var b = document.createElement("b"); b.textContent = p.name; t.appendChild(b);
    rows.forEach(function (r) {
      if (r[1] === null || r[1] === undefined) { return; }
      var d = document.createElement("div"); d.textContent = r[0] + ": " + r[1]; t.appendChild(d);
    });
    return t;
  }
  function launches(fc) {
    return L.geoJSON(byLayer(fc, ["launch"]), {
      pane: "points",
      pointToLayer: function (f, ll) {
        return L.marker(ll, { pane: "points", keyboard: false,
          icon: L.divIcon({ className: "iad-launch", html: "<div></div>", iconSize: [12, 12] }) });
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
      labelled(fc, ["asset"], { radius: 7, weight: 2 }, "iad-asset")]), true]);
    groups.push(["Launch points", launches(fc), true]);
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
    // radars first: a fire unit's own radar stands on it, and the fire unit must stay visible
    groups.push(["Radars", points(fc, ["radar"], { radius: 4, weight: 1.5 }, "iad-radar"), true]);
    groups.push(["Fire units", labelled(fc, ["fire_unit"], { radius: 6, weight: 2 }, "iad-fire-unit"), true]);
    return groups;
  }

  var legend = L.control({ position: "bottomright" });
  // one entry per style drawn on the map, each drawn as the map draws it
  function line(color, dash, width) {
    return '<svg class="key" width="24" height="10"><line x1="1" y1="5" x2="23" y2="5" stroke="' +
      color + '" stroke-width="' + (width || 2) + '"' + (dash ? ' stroke-dasharray="' + dash + '"' : "") +
      "/></svg>";
  }
  function dot(fill, r, stroke) {
    return '<svg class="key" width="24" height="12"><circle cx="12" cy="6" r="' + r + '" fill="' + fill +
      '" stroke="' + (stroke || "#ffffff") + '" stroke-width="1.5"/></svg>';
  }
  function row(key, text) { return '<div class="row">' + key + "<span>" + text + "</span></div>"; }
  legend.onAdd = function () {
    var d = L.DomUtil.create("div", "map-legend");
    var c = DATA.colors, h = "<b>Threats, replication 0</b>";
    Object.keys(FATES).forEach(function (k) { h += row(line(FATES[k], null, 2.5), k); });
    h += row(dot(FATES.killed, 4.5), "intercept");
    h += row(dot(FATES.leaked, 4), "impact");
    h += row(dot(FATES.leaked, 2.5, "none"), "leaker impacts, all replications");
    h += row('<svg class="key" width="24" height="12"><rect x="7.5" y="1.5" width="9" height="9" fill="' +
             c.launch + '" stroke="#fff" transform="rotate(45 12 6)"/></svg>', "launch point");
    h += "<b>Defence</b>";
    h += row(dot(c.asset, 6), "defended asset (and its radius)");
    h += row(dot(c.fire_unit, 5), "fire unit");
    h += row(line(c.ring, "8 5", 2), "interceptor range (wedge: sector)");
    h += row(dot(c.radar, 3.5), "radar");
    h += row(line(c.radar, "2 5", 1.5), "radar instrumented range");
    h += "<b>Coverage (m above ground)</b><div class=\"row\">";
    Object.keys(c.bands).forEach(function (k) {
      h += '<i style="background:' + c.bands[k] + '"></i><span class="band">' + k + "</span>"; });
    d.innerHTML = h + "</div>";
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
    if (!map._loaded) {
      // every site and launch point in view, none under the legend (bottom right)
      var lw = legend.getContainer() ? legend.getContainer().offsetWidth : 0;
      map.fitBounds(DATA.view || v.bounds, { paddingTopLeft: [20, 20], paddingBottomRight: [lw + 30, 20] });
    }
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
