"""GPX 1.1 of routes, parsed back."""

from __future__ import annotations

import gpxpy
import pytest

from venuefinder.routes import find_loops, to_gpx

from .conftest import latlon
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
