"""Loops in towns that map no footway beside their streets: streets with a sidewalk tagged,
living streets and quiet residential streets carry them, dearer than a footway, each named
in the reasons; crossings along a street are its side streets."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from venuefinder.errors import SourceError
from venuefinder.routes import find_loops
from venuefinder.routes.graph import street_kinds
from venuefinder.venues import parse_maxspeed

from .conftest import X0, Y0, Map, latlon

#: A 300 × 200 m block: a loop of 1 km round it.
BLOCK = [(0, 0), (300, 0), (300, 200), (0, 200), (0, 0)]


def block(**tags: str) -> Map:
    m = Map()
    m.way(BLOCK, **tags)
    return m


def test_zone_limits_read_as_their_speed():
    parsed = parse_maxspeed(pd.Series(["DE:zone30", "DE:zone:30", "DE:30", "de:zone20",
                                       "GB:zone20", "DE:urban", "sign", "none"]))
    assert parsed.iloc[:4].tolist() == [30.0, 30.0, 30.0, 20.0]
    assert parsed.iloc[4] == pytest.approx(32.18)  # British zones are signed in mph
    assert parsed.iloc[5] == 50.0
    assert parsed.iloc[6:].isna().all()


@pytest.mark.parametrize("tags, kind", [
    ({"highway": "residential", "sidewalk": "both"}, "sidewalk"),
    ({"highway": "tertiary", "sidewalk": "right"}, "sidewalk"),
    ({"highway": "secondary", "sidewalk:left": "yes"}, "sidewalk"),
    ({"highway": "residential", "sidewalk:both": "yes", "maxspeed": "50"}, "sidewalk"),
    ({"highway": "residential", "sidewalk": "left", "sidewalk:right": "separate"},
     "sidewalk"),
    ({"highway": "living_street"}, "living_street"),
    ({"highway": "pedestrian"}, "pedestrian"),
    ({"highway": "residential", "maxspeed": "30"}, "slow_street"),
    ({"highway": "residential", "maxspeed": "20"}, "slow_street"),
    ({"highway": "unclassified", "maxspeed": "30"}, "slow_street"),
    ({"highway": "residential", "zone:maxspeed": "DE:30"}, "slow_street"),
    ({"highway": "residential", "maxspeed:type": "DE:zone30"}, "slow_street"),
    ({"highway": "residential", "source:maxspeed": "DE:zone30"}, "slow_street"),
    ({"highway": "residential", "maxspeed": "DE:zone30"}, "slow_street"),
    # Not a street to run along: its footway is a way of its own, too fast, or unknown.
    ({"highway": "residential", "sidewalk": "separate", "maxspeed": "30"}, ""),
    ({"highway": "residential", "sidewalk:both": "separate"}, ""),
    ({"highway": "residential", "sidewalk": "no", "maxspeed": "50"}, ""),
    ({"highway": "residential"}, ""),
    ({"highway": "residential", "source:maxspeed": "DE:urban"}, ""),
    ({"highway": "tertiary", "maxspeed": "30"}, ""),
    ({"highway": "trunk", "sidewalk": "both"}, ""),
    ({"highway": "footway"}, ""),
])
def test_which_streets_may_carry_a_loop(tags, kind):
    assert street_kinds(pd.DataFrame([tags])).tolist() == [kind]


@pytest.mark.parametrize("tags, said", [
    ({"sidewalk": "both", "name": "Hauptstraße"}, "the sidewalk of Hauptstraße"),
    ({"sidewalk:right": "yes"}, "a street's sidewalk"),
    ({"zone:maxspeed": "DE:30", "name": "Lindenweg"}, "Lindenweg (30 km/h or less)"),
])
def test_a_block_of_residential_streets_carries_a_loop_said_in_the_reasons(tags, said):
    graph = block(highway="residential", **tags).graph()
    (loop,) = find_loops(graph, *latlon(0, 0), 1000, alternatives=1)
    assert loop.length_m == pytest.approx(1000.0)
    assert loop.crossings == 0
    assert loop.reasons["traffic"].endswith(f"; 1000 m along {said}")
    assert loop.motor_m == pytest.approx(1000.0)


def test_a_living_street_carries_a_loop():
    (loop,) = find_loops(block(highway="living_street").graph(), *latlon(0, 0), 1000,
                         alternatives=1)
    assert loop.reasons["traffic"].endswith("; 1000 m along a living street")


@pytest.mark.parametrize("tags", [
    {"highway": "residential"},                                    # speed unknown
    {"highway": "residential", "maxspeed": "50"},
    {"highway": "residential", "maxspeed": "30", "sidewalk": "separate"},
    {"highway": "primary", "maxspeed": "30"},
])
def test_other_streets_carry_no_loop(tags):
    graph = block(**tags).graph()
    assert not graph.edges["loop_ok"].any()
    with pytest.raises(SourceError, match="no walkable way within 300 m"):
        find_loops(graph, *latlon(0, 0), 1000, alternatives=1)


def test_a_separate_footway_beats_a_sidewalk_beats_a_living_street_beats_a_30_street():
    """The same block mapped five ways: the traffic score falls from a footway to a street
    shared with 30 km/h cars, and the footway is the first loop."""
    scores = {}
    for what, tags in [("footway", {"highway": "footway"}),
                       ("pedestrian", {"highway": "pedestrian"}),
                       ("sidewalk", {"highway": "residential", "sidewalk": "both"}),
                       ("living", {"highway": "living_street"}),
                       ("slow", {"highway": "residential", "maxspeed": "30"})]:
        (loop,) = find_loops(block(**tags).graph(), *latlon(0, 0), 1000, alternatives=1)
        scores[what] = loop.score
    assert list(scores) == sorted(scores, key=scores.get, reverse=True)
    assert scores["footway"] - scores["slow"] >= 15


def test_a_footway_is_preferred_to_the_street_beside_it():
    """A footway loop and a sidewalk street loop of the same length from one start: the
    footway is first, the street still an answer."""
    m = Map()
    m.way(BLOCK, highway="footway")
    m.way([(0, 0), (-300, 0), (-300, -200), (0, -200), (0, 0)], highway="residential",
          sidewalk="both", name="Hauptstraße")
    routes = find_loops(m.graph(), *latlon(0, 0), 1000, alternatives=2)
    assert [r.motor_m for r in routes] == [0.0, pytest.approx(1000.0)]
    assert routes[0].score > routes[1].score


def side_street_block(split: bool = False) -> Map:
    """The block as four streets (30 km/h) that go on past its corners, and two side
    streets meeting its south side: one a T, one crossing it. *split*: Südstraße is two
    ways, split at a corner (as streets often are at junctions)."""
    m = Map()
    slow = {"highway": "residential", "maxspeed": "30"}
    if split:
        m.way([(-100, 0), (300, 0)], name="Südstraße", **slow)
        m.way([(300, 0), (400, 0)], name="Südstraße", **slow)
    else:
        m.way([(-100, 0), (400, 0)], name="Südstraße", **slow)
    m.way([(300, -100), (300, 300)], name="Oststraße", **slow)
    m.way([(400, 200), (-100, 200)], name="Nordstraße", **slow)
    m.way([(0, 300), (0, -100)], name="Weststraße", **slow)
    m.way([(100, 0), (100, -150)], name="Sackgasse", highway="residential")
    m.way([(200, 150), (200, 0), (200, -150)], name="Querweg", highway="tertiary")
    return m


@pytest.mark.parametrize("split", [False, True])
def test_crossings_along_a_street_are_its_side_streets(split):
    routes = find_loops(side_street_block(split).graph(), *latlon(0, 0), 1000,
                        alternatives=3)
    block_loop = next(r for r in routes if r.length_m == pytest.approx(1000.0)
                      and r.laps is None)
    # The corners join the streets walked: nothing crossed there. The two side streets
    # are crossed; a walked street is never crossed by walking along it.
    assert block_loop.crossings == 2
    crossed = sorted(w.split(" at ")[0] for w in block_loop.warnings
                     if w.startswith("crosses "))
    assert crossed == ["crosses Querweg", "crosses Sackgasse"]


def test_a_path_across_a_street_still_crosses_it():
    m = Map()
    m.way([(0, 0), (300, 0), (300, 200), (0, 200), (0, 0)], highway="footway")
    m.way([(160, -100), (160, 0), (160, 200), (160, 300)], name="Ringstraße",
          highway="residential", sidewalk="no", maxspeed="50")
    (loop,) = find_loops(m.graph(), *latlon(0, 0), 1000, alternatives=1)
    assert loop.crossings == 2
    assert loop.motor_m == 0


def test_routing_counts_a_side_street_not_the_street_walked():
    """Arriving along a street at a junction costs the side street's crossing, arriving
    along a path the street's (the routing cost of :mod:`venuefinder.routes.network`)."""
    from venuefinder.routes.network import crossing_costs
    from venuefinder.vocabulary.roads import ROAD_CLASSES

    m = side_street_block()
    m.way([(100, -150), (50, -150)], highway="footway")
    graph = m.graph()
    at_u, at_v = crossing_costs(graph)
    edges = graph.edges
    x, y = graph.node_values("x") - X0, graph.node_values("y") - Y0
    (junction,) = np.flatnonzero(np.hypot(x - 200, y) < 1)  # Querweg across Südstraße
    on_south = (edges["name"] == "Südstraße").to_numpy() & (
        (edges["v"] == junction) | (edges["u"] == junction)).to_numpy()
    for e in np.flatnonzero(on_south):
        cost = at_v[e] if edges["v"].iloc[e] == junction else at_u[e]
        assert cost == ROAD_CLASSES["tertiary"].crossing_cost_m
    on_cross = (edges["name"] == "Querweg").to_numpy() & (
        (edges["v"] == junction) | (edges["u"] == junction)).to_numpy()
    for e in np.flatnonzero(on_cross):
        cost = at_v[e] if edges["v"].iloc[e] == junction else at_u[e]
        assert cost == ROAD_CLASSES["residential"].crossing_cost_m


NORTH_BAYREUTH = (Path(__file__).resolve().parents[3] / "shared" / "data" / "osm"
                  / "north-bayreuth.osm.gz")


@pytest.fixture(scope="module")
def north_bayreuth():
    """The walking graph of north Bayreuth (German villages, few sidewalks mapped), when
    ../shared holds it."""
    if not NORTH_BAYREUTH.exists():
        pytest.skip("../shared/data/osm/north-bayreuth.osm.gz is not here")
    from venuefinder.routes import build_graph
    from venuefinder.sources.walkways import read_walkways

    return build_graph(read_walkways(NORTH_BAYREUTH))


def test_north_bayreuth_village_streets_carry_loops(north_bayreuth):
    """From a 30 km/h street of a village with no footway mapped, a loop along its streets,
    each named; from the Neudrossenfeld football pitch, reached along such a street, laps
    of it (no loop from either before)."""
    (loop, *_) = find_loops(north_bayreuth, 49.97636, 11.60064, 2000)
    assert loop.motor_m > 300
    assert "m along Stöckigstraße (30 km/h or less)" in loop.reasons["traffic"]
    (laps, *_) = find_loops(north_bayreuth, 50.01943, 11.50866, 2000)
    assert laps.laps["of"] == "field" and laps.crossings == 0
