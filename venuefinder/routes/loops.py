"""Loops: closed runs of an asked length from a point, over ways without motor traffic
and, where a town maps no footway beside them, quiet streets.

How a loop is found, on the safety costs of :mod:`.network` (profile ``loop``: footways,
paths, tracks, pedestrian streets, cycleways with foot access, lap rings, and the streets
of :data:`~venuefinder.vocabulary.roads.LOOP_STREETS`: with a sidewalk tagged, living
streets, residential streets at 30 km/h or less, each dearer than a footway; any other
road only crossed at a shared node):

1. **Polygon loops.** For each of :data:`BEARINGS` directions, a circle through the start
   carries three waypoints (a square with the start as its fourth corner), each snapped to
   the nearest reachable junction. The loop runs start → W1 → W2 → W3 → start, each leg the
   cheapest path with the edges already used made :data:`REUSE_FACTOR` times dearer, so the
   way back differs from the way out. U-turns (a spur run out and back) are cut out. The
   circle's radius is then scaled by asked / found length, up to :data:`TRIES` times, until
   the loop is within :data:`CLOSE_ENOUGH` of the length.
2. **Laps.** A running track, or a pitch or field whose edge is at least
   :data:`MIN_FIELD_M`, within :data:`APPROACH_MAX_M` of the start is itself a loop: the
   way to it, run out and back, and as many laps as make the length. Where the paths
   around the start cannot make a loop as long as asked (a small park, a small extract),
   a shorter polygon loop is run 2, 3, … times (up to :data:`MAX_LAPS`, while fewer
   loops than asked differ enough or the best misses the length by more than 5 %).
   **Islands.** In a town a loop crosses a street every block; a park, a shore promenade
   or a campus whose paths cross no road (and follow none) is an island. Of the
   :data:`ISLANDS` nearest within the approach's reach that can hold the length in
   :data:`ISLAND_MAX_LAPS` laps, polygon loops inside the island (laps of at least
   :data:`MIN_ISLAND_LAP_M`) are run as many times as make the length, with the way
   there run out and back.
3. **Choice.** Every candidate within :data:`TOLERANCE` of the length is judged
   (:func:`~venuefinder.routes.route.assess`, which also picks the direction to run it);
   the best are kept, best first, skipping one that shares more than :data:`MAX_SHARED` of
   its length with a better one. A coach counts the stops: where a loop crosses no road
   (laps of a field or a track), no loop crossing more than
   :data:`MAX_CROSSINGS_OVER_CLEAN` roads ranks above it.
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional

import numpy as np

from ..errors import InputError, NotFoundError
from ..validate import check_lat_lon
from .network import MIN_TRACK_M, Network, hazard_hits, snap
from .route import Route, Walk, assess

if TYPE_CHECKING:
    import pandas as pd

    from .graph import WalkGraph
    from .network import HazardHits

MIN_LENGTH_M = 400.0
MAX_LENGTH_M = 15_000.0
MAX_ALTERNATIVES = 3
#: A loop must be this close to the asked length (a share of it).
TOLERANCE = 0.10
#: Polygon loops stop being adjusted this close to the asked length.
CLOSE_ENOUGH = 0.03
#: Directions tried for polygon loops, and adjustments of each one's size.
BEARINGS = 8
TRIES = 4
#: First guess of path length over the polygon's perimeter (streets are not straight).
DETOUR = 1.3
#: Cost factor of an edge already used by an earlier leg of the same loop.
REUSE_FACTOR = 4.0
#: Alternatives may share at most this share of the shorter one's length.
MAX_SHARED = 0.3
#: A field's edge shorter than this is no lap (a tennis court); a track's: MIN_TRACK_M.
MIN_FIELD_M = 200.0
#: A start this close to a track (along the way there) is on it: its laps are answered.
ON_TRACK_M = 60.0
#: The way to a lap ring may be at most this long, and at most this share of the loop.
APPROACH_MAX_M = 500.0
APPROACH_SHARE = 0.25
#: Most laps of a polygon loop, and the shortest such lap.
MAX_LAPS = 6
MIN_LAP_M = 600.0
#: Islands of paths crossing no road: the shortest lap in one (an island holding less is
#: not tried) and the most laps, and how many of the nearest are tried.
MIN_ISLAND_LAP_M = 300.0
ISLAND_MAX_LAPS = 12
ISLANDS = 3
#: Without a loop, the nearest tracks and fields with laps within this are named.
SUGGEST_WITHIN_M = 3_000.0
MAX_SUGGESTIONS = 3
#: What a lap ring without a name is called.
RING_LABELS = {"track": "Running track", "field": "Field"}
#: Where a loop crosses no road, no loop crossing more roads than this ranks above it.
MAX_CROSSINGS_OVER_CLEAN = 2
#: Perimeter of a square inscribed in a circle of radius 1.
_SQUARE = 4.0 * math.sqrt(2.0)


def check_loop_request(lat: float, lon: float, length_m: float, alternatives: int) -> None:
    """Raise :class:`InputError` (one line) for a bad point, length or count."""
    check_lat_lon(lat, lon)
    if not (isinstance(length_m, (int, float)) and math.isfinite(length_m)):
        raise InputError("length must be a number of metres")
    if not MIN_LENGTH_M <= length_m <= MAX_LENGTH_M:
        raise InputError(f"length must be between {MIN_LENGTH_M:,.0f} and {MAX_LENGTH_M:,.0f} "
                         f"m, got {length_m:g}")
    if isinstance(alternatives, bool) or not isinstance(alternatives, int) or not (
            1 <= alternatives <= MAX_ALTERNATIVES):
        raise InputError(f"alternatives must be between 1 and {MAX_ALTERNATIVES}, "
                         f"got {alternatives}")


def find_loops(graph: "WalkGraph", lat: float, lon: float, length_m: float, *,
               lit: bool = False, alternatives: int = MAX_ALTERNATIVES,
               hazards: Optional["pd.DataFrame"] = None,
               after_sunset: bool = False) -> list[Route]:
    """Safe loops from a point, best first.

    Parameters
    ----------
    graph
        The region's walking graph.
    lat, lon
        The start (WGS84); the loop starts at the nearest node of a way it may use.
    length_m
        Asked length, 400–15,000 m; every loop returned is within ±10 % of it.
    lit
        Prefer lit ways (also when *after_sunset*).
    alternatives
        How many loops at most (1–3); fewer when fewer differ enough.
    hazards
        Open hazard reports (``id``, ``kind``, ``severity``, ``lat``, ``lon``), avoided.
    after_sunset
        The run starts after sunset there (:func:`venuefinder.routes.sun.is_dark`).

    Without a DEM, where the extract's own heights say the start's area is hilly
    (:meth:`~venuefinder.routes.graph.WalkGraph.relief`), each loop warns that its
    direction could not be chosen.

    Returns
    -------
    list of Route
        ``kind="loop"``, geometry in running direction.

    Raises
    ------
    InputError
        Bad point, length or number of alternatives.
    SourceError
        No way a loop may use within 300 m of the point.
    NoLoopError
        No closed loop within ±10 % of the length from there (a
        :class:`~venuefinder.errors.NotFoundError`); it names the nearest venues with laps.
    """
    check_loop_request(lat, lon, length_m, alternatives)
    start, _ = snap(graph, lat, lon, "loop")
    hits = hazard_hits(graph, hazards)
    light = lit or after_sunset
    x, y = graph.nodes.loc[start, ["x", "y"]].to_numpy(dtype=float)
    relief = graph.relief(x, y)
    # No point of a loop of length L lies farther than L/2 from its start.
    net = Network(graph, "loop", lit=light, hazards=hits, center=(x, y),
                  radius_m=length_m / 2.0 + 50.0)
    source = net.local(start)
    if source < 0:  # its ways all lead out of reach of a loop this short
        raise NoLoopError(f"no closed loop of {length_m:g} m from {lat:.5f},{lon:.5f}: "
                          "the paths there are too long for it",
                          lap_suggestions(graph, x, y, length_m))
    cost, predecessors = net.search(source)
    lengths = graph.edge_values("length_m")

    seen: set[tuple[int, ...]] = set()
    routes = _judge(graph, _ring_walks(graph, net, source, cost, predecessors, length_m),
                    seen, lengths, length_m, light, hits, relief)
    routes += _judge(graph, _island_walks(graph, net, source, cost, predecessors, length_m,
                                          light, hits),
                     seen, lengths, length_m, light, hits, relief)
    chosen: list[Route] = []
    for laps in range(1, MAX_LAPS + 1):
        target = length_m / laps
        if laps > 1 and (target < MIN_LAP_M or _enough(chosen, length_m, alternatives)):
            break
        routes += _judge(graph, _polygon_walks(net, source, cost, target, laps, lengths),
                         seen, lengths, length_m, light, hits, relief)
        chosen = _choose(routes, alternatives, lengths)
    if not chosen:
        raise NoLoopError(f"no closed loop of {length_m:g} m (±{TOLERANCE:.0%}) from "
                          f"{lat:.5f},{lon:.5f}: the paths there are too few",
                          lap_suggestions(graph, x, y, length_m))
    return chosen


class NoLoopError(NotFoundError):
    """No loop from a point: *reason*, then the nearest venues with laps, ``suggestions``
    (:func:`lap_suggestions`), named in the message."""

    def __init__(self, reason: str, suggestions: list[dict[str, Any]]) -> None:
        super().__init__(reason + _suggested(suggestions))
        self.reason = reason
        self.suggestions = suggestions

    def __reduce__(self) -> tuple[Any, ...]:  # raised in a route pool process, re-raised here
        return (NoLoopError, (self.reason, self.suggestions))

    def relabelled(self, labels: dict[str, str]) -> "NoLoopError":
        """The same error with the suggestions called by *labels* (venue id → label) where
        it names them (a region's labels, beside which the graph's are plain)."""
        return NoLoopError(self.reason, [{**s, "label": labels.get(s["id"], s["label"])}
                                         for s in self.suggestions])


def lap_suggestions(graph: "WalkGraph", x: float, y: float,
                    length_m: float) -> list[dict[str, Any]]:
    """The :data:`MAX_SUGGESTIONS` nearest tracks and fields with laps within
    :data:`SUGGEST_WITHIN_M` of the metric point (*x*, *y*), nearest first: ``id`` (the
    venue's), ``label`` (its name, else what it is), ``distance`` (metres, straight) and
    ``laps`` (how many make *length_m*)."""
    rings = np.flatnonzero(np.isin(graph.edge_values("kind"), ("track", "field"))
                           & graph.edge_values("loop_ok"))
    way_ids = graph.edge_values("way_id")[rings]
    u = graph.edge_values("u")[rings]
    gap = np.hypot(graph.node_values("x")[u] - x, graph.node_values("y")[u] - y)
    lengths = graph.edge_values("length_m")[rings]
    found = []
    for way_id in np.unique(way_ids):
        mine = way_ids == way_id
        kind = graph.edge_values("kind")[rings[mine][0]]
        perimeter = float(lengths[mine].sum())
        distance = float(gap[mine].min())
        if distance > SUGGEST_WITHIN_M or perimeter < (
                MIN_FIELD_M if kind == "field" else MIN_TRACK_M):
            continue
        name = graph.edge_values("name")[rings[mine][0]]
        found.append({"id": _ring_id(int(way_id)),
                      "label": name if isinstance(name, str) else RING_LABELS[kind],
                      "distance": round(distance), "laps": max(1, round(length_m / perimeter))})
    return sorted(found, key=lambda s: s["distance"])[:MAX_SUGGESTIONS]


def _suggested(suggestions: list[dict[str, Any]]) -> str:
    if not suggestions:
        return ""
    return "; laps near: " + ", ".join(
        f"{s['label']} ({s['id']}, {s['distance'] / 1000:.1f} km away: {s['laps']} "
        f"lap{'s' if s['laps'] > 1 else ''})" for s in suggestions)


def _ring_id(way_id: int) -> str:
    """A lap ring's venue id: its way's, or its relation's (kept as a negative way id)."""
    return f"way/{way_id}" if way_id > 0 else f"relation/{-way_id}"


def _choose(routes: list[Route], alternatives: int, lengths: np.ndarray) -> list[Route]:
    """Up to *alternatives* routes, best first (:func:`_ranked`), each sharing at most
    :data:`MAX_SHARED` of its length with a better one (*lengths*: the graph's edge
    lengths)."""
    chosen: list[Route] = []
    ranked = _ranked(routes)
    for route in ranked:
        if all(_shared(route, other, lengths) <= MAX_SHARED for other in chosen):
            chosen.append(route)
            if len(chosen) == alternatives:
                break
    # From a track, its own laps are among the answers (in their place by score); of
    # tracks sharing a stretch, the one nearest along the way there is the start's.
    own = min((r for r in ranked if _on_track(r)), key=_approach_m, default=None)
    if own is not None and not any(r.laps and r.laps["id"] == own.laps["id"]
                                   for r in chosen):
        chosen = [r for r in chosen[:alternatives - 1]
                  if _shared(r, own, lengths) <= MAX_SHARED] + [own]
        rank = {id(r): i for i, r in enumerate(ranked)}  # Routes hold arrays: no ==
        chosen.sort(key=lambda r: rank[id(r)])
    return chosen


def _on_track(route: Route) -> bool:
    """Whether *route* is laps of a track that starts on it (or within
    :data:`ON_TRACK_M`)."""
    laps = route.laps
    return bool(laps and laps["of"] == "track" and _approach_m(route) <= 2 * ON_TRACK_M)


def _approach_m(route: Route) -> float:
    """Metres of a lap route that are not its laps: the way to the ring and back."""
    return route.length_m - route.laps["count"] * route.laps["lap_m"]


def _ranked(routes: list[Route]) -> list[Route]:
    """Routes best first: by score, but where one crosses no road (laps of a field or a
    track), none crossing more than :data:`MAX_CROSSINGS_OVER_CLEAN` roads ranks above it;
    such a loop's score is lowered to just under the clean one's, and its crossings reason
    says why, so that the order and the numbers agree."""
    by_score = sorted(routes, key=lambda r: -r.score)
    clean = next((r for r in by_score if r.crossings == 0), None)
    if clean is None:
        return by_score
    ranked = []
    for route in by_score:
        if route.crossings > MAX_CROSSINGS_OVER_CLEAN and route.score >= clean.score:
            reasons = dict(route.reasons)
            reasons["crossings"] += ("; ranked below a loop with no road to cross "
                                     "(a coach counts the stops)")
            route = replace(route, score=round(max(0.0, clean.score - 0.1), 1),
                            reasons=reasons)
        ranked.append(route)
    return sorted(ranked, key=lambda r: (-r.score, r.crossings))


def _shared(a: Route, b: Route, lengths: np.ndarray) -> float:
    """Share of the shorter route's distinct length that the other also runs."""
    edges_a, edges_b = np.unique(a.unit_edges), np.unique(b.unit_edges)
    common = np.intersect1d(edges_a, edges_b)
    shorter = min(lengths[edges_a].sum(), lengths[edges_b].sum())
    return float(lengths[common].sum() / shorter) if shorter > 0 else 1.0


def _judge(graph: "WalkGraph", walks: Iterable[Walk], seen: set[tuple[int, ...]],
           lengths: np.ndarray, asked: float, light: bool, hits: "HazardHits",
           relief: Optional[str]) -> list[Route]:
    """Assess the walks within :data:`TOLERANCE` of the asked length not *seen* before
    (adding them to it)."""
    routes = []
    for walk in walks:
        total = _walk_length(walk, lengths)
        if abs(total / asked - 1.0) > TOLERANCE:
            continue
        key = (walk.laps, *np.sort(walk.unit()).tolist())
        if key in seen:
            continue
        seen.add(key)
        routes.append(assess(graph, walk, asked_m=asked, lit=light, hazards=hits,
                             relief=relief))
    return routes


def _enough(chosen: list[Route], asked: float, alternatives: int) -> bool:
    """Whether the loops chosen so far are as many as asked and the best lies within half
    the tolerance of the length (else more laps of shorter loops are tried)."""
    return (len(chosen) >= alternatives
            and abs(chosen[0].length_m / asked - 1.0) <= TOLERANCE / 2)


def _walk_length(walk: Walk, lengths: np.ndarray) -> float:
    return float(2.0 * lengths[walk.approach[0]].sum()
                 + walk.laps * lengths[walk.circuit[0]].sum())


def _polygon_walks(net: Network, source: int, cost: np.ndarray, target: float, laps: int,
                   lengths: np.ndarray) -> Iterator[Walk]:
    """Polygon loops of about *target* metres (see the module docstring), run *laps*
    times."""
    from scipy.spatial import cKDTree

    graph = net.graph
    xy = np.column_stack([graph.node_values("x"), graph.node_values("y")])[net.nodes]
    reachable = np.isfinite(cost)
    pool = np.flatnonzero(reachable & (net.degree() >= 3))
    if len(pool) < 3:
        pool = np.flatnonzero(reachable)
    if len(pool) < 3:
        return
    tree = cKDTree(xy[pool])
    start_xy = xy[source]
    for bearing in np.arange(BEARINGS) * (2.0 * math.pi / BEARINGS):
        radius = target / (_SQUARE * DETOUR)
        tried: list[tuple[float, float]] = []  # (radius, length found)
        for _ in range(TRIES):
            centre = start_xy + radius * np.array([math.cos(bearing), math.sin(bearing)])
            angles = bearing + math.pi + np.array([0.5, 1.0, 1.5]) * math.pi
            corners = centre + radius * np.column_stack([np.cos(angles), np.sin(angles)])
            waypoints = pool[tree.query(corners)[1]]
            walk = _through(net, source, waypoints)
            if walk is None:
                break
            walk.laps = laps
            found = _walk_length(walk, lengths) / laps
            yield walk
            if abs(found / target - 1.0) <= CLOSE_ENOUGH or found <= 0:
                break
            tried.append((radius, found))
            radius = _next_radius(tried, target)


def _next_radius(tried: list[tuple[float, float]], target: float) -> float:
    """The circle's next radius: the secant through the last two tries when it is rising
    (length grows with the circle), else scaled by target / found; within ½–2× the last."""
    radius, found = tried[-1]
    guess = radius * target / found
    if len(tried) > 1:
        (r0, f0), (r1, f1) = tried[-2], tried[-1]
        if f1 != f0 and (f1 - f0) / (r1 - r0) > 0:
            guess = r1 + (target - f1) * (r1 - r0) / (f1 - f0)
    return float(np.clip(guess, 0.5 * radius, 2.0 * radius))


def _through(net: Network, source: int, waypoints: np.ndarray) -> Optional[Walk]:
    """The closed walk source → waypoints → source, each leg avoiding the edges of the
    earlier ones; U-turns cut out, a spur at the start kept as the approach."""
    stops = [source, *(w for w in waypoints.tolist()), source]
    stops = [s for i, s in enumerate(stops) if i == 0 or s != stops[i - 1]]
    if len(stops) < 3:
        return None
    edges: list[np.ndarray] = []
    revs: list[np.ndarray] = []
    try:
        for a, b in zip(stops[:-1], stops[1:]):
            _, predecessors = net.search(a)
            leg = net.path(predecessors, a, b)
            if leg is None:
                return None
            edges.append(leg[0])
            revs.append(leg[1])
            net.penalise(leg[0], REUSE_FACTOR)
    finally:
        net.reset()
    return _tidy(np.concatenate(edges), np.concatenate(revs))


def _tidy(edges: np.ndarray, rev: np.ndarray) -> Optional[Walk]:
    """Cut U-turns (an edge run straight back) out of a closed walk; what remains run out
    and back from the start becomes the approach. None when nothing circles."""
    stack: list[tuple[int, bool]] = []
    for edge, back in zip(edges.tolist(), rev.tolist()):
        if stack and stack[-1][0] == edge and stack[-1][1] != back:
            stack.pop()
        else:
            stack.append((edge, back))
    head = 0
    while len(stack) - 2 * head >= 2 and stack[head][0] == stack[-1 - head][0] \
            and stack[head][1] != stack[-1 - head][1]:
        head += 1
    circuit = stack[head:len(stack) - head]
    if len(circuit) < 2:
        return None
    approach = stack[:head]
    as_arrays = (lambda part: (np.array([e for e, _ in part], dtype=np.int64),
                               np.array([r for _, r in part], dtype=bool)))
    return Walk(approach=as_arrays(approach), circuit=as_arrays(circuit))


def _ring_walks(graph: "WalkGraph", net: Network, source: int, cost: np.ndarray,
                predecessors: np.ndarray, asked: float) -> Iterator[Walk]:
    """Laps of the tracks and big fields near the start (see the module docstring)."""
    if "rings" not in graph._cache:
        graph._cache["rings"] = np.flatnonzero(
            np.isin(graph.edge_values("kind"), ("track", "field"))
            & graph.edge_values("loop_ok"))
    rows = graph._cache["rings"]
    u, v = graph.edge_values("u"), graph.edge_values("v")
    in_net = np.zeros(len(graph.nodes), dtype=bool)
    in_net[net.nodes] = True
    rows = rows[in_net[u[rows]] & in_net[v[rows]]]
    lengths = graph.edge_values("length_m")
    reach = min(APPROACH_MAX_M, APPROACH_SHARE * asked)
    way_ids = graph.edge_values("way_id")[rows]
    for way_id in np.unique(way_ids):
        ring = _closed(graph, net, rows[way_ids == way_id])
        if not in_net[u[ring]].all() or not in_net[v[ring]].all():
            continue
        perimeter = float(lengths[ring].sum())
        kind = graph.edge_values("kind")[ring[0]]
        if perimeter < (MIN_FIELD_M if kind == "field" else MIN_TRACK_M):
            continue
        local = np.searchsorted(net.nodes, np.unique(np.concatenate([u[ring], v[ring]])))
        if not np.isfinite(cost[local]).any():
            continue
        entry = int(local[np.argmin(cost[local])])
        approach = net.path(predecessors, source, entry)
        if approach is None or lengths[approach[0]].sum() > reach:
            continue
        circuit = _ring_order(u[ring], v[ring], ring, int(net.nodes[entry]))
        if circuit is None:
            continue
        laps = max(1, int(round((asked - 2.0 * lengths[approach[0]].sum()) / perimeter)))
        name = graph.edge_values("name")[ring[0]]
        yield Walk(approach=approach, circuit=circuit, laps=laps,
                   ring={"kind": kind, "id": _ring_id(int(way_id)), "perimeter_m": perimeter,
                         "name": name if isinstance(name, str) else None})


def _closed(graph: "WalkGraph", net: Network, ring: np.ndarray) -> np.ndarray:
    """A lap ring's edges (rows) with the sides it shares with other ways put back: the
    graph keeps one edge per pair of nodes, so a straight side drawn by both a track and its
    infield's pitch (or a path along it) is the other way's edge, and a stretch two tracks
    share is the other track's edges (one gap left: closed by the way between its ends)."""
    u, v = graph.edge_values("u"), graph.edge_values("v")
    odd = _odd_nodes(u[ring], v[ring])  # the ends of missing sides
    if not len(odd):
        return ring
    if "pair_keys" not in graph._cache:  # every edge by its pair of nodes, sorted
        n = len(graph.nodes)
        keys = np.minimum(u, v).astype(np.int64) * n + np.maximum(u, v)
        order = np.argsort(keys)
        graph._cache["pair_keys"] = (keys[order], order)
    keys, order = graph._cache["pair_keys"]
    a, b = np.meshgrid(odd, odd)
    wanted = (a * len(graph.nodes) + b)[a < b]
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    sides = order[at[keys[at] == wanted]]
    ring = np.concatenate([ring, sides[graph.edge_values("loop_ok")[sides]]])
    odd = _odd_nodes(u[ring], v[ring])
    local = np.searchsorted(net.nodes, odd)
    if len(odd) != 2 or not (net.nodes[np.minimum(local, len(net.nodes) - 1)] == odd).all():
        return ring
    _, predecessors = net.search(int(local[0]))
    stretch = net.path(predecessors, int(local[0]), int(local[1]))
    return ring if stretch is None else np.concatenate([ring, stretch[0]])


def _odd_nodes(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Nodes met an odd number of times by edges *u*–*v*: the ends of a ring's gaps."""
    nodes, count = np.unique(np.concatenate([u, v]), return_counts=True)
    return nodes[count % 2 == 1]


def _island_walks(graph: "WalkGraph", net: Network, source: int, cost: np.ndarray,
                  predecessors: np.ndarray, asked: float, light: bool,
                  hits: "HazardHits") -> Iterator[Walk]:
    """Laps of a loop inside an island of paths crossing no road (a park, a shore
    promenade, a campus) near the start: the way to it, run out and back, and as many laps
    of a polygon loop inside it as make the length (see the module docstring)."""
    from scipy.sparse.csgraph import connected_components

    if "on_road" not in graph._cache:  # nodes a road touches: crossed, or a street's
        on_road = np.zeros(len(graph.nodes), dtype=bool)
        road = graph.edge_values("kind") == "road"
        on_road[graph.edge_values("u")[road]] = on_road[graph.edge_values("v")[road]] = True
        graph._cache["on_road"] = on_road
    on_road = graph._cache["on_road"]
    if not on_road[net.nodes].any():  # the whole network is one: the polygon loops are these
        return
    x, y = graph.nodes.loc[net.nodes[source], ["x", "y"]].to_numpy(dtype=float)
    island = Network(graph, "loop", lit=light, hazards=hits, center=(x, y),
                     radius_m=asked / 2.0 + 50.0, closed=on_road)
    if island.size < 3:
        return
    _, label = connected_components(island.matrix, directed=False)
    lengths = graph.edge_values("length_m")
    size = np.bincount(label[np.searchsorted(island.nodes, graph.edge_values("u")[
        island.arc_edge[~island.arc_reverse]])], weights=lengths[
        island.arc_edge[~island.arc_reverse]], minlength=label.max() + 1)
    reach = min(APPROACH_MAX_M, APPROACH_SHARE * asked)
    main_of = np.searchsorted(net.nodes, island.nodes)  # island node → main network node
    to = cost[main_of]
    entries = []  # (cost to it, entry node, approach) of islands that can hold the laps
    for part in np.flatnonzero(size >= MIN_ISLAND_LAP_M):
        mine = np.flatnonzero((label == part) & np.isfinite(to))
        if not len(mine):
            continue
        entry = int(mine[np.argmin(to[mine])])
        approach = net.path(predecessors, source, int(main_of[entry]))
        if approach is None or lengths[approach[0]].sum() > reach:
            continue
        if size[part] * ISLAND_MAX_LAPS >= asked - 2.0 * lengths[approach[0]].sum():
            entries.append((float(to[entry]), entry, approach))
    for _, entry, approach in sorted(entries, key=lambda e: e[0])[:ISLANDS]:
        lap_room = asked - 2.0 * float(lengths[approach[0]].sum())
        inside, _ = island.search(entry)
        for laps in range(1, ISLAND_MAX_LAPS + 1):
            target = lap_room / laps
            if target > size[label[entry]]:  # more than the island holds
                continue
            if target < MIN_ISLAND_LAP_M:
                break
            for walk in _polygon_walks(island, entry, inside, target, laps, lengths):
                yield Walk(approach=(np.concatenate([approach[0], walk.approach[0]]),
                                     np.concatenate([approach[1], walk.approach[1]])),
                           circuit=walk.circuit, laps=laps)


def _ring_order(u: np.ndarray, v: np.ndarray, rows: np.ndarray,
                entry: int) -> Optional[tuple[np.ndarray, np.ndarray]]:
    """A ring's edges (*rows*, with ends *u*, *v*) in order round it from node *entry*;
    None if they make no cycle."""
    order, rev = [], []
    node, left = entry, set(range(len(rows)))
    while left:
        step = next((i for i in left if node in (u[i], v[i])), None)
        if step is None:
            return None
        left.discard(step)
        order.append(rows[step])
        rev.append(bool(v[step] == node))
        node = u[step] if v[step] == node else v[step]
    if node != entry:
        return None
    return np.asarray(order, dtype=np.int64), np.asarray(rev, dtype=bool)
