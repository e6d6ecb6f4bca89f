"""The JSON API (blueprint ``api``, mounted at ``/api``).

=================================  =====================================================
``GET /api/venues``                venues near a point, best first (GeoJSON
                                   FeatureCollection, the CLI's feature schema)
``GET /api/venues/<path:id>``      one venue (``way/123``) as a GeoJSON Feature
``GET /api/places?q=``             place names with coordinates (offline, then Nominatim)
``GET /api/basemap?bbox=``         light basemap of the extract for the map without tiles
``GET /api/openapi.json``          OpenAPI 3.1 description of every endpoint
=================================  =====================================================

Each view declares its request and response models with
:func:`~venuefinder.web.openapi.operation`: the same models check the request and make the
OpenAPI document (see :mod:`venuefinder.web.models`). Errors are JSON (see
:mod:`venuefinder.web.errors`).
"""

from __future__ import annotations

import json
import math

from flask import Blueprint, Response, current_app, jsonify

from ..sources import geocode as geocoder
from .models import (BasemapCollection, BasemapQuery, PlaceQuery, Places, VenueCollection,
                     VenueFeature, VenuePath, VenueQuery)
from .openapi import operation, served_document
from .state import (current_settings, current_summary, region_box, search_places, venues_near,
                    venues_of)

bp = Blueprint("api", __name__, url_prefix="/api")

#: A point farther than the radius plus this from the region's bounding box reaches no venue.
#: Such a point is answered without a query: the region's metric CRS (a UTM zone) cannot
#: even place points on the other side of the globe.
FAR_MARGIN_M = 100_000.0
EARTH_RADIUS_M = 6_371_008.8


def could_reach(bounds: tuple[float, float, float, float], lat: float, lon: float,
                radius_m: float) -> bool:
    """Whether a circle of *radius_m* around (lat, lon) may reach a box of WGS84 *bounds*
    (west, south, east, north), within :data:`FAR_MARGIN_M`."""
    west, south, east, north = bounds
    near_lat, near_lon = min(max(lat, south), north), min(max(lon, west), east)
    phi1, phi2 = math.radians(lat), math.radians(near_lat)
    a = (math.sin((phi2 - phi1) / 2) ** 2 + math.cos(phi1) * math.cos(phi2)
         * math.sin(math.radians(near_lon - lon) / 2) ** 2)
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a))) <= radius_m + FAR_MARGIN_M


@bp.get("/venues")
@operation("listVenues", "Venues near a point, best first", query=VenueQuery,
           ok=VenueCollection, errors=(400,),
           description="lat/lon default to the region's centre only when both are absent. "
                       "Results are sorted by score (ties: nearest first).",
           ok_description="GeoJSON FeatureCollection (WGS84), the same features as "
                          "`venuefinder venues --format geojson`; `query` echoes the checked "
                          "parameters.")
def venues(query: VenueQuery) -> Response:
    """Venues within ``radius`` of (lat, lon), best first."""
    summary = current_summary()
    lat, lon = (query.point.lat, query.point.lon) if query.point else summary.center
    echo = {"lat": lat, "lon": lon, "radius_m": query.radius, "limit": query.limit,
            "min_score": query.min_score, "kinds": query.kind,
            "min_confidence": query.min_confidence}
    if not could_reach(summary.bounds, lat, lon, query.radius):
        body = json.dumps({"type": "FeatureCollection", "features": [], "query": echo})
    else:
        # Serialised by the region itself: features are cached as JSON text, so a request
        # costs the spatial query and string joins, not per-venue dict building.
        body = venues_near(lat, lon, query.radius).near_json(
            lat, lon, query.radius, query.limit, query.min_score, query.kind,
            query.min_confidence, query=echo)
    return Response(body, mimetype="application/json")


@bp.get("/venues/<path:venue_id>")
@operation("getVenue", "One venue by OSM id", path=VenuePath, ok=VenueFeature,
           errors=(400, 404), ok_description="GeoJSON Feature; `distance_m` is null.")
def venue(path: VenuePath) -> Response:
    """One venue by OSM id; 404 when the region has none with that id."""
    return jsonify(venues_of(path.venue_id).venue(path.venue_id))


@bp.get("/places")
@operation("searchPlaces", "Place names with coordinates", query=PlaceQuery, ok=Places,
           errors=(400, 503),
           description="Searches the loaded region's own place names (offline); only when "
                       "it finds none and a Nominatim URL is configured, asks Nominatim.",
           ok_description="Matching places, prefix matches first.")
def places(query: PlaceQuery) -> Response:
    """Places whose name matches ``q``: the region's own names first, Nominatim only when
    the region has none and a Nominatim URL is configured."""
    found = search_places(query.q, query.limit)
    source = "region"
    settings = current_settings()
    if not found and settings.nominatim_url:
        found = list(geocoder.geocode(query.q, settings, limit=query.limit))[:query.limit]
        source = "nominatim"
    return jsonify(query=query.q, source=source, places=found)


@bp.get("/basemap")
@operation("basemap", "Light basemap of the loaded extract", query=BasemapQuery,
           ok=BasemapCollection, errors=(400,),
           description="Used by the map when raster tiles are off. Empty for an ingested "
                       "region (no basemap).",
           ok_description="GeoJSON FeatureCollection with a `layer` property per feature.")
def basemap(query: BasemapQuery) -> Response:
    """Roads, paths, water, buildings and green areas inside ``bbox``: one feature per layer
    (``layer`` property) whose geometry is a GeometryCollection; ``truncated`` is true when
    the box held more than one response draws."""
    return jsonify(region_box(query.bbox).basemap_features(*query.bbox))


@bp.get("/openapi.json")
@operation("openapi", "This document", ok_description="OpenAPI 3.1 document.")
def openapi() -> Response:
    """OpenAPI 3.1 description of this app."""
    return jsonify(served_document(current_app))
