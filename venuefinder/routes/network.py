"""Safety weights and shortest paths on the walking graph.

An edge costs its length times a safety factor, in each direction (grade is judged in the
direction of travel), plus a fixed cost for each road crossed. Loops and the way there use
the same factors; they differ in which edges they may use (``loop_ok`` or ``walk_ok``) and
in that the way there may follow a road, at a cost (its class's ``walk_factor`` in
:data:`~venuefinder.vocabulary.roads.ROAD_CLASSES`), when nothing else connects.

======================  ==========  ====================================================
what                    factor      why
======================  ==========  ====================================================
footway, path, track    1.0         made for people on foot, no motor traffic
a street carrying a     1.1–2.0     pedestrian street, sidewalk, living street, 30 km/h
loop                                street: its ``factor`` in :data:`~venuefinder.
                                    vocabulary.roads.LOOP_STREETS` (both profiles)
running track ring      0.9         built for running, level and even
bridleway               1.1         horses churn it
cycleway                1.3         fast bicycles come from behind a backward runner
steps, corridor         3.0, 2.0    the way there only: walked, never run backwards
link to a lap ring      1.5         not mapped: a few metres over grass (or a fence)
road (the way there)    2.0–4.0     walked on its edge or its unmapped pavement
beside a busy road      1 + 0.5·s   s = share within 20 m of a secondary+ road
beside any road         1 + 0.2·r   r = share within 10 m of a motor road (a pavement)
bad surface             1.3         surface scoring under 45, or smoothness bad or worse
narrow (< 1.5 m)        1.1         no room to pass backwards
unlit (when asked)      1.5         lit=no; unmapped lighting 1.2
downhill d %            1 + (d−2)/4 backwards downhill is the worst case: 6 % doubles it
uphill u %              1 + (u−2)/20 climbing backwards is slow but safe
hazard within 15 m      2, 5, 50    low, medium, high severity (high: avoid)
======================  ==========  ====================================================

Crossing a road costs its class's ``crossing_cost_m`` metres
(:data:`~venuefinder.vocabulary.roads.ROAD_CLASSES`), halved where a crossing with lights
is mapped. What is crossed is judged relative to the way walked
(:func:`~venuefinder.routes.graph.crossed`): arriving along a street at a junction costs
the crossing of the side street, arriving along a path the crossing of the road.

Routing runs on ``scipy.sparse.csgraph.dijkstra`` over a CSR matrix of the part of the
graph a request may reach (:class:`Network`); a loop's legs raise the cost of the edges
already used (:meth:`Network.penalise`) so that the next leg finds another way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import numpy as np

from ..errors import InputError, SourceError
from ..scoring.hazards import REACH_M as HAZARD_REACH_M
from ..vocabulary import LIT_YES
from ..vocabulary.roads import LOOP_STREETS, ROAD_CLASSES
from .graph import crossed

if TYPE_CHECKING:
    import pandas as pd

    from .graph import WalkGraph

#: Walking graph profiles: which edges each may use.
PROFILES = {"loop": "loop_ok", "walk": "walk_ok"}
#: Factor by ``highway`` for paths (see the table above); others 1.0.
PATH_FACTORS: dict[str, float] = {"bridleway": 1.1, "cycleway": 1.3, "steps": 3.0,
                                  "corridor": 2.0}
#: Factor by kind of edge, for lap rings and links.
KIND_FACTORS: dict[str, float] = {"track": 0.9, "field": 1.0, "link": 1.5}
#: Factor by road class for the way there (classes not listed are never walked).
ROAD_FACTORS: dict[str, float] = {c: rule.walk_factor for c, rule in ROAD_CLASSES.items()
                                  if rule.walk_factor is not None}
#: Factor of a street a loop may follow, by its kind (for both profiles).
STREET_FACTORS: dict[str, float] = {k: rule.factor for k, rule in LOOP_STREETS.items()}
BUSY_FACTOR = 0.5
ROADSIDE_FACTOR = 0.2
BAD_SURFACE_BELOW = 45.0
BAD_SURFACE_FACTOR = 1.3
NARROW_M = 1.5
NARROW_FACTOR = 1.1
UNLIT_FACTOR = 1.5
UNMAPPED_LIGHT_FACTOR = 1.2
#: Grades up to this (percent) cost nothing; steeper ones cost per percent as below.
GENTLE_PCT = 2.0
DOWNHILL_PER_PCT = 0.25
UPHILL_PER_PCT = 0.05
#: Metres a crossing of each road class costs (lights halve it).
CROSSING_COST_M: dict[str, float] = {c: rule.crossing_cost_m
                                     for c, rule in ROAD_CLASSES.items()}
SIGNALLED_DISCOUNT = 0.5
#: Factor of an edge near an open hazard report, by severity.
HAZARD_FACTORS: dict[str, float] = {"low": 2.0, "medium": 5.0, "high": 50.0}
#: A start or destination farther than this from any usable way has none.
MAX_SNAP_M = 300.0
#: A start snaps to a way joined to at least this much more (not to a stray fragment), or
#: to a running track at least :data:`MIN_TRACK_M` round (laps of it are a loop already).
MIN_NETWORK_M = 1_000.0
#: A track shorter than this is no lap (a jump's runway mapped as a track: the shortest
#: running track, indoors, is 200 m).
MIN_TRACK_M = 150.0
#: Columns of the hazard frame (as the store gives them).
HAZARD_COLUMNS = ("id", "kind", "severity", "lat", "lon")


@dataclass
class HazardHits:
    """Open hazard reports near edges of a graph.

    Attributes
    ----------
    edge, hazard
        Parallel arrays: edge ``edge[i]`` lies within :data:`HAZARD_REACH_M` of report row
        ``hazard[i]``.
    reports
        The reports (``id``, ``kind``, ``severity``) with metric ``x``, ``y``.
    factor
        Per edge of the graph, the cost factor of its worst report (1.0 without).
    """

    edge: np.ndarray
    hazard: np.ndarray
    reports: "pd.DataFrame"
    factor: np.ndarray


def hazard_hits(graph: "WalkGraph", hazards: Optional["pd.DataFrame"]) -> HazardHits:
    """Match open hazard reports (columns :data:`HAZARD_COLUMNS`, WGS84) to edges.

    Raises
    ------
    InputError
        The frame lacks a column or names an unknown severity.
    """
    import pandas as pd
    import shapely
    from pyproj import Transformer

    n = len(graph.edges)
    if hazards is None or not len(hazards):
        empty = pd.DataFrame({"id": [], "kind": [], "severity": [], "x": [], "y": []})
        return HazardHits(np.zeros(0, np.int64), np.zeros(0, np.int64), empty, np.ones(n))
    missing = [c for c in HAZARD_COLUMNS if c not in hazards.columns]
    if missing:
        raise InputError(f"hazards lack the column(s) {', '.join(missing)}")
    unknown = set(hazards["severity"]) - set(HAZARD_FACTORS)
    if unknown:
        raise InputError(f"unknown hazard severity {sorted(map(str, unknown))[0]!r}")
    x, y = Transformer.from_crs("EPSG:4326", graph.crs, always_xy=True).transform(
        hazards["lon"].to_numpy(float), hazards["lat"].to_numpy(float))
    reports = pd.DataFrame({"id": hazards["id"].to_numpy(), "kind": hazards["kind"].to_numpy(),
                            "severity": hazards["severity"].to_numpy(), "x": x, "y": y})
    tree, rows = graph.edge_tree()
    hazard, edge = tree.query(shapely.points(x, y), predicate="dwithin",
                              distance=HAZARD_REACH_M)
    edge = rows[edge]
    factor = np.ones(n)
    severity = np.array([HAZARD_FACTORS[s] for s in reports["severity"]], dtype=float)
    np.maximum.at(factor, edge, severity[hazard])
    return HazardHits(edge, hazard, reports, factor)


def edge_factors(graph: "WalkGraph", profile: str, lit: bool) -> np.ndarray:
    """Direction-free safety factor of every edge for *profile* (inf: not usable);
    computed once per graph, profile and light."""
    key = f"factors:{profile}:{lit}"
    if key not in graph._cache:
        graph._cache[key] = _edge_factors(graph, profile, lit)
    return graph._cache[key]


def _edge_factors(graph: "WalkGraph", profile: str, lit: bool) -> np.ndarray:
    edges = graph.edges
    usable = edges[PROFILES[profile]].to_numpy(dtype=bool)
    kind = graph.edge_values("kind")
    path = kind == "path"
    factor = np.where(path, edges["highway"].map(PATH_FACTORS).fillna(1.0).to_numpy(float),
                      edges["kind"].map(KIND_FACTORS).fillna(1.0).to_numpy(float))
    road = kind == "road"
    factor[road] = (edges["road_class"].map(ROAD_FACTORS).fillna(np.inf).to_numpy(float)[road]
                    if profile == "walk" else np.inf)
    street = edges["street"].map(STREET_FACTORS).to_numpy(float)
    factor = np.where(np.isnan(street), factor, street)
    factor *= 1.0 + BUSY_FACTOR * graph.edge_values("busy_share")
    factor *= 1.0 + ROADSIDE_FACTOR * graph.edge_values("road_share")
    factor[graph.edge_values("surface_score") < BAD_SURFACE_BELOW] *= BAD_SURFACE_FACTOR
    factor[graph.edge_values("width_m") < NARROW_M] *= NARROW_FACTOR
    if lit:
        light = graph.edge_values("lit")
        factor[light == "no"] *= UNLIT_FACTOR
        factor[~np.isin(light, [*LIT_YES, "no"])] *= UNMAPPED_LIGHT_FACTOR
    factor[~usable] = np.inf
    return factor


def grade_factor(downhill_pct: np.ndarray, uphill_pct: np.ndarray) -> np.ndarray:
    """Cost factor of the steepest descent and climb met in the direction of travel."""
    down = np.nan_to_num(np.maximum(downhill_pct - GENTLE_PCT, 0.0))
    up = np.nan_to_num(np.maximum(uphill_pct - GENTLE_PCT, 0.0))
    return 1.0 + DOWNHILL_PER_PCT * down + UPHILL_PER_PCT * up


def crossing_costs(graph: "WalkGraph") -> tuple[np.ndarray, np.ndarray]:
    """Metres of cost for arriving along each edge at its ``u`` and at its ``v``: the road
    crossed there (:func:`~venuefinder.routes.graph.crossed`, relative to the edge's way),
    0 where none is; computed once per graph."""
    if "crossing_costs" not in graph._cache:
        edges = np.arange(len(graph.edges))
        signalled = graph.node_values("signalled").astype(bool)
        costs = []
        for end in (graph.edge_values("u"), graph.edge_values("v")):
            cls, _ = crossed(graph, end, edges, edges)
            cost = np.array([CROSSING_COST_M.get(c, 0.0) for c in cls], dtype=float)
            cost[signalled[end]] *= SIGNALLED_DISCOUNT
            costs.append(cost)
        graph._cache["crossing_costs"] = tuple(costs)
    return graph._cache["crossing_costs"]


class Network:
    """The usable part of a walking graph around a point, as a CSR matrix of costs.

    Parameters
    ----------
    graph
        The walking graph.
    profile
        ``"loop"`` or ``"walk"`` (:data:`PROFILES`).
    lit
        Prefer lit ways.
    hazards
        Open reports matched to the graph's edges.
    center, radius_m
        Keep only edges with both ends within *radius_m* of the metric point *center*
        (no loop of length L goes farther than L/2 from its start).
    closed
        Per graph node, whether edges touching it are left out (the road crossings, to
        find the parts of the paths with none).
    """

    def __init__(self, graph: "WalkGraph", profile: str, *, lit: bool = False,
                 hazards: Optional[HazardHits] = None,
                 center: Optional[tuple[float, float]] = None,
                 radius_m: Optional[float] = None,
                 closed: Optional[np.ndarray] = None) -> None:
        from scipy.sparse import csr_matrix

        self.graph = graph
        edges = graph.edges
        factor = edge_factors(graph, profile, lit)
        if hazards is not None:
            factor = factor * hazards.factor
        u, v = graph.edge_values("u"), graph.edge_values("v")
        usable = np.isfinite(factor)
        if center is not None and radius_m is not None:
            near = np.hypot(graph.node_values("x") - center[0],
                            graph.node_values("y") - center[1]) <= radius_m
            usable &= near[u] & near[v]
        if closed is not None:
            usable &= ~closed[u] & ~closed[v]
        ids = np.flatnonzero(usable)
        self.nodes = np.unique(np.concatenate([u[ids], v[ids]]))  # local → graph node
        lu, lv = np.searchsorted(self.nodes, u[ids]), np.searchsorted(self.nodes, v[ids])
        length = graph.edge_values("length_m")[ids]
        down_uv = -graph.edge_values("min_grade_pct")[ids]
        up_uv = graph.edge_values("max_grade_pct")[ids]
        at_u, at_v = crossing_costs(graph)
        forward = length * factor[ids] * grade_factor(down_uv, up_uv) + at_v[ids]
        backward = length * factor[ids] * grade_factor(up_uv, down_uv) + at_u[ids]
        tail = np.concatenate([lu, lv])
        head = np.concatenate([lv, lu])
        cost = np.maximum(np.concatenate([forward, backward]), 1e-3)  # csgraph: 0 = no arc
        order = np.lexsort((head, tail))
        n = len(self.nodes)
        self.arc_edge = np.concatenate([ids, ids])[order]
        self.arc_reverse = np.concatenate([np.zeros(len(ids), bool), np.ones(len(ids), bool)])[
            order]
        self.arc_tail, self.arc_head = tail[order], head[order]
        self._keys = self.arc_tail * n + self.arc_head
        indptr = np.concatenate([[0], np.cumsum(np.bincount(self.arc_tail, minlength=n))])
        self.base_cost = cost[order]
        self.matrix = csr_matrix((self.base_cost.copy(), self.arc_head, indptr), shape=(n, n))
        self._arcs_of_edge = np.full((2, len(edges)), -1, dtype=np.int64)
        self._arcs_of_edge[self.arc_reverse.astype(np.int64), self.arc_edge] = np.arange(
            len(order))

    @property
    def size(self) -> int:
        return len(self.nodes)

    def local(self, node: int) -> int:
        """Local index of graph node *node*; -1 when it is not in this network."""
        i = int(np.searchsorted(self.nodes, node))
        return i if i < len(self.nodes) and self.nodes[i] == node else -1

    def search(self, source: int, limit: float = np.inf) -> tuple[np.ndarray, np.ndarray]:
        """Costs and predecessors from local node *source* (one Dijkstra)."""
        from scipy.sparse.csgraph import dijkstra

        return dijkstra(self.matrix, directed=True, indices=source, return_predecessors=True,
                        limit=limit)

    def path(self, predecessors: np.ndarray, source: int,
             target: int) -> Optional[tuple[np.ndarray, np.ndarray]]:
        """Edges and their reversal flags from *source* to *target* (local nodes) along a
        search's predecessors; None when unreachable, empty when they are one node."""
        chain = [target]
        node = target
        while node != source:
            node = int(predecessors[node])
            if node < 0:
                return None
            chain.append(node)
        chain.reverse()
        nodes = np.asarray(chain, dtype=np.int64)
        arcs = np.searchsorted(self._keys, nodes[:-1] * self.size + nodes[1:])
        return self.arc_edge[arcs], self.arc_reverse[arcs]

    def penalise(self, edges: np.ndarray, factor: float) -> None:
        """Multiply the cost of both directions of *edges* by *factor*."""
        arcs = self._arcs_of_edge[:, edges].ravel()
        self.matrix.data[np.unique(arcs[arcs >= 0])] *= factor

    def reset(self) -> None:
        """Forget every penalty."""
        self.matrix.data[:] = self.base_cost

    def degree(self) -> np.ndarray:
        """Number of neighbours of each local node."""
        return np.diff(self.matrix.indptr)


def snap(graph: "WalkGraph", lat: float, lon: float, profile: str) -> tuple[int, float]:
    """The graph node to start from for a point: the nearer end of the nearest edge usable
    by *profile* that is joined to at least :data:`MIN_NETWORK_M` of such ways or to a
    track that can be lapped (else of the nearest at all), and the distance from the point
    to that edge (metres).

    Raises
    ------
    SourceError
        No usable way within :data:`MAX_SNAP_M` (one line naming the point).
    """
    import shapely
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", graph.crs, always_xy=True).transform(lon, lat)
    tree, rows = graph.edge_tree(PROFILES[profile])
    point = shapely.Point(x, y)
    near = tree.query(point, predicate="dwithin", distance=MAX_SNAP_M)
    if not len(near):
        raise SourceError(f"no walkable way within {MAX_SNAP_M:.0f} m of {lat:.5f},{lon:.5f}")
    distance = shapely.distance(tree.geometries[near], point)
    joined = _well_joined(graph, profile)[rows[near]]
    pick = np.flatnonzero(joined) if joined.any() else np.arange(len(near))
    best = pick[np.argmin(distance[pick])]
    edge = rows[near[best]]
    ends = graph.edges.loc[edge, ["u", "v"]].to_numpy()
    xy = np.column_stack([graph.node_values("x")[ends], graph.node_values("y")[ends]])
    nearer = ends[int(np.argmin(np.hypot(xy[:, 0] - x, xy[:, 1] - y)))]
    return int(nearer), float(distance[best])


def _well_joined(graph: "WalkGraph", profile: str) -> np.ndarray:
    """Per edge: whether its connected part of the *profile* network holds at least
    :data:`MIN_NETWORK_M` of ways, or a track at least :data:`MIN_TRACK_M` round (a
    track in a school yard whose paths are not mapped is still lapped from itself);
    computed once per graph."""
    key = f"joined:{profile}"
    if key not in graph._cache:
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        edges = graph.edges
        usable = edges[PROFILES[profile]].to_numpy(dtype=bool)
        u, v = edges["u"].to_numpy()[usable], edges["v"].to_numpy()[usable]
        n = len(graph.nodes)
        _, label = connected_components(
            coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)), directed=False)
        length = edges["length_m"].to_numpy()[usable]
        size = np.bincount(label[u], weights=length, minlength=n)
        track = np.bincount(label[u], minlength=n, weights=np.where(
            edges["kind"].to_numpy()[usable] == "track", length, 0.0))
        part = label[edges["u"].to_numpy()]
        graph._cache[key] = usable & ((size[part] >= MIN_NETWORK_M)
                                      | (track[part] >= MIN_TRACK_M))
    return graph._cache[key]
