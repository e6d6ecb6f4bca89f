/* The list of the safest places near the searched point. */

import { $, el } from "./dom.js";
import { formatDistance, kindLabel, nameOf, scoreClass } from "./format.js";
import { getJSON, isAbort, query } from "./http.js";
import { drawVenues, oneColumn, remember, scrollToMap } from "./map.js";
import { chosenRadius, config, filterParams, radiusText, setStatus, state } from "./page.js";
import { selectVenue } from "./select.js";

const results = $("results");

function renderList() {
  results.textContent = "";
  state.listIds.forEach((id, index) => {
    const p = state.features.get(id).properties;
    const item = el("li");
    const button = el("button", "venue-item");
    button.type = "button";
    button.dataset.id = id;
    button.appendChild(el("span", "venue-name", (index + 1) + ". " + nameOf(p)));
    const badge = el("span", "badge " + scoreClass(p.score), String(Math.round(p.score)));
    badge.setAttribute("aria-label", "score " + Math.round(p.score) + " out of 100");
    button.appendChild(badge);
    button.appendChild(el("span", "venue-meta", kindLabel(p.kind) + " · " + formatDistance(p.distance_m)));
    if (id === state.selectedId) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => selectVenue(id, { from: "list" }));
    item.appendChild(button);
    results.appendChild(item);
  });
}

function inWindow(node) {
  const box = node.getBoundingClientRect();
  return box.top >= 0 && box.left >= 0 && box.bottom <= window.innerHeight &&
    box.right <= window.innerWidth;
}

/** After a search, the answer on the screen: the first place of the list, with the map
 * above it on a phone (the search box scrolled away), else within the sidebar's scroll. */
export function revealFirst() {
  const first = results.querySelector(".venue-item");
  if (!first || inWindow(first)) return;
  if (oneColumn()) scrollToMap();
  if (!inWindow(first)) first.scrollIntoView({ block: "nearest" });
}

/**
 * The list for *origin* (default: the current searched point). A new origin is only adopted
 * once the API accepted it: a rejected point (say latitude 95) leaves the map and the list
 * where they were, with the API's message in the status line; *onAdopt* runs when adopted.
 */
export function loadList(origin, onAdopt) {
  const from = origin || state.origin;
  const params = filterParams();
  params.lat = from.lat.toFixed(6);
  params.lon = from.lon.toFixed(6);
  params.radius = chosenRadius();
  params.limit = config.listLimit;
  setStatus("Looking for places within " + radiusText() + " of " + from.label + "…");
  const req = getJSON(config.api.venues + "?" + query(params), state.listRequest);
  state.listRequest = req.controller;
  return req.promise.then((body) => {
    if (from !== state.origin) {
      state.origin = from;
      if (onAdopt) onAdopt();
    }
    state.listDistance = new Map();
    state.listIds = body.features.map((f) => {
      remember(f);
      state.listDistance.set(f.id, f.properties.distance_m);
      return f.id;
    });
    renderList();
    drawVenues();
    const n = state.listIds.length;
    if (n) {
      setStatus(n + (n === 1 ? " place" : " places") + " within " + radiusText() + " of " +
                from.label + ", safest first.");
    } else {
      setStatus("No places within " + radiusText() + " of " + from.label +
                ". Try a larger distance, a lower minimum score or another kind.");
    }
  }).catch((err) => {
    if (!isAbort(err)) setStatus(err.message, true);
  });
}
