"""Request and response models of the hazard-report API (:mod:`venuefinder.web.hazards`),
in the style of :mod:`venuefinder.web.models`: each field's type carries a ``Field``
constraint (what the OpenAPI document shows) and a before-validator giving the store's
words, so a bad value is a 400 with one clear sentence.

JSON bodies are strict: numbers must be JSON numbers (not text), unknown members are an
error (a client sending ``severty`` learns it at once instead of getting a default).
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Any, Literal, Optional

from pydantic import BeforeValidator, ConfigDict, Field

from ..errors import InputError
from ..vocabulary.hazards import DESCRIPTION_MAX, KINDS, SEVERITIES, STATUSES
from ..validate import (LAT_RANGE, LON_RANGE, TEXT_PATTERN, check_latitude, check_longitude,
                        clip, user_text)
from .models import Latitude, Longitude, RequestModel, ResponseModel, radius_type

#: Largest radius ``GET /api/hazards`` answers (m): the map asks for its view's reports.
MAX_HAZARD_RADIUS_M = 5_000.0
DEFAULT_HAZARD_RADIUS_M = 1_000.0
#: Largest id the API parses (a signed 64-bit whole number); beyond it is a 400. Smaller
#: ids past the store's column (:data:`venuefinder.store.models.HAZARD_ID_MAX`) are no
#: hazard: the store answers them 404.
MAX_ID = 2**63 - 1


def _json_number(value: object, what: str) -> float:
    """A JSON number (not text, not a boolean), finite."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InputError(f"{what} must be a JSON number, got {clip(repr(value))}")
    number = float(value)
    if not math.isfinite(number):
        raise InputError(f"{what} must be a finite number, got {clip(repr(value))}")
    return number


def _choice(allowed: tuple[str, ...], what: str) -> BeforeValidator:
    def check(value: object) -> object:
        if not isinstance(value, str) or value not in allowed:
            raise InputError(f"unknown {what} {clip(repr(value))}: one of "
                             f"{', '.join(allowed)}")
        return value

    return BeforeValidator(check)


def _text(what: str) -> BeforeValidator:
    """Free text as :func:`~venuefinder.validate.user_text` keeps it (no NUL or other
    control character), at most :data:`DESCRIPTION_MAX` characters as sent."""
    def check(value: object) -> object:
        if value is None:
            return None
        if not isinstance(value, str):
            raise InputError(f"{what} must be text, not {type(value).__name__}")
        if len(value) > DESCRIPTION_MAX:
            raise InputError(f"{what} is {len(value)} characters; at most {DESCRIPTION_MAX}")
        return user_text(value, what, lines=True)

    return BeforeValidator(check)


Kind = Annotated[Literal[KINDS], _choice(KINDS, "kind")]  # type: ignore[valid-type]
Severity = Annotated[Literal[SEVERITIES], _choice(SEVERITIES, "severity")]  # type: ignore
JsonLatitude = Annotated[float, Field(ge=LAT_RANGE[0], le=LAT_RANGE[1], allow_inf_nan=False),
                         BeforeValidator(lambda v: check_latitude(_json_number(v, "lat")))]
JsonLongitude = Annotated[float, Field(ge=LON_RANGE[0], le=LON_RANGE[1], allow_inf_nan=False),
                          BeforeValidator(lambda v: check_longitude(_json_number(v, "lon")))]


def _hazard_id(value: object) -> int:
    text = str(value)
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_ID:
        raise InputError(f"a hazard id is a whole number from 1 to {MAX_ID}, got "
                         f"{clip(text)!r}")
    return int(text)


class JsonBody(RequestModel):
    """Base of JSON bodies: unknown members are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re")


class HazardBody(JsonBody):
    """Body of ``POST /api/hazards``."""

    kind: Kind = Field(description="What the hazard is.")
    severity: Severity = Field(description="How bad: a high one keeps a venue out of green.")
    lat: JsonLatitude = Field(description="Latitude, -90..90.")
    lon: JsonLongitude = Field(description="Longitude, -180..180.")
    description: Optional[Annotated[str, Field(max_length=DESCRIPTION_MAX,
                                               pattern=TEXT_PATTERN),
                                    _text("description")]] = Field(
        None, description=f"Free text, at most {DESCRIPTION_MAX} characters (shown as text).")


class FlagBody(JsonBody):
    """Body of ``POST /api/hazards/<id>/flag``."""

    reason: Optional[Annotated[str, Field(max_length=DESCRIPTION_MAX, pattern=TEXT_PATTERN),
                               _text("reason")]] = \
        Field(None, description="Why the report is wrong or abusive (for the moderators).")


class EmptyBody(JsonBody):
    """A JSON body with no members (``{}``): the JSON content type is what makes a write
    safe from cross-site forms, which cannot send it."""


class HazardPath(RequestModel):
    """The variable of ``/api/hazards/<id>``."""

    hazard_id: Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_hazard_id)] = Field(
        description="The report's id.", examples=[1])


class AdminActionPath(HazardPath):
    """The variables of the admin page's ``/admin/hazards/<id>/<action>`` forms."""

    action: Literal["hide", "restore"] = Field(description="What to do with the report.")


class HazardQuery(RequestModel):
    """Parameters of ``GET /api/hazards``."""

    lat: Latitude = Field(description="Latitude of the centre, -90..90.")
    lon: Longitude = Field(description="Longitude of the centre, -180..180.")
    radius: radius_type(MAX_HAZARD_RADIUS_M) = Field(  # type: ignore[valid-type]
        DEFAULT_HAZARD_RADIUS_M, description="Search radius (m).")


# -- responses ----------------------------------------------------------------------------
class Hazard(ResponseModel):
    """One hazard report. ``reporter`` is never shown."""

    id: int = Field(ge=1)
    kind: Literal[KINDS]  # type: ignore[valid-type]
    severity: Literal[SEVERITIES]  # type: ignore[valid-type]
    lat: float
    lon: float
    description: Optional[str] = Field(description="As the reporter wrote it: show as text.")
    status: Literal[STATUSES]  # type: ignore[valid-type]
    confirmations: int = Field(ge=0, description="Distinct clients who said it is there.")
    created_at: datetime
    seen_at: datetime = Field(description="When someone last said it is there.")
    expires_at: Optional[datetime] = Field(description="Null: never (a hill).")


class HazardReceipt(Hazard):
    """The stored report; ``merged_into`` is present (its id) when the report confirmed an
    open one of the same kind within 25 m instead of adding a row."""

    merged_into: Optional[int] = Field(None, ge=1)


class HazardPoint(ResponseModel):
    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=2, description="lon, lat.")


class HazardFeatureProperties(Hazard):
    distance_m: float = Field(ge=0, description="Metres from the searched point.")


class HazardFeature(ResponseModel):
    type: Literal["Feature"]
    id: int
    geometry: HazardPoint
    properties: HazardFeatureProperties


class HazardQueryEcho(ResponseModel):
    lat: float
    lon: float
    radius_m: float


class HazardCollection(ResponseModel):
    """Open reports near a point, nearest first: a GeoJSON FeatureCollection."""

    type: Literal["FeatureCollection"]
    features: list[HazardFeature]
    query: HazardQueryEcho


class FlaggedReport(Hazard):
    flags: int = Field(ge=0, description="Distinct clients who flagged it since the last "
                                         "review.")
    reasons: list[str] = Field(description="The flaggers' reasons (empty ones left out).")


class FlaggedReports(ResponseModel):
    """Hidden and flagged reports, hidden first, most flags first."""

    hazards: list[FlaggedReport]


def hazard_json(report: Any, **extra: Any) -> dict[str, Any]:
    """A store :class:`~venuefinder.store.hazards.HazardReport` as the API writes it."""
    return {"id": report.id, "kind": report.kind, "severity": report.severity,
            "lat": report.lat, "lon": report.lon, "description": report.description,
            "status": report.status, "confirmations": report.confirmations,
            "created_at": _iso(report.created_at), "seen_at": _iso(report.seen_at),
            "expires_at": _iso(report.expires_at), **extra}


def _iso(moment: Optional[datetime]) -> Optional[str]:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")
