"""Hand-made scored regions for the web tests: small, deterministic, built in milliseconds.

They hold exactly the columns :class:`venuefinder.region.Region` expects of a scored region
so that the web layer is tested without depending on the scoring modules' numbers.
"""

from __future__ import annotations

import math
from typing import Any, Optional

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from venuefinder.labels import venue_labels
from venuefinder.prepare import with_meeting_points
from venuefinder.region import Region
from venuefinder.criteria import REGISTRY, scored_columns
from venuefinder.venues import VENUE_COLUMNS

CRS = "EPSG:32635"
#: Middle of the tiny region (central Helsinki).
CENTER_LAT, CENTER_LON = 60.1700, 24.9400

# The schema and the scored columns come from the package, so a new criterion needs no
# change here.
_VENUE_COLUMNS = (*VENUE_COLUMNS, *scored_columns())


def _square(lat: float, lon: float, half_m: float) -> Polygon:
    """A square of 2*half_m metres around (lat, lon), in WGS84."""
    dlat = half_m / 110_540
    dlon = half_m / (111_320 * math.cos(math.radians(lat)))
    return box(lon - dlon, lat - dlat, lon + dlon, lat + dlat)


def _venue(vid: str, name: Optional[str], kind: str, geometry: Any, s_flat: float,
           s_traffic: float, s_surface: float, score: float, vetoed_by: Optional[str] = None,
           **tags: Any) -> dict[str, Any]:
    row = {column: None for column in _VENUE_COLUMNS}
    row.update(id=vid, name=name, kind=kind, geometry=geometry, area_m2=0.0, score=score,
               vetoed_by=vetoed_by, confidence=100.0, rank=score)
    # Every other static criterion is perfect, measured, and says so.
    for criterion in REGISTRY:
        if not criterion.live:
            row[f"score_{criterion.name}"] = 100.0
            row[f"reason_{criterion.name}"] = f"{name or kind}: nothing wrong with its " \
                                              f"{criterion.name}"
            row[f"evidence_{criterion.name}"] = "measured"
            for prop in criterion.properties:
                row[prop] = 0
    row.update(score_flatness=s_flat, score_traffic=s_traffic, score_surface=s_surface,
               reason_flatness=f"{name or kind}: slope about {100 - s_flat:.0f}/100 steep",
               reason_traffic=f"{name or kind}: nearest busy road scored {s_traffic:.0f}",
               reason_surface=f"{name or kind}: surface scored {s_surface:.0f}")
    row.update(tags)
    return row


def _frame(rows: list[dict[str, Any]]) -> gpd.GeoDataFrame:
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=list(_VENUE_COLUMNS)),
                             geometry="geometry", crs="EPSG:4326")
    metric = frame.geometry.to_crs(CRS)
    frame["area_m2"] = np.where(metric.area > 0, metric.area, metric.length * 5.0).round(1)
    # Labelled from the venues alone: no streets or parks around them.
    frame["label"] = venue_labels(frame, frame[["id", "name", "geometry"]], CRS)
    return frame


def tiny_region() -> Region:
    """Five venues of four kinds around (60.17, 24.94), three places, a small basemap.

    ============  ==================  ======  =====  ===========================
    id            name                kind    score  where
    ============  ==================  ======  =====  ===========================
    way/1         Kaivo Field         pitch   88     at the centre
    way/2         Busy Corner Park    park    42     300 m north (traffic veto)
    way/3         Sand Track          track   63     600 m east (a line)
    relation/4    (no name)           grass   77     1.5 km south (multipolygon)
    way/5         Far Meadow          meadow  55     5 km west
    ============  ==================  ======  =====  ===========================
    """
    lat, lon = CENTER_LAT, CENTER_LON
    dlon_m = 1 / (111_320 * math.cos(math.radians(lat)))
    track = LineString([(lon + 600 * dlon_m, lat - 0.0004), (lon + 600 * dlon_m, lat + 0.0004)])
    south = lat - 1500 / 110_540
    rows = [
        _venue("way/1", "Kaivo Field", "pitch", _square(lat, lon, 60), 95, 85, 90, 88.0,
               surface="grass", lit="yes", sport="soccer"),
        _venue("way/2", "Busy Corner Park", "park", _square(lat + 300 / 110_540, lon, 40),
               80, 42, 70, 42.0, vetoed_by="traffic"),
        _venue("way/3", "Sand Track", "track", track, 90, 70, 45, 63.0, surface="sand"),
        _venue("relation/4", None, "grass",
               MultiPolygon([_square(south, lon, 30), _square(south, lon + 100 * dlon_m, 20)]),
               75, 80, 76, 77.0),
        _venue("way/5", "Far Meadow", "meadow", _square(lat, lon - 5000 * dlon_m, 80),
               60, 90, 50, 55.0),
    ]
    places = pd.DataFrame({
        "name": ["Kaivopuisto", "Kamppi", "Kallio", "Kaivokatu"],
        "kind": ["park", "station", "suburb", "secondary"],
        "lat": [lat, lat + 0.002, lat + 0.01, lat + 0.001],
        "lon": [lon, lon - 0.004, lon + 0.002, lon + 0.001],
    })
    basemap = gpd.GeoDataFrame(
        {"layer": ["road", "path", "water", "building", "green"]},
        geometry=[LineString([(lon - 0.01, lat + 0.0015), (lon + 0.01, lat + 0.0015)]),
                  LineString([(lon - 0.002, lat - 0.002), (lon + 0.002, lat + 0.002)]),
                  _square(lat - 0.004, lon + 0.004, 150),
                  _square(lat + 0.0008, lon - 0.0015, 15),
                  _square(lat - 0.002, lon - 0.003, 120)],
        crs="EPSG:4326")
    # Where groups meet: Kaivo Field's main entrance on its south edge; the basemap's path
    # passes the others or nothing does.
    access = gpd.GeoDataFrame(
        {"entrance": ["main", None], "barrier": [None, None], "highway": [None, "footway"],
         "name": ["Kaivo Gate", None]},
        geometry=[Point(lon, lat - 60 / 110_540), basemap.geometry.iloc[1]],
        crs="EPSG:4326").to_crs(CRS)
    venues = with_meeting_points(_frame(rows), access)
    return Region(venues=venues, places=places, basemap=basemap, crs=CRS,
                  info={"source": "tiny-test-region", "venues": len(rows)})


def tiny_region_with_room(usable_area_m2: float) -> Region:
    """The tiny region with Kaivo Field's room measured: a 110 m run in *usable_area_m2*."""
    tiny = tiny_region()
    venues = tiny.venues.copy()
    kaivo = venues["id"] == "way/1"
    venues.loc[kaivo, "longest_run_m"] = 110.0
    venues.loc[kaivo, "usable_area_m2"] = usable_area_m2
    return Region(venues=venues, places=tiny.places, basemap=tiny.basemap, crs=tiny.crs,
                  info=tiny.info)


def synthetic_region(count: int, seed: int = 5) -> Region:
    """*count* venues scattered over about 10 × 10 km around the tiny region's centre.

    Each venue has a name, long-ish reasons and a 9-vertex polygon, so that feature sizes are
    close to real ones; used to show the first page stays small with many venues.
    """
    rng = np.random.default_rng(seed)
    kinds = ("track", "pitch", "park", "grass", "recreation_ground")
    lats = CENTER_LAT + rng.uniform(-0.045, 0.045, count)
    lons = CENTER_LON + rng.uniform(-0.09, 0.09, count)
    rows = []
    for i in range(count):
        half = float(rng.uniform(15, 60))
        square = _square(float(lats[i]), float(lons[i]), half)
        shape = Polygon(list(square.exterior.coords)[:-1] + [
            (square.centroid.x, square.bounds[3] + half / 110_540 / 3)]).convex_hull
        f, t, s = (float(v) for v in rng.uniform(10, 100, 3))
        score = round(min(f, t, s) * 0.4 + (f + t + s) / 3 * 0.6, 1)
        row = _venue(f"way/{1000 + i}", f"Synthetic field {i}", kinds[i % len(kinds)], shape,
                     round(f, 1), round(t, 1), round(s, 1), score,
                     surface="grass", lit="yes" if i % 2 else None)
        row["reason_traffic"] = (f"Synthetic street {i} (residential, 30 km/h) is "
                                 f"{int(rng.uniform(5, 400))} m away; no major road within 200 m")
        rows.append(row)
    places = pd.DataFrame({"name": [f"Synthetic square {i}" for i in range(50)],
                           "kind": ["square"] * 50,
                           "lat": lats[:50], "lon": lons[:50]})
    basemap = gpd.GeoDataFrame(
        {"layer": ["road"] * 200},
        geometry=[LineString([(float(lons[i]) - 0.003, float(lats[i])),
                              (float(lons[i]) + 0.003, float(lats[i]) + 0.001)])
                  for i in range(200)],
        crs="EPSG:4326")
    return Region(venues=_frame(rows), places=places, basemap=basemap, crs=CRS,
                  info={"source": f"synthetic-{count}", "venues": count})
