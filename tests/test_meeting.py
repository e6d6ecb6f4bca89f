"""Where the venue is, and the suggested meeting point (EPSG:3067, Helsinki)."""

from __future__ import annotations

import math

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, box

from venuefinder.errors import InputError
from venuefinder.meeting import (distance_to_venue, suggest_meeting_point,
                                 suggest_meeting_points, venue_point)

from .sessions.features import LAT, LON, rectangle

CRS = "EPSG:3067"
#: 100 m × 60 m, west edge x = 385,000, south edge y = 6,672,000.
VENUE = box(385_000, 6_672_000, 385_100, 6_672_060)

ROWS = {
    "entrance south": (Point(385_030, 6_672_000), dict(entrance="yes")),
    "entrance main north": (Point(385_070, 6_672_060.5), dict(entrance="main", name="Main")),
    "main but far": (Point(385_050, 6_672_090), dict(entrance="main")),
    "emergency": (Point(385_000, 6_672_030), dict(entrance="emergency")),
    "gate east": (Point(385_103, 6_672_030), dict(barrier="gate")),
    "gate far": (Point(385_050, 6_671_992), dict(barrier="kissing_gate")),
    "fence": (LineString([(385_000, 6_672_000), (385_000, 6_672_060)]), dict(barrier="fence")),
    "footway east": (LineString([(385_112, 6_671_900), (385_112, 6_672_200)]),
                     dict(highway="footway")),
    "road east": (LineString([(385_105, 6_671_900), (385_105, 6_672_200)]),
                  dict(highway="residential")),
}


def frame(*names: str) -> gpd.GeoDataFrame:
    rows = [{"entrance": None, "barrier": None, "highway": None, "name": None, **ROWS[n][1]}
            for n in names]
    return gpd.GeoDataFrame(rows, geometry=[ROWS[n][0] for n in names], crs=CRS)


def test_a_main_entrance_on_the_edge_comes_first() -> None:
    point = suggest_meeting_point(VENUE, frame(*ROWS))
    assert (point.kind, point.x, point.y) == ("entrance", 385_070, 6_672_060.5)
    assert point.reason == "The main entrance “Main” at the venue's edge"


def test_any_entrance_beats_a_gate() -> None:
    point = suggest_meeting_point(VENUE, frame("entrance south", "gate east", "emergency"))
    assert (point.kind, point.x, point.y) == ("entrance", 385_030, 6_672_000)
    assert point.reason == "The entrance at the venue's edge"


def test_a_gate_in_the_fence_without_entrances() -> None:
    point = suggest_meeting_point(VENUE, frame("main but far", "emergency", "gate east",
                                               "gate far", "fence", "footway east"))
    assert (point.kind, point.x, point.y) == ("gate", 385_103, 6_672_030)
    assert point.reason == "The gate in the venue's fence"


def test_else_the_edge_nearest_a_footpath_not_a_road() -> None:
    point = suggest_meeting_point(VENUE, frame("gate far", "footway east", "road east"))
    assert point.kind == "footpath"
    assert math.isclose(point.x, 385_100) and 6_672_000 <= point.y <= 6_672_060
    assert point.reason == "The venue's edge nearest a footpath (12 m away)"


@pytest.mark.parametrize("tags, geometry, said", [
    (dict(entrance="secondary"), Point(385_000, 6_672_030),
     "The side entrance at the venue's edge"),
    (dict(barrier="kissing_gate", name="Itäportti"), Point(385_102, 6_672_030),
     "The kissing gate “Itäportti” in the venue's fence"),
    (dict(highway="cycleway", name="Baana"),
     LineString([(385_120, 6_671_900), (385_120, 6_672_200)]),
     "The venue's edge nearest a cycle path “Baana” (20 m away)"),
])
def test_reasons_say_the_way_in_in_plain_words(tags, geometry, said) -> None:
    features = gpd.GeoDataFrame([{"entrance": None, "barrier": None, "highway": None,
                                  "name": None, **tags}], geometry=[geometry], crs=CRS)
    assert suggest_meeting_point(VENUE, features).reason == said


def test_a_footpath_that_meets_the_edge() -> None:
    path = LineString([(385_050, 6_671_950), (385_050, 6_672_030)])
    features = gpd.GeoDataFrame({"highway": ["path"]}, geometry=[path], crs=CRS)
    point = suggest_meeting_point(VENUE, features)  # only a highway column
    assert (point.kind, point.x, point.y) == ("footpath", 385_050, 6_672_000)
    assert point.reason == "Where a path meets the venue's edge"


def test_a_track_drawn_as_a_line_meets_at_the_line() -> None:
    line = LineString([(385_000, 6_672_000), (385_100, 6_672_000)])
    path = LineString([(385_050, 6_671_980), (385_060, 6_671_980)])
    features = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[path], crs=CRS)
    point = suggest_meeting_point(line, features)
    assert point.kind == "footpath" and point.y == 6_672_000
    assert 385_050 <= point.x <= 385_060


def test_nothing_mapped_means_the_middle_of_the_venue() -> None:
    point = suggest_meeting_point(VENUE, frame("main but far", "road east"))
    assert point.kind == "venue" and VENUE.contains(Point(point.x, point.y))
    assert "No entrance, gate or footpath mapped within 250 m" in point.reason


def test_the_point_comes_back_in_wgs84_too() -> None:
    point = suggest_meeting_point(VENUE, frame("entrance south"))
    lon, lat = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True).transform(385_030,
                                                                              6_672_000)
    # rounded to 7 decimals (about 1 cm)
    assert math.isclose(point.lat, lat, abs_tol=1e-7) and math.isclose(point.lon, lon, abs_tol=1e-7)


def test_a_metric_crs_is_required() -> None:
    with pytest.raises(InputError, match="projected"):
        suggest_meeting_point(VENUE, frame("entrance south").to_crs("EPSG:4326"))


def test_venue_point_lies_on_the_venue() -> None:
    geometry = rectangle(100.0, 60.0)
    lat, lon = venue_point(geometry)
    assert shapely.geometry.shape(geometry).contains(Point(lon, lat))
    with pytest.raises(InputError):
        venue_point({"type": "Polygon", "coordinates": []})
    with pytest.raises(InputError):
        venue_point({"type": "Nonsense"})


def test_distance_to_the_venue_is_in_metres() -> None:
    geometry = rectangle(100.0, 60.0)
    north_edge = max(y for _, y in geometry["coordinates"][0])
    lon2, lat2, _ = Geod(ellps="WGS84").fwd(LON + 0.0005, north_edge, 0.0, 300.0)
    assert math.isclose(distance_to_venue(geometry, lat2, lon2), 300.0, abs_tol=0.5)
    assert distance_to_venue(geometry, *venue_point(geometry)) == 0.0
    assert math.isclose(distance_to_venue(geometry, LAT, LON), 0.0, abs_tol=1e-6)


def test_many_venues_at_once_answer_as_one_by_one() -> None:
    """The vectorised form gives each venue what it gets alone (entrance, gate, footpath,
    nothing), in order."""
    features = frame(*ROWS)
    far_away = box(395_000, 6_682_000, 395_050, 6_682_050)
    east = box(385_104, 6_672_000, 385_110, 6_672_060)  # gate east and the footway beside
    venues = [far_away, VENUE, east, VENUE]
    together = suggest_meeting_points(venues, features)
    alone = [suggest_meeting_point(v, features) for v in venues]
    assert list(together["kind"]) == [p.kind for p in alone] == [
        "venue", "entrance", "gate", "entrance"]
    assert list(together["x"]) == [p.x for p in alone]
    assert list(together["reason"]) == [p.reason for p in alone]


def test_building_and_emergency_entrances_are_not_meeting_points() -> None:
    features = gpd.GeoDataFrame({"entrance": ["staircase", "emergency", "service"]},
                                geometry=[Point(385_030, 6_672_000)] * 3, crs=CRS)
    assert suggest_meeting_point(VENUE, features).kind == "venue"
