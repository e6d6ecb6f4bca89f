"""Surface: how even and forgiving the ground is, from ``surface``, ``smoothness`` and kind.

Synthetic track is best; short grass and artificial turf are good; asphalt is even but
hard; gravel is fair; sand, dirt and mud are poor. A bad ``smoothness`` (potholes, ruts)
caps the score whatever the material. (A net across a court is an obstacle: see
``obstacles``.) An unmapped surface is said plainly and scored by a prior for the kind of
place (:data:`~venuefinder.vocabulary.priors.KIND_PRIORS`), or for a court by its sport
(:data:`~venuefinder.vocabulary.priors.COURT_SURFACE_PRIORS`: hard courts are hard, beach
courts sand), kept below what a mapped good surface earns. A ``surface=a;b`` list is judged by its first value.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..vocabulary import COURT_SPORTS, first_value, first_value_in
from ..vocabulary.labels import tag_words
from ..vocabulary.priors import court_surface_prior, priors_of

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from . import ScoringContext

#: OSM surface → (score, how to say it).
SURFACE_SCORES: dict[str, tuple[float, str]] = {
    "tartan": (100.0, "synthetic running track (tartan)"),
    "synthetic": (100.0, "synthetic track surface"),
    "rubber": (95.0, "rubber surface"),
    "acrylic": (85.0, "acrylic sports surface"),
    "artificial_turf": (90.0, "artificial turf, even"),
    "grass": (85.0, "grass"),
    "clay": (75.0, "clay court surface"),
    "asphalt": (65.0, "asphalt: even but hard"),
    "concrete": (60.0, "concrete: even but hard"),
    "paved": (60.0, "paved: even but hard"),
    "fine_gravel": (60.0, "fine gravel: fair"),
    "compacted": (60.0, "compacted gravel: fair"),
    "wood": (55.0, "wood"),
    "paving_stones": (55.0, "paving stones: joints can catch a heel"),
    "gravel": (45.0, "gravel: fair, loose underfoot"),
    "unpaved": (40.0, "unpaved"),
    "woodchips": (40.0, "woodchips: soft but uneven"),
    "ground": (35.0, "bare ground: uneven"),
    "earth": (35.0, "earth: uneven"),
    "dirt": (35.0, "dirt: uneven"),
    "grass_paver": (35.0, "grass pavers: uneven"),
    "pebblestone": (30.0, "pebbles: loose"),
    "sand": (30.0, "sand: soft and uneven"),
    "sett": (30.0, "setts (cobbles): uneven"),
    "cobblestone": (25.0, "cobblestones: uneven"),
    "unhewn_cobblestone": (15.0, "unhewn cobblestones: very uneven"),
    "rock": (10.0, "rock"),
    "mud": (10.0, "mud: slippery"),
}

#: OSM smoothness → the most the surface may score with it.
SMOOTHNESS_CAPS: dict[str, float] = {
    "excellent": 100.0, "good": 100.0, "intermediate": 70.0, "bad": 35.0,
    "very_bad": 15.0, "horrible": 5.0, "very_horrible": 0.0, "impassable": 0.0,
}


def score_surface(venues: "gpd.GeoDataFrame", context: "ScoringContext") -> "pd.DataFrame":
    """Score 0–100 per venue and a reason citing the tags (or the prior) behind it."""
    import pandas as pd

    surface = first_value(venues["surface"])
    smoothness = venues["smoothness"].astype("string").str.strip().str.lower()
    kind = venues["kind"].astype(str)

    mapped = surface.map(lambda s: SURFACE_SCORES.get(s) if isinstance(s, str) else None)
    courts = first_value_in(venues["sport"], COURT_SPORTS)
    prior = pd.Series([court_surface_prior(court) if court and k == "pitch"
                       else priors_of(k).surface for k, court in zip(kind, courts)],
                      index=venues.index, dtype=object)
    known = mapped.notna().to_numpy()
    base = np.where(known, mapped.map(lambda v: v[0] if v else np.nan),
                    prior.map(lambda v: v[0]))
    smooth_cap = smoothness.map(SMOOTHNESS_CAPS).astype(float).fillna(100.0).to_numpy()
    base = base.astype(float)
    score = np.minimum(base, smooth_cap)

    reasons = []
    for is_known, tag, said, prior_said, smooth, capped in zip(
            known, surface, mapped, prior, smoothness, base > smooth_cap):
        if is_known:
            text = f"Mapped as {said[1]}"
        elif isinstance(tag, str):
            text = (f"Mapped as “{tag_words(tag)}”, not a known running surface; a guess: "
                    f"{prior_said[1]}")
        else:
            text = f"Nobody has mapped the surface; a guess: {prior_said[1]}"
        if isinstance(smooth, str):
            text += (f"; its smoothness is mapped as {tag_words(smooth)}"
                     + (", which caps it" if capped else ""))
        reasons.append(text)
    # A smoothness tag alone is also a mapper's word about the ground.
    evidence = np.where(known | smoothness.notna().to_numpy(), "tagged", "prior")
    return pd.DataFrame({"score": np.round(score, 1), "reason": reasons, "evidence": evidence},
                        index=venues.index)
