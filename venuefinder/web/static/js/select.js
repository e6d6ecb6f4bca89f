/* Choosing a venue (from the list, the map or a refresh): marked in the list, its card in
 * the side panel and, on the map, highlighted with its card in a popup. */

import { venueCard } from "./card.js";
import { $ } from "./dom.js";
import { showVenue } from "./map.js";
import { state } from "./page.js";

const results = $("results"), detail = $("detail"), detailBody = $("detail-body");

/** Select venue *id*; *options.from* is "list", "map", "refresh" or "panel" (see showVenue). */
export function selectVenue(id, options) {
  const feature = state.features.get(id);
  if (!feature) return;
  state.selectedId = id;
  results.querySelectorAll(".venue-item").forEach((b) => {
    if (b.dataset.id === id) b.setAttribute("aria-current", "true");
    else b.removeAttribute("aria-current");
  });
  detailBody.textContent = "";
  detailBody.appendChild(venueCard(feature));
  detail.hidden = false;
  showVenue(id, feature, options && options.from);
}

/** No venue selected (a new searched point). */
export function clearSelection() {
  state.selectedId = null;
  detail.hidden = true;
}
