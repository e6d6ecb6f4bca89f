"""Request and response models of the routes API (:mod:`venuefinder.web.routes_api`), in the
style of :mod:`venuefinder.web.models`: each request field carries a ``Field`` constraint
(what the OpenAPI document shows) and a before-validator giving the CLI's words, so a bad
value is a 400 with one clear sentence; the response models describe what
:func:`venuefinder.routes.routes_feature_collection` writes.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

from pydantic import BeforeValidator, Field

from ..errors import InputError
from ..routes import MAX_ALTERNATIVES, MAX_LENGTH_M, MIN_LENGTH_M
from ..routes.loops import SUGGEST_WITHIN_M
from ..validate import clip, parse_float, parse_int
from .models import (VENUE_ID_PATTERN, Error, Latitude, Longitude, NonNegative, RequestModel,
                     ResponseModel, VenueId)


def _length(text: object) -> float:
    """A loop length in metres, with :func:`venuefinder.routes.check_loop_request`'s
    words."""
    length = parse_float(text, "length")
    if not MIN_LENGTH_M <= length <= MAX_LENGTH_M:
        raise InputError(f"length must be between {MIN_LENGTH_M:,.0f} and {MAX_LENGTH_M:,.0f} "
                         f"m, got {length:g}")
    return length


def _alternatives(text: object) -> int:
    count = parse_int(text, "alternatives")
    if not 1 <= count <= MAX_ALTERNATIVES:
        raise InputError(f"alternatives must be between 1 and {MAX_ALTERNATIVES}, got {count}")
    return count


def _flag(text: object) -> bool:
    """``true`` or ``false``, as JSON and the OpenAPI document write a boolean; other words
    (``yes``, ``1``) are refused rather than guessed at."""
    if isinstance(text, bool):
        return text
    if text in ("true", "false"):
        return text == "true"
    raise InputError(f"lit must be true or false, got {clip(str(text))!r}")


LoopLength = Annotated[float, Field(ge=MIN_LENGTH_M, le=MAX_LENGTH_M, allow_inf_nan=False),
                       BeforeValidator(_length)]
Alternatives = Annotated[int, Field(ge=1, le=MAX_ALTERNATIVES),
                         BeforeValidator(_alternatives)]
Flag = Annotated[bool, BeforeValidator(_flag)]


# -- request models -----------------------------------------------------------------------
class LoopQuery(RequestModel):
    """Parameters of ``GET /api/routes/loop`` and ``GET /api/routes/loop.gpx``."""

    lat: Latitude = Field(description="Latitude of the start, -90..90.", examples=[60.1699])
    lon: Longitude = Field(description="Longitude of the start, -180..180.",
                           examples=[24.9384])
    length: LoopLength = Field(
        description=f"Asked length (m), {MIN_LENGTH_M:,.0f}-{MAX_LENGTH_M:,.0f}; every loop "
                    "is within ±10 % of it.", examples=[3000])
    lit: Flag = Field(False, description="Prefer lit ways (always done after sunset there).")
    alternatives: Alternatives = Field(
        MAX_ALTERNATIVES, description="Most loops returned; fewer when fewer differ enough.")


class WayToQuery(RequestModel):
    """Parameters of ``GET /api/routes/to``."""

    lat: Latitude = Field(description="Latitude of where you are, -90..90.",
                          examples=[60.1699])
    lon: Longitude = Field(description="Longitude of where you are, -180..180.",
                           examples=[24.9384])
    venue: VenueId = Field(description="The venue to walk to: OSM type and id.",
                           examples=["way/123"])


# -- response models ----------------------------------------------------------------------
class RouteLine(ResponseModel):
    """A GeoJSON LineString, WGS84 longitude and latitude, in running order."""

    type: Literal["LineString"]
    coordinates: list[Annotated[list[float], Field(min_length=2, max_length=2)]] = Field(
        min_length=2)


class ForwardStretch(ResponseModel):
    """Where to turn round and run forwards: downhill too steep to run backwards."""

    from_m: NonNegative = Field(description="Start, metres along the route.")
    to_m: NonNegative = Field(description="End, metres along the route.")
    grade_pct: float = Field(description="Steepest grade of the stretch (negative: downhill).")


class RouteLaps(ResponseModel):
    """Laps of a track, a field's edge or a loop of paths."""

    count: int = Field(ge=1)
    lap_m: NonNegative = Field(description="Length of one lap (m).")
    of: str = Field(description="What is lapped: track, field or loop (of paths).",
                    examples=["track"])
    name: Optional[str] = Field(description="The track's or field's name, when mapped.")
    id: Optional[str] = Field(pattern=VENUE_ID_PATTERN,
                              description="The track's or field's OSM id.")


class RouteProperties(ResponseModel):
    """Properties of a route feature: the CLI's `route --format geojson` schema."""

    kind: Literal["loop", "way_to"]
    score: float = Field(description="Combined score, higher is safer (0-100, less a few "
                                     "points per extra lap of a loop of paths).")
    reasons: dict[str, str] = Field(description="The evidence behind each criterion of the "
                                                "score (length, direction, flatness, …).")
    warnings: list[str] = Field(description="What to look out for, in running order.")
    length_m: NonNegative
    climb_m: Optional[NonNegative] = Field(description="Null without elevation data.")
    descent_m: Optional[NonNegative] = Field(description="Null without elevation data.")
    max_downhill_pct: Optional[float] = Field(
        description="Steepest descent in the running direction; null without elevation "
                    "data.")
    direction: Literal["clockwise", "anticlockwise", "forwards"] = Field(
        description="Which way round to run a loop (the geometry is in that order); the "
                    "way there is walked forwards.")
    forward_stretches: list[ForwardStretch]
    laps: Optional[RouteLaps] = Field(description="Null unless the loop is run in laps.")
    retraced_m: NonNegative = Field(description="Metres run twice.")
    crossings: int = Field(ge=0, description="Road crossings.")


class RouteFeature(ResponseModel):
    """One route: a GeoJSON Feature."""

    type: Literal["Feature"]
    geometry: RouteLine
    properties: RouteProperties


class RouteQueryEcho(ResponseModel):
    """The checked parameters of the request, defaults filled in."""

    lat: float
    lon: float
    length: Optional[float] = Field(None, description="Loops only.")
    lit: Optional[bool] = Field(None, description="Loops only.")
    alternatives: Optional[int] = Field(None, description="Loops only.")
    venue: Optional[str] = Field(None, description="The way there only.")


class RouteCollection(ResponseModel):
    """Routes best first: a GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[RouteFeature]
    query: RouteQueryEcho


class LapSuggestion(ResponseModel):
    """A venue with laps near a start that has no loop."""

    id: str = Field(pattern=VENUE_ID_PATTERN, description="The venue's OSM id.",
                    examples=["way/123"])
    label: str = Field(description="What the venue is called (its label on the map).")
    distance: NonNegative = Field(description="Metres from the start, in a straight line.")
    laps: int = Field(ge=1, description="Laps of it that make the asked length.")


class NoLoopError(Error):
    """404 of the loops: no loop from there, and the nearest venues with laps."""

    suggestions: list[LapSuggestion] = Field(
        None, description=f"The nearest tracks and fields with laps within "
                          f"{SUGGEST_WITHIN_M / 1000:g} km, nearest first (absent when no "
                          "walkable way is near the start).")

