"""Where a venue is, and where a group should meet at it.

A suggested meeting point is the first of, with its reason:

1. **an entrance**: a node tagged ``entrance=*`` within :data:`ENTRANCE_REACH_M` of the
   venue's edge (``main`` first, then the nearest; ``no``, ``exit``, ``emergency`` and
   ``service`` entrances are not for people arriving);
2. **a gate**: a ``barrier`` of :data:`GATE_BARRIERS` within :data:`GATE_REACH_M` of the
   edge, i.e. in the fence that rings the venue (the nearest);
3. **the venue's edge nearest a footpath**: the point of the edge (for a track drawn as a
   line, of the line) closest to a way of
   :data:`~venuefinder.vocabulary.RUNNABLE_PATH_CLASSES` within :data:`FOOTPATH_REACH_M`
   (where people on foot arrive);
4. else the middle of the venue (a point inside it).

Everything is measured in the metric CRS of the inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Optional

import numpy as np

from ..errors import InputError
from ..vocabulary import RUNNABLE_PATH_CLASSES

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from shapely.geometry.base import BaseGeometry

#: Entrance nodes this close to the venue's edge (metres) belong to it.
ENTRANCE_REACH_M = 10.0
#: Gates this close to the edge (metres) are in its fence (fences are mapped on the edge,
#: give or take a mapper's few metres).
GATE_REACH_M = 5.0
#: Footpaths this close (metres) lead to the venue.
FOOTPATH_REACH_M = 250.0
#: The farthest a meeting point chosen on the map may be from the venue (metres): past it
#: the group would meet somewhere else and walk there, which is another plan.
MEETING_MAX_M = 500.0
#: ``barrier=*`` values one walks through.
GATE_BARRIERS = frozenset({"gate", "kissing_gate", "swing_gate", "entrance"})
#: ``entrance=*`` values not for people arriving.
CLOSED_ENTRANCES = frozenset({"no", "exit", "emergency", "service"})


@dataclass(frozen=True)
class MeetingPoint:
    """A suggested meeting point.

    Attributes
    ----------
    lat, lon
        WGS84 degrees.
    x, y
        The same point in the inputs' metric CRS.
    kind
        ``entrance``, ``gate``, ``footpath`` or ``venue``.
    reason
        Why here, for the page.
    """

    lat: float
    lon: float
    x: float
    y: float
    kind: str
    reason: str


def venue_point(geometry: Mapping[str, Any]) -> tuple[float, float]:
    """``(lat, lon)`` of a point on a venue from its GeoJSON geometry (WGS84): the
    representative point, which lies on it whatever its shape.

    Raises
    ------
    InputError
        Not a GeoJSON geometry, or an empty one.
    """
    import shapely.geometry
    from shapely.errors import ShapelyError

    try:
        shape = shapely.geometry.shape(geometry)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError, ShapelyError):
        raise InputError("the venue has no usable geometry") from None
    if shape.is_empty:
        raise InputError("the venue has no usable geometry")
    point = shape.representative_point()
    # 7 decimals: about 1 cm, and no float noise in pages and calendars.
    return round(float(point.y), 7), round(float(point.x), 7)


def distance_to_venue(geometry: Mapping[str, Any], lat: float, lon: float) -> float:
    """Metres from a WGS84 point to a venue's GeoJSON geometry (0 inside it), in an
    azimuthal equidistant projection centred on the point (exact distances from it).

    Raises
    ------
    InputError
        Coordinates out of range, or no usable geometry.
    """
    import shapely
    import shapely.geometry
    from pyproj import Transformer

    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise InputError(f"({lat}, {lon}) is not a WGS84 point")
    venue_point(geometry)  # validates the geometry
    to_local = Transformer.from_crs(
        "EPSG:4326", f"+proj=aeqd +lat_0={lat} +lon_0={lon} +datum=WGS84 +units=m",
        always_xy=True)
    local = shapely.transform(shapely.geometry.shape(geometry),
                              lambda xy: np.column_stack(to_local.transform(xy[:, 0],
                                                                            xy[:, 1])))
    return float(shapely.distance(shapely.Point(0.0, 0.0), local))


def suggest_meeting_point(venue: "BaseGeometry",
                          features: "gpd.GeoDataFrame") -> MeetingPoint:
    """Where to meet at *venue* (see the module docstring for the order).

    Parameters
    ----------
    venue
        The venue's geometry in *features*' metric CRS.
    features
        OSM features around it (nodes and ways), in a projected metric CRS, with any of the
        columns ``entrance``, ``barrier``, ``highway`` (missing ones count as untagged) and
        optionally ``name``.

    Raises
    ------
    InputError
        *features* has no projected CRS, or *venue* is empty.
    """
    import shapely

    crs = features.crs
    if crs is None or not crs.is_projected:
        raise InputError("meeting points are found in a projected metric CRS")
    if venue is None or venue.is_empty:
        raise InputError("the venue has no geometry")
    edge = venue.boundary if shapely.get_type_id(venue) in (3, 6) else venue

    geoms = np.asarray(features.geometry.to_numpy(), dtype=object)
    near = shapely.STRtree(geoms).query(edge, predicate="dwithin", distance=FOOTPATH_REACH_M)
    near = np.sort(near)  # feature order breaks ties
    g = geoms[near]
    distance = shapely.distance(g, edge)
    tags = _tags(features, near)
    entrance, barrier, highway, name = (tags[c].to_numpy() for c in tags.columns)

    entrances = np.flatnonzero((shapely.get_type_id(g) == 0) & tags["entrance"].notna()
                               & ~tags["entrance"].isin(CLOSED_ENTRANCES)
                               & (distance <= ENTRANCE_REACH_M))
    if entrances.size:
        i = entrances[np.lexsort((distance[entrances], entrance[entrances] != "main"))[0]]
        return _point(g[i], crs, "entrance", f"The entrance{_named(name[i])} at the "
                      f"venue's edge (entrance={entrance[i]})")

    gates = np.flatnonzero(tags["barrier"].isin(GATE_BARRIERS) & (distance <= GATE_REACH_M))
    if gates.size:
        i = gates[np.argmin(distance[gates])]
        return _point(shapely.point_on_surface(g[i]), crs, "gate",
                      f"The gate{_named(name[i])} in the venue's fence (barrier={barrier[i]})")

    paths = np.flatnonzero(tags["highway"].isin(RUNNABLE_PATH_CLASSES)
                           & np.isin(shapely.get_type_id(g), (1, 5)))
    if paths.size:
        i = paths[np.argmin(distance[paths])]
        on_edge = shapely.get_point(shapely.shortest_line(edge, g[i]), 0)
        where = ("where a footpath meets the venue's edge" if distance[i] < 1.0 else
                 f"the venue's edge nearest a footpath ({distance[i]:,.0f} m away)")
        return _point(on_edge, crs, "footpath",
                      f"{where[0].upper()}{where[1:]} (highway={highway[i]}{_named(name[i])})")

    return _point(venue.representative_point(), crs, "venue",
                  f"No entrance, gate or footpath mapped within {FOOTPATH_REACH_M:.0f} m: "
                  "the middle of the venue")


def _tags(features: "gpd.GeoDataFrame", rows: np.ndarray) -> "pd.DataFrame":
    """The tags the choice reads, of *rows*; missing columns and values are None."""
    import pandas as pd

    columns = ("entrance", "barrier", "highway", "name")
    tags = pd.DataFrame({c: features[c].to_numpy(dtype=object)[rows] if c in features
                         else np.full(rows.size, None, dtype=object) for c in columns})
    return tags.astype(object).where(tags.notna(), None)


def _named(name: Optional[str]) -> str:
    return f" “{name}”" if name else ""


def _point(point: "BaseGeometry", crs: Any, kind: str, reason: str) -> MeetingPoint:
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(point.x,
                                                                                point.y)
    return MeetingPoint(float(lat), float(lon), float(point.x), float(point.y), kind, reason)
