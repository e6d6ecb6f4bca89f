/* The search area: a place name or coordinates, "near me", and the filters. */

import { $, el } from "./dom.js";
import { formatDistance, kindLabel } from "./format.js";
import { distanceToBox } from "./geo.js";
import { getJSON, query } from "./http.js";
import { loadList, revealFirst } from "./list.js";
import { drawOrigin, loadView, moveOrigin } from "./map.js";
import { chosenRadius, config, setStatus, state } from "./page.js";
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

/** The box *bounds* ([west, south, east, north]) in words: "60.16–60.18 N, 24.93–24.96 E",
 * widened to whole hundredths so that it covers the box. */
function coverage(bounds) {
  const [west, south, east, north] = bounds;
  function range(low, high, positive, negative) {
    const lo = Math.floor(low * 100) / 100, hi = Math.ceil(high * 100) / 100;
    const side = (v) => (v < 0 ? negative : positive);
    const a = Math.abs(lo).toFixed(2), b = Math.abs(hi).toFixed(2);
    if (side(lo) !== side(hi)) return a + " " + side(lo) + "–" + b + " " + side(hi);
    return (lo < 0 ? b + "–" + a : a + "–" + b) + " " + side(hi);
  }
  return range(south, north, "N", "S") + ", " + range(west, east, "E", "W");
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
      const here = { lat: pos.coords.latitude, lon: pos.coords.longitude };
      const away = distanceToBox(here, config.bounds);
      if (away > chosenRadius()) {
        // Far from every place the map holds: say where the map is, not "no places near".
        setStatus("This map covers " + config.regionName + " (" + coverage(config.bounds) +
                  "); you are " + formatDistance(away) + ". Search a place in it instead.", true);
        return;
      }
      showSuggestions([]);
      els.q.value = "";  // the searched point is no longer what the box says
      setOrigin(here.lat, here.lon, "your location", true);
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
