"""Room: how far one can run in a straight line, and in how much space.

The sport's drills set the scale: the "yo-yo" runs a pitch's length (about 100 m) forwards
and straight back backwards; intervals want a straight of 50 m or more; under about 20 m
there is no room to build up any speed backwards. And a runner and a spotter need space
around them, not only length: a 6 m wide verge has a long run and no room.

What is measured, in the region's metric CRS:

* **An area**: the longest straight segment that fits inside it :data:`MARGIN_M` from its
  edge (holes — buildings, ponds — count), and the usable area: the area shrunk by the
  same margin (:func:`shrink`). A track mapped as an area ring (with its infield as a hole) is a lap too.
* **A track drawn as a line**: its lap when closed, else its length (a sprint straight);
  the usable area is length × width (``width`` tag, default 5 m: four lanes).

How the longest run is found (:func:`longest_straight_run`): in a convex shape it is the
diameter, the longest distance between two vertices (exact); so it is in a concave shape
whose hull diameter still lies inside it. For the others, every pair of vertices whose
segment lies inside is a candidate, and the longest ones are extended both ways to the
edge; the shape is first simplified to at most :data:`MAX_VERTICES` vertices (by at most
:data:`MAX_SIMPLIFY_M`) to bound the work. That misses a chord pivoting on one reflex
corner with both ends on edges, and fine curves lost to the simplification: such answers
are a few per cent short. ``bench/room_accuracy.py`` prints the error against exact
answers (rectangles at any angle exact; holes within centimetres; L-shapes up to 6 %,
rings up to 9 % short).

Score (linear between the breakpoints): the geometric mean of a run score and an area
score (both are needed; a long thin strip scores low), a track's from its lap or straight:

=================  =====  ==================================================
run (m)            score  why
=================  =====  ==================================================
≤ 15               0–5    no room to run backwards
20                 15     a few steps: walking backwards only
40                 55     short straights: 1-minute intervals turn often
60                 75     room for intervals
≥ 100              100    a pitch's length: the yo-yo drill end to end
=================  =====  ==================================================

======================  =====  ============================================
usable area (m²)        score  why
======================  =====  ============================================
≤ 150                   0–5    one runner at a time, nobody beside
500                     40     a runner and a spotter
2,000                   75     a small group
≥ 5,000                 100    a club session
======================  =====  ============================================
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from . import ScoringContext

#: Distance kept from the edge (and from holes), metres.
MARGIN_M = 2.0
#: Width of a track drawn as a line without a usable ``width`` tag (four lanes).
DEFAULT_TRACK_WIDTH_M = 5.0
#: Most vertices a non-convex shape keeps for the vertex-pair search.
MAX_VERTICES = 28
#: Largest simplification allowed to reach :data:`MAX_VERTICES` (metres).
MAX_SIMPLIFY_M = 4.0
#: Candidate pairs per shape whose chord is extended to the edge (the longest inside).
EXTEND_BEST = 12

RUN_TABLE = ((15.0, 5.0), (20.0, 15.0), (40.0, 55.0), (60.0, 75.0), (100.0, 100.0))
AREA_TABLE = ((150.0, 5.0), (500.0, 40.0), (2_000.0, 75.0), (5_000.0, 100.0))


def run_score(run_m: "np.ndarray") -> "np.ndarray":
    """Score of a straight run or lap (metres) through :data:`RUN_TABLE`."""
    x, y = zip(*((0.0, 0.0), *RUN_TABLE))
    return np.interp(np.asarray(run_m, dtype=float), x, y)


def area_score(area_m2: "np.ndarray") -> "np.ndarray":
    """Score of a usable area (m²) through :data:`AREA_TABLE`."""
    x, y = zip(*((0.0, 0.0), *AREA_TABLE))
    return np.interp(np.asarray(area_m2, dtype=float), x, y)


def score_room(venues: "gpd.GeoDataFrame", context: "ScoringContext") -> "pd.DataFrame":
    """Score 0–100 per venue, a reason citing the run and the area, ``longest_run_m`` and
    ``usable_area_m2``.

    Parameters
    ----------
    venues
        Venues in the metric CRS (``kind``, ``width``, geometry).
    context
        Not read: room depends on the venue's own shape.
    """
    import pandas as pd
    import shapely

    from ..venues import pd_to_metres

    n = len(venues)
    geoms = np.asarray(venues.geometry.to_numpy(), dtype=object)
    kinds = venues["kind"].astype(str).to_numpy()
    is_line = np.isin(shapely.get_type_id(geoms), (1, 5))
    is_area = ~is_line

    run = np.zeros(n)
    usable = np.zeros(n)
    lap = np.full(n, np.nan)  # a track's lap, where it has one
    shrunk = shrink(geoms[is_area])
    usable[is_area] = shapely.area(shrunk)
    run[is_area] = _longest_in(shrunk)

    # Tracks drawn as lines: the lap when closed, the straight when open.
    if is_line.any():
        length = shapely.length(geoms[is_line])
        width = pd_to_metres(venues["width"]).fillna(DEFAULT_TRACK_WIDTH_M).to_numpy()
        usable[is_line] = length * width[is_line]
        closed = shapely.is_closed(shapely.line_merge(geoms[is_line]))
        run[is_line] = length
        lap[np.flatnonzero(is_line)[closed]] = length[closed]
    # A track mapped as an area ring around its infield: its lap runs between the rings.
    area_track = np.flatnonzero(is_area & (kinds == "track"))
    laps = np.array([_ring_lap(g) for g in geoms[area_track]], dtype=float)
    lap[area_track] = laps

    # A track's lanes are its room, narrow by design: scored on its lap or straight alone.
    is_track = kinds == "track"
    track_run = np.where(np.isnan(lap), run, np.maximum(lap, run))
    score = np.where(is_track, run_score(track_run),
                     np.sqrt(run_score(run) * area_score(usable)))
    reasons = [_reason(r, u, lp, line) for r, u, lp, line in zip(run, usable, lap, is_line)]
    return pd.DataFrame({"score": np.round(score, 1), "reason": reasons, "evidence": "measured",
                         "longest_run_m": np.round(np.where(np.isnan(lap), run, lap), 1),
                         "usable_area_m2": np.round(usable, 0)}, index=venues.index)


def longest_straight_run(geoms: "np.ndarray", margin_m: float = MARGIN_M) -> "np.ndarray":
    """Longest straight segment (metres) inside each (Multi)Polygon, *margin_m* from its
    edge and its holes; 0 where nothing is left after the margin."""
    return _longest_in(shrink(np.asarray(geoms, dtype=object), margin_m))


def shrink(geoms: "np.ndarray", margin_m: float = MARGIN_M) -> "np.ndarray":
    """The shapes *margin_m* in from their edges and out from their holes. Mitred, so a
    corner stays a corner: the running area keeps the shape's few vertices (which the
    search needs), and a reflex corner is kept clear a little more than the margin."""
    import shapely

    return shapely.buffer(geoms, -margin_m, join_style="mitre")


def _longest_in(shapes: "np.ndarray") -> "np.ndarray":
    """Longest segment inside each (already shrunk) shape: the best of its parts."""
    import shapely

    shapes = np.asarray(shapes, dtype=object)
    result = np.zeros(len(shapes))
    if not len(shapes):
        return result
    parts, owner = shapely.get_parts(shapes, return_index=True)
    keep = shapely.get_type_id(parts) == 3
    parts, owner = parts[keep], owner[keep]
    if not len(parts):
        return result
    hulls = shapely.convex_hull(parts)
    convex = ((shapely.get_num_interior_rings(parts) == 0)
              & (shapely.area(parts) >= shapely.area(hulls) * (1.0 - 1e-9)))
    best, tips = _diameters(hulls)
    # A concave shape whose hull diameter still lies inside it has that diameter as its
    # longest run; only the others need the vertex-pair search.
    shapely.prepare(parts)
    search = ~convex
    if search.any():
        inside = shapely.covers(parts[search], shapely.linestrings(tips[search]))
        search[np.flatnonzero(search)[inside]] = False
    if search.any():
        best[search] = _vertex_pair_runs(parts[search])
    np.maximum.at(result, owner, best)
    return result


def _diameters(hulls: "np.ndarray") -> tuple["np.ndarray", "np.ndarray"]:
    """Longest vertex-to-vertex distance of each convex polygon (its diameter) and its two
    ends (shape × 2 × 2), vectorised over shapes with the same vertex count."""
    import shapely

    coords, index = shapely.get_coordinates(hulls, return_index=True)
    counts = np.bincount(index, minlength=len(hulls))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    out = np.zeros(len(hulls))
    tips = np.zeros((len(hulls), 2, 2))
    for k in np.unique(counts):
        if k < 2:
            continue
        members = np.flatnonzero(counts == k)
        # Chunks keep the (shapes × k × k) distance arrays small for big polygons.
        step = max(1, 2_000_000 // int(k * k))
        for lo in range(0, len(members), step):
            chunk = members[lo:lo + step]
            pts = coords[starts[chunk, None] + np.arange(k)]  # (m, k, 2)
            diff = pts[:, :, None, :] - pts[:, None, :, :]
            dist = np.sqrt((diff ** 2).sum(-1)).reshape(len(chunk), -1)
            far = dist.argmax(axis=1)
            out[chunk] = dist[np.arange(len(chunk)), far]
            rows = np.arange(len(chunk))
            tips[chunk, 0] = pts[rows, far // k]
            tips[chunk, 1] = pts[rows, far % k]
    return out, tips


def _vertex_pair_runs(polygons: "np.ndarray") -> "np.ndarray":
    """Longest chord through two vertices of each polygon that lies inside it."""
    import shapely

    simple = polygons.copy()
    for tolerance in (0.25, 0.5, 1.0, 2.0, MAX_SIMPLIFY_M):
        many = shapely.get_num_coordinates(simple) > MAX_VERTICES + 2
        if not many.any():
            break
        simple[many] = shapely.simplify(polygons[many], tolerance, preserve_topology=True)
    pair_owner, starts, ends = [], [], []
    for i, polygon in enumerate(simple):
        points = np.unique(shapely.get_coordinates(polygon), axis=0)
        a, b = np.triu_indices(len(points), k=1)
        pair_owner.append(np.full(len(a), i))
        starts.append(points[a])
        ends.append(points[b])
    owner = np.concatenate(pair_owner)
    start, end = np.concatenate(starts), np.concatenate(ends)
    length = np.hypot(*(end - start).T)
    # The segment must lie in the original (unsimplified) shape.
    segments = shapely.linestrings(np.stack([start, end], axis=1))
    inside = (length > 0) & shapely.covers(polygons[owner], segments)
    owner, start, end, length = owner[inside], start[inside], end[inside], length[inside]
    out = np.zeros(len(polygons))
    if not len(owner):
        return out
    # The longest inside segments of each shape, extended both ways to the edge.
    order = np.lexsort((-length, owner))
    rank = np.arange(len(order)) - np.searchsorted(owner[order], owner[order])
    chosen = order[rank < EXTEND_BEST]
    owner, start, end, length = owner[chosen], start[chosen], end[chosen], length[chosen]
    np.maximum.at(out, owner, length)
    bounds = shapely.bounds(polygons)
    reach = np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])[owner]
    direction = (end - start) / length[:, None]
    far_start = start - direction * reach[:, None]
    far_end = end + direction * reach[:, None]
    # Extended within the simplified shape: its edge is within the tolerance of the real one.
    chords = shapely.intersection(simple[owner],
                                  shapely.linestrings(np.stack([far_start, far_end], axis=1)))
    pieces, piece_owner = shapely.get_parts(chords, return_index=True)
    middle = shapely.points((start + end) / 2)
    holds = shapely.dwithin(pieces, middle[piece_owner], 1e-6)
    np.maximum.at(out, owner[piece_owner[holds]], shapely.length(pieces[holds]))
    return out


def _ring_lap(shape: object) -> float:
    """Lap of a track mapped as an area ring (its largest part with an infield hole):
    midway between its outer and largest inner edge; NaN when it has no hole."""
    import shapely

    parts = shapely.get_parts(shape)
    holes = shapely.get_num_interior_rings(parts)
    if not (holes > 0).any():
        return float("nan")
    polygon = parts[holes > 0][np.argmax(shapely.area(parts[holes > 0]))]
    outer = shapely.length(shapely.get_exterior_ring(polygon))
    inner = shapely.length(shapely.get_interior_ring(
        polygon, np.arange(shapely.get_num_interior_rings(polygon)))).max()
    return float((outer + inner) / 2)


def _reason(run: float, usable: float, lap: float, line: bool) -> str:
    if not np.isnan(lap):
        verdict = "room for intervals" if lap >= 200 else "a short lap"
        return f"{lap:,.0f} m lap: {verdict}"
    if line:
        return f"{run:,.0f} m straight of track"
    if run >= 100:
        verdict = "room for end-to-end drills"
    elif run >= 50:
        verdict = "room for intervals, short of a full yo-yo length"
    elif run >= 20:
        verdict = "tight: short straights only"
    else:
        verdict = "no room to run backwards"
    return (f"Longest straight run {run:,.0f} m inside a {usable:,.0f} m² open area: "
            f"{verdict}")
