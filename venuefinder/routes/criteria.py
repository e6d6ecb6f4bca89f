"""A route's criteria: each judges the stretches in running order and gives a score 0–100,
a reason, and warnings with where they are (km from the start).

Score: a weighted mean of criteria, each 0–100 (:data:`WEIGHTS`):

* ``flatness``: half the flatness criterion's score of the 90th-percentile grade, half that
  of the steepest descent in the running direction (left out without a DEM);
* ``traffic``: share of the length away from busy roads, less a quarter of the share
  beside any road (a pavement), each street a loop may follow its ``weight`` times its
  share (:data:`~venuefinder.vocabulary.roads.LOOP_STREETS`: a sidewalk a quarter, a
  living street half…; each named in the reason) and twice the share on other roads;
* ``crossings``: ``100·exp(−p/10)`` with ``p`` the crossing points per km (each road
  class's ``crossing_points`` in :data:`~venuefinder.vocabulary.roads.ROAD_CLASSES`,
  halved at lights); along a street, the side streets are what is crossed
  (:func:`~venuefinder.routes.graph.crossed`);
* ``surface``: the surface criterion's scores, length-weighted (unmapped: 55);
* ``lit``: share lit, unmapped counting half (weighs more when light is asked for);
* ``retracing``: 100 with nothing run twice, 0 at a quarter of the length;
* ``length``: 100 on the asked length, 8 points off per percent of error;
* ``hazards``: ``100·Π(1 − share)`` over the open reports on the way; a high-severity
  one caps the route's score as it caps a venue's.

Laps of a loop of paths lose :data:`REPEAT_LAP_POINTS` per lap beyond the first (the same
streets again); laps of a track or a field do not (they are built for it).

Each ``judge_*`` function adds its criterion to ``scores``, ``reasons`` and ``warnings``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from ..scoring.flatness import slope_to_score
from ..scoring.hazards import HIGH_SEVERITY_CAP
from ..vocabulary import LIT_YES
from ..vocabulary.hazards import KIND_LABELS
from ..vocabulary.labels import highway_word, tag_words, with_article
from ..vocabulary.roads import LOOP_STREETS, ROAD_CLASSES
from .graph import NEAR_TRAFFIC_M, ROAD_NEAR_M, crossed
from .profile import Profile

if TYPE_CHECKING:
    from .graph import WalkGraph
    from .network import HazardHits
    from .route import Walk

#: Order of the reasons a route gives.
REASON_ORDER = ("length", "direction", "flatness", "traffic", "crossings", "surface", "lit",
                "retracing", "hazards")
#: Criterion weights in the route score (``lit`` becomes :data:`LIT_WEIGHT_ASKED` when
#: light is asked for or the run starts after sunset).
WEIGHTS: dict[str, float] = {"flatness": 3.0, "traffic": 3.0, "crossings": 3.0,
                             "surface": 2.0, "hazards": 3.0, "retracing": 1.5,
                             "length": 1.5, "lit": 0.5}
LIT_WEIGHT_ASKED = 3.0
#: Weight of the share beside any road in the traffic score (a busy road weighs 1).
ROADSIDE_WEIGHT = 0.25
#: Score of a stretch whose surface is not mapped (or not a known running surface).
UNMAPPED_SURFACE = 55.0
#: Points per crossing by road class; per km of route they set the crossings score.
CROSSING_POINTS: dict[str, float] = {c: rule.crossing_points
                                     for c, rule in ROAD_CLASSES.items()}
#: A backward runner stops and turns to look at every crossing: one quiet street a km (6
#: points) leaves 55 of 100, two leave 30.
CROSSING_SCALE = 10.0
#: Share of the hazards score one report takes off, by severity.
HAZARD_SHARES: dict[str, float] = {"low": 0.15, "medium": 0.35, "high": 0.8}
#: Retraced share of the length at which the retracing score reaches 0.
RETRACE_ZERO = 0.25
LENGTH_POINTS_PER_PCT = 8.0
#: Points off a loop of paths (not a track or field) for each lap beyond the first.
REPEAT_LAP_POINTS = 3.0
#: A crossing with lights counts this share of its points.
SIGNALLED_SHARE = 0.5
#: Nodes of one road met within this distance along the route are one crossing.
CROSSING_MERGE_M = 30.0
#: At most this many crossings are listed one by one in the warnings.
MAX_CROSSING_WARNINGS = 8
#: The way there mentions stretches along roads from this length.
MIN_ROAD_STRETCH_M = 20.0
#: Weight of a stretch on a road that is no street a loop may follow, in the traffic score.
ROAD_WEIGHT = 2.0
#: At most this many streets a loop follows are named in the traffic reason.
MAX_STREETS_SAID = 4


def route_score(scores: dict[str, float], lit: bool, walk: "Walk", capped: bool) -> float:
    """The weighted mean of the criteria's *scores*, less the repeated laps' points, capped
    by a high-severity hazard (*capped*)."""
    weights = dict(WEIGHTS, lit=LIT_WEIGHT_ASKED if lit else WEIGHTS["lit"])
    score = sum(weights[k] * v for k, v in scores.items()) / sum(weights[k] for k in scores)
    if walk.ring is None and walk.laps > 1:  # the same streets again: a little dull
        score -= REPEAT_LAP_POINTS * (walk.laps - 1)
    if capped:
        score = min(score, HIGH_SEVERITY_CAP)
    return score


def judge_length(graph: "WalkGraph", walk: "Walk", total: float, asked_m: Optional[float],
                 retraced: float, scores: dict[str, float], reasons: dict[str, str]) -> None:
    """Length and retracing (a loop's; the way there only says its length)."""
    if walk.there_only:
        reasons["length"] = f"{total / 1000:.2f} km on foot"
        return
    lengths = graph.edge_values("length_m")
    unit_length = float(lengths[walk.unit()].sum())
    share = retraced / unit_length if unit_length else 0.0
    scores["retracing"] = 100.0 * max(0.0, 1.0 - share / RETRACE_ZERO)
    of = "the loop" if walk.laps == 1 and walk.ring is None else "a lap and the way to it"
    reasons["retracing"] = (f"{retraced:.0f} m run twice ({share:.0%} of {of})"
                            if retraced >= 1 else "nothing run twice")
    error = (total - asked_m) / asked_m if asked_m else 0.0
    scores["length"] = max(0.0, 100.0 - LENGTH_POINTS_PER_PCT * abs(error) * 100)
    approach_m = float(lengths[walk.approach[0]].sum())
    reasons["length"] = _length_reason(walk, total, asked_m, error, approach_m, graph)


def judge_flatness(graph: "WalkGraph", walk: "Walk", direction: str, profile: Profile,
                   other: Profile, forward_stretches: list[dict[str, float]],
                   scores: dict[str, float], reasons: dict[str, str],
                   warnings: list[str], relief: Optional[str] = None) -> None:
    """Flatness, and why the loop runs *direction* (*other*: the profile the other way).

    Without heights, *relief* (what the extract's own heights say of a hilly area, e.g.
    :func:`venuefinder.heights.describe_relief`; None when they show no hills) makes a
    loop warn that its direction could not be chosen.
    """
    if not profile.has_heights:
        dem = graph.info.get("dem")
        why = (f"the DEM ({dem}) does not cover it" if dem else "no elevation data")
        reasons["flatness"] = (f"{why}, and the area is hilly ({relief})" if relief
                               else f"{why} to judge hills")
        if not walk.there_only:
            reasons["direction"] = f"{direction} ({why} to choose by)"
            if relief:
                warnings.append("hilly area: the direction to run could not be chosen; "
                                "turn and run forwards down any steep stretch")
        return
    steepest_down = profile.max_downhill
    scores["flatness"] = 0.5 * float(slope_to_score(profile.p90)) + 0.5 * float(
        slope_to_score(steepest_down))
    dem = graph.info.get("dem")
    reasons["flatness"] = (f"climbs {profile.climb:.0f} m; 90 % of it under "
                           f"{profile.p90:.1f} % grade; steepest descent "
                           f"{steepest_down:.1f} % in the running direction"
                           + (f" (DEM {dem})" if dem else ""))
    if not walk.there_only:
        reasons["direction"] = _direction_reason(direction, profile, other)
    for stretch in forward_stretches:
        warnings.append(f"run forwards from {stretch['from_m'] / 1000:.2f} to "
                        f"{stretch['to_m'] / 1000:.2f} km: {-stretch['grade_pct']:.0f} % "
                        "downhill")


def _length_reason(walk: "Walk", total: float, asked_m: Optional[float], error: float,
                   approach_m: float, graph: "WalkGraph") -> str:
    asked = f" for {asked_m / 1000:.3g} km asked ({error:+.1%})" if asked_m else ""
    if walk.laps == 1 and walk.ring is None:
        return f"{total / 1000:.2f} km{asked}"
    lap = float(graph.edge_values("length_m")[walk.circuit[0]].sum())
    ring = walk.ring or {}
    what = {"track": "track", "field": "field's edge"}.get(ring.get("kind", ""), "loop")
    name = f" ({ring['name']})" if ring.get("name") else ""
    text = f"{walk.laps} lap{'s' if walk.laps > 1 else ''} of the {lap:.0f} m {what}{name}"
    if approach_m >= 1:
        text += f" and {approach_m:.0f} m to it and back"
    return f"{text}: {total / 1000:.2f} km{asked}"


def _direction_reason(direction: str, profile: Profile, other: Profile) -> str:
    """Why this way round: *other* is the profile the other way round."""
    if other.steep_descent - profile.steep_descent <= 0.1 * other.steep_descent + 1e-9:
        return (f"{direction}: either way round descends alike (at most "
                f"{profile.max_downhill:.1f} %)")
    return (f"{direction}: climbs the steep side (the other way would descend "
            f"{other.max_downhill:.1f} %) and descends at most {profile.max_downhill:.1f} %")



def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km"


def judge_traffic(graph: "WalkGraph", edges: np.ndarray, lengths: np.ndarray, ends: np.ndarray,
             total: float, scores: dict[str, float], reasons: dict[str, str],
             warnings: list[str], there_only: bool) -> None:
    busy = float((graph.edge_values("busy_share")[edges] * lengths).sum())
    roadside = float((graph.edge_values("road_share")[edges] * lengths).sum())
    road = graph.edge_values("kind")[edges] == "road"
    street = graph.edge_values("street")[edges]
    weight = np.where(street != "", [LOOP_STREETS[k].weight if k else 0.0 for k in street],
                      np.where(road, ROAD_WEIGHT, 0.0))
    motor = float(lengths[road].sum())
    share_busy = busy / total
    scores["traffic"] = 100.0 * max(0.0, 1.0 - share_busy - ROADSIDE_WEIGHT * roadside / total
                                    - float((weight * lengths).sum()) / total)
    text = (f"{1 - share_busy:.0%} of it more than {NEAR_TRAFFIC_M:.0f} m from busy roads"
            if busy >= 1 else "away from busy roads all the way")
    if roadside >= 1:
        text += f"; {roadside / total:.0%} within {ROAD_NEAR_M:.0f} m of a road"
    if busy >= 1:
        names = graph.edge_values("near_road")[edges]
        weights = graph.edge_values("busy_share")[edges] * lengths
        by_name: dict[str, float] = {}
        for name, w in zip(names, weights):
            if name and w > 0:
                by_name[name] = by_name.get(name, 0.0) + w
        if by_name:
            text += f"; beside {max(by_name, key=by_name.get)} for the most part"
    followed = _streets_said(graph, edges, lengths, street)
    if followed:
        text += "; " + followed
    other = float(lengths[road & (street == "")].sum())
    if other >= 1:
        text += f"; {other:.0f} m on roads"
    reasons["traffic"] = text
    if there_only and motor >= 1:
        names = graph.edge_values("name")[edges]
        classes = graph.edge_values("road_class")[edges]
        starts = np.flatnonzero(road & ~np.concatenate([[False], road[:-1]]))
        stops = np.flatnonzero(road & ~np.concatenate([road[1:], [False]]))
        for first, last in zip(starts, stops):
            part = slice(first, last + 1)
            stretch = float(lengths[part].sum())
            if stretch < MIN_ROAD_STRETCH_M:
                continue
            main = first + int(np.argmax(lengths[part]))  # named by its longest piece
            said = highway_word(classes[main])
            name = (f"{names[main]} ({said})" if isinstance(names[main], str)
                    else with_article(said))
            warnings.append(f"along {name} for {stretch:.0f} m at "
                            f"{_km(ends[first] - lengths[first])}")


def _streets_said(graph: "WalkGraph", edges: np.ndarray, lengths: np.ndarray,
                  street: np.ndarray) -> str:
    """``600 m along the sidewalk of Hauptstraße, 400 m along a living street``: the
    streets a route follows (their stretches summed per street), longest first."""
    names = graph.edge_values("name")[edges]
    by: dict[str, float] = {}
    for kind, name, length in zip(street, names, lengths):
        if kind:
            said = LOOP_STREETS[kind].said(name if isinstance(name, str) else None)
            by[said] = by.get(said, 0.0) + float(length)
    ranked = sorted(by.items(), key=lambda kv: -kv[1])
    parts = [f"{length:.0f} m along {said}" for said, length in ranked[:MAX_STREETS_SAID]]
    rest = sum(length for _, length in ranked[MAX_STREETS_SAID:])
    if rest >= 1:
        parts.append(f"{rest:.0f} m along other streets")
    return ", ".join(parts)


def judge_crossings(graph: "WalkGraph", edges: np.ndarray, rev: np.ndarray, ends: np.ndarray,
               total: float, there_only: bool, scores: dict[str, float],
               reasons: dict[str, str], warnings: list[str]) -> int:
    """Road crossings on the way: score, reason and warnings; returns how many.

    At each node the road crossed is judged relative to the ways walked into and out of
    it (:func:`~venuefinder.routes.graph.crossed`): along a street, its side streets.
    Nodes of one road met within :data:`CROSSING_MERGE_M` (the two carriageways of an
    avenue, a crossing way's ends) are one crossing.
    """
    head = np.where(rev, graph.edge_values("u")[edges], graph.edge_values("v")[edges])[:-1]
    classes, names = crossed(graph, head, edges[:-1], edges[1:])
    at = np.flatnonzero(classes != "")
    if there_only:  # joining, following and leaving a road is not crossing it
        kind = graph.edge_values("kind")[edges]
        at = at[(kind[at] != "road") & (kind[at + 1] != "road")]
    signalled = graph.node_values("signalled")[head[at]]
    names = names[at]
    crossings: list[dict[str, Any]] = []
    for i, name, cls, light in zip(at, names, classes[at], signalled):
        points = CROSSING_POINTS.get(cls, 0.0) * (SIGNALLED_SHARE if light else 1.0)
        same = next((c for c in reversed(crossings) if ends[i] - c["end"] <= CROSSING_MERGE_M
                     and c["name"] == name and (name or c["class"] == cls)), None)
        if same is not None:
            same.update(end=ends[i], points=max(same["points"], points),
                        lights=same["lights"] and light)
        else:
            crossings.append({"at": ends[i], "end": ends[i], "name": name, "class": cls,
                              "lights": bool(light), "points": points})
    per_km = sum(c["points"] for c in crossings) / max(total / 1000.0, 1e-9)
    scores["crossings"] = 100.0 * float(np.exp(-per_km / CROSSING_SCALE))
    if not crossings:
        reasons["crossings"] = "no road to cross"
        return 0
    lights = sum(c["lights"] for c in crossings)
    reasons["crossings"] = (f"{len(crossings)} road crossing{'s' if len(crossings) > 1 else ''}"
                            + (f" ({lights} with lights)" if lights else ""))
    for n, crossing in enumerate(crossings):
        if n == MAX_CROSSING_WARNINGS:
            warnings.append(f"… and {len(crossings) - n} more road crossings")
            break
        what = crossing["name"] or with_article(highway_word(crossing["class"]))
        warnings.append(f"crosses {what} at {_km(crossing['at'])}"
                        + (" (lights)" if crossing["lights"] else ""))
    return len(crossings)


def judge_surface(graph: "WalkGraph", edges: np.ndarray, lengths: np.ndarray, total: float,
             scores: dict[str, float], reasons: dict[str, str], warnings: list[str],
             ends: np.ndarray) -> None:
    score = graph.edge_values("surface_score")[edges]
    scores["surface"] = float(np.average(np.where(np.isnan(score), UNMAPPED_SURFACE, score),
                                         weights=lengths)) if total > 0 else 0.0
    surface = graph.edge_values("surface")[edges]
    kind = graph.edge_values("kind")[edges]
    by: dict[str, float] = {}
    for s, k, w in zip(surface, kind, lengths):
        label = tag_words(s) if isinstance(s, str) else ("unmapped, off the paths" if k == "link"
                                              else "unmapped")
        by[label] = by.get(label, 0.0) + w
    top = sorted(by.items(), key=lambda kv: -kv[1])[:3]
    reasons["surface"] = ", ".join(f"{name} {w / total:.0%}" for name, w in top)
    for i in np.flatnonzero(kind == "link"):
        warnings.append(f"off mapped paths for {lengths[i]:.0f} m at {_km(ends[i] - lengths[i])}"
                        " (to the track or field)")
    steps = np.flatnonzero(graph.edge_values("highway")[edges] == "steps")
    if len(steps):
        warnings.append(f"steps at {_km(ends[steps[0]] - lengths[steps[0]])}")


def judge_light(graph: "WalkGraph", edges: np.ndarray, lengths: np.ndarray, total: float,
           asked: bool, scores: dict[str, float], reasons: dict[str, str],
           warnings: list[str]) -> None:
    light = graph.edge_values("lit")[edges]
    lit = float(lengths[np.isin(light, list(LIT_YES))].sum())
    unlit = float(lengths[light == "no"].sum())
    unmapped = total - lit - unlit
    scores["lit"] = 100.0 * (lit + 0.5 * unmapped) / total if total > 0 else 0.0
    reasons["lit"] = (f"lit {lit / total:.0%}, unlit {unlit / total:.0%}, "
                      f"lighting unmapped {unmapped / total:.0%}")
    if unlit >= 10:
        warnings.append(f"unlit {unlit:.0f} m")
    if asked and unmapped >= 10:
        warnings.append(f"lighting not mapped on {unmapped:.0f} m")


def judge_hazards(graph: "WalkGraph", edges: np.ndarray, rev: np.ndarray, ends: np.ndarray,
             lengths: np.ndarray, hazards: Optional["HazardHits"], scores: dict[str, float],
             reasons: dict[str, str], warnings: list[str]) -> bool:
    """Reports on the way: score, reason and warnings; True when one is high severity."""
    if hazards is None or not len(hazards.edge):
        scores["hazards"] = 100.0
        reasons["hazards"] = "no open hazard reports on the way"
        return False
    import shapely

    on = np.isin(hazards.edge, edges)
    seen: dict[int, float] = {}
    lines = graph.lines()
    for edge, report in zip(hazards.edge[on], hazards.hazard[on]):
        i = int(np.flatnonzero(edges == edge)[0])
        row = hazards.reports.iloc[report]
        along = float(shapely.line_locate_point(lines[edge], shapely.Point(row.x, row.y)))
        along = lengths[i] - along if rev[i] else along
        at = float(ends[i] - lengths[i] + along)
        seen[int(report)] = min(seen.get(int(report), np.inf), at)
    if not seen:
        scores["hazards"] = 100.0
        reasons["hazards"] = "no open hazard reports on the way"
        return False
    reports = hazards.reports.iloc[list(seen)]
    severity = reports["severity"].to_numpy(dtype=object)
    scores["hazards"] = 100.0 * float(np.prod([1.0 - HAZARD_SHARES[s] for s in severity]))
    labels = [f"{KIND_LABELS.get(k, str(k))} ({s})"
              for k, s in zip(reports["kind"], severity)]
    reasons["hazards"] = (f"{len(seen)} open report{'s' if len(seen) > 1 else ''} on the "
                          f"way: {', '.join(labels)}")
    for report, at in sorted(seen.items(), key=lambda kv: kv[1]):
        row = hazards.reports.iloc[report]
        high = " (high severity)" if row.severity == "high" else ""
        warnings.append(f"hazard: {KIND_LABELS.get(row.kind, str(row.kind))} at {_km(at)}"
                        f"{high}")
    return bool((severity == "high").any())
