/* The map page's routes. The "Run a loop" panel asks /api/routes/loop for loops from the
 * searched point (or a point picked on the map) and draws them: the chosen one thick with
 * arrows in the running direction and the stretches to run forwards in orange, the
 * alternatives thin and grey (click one to choose it). A venue's popup gets a "Way there"
 * button, drawn the same way, dashed. */

import { $, el } from "./dom.js";
import { metresPerDegree } from "./geo.js";
import { getJSON, isAbort, query } from "./http.js";
import { map } from "./map.js";
import { state as page } from "./page.js";

const panel = $("loop-panel");
const urls = panel ? { loop: panel.dataset.loopUrl, gpx: panel.dataset.gpxUrl, to: panel.dataset.toUrl } : {};
const els = {
  form: $("loop-form"), length: $("loop-length"), lit: $("loop-lit"), go: $("loop-go"),
  pick: $("loop-pick"), start: $("loop-start"), status: $("loop-status"),
  list: $("loop-list"), detail: $("loop-detail"), gpx: $("loop-gpx")
};
const COLOURS = { route: "#5b2a86", other: "#7d8590", forwards: "#e07000" };
/** Arrows every this many metres along the chosen route. */
const ARROW_SPACING_M = 200;

/** What the panel shows (read by tests and debugging). */
export const state = {
  features: [], chosen: 0, kind: null, venueName: null,
  picked: null,   // {lat, lon, origin}: a map click, kept while the searched point stays
  picking: false, request: null
};
let layers = null;

function setStatus(text, isError) {
  els.status.textContent = text;
  els.status.classList.toggle("error", Boolean(isError));
}

// ------------------------------------------------------------------ start and request
function start() {
  const origin = page.origin;
  if (state.picked && state.picked.origin === origin) return state.picked;
  state.picked = null;
  return { lat: origin.lat, lon: origin.lon, label: origin.label };
}
function showStart() { els.start.textContent = start().label; }

function fetchRoutes(url) {
  const req = getJSON(url, state.request);
  state.request = req.controller;
  return req.promise;
}

export function findLoops() {
  const from = start();
  const params = { lat: from.lat.toFixed(6), lon: from.lon.toFixed(6),
                   length: els.length.value, lit: els.lit.checked ? "true" : "false",
                   alternatives: 3 };
  const km = Number(els.length.value) / 1000;
  setStatus("Looking for loops of " + km + " km from " + from.label + "…");
  els.gpx.hidden = true;
  return fetchRoutes(urls.loop + "?" + query(params)).then((body) => {
    els.gpx.href = urls.gpx + "?" + query(params);
    show(body.features, "loop", null);
    const n = body.features.length;
    setStatus(n + (n === 1 ? " loop" : " loops") + " of about " + km + " km from " +
              from.label + ", safest first.");
  }).catch(failed);
}

export function wayThere(venueId, venueName) {
  const from = page.origin;
  panel.open = true;
  setStatus("Looking for the way from " + from.label + " to " + venueName + "…");
  const params = { lat: from.lat.toFixed(6), lon: from.lon.toFixed(6), venue: venueId };
  return fetchRoutes(urls.to + "?" + query(params)).then((body) => {
    els.gpx.hidden = true;  // the GPX download is for loops
    show(body.features, "way_to", venueName);
    setStatus("The way there from " + from.label + " to " + venueName + ".");
  }).catch(failed);
}

function failed(err) {
  if (!isAbort(err)) setStatus(err.message, true);
}

// ------------------------------------------------------------------------- geometry
// Distances along the line, flat-earth (geo.js), scaled to the route's own length so that
// the API's from_m/to_m fall where it meant.
function measure(coords, lengthM) {
  const { kx, ky } = metresPerDegree(coords[0][1]);
  const cum = [0];
  for (let i = 1; i < coords.length; i++) {
    const dx = (coords[i][0] - coords[i - 1][0]) * kx, dy = (coords[i][1] - coords[i - 1][1]) * ky;
    cum.push(cum[i - 1] + Math.sqrt(dx * dx + dy * dy));
  }
  const scale = cum[cum.length - 1] > 0 ? lengthM / cum[cum.length - 1] : 1;
  return { cum: cum.map((d) => d * scale), kx, ky };
}

function pointAt(coords, m, at) {
  // Position and screen bearing (degrees clockwise from east) at *at* metres.
  let i = 1;
  while (i < coords.length - 1 && m.cum[i] < at) i++;
  const a = coords[i - 1], b = coords[i];
  const span = m.cum[i] - m.cum[i - 1];
  const t = span > 0 ? Math.max(0, Math.min(1, (at - m.cum[i - 1]) / span)) : 0;
  const angle = Math.atan2(-(b[1] - a[1]) * m.ky, (b[0] - a[0]) * m.kx) * 180 / Math.PI;
  return { latlng: [a[1] + t * (b[1] - a[1]), a[0] + t * (b[0] - a[0])], angle };
}

function slice(coords, m, from, to) {
  const out = [pointAt(coords, m, from).latlng];
  for (let i = 0; i < coords.length; i++) {
    if (m.cum[i] > from && m.cum[i] < to) out.push([coords[i][1], coords[i][0]]);
  }
  out.push(pointAt(coords, m, to).latlng);
  return out;
}

// ---------------------------------------------------------------------------- drawing
function draw() {
  if (!map) return;
  layers.routes.clearLayers();
  state.features.forEach((feature, index) => {
    if (index === state.chosen) return;
    const other = L.geoJSON(feature, { style: { color: COLOURS.other, weight: 3, opacity: 0.8 } });
    other.on("click", () => choose(index));
    other.bindTooltip("Loop " + (index + 1) + ": click to choose it");
    layers.routes.addLayer(other);
  });
  const feature = state.features[state.chosen];
  if (!feature) return;
  const coords = feature.geometry.coordinates;
  const m = measure(coords, feature.properties.length_m);
  layers.routes.addLayer(L.geoJSON(feature, { style: {
    color: COLOURS.route, weight: 6, opacity: 0.9,
    dashArray: state.kind === "way_to" ? "10 8" : null } }));
  feature.properties.forward_stretches.forEach((s) => {
    L.polyline(slice(coords, m, s.from_m, s.to_m), { color: COLOURS.forwards, weight: 8 })
      .bindTooltip("Run forwards here: " + Math.round(-s.grade_pct) + " % downhill")
      .addTo(layers.routes);
  });
  const total = m.cum[m.cum.length - 1];
  for (let at = ARROW_SPACING_M / 2; at < total; at += ARROW_SPACING_M) {
    const p = pointAt(coords, m, at);
    const arrow = el("span", "route-arrow", "➤");
    arrow.style.transform = "rotate(" + p.angle.toFixed(0) + "deg)";
    L.marker(p.latlng, { icon: L.divIcon({ html: arrow, className: "route-arrow-icon",
                                           iconSize: [18, 18] }),
                         interactive: false, keyboard: false }).addTo(layers.routes);
  }
  L.circleMarker([coords[0][1], coords[0][0]], {
    radius: 8, color: COLOURS.route, weight: 3, fillColor: "#fff", fillOpacity: 1
  }).bindTooltip(state.kind === "way_to" ? "From here" : "Start and finish").addTo(layers.routes);
  if (state.kind === "way_to") {
    const end = coords[coords.length - 1];
    L.circleMarker([end[1], end[0]], { radius: 6, color: COLOURS.route, weight: 3,
                                       fillColor: COLOURS.route, fillOpacity: 1 })
      .bindTooltip(state.venueName).addTo(layers.routes);
  }
  drawLegend(feature);
}

function drawLegend(feature) {
  if (layers.legend) layers.legend.remove();
  layers.legend = L.control({ position: "bottomleft" });
  layers.legend.onAdd = () => {
    const box = L.DomUtil.create("div", "map-legend route-legend");
    box.appendChild(el("h3", null, state.kind === "way_to" ? "Way there" : "Loop"));
    function row(colour, text) {
      const line = el("div");
      const sw = el("span", "swatch");
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
  const what = { track: "track", field: "field's edge" }[laps.of] || "loop";
  return laps.count + (laps.count === 1 ? " lap" : " laps") + " of the " +
    Math.round(laps.lap_m) + " m " + what + (laps.name ? " (" + laps.name + ")" : "");
}

function summary(p) {
  const parts = [(p.length_m / 1000).toFixed(2) + " km", "score " + Math.round(p.score)];
  if (p.kind === "loop") parts.push(p.direction);
  if (p.laps) parts.push(lapsText(p.laps));
  return parts.join(" · ");
}

function renderList() {
  els.list.textContent = "";
  if (state.kind !== "loop") return;
  state.features.forEach((feature, index) => {
    const item = el("li");
    const button = el("button", "route-item", (index + 1) + ". " + summary(feature.properties));
    button.type = "button";
    if (index === state.chosen) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => choose(index));
    item.appendChild(button);
    els.list.appendChild(item);
  });
}

function renderDetail() {
  els.detail.textContent = "";
  const feature = state.features[state.chosen];
  if (!feature) return;
  const p = feature.properties;
  const card = el("article", "route-card");
  card.appendChild(el("h3", null, state.kind === "way_to" ? "Way there to " + state.venueName
                                                         : "Loop " + (state.chosen + 1)));
  card.appendChild(el("p", "meta", summary(p)));
  card.appendChild(el("p", "direction", state.kind === "way_to"
    ? "Walk it forwards, following the arrows."
    : "Run it " + p.direction + ", as the arrows show" +
      (p.forward_stretches.length ? "; turn round and run forwards on the orange stretches." : ".")));
  if (p.warnings.length) {
    card.appendChild(el("h4", null, "Look out for"));
    const warnings = el("ul", "warnings");
    p.warnings.forEach((w) => warnings.appendChild(el("li", null, w)));
    card.appendChild(warnings);
  }
  const reasons = el("dl");
  Object.keys(p.reasons).forEach((key) => {
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

/** Wire the panel (nothing when the page has none). */
export function startRoutes() {
  if (!panel) return;
  layers = map ? { routes: L.layerGroup().addTo(map), legend: null } : null;
  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    findLoops();
  });
  panel.addEventListener("toggle", showStart);

  if (!map) {
    els.pick.disabled = true;
  } else {
    els.pick.addEventListener("click", () => {
      state.picking = true;
      map.getContainer().classList.add("picking");
      setStatus("Click the map where the run starts.");
      map.once("click", (event) => {
        state.picking = false;
        map.getContainer().classList.remove("picking");
        state.picked = { lat: event.latlng.lat, lon: event.latlng.lng,
                         label: "the point you picked", origin: page.origin };
        showStart();
        findLoops();
      });
    });
    // "Way there" in a venue's popup: the popup opened is the selected venue's.
    map.on("popupopen", (event) => {
      const card = event.popup.getContent();
      const id = page.selectedId;
      const feature = id && page.features.get(id);
      if (!(card instanceof HTMLElement) || !feature || card.querySelector(".way-there")) return;
      const name = feature.properties.label;
      const button = el("button", "secondary way-there", "Way there");
      button.type = "button";
      button.setAttribute("aria-label", "Way there from " + page.origin.label + " to " + name);
      button.addEventListener("click", () => wayThere(id, name));
      card.appendChild(button);
    });
  }
  showStart();
}
