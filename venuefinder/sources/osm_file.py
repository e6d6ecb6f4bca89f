"""Read a local OSM extract (.osm.pbf, .osm, .osm.gz, .osm.bz2) with pyosmium.

Why pyosmium: libosmium assembles multipolygons in C++ and copes with clipped extracts
(an incomplete relation simply yields no area), and its tag filters keep all but the few
objects we need out of Python. Measured on the embedded Helsinki extract: a full pass with
area assembly takes 0.06 s, where ``osmnx.features_from_xml`` crashes on the same file.

Clipping is handled, and counted, like this:

* a multipolygon relation with a missing member cannot be assembled: dropped and counted;
* a way with some nodes outside the extract keeps the runs of consecutive nodes it has
  ("trimmed", counted); one with fewer than two located nodes is dropped and counted.
"""

from __future__ import annotations

import gc
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Optional, TypeVar

from ..errors import SourceError
from ..parallel import Forked, spare_core
from ..vocabulary import (AREA_KEYS, CROSSING_PATHS, ENCLOSING_BARRIERS, GATE_BARRIERS,
                          LINE_WAY_KEYS, MAP_WAY_KEYS, MEETING_NODE_TAGS, MOTOR_ROAD_CLASSES,
                          OBSTACLE_NODE_KEYS, OBSTACLE_TAGS, PLACE_NODE_KEYS, RELATION_KEYS)
from ..vocabulary.heights import ELE, HEIGHT_TAG_PAIRS, height_of
from . import TAG_KEYS, OsmData, ReadStats, features_frame

if TYPE_CHECKING:
    import geopandas as gpd

log = logging.getLogger(__name__)
T = TypeVar("T")

SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", ".xml", ".xml.gz", ".xml.bz2")


def check_extract_path(path: Path) -> None:
    """Raise :class:`SourceError` unless *path* names a readable, non-empty OSM file."""
    if not path.exists():
        raise SourceError(f"source not found: {path}")
    if not path.is_file():
        raise SourceError(f"source is not a file: {path}")
    if not path.name.lower().endswith(SUFFIXES):
        raise SourceError(
            f"source {path.name!r} is not an OSM extract (expected one of {', '.join(SUFFIXES)})")
    if path.stat().st_size == 0:
        raise SourceError(f"source is empty: {path}")


#: Files at least this big are read by two processes at once (see :func:`read_extract`);
#: below it, starting a process costs more than it saves.
PARALLEL_MIN_BYTES = 8_000_000


def read_extract(path: Path, progress: Optional[Callable[[int], None]] = None,
                 for_map: bool = True, parallel: Optional[bool] = None) -> OsmData:
    """Read the features venuefinder needs from an OSM extract.

    The file is read in two parts: the ways read as lines (roads, paths, fences), and the
    rest (nodes, areas, relations). For a big file they are read at once, the lines in a
    second process on another core; the result is the same either way.

    Parameters
    ----------
    path
        The extract. Format is chosen by suffix (libosmium's detection).
    progress
        Called now and then with the number of objects handled since the last call.
    for_map
        Also read what only the map uses: named stations and places, every path, water and
        rails. ``ingest`` leaves it off and reads what scoring needs: venues, motor roads,
        the paths, fences, tree rows, points and areas that may stand in a venue, the
        stadiums that enclose one, and the entrances and gates where a group meets.
    parallel
        Read the two parts in two processes; None: when the file has at least
        :data:`PARALLEL_MIN_BYTES` and the machine more than one core.

    Returns
    -------
    OsmData
        Features in WGS84 (see :mod:`venuefinder.sources`) and clipping statistics.

    Raises
    ------
    SourceError
        Missing, empty, corrupt or not an OSM file, or one with no usable objects.
    """
    import pandas as pd

    check_extract_path(path)
    if parallel is None:
        parallel = path.stat().st_size >= PARALLEL_MIN_BYTES and spare_core()
    if parallel:
        with Forked(_read_part, path, "lines", for_map) as lines_job:
            rest = _read_part(path, "rest", for_map, progress)
            lines = lines_job.result()
    else:
        lines = _read_part(path, "lines", for_map, progress)
        rest = _read_part(path, "rest", for_map, progress)
    if progress is not None and parallel:
        progress(lines.seen)

    stats = ReadStats()
    stats.objects = lines.seen + rest.seen
    if stats.objects == 0:
        raise SourceError(f"{path.name} holds no OSM objects")
    stats.dropped_ways = lines.dropped_ways + rest.dropped_ways
    stats.repaired_ways = lines.repaired_ways + rest.repaired_ways
    stats.dropped_relations = rest.dropped_relations
    features = pd.concat([rest.features, lines.features], ignore_index=True)
    stats.features = len(features)
    log.info("%s: %s", path.name, stats.summary())
    return OsmData(features=features, stats=stats)


@dataclass
class _Part:
    """What one part of the file gave: its features and counts."""

    features: "gpd.GeoDataFrame"
    seen: int = 0
    dropped_ways: int = 0
    repaired_ways: int = 0
    dropped_relations: int = 0


def _read_part(path: Path, part: str, for_map: bool,
               progress: Optional[Callable[[int], None]] = None) -> _Part:
    """Read one part of the extract: ``lines`` (ways read as lines) or ``rest`` (nodes,
    areas and relations)."""
    import osmium
    from osmium.filter import EntityFilter, KeyFilter

    wkb = osmium.geom.WKBFactory()
    stats = ReadStats()
    ids: list[str] = []
    geoms: list[object] = []
    tag_rows: list[dict[str, str]] = []
    candidate_relations: set[int] = set()
    assembled_relations: set[int] = set()

    def keep(osm_id: str, geom: object, tags: "osmium.osm.TagList",
             keys: Optional[tuple[str, ...]] = None) -> None:
        ids.append(osm_id)
        geoms.append(geom)
        if keys is None:
            keys = _way_tags(tags)
        # Asking for the few keys we keep is cheaper than iterating every tag in Python
        # (real objects carry many we do not read: species, addresses, names in 20 languages).
        get = tags.get
        tag_rows.append({k: v for k in keys if (v := get(k)) is not None})

    if part == "lines":
        # Nodes are read for the ways' locations only; no relation is needed.
        processor = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY)
                     .with_locations()
                     .with_filter(EntityFilter(osmium.osm.WAY))
                     .with_filter(_way_filter(for_map)))
    else:
        processor = (
            osmium.FileProcessor(str(path))
            .with_areas(KeyFilter(*RELATION_KEYS))
            .with_filter(EntityFilter(osmium.osm.NODE | osmium.osm.AREA
                                      | osmium.osm.RELATION))
            .with_filter(KeyFilter(*AREA_KEYS).enable_for(osmium.osm.AREA))
            .with_filter(KeyFilter(*RELATION_KEYS).enable_for(osmium.osm.RELATION))
            .with_filter(_node_filter(for_map).enable_for(osmium.osm.NODE))
        )
    seen = 0
    try:
        for obj in _without_cycle_collection(processor):
            seen += 1
            if progress is not None and seen % 20_000 == 0:
                progress(20_000)
            if obj.is_area():
                tags = obj.tags
                if "highway" in tags and tags.get("area") != "yes":
                    continue  # a closed road (roundabout) is a line, handled as a way
                if obj.from_way():
                    osm_id = f"way/{obj.orig_id()}"
                else:
                    osm_id = f"relation/{obj.orig_id()}"
                    assembled_relations.add(obj.orig_id())
                try:
                    keep(osm_id, wkb.create_multipolygon(obj), tags)
                except RuntimeError:
                    stats.dropped_ways += obj.from_way()
            elif obj.is_way():
                tags = obj.tags
                if not _is_line_feature(obj, tags):
                    continue
                geom = _way_geometry(obj, wkb, stats)
                if geom is not None:
                    keep(f"way/{obj.id}", _with_height(geom, tags), tags)
            elif obj.is_node():
                location = obj.location
                if not location.valid():
                    continue
                point = _point(location, obj.tags)
                if for_map:
                    if _is_point_feature(obj.tags, for_map):
                        keep(f"node/{obj.id}", point, obj.tags, _NODE_TAGS)
                else:  # the tag filter let only obstacles, meeting points and heights through
                    ids.append(f"node/{obj.id}")
                    geoms.append(point)
                    tag_rows.append(_node_tag(obj.tags))
            elif obj.is_relation():
                if obj.tags.get("type") in ("multipolygon", "boundary"):
                    candidate_relations.add(obj.id)
    except (RuntimeError, ValueError) as exc:  # libosmium's parse errors
        raise SourceError(f"cannot read {path.name}: {_first_line(exc)}") from None
    if progress is not None:
        progress(seen % 20_000)
    features = features_frame(ids, geoms, tag_rows)
    return _Part(features, seen, stats.dropped_ways, stats.repaired_ways,
                 len(candidate_relations - assembled_relations))


def _without_cycle_collection(objects: Iterable[T]) -> Iterator[T]:
    """*objects*, with the cyclic garbage collector paused while they are handed out.

    Why: a read builds hundreds of thousands of small dicts and tuples and no reference
    cycles, and the collector would only rescan them again and again (about 7 % of it)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield from objects
    finally:
        if collecting:
            gc.enable()


def _way_filter(for_map: bool) -> object:
    """Ways read as lines: for the map every road, path, fence and waterway; for scoring
    alone only motor roads, tracks, the paths that may cross a venue or lead to it, fences,
    walls and gates, and lines that may be an obstacle (a tree row) — not the rest of a
    city."""
    from osmium.filter import KeyFilter, TagFilter

    if for_map:
        return KeyFilter(*LINE_WAY_KEYS, *MAP_WAY_KEYS, *AREA_KEYS, "contour")
    wanted = {("leisure", "track"), *(("highway", c) for c in MOTOR_ROAD_CLASSES),
              *(("highway", c) for c in CROSSING_PATHS), *HEIGHT_TAG_PAIRS,
              *(("barrier", b) for b in ENCLOSING_BARRIERS | GATE_BARRIERS)}
    wanted |= {(k, v) for (k, v) in OBSTACLE_TAGS if v is not None}
    # Areas (buildings, water, playgrounds) are assembled apart from this filter.
    return TagFilter(*sorted(wanted))


def _node_filter(for_map: bool) -> object:
    """Nodes to read: for the map also named places and entrances (a key filter); for
    scoring alone only the exact obstacle and meeting-point tags (a tag filter: most of a
    city's tagged nodes, shops, crossings and building entrances, never reach Python)."""
    from osmium.filter import KeyFilter, TagFilter

    if for_map:
        return KeyFilter(*PLACE_NODE_KEYS, *OBSTACLE_NODE_KEYS, ELE)
    return TagFilter(*sorted({(k, v) for (k, v) in OBSTACLE_TAGS if v is not None}
                             | set(MEETING_NODE_TAGS) | set(HEIGHT_TAG_PAIRS)))


#: Tags read of a path (it only crosses venues, leads to one, or is drawn), of a road (its
#: traffic), and of a fence, a tree row or a building that is no venue (an obstacle): most
#: ways of a city are one of these, and each key asked of each costs.
_PATH_TAGS: tuple[str, ...] = ("name", "highway", "access", "foot", "surface", "lit")
_ROAD_TAGS: tuple[str, ...] = ("name", "highway", "maxspeed", "motor_vehicle", "access",
                               "area", "surface", "lit")
_OBSTACLE_TAGS: tuple[str, ...] = tuple(k for k in TAG_KEYS if k in {
    "name", "area", *(key for key, _ in OBSTACLE_TAGS)})


def _way_tags(tags: object) -> tuple[str, ...]:
    """The keys worth asking a way or area for: all of them for venues (a running track
    mapped as a footway too is a venue first)."""
    if "leisure" in tags or "landuse" in tags:
        return TAG_KEYS
    highway = tags.get("highway")
    if highway in CROSSING_PATHS:
        return _PATH_TAGS
    if highway is not None:
        return _ROAD_TAGS
    return _OBSTACLE_TAGS


def _node_tag(tags: object) -> dict[str, str]:
    """The one tag that makes a node an obstacle (the vocabulary's first match), asking
    for as few keys as possible: a city has a hundred thousand such nodes. Else the tag
    that makes it a meeting point, with its name (the reason says it)."""
    for key, values in _OBSTACLE_NODE_VALUES.items():
        value = tags.get(key)
        if value is not None and (values is None or value in values):
            return {key: value}
    for key, value in MEETING_NODE_TAGS:
        if tags.get(key) == value:
            name = tags.get("name")
            return {key: value} if name is None else {key: value, "name": name}
    return {}


#: Tags a point feature can carry that anything reads.
_NODE_TAGS: tuple[str, ...] = tuple(k for k in TAG_KEYS if k in {
    "name", *PLACE_NODE_KEYS, *OBSTACLE_NODE_KEYS})

#: Node tags read as points: obstacles, and where a group may meet (entrances, gates).
_OBSTACLE_NODE_VALUES: dict[str, "frozenset[str] | None"] = {}
for (_key, _value), _ in OBSTACLE_TAGS.items():
    if _value is None:
        _OBSTACLE_NODE_VALUES[_key] = None
    elif _OBSTACLE_NODE_VALUES.get(_key, frozenset()) is not None:
        _OBSTACLE_NODE_VALUES[_key] = _OBSTACLE_NODE_VALUES.get(_key, frozenset()) | {_value}


def _is_point_feature(tags: object, for_map: bool) -> bool:
    """Nodes kept: named places and stations (map), obstacles, entrances and gates, and
    heights of the ground."""
    if for_map and "name" in tags and any(k in tags for k in PLACE_NODE_KEYS):
        return True
    if height_of(tags) is not None:
        return True
    if "entrance" in tags:
        return True
    for key, values in _OBSTACLE_NODE_VALUES.items():
        value = tags.get(key)
        if value is not None and (values is None or value in values):
            return True
    return any(tags.get(k) == v for k, v in MEETING_NODE_TAGS)


def _is_line_feature(way: object, tags: object) -> bool:
    """Ways read as lines: roads and paths, waterways, rails, fences and walls, tree rows,
    contour lines, and tracks drawn as lines.

    A closed way tagged ``area=yes`` is read as an area only; a closed leisure way is read as
    an area, except a closed ``leisure=track`` with ``area=no`` (an oval drawn as its line).
    A fence is a line even when closed (it rings what it fences), unless it is also an area.
    """
    if tags.get("area") == "yes" and way.is_closed():
        return False  # a pedestrian square or the like: read once, as an area
    if "highway" in tags or "railway" in tags or height_of(tags) is not None:
        return True
    if "barrier" in tags or tags.get("natural") == "tree_row":
        # A closed fence that is also an area (a fenced playground) is read once, as the
        # area; its ring is the fence (venues.select_barriers).
        return not (way.is_closed() and any(k in tags for k in AREA_KEYS))
    if "waterway" in tags:
        return tags.get("waterway") not in ("riverbank", "dock", "boatyard")
    if tags.get("leisure") == "track":
        return not way.is_closed() or tags.get("area") == "no"
    return False


def _way_geometry(way: object, wkb: object, stats: ReadStats) -> Optional[object]:
    """WKB of a way; for a clipped way, the runs of nodes it has, or None when too few."""
    import osmium

    try:
        line = wkb.create_linestring(way)
        # libosmium quietly skips missing nodes at a way's ends: fewer points than nodes
        # means clipped (or repeated nodes, which the check below tells apart).
        if int.from_bytes(bytes.fromhex(line[10:18]), "little") == len(way.nodes) or all(
                node.location.valid() for node in way.nodes):
            return line
    except (RuntimeError, osmium.InvalidLocationError):
        pass  # missing locations (clipped) or a degenerate way: repair below
    import shapely

    runs: list[list[tuple[float, float]]] = [[]]
    for node in way.nodes:
        loc = node.location
        if loc.valid():
            point = (loc.lon, loc.lat)
            if not runs[-1] or runs[-1][-1] != point:
                runs[-1].append(point)
        elif runs[-1]:
            runs.append([])
    parts = [run for run in runs if len(run) >= 2]
    if not parts:
        stats.dropped_ways += 1
        return None
    stats.repaired_ways += 1
    if len(parts) == 1:
        return shapely.LineString(parts[0])
    return shapely.MultiLineString(parts)


def _point(location: object, tags: object) -> object:
    """A node's point: ``(lon, lat)``, or a 3-D point when its tags give a height of the
    ground (its ``z``, :mod:`venuefinder.vocabulary.heights`)."""
    z = height_of(tags)
    if z is None:
        return (location.lon, location.lat)
    import shapely

    return shapely.Point(location.lon, location.lat, z)


def _with_height(geom: object, tags: object) -> object:
    """A way's geometry (hex WKB or shapely), 3-D when its tags give a height (a contour)."""
    z = height_of(tags)
    if z is None:
        return geom
    import shapely

    line = shapely.from_wkb(bytes.fromhex(geom)) if isinstance(geom, str) else geom
    return shapely.force_3d(line, z)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
