/* The extract's own light basemap (GET /api/basemap), for a Leaflet map whose tiles are off
 * or cannot be reached: its look, the watch on the tiles that decides, and the drawing of
 * the view. The session pages' small map uses it; it draws what the map page's does. */

import { getJSON, query } from "./http.js";

/** How each basemap layer looks: light, under the venues. */
export function basemapStyle(feature) {
  switch (feature.properties.layer) {
    case "road": return { color: "#b8bec8", weight: 3, opacity: 0.9 };
    case "path": return { color: "#c9b8a2", weight: 1.2, dashArray: "3 3", opacity: 0.9 };
    case "water": return { color: "#9cc3e6", weight: 1, fillColor: "#bcdaf3", fillOpacity: 1 };
    case "building": return { color: "#cfc8c0", weight: 0.6, fillColor: "#e4dfd9", fillOpacity: 1 };
    case "green": return { color: "#c4dfb4", weight: 0.6, fillColor: "#dcefd2", fillOpacity: 1 };
    default: return { color: "#ddd", weight: 1 };
  }
}

/** The view's box (padded a little, clamped to the world) as the API's bbox. */
export function viewBox(map) {
  const b = map.getBounds().pad(0.1);
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v, i) => {
    const limit = i % 2 === 0 ? 180 : 90;
    return Math.max(-limit, Math.min(limit, v)).toFixed(5);
  }).join(",");
}

/**
 * Call *onFail* once when the map's tile layers cannot be reached: a few failures with no
 * tile loaded decide it (offline, blocked), rather than leaving a grey field.
 */
export function watchTiles(map, onFail) {
  let loaded = 0, failed = 0, decided = false;
  function decide() {
    if (decided || loaded > 0 || failed < 2) return;
    decided = true;
    onFail();
  }
  map.eachLayer((layer) => {
    if (!(layer instanceof L.TileLayer)) return;
    // Module scripts run once the page is parsed: tiles may have loaded or failed already.
    const container = layer.getContainer();
    if (container) {
      container.querySelectorAll("img").forEach((img) => {
        if (img.complete && img.naturalWidth > 0) loaded += 1;
        else if (img.complete) failed += 1;
      });
    }
    layer.on("tileload", () => { loaded += 1; });
    layer.on("tileerror", () => { failed += 1; decide(); });
  });
  decide();
}

/**
 * Draw the extract's basemap on *map* from *url* (the API's) whenever it is needed: at once
 * without tiles, else once the tiles fail; then again as the view moves (from zoom
 * *minZoom* on: wider views keep the last drawing). Returns the layer.
 */
export function extractBasemap(map, url, minZoom, hasTiles) {
  map.createPane("basemap");
  map.getPane("basemap").style.zIndex = 250;  // above tiles (200), below the venue (400)
  const layer = L.geoJSON(null, {
    pane: "basemap", interactive: false, style: basemapStyle,
    pointToLayer: (f, latlng) => L.circleMarker(latlng, { radius: 2 })
  }).addTo(map);
  let wanted = !hasTiles, previous = null;
  function draw() {
    if (!wanted || map.getZoom() < minZoom) return;
    const req = getJSON(url + "?" + query({ bbox: viewBox(map) }), previous);
    previous = req.controller;
    req.promise.then((body) => {
      layer.clearLayers();
      layer.addData(body);
      map.getContainer().dataset.basemap = "drawn";
    }).catch(() => {});  // the venue and meeting point are drawn anyway
  }
  map.on("moveend", draw);
  if (hasTiles) {
    watchTiles(map, () => {
      wanted = true;
      map.attributionControl.addAttribution("Tiles unreachable: map drawn from the loaded extract");
      draw();
    });
  } else {
    draw();
  }
  return layer;
}
