"""Routes: the walking graph of a region, safe loops to run backwards, and the way there.

The public API (everything the CLI and the web app call)::

    graph = load_or_build_graph(settings, source_path, dem)   # cached beside the region
    loops = find_loops(graph, lat, lon, 5000, lit=False, alternatives=3, hazards=frame)
    walk = way_to(graph, lat, lon, *venue_target(graph, venue_geometry, lat, lon))
    routes_feature_collection(loops)   # GeoJSON, best first
    to_gpx(loops)                      # GPX 1.1
    routes_table(loops, lat, lon)      # the CLI's text

Pure apart from :func:`load_or_build_graph` (reads the extract and the cache),
:func:`overpass_graph` (asks Overpass) and :func:`graph_for` (either, by the settings).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Optional

from ..errors import InputError
from ..prepare import INGESTED_SUFFIXES
from ..sources.elevation import load_elevation
from ..sources.walkways import fetch_walkways
from .cache import load_or_build_graph
from .geojson import routes_feature_collection
from .graph import WalkGraph, build_graph, utm_crs
from .gpx import to_gpx
from .loops import (MAX_ALTERNATIVES, MAX_LENGTH_M, MIN_LENGTH_M, NoLoopError,
                    check_loop_request, find_loops)
from .route import Route
from .sun import is_dark
from .text import routes_table
from .wayto import venue_target, way_to

if TYPE_CHECKING:
    from pathlib import Path

    from ..config import Settings

__all__ = [
    "MAX_ALTERNATIVES", "MAX_LENGTH_M", "MIN_LENGTH_M", "NoLoopError", "Route", "WalkGraph",
    "build_graph", "check_loop_request", "find_loops", "graph_for", "is_dark",
    "load_or_build_graph",
    "overpass_graph", "routes_feature_collection", "routes_table", "to_gpx", "venue_target",
    "way_to",
]


def graph_for(settings: "Settings", lat: float, lon: float, reach_m: float,
              dem: Optional["Path"] = None) -> WalkGraph:
    """The walking graph for a request at (lat, lon): from Overpass within *reach_m* when
    ``settings.source`` is ``overpass``, else the extract's (cached).

    Raises
    ------
    InputError
        The source is an ingested venue file (it holds no ways), or a bad DEM.
    SourceError
        The source cannot be read.
    """
    if str(settings.source or "").lower() == "overpass":
        return overpass_graph(lat, lon, reach_m, settings, dem)
    path = settings.source_path()
    if path.name.lower().endswith(INGESTED_SUFFIXES):
        raise InputError(f"routes need an OSM extract or overpass; {path.name} holds venues "
                         "only")
    return load_or_build_graph(settings, path, dem)


def overpass_graph(lat: float, lon: float, radius_m: float, settings: "Settings",
                   dem: Optional["Path"] = None) -> WalkGraph:
    """The walking graph within *radius_m* of a point, from Overpass (osmnx caches the
    answer under ``settings.cache_dir``; the graph itself is not cached).

    Raises
    ------
    InputError
        A bad point or radius, or an unreadable DEM.
    SourceError
        Overpass cannot be reached or finds no walkable way there.
    """
    walkways = fetch_walkways(lat, lon, radius_m, settings)
    crs = utm_crs(walkways.lon, walkways.lat)
    bounds = (walkways.lon.min(), walkways.lat.min(), walkways.lon.max(), walkways.lat.max())
    return build_graph(walkways, crs, load_elevation(dem, crs, bounds, settings), "Overpass")
