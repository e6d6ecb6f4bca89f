"""Scoring: one pure module per criterion and ``combine``.

Every criterion has the same shape::

    score_<name>(venues, context) -> pandas.DataFrame  # index of venues

with columns ``score`` (float 0–100, higher is safer), ``reason`` (a sentence citing the
evidence), ``evidence`` (one of :data:`~venuefinder.criteria.EVIDENCE`) and any extra
per-venue ``properties`` its registry row names. ``venues`` is the venue frame
(:mod:`venuefinder.venues`) projected to the region's metric CRS. Criteria never read files:
the context carries what they need.

The criteria are declared once, in :data:`venuefinder.criteria.REGISTRY`; :data:`SCORERS`
binds each row to its function here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from ..criteria import REGISTRY, Criterion
from . import flatness, hazards, obstacles, room, surface, traffic
from .combine import combine

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

    from ..config import Settings
    from ..sources.dem import Elevation

#: Registry row name → its scoring function; checked against the registry on import.
SCORERS: dict[str, Callable[..., "pd.DataFrame"]] = {
    "traffic": traffic.score_traffic, "flatness": flatness.score_flatness,
    "surface": surface.score_surface, "room": room.score_room,
    "obstacles": obstacles.score_obstacles, "hazards": hazards.score_hazards,
}
if set(SCORERS) != {c.name for c in REGISTRY}:
    raise ImportError("every criterion of venuefinder.criteria.REGISTRY needs one scorer")


def scorer(criterion: Criterion) -> Callable[..., "pd.DataFrame"]:
    """The function that scores *criterion*."""
    return SCORERS[criterion.name]


@dataclass
class ScoringContext:
    """What the criteria need beside the venues, all in the region's metric CRS.

    Attributes
    ----------
    crs
        The region's metric CRS.
    roads
        Motor roads (``venues.select_roads``).
    settings
        Weights and thresholds.
    dem
        Elevation, or None.
    obstacles
        Obstacle features (``venues.select_obstacles``): ``category``, geometry; or None.
    barriers
        Fences and walls as lines (``venues.select_barriers``), or None.
    enclosures
        Stadium and sports-centre areas (``venues.select_enclosures``), or None.
    heights
        The extract's heights of the ground (``heights.select_heights``: ``ele``, points
        and contour lines), or None: whether an area is hilly when no DEM says.
    """

    crs: "CRS"
    roads: "gpd.GeoDataFrame"
    settings: "Settings"
    dem: Optional["Elevation"] = None
    obstacles: Optional["gpd.GeoDataFrame"] = None
    barriers: Optional["gpd.GeoDataFrame"] = None
    enclosures: Optional["gpd.GeoDataFrame"] = None
    heights: Optional["gpd.GeoDataFrame"] = None
    extra: dict[str, Any] = field(default_factory=dict)


#: From this many venues, the :attr:`Criterion.geometry_only` criteria are worth scoring in
#: a second process (below it, forking costs more than it saves).
PARALLEL_MIN_VENUES = 2_000


def score_venues(venues: "gpd.GeoDataFrame", context: ScoringContext,
                 apart: Optional[Callable[[], dict[str, "pd.DataFrame"]]] = None
                 ) -> "gpd.GeoDataFrame":
    """Score every venue on every static criterion; returns the venues (WGS84) with
    ``score``, ``score_<c>``, ``reason_<c>``, ``evidence_<c>``, the criteria's properties,
    ``confidence``, ``vetoed_by`` and ``rank`` added (see :mod:`.combine`).

    *apart*, when given, answers the :attr:`Criterion.geometry_only` criteria
    (:func:`score_geometry` run elsewhere, e.g. on the second core); it is asked once the
    others are scored here."""
    metric = venues.to_crs(context.crs)
    parts = {c.name: scorer(c)(metric, context) for c in REGISTRY
             if not c.live and not (apart is not None and c.geometry_only)}
    if apart is not None:
        parts.update(apart())
    return combine(venues, {c.name: parts[c.name] for c in REGISTRY if not c.live},
                   context.settings)


def score_geometry(venues: "gpd.GeoDataFrame", crs: "CRS") -> dict[str, "pd.DataFrame"]:
    """The :attr:`Criterion.geometry_only` criteria of *venues* (WGS84), measured in *crs*:
    they need no context, so they can start before it is built."""
    metric = venues.to_crs(crs)
    return {c.name: scorer(c)(metric, None) for c in REGISTRY
            if c.geometry_only and not c.live}
