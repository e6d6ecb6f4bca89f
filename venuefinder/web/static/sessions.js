/* venuefinder club-session pages (an ES module): the small map (venue and meeting point; on
 * the forms a click moves the meeting point into its boxes; the extract's own basemap when
 * tiles are off or unreachable, as on the map page) and the plan editor (a template fills
 * the step rows; editing a row makes the plan the organiser's own; the total adds up as
 * typed, a duration written as the server writes one).
 *
 * Everything it needs is in JSON blocks of the page (#vf-session-map, #vf-plans): no inline
 * script (the pages' Content-Security-Policy allows scripts from the app only). Without it,
 * or without Leaflet, the forms still work: the boxes are plain inputs.
 */

import { extractBasemap } from "./js/basemap.js";
import { $, readJSON } from "./js/dom.js";

// ------------------------------------------------------------------------------- map
function drawMap(node, cfg) {
  const map = L.map(node, { scrollWheelZoom: false });
  if (cfg.tiles) {
    L.tileLayer(cfg.tiles, { maxZoom: 19, attribution: cfg.attribution }).addTo(map);
  }
  // The view first: Leaflet draws vector layers only on a map that has one.
  const shape = cfg.venue ? L.geoJSON(cfg.venue, {
    interactive: false, style: { color: "#1f5fbf", weight: 3, fillOpacity: 0.15 } }) : null;
  let bounds = shape ? shape.getBounds() : null;
  [cfg.point, cfg.meeting].forEach((p) => {
    if (!p) return;
    const here = L.latLng(p[0], p[1]);
    bounds = bounds ? bounds.extend(here) : L.latLngBounds(here, here);
  });
  if (bounds) map.fitBounds(bounds.pad(0.4), { maxZoom: 18 });
  else map.setView([0, 0], 2);
  if (shape) shape.addTo(map);
  if (cfg.basemap) {
    if (!cfg.tiles) map.attributionControl.addAttribution(cfg.attribution);
    extractBasemap(map, cfg.basemap, cfg.basemapMinZoom, Boolean(cfg.tiles));
  }

  let marker = null;
  function placeMeeting(lat, lon) {
    if (marker) marker.setLatLng([lat, lon]);
    else marker = L.circleMarker([lat, lon], { radius: 9, color: "#b86e00", weight: 3,
                                               fillColor: "#ffbf47", fillOpacity: 0.9 })
      .bindTooltip("Meeting point").addTo(map);
  }
  if (cfg.meeting) placeMeeting(cfg.meeting[0], cfg.meeting[1]);

  if (cfg.pick) {
    const lat = $("meeting_lat"), lon = $("meeting_lon"), note = $("meeting_note");
    map.getContainer().classList.add("picking");
    map.on("click", (e) => {
      lat.value = e.latlng.lat.toFixed(6);
      lon.value = e.latlng.lng.toFixed(6);
      placeMeeting(e.latlng.lat, e.latlng.lng);
      note.value = "Chosen on the map";
    });
    // Typed coordinates move the marker too.
    [lat, lon].forEach((box) => {
      box.addEventListener("change", () => {
        const a = parseFloat(lat.value), b = parseFloat(lon.value);
        if (isFinite(a) && isFinite(b)) placeMeeting(a, b);
      });
    });
  }
  return map;
}

const mapConfig = readJSON("vf-session-map");
const mapNode = $("session-map");
/** The page's Leaflet map, or null (no map on the page, or Leaflet not installed). */
export const sessionMap = mapConfig && mapNode && typeof L !== "undefined"
  ? drawMap(mapNode, mapConfig) : null;

// ----------------------------------------------------------------------- plan editor
const plans = readJSON("vf-plans");
const select = $("plan"), steps = $("steps"), total = $("steps-total");

/** A duration as the server writes one (sessions/plans.py duration_text): "45 s",
 * "17 min", "1 min 30 s", "1 h 5 min"; never a clock time. */
export function durationText(seconds) {
  const whole = Math.round(seconds);
  const parts = [[Math.floor(whole / 3600), "h"], [Math.floor(whole % 3600 / 60), "min"],
                 [whole % 60, "s"]].filter(([n]) => n).map(([n, unit]) => n + " " + unit);
  return parts.join(" ") || "0 min";
}

// Whole seconds per box, as the server counts them, so both totals agree.
function seconds(text) {
  const value = parseFloat(text);
  return isFinite(value) && value > 0 ? Math.round(value * 60) : 0;
}

function updateTotal() {
  let sum = 0;
  steps.querySelectorAll("tbody tr").forEach((row) => {
    const box = (name) => row.querySelector("[name=" + name + "]").value;
    const repeat = parseInt(box("step_repeat"), 10);
    const one = seconds(box("step_minutes"));
    if (!one) return;
    sum += (isFinite(repeat) && repeat > 0 ? repeat : 1) * (one + seconds(box("step_recovery")));
  });
  total.textContent = durationText(sum);
}

function fill(name) {
  const rows = plans[name];
  if (!rows) return;
  steps.querySelectorAll("tbody tr").forEach((row, i) => {
    const step = rows[i] || { label: "", minutes: "", repeat: "", recovery: "", pace: "" };
    row.querySelector("[name=step_label]").value = step.label;
    row.querySelector("[name=step_minutes]").value = step.minutes;
    row.querySelector("[name=step_repeat]").value = step.repeat;
    row.querySelector("[name=step_recovery]").value = step.recovery;
    row.querySelector("[name=step_pace]").value = step.pace;
  });
  updateTotal();
}

if (plans && select && steps && total) {
  select.addEventListener("change", () => {
    if (select.value !== "custom") fill(select.value);
    document.querySelectorAll(".template details").forEach((d) => {
      d.open = d.parentNode.dataset.template === select.value;
    });
  });
  steps.addEventListener("input", () => {
    select.value = "custom";
    updateTotal();
  });
  updateTotal();
}
