/* venuefinder club-session pages: the small map (venue and meeting point; on the forms a
 * click moves the meeting point into its boxes) and the plan editor (a template fills the
 * step rows; editing a row makes the plan the organiser's own; the total adds up as typed).
 *
 * Everything it needs is in JSON blocks of the page (#vf-session-map, #vf-plans): no inline
 * script (the pages' Content-Security-Policy allows scripts from the app only). Without it,
 * or without Leaflet, the forms still work: the boxes are plain inputs.
 */
(function () {
  "use strict";

  var $ = function (id) { return document.getElementById(id); };
  function json(id) {
    var node = $(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  // ------------------------------------------------------------------------------- map
  var mapConfig = json("vf-session-map");
  var mapNode = $("session-map");
  var sessionMap = null;

  function drawMap(cfg) {
    var map = L.map(mapNode, { scrollWheelZoom: false });
    if (cfg.tiles) {
      L.tileLayer(cfg.tiles, { maxZoom: 19, attribution: cfg.attribution }).addTo(map);
    }
    // The view first: Leaflet draws vector layers only on a map that has one.
    var shape = cfg.venue ? L.geoJSON(cfg.venue, {
      interactive: false, style: { color: "#1f5fbf", weight: 3, fillOpacity: 0.15 } }) : null;
    var bounds = shape ? shape.getBounds() : null;
    [cfg.point, cfg.meeting].forEach(function (p) {
      if (!p) return;
      var here = L.latLng(p[0], p[1]);
      bounds = bounds ? bounds.extend(here) : L.latLngBounds(here, here);
    });
    if (bounds) map.fitBounds(bounds.pad(0.4), { maxZoom: 18 });
    else map.setView([0, 0], 2);
    if (shape) shape.addTo(map);

    var marker = null;
    function placeMeeting(lat, lon) {
      if (marker) marker.setLatLng([lat, lon]);
      else marker = L.circleMarker([lat, lon], { radius: 9, color: "#b86e00", weight: 3,
                                                 fillColor: "#ffbf47", fillOpacity: 0.9 })
        .bindTooltip("Meeting point").addTo(map);
    }
    if (cfg.meeting) placeMeeting(cfg.meeting[0], cfg.meeting[1]);

    if (cfg.pick) {
      var lat = $("meeting_lat"), lon = $("meeting_lon"), note = $("meeting_note");
      map.getContainer().classList.add("picking");
      map.on("click", function (e) {
        lat.value = e.latlng.lat.toFixed(6);
        lon.value = e.latlng.lng.toFixed(6);
        placeMeeting(e.latlng.lat, e.latlng.lng);
        note.value = "Chosen on the map";
      });
      // Typed coordinates move the marker too.
      [lat, lon].forEach(function (box) {
        box.addEventListener("change", function () {
          var a = parseFloat(lat.value), b = parseFloat(lon.value);
          if (isFinite(a) && isFinite(b)) placeMeeting(a, b);
        });
      });
    }
    return map;
  }

  if (mapConfig && mapNode && typeof window.L !== "undefined") {
    sessionMap = drawMap(mapConfig);
  }

  // ----------------------------------------------------------------------- plan editor
  var plans = json("vf-plans");
  var select = $("plan"), steps = $("steps"), total = $("steps-total");

  function clock(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor(seconds % 3600 / 60), s = seconds % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  // Whole seconds per box, as the server counts them, so both totals agree.
  function seconds(text) {
    var value = parseFloat(text);
    return isFinite(value) && value > 0 ? Math.round(value * 60) : 0;
  }

  function updateTotal() {
    var sum = 0;
    steps.querySelectorAll("tbody tr").forEach(function (row) {
      var box = function (name) { return row.querySelector("[name=" + name + "]").value; };
      var repeat = parseInt(box("step_repeat"), 10);
      var one = seconds(box("step_minutes"));
      if (!one) return;
      sum += (isFinite(repeat) && repeat > 0 ? repeat : 1) * (one + seconds(box("step_recovery")));
    });
    total.textContent = clock(sum) + " (" + Math.round(sum / 6) / 10 + " min)";
  }

  function fill(name) {
    var rows = plans[name];
    if (!rows) return;
    steps.querySelectorAll("tbody tr").forEach(function (row, i) {
      var step = rows[i] || { label: "", minutes: "", repeat: "", recovery: "", pace: "" };
      row.querySelector("[name=step_label]").value = step.label;
      row.querySelector("[name=step_minutes]").value = step.minutes;
      row.querySelector("[name=step_repeat]").value = step.repeat;
      row.querySelector("[name=step_recovery]").value = step.recovery;
      row.querySelector("[name=step_pace]").value = step.pace;
    });
    updateTotal();
  }

  if (plans && select && steps && total) {
    select.addEventListener("change", function () {
      if (select.value !== "custom") fill(select.value);
      document.querySelectorAll(".template details").forEach(function (d) {
        d.open = d.parentNode.dataset.template === select.value;
      });
    });
    steps.addEventListener("input", function () {
      select.value = "custom";
      updateTotal();
    });
    updateTotal();
  }

  window.venuefinderSessions = { map: sessionMap };
})();
