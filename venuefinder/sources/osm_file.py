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

import logging
from pathlib import Path
from typing import Callable, Optional

from ..errors import SourceError
from . import TAG_KEYS, OsmData, ReadStats, features_frame

log = logging.getLogger(__name__)

SUFFIXES = (".osm.pbf", ".pbf", ".osm", ".osm.gz", ".osm.bz2", ".xml", ".xml.gz", ".xml.bz2")

#: Keys that make an object worth reading, per OSM object type: what scoring needs, and
#: what the map adds (place names, basemap).
NODE_KEYS = ("place", "railway", "public_transport")
WAY_KEYS = ("highway", "leisure")
AREA_KEYS = ("leisure", "landuse", "highway")
RELATION_KEYS = ("leisure", "landuse")
MAP_WAY_KEYS = ("waterway", "railway")
MAP_AREA_KEYS = ("building", "natural", "waterway")

_TAG_SET = frozenset(TAG_KEYS)


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


def read_extract(path: Path, progress: Optional[Callable[[int], None]] = None,
                 for_map: bool = True) -> OsmData:
    """Read the features venuefinder needs from an OSM extract.

    Parameters
    ----------
    path
        The extract. Format is chosen by suffix (libosmium's detection).
    progress
        Called now and then with the number of objects handled since the last call.
    for_map
        Also read what only the map uses: named stations and places, buildings, water.
        ``ingest`` leaves it off and reads only venues and roads.

    Returns
    -------
    OsmData
        Features in WGS84 (see :mod:`venuefinder.sources`) and clipping statistics.

    Raises
    ------
    SourceError
        Missing, empty, corrupt or not an OSM file, or one with no usable objects.
    """
    import osmium
    from osmium.filter import KeyFilter

    check_extract_path(path)
    wkb = osmium.geom.WKBFactory()
    stats = ReadStats()
    ids: list[str] = []
    geoms: list[object] = []
    tag_rows: list[dict[str, str]] = []
    candidate_relations: set[int] = set()
    assembled_relations: set[int] = set()

    def keep(osm_id: str, geom: object, tags: "osmium.osm.TagList") -> None:
        ids.append(osm_id)
        geoms.append(geom)
        tag_rows.append({t.k: t.v for t in tags if t.k in _TAG_SET})

    map_area_keys = MAP_AREA_KEYS if for_map else ()
    relation_keys = RELATION_KEYS + map_area_keys
    processor = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_areas(KeyFilter(*relation_keys))
        .with_filter(_way_filter(for_map).enable_for(osmium.osm.WAY))
        .with_filter(KeyFilter(*AREA_KEYS, *map_area_keys).enable_for(osmium.osm.AREA))
        .with_filter(KeyFilter(*relation_keys).enable_for(osmium.osm.RELATION))
    )
    if for_map:
        processor.with_filter(KeyFilter(*NODE_KEYS).enable_for(osmium.osm.NODE))
    else:
        processor.with_filter(osmium.filter.EntityFilter(~osmium.osm.NODE))
    seen = 0
    try:
        for obj in processor:
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
                    keep(f"way/{obj.id}", geom, tags)
            elif obj.is_node():
                if "name" in obj.tags and obj.location.valid():
                    keep(f"node/{obj.id}", wkb.create_point(obj), obj.tags)
            elif obj.is_relation():
                if obj.tags.get("type") in ("multipolygon", "boundary"):
                    candidate_relations.add(obj.id)
    except (RuntimeError, ValueError) as exc:  # libosmium's parse errors
        raise SourceError(f"cannot read {path.name}: {_first_line(exc)}") from None
    if progress is not None:
        progress(seen % 20_000)

    stats.objects = seen
    stats.dropped_relations = len(candidate_relations - assembled_relations)
    if seen == 0:
        raise SourceError(f"{path.name} holds no OSM objects")
    features = features_frame(ids, geoms, tag_rows)
    stats.features = len(features)
    log.info("%s: %s", path.name, stats.summary())
    return OsmData(features=features, stats=stats)


def _way_filter(for_map: bool) -> object:
    """Ways to read: all roads, paths and water for the map; for scoring alone only roads
    with motor traffic and tracks (footways are most ways of a city and score nothing)."""
    from osmium.filter import KeyFilter, TagFilter

    from ..venues import MOTOR_ROAD_CLASSES

    if for_map:
        return KeyFilter(*WAY_KEYS, *MAP_WAY_KEYS)
    return TagFilter(("leisure", "track"), *(("highway", c) for c in MOTOR_ROAD_CLASSES))


def _is_line_feature(way: object, tags: object) -> bool:
    """Ways read as lines: roads and paths, waterways, rails, and tracks drawn as lines.

    A closed way tagged ``area=yes`` is read as an area only; a closed leisure way is read as
    an area, except a closed ``leisure=track`` with ``area=no`` (an oval drawn as its line).
    """
    if tags.get("area") == "yes" and way.is_closed():
        return False  # a pedestrian square or the like: read once, as an area
    if "highway" in tags or "railway" in tags:
        return True
    if "waterway" in tags:
        return tags.get("waterway") not in ("riverbank", "dock", "boatyard")
    if tags.get("leisure") == "track":
        return not way.is_closed() or tags.get("area") == "no"
    return False


def _way_geometry(way: object, wkb: object, stats: ReadStats) -> Optional[object]:
    """WKB of a way; for a clipped way, the runs of nodes it has, or None when too few."""
    import osmium

    try:
        return wkb.create_linestring(way)
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


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
