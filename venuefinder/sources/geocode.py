"""Optional place search through a Nominatim server, via osmnx.

Off unless ``settings.nominatim_url`` is set: then :func:`geocode` returns ``[]`` so callers
fall back to the offline place index (:func:`venuefinder.venues.select_places`) without a
special case. Results use the same shape as that index: ``name``, ``kind``, ``lat``, ``lon``.

Why osmnx's private ``_download_nominatim_element``: the public ``osmnx.geocode`` returns
one point without a name, and ``geocode_to_gdf`` one result per request (each request costs
the 1 s pause Nominatim's usage policy asks for); a place search wants several candidates
from one request.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Callable

from ..errors import InputError, SourceError
from .overpass import describe_request_error, osmnx_session, raise_source_error

if TYPE_CHECKING:
    import requests

    from ..config import Settings

log = logging.getLogger(__name__)

#: Nominatim answers at most 40 results per request.
MAX_RESULTS = 40


def geocode(query: str, settings: "Settings", limit: int = 10) -> list[dict[str, Any]]:
    """Search places named *query* with Nominatim.

    Parameters
    ----------
    query
        Free text, e.g. ``"Vanha kirkkopuisto"`` or ``"Kamppi, Helsinki"``.
    settings
        ``nominatim_url`` (None: offline, returns ``[]`` without any request),
        ``http_timeout_s`` and ``cache_dir`` (answers are cached by osmnx) are read.
    limit
        Most results wanted, 1 to :data:`MAX_RESULTS`.

    Returns
    -------
    list of dict
        Best match first: ``{"name": str, "kind": str, "lat": float, "lon": float}``.
        ``kind`` is the OSM tag value (``"park"``, ``"residential"``), or for an
        administrative boundary what it bounds (``"suburb"``), as in the offline index.

    Raises
    ------
    InputError
        An empty query, or *limit* out of range.
    SourceError
        Nominatim is unreachable or too slow, answers an HTTP error or something other
        than a JSON list of places.
    """
    if not query or not query.strip():
        raise InputError("the place to search for is empty")
    if not 1 <= limit <= MAX_RESULTS:
        raise InputError(f"limit must be between 1 and {MAX_RESULTS}, not {limit}")
    if not settings.nominatim_url:
        log.debug("no nominatim_url: online place search is off")
        return []

    import requests
    from osmnx import _nominatim
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    url = settings.nominatim_url.rstrip("/")
    with osmnx_session(settings, hook=_nominatim_hook(url)):
        try:
            results = _nominatim._download_nominatim_element(
                query.strip(), limit=limit, polygon_geojson=False)
        except (InsufficientResponseError, ResponseStatusCodeError) as exc:
            # osmnx raises these for a body that is not JSON, or JSON that is not a list.
            raise SourceError(f"Nominatim at {url} answered something that is not a list "
                              "of places") from exc
        except requests.RequestException as exc:
            raise SourceError(describe_request_error(
                "Nominatim", url, exc, settings.http_timeout_s)) from exc
    try:
        return [_place(result) for result in results]
    except (KeyError, TypeError, ValueError) as exc:
        raise SourceError(f"Nominatim at {url} answered places without a name or "
                          "coordinates") from exc


def _place(result: dict[str, Any]) -> dict[str, Any]:
    """One Nominatim ``format=json`` result → ``{name, kind, lat, lon}``."""
    name = result.get("name") or result["display_name"].split(",")[0]
    # For class=boundary, type is just "administrative"; addresstype says "suburb", "city".
    kind = result.get("addresstype") if result.get("class") == "boundary" else None
    return {
        "name": name,
        "kind": kind or result.get("type") or result.get("class"),
        "lat": round(float(result["lat"]), 6),
        "lon": round(float(result["lon"]), 6),
    }


def _nominatim_hook(url: str) -> Callable[..., Any]:
    """A response hook failing fast on HTTP errors (osmnx retries 429/504 forever)."""

    def hook(response: "requests.Response", *args: Any, **kwargs: Any) -> "requests.Response":
        status = f"HTTP {response.status_code} {response.reason}".strip()
        if response.status_code in (429, 504):
            raise_source_error(response, f"Nominatim at {url} is busy ({status}); "
                                         "try again in a minute")
        if not response.ok:
            raise_source_error(response, f"Nominatim at {url} answered {status}")
        return response

    return hook
