/* venuefinder map page.
 *
 * folium has already created the Leaflet map (its name is in the page config). This script
 * searches (coordinates, place names, "near me"), lists the safest places near the searched
 * point, and draws the venues of the current view, fetched from the API as the map moves:
 * the page itself embeds no venues so it stays small with any number of them.
 *
 * Everything user-visible built from data (names, reasons) goes through textContent, never
 * innerHTML: OSM names are free text.
 */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("vf-config").textContent);
  var $ = function (id) { return document.getElementById(id); };

  var els = {
    form: $("search-form"), q: $("q"), nearMe: $("near-me"), status: $("status"),
    minScore: $("min-score"), kind: $("kind"), radius: $("radius"),
    results: $("results"), originLabel: $("origin-label"),
    detail: $("detail"), detailBody: $("detail-body"),
    suggestions: $("suggestions"), mapArea: document.querySelector(".map-area")
  };

  var hasLeaflet = typeof window.L !== "undefined";
  var map = hasLeaflet && config.mapName ? window[config.mapName] : null;

  var state = {
    origin: { lat: config.center.lat, lon: config.center.lon, label: "the region centre" },
    features: new Map(),      // id -> feature (everything fetched, for the detail panel)
    listIds: [],              // ids of the list, best first
    listDistance: new Map(),  // id -> metres from the origin, as the API measured it
    viewIds: [],              // ids of the venues of the current map view
    selectedId: null,
    listRequest: null, viewRequest: null, basemapRequest: null, tilesFailed: false
  };

  // ---------------------------------------------------------------------------------- utils
  function scoreClass(score) {
    // Same thresholds as the legend: green >= 75, amber 50-74, red < 50.
    return score >= 75 ? "good" : score >= 50 ? "fair" : "poor";
  }
  var COLOURS = { good: "#1b7f3b", fair: "#e08a00", poor: "#c62828" };

  function kindLabel(kind) {
    var text = String(kind || "place").replace(/_/g, " ");
    return text.charAt(0).toUpperCase() + text.slice(1);
  }
  function nameOf(props) { return props.name || "Unnamed " + kindLabel(props.kind).toLowerCase(); }
  function formatDistance(m) {
    if (m === null || m === undefined || isNaN(m)) return "";
    if (m < 1) return "you are there";
    if (m < 1000) return Math.round(m) + " m away";
    return (m / 1000).toFixed(m < 10000 ? 1 : 0) + " km away";
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }
  function setStatus(text, isError) {
    els.status.textContent = text;
    els.status.classList.toggle("error", !!isError);
  }

  function ApiError(message, status) { this.message = message; this.status = status; }

  function getJSON(url, previous) {
    // Abort the previous request of the same kind: only the latest answer matters.
    if (previous) previous.abort();
    var controller = new AbortController();
    var promise = fetch(url, { signal: controller.signal, headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.json().catch(function () { return null; }).then(function (body) {
          if (!response.ok) {
            throw new ApiError((body && body.message) || "the server answered " + response.status,
                               response.status);
          }
          return body;
        });
      });
    return { promise: promise, controller: controller };
  }
  function isAbort(err) { return err && err.name === "AbortError"; }

  function query(params) {
    var parts = [];
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      if (value === "" || value === null || value === undefined) return;
      parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
    });
    return parts.join("&");
  }
  function filterParams() {
    return { min_score: els.minScore.value, kind: els.kind.value };
  }

  // ------------------------------------------------------------------- distance (approx.)
  // For venues drawn from the map view, the API measured distance from the view's centre,
  // not from the searched point; this local flat-earth estimate (exact enough within a
  // city) gives the distance from the searched point to the venue's outline.
  function metresProjector(lat0) {
    var kx = 111320 * Math.cos(lat0 * Math.PI / 180), ky = 110540;
    return function (lon, lat) { return [lon * kx, lat * ky]; };
  }
  function segmentDistance(p, a, b) {
    var dx = b[0] - a[0], dy = b[1] - a[1];
    var len = dx * dx + dy * dy;
    var t = len ? Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len)) : 0;
    var x = a[0] + t * dx - p[0], y = a[1] + t * dy - p[1];
    return Math.sqrt(x * x + y * y);
  }
  function ringContains(p, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = ring[i], b = ring[j];
      if ((a[1] > p[1]) !== (b[1] > p[1]) &&
          p[0] < (b[0] - a[0]) * (p[1] - a[1]) / (b[1] - a[1]) + a[0]) inside = !inside;
    }
    return inside;
  }
  function approxDistance(origin, geometry) {
    var project = metresProjector(origin.lat);
    var p = project(origin.lon, origin.lat);
    var best = Infinity;
    function line(coords) {
      var pts = coords.map(function (c) { return project(c[0], c[1]); });
      for (var i = 1; i < pts.length; i++) best = Math.min(best, segmentDistance(p, pts[i - 1], pts[i]));
      if (pts.length === 1) best = Math.min(best, segmentDistance(p, pts[0], pts[0]));
      return pts;
    }
    function polygon(rings) {
      var projected = rings.map(line);
      if (ringContains(p, projected[0]) &&
          !projected.slice(1).some(function (hole) { return ringContains(p, hole); })) best = 0;
    }
    var c = geometry.coordinates;
    switch (geometry.type) {
      case "Point": line([c]); break;
      case "LineString": line(c); break;
      case "MultiLineString": c.forEach(line); break;
      case "Polygon": polygon(c); break;
      case "MultiPolygon": c.forEach(polygon); break;
      default: return null;
    }
    return best === Infinity ? null : best;
  }
  function distanceOf(id) {
    if (state.listDistance.has(id)) return { metres: state.listDistance.get(id), approx: false };
    var f = state.features.get(id);
    return { metres: f ? approxDistance(state.origin, f.geometry) : null, approx: true };
  }

  // How much of a score rests on evidence rather than guesses by the kind of place.
  function confidenceText(confidence) {
    if (confidence >= 80) return "measured or mapped, hardly any guesses";
    if (confidence >= 50) return "partly guessed";
    return "mostly guesses by the kind of place";
  }

  // ------------------------------------------------------------------------ venue card
  // One builder for the side panel and the map popup, so both always say the same.
  function venueCard(feature) {
    var p = feature.properties;
    var card = el("article", "venue-card");
    card.appendChild(el("h3", null, nameOf(p)));
    var distance = distanceOf(p.id);
    var meta = kindLabel(p.kind);
    if (distance.metres !== null) {
      meta += " · " + (distance.approx && distance.metres >= 1 ? "about " : "") +
        formatDistance(distance.metres) + " from " + state.origin.label;
    }
    card.appendChild(el("p", "meta", meta));

    var overall = el("p", "overall");
    var badge = el("span", "badge " + scoreClass(p.score), String(Math.round(p.score)));
    overall.appendChild(badge);
    overall.appendChild(el("span", null, "overall score out of 100"));
    card.appendChild(overall);
    card.appendChild(el("p", "confidence",
      "Confidence " + p.confidence + "%: " + confidenceText(p.confidence)));

    var list = el("dl");
    config.criteria.forEach(function (c) {
      if (!(c.key in p.scores)) return;  // a live criterion the server did not score
      var dt = el("dt");
      dt.appendChild(document.createTextNode(c.label + ": "));
      dt.appendChild(el("span", "crit-score", String(Math.round(p.scores[c.key]))));
      var evidence = (p.evidence || {})[c.key];
      if (evidence === "prior") dt.appendChild(el("span", "guess", " (a guess)"));
      list.appendChild(dt);
      list.appendChild(el("dd", null, p.reasons[c.key]));
    });
    card.appendChild(list);
    if (p.vetoed_by) {
      card.appendChild(el("p", "veto", "Overall score capped by " + p.vetoed_by + "."));
    }
    if (p.note) card.appendChild(el("p", "note", p.note));
    var links = el("p", "links");
    var osm = el("a", null, "View on OpenStreetMap");
    osm.href = p.osm_url;
    osm.rel = "noopener";
    osm.target = "_blank";
    links.appendChild(osm);
    links.appendChild(document.createTextNode(" · "));
    // Relative: the map page is the app's root, wherever the app is mounted.
    var plan = el("a", "plan-session", "Plan a group session here");
    plan.href = "sessions/new?venue=" + encodeURIComponent(p.id);
    links.appendChild(plan);
    card.appendChild(links);
    return card;
  }

  // ------------------------------------------------------------------------------ map
  var layers = null;
  if (map) {
    map.getContainer().setAttribute("aria-label",
      "Map of places. Arrow keys pan, plus and minus zoom; the list beside it has every place shown.");
    // The venues are OSM data whatever the basemap; with tiles on, their layer already
    // credits the same text (Leaflet shows one copy of an identical attribution).
    map.attributionControl.addAttribution(config.attribution);
    map.createPane("basemap");
    map.getPane("basemap").style.zIndex = 250;  // above tiles (200), below venues (400)
    // No pane of its own for the searched point: with canvas rendering every pane gets its
    // own full-size canvas, and a canvas above the venues' would swallow clicks on them.
    layers = {
      basemap: L.geoJSON(null, {
        pane: "basemap", interactive: false,
        renderer: L.canvas({ pane: "basemap" }),
        style: basemapStyle,
        pointToLayer: function (f, latlng) { return L.circleMarker(latlng, { radius: 2 }); }
      }).addTo(map),
      shapes: L.layerGroup().addTo(map),
      markers: L.layerGroup().addTo(map),
      origin: L.layerGroup().addTo(map),
      byId: new Map()  // id -> {shape, marker}
    };
    addLegend();
    map.on("moveend", debounce(function () { loadView(); loadBasemap(); }, 200));
    watchTiles();
    map.on("zoomend", drawVenues);
  } else {
    setStatus(hasLeaflet ? "The map could not start; the list still works."
                         : "The map library is not installed on this server; the list still works.", true);
  }

  function debounce(fn, ms) {
    var timer = null;
    return function () { clearTimeout(timer); timer = setTimeout(fn, ms); };
  }

  function basemapStyle(feature) {
    switch (feature.properties.layer) {
      case "road": return { color: "#b8bec8", weight: 3, opacity: 0.9 };
      case "path": return { color: "#c9b8a2", weight: 1.2, dashArray: "3 3", opacity: 0.9 };
      case "water": return { color: "#9cc3e6", weight: 1, fillColor: "#bcdaf3", fillOpacity: 1 };
      case "building": return { color: "#cfc8c0", weight: 0.6, fillColor: "#e4dfd9", fillOpacity: 1 };
      case "green": return { color: "#c4dfb4", weight: 0.6, fillColor: "#dcefd2", fillOpacity: 1 };
      default: return { color: "#ddd", weight: 1 };
    }
  }

  function addLegend() {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend");
      box.appendChild(el("h3", null, "Safety score"));
      [["good", "75–100 safest"], ["fair", "50–74"], ["poor", "below 50"]].forEach(function (row) {
        var line = el("div");
        var sw = el("span", "swatch");
        sw.style.background = COLOURS[row[0]];
        line.appendChild(sw);
        line.appendChild(document.createTextNode(row[1]));
        box.appendChild(line);
      });
      var origin = el("div");
      origin.appendChild(el("span", "swatch origin"));
      origin.appendChild(document.createTextNode("searched point"));
      box.appendChild(origin);
      return box;
    };
    legend.addTo(map);
  }

  function venueStyle(feature, selected) {
    var colour = COLOURS[scoreClass(feature.properties.score)];
    return {
      color: selected ? "#0b2a5b" : colour, weight: selected ? 4 : 2,
      // Light fills: big parks would otherwise hide the basemap and the venues inside them.
      fillColor: colour, fillOpacity: selected ? 0.5 : 0.25, opacity: 1
    };
  }

  // Keep a fetched feature; a venue whose score changed (a hazard report) is drawn again,
  // so its shape and marker take the new colour.
  function remember(f) {
    var old = state.features.get(f.id);
    state.features.set(f.id, f);
    if (!layers || !old || old.properties.score === f.properties.score) return;
    var drawn = layers.byId.get(f.id);
    if (!drawn) return;
    layers.shapes.removeLayer(drawn.shape);
    layers.markers.removeLayer(drawn.marker);
    layers.byId.delete(f.id);
  }

  function drawnIds() {
    // The list's venues are always drawn; the view's are added around them.
    var ids = state.listIds.slice();
    var seen = new Set(ids);
    state.viewIds.forEach(function (id) { if (!seen.has(id)) { seen.add(id); ids.push(id); } });
    return ids;
  }

  function drawVenues() {
    var wanted = new Set(drawnIds());
    // Forget venues neither listed, in view nor selected: a long session of panning would
    // otherwise keep every venue it ever fetched.
    state.features.forEach(function (f, id) {
      if (!wanted.has(id) && id !== state.selectedId) state.features.delete(id);
    });
    if (!map) return;
    var withMarkers = map.getZoom() < config.markerMaxZoom;
    // Remove what is no longer wanted, add what is new: redrawing everything on each move
    // would make panning stutter with hundreds of shapes.
    layers.byId.forEach(function (drawn, id) {
      if (!wanted.has(id)) {
        layers.shapes.removeLayer(drawn.shape);
        layers.markers.removeLayer(drawn.marker);
        layers.byId.delete(id);
      }
    });
    var added = false;
    wanted.forEach(function (id) {
      var feature = state.features.get(id);
      if (!feature) return;
      var drawn = layers.byId.get(id);
      if (!drawn) {
        added = true;
        var shape = L.geoJSON(feature, { style: function (f) { return venueStyle(f, id === state.selectedId); } });
        var centre = shape.getBounds().getCenter();
        var marker = L.circleMarker(centre, {
          radius: 7, weight: 2, color: "#fff", fillColor: COLOURS[scoreClass(feature.properties.score)],
          fillOpacity: 1
        });
        [shape, marker].forEach(function (layer) {
          layer.on("click", function () { selectVenue(id, { from: "map" }); });
          layer.bindTooltip(nameOf(feature.properties) + " · " + Math.round(feature.properties.score));
        });
        drawn = { shape: shape, marker: marker };
        layers.byId.set(id, drawn);
        layers.shapes.addLayer(shape);
      }
      if (withMarkers) layers.markers.addLayer(drawn.marker);
      else layers.markers.removeLayer(drawn.marker);
    });
    if (added) stackBySize();
  }

  function stackBySize() {
    // Large parks contain pitches and tracks: draw the largest first so that every smaller
    // venue stays visible and clickable on top of the one around it.
    var entries = Array.from(layers.byId.entries());
    entries.sort(function (a, b) {
      return state.features.get(b[0]).properties.area_m2 - state.features.get(a[0]).properties.area_m2;
    });
    entries.forEach(function (entry) { entry[1].shape.bringToFront(); });
    layers.markers.eachLayer(function (marker) { marker.bringToFront(); });
    layers.origin.eachLayer(function (layer) { layer.bringToFront(); });
  }

  function restyle() {
    if (!map) return;
    layers.byId.forEach(function (drawn, id) {
      drawn.shape.setStyle(function (f) { return venueStyle(f, id === state.selectedId); });
    });
    stackBySize();
  }

  function drawOrigin() {
    if (!map) return;
    layers.origin.clearLayers();
    var point = [state.origin.lat, state.origin.lon];
    L.circle(point, {
      radius: Number(els.radius.value), color: "#1f5fbf", weight: 1.5,
      dashArray: "6 6", fill: false, interactive: false
    }).addTo(layers.origin);
    L.circleMarker(point, {
      radius: 8, color: "#1f5fbf", weight: 3, fillColor: "#fff", fillOpacity: 1
    }).bindTooltip("Searched point: " + state.origin.label).addTo(layers.origin);
  }

  function viewRadius() {
    var centre = map.getCenter();
    var corner = map.getBounds().getNorthEast();
    return Math.max(100, Math.min(config.maxRadius, Math.ceil(centre.distanceTo(corner))));
  }

  function loadView() {
    if (!map) return;
    if (map.getZoom() < config.viewMinZoom) {
      state.viewIds = [];
      drawVenues();
      return;
    }
    var centre = map.getCenter();
    var params = filterParams();
    params.lat = centre.lat.toFixed(6);
    params.lon = centre.lng.toFixed(6);
    params.radius = viewRadius();
    params.limit = config.viewLimit;
    var req = getJSON(config.api.venues + "?" + query(params), state.viewRequest);
    state.viewRequest = req.controller;
    return req.promise.then(function (body) {
      state.viewIds = body.features.map(function (f) {
        remember(f);
        return f.id;
      });
      drawVenues();
    }).catch(function (err) {
      if (!isAbort(err)) setStatus("Could not load the places on the map: " + err.message, true);
    });
  }

  function loadBasemap() {
    if (!map || (config.tilesEnabled && !state.tilesFailed) || !config.hasBasemap) return;
    if (map.getZoom() < config.basemapMinZoom) return;  // keep the last drawing for context
    var b = map.getBounds().pad(0.1);
    var bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (v, i) {
      var limit = i % 2 === 0 ? 180 : 90;
      return Math.max(-limit, Math.min(limit, v)).toFixed(5);
    }).join(",");
    var req = getJSON(config.api.basemap + "?" + query({ bbox: bbox }), state.basemapRequest);
    state.basemapRequest = req.controller;
    req.promise.then(function (body) {
      layers.basemap.clearLayers();
      layers.basemap.addData(body);
    }).catch(function (err) {
      if (!isAbort(err) && err.status !== 400) setStatus("Could not draw the base map: " + err.message, true);
    });
  }

  // When the tile server cannot be reached (offline, blocked), draw the extract's own
  // basemap instead of leaving a grey field: a few failures with no tile loaded decide it.
  function watchTiles() {
    var loaded = 0, failed = 0;
    map.eachLayer(function (layer) {
      if (!(layer instanceof L.TileLayer)) return;
      layer.on("tileload", function () { loaded += 1; });
      layer.on("tileerror", function () {
        failed += 1;
        if (state.tilesFailed || loaded > 0 || failed < 2) return;
        state.tilesFailed = true;
        document.body.classList.add("tiles-failed");
        // Kept in the corner, where a status line would soon be replaced.
        map.attributionControl.addAttribution("Tiles unreachable: map drawn from the loaded extract");
        if (config.hasBasemap) {
          setStatus("Map tiles cannot be reached: drawing the map from the loaded extract.");
          loadBasemap();
        } else {
          setStatus("Map tiles cannot be reached; this region has no map of its own to draw.");
        }
      });
    });
  }

  // ------------------------------------------------------------------------------ list
  function renderList() {
    els.results.textContent = "";
    state.listIds.forEach(function (id, index) {
      var p = state.features.get(id).properties;
      var item = el("li");
      var button = el("button", "venue-item");
      button.type = "button";
      button.dataset.id = id;
      button.appendChild(el("span", "venue-name", (index + 1) + ". " + nameOf(p)));
      var badge = el("span", "badge " + scoreClass(p.score), String(Math.round(p.score)));
      badge.setAttribute("aria-label", "score " + Math.round(p.score) + " out of 100");
      button.appendChild(badge);
      button.appendChild(el("span", "venue-meta", kindLabel(p.kind) + " · " + formatDistance(p.distance_m)));
      if (id === state.selectedId) button.setAttribute("aria-current", "true");
      button.addEventListener("click", function () { selectVenue(id, { from: "list" }); });
      item.appendChild(button);
      els.results.appendChild(item);
    });
  }

  function radiusText() {
    var r = Number(els.radius.value);
    return r >= 1000 ? (r / 1000) + " km" : r + " m";
  }

  // The list for *origin* (default: the current searched point). A new origin is only
  // adopted once the API accepted it: a rejected point (say latitude 95) leaves the map and
  // the list where they were, with the API's message in the status line.
  function loadList(origin, onAdopt) {
    origin = origin || state.origin;
    var params = filterParams();
    params.lat = origin.lat.toFixed(6);
    params.lon = origin.lon.toFixed(6);
    params.radius = els.radius.value;
    params.limit = config.listLimit;
    setStatus("Looking for places within " + radiusText() + " of " + origin.label + "…");
    var req = getJSON(config.api.venues + "?" + query(params), state.listRequest);
    state.listRequest = req.controller;
    return req.promise.then(function (body) {
      if (origin !== state.origin) {
        state.origin = origin;
        if (onAdopt) onAdopt();
      }
      state.listDistance = new Map();
      state.listIds = body.features.map(function (f) {
        remember(f);
        state.listDistance.set(f.id, f.properties.distance_m);
        return f.id;
      });
      renderList();
      drawVenues();
      var n = state.listIds.length;
      if (n) {
        setStatus(n + (n === 1 ? " place" : " places") + " within " + radiusText() + " of " +
                  origin.label + ", safest first.");
      } else {
        setStatus("No places within " + radiusText() + " of " + origin.label +
                  ". Try a larger distance, a lower minimum score or another kind.");
      }
    }).catch(function (err) {
      if (!isAbort(err)) setStatus(err.message, true);
    });
  }

  // ------------------------------------------------------------------------ selection
  function selectVenue(id, options) {
    var feature = state.features.get(id);
    if (!feature) return;
    state.selectedId = id;
    els.results.querySelectorAll(".venue-item").forEach(function (b) {
      if (b.dataset.id === id) b.setAttribute("aria-current", "true");
      else b.removeAttribute("aria-current");
    });
    els.detailBody.textContent = "";
    els.detailBody.appendChild(venueCard(feature));
    els.detail.hidden = false;
    if (!map) return;
    restyle();
    var drawn = layers.byId.get(id);
    if (!drawn) return;
    var bounds = drawn.shape.getBounds();
    function openPopup() {
      if (state.selectedId !== id) return;  // another venue was chosen meanwhile
      // On a phone the map is short: keep the popup inside it (its text scrolls) so that
      // auto-pan can show all of it, name first.
      var size = map.getSize();
      state.popup = L.popup({ maxWidth: Math.min(320, size.x - 60),
                              maxHeight: Math.max(160, size.y - 110), autoPanPadding: [16, 16] })
        .setLatLng(bounds.getCenter())
        .setContent(venueCard(feature))
        .openOn(map);
    }
    if (options && options.from === "list") {
      // Focus the map on the place, then open the popup: opened during the fly-to, its
      // auto-pan would be undone when the animation ends. On a phone the map is above the
      // list: bring it into view.
      map.once("moveend", openPopup);
      map.fitBounds(bounds, { maxZoom: 17, padding: [40, 40] });
      if (window.matchMedia("(max-width: 899px)").matches) {
        var still = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
        els.mapArea.scrollIntoView({ behavior: still ? "auto" : "smooth", block: "start" });
      }
    } else if (!(options && options.from === "panel")) {
      openPopup();  // a refresh with the popup closed ("panel") leaves it closed
    }
  }

  // --------------------------------------------------------------------------- search
  var COORDS = /^\s*([-+]?\d+(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d+(?:\.\d+)?)\s*$/;

  function setOrigin(lat, lon, label, recentre) {
    return loadList({ lat: lat, lon: lon, label: label }, function () {
      els.originLabel.textContent = label;
      state.selectedId = null;
      els.detail.hidden = true;
      if (map) {
        map.closePopup();
        drawOrigin();
        if (recentre) map.setView([lat, lon], Math.max(map.getZoom(), config.startZoom));
      }
    });
  }

  function showSuggestions(places) {
    var list = els.suggestions.querySelector("ul");
    list.textContent = "";
    places.forEach(function (place) {
      var item = el("li");
      var button = el("button", "secondary", place.name + (place.kind ? " (" + kindLabel(place.kind).toLowerCase() + ")" : ""));
      button.type = "button";
      button.addEventListener("click", function () { setOrigin(place.lat, place.lon, place.name, true); });
      item.appendChild(button);
      list.appendChild(item);
    });
    els.suggestions.hidden = places.length === 0;
  }

  function search(text) {
    text = text.trim();
    showSuggestions([]);
    if (!text) {
      setStatus("Type a place name or coordinates first.", true);
      els.q.focus();
      return;
    }
    var m = COORDS.exec(text);
    if (m) {
      // Range checks are the API's: it answers 400 with the same message as the CLI.
      setOrigin(Number(m[1]), Number(m[2]), Number(m[1]).toFixed(5) + ", " + Number(m[2]).toFixed(5), true);
      return;
    }
    setStatus("Looking up “" + text + "”…");
    getJSON(config.api.places + "?" + query({ q: text, limit: 6 })).promise.then(function (body) {
      if (!body.places.length) {
        setStatus("No place called “" + text + "” in this region. Try another name or coordinates.", true);
        return;
      }
      var first = body.places[0];
      showSuggestions(body.places.slice(1));
      setOrigin(first.lat, first.lon, first.name, true);
    }).catch(function (err) { setStatus(err.message, true); });
  }

  els.form.addEventListener("submit", function (event) {
    event.preventDefault();
    search(els.q.value);
  });

  if (!("geolocation" in navigator)) {
    els.nearMe.disabled = true;
    els.nearMe.title = "This browser cannot tell its location";
  }
  els.nearMe.addEventListener("click", function () {
    setStatus("Asking the browser for your location…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      showSuggestions([]);
      els.q.value = "";  // the searched point is no longer what the box says
      setOrigin(pos.coords.latitude, pos.coords.longitude, "your location", true);
    }, function (err) {
      var why = err.code === 1 ? "permission was refused" : err.code === 3 ? "it took too long" : "it is unavailable";
      setStatus("Could not get your location: " + why + ". Search by name or coordinates instead.", true);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });

  [els.minScore, els.kind].forEach(function (select) {
    select.addEventListener("change", function () { loadList(); loadView(); });
  });
  els.radius.addEventListener("change", function () { drawOrigin(); loadList(); });

  // ------------------------------------------------------------------------------ start
  drawOrigin();
  loadList();
  loadView();
  loadBasemap();

  // Scores change when hazards are reported: fetch the list, the view and the selected
  // venue again, and show the selected one's card (panel and popup) anew.
  function refresh() {
    var id = state.selectedId;
    var jobs = [loadList(), loadView()];
    if (id) {
      jobs.push(getJSON(config.api.venues + "/" + id).promise.then(remember)
        .catch(function () { /* the list's copy stays */ }));
    }
    return Promise.all(jobs).then(function () {
      drawVenues();
      if (id && state.selectedId === id && state.features.has(id)) {
        selectVenue(id, { from: map && map.hasLayer(state.popup || {}) ? "refresh" : "panel" });
      }
    });
  }

  // For tests and debugging: read-only view of what the page holds.
  window.venuefinder = {
    refresh: refresh,
    setStatus: setStatus,
    el: el,
    viewRadius: function () { return map ? viewRadius() : config.defaultRadius; },
    map: map,
    layers: layers,
    state: state,
    search: search,
    selectVenue: selectVenue
  };
})();
