/* venuefinder map page: the entry module (an ES module; see js/ for the parts).
 *
 * folium has already created the Leaflet map (its name is in the page config). The page
 * searches (coordinates, place names, "near me"), lists the safest places near the searched
 * point, and draws the venues of the current view, fetched from the API as the map moves;
 * hazard reports and routes add their own layers and panels.
 *
 * The modules share what the page holds through js/page.js, never through globals; tests
 * and debugging read it the same way (`await import("/static/js/page.js")`).
 */

import { startHazards } from "./js/hazards.js";
import { getJSON } from "./js/http.js";
import { loadList } from "./js/list.js";
import { drawOrigin, drawVenues, loadBasemap, loadView, popupOpen, remember,
         startMap } from "./js/map.js";
import { config, state } from "./js/page.js";
import { startRoutes } from "./js/routes.js";
import { startSearch } from "./js/search.js";
import { selectVenue } from "./js/select.js";

/** Scores change when hazards are reported: fetch the list, the view and the selected
 * venue again, and show the selected one's card (panel and popup) anew. */
export function refresh() {
  const id = state.selectedId;
  const jobs = [loadList(), loadView()];
  if (id) {
    jobs.push(getJSON(config.api.venues + "/" + id).promise.then(remember)
      .catch(() => { /* the list's copy stays */ }));
  }
  return Promise.all(jobs).then(() => {
    drawVenues();
    if (id && state.selectedId === id && state.features.has(id)) {
      selectVenue(id, { from: popupOpen() ? "refresh" : "panel" });
    }
  });
}

startMap({ onSelect: selectVenue });
startSearch();
drawOrigin();
loadList();
loadView();
loadBasemap();
startRoutes();
startHazards({ refresh });
