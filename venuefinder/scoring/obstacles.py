"""Obstacles: what a runner who cannot see would hit or trip on inside the venue.

From OSM (:data:`~venuefinder.vocabulary.OBSTACLE_TAGS`): trees and tree rows, benches,
bins, lamps, poles, bollards, kerbs, fences and walls inside, playgrounds and their
equipment, water, buildings, rocks and sculptures; paths and cycleways that cross the venue
(people walk and ride into you); and what stands on a court
(:data:`~venuefinder.vocabulary.COURT_FIXTURES`: a net across a tennis or volleyball court,
a hoop's post at each end of a basketball court, the walls of a squash court).

Only what lies in the venue's running area counts: the venue shrunk by :data:`EDGE_M` (a
fence or a row of trees along the edge bounds the place, it does not stand in it; the room
criterion keeps the same margin). A track drawn as a line gets its lanes' width first
(:func:`~venuefinder.venues.track_width_m`: ``width``, else ``lanes``, else four lanes).

Score: start from a prior by kind (:data:`~venuefinder.vocabulary.priors.KIND_PRIORS`:
what is usually unmapped there), then
each category takes ``weight × √count`` points off (:data:`PENALTIES`; the square root
because the tenth tree adds less danger than the first), scaled by the venue's size (the
same count is denser in a small lawn than in a big park: ``√(REFERENCE_AREA / area)``
clipped to :data:`DENSITY_RANGE`). A court caps this score at :data:`COURT_CAP` and the
combined score at :data:`COURT_COMBINED_CAP`, below the amber line: whatever else is good, a
backward runner on a court runs into its net, its hoops' posts or its walls.

Evidence: ``tagged`` when something is mapped in it (or the court's sport tag), else
``prior`` ("none mapped": nobody may have mapped the benches yet).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..venues import track_width_m
from ..vocabulary import COURT_FIXTURES, COURT_SPORTS, first_value_in
from ..vocabulary.priors import priors_of

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from . import ScoringContext

#: Margin inside the venue's edge where mapped things do not count (metres).
EDGE_M = 2.0
#: Category → points off for the first one (then × √count).
PENALTIES: dict[str, float] = {
    "building": 25.0, "water": 25.0, "wall": 20.0, "fence": 18.0, "playground": 18.0,
    "hedge": 12.0, "cycleway": 14.0, "footpath": 10.0, "steps": 12.0, "kerb": 8.0,
    "playground equipment": 8.0, "bollard": 7.0, "tree row": 10.0, "tree": 6.0,
    "rock": 7.0, "sculpture": 7.0, "fountain": 7.0, "pole": 6.0, "lamp": 6.0, "bench": 4.0,
    "bicycle stand": 4.0, "bin": 3.0, "shrub": 3.0,
}
#: Area (m²) at which the penalties count as listed.
REFERENCE_AREA_M2 = 5_000.0
#: Bounds of the size factor: a huge park does not make a footpath harmless.
DENSITY_RANGE = (0.5, 1.5)
#: The most a court scores here, and overall (below 50: never recommended).
COURT_CAP = 30.0
COURT_COMBINED_CAP = 45.0
#: What stands on a court (:data:`~venuefinder.vocabulary.COURT_FIXTURES`), said plainly.
COURT_WORDS: dict[str, str] = {
    "net": "a net crosses the {sport} court",
    "hoop": "a hoop on a post stands at each end of the {sport} court",
    "wall": "walls close the {sport} court in",
}
_COURT_NOTES: dict[str, str] = {"net": "its net stands", "hoop": "its hoops' posts stand",
                                "wall": "its walls stand"}
#: Order in which the reason names categories: the worst first.
_ORDER = {c: i for i, c in enumerate(sorted(PENALTIES, key=lambda c: -PENALTIES[c]))}
_PLURAL = {"bench": "benches", "fence": "fences", "bus": "buses", "steps": "flights of steps",
           "playground equipment": "pieces of playground equipment"}
_CROSSING = frozenset({"footpath", "cycleway", "steps"})


def score_obstacles(venues: "gpd.GeoDataFrame", context: "ScoringContext") -> "pd.DataFrame":
    """Score 0–100 per venue and a reason counting what is mapped in it.

    Parameters
    ----------
    venues
        Venues in the metric CRS (``kind``, ``sport``, ``area_m2``, geometry).
    context
        ``context.obstacles``: ``category`` and geometry in the same CRS (or None).

    Returns
    -------
    pandas.DataFrame
        ``score``, ``reason``, ``evidence``, ``obstacle_count``, and ``cap``/``cap_note``
        (the net's cap on the combined score; inf/None elsewhere) on ``venues.index``.
    """
    import pandas as pd
    import shapely

    n = len(venues)
    geoms = np.asarray(venues.geometry.to_numpy(), dtype=object).copy()
    is_line = np.isin(shapely.get_type_id(geoms), (1, 5))
    missing = pd.Series(None, index=venues.index, dtype=object)
    width = track_width_m(venues.get("width", missing), venues.get("lanes", missing))
    geoms[is_line] = shapely.buffer(geoms[is_line], width[is_line] / 2.0)
    running_area = shapely.buffer(geoms, -EDGE_M)
    empty = shapely.is_empty(running_area)
    running_area[empty] = geoms[empty]  # too thin to shrink: the whole shape counts

    counts: dict[str, np.ndarray] = {}
    obstacles = context.obstacles
    if obstacles is not None and len(obstacles) and n:
        venue_idx, obstacle_idx = shapely.STRtree(obstacles.geometry.to_numpy()).query(
            running_area, predicate="intersects")
        categories = obstacles["category"].to_numpy(dtype=object)[obstacle_idx]
        for category in np.unique(categories):
            counts[str(category)] = np.bincount(venue_idx[categories == category],
                                                minlength=n)

    area = shapely.area(geoms)
    density = np.clip(np.sqrt(REFERENCE_AREA_M2 / np.maximum(area, 1.0)), *DENSITY_RANGE)
    penalty = np.zeros(n)
    for category, count in counts.items():
        penalty += PENALTIES.get(category, 5.0) * np.sqrt(count)
    kinds = venues["kind"].astype(str).to_numpy()
    priors = [priors_of(k).obstacles for k in kinds]
    base = np.array([p[0] for p in priors], dtype=float)
    score = np.clip(base - penalty * density, 0.0, 100.0)
    courts = first_value_in(venues["sport"], COURT_SPORTS)
    is_court = (courts != "") & (kinds == "pitch")
    fixtures = np.array([COURT_FIXTURES.get(c, "") for c in courts], dtype=object)
    score = np.where(is_court, np.minimum(score, COURT_CAP), score)
    total = sum(counts.values()) if counts else np.zeros(n, dtype=int)

    reasons = []
    for i in range(n):
        found = {c: int(v[i]) for c, v in counts.items() if v[i]}
        parts = _describe(found)
        if is_court[i]:
            parts.insert(0, COURT_WORDS[fixtures[i]].format(sport=_sport_words(courts[i])))
        if parts:
            text = _sentence(parts)
        else:
            text = f"None mapped; {priors[i][1]} (a guess by kind)"
        reasons.append(text)
    evidence = np.where((total > 0) | is_court, "tagged", "prior")
    return pd.DataFrame({
        "score": np.round(score, 1), "reason": reasons, "evidence": evidence,
        "obstacle_count": np.asarray(total, dtype=int),
        "cap": np.where(is_court, COURT_COMBINED_CAP, np.inf),
        "cap_note": [f"A court: {_COURT_NOTES[f]} in a backward runner's way, so at "
                     f"most {COURT_COMBINED_CAP:.0f} however good the rest" if court else None
                     for f, court in zip(fixtures, is_court)],
    }, index=venues.index)


def _sport_words(sport: str) -> str:
    """A sport's value in words: ``table_tennis`` → ``table tennis``."""
    return {"beachvolleyball": "beach volleyball"}.get(sport, sport.replace("_", " "))


def _describe(found: dict[str, int]) -> list[str]:
    """``{"tree": 18, "footpath": 2}`` → ``["18 trees", "2 footpaths cross it"]``, worst
    category first."""
    parts = []
    for category in sorted(found, key=lambda c: _ORDER.get(c, len(_ORDER))):
        count = found[category]
        noun = category if count == 1 else _PLURAL.get(category, f"{category}s")
        text = f"{count} {noun}"
        if category in _CROSSING:
            text += " cross" + ("es" if count == 1 else "") + " it"
        parts.append(text)
    return parts


def _sentence(parts: list[str]) -> str:
    text = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
    return text[:1].upper() + text[1:]
