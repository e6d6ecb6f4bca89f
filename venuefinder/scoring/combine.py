"""Combine criteria into one score: a weighted mean, vetoes, caps, confidence and rank.

* **Weighted mean** of the criteria present, weights from ``settings.weights`` normalised
  over them (a live criterion such as hazards joins only when the store is there).
* **Veto**: a criterion (with ``veto`` in the registry) below ``settings.veto_below`` makes
  the place unsafe for that reason alone, so the combined score is capped at its score.
* **Penalties** a criterion takes off the combined score (an optional ``penalty`` column,
  kept as ``penalty_<c>``: open hazard reports, which have no weight in the mean).
* **Caps** a criterion sets itself (optional ``cap`` and ``cap_note`` columns in its frame,
  kept as ``cap_<c>``/``cap_note_<c>``: a net across a court, an open high-severity hazard
  that keeps a venue out of the green).
* **Guesses are not green**: open grass whose flatness *and* surface both rest on priors
  is capped at :data:`GUESS_CAP` (amber), until a DEM or a mapper says more.
* **A safe running track comes first**: a mapped running track (``leisure=track`` with
  ``sport=running|athletics`` or a synthetic surface) that nothing vetoes and where no
  criterion is below :data:`SAFE_FLOOR` scores at least :data:`TRACK_FLOOR`, so it never
  ranks below a patch of grass resting on priors; and it scores above every other kind of
  venue within :data:`TRACK_FIRST_M` of it (one displayed point above the best of them, at
  most 100), so the list a runner reads there starts with it. This is the sport's own
  advice. What it was lifted to is kept as ``track_first`` (so a later combine with live
  reports, given only some venues, keeps it).
* **Confidence**: the weight share (0–100) of criteria resting on ``measured`` or
  ``tagged`` evidence.
* **Rank**: the displayed score (:func:`displayed`, whole points) first, then a safe
  running track, then confidence, so a list's order and its numbers agree (an 84 never sits
  above an 85) and ties go to the place we know more about. Lists sort by rank; it exceeds
  the score by less than :data:`NEAR_TIE`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np

from ..criteria import BY_NAME, EVIDENCE_KNOWN, REGISTRY
from ..venues import local_crs
from ..vocabulary import RUNNING_SPORTS, SYNTHETIC_SURFACES, first_value, first_value_in

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..config import Settings

#: Most a grass-like place may score when its flatness and surface are both guesses.
GUESS_CAP = 74.0
#: Kinds the guess cap applies to (open grass; built sports grounds are levelled).
GUESSABLE_KINDS = frozenset({"recreation_ground", "park", "village_green", "common", "grass",
                             "meadow"})
#: Least a safe running track scores (green).
TRACK_FLOOR = 75.0
#: A track is "safe" when no criterion is below this.
SAFE_FLOOR = 50.0
#: A safe running track scores above every other kind of venue this near it (metres).
TRACK_FIRST_M = 1_500.0
#: Rank added, below one displayed point: a safe running track first among equal displayed
#: scores, then full confidence.
TRACK_TIE = 0.5
CONFIDENCE_TIE = 0.4
#: Most the rank exceeds the score by (rounding up half a point, and the ties).
NEAR_TIE = 1.0


def combine(venues: "gpd.GeoDataFrame", parts: Mapping[str, "pd.DataFrame"],
            settings: "Settings") -> "gpd.GeoDataFrame":
    """Venues with the criteria's columns and ``score``, ``confidence``, ``vetoed_by``,
    ``note`` and ``rank``.

    Parameters
    ----------
    venues
        The venue frame (any CRS; returned in the same CRS).
    parts
        Criterion name → its frame (``score``, ``reason``, ``evidence``, its properties,
        optionally ``cap``) on the venues' index. Criteria are taken in registry order.
    settings
        ``weights`` and ``veto_below``.
    """
    scored = venues.copy()
    names = [c.name for c in REGISTRY if c.name in parts]
    n = len(venues)
    weights = settings.weights.model_dump()
    w = np.array([weights[c] for c in names], dtype=float)
    w = w / w.sum() if w.sum() > 0 else np.full(len(names), 1.0 / max(len(names), 1))
    matrix = np.column_stack([parts[c]["score"].to_numpy(dtype=float) for c in names]
                             ) if n else np.zeros((0, len(names)))
    known = np.column_stack([parts[c]["evidence"].isin(EVIDENCE_KNOWN).to_numpy()
                             for c in names]) if n else np.zeros((0, len(names)), bool)
    for c in names:
        part = parts[c]
        scored[f"score_{c}"] = part["score"].to_numpy(dtype=float)
        scored[f"reason_{c}"] = part["reason"].to_numpy(dtype=object)
        scored[f"evidence_{c}"] = part["evidence"].to_numpy(dtype=object)
        for prop in BY_NAME[c].properties:
            scored[prop] = part[prop].to_numpy()

    score = matrix @ w if n else np.zeros(0)
    # Points a criterion takes off whatever the mean (open hazard reports).
    for c in names:
        if "penalty" in parts[c]:
            penalty = parts[c]["penalty"].to_numpy(dtype=float)
            scored[f"penalty_{c}"] = penalty
            score = np.maximum(score - penalty, 0.0)
    can_veto = np.array([BY_NAME[c].veto for c in names], dtype=bool)
    vetoing = np.where(can_veto, matrix, np.inf) if n else matrix
    lowest = vetoing.min(axis=1) if n and names else np.full(n, np.inf)
    vetoed = lowest < settings.veto_below
    score = np.where(vetoed, np.minimum(score, lowest), score)
    worst = (np.array(names, dtype=object)[vetoing.argmin(axis=1)] if n and names
             else np.full(n, None, dtype=object))
    notes = np.full(n, None, dtype=object)

    for c in names:
        if "cap" in parts[c]:
            cap = parts[c]["cap"].to_numpy(dtype=float)
            cap_note = (parts[c]["cap_note"].to_numpy(dtype=object) if "cap_note" in parts[c]
                        else np.full(n, None, dtype=object))
            scored[f"cap_{c}"], scored[f"cap_note_{c}"] = cap, cap_note
            capped = score > cap
            score = np.where(capped, cap, score)
            notes = np.where(capped, cap_note, notes)

    kind = scored["kind"].astype(str).to_numpy()
    if {"flatness", "surface"} <= set(names):
        guesses = (np.isin(kind, list(GUESSABLE_KINDS))
                   & ~known[:, names.index("flatness")] & ~known[:, names.index("surface")])
        capped = guesses & (score > GUESS_CAP)
        score = np.where(capped, GUESS_CAP, score)
        notes = np.where(capped, f"Flatness and surface are guesses: at most {GUESS_CAP:.0f} "
                         "until measured or mapped", notes)
    safe_track = running_track(scored) & ~vetoed & (
        matrix.min(axis=1) >= SAFE_FLOOR if n and names else np.zeros(n, bool))
    lifted = safe_track & (score < TRACK_FLOOR)
    score = np.where(safe_track, np.maximum(score, TRACK_FLOOR), score)
    notes = np.where(lifted, "A mapped running track with nothing unsafe nearby: the sport's "
                     f"first recommendation (at least {TRACK_FLOOR:.0f})", notes)
    first = (scored["track_first"].to_numpy(dtype=float) if "track_first" in scored
             else track_first(scored, np.round(score, 1), safe_track))
    ahead = safe_track & (first > score)
    score = np.where(ahead, first, score)
    notes = np.where(ahead, "A mapped running track with nothing unsafe nearby: the sport's "
                     f"first recommendation, so it comes before every other place within "
                     f"{TRACK_FIRST_M / 1000:g} km", notes)

    confidence = (known.astype(float) @ w) * 100.0 if n else np.zeros(0)
    scored["score"] = np.round(score, 1)
    scored["confidence"] = np.round(confidence, 0)
    scored["vetoed_by"] = np.where(vetoed, worst, None)
    scored["note"] = notes
    scored["track_first"] = first
    scored["rank"] = np.round(displayed(scored["score"].to_numpy()) + TRACK_TIE * safe_track
                              + CONFIDENCE_TIE * confidence / 100.0, 3)
    return scored


def displayed(score: "np.ndarray") -> "np.ndarray":
    """The whole points a list shows of each score, halves rounded up (as a browser's
    ``Math.round``): the rank's first key, so a list's order and numbers agree."""
    return np.floor(np.asarray(score, dtype=float) + 0.5)


def track_first(venues: "gpd.GeoDataFrame", score: "np.ndarray",
                safe_track: "np.ndarray") -> "np.ndarray":
    """What each safe running track scores to come before every other kind of venue within
    :data:`TRACK_FIRST_M`: one displayed point above the best of them, at most 100 (NaN for
    the rest, and for a track with none near).

    Parameters
    ----------
    venues
        The venues (``kind``, geometry; a geographic CRS is projected to the local one).
    score
        Their combined scores so far.
    safe_track
        Which of them are safe running tracks.
    """
    import shapely

    first = np.full(len(venues), np.nan)
    others = np.flatnonzero(venues["kind"].astype(str).to_numpy() != "track")
    tracks = np.flatnonzero(safe_track)
    if not tracks.size or not others.size:
        return first
    geoms = venues.geometry
    if geoms.crs is not None and geoms.crs.is_geographic:
        geoms = geoms.to_crs(local_crs(venues))
    geoms = np.asarray(geoms.to_numpy(), dtype=object)
    near_track, near_other = shapely.STRtree(geoms[others]).query(
        geoms[tracks], predicate="dwithin", distance=TRACK_FIRST_M)
    best = np.full(tracks.size, np.nan)
    np.fmax.at(best, near_track, displayed(score[others][near_other]))
    first[tracks] = np.minimum(best + 1.0, 100.0)
    return first


def running_track(venues: "pd.DataFrame") -> "np.ndarray":
    """Whether each venue is a mapped running track: ``leisure=track`` with a running sport
    or a synthetic surface."""
    kind = venues["kind"].astype(str).to_numpy()
    runs = first_value_in(venues["sport"], RUNNING_SPORTS) != ""
    # The surface criterion's rule: a surface list is judged by its first value.
    synthetic = first_value(venues["surface"]).isin(SYNTHETIC_SURFACES).to_numpy(dtype=bool)
    return (kind == "track") & (runs | synthetic)


def parts_from_columns(venues: "pd.DataFrame", names: "list[str]") -> dict[str, "pd.DataFrame"]:
    """The criteria frames back from a scored venue frame's columns (to combine again with
    a live criterion added)."""
    import pandas as pd

    parts = {}
    for c in names:
        frame = pd.DataFrame({"score": venues[f"score_{c}"], "reason": venues[f"reason_{c}"],
                              "evidence": venues[f"evidence_{c}"]}, index=venues.index)
        for prop in BY_NAME[c].properties:
            frame[prop] = venues[prop]
        if f"penalty_{c}" in venues:
            frame["penalty"] = venues[f"penalty_{c}"]
        if f"cap_{c}" in venues:
            frame["cap"] = venues[f"cap_{c}"]
            frame["cap_note"] = venues[f"cap_note_{c}"]
        parts[c] = frame
    return parts
