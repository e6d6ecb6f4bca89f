/* The search area: a place name or coordinates, "near me", and the filters. */

import { $, el } from "./dom.js";
import { kindLabel } from "./format.js";
import { getJSON, query } from "./http.js";
import { loadList, revealFirst } from "./list.js";
import { drawOrigin, loadView, moveOrigin } from "./map.js";
import { config, setStatus, state } from "./page.js";
import { clearSelection } from "./select.js";

const COORDS = /^\s*([-+]?\d+(?:\.\d+)?)\s*[,;\s]\s*([-+]?\d+(?:\.\d+)?)\s*$/;
const els = {
  form: $("search-form"), q: $("q"), nearMe: $("near-me"), originLabel: $("origin-label"),
  suggestions: $("suggestions"), minScore: $("min-score"), kind: $("kind"), radius: $("radius")
};

function setOrigin(lat, lon, label, recentre) {
  const origin = { lat, lon, label };
  return loadList(origin, () => {
    els.originLabel.textContent = label;
    clearSelection();
    moveOrigin(recentre);
  }).then(() => { if (state.origin === origin) revealFirst(); });
}

function showSuggestions(places) {
  const list = els.suggestions.querySelector("ul");
  list.textContent = "";
  places.forEach((place) => {
    const item = el("li");
    const button = el("button", "secondary",
      place.name + (place.kind ? " (" + kindLabel(place.kind).toLowerCase() + ")" : ""));
    button.type = "button";
    button.addEventListener("click", () => setOrigin(place.lat, place.lon, place.name, true));
    item.appendChild(button);
    list.appendChild(item);
  });
  els.suggestions.hidden = places.length === 0;
}

/** Search *text*: coordinates, else a place name (the first match; the others offered). */
export function search(text) {
  const wanted = text.trim();
  showSuggestions([]);
  if (!wanted) {
    setStatus("Type a place name or coordinates first.", true);
    els.q.focus();
    return;
  }
  const m = COORDS.exec(wanted);
  if (m) {
    // Range checks are the API's: it answers 400 with the same message as the CLI.
    setOrigin(Number(m[1]), Number(m[2]), Number(m[1]).toFixed(5) + ", " + Number(m[2]).toFixed(5), true);
    return;
  }
  setStatus("Looking up “" + wanted + "”…");
  getJSON(config.api.places + "?" + query({ q: wanted, limit: 6 })).promise.then((body) => {
    if (!body.places.length) {
      setStatus("No place called “" + wanted + "” in this region. Try another name or coordinates.", true);
      return;
    }
    const first = body.places[0];
    showSuggestions(body.places.slice(1));
    setOrigin(first.lat, first.lon, first.name, true);
  }).catch((err) => setStatus(err.message, true));
}

export function startSearch() {
  els.form.addEventListener("submit", (event) => {
    event.preventDefault();
    search(els.q.value);
  });
  if (!("geolocation" in navigator)) {
    els.nearMe.disabled = true;
    els.nearMe.title = "This browser cannot tell its location";
  }
  els.nearMe.addEventListener("click", () => {
    setStatus("Asking the browser for your location…");
    navigator.geolocation.getCurrentPosition((pos) => {
      showSuggestions([]);
      els.q.value = "";  // the searched point is no longer what the box says
      setOrigin(pos.coords.latitude, pos.coords.longitude, "your location", true);
    }, (err) => {
      const why = err.code === 1 ? "permission was refused" : err.code === 3 ? "it took too long" : "it is unavailable";
      setStatus("Could not get your location: " + why + ". Search by name or coordinates instead.", true);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  [els.minScore, els.kind].forEach((select) => {
    select.addEventListener("change", () => { loadList(); loadView(); });
  });
  els.radius.addEventListener("change", () => { drawOrigin(); loadList(); });
}
