/* venuefinder map page: routes. The "Run a loop" panel asks /api/routes/loop for loops
 * from the searched point (or a point picked on the map) and draws them: the chosen one
 * thick with arrows in the running direction and the stretches to run forwards in orange,
 * the alternatives thin and grey (click one to choose it). A venue's popup gets a
 * "Way there" button, drawn the same way, dashed.
 *
 * Runs after app.js and uses what it exposes (window.venuefinder: map, state, el). Every
 * text built from data goes through textContent (el), never innerHTML.
 */
(function () {
  "use strict";

  var vf = window.venuefinder;
  var panel = document.getElementById("loop-panel");
  if (!vf || !panel) return;
  var $ = function (id) { return document.getElementById(id); };
  var el = vf.el;
  var map = vf.map;
  var urls = { loop: panel.dataset.loopUrl, gpx: panel.dataset.gpxUrl, to: panel.dataset.toUrl };
  var els = {
    form: $("loop-form"), length: $("loop-length"), lit: $("loop-lit"), go: $("loop-go"),
    pick: $("loop-pick"), start: $("loop-start"), status: $("loop-status"),
    list: $("loop-list"), detail: $("loop-detail"), gpx: $("loop-gpx")
  };
  var COLOURS = { route: "#5b2a86", other: "#7d8590", forwards: "#e07000" };
  /** Arrows every this many metres along the chosen route. */
  var ARROW_SPACING_M = 200;

  var state = {
    features: [], chosen: 0, kind: null, venueName: null,
    picked: null,   // {lat, lon, origin}: a map click, kept while the searched point stays
    picking: false, request: null
  };
  var layers = map ? { routes: L.layerGroup().addTo(map), legend: null } : null;

  function setStatus(text, isError) {
    els.status.textContent = text;
    els.status.classList.toggle("error", !!isError);
  }

  // ------------------------------------------------------------------ start and request
  function start() {
    var origin = vf.state.origin;
    if (state.picked && state.picked.origin === origin) return state.picked;
    state.picked = null;
    return { lat: origin.lat, lon: origin.lon, label: origin.label };
  }
  function showStart() { els.start.textContent = start().label; }

  function query(params) {
    return Object.keys(params).map(function (key) {
      return encodeURIComponent(key) + "=" + encodeURIComponent(params[key]);
    }).join("&");
  }

  function fetchRoutes(url) {
    if (state.request) state.request.abort();
    var controller = new AbortController();
    state.request = controller;
    return fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (!response.ok) {
            throw new Error((body && body.message) || "the server answered " + response.status);
          }
          return body;
        });
      });
  }

  function findLoops() {
    var from = start();
    var params = { lat: from.lat.toFixed(6), lon: from.lon.toFixed(6),
                   length: els.length.value, lit: els.lit.checked ? "true" : "false",
                   alternatives: 3 };
    var km = Number(els.length.value) / 1000;
    setStatus("Looking for loops of " + km + " km from " + from.label + "…");
    els.gpx.hidden = true;
    return fetchRoutes(urls.loop + "?" + query(params)).then(function (body) {
      els.gpx.href = urls.gpx + "?" + query(params);
      show(body.features, "loop", null);
      var n = body.features.length;
      setStatus(n + (n === 1 ? " loop" : " loops") + " of about " + km + " km from " +
                from.label + ", safest first.");
    }).catch(failed);
  }

  function wayThere(venueId, venueName) {
    var from = vf.state.origin;
    panel.open = true;
    setStatus("Looking for the way from " + from.label + " to " + venueName + "…");
    var params = { lat: from.lat.toFixed(6), lon: from.lon.toFixed(6), venue: venueId };
    return fetchRoutes(urls.to + "?" + query(params)).then(function (body) {
      els.gpx.hidden = true;  // the GPX download is for loops
      show(body.features, "way_to", venueName);
      setStatus("The way there from " + from.label + " to " + venueName + ".");
    }).catch(failed);
  }

  function failed(err) {
    if (err && err.name === "AbortError") return;
    setStatus(err.message, true);
  }

  // ------------------------------------------------------------------------- geometry
  // Distances along the line, flat-earth within a city (as app.js estimates distances),
  // scaled to the route's own length so that the API's from_m/to_m fall where it meant.
  function measure(coords, lengthM) {
    var lat0 = coords[0][1] * Math.PI / 180;
    var kx = 111320 * Math.cos(lat0), ky = 110540;
    var cum = [0];
    for (var i = 1; i < coords.length; i++) {
      var dx = (coords[i][0] - coords[i - 1][0]) * kx, dy = (coords[i][1] - coords[i - 1][1]) * ky;
      cum.push(cum[i - 1] + Math.sqrt(dx * dx + dy * dy));
    }
    var scale = cum[cum.length - 1] > 0 ? lengthM / cum[cum.length - 1] : 1;
    return { cum: cum.map(function (d) { return d * scale; }), kx: kx, ky: ky };
  }

  function pointAt(coords, m, at) {
    // Position and screen bearing (degrees clockwise from east) at *at* metres.
    var i = 1;
    while (i < coords.length - 1 && m.cum[i] < at) i++;
    var a = coords[i - 1], b = coords[i];
    var span = m.cum[i] - m.cum[i - 1];
    var t = span > 0 ? Math.max(0, Math.min(1, (at - m.cum[i - 1]) / span)) : 0;
    var angle = Math.atan2(-(b[1] - a[1]) * m.ky, (b[0] - a[0]) * m.kx) * 180 / Math.PI;
    return { latlng: [a[1] + t * (b[1] - a[1]), a[0] + t * (b[0] - a[0])], angle: angle };
  }

  function slice(coords, m, from, to) {
    var out = [pointAt(coords, m, from).latlng];
    for (var i = 0; i < coords.length; i++) {
      if (m.cum[i] > from && m.cum[i] < to) out.push([coords[i][1], coords[i][0]]);
    }
    out.push(pointAt(coords, m, to).latlng);
    return out;
  }

  // ---------------------------------------------------------------------------- drawing
  function draw() {
    if (!map) return;
    layers.routes.clearLayers();
    state.features.forEach(function (feature, index) {
      if (index === state.chosen) return;
      var other = L.geoJSON(feature, { style: { color: COLOURS.other, weight: 3, opacity: 0.8 } });
      other.on("click", function () { choose(index); });
      other.bindTooltip("Loop " + (index + 1) + ": click to choose it");
      layers.routes.addLayer(other);
    });
    var feature = state.features[state.chosen];
    if (!feature) return;
    var coords = feature.geometry.coordinates;
    var m = measure(coords, feature.properties.length_m);
    var line = L.geoJSON(feature, { style: {
      color: COLOURS.route, weight: 6, opacity: 0.9,
      dashArray: state.kind === "way_to" ? "10 8" : null } });
    layers.routes.addLayer(line);
    feature.properties.forward_stretches.forEach(function (s) {
      L.polyline(slice(coords, m, s.from_m, s.to_m), { color: COLOURS.forwards, weight: 8 })
        .bindTooltip("Run forwards here: " + Math.round(-s.grade_pct) + " % downhill")
        .addTo(layers.routes);
    });
    var total = m.cum[m.cum.length - 1];
    for (var at = ARROW_SPACING_M / 2; at < total; at += ARROW_SPACING_M) {
      var p = pointAt(coords, m, at);
      var arrow = el("span", "route-arrow", "➤");
      arrow.style.transform = "rotate(" + p.angle.toFixed(0) + "deg)";
      L.marker(p.latlng, { icon: L.divIcon({ html: arrow, className: "route-arrow-icon",
                                             iconSize: [18, 18] }),
                           interactive: false, keyboard: false }).addTo(layers.routes);
    }
    L.circleMarker([coords[0][1], coords[0][0]], {
      radius: 8, color: COLOURS.route, weight: 3, fillColor: "#fff", fillOpacity: 1
    }).bindTooltip(state.kind === "way_to" ? "From here" : "Start and finish").addTo(layers.routes);
    if (state.kind === "way_to") {
      var end = coords[coords.length - 1];
      L.circleMarker([end[1], end[0]], { radius: 6, color: COLOURS.route, weight: 3,
                                         fillColor: COLOURS.route, fillOpacity: 1 })
        .bindTooltip(state.venueName).addTo(layers.routes);
    }
    drawLegend(feature);
  }

  function drawLegend(feature) {
    if (layers.legend) layers.legend.remove();
    layers.legend = L.control({ position: "bottomleft" });
    layers.legend.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend route-legend");
      box.appendChild(el("h3", null, state.kind === "way_to" ? "Way there" : "Loop"));
      function row(colour, text) {
        var line = el("div");
        var sw = el("span", "swatch");
        sw.style.background = colour;
        line.appendChild(sw);
        line.appendChild(document.createTextNode(text));
        box.appendChild(line);
      }
      row(COLOURS.route, state.kind === "way_to" ? "walk it forwards ➤"
                                                 : "run it " + feature.properties.direction + " ➤");
      if (feature.properties.forward_stretches.length) row(COLOURS.forwards, "run forwards here");
      if (state.features.length > 1) row(COLOURS.other, "other loops (click to choose)");
      return box;
    };
    layers.legend.addTo(map);
  }

  // ------------------------------------------------------------------------------ panel
  function lapsText(laps) {
    var what = { track: "track", field: "field's edge" }[laps.of] || "loop";
    return laps.count + (laps.count === 1 ? " lap" : " laps") + " of the " +
      Math.round(laps.lap_m) + " m " + what + (laps.name ? " (" + laps.name + ")" : "");
  }

  function summary(p) {
    var parts = [(p.length_m / 1000).toFixed(2) + " km", "score " + Math.round(p.score)];
    if (p.kind === "loop") parts.push(p.direction);
    if (p.laps) parts.push(lapsText(p.laps));
    return parts.join(" · ");
  }

  function renderList() {
    els.list.textContent = "";
    if (state.kind !== "loop") return;
    state.features.forEach(function (feature, index) {
      var item = el("li");
      var button = el("button", "route-item", (index + 1) + ". " + summary(feature.properties));
      button.type = "button";
      if (index === state.chosen) button.setAttribute("aria-current", "true");
      button.addEventListener("click", function () { choose(index); });
      item.appendChild(button);
      els.list.appendChild(item);
    });
  }

  function renderDetail() {
    els.detail.textContent = "";
    var feature = state.features[state.chosen];
    if (!feature) return;
    var p = feature.properties;
    var card = el("article", "route-card");
    card.appendChild(el("h3", null, state.kind === "way_to" ? "Way there to " + state.venueName
                                                           : "Loop " + (state.chosen + 1)));
    card.appendChild(el("p", "meta", summary(p)));
    card.appendChild(el("p", "direction", state.kind === "way_to"
      ? "Walk it forwards, following the arrows."
      : "Run it " + p.direction + ", as the arrows show" +
        (p.forward_stretches.length ? "; turn round and run forwards on the orange stretches." : ".")));
    if (p.warnings.length) {
      card.appendChild(el("h4", null, "Look out for"));
      var warnings = el("ul", "warnings");
      p.warnings.forEach(function (w) { warnings.appendChild(el("li", null, w)); });
      card.appendChild(warnings);
    }
    var reasons = el("dl");
    Object.keys(p.reasons).forEach(function (key) {
      reasons.appendChild(el("dt", null, key.charAt(0).toUpperCase() + key.slice(1)));
      reasons.appendChild(el("dd", null, p.reasons[key]));
    });
    card.appendChild(reasons);
    els.detail.appendChild(card);
  }

  function show(features, kind, venueName) {
    state.features = features;
    state.kind = kind;
    state.venueName = venueName;
    state.chosen = 0;
    renderList();
    renderDetail();
    draw();
    els.gpx.hidden = kind !== "loop" || !features.length;
    if (map && features.length) {
      map.fitBounds(L.geoJSON(features[0]).getBounds(), { padding: [30, 30], maxZoom: 17 });
    }
  }

  function choose(index) {
    state.chosen = index;
    renderList();
    renderDetail();
    draw();
  }

  // ------------------------------------------------------------------------------ wiring
  els.form.addEventListener("submit", function (event) {
    event.preventDefault();
    findLoops();
  });
  panel.addEventListener("toggle", showStart);

  if (!map) {
    els.pick.disabled = true;
  } else {
    els.pick.addEventListener("click", function () {
      state.picking = true;
      map.getContainer().classList.add("picking");
      setStatus("Click the map where the run starts.");
      map.once("click", function (event) {
        state.picking = false;
        map.getContainer().classList.remove("picking");
        state.picked = { lat: event.latlng.lat, lon: event.latlng.lng,
                         label: "the point you picked", origin: vf.state.origin };
        showStart();
        findLoops();
      });
    });
    // "Way there" in a venue's popup: the popup opened is the selected venue's.
    map.on("popupopen", function (event) {
      var card = event.popup.getContent();
      var id = vf.state.selectedId;
      var feature = id && vf.state.features.get(id);
      if (!(card instanceof HTMLElement) || !feature || card.querySelector(".way-there")) return;
      var name = feature.properties.name || "this place";
      var button = el("button", "secondary way-there", "Way there");
      button.type = "button";
      button.setAttribute("aria-label", "Way there from " + vf.state.origin.label + " to " + name);
      button.addEventListener("click", function () { wayThere(id, name); });
      card.appendChild(button);
    });
  }
  showStart();

  // For tests and debugging: read-only view of what the panel holds.
  window.venuefinderRoutes = { state: state, layers: layers, findLoops: findLoops,
                               wayThere: wayThere };
})();
