"""score_room and longest_straight_run on hand-built shapes with exact answers."""

import math

import numpy as np
import pytest
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from venuefinder.scoring.room import MARGIN_M, longest_straight_run, score_room

from .conftest import X0, Y0, make_venues

L_SHAPE = Polygon([(0, 0), (100, 0), (100, 20), (20, 20), (20, 100), (0, 100)])


def run(shape) -> float:
    return float(longest_straight_run(np.array([shape]))[0])


@pytest.mark.parametrize("angle", [0, 17, 45, 73, 130])
@pytest.mark.parametrize("length, width", [(105, 68), (60, 40), (36, 18), (60, 6)])
def test_rectangles_at_any_angle_give_the_shrunk_diagonal(length, width, angle):
    shape = affinity.rotate(box(X0, Y0, X0 + length, Y0 + width), angle, origin=(X0, Y0))
    exact = math.hypot(length - 2 * MARGIN_M, width - 2 * MARGIN_M)
    assert run(shape) == pytest.approx(exact, rel=1e-6)


def test_an_l_shape_is_not_its_hull_diameter():
    got = run(L_SHAPE)
    hull_diagonal = math.hypot(96, 96)
    assert got < hull_diagonal - 20
    # Lower bound: an arm's shrunk diagonal lies inside; the true answer (brute force in
    # bench/room_accuracy.py: 97.9 m) crosses the corner.
    assert math.hypot(96, 16) <= got == pytest.approx(97.9, abs=1.0)


def test_a_hole_blocks_the_diagonal():
    with_hole = box(0, 0, 100, 60).difference(box(40, 20, 60, 40))
    # Brute force (bench/room_accuracy.py): 99.3 m, a chord past two corners of the hole.
    assert run(with_hole) == pytest.approx(99.3, abs=0.2)
    assert run(box(0, 0, 100, 60)) == pytest.approx(math.hypot(96, 56))


def test_a_ring_gives_the_chord_past_the_inner_circle():
    ring = Point(0, 0).buffer(50, 64).difference(Point(0, 0).buffer(20, 64))
    exact = 2 * math.sqrt(48 ** 2 - 22 ** 2)
    assert exact * 0.9 <= run(ring) <= exact * 1.001


def test_a_multipolygon_takes_its_best_part():
    shape = MultiPolygon([box(0, 0, 30, 30), box(100, 0, 150, 10)])
    assert run(shape) == pytest.approx(math.hypot(46, 6))


def test_too_small_to_shrink_has_no_run():
    assert run(box(0, 0, 3, 3)) == 0.0


def _score(*rows):
    return score_room(make_venues(*rows), None)


def test_a_400_m_track_is_a_full_lap():
    ring = LineString([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100),
                       (X0, Y0)])
    result = _score({"geometry": ring, "kind": "track"}).loc[0]
    assert result["longest_run_m"] == pytest.approx(400.0, abs=1)
    assert result["score"] == 100.0
    assert result["reason"] == "400 m lap: room for intervals"
    assert result["usable_area_m2"] == pytest.approx(2000.0)
    assert result["evidence"] == "measured"


def test_an_open_track_is_a_straight():
    straight = LineString([(X0, Y0), (X0 + 100, Y0)])
    result = _score({"geometry": straight, "kind": "track", "width": "8"}).loc[0]
    assert result["longest_run_m"] == pytest.approx(100.0)
    assert result["usable_area_m2"] == pytest.approx(800.0)
    assert result["reason"] == "100 m straight of track"


def test_a_track_ring_mapped_as_an_area_has_a_lap():
    outer = box(X0, Y0, X0 + 110, Y0 + 110)
    ring = outer.difference(box(X0 + 10, Y0 + 10, X0 + 100, Y0 + 100))
    result = _score({"geometry": ring, "kind": "track"}).loc[0]
    assert result["longest_run_m"] == pytest.approx((440 + 360) / 2)
    assert result["reason"].startswith("400 m lap")


def test_the_coach_s_scale():
    result = _score({"geometry": box(X0, Y0, X0 + 105, Y0 + 68)},           # full pitch
                    {"geometry": box(X0, Y0, X0 + 40, Y0 + 20), "kind": "grass"},
                    {"geometry": box(X0, Y0, X0 + 36, Y0 + 18), "kind": "pitch"},  # tennis
                    {"geometry": box(X0, Y0, X0 + 60, Y0 + 6), "kind": "grass"},   # verge
                    {"geometry": box(X0, Y0, X0 + 12, Y0 + 12), "kind": "grass"})  # patch
    scores = list(result["score"])
    assert scores[0] == 100.0
    assert 40 <= scores[1] <= 65
    assert 25 <= scores[2] <= 45
    assert scores[3] < 20 and scores[4] < 10
    assert scores == sorted(scores, reverse=True)
    assert result.loc[0, "reason"] == ("Longest straight run 120 m inside a 6,464 m² open "
                                       "area: room for end-to-end drills")
    assert result.loc[4, "reason"].endswith("no room to run backwards")


def test_empty_input_gives_the_columns():
    empty = make_venues({"geometry": box(X0, Y0, X0 + 50, Y0 + 50)}).iloc[:0]
    result = score_room(empty, None)
    assert result.empty and list(result.columns) == [
        "score", "reason", "evidence", "longest_run_m", "usable_area_m2"]


def test_a_narrow_track_area_is_scored_on_its_straight_and_a_ring_in_a_multipolygon_laps():
    sprint = box(X0, Y0, X0 + 120, Y0 + 6)
    ring = box(X0, Y0, X0 + 110, Y0 + 110).difference(box(X0 + 10, Y0 + 10, X0 + 100,
                                                          Y0 + 100))
    result = _score({"geometry": sprint, "kind": "track"},
                    {"geometry": MultiPolygon([ring, box(X0 + 200, Y0, X0 + 210, Y0 + 10)]),
                     "kind": "track"})
    assert result.loc[0, "score"] == 100.0  # 116 m of lanes: a full straight
    assert result.loc[1, "longest_run_m"] == pytest.approx(400.0)
