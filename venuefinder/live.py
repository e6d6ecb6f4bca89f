"""Live criteria over an immutable scored region: hazard reports applied per request.

The region (:class:`~venuefinder.region.Region`) is scored once and preloaded; reports
change all the time. So a live criterion is an overlay: :func:`with_live_defaults` gives
every venue the criterion's "nothing reported" columns once (pre-serialised with the rest),
and a :class:`LiveOverlay` built from the current open reports re-scores, per request, only
the few venues of an answer that a report touches, then runs ``combine`` again for them.
Pure: the caller reads the reports (from the store) and decides when to rebuild the overlay.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .criteria import BY_NAME, REGISTRY
from .scoring import ScoringContext, scorer
from .scoring.combine import combine, parts_from_columns

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

    from .config import Settings
    from .region import Region

LIVE = tuple(c for c in REGISTRY if c.live)
_TOKENS = itertools.count(1)


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
    from .region import Region

    venues = with_live_defaults(region.venues, region.crs, settings)
    if venues is region.venues:
        return region
    return Region(venues=venues, places=region.places, basemap=region.basemap,
                  crs=region.crs, info=region.info)


def _combine_live(venues: "gpd.GeoDataFrame", crs: "CRS", settings: "Settings",
                  extra: dict[str, Any]) -> "gpd.GeoDataFrame":
    static = [c.name for c in REGISTRY if not c.live and f"score_{c.name}" in venues]
    parts = parts_from_columns(venues, static)
    parts.update(_live_parts(venues, crs, settings, extra))
    return combine(venues, parts, settings)


def _live_parts(venues: "gpd.GeoDataFrame", crs: "CRS", settings: "Settings",
                extra: dict[str, Any]) -> dict[str, "pd.DataFrame"]:
    """Every live criterion's frame for *venues* given the live inputs in *extra*."""
    context = ScoringContext(crs=crs, roads=None, settings=settings,  # type: ignore[arg-type]
                             extra=extra)
    metric = venues.to_crs(crs)
    return {criterion.name: scorer(criterion)(metric, context) for criterion in LIVE}


@dataclass
class LiveOverlay:
    """The open hazard reports of one moment, indexed for the per-request re-scoring.

    Attributes
    ----------
    hazards
        Open reports (``id``, ``kind``, ``severity``, ``lat``, ``lon``, ``confirmations``,
        ``created_at``…), as :func:`venuefinder.store.hazards.open_hazards_in_bbox` gives.
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
    _token: int = field(init=False, repr=False, default=0)

    def __post_init__(self) -> None:
        import geopandas as gpd
        import shapely

        self._token = next(_TOKENS)  # unlike id(), never reused by a later overlay

        if len(self.hazards):
            points = gpd.points_from_xy(self.hazards["lon"].to_numpy(dtype=float),
                                        self.hazards["lat"].to_numpy(dtype=float),
                                        crs="EPSG:4326").to_crs(self.crs)
            self._tree = shapely.STRtree(np.asarray(points))

    def touched(self, metric_geoms: "np.ndarray") -> "np.ndarray":
        """Positions of the geometries (metric CRS) that a report is within reach of."""
        from .scoring.hazards import REACH_M

        if self._tree is None or not len(metric_geoms):
            return np.zeros(0, dtype=int)
        venue_idx, _ = self._tree.query(metric_geoms, predicate="dwithin", distance=REACH_M)
        return np.unique(venue_idx)

    def window(self, now: Optional[datetime] = None) -> tuple[Any, datetime]:
        """(a key, the time to score at) that stays the same while re-scored venues may be
        reused: here every call is its own window (a caching overlay widens it)."""
        from datetime import timezone

        at = now or datetime.now(timezone.utc)
        return (self._token, at), at

    def rescore(self, venues: "gpd.GeoDataFrame",
                now: Optional[datetime] = None) -> "gpd.GeoDataFrame":
        """*venues* (rows of a region, WGS84) scored again with the current reports."""
        return _combine_live(venues, self.crs, self.settings,
                             {"hazards": self.hazards, "now": now})

