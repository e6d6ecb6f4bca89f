"""Raw features → venues, roads, places and basemap."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, box

from venuefinder.config import Settings
from venuefinder.sources import TAG_KEYS
from venuefinder.venues import (VENUE_COLUMNS, local_crs, parse_maxspeed, select_basemap,
                                select_places, select_roads, select_venues)

# About 110 m x 110 m near Helsinki, in WGS84.
BIG = box(24.940, 60.170, 24.942, 60.171)
TINY = box(24.940, 60.170, 24.9401, 60.17005)  # ~5 m x 5 m, a traffic island


def features(*rows: dict) -> gpd.GeoDataFrame:
    records = []
    for i, row in enumerate(rows):
        record = {k: None for k in TAG_KEYS}
        record["id"] = f"way/{i + 1}"
        record.update(row)
        records.append(record)
    return gpd.GeoDataFrame(records, geometry="geometry", crs="EPSG:4326")


def _venues(frame: gpd.GeoDataFrame, **settings) -> gpd.GeoDataFrame:
    return select_venues(frame, Settings(**settings), local_crs(frame))


def test_schema_and_kinds():
    frame = features(
        {"leisure": "pitch", "surface": "artificial_turf", "name": "Kenttä", "geometry": BIG},
        {"landuse": "meadow", "geometry": BIG},
        {"leisure": "track", "geometry": LineString([(24.94, 60.17), (24.944, 60.17)])},
        {"landuse": "residential", "geometry": BIG},
    )
    venues = _venues(frame)
    assert list(venues.columns) == list(VENUE_COLUMNS)
    assert venues.crs.to_epsg() == 4326
    assert venues["kind"].tolist() == ["pitch", "meadow", "track"]
    assert venues.loc[0, "surface"] == "artificial_turf"
    assert venues.loc[0, "area_m2"] == pytest.approx(111 * 2 * 55.7 * 1, rel=0.05)
    # A track drawn as a line: length (~222 m) x default width 5 m.
    assert venues.loc[2, "area_m2"] == pytest.approx(222 * 5, rel=0.05)


@pytest.mark.parametrize("row", [
    {"leisure": "pitch", "access": "private"},
    {"leisure": "park", "access": "no"},
    {"leisure": "track", "sport": "horse_racing"},
    {"leisure": "pitch", "sport": "skateboard;basketball"},
    {"leisure": "playground"},
])
def test_exclusions(row):
    assert _venues(features({**row, "geometry": BIG})).empty


def test_small_spaces_are_not_venues():
    frame = features({"landuse": "grass", "geometry": TINY}, {"landuse": "grass", "geometry": BIG})
    assert len(_venues(frame)) == 1
    assert len(_venues(frame, min_area_m2=0)) == 2


def test_roads_keep_only_motor_traffic():
    line = LineString([(24.94, 60.17), (24.95, 60.17)])
    frame = features(
        {"highway": "primary", "maxspeed": "50", "name": "Iso tie", "geometry": line},
        {"highway": "footway", "geometry": line},
        {"highway": "cycleway", "geometry": line},
        {"highway": "service", "motor_vehicle": "no", "geometry": line},
        {"highway": "residential_link", "geometry": line},
        {"highway": "living_street", "maxspeed": "FI:urban", "geometry": line},
    )
    roads = select_roads(frame)
    assert roads["highway"].tolist() == ["primary", "living_street"]
    assert roads["road_class"].tolist() == ["primary", "service"]
    assert roads["maxspeed_kmh"].tolist() == [50.0, 50.0]


def test_parse_maxspeed():
    parsed = parse_maxspeed(pd.Series(["30", "20 mph", "FI:urban", "signals", None, "40;60"]))
    assert parsed.iloc[0] == 30.0
    assert parsed.iloc[1] == pytest.approx(32.18)
    assert parsed.iloc[2] == 50.0
    assert np.isnan(parsed.iloc[3]) and np.isnan(parsed.iloc[4])
    assert parsed.iloc[5] == 40.0


def test_places_merge_a_street_split_into_ways():
    frame = features(
        {"highway": "residential", "name": "Testikatu",
         "geometry": LineString([(24.94, 60.17), (24.945, 60.17)])},
        {"highway": "residential", "name": "Testikatu",
         "geometry": LineString([(24.945, 60.17), (24.95, 60.17)])},
        {"railway": "station", "name": "Testin asema", "geometry": Point(24.93, 60.16)},
        {"highway": "footway", "geometry": LineString([(24.94, 60.17), (24.95, 60.17)])},
    )
    places = select_places(frame, local_crs(frame))
    assert sorted(places["name"]) == ["Testikatu", "Testin asema"]
    street = places.set_index("name").loc["Testikatu"]
    assert street["kind"] == "residential"
    assert 24.94 <= street["lon"] <= 24.95 and street["lat"] == pytest.approx(60.17)


def test_basemap_layers():
    line = LineString([(24.94, 60.17), (24.95, 60.17)])
    frame = features({"highway": "primary", "geometry": line},
                     {"highway": "footway", "geometry": line},
                     {"building": "yes", "geometry": BIG},
                     {"natural": "water", "geometry": BIG},
                     {"leisure": "park", "geometry": BIG},
                     {"railway": "station", "name": "x", "geometry": Point(24.9, 60.1)})
    assert select_basemap(frame)["layer"].tolist() == ["road", "path", "building", "water",
                                                       "green"]


@pytest.mark.parametrize("row, reason", [
    ({"leisure": "stadium", "building": "yes"}, "building"),
    ({"leisure": "pitch", "building": "grandstand", "sport": "soccer"}, "building"),
    ({"leisure": "track", "sport": "skiing"}, "sport"),
    ({"leisure": "track", "piste:type": "downhill"}, "sport"),
    ({"leisure": "track", "sport": "cycling"}, "sport"),
    ({"leisure": "track", "sport": "dog_racing"}, "sport"),
    ({"leisure": "track", "sport": "motor;karting"}, "sport"),
    ({"leisure": "track", "athletics": "long_jump", "sport": "athletics"}, "jump"),
    ({"leisure": "track", "sport": "pole_vault"}, "jump"),
    ({"landuse": "meadow"}, "farm meadow"),
    ({"landuse": "meadow", "access": "agricultural"}, "farm meadow"),
])
def test_what_is_no_running_venue_is_left_out_and_counted(row, reason):
    venues = _venues(features({**row, "geometry": BIG}, {"leisure": "pitch", "geometry": TINY}))
    assert venues.empty
    assert venues.attrs["left_out"] == {reason: 1, "small": 1}


def test_a_track_for_running_and_another_sport_is_kept():
    venues = _venues(features({"leisure": "track", "sport": "cycling;running", "geometry": BIG}))
    assert venues["kind"].tolist() == ["track"]
    assert venues.attrs["left_out"] == {}


def test_a_meadow_open_to_all_or_in_a_park_is_a_venue():
    meadow_in_park = box(24.9405, 60.1702, 24.9415, 60.1708)
    venues = _venues(features({"landuse": "meadow", "access": "yes", "geometry": BIG},
                              {"landuse": "meadow", "geometry": meadow_in_park},
                              {"leisure": "park", "geometry": BIG}))
    assert venues["kind"].tolist() == ["meadow", "meadow", "park"]


def test_a_line_track_s_area_comes_from_its_width_or_its_lanes():
    line = LineString([(24.94, 60.17), (24.944, 60.17)])  # ~222 m
    venues = _venues(features({"leisure": "track", "lanes": "8", "geometry": line},
                              {"leisure": "track", "lanes": "8", "width": "6",
                               "geometry": line}))
    assert venues["lanes"].tolist() == ["8", "8"]
    assert venues.loc[0, "area_m2"] == pytest.approx(222 * 8 * 1.22, rel=0.05)
    assert venues.loc[1, "area_m2"] == pytest.approx(222 * 6, rel=0.05)
