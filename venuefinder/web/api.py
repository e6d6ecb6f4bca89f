"""The JSON API (blueprint ``api``, mounted at ``/api``).

=================================  =====================================================
``GET /api/venues``                venues near a point, best first (GeoJSON
                                   FeatureCollection, the CLI's feature schema)
``GET /api/venues/<path:id>``      one venue (``way/123``) as a GeoJSON Feature
``GET /api/places?q=``             place names with coordinates (offline, then Nominatim)
``GET /api/basemap?bbox=``         light basemap of the extract for the map without tiles
``GET /api/openapi.json``          OpenAPI 3 description of every endpoint
=================================  =====================================================

Errors are JSON (see :mod:`venuefinder.web.errors`).
"""

from __future__ import annotations

import logging


from flask import Blueprint, Response, jsonify, request, url_for

from .openapi import openapi_document
from .params import bbox_query, place_query, venue_query
from .state import current_region, current_settings

log = logging.getLogger("venuefinder.web")

bp = Blueprint("api", __name__, url_prefix="/api")

@bp.get("/venues")
def venues() -> Response:
    """Venues within ``radius`` of (lat, lon), best first."""
    region = current_region()
    settings = current_settings()
    query = venue_query(request.args, region.center, region.kinds,
                        settings.default_radius_m, settings.max_radius_m,
                        settings.default_limit, settings.max_limit)
    # Serialised by the region itself: features are cached as JSON text, so a request
    # costs the spatial query and string joins, not per-venue dict building.
    body = region.near_json(query.lat, query.lon, query.radius_m, query.limit,
                            query.min_score, query.kinds, query=query.as_dict())
    return Response(body, mimetype="application/json")


@bp.get("/venues/<path:venue_id>")
def venue(venue_id: str) -> Response:
    """One venue by OSM id; 404 when the region has none with that id."""
    return jsonify(current_region().venue(venue_id))


@bp.get("/places")
def places() -> Response:
    """Places whose name matches ``q``: the region's own names first, Nominatim only when
    the region has none and a Nominatim URL is configured."""
    text, limit = place_query(request.args)
    found = current_region().search_places(text, limit)
    source = "region"
    settings = current_settings()
    if not found and settings.nominatim_url:
        # Imported here: the geocoder (and its HTTP client) is only needed in this case.
        from ..sources.geocode import geocode

        found = list(geocode(text, settings, limit=limit))[:limit]
        source = "nominatim"
    return jsonify(query=text, source=source, places=found)


@bp.get("/basemap")
def basemap() -> Response:
    """Roads, paths, water, buildings and green areas inside ``bbox``: one feature per layer
    (``layer`` property) whose geometry is a GeometryCollection; ``truncated`` is true when
    the box held more than one response draws."""
    west, south, east, north = bbox_query(request.args)
    return jsonify(current_region().basemap_features(west, south, east, north))


@bp.get("/openapi.json")
def openapi() -> Response:
    """OpenAPI 3 description of this app."""
    document = openapi_document(current_settings(), current_region().kinds,
                                server_url=url_for("map.index"))
    return jsonify(document)
