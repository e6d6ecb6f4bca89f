"""Read the features of a region live from an Overpass API server, through osmnx.

Two ``osmnx.features_from_point`` calls fetch what :mod:`venuefinder.venues` needs: the
venue tags (:data:`VENUE_TAGS`), then roads, buildings, water, stations and place names
(:data:`BASEMAP_TAGS`). osmnx's frames are converted to the features frame documented in
:mod:`venuefinder.sources`, keeping the same objects :mod:`.osm_file` keeps from an extract,
so the rest of venuefinder cannot tell the two sources apart.

This module is the only one that talks to Overpass, and (with :mod:`.geocode`) the only one
that touches ``osmnx.settings``: :func:`osmnx_session` sets them in one place, under a lock,
and puts them back afterwards.

osmnx behaviours worked around here, and why:

* an empty answer raises ``InsufficientResponseError``; here it is an empty result;
* a 200 answer that is not JSON raises the same error type: told apart by its message;
* HTTP 429/504 make osmnx sleep 55 s and retry forever, and an Overpass ``remark``
  (server-side timeout, out of memory: the elements are then partial or missing) is only
  logged. A ``requests`` response hook (:func:`_overpass_hook`) turns both into a
  :class:`~venuefinder.errors.SourceError` before osmnx sees the answer;
* when ``/status`` is unreachable or unreadable osmnx sleeps a blind 60 s before each
  query; :func:`_status_is_readable` probes it first and switches the rate limiter off
  then (a down server then fails at once; a cached answer still works offline);
* osmnx writes ``[timeout:<requests_timeout>]`` into the query, so the timeout must be an
  integer; and it pins the server's IP by replacing ``socket.getaddrinfo`` process-wide,
  which :func:`osmnx_session` undoes.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import (TYPE_CHECKING, Any, Callable, Iterable, Iterator, Mapping, NoReturn,
                    Optional)

from ..errors import InputError, SourceError
from ..vocabulary import (AREA_KEYS, ENCLOSURE_LEISURE, GATE_BARRIERS, LINE_TAGS,
                          MAP_GREEN_TAGS, MAP_WATER_TAGS, OBSTACLE_TAGS, PLACE_NODE_KEYS,
                          PLACE_NODE_TAGS, RELATION_KEYS, VENUE_LANDUSE_KINDS,
                          VENUE_LEISURE_KINDS, obstacle_categories)
from ..vocabulary.heights import ELE, HEIGHT_TAGS, ele_metres
from . import TAG_KEYS, OsmData, ReadStats, features_frame

if TYPE_CHECKING:
    from types import ModuleType

    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import requests

    from ..config import Settings

log = logging.getLogger(__name__)

#: Keys asked of Overpass with every value: all roads and paths, fences and walls,
#: waterways and buildings (the map draws them; some stand in a venue), and entrances (a
#: reader keeps every entrance node).
_WHOLE_KEYS: tuple[str, ...] = ("highway", "barrier", "waterway", "building", "entrance")


def _query(*tables: "Mapping[str, Iterable[str] | None]") -> dict[str, bool | list[str]]:
    """Vocabulary tables (``key → values``, ``None``: any value) merged as osmnx tags: key →
    True (any value) or its sorted values."""
    merged: dict[str, "set[str] | None"] = {}
    for table in tables:
        for key, values in table.items():
            known = merged.get(key, set())
            merged[key] = None if values is None or known is None else {*known, *values}
    return {key: True if values is None else sorted(values) for key, values in merged.items()}


def _obstacles(keep: "Callable[[str], bool]") -> "Iterator[dict[str, tuple[str] | None]]":
    """The obstacle vocabulary's ``(key, value)`` pairs whose key *keep* takes, as tables."""
    return ({key: None if value is None else (value,)} for key, value in OBSTACLE_TAGS
            if keep(key))


#: Venue candidates, what encloses them or stands in them as an area (a playground, a
#: picnic table), plus the green and water areas the basemap draws. The only query with
#: ``leisure``: every ``leisure`` value read is here.
VENUE_TAGS: dict[str, bool | list[str]] = _query(
    {"leisure": {*VENUE_LEISURE_KINDS, *ENCLOSURE_LEISURE},
     "landuse": set(VENUE_LANDUSE_KINDS)},
    *_obstacles(lambda key: key == "leisure"),
    MAP_GREEN_TAGS, MAP_WATER_TAGS)
#: Roads (traffic scores), obstacles, fences and stadiums, and the basemap and place names
#: around the venues; entrances and gates where a group meets; heights of the ground.
BASEMAP_TAGS: dict[str, bool | list[str]] = _query(
    dict.fromkeys(_WHOLE_KEYS), PLACE_NODE_TAGS,
    *_obstacles(lambda key: key != "leisure"), HEIGHT_TAGS)

#: How long the ``/status`` probe may take: it only decides whether osmnx may rate-limit.
_STATUS_TIMEOUT_S = 10.0
#: An Overpass remark sits after the elements, at the very end of the JSON.
_REMARK = re.compile(rb'"remark"\s*:\s*"((?:[^"\\]|\\.)*)"')
_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")
_STARTS_AS_OBJECT = re.compile(rb"\s*\{")

# osmnx.settings is one global module: two threads configuring it at once would mix URLs.
_OSMNX_LOCK = threading.RLock()
_SESSION_SETTINGS = (
    "overpass_url", "nominatim_url", "requests_timeout", "use_cache", "cache_folder",
    "log_console", "log_file", "doh_url_template", "http_user_agent", "requests_kwargs",
    "overpass_rate_limit",
)


def fetch_region(lat: float, lon: float, radius_m: float, settings: "Settings") -> OsmData:
    """Fetch the features within *radius_m* of a point from Overpass.

    Parameters
    ----------
    lat, lon
        Centre of the region, WGS84 degrees.
    radius_m
        Half the side of the square fetched (osmnx's ``dist``), in metres; at most
        ``settings.max_radius_m``.
    settings
        ``overpass_url``, ``http_timeout_s`` and ``cache_dir`` are read. Answers are cached
        by osmnx under ``cache_dir / "osmnx"`` and reused for the same query, also offline.

    Returns
    -------
    OsmData
        Features in WGS84 (see :mod:`venuefinder.sources`). ``stats.objects`` counts the
        OSM objects osmnx built from the answers; ``stats.features`` those kept. Empty when
        nothing matches (open sea, a wrong point): that is an answer, not an error.

    Raises
    ------
    InputError
        A coordinate out of range, or a radius not in ``(0, settings.max_radius_m]``.
    SourceError
        The server is unreachable or too slow, answers an HTTP error, something other than
        Overpass JSON, or a remark saying the query failed.
    """
    _check_query(lat, lon, radius_m, settings)
    url = settings.overpass_url.rstrip("/")
    rate_limit = _status_is_readable(url)
    frames = []
    with osmnx_session(settings, hook=_overpass_hook(url), overpass_rate_limit=rate_limit) as ox:
        for tags in (VENUE_TAGS, BASEMAP_TAGS):
            frame = _features_from_point(ox, url, settings, (lat, lon), radius_m, tags)
            if frame is not None:
                frames.append(frame)
    features, objects = _to_features(frames)
    stats = ReadStats(objects=objects, features=len(features))
    if not len(features):
        stats.notes.append(f"Overpass found nothing within {radius_m:g} m of {lat}, {lon}")
    log.info("overpass %s: %s", url, stats.summary())
    return OsmData(features=features, stats=stats)


@contextmanager
def osmnx_session(settings: "Settings", hook: Optional[Callable[..., Any]] = None,
                  overpass_rate_limit: bool = True) -> Iterator["ModuleType"]:
    """Configure ``osmnx.settings`` from *settings*, yield ``osmnx``, then restore them.

    The one place venuefinder sets osmnx up (also used by :mod:`.geocode`). Holds a lock so
    concurrent callers (the web app's threads) never see each other's URLs.

    Parameters
    ----------
    settings
        ``overpass_url``, ``nominatim_url``, ``http_timeout_s`` and ``cache_dir`` are read.
    hook
        A ``requests`` response hook run on every answer osmnx receives.
    overpass_rate_limit
        Whether osmnx reads ``/status`` and waits for a free slot before each query.
    """
    import socket

    import osmnx as ox

    with _OSMNX_LOCK:
        saved = {name: getattr(ox.settings, name) for name in _SESSION_SETTINGS}
        saved_getaddrinfo = socket.getaddrinfo
        try:
            ox.settings.overpass_url = settings.overpass_url.rstrip("/")
            if settings.nominatim_url:
                ox.settings.nominatim_url = settings.nominatim_url
            # An integer: osmnx also writes it into the query as Overpass's [timeout:N].
            ox.settings.requests_timeout = max(1, math.ceil(settings.http_timeout_s))
            ox.settings.use_cache = True
            ox.settings.cache_folder = str(Path(settings.cache_dir) / "osmnx")
            ox.settings.log_console = False
            ox.settings.log_file = False
            # Never ask Google's DNS-over-HTTPS behind the user's back when DNS fails.
            ox.settings.doh_url_template = None
            # Overpass and Nominatim policies ask for an agent naming the application.
            ox.settings.http_user_agent = _user_agent(ox.__version__)
            ox.settings.requests_kwargs = {"hooks": {"response": [hook]}} if hook else {}
            ox.settings.overpass_rate_limit = overpass_rate_limit
            yield ox
        finally:
            for name, value in saved.items():
                setattr(ox.settings, name, value)
            socket.getaddrinfo = saved_getaddrinfo  # osmnx's _config_dns replaced it


def describe_request_error(service: str, url: str, exc: Exception, timeout_s: float) -> str:
    """One line saying why a request to *service* at *url* failed."""
    import requests

    if isinstance(exc, requests.Timeout) and not isinstance(exc, requests.ConnectionError):
        return f"{service} at {url} did not answer within {timeout_s:g} s"
    if isinstance(exc, requests.ConnectTimeout):
        return f"{service} at {url} is unreachable: connection timed out"
    match = _ERRNO.search(str(exc))
    reason = match.group(0).strip() if match else type(exc).__name__
    return f"{service} at {url} is unreachable: {reason}"


def _check_query(lat: float, lon: float, radius_m: float, settings: "Settings") -> None:
    if not all(math.isfinite(v) for v in (lat, lon, radius_m)):
        raise InputError("latitude, longitude and radius must be finite numbers")
    if not -90.0 <= lat <= 90.0 or not -180.0 <= lon <= 180.0:
        raise InputError(f"({lat}, {lon}) is not a WGS84 latitude, longitude")
    if not 0.0 < radius_m <= settings.max_radius_m:
        raise InputError(f"radius must be in (0, {settings.max_radius_m:g}] m, not {radius_m:g}")


def _features_from_point(ox: "ModuleType", url: str, settings: "Settings",
                         point: tuple[float, float], radius_m: float,
                         tags: dict[str, bool | list[str]]) -> Optional["gpd.GeoDataFrame"]:
    """One osmnx query; None when nothing matches."""
    import requests
    from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError

    try:
        return ox.features_from_point(point, tags=tags, dist=radius_m)
    except InsufficientResponseError as exc:
        # The same type means "no features" and "a 200 answer that is not JSON".
        if "No matching features" in str(exc):
            return None
        raise SourceError(f"Overpass at {url} answered something that is not Overpass JSON") \
            from exc
    except ResponseStatusCodeError as exc:  # normally caught first by _overpass_hook
        raise SourceError(f"Overpass at {url} answered an HTTP error") from exc
    except (KeyError, TypeError) as exc:  # JSON, but no list of elements in it
        raise SourceError(f"Overpass at {url} answered JSON that is not an Overpass result") \
            from exc
    except requests.RequestException as exc:
        raise SourceError(describe_request_error(
            "Overpass", url, exc, settings.http_timeout_s)) from exc


def _overpass_hook(url: str) -> Callable[..., Any]:
    """A response hook failing fast on Overpass answers osmnx would mishandle."""

    def hook(response: "requests.Response", *args: Any, **kwargs: Any) -> "requests.Response":
        if response.request.method != "POST":  # /status checks are osmnx's own business
            return response
        problem = _overpass_problem(response)
        if problem:
            raise_source_error(response, f"Overpass at {url} {problem}")
        return response

    return hook


def _overpass_problem(response: "requests.Response") -> Optional[str]:
    """What is wrong with an Overpass answer, completing "Overpass at URL ...", or None."""
    status = f"HTTP {response.status_code} {response.reason}".strip()
    if response.status_code in (429, 504):  # osmnx would sleep 55 s and retry, forever
        return f"is busy ({status}); try again in a minute"
    if not response.ok:
        return f"answered {status}"
    if not _STARTS_AS_OBJECT.match(response.content):
        return "answered something that is not Overpass JSON"
    if b'"elements"' not in response.content:  # osmnx would cache it, then fail on it
        return "answered JSON that is not an Overpass result"
    remark = _REMARK.search(response.content[-4096:])
    if remark:  # osmnx only logs it, and the elements are partial or missing
        import json

        text = json.loads(b'"' + remark.group(1) + b'"')  # unescape the JSON string
        return f"could not complete the query: {text}"
    return None


def raise_source_error(response: "requests.Response", message: str) -> NoReturn:
    """Raise :class:`SourceError` from a response hook, releasing the connection first
    (requests never sees the response again)."""
    response.close()
    raise SourceError(message)


def _status_is_readable(url: str) -> bool:
    """Whether ``url/status`` answers in the form osmnx's rate limiter understands.

    osmnx reads line 5 of the status page: a number of free slots, ``Slot available
    after ...`` or ``Currently running ...``. Anything else (server down, no status page,
    an error page) makes it sleep 60 s before every query, so the rate limiter is only
    kept on when this probe can read the page.
    """
    import requests

    try:
        response = requests.get(f"{url}/status", timeout=_STATUS_TIMEOUT_S,
                                headers={"User-Agent": _user_agent()})
    except requests.RequestException as exc:
        log.debug("Overpass status at %s unreachable: %s", url, exc)
        return False
    lines = response.text.split("\n")
    if not response.ok or len(lines) < 5:
        return False
    first = lines[4].split(" ")[0]
    return first.isdigit() or first in ("Slot", "Currently")


def _to_features(frames: list["gpd.GeoDataFrame"]) -> tuple["gpd.GeoDataFrame", int]:
    """osmnx frames → (features frame, number of OSM objects osmnx built).

    Keeps what :mod:`.osm_file` keeps from an extract (the mirror test in
    ``tests/sources/test_overpass.py`` checks they agree): named nodes with a
    :data:`~venuefinder.vocabulary.PLACE_NODE_KEYS` tag, obstacles, entrances and gates,
    heights of the ground (:mod:`~venuefinder.vocabulary.heights`, their ``ele`` as z);
    roads, waterways, railways, fences, tree rows, contours and line tracks as lines; areas
    with an area key (:data:`~venuefinder.vocabulary.AREA_KEYS` for ways, :data:`~venuefinder.vocabulary.RELATION_KEYS`
    for multipolygons).
    """
    import numpy as np
    import pandas as pd
    import shapely

    if not frames:
        return features_frame([], [], []), 0
    raw = pd.concat(frames)
    objects = len(raw)
    # An object matching both queries (a stadium that is also a building) comes twice,
    # with the same tags and geometry.
    raw = raw.loc[~raw.index.duplicated(keep="first")]
    element = raw.index.get_level_values("element").to_numpy()
    osm_id = raw.index.get_level_values("id").to_numpy()
    geoms = _simple_geometries(raw.geometry.to_numpy())

    def tag(key: str) -> "pd.Series":
        return raw[key] if key in raw.columns else pd.Series(np.nan, index=raw.index)

    def any_tag(keys: tuple[str, ...]) -> "np.ndarray":
        return np.logical_or.reduce([tag(k).notna().to_numpy() for k in keys])

    def tagged(table: "dict[str, frozenset[str] | None]") -> "np.ndarray":
        return np.logical_or.reduce([
            (tag(k).notna() if values is None else tag(k).isin(values)).to_numpy()
            for k, values in table.items()])

    # A closed way with a highway tag (a running track mapped as a footway too) is a line to
    # the file reader unless it is area=yes; osmnx makes a polygon of it when another key
    # (leisure) is an area key: back to its ring.
    ring = ((element == "way") & np.isin(shapely.get_type_id(geoms), 3)
            & tag("highway").notna().to_numpy() & ~tag("area").isin(("yes",)).to_numpy())
    geoms[ring] = shapely.boundary(geoms[ring])  # a way's polygon has no holes: a LineString
    kind = shapely.get_type_id(geoms)
    tags = raw.drop(columns="geometry").reindex(columns=list(TAG_KEYS))
    is_line = np.isin(kind, (1, 5))
    point_features = ((obstacle_categories(tags, is_line) != "")
                      | tag("entrance").notna().to_numpy()
                      | tag("barrier").isin(GATE_BARRIERS).to_numpy())
    is_area = np.isin(kind, (3, 6))
    # Heights of the ground: their ``ele`` becomes the geometry's z (as the extract's reader).
    z = np.array([ele_metres(v) if isinstance(v, str) else None for v in tag(ELE)], dtype=float)
    heights = np.isfinite(z) & tagged(HEIGHT_TAGS)
    geoms[heights] = shapely.force_3d(geoms[heights], z[heights])
    keep = (
        ((element == "node") & (kind == 0) & (
            (tag("name").notna().to_numpy() & any_tag(PLACE_NODE_KEYS))
            | point_features | heights))
        | ((element == "way") & is_line & (tagged(LINE_TAGS) | heights))
        | ((element == "way") & is_area & any_tag(AREA_KEYS))
        | ((element == "relation") & is_area & any_tag(RELATION_KEYS))
    )
    present = [k for k in TAG_KEYS if k in raw.columns]
    records = raw.loc[keep, present].to_dict("records")
    ids = [f"{e}/{i}" for e, i in zip(element[keep], osm_id[keep])]
    return features_frame(ids, list(geoms[keep]), records), objects


def _simple_geometries(geoms: "np.ndarray") -> "np.ndarray":
    """Replace GeometryCollections (from osmnx's ``make_valid``) by their highest-dimension
    parts, so every geometry is a point, (multi)line or (multi)polygon; None if only points."""
    import numpy as np
    import shapely

    out = np.array(geoms, dtype=object)
    for i in np.flatnonzero(shapely.get_type_id(out) == 7):
        parts = shapely.get_parts(out[i])
        dims = shapely.get_dimensions(parts)
        top = dims.max() if len(parts) else 0
        out[i] = shapely.union_all(parts[dims == top]) if top > 0 else None
    return out


def _user_agent(osmnx_version: Optional[str] = None) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        ours = version("venuefinder")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        ours = "dev"
    agent = f"venuefinder/{ours}"
    return f"{agent} (osmnx {osmnx_version})" if osmnx_version else agent
