"""The walking graph of a region: nodes where ways meet, edges with what safety needs.

Built from :class:`~venuefinder.sources.walkways.Walkways` (ways with node ids) in the
region's metric CRS, as flat numpy arrays and two frames rather than a networkx graph:
routing runs on ``scipy.sparse.csgraph`` over them (:mod:`.network`), which on the
Helsinki loop network (2.7k nodes) answers a single-source search in about 0.2–0.4 ms,
where networkx's pure-Python Dijkstra over the same arcs takes about 11 ms (measured); and
the arrays cache to disk as they are.

Topology comes from the OSM node ids: a graph node is a node where ways meet (or end), so a
footway meeting a road at a shared node is a crossing and one passing over it on a bridge
is not. Edges are cut further so that none is longer than about :data:`MAX_EDGE_M` (a start
snaps to within half of that of where it is asked, and a hazard marks a short stretch);
two edges joining the same two nodes, or a ring with a single node, are cut at an inner
node, so that each ordered pair of nodes names one edge. A lap ring (track, pitch) that
shares no node with a path is linked to the nearest node of the loop network (paths, and
the rings joined to them) within :data:`LINK_MAX_M` by an unmapped ``link`` edge.

Edge attributes (:attr:`WalkGraph.edges`)
----------------------------------------
``u``, ``v``            node rows, in the way's drawing order
``way_id``              the OSM way (a relation's ring: minus the relation's id; ``-1``
                        for a link)
``kind``                ``path``, ``road``, ``track``, ``field`` or ``link``
``highway``, ``name``, ``surface``, ``smoothness``, ``lit``, ``footway``
                        OSM tags (str; NaN when unmapped)
``width_m``             OSM ``width`` in metres (NaN when unmapped or not a number)
``surface_score``       the surface criterion's score of ``surface`` capped by
                        ``smoothness`` (NaN when no known surface is mapped)
``loop_ok``             a loop may use it: a path without motor traffic one may run
                        backwards on (:data:`~venuefinder.vocabulary.RUNNABLE_PATH_CLASSES`,
                        or a road closed to motor vehicles; a cycleway only with foot
                        access), a street that may carry a loop (``street``), a lap ring,
                        or a link
``street``              the kind of street a loop may follow where no footway is mapped
                        beside it (:data:`~venuefinder.vocabulary.roads.LOOP_STREETS`:
                        a pedestrian street, a road with a sidewalk tagged, a living
                        street, a residential street at 30 km/h or less); else empty
``walk_ok``             the way there may use it: ``loop_ok``, steps and corridors, any
                        cycleway open to feet, and roads but motorways and trunk roads
``road_class``          for a road, its class (:data:`~venuefinder.vocabulary.roads.
                        MOTOR_ROAD_CLASSES`); else empty
``length_m``            along the way, metres
``grade_pct``           signed mean grade from ``u`` to ``v`` (from ``v`` to ``u`` it is
                        the negative); NaN without a DEM
``max_grade_pct``, ``min_grade_pct``
                        steepest climb and descent over :data:`GRADE_WINDOW_M` windows, signed,
                        from ``u`` to ``v``: run from ``v`` to ``u`` the steepest descent
                        is ``max_grade_pct``
``busy_share``          share of the edge within :data:`NEAR_TRAFFIC_M` of a busy road
                        (:data:`~venuefinder.vocabulary.roads.BUSY_CLASSES`)
``road_share``          share of the edge within :data:`ROAD_NEAR_M` of any motor road
``near_road``, ``near_road_class``
                        the nearest busy road to an edge beside one: name, class
Node attributes (:attr:`WalkGraph.nodes`): ``osm_id`` (``-1`` for none), ``x``, ``y``,
``lon``, ``lat``, and for a node where a walkable way meets a motor road
``crossing_class`` (the worst class there; else empty) and ``crossing_name``;
``signalled``: a crossing with lights is mapped at a node on a motor road.

**Crossings are judged relative to the way walked** (:func:`crossed`): at a node, the
roads crossed are those meeting there other than the ways walked into and out of it;
walking along a street across a junction crosses the side street, not the street walked,
and a path across a road crosses the road (a node's ``crossing_class``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from ..heights import describe_relief, relief_near
from ..scoring.surface import SMOOTHNESS_CAPS, SURFACE_SCORES
from ..venues import local_crs, parse_maxspeed, pd_to_metres
from ..vocabulary import (EXCLUDED_ACCESS, EXCLUDED_SPORTS, FOOT_ALLOWED, MOTOR_ROAD_CLASSES,
                          PATH_CLASSES, RUNNABLE_PATH_CLASSES, first_value)
from ..vocabulary.roads import (BUSY_CLASSES, LOOP_STREETS, NO_WALK_CLASSES, ROAD_CLASSES,
                                SEPARATE_SIDEWALK, SIDEWALK_TAGS, SPEED_KEYS)

if TYPE_CHECKING:
    import pandas as pd
    from pyproj import CRS

    from ..sources.dem import Elevation
    from ..sources.walkways import Walkways

log = logging.getLogger(__name__)

#: Edges are cut at the first node past every multiple of this length along a way.
MAX_EDGE_M = 50.0
#: Spacing of the height samples along an edge (at most; equal steps per edge).
PROFILE_STEP_M = 5.0
#: Grades are judged over this run of ground: a kerb or a DEM pixel is no hill.
GRADE_WINDOW_M = 20.0
#: An edge this close to a busy road runs beside its traffic.
NEAR_TRAFFIC_M = 20.0
#: An edge this close to any motor road runs beside it (a pavement).
ROAD_NEAR_M = 10.0
#: A lap ring sharing no node with the loop network is linked to a node of it within this.
LINK_MAX_M = 30.0
#: Road classes, worst first: a node where several roads meet is crossed as its worst.
CLASS_ORDER: tuple[str, ...] = tuple(ROAD_CLASSES)


@dataclass
class WalkGraph:
    """A region's walking graph in its metric CRS (see the module docstring).

    Attributes
    ----------
    crs
        The region's metric CRS.
    nodes, edges
        The frames documented above; row ``i`` is node or edge ``i``.
    coords, coord_offsets
        Every edge's polyline from ``u`` to ``v``, metric: edge ``e`` is
        ``coords[coord_offsets[e]:coord_offsets[e + 1]]``.
    heights, height_offsets
        Every edge's height profile from ``u`` to ``v`` at equal steps (at most
        :data:`PROFILE_STEP_M`), NaN where no DEM speaks, ragged like ``coords``.
    spot_heights
        The extract's own heights of the ground (summits, places, contours…), one row
        each: metric x, y and metres; what :meth:`relief` judges hills by without a DEM.
    info
        Source, DEM and what was read, for reasons and logs.
    """

    crs: "CRS"
    nodes: "pd.DataFrame"
    edges: "pd.DataFrame"
    coords: np.ndarray
    coord_offsets: np.ndarray
    heights: np.ndarray
    height_offsets: np.ndarray
    spot_heights: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))
    info: dict[str, Any] = field(default_factory=dict)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the graph's nodes, WGS84: the box to read open
        hazard reports in."""
        lon, lat = self.nodes["lon"].to_numpy(), self.nodes["lat"].to_numpy()
        return float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max())

    @property
    def has_heights(self) -> bool:
        """Whether a DEM gave heights to any edge."""
        return bool(np.isfinite(self.heights).any())

    def relief(self, x: float, y: float) -> Optional[str]:
        """What the extract's own heights say of the area around the metric point (*x*,
        *y*) when it is hilly (:func:`venuefinder.heights.describe_relief`, by the rule of
        :func:`venuefinder.heights.relief_near`), None when they show no hills."""
        if not len(self.spot_heights):
            return None
        if "spot_heights" not in self._cache:
            import geopandas as gpd

            self._cache["spot_heights"] = gpd.GeoDataFrame(
                {"ele": self.spot_heights[:, 2]},
                geometry=gpd.points_from_xy(self.spot_heights[:, 0], self.spot_heights[:, 1]),
                crs=self.crs)
        import shapely

        near = relief_near(self._cache["spot_heights"], np.array([shapely.Point(x, y)]))
        row = near.iloc[0]
        return describe_relief(row["low"], row["high"]) if row["hilly"] else None

    def edge_values(self, column: str) -> np.ndarray:
        """An edge column as a numpy array (text as objects, NaN when missing), converted
        once: a request reads a few of its rows, not the whole column again."""
        return self._values("edges", column)

    def node_values(self, column: str) -> np.ndarray:
        """A node column as a numpy array, converted once (see :meth:`edge_values`)."""
        return self._values("nodes", column)

    def _values(self, frame: str, column: str) -> np.ndarray:
        key = f"{frame}:{column}"
        if key not in self._cache:
            series = getattr(self, frame)[column]
            numeric = series.dtype.kind in "biuf"
            self._cache[key] = series.to_numpy() if numeric else series.to_numpy(dtype=object)
        return self._cache[key]

    def lines(self) -> np.ndarray:
        """Every edge as a shapely LineString (metric), built once."""
        if "lines" not in self._cache:
            import shapely

            counts = np.diff(self.coord_offsets)
            self._cache["lines"] = shapely.linestrings(
                self.coords, indices=np.repeat(np.arange(len(counts)), counts))
        return self._cache["lines"]

    def edge_tree(self, column: Optional[str] = None) -> tuple[Any, np.ndarray]:
        """An STRtree over the edges where boolean *column* holds (all edges for None),
        and their rows; built once."""
        key = f"tree:{column}"
        if key not in self._cache:
            import shapely

            rows = (np.arange(len(self.edges)) if column is None
                    else np.flatnonzero(self.edges[column].to_numpy(dtype=bool)))
            self._cache[key] = (shapely.STRtree(self.lines()[rows]), rows)
        return self._cache[key]


def build_graph(walkways: "Walkways", crs: Optional["CRS"] = None,
                dem: Optional["Elevation"] = None, source: str = "") -> WalkGraph:
    """Ways with node ids → the region's :class:`WalkGraph`.

    Parameters
    ----------
    walkways
        What :func:`~venuefinder.sources.walkways.read_walkways` or
        :func:`~venuefinder.sources.walkways.fetch_walkways` read.
    crs
        The region's metric CRS; default: the DEM's, else the UTM zone of the ways (the
        rule of :func:`venuefinder.venues.local_crs`).
    dem
        Heights in the region's CRS; without one, grades are NaN.
    source
        Name of the source, for ``info``.
    """
    import pandas as pd
    from pyproj import Transformer

    started = time.perf_counter()
    ways = walkways.ways.reset_index(drop=True)
    if crs is None:
        crs = dem.crs if dem is not None else utm_crs(walkways.lon, walkways.lat)
    x, y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(
        walkways.lon, walkways.lat)
    x, y = np.asarray(x, float), np.asarray(y, float)
    uniq, inv = np.unique(walkways.node_ids, return_inverse=True)
    run = np.repeat(np.arange(len(ways)), (ways["stop"] - ways["start"]).to_numpy())
    starts = ways["start"].to_numpy()
    stops = ways["stop"].to_numpy()

    # Metres walked from the way's start to each of its nodes (positions in the run arrays).
    step = np.hypot(np.diff(x, prepend=x[:1]), np.diff(y, prepend=y[:1]))
    step[starts] = 0.0
    along = np.cumsum(step)
    along_in_run = along - along[starts][run]

    edge_flags = _edge_flags(ways)
    cut = np.zeros(len(inv), dtype=bool)
    cut[starts] = True
    cut[stops - 1] = True
    cut |= np.bincount(inv, minlength=len(uniq))[inv] >= 2  # where ways meet
    bucket = np.floor(along_in_run / MAX_EDGE_M)
    cut[1:] |= (bucket[1:] != bucket[:-1]) & (run[1:] == run[:-1])
    loop_ok = edge_flags["loop_ok"]
    dropped = np.zeros(0, dtype=np.int64)
    while True:  # one edge per node pair: cut parallel edges and one-node rings inside
        first, last = _pieces(cut, run)
        first, last = _without(first, last, dropped, len(inv))
        split = _duplicate_pieces(inv[first], inv[last], along[last] - along[first],
                                  loop_ok[run[first]])
        if not len(split):
            break
        middle = (first[split] + last[split]) // 2
        inner = middle > first[split]
        cut[middle[inner]] = True
        # A straight duplicate of another edge has no inner node to cut at: left out.
        straight = split[~inner]
        dropped = np.concatenate([dropped, first[straight] * len(inv) + last[straight]])

    # Graph nodes: the nodes at the edges' ends, numbered from 0.
    node_of = np.full(len(uniq), -1, dtype=np.int64)
    ends = np.unique(np.concatenate([inv[first], inv[last]]))
    node_of[ends] = np.arange(len(ends))
    position_of = np.zeros(len(uniq), dtype=np.int64)
    position_of[inv] = np.arange(len(inv))  # any occurrence: the same location
    node_pos = position_of[ends]
    nodes = pd.DataFrame({"osm_id": uniq[ends], "x": x[node_pos], "y": y[node_pos],
                          "lon": walkways.lon[node_pos], "lat": walkways.lat[node_pos]})
    _add_crossings(nodes, node_of, inv, run, ways, edge_flags, walkways.crossings)

    edge_run = run[first]
    edges = pd.DataFrame({
        "u": node_of[inv[first]], "v": node_of[inv[last]],
        "way_id": ways["way_id"].to_numpy()[edge_run],
        "kind": ways["role"].to_numpy(dtype=object)[edge_run],
        **{key: ways[key].to_numpy(dtype=object)[edge_run]
           for key in ("highway", "name", "surface", "smoothness", "lit", "footway")},
        "width_m": _metres(ways["width"])[edge_run],
        "loop_ok": edge_flags["loop_ok"][edge_run],
        "walk_ok": edge_flags["walk_ok"][edge_run],
        "road_class": edge_flags["road_class"][edge_run],
        "street": edge_flags["street"][edge_run],
        "length_m": along[last] - along[first],
    })
    edges["surface_score"] = surface_scores(edges)
    counts = last - first + 1
    coords = np.column_stack([x, y])[_ragged_range(first, counts)]
    coord_offsets = np.concatenate([[0], np.cumsum(counts)])
    edges, coords, coord_offsets = _link_rings(nodes, edges, coords, coord_offsets)

    spot = walkways.heights
    spot_x, spot_y = Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(
        spot[:, 0], spot[:, 1])
    graph = WalkGraph(crs=crs, nodes=nodes, edges=edges, coords=coords,
                      coord_offsets=coord_offsets, heights=np.zeros(0, np.float32),
                      height_offsets=np.zeros(len(edges) + 1, np.int64),
                      spot_heights=np.column_stack([spot_x, spot_y, spot[:, 2]]).reshape(-1, 3))
    sample_x, sample_y = _profiles(graph)
    graph.heights = (_sample(dem, sample_x, sample_y) if dem is not None
                     else np.full(len(sample_x), np.nan, np.float32))
    _add_grades(graph)
    _add_traffic(graph, sample_x, sample_y)
    graph.info = {"source": source, "dem": dem.source if dem is not None else None,
                  "nodes": len(nodes), "edges": len(edges),
                  "loop_edges": int(edges["loop_ok"].sum()),
                  "objects": walkways.stats.objects,
                  "dropped_ways": walkways.stats.dropped_ways,
                  "repaired_ways": walkways.stats.repaired_ways,
                  "build_s": round(time.perf_counter() - started, 3)}
    log.info("walking graph of %s: %d nodes, %d edges in %.2f s", source or "the region",
             len(nodes), len(edges), graph.info["build_s"])
    return graph


def surface_scores(edges: "pd.DataFrame") -> np.ndarray:
    """The surface criterion's score of each way's mapped surface, capped by its
    smoothness (:mod:`venuefinder.scoring.surface`); NaN where no known surface is mapped."""
    surface = first_value(edges["surface"])
    base = surface.map({k: v[0] for k, v in SURFACE_SCORES.items()})
    cap = edges["smoothness"].astype("string").str.strip().str.lower().map(SMOOTHNESS_CAPS)
    return np.fmin(base.to_numpy(dtype=float, na_value=np.nan),
                   cap.to_numpy(dtype=float, na_value=np.nan))


def utm_crs(lon: np.ndarray, lat: np.ndarray) -> "CRS":
    """The UTM zone of points (WGS84), by the rule of :func:`venuefinder.venues.local_crs`."""
    import geopandas as gpd
    import shapely

    box = shapely.box(float(lon.min()), float(lat.min()), float(lon.max()), float(lat.max()))
    return local_crs(gpd.GeoSeries([box], crs="EPSG:4326"))


def _edge_flags(ways: "pd.DataFrame") -> dict[str, np.ndarray]:
    """Per way: may a loop use it, may the way there, and its motor road class."""
    role = ways["role"].to_numpy(dtype=object)
    highway = ways["highway"].astype(object).to_numpy()
    foot = ways["foot"].astype(object).to_numpy()
    foot_open = np.isin(foot, list(FOOT_ALLOWED))
    shut = (np.isin(ways["access"].astype(object).to_numpy(), list(EXCLUDED_ACCESS))
            & ~foot_open) | (foot == "no")
    sport = first_value(ways["sport"])  # the main use, as for venues
    ring = np.isin(role, ("track", "field")) & ~sport.isin(EXCLUDED_SPORTS).to_numpy()
    # A path, or a road closed to motor vehicles; a cycleway only with foot access.
    runnable = (role == "path") & np.isin(
        highway, [*RUNNABLE_PATH_CLASSES, *MOTOR_ROAD_CLASSES]) & (
        (highway != "cycleway") | foot_open)
    road_class = np.where(role == "road", ways["highway"].astype(object).map(
        MOTOR_ROAD_CLASSES).fillna("").to_numpy(dtype=object), "").astype(object)
    street = street_kinds(ways)
    loop_ok = (runnable | ring | (street != "")) & ~shut
    walk_ok = ~shut & (loop_ok | ((role == "path") & np.isin(highway, list(PATH_CLASSES)))
                       | ((role == "road") & ~np.isin(road_class, NO_WALK_CLASSES)))
    return {"loop_ok": loop_ok, "walk_ok": walk_ok, "road_class": road_class,
            "street": street}


def street_kinds(ways: "pd.DataFrame") -> np.ndarray:
    """Per way (its tags as columns, missing keys are fine), the kind of street a loop
    may follow (:data:`~venuefinder.vocabulary.roads.LOOP_STREETS`, the first it fits),
    ``""`` for none: not such a street, too fast, or its sidewalk a way of its own."""
    import pandas as pd

    def column(key: str) -> "pd.Series":
        return first_value(ways[key] if key in ways
                           else pd.Series(None, index=ways.index, dtype=object))

    highway = column("highway").to_numpy(dtype=object, na_value="")
    sidewalk = np.zeros(len(ways), dtype=bool)
    separate = np.zeros(len(ways), dtype=bool)
    for key, values in SIDEWALK_TAGS.items():
        value = column(key)
        sidewalk |= value.isin(values).to_numpy(dtype=bool)
        separate |= (value == SEPARATE_SIDEWALK).to_numpy(dtype=bool, na_value=False)
    speed = pd.Series(np.nan, index=ways.index)
    for key in SPEED_KEYS:  # the sign's limit first, then the zone's
        if key in ways:
            speed = speed.fillna(parse_maxspeed(ways[key]))
    speed_kmh = speed.to_numpy(dtype=float)
    kind = np.full(len(ways), "", dtype=object)
    for name, rule in reversed(LOOP_STREETS.items()):  # the first row it fits wins
        fits = np.isin(highway, list(rule.highways)) & (sidewalk if rule.sidewalk
                                                        else ~separate)
        if rule.max_speed_kmh is not None:
            fits &= speed_kmh <= rule.max_speed_kmh
        kind[fits] = name
    return kind


def _pieces(cut: np.ndarray, run: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) positions of the edges between consecutive cuts of one run."""
    at = np.flatnonzero(cut)
    same = run[at[:-1]] == run[at[1:]]
    return at[:-1][same], at[1:][same]


def _without(first: np.ndarray, last: np.ndarray, dropped: np.ndarray,
             n: int) -> tuple[np.ndarray, np.ndarray]:
    """The pieces but those whose ``first * n + last`` is in *dropped*."""
    keep = ~np.isin(first * n + last, dropped)
    return first[keep], last[keep]


def _duplicate_pieces(u: np.ndarray, v: np.ndarray, length: np.ndarray,
                      loop_ok: np.ndarray) -> np.ndarray:
    """Pieces to cut again: rings with one node, and every piece joining the same two nodes
    as another but the first of them (a loop's way first, then the shortest)."""
    low, high = np.minimum(u, v), np.maximum(u, v)
    order = np.lexsort((length, ~loop_ok, high, low))
    pair = np.column_stack([low[order], high[order]])
    repeat = np.zeros(len(order), dtype=bool)
    repeat[1:] = (pair[1:] == pair[:-1]).all(axis=1)
    return np.sort(np.concatenate([order[repeat], np.flatnonzero(u == v)]))


def _ragged_range(first: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(f, f + c) for f, c in zip(first, counts)])``, vectorised."""
    if not len(counts):
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(first, counts) + np.arange(int(counts.sum())) - offsets


def _metres(values: "pd.Series") -> np.ndarray:
    return pd_to_metres(values).to_numpy(dtype=float)


def _add_crossings(nodes: "pd.DataFrame", node_of: np.ndarray, inv: np.ndarray,
                   run: np.ndarray, ways: "pd.DataFrame", flags: dict[str, np.ndarray],
                   tagged: "pd.DataFrame") -> None:
    """Mark the nodes where a walkable way meets a motor road (the road's worst class and
    its name), and the nodes on a motor road where a crossing with lights is mapped."""
    rank = {c: i for i, c in enumerate(CLASS_ORDER)}
    road_class = flags["road_class"][run]
    on_road = road_class != ""
    node = node_of[inv]
    walked = np.zeros(len(nodes), dtype=bool)
    walk_pos = flags["walk_ok"][run] & ~on_road & (node >= 0)
    walked[node[walk_pos]] = True
    road_pos = np.flatnonzero(on_road & (node >= 0))
    road_rank = np.array([rank[c] for c in road_class[road_pos]], dtype=np.int64)
    order = np.lexsort((road_rank, node[road_pos]))  # per node, the worst class first
    road_pos, road_rank = road_pos[order], road_rank[order]
    first = np.ones(len(road_pos), dtype=bool)
    first[1:] = node[road_pos][1:] != node[road_pos][:-1]
    at = node[road_pos[first]]
    crossing_class = np.full(len(nodes), "", dtype=object)
    crossing_name = np.full(len(nodes), "", dtype=object)
    names = ways["name"].astype(object).to_numpy()[run[road_pos[first]]]
    crossing = walked[at]
    crossing_class[at[crossing]] = np.array(CLASS_ORDER, dtype=object)[road_rank[first]][crossing]
    crossing_name[at[crossing]] = [n if isinstance(n, str) else "" for n in names[crossing]]
    nodes["crossing_class"] = crossing_class
    nodes["crossing_name"] = crossing_name
    lights = tagged.loc[tagged["signalled"], "node_id"].to_numpy()
    on_a_road = np.zeros(len(nodes), dtype=bool)
    on_a_road[node[road_pos]] = True
    nodes["signalled"] = on_a_road & np.isin(nodes["osm_id"].to_numpy(), lights)


def crossed(graph: WalkGraph, node: np.ndarray, edge_in: np.ndarray,
            edge_out: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The road crossed at each *node* by a walk arriving along edge *edge_in* and leaving
    along *edge_out*: the worst of the roads meeting there but the streets walked (a road
    edge's way, and every way of the same name: a street is often split at its junctions).

    Returns
    -------
    (road class, name) per node: ``""`` and ``""`` where no road is crossed.
    """
    indptr, arms = _road_arms(graph)
    way = graph.edge_values("way_id")
    road_class = graph.edge_values("road_class")
    names = graph.edge_values("name")
    node = np.asarray(node, dtype=np.int64)
    walked = []  # per side: the way id, and the name of a named road ("" for none)
    for edge in (np.asarray(edge_in, dtype=np.int64), np.asarray(edge_out, dtype=np.int64)):
        named = (road_class[edge] != "") & np.array(
            [isinstance(n, str) for n in names[edge]], dtype=bool)
        walked.append((way[edge], np.where(named, names[edge], "").astype(object)))
    start, count = indptr[node], indptr[node + 1] - indptr[node]
    found = np.full(len(node), -1, dtype=np.int64)
    # The arms of a node are listed worst class first: the first one not walked is crossed.
    for k in range(int(count.max()) if len(node) else 0):
        open_ = (found < 0) & (k < count)
        arm = arms[np.where(open_, start + k, 0)]
        take = open_.copy()
        for way_walked, name_walked in walked:
            take &= (way[arm] != way_walked) & ((name_walked == "") | (names[arm] != name_walked))
        found[take] = arm[take]
    hit = found >= 0
    cls = np.where(hit, road_class[np.maximum(found, 0)], "").astype(object)
    name = np.where(hit, names[np.maximum(found, 0)], "").astype(object)
    name[~np.array([isinstance(n, str) for n in name], dtype=bool)] = ""
    return cls, name


def _road_arms(graph: WalkGraph) -> tuple[np.ndarray, np.ndarray]:
    """The motor-road edges at every node, worst class first, as ``(indptr, edges)``: node
    ``n``'s are ``edges[indptr[n]:indptr[n + 1]]`` (built once per graph)."""
    if "road_arms" not in graph._cache:
        rank = {c: i for i, c in enumerate(CLASS_ORDER)}
        road_class = graph.edge_values("road_class")
        roads = np.flatnonzero(road_class != "")
        ends = np.concatenate([graph.edge_values("u")[roads], graph.edge_values("v")[roads]])
        edge = np.concatenate([roads, roads])
        ranks = np.array([rank[c] for c in road_class[edge]], dtype=np.int64)
        order = np.lexsort((ranks, ends))
        counts = np.bincount(ends, minlength=len(graph.nodes))
        graph._cache["road_arms"] = (np.concatenate([[0], np.cumsum(counts)]), edge[order])
    return graph._cache["road_arms"]


def _link_rings(nodes: "pd.DataFrame", edges: "pd.DataFrame", coords: np.ndarray,
                coord_offsets: np.ndarray) -> tuple["pd.DataFrame", np.ndarray, np.ndarray]:
    """Link each lap ring that shares no node with the loop network to the nearest node of
    it within :data:`LINK_MAX_M` (pitches are drawn apart from the paths beside them).

    The network grows ring by ring: a ring joined to it (sharing a node, or linked) is
    part of it, so a track drawn beside a field that is itself linked to a path is linked
    to the field (a track's own laps are then reachable from it).
    """
    import pandas as pd
    import shapely

    ring = edges["kind"].isin(("track", "field")).to_numpy() & edges["loop_ok"].to_numpy()
    path = edges["loop_ok"].to_numpy() & ~ring
    path_nodes = np.unique(edges.loc[path, ["u", "v"]].to_numpy())
    if not ring.any() or not len(path_nodes):
        return edges, coords, coord_offsets
    on_net = np.zeros(len(nodes), dtype=bool)
    on_net[path_nodes] = True
    ring_way = edges["way_id"].to_numpy()[ring]
    u, v = edges["u"].to_numpy()[ring], edges["v"].to_numpy()[ring]
    xy = nodes[["x", "y"]].to_numpy()
    links: list[tuple[int, int, float]] = []
    new_nodes = path_nodes
    while len(new_nodes):
        while True:  # rings sharing a node with the network join it, all their nodes
            touching = np.isin(ring_way, ring_way[on_net[u] | on_net[v]])
            grow = np.unique(np.concatenate([u[touching], v[touching]]))
            grow = grow[~on_net[grow]]
            if not len(grow):
                break
            on_net[grow] = True
            new_nodes = np.concatenate([new_nodes, grow])
        apart = ~(on_net[u] | on_net[v])
        if not apart.any():
            break
        # A ring left apart so far has no node within reach of the older network: only
        # the nodes that joined it since can be near enough.
        tree = shapely.STRtree(shapely.points(xy[new_nodes]))
        found = []
        for way_id in np.unique(ring_way[apart]):
            mine = ring_way == way_id
            ring_nodes = np.unique(np.concatenate([u[mine], v[mine]]))
            (ring_idx, net_idx), distance = tree.query_nearest(
                shapely.points(xy[ring_nodes]), max_distance=LINK_MAX_M,
                return_distance=True)
            if len(distance):
                best = int(np.argmin(distance))
                found.append((int(ring_nodes[ring_idx[best]]),
                              int(new_nodes[net_idx[best]]), float(distance[best])))
        links += found
        new_nodes = np.array([a for a, _, _ in found], dtype=np.int64)
        on_net[new_nodes] = True
    if not links:
        return edges, coords, coord_offsets
    u, v, length = (np.array(a) for a in zip(*links))
    extra = pd.DataFrame({"u": u.astype(np.int64), "v": v.astype(np.int64), "way_id": -1,
                          "kind": "link", "loop_ok": True, "walk_ok": True,
                          "road_class": "", "street": "", "length_m": length,
                          "width_m": np.nan})
    edges = pd.concat([edges, extra], ignore_index=True)
    for key in ("highway", "name", "surface", "smoothness", "lit", "footway"):
        edges[key] = edges[key].astype(object)
    link_coords = np.column_stack([xy[u], xy[v]]).reshape(-1, 2)
    coord_offsets = np.concatenate([coord_offsets,
                                    coord_offsets[-1] + 2 * np.arange(1, len(u) + 1)])
    return edges, np.vstack([coords, link_coords]), coord_offsets


def _profiles(graph: WalkGraph) -> tuple[np.ndarray, np.ndarray]:
    """Points at equal steps (at most :data:`PROFILE_STEP_M`) along every edge, ends
    included; sets ``graph.height_offsets`` to match. Interpolated in numpy along the
    polylines (ten times faster than shapely's ``line_interpolate_point`` here)."""
    coords, offsets = graph.coords, graph.coord_offsets
    length = graph.edges["length_m"].to_numpy()
    steps = np.maximum(1, np.ceil(length / PROFILE_STEP_M)).astype(np.int64)
    counts = steps + 1
    graph.height_offsets = np.concatenate([[0], np.cumsum(counts)])
    segment = np.hypot(*np.diff(coords, axis=0).T)
    walked = np.concatenate([[0.0], np.cumsum(segment)])  # rising across every edge
    edge = np.repeat(np.arange(len(length)), counts)
    k = np.arange(int(counts.sum())) - graph.height_offsets[:-1][edge]
    target = walked[offsets[:-1]][edge] + length[edge] * k / steps[edge]
    at = np.searchsorted(walked, target, side="right") - 1
    at = np.clip(at, offsets[:-1][edge], offsets[1:][edge] - 2)  # a segment of the edge
    with np.errstate(invalid="ignore", divide="ignore"):
        part = np.nan_to_num(np.clip((target - walked[at]) / segment[at], 0.0, 1.0))
    xy = coords[at] + part[:, None] * (coords[at + 1] - coords[at])
    return xy[:, 0], xy[:, 1]


def _sample(dem: "Elevation", x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear heights at metric points; NaN outside the DEM or next to a hole."""
    inverse = ~dem.transform
    col, row = inverse @ (x, y)
    col, row = np.asarray(col) - 0.5, np.asarray(row) - 0.5  # pixel centres
    rows, cols = dem.heights.shape
    c0, r0 = np.floor(col).astype(np.int64), np.floor(row).astype(np.int64)
    inside = (c0 >= 0) & (r0 >= 0) & (c0 + 1 < cols) & (r0 + 1 < rows)
    c0, r0 = np.clip(c0, 0, cols - 2), np.clip(r0, 0, rows - 2)
    fc, fr = col - c0, row - r0
    h = dem.heights
    top = h[r0, c0] * (1 - fc) + h[r0, c0 + 1] * fc
    bottom = h[r0 + 1, c0] * (1 - fc) + h[r0 + 1, c0 + 1] * fc
    out = top * (1 - fr) + bottom * fr
    return np.where(inside, out, np.nan).astype(np.float32)


def _add_grades(graph: WalkGraph) -> None:
    """Mean grade from ``u`` to ``v``, and the steepest climb and descent over
    :data:`GRADE_WINDOW_M`, per edge (NaN without heights)."""
    edges = graph.edges
    length = edges["length_m"].to_numpy()
    offsets = graph.height_offsets
    h = graph.heights.astype(float)
    counts = np.diff(offsets)
    steps = counts - 1
    spacing = length / steps
    with np.errstate(invalid="ignore", divide="ignore"):
        edges["grade_pct"] = 100.0 * (h[offsets[1:] - 1] - h[offsets[:-1]]) / length
        window = np.maximum(1, np.round(GRADE_WINDOW_M / np.maximum(spacing, 1e-9))).astype(
            np.int64)
        edge = np.repeat(np.arange(len(length)), counts)
        i = np.arange(len(h))
        j = np.minimum(i + window[edge], offsets[1:][edge] - 1)
        grade = 100.0 * (h[j] - h[i]) / ((j - i) * spacing[edge])
    grade[j <= i] = np.nan  # an edge's last sample starts no window
    if len(length):
        edges["max_grade_pct"] = np.fmax.reduceat(grade, offsets[:-1])
        edges["min_grade_pct"] = np.fmin.reduceat(grade, offsets[:-1])
    else:
        edges["max_grade_pct"] = edges["min_grade_pct"] = np.zeros(0)


def _add_traffic(graph: WalkGraph, sample_x: np.ndarray, sample_y: np.ndarray) -> None:
    """Per edge: the share of its samples within :data:`NEAR_TRAFFIC_M` of a busy road
    (and the name and class of the nearest such road) and within :data:`ROAD_NEAR_M` of
    any motor road. A road's own edges are wholly beside its traffic."""
    import shapely

    edges = graph.edges
    road_class = edges["road_class"].to_numpy(dtype=object)
    lines = graph.lines()
    n = len(edges)
    counts = np.diff(graph.height_offsets)
    is_road = road_class != ""
    is_busy = np.isin(road_class, BUSY_CLASSES)
    busy_share, road_share = is_busy.astype(float), is_road.astype(float)
    near_road = np.where(is_busy, edges["name"].astype(object).fillna("").to_numpy(), "")
    near_class = np.where(is_busy, road_class, "").astype(object)
    paths = np.flatnonzero(~is_road)
    for share, rows, reach in ((busy_share, np.flatnonzero(is_busy), NEAR_TRAFFIC_M),
                               (road_share, np.flatnonzero(is_road), ROAD_NEAR_M)):
        if not len(rows) or not len(paths):
            continue
        tree = shapely.STRtree(lines[rows])
        # Only the samples of edges that come near such a road are looked at.
        near = paths[np.unique(tree.query(lines[paths], predicate="dwithin",
                                          distance=reach)[0])]
        samples = _ragged_range(graph.height_offsets[near], counts[near])
        hit = np.unique(tree.query(shapely.points(sample_x[samples], sample_y[samples]),
                                   predicate="dwithin", distance=reach)[0])
        share[near] = np.bincount(np.repeat(near, counts[near])[hit], minlength=n)[near] \
            / counts[near]
        if reach == NEAR_TRAFFIC_M:  # name the busy road each edge runs beside
            edge_idx, road_idx = tree.query_nearest(lines[near], all_matches=False)
            nearest = rows[road_idx]
            names = edges["name"].to_numpy(dtype=object)[nearest]
            near_road[near[edge_idx]] = [s if isinstance(s, str) else "" for s in names]
            near_class[near[edge_idx]] = road_class[nearest]
    edges["busy_share"] = busy_share
    edges["road_share"] = road_share
    edges["near_road"] = near_road
    edges["near_road_class"] = near_class
