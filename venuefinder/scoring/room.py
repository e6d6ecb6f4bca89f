"""Room: how far can one run in a straight line here, and in how much space?

Running backwards needs a straight line to run on and space around it: a 60 m × 6 m verge
has the line but no room for anyone else, a 12 m patch has neither. Both are measured from
the geometry (evidence ``measured``), inside a margin of :data:`MARGIN_M` from the edge (the
fence, kerb or hedge that bounds the place: the obstacles criterion keeps the same margin).

* **An area**: the *longest straight run*, the longest segment that fits in the polygon shrunk
  by the margin (holes, i.e. buildings and ponds mapped as inner rings, grow by it; for a
  MultiPolygon the best part), and the *usable area*, the area of that shrunk polygon. See
  :mod:`.straight_run` for how the run is found.
* **A track**: its room is its lanes, judged on the same tables as any place. The lanes'
  width is the ``width`` tag, else ``lanes`` × 1.22 m, else four lanes
  (:func:`~venuefinder.venues.track_width_m`); lanes run to the kerb, so a track keeps only
  :data:`RUNNING_LINE_M` from its edge (the running line's offset), not the margin.

  - *drawn as a line*: a closed way (``area=no``, or a footway too) is an oval: its length
    is the *lap*; an open way is a straight: its length is the run (a line in parts: its
    longest part). The usable area is the length times the lanes' width.
  - *drawn as an area or a relation*: a loop when it has an inner ring (the infield), or
    when its outline is compact enough to be an oval (:data:`LOOP_MIN_COMPACTNESS`) and
    long enough to lap (:data:`LOOP_MIN_LAP_M`: a square jump pit is no oval); else a
    straight. The lap runs along the inner edge, :data:`RUNNING_LINE_M` out from the kerb:
    the largest inner ring's length plus 2π × that offset, or without one the outline less
    2π × (lanes' width − offset). A loop's usable area is its lanes: the area between its
    rings, or the lap times the lanes' width; a straight's is its own area. The better of
    the lap and the straight run scores.

Score: ``min(run score, area score)``: room is limited by whichever runs out first, the line
or the space (a weighted mean would let a 60 m × 6 m verge, whose run alone scores 79, pass
the veto). The same tables judge every kind of place, tracks included, so the same run and
the same area always say the same. Linear between breakpoints, flat beyond the ends.

Straight run (:data:`RUN_TABLE`):

==========  =====  ==========================================================================
run         score  why
==========  =====  ==========================================================================
≤ 15 m      0      a handful of strides: nowhere to go backwards
20 m        10     the 20 m shuttle of a beep test: too short to get going backwards and stop
30 m        20     a short shuttle: ~10 m to get going, 10 m at pace, 10 m to stop (the veto)
40 m        55     20 m at pace: the shortest backpedal drills (20–40 m) fit with room to stop
60 m        80     a sprint straight indoors: backward strides at pace
≥ 100 m     100    a pitch's length: the yo-yo drill (a length forwards, straight back
                   backwards) fits end to end
==========  =====  ==========================================================================

Lap of a track (:data:`LAP_TABLE`):

==========  =====  ==========================================================================
lap         score  why
==========  =====  ==========================================================================
≤ 60 m      0      a ring round one feature: a bend every few strides
100 m       25     a school-yard loop: straights of ~25 m, as short as a 30 m run
200 m       80     the indoor standard lap: intervals by the lap, on tight bends
≥ 400 m     100    the standard outdoor lap: room for intervals
==========  =====  ==========================================================================

Usable area (:data:`AREA_TABLE`):

==========  =====  ==========================================================================
area        score  why
==========  =====  ==========================================================================
≤ 60 m²     0      room to stand about, not to run
150 m²      20     one 3 m lane 50 m long: one runner and no one else (the veto)
450 m²      50     a tennis court's worth: a runner and a partner spotting them
1,000 m²    80     a small group side by side
≥ 2,000 m²  100    the four lanes of a 400 m track, a third of a pitch: room for a squad
==========  =====  ==========================================================================
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import shapely

from ..venues import track_width_m
from .straight_run import longest_chords, shrink

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from . import ScoringContext

#: Margin inside the edge (metres): the run keeps this far from the edge and from holes.
MARGIN_M = 2.0

#: (run m, score), (lap m, score) and (usable m², score) breakpoints: see the module docstring.
RUN_TABLE: tuple[tuple[float, float], ...] = (
    (15.0, 0.0), (20.0, 10.0), (30.0, 20.0), (40.0, 55.0), (60.0, 80.0), (100.0, 100.0),
)
LAP_TABLE: tuple[tuple[float, float], ...] = (
    (60.0, 0.0), (100.0, 25.0), (200.0, 80.0), (400.0, 100.0),
)
AREA_TABLE: tuple[tuple[float, float], ...] = (
    (60.0, 0.0), (150.0, 20.0), (450.0, 50.0), (1000.0, 80.0), (2000.0, 100.0),
)

#: A track area whose outline has at least this isoperimetric quotient (4πA/P²: 1 for a
#: circle, 0.86 for a 400 m oval, 0.2 for a 110 m × 8 m straight) is an oval, hence a loop.
LOOP_MIN_COMPACTNESS = 0.5
#: ... and whose lap is at least this long (metres): the shortest indoor ovals are ~130 m;
#: a compact shape shorter round than this is a pit or a pad, not a loop.
LOOP_MIN_LAP_M = 100.0
#: The running line of a track lies this far out from its inner kerb (World Athletics:
#: 0.30 m), which is how a 400 m lap is measured.
RUNNING_LINE_M = 0.30

_RUN_X, _RUN_Y = np.array(RUN_TABLE).T
_LAP_X, _LAP_Y = np.array(LAP_TABLE).T
_AREA_X, _AREA_Y = np.array(AREA_TABLE).T


def run_to_score(run_m: "np.ndarray | float") -> "np.ndarray":
    """Score (0–100) of a straight run in metres through :data:`RUN_TABLE`."""
    return np.interp(np.asarray(run_m, dtype=float), _RUN_X, _RUN_Y)


def lap_to_score(lap_m: "np.ndarray | float") -> "np.ndarray":
    """Score (0–100) of a track's lap in metres through :data:`LAP_TABLE`."""
    return np.interp(np.asarray(lap_m, dtype=float), _LAP_X, _LAP_Y)


def area_to_score(area_m2: "np.ndarray | float") -> "np.ndarray":
    """Score (0–100) of a usable area in m² through :data:`AREA_TABLE`."""
    return np.interp(np.asarray(area_m2, dtype=float), _AREA_X, _AREA_Y)


def score_room(venues: "gpd.GeoDataFrame", context: "ScoringContext") -> "pd.DataFrame":
    """Score the room to run backwards: the longest straight run (or a track's lap) and the
    usable area.

    Parameters
    ----------
    venues
        Venue frame (:mod:`venuefinder.venues`) in the region's metric CRS: ``kind``,
        ``width`` and geometry are read.
    context
        Not read: everything comes from the geometry.

    Returns
    -------
    pandas.DataFrame
        Index ``venues.index``; ``score`` (0–100, 1 decimal), ``reason``, ``evidence``
        (``measured``), ``longest_run_m`` (the straight run, or the lap of a loop track;
        1 decimal) and ``usable_area_m2`` (whole m²).
    """
    import pandas as pd

    n = len(venues)
    geoms = np.asarray(venues.geometry.to_numpy(), dtype=object)
    kinds = (venues["kind"].astype(str).to_numpy() if "kind" in venues
             else np.full(n, "", dtype=object))
    missing = pd.Series(None, index=venues.index, dtype=object)
    width = track_width_m(venues.get("width", missing), venues.get("lanes", missing))
    type_id = shapely.get_type_id(geoms)
    is_line = np.isin(type_id, (1, 2, 5))
    is_area = np.isin(type_id, (3, 6))

    run = np.zeros(n)
    area = np.zeros(n)
    lap = np.full(n, np.nan)  # set for loop tracks only

    lines = np.flatnonzero(is_line)
    if lines.size:
        length = shapely.length(geoms[lines])
        merged = shapely.line_merge(geoms[lines])
        closed = (shapely.get_type_id(merged) == 1) & shapely.is_closed(merged)
        parts, owner = shapely.get_parts(merged, return_index=True)
        longest_part = np.zeros(lines.size)
        np.maximum.at(longest_part, owner, shapely.length(parts))
        lap[lines[closed]] = length[closed]
        run[lines] = np.where(closed, length, longest_part)
        area[lines] = length * width[lines]

    areas = np.flatnonzero(is_area)
    if areas.size:
        # Lanes run to the kerb: a track keeps only its running line's offset from the edge.
        margin = np.where(kinds[areas] == "track", RUNNING_LINE_M, MARGIN_M)
        shrunk = shrink(geoms[areas], margin)
        run[areas] = longest_chords(shrunk)
        area[areas] = shapely.area(shrunk)
        tracks = areas[kinds[areas] == "track"]
        if tracks.size:
            lap[tracks], lanes_area = _track_area_laps(geoms[tracks], width[tracks])
            area[tracks] = np.where(np.isnan(lap[tracks]), area[tracks], lanes_area)

    is_loop = ~np.isnan(lap)
    run_score = run_to_score(run)
    run_score = np.where(is_loop, np.maximum(lap_to_score(np.nan_to_num(lap)), run_score),
                         run_score)
    area_score = area_to_score(area)
    score = np.minimum(run_score, area_score)
    reasons = [_reason(run[i], lap[i], area[i], score[i], area_score[i] < run_score[i],
                       bool(is_line[i])) for i in range(n)]
    return pd.DataFrame({
        "score": np.round(score, 1), "reason": reasons, "evidence": "measured",
        "longest_run_m": np.round(np.where(is_loop, lap, run), 1),
        "usable_area_m2": np.round(area, 0),
    }, index=venues.index)


def _track_area_laps(geoms: "np.ndarray", width: "np.ndarray"
                     ) -> tuple["np.ndarray", "np.ndarray"]:
    """Lap (metres) of each track drawn as an area, NaN when it is not a loop (a straight),
    and the area of its lanes (m², meaningful for loops).

    Measured on the largest part, along the inner edge (see the module docstring).
    """
    parts, owner = shapely.get_parts(geoms, return_index=True)
    part_area = shapely.area(parts)
    # Largest part per venue: sort by (owner, area) and keep each owner's last.
    order = np.lexsort((part_area, owner))
    last = np.r_[owner[order][1:] != owner[order][:-1], True]
    largest = parts[order][last]
    outer = shapely.get_exterior_ring(largest)
    outer_len = shapely.length(outer)
    outline_area = shapely.area(shapely.polygons(outer))
    compact = 4.0 * math.pi * outline_area / np.maximum(outer_len, 1e-9) ** 2
    holes = shapely.get_num_interior_rings(largest)
    inner_len = np.zeros(len(largest))
    rings, ring_owner = shapely.get_rings(largest[holes > 0], return_index=True)
    if rings.size:
        # get_rings lists each polygon's exterior first: the rest are its inner rings.
        is_inner = np.r_[False, ring_owner[1:] == ring_owner[:-1]]
        longest_inner = np.zeros(int((holes > 0).sum()))
        np.maximum.at(longest_inner, ring_owner[is_inner], shapely.length(rings[is_inner]))
        inner_len[holes > 0] = longest_inner
    offset = 2.0 * math.pi * RUNNING_LINE_M
    lap = np.where(holes > 0, inner_len + offset,
                   outer_len - 2.0 * math.pi * width + offset)
    loop = (holes > 0) | ((compact >= LOOP_MIN_COMPACTNESS) & (lap >= LOOP_MIN_LAP_M))
    lanes_area = np.where(holes > 0, shapely.area(largest), lap * width)
    return np.where(loop, lap, np.nan), lanes_area


def _reason(run: float, lap: float, area: float, score: float, area_limits: bool,
            is_line: bool) -> str:
    """The sentence behind a room score, citing the run (or lap) and the area."""
    if not math.isnan(lap):
        text = f"{lap:,.0f} m lap"
        if not is_line:
            text += f" (longest straight run {run:,.0f} m)"
    elif is_line:
        text = f"{run:,.0f} m straight of track"
    elif area <= 0:
        return f"No open ground {MARGIN_M:.0f} m inside its edge: no room to run backwards"
    else:
        text = f"Longest straight run {run:,.0f} m inside a {area:,.0f} m² open area"
    if score >= 90:
        verdict = "room for end-to-end drills" if math.isnan(lap) else "room for intervals"
    elif score >= 60:
        verdict = "room for backward strides and shuttles"
    elif score >= 20:
        verdict = ("room for one runner, little for anyone else" if area_limits
                   else "room for short shuttles only")
    else:
        verdict = ("too narrow to share, no room to run backwards" if area_limits
                   else "no room to run backwards")
    return f"{text}: {verdict}"
