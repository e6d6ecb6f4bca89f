"""A route as the runner gets it: its way in running order, the direction to run it, where
to turn round and run forwards, a score 0–100 with reasons, and warnings.

**Downhill backwards is the worst case.** Grade is judged in the direction of travel over
:data:`~venuefinder.routes.graph.GRADE_WINDOW_M` of ground (:mod:`.profile`). A loop is run
in the direction with less steep descent (descent steeper than
:data:`~venuefinder.routes.profile.STEEP_PCT`, weighted by how much steeper), so steep
stretches are climbed; stretches still steeper downhill than :data:`FORWARD_PCT` (above
the 5 % at which a walkway counts as a ramp, where the flatness criterion's score falls
below half) are ``forward_stretches``: run them forwards.

The score, its reasons and warnings come from the route's criteria (:mod:`.criteria`);
:mod:`.geojson`, :mod:`.gpx` and :mod:`.text` write routes out.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .criteria import (REASON_ORDER, judge_crossings, judge_flatness, judge_hazards,
                       judge_length, judge_light, judge_surface, judge_traffic, route_score)
from .profile import Profile, heights_along, turn, wgs84_coords

if TYPE_CHECKING:
    from .graph import WalkGraph
    from .network import HazardHits

#: Descent steeper than this (percent) in the running direction: run it forwards.
FORWARD_PCT = 6.0


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
    """A judged route (see the module docstring); :func:`.geojson.route_feature` is its
    GeoJSON."""

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
    #: Height (m) at each point of ``coords`` from the DEM; None without one.
    heights: Optional[np.ndarray] = field(repr=False, default=None)


def assess(graph: "WalkGraph", walk: Walk, *, asked_m: Optional[float] = None,
           lit: bool = False, hazards: Optional["HazardHits"] = None,
           relief: Optional[str] = None) -> Route:
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
    relief
        Without a DEM: what the extract's own heights say of a hilly area around it, or
        None (:func:`.criteria.judge_flatness`).
    """
    profile = Profile.of(graph, *walk.sequence())
    other = profile
    direction = "forwards"
    if not walk.there_only:
        flipped = walk.flipped()
        other = Profile.of(graph, *flipped.sequence())
        if other.steep_descent < profile.steep_descent - 1e-9:
            walk, profile, other = flipped, other, profile
        direction = turn(graph, walk.circuit)
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
    judge_length(graph, walk, total, asked_m, retraced, scores, reasons)
    forward_stretches = (profile.stretches(FORWARD_PCT)
                         if profile.has_heights and not walk.there_only else [])
    judge_flatness(graph, walk, direction, profile, other, forward_stretches, scores, reasons,
                   warnings, relief)
    judge_traffic(graph, edges, lengths, ends, total, scores, reasons, warnings,
                  walk.there_only)
    crossing_count = judge_crossings(graph, edges, rev, ends, total, walk.there_only, scores,
                                     reasons, warnings)
    judge_surface(graph, edges, lengths, total, scores, reasons, warnings, ends)
    judge_light(graph, edges, lengths, total, lit, scores, reasons, warnings)
    capped = judge_hazards(graph, edges, rev, ends, lengths, hazards, scores, reasons,
                           warnings)

    score = route_score(scores, lit, walk, capped)
    road = graph.edge_values("kind")[edges] == "road"
    return Route(
        kind="way_to" if walk.there_only else "loop", edges=edges, reverse=rev,
        coords=wgs84_coords(graph, edges, rev), length_m=total,
        climb_m=profile.climb if profile.has_heights else None,
        descent_m=profile.descent if profile.has_heights else None,
        max_downhill_pct=profile.max_downhill if profile.has_heights else None,
        direction=direction, forward_stretches=forward_stretches,
        laps=_laps(walk, graph), score=round(float(score), 1),
        reasons={k: reasons[k] for k in REASON_ORDER if k in reasons},
        warnings=warnings, retraced_m=retraced, motor_m=float(lengths[road].sum()),
        crossings=crossing_count, unit_edges=unit,
        heights=heights_along(graph, edges, rev, profile))


def _laps(walk: Walk, graph: "WalkGraph") -> Optional[dict[str, Any]]:
    if walk.there_only or (walk.laps == 1 and walk.ring is None):
        return None
    lap = float(graph.edge_values("length_m")[walk.circuit[0]].sum())
    ring = walk.ring or {}
    return {"count": walk.laps, "lap_m": round(lap, 1), "of": ring.get("kind", "loop"),
            "name": ring.get("name"), "id": ring.get("id")}
