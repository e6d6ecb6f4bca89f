"""GPX 1.1 of routes, parsed back."""

from __future__ import annotations

import gpxpy
import pytest

from venuefinder.routes import find_loops, to_gpx

from .conftest import Map, dem_of, latlon
from .test_loops import track_map


def test_gpx_parses_back_with_every_point_in_running_order():
    routes = find_loops(track_map().graph(), *latlon(0, 0), 2000, alternatives=3)
    text = to_gpx(routes)
    assert 'version="1.1"' in text and "http://www.topografix.com/GPX/1/1" in text
    parsed = gpxpy.parse(text)
    assert len(parsed.tracks) == len(routes)
    for track, route in zip(parsed.tracks, routes):
        points = track.segments[0].points
        assert len(points) == len(route.coords)
        assert (points[0].latitude, points[0].longitude) == pytest.approx(
            (route.coords[0, 1], route.coords[0, 0]), abs=1e-6)
        assert (points[-1].latitude, points[-1].longitude) == pytest.approx(
            (points[0].latitude, points[0].longitude))
        assert track.length_2d() == pytest.approx(route.length_m, rel=0.01)
        assert f"Run {route.direction}." in track.description
    assert parsed.tracks[0].name.startswith("1. Loop, ")


def test_gpx_says_the_laps_and_each_warning_once():
    routes = find_loops(track_map().graph(), *latlon(0, -5), 2400, alternatives=1)
    parsed = gpxpy.parse(to_gpx(routes))
    assert parsed.tracks[0].name.startswith("1. Loop, 6 laps of the track, 2.46 km, score ")
    assert parsed.tracks[0].segments[0].points[0].elevation is None  # no DEM


def test_gpx_carries_heights_from_the_dem_and_no_repeated_sentence():
    m = Map()
    m.way([(0, 0), (400, 0), (400, 100), (0, 100), (0, 0)], step=10, highway="footway")
    (route,) = find_loops(m.graph(dem_of(lambda x, y: 10.0 + 0.09 * y)), *latlon(0, 0), 1000,
                          alternatives=1)
    track = gpxpy.parse(to_gpx([route])).tracks[0]
    heights = [p.elevation for p in track.segments[0].points]
    assert heights[0] == pytest.approx(10.0, abs=0.2)
    assert max(heights) == pytest.approx(19.0, abs=0.3)
    sentences = track.description.split(". ")
    assert len(sentences) == len(set(sentences))
    assert sum("un forwards from" in s for s in sentences) == 1
