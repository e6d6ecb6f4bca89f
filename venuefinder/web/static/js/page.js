/* The map page's shared state: its config (the #vf-config block), what it has fetched and
 * shows, the status line and the filters. The other modules read and change it; tests and
 * debugging read it too (`await import("/static/js/page.js")`). */

import { $, readJSON } from "./dom.js";

export const config = readJSON("vf-config");

export const state = {
  origin: { lat: config.center.lat, lon: config.center.lon, label: "the region centre" },
  features: new Map(),      // id -> feature (everything fetched, for the detail panel)
  listIds: [],              // ids of the list, best first
  listDistance: new Map(),  // id -> metres from the origin, as the API measured it
  viewIds: [],              // ids of the venues of the current map view
  selectedId: null,
  popup: null,              // the selected venue's popup, when one was opened
  listRequest: null, viewRequest: null, basemapRequest: null, tilesFailed: false
};

const status = $("status");
const minScore = $("min-score"), kind = $("kind"), radius = $("radius");

export function setStatus(text, isError) {
  status.textContent = text;
  status.classList.toggle("error", Boolean(isError));
}

/** The filters' query parameters. */
export function filterParams() {
  return { min_score: minScore.value, kind: kind.value };
}

/** The chosen distance, metres. */
export function chosenRadius() { return Number(radius.value); }

export function radiusText() {
  const r = chosenRadius();
  return r >= 1000 ? (r / 1000) + " km" : r + " m";
}
