"""OpenAPI 3.1 description of the app, served at ``GET /api/openapi.json``.

Written by hand next to the views rather than generated, so that the contract is reviewed as
a contract; ``tests/web/test_openapi.py`` validates it and checks that its paths and methods
are exactly the app's URL map.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..scoring import CRITERIA

if TYPE_CHECKING:
    from ..config import Settings

OPENAPI_VERSION = "3.1.0"


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("venuefinder")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0.0.0"


def _json_ok(description: str, schema: str) -> dict[str, Any]:
    """A 200 response whose JSON body follows ``#/components/schemas/<schema>``."""
    return {"description": description, "content": {"application/json": {
        "schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _error_responses(*statuses: int) -> dict[str, Any]:
    text = {
        400: "Bad parameter (same rules and messages as the CLI).",
        404: "Unknown venue or URL.",
        405: "Method not allowed (the Allow header lists the allowed ones).",
        413: "Request body larger than the configured maximum.",
        429: "Rate limit exceeded (Retry-After says when to retry).",
        500: "Unexpected server error (logged; no traceback is returned).",
        503: "A data source (the optional geocoder) is unreachable.",
    }
    return {str(s): {"description": text[s],
                     "content": {"application/json": {
                         "schema": {"$ref": "#/components/schemas/Error"}}}}
            for s in statuses}


_COMMON_ERRORS = (405, 413, 429, 500)


def openapi_document(settings: "Settings", kinds: list[str],
                     server_url: str = "/") -> dict[str, Any]:
    """The OpenAPI document of an app serving a region with these *kinds* and *settings*.

    Parameters
    ----------
    settings
        Limits and defaults shown in the parameter schemas.
    kinds
        Venue kinds of the loaded region (the ``kind`` enum).
    server_url
        Where the app is mounted (``/`` unless behind a prefix).
    """
    score = {"type": "number", "minimum": 0, "maximum": 100}
    nullable_str = {"type": ["string", "null"]}
    venue_properties = {
        "type": "object",
        "required": ["id", "kind", "score", "scores", "reasons", "vetoed_by", "distance_m",
                     "area_m2", "osm_url"],
        "properties": {
            "id": {"type": "string", "pattern": r"^(node|way|relation)/\d+$",
                   "examples": ["way/123"]},
            "name": nullable_str,
            "kind": {"type": "string", "examples": kinds[:3]},
            "score": {**score, "description": "Combined score, 0-100, higher is safer."},
            "scores": {"type": "object", "required": list(CRITERIA),
                       "properties": {c: score for c in CRITERIA},
                       "description": "Score of each criterion."},
            "reasons": {"type": "object", "required": list(CRITERIA),
                        "properties": {c: {"type": "string"} for c in CRITERIA},
                        "description": "The evidence behind each criterion's score."},
            "vetoed_by": {"type": ["string", "null"],
                          "description": "Criterion that capped the combined score."},
            "distance_m": {"type": ["number", "null"], "minimum": 0,
                           "description": "Metres from the searched point (0 inside)."},
            "area_m2": {"type": "number", "minimum": 0},
            "surface": nullable_str, "smoothness": nullable_str, "lit": nullable_str,
            "sport": nullable_str, "access": nullable_str, "incline": nullable_str,
            "osm_url": {"type": "string", "format": "uri"},
        },
    }
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "venuefinder",
            "version": _version(),
            "description": "Safe open spaces for learning to run backwards, scored for "
                           "flatness, traffic and surface. Coordinates are WGS84 degrees, "
                           "distances metres.",
        },
        "servers": [{"url": server_url.rstrip("/") or "/"}],
        "paths": {
            "/": {"get": {
                "operationId": "mapPage",
                "summary": "The map page",
                "tags": ["map"],
                "responses": {"200": {"description": "HTML page with the map, search and "
                                                     "the list of venues.",
                                      "content": {"text/html": {"schema": {"type": "string"}}}},
                              **_error_responses(*_COMMON_ERRORS)},
            }},
            "/api/venues": {"get": {
                "operationId": "listVenues",
                "summary": "Venues near a point, best first",
                "description": "lat/lon default to the region's centre only when both are "
                               "absent. Results are sorted by score (ties: nearest first).",
                "tags": ["api"],
                "parameters": [
                    {"name": "lat", "in": "query", "description": "Latitude, -90..90.",
                     "schema": {"type": "number", "minimum": -90, "maximum": 90}},
                    {"name": "lon", "in": "query", "description": "Longitude, -180..180.",
                     "schema": {"type": "number", "minimum": -180, "maximum": 180}},
                    {"name": "radius", "in": "query", "description": "Search radius (m).",
                     "schema": {"type": "number", "exclusiveMinimum": 0,
                                "maximum": settings.max_radius_m,
                                "default": settings.default_radius_m}},
                    {"name": "limit", "in": "query", "description": "Most venues returned.",
                     "schema": {"type": "integer", "minimum": 1,
                                "maximum": settings.max_limit,
                                "default": min(settings.default_limit, settings.max_limit)}},
                    {"name": "min_score", "in": "query",
                     "description": "Leave out venues scoring below this.",
                     "schema": score},
                    {"name": "kind", "in": "query", "style": "form", "explode": True,
                     "description": "Venue kinds to keep; repeat the parameter or separate "
                                    "kinds with commas.",
                     "schema": {"type": "array", "items": {"type": "string", "enum": kinds}}},
                ],
                "responses": {
                    "200": _json_ok("GeoJSON FeatureCollection (WGS84), the same "
                                           "features as `venuefinder venues --format "
                                           "geojson`; `query` echoes the checked parameters.", "VenueCollection"),
                    **_error_responses(400, *_COMMON_ERRORS),
                },
            }},
            "/api/venues/{venue_id}": {"get": {
                "operationId": "getVenue",
                "summary": "One venue by OSM id",
                "tags": ["api"],
                "parameters": [{
                    "name": "venue_id", "in": "path", "required": True,
                    "description": "OSM type and id, e.g. `way/123` (the slash is part of "
                                   "the path).",
                    "schema": {"type": "string", "pattern": r"^(node|way|relation)/\d+$"}}],
                "responses": {
                    "200": _json_ok("GeoJSON Feature; `distance_m` is null.", "VenueFeature"),
                    **_error_responses(400, 404, *_COMMON_ERRORS),
                },
            }},
            "/api/places": {"get": {
                "operationId": "searchPlaces",
                "summary": "Place names with coordinates",
                "description": "Searches the loaded region's own place names (offline); "
                               "only when it finds none and a Nominatim URL is configured, "
                               "asks Nominatim.",
                "tags": ["api"],
                "parameters": [
                    {"name": "q", "in": "query", "required": True,
                     "description": "Text contained in the place name (case-insensitive).",
                     "schema": {"type": "string", "minLength": 1, "maxLength": 200}},
                    {"name": "limit", "in": "query", "description": "Most places returned.",
                     "schema": {"type": "integer", "minimum": 1, "maximum": 50,
                                "default": 10}},
                ],
                "responses": {
                    "200": _json_ok("Matching places, prefix matches first.", "Places"),
                    **_error_responses(400, 503, *_COMMON_ERRORS),
                },
            }},
            "/api/basemap": {"get": {
                "operationId": "basemap",
                "summary": "Light basemap of the loaded extract",
                "description": "Used by the map when raster tiles are off. Empty for an "
                               "ingested region (no basemap).",
                "tags": ["api"],
                "parameters": [{
                    "name": "bbox", "in": "query", "required": True,
                    "description": "west,south,east,north in degrees (at most 0.5 wide).",
                    "schema": {"type": "string", "examples": ["24.93,60.16,24.96,60.18"]}}],
                "responses": {
                    "200": _json_ok("GeoJSON FeatureCollection with a `layer` "
                                           "property per feature.", "BasemapCollection"),
                    **_error_responses(400, *_COMMON_ERRORS),
                },
            }},
            "/api/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This document",
                "tags": ["api"],
                "responses": {"200": {"description": "OpenAPI 3.1 document.",
                                      "content": {"application/json": {
                                          "schema": {"type": "object"}}}},
                              **_error_responses(*_COMMON_ERRORS)},
            }},
        },
        "components": {"schemas": {
            "Error": {"type": "object", "required": ["error", "message"],
                      "properties": {"error": {"type": "string",
                                               "examples": ["bad_request"]},
                                     "message": {"type": "string"}}},
            "Geometry": {"type": "object", "required": ["type"],
                         "properties": {"type": {"type": "string"},
                                        "coordinates": {"type": "array"}}},
            "VenueFeature": {"type": "object", "required": ["type", "id", "geometry",
                                                             "properties"],
                             "properties": {
                                 "type": {"const": "Feature"},
                                 "id": {"type": "string"},
                                 "geometry": {"$ref": "#/components/schemas/Geometry"},
                                 "properties": venue_properties}},
            "VenueCollection": {"type": "object", "required": ["type", "features"],
                                "properties": {
                                    "type": {"const": "FeatureCollection"},
                                    "features": {"type": "array", "items": {
                                        "$ref": "#/components/schemas/VenueFeature"}},
                                    "query": {"type": "object"}}},
            "Place": {"type": "object", "required": ["name", "lat", "lon"],
                      "properties": {"name": {"type": "string"},
                                     "kind": {"type": ["string", "null"]},
                                     "lat": {"type": "number"}, "lon": {"type": "number"}}},
            "Places": {"type": "object", "required": ["query", "source", "places"],
                       "properties": {"query": {"type": "string"},
                                      "source": {"enum": ["region", "nominatim"]},
                                      "places": {"type": "array", "items": {
                                          "$ref": "#/components/schemas/Place"}}}},
            "BasemapCollection": {"type": "object",
                                  "required": ["type", "features", "truncated"],
                                  "properties": {
                                      "type": {"const": "FeatureCollection"},
                                      "truncated": {"type": "boolean"},
                                      "features": {"type": "array", "items": {
                                          "type": "object",
                                          "properties": {"properties": {
                                              "type": "object",
                                              "properties": {"layer": {"enum": [
                                                  "road", "path", "water", "building",
                                                  "green"]}}}}}}}},
        }},
    }
