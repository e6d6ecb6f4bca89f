"""Checks of the fields the session service functions take: each returns the clean value or
raises :class:`~venuefinder.errors.InputError`.

**Text** (names, titles, notes) is kept as :func:`venuefinder.validate.user_text` makes it:
trimmed, NFC, line breaks as line feeds, unpaired bidi controls removed; names and titles
are one line, and no text holds a control character (NUL included). Nothing is escaped
here: a page escapes what it shows (``<script>`` stays text).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional, Sequence

from ...errors import InputError
from ...meeting import MEETING_MAX_M, distance_to_venue
from ...sessions.checks import Check, refusals
from ...validate import user_text
from ...vocabulary import is_venue_id
from ..models import NOTES_MAX


def one_line(value: object, what: str, limit: int) -> str:
    """Required text of one line, at most *limit* characters."""
    text = user_text(value, what) if isinstance(value, str) else ""
    if not text:
        raise InputError(f"{what} is required")
    if len(text) > limit:
        raise InputError(f"{what} is {len(text)} characters; at most {limit}")
    return text


def optional_line(value: object, what: str, limit: int) -> Optional[str]:
    """:func:`one_line`, or None for None or blank text."""
    if value is None or (isinstance(value, str) and not user_text(value, what)):
        return None
    return one_line(value, what, limit)


def notes_text(value: object) -> Optional[str]:
    """Free text of several lines, at most :data:`~venuefinder.store.models.NOTES_MAX`
    characters; None for None or blank text."""
    if value is None:
        return None
    text = user_text(value, "notes", lines=True)
    if len(text) > NOTES_MAX:
        raise InputError(f"notes are {len(text)} characters; at most {NOTES_MAX}")
    return text or None


def whole_number(value: object, what: str, low: int, high: int) -> int:
    """An int (not a bool) from *low* to *high*."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{what} must be a whole number")
    if not low <= value <= high:
        raise InputError(f"{what} must be {low}–{high}, not {value}")
    return value


def venue_properties(venue: Mapping[str, Any]) -> Mapping[str, Any]:
    """The properties of a venue's GeoJSON feature."""
    properties = venue.get("properties") if isinstance(venue, Mapping) else None
    if not isinstance(properties, Mapping):
        raise InputError("a venue is a GeoJSON feature with properties")
    return properties


def venue_geometry(venue: Mapping[str, Any]) -> Mapping[str, Any]:
    """The geometry of a venue's GeoJSON feature."""
    geometry = venue.get("geometry")
    if not isinstance(geometry, Mapping):
        raise InputError("the venue has no geometry")
    return geometry


def venue_id_of(properties: Mapping[str, Any]) -> str:
    """The OSM id (``way/123``: :data:`~venuefinder.vocabulary.VENUE_ID_PATTERN`) in a
    venue's properties."""
    value = properties.get("id")
    if not is_venue_id(value):
        raise InputError("the venue has no OSM id such as way/123")
    return value


def meeting_point_of(point: object, venue: Optional[Mapping[str, Any]]
                  ) -> Optional[tuple[float, float]]:
    """``{"lat", "lon"}`` within :data:`~venuefinder.meeting.MEETING_MAX_M` of *venue*'s
    geometry as ``(lat, lon)``, or None for None (meet at the venue)."""
    if point is None:
        return None
    if not isinstance(point, Mapping) or set(point) != {"lat", "lon"}:
        raise InputError('meeting_point is {"lat": …, "lon": …}')
    lat, lon = point["lat"], point["lon"]
    for value, what in ((lat, "lat"), (lon, "lon")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or value != value or value in (float("inf"), float("-inf")):
            raise InputError(f"meeting_point {what} must be a number")
    lat, lon = float(lat), float(lon)
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise InputError(f"meeting_point ({lat}, {lon}) is outside -90…90, -180…180")
    distance = distance_to_venue(venue_geometry(venue or {}), lat, lon)
    if distance > MEETING_MAX_M:
        raise InputError(f"the meeting point is {distance:,.0f} m from the venue: at most "
                         f"{MEETING_MAX_M:.0f} m")
    return lat, lon


def refuse(checks: Sequence[Check]) -> None:
    """Raise when any of a session's *checks* refuses it (warnings pass)."""
    refused = refusals(checks)
    if refused:
        raise InputError("cannot publish this session: "
                         + "; ".join(f"{c.name}: {c.reason}" for c in refused))
