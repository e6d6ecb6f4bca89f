"""Loops on hand-made maps with known answers."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from venuefinder.errors import InputError, NotFoundError, SourceError
from venuefinder.routes import find_loops, routes_feature_collection
from venuefinder.routes.loops import _choose, _ranked

from .conftest import X0, Map, diamond, dem_of, latlon, perimeter


def xy_of(route):
    """A route's points in metres east and north of (X0, Y0)."""
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True).transform(
        route.coords[:, 0], route.coords[:, 1])
    return np.column_stack([np.asarray(x) - X0, np.asarray(y) - 6_672_000.0])


def three_loops() -> tuple[Map, dict]:
    """Three diamonds of equal length from one hub: flat and quiet to the east, over a hill
    to the north-west, beside a primary road (with a street to cross) to the south-west."""
    m = Map()
    east, hill, road = diamond(0), diamond(120), diamond(240)
    for shape in (east, hill, road):
        m.way(shape, highway="footway", surface="asphalt", lit="yes")
    # The road runs 6 m outside the two far sides of the south-west diamond.
    far = np.array(road[1:4])
    centre = far.mean(axis=0)
    outward = far + 6.0 * (far - centre) / np.linalg.norm(far - centre, axis=1)[:, None]
    m.way([tuple(p) for p in outward], highway="primary", name="Mannerheimintie")
    crossing = road[1]
    m.way([(crossing[0] - 30, crossing[1] + 30), crossing,
           (crossing[0] + 30, crossing[1] - 30)], highway="residential", name="Sivukatu")
    return m, {"east": east, "hill": hill, "road": road}


def hill(x, y):
    """A 25 m hill centred on the far point of the north-west diamond."""
    cx, cy = 420 * math.cos(math.radians(120)), 420 * math.sin(math.radians(120))
    return 25.0 * np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / (2 * 110.0 ** 2))


def test_the_flat_quiet_loop_beats_the_hilly_one_and_the_one_by_the_road():
    m, shapes = three_loops()
    graph = m.graph(dem_of(hill))
    length = perimeter(shapes["east"])
    routes = find_loops(graph, *latlon(0, 0), length, alternatives=3)

    best = xy_of(routes[0])
    assert best[:, 0].min() > -1 and best[:, 0].max() > 400  # the east diamond
    assert len(routes) == 3
    others = [xy_of(r) for r in routes[1:]]
    assert all(o[:, 0].max() < 21 for o in others)  # the other two, not mixtures
    scores = [r.score for r in routes]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[1]
    by_side = {("road" if o[:, 1].mean() < 0 else "hill"): r for o, r in zip(others, routes[1:])}
    assert by_side["hill"].climb_m > 15 and routes[0].climb_m < 1
    assert by_side["road"].crossings == 1
    assert any(w.startswith("crosses Sivukatu at ") for w in by_side["road"].warnings)
    assert "Mannerheimintie" in by_side["road"].reasons["traffic"]
    for route in routes:
        assert route.motor_m == 0
        assert abs(route.length_m / length - 1) <= 0.10


def test_alternatives_share_little():
    m, shapes = three_loops()
    routes = find_loops(m.graph(), *latlon(0, 0), perimeter(shapes["east"]), alternatives=3)
    assert len(routes) == 3  # one per diamond: there are pairs to compare
    edge_sets = [set(r.edges.tolist()) for r in routes]
    for i in range(len(edge_sets)):
        for j in range(i + 1, len(edge_sets)):
            assert not edge_sets[i] & edge_sets[j]


def steep_and_gentle(x, y):
    """Heights over a 400 × 100 m rectangle: the east side climbs 10 %, the west 2 %."""
    return y * (0.02 + 0.08 * np.clip(x, 0, 400) / 400)


def test_the_steep_side_is_climbed_not_descended():
    m = Map()
    ring = [(0, 0), (400, 0), (400, 100), (0, 100), (0, 0)]
    m.way(ring, step=10, highway="footway")
    graph = m.graph(dem_of(steep_and_gentle))
    (route,) = find_loops(graph, *latlon(0, 0), 1000, alternatives=1)
    xy = xy_of(route)
    # East along the bottom, up the steep east side, back along the top, down the west.
    assert route.direction == "anticlockwise"
    assert xy[1, 0] > xy[0, 0] + 1
    assert np.allclose(xy[0], xy[-1])
    assert route.max_downhill_pct == pytest.approx(2.0, abs=0.5)
    assert route.forward_stretches == []
    assert route.climb_m == pytest.approx(10.0, abs=0.5)
    assert "climbs the steep side" in route.reasons["direction"]


def test_a_descent_too_steep_either_way_is_run_forwards():
    m = Map()
    m.way([(0, 0), (400, 0), (400, 100), (0, 100), (0, 0)], step=10, highway="footway")
    graph = m.graph(dem_of(lambda x, y: 0.09 * y))
    (route,) = find_loops(graph, *latlon(0, 0), 1000, alternatives=1)
    (stretch,) = route.forward_stretches
    assert stretch["grade_pct"] == pytest.approx(-9.0, abs=0.5)
    assert 90 <= stretch["to_m"] - stretch["from_m"] <= 125
    # It is the side run downhill: the last 100 m going round one way, the first the other.
    assert stretch["from_m"] < 20 or stretch["to_m"] > 980
    assert route.max_downhill_pct == pytest.approx(9.0, abs=0.5)
    assert any(w.startswith("run forwards from") for w in route.warnings)


def track_map() -> Map:
    """A 400 m running track (a 40-gon) with a footway from the start to it, and a short
    dead-end path the other way."""
    m = Map()
    radius = 400 / (2 * 40 * math.sin(math.pi / 40))
    centre = (0.0, radius + 30.0)
    ring = [(centre[0] + radius * math.sin(2 * math.pi * k / 40),
             centre[1] - radius * math.cos(2 * math.pi * k / 40)) for k in range(40)]
    m.way([*ring, ring[0]], step=100, leisure="track", surface="tartan",
          name="Eläintarhan kenttä")
    m.way([(0, 0), ring[0]], highway="footway")
    m.way([(0, 0), (0, -120)], highway="footway")
    return m


def test_a_start_beside_a_track_answers_in_laps():
    graph = track_map().graph()
    routes = find_loops(graph, *latlon(0, -5), 2400)
    best = routes[0]
    assert best.laps == {"count": 6, "lap_m": pytest.approx(400.0, abs=0.1), "of": "track",
                         "name": "Eläintarhan kenttä", "id": "way/1000"}
    assert best.reasons["length"].startswith("6 laps of the 400 m track (Eläintarhan kenttä)")
    assert abs(best.length_m / 2400 - 1) <= 0.05
    assert best.length_m == pytest.approx(6 * 400 + 2 * 30, abs=1)
    assert np.allclose(best.coords[0], best.coords[-1])
    assert best.retraced_m == pytest.approx(30.0, abs=0.1)  # the way to it and back


def test_laps_of_a_big_field_reached_over_an_unmapped_link():
    m = Map()
    m.way([(0, 0), (120, 0)], highway="footway")
    m.way([(0, 15), (100, 15), (100, 85), (0, 85), (0, 15)], leisure="pitch", sport="soccer")
    routes = find_loops(m.graph(), *latlon(60, 0), 1700)
    assert routes[0].laps["of"] == "field" and routes[0].laps["count"] == 5
    assert any(w.startswith("off mapped paths for") for w in routes[0].warnings)


def hazard_at(x: float, y: float, severity: str, kind: str = "pothole") -> pd.DataFrame:
    lat, lon = latlon(x, y)
    return pd.DataFrame({"id": [7], "kind": [kind], "severity": [severity], "lat": [lat],
                         "lon": [lon]})


def test_a_high_severity_hazard_sends_the_loop_elsewhere():
    m, shapes = three_loops()
    routes = find_loops(m.graph(), *latlon(0, 0), perimeter(shapes["east"]),
                        hazards=hazard_at(*shapes["east"][2], "high"))
    assert all(xy_of(r)[:, 0].max() < 21 for r in routes)  # never the east diamond


def test_hazards_on_the_way_are_warned_of_where_they_are():
    m = Map()
    m.way([(0, 0), (400, 0), (400, 100), (0, 100), (0, 0)], step=10, highway="footway")
    graph = m.graph()
    (clean,) = find_loops(graph, *latlon(0, 0), 1000, alternatives=1)
    (route,) = find_loops(graph, *latlon(0, 0), 1000, alternatives=1,
                          hazards=hazard_at(400, 30, "medium", "glass"))
    (warning,) = [w for w in route.warnings if w.startswith("hazard:")]
    # 30 m up the east side: 430 m going round anticlockwise, 570 m clockwise.
    expected = 0.43 if route.direction == "anticlockwise" else 0.57
    assert warning == f"hazard: glass or debris at {expected:.1f} km"
    assert route.reasons["hazards"] == "1 open report on the way: glass or debris (medium)"
    assert route.score < clean.score
    # At the start every loop meets it: it is run, warned of, and caps the score as it
    # caps a venue's.
    (only,) = find_loops(graph, *latlon(0, 0), 1000, alternatives=1,
                         hazards=hazard_at(0, 0, "high"))
    assert only.score <= 74.0 < clean.score
    assert "hazard: pothole at 0.0 km (high severity)" in only.warnings


def test_asking_for_light_prefers_the_lit_loop_and_warns_of_dark():
    m = Map()
    lit, dark = diamond(0), diamond(180)
    m.way(lit, highway="footway", lit="yes", surface="sand")
    m.way(dark, highway="footway", lit="no", surface="asphalt")
    graph = m.graph()
    length = perimeter(lit)
    assert xy_of(find_loops(graph, *latlon(0, 0), length, lit=True)[0])[:, 0].max() > 400
    assert xy_of(find_loops(graph, *latlon(0, 0), length, after_sunset=True)[0])[:, 0].max() > 400
    unlit = find_loops(graph, *latlon(0, 0), length)[0]
    assert xy_of(unlit)[:, 0].min() < -400  # by day the even asphalt wins
    assert f"unlit {length:.0f} m" in unlit.warnings


@pytest.mark.parametrize(("length", "alternatives", "message"), [
    (399, 3, "length must be between 400 and 15,000 m, got 399"),
    (15_001, 3, "length must be between 400 and 15,000 m, got 15001"),
    (float("nan"), 3, "length must be a number of metres"),
    (2000, 0, "alternatives must be between 1 and 3, got 0"),
    (2000, 4, "alternatives must be between 1 and 3, got 4"),
])
def test_bad_requests_are_input_errors(length, alternatives, message):
    graph = track_map().graph()
    with pytest.raises(InputError, match=message):
        find_loops(graph, *latlon(0, 0), length, alternatives=alternatives)


def test_bad_point_is_an_input_error():
    with pytest.raises(InputError, match="latitude 91"):
        find_loops(track_map().graph(), 91.0, 24.9, 2000)


def test_a_start_far_from_any_way_is_a_source_error_in_one_line():
    lat, lon = latlon(2000, 2000)
    with pytest.raises(SourceError) as err:
        find_loops(track_map().graph(), lat, lon, 2000)
    assert str(err.value) == f"no walkable way within 300 m of {lat:.5f},{lon:.5f}"


def test_no_loop_where_the_paths_do_not_close():
    m = Map()
    m.way([(0, 0), (600, 0)], highway="footway")
    with pytest.raises(NotFoundError, match="no closed loop of 1000 m"):
        find_loops(m.graph(), *latlon(0, 0), 1000)


def test_the_geojson_contract():
    graph = track_map().graph()
    collection = routes_feature_collection(find_loops(graph, *latlon(0, 0), 2000))
    assert collection["type"] == "FeatureCollection"
    feature = collection["features"][0]
    assert feature["geometry"]["type"] == "LineString"
    lon, lat = feature["geometry"]["coordinates"][0]
    assert (lat, lon) == pytest.approx(latlon(0, 0), abs=1e-6)
    props = feature["properties"]
    assert {"score", "reasons", "warnings", "length_m", "climb_m", "descent_m",
            "max_downhill_pct", "direction", "forward_stretches", "laps"} <= set(props)
    assert 0 <= props["score"] <= 100 and isinstance(props["reasons"], dict)
    assert props["climb_m"] is None  # no DEM
    assert props["direction"] in ("clockwise", "anticlockwise")


def field_and_busy_loop() -> Map:
    """From the start: a 340 m football pitch 20 m north (an unmapped link to it), and a
    1.36 km lit asphalt loop of footways south that crosses three service lanes."""
    m = Map()
    m.way([(0, 0), (120, 0)], highway="footway")
    m.way([(0, 20), (100, 20), (100, 90), (0, 90), (0, 20)], leisure="pitch", sport="soccer")
    loop = [(0, 0), (0, -340), (340, -340), (340, 0), (120, 0)]
    m.way(loop, highway="footway", surface="asphalt", lit="yes")
    for x in (60, 160, 260):  # lanes across the loop's south side, met at its nodes
        m.way([(x, -300), (x, -340), (x, -380)], highway="service")
    return m


def test_laps_crossing_no_road_rank_above_a_loop_crossing_three():
    m = field_and_busy_loop()
    routes = find_loops(m.graph(), *latlon(0, 0), 1360, alternatives=3)
    busy = [r for r in routes if r.crossings > 2]
    assert busy, "the loop over the lanes is among the answers"
    assert routes[0].crossings == 0 and routes[0].laps["of"] == "field"
    scores = [r.score for r in routes]
    assert scores == sorted(scores, reverse=True)  # the order and the numbers agree


def test_however_a_busy_loop_scores_it_ranks_below_laps_crossing_no_road():
    routes = find_loops(field_and_busy_loop().graph(), *latlon(0, 0), 1360, alternatives=3)
    (clean,) = [r for r in routes if r.crossings == 0]
    (busy,) = [r for r in routes if r.crossings == 3]
    one = replace(busy, crossings=1, score=98.0)  # a loop crossing one road may rank above
    ranked = _ranked([clean, replace(busy, score=99.0), one])
    assert [r.crossings for r in ranked] == [1, 0, 3]
    assert [r.score for r in ranked] == [98.0, clean.score, round(clean.score - 0.1, 1)]
    assert ranked[2].reasons["crossings"] == (
        "3 road crossings; ranked below a loop with no road to cross (a coach counts the "
        "stops)")


def test_laps_of_a_park_across_the_street_when_the_streets_cross_roads():
    """A 400 m ring of park paths across a street from the start: its laps (the street
    crossed once each way) beat loops of pavements crossing a side street every block."""
    m = Map()
    m.way([(-300, 20), (300, 20)], highway="residential", name="Puistokatu")
    m.way([(0, 0), (0, 20), (0, 40)], highway="footway", footway="crossing")
    m.way([(0, 40), (100, 40), (100, 140), (0, 140), (0, 40)], highway="footway",
          surface="gravel")
    for x0 in (-300, -150, 0, 150):  # pavement blocks south, crossing side streets
        m.way([(x0, 0), (x0 + 150, 0), (x0 + 150, -150), (x0, -150), (x0, 0)],
              highway="footway", surface="asphalt", lit="yes")
    for x in (-300, -150, 150, 300):
        m.way([(x, 20), (x, 0), (x, -150), (x, -170)], highway="residential")
    routes = find_loops(m.graph(), *latlon(0, 0), 2000, alternatives=3)
    best = routes[0]
    assert best.laps == {"count": 5, "lap_m": pytest.approx(400.0), "of": "loop",
                         "name": None, "id": None}
    assert best.crossings == 2  # Puistokatu, there and back
    assert best.reasons["crossings"] == "2 road crossings"


def test_from_a_track_its_own_laps_are_among_the_answers():
    routes = find_loops(track_map().graph(), *latlon(0, -5), 2400)
    laps = next(r for r in routes if r.laps and r.laps["of"] == "track")
    lengths = np.ones(100)
    others = [replace(laps, laps=None, score=90.0 - k, unit_edges=np.array([10 + k]))
              for k in range(3)]
    chosen = _choose([replace(laps, score=40.0, unit_edges=np.array([50])), *others], 3,
                     lengths)
    assert [r.score for r in chosen] == [90.0, 89.0, 40.0]
    assert chosen[-1].laps["id"] == "way/1000"


def test_tracks_mapped_as_relations_or_footways_are_lapped(tmp_path):
    from venuefinder.routes import build_graph
    from venuefinder.sources.walkways import read_walkways

    from .conftest import CRS

    m = Map()
    m.way([(0, 0), (0, 30)], highway="footway")
    halves = [[(0, 30), (60, 30), (60, 130), (0, 130)], [(0, 130), (-60, 130), (-60, 30),
                                                            (0, 30)]]
    parts = [m.way(half) for half in halves]  # untagged members, a ring of two
    m.relation([(p, "outer") for p in parts], type="multipolygon", leisure="track",
               sport="running", name="Relaatiorata")
    m.way([(200, 0), (0, 0)], highway="footway")
    m.way([(200, 0), (260, 0), (260, 100), (200, 100), (200, 0)], highway="footway",
          leisure="track", area="no")
    graph = build_graph(read_walkways(m.write_osm(tmp_path / "tracks.osm")), CRS)
    from_relation = find_loops(graph, *latlon(0, 10), 1800)
    assert from_relation[0].laps["id"] == "relation/5000"
    assert from_relation[0].reasons["length"].startswith(
        "4 laps of the 440 m track (Relaatiorata) and 30 m to it and back")
    from_footway = find_loops(graph, *latlon(230, 0), 1600)
    assert any(r.laps and r.laps["of"] == "track" and r.laps["count"] == 5
               for r in from_footway)


def test_a_jump_runway_mapped_as_a_track_is_no_lap():
    m = Map()
    m.way([(0, 0), (0, 10), (150, 10), (150, -40), (0, -40), (0, 0)], highway="footway")
    m.way([(0, 10), (45, 10), (45, 14), (0, 14), (0, 10)], leisure="track",
          athletics="long_jump")
    routes = find_loops(m.graph(), *latlon(0, 0), 400)
    assert routes
    assert all(r.laps is None or r.laps["of"] != "track" for r in routes)


def test_without_a_loop_the_nearest_laps_are_named():
    m = track_map()
    m.way([(900, 0), (1500, 0)], highway="footway")  # a dead end 900 m east of the track
    with pytest.raises(NotFoundError) as err:
        find_loops(m.graph(), *latlon(1000, 0), 2000)
    (suggestion,) = err.value.suggestions
    assert suggestion == {"id": "way/1000", "label": "Eläintarhan kenttä",
                          "distance": pytest.approx(940, abs=40), "laps": 5}
    assert str(err.value).endswith(
        f"laps near: Eläintarhan kenttä (way/1000, {suggestion['distance'] / 1000:.1f} km "
        "away: 5 laps)")
    # Called by a region's labels where it has them (the API's answer), the message too.
    named = err.value.relabelled({"way/1000": "Athletics track Eläintarhan kenttä"})
    assert named.suggestions == [{**suggestion, "label": "Athletics track Eläintarhan kenttä"}]
    assert str(named) == str(err.value).replace("laps near: Eläintarhan kenttä",
                                                "laps near: Athletics track Eläintarhan kenttä")
    assert isinstance(named, NotFoundError) and named.reason == err.value.reason


def rectangle_with_peaks(*peaks: tuple[float, float, float]) -> Map:
    """A 1 km footway rectangle and summits ``(x, y, ele)`` mapped near it."""
    m = Map()
    m.way([(0, 0), (400, 0), (400, 100), (0, 100), (0, 0)], step=10, highway="footway")
    for peak in peaks:
        m.peak(*peak)
    return m


def test_without_a_dem_a_hilly_area_says_the_direction_could_not_be_chosen():
    flat_graph = rectangle_with_peaks((600, 0, 40.0), (-600, 0, 30.0)).graph()
    (flat,) = find_loops(flat_graph, *latlon(0, 0), 1000, alternatives=1)
    assert flat.reasons["flatness"] == "no elevation data to judge hills"
    assert not any("hilly" in w for w in flat.warnings)
    # 460 m between heights 1,020 and 1,480 m 1.2 km apart: 38 % on average, hilly.
    hilly_graph = rectangle_with_peaks((600, 0, 1480.0), (-600, 0, 1020.0)).graph()
    (hilly,) = find_loops(hilly_graph, *latlon(0, 0), 1000, alternatives=1)
    assert hilly.reasons["flatness"] == ("no elevation data, and the area is hilly (heights "
                                         "1,020–1,480 m within 2 km)")
    assert hilly.warnings[0].startswith("hilly area: the direction to run could not be chosen")
    assert "--dem" not in " ".join(hilly.reasons.values())
    # Heights 3 km away speak for their own area, not this one.
    far = rectangle_with_peaks((3_000, 0, 1480.0), (-3_000, 0, 1020.0)).graph()
    assert find_loops(far, *latlon(0, 0), 1000, alternatives=1)[0].reasons["flatness"] == (
        "no elevation data to judge hills")


def test_with_a_dem_the_extracts_heights_are_not_asked():
    graph = rectangle_with_peaks((600, 0, 1480.0), (-600, 0, 1020.0)).graph(
        dem_of(lambda x, y: 0.01 * x))
    (loop,) = find_loops(graph, *latlon(0, 0), 1000, alternatives=1)
    assert loop.reasons["flatness"].startswith("climbs ")
    assert not any("hilly" in w for w in loop.warnings)


def test_the_extracts_heights_are_read_with_the_ways_and_cached(tmp_path):
    """Summits and contours from the extract reach the walking graph (and its disk cache),
    where routes judge hills by them."""
    from venuefinder.config import Settings
    from venuefinder.routes import load_or_build_graph

    m = rectangle_with_peaks((600, 0, 1480.0))
    m.way([(-600, -50), (-600, 50)], contour="elevation", ele="1020")
    path = m.write_osm(tmp_path / "hills.osm")
    settings = Settings(source=str(path), cache_dir=tmp_path / "cache")
    for graph in (load_or_build_graph(settings, path), load_or_build_graph(settings, path)):
        assert sorted(set(graph.spot_heights[:, 2])) == [1020.0, 1480.0]
        assert len(graph.spot_heights) >= 3  # the summit and each node of the contour
        assert graph.relief(X0, 6_672_000.0) == "heights 1,020–1,480 m within 2 km"


def test_a_track_drawn_beside_a_field_apart_from_the_paths_is_lapped_from_itself():
    """A track (``leisure=track`` only, a closed way) sharing no node with a path and too
    far from one to be linked to it, but 3 m from a field that is: from the track, its
    own laps are among the answers, not only the field's."""
    m = Map()
    m.way([(-60, -20), (200, -20)], highway="footway")
    m.way([(10, 0), (110, 0), (110, 70), (10, 70), (10, 0)], leisure="pitch", sport="soccer")
    track = m.way([(10, 73), (130, 73), (130, 77), (10, 77), (10, 73)], leisure="track")
    graph = m.graph()
    link = graph.edges.loc[graph.edges["kind"] == "link"]
    assert len(link) == 2 and link["length_m"].max() <= 30.0
    routes = find_loops(graph, *latlon(70, 75), 2000)
    own = [r for r in routes if r.laps and r.laps["id"] == f"way/{track}"]
    assert own and own[0].laps["of"] == "track"
    assert own[0].laps["lap_m"] == pytest.approx(248.0, abs=0.5)


def test_a_track_in_a_pocket_of_paths_too_small_to_snap_to_is_lapped_from_itself():
    """A track joined only to a short path (its yard's) is no stray fragment: from the
    track, the start stays on it and its laps are answered, not a loop 100 m away."""
    m = Map()
    m.way([(-300, -100), (300, -100), (300, -400), (-300, -400), (-300, -100)],
          highway="footway")
    track = m.way([(0, 0), (80, 0), (80, 30), (0, 30), (0, 0)], leisure="track", area="yes")
    m.way([(0, 0), (0, -40)], highway="track")
    routes = find_loops(m.graph(), *latlon(40, 2), 2000)
    assert any(r.laps and r.laps["id"] == f"way/{track}" for r in routes)


def test_a_relation_track_with_its_infield_is_lapped_along_the_inner_edge(tmp_path):
    from venuefinder.routes import build_graph
    from venuefinder.sources.walkways import read_walkways

    from .conftest import CRS

    """The lap runs along the infield (lane 1), not round the outer lane."""
    m = Map()
    m.way([(-100, -40), (200, -40)], highway="footway")
    outer = m.way([(0, 0), (100, 0), (100, 60), (0, 60), (0, 0)])  # 320 m round
    inner = m.way([(10, 10), (90, 10), (90, 50), (10, 50), (10, 10)], step=1000)  # 240 m
    relation = m.relation([(outer, "outer"), (inner, "inner")], type="multipolygon",
                          leisure="track", sport="running")
    m.way([(0, 0), (0, -40)], highway="footway")
    m.way([(10, 10), (0, 0)], highway="footway")
    graph = build_graph(read_walkways(m.write_osm(tmp_path / "track.osm")), CRS)
    routes = find_loops(graph, *latlon(50, 5), 1200)
    own = next(r for r in routes if r.laps and r.laps["id"] == f"relation/{relation}")
    assert own.laps["lap_m"] == pytest.approx(240.0, abs=0.5)


def test_a_track_whose_straight_side_a_path_also_draws_is_lapped():
    """The graph keeps one edge per pair of nodes: a straight side drawn by both a track
    and a path (or the infield's pitch) is the path's edge, and the lap still closes."""
    m = Map()
    m.way([(10, 10), (90, 10)], step=1000, highway="footway")
    m.way([(-100, -40), (200, -40)], highway="footway")
    track = m.way([(10, 10), (90, 10), (90, 50), (10, 50), (10, 10)], step=1000,
                  leisure="track")
    m.way([(10, 10), (10, -40)], highway="footway")
    graph = m.graph()
    assert (graph.edges["way_id"] == track).sum() == 3  # its fourth side is the path's
    routes = find_loops(graph, *latlon(50, 12), 1200)
    own = next(r for r in routes if r.laps and r.laps["id"] == f"way/{track}")
    assert own.laps["lap_m"] == pytest.approx(240.0, abs=0.5)


def test_own_laps_join_answers_of_any_shape():
    """Routes hold arrays: putting a track's own laps among the answers orders them by
    rank, not by comparing routes (which fails on arrays of different lengths)."""
    laps = next(r for r in find_loops(track_map().graph(), *latlon(0, -5), 2400)
                if r.laps and r.laps["of"] == "track")
    others = [replace(laps, laps=None, score=90.0 - k, edges=np.arange(k + 2),
                      unit_edges=np.array([10 + k])) for k in range(3)]
    chosen = _choose([*others, replace(laps, score=40.0, unit_edges=np.array([5, 6, 7]))],
                     3, np.ones(100))
    assert [r.score for r in chosen] == [90.0, 89.0, 40.0]


def test_tracks_sharing_a_stretch_are_each_lapped_from_themselves():
    """Two tracks drawn on the same straight (the graph keeps the stretch once, as the
    first's edges): the second's lap closes over it, and from each track its own laps are
    answered, at their own length."""
    m = Map()
    north = m.way([(0, 0), (100, 0), (100, 40), (0, 40), (0, 0)], leisure="track")  # 280 m
    south = m.way([(0, 0), (100, 0), (100, -30), (0, -30), (0, 0)], leisure="track")  # 260 m
    m.way([(-60, -30), (0, -30)], highway="footway")
    graph = m.graph()
    for (x, y), track, lap in (((50, -24), south, 260.0), ((50, 34), north, 280.0)):
        routes = find_loops(graph, *latlon(x, y), 1300)
        own = next(r for r in routes if r.laps and r.laps["id"] == f"way/{track}")
        assert own.laps["lap_m"] == pytest.approx(lap, abs=0.5)
