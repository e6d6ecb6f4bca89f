"""Where the app keeps what it loaded at start-up, and how views reach it.

A whole-region source (an extract, an ingested file) is one
:class:`~venuefinder.region.Region` in ``app.extensions["venuefinder"]``, loaded once by
:func:`~venuefinder.web.create_app`. A catalog source (a partitioned dataset folder, a
PostGIS database) is served on demand: ``app.extensions["venuefinder.catalog"]`` is its
:class:`~venuefinder.catalog.CatalogRegions`, which reads the tiles a query touches. Views
ask for what the query needs, the same way for both: :func:`venues_near`,
:func:`region_of`, :func:`venues_of`, :func:`region_box`, :func:`graph_near`,
:func:`search_places` and, for the page around the map, :func:`current_summary`.
``app.config["VENUEFINDER_SETTINGS"]`` is the :class:`~venuefinder.config.Settings` the app
was made with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pandas as pd
from flask import current_app

from ..catalog import CatalogRegions, TilesView
from ..errors import SourceError
from ..live import LiveReports, LiveView
from ..vocabulary import KINDS

if TYPE_CHECKING:
    from ..config import Settings
    from ..region import Region
    from ..routes import WalkGraph

EXTENSION_KEY = "venuefinder"
SETTINGS_KEY = "VENUEFINDER_SETTINGS"
#: ``app.extensions`` key of the worker's :class:`~venuefinder.live.LiveReports`.
LIVE_KEY = "venuefinder.live"
#: ``app.extensions`` key of the walking graph's loader (:mod:`venuefinder.web.routes_api`).
GRAPH_KEY = "venuefinder.walkgraph"
#: ``app.extensions`` key of a catalog source's :class:`~venuefinder.catalog.CatalogRegions`.
CATALOG_KEY = "venuefinder.catalog"
#: ``app.extensions`` key of the :class:`RegionSummary`.
SUMMARY_KEY = "venuefinder.summary"


@dataclass(frozen=True)
class RegionSummary:
    """What the page around the map says of the served region as a whole: its source, its
    bounds and middle, the kinds a search may ask for, how many venues it holds, whether
    it has its own basemap, and places near its middle (the search box's example)."""

    info: dict[str, Any]
    bounds: tuple[float, float, float, float]
    kinds: list[str]
    venue_count: int
    has_basemap: bool
    places: "pd.DataFrame" = field(default_factory=pd.DataFrame)

    @property
    def center(self) -> tuple[float, float]:
        """(lat, lon) of the middle of the region."""
        west, south, east, north = self.bounds
        return (south + north) / 2, (west + east) / 2

    @classmethod
    def of_region(cls, region: "Region") -> "RegionSummary":
        return cls(info=region.info, bounds=region.bounds, kinds=region.kinds,
                   venue_count=len(region.venues),
                   has_basemap=region.basemap is not None and len(region.basemap) > 0,
                   places=region.places)

    @classmethod
    def of_catalog(cls, regions: CatalogRegions) -> "RegionSummary":
        """A catalog's: every known kind (its tiles are not all read), the places of the
        tile at its middle."""
        bounds = regions.catalog.bounds
        lat, lon = (bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2
        return cls(info={"source": regions.catalog.source}, bounds=bounds, kinds=list(KINDS),
                   venue_count=regions.venue_count, has_basemap=True,
                   places=regions.places_near(lat, lon))


def current_settings() -> "Settings":
    """The settings of the app handling the current request."""
    return current_app.config[SETTINGS_KEY]


def current_summary() -> RegionSummary:
    """The served region as a whole (see :class:`RegionSummary`)."""
    return current_app.extensions[SUMMARY_KEY]


def current_catalog() -> Optional[CatalogRegions]:
    """The catalog served on demand; None for a whole-region source."""
    return current_app.extensions.get(CATALOG_KEY)


def current_region() -> "Region":
    """The region of an app serving a whole region (a catalog's app has none: use the
    functions below)."""
    return current_app.extensions[EXTENSION_KEY]


def current_venues() -> LiveView:
    """The whole region as the open hazard reports make it now (see
    :mod:`venuefinder.live`)."""
    reports: LiveReports = current_app.extensions[LIVE_KEY]
    return reports.view()


def venues_near(lat: float, lon: float, radius_m: float) -> "LiveView | TilesView":
    """What venue searches around the point answer from (``near_json``): every venue
    within *radius_m* of it as the open hazard reports make it now (a catalog: the views of
    the tiles whose venues may reach the circle)."""
    catalog = current_catalog()
    return current_venues() if catalog is None else \
        catalog.near(lat, lon, radius_m).view()  # type: ignore[return-value]


def region_of(venue_id: str) -> "Region":
    """A region holding the venue *venue_id* (a catalog: InputError for a malformed id,
    NotFoundError for an unknown one; a region says so when asked for the venue)."""
    catalog = current_catalog()
    return current_region() if catalog is None else catalog.of_venue(venue_id).region


def venues_of(venue_id: str) -> LiveView:
    """:func:`region_of` as the open hazard reports make it now."""
    catalog = current_catalog()
    return current_venues() if catalog is None else \
        catalog.of_venue(venue_id).view()  # type: ignore[return-value]


def region_box(bbox: tuple[float, float, float, float]) -> "Region":
    """A region holding the basemap within *bbox* (a catalog's holds no venues)."""
    catalog = current_catalog()
    return current_region() if catalog is None else catalog.box(bbox)


def search_places(text: str, limit: int) -> list[dict[str, Any]]:
    """The served region's places whose name holds *text*, prefix matches first."""
    catalog = current_catalog()
    return current_region().search_places(text, limit) if catalog is None else \
        catalog.search_places(text, limit)


def graph_near(lat: float, lon: float) -> "WalkGraph":
    """The walking graph for a route from the point: the source's (loaded once per
    process), or a catalog's tile owning the point (its halo around it).

    Raises
    ------
    SourceError
        The source has none (an ingested venue file, ``overpass``) or cannot be read.
    NotFoundError
        A catalog's tile there has no walkable way.
    """
    catalog = current_catalog()
    return current_graph() if catalog is None else catalog.graph_near(lat, lon)


def current_graph() -> "WalkGraph":
    """The walking graph of a whole-region app's source (loaded once per process).

    Raises
    ------
    SourceError
        The source has none (an ingested venue file, ``overpass``) or cannot be read.
    """
    loader = current_app.extensions.get(GRAPH_KEY)
    if loader is None:
        raise SourceError("routes need an OSM extract as the source")
    return loader.get()
