"""The extract's own heights: the vocabulary, the readers keeping them, and the hilly rule.

Hand-built points and a hand-written extract with known answers; Andorra from ../shared
when it is there (skipped otherwise).
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS

from venuefinder.config import Settings
from venuefinder.heights import (HILLY_GRADE_PCT, HILLY_RELIEF_M, RADIUS_M, describe_relief,
                                 is_hilly, relief_near, select_heights)
from venuefinder.sources.osm_file import read_extract
from venuefinder.sources.overpass import _to_features
from venuefinder.vocabulary.heights import ele_metres, height_of

UTM31 = CRS.from_epsg(32631)  # Andorra's UTM zone
ANDORRA = Path(__file__).resolve().parents[2] / "shared" / "data" / "osm" / \
    "andorra-latest.osm.pbf"


# --- the vocabulary ------------------------------------------------------------------------

@pytest.mark.parametrize("value, metres", [
    ("1234", 1234.0), ("1234.5", 1234.5), ("980 m", 980.0), ("12,5", 12.5),
    ("1,234", 1234.0), ("1200;1210", 1200.0), ("4000 ft", 1219.2), ("-3", -3.0),
    ("about 900", None), ("", None), (None, None),
])
def test_ele_values_as_mappers_write_them(value, metres) -> None:
    assert ele_metres(value) == (pytest.approx(metres) if metres is not None else None)


def test_only_ground_heights_count() -> None:
    assert height_of({"natural": "peak", "ele": "2942"}) == 2942.0
    assert height_of({"contour": "elevation", "ele": "1100"}) == 1100.0
    assert height_of({"man_made": "survey_point", "ele": "31.2"}) == 31.2
    assert height_of({"place": "town", "ele": "1011", "name": "Andorra la Vella"}) == 1011.0
    assert height_of({"natural": "peak"}) is None                  # no height
    assert height_of({"natural": "tree", "ele": "40"}) is None     # not a height of ground
    assert height_of({"contour": "depth", "ele": "-20"}) is None   # under water


# --- the readers keep them as z --------------------------------------------------------------

HEIGHTS_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="42.5000" lon="1.5000" version="1">
    <tag k="natural" v="peak"/><tag k="ele" v="2100"/><tag k="name" v="Pic"/>
  </node>
  <node id="2" lat="42.5050" lon="1.5000" version="1">
    <tag k="man_made" v="survey_point"/><tag k="ele" v="1,250"/>
  </node>
  <node id="3" lat="42.5100" lon="1.5000" version="1">
    <tag k="natural" v="saddle"/>
  </node>
  <node id="4" lat="42.5100" lon="1.5100" version="1">
    <tag k="natural" v="tree"/><tag k="ele" v="1300"/>
  </node>
  <node id="7" lat="42.5300" lon="1.5000" version="1">
    <tag k="place" v="town"/><tag k="ele" v="1011"/><tag k="name" v="Vila"/>
  </node>
  <node id="5" lat="42.5200" lon="1.5000" version="1"/>
  <node id="6" lat="42.5200" lon="1.5100" version="1"/>
  <way id="10" version="1">
    <nd ref="5"/><nd ref="6"/>
    <tag k="contour" v="elevation"/><tag k="ele" v="1500"/>
  </way>
</osm>
"""


@pytest.mark.parametrize("for_map", [True, False])
def test_the_extract_reader_keeps_heights_as_z(tmp_path: Path, for_map: bool) -> None:
    path = tmp_path / "heights.osm"
    path.write_text(HEIGHTS_OSM)
    features = read_extract(path, for_map=for_map, parallel=False).features
    with_z = features.loc[shapely.has_z(features.geometry.values)]
    assert sorted(with_z["id"]) == ["node/1", "node/2", "node/7", "way/10"]
    heights = select_heights(features, UTM31)
    assert sorted(heights["ele"]) == [1011.0, 1250.0, 1500.0, 2100.0]
    assert not shapely.has_z(heights.geometry.values).any()
    assert heights.crs == UTM31


def test_the_overpass_reader_keeps_heights_as_z() -> None:
    index = pd.MultiIndex.from_tuples([("node", 1), ("node", 4), ("way", 10)],
                                      names=["element", "id"])
    raw = gpd.GeoDataFrame(
        {"natural": ["peak", "tree", None], "contour": [None, None, "elevation"],
         "ele": ["2100", "1300", "1500"]},
        geometry=[shapely.Point(1.5, 42.5), shapely.Point(1.51, 42.51),
                  shapely.LineString([(1.5, 42.52), (1.51, 42.52)])],
        index=index, crs="EPSG:4326")
    features, _ = _to_features([raw])
    z = features.loc[shapely.has_z(features.geometry.values), "id"]
    assert sorted(z) == ["node/1", "way/10"]
    assert sorted(select_heights(features, UTM31)["ele"]) == [1500.0, 2100.0]


# --- the hilly rule --------------------------------------------------------------------------

def points(*rows: tuple[float, float, float]) -> gpd.GeoDataFrame:
    """Heights ``(x, y, ele)`` in metres, UTM 31N, near (400000, 4700000)."""
    return gpd.GeoDataFrame({"ele": [e for _, _, e in rows]},
                            geometry=[shapely.Point(400_000 + x, 4_700_000 + y)
                                      for x, y, _ in rows], crs=UTM31)


def at(x: float, y: float) -> shapely.Point:
    return shapely.Point(400_000 + x, 4_700_000 + y)


def test_relief_near_reads_the_heights_within_2_km_of_each_place() -> None:
    heights = points((0, 500, 1020.0), (0, 1500, 1480.0), (5000, 0, 300.0),
                     (5000, 300, 330.0), (-5000, 0, 900.0))
    places = np.array([at(0, 0), at(5000, 0), at(-5000, 0), at(0, -9000)], dtype=object)
    relief = relief_near(heights, places)
    assert relief["low"].tolist()[:3] == [1020.0, 300.0, 900.0]
    assert relief["high"].tolist()[:3] == [1480.0, 330.0, 900.0]
    assert relief["count"].tolist() == [2, 2, 1, 0]
    assert relief["grade_pct"].iloc[0] == pytest.approx(46.0)   # 460 m over 1 km
    assert relief["grade_pct"].iloc[1] == pytest.approx(10.0)   # 30 m over 300 m
    assert np.isnan(relief["grade_pct"].iloc[2]) and np.isnan(relief["low"].iloc[3])
    # Hilly needs both: 460 m at 46 %, not 30 m at 10 %, one height, or none.
    assert relief["hilly"].tolist() == [True, False, False, False]


def test_the_rule_needs_the_relief_and_the_grade() -> None:
    rise = HILLY_RELIEF_M
    run = 100.0 * rise / HILLY_GRADE_PCT  # the longest run at which the rise is hilly
    steep = points((0, 0, 500.0), (0, run, 500.0 + rise))
    gentle = points((0, 0, 500.0), (0, run + 100, 500.0 + rise))
    low = points((0, 0, 500.0), (0, 100, 500.0 + rise - 1))
    assert is_hilly(steep, at(0, 10), UTM31)
    assert not is_hilly(gentle, at(0, 10), UTM31)
    assert not is_hilly(low, at(0, 10), UTM31)
    assert not is_hilly(points(), at(0, 10), UTM31) and not is_hilly(None, at(0, 0), UTM31)


def test_is_hilly_takes_a_point_in_any_crs() -> None:
    heights = points((0, 500, 1020.0), (0, 1500, 1480.0))
    wgs84 = gpd.GeoSeries([at(0, 0)], crs=UTM31).to_crs("EPSG:4326").iloc[0]
    assert is_hilly(heights, wgs84, "EPSG:4326")
    far = gpd.GeoSeries([at(0, -RADIUS_M - 600)], crs=UTM31).to_crs("EPSG:4326").iloc[0]
    assert not is_hilly(heights, far, "EPSG:4326")


def test_contour_lines_count_by_their_nearest_point() -> None:
    contours = gpd.GeoDataFrame(
        {"ele": [1000.0, 1100.0]},
        geometry=[shapely.LineString([(400_000, 4_700_000), (402_000, 4_700_000)]),
                  shapely.LineString([(400_000, 4_700_400), (402_000, 4_700_400)])],
        crs=UTM31)
    relief = relief_near(contours, np.array([at(1000, 200)], dtype=object))
    assert relief["grade_pct"].iloc[0] == pytest.approx(25.0) and relief["hilly"].iloc[0]


def test_describe_relief() -> None:
    assert describe_relief(1020.4, 1480.0) == "heights 1,020–1,480 m within 2 km"


# --- Andorra -------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(not ANDORRA.is_file(), reason="../shared Andorra extract not present")
def test_andorra_grass_is_likely_sloped() -> None:
    from venuefinder.prepare import score_features

    osm = read_extract(ANDORRA)
    scored, _, crs, _ = score_features(osm, Settings(), None, ANDORRA.name)
    heights = select_heights(osm.features, crs)
    assert len(heights) > 250  # 199 peaks, 92 saddles, survey points, signposts
    grass = scored.loc[scored["kind"].isin(["grass", "park", "meadow"])]
    sloped = grass["reason_flatness"].str.contains("the area is hilly")
    assert sloped.mean() > 0.6
    assert (grass.loc[sloped, "score_flatness"] <= 40.0).all()
    assert (grass.loc[sloped, "evidence_flatness"] == "prior").all()
    assert not scored["reason_flatness"].str.contains("--dem|load a DEM").any()
