/* Hazard reports on the map page. "Report a hazard" mode: click the map (or use "my
 * location"), pick kind and severity, send. Open reports near the view are drawn as icons;
 * each popup shows age and confirmations with "Still there", "Gone" and "Flag". After any of
 * these the venues are fetched again (startHazards' refresh), so a venue's hazards reason
 * and colour change at once.
 *
 * Writes are JSON (http.js sendJSON). Text from reports goes through textContent only:
 * descriptions are free text. */

import { $, el, readJSON } from "./dom.js";
import { getJSON, isAbort, sendJSON } from "./http.js";
import { map, popupRoom, viewRadius } from "./map.js";
import { setStatus } from "./page.js";

const cfg = readJSON("vf-hazards");
// One symbol per kind: text, so no image request and nothing but Leaflet is needed.
const SYMBOLS = { pothole: "◉", hill: "⛰", surface: "▦", glass: "✶", flooding: "≈",
                  dark: "☾", obstacle: "⛔", other: "!" };
const els = {
  toggle: $("report-hazard"), form: $("hazard-form"), where: $("hazard-where"),
  here: $("hazard-here"), kind: $("hazard-kind"), severity: $("hazard-severity"),
  description: $("hazard-description"), send: $("hazard-send"), cancel: $("hazard-cancel")
};
/** What the reports layer holds (read by tests and debugging). */
export const state = { reporting: false, point: null, pointLayer: null, request: null, features: [] };
let layer = null;
/** Fetches the venues again after a change (startHazards' refresh). */
let refresh = () => Promise.resolve();

function kindLabel(kind) { return cfg.kinds[kind] || kind; }

function ago(iso) {
  const seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
  if (seconds < 90) return "just now";
  if (seconds < 5400) return Math.round(seconds / 60) + " minutes ago";
  if (seconds < 129600) return Math.round(seconds / 3600) + " hours ago";
  return Math.round(seconds / 86400) + " days ago";
}

function send(url, body) {
  return sendJSON("POST", url, body).catch((err) => {
    if (err.status === 429) {
      throw new Error("Too many reports from here" +
                      (err.retryAfter ? ": try again in " + err.retryAfter + " s" : ""));
    }
    throw err;
  });
}

// ---------------------------------------------------------------------------- drawing
function icon(p) {
  const node = el("span", "hazard-symbol", SYMBOLS[p.kind] || "!");
  return L.divIcon({ className: "hazard-icon severity-" + p.severity, html: node,
                     iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -12] });
}

function hazardCard(p) {
  const card = el("article", "hazard-card");
  card.dataset.id = p.id;
  card.appendChild(el("h3", null, kindLabel(p.kind).replace(/^./, (c) => c.toUpperCase())));
  card.appendChild(el("p", "meta", p.severity + " severity · reported " + ago(p.created_at)));
  card.appendChild(el("p", "confirmations", p.confirmations === 1 ? "1 person says it is there"
                      : p.confirmations + " people say it is there"));
  if (p.description) card.appendChild(el("p", "description", p.description));
  const buttons = el("p", "hazard-actions");
  [["confirm", "Still there"], ["gone", "Gone"], ["flag", "Flag"]].forEach((pair) => {
    const button = el("button", pair[0] === "flag" ? "secondary" : null, pair[1]);
    button.type = "button";
    button.dataset.action = pair[0];
    button.addEventListener("click", () => {
      if (pair[0] === "flag") showFlagForm(card, p);
      else vote(p.id, pair[0]);
    });
    buttons.appendChild(button);
  });
  card.appendChild(buttons);
  return card;
}

function showFlagForm(card, p) {
  if (card.querySelector("form")) return;
  const form = el("form", "flag-form");
  const label = el("label", null, "Why is this report wrong?");
  const input = el("input");
  input.name = "reason";
  input.maxLength = cfg.descriptionMax;
  label.appendChild(input);
  form.appendChild(label);
  const submit = el("button", null, "Send flag");
  submit.type = "submit";
  form.appendChild(submit);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    vote(p.id, "flag", { reason: input.value });
  });
  card.appendChild(form);
  input.focus();
}

function draw(features) {
  state.features = features;
  if (!layer) return;
  layer.clearLayers();
  features.forEach((f) => {
    const p = f.properties;
    const marker = L.marker([p.lat, p.lon], { icon: icon(p), title: kindLabel(p.kind),
                                            alt: kindLabel(p.kind), riseOnHover: true });
    marker.hazardId = p.id;
    marker.bindPopup(() => hazardCard(p), { ...popupRoom(), maxWidth: 260 });
    layer.addLayer(marker);
  });
}

/** Fetch and draw the open reports around the view. */
export function load() {
  if (!map) return Promise.resolve();
  const centre = map.getCenter();
  const radius = Math.min(cfg.maxRadius, viewRadius());
  const url = cfg.api.hazards + "?lat=" + centre.lat.toFixed(6) + "&lon=" + centre.lng.toFixed(6) +
    "&radius=" + Math.round(radius);
  const req = getJSON(url, state.request);
  state.request = req.controller;
  return req.promise
    .then((body) => draw(body.features))
    .catch((err) => {
      // An error answer (a radius the API refuses) leaves the drawn reports as they are.
      if (!isAbort(err) && err.status === undefined) setStatus("Could not load hazard reports.", true);
    });
}

function afterChange(message) {
  setStatus(message);
  return Promise.all([load(), refresh()]).then(() => setStatus(message));
}

function vote(id, action, body) {
  send(cfg.api.hazards + "/" + id + "/" + action, body).then((h) => {
    if (map) map.closePopup();
    const message = action === "confirm" ? "Thanks: the report is renewed." :
      action === "gone" ? (h.status === "resolved" ? "Thanks: the report is closed."
                                                   : "Thanks: one more “gone” closes it.") :
      (h.status === "hidden" ? "Thanks: the report is hidden until a moderator looks."
                             : "Thanks: the moderators will look at it.");
    return afterChange(message);
  }).catch((err) => setStatus(err.message, true));
}

// -------------------------------------------------------------------------- reporting
function setReporting(on) {
  state.reporting = on;
  els.form.hidden = !on;
  els.toggle.setAttribute("aria-pressed", on ? "true" : "false");
  els.toggle.textContent = on ? "Stop reporting" : "Report a hazard";
  if (map) map.getContainer().classList.toggle("reporting", on);
  if (!on) setPoint(null);
  else setStatus("Click the map where the hazard is, or use your location.");
}

function setPoint(latlng) {
  state.point = latlng;
  if (state.pointLayer && map) map.removeLayer(state.pointLayer);
  state.pointLayer = null;
  els.send.disabled = !latlng;
  if (!latlng) {
    els.where.textContent = "Click the map where the hazard is, or use your location.";
    return;
  }
  els.where.textContent = "At " + latlng.lat.toFixed(5) + ", " + latlng.lng.toFixed(5) + ".";
  if (map) {
    state.pointLayer = L.circleMarker(latlng, { radius: 9, color: "#6a1b9a", weight: 3,
                                                dashArray: "3 3", fillOpacity: 0.2,
                                                interactive: false }).addTo(map);
  }
}

/** Wire the form and the map; *handlers.refresh()* fetches the venues again. */
export function startHazards(handlers) {
  if (!cfg) return;
  refresh = handlers.refresh;
  layer = map ? L.layerGroup().addTo(map) : null;
  els.toggle.addEventListener("click", () => setReporting(!state.reporting));
  els.cancel.addEventListener("click", () => setReporting(false));
  if (!("geolocation" in navigator)) els.here.disabled = true;
  els.here.addEventListener("click", () => {
    navigator.geolocation.getCurrentPosition((pos) => {
      setPoint({ lat: pos.coords.latitude, lng: pos.coords.longitude });
    }, () => {
      setStatus("Could not get your location: click the map instead.", true);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  if (map) {
    map.on("click", (event) => { if (state.reporting) setPoint(event.latlng); });
    let timer = null;
    map.on("moveend", () => { clearTimeout(timer); timer = setTimeout(load, 200); });
  }

  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!state.point) return;
    const body = { kind: els.kind.value, severity: els.severity.value,
                   lat: Number(state.point.lat.toFixed(7)), lon: Number(state.point.lng.toFixed(7)) };
    if (els.description.value.trim()) body.description = els.description.value;
    els.send.disabled = true;
    send(cfg.api.hazards, body).then((h) => {
      els.description.value = "";
      setReporting(false);
      return afterChange(h.merged_into ? "Thanks: someone had reported it already; your report confirms it."
                                       : "Thanks: your report of " + kindLabel(h.kind) + " is on the map.");
    }).catch((err) => {
      els.send.disabled = false;
      setStatus("The report was not sent: " + err.message, true);
    });
  });
  load();
}
