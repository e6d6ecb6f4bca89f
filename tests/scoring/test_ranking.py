"""The whole ranking on a hand-made area where a coach's order is known.

Far from any road, on one flat plain without elevation data: a 400 m athletics track, a full
football pitch, a clear lawn, the same lawn with trees and a footpath across it, a tennis
court and a grass verge. A coach puts them in that order.
"""

import geopandas as gpd
import numpy as np
from shapely.geometry import LineString, Point, box

from venuefinder.config import Settings
from venuefinder.scoring import ScoringContext, score_venues

from .conftest import CRS, X0, Y0, make_roads, make_venues


def place(dx: float, dy: float, width: float, height: float):
    return box(X0 + dx, Y0 + dy, X0 + dx + width, Y0 + dy + height)


def test_a_coach_would_sign_the_order():
    lawn_with_trees = place(0, 400, 60, 40)
    venues = make_venues(
        {"id": "way/1", "name": "track", "kind": "track", "sport": "athletics",
         "surface": "tartan", "area_m2": 2000.0,
         "geometry": LineString([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100),
                                 (X0, Y0 + 100), (X0, Y0)])},
        {"id": "way/2", "name": "pitch", "kind": "pitch", "sport": "soccer",
         "surface": "grass", "geometry": place(200, 0, 105, 68)},
        {"id": "way/3", "name": "clear lawn", "kind": "grass", "geometry": place(0, 200, 60, 40)},
        {"id": "way/4", "name": "lawn with trees", "kind": "grass", "geometry": lawn_with_trees},
        {"id": "way/5", "name": "tennis court", "kind": "pitch", "sport": "tennis",
         "surface": "clay", "geometry": place(200, 200, 36, 18)},
        {"id": "way/6", "name": "verge", "kind": "grass", "geometry": place(200, 400, 60, 6)},
    )
    venues["area_m2"] = venues.geometry.area.where(venues["kind"] != "track", 2000.0)
    trees = [Point(X0 + 8 + 11 * (i % 5), Y0 + 410 + 10 * (i // 5)) for i in range(12)]
    path = LineString([(X0 - 5, Y0 + 420), (X0 + 65, Y0 + 420)])
    obstacles = gpd.GeoDataFrame({"id": [f"node/{i}" for i in range(13)],
                                  "category": ["tree"] * 12 + ["footpath"],
                                  "name": [None] * 13},
                                 geometry=[*trees, path], crs=CRS)
    context = ScoringContext(crs=CRS, roads=make_roads(), settings=Settings(),
                             obstacles=obstacles)
    scored = score_venues(venues, context)
    order = list(scored.sort_values("rank", ascending=False)["name"])
    assert order == ["track", "pitch", "clear lawn", "lawn with trees", "tennis court",
                     "verge"], scored[["name", "score", "rank"]]
    by_name = scored.set_index("name")
    assert by_name.loc["track", "score"] >= 75
    assert by_name.loc["verge", "vetoed_by"] == "room"
    assert by_name.loc["track", "longest_run_m"] == np.float64(400.0)
