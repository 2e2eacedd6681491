// iadsim serve: the page. Talks only to its own origin (the session cookie goes with every
// request); no tiles, no CDN: borders and relief come from /api/state.
(function () {
  "use strict";
  // the token was in the URL for the first load only; the cookie carries it from now on
  if (window.location.search) { history.replaceState(null, "", "/"); }

  var $ = function (id) { return document.getElementById(id); };
  var state = null, selected = null, job = null, source = null;
  var map = L.map("map", { zoomSnap: 0.25, preferCanvas: false });
  window.iadsimMap = map; // for the browser test and the console
  L.control.scale({ imperial: false }).addTo(map);
  var bordersLayer = null, reliefLayer = null;
  var coverageLayer = L.layerGroup().addTo(map);
  var sitesLayer = L.layerGroup().addTo(map);
  var raidsLayer = L.layerGroup().addTo(map);
  var assetsLayer = L.layerGroup().addTo(map);
  var suggestLayer = L.layerGroup().addTo(map);
  var optJob = null, optTimer = null, fitted = false;
  document.body.dataset.coverageRev = "0";
  document.body.dataset.resultsRev = "0";

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function showError(msg) { $("error").textContent = msg || ""; }

  function api(method, url, body) {
    var opts = { method: method, headers: {}, credentials: "same-origin" };
    if (body !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(body);
    }
    return fetch(url, opts).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        return { ok: r.ok, status: r.status, body: j };
      });
    });
  }

  function variant() { return $("variant").value; }
  function variantInfo() {
    var v = variant();
    return state.variants.filter(function (x) { return x.name === v; })[0];
  }
  function inVariant(kind, name) {
    var list = variantInfo()[kind];
    return list === null || list === undefined || list.indexOf(name) >= 0;
  }

  function icon(cls, size) {
    return L.divIcon({ className: "", iconSize: [size, size], iconAnchor: [size / 2, size / 2],
      html: '<div class="' + cls + '"></div>' }); // sized by app.css (no inline style: CSP)
  }

  // labels of sites standing together are stacked downwards instead of drawn over each
  // other (a greedy pass in screen space; redone after every zoom)
  function labelOffset(placed, latlng) {
    var p = map.latLngToContainerPoint(latlng), dy = 0;
    var hit = function () {
      return placed.some(function (q) { return Math.abs(q.x - p.x) < 120 && Math.abs(q.y - (p.y + dy)) < 15; });
    };
    while (hit() && dy < 200) { dy += 15; }
    placed.push({ x: p.x, y: p.y + dy });
    return dy;
  }

  function drawSites() {
    sitesLayer.clearLayers();
    var placed = [];
    ["fire_units", "sensors"].forEach(function (kind) {
      state[kind].forEach(function (s) {
        var mine = inVariant(kind, s.name);
        var isSel = selected && selected.kind === kind && selected.name === s.name;
        var cls = "site-icon " + kind + (mine ? "" : " excluded") + (isSel ? " selected" : "");
        // sites of other variants are faded, unlabelled and fixed (they do not count here);
        // the selected site, then fire units, then sensors lie on top, so a drag where
        // several stand together takes the one picked in the list or the fire unit
        var m = L.marker([s.lat, s.lon], { draggable: mine || isSel, icon: icon(cls, mine ? 16 : 10),
          title: s.name, alt: s.name, keyboard: false,
          zIndexOffset: isSel ? 9000 : !mine ? 0 : kind === "fire_units" ? 3000 : 2000 });
        if (mine || isSel) {
          m.bindTooltip(s.name + " (" + s.system + ")", { permanent: true, direction: "right",
            offset: [8, labelOffset(placed, [s.lat, s.lon])], className: "site-label" });
        } else {
          m.bindTooltip(s.name + " (" + s.system + "; not in this variant)", { className: "site-label" });
        }
        m.on("click", function () { select(kind, s.name); });
        m.on("dragend", function () {
          var p = m.getLatLng();
          api("POST", "/api/edit", { op: "move", kind: kind, name: s.name, lat: p.lat, lon: p.lng })
            .then(function (r) { afterEdit(r, kind, s.name, null); });
        });
        m.addTo(sitesLayer);
        m.getElement().setAttribute("data-site", s.name);
        m.getElement().setAttribute("data-kind", kind);
      });
    });
    var pick = $("site-pick"), keep = selected ? selected.kind + "/" + selected.name : "";
    pick.textContent = "";
    pick.appendChild(el("option", { value: "" }, "(pick a site)"));
    ["fire_units", "sensors"].forEach(function (kind) {
      state[kind].forEach(function (s) {
        if (!inVariant(kind, s.name)) { return; }
        pick.appendChild(el("option", { value: kind + "/" + s.name },
          (kind === "fire_units" ? "fire unit " : "sensor ") + s.name + " (" + s.system + ")"));
      });
    });
    pick.value = keep;
  }

  function drawStatic() {
    assetsLayer.clearLayers();
    raidsLayer.clearLayers();
    state.assets.forEach(function (a) {
      L.circle([a.lat, a.lon], { radius: a.radius_m, color: "#2ca02c", weight: 1 }).addTo(assetsLayer);
      L.marker([a.lat, a.lon], { icon: icon("asset-icon", 12), interactive: true, keyboard: false })
        .bindTooltip(a.name + " (value " + a.value + ")", { permanent: true, direction: "left",
          offset: [-8, 0], className: "site-label" }).addTo(assetsLayer);
    });
    state.raids.forEach(function (r) {
      r.launch_points.forEach(function (p) {
        L.marker(p, { icon: icon("launch-icon", 10), keyboard: false })
          .bindTooltip(r.name + ": " + r.count + " x " + r.threat).addTo(raidsLayer);
        if (r.aim) {
          L.polyline([p, r.aim], { color: "#9467bd", weight: 1, dashArray: "4 4" }).addTo(raidsLayer);
        }
      });
    });
  }

  var coverageAsked = 0;
  function drawCoverage() {
    var band = $("band").value, mine = ++coverageAsked;
    $("cov-status").textContent = "coverage: computing...";
    var url = "/api/coverage?altitude_m=" + encodeURIComponent(band) +
      "&variant=" + encodeURIComponent(variant());
    return api("GET", url).then(function (r) {
      // an answer to an older request (another band, variant or layout) is not drawn
      if (mine !== coverageAsked) { return; }
      if (!r.ok) { showError(JSON.stringify(r.body.errors || r.body.error)); return; }
      coverageLayer.clearLayers();
      L.geoJSON(r.body, { style: { color: "#21918c", weight: 1, fillOpacity: 0.25,
        className: "coverage-area" } }).addTo(coverageLayer);
      var area = r.body.features.length ? r.body.features[0].properties.area_km2 : 0;
      $("cov-status").textContent = "coverage at " + band + " m: " +
        Math.round(area).toLocaleString() + " km², " + r.body.radars + " radar(s), " +
        r.body.tables_computed + " table(s) computed" + (r.body.notes.length ? "; " + r.body.notes.join("; ") : "");
      if (!fitted) { // the first view: the theatre and what the variant covers
        fitted = true;
        var b = L.latLngBounds(theatre());
        coverageLayer.eachLayer(function (l) { if (l.getBounds) { b.extend(l.getBounds()); } });
        map.fitBounds(b.pad(0.05), { animate: false });
      }
      document.body.dataset.coverageRev = String(Number(document.body.dataset.coverageRev) + 1);
    });
  }
  function theatre() {
    var pts = [];
    state.assets.forEach(function (a) { pts.push([a.lat, a.lon]); });
    state.fire_units.forEach(function (a) { if (inVariant("fire_units", a.name)) { pts.push([a.lat, a.lon]); } });
    state.raids.forEach(function (r) { r.launch_points.forEach(function (p) { pts.push(p); }); });
    return pts;
  }

  function fieldInput(kind, s, field, input) {
    var row = el("label", {}, field + " ");
    row.appendChild(input);
    var err = el("div", { "class": "field-error", "data-field": field });
    row.appendChild(err);
    input.addEventListener("change", function () {
      var v = input.type === "checkbox" ? input.checked : input.value;
      if (input.type === "number") { v = input.value === "" ? null : Number(input.value); }
      api("POST", "/api/edit", { op: "set", kind: kind, name: s.name, field: field, value: v })
        .then(function (r) { afterEdit(r, kind, s.name, field); });
    });
    input.setAttribute("data-field", field);
    return row;
  }
  function select_(options, value, blank) {
    var sel = el("select");
    if (blank) { sel.appendChild(el("option", { value: "" }, blank)); }
    options.forEach(function (o) {
      var opt = el("option", { value: o }, o);
      if (o === value) { opt.selected = true; }
      sel.appendChild(opt);
    });
    return sel;
  }
  function number(value, step) {
    var i = el("input", { type: "number", step: step || "any" });
    i.value = value === null || value === undefined ? "" : value;
    return i;
  }

  function select(kind, name) {
    selected = { kind: kind, name: name };
    var s = state[kind].filter(function (x) { return x.name === name; })[0];
    var box = $("editor");
    box.textContent = "";
    if (!s) { selected = null; drawSites(); return; }
    box.appendChild(el("p", {}, (kind === "fire_units" ? "Fire unit " : "Sensor ") + name +
      (inVariant(kind, name) ? "" : " (not in this variant)")));
    var cat = state.catalog[s.system] || { interceptors: [], radars: [] };
    box.appendChild(fieldInput(kind, s, "system", select_(Object.keys(state.catalog), s.system)));
    if (kind === "fire_units") {
      box.appendChild(fieldInput(kind, s, "interceptor",
        select_(cat.interceptors, s.interceptor, "(system default)")));
      box.appendChild(fieldInput(kind, s, "interceptors_loaded", number(s.interceptors_loaded, 1)));
    } else {
      box.appendChild(fieldInput(kind, s, "radar", select_(cat.radars, s.radar)));
    }
    box.appendChild(fieldInput(kind, s, "sector_center_deg", number(s.sector_center_deg)));
    box.appendChild(fieldInput(kind, s, "sector_width_deg", number(s.sector_width_deg)));
    var net = el("input", { type: "checkbox" });
    net.checked = !!s.networked;
    box.appendChild(fieldInput(kind, s, "networked", net));
    box.appendChild(fieldInput(kind, s, "lat", number(s.lat)));
    box.appendChild(fieldInput(kind, s, "lon", number(s.lon)));
    var rm = el("button", { type: "button" }, "Remove");
    rm.addEventListener("click", function () {
      api("POST", "/api/edit", { op: "remove", kind: kind, name: name })
        .then(function (r) { selected = null; afterEdit(r, kind, null, null); });
    });
    box.appendChild(rm);
    drawSites();
  }

  function afterEdit(r, kind, name, field) {
    if (!r.ok) {
      var errs = r.body.errors || [];
      var text = errs.map(function (e) { return e.text || (e.field + ": " + e.message); }).join("\n");
      showError(text || r.body.error || ("error " + r.status));
      // the field's own message beside the field
      document.querySelectorAll(".field-error").forEach(function (d) {
        var mine = errs.filter(function (e) {
          return field && (e.field === d.getAttribute("data-field") || e.field.endsWith("." + d.getAttribute("data-field")));
        });
        d.textContent = mine.map(function (e) { return e.message; }).join("; ");
      });
      drawSites(); // a refused move snaps back
      return;
    }
    showError("");
    return loadState().then(function () {
      if (r.body.added) { name = r.body.added; }
      if (name) { select(kind, name); }
      return drawCoverage();
    });
  }

  function loadState(first) {
    return api("GET", "/api/state").then(function (r) {
      if (!r.ok) { showError(r.body.error || "cannot load the scenario"); return; }
      state = r.body;
      if (first) {
        $("scenario").textContent = state.scenario + " (" + state.file + ")";
        state.variants.forEach(function (v) { $("variant").appendChild(el("option", { value: v.name }, v.name)); });
        // the first variant with a defence is the interesting one to start with
        var defended = state.variants.filter(function (v) { return v.fire_units === null || v.fire_units.length; })[0];
        if (defended) { $("variant").value = defended.name; }
        state.altitudes_m.forEach(function (a) { $("band").appendChild(el("option", { value: a }, a)); });
        $("band").value = "100";
        Object.keys(state.catalog).forEach(function (n) { $("add-system").appendChild(el("option", { value: n }, n)); });
        $("reps").value = Math.min(state.replications, 1000);
        if (state.relief) { reliefLayer = L.imageOverlay(state.relief.url, state.relief.bounds, { className: "serve-relief" }).addTo(map); }
        bordersLayer = L.geoJSON(state.borders, { style: { color: "#555", weight: 1, fill: false, className: "serve-border" },
          interactive: false }).addTo(map);
        map.fitBounds(L.latLngBounds(theatre()).pad(0.15));
        state.threats.forEach(function (t) { $("opt-threat").appendChild(el("option", { value: t }, t)); });
        $("opt-threat").value = state.default_threat;
      }
      drawStatic();
      drawSites();
    });
  }

  function fmt(x, d) { return x === null || x === undefined || isNaN(x) ? "–" : Number(x).toFixed(d === undefined ? 3 : d); }
  function money(x) { return x === null || x === undefined ? "–" : "$" + (x / 1e6).toFixed(1) + " M"; }
  function table(id, head, rows) {
    var t = el("table", { id: id });
    var tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", {}, h)); });
    t.appendChild(tr);
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (c) { row.appendChild(el("td", {}, c)); });
      t.appendChild(row);
    });
    return t;
  }
  function showResults(res) {
    var box = $("results");
    box.textContent = "";
    var s = res.summary;
    box.appendChild(el("p", {}, res.variant + ": " + s.replications + " replications, seed " + s.seed));
    box.appendChild(table("leak-table", ["class", "P(leak)", "95% interval"], s.p_leak.map(function (r) {
      return [r.threat_class, fmt(r.p_leak), fmt(r.lo) + " – " + fmt(r.hi)];
    })));
    box.appendChild(table("hits-table", ["asset", "hits / rep", "95% interval", "P(hit)"], s.assets.map(function (a) {
      return [a.asset, fmt(a.hits_mean, 2), fmt(a.hits_lo, 2) + " – " + fmt(a.hits_hi, 2), fmt(a.p_hit)];
    })));
    box.appendChild(el("p", {}, "interceptors / rep: " + fmt(s.interceptors[0], 1) + " (" +
      fmt(s.interceptors[1], 1) + " – " + fmt(s.interceptors[2], 1) + "), cost " + money(s.cost_usd[0]) +
      " (" + money(s.cost_usd[1]) + " – " + money(s.cost_usd[2]) + ")"));
    var vs = res.vs_previous;
    var p = el("p", { id: "paired" });
    if (vs) {
      p.textContent = "vs previous run (same seed, common random numbers): leakers / rep " +
        (vs.mean >= 0 ? "+" : "") + fmt(vs.mean, 3) + " (95% " + fmt(vs.lo, 3) + " – " + fmt(vs.hi, 3) +
        "), p = " + fmt(vs.p_value, 4) + " (" + vs.test + ")";
    } else if (res.unpaired) {
      p.textContent = res.unpaired + ".";
    } else {
      p.textContent = "Run again after a change to see the paired difference from this layout.";
    }
    box.appendChild(p);
    document.body.dataset.resultsRev = String(Number(document.body.dataset.resultsRev) + 1);
  }

  function showSuggestion(st) {
    var res = st.result, box = $("opt-result");
    box.textContent = "";
    suggestLayer.clearLayers();
    var pct = function (x) { return (100 * x).toFixed(1) + "%"; };
    box.appendChild(el("p", { id: "opt-values" }, "Covered (value-weighted share of the assets' 50 km " +
      "surroundings where a unit can engage " + res.threat + ", bands 100/1000/10000 m, a second " +
      "unit counting half): now " + pct(res.current_value) + ", suggested " + pct(res.suggested_value) +
      " (" + res.method + "; " + res.candidates + " candidate sites in " + res.region + ")."));
    var rows = res.units.map(function (u) {
      return [u.name, u.to[0].toFixed(3) + " N, " + u.to[1].toFixed(3) + " E", u.distance_km.toFixed(0) + " km"];
    });
    box.appendChild(table("opt-table", ["unit", "suggested", "move"], rows));
    if (res.unused.length) {
      box.appendChild(el("p", { "class": "muted" }, "Not placed (no engagement coverage against " +
        res.threat + " to add): " + res.unused.join(", ") + "; they stay where they are."));
    }
    res.units.forEach(function (u) {
      L.polyline([u.from, u.to], { color: "#ff7f0e", weight: 2, dashArray: "6 4", interactive: false }).addTo(suggestLayer);
      // on top of the sites but transparent to the mouse, so the sites stay draggable
      L.marker(u.to, { icon: icon("suggest-icon", 18), keyboard: false, interactive: false,
        zIndexOffset: 20000 })
        .bindTooltip("suggested: " + u.name, { permanent: true, direction: "top", offset: [0, -10],
          className: "site-label suggest-label" }).addTo(suggestLayer);
    });
    var apply = el("button", { type: "button", id: "opt-apply" }, "Apply suggested layout");
    apply.disabled = !res.units.length;
    apply.addEventListener("click", function () {
      api("POST", "/api/optimise/" + st.id + "/apply").then(function (r) {
        if (!r.ok) { showError(r.body.error || ("error " + r.status)); return; }
        suggestLayer.clearLayers();
        apply.disabled = true;
        $("opt-status").textContent = "applied: " + r.body.moved.join(", ") + " moved; Run to compare";
        afterEdit(r, "fire_units", r.body.moved[0] || null, null);
      });
    });
    box.appendChild(apply);
    document.body.dataset.optimiseRev = String(Number(document.body.dataset.optimiseRev || 0) + 1);
  }

  function optimise() {
    showError("");
    $("opt-result").textContent = "";
    suggestLayer.clearLayers();
    var body = { variant: variant(), threat: $("opt-threat").value,
      spacing_km: Number($("opt-spacing").value) || 50 };
    api("POST", "/api/optimise", body).then(function (r) {
      if (!r.ok) {
        showError((r.body.errors || []).map(function (e) { return e.text || e.message; }).join("\n") || r.body.error);
        return;
      }
      $("opt-btn").disabled = true;
      var poll = function () {
        api("GET", "/api/optimise/" + r.body.id).then(function (rr) {
          var st = rr.body;
          var p = st.progress && st.progress[1] ? " (coverage " + st.progress[0] + " / " + st.progress[1] + ")" : "";
          $("opt-status").textContent = st.state + p + ": " + (st.log.length ? st.log[st.log.length - 1] : "starting");
          if (st.state === "running") { optTimer = setTimeout(poll, 400); return; }
          $("opt-btn").disabled = false;
          if (st.state === "done") {
            $("opt-status").textContent = "done in " + st.elapsed_s.toFixed(1) + " s";
            showSuggestion(st);
          } else {
            $("opt-status").textContent = "failed";
            showError(st.error);
          }
        });
      };
      poll();
    });
  }

  function run() {
    showError("");
    var n = parseInt($("reps").value, 10);
    api("POST", "/api/run", { variant: variant(), replications: n }).then(function (r) {
      if (!r.ok) { showError((r.body.errors || []).map(function (e) { return e.text; }).join("\n") || r.body.error); return; }
      job = r.body.id;
      $("run-btn").disabled = true;
      $("cancel-btn").disabled = false;
      $("progress").max = n;
      source = new EventSource("/api/run/" + job + "/events");
      source.addEventListener("progress", function (ev) {
        var st = JSON.parse(ev.data);
        $("progress").value = st.done;
        $("run-status").textContent = st.state + ": " + st.done + " / " + st.replications;
      });
      source.addEventListener("end", function (ev) {
        source.close();
        var st = JSON.parse(ev.data);
        $("run-btn").disabled = false;
        $("cancel-btn").disabled = true;
        $("run-status").textContent = st.state + (st.elapsed_s ? " in " + st.elapsed_s.toFixed(1) + " s" : "") +
          (st.error ? ": " + st.error : "");
        if (st.state === "done") {
          api("GET", "/api/run/" + job).then(function (rr) { if (rr.ok) { showResults(rr.body.result); } });
        }
      });
    });
  }

  $("run-btn").addEventListener("click", run);
  $("opt-btn").addEventListener("click", optimise);
  $("site-pick").addEventListener("change", function () {
    var v = $("site-pick").value;
    if (!v) { return; }
    var kind = v.split("/")[0], name = v.slice(kind.length + 1);
    select(kind, name);
    var s = state[kind].filter(function (x) { return x.name === name; })[0];
    if (s && !map.getBounds().contains([s.lat, s.lon])) { map.panTo([s.lat, s.lon]); }
  });
  $("cancel-btn").addEventListener("click", function () { if (job) { api("POST", "/api/run/" + job + "/cancel"); } });
  $("variant").addEventListener("change", function () {
    suggestLayer.clearLayers(); $("opt-result").textContent = ""; $("opt-status").textContent = "";
    drawSites(); drawCoverage(); if (selected) { select(selected.kind, selected.name); } });
  $("band").addEventListener("change", drawCoverage);
  $("add-btn").addEventListener("click", function () {
    var c = map.getCenter();
    var kind = $("add-kind").value;
    api("POST", "/api/edit", { op: "add", kind: kind, system: $("add-system").value,
      lat: c.lat, lon: c.lng, variant: variant() }).then(function (r) { afterEdit(r, kind, null, null); });
  });
  function save(overwrite) {
    var name = $("save-name").value.trim();
    api("POST", "/api/save", { name: name, overwrite: overwrite }).then(function (r) {
      if (r.status === 409 && r.body.exists) {
        if (window.confirm(r.body.error)) { save(true); }
        return;
      }
      $("save-status").textContent = r.ok ? "saved " + r.body.saved : (r.body.error || "error " + r.status);
    });
  }
  $("save-btn").addEventListener("click", function () { save(false); });

  loadState(true).then(function () {
    // labels are stacked in screen space: redo them after a zoom (from now on; the first
    // fitBounds fires zoomend while the map is still being set up)
    map.on("zoomend", drawSites);
    return drawCoverage();
  });
})();
