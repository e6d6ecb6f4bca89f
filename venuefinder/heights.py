"""Is the ground around a place hilly? The extract's own heights say, when no DEM does.

Summits, passes, survey points, trail signposts, settlements and contour lines carry an
``ele`` (:mod:`venuefinder.vocabulary.heights`); the readers keep them with that height as
the geometry's ``z``. :func:`select_heights` takes them out of the features frame, and
:func:`relief_near` answers, for every venue (or any geometry), from the heights within
:data:`RADIUS_M` of it.

The rule, in one place: the area is **hilly** when, among the heights within 2 km,

* the highest and the lowest differ by at least :data:`HILLY_RELIEF_M` (50 m), and
* the ground between those two climbs on average at least :data:`HILLY_GRADE_PCT` (5 %).

Why: between two heights *d* metres apart that differ by Δh, the ground rises Δh/d on
average, so somewhere between them it is at least that steep (the mean value theorem);
5 % is the grade from which a walkway counts as a ramp, and it is where the flatness
table (:mod:`venuefinder.scoring.flatness`) starts to score a slope below 60. The 50 m
floor keeps mapping noise out (a survey point on a bridge beside one below it, heights
rounded to 10 m), and the grade keeps out a long gentle valley whose ends differ by more
than 50 m over kilometres. One height alone says nothing about slope: not hilly.
Sparse heights only prove slopes, never flatness, so "not hilly" means "no sign of hills".
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

#: Heights within this distance of a place (metres from its edge) speak for it.
RADIUS_M = 2_000.0
#: Least difference between the highest and lowest height for a hilly area (metres).
HILLY_RELIEF_M = 50.0
#: Least average grade between the highest and lowest height for a hilly area (percent).
HILLY_GRADE_PCT = 5.0
#: Columns of :func:`relief_near`.
RELIEF_COLUMNS = ("low", "high", "grade_pct", "count", "hilly")


def select_heights(features: "gpd.GeoDataFrame", crs: "CRS") -> "gpd.GeoDataFrame":
    """The heights of the ground among *features* (WGS84): the features whose geometry has
    a ``z`` (points and contour lines), as ``ele`` (metres) and a 2-D geometry in *crs*."""
    import geopandas as gpd
    import shapely

    geoms = features.geometry.values
    has_z = np.asarray(shapely.has_z(geoms), dtype=bool)
    kept = np.asarray(geoms[has_z], dtype=object)
    # Every vertex of a contour holds its height: the first one (of its first part) says it.
    first = shapely.get_point(shapely.get_geometry(kept, 0), 0)
    ele = shapely.get_z(np.where(shapely.get_type_id(kept) == 0, kept, first))
    valid = np.isfinite(ele)
    flat = shapely.force_2d(kept[valid])
    return gpd.GeoDataFrame({"ele": ele[valid]}, geometry=flat,
                            crs=features.crs).to_crs(crs)


def relief_near(heights: "gpd.GeoDataFrame", geoms: "np.ndarray",
                radius_m: float = RADIUS_M) -> "pd.DataFrame":
    """The heights within *radius_m* of each geometry and whether the area is hilly.

    Parameters
    ----------
    heights
        :func:`select_heights`, in the geometries' (metric) CRS; None or empty for none.
    geoms
        Shapely geometries (venues, points) in the same CRS.
    radius_m
        Reach, metres from each geometry's edge.

    Returns
    -------
    pandas.DataFrame
        One row per geometry, in order: ``low`` and ``high`` (metres, NaN with no height
        near), ``grade_pct`` (average grade between those two, NaN with fewer than two),
        ``count`` (heights near) and ``hilly`` (the rule in the module docstring).
    """
    import pandas as pd
    import shapely

    geoms = np.asarray(geoms, dtype=object)
    n = len(geoms)
    low, high = np.full(n, np.nan), np.full(n, np.nan)
    grade, count = np.full(n, np.nan), np.zeros(n, dtype=int)
    if heights is not None and len(heights) and n:
        points = heights.geometry.values
        ele = heights["ele"].to_numpy(dtype=float)
        place, near = shapely.STRtree(points).query(geoms, predicate="dwithin",
                                                    distance=radius_m)
        # Per place, its heights lowest first: the first of a run is the lowest, the last
        # the highest.
        order = np.lexsort((ele[near], place))
        place, near = place[order], near[order]
        places, first, counts = np.unique(place, return_index=True, return_counts=True)
        lowest, highest = near[first], near[first + counts - 1]
        low[places], high[places], count[places] = ele[lowest], ele[highest], counts
        apart = shapely.distance(points[lowest], points[highest])
        rise = ele[highest] - ele[lowest]
        grade[places] = np.where(counts > 1, 100.0 * rise / np.maximum(apart, 1.0), np.nan)
    hilly = (high - low >= HILLY_RELIEF_M) & (grade >= HILLY_GRADE_PCT)
    return pd.DataFrame({"low": low, "high": high, "grade_pct": grade, "count": count,
                         "hilly": hilly})


def is_hilly(heights: "gpd.GeoDataFrame", point: object, crs: "CRS") -> bool:
    """Whether the area within :data:`RADIUS_M` of *point* (a shapely geometry in *crs*) is
    hilly by the extract's heights (:func:`relief_near`; *heights* in any metric CRS)."""
    import geopandas as gpd

    if heights is None or not len(heights):
        return False
    where = gpd.GeoSeries([point], crs=crs).to_crs(heights.crs).values
    return bool(relief_near(heights, where)["hilly"].iloc[0])


def describe_relief(low: float, high: float, radius_m: float = RADIUS_M) -> str:
    """``heights 1,020–1,480 m within 2 km``: what a reason cites of the relief."""
    return f"heights {low:,.0f}–{high:,.0f} m within {radius_m / 1000:g} km"
