"""What a served region is read from when it is too big to hold whole: a tiled *catalog*.

A partitioned dataset (``venuefinder ingest SRC --out DIR``, :mod:`venuefinder.dataset`) and
a PostGIS database it was loaded into (``venuefinder load DIR --db URL``,
:mod:`venuefinder.spatialdb`) answer the same questions, through this one protocol, so the
server and the CLI read only the tiles a query needs and their memory does not grow with the
dataset.

A tile *owns* a box: every venue, place and basemap feature is stored by exactly one tile
(the one holding its representative point, :func:`venuefinder.partition.owner`); its walking
graph covers what the tile read (its owned box and a halo around it).
"""

from __future__ import annotations

import ctypes
import json
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from typing import (TYPE_CHECKING, Any, Callable, Hashable, Iterable, Optional, Protocol,
                    Sequence)

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from .errors import InputError, NotFoundError, SourceError
from .live import LiveReports, LiveView, ReadReports, with_live_defaults
from .region import BASEMAP_GRID_DEG, Region, collection_json, ranked
from .vocabulary import is_venue_id

if TYPE_CHECKING:
    from .config import Settings
    from .routes import WalkGraph

#: (west, south, east, north), WGS84 degrees.
Box = tuple[float, float, float, float]

#: What a venue owned by a tile may usually reach beyond the tile's owned box (metres; a
#: big park or sports ground). A tile that owns a bigger one says how far its venues
#: reach (:attr:`TileInfo.venue_bounds`).
VENUE_REACH_M = 1_000.0
#: Metres per degree of latitude, at least (at the equator): degrees from metres err wide.
METRES_PER_DEGREE_LAT = 110_540.0
#: Metres per degree of longitude on the equator.
METRES_PER_DEGREE_LON = 111_320.0


def _malloc_trim() -> Optional[Callable[[int], int]]:
    """glibc's ``malloc_trim`` (None elsewhere: another C library, another system)."""
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


#: Gives the memory the C heap holds free back to the system (see
#: :meth:`CatalogRegions._cached`).
MALLOC_TRIM = _malloc_trim()


@dataclass(frozen=True)
class TileInfo:
    """One tile of a catalog.

    Attributes
    ----------
    id
        ``r<row>c<col>``.
    owned
        The box it owns; an outer side is ``-inf``/``inf`` (it owns all beyond the grid).
    read
        The box it read (owned box and halo): what its walking graph covers.
    crs
        The metric CRS it was scored in (a UTM zone, e.g. ``EPSG:32635``); None for a tile
        that holds nothing.
    venues
        How many venues it owns.
    venue_bounds
        The box its venues lie in, when known (a catalog that does not know it: None, and
        its venues are taken to reach :data:`VENUE_REACH_M` beyond its owned box).
    """

    id: str
    owned: Box
    read: Box
    crs: Optional[str]
    venues: int
    venue_bounds: Optional[Box] = None

    def venue_reach(self) -> Box:
        """The box every venue the tile owns lies in."""
        if self.venue_bounds is not None:
            return self.venue_bounds
        return grown(self.owned, VENUE_REACH_M)


class Catalog(Protocol):
    """A tiled, scored region on disk or in a database (see the module)."""

    #: Where it was read from, for ``info`` and messages (a folder name, a database name).
    name: str
    #: The extract it was ingested from (its file name, ``Helsinki.osm.pbf``): what the map
    #: calls the region, as it does a whole extract.
    source: str
    #: The extract's bounds (WGS84).
    bounds: Box

    def tiles(self) -> list[TileInfo]:
        """Every tile, in grid order."""

    def read_venues(self, tile_ids: Sequence[str]) -> "gpd.GeoDataFrame":
        """The scored venues these tiles own (WGS84), in the columns ``ingest`` writes."""

    def read_places(self, tile_ids: Sequence[str]) -> "gpd.GeoDataFrame":
        """The named places these tiles own: ``name``, ``kind``, ``lat``, ``lon``, point
        geometry (WGS84)."""

    def read_basemap(self, box: Box) -> "gpd.GeoDataFrame":
        """Basemap features (``layer``, geometry; WGS84) that intersect *box*."""

    def venue_tile(self, venue_id: str) -> Optional[str]:
        """The id of the tile owning *venue_id*; None when no tile has it."""

    def search_places(self, text: str, limit: int) -> "pd.DataFrame":
        """Places whose name contains *text* (case-insensitive), at most *limit*, over every
        tile: ``name``, ``kind``, ``lat``, ``lon``."""

    def read_graph(self, tile_id: str) -> Optional["WalkGraph"]:
        """The walking graph of the tile (its read box), None when it has none."""


# -- boxes ----------------------------------------------------------------------------------

def grown(box: Box, metres: float) -> Box:
    """*box* (degrees) grown by at least *metres* on every side, clipped to the globe."""
    west, south, east, north = box
    pad_lat = metres / METRES_PER_DEGREE_LAT
    south, north = max(south - pad_lat, -90.0), min(north + pad_lat, 90.0)
    widest = max(abs(south), abs(north))
    pad_lon = metres / (METRES_PER_DEGREE_LON * max(math.cos(math.radians(widest)), 0.01))
    return (max(west - pad_lon, -180.0), south, min(east + pad_lon, 180.0), north)


def intersects(a: Box, b: Box) -> bool:
    """Whether two boxes share a point (edges included)."""
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def owner(points_x: np.ndarray, points_y: np.ndarray, tiles: Sequence[Any]) -> np.ndarray:
    """Index in *tiles* (anything with an ``owned`` box) of the tile owning each point (lon,
    lat): owned boxes are half-open, so a point on an edge has one owner; -1 for none (only
    for a set of tiles that does not cover the plane)."""
    found = np.full(len(points_x), -1)
    for i, tile in enumerate(tiles):
        west, south, east, north = tile.owned
        inside = ((points_x >= west) & (points_x < east) & (points_y >= south)
                  & (points_y < north))
        found[inside & (found < 0)] = i
    return found


# -- place search ---------------------------------------------------------------------------

PLACE_COLUMNS = ["name", "kind", "lat", "lon"]


def rank_places(places: "pd.DataFrame", text: str, limit: int) -> "pd.DataFrame":
    """The places (``name``, ``kind``, ``lat``, ``lon``) whose name contains *text*
    (case-insensitive), prefix matches first, then shorter names, at most *limit*: the
    ordering of :meth:`venuefinder.region.Region.search_places`, for a catalog's search."""
    needle = text.strip().casefold()
    if not needle or places.empty:
        return pd.DataFrame(columns=PLACE_COLUMNS)
    names = places["name"].astype(str).str.casefold()
    found = places.loc[names.str.contains(needle, regex=False).to_numpy(), PLACE_COLUMNS]
    names = names.loc[found.index]
    order = np.lexsort((names.str.len().to_numpy(),
                        ~names.str.startswith(needle).to_numpy()))[:limit]
    return found.iloc[order].reset_index(drop=True)


def place_records(places: "pd.DataFrame") -> list[dict[str, Any]]:
    """Places as the API answers them (as :meth:`Region.search_places`)."""
    return [{"name": r.name, "kind": r.kind, "lat": float(r.lat), "lon": float(r.lon)}
            for r in places.itertuples(index=False)]


# -- serving on demand ----------------------------------------------------------------------

#: Reads the store's version and the open reports in a box (:class:`LiveReports`).
Reports = tuple[Callable[[], Any], ReadReports]


@dataclass
class Served:
    """The region of one tile of a catalog, with the live hazard reports laid over it
    (None: no store)."""

    region: Region
    tiles: tuple[str, ...]
    reports: Optional[LiveReports] = None

    def view(self) -> "Region | LiveView":
        """What answers venue queries: the live view as the open reports make it now, or
        the region itself without a store."""
        return self.reports.view() if self.reports is not None else self.region


@dataclass
class Near:
    """The tiles' regions that answer a query around a point (:meth:`CatalogRegions.near`):
    each tile's region is held once, whichever tiles it is asked with."""

    parts: tuple[Served, ...]

    @property
    def tiles(self) -> tuple[str, ...]:
        """The tiles read for it (none when no tile's venues reach the point)."""
        return tuple(tile for part in self.parts for tile in part.tiles)

    def view(self) -> "Region | LiveView | TilesView":
        """What answers the query: one tile's view, or a view over several."""
        if len(self.parts) == 1:
            return self.parts[0].view()
        return TilesView([part.view() for part in self.parts])


class TilesView:
    """Venue queries over several tiles' views (regions or live views) at once: each view
    gives its candidates, as the reports make them now, and one ranking
    (:func:`venuefinder.region.ranked`) orders them all, as one region of those tiles
    would."""

    def __init__(self, views: Sequence["Region | LiveView"]) -> None:
        self.views = list(views)

    def near_json(self, lat: float, lon: float, radius_m: float, limit: int,
                  min_score: Optional[float] = None, kinds: Optional[Iterable[str]] = None,
                  min_confidence: Optional[float] = None, now: Optional[datetime] = None,
                  **extra: Any) -> str:
        """:meth:`Region.near_json <venuefinder.region.Region.near_json>` over the tiles."""
        kinds = list(kinds) if kinds else None
        found, scores, ranks, serialise = [], [], [], []
        offset = 0
        for view in self.views:
            # A live view answers from its window (its scores and re-scored features), as
            # its own near_json does; a plain region from itself.
            region = view.region if isinstance(view, LiveView) else view
            window = view.window(now) if isinstance(view, LiveView) else None
            rows, distances = region.candidates(lat, lon, radius_m, kinds, min_confidence)
            found.append((rows + offset, distances))
            scores.append(region.scores if window is None else window.scores)
            ranks.append(region.ranks if window is None else window.ranks)
            serialise.append((offset, region, window))
            offset += len(region.venues)
        rows = np.concatenate([r for r, _ in found]).astype(int)
        distances = np.concatenate([d for _, d in found])
        hits = ranked(rows, distances, np.concatenate(scores), np.concatenate(ranks),
                      min_score, limit)
        starts = np.array([start for start, _, _ in serialise])
        features = []
        for row, distance in hits:
            start, region, window = serialise[int(np.searchsorted(starts, row, "right")) - 1]
            features.append(region.feature_json(row - start, distance) if window is None else
                            window.feature_json(region, row - start, distance))
        return collection_json(features, extra)

    def near(self, lat: float, lon: float, radius_m: float, limit: int,
             min_score: Optional[float] = None, kinds: Optional[Iterable[str]] = None,
             min_confidence: Optional[float] = None, now: Optional[datetime] = None,
             **extra: Any) -> dict[str, Any]:
        """:meth:`near_json`, parsed: the same serializer for the CLI and the API."""
        return json.loads(self.near_json(lat, lon, radius_m, limit, min_score, kinds,
                                         min_confidence, now, **extra))


class CatalogRegions:
    """A catalog served on demand: the regions of the tiles a query touches, each tile's
    read and indexed once and kept in a least-recently-used cache holding at most
    *capacity* tiles (a query over several tiles asks each for its candidates,
    :class:`TilesView`: a tile is never held twice, in two sets of tiles).

    * Venues near a point (:meth:`near`): the tiles whose venues may reach the circle
      (:meth:`TileInfo.venue_reach`), and the tile owning the point.
    * One venue (:meth:`of_venue`): the tile the catalog's index names.
    * The basemap in a box (:meth:`box`): read for each request, never kept.
    * The walking graph (:meth:`graph_near`): the graph of the tile owning the point, which
      covers the tile's halo.

    A tile's region is measured in the metric CRS the tile was scored in (its UTM zone).
    Each has its own live view of the hazard reports (:class:`Served`).

    Parameters
    ----------
    catalog
        The tiled region (a dataset folder, a database).
    settings
        For the live criteria's columns.
    capacity
        Most tiles held at once (a tile's region counts one, its graph one); a query
        needing more is answered, and the last *capacity* of them kept.
    reports
        The store's version and report reader; None: no hazard reports.
    """

    def __init__(self, catalog: Catalog, settings: "Settings", capacity: int,
                 reports: Optional[Reports] = None) -> None:
        self.catalog, self.settings, self.capacity = catalog, settings, capacity
        self._reports = reports
        self._tiles = catalog.tiles()
        self._by_id = {tile.id: tile for tile in self._tiles}
        crs = [tile.crs for tile in self._tiles if tile.crs]
        if not crs:
            raise SourceError(f"{catalog.name} holds no venues")
        self._fallback_crs = crs[0]
        self._cache: "OrderedDict[Hashable, Any]" = OrderedDict()
        self._loading: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    @property
    def tiles(self) -> list[TileInfo]:
        """The catalog's tiles."""
        return list(self._tiles)

    @property
    def loaded(self) -> int:
        """How many tiles the cache holds now (a tile's region counts one, a graph one)."""
        with self._lock:
            return len(self._cache)

    @property
    def venue_count(self) -> int:
        return sum(tile.venues for tile in self._tiles)

    def owning(self, lat: float, lon: float) -> TileInfo:
        """The tile owning the point."""
        found = owner(np.array([lon]), np.array([lat]), self._tiles)[0]
        if found < 0:
            raise InputError(f"point {lat},{lon} lies outside {self.catalog.name}")
        return self._tiles[found]

    def near(self, lat: float, lon: float, radius_m: float) -> Near:
        """The regions holding every venue within *radius_m* of the point: those of the
        tiles whose venues may reach the circle (none: one empty region, in the zone of
        the tile owning the point)."""
        home = self.owning(lat, lon)
        circle = grown((lon, lat, lon, lat), radius_m)
        ids = sorted(tile.id for tile in self._tiles
                     if tile.venues and intersects(tile.venue_reach(), circle))
        if not ids:
            return Near((Served(Region(venues=_no_venues(), places=_no_places(),
                                       basemap=None, crs=self._crs(home),
                                       info={"source": self.catalog.name, "venues": 0,
                                             "tiles": []}), ()),))
        return Near(tuple(self._tile(tile_id) for tile_id in ids))

    def of_venue(self, venue_id: str) -> Served:
        """The region of the tile owning *venue_id*.

        Raises
        ------
        InputError
            A malformed id.
        NotFoundError
            No tile has it.
        """
        if not is_venue_id(venue_id):
            raise InputError(f"venue id must look like way/123, got {str(venue_id)[:40]!r}")
        tile_id = self.catalog.venue_tile(venue_id)
        if tile_id is None:
            raise NotFoundError(f"no venue {venue_id} in this region")
        return self._tile(tile_id)

    def box(self, box: Box) -> Region:
        """A region holding no venues and the basemap within *box* (read for this request
        only: views of the map differ, so none would be asked for twice)."""
        west, south, east, north = box
        home = self.owning(min(max((south + north) / 2, -90.0), 90.0),
                           min(max((west + east) / 2, -180.0), 180.0))
        # The region selects among its features snapped to its grid: read what snapping
        # may bring in.
        margin = (west - BASEMAP_GRID_DEG, south - BASEMAP_GRID_DEG, east + BASEMAP_GRID_DEG,
                  north + BASEMAP_GRID_DEG)
        return Region(venues=_no_venues(), places=_no_places(),
                      basemap=self.catalog.read_basemap(margin), crs=self._crs(home),
                      info={"source": self.catalog.name})

    def graph_near(self, lat: float, lon: float) -> "WalkGraph":
        """The walking graph of the tile owning the point (its owned box and halo).

        Raises
        ------
        NotFoundError
            That tile has no walkable way.
        """
        home = self.owning(lat, lon)

        def load() -> "WalkGraph":
            graph = self.catalog.read_graph(home.id)
            if graph is None:
                raise NotFoundError(f"no walkable way near {lat:.5f},{lon:.5f}")
            return graph

        return self._cached(("graph", home.id), load)

    def search_places(self, text: str, limit: int) -> list[dict[str, Any]]:
        """Places over every tile (:meth:`Catalog.search_places`), as the API answers."""
        return place_records(self.catalog.search_places(text, limit))

    def places_near(self, lat: float, lon: float) -> "pd.DataFrame":
        """The places of the tile owning the point (the map page's example search; only
        its places are read)."""
        return _place_frame(self.catalog.read_places([self.owning(lat, lon).id]))

    # -- the cache ------------------------------------------------------------------------
    def _tile(self, tile_id: str) -> Served:
        """The region of one tile, with the reports over it (cached)."""
        tile = self._by_id[tile_id]

        def load() -> Served:
            venues = self.catalog.read_venues([tile_id])
            crs = self._crs(tile)
            # With a store, the live criteria's columns, added before the region is built
            # (so it is built, and its features serialised, once).
            if self._reports is not None:
                venues = with_live_defaults(venues, crs, self.settings)
            region = Region(
                venues=venues, places=_place_frame(self.catalog.read_places([tile_id])),
                basemap=None, crs=crs,
                info={"source": self.catalog.name, "venues": len(venues), "tiles": [tile_id]},
                serialise_up_front=False)
            reports = (LiveReports(region, self.settings, *self._reports)
                       if self._reports is not None else None)
            return Served(region, (tile_id,), reports)

        return self._cached(("venues", tile_id), load)

    def _crs(self, home: TileInfo) -> CRS:
        """The tile's metric CRS; for a tile that holds nothing, the first tile's that has
        one."""
        return CRS.from_user_input(home.crs or self._fallback_crs)

    def _cached(self, key: Hashable, load: Callable[[], Any]) -> Any:
        """The cached value of *key* (a tile's region or graph), else *load()*'s, kept
        within the capacity (least recently used first out). One load at a time: two
        requests for the same tile never hold two copies."""
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
            loading = self._loading.setdefault(key, threading.Lock())
        with loading:  # other keys are served (and loaded) meanwhile
            with self._lock:
                hit = self._cache.get(key)
            if hit is not None:
                return hit
            try:
                value = load()
            finally:
                with self._lock:
                    self._loading.pop(key, None)
            with self._lock:
                self._cache[key] = value
                while len(self._cache) > self.capacity:
                    self._cache.popitem(last=False)
            # A load's temporary frames and strings, and an evicted tile, were freed in the
            # C heap of the thread that held them; glibc keeps such memory (one heap per
            # thread of the threaded server) unless told: measured on Helsinki x400, a
            # 2-tile cache then grew to 555 MiB, not 2 tiles' worth above start-up.
            if MALLOC_TRIM is not None:
                MALLOC_TRIM(0)
            return value


def _no_venues() -> "gpd.GeoDataFrame":
    """A venue frame with no rows and the columns a :class:`Region` indexes."""
    return gpd.GeoDataFrame(
        {"id": pd.Series([], dtype=object), "kind": pd.Series([], dtype=object),
         **{c: pd.Series([], dtype=float) for c in ("score", "rank", "confidence")}},
        geometry=gpd.GeoSeries([], crs="EPSG:4326"))


def _place_frame(places: "pd.DataFrame") -> "pd.DataFrame":
    """A catalog's places as a region holds them (the columns of :data:`PLACE_COLUMNS`)."""
    return (pd.DataFrame({c: places[c].to_numpy() for c in PLACE_COLUMNS}) if len(places)
            else _no_places())


def _no_places() -> "pd.DataFrame":
    """A place frame with no rows (names as text, so that a search finds none)."""
    return pd.DataFrame({c: pd.Series([], dtype=object if c in ("name", "kind") else float)
                         for c in PLACE_COLUMNS})
