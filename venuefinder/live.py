"""The live view: hazard reports applied over an immutable scored region, in one place.

The region (:class:`~venuefinder.region.Region`) is scored once and preloaded; reports
change all the time. So a live criterion is an overlay:

* :func:`with_live_defaults` gives every venue the criterion's "nothing reported" columns
  once (pre-serialised with the rest);
* a :class:`LiveOverlay` holds the open reports of one moment and re-scores the venues a
  report touches (the live criteria, flatness where a "steep hill" is reported, then
  ``combine`` again);
* a :class:`LiveView` answers queries over the region as those reports make it: every
  touched venue is re-scored and serialised once per window (until the first report expires,
  or :data:`RESCORE_TTL_S`), so a request is lookups, as without reports;
* :class:`LiveReports` keeps one worker's view, rebuilt when the store's version moves.

It reads no store itself: the caller passes the functions that read the version and the
reports (the web app and the CLI wire them to :mod:`venuefinder.store`), so this room sits
below the store.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .clock import aware
from .criteria import BY_NAME, REGISTRY
from .region import DISTANCE_KEY, Region, collection_json, ranked, with_distance
from .scoring import ScoringContext, scorer
from .scoring.combine import combine, parts_from_columns
from .scoring.hazards import REACH_M, with_hill_reports
from .serialize import feature, venue_properties

if TYPE_CHECKING:
    from pyproj import CRS

    from .config import Settings

LIVE = tuple(c for c in REGISTRY if c.live)
#: How long re-scored venues are reused at most: reports' weights fade with half-lives of
#: days, so a minute moves no score by more than its rounding.
RESCORE_TTL_S = 60.0
#: Margin (degrees, ~100 m) around the region's venues within which reports are read.
BBOX_MARGIN_DEG = 0.001

#: Reads the open reports in a box: (west, south, east, north) → a frame as
#: :func:`venuefinder.store.hazards.open_hazards_in_bbox` gives.
ReadReports = Callable[[float, float, float, float], "pd.DataFrame"]


def with_live_defaults(venues: "gpd.GeoDataFrame", crs: "CRS",
                       settings: "Settings") -> "gpd.GeoDataFrame":
    """*venues* (scored on the static criteria) with every live criterion's columns as they
    are when nothing is reported, combined again (no weight, no penalty: scores unchanged)."""
    if all(f"score_{c.name}" in venues for c in LIVE):
        return venues
    weights = settings.weights.model_dump()
    if any(weights[c.name] for c in LIVE):
        return _combine_live(venues, crs, settings, {})
    # Without weight, nothing reported changes no score: only the columns are added (so a
    # region keeps the very scores it was loaded with).
    defaults = _live_parts(venues, crs, settings, {})
    venues = venues.copy()
    for name, part in defaults.items():
        for column in ("score", "reason", "evidence"):
            venues[f"{column}_{name}"] = part[column].to_numpy()
        for prop in BY_NAME[name].properties:
            venues[prop] = part[prop].to_numpy()
    return venues


def region_with_live(region: "Region", settings: "Settings") -> "Region":
    """*region* with the live criteria's default columns (see :func:`with_live_defaults`)."""
    venues = with_live_defaults(region.venues, region.crs, settings)
    if venues is region.venues:
        return region
    return Region(venues=venues, places=region.places, basemap=region.basemap,
                  crs=region.crs, info=region.info)


def _combine_live(venues: "gpd.GeoDataFrame", crs: "CRS", settings: "Settings",
                  extra: dict[str, Any]) -> "gpd.GeoDataFrame":
    static = [c.name for c in REGISTRY if not c.live and f"score_{c.name}" in venues]
    parts = parts_from_columns(venues, static)
    metric = venues.to_crs(crs)
    parts.update(_live_parts(venues, crs, settings, extra, metric))
    # A "steep hill" report says how level the ground is: flatness takes it.
    if "flatness" in parts and extra.get("hazards") is not None:
        parts["flatness"] = with_hill_reports(parts["flatness"], metric, extra["hazards"], crs,
                                              extra.get("now"))
    return combine(venues, parts, settings)


def _live_parts(venues: "gpd.GeoDataFrame", crs: "CRS", settings: "Settings",
                extra: dict[str, Any], metric: Optional["gpd.GeoDataFrame"] = None
                ) -> dict[str, "pd.DataFrame"]:
    """Every live criterion's frame for *venues* given the live inputs in *extra*
    (*metric*: the venues already in *crs*, when the caller has them)."""
    context = ScoringContext(crs=crs, roads=None, settings=settings,  # type: ignore[arg-type]
                             extra=extra)
    metric = venues.to_crs(crs) if metric is None else metric
    return {criterion.name: scorer(criterion)(metric, context) for criterion in LIVE}


@dataclass
class LiveOverlay:
    """The open hazard reports of one moment, indexed for re-scoring the venues they touch.

    Attributes
    ----------
    hazards
        Open reports (``id``, ``kind``, ``severity``, ``lat``, ``lon``, ``confirmations``,
        ``created_at``, ``expires_at``, ``reporter``…), as
        :func:`venuefinder.store.hazards.open_hazards_in_bbox` gives.
    crs
        The region's metric CRS.
    settings
        Weights and vetoes for ``combine``.
    version
        The store version the reports were read at (for the caller's cache).
    """

    hazards: "pd.DataFrame"
    crs: "CRS"
    settings: "Settings"
    version: Any = None
    _tree: Any = field(init=False, repr=False, default=None)

    def __post_init__(self) -> None:
        if len(self.hazards):
            points = gpd.points_from_xy(self.hazards["lon"].to_numpy(dtype=float),
                                        self.hazards["lat"].to_numpy(dtype=float),
                                        crs="EPSG:4326").to_crs(self.crs)
            self._tree = shapely.STRtree(np.asarray(points))

    def touched(self, metric_geoms: "np.ndarray") -> "np.ndarray":
        """Positions of the geometries (metric CRS) that a report is within reach of."""
        if self._tree is None or not len(metric_geoms):
            return np.zeros(0, dtype=int)
        venue_idx, _ = self._tree.query(metric_geoms, predicate="dwithin", distance=REACH_M)
        return np.unique(venue_idx)

    def expiries(self) -> "pd.Series":
        """When the reports expire, soonest first (reports that never expire left out)."""
        expiries = self.hazards.get("expires_at")
        if expiries is None:
            return pd.Series([], dtype="datetime64[us, UTC]")
        return pd.to_datetime(expiries.dropna(), utc=True).sort_values()

    def rescore(self, venues: "gpd.GeoDataFrame",
                now: Optional[datetime] = None) -> "gpd.GeoDataFrame":
        """*venues* (rows of a region, WGS84) scored again with the current reports."""
        return _combine_live(venues, self.crs, self.settings,
                             {"hazards": self.hazards, "now": now})


@dataclass
class Window:
    """What the reports make of the region from *since* until *until*."""

    since: datetime
    until: datetime
    scores: "np.ndarray"
    ranks: "np.ndarray"
    #: Re-scored venues by row: the feature, and its JSON split around ``distance_m``.
    features: dict[int, dict[str, Any]]
    parts: dict[int, tuple[str, str]]

    def feature_json(self, region: Region, row: int, distance_m: float) -> str:
        """Row *row* of *region* as JSON at *distance_m*: as the reports re-scored it, else
        as the region serialised it."""
        part = self.parts.get(row)
        return region.feature_json(row, distance_m) if part is None else \
            with_distance(part, distance_m)


class LiveView:
    """A region as one overlay's reports make it: the queries of
    :class:`~venuefinder.region.Region`, with the venues a report touches scored again.

    Every touched venue is re-scored and serialised once per window, all at the window's
    first instant (so answers agree with each other); the window ends after *ttl_s* or when
    the first report expires, whichever is sooner (an expired report stops counting at once).

    Parameters
    ----------
    region
        The scored region, with the live criteria's default columns
        (:func:`region_with_live`).
    overlay
        The open reports.
    ttl_s
        Longest window, seconds.
    """

    def __init__(self, region: Region, overlay: LiveOverlay,
                 ttl_s: float = RESCORE_TTL_S) -> None:
        self.region, self.overlay, self.ttl = region, overlay, timedelta(seconds=ttl_s)
        self._expiries = overlay.expiries()
        self._touched = overlay.touched(region.metric)
        self._window: Optional[Window] = None
        self._lock = threading.Lock()

    @property
    def version(self) -> Any:
        """The store version the reports were read at."""
        return self.overlay.version

    def near_json(self, lat: float, lon: float, radius_m: float, limit: int,
                  min_score: Optional[float] = None, kinds: Optional[Iterable[str]] = None,
                  min_confidence: Optional[float] = None, now: Optional[datetime] = None,
                  **extra: Any) -> str:
        """:meth:`Region.near_json <venuefinder.region.Region.near_json>` with the reports."""
        window = self.window(now)
        rows, distances = self.region.candidates(lat, lon, radius_m, kinds, min_confidence)
        hits = ranked(rows, distances, window.scores, window.ranks, min_score, limit)
        return collection_json([window.feature_json(self.region, row, distance)
                                for row, distance in hits], extra)

    def near(self, lat: float, lon: float, radius_m: float, limit: int,
             min_score: Optional[float] = None, kinds: Optional[Iterable[str]] = None,
             min_confidence: Optional[float] = None, now: Optional[datetime] = None,
             **extra: Any) -> dict[str, Any]:
        """:meth:`near_json`, parsed: the same serializer for the CLI and the API."""
        return json.loads(self.near_json(lat, lon, radius_m, limit, min_score, kinds,
                                         min_confidence, now, **extra))

    def venue(self, venue_id: str, now: Optional[datetime] = None) -> dict[str, Any]:
        """One venue's feature by OSM id, with the reports (errors as
        :meth:`Region.row_of <venuefinder.region.Region.row_of>`)."""
        row = self.region.row_of(venue_id)
        live = self.window(now).features.get(row)
        return live if live is not None else self.region.feature(row)

    def window(self, now: Optional[datetime]) -> Window:
        """The window holding *now* (default: the clock's now): the scores, ranks and
        re-scored features every answer of that window comes from."""
        now = aware(now)
        with self._lock:
            window = self._window
            if window is None or not window.since <= now < window.until:
                window = self._window = self._score(now)
            return window

    def _score(self, since: datetime) -> Window:
        region, touched = self.region, self._touched
        scores, ranks = region.scores.copy(), region.ranks.copy()
        features: dict[int, dict[str, Any]] = {}
        parts: dict[int, tuple[str, str]] = {}
        if touched.size:
            live = self.overlay.rescore(region.venues.iloc[touched], since)
            scores[touched] = live["score"].to_numpy(dtype=float)
            ranks[touched] = live["rank"].to_numpy(dtype=float)
            marker = f'"{DISTANCE_KEY}": null'
            records = live.drop(columns="geometry").to_dict("records")
            for row, record in zip(touched.tolist(), records):
                features[row] = feature(venue_properties(record, None), region.geojson(row))
                head, _, tail = json.dumps(features[row], ensure_ascii=False).partition(marker)
                parts[row] = (head, tail)
        later = self._expiries[self._expiries > pd.Timestamp(since)]
        until = since + self.ttl
        if len(later):
            until = min(until, later.iloc[0].to_pydatetime())
        return Window(since, until, scores, ranks, features, parts)


def read_overlay(region: Region, settings: "Settings", read: ReadReports,
                 version: Any = None) -> LiveOverlay:
    """The open reports around *region*'s venues (read with *read*), stamped *version*."""
    west, south, east, north = region.bounds
    hazards = read(max(west - BBOX_MARGIN_DEG, -180.0), max(south - BBOX_MARGIN_DEG, -90.0),
                   min(east + BBOX_MARGIN_DEG, 180.0), min(north + BBOX_MARGIN_DEG, 90.0))
    return LiveOverlay(hazards, region.crs, settings, version=version)


class LiveReports:
    """One worker's live view, rebuilt when the store's version moves.

    Per request it asks for the version (one primary-key read) and reads the reports again
    only when a write, in any worker or process, bumped it; the version is read before the
    reports, so a write in between only causes one more rebuild, never a stale view.

    Parameters
    ----------
    region, settings
        The served region (with the live defaults) and its settings.
    version
        Reads the store's version.
    read
        Reads the open reports in a box (see :data:`ReadReports`).
    """

    def __init__(self, region: Region, settings: "Settings", version: Callable[[], Any],
                 read: ReadReports) -> None:
        self.region, self.settings = region, settings
        self._version, self._read = version, read
        self._view: Optional[LiveView] = None
        self._lock = threading.Lock()

    def view(self) -> LiveView:
        """The live view of the store as it is now."""
        version = self._version()
        view = self._view
        if view is not None and view.version == version:
            return view
        with self._lock:
            if self._view is None or self._view.version != version:
                overlay = read_overlay(self.region, self.settings, self._read, version)
                self._view = LiveView(self.region, overlay)
            return self._view
