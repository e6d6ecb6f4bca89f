"""Scoring: one pure module per criterion, one registry of them, and ``combine``.

Every criterion has the same shape::

    score_<name>(venues, context) -> pandas.DataFrame  # index of venues

with columns ``score`` (float 0–100, higher is safer), ``reason`` (a sentence citing the
evidence), ``evidence`` (one of :data:`EVIDENCE`) and any extra per-venue ``properties`` its
registry row names. ``venues`` is the venue frame (:mod:`venuefinder.venues`) projected to
the region's metric CRS. Criteria never read files: the context carries what they need.

:data:`REGISTRY` is the one place a criterion is declared: config weights, ``combine``, the
CLI table, the API's feature properties and OpenAPI document, and the ingest-file check all
read it. A new criterion is a module ``scoring/<name>.py`` with ``score_<name>`` plus one row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

    from ..config import Settings
    from ..sources.dem import Elevation

#: What a criterion's score rests on, strongest first: a measurement (DEM, geometry), OSM
#: tags someone mapped, or a guess by the kind of place.
EVIDENCE: tuple[str, ...] = ("measured", "tagged", "prior")
#: Evidence that counts towards ``confidence``.
EVIDENCE_KNOWN = frozenset({"measured", "tagged"})


@dataclass(frozen=True)
class Criterion:
    """One row of the registry.

    Attributes
    ----------
    name
        Key in ``scores``, ``reasons``, ``evidence`` and the weights; module
        ``venuefinder.scoring.<name>`` defines ``score_<name>``.
    weight
        Default weight in the combined score (normalised over all criteria on use).
    label
        Short heading (CLI table column, map popup).
    question
        What the criterion asks, for the OpenAPI document and the help.
    veto
        Whether a score below ``settings.veto_below`` caps the combined score.
    live
        Scored per request from the store (hazard reports), not cached with the region.
    properties
        Extra per-venue columns the criterion returns, copied into the venue frame and the
        feature properties (e.g. ``longest_run_m``).
    geometry_only
        Reads nothing but the venues themselves, and costs: on a big region it is scored in
        a second process while the others are scored here (see :func:`score_venues`).
    """

    name: str
    weight: float
    label: str
    question: str
    veto: bool = True
    live: bool = False
    properties: tuple[str, ...] = field(default=())
    geometry_only: bool = False

    @property
    def function(self) -> Callable[..., "pd.DataFrame"]:
        """``score_<name>``, imported on first use (keeps ``--help`` fast)."""
        return getattr(import_module(f"{__name__}.{self.name}"), f"score_{self.name}")


REGISTRY: tuple[Criterion, ...] = (
    Criterion("traffic", 0.30, "traffic", "How far is the nearest motor traffic?"),
    Criterion("flatness", 0.20, "flat", "Is the ground level?"),
    Criterion("surface", 0.15, "surface", "Is the ground even and forgiving?"),
    Criterion("room", 0.20, "room", "How far can one run in a straight line, in how much "
              "space?", properties=("longest_run_m", "usable_area_m2"), geometry_only=True),
    Criterion("obstacles", 0.15, "obstacles", "What stands in the way or crosses it?",
              properties=("obstacle_count",)),
    # Live: from the store's open reports, per request; no weight (see scoring/hazards.py).
    Criterion("hazards", 0.0, "hazards", "Have runners reported hazards here?", live=True,
              properties=("hazard_count",)),
)
CRITERIA: tuple[str, ...] = tuple(c.name for c in REGISTRY)
BY_NAME: dict[str, Criterion] = {c.name: c for c in REGISTRY}
#: Columns the criteria add to a venue row beside ``score_<c>``, ``reason_<c>``,
#: ``evidence_<c>``.
CRITERION_PROPERTIES: tuple[str, ...] = tuple(p for c in REGISTRY for p in c.properties)


def scored_columns() -> list[str]:
    """Columns a frame of venues scored on every static criterion holds."""
    columns = ["score", "confidence", "vetoed_by", "note", "rank"]
    for c in REGISTRY:
        if not c.live:
            columns += [f"score_{c.name}", f"reason_{c.name}", f"evidence_{c.name}",
                        *c.properties]
    return columns


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
    """

    crs: "CRS"
    roads: "gpd.GeoDataFrame"
    settings: "Settings"
    dem: Optional["Elevation"] = None
    obstacles: Optional["gpd.GeoDataFrame"] = None
    barriers: Optional["gpd.GeoDataFrame"] = None
    enclosures: Optional["gpd.GeoDataFrame"] = None
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
    from .combine import combine

    metric = venues.to_crs(context.crs)
    parts = {c.name: c.function(metric, context) for c in REGISTRY
             if not c.live and not (apart is not None and c.geometry_only)}
    if apart is not None:
        parts.update(apart())
    return combine(venues, {c.name: parts[c.name] for c in REGISTRY if not c.live},
                   context.settings)


def score_geometry(venues: "gpd.GeoDataFrame", crs: "CRS") -> dict[str, "pd.DataFrame"]:
    """The :attr:`Criterion.geometry_only` criteria of *venues* (WGS84), measured in *crs*:
    they need no context, so they can start before it is built."""
    metric = venues.to_crs(crs)
    return {c.name: c.function(metric, None) for c in REGISTRY
            if c.geometry_only and not c.live}
