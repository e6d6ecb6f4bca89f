"""End to end on the embedded Helsinki extract (clipped: plain osmnx cannot read it)."""

from __future__ import annotations

import json

import gpxpy
import numpy as np
import pytest

from venuefinder.config import Settings
from venuefinder.routes import (find_loops, load_or_build_graph, routes_feature_collection,
                                to_gpx, way_to)

CENTRE = (60.1699, 24.9410)  # by the railway station


@pytest.fixture(scope="module")
def graph(tmp_path_factory):
    return load_or_build_graph(Settings(cache_dir=tmp_path_factory.mktemp("graph-cache")))


def test_the_graph_of_a_clipped_extract(graph):
    assert len(graph.nodes) > 2000 and graph.edges["loop_ok"].sum() > 2000
    assert graph.info["dropped_ways"] > 0 and graph.info["repaired_ways"] > 0
    crossings = graph.nodes.loc[graph.nodes["crossing_class"] != ""]
    assert "Mannerheimintie" in set(crossings["crossing_name"])
    assert crossings["signalled"].any()
    assert graph.crs.to_epsg() == 32635


def test_a_3_km_loop_from_the_centre(graph):
    routes = find_loops(graph, *CENTRE, 3000)
    assert 1 <= len(routes) <= 3
    for route in routes:
        assert np.allclose(route.coords[0], route.coords[-1])  # closed
        assert abs(route.length_m / 3000 - 1) <= 0.10
        edges = graph.edges.loc[route.edges]
        assert edges["loop_ok"].all()
        assert not (edges["kind"] == "road").any()  # roads are only crossed, at nodes
        assert route.motor_m == 0
        assert route.retraced_m / route.length_m <= 0.2
    # One walk: each edge starts where the last ended, and the line is as long as the route.
    best = routes[0]
    u, v = graph.edges["u"].to_numpy()[best.edges], graph.edges["v"].to_numpy()[best.edges]
    tail, head = np.where(best.reverse, v, u), np.where(best.reverse, u, v)
    assert (tail[1:] == head[:-1]).all() and head[-1] == tail[0]
    lon, lat = best.coords[:, 0], best.coords[:, 1]
    step = np.hypot(np.diff(lon) * 55_600, np.diff(lat) * 111_200)
    assert step.sum() == pytest.approx(best.length_m, rel=0.01)
    text = json.dumps(routes_feature_collection(routes))
    assert json.loads(text)["features"][0]["properties"]["length_m"] > 2700
    assert len(gpxpy.parse(to_gpx(routes)).tracks) == len(routes)


def test_the_way_there_across_the_centre(graph):
    route = way_to(graph, 60.1665, 24.9370, 60.1765, 24.9505)
    assert 1300 < route.length_m < 2500
    end_lon, end_lat = route.coords[-1]
    assert abs(end_lat - 60.1765) < 0.002 and abs(end_lon - 24.9505) < 0.004
