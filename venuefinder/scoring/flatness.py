"""Flatness: is the ground level enough to run backwards on without tripping or drifting?

Evidence, strongest first:

1. **The DEM** (``context.dem``): the percent slope of every DEM pixel whose centre lies in
   the venue (a track drawn as a line is buffered by :data:`LINE_HALF_WIDTH_M` first). The
   score comes from the 90th-percentile slope ``p90`` through :data:`SLOPE_TABLE`; the
   steepest pixel is reported but does not score, because a single pixel is dominated by the
   venue's edge (a kerb, an embankment, a fence line) and DEM noise, which a runner avoids by
   staying off the edge, while ``p90`` says what most of the ground is like. The venue is
   ``measured`` only when the DEM covers at least :data:`FULL_COVERAGE` (90 %) of it: ``p90``
   already sets aside the steepest tenth of the ground, so a DEM missing at most a tenth can
   hide nothing the score would have read, while one missing more might. A DEM covering
   less says how much ("the DEM covers 8% of it") and what it saw there; the venue is then
   judged as below, and the covered part lowers the score when it is steeper than that.
2. **The OSM ``incline`` tag** when the DEM says nothing: a number (``"5%"``, ``"-8%"``,
   ``"3°"``) is a slope measurement scored through the same table; ``up``/``down``/``yes``
   say "sloped" without a number, which caps the score at :data:`SLOPED_CAP`.
3. **A prior by kind** (:data:`~venuefinder.vocabulary.priors.KIND_PRIORS`): tracks and
   pitches are built level, open grass is not known to be flat. The reason says plainly
   that there was no elevation data (or that the DEM given does not cover the place).
4. **The extract's own heights** (``context.heights``, :mod:`venuefinder.heights`) temper
   that prior: where the area within 2 km is hilly, grass, parks and meadows (the kinds
   whose flatness is a guess, :data:`~.combine.GUESSABLE_KINDS`) are likely sloped, scored
   as a place mapped sloped without a number (:data:`SLOPED_CAP`), still a ``prior``; built
   grounds stay built level, and their reason names the hilly surroundings.

Score table (p90 slope → score), linear in between and flat beyond the ends:

=========  =====  ==========================================================================
p90 slope  score  why
=========  =====  ==========================================================================
≤ 1 %      100    the cross-fall of a drained pitch; not felt underfoot
2 %        90     a gentle fall, noticeable only when looked for
4 %        70     clearly sloped; running backwards drifts downhill
6 %        45     above the 5 % at which a walkway counts as a ramp (accessibility rules)
8 %        20     the steepest ramp grade allowed (1:12, 8.33 %): at the veto threshold
≥ 12 %     0      a hill: no place to learn to run backwards
=========  =====  ==========================================================================
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Optional

import numpy as np

from ..heights import describe_relief, relief_near
from ..vocabulary.priors import priors_of
from .combine import GUESSABLE_KINDS

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from ..sources.dem import Elevation
    from . import ScoringContext

#: (p90 slope %, score) breakpoints; see the module docstring for why each one.
SLOPE_TABLE: tuple[tuple[float, float], ...] = (
    (1.0, 100.0), (2.0, 90.0), (4.0, 70.0), (6.0, 45.0), (8.0, 20.0), (12.0, 0.0),
)
_SLOPE_X = np.array([x for x, _ in SLOPE_TABLE])
_SLOPE_Y = np.array([y for _, y in SLOPE_TABLE])

#: Percentile of the venue's slopes that scores it.
PERCENTILE = 90.0

#: Half-width of a track drawn as a line: half the default 4-lane width (``venues.py``).
LINE_HALF_WIDTH_M = 2.5

#: Fewer valid DEM samples than this under a venue → the DEM cannot judge it (too coarse
#: for the venue, or the venue lies outside or in a hole of the DEM).
MIN_SAMPLES = 3

#: Least share of the venue covered by valid DEM pixels for a ``measured`` score (see the
#: module docstring for why a tenth may be missing).
FULL_COVERAGE = 0.9

#: ``incline=up|down|yes``: mapped as sloped without a number.
SLOPED_CAP = 40.0


_SLOPED_WORDS = frozenset({"up", "down", "yes"})
_INCLINE_RE = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*(%|°|deg)?\s*$")


def slope_to_score(slope_pct: "np.ndarray | float") -> "np.ndarray":
    """Score (0–100) of a representative percent slope through :data:`SLOPE_TABLE`."""
    return np.interp(np.abs(np.asarray(slope_pct, dtype=float)), _SLOPE_X, _SLOPE_Y)


def parse_incline(value: object) -> tuple[Optional[float], bool]:
    """OSM ``incline`` → ``(absolute percent slope or None, mapped as sloped)``.

    ``"8%"``, ``"-8 %"`` and a bare ``"8"`` are percent (the OSM default unit); ``"5°"`` is
    converted from degrees. ``up``/``down``/``yes`` give ``(None, True)``; anything else,
    including no tag, gives ``(None, False)``: an unknown word is no evidence either way.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None, False
    text = str(value).strip().lower()
    if text in _SLOPED_WORDS:
        return None, True
    match = _INCLINE_RE.match(text)
    if not match:
        return None, False
    number = abs(float(match.group(1).replace(",", ".")))
    if match.group(2) in ("°", "deg"):
        if number >= 90:
            return None, False
        number = math.tan(math.radians(number)) * 100.0
    return number, number > 0


def score_flatness(venues: "gpd.GeoDataFrame", context: "ScoringContext") -> "pd.DataFrame":
    """Score how level each venue is.

    Parameters
    ----------
    venues
        Venue frame (:mod:`venuefinder.venues`) in the region's metric CRS.
    context
        ``context.dem`` (an :class:`~venuefinder.sources.dem.Elevation` or None) and
        ``context.heights`` (:func:`venuefinder.heights.select_heights` or None) are read.

    Returns
    -------
    pandas.DataFrame
        Index ``venues.index``; ``score`` (float, 0–100) and ``reason`` (str).
    """
    import pandas as pd

    n = len(venues)
    kinds = (venues["kind"].to_numpy() if "kind" in venues else np.full(n, None, dtype=object))
    inclines = (venues["incline"].to_numpy() if "incline" in venues
                else np.full(n, None, dtype=object))
    dem: Optional["Elevation"] = context.dem

    # DEM evidence first: (p90, max, samples, coverage) per venue, or None when it has none.
    measured: list[Optional[tuple[float, float, int, float]]] = [None] * n
    no_cover_note: list[Optional[str]] = [None] * n
    if dem is not None and n:
        measured, no_cover_note = _sample_dem(venues, dem)
    relief = relief_near(context.heights, venues.geometry.to_numpy())
    hilly = relief["hilly"].to_numpy()

    scores = np.empty(n, dtype=float)
    evidence = np.full(n, "prior", dtype=object)
    reasons: list[str] = []
    for i in range(n):
        incline_pct, sloped = parse_incline(inclines[i])
        tag = f"OSM incline={str(inclines[i]).strip()}"
        seen = measured[i]
        if seen is not None and seen[3] >= FULL_COVERAGE:
            p90, steepest, count, _ = seen
            scores[i] = float(slope_to_score(p90))
            evidence[i] = "measured"
            reason = (f"DEM {dem.source}: 90% of the ground is under {p90:.1f}% slope "
                      f"(steepest {steepest:.1f}%, {count} samples)")
            if incline_pct is not None or sloped:
                reason += f"; {tag} noted, the DEM measurement is used"
            reasons.append(reason)
            continue
        lead = no_cover_note[i] or "No elevation data"
        if seen is not None:  # the DEM covers part of it: said, and kept as a bound below
            p90, steepest, count, coverage = seen
            lead = (f"DEM {dem.source} covers {coverage:.0%} of it (there 90% of the ground "
                    f"is under {p90:.1f}% slope, steepest {steepest:.1f}%, {count} samples)")
        if incline_pct is not None:
            scores[i] = float(slope_to_score(incline_pct))
            evidence[i] = "tagged"
            reason = f"{lead}; {tag}: mapped slope of {incline_pct:.1f}%"
        else:
            prior, why = priors_of(kinds[i]).flatness
            scores[i] = prior
            if hilly[i]:
                around = describe_relief(relief["low"].iat[i], relief["high"].iat[i])
                if kinds[i] in GUESSABLE_KINDS:
                    scores[i] = min(prior, SLOPED_CAP)
                    what = str(kinds[i]).replace("_", " ")
                    reason = (f"{lead}; the area is hilly ({around}), so this {what} is "
                              f"likely sloped (prior {scores[i]:.0f})")
                else:
                    reason = (f"{lead}; {why} (prior {prior:.0f}), in hilly surroundings "
                              f"({around})")
            else:
                reason = f"{lead}; {why} (prior {prior:.0f})"
            if sloped:
                scores[i] = min(scores[i], SLOPED_CAP)
                evidence[i] = "tagged"
                reason += f"; {tag} says it is sloped: capped at {SLOPED_CAP:.0f}"
        if seen is not None and slope_to_score(seen[0]) < scores[i]:
            scores[i] = float(slope_to_score(seen[0]))
            reason += f"; the covered part is steeper: scored on it ({scores[i]:.0f})"
        reasons.append(reason)

    return pd.DataFrame({"score": np.round(scores, 1), "reason": reasons, "evidence": evidence},
                        index=venues.index)


def _sample_dem(venues: "gpd.GeoDataFrame", dem: "Elevation"
                ) -> tuple[list[Optional[tuple[float, float, int, float]]], list[Optional[str]]]:
    """Slope statistics of every venue under the DEM.

    Returns, per venue, ``(p90, max, samples, coverage)`` or None when the DEM cannot judge
    it, and beside it the lead sentence of the fallback reason: the DEM does not cover the
    venue, has no data under it, or is too coarse for it.
    """
    import shapely
    from affine import Affine
    from rasterio.features import geometry_mask

    n = len(venues)
    measured: list[Optional[tuple[float, float, int, float]]] = [None] * n
    notes: list[Optional[str]] = [f"DEM {dem.source} does not cover this place"] * n

    geoms = venues.geometry
    if venues.crs is not None and dem.crs is not None and venues.crs != dem.crs:
        geoms = geoms.to_crs(dem.crs)  # defensive: both should already be the region CRS
    geoms = np.asarray(geoms.values, dtype=object)
    # A track drawn as a line has no area to sample: give it the lanes' width.
    is_line = np.isin(shapely.get_type_id(geoms), (1, 2, 5))
    geoms = geoms.copy()
    geoms[is_line] = shapely.buffer(geoms[is_line], LINE_HALF_WIDTH_M)

    # Cheap vectorised cull: only venues whose bounds meet the DEM's bounds get raster work.
    b = dem.bounds
    box = shapely.box(b.left, b.bottom, b.right, b.top)
    candidates = np.flatnonzero(shapely.intersects(geoms, box) & ~shapely.is_empty(geoms))

    inverse = ~dem.transform
    rows, cols = dem.slope_pct.shape
    pixel_area = abs(dem.transform.a * dem.transform.e)
    for i in candidates:
        geom = geoms[i]
        minx, miny, maxx, maxy = geom.bounds
        # Pixel window of the venue's bounding box (corner order does not matter).
        c0, r0 = inverse @ (minx, maxy)
        c1, r1 = inverse @ (maxx, miny)
        col0, col1 = max(int(math.floor(min(c0, c1))), 0), min(int(math.ceil(max(c0, c1))), cols)
        row0, row1 = max(int(math.floor(min(r0, r1))), 0), min(int(math.ceil(max(r0, r1))), rows)
        if col1 <= col0 or row1 <= row0:
            continue
        window = dem.slope_pct[row0:row1, col0:col1]
        inside = geometry_mask([geom], out_shape=window.shape,
                               transform=dem.transform @ Affine.translation(col0, row0),
                               invert=True)
        samples = window[inside]
        samples = samples[np.isfinite(samples)]
        if samples.size < MIN_SAMPLES:
            if inside.sum() >= MIN_SAMPLES:
                notes[i] = f"DEM {dem.source} has no data under it"
            elif geom.area / pixel_area < MIN_SAMPLES:
                notes[i] = f"DEM {dem.source} is too coarse for it"
            continue
        # Share of the venue the DEM speaks for: the part inside the raster's extent times
        # the valid share of the pixels there (computed from geometry rather than from a
        # pixel count, which undercounts thin diagonal shapes such as line tracks).
        inside_extent = shapely.area(shapely.intersection(geom, box)) / geom.area
        coverage = inside_extent * samples.size / max(int(inside.sum()), 1)
        measured[i] = (float(np.percentile(samples, PERCENTILE)), float(samples.max()),
                       int(samples.size), coverage)
    return measured, notes
