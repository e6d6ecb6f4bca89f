/* A venue's card: one builder for the side panel and the map popup, so both always say the
 * same. */

import { el } from "./dom.js";
import { confidenceText, formatDistance, kindLabel, nameOf, scoreClass } from "./format.js";
import { approxDistance } from "./geo.js";
import { config, state } from "./page.js";

/**
 * Metres from the searched point to venue *id*: as the API measured it for the list's
 * venues; estimated here for venues drawn from the map view (the API measured those from the
 * view's centre, not from the searched point).
 */
function distanceOf(id) {
  if (state.listDistance.has(id)) return { metres: state.listDistance.get(id), approx: false };
  const f = state.features.get(id);
  return { metres: f ? approxDistance(state.origin, f.geometry) : null, approx: true };
}

export function venueCard(feature) {
  const p = feature.properties;
  const card = el("article", "venue-card");
  card.appendChild(el("h3", null, nameOf(p)));
  const distance = distanceOf(p.id);
  let meta = kindLabel(p.kind);
  if (distance.metres !== null) {
    meta += " · " + (distance.approx && distance.metres >= 1 ? "about " : "") +
      formatDistance(distance.metres) + " from " + state.origin.label;
  }
  card.appendChild(el("p", "meta", meta));

  const overall = el("p", "overall");
  overall.appendChild(el("span", "badge " + scoreClass(p.score), String(Math.round(p.score))));
  overall.appendChild(el("span", null, "overall score out of 100"));
  card.appendChild(overall);
  card.appendChild(el("p", "confidence",
    "Confidence " + p.confidence + "%: " + confidenceText(p.confidence)));

  const list = el("dl");
  config.criteria.forEach((c) => {
    if (!(c.key in p.scores)) return;  // a live criterion the server did not score
    const dt = el("dt");
    dt.appendChild(document.createTextNode(c.label + ": "));
    dt.appendChild(el("span", "crit-score", String(Math.round(p.scores[c.key]))));
    // A guess by kind, said once; a live criterion with nothing reported is no guess.
    const reason = p.reasons[c.key];
    if (!c.live && (p.evidence || {})[c.key] === "prior" && !/guess/i.test(reason)) {
      dt.appendChild(el("span", "guess", " (a guess)"));
    }
    list.appendChild(dt);
    list.appendChild(el("dd", null, reason));
  });
  card.appendChild(list);
  if (p.vetoed_by) {
    card.appendChild(el("p", "veto", "Overall score capped by " + p.vetoed_by + "."));
  }
  if (p.note) card.appendChild(el("p", "note", p.note));
  const links = el("p", "links");
  const osm = el("a", null, "View on OpenStreetMap");
  osm.href = p.osm_url;
  osm.rel = "noopener";
  osm.target = "_blank";
  links.appendChild(osm);
  links.appendChild(document.createTextNode(" · "));
  // Relative: the map page is the app's root, wherever the app is mounted.
  const plan = el("a", "plan-session", "Plan a group session here");
  plan.href = "sessions/new?venue=" + encodeURIComponent(p.id);
  links.appendChild(plan);
  card.appendChild(links);
  return card;
}
