"""Traffic: how far the venue's edge is from roads carrying motor traffic.

Each road class (:data:`~venuefinder.vocabulary.roads.ROAD_CLASSES`) has a *safe distance*
(beyond it the road no longer matters to someone who cannot see where they are going) and a
*floor* (the score when the road touches the venue: a quiet service lane at the edge is
less bad than a primary road). A road's safe distance grows with its ``maxspeed`` relative
to the class's usual speed. The score of a venue is the worst over all roads. Footways,
cycleways and paths are not motor traffic and never reach this module (see
:data:`~venuefinder.vocabulary.roads.MOTOR_ROAD_CLASSES`).

A venue inside a stadium or sports centre (``leisure=stadium|sports_centre``), or ringed by
a fence or wall mapped within :data:`FENCE_REACH_M` of its edge along at least
:data:`FENCE_SHARE` of it, is *separated* from the road: the distance still counts, but the
floor rises :data:`SEPARATED_FLOOR_RISE` of the way to 100 (a runner cannot stray onto the
road; its noise and fumes remain), and the reason says so.

Vectorised: one STRtree nearest query per (class, safe distance) group over all venues.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from ..vocabulary.labels import highway_word, with_article
from ..vocabulary.roads import ROAD_CLASSES

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from . import ScoringContext


#: A fence or wall this close to a venue's edge may ring it.
FENCE_REACH_M = 5.0
#: Share of the venue's edge such fences must run along for it to count as fenced.
FENCE_SHARE = 0.6
#: How far a separated venue's floor rises towards 100.
SEPARATED_FLOOR_RISE = 0.6
#: Venues per nearest-road query chunk at most, and at least (below it a thread costs more
#: than it saves); chunks run in parallel threads.
_CHUNK = 10_000
_MIN_CHUNK = 2_000
#: Bounds on the speed factor so that a mistagged maxspeed cannot dominate.
SPEED_FACTOR_RANGE = (0.6, 1.6)


def safe_distance(road_class: str, maxspeed_kmh: "np.ndarray") -> "np.ndarray":
    """Safe distance in metres for roads of one class with the given speeds (NaN: usual)."""
    rule = ROAD_CLASSES[road_class]
    factor = np.clip(np.asarray(maxspeed_kmh, float) / rule.usual_speed_kmh, *SPEED_FACTOR_RANGE)
    return rule.safe_distance_m * np.where(np.isnan(factor), 1.0, factor)


def score_traffic(venues: "gpd.GeoDataFrame", context: "ScoringContext") -> "pd.DataFrame":
    """Score 0–100 per venue and a reason naming the road that sets it and its distance.

    Parameters
    ----------
    venues
        Venues in the metric CRS.
    context
        ``context.roads``: motor roads in the same CRS with ``name``, ``highway``,
        ``road_class`` and ``maxspeed_kmh`` (see ``venues.select_roads``).
    """
    import pandas as pd

    roads = context.roads
    n = len(venues)
    geoms = venues.geometry.to_numpy()
    separated, separation = separation_of(venues, context)
    best = np.full(n, 100.0)
    worst_road = np.full(n, -1)
    worst_distance = np.full(n, np.nan)
    road_class = roads["road_class"].to_numpy()
    speed = roads["maxspeed_kmh"].to_numpy(dtype=float)
    road_geoms = roads.geometry.to_numpy()
    safe = np.zeros(len(roads))
    for cls in ROAD_CLASSES:
        in_class = road_class == cls
        safe[in_class] = safe_distance(cls, speed[in_class])
    for cls, rule in ROAD_CLASSES.items():  # worst first: ties go to the worse class
        floor = np.where(separated, rule.floor + SEPARATED_FLOOR_RISE * (100.0 - rule.floor),
                         rule.floor)
        # Roads sharing a class and a safe distance score alike at alike distances, so the
        # nearest one of each such group is the worst one: query group by group.
        for reach in np.unique(safe[road_class == cls])[::-1]:
            # A venue already at or below its floor for the class cannot score lower by it.
            todo = np.flatnonzero(best > floor)
            if not todo.size:
                break
            members = np.flatnonzero((road_class == cls) & (safe == reach))
            venue_idx, road_idx, distance = _nearest(geoms[todo], road_geoms[members], reach)
            venue_idx = todo[venue_idx]
            low = floor[venue_idx]
            score = low + (100.0 - low) * np.clip(distance / reach, 0.0, 1.0)
            worse = score < best[venue_idx]
            best[venue_idx[worse]] = score[worse]
            worst_road[venue_idx[worse]] = members[road_idx[worse]]
            worst_distance[venue_idx[worse]] = distance[worse]

    reasons = _reasons(venues, roads, geoms, road_geoms, worst_road, worst_distance, separation)
    return pd.DataFrame({"score": np.round(best, 1), "reason": reasons, "evidence": "measured"},
                        index=venues.index)


def separation_of(venues: "gpd.GeoDataFrame", context: "ScoringContext"
                  ) -> tuple["np.ndarray", "np.ndarray"]:
    """Whether each venue is separated from roads, and how (``"behind a fence"``,
    ``"inside Olympiastadion"``; empty when not).

    Parameters
    ----------
    venues
        Venues in the metric CRS (with ``id``).
    context
        ``enclosures`` (stadium/sports-centre areas) and ``barriers`` (fence/wall lines),
        either may be None.
    """
    import shapely

    n = len(venues)
    how = np.full(n, "", dtype=object)
    geoms = venues.geometry.to_numpy()
    enclosures = context.enclosures
    if enclosures is not None and len(enclosures) and n:
        inner = shapely.point_on_surface(geoms)
        venue_idx, enc_idx = shapely.STRtree(enclosures.geometry.to_numpy()).query(
            inner, predicate="within")
        ids = venues["id"].to_numpy(dtype=object)
        other = enclosures["id"].to_numpy(dtype=object)[enc_idx] != ids[venue_idx]
        venue_idx, enc_idx = venue_idx[other], enc_idx[other]
        names = enclosures["name"].to_numpy(dtype=object)[enc_idx]
        kinds = enclosures["leisure"].to_numpy(dtype=object)[enc_idx]
        how[venue_idx] = [f"inside {name}" if isinstance(name, str) and name
                          else f"inside a {str(kind).replace('_', ' ')}"
                          for name, kind in zip(names, kinds)]
    barriers = context.barriers
    if barriers is not None and len(barriers) and n:
        edges = shapely.boundary(geoms)
        is_line = np.isin(shapely.get_type_id(geoms), (1, 5))
        edges[is_line] = geoms[is_line]  # a line track's fence runs along its line
        venue_idx, bar_idx = shapely.STRtree(barriers.geometry.to_numpy()).query(
            edges, predicate="dwithin", distance=FENCE_REACH_M)
        if venue_idx.size:
            zone = shapely.buffer(edges[venue_idx], FENCE_REACH_M)
            along = shapely.length(shapely.intersection(
                barriers.geometry.to_numpy()[bar_idx], zone))
            fenced = np.bincount(venue_idx, weights=along, minlength=n)
            perimeter = shapely.length(edges)
            share = np.divide(fenced, perimeter, out=np.zeros(n), where=perimeter > 0)
            ringed = (share >= FENCE_SHARE) & (how == "")
            how[ringed] = "behind a fence"
    return how != "", how
def _nearest(geoms: "np.ndarray", road_geoms: "np.ndarray",
             max_distance: "float | None") -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """Nearest road per venue within *max_distance* (None: any distance).

    GEOS releases the GIL in nearest queries, so chunks run on all cores.
    """
    import shapely

    tree = shapely.STRtree(road_geoms)

    def query(start: int) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
        (venue_idx, road_idx), distance = tree.query_nearest(
            geoms[start:start + size], max_distance=max_distance, return_distance=True,
            all_matches=False)
        return venue_idx + start, road_idx, distance

    cores = os.cpu_count() or 1
    size = min(_CHUNK, max(_MIN_CHUNK, -(-len(geoms) // cores)))  # every core, when worth it
    starts = range(0, len(geoms), size)
    if len(starts) <= 1:
        parts = [query(0)]
    else:
        with ThreadPoolExecutor(max_workers=min(len(starts), cores)) as pool:
            parts = list(pool.map(query, starts))
    return tuple(np.concatenate(arrays) for arrays in zip(*parts))  # type: ignore[return-value]


def _describe(name: object, highway: object, maxspeed: float) -> str:
    """A road in plain words: ``Mannerheimintie (primary road, 50 km/h)``, ``a minor road``."""
    what = highway_word(highway)
    speed = "" if np.isnan(maxspeed) else f"{maxspeed:.0f} km/h"
    if isinstance(name, str) and name:
        return f"{name} ({', '.join(filter(None, (what, speed)))})"
    return f"{with_article(what)} ({speed})" if speed else with_article(what)


def _reasons(venues: "gpd.GeoDataFrame", roads: "gpd.GeoDataFrame", geoms: "np.ndarray",
             road_geoms: "np.ndarray", worst_road: "np.ndarray",
             worst_distance: "np.ndarray", separation: "np.ndarray") -> list[str]:
    names = roads["name"].to_numpy(dtype=object)
    # The reason names the mapped road (a minor road, a living street…), not its group.
    classes = roads["highway"].to_numpy(dtype=object)
    speeds = roads["maxspeed_kmh"].to_numpy(dtype=float)
    # For venues far from every class's reach, still cite the nearest motor road.
    far = np.flatnonzero(worst_road < 0)
    nearest_road = np.full(len(geoms), -1)
    nearest_distance = np.full(len(geoms), np.nan)
    if far.size and len(road_geoms):
        venue_idx, road_idx, distance = _nearest(geoms[far], road_geoms, None)
        nearest_road[far[venue_idx]] = road_idx
        nearest_distance[far[venue_idx]] = distance
    reasons = []
    for row in range(len(geoms)):
        road = worst_road[row]
        if road >= 0:
            what = _describe(names[road], classes[road], speeds[road])
            distance = worst_distance[row]
            if distance < 1.0:
                text = f"{what} runs along or through it (0 m)"
            else:
                text = f"{what} is {distance:.0f} m away"
            if separation[row]:
                text += f", {separation[row]}"
            reasons.append(_capitalise(text))
        elif nearest_road[row] >= 0:
            road = nearest_road[row]
            what = _describe(names[road], classes[road], speeds[road])
            reasons.append(f"Away from traffic: the nearest motor road, {what}, is "
                           f"{nearest_distance[row]:.0f} m away")
        else:
            reasons.append("No road with motor traffic is mapped nearby")
    return reasons


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]
