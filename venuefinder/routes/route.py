"""A route as the runner gets it: its way in running order, the direction to run it, where
to turn round and run forwards, a score 0–100 with reasons, and warnings.

**Downhill backwards is the worst case.** Grade is judged in the direction of travel over
:data:`~venuefinder.routes.graph.GRADE_WINDOW_M` of ground. A loop is run in the direction
with less steep descent (descent steeper than :data:`STEEP_PCT`, weighted by how much
steeper), so steep stretches are climbed; stretches still steeper downhill than
:data:`FORWARD_PCT` (above the 5 % at which a walkway counts as a ramp, where the flatness
criterion's score falls below half) are ``forward_stretches``: run them forwards.

Score: a weighted mean of criteria, each 0–100 (:data:`WEIGHTS`):

* ``flatness``: half the flatness criterion's score of the 90th-percentile grade, half that
  of the steepest descent in the running direction (left out without a DEM);
* ``traffic``: share of the length away from busy roads, less a quarter of the share
  beside any road (a pavement) and twice the share on roads;
* ``crossings``: ``100·exp(−p/20)`` with ``p`` the crossing points per km
  (:data:`CROSSING_POINTS`, halved at lights);
* ``surface``: the surface criterion's scores, length-weighted (unmapped: 55);
* ``lit``: share lit, unmapped counting half (weighs more when light is asked for);
* ``retracing``: 100 with nothing run twice, 0 at a quarter of the length;
* ``length``: 100 on the asked length, 8 points off per percent of error;
* ``hazards``: ``100·Π(1 − share)`` over the open reports on the way; a high-severity
  one caps the route's score as it caps a venue's.

Laps of a loop of paths lose :data:`REPEAT_LAP_POINTS` per lap beyond the first (the same
streets again); laps of a track or a field do not (they are built for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from ..scoring.flatness import slope_to_score
from ..scoring.hazards import HIGH_SEVERITY_CAP
from ..vocabulary.hazards import KIND_LABELS
from .graph import GRADE_WINDOW_M

if TYPE_CHECKING:
    from .graph import WalkGraph
    from .network import HazardHits

#: Order of the reasons a route gives.
REASON_ORDER = ("length", "direction", "flatness", "traffic", "crossings", "surface", "lit",
                "retracing", "hazards")
#: Descent steeper than this (percent) is what the direction choice avoids.
STEEP_PCT = 4.0
#: Descent steeper than this (percent) in the running direction: run it forwards.
FORWARD_PCT = 6.0
#: Spacing of the route's height profile.
RESAMPLE_M = 5.0
#: Criterion weights in the route score (``lit`` becomes :data:`LIT_WEIGHT_ASKED` when
#: light is asked for or the run starts after sunset).
WEIGHTS: dict[str, float] = {"flatness": 3.0, "traffic": 3.0, "crossings": 2.0,
                             "surface": 2.0, "hazards": 3.0, "retracing": 1.5,
                             "length": 1.5, "lit": 0.5}
LIT_WEIGHT_ASKED = 3.0
#: Weight of the share beside any road in the traffic score (a busy road weighs 1).
ROADSIDE_WEIGHT = 0.25
#: Score of a stretch whose surface is not mapped (or not a known running surface).
UNMAPPED_SURFACE = 55.0
#: Points per crossing by road class; per km of route they set the crossings score.
CROSSING_POINTS: dict[str, float] = {"motorway": 30.0, "trunk": 30.0, "primary": 15.0,
                                     "secondary": 12.0, "tertiary": 9.0,
                                     "residential": 6.0, "service": 3.0}
CROSSING_SCALE = 20.0
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
_LIT = ("yes", "24/7", "automatic", "limited")


@dataclass
class Walk:
    """A route before it is judged: an approach from the start, run out and back, and a
    circuit from its end, run ``laps`` times. A plain loop has no approach; the way there
    is an approach without a circuit, run once.

    Each part is a pair of arrays: edge ids in order, and whether each is run from ``v``
    to ``u``.
    """

    approach: tuple[np.ndarray, np.ndarray]
    circuit: tuple[np.ndarray, np.ndarray]
    laps: int = 1
    ring: Optional[dict[str, Any]] = None
    there_only: bool = False

    def sequence(self) -> tuple[np.ndarray, np.ndarray]:
        """Every edge in running order, with its reversal flags."""
        (a, ar), (c, cr) = self.approach, self.circuit
        if self.there_only:
            return a, ar
        edges = [a, *([c] * self.laps), a[::-1]]
        rev = [ar, *([cr] * self.laps), ~ar[::-1]]
        return np.concatenate(edges), np.concatenate(rev)

    def flipped(self) -> "Walk":
        """The same walk with the circuit run the other way round."""
        edges, rev = self.circuit
        return replace(self, circuit=(edges[::-1], ~rev[::-1]))

    def unit(self) -> np.ndarray:
        """Edges of the approach (twice) and of one lap: what counts for retracing."""
        if self.there_only:
            return self.approach[0]
        return np.concatenate([self.approach[0], self.approach[0], self.circuit[0]])


@dataclass
class Route:
    """A judged route (see the module docstring); :meth:`feature` is its GeoJSON."""

    kind: str
    edges: np.ndarray
    reverse: np.ndarray
    coords: np.ndarray
    length_m: float
    climb_m: Optional[float]
    descent_m: Optional[float]
    max_downhill_pct: Optional[float]
    direction: str
    forward_stretches: list[dict[str, float]]
    laps: Optional[dict[str, Any]]
    score: float
    reasons: dict[str, str]
    warnings: list[str]
    retraced_m: float
    motor_m: float
    crossings: int
    unit_edges: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, np.int64))

    def feature(self) -> dict[str, Any]:
        """A GeoJSON Feature: a WGS84 LineString in running direction, and properties."""
        return {"type": "Feature",
                "geometry": {"type": "LineString",
                             "coordinates": np.round(self.coords, 6).tolist()},
                "properties": {
                    "kind": self.kind, "score": self.score, "reasons": self.reasons,
                    "warnings": self.warnings, "length_m": round(self.length_m, 1),
                    "climb_m": _round(self.climb_m, 1), "descent_m": _round(self.descent_m, 1),
                    "max_downhill_pct": _round(self.max_downhill_pct, 1),
                    "direction": self.direction, "forward_stretches": self.forward_stretches,
                    "laps": self.laps, "retraced_m": round(self.retraced_m, 1),
                    "crossings": self.crossings}}


def routes_feature_collection(routes: "list[Route]", **extra: Any) -> dict[str, Any]:
    """Routes as a GeoJSON FeatureCollection, in the order given (best first); *extra*
    members (e.g. the query) are kept. The one serializer of the CLI and the API."""
    from ..serialize import feature_collection

    return feature_collection([route.feature() for route in routes], **extra)


def _round(value: Optional[float], digits: int) -> Optional[float]:
    return None if value is None else round(float(value), digits)


def assess(graph: "WalkGraph", walk: Walk, *, asked_m: Optional[float] = None,
           lit: bool = False, hazards: Optional["HazardHits"] = None) -> Route:
    """Judge a walk: choose a loop's direction, and give its score, reasons, warnings.

    Parameters
    ----------
    graph
        The walking graph the walk runs on.
    walk
        The edges; a loop's circuit may be flipped to run it the better way round.
    asked_m
        The asked length of a loop (None for the way there).
    lit
        Light was asked for (or the run starts after sunset): it weighs more.
    hazards
        Open reports matched to the graph.
    """
    profile = _Profile.of(graph, *walk.sequence())
    other = profile
    direction = "forwards"
    if not walk.there_only:
        flipped = walk.flipped()
        other = _Profile.of(graph, *flipped.sequence())
        if other.steep_descent < profile.steep_descent - 1e-9:
            walk, profile, other = flipped, other, profile
        direction = _turn(graph, walk.circuit)
    edges, rev = walk.sequence()
    lengths = graph.edge_values("length_m")[edges]
    total = float(lengths.sum())
    ends = np.cumsum(lengths)
    reasons: dict[str, str] = {}
    scores: dict[str, float] = {}
    warnings: list[str] = []

    unit = walk.unit()
    unit_counts = np.unique(unit, return_counts=True)
    repeated = unit_counts[1] > 1
    retraced = float((graph.edge_values("length_m")[unit_counts[0][repeated]]
                      * (unit_counts[1][repeated] - 1)).sum())
    approach_m = float(graph.edge_values("length_m")[walk.approach[0]].sum())
    if walk.there_only:
        reasons["length"] = f"{total / 1000:.2f} km on foot"
    else:
        unit_length = float(graph.edge_values("length_m")[unit].sum())
        share = retraced / unit_length if unit_length else 0.0
        scores["retracing"] = 100.0 * max(0.0, 1.0 - share / RETRACE_ZERO)
        of = "the loop" if walk.laps == 1 and walk.ring is None else "a lap and the way to it"
        reasons["retracing"] = (f"{retraced:.0f} m run twice ({share:.0%} of {of})"
                                if retraced >= 1 else "nothing run twice")
        error = (total - asked_m) / asked_m if asked_m else 0.0
        scores["length"] = max(0.0, 100.0 - LENGTH_POINTS_PER_PCT * abs(error) * 100)
        reasons["length"] = _length_reason(walk, total, asked_m, error, approach_m, graph)

    forward_stretches: list[dict[str, float]] = []
    if profile.has_heights:
        forward_stretches = [] if walk.there_only else profile.stretches(FORWARD_PCT)
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
    else:
        reasons["flatness"] = "no elevation data: load a DEM (--dem) to judge hills"
        if not walk.there_only:
            reasons["direction"] = f"{direction} (no elevation data to choose by)"

    _traffic(graph, edges, lengths, ends, total, scores, reasons, warnings, walk.there_only)
    crossing_count = _crossings(graph, edges, rev, ends, total, walk.there_only, scores,
                                reasons, warnings)
    _surface(graph, edges, lengths, total, scores, reasons, warnings, ends)
    _light(graph, edges, lengths, total, lit, scores, reasons, warnings)
    capped = _hazards(graph, edges, rev, ends, lengths, hazards, scores, reasons, warnings)

    weights = dict(WEIGHTS, lit=LIT_WEIGHT_ASKED if lit else WEIGHTS["lit"])
    score = sum(weights[k] * v for k, v in scores.items()) / sum(weights[k] for k in scores)
    if walk.ring is None and walk.laps > 1:  # the same streets again: a little dull
        score -= REPEAT_LAP_POINTS * (walk.laps - 1)
    if capped:
        score = min(score, HIGH_SEVERITY_CAP)
    road = graph.edge_values("kind")[edges] == "road"
    return Route(
        kind="way_to" if walk.there_only else "loop", edges=edges, reverse=rev,
        coords=_coordinates(graph, edges, rev), length_m=total,
        climb_m=profile.climb if profile.has_heights else None,
        descent_m=profile.descent if profile.has_heights else None,
        max_downhill_pct=profile.max_downhill if profile.has_heights else None,
        direction=direction, forward_stretches=forward_stretches,
        laps=_laps(walk, graph), score=round(float(score), 1),
        reasons={k: reasons[k] for k in REASON_ORDER if k in reasons},
        warnings=warnings, retraced_m=retraced, motor_m=float(lengths[road].sum()),
        crossings=crossing_count, unit_edges=unit)


@dataclass
class _Profile:
    """Heights along a route in running order, resampled every :data:`RESAMPLE_M`."""

    distance: np.ndarray
    height: np.ndarray
    grade: np.ndarray  # over GRADE_WINDOW_M windows starting at each sample

    @classmethod
    def of(cls, graph: "WalkGraph", edges: np.ndarray, rev: np.ndarray) -> "_Profile":
        offsets = graph.height_offsets
        counts = np.diff(offsets)[edges]
        pos = np.repeat(np.arange(len(edges)), counts)
        k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        c = counts[pos]
        index = offsets[edges][pos] + np.where(rev[pos], c - 1 - k, k)
        length = graph.edge_values("length_m")[edges]
        start = np.cumsum(length) - length
        distance = start[pos] + length[pos] * k / (c - 1)
        heights = graph.heights[index].astype(float)
        keep = ((k > 0) | (pos == 0)) & np.isfinite(heights)
        total = float(length.sum())
        if keep.sum() < 2 or total <= 0:
            return cls(np.zeros(0), np.zeros(0), np.zeros(0))
        grid = np.arange(0.0, total, RESAMPLE_M)
        grid = np.append(grid, total) if total - grid[-1] > 1e-6 else grid
        height = np.interp(grid, distance[keep], heights[keep])
        window = max(1, int(round(GRADE_WINDOW_M / RESAMPLE_M)))
        window = min(window, len(grid) - 1)
        grade = 100.0 * (height[window:] - height[:-window]) / (grid[window:] - grid[:-window])
        return cls(grid, height, grade)

    @property
    def has_heights(self) -> bool:
        return len(self.grade) > 0

    @property
    def steep_descent(self) -> float:
        """Descent steeper than :data:`STEEP_PCT`, weighted by how much steeper."""
        if not self.has_heights:
            return 0.0
        return float(np.maximum(-self.grade - STEEP_PCT, 0.0).sum() * RESAMPLE_M)

    @property
    def max_downhill(self) -> float:
        return float(max(0.0, -self.grade.min())) if self.has_heights else 0.0

    @property
    def p90(self) -> float:
        return float(np.percentile(np.abs(self.grade), 90)) if self.has_heights else 0.0

    @property
    def climb(self) -> float:
        return float(np.maximum(np.diff(self.height), 0).sum())

    @property
    def descent(self) -> float:
        return float(np.maximum(-np.diff(self.height), 0).sum())

    def stretches(self, steeper_than: float) -> list[dict[str, float]]:
        """Stretches whose windows descend more steeply than *steeper_than* percent:
        ``from_m``, ``to_m`` and ``grade_pct`` (the steepest window, signed: negative)."""
        steep = self.grade < -steeper_than
        if not steep.any():
            return []
        window = len(self.distance) - len(self.grade)
        out: list[dict[str, float]] = []
        for i in np.flatnonzero(steep):
            begin, end = self.distance[i], self.distance[i + window]
            if out and begin <= out[-1]["to_m"]:
                out[-1]["to_m"] = float(end)
                out[-1]["grade_pct"] = min(out[-1]["grade_pct"], float(self.grade[i]))
            else:
                out.append({"from_m": float(begin), "to_m": float(end),
                            "grade_pct": float(self.grade[i])})
        return [{"from_m": round(s["from_m"]), "to_m": round(s["to_m"]),
                 "grade_pct": round(s["grade_pct"], 1)} for s in out]


def _turn(graph: "WalkGraph", circuit: tuple[np.ndarray, np.ndarray]) -> str:
    """``clockwise`` or ``anticlockwise``: the sign of the circuit's area (metric, y north)."""
    xy = _metric_coords(graph, *circuit)
    if len(xy) < 3:
        return "clockwise"
    x, y = xy[:, 0], xy[:, 1]
    area = np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])
    return "anticlockwise" if area > 0 else "clockwise"


def _metric_coords(graph: "WalkGraph", edges: np.ndarray, rev: np.ndarray) -> np.ndarray:
    """The polyline of a sequence of edges in running order (joints once)."""
    offsets = graph.coord_offsets
    counts = np.diff(offsets)[edges]
    pos = np.repeat(np.arange(len(edges)), counts)
    k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    c = counts[pos]
    index = offsets[edges][pos] + np.where(rev[pos], c - 1 - k, k)
    keep = (k > 0) | (pos == 0)
    return graph.coords[index[keep]]


def _coordinates(graph: "WalkGraph", edges: np.ndarray, rev: np.ndarray) -> np.ndarray:
    from pyproj import Transformer

    key = "to_wgs84"
    if key not in graph._cache:
        graph._cache[key] = Transformer.from_crs(graph.crs, "EPSG:4326", always_xy=True)
    xy = _metric_coords(graph, edges, rev)
    lon, lat = graph._cache[key].transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km"


def _laps(walk: Walk, graph: "WalkGraph") -> Optional[dict[str, Any]]:
    if walk.there_only or (walk.laps == 1 and walk.ring is None):
        return None
    lap = float(graph.edge_values("length_m")[walk.circuit[0]].sum())
    ring = walk.ring or {}
    return {"count": walk.laps, "lap_m": round(lap, 1), "of": ring.get("kind", "loop"),
            "name": ring.get("name"), "id": ring.get("id")}


def _length_reason(walk: Walk, total: float, asked_m: Optional[float], error: float,
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


def _direction_reason(direction: str, profile: _Profile, other: _Profile) -> str:
    """Why this way round: *other* is the profile the other way round."""
    if other.steep_descent - profile.steep_descent <= 0.1 * other.steep_descent + 1e-9:
        return (f"{direction}: either way round descends alike (at most "
                f"{profile.max_downhill:.1f} %)")
    return (f"{direction}: climbs the steep side (the other way would descend "
            f"{other.max_downhill:.1f} %) and descends at most {profile.max_downhill:.1f} %")


def _traffic(graph: "WalkGraph", edges: np.ndarray, lengths: np.ndarray, ends: np.ndarray,
             total: float, scores: dict[str, float], reasons: dict[str, str],
             warnings: list[str], there_only: bool) -> None:
    busy = float((graph.edge_values("busy_share")[edges] * lengths).sum())
    roadside = float((graph.edge_values("road_share")[edges] * lengths).sum())
    road = graph.edge_values("kind")[edges] == "road"
    motor = float(lengths[road].sum())
    share_busy, share_motor = busy / total, motor / total
    scores["traffic"] = 100.0 * max(0.0, 1.0 - share_busy - ROADSIDE_WEIGHT * roadside / total
                                    - 2.0 * share_motor)
    text = (f"{1 - share_busy:.0%} of it more than 20 m from busy roads" if busy >= 1
            else "away from busy roads all the way")
    if roadside >= 1:
        text += f"; {roadside / total:.0%} within 10 m of a road"
    if busy >= 1:
        names = graph.edge_values("near_road")[edges]
        weights = graph.edge_values("busy_share")[edges] * lengths
        by_name: dict[str, float] = {}
        for name, w in zip(names, weights):
            if name and w > 0:
                by_name[name] = by_name.get(name, 0.0) + w
        if by_name:
            text += f"; beside {max(by_name, key=by_name.get)} for the most part"
    if motor >= 1:
        text += f"; {motor:.0f} m on roads"
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
            name = (f"{names[main]} ({classes[main]})" if isinstance(names[main], str)
                    else f"a {classes[main]} road")
            warnings.append(f"along {name} for {stretch:.0f} m at "
                            f"{_km(ends[first] - lengths[first])}")


def _crossings(graph: "WalkGraph", edges: np.ndarray, rev: np.ndarray, ends: np.ndarray,
               total: float, there_only: bool, scores: dict[str, float],
               reasons: dict[str, str], warnings: list[str]) -> int:
    """Road crossings on the way: score, reason and warnings; returns how many.

    Nodes of one road met within :data:`CROSSING_MERGE_M` (the two carriageways of an
    avenue, a crossing way's ends) are one crossing.
    """
    head = np.where(rev, graph.edge_values("u")[edges], graph.edge_values("v")[edges])[:-1]
    classes = graph.node_values("crossing_class")[head]
    at = np.flatnonzero(classes != "")
    if there_only:  # joining, following and leaving a road is not crossing it
        kind = graph.edge_values("kind")[edges]
        at = at[(kind[at] != "road") & (kind[at + 1] != "road")]
    signalled = graph.node_values("signalled")[head[at]]
    names = graph.node_values("crossing_name")[head[at]]
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
        what = crossing["name"] or f"a {crossing['class']} road"
        warnings.append(f"crosses {what} at {_km(crossing['at'])}"
                        + (" (lights)" if crossing["lights"] else ""))
    return len(crossings)


def _surface(graph: "WalkGraph", edges: np.ndarray, lengths: np.ndarray, total: float,
             scores: dict[str, float], reasons: dict[str, str], warnings: list[str],
             ends: np.ndarray) -> None:
    score = graph.edge_values("surface_score")[edges]
    scores["surface"] = float(np.average(np.where(np.isnan(score), UNMAPPED_SURFACE, score),
                                         weights=lengths)) if total > 0 else 0.0
    surface = graph.edge_values("surface")[edges]
    kind = graph.edge_values("kind")[edges]
    by: dict[str, float] = {}
    for s, k, w in zip(surface, kind, lengths):
        label = s if isinstance(s, str) else ("unmapped, off the paths" if k == "link"
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


def _light(graph: "WalkGraph", edges: np.ndarray, lengths: np.ndarray, total: float,
           asked: bool, scores: dict[str, float], reasons: dict[str, str],
           warnings: list[str]) -> None:
    light = graph.edge_values("lit")[edges]
    lit = float(lengths[np.isin(light, _LIT)].sum())
    unlit = float(lengths[light == "no"].sum())
    unmapped = total - lit - unlit
    scores["lit"] = 100.0 * (lit + 0.5 * unmapped) / total if total > 0 else 0.0
    reasons["lit"] = (f"lit {lit / total:.0%}, unlit {unlit / total:.0%}, "
                      f"lighting unmapped {unmapped / total:.0%}")
    if unlit >= 10:
        warnings.append(f"unlit {unlit:.0f} m")
    if asked and unmapped >= 10:
        warnings.append(f"lighting not mapped on {unmapped:.0f} m")


def _hazards(graph: "WalkGraph", edges: np.ndarray, rev: np.ndarray, ends: np.ndarray,
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
