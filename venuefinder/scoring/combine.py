"""Combine criteria into one score: a weighted mean, with vetoes.

A veto: when one criterion scores below ``settings.veto_below`` the place is unsafe for
that reason alone (a primary road at the edge, a steep slope, a broken surface), so the
combined score is capped at that criterion's score however good the others are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import numpy as np

from . import CRITERIA

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..config import Settings


def combine(venues: "gpd.GeoDataFrame", parts: Mapping[str, "pd.DataFrame"],
            settings: "Settings") -> "gpd.GeoDataFrame":
    """Venues with ``score_<c>``, ``reason_<c>``, ``score`` and ``vetoed_by`` columns.

    Parameters
    ----------
    venues
        The venue frame (any CRS; returned in the same CRS).
    parts
        Criterion name → its frame (``score``, ``reason``) on the venues' index.
    settings
        ``weights`` and ``veto_below``.
    """
    scored = venues.copy()
    weights = settings.weights.model_dump()
    total = sum(weights[c] for c in CRITERIA)
    matrix = np.column_stack([parts[c]["score"].to_numpy(dtype=float) for c in CRITERIA])
    weighted = matrix @ np.array([weights[c] / total for c in CRITERIA])
    lowest = matrix.min(axis=1) if len(matrix) else np.array([])
    vetoed = lowest < settings.veto_below
    worst = np.array(CRITERIA, dtype=object)[matrix.argmin(axis=1)] if len(matrix) else []
    for c in CRITERIA:
        scored[f"score_{c}"] = parts[c]["score"].to_numpy(dtype=float)
        scored[f"reason_{c}"] = parts[c]["reason"].to_numpy(dtype=object)
    scored["score"] = np.round(np.where(vetoed, np.minimum(weighted, lowest), weighted), 1)
    scored["vetoed_by"] = np.where(vetoed, worst, None)
    return scored
