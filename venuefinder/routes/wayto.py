"""The way there: a walking route from the user's point to a venue or a meeting point.

It is walked forwards, so nothing needs turning round for; it uses the same graph and the
same safety factors as loops (:mod:`.network`), and may also take steps, indoor corridors,
cycleways without a foot tag and, at a cost, roads (service and residential ×2, tertiary
×3, secondary and primary ×4; never motorways or trunk roads): in most cities many streets
have pavements that are not mapped apart, so a road is sometimes the only mapped way.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from ..errors import InputError, NotFoundError
from ..validate import check_lat_lon
from .network import Network, hazard_hits, snap
from .route import Route, Walk, assess

if TYPE_CHECKING:
    import pandas as pd

    from .graph import WalkGraph

#: The search reaches this far beyond the circle through the start and destination.
MARGIN_M = 2_000.0


def venue_target(graph: "WalkGraph", geometry: dict[str, Any], lat: float,
                 lon: float) -> tuple[float, float]:
    """Where to walk to reach a venue from (lat, lon): the nearest point of its outline (a
    GeoJSON geometry in WGS84, as a venue feature carries), measured in the graph's CRS.

    Returns
    -------
    tuple
        (lat, lon); (lat, lon) itself when it lies in the venue.
    """
    import shapely
    from pyproj import Transformer
    from shapely.geometry import shape
    from shapely.ops import nearest_points

    check_lat_lon(lat, lon)
    to_metric = Transformer.from_crs("EPSG:4326", graph.crs, always_xy=True)
    venue = shapely.transform(shape(geometry), lambda xy: np.column_stack(
        to_metric.transform(xy[:, 0], xy[:, 1])))
    point = shapely.Point(to_metric.transform(lon, lat))
    target = nearest_points(venue, point)[0]
    back = Transformer.from_crs(graph.crs, "EPSG:4326", always_xy=True)
    target_lon, target_lat = back.transform(target.x, target.y)
    return float(target_lat), float(target_lon)


def way_to(graph: "WalkGraph", lat: float, lon: float, dest_lat: float, dest_lon: float,
           hazards: Optional["pd.DataFrame"] = None) -> Route:
    """The safest walk from a point to a destination.

    Parameters
    ----------
    graph
        The region's walking graph.
    lat, lon
        Where the user is (WGS84).
    dest_lat, dest_lon
        The venue's point (its representative point, or an entrance) or the session's
        meeting point.
    hazards
        Open hazard reports (``id``, ``kind``, ``severity``, ``lat``, ``lon``), avoided.

    Returns
    -------
    Route
        ``kind="way_to"``, ``direction="forwards"``, no ``forward_stretches``.

    Raises
    ------
    InputError
        A bad coordinate, or both points at the same node (already there).
    SourceError
        No walkable way within 300 m of either point.
    NotFoundError
        No walking route joins them in this map.
    """
    check_lat_lon(lat, lon)
    check_lat_lon(dest_lat, dest_lon)
    start, _ = snap(graph, lat, lon, "walk")
    end, _ = snap(graph, dest_lat, dest_lon, "walk")
    if start == end:
        raise InputError(f"{dest_lat:.5f},{dest_lon:.5f} is where you are: nothing to walk")
    hits = hazard_hits(graph, hazards)
    xy = np.column_stack([graph.node_values("x"), graph.node_values("y")])
    middle = (xy[start] + xy[end]) / 2.0
    half = float(math.dist(xy[start], xy[end])) / 2.0
    net = Network(graph, "walk", hazards=hits, center=(float(middle[0]), float(middle[1])),
                  radius_m=half + MARGIN_M)
    source, target = net.local(start), net.local(end)
    _, predecessors = net.search(source)
    path = net.path(predecessors, source, target)
    if path is None:
        raise NotFoundError(f"no walking route from {lat:.5f},{lon:.5f} to "
                            f"{dest_lat:.5f},{dest_lon:.5f} in this map")
    empty = (np.zeros(0, np.int64), np.zeros(0, bool))
    return assess(graph, Walk(approach=path, circuit=empty, there_only=True), hazards=hits)
