"""Read the ways of the walking graph *with their node ids*: paths, roads and lap rings.

The features frame (:mod:`venuefinder.sources`) keeps geometry only; a graph needs to know
which ways share a node (an intersection, a footway meeting a road). This reader keeps each
way's node references and locations, from the same kind of pyosmium pass as
:mod:`.osm_file`, or from osmnx's graph of an Overpass answer (:func:`fetch_walkways`). It
returns plain arrays and a frame; what is walkable, and how safe, is decided by
:mod:`venuefinder.routes.graph`.

What is read (tags from :mod:`venuefinder.vocabulary`):

* ``highway`` ways of :data:`~venuefinder.vocabulary.PATH_CLASSES` (role ``path``) and of
  :data:`~venuefinder.vocabulary.MOTOR_ROAD_CLASSES` (role ``road``; ``motor_vehicle=no``
  makes one a ``path``): the network, and the roads whose crossings and traffic matter;
* closed ``leisure=track`` ways (role ``track``, also when tagged a footway) and closed
  ``leisure=pitch`` ways, the perimeters of pitches and fields (role ``field``), which are
  run round as laps; and the outer rings of such multipolygon relations (a track's inner
  rings when it has them: its lap runs along the inner edge), under the relation's id made
  negative;
* nodes tagged ``highway=crossing|traffic_signals`` (with ``crossing=*``), to tell a
  crossing with lights from one without;
* the extract's own heights of the ground (:mod:`venuefinder.vocabulary.heights`: summits,
  passes, survey points, signposts and settlements with an ``ele``, and the nodes of
  contour lines), so that a route can tell a hilly area without a DEM
  (:mod:`venuefinder.heights`). osmnx's graph of an Overpass answer holds none.

Clipping is handled, and counted, as in :mod:`.osm_file`: a way with nodes outside the
extract keeps each run of consecutive located nodes as its own row ("trimmed"); a way with
fewer than two located nodes is dropped. A lap ring cut by the edge is no ring: dropped.
The pass only collects node ids and fixed-point locations in Python; the runs are cut for
all ways at once in numpy (Helsinki: 0.1 s; Helsinki x100: 6 s, of which 1.3 s is
libosmium's own pass).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

import numpy as np

from ..errors import SourceError
from ..vocabulary import (CROSSING_NODE_TAGS, LAP_LEISURE, MOTOR_ROAD_CLASSES, PATH_CLASSES,
                          SIGNALLED_CROSSINGS, WALKWAY_TAG_KEYS)
from ..vocabulary.heights import HEIGHT_TAG_PAIRS, height_of
from ..vocabulary.roads import STREET_TAG_KEYS
from . import ReadStats
from .osm_file import _first_line, check_extract_path
from .overpass import (_check_query, _overpass_hook, _status_is_readable,
                       describe_request_error, osmnx_session)

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from ..config import Settings

log = logging.getLogger(__name__)

#: Tags read of every way: the walkway's, and those telling which streets may carry a loop
#: (:data:`~venuefinder.vocabulary.roads.LOOP_STREETS`).
TAG_KEYS: tuple[str, ...] = (*WALKWAY_TAG_KEYS, *STREET_TAG_KEYS)
#: Roles of a row of :attr:`Walkways.ways`.
ROLES: tuple[str, ...] = ("path", "road", "track", "field")
#: The osmnx filters of :func:`fetch_walkways`: every highway, and the lap rings.
OVERPASS_FILTERS: tuple[str, ...] = (
    '["highway"]', f'["leisure"~"^({"|".join(sorted(LAP_LEISURE))})$"]')


@dataclass
class Walkways:
    """Ways with their node ids, in WGS84.

    Attributes
    ----------
    ways
        One row per run of located nodes (a clipped way may give several): ``way_id``
        (int64), ``role`` (one of :data:`ROLES`), ``start`` and ``stop`` (the run's
        nodes are ``node_ids[start:stop]``), and the tags of
        :data:`TAG_KEYS` (text; NaN when missing).
    node_ids, lon, lat
        The runs' node references and locations, run after run (a node shared by two
        ways appears once per way).
    crossings
        Tagged crossing nodes: ``node_id`` (int64) and ``signalled`` (bool).
    stats
        What was read, trimmed and dropped.
    heights
        The extract's heights of the ground, one row each: lon, lat, metres.
    """

    ways: "pd.DataFrame"
    node_ids: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    crossings: "pd.DataFrame"
    stats: ReadStats
    heights: np.ndarray = field(default_factory=lambda: np.zeros((0, 3)))


def read_walkways(path: Path, progress: Optional[Callable[[int], None]] = None) -> Walkways:
    """Read the walking graph's ways and crossing nodes from an OSM extract.

    Parameters
    ----------
    path
        A .osm.pbf/.osm/.osm.gz/.osm.bz2 extract (checked as by
        :func:`~venuefinder.sources.osm_file.check_extract_path`).
    progress
        Called now and then with the number of objects handled since the last call.

    Raises
    ------
    SourceError
        Missing, empty, corrupt or not an OSM file, or one without any way read here.
    """
    import osmium
    from osmium.filter import TagFilter

    check_extract_path(path)
    wanted = sorted({*(("highway", c) for c in (*PATH_CLASSES, *MOTOR_ROAD_CLASSES)),
                     *(("leisure", v) for v in LAP_LEISURE), *HEIGHT_TAG_PAIRS})
    processor = (
        osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(TagFilter(*wanted).enable_for(osmium.osm.WAY))
        .with_filter(TagFilter(*CROSSING_NODE_TAGS, *HEIGHT_TAG_PAIRS)
                     .enable_for(osmium.osm.NODE)))
    builder = _Builder()
    crossing_ids: list[int] = []
    signalled: list[bool] = []
    heights: list[tuple[float, float, float]] = []
    seen = 0
    try:
        for obj in processor:
            seen += 1
            if progress is not None and seen % 20_000 == 0:
                progress(20_000)
            height = height_of(obj.tags)
            if height is not None:  # a summit, pass, place…, or every node of a contour
                heights += [(n.lon, n.lat, height) for n in
                            (obj.nodes if obj.is_way() else [obj]) if n.location.valid()]
            if obj.is_way():
                tags = obj.tags
                nodes = obj.nodes
                closed = len(nodes) > 2 and nodes[0].ref == nodes[-1].ref
                values = [tags.get(k) for k in TAG_KEYS]
                role = way_role(dict(zip(TAG_KEYS, values)), closed)
                if role is not None:
                    # Fixed-point x, y: no exception, and no float, for a missing node.
                    builder.add(obj.id, role, values, [(n.ref, n.x, n.y) for n in nodes])
            elif ("highway", obj.tags.get("highway")) in CROSSING_NODE_TAGS:
                crossing_ids.append(obj.id)
                signalled.append(obj.tags.get("crossing") in SIGNALLED_CROSSINGS
                                 or obj.tags.get("highway") == "traffic_signals")
    except (RuntimeError, ValueError) as exc:  # libosmium's parse errors
        raise SourceError(f"cannot read {path.name}: {_first_line(exc)}") from None
    if progress is not None:
        progress(seen % 20_000)
    _add_relation_rings(builder, path)
    walkways = builder.finish(crossing_ids, signalled, seen)
    walkways.heights = np.array(heights, dtype=float).reshape(-1, 3)
    if walkways.ways.empty:
        raise SourceError(f"{path.name} holds no paths, roads or tracks to route on")
    log.info("%s walkways: %s", path.name, walkways.stats.summary())
    return walkways


def _add_relation_rings(builder: "_Builder", path: Path) -> None:
    """Add the outer rings of ``leisure=track|pitch`` multipolygon relations to *builder*
    as lap rings, each under the relation's id made negative (its member ways are often
    untagged, and a ring may be drawn as several of them). A track mapped with its infield
    as an inner ring is lapped along that inner edge (lane 1), not round its outer lane.

    Two more passes, only over relations and then over their member ways: an extract
    without such relations costs one pass over its relations.
    """
    import osmium
    from osmium.filter import IdFilter, TagFilter

    members: dict[int, tuple[int, str]] = {}  # member way → relation, outer or inner
    tags_of: dict[int, list[Optional[str]]] = {}
    relations = osmium.FileProcessor(str(path), osmium.osm.RELATION).with_filter(
        TagFilter(*(("leisure", v) for v in LAP_LEISURE)))
    for relation in relations:
        if relation.tags.get("type") != "multipolygon":
            continue
        tags_of[relation.id] = [relation.tags.get(k) for k in TAG_KEYS]
        for member in relation.members:
            if member.type == "w" and member.role in ("outer", "", "inner"):
                members[member.ref] = (relation.id, member.role or "outer")
    if not members:
        return
    parts: dict[tuple[int, str], list[list[tuple[int, int, int]]]] = {}
    ways = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(IdFilter(list(members)).enable_for(osmium.osm.WAY))
            .with_filter(IdFilter([]).enable_for(osmium.osm.NODE)))  # locations only
    for way in ways:
        if way.is_way():
            parts.setdefault(members[way.id], []).append(
                [(n.ref, n.x, n.y) for n in way.nodes])
    for relation_id in sorted({r for r, _ in parts}):
        values = tags_of[relation_id]
        role = way_role(dict(zip(TAG_KEYS, values)), True)
        if role is None:
            continue
        rings = _joined_rings(parts.get((relation_id, "outer"), []))
        inner = _joined_rings(parts.get((relation_id, "inner"), [])) if role == "track" else []
        for ring in inner or rings:
            builder.add(-relation_id, role, values, ring)


def _joined_rings(pieces: list[list[tuple[int, int, int]]]) -> list[list[tuple[int, int, int]]]:
    """The closed rings that ways (node lists ``(ref, x, y)``) make end to end; pieces
    that close no ring are left out."""
    rings = []
    open_parts = [p for p in pieces if len(p) > 1]
    while open_parts:
        ring = list(open_parts.pop())
        while ring[0][0] != ring[-1][0]:
            joined = False
            for i, piece in enumerate(open_parts):
                if piece[0][0] == ring[-1][0]:
                    ring += piece[1:]
                elif piece[-1][0] == ring[-1][0]:
                    ring += piece[::-1][1:]
                else:
                    continue
                open_parts.pop(i)
                joined = True
                break
            if not joined:
                break
        if len(ring) > 3 and ring[0][0] == ring[-1][0]:
            rings.append(ring)
    return rings


def way_role(tags: dict[str, Optional[str]], closed: bool) -> Optional[str]:
    """The role of a way in the walking graph (:data:`ROLES`), or None when it has none.

    A closed ``leisure=track|pitch`` way without a ``highway`` tag is a lap ring, and so
    is a closed ``leisure=track`` also tagged as a footway or path (it is still a running
    track); a road closed to motor vehicles is a path.
    """
    highway = tags.get("highway")
    leisure = tags.get("leisure")
    if closed and leisure == "track" and highway in (None, *PATH_CLASSES):
        return "track"
    if highway is None:
        if closed and leisure in LAP_LEISURE:
            return "field"
        return None
    if highway in MOTOR_ROAD_CLASSES:
        return "path" if tags.get("motor_vehicle") == "no" else "road"
    if highway in PATH_CLASSES:
        return "path"
    return None


#: libosmium's fixed-point coordinates: 1e-7 degrees, and the value of a missing location.
COORDINATE_PRECISION = 10_000_000
UNDEFINED_COORDINATE = 2_147_483_647


class _Builder:
    """Collects ways as flat ``(ref, x, y)`` triples in libosmium's fixed-point degrees
    (:data:`UNDEFINED_COORDINATE` for a node outside the data); :meth:`finish` splits
    clipped ways into their runs of located nodes, for all ways at once."""

    def __init__(self) -> None:
        self.way_ids: list[int] = []
        self.roles: list[str] = []
        self.tags: list[list[Optional[str]]] = []
        self.counts: list[int] = []
        self.triples: list[tuple[int, int, int]] = []

    def add(self, way_id: int, role: str, tags: list[Optional[str]],
            nodes: list[tuple[int, int, int]]) -> None:
        self.way_ids.append(way_id)
        self.roles.append(role)
        self.tags.append(tags)
        self.counts.append(len(nodes))
        self.triples.extend(nodes)

    def finish(self, crossing_ids: list[int], signalled: list[bool],
               objects: int) -> Walkways:
        import pandas as pd

        stats = ReadStats(objects=objects)
        triples = np.array(self.triples, dtype=np.int64).reshape(-1, 3)
        counts = np.asarray(self.counts, dtype=np.int64)
        way = np.repeat(np.arange(len(counts)), counts)
        located = triples[:, 1] != UNDEFINED_COORDINATE
        first = np.zeros(len(way), dtype=bool)
        first[np.cumsum(counts) - counts] = True
        # A node repeated right after itself adds nothing to a way.
        repeat = np.zeros(len(way), dtype=bool)
        repeat[1:] = (triples[1:, 0] == triples[:-1, 0]) & ~first[1:]
        keep = located & ~repeat
        # A run starts at a kept node whose way starts there or whose predecessor is gone.
        gap = ~located
        starts_run = keep & (first | np.concatenate([[False], gap[:-1]]))
        run = np.cumsum(starts_run) - 1
        run_size = np.bincount(run[keep], minlength=int(starts_run.sum()))
        run_way = way[starts_run]
        whole = np.bincount(way[gap], minlength=len(counts)) == 0
        ring = np.isin(np.asarray(self.roles, dtype=object), ("track", "field"))
        # A lap ring cut by the extract's edge is no ring; a run of one node is no way.
        good_run = (run_size >= 2) & (whole | ~ring)[run_way]
        runs_per_way = np.bincount(run_way[good_run], minlength=len(counts))
        stats.dropped_ways = int((runs_per_way == 0).sum())
        stats.repaired_ways = int(((runs_per_way > 0) & ~whole).sum())
        take = keep & good_run[np.maximum(run, 0)]
        sizes = run_size[good_run]
        bounds = np.concatenate([[0], np.cumsum(sizes)])
        rows = run_way[good_run]
        tag_array = np.empty((len(self.tags), len(TAG_KEYS)), dtype=object)
        if self.tags:
            tag_array[:] = self.tags
        columns: dict[str, Any] = {
            "way_id": np.asarray(self.way_ids, dtype=np.int64)[rows],
            "role": np.asarray(self.roles, dtype=object)[rows],
            "start": bounds[:-1], "stop": bounds[1:],
            **{key: tag_array[rows, i] for i, key in enumerate(TAG_KEYS)}}
        stats.features = len(rows)
        crossings = pd.DataFrame({"node_id": np.asarray(crossing_ids, dtype=np.int64),
                                  "signalled": np.asarray(signalled, dtype=bool)})
        return Walkways(ways=pd.DataFrame(columns),
                        node_ids=triples[take, 0],
                        lon=triples[take, 1] / COORDINATE_PRECISION,
                        lat=triples[take, 2] / COORDINATE_PRECISION,
                        crossings=crossings.drop_duplicates("node_id", ignore_index=True),
                        stats=stats)


def walkways_from_osmnx(graph: "nx.MultiDiGraph") -> Walkways:
    """osmnx's unsimplified graph (``simplify=False``) → the same :class:`Walkways` as
    :func:`read_walkways`.

    osmnx keeps a way as its segments, each stored forwards (``reversed=False``) and, on
    two-way ways, backwards as well; the forward segments of one ``osmid`` are chained back
    into the way's runs of nodes. A way osmnx truncated at the query's edge gives one row per
    remaining run, as a clipped way does from an extract.
    """
    successor: dict[int, dict[int, int]] = {}
    tags_of: dict[int, dict[str, Any]] = {}
    for u, v, data in graph.edges(data=True):
        if data.get("reversed", False):
            continue
        way_id = int(data["osmid"])
        successor.setdefault(way_id, {})[u] = v
        tags_of.setdefault(way_id, data)
    builder = _Builder()
    nodes = graph.nodes
    for way_id, nexts in successor.items():
        tags = tags_of[way_id]
        values = [_tag_text(tags.get(k)) for k in TAG_KEYS]
        for chain, closed in _chains(nexts):
            role = way_role(dict(zip(TAG_KEYS, values)), closed)
            if role is not None:
                builder.add(way_id, role, values, [
                    (n, round(nodes[n]["x"] * COORDINATE_PRECISION),
                     round(nodes[n]["y"] * COORDINATE_PRECISION)) for n in chain])
    crossing_ids, signalled = [], []
    for node, data in graph.nodes(data=True):
        if ("highway", data.get("highway")) in CROSSING_NODE_TAGS:
            crossing_ids.append(int(node))
            signalled.append(data.get("crossing") in SIGNALLED_CROSSINGS
                             or data.get("highway") == "traffic_signals")
    return builder.finish(crossing_ids, signalled, len(successor))


def _tag_text(value: Any) -> Optional[str]:
    """osmnx merges nothing on an unsimplified graph, but a tag may still be a list."""
    if value is None:
        return None
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def _chains(successor: dict[int, int]) -> list[tuple[list[int], bool]]:
    """Node sequences of one way from its segments ``u → v``: ``(nodes, closed)`` per run.

    A way that revisits a node (a figure eight) is cut there rather than followed round.
    """
    heads = set(successor.values())
    starts = [u for u in successor if u not in heads] or [next(iter(successor))]
    out: list[tuple[list[int], bool]] = []
    used: set[int] = set()
    for start in starts:
        chain = [start]
        node = start
        while node in successor and node not in used:
            used.add(node)
            node = successor[node]
            chain.append(node)
        out.append((chain, len(chain) > 3 and chain[0] == chain[-1]))
    return out


def fetch_walkways(lat: float, lon: float, radius_m: float, settings: "Settings") -> Walkways:
    """The walking graph's ways within *radius_m* (half the side of a square) of a point,
    from Overpass through osmnx (answers cached by osmnx under ``settings.cache_dir``).

    Raises
    ------
    InputError
        A coordinate out of range, or a radius not in ``(0, settings.max_radius_m]``.
    SourceError
        As :func:`~venuefinder.sources.overpass.fetch_region`; also when nothing walkable
        is there.
    """
    import requests
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    _check_query(lat, lon, radius_m, settings)
    url = settings.overpass_url.rstrip("/")
    rate_limit = _status_is_readable(url)
    with osmnx_session(settings, hook=_overpass_hook(url), overpass_rate_limit=rate_limit) as ox:
        # osmnx keeps only the tags named here; the session lock is held, so setting and
        # restoring them cannot race another caller.
        saved = ox.settings.useful_tags_way, ox.settings.useful_tags_node
        ox.settings.useful_tags_way = list(TAG_KEYS)
        ox.settings.useful_tags_node = ["highway", "crossing"]
        try:
            graph = ox.graph_from_point((lat, lon), dist=radius_m, dist_type="bbox",
                                        custom_filter=list(OVERPASS_FILTERS), simplify=False,
                                        retain_all=True, truncate_by_edge=True)
        except (InsufficientResponseError, ValueError) as exc:
            raise SourceError(f"Overpass at {url} found no walkable way within "
                              f"{radius_m:g} m of {lat},{lon}") from exc
        except ResponseStatusCodeError as exc:
            raise SourceError(f"Overpass at {url} answered an HTTP error") from exc
        except requests.RequestException as exc:
            raise SourceError(describe_request_error(
                "Overpass", url, exc, settings.http_timeout_s)) from exc
        finally:
            ox.settings.useful_tags_way, ox.settings.useful_tags_node = saved
    walkways = walkways_from_osmnx(graph)
    if walkways.ways.empty:
        raise SourceError(f"Overpass at {url} found no walkable way within {radius_m:g} m "
                          f"of {lat},{lon}")
    return walkways
