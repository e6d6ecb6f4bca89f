"""A scored region in memory: the immutable query index the CLI and the web app answer from.

Pure: it reads no file. :mod:`venuefinder.prepare` builds one from a source (and keeps it in
the disk cache); :mod:`venuefinder.live` lays the hazard reports over it. The arrows point
one way, towards here::

    region = prepare_region(settings)                    # venuefinder.prepare
    region.query(60.17, 24.94, radius_m=1500, limit=10)  # best first
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Optional

import numpy as np
import shapely
from pyproj import Transformer

from .errors import InputError, NotFoundError
from .meeting import MeetingPoint
from .serialize import feature, feature_collection, meeting_point, venue_properties
from .vocabulary import is_venue_id

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS


log = logging.getLogger(__name__)

#: The most basemap features one request may draw; more means the view is too wide to read.
MAX_BASEMAP_FEATURES = 4000
#: Basemap simplification tolerance and coordinate grid, in degrees: about 1 m, invisible at
#: the zooms the basemap is drawn at (one pixel is 2 m at zoom 15 in Helsinki).
BASEMAP_GRID_DEG = 1e-5
#: Basemap drawing order, bottom to top: areas first, then the lines that cross them.
BASEMAP_LAYER_ORDER = ("green", "water", "building", "path", "road")
DISTANCE_KEY = "distance_m"


@dataclass
class Region:
    """Scored venues of one region with the indexes that answer queries.

    Attributes
    ----------
    venues
        Scored venue frame (WGS84): the schema of :mod:`venuefinder.venues` plus ``score``,
        ``score_<criterion>``, ``reason_<criterion>`` and ``vetoed_by``.
    places
        Named places for offline search: ``name``, ``kind``, ``lat``, ``lon``.
    basemap
        Light basemap features (``layer``, geometry; WGS84), or None.
    crs
        The region's metric CRS.
    info
        What was read: source name and clipping statistics.
    serialise_up_front
        Serialise every venue's answer when built (a whole region: server workers forked
        after start-up share them, and no request pays); False: each on its first answer
        (a catalog's tile, built while a request waits, answers a few of its venues).
    """

    venues: "gpd.GeoDataFrame"
    places: "pd.DataFrame"
    basemap: Optional["gpd.GeoDataFrame"]
    crs: "CRS"
    info: dict[str, Any] = field(default_factory=dict)
    serialise_up_front: bool = True

    def __post_init__(self) -> None:
        self._to_metric = Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        metric = self.venues.geometry.to_crs(self.crs).to_numpy()
        self._metric = metric
        self._tree = shapely.STRtree(metric)
        self._geojson = shapely.to_geojson(self.venues.geometry.to_numpy())
        self._scores = self.venues["score"].to_numpy(dtype=float)
        self._rank = self.venues["rank"].to_numpy(dtype=float)
        self._confidence = self.venues["confidence"].to_numpy(dtype=float)
        self._kinds = self.venues["kind"].to_numpy(dtype=object)
        self._row_by_id = {vid: i for i, vid in enumerate(self.venues["id"])}
        self._place_names = self.places["name"].str.casefold().to_numpy(dtype=object)
        west, south, east, north = (float(v) for v in self.venues.total_bounds)
        self._bounds = (west, south, east, north)
        self._kind_list = sorted(set(self._kinds))
        # Every feature serialised once, split around the one per-query value (distance):
        # a query then only joins strings. Done up front (about 15 µs a venue) so that
        # server workers forked after start-up share it and no request pays for it.
        self._feature_parts: dict[int, tuple[str, str]] = (
            dict(enumerate(self._serialise_features())) if self.serialise_up_front else {})
        self._basemap_tree = None
        if self.basemap is not None and len(self.basemap):
            # Background only: simplified and snapped to about 1 m once, here, so that a
            # request only selects and merges (15-digit coordinates were most of its bytes).
            geoms = shapely.set_precision(
                shapely.simplify(self.basemap.geometry.to_numpy(), BASEMAP_GRID_DEG),
                BASEMAP_GRID_DEG)
            keep = ~shapely.is_empty(geoms)
            self._basemap_geoms = geoms[keep]
            self._basemap_layers = self.basemap["layer"].to_numpy(dtype=object)[keep]
            self._basemap_tree = shapely.STRtree(self._basemap_geoms)

    # -- reading -------------------------------------------------------------------------
    @property
    def kinds(self) -> list[str]:
        """Venue kinds present in this region."""
        return self._kind_list

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """(west, south, east, north) of the venues, WGS84."""
        return self._bounds

    @property
    def center(self) -> tuple[float, float]:
        """(lat, lon) of the middle of the region."""
        west, south, east, north = self.bounds
        return (south + north) / 2, (west + east) / 2

    @property
    def metric(self) -> "np.ndarray":
        """The venues' geometries in the metric CRS, by row."""
        return self._metric

    @property
    def scores(self) -> "np.ndarray":
        """The venues' combined scores, by row."""
        return self._scores

    @property
    def ranks(self) -> "np.ndarray":
        """The venues' ranks (score plus the near-tie bonus for evidence), by row."""
        return self._rank

    def geojson(self, row: int) -> str:
        """Venue *row*'s geometry as GeoJSON text."""
        return self._geojson[row]

    def query(self, lat: float, lon: float, radius_m: float, limit: int,
              min_score: Optional[float] = None, kinds: Optional[Iterable[str]] = None,
              min_confidence: Optional[float] = None) -> list[tuple[int, float]]:
        """Venues within *radius_m* of a point, best first by rank (the score, near-ties to
        evidence; then nearest first).

        Returns
        -------
        list of (row, distance in metres)
        """
        rows, distances = self.candidates(lat, lon, radius_m, kinds, min_confidence)
        return ranked(rows, distances, self._scores, self._rank, min_score, limit)

    def candidates(self, lat: float, lon: float, radius_m: float,
                   kinds: Optional[Iterable[str]] = None,
                   min_confidence: Optional[float] = None
                   ) -> tuple["np.ndarray", "np.ndarray"]:
        """Rows within *radius_m* of the point passing the filters that live criteria cannot
        change (kind, confidence), with their distances in metres."""
        x, y = self._to_metric.transform(lon, lat)
        if not (np.isfinite(x) and np.isfinite(y)):
            raise InputError(f"point {lat},{lon} cannot be placed in this region's map")
        point = shapely.Point(x, y)
        rows = self._tree.query(point, predicate="dwithin", distance=radius_m)
        if kinds:
            rows = rows[np.isin(self._kinds[rows], list(kinds))]
        if min_confidence is not None:
            rows = rows[self._confidence[rows] >= min_confidence]
        return rows, shapely.distance(self._metric[rows], point)

    def feature(self, row: int, distance_m: Optional[float] = None) -> dict[str, Any]:
        """The GeoJSON feature of venue *row* (see :mod:`venuefinder.serialize`)."""
        record = self.venues.iloc[row]
        return feature(venue_properties(record, distance_m), self._geojson[row])

    def _serialise_features(self) -> list[tuple[str, str]]:
        records = self.venues.drop(columns="geometry").to_dict("records")
        return [self._serialised(row, record) for row, record in enumerate(records)]

    def _serialised(self, row: int, record: dict[str, Any]) -> tuple[str, str]:
        """Venue *row*'s feature as JSON, split around its distance."""
        text = json.dumps(feature(venue_properties(record, None), self._geojson[row]),
                          ensure_ascii=False)
        # The key is unique and cannot occur unescaped inside a string value.
        head, _, tail = text.partition(f'"{DISTANCE_KEY}": null')
        return head, tail

    def feature_json(self, row: int, distance_m: float) -> str:
        """:meth:`feature` already serialised as JSON (the fast path of the API)."""
        parts = self._feature_parts.get(row)
        if parts is None:  # not serialised up front: now, once
            record = self.venues.iloc[[row]].drop(columns="geometry").to_dict("records")[0]
            parts = self._feature_parts[row] = self._serialised(row, record)
        return with_distance(parts, distance_m)

    def near_json(self, lat: float, lon: float, radius_m: float, limit: int,
                  min_score: Optional[float] = None, kinds: Optional[Iterable[str]] = None,
                  min_confidence: Optional[float] = None, **extra: Any) -> str:
        """:meth:`query` as a GeoJSON FeatureCollection serialised as JSON, with *extra*
        members (e.g. the query) after ``features``. (With hazard reports:
        :class:`venuefinder.live.LiveView`.)"""
        hits = self.query(lat, lon, radius_m, limit, min_score, kinds, min_confidence)
        return collection_json([self.feature_json(row, d) for row, d in hits], extra)

    def near(self, lat: float, lon: float, radius_m: float, limit: int,
             min_score: Optional[float] = None, kinds: Optional[Iterable[str]] = None,
             min_confidence: Optional[float] = None, **extra: Any) -> dict[str, Any]:
        """:meth:`near_json`, parsed: the same serializer for the CLI and the API."""
        return json.loads(self.near_json(lat, lon, radius_m, limit, min_score, kinds,
                                         min_confidence, **extra))

    def row_of(self, venue_id: str) -> int:
        """Row of a venue by OSM id (``way/123``); InputError when malformed, NotFoundError
        when unknown."""
        if not is_venue_id(venue_id):
            raise InputError(f"venue id must look like way/123, got {str(venue_id)[:40]!r}")
        row = self._row_by_id.get(venue_id)
        if row is None:
            raise NotFoundError(f"no venue {venue_id} in this region")
        return row

    def venue(self, venue_id: str) -> dict[str, Any]:
        """One venue's feature by OSM id (errors as :meth:`row_of`)."""
        return self.feature(self.row_of(venue_id))

    def meeting_point(self, venue_id: str) -> "MeetingPoint":
        """Where a group would meet at a venue: the suggestion made when the region was
        scored (an entrance, a gate in its fence, its edge nearest a footpath), or, for a
        venue file ingested before suggestions were made, the middle of the venue.

        Raises
        ------
        InputError, NotFoundError
            As :meth:`row_of`.
        """
        row = self.row_of(venue_id)
        suggested = meeting_point(self.venues.iloc[row])
        if suggested is not None:
            lat, lon, kind, reason = (suggested[k] for k in ("lat", "lon", "kind", "reason"))
        else:
            middle = self.venues.geometry.iloc[row].representative_point()
            lat, lon, kind = round(middle.y, 7), round(middle.x, 7), "venue"
            reason = ("The middle of the venue (this venue file was ingested before "
                      "meeting points were suggested: re-ingest it for one)")
        x, y = self._to_metric.transform(lon, lat)
        return MeetingPoint(lat, lon, float(x), float(y), kind, reason)

    def search_places(self, text: str, limit: int = 10) -> list[dict[str, Any]]:
        """Places whose name contains *text* (case-insensitive); prefix matches first."""
        needle = text.strip().casefold()
        if not needle:
            return []
        names = self._place_names
        hits = np.flatnonzero([needle in name for name in names])
        if not hits.size:
            return []
        starts = np.array([names[i].startswith(needle) for i in hits])
        lengths = np.array([len(names[i]) for i in hits])
        order = hits[np.lexsort((lengths, ~starts))][:limit]
        found = self.places.iloc[order]
        return [{"name": r.name, "kind": r.kind, "lat": float(r.lat), "lon": float(r.lon)}
                for r in found.itertuples(index=False)]

    def basemap_features(self, west: float, south: float, east: float,
                         north: float) -> dict[str, Any]:
        """The light basemap inside a WGS84 box: one feature per layer (``layer``,
        ``count``) whose geometry is a GeometryCollection, drawn bottom to top in
        :data:`BASEMAP_LAYER_ORDER`; ``truncated`` says when the box held more than
        :data:`MAX_BASEMAP_FEATURES` (roads and water are kept first)."""
        if self._basemap_tree is None:
            return feature_collection([], truncated=False)
        rows = self._basemap_tree.query(shapely.box(west, south, east, north))
        truncated = len(rows) > MAX_BASEMAP_FEATURES
        layers = self._basemap_layers[rows]
        if truncated:
            keep_first = np.argsort(~np.isin(layers, ("road", "water")), kind="stable")
            rows, layers = rows[keep_first][:MAX_BASEMAP_FEATURES], layers[keep_first][
                :MAX_BASEMAP_FEATURES]
        features = []
        for layer in BASEMAP_LAYER_ORDER:
            parts = self._basemap_geoms[rows[layers == layer]]
            if len(parts):
                collection = shapely.geometrycollections(parts)
                features.append({"type": "Feature",
                                 "properties": {"layer": layer, "count": int(len(parts))},
                                 "geometry": json.loads(shapely.to_geojson(collection))})
        return feature_collection(features, truncated=truncated)


def ranked(rows: "np.ndarray", distances: "np.ndarray", scores: "np.ndarray",
           ranks: "np.ndarray", min_score: Optional[float], limit: int
           ) -> list[tuple[int, float]]:
    """The ordering rule of every answer: *rows* (with their *distances*) scoring at least
    *min_score*, best rank first, then nearest first, at most *limit*.

    Returns
    -------
    list of (row, distance in metres)
    """
    keep = scores[rows] >= min_score if min_score is not None else slice(None)
    rows, distances = rows[keep], distances[keep]
    order = np.lexsort((distances, -ranks[rows]))[:limit]
    return list(zip(rows[order].tolist(), distances[order].tolist()))


def with_distance(parts: tuple[str, str], distance_m: float) -> str:
    """A feature serialised around its one per-query value (the JSON before and after
    ``distance_m``), with *distance_m* put in."""
    head, tail = parts
    return f'{head}"{DISTANCE_KEY}": {round(distance_m, 1)!r}{tail}'


def collection_json(features: list[str], extra: dict[str, Any]) -> str:
    """A FeatureCollection from features already serialised, with *extra* members (e.g. the
    query) after ``features``."""
    members = "".join(f", {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}"
                      for k, v in extra.items())
    return f'{{"type": "FeatureCollection", "features": [{", ".join(features)}]{members}}}'
