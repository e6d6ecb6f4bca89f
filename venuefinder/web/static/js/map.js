/* The Leaflet map of the map page: the venues of the list and of the current view (fetched
 * as the map moves: the page embeds none, so it stays small with any number of them), the
 * searched point, the extract's own basemap when tiles are off or unreachable, the legend,
 * and the selected venue's popup. */

import { basemapStyle, viewBox, watchTiles } from "./basemap.js";
import { venueCard } from "./card.js";
import { el } from "./dom.js";
import { COLOURS, nameOf, scoreClass } from "./format.js";
import { getJSON, isAbort, query } from "./http.js";
import { chosenRadius, config, filterParams, setStatus, state } from "./page.js";

/** folium's map: its script (classic, with the page's nonce) declares it as a global named
 * in the config, as Leaflet's own script declares L. Null without Leaflet. */
export const map = typeof L !== "undefined" && config.mapName ? window[config.mapName] : null;

/** The map's layers ({basemap, shapes, markers, origin, byId}); null without a map. */
export let layers = null;
/** What a click on a venue does (startMap's onSelect). */
let onSelect = () => {};

/** Set the map up; *onSelect(id, {from: "map"})* is called when a venue is clicked. */
export function startMap(handlers) {
  onSelect = handlers.onSelect;
  if (!map) {
    setStatus(typeof L !== "undefined" ? "The map could not start; the list still works."
                                       : "The map library is not installed on this server; the list still works.", true);
    return;
  }
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
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 2 })
    }).addTo(map),
    shapes: L.layerGroup().addTo(map),
    markers: L.layerGroup().addTo(map),
    origin: L.layerGroup().addTo(map),
    byId: new Map()  // id -> {shape, marker}
  };
  addLegend();
  // Leaflet measures its container only when the window resizes; the page's own layout can
  // resize it too (the sidebar, fonts, the phone's address bar): measure again then, or
  // popups pan against a stale size and open beyond the map's edge.
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(() => map.invalidateSize({ debounceMoveend: true })).observe(map.getContainer());
  }
  map.on("moveend", debounce(() => { loadView(); loadBasemap(); }, 200));
  watchTiles(map, tilesFailed);
  map.on("zoomend", drawVenues);
}

function debounce(fn, ms) {
  let timer = null;
  return () => { clearTimeout(timer); timer = setTimeout(fn, ms); };
}

function addLegend() {
  const legend = L.control({ position: "bottomright" });
  legend.onAdd = () => {
    const box = L.DomUtil.create("div", "map-legend");
    box.appendChild(el("h3", null, "Safety score"));
    [["good", "75–100 safest"], ["fair", "50–74"], ["poor", "below 50"]].forEach(([key, text]) => {
      const line = el("div");
      const sw = el("span", "swatch");
      sw.style.background = COLOURS[key];
      line.appendChild(sw);
      line.appendChild(document.createTextNode(text));
      box.appendChild(line);
    });
    const origin = el("div");
    origin.appendChild(el("span", "swatch origin"));
    origin.appendChild(document.createTextNode("searched point"));
    box.appendChild(origin);
    return box;
  };
  legend.addTo(map);
}

function venueStyle(feature, selected) {
  const colour = COLOURS[scoreClass(feature.properties.score)];
  return {
    color: selected ? "#0b2a5b" : colour, weight: selected ? 4 : 2,
    // Light fills: big parks would otherwise hide the basemap and the venues inside them.
    fillColor: colour, fillOpacity: selected ? 0.5 : 0.25, opacity: 1
  };
}

/** Keep a fetched feature; a venue whose score changed (a hazard report) is drawn again,
 * so its shape and marker take the new colour. */
export function remember(f) {
  const old = state.features.get(f.id);
  state.features.set(f.id, f);
  if (!layers || !old || old.properties.score === f.properties.score) return;
  const drawn = layers.byId.get(f.id);
  if (!drawn) return;
  layers.shapes.removeLayer(drawn.shape);
  layers.markers.removeLayer(drawn.marker);
  layers.byId.delete(f.id);
}

function drawnIds() {
  // The list's venues are always drawn; the view's are added around them.
  const ids = state.listIds.slice();
  const seen = new Set(ids);
  state.viewIds.forEach((id) => { if (!seen.has(id)) { seen.add(id); ids.push(id); } });
  return ids;
}

export function drawVenues() {
  const wanted = new Set(drawnIds());
  // Forget venues neither listed, in view nor selected: a long session of panning would
  // otherwise keep every venue it ever fetched.
  state.features.forEach((f, id) => {
    if (!wanted.has(id) && id !== state.selectedId) state.features.delete(id);
  });
  if (!map) return;
  const withMarkers = map.getZoom() < config.markerMaxZoom;
  // Remove what is no longer wanted, add what is new: redrawing everything on each move
  // would make panning stutter with hundreds of shapes.
  layers.byId.forEach((drawn, id) => {
    if (!wanted.has(id)) {
      layers.shapes.removeLayer(drawn.shape);
      layers.markers.removeLayer(drawn.marker);
      layers.byId.delete(id);
    }
  });
  let added = false;
  wanted.forEach((id) => {
    const feature = state.features.get(id);
    if (!feature) return;
    let drawn = layers.byId.get(id);
    if (!drawn) {
      added = true;
      const shape = L.geoJSON(feature, { style: (f) => venueStyle(f, id === state.selectedId) });
      const marker = L.circleMarker(shape.getBounds().getCenter(), {
        radius: 7, weight: 2, color: "#fff", fillColor: COLOURS[scoreClass(feature.properties.score)],
        fillOpacity: 1
      });
      [shape, marker].forEach((layer) => {
        layer.on("click", () => onSelect(id, { from: "map" }));
        layer.bindTooltip(nameOf(feature.properties) + " · " + Math.round(feature.properties.score));
      });
      drawn = { shape, marker };
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
  const entries = Array.from(layers.byId.entries());
  entries.sort((a, b) => state.features.get(b[0]).properties.area_m2 -
                         state.features.get(a[0]).properties.area_m2);
  entries.forEach((entry) => entry[1].shape.bringToFront());
  layers.markers.eachLayer((marker) => marker.bringToFront());
  layers.origin.eachLayer((layer) => layer.bringToFront());
}

function restyle() {
  layers.byId.forEach((drawn, id) => {
    drawn.shape.setStyle((f) => venueStyle(f, id === state.selectedId));
  });
  stackBySize();
}

/** The map's box, less what hides part of it: beyond the window's top or bottom (a phone
 * scrolled), the header or any panel above it, and the controls drawn on it (zoom, legend).
 * What a popup needs to open fully visible: autoPan paddings and the largest size that fits. */
export function popupRoom() {
  const box = map.getContainer().getBoundingClientRect();
  const gap = 12;
  let top = Math.max(box.top, 0), bottom = Math.min(box.bottom, window.innerHeight);
  // Whatever lies over the map's top edge (a sticky header, a panel) hides it too.
  const x = Math.min(Math.max(box.left + box.width / 2, 0), window.innerWidth - 1);
  for (let y = Math.ceil(top); y < bottom; y += 8) {
    const hit = document.elementFromPoint(x, y);
    if (!hit || map.getContainer().contains(hit)) break;
    top = y + 8;
  }
  // Controls sit above popups: keep the popup below the top corners' and above the bottom's.
  const corners = map.getContainer().querySelectorAll(".leaflet-control");
  corners.forEach((control) => {
    const c = control.getBoundingClientRect();
    if (!c.height) return;
    if (control.closest(".leaflet-top")) top = Math.max(top, c.bottom);
    else if (control.closest(".leaflet-bottom") && c.height > 24) bottom = Math.min(bottom, c.top);
  });
  const padTop = Math.round(top - box.top + gap), padBottom = Math.round(box.bottom - bottom + gap);
  const height = Math.max(0, box.height - padTop - padBottom);
  return {
    autoPanPaddingTopLeft: [gap, padTop], autoPanPaddingBottomRight: [gap, padBottom],
    // The popup's frame, close button and tip take about 50 px; its content scrolls beyond.
    maxWidth: Math.max(160, Math.min(320, box.width - 2 * gap - 40)),
    maxHeight: Math.max(120, height - 50)
  };
}

/** The selected venue on the map: highlighted, and its card in a popup. *from* "list"
 * flies to it first; "panel" (a refresh with the popup closed) leaves the popup closed. */
export function showVenue(id, feature, from) {
  if (!map) return;
  restyle();
  const drawn = layers.byId.get(id);
  if (!drawn) return;
  const bounds = drawn.shape.getBounds();
  function openPopup() {
    if (state.selectedId !== id) return;  // another venue was chosen meanwhile
    // Measured now, as the page lies: the popup pans into what is visible of the map.
    state.popup = L.popup(popupRoom())
      .setLatLng(bounds.getCenter())
      .setContent(venueCard(feature))
      .openOn(map);
  }
  if (from === "list") {
    // On a phone the map is above the list: bring it into view first (at once: the popup
    // is measured against where the map will be), then focus the map on the place and open
    // the popup: opened during the fly-to, its auto-pan would be undone when it ends.
    if (oneColumn()) scrollToMap();
    map.once("moveend", openPopup);
    map.fitBounds(bounds, { maxZoom: 17, padding: [40, 40] });
  } else if (from !== "panel") {
    openPopup();
  }
}

/** Whether the page is one column (a phone): search, map and list one below the other. */
export function oneColumn() {
  return window.matchMedia("(max-width: 899px)").matches;
}

/** Scroll the page so that the map's top is the window's. */
export function scrollToMap() {
  document.querySelector(".map-area").scrollIntoView({ behavior: "auto", block: "start" });
}

/** Whether the selected venue's popup is open. */
export function popupOpen() {
  return Boolean(map && state.popup && map.hasLayer(state.popup));
}

/** The searched point and the chosen distance around it. */
export function drawOrigin() {
  if (!map) return;
  layers.origin.clearLayers();
  const point = [state.origin.lat, state.origin.lon];
  L.circle(point, {
    radius: chosenRadius(), color: "#1f5fbf", weight: 1.5,
    dashArray: "6 6", fill: false, interactive: false
  }).addTo(layers.origin);
  L.circleMarker(point, {
    radius: 8, color: "#1f5fbf", weight: 3, fillColor: "#fff", fillOpacity: 1
  }).bindTooltip("Searched point: " + state.origin.label).addTo(layers.origin);
}

/** A new searched point: the old popup closes, the view moves there when *recentre*. */
export function moveOrigin(recentre) {
  if (!map) return;
  map.closePopup();
  drawOrigin();
  if (recentre) {
    map.setView([state.origin.lat, state.origin.lon], Math.max(map.getZoom(), config.startZoom));
  }
}

/** Metres from the view's centre to its corner, within the API's limits. */
export function viewRadius() {
  if (!map) return config.defaultRadius;
  const centre = map.getCenter();
  const corner = map.getBounds().getNorthEast();
  return Math.max(100, Math.min(config.maxRadius, Math.ceil(centre.distanceTo(corner))));
}

/** Fetch and draw the venues of the current view. */
export function loadView() {
  if (!map) return undefined;
  if (map.getZoom() < config.viewMinZoom) {
    state.viewIds = [];
    drawVenues();
    return undefined;
  }
  const centre = map.getCenter();
  const params = filterParams();
  params.lat = centre.lat.toFixed(6);
  params.lon = centre.lng.toFixed(6);
  params.radius = viewRadius();
  params.limit = config.viewLimit;
  const req = getJSON(config.api.venues + "?" + query(params), state.viewRequest);
  state.viewRequest = req.controller;
  return req.promise.then((body) => {
    state.viewIds = body.features.map((f) => {
      remember(f);
      return f.id;
    });
    drawVenues();
  }).catch((err) => {
    if (!isAbort(err)) setStatus("Could not load the places on the map: " + err.message, true);
  });
}

/** The extract's own basemap of the view, when tiles are off or unreachable. */
export function loadBasemap() {
  if (!map || (config.tilesEnabled && !state.tilesFailed) || !config.hasBasemap) return;
  if (map.getZoom() < config.basemapMinZoom) return;  // keep the last drawing for context
  const req = getJSON(config.api.basemap + "?" + query({ bbox: viewBox(map) }),
                      state.basemapRequest);
  state.basemapRequest = req.controller;
  req.promise.then((body) => {
    layers.basemap.clearLayers();
    layers.basemap.addData(body);
  }).catch((err) => {
    if (!isAbort(err) && err.status !== 400) setStatus("Could not draw the base map: " + err.message, true);
  });
}

// When the tile server cannot be reached (offline, blocked), draw the extract's own
// basemap instead of leaving a grey field.
function tilesFailed() {
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
}
