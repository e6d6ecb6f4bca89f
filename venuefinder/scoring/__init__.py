"""Scoring: one pure module per criterion, and ``combine`` for weights and vetoes.

Every criterion has the same shape::

    score_<criterion>(venues, context) -> pandas.DataFrame  # index of venues; score, reason

``venues`` is the venue frame (:mod:`venuefinder.venues`) projected to the region's metric
CRS; ``score`` is a float in 0–100 (higher is safer) and ``reason`` a sentence that cites the
evidence behind it. Criteria never read files: the context carries what they need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    import geopandas as gpd
    from pyproj import CRS

    from ..config import Settings
    from ..sources.dem import Elevation

CRITERIA: tuple[str, ...] = ("flatness", "traffic", "surface")


@dataclass
class ScoringContext:
    """What the criteria need beside the venues, all in the region's metric CRS."""

    crs: "CRS"
    roads: "gpd.GeoDataFrame"
    settings: "Settings"
    dem: Optional["Elevation"] = None


def score_venues(venues: "gpd.GeoDataFrame", context: ScoringContext) -> "gpd.GeoDataFrame":
    """Score every venue; returns the venues (WGS84) with ``score``, ``score_<criterion>`` and
    ``reason_<criterion>`` columns added and ``vetoed_by`` naming a vetoing criterion."""
    from .combine import combine
    from .flatness import score_flatness
    from .surface import score_surface
    from .traffic import score_traffic

    metric = venues.to_crs(context.crs)
    parts = {
        "flatness": score_flatness(metric, context),
        "traffic": score_traffic(metric, context),
        "surface": score_surface(metric, context),
    }
    return combine(venues, parts, context.settings)
