"""Where a venue is, and where a group should meet at it.

A suggested meeting point is the first of, with its reason:

1. **an entrance**: a node tagged ``entrance=*`` of
   :data:`~venuefinder.vocabulary.MEETING_ENTRANCES` within :data:`ENTRANCE_REACH_M` of the
   venue's edge (``main`` first, then the nearest);
2. **a gate**: a ``barrier`` of :data:`~venuefinder.vocabulary.GATE_BARRIERS` within
   :data:`GATE_REACH_M` of the
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

from .errors import InputError
from .vocabulary import GATE_BARRIERS, MEETING_ENTRANCES, RUNNABLE_PATH_CLASSES
from .vocabulary.labels import ENTRANCE_WORDS, GATE_WORDS, highway_word, with_article

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
#: Columns of :func:`suggest_meeting_points`' frame, and of the scored venue frame
#: (prefixed ``meeting_``).
MEETING_COLUMNS = ("lat", "lon", "kind", "reason")


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
    """Where to meet at one *venue* (see the module docstring for the order).

    Parameters
    ----------
    venue
        The venue's geometry in *features*' metric CRS.
    features
        OSM features around it, as for :func:`suggest_meeting_points`.

    Raises
    ------
    InputError
        *features* has no projected CRS, or *venue* is empty.
    """
    if venue is None or venue.is_empty:
        raise InputError("the venue has no geometry")
    row = suggest_meeting_points(np.array([venue], dtype=object), features).iloc[0]
    return MeetingPoint(float(row["lat"]), float(row["lon"]), float(row["x"]),
                        float(row["y"]), str(row["kind"]), str(row["reason"]))


def suggest_meeting_points(venues: "np.ndarray",
                           features: "gpd.GeoDataFrame") -> "pd.DataFrame":
    """Where to meet at each of *venues* (see the module docstring for the order), in a few
    vectorised queries whatever the number of venues.

    Parameters
    ----------
    venues
        Venue geometries in *features*' metric CRS (an array or GeoSeries).
    features
        OSM features around them (nodes and ways), in a projected metric CRS, with any of
        the columns ``entrance``, ``barrier``, ``highway`` (missing ones count as untagged)
        and optionally ``name``.

    Returns
    -------
    pandas.DataFrame
        One row per venue, in order: ``lat``, ``lon`` (WGS84), ``x``, ``y`` (metric),
        ``kind`` (``entrance``, ``gate``, ``footpath`` or ``venue``) and ``reason``.

    Raises
    ------
    InputError
        *features* has no projected CRS.
    """
    import pandas as pd
    import shapely
    from pyproj import Transformer

    crs = features.crs
    if crs is None or not crs.is_projected:
        raise InputError("meeting points are found in a projected metric CRS")
    geoms = np.asarray(venues, dtype=object)
    n = len(geoms)
    polygons = np.isin(shapely.get_type_id(geoms), (3, 6))
    edges = geoms.copy()
    edges[polygons] = shapely.boundary(geoms[polygons])

    near = np.asarray(features.geometry.to_numpy(), dtype=object)
    tags = _tags(features)
    is_point = shapely.get_type_id(near) == 0
    entrance, barrier, highway, name = (tags[c] for c in tags.columns)

    point = np.empty(n, dtype=object)
    kind = np.full(n, "venue", dtype=object)
    reason = np.empty(n, dtype=object)
    open_ = np.ones(n, dtype=bool)

    # 1. entrances: "main" first, then the nearest (feature order breaks ties)
    rows = np.flatnonzero(is_point & entrance.isin(MEETING_ENTRANCES).to_numpy())
    venue_of, feature, distance = _within(edges, near, rows, ENTRANCE_REACH_M)
    best = _first_per_venue(venue_of, feature, distance,
                            entrance.to_numpy(dtype=object)[feature] != "main")
    for v, f in best:
        if open_[v]:
            point[v], kind[v], open_[v] = near[f], "entrance", False
            reason[v] = (f"The {ENTRANCE_WORDS[entrance.iat[f]]}{_named(name.iat[f])} at the "
                         "venue's edge")

    # 2. gates in the fence: the nearest
    rows = np.flatnonzero(barrier.isin(GATE_BARRIERS).to_numpy())
    venue_of, feature, distance = _within(edges, near, rows, GATE_REACH_M)
    for v, f in _first_per_venue(venue_of, feature, distance):
        if open_[v]:
            point[v], kind[v], open_[v] = shapely.point_on_surface(near[f]), "gate", False
            reason[v] = (f"The {GATE_WORDS[barrier.iat[f]]}{_named(name.iat[f])} in the "
                         "venue's fence")

    # 3. the edge nearest a footpath
    rows = np.flatnonzero(highway.isin(RUNNABLE_PATH_CLASSES).to_numpy()
                          & np.isin(shapely.get_type_id(near), (1, 5)))
    # Asked for the venues still open only: the nearest-path query is the dearest here.
    still_open = np.flatnonzero(open_)
    best = _nearest_per_venue(edges[still_open], near, rows, FOOTPATH_REACH_M)
    if best.size:
        best[:, 0] = still_open[best[:, 0]]
        on_edge = shapely.get_point(shapely.shortest_line(edges[best[:, 0]],
                                                          near[best[:, 1]]), 0)
        gap = shapely.distance(edges[best[:, 0]], near[best[:, 1]])
        for (v, f), at, d in zip(best, on_edge, gap):
            point[v], kind[v], open_[v] = at, "footpath", False
            path = f"{with_article(highway_word(highway.iat[f]))}{_named(name.iat[f])}"
            reason[v] = (f"Where {path} meets the venue's edge" if d < 1.0 else
                         f"The venue's edge nearest {path} ({d:,.0f} m away)")

    # 4. the middle of the venue
    rest = np.flatnonzero(open_)
    point[rest] = shapely.point_on_surface(geoms[rest])
    reason[rest] = (f"No entrance, gate or footpath mapped within {FOOTPATH_REACH_M:.0f} m: "
                    "the middle of the venue")

    x, y = shapely.get_x(point), shapely.get_y(point)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(x, y)
    return pd.DataFrame({"lat": np.round(lat, 7), "lon": np.round(lon, 7), "x": x, "y": y,
                         "kind": kind, "reason": reason})


def _within(edges: "np.ndarray", geoms: "np.ndarray", rows: "np.ndarray", reach_m: float
            ) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """Pairs (venue, feature row of *rows*) within *reach_m* of the venue's edge, with the
    distance."""
    import shapely

    if rows.size == 0 or edges.size == 0:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty, np.zeros(0)
    venue_of, hit = shapely.STRtree(geoms[rows]).query(edges, predicate="dwithin",
                                                       distance=reach_m)
    feature = rows[hit]
    return venue_of, feature, shapely.distance(geoms[feature], edges[venue_of])


def _nearest_per_venue(edges: "np.ndarray", geoms: "np.ndarray", rows: "np.ndarray",
                       reach_m: float) -> "np.ndarray":
    """``(venue, feature)`` rows: per venue, the nearest feature of *rows* within *reach_m*
    of its edge (the first of equally near ones); venues with none are left out."""
    import shapely

    if rows.size == 0 or edges.size == 0:
        return np.zeros((0, 2), dtype=np.intp)
    # Only the nearest: a city's venues have thousands of path segments within reach.
    (venue_of, hit), distance = shapely.STRtree(geoms[rows]).query_nearest(
        edges, max_distance=reach_m, return_distance=True, all_matches=True)
    return _first_per_venue(venue_of, rows[hit], distance)


def _first_per_venue(venue_of: "np.ndarray", feature: "np.ndarray", distance: "np.ndarray",
                     *before: "np.ndarray") -> "np.ndarray":
    """``(venue, feature)`` rows: per venue, the pair first by *before* keys, then the
    nearest, then the first feature."""
    if venue_of.size == 0:
        return np.zeros((0, 2), dtype=np.intp)
    order = np.lexsort((feature, distance, *before[::-1], venue_of))
    venues, first = np.unique(venue_of[order], return_index=True)
    return np.column_stack((venues, feature[order][first]))


def _tags(features: "gpd.GeoDataFrame") -> "pd.DataFrame":
    """The tags the choice reads; missing columns and values are None."""
    import pandas as pd

    columns = ("entrance", "barrier", "highway", "name")
    n = len(features)
    tags = pd.DataFrame({c: features[c].to_numpy(dtype=object) if c in features
                         else np.full(n, None, dtype=object) for c in columns})
    return tags.astype(object).where(tags.notna(), None)


def _named(name: Optional[str]) -> str:
    return f" “{name}”" if name else ""
