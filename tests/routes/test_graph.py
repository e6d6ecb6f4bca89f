"""The walking graph on hand-made maps: topology from node ids, and the edge attributes."""

from __future__ import annotations

import numpy as np
import pytest

from venuefinder.routes.graph import LINK_MAX_M, MAX_EDGE_M

from .conftest import Map, dem_of


def edges_of(graph, way_id):
    return graph.edges.loc[graph.edges["way_id"] == way_id]


def test_nodes_are_where_ways_meet_and_lengths_are_metres():
    m = Map()
    a = m.way([(0, 0), (40, 0)], highway="footway")
    b = m.way([(40, 0), (40, 30)], highway="footway")
    m.way([(40, 0), (80, 0)], highway="path")
    graph = m.graph()
    assert len(graph.edges) == 3
    assert edges_of(graph, a)["length_m"].iloc[0] == pytest.approx(40.0)
    assert edges_of(graph, b)["length_m"].iloc[0] == pytest.approx(30.0)
    degree = np.bincount(graph.edges[["u", "v"]].to_numpy().ravel())
    assert sorted(degree) == [1, 1, 1, 3]  # one junction, three ends
    assert graph.nodes["osm_id"].is_unique


def test_long_ways_are_cut_into_short_edges_at_their_nodes():
    m = Map()
    way = m.way([(0, 0), (400, 0)], step=10, highway="footway")
    edges = edges_of(m.graph(), way)
    assert edges["length_m"].sum() == pytest.approx(400.0)
    assert len(edges) >= 400 / MAX_EDGE_M
    assert edges["length_m"].max() <= MAX_EDGE_M + 10.0


def test_each_node_pair_names_one_edge_even_for_rings_and_parallel_ways():
    m = Map()
    m.way([(0, 0), (20, 0), (20, 20), (0, 0)], step=100, highway="footway")  # a tiny ring
    m.way([(100, 0), (130, 10), (160, 0)], step=100, highway="footway")
    m.way([(100, 0), (130, -10), (160, 0)], step=100, highway="path")  # same two ends
    graph = m.graph()
    pairs = np.sort(graph.edges[["u", "v"]].to_numpy(), axis=1)
    assert len(np.unique(pairs, axis=0)) == len(pairs)
    assert (graph.edges["u"] != graph.edges["v"]).all()
    assert graph.edges["length_m"].sum() == pytest.approx(
        20 + 20 + np.hypot(20, 20) + 4 * np.hypot(30, 10))


def test_a_crossing_is_a_shared_node_with_a_motor_road_not_a_bridge():
    m = Map()
    m.way([(-50, 0), (0, 0), (50, 0)], highway="primary", name="Runeberginkatu")
    m.way([(0, -30), (0, 0), (0, 30)], highway="footway")  # meets the road at (0, 0)
    m.way([(30, -30), (30, 30)], highway="footway")  # a bridge: no shared node
    m.signals(0, 0)
    graph = m.graph()
    crossing = graph.nodes.loc[graph.nodes["crossing_class"] != ""]
    assert len(crossing) == 1
    assert crossing["crossing_class"].iloc[0] == "primary"
    assert crossing["crossing_name"].iloc[0] == "Runeberginkatu"
    assert bool(crossing["signalled"].iloc[0])
    assert np.allclose(crossing[["x", "y"]].to_numpy(), [[385_000.0, 6_672_000.0]])


def test_who_may_use_which_way():
    m = Map()
    ids = {
        "footway": m.way([(0, 0), (50, 0)], highway="footway"),
        "cycleway": m.way([(0, 10), (50, 10)], highway="cycleway"),
        "shared": m.way([(0, 20), (50, 20)], highway="cycleway", foot="designated"),
        "steps": m.way([(0, 30), (50, 30)], highway="steps"),
        "private": m.way([(0, 40), (50, 40)], highway="footway", access="private"),
        "residential": m.way([(0, 50), (50, 50)], highway="residential"),
        "motorway": m.way([(0, 60), (50, 60)], highway="motorway"),
        "no_cars": m.way([(0, 70), (50, 70)], highway="service", motor_vehicle="no"),
        "track": m.way([(0, 100), (60, 100), (60, 160), (0, 160), (0, 100)],
                       leisure="track"),
        "court": m.way([(100, 100), (130, 100), (130, 120), (100, 120), (100, 100)],
                       leisure="pitch", sport="skateboard"),
    }
    edges = m.graph().edges.set_index("way_id")
    expect = {"footway": (True, True), "cycleway": (False, True), "shared": (True, True),
              "steps": (False, True), "private": (False, False),
              "residential": (False, True), "motorway": (False, False),
              "no_cars": (True, True), "track": (True, True), "court": (False, False)}
    for name, (loop_ok, walk_ok) in expect.items():
        rows = edges.loc[[ids[name]]]
        assert rows["loop_ok"].all() == loop_ok, name
        assert rows["walk_ok"].all() == walk_ok, name
    assert set(edges.loc[[ids["residential"]], "kind"]) == {"road"}
    assert set(edges.loc[[ids["track"]], "kind"]) == {"track"}


def test_a_pitch_apart_from_the_paths_is_linked_to_the_nearest():
    m = Map()
    m.way([(0, -20), (100, -20)], highway="footway")
    pitch = m.way([(10, 0), (90, 0), (90, 60), (10, 60), (10, 0)], leisure="pitch",
                  sport="soccer")
    graph = m.graph()
    link = graph.edges.loc[graph.edges["kind"] == "link"]
    assert len(link) == 1
    assert 20.0 <= link["length_m"].iloc[0] <= LINK_MAX_M
    assert bool(link["loop_ok"].iloc[0])
    assert edges_of(graph, pitch)["length_m"].sum() == pytest.approx(280.0)


def test_grade_in_each_direction_from_a_projected_dem():
    m = Map()
    up = m.way([(0, 0), (200, 0)], step=10, highway="footway")  # heights rise 5 % east
    level = m.way([(0, 0), (0, 200)], step=10, highway="footway")
    graph = m.graph(dem_of(lambda x, y: 10.0 + 0.05 * x))
    east = edges_of(graph, up)
    assert np.allclose(east["grade_pct"], 5.0, atol=0.2)
    assert np.allclose(east["max_grade_pct"], 5.0, atol=0.3)  # climbing u → v
    assert np.allclose(east["min_grade_pct"], 5.0, atol=0.3)  # nowhere descending u → v
    assert np.allclose(edges_of(graph, level)["grade_pct"], 0.0, atol=0.1)
    first = east.index[0]
    counts = np.diff(graph.height_offsets)
    heights = graph.heights[graph.height_offsets[first]:graph.height_offsets[first + 1]]
    assert counts[first] == len(heights) >= 2
    assert heights[0] == pytest.approx(10.0, abs=0.1)
    assert graph.has_heights


def test_without_a_dem_grades_are_unknown():
    m = Map()
    m.way([(0, 0), (60, 0)], highway="footway")
    graph = m.graph()
    assert graph.edges["grade_pct"].isna().all()
    assert not graph.has_heights


def test_ways_beside_roads_know_it():
    m = Map()
    m.way([(0, 0), (300, 0)], step=30, highway="primary", name="Mannerheimintie")
    m.way([(0, 300), (300, 300)], step=30, highway="residential", name="Sivukatu")
    beside = m.way([(0, 8), (300, 8)], highway="footway")
    apart = m.way([(0, 16), (150, 16)], highway="footway")
    away = m.way([(0, 120), (300, 120)], highway="footway")
    pavement = m.way([(0, 292), (300, 292)], highway="footway")
    half = m.way([(-150, 8), (150, 8)], highway="cycleway")  # half of it past the road's end
    edges = m.graph().edges
    share = edges.groupby("way_id")[["busy_share", "road_share"]].apply(
        lambda e: (e.mul(edges.loc[e.index, "length_m"], axis=0).sum()
                   / edges.loc[e.index, "length_m"].sum()))
    assert share.loc[beside].tolist() == pytest.approx([1.0, 1.0])
    assert share.loc[apart].tolist() == pytest.approx([1.0, 0.0])
    assert share.loc[away].tolist() == pytest.approx([0.0, 0.0])
    assert share.loc[pavement].tolist() == pytest.approx([0.0, 1.0])
    assert share.loc[half, "busy_share"] == pytest.approx(0.5 + 20 / 300, abs=0.05)
    near = edges.loc[edges["way_id"] == beside]
    assert set(near["near_road"]) == {"Mannerheimintie"}
    assert set(near["near_road_class"]) == {"primary"}
    assert set(edges.loc[edges["way_id"] == pavement, "near_road"]) == {""}


def test_surface_scores_come_from_the_surface_criterion():
    m = Map()
    smooth = m.way([(0, 0), (40, 0)], highway="footway", surface="asphalt")
    broken = m.way([(0, 10), (40, 10)], highway="footway", surface="asphalt", smoothness="bad")
    unknown = m.way([(0, 20), (40, 20)], highway="footway")
    edges = m.graph().edges.set_index("way_id")
    assert edges.loc[smooth, "surface_score"] == 65.0
    assert edges.loc[broken, "surface_score"] == 35.0
    assert np.isnan(edges.loc[unknown, "surface_score"])
