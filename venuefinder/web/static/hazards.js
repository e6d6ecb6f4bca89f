/* venuefinder hazard reports on the map page (after app.js, which exposes window.venuefinder).
 *
 * "Report a hazard" mode: click the map (or use "my location"), pick kind and severity,
 * send. Open reports near the view are drawn as icons; each popup shows age and
 * confirmations with "Still there", "Gone" and "Flag". After any of these the venues are
 * fetched again, so a venue's hazards reason and colour change at once.
 *
 * Writes are JSON (Content-Type: application/json, which a cross-site form cannot send).
 * Text from reports goes through textContent only: descriptions are free text.
 */
(function () {
  "use strict";

  var vf = window.venuefinder;
  var cfgNode = document.getElementById("vf-hazards");
  if (!vf || !cfgNode) return;
  var cfg = JSON.parse(cfgNode.textContent);
  var map = vf.map, el = vf.el, setStatus = vf.setStatus;
  var $ = function (id) { return document.getElementById(id); };

  // One symbol per kind: text, so no image request and nothing but Leaflet is needed.
  var SYMBOLS = { pothole: "◉", hill: "⛰", surface: "▦", glass: "✶", flooding: "≈",
                  dark: "☾", obstacle: "⛔", other: "!" };
  var els = {
    toggle: $("report-hazard"), form: $("hazard-form"), where: $("hazard-where"),
    here: $("hazard-here"), kind: $("hazard-kind"), severity: $("hazard-severity"),
    description: $("hazard-description"), send: $("hazard-send"), cancel: $("hazard-cancel")
  };
  var state = { reporting: false, point: null, pointLayer: null, request: null, features: [] };
  var layer = map ? L.layerGroup().addTo(map) : null;

  function kindLabel(kind) { return cfg.kinds[kind] || kind; }

  function ago(iso) {
    var seconds = Math.max(0, (Date.now() - Date.parse(iso)) / 1000);
    if (seconds < 90) return "just now";
    if (seconds < 5400) return Math.round(seconds / 60) + " minutes ago";
    if (seconds < 129600) return Math.round(seconds / 3600) + " hours ago";
    return Math.round(seconds / 86400) + " days ago";
  }

  function send(method, url, body) {
    return fetch(url, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (data) {
        if (response.ok) return data;
        var message = (data && data.message) || "the server answered " + response.status;
        if (response.status === 429) {
          var wait = response.headers.get("Retry-After");
          message = "Too many reports from here" + (wait ? ": try again in " + wait + " s" : "");
        }
        throw new Error(message);
      });
    });
  }

  // ---------------------------------------------------------------------------- drawing
  function icon(p) {
    var node = el("span", "hazard-symbol", SYMBOLS[p.kind] || "!");
    return L.divIcon({ className: "hazard-icon severity-" + p.severity, html: node,
                       iconSize: [26, 26], iconAnchor: [13, 13], popupAnchor: [0, -12] });
  }

  function hazardCard(p) {
    var card = el("article", "hazard-card");
    card.dataset.id = p.id;
    card.appendChild(el("h3", null, kindLabel(p.kind).replace(/^./, function (c) { return c.toUpperCase(); })));
    card.appendChild(el("p", "meta", p.severity + " severity · reported " + ago(p.created_at)));
    card.appendChild(el("p", "confirmations", p.confirmations === 1 ? "1 person says it is there"
                        : p.confirmations + " people say it is there"));
    if (p.description) card.appendChild(el("p", "description", p.description));
    var buttons = el("p", "hazard-actions");
    [["confirm", "Still there"], ["gone", "Gone"], ["flag", "Flag"]].forEach(function (pair) {
      var button = el("button", pair[0] === "flag" ? "secondary" : null, pair[1]);
      button.type = "button";
      button.dataset.action = pair[0];
      button.addEventListener("click", function () {
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
    var form = el("form", "flag-form");
    var label = el("label", null, "Why is this report wrong?");
    var input = el("input");
    input.name = "reason";
    input.maxLength = cfg.descriptionMax;
    label.appendChild(input);
    form.appendChild(label);
    var submit = el("button", null, "Send flag");
    submit.type = "submit";
    form.appendChild(submit);
    form.addEventListener("submit", function (event) {
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
    features.forEach(function (f) {
      var p = f.properties;
      var marker = L.marker([p.lat, p.lon], { icon: icon(p), title: kindLabel(p.kind),
                                              alt: kindLabel(p.kind), riseOnHover: true });
      marker.hazardId = p.id;
      marker.bindPopup(function () { return hazardCard(p); }, { maxWidth: 260 });
      layer.addLayer(marker);
    });
  }

  function load() {
    if (!map) return Promise.resolve();
    var centre = map.getCenter();
    var radius = Math.min(cfg.maxRadius, vf.viewRadius());
    if (state.request) state.request.abort();
    state.request = new AbortController();
    var url = cfg.api.hazards + "?lat=" + centre.lat.toFixed(6) + "&lon=" + centre.lng.toFixed(6) +
      "&radius=" + Math.round(radius);
    return fetch(url, { signal: state.request.signal, headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) draw(body.features); })
      .catch(function (err) { if (err.name !== "AbortError") setStatus("Could not load hazard reports.", true); });
  }

  function afterChange(message) {
    setStatus(message);
    return Promise.all([load(), vf.refresh()]).then(function () { setStatus(message); });
  }

  function vote(id, action, body) {
    send("POST", cfg.api.hazards + "/" + id + "/" + action, body).then(function (h) {
      if (map) map.closePopup();
      var message = action === "confirm" ? "Thanks: the report is renewed." :
        action === "gone" ? (h.status === "resolved" ? "Thanks: the report is closed."
                                                     : "Thanks: one more “gone” closes it.") :
        (h.status === "hidden" ? "Thanks: the report is hidden until a moderator looks."
                               : "Thanks: the moderators will look at it.");
      return afterChange(message);
    }).catch(function (err) { setStatus(err.message, true); });
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

  els.toggle.addEventListener("click", function () { setReporting(!state.reporting); });
  els.cancel.addEventListener("click", function () { setReporting(false); });
  if (!("geolocation" in navigator)) els.here.disabled = true;
  els.here.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (pos) {
      setPoint({ lat: pos.coords.latitude, lng: pos.coords.longitude });
    }, function () {
      setStatus("Could not get your location: click the map instead.", true);
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
  });
  if (map) {
    map.on("click", function (event) { if (state.reporting) setPoint(event.latlng); });
    var timer = null;
    map.on("moveend", function () { clearTimeout(timer); timer = setTimeout(load, 200); });
  }

  els.form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!state.point) return;
    var body = { kind: els.kind.value, severity: els.severity.value,
                 lat: Number(state.point.lat.toFixed(7)), lon: Number(state.point.lng.toFixed(7)) };
    if (els.description.value.trim()) body.description = els.description.value;
    els.send.disabled = true;
    send("POST", cfg.api.hazards, body).then(function (h) {
      els.description.value = "";
      setReporting(false);
      return afterChange(h.merged_into ? "Thanks: someone had reported it already; your report confirms it."
                                       : "Thanks: your report of " + kindLabel(h.kind) + " is on the map.");
    }).catch(function (err) {
      els.send.disabled = false;
      setStatus("The report was not sent: " + err.message, true);
    });
  });

  load();
  window.venuefinder.hazards = { load: load, state: state, layer: layer };
})();
