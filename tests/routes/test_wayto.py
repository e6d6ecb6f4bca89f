"""The way there on hand-made maps."""

from __future__ import annotations

import numpy as np
import pytest

from venuefinder.errors import InputError, NotFoundError
from venuefinder.routes import way_to

from .conftest import Map, latlon


def test_a_footway_is_preferred_to_a_shorter_road():
    m = Map()
    m.way([(0, 0), (300, 0)], highway="residential", name="Oikotie")
    m.way([(0, 0), (150, 60), (300, 0)], highway="footway")  # 323 m, still cheaper
    route = way_to(m.graph(), *latlon(0, 0), *latlon(300, 0))
    assert route.length_m == pytest.approx(2 * np.hypot(150, 60), abs=0.1)
    assert route.motor_m == 0
    assert route.direction == "forwards" and route.forward_stretches == []
    assert route.kind == "way_to" and route.laps is None


def test_a_road_is_walked_when_nothing_else_joins_and_it_is_said():
    m = Map()
    m.way([(0, 0), (100, 0)], highway="footway")
    m.way([(100, 0), (250, 0)], highway="residential", name="Sivukatu")
    m.way([(250, 0), (350, 0)], highway="footway")
    route = way_to(m.graph(), *latlon(0, 0), *latlon(350, 0))
    assert route.length_m == pytest.approx(350.0)
    assert route.motor_m == pytest.approx(150.0)
    assert "along Sivukatu (residential street) for 150 m at 0.1 km" in route.warnings
    assert route.reasons["traffic"].endswith("150 m on roads")
    assert route.crossings == 0  # walking along a road is not crossing it


def test_never_along_a_motorway():
    m = Map()
    m.way([(0, 0), (100, 0)], highway="footway")
    m.way([(100, 0), (900, 0)], highway="motorway")
    m.way([(900, 0), (1000, 0)], highway="footway")
    with pytest.raises(NotFoundError, match="no walking route from"):
        way_to(m.graph(), *latlon(0, 0), *latlon(1000, 0))


def test_already_there_is_an_input_error():
    m = Map()
    m.way([(0, 0), (100, 0)], highway="footway")
    with pytest.raises(InputError, match="is where you are"):
        way_to(m.graph(), *latlon(0, 0), *latlon(2, 1))


def test_a_venue_is_reached_at_the_nearest_point_of_its_outline():
    from venuefinder.routes import venue_target

    m = Map()
    m.way([(-200, 50), (0, 50)], highway="footway")
    m.way([(0, 50), (100, 50)], highway="footway")
    graph = m.graph()
    corners = [latlon(x, y) for x, y in ((0, 0), (100, 0), (100, 100), (0, 100), (0, 0))]
    field = {"type": "Polygon", "coordinates": [[[lon, lat] for lat, lon in corners]]}
    target = venue_target(graph, field, *latlon(-200, 50))
    assert target == pytest.approx(latlon(0, 50), abs=1e-7)
    route = way_to(graph, *latlon(-200, 50), *target)
    assert route.length_m == pytest.approx(200.0)
    assert venue_target(graph, field, *latlon(50, 50)) == pytest.approx(latlon(50, 50))


def test_the_table_says_what_to_watch_for():
    from venuefinder.routes import routes_table

    m = Map()
    m.way([(0, 0), (100, 0)], highway="footway")
    m.way([(100, 0), (250, 0)], highway="residential", name="Sivukatu")
    m.way([(250, 0), (350, 0)], highway="footway")
    route = way_to(m.graph(), *latlon(0, 0), *latlon(350, 0))
    text = routes_table([route], *latlon(0, 0))
    assert text.splitlines()[0].startswith("Way there from ")
    assert "1. score " in text and "0.35 km, run forwards" in text
    assert "   ! along Sivukatu (residential street) for 150 m at 0.1 km" in text
    assert routes_table([], 60.0, 24.0) == "No route from 60.00000,24.00000."


def test_two_carriageways_of_one_road_are_one_crossing():
    m = Map()
    m.way([(0, 0), (100, 0), (112, 0), (200, 0)], highway="footway")
    m.way([(100, -50), (100, 0), (100, 50)], highway="primary", name="Mannerheimintie")
    m.way([(112, 50), (112, 0), (112, -50)], highway="primary", name="Mannerheimintie")
    m.signals(100, 0)
    m.signals(112, 0)
    route = way_to(m.graph(), *latlon(0, 0), *latlon(200, 0))
    assert route.crossings == 1
    assert route.warnings == ["crosses Mannerheimintie at 0.1 km (lights)"]
    assert route.reasons["crossings"] == "1 road crossing (1 with lights)"
