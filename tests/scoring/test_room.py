"""score_room and the straight-run geometry on hand-built shapes whose answers are derived by
hand.

All geometry is in EPSG:3067 (metres) near Helsinki. The margin is 2 m: a rectangle L × W
shrinks to (L − 4) × (W − 4); a hole grows by 2 m with rounded corners; a reflex corner of
the outline becomes an arc of radius 2 m round it. GEOS draws those arcs with 8 segments per
quarter circle, which lets a chord pass up to 1 cm closer to them: answers that run
tangent to an arc are checked to 1 cm.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from venuefinder.scoring.room import AREA_TABLE, LAP_TABLE, MARGIN_M, RUN_TABLE, score_room
from venuefinder.scoring.straight_run import longest_chords, longest_straight_run, shrink

from .conftest import CRS, X0, Y0, make_venues

COLUMNS = ["score", "reason", "evidence", "longest_run_m", "usable_area_m2"]


def run(shape) -> float:
    """The longest straight run of one shape placed at (X0, Y0)."""
    placed = affinity.translate(shape, X0, Y0)
    return float(longest_straight_run(np.array([placed], dtype=object), MARGIN_M)[0])


def rect(length: float, width: float, angle: float = 0.0):
    return affinity.rotate(box(0, 0, length, width), angle, origin=(0, 0))


def tangent_chord(start: tuple[float, float], centre: tuple[float, float], turn: int,
                  walls: dict[int, float]) -> float:
    """Length of the chord from *start* that touches the circle of radius MARGIN_M round
    *centre* (on the side given by *turn*, ±1) until it meets the first of *walls*
    (axis → coordinate: 0 for x = c, 1 for y = c)."""
    dx, dy = centre[0] - start[0], centre[1] - start[1]
    theta = math.atan2(dy, dx) + turn * math.asin(MARGIN_M / math.hypot(dx, dy))
    direction = (math.cos(theta), math.sin(theta))
    return min((value - start[axis]) / direction[axis] for axis, value in walls.items()
               if (value - start[axis]) * direction[axis] > 0)


def scored(*rows: dict, index=None) -> pd.DataFrame:
    venues = make_venues(*rows)
    if index is not None:
        venues.index = index
    return score_room(venues, None)


def at(shape):
    return affinity.translate(shape, X0, Y0)


# --- straight_run: longest_straight_run, shrink, longest_chords -----------------------------

@pytest.mark.parametrize("angle", [0, 17, 45, 73, 130])
@pytest.mark.parametrize("length, width", [(105, 68), (60, 40), (36, 18), (60, 6), (400, 8)])
def test_a_rectangle_at_any_angle_gives_the_diagonal_of_its_shrunk_self(length, width,
                                                                         angle):
    exact = math.hypot(length - 2 * MARGIN_M, width - 2 * MARGIN_M)
    assert run(rect(length, width, angle)) == pytest.approx(exact, rel=1e-9)


def test_an_l_whose_far_corners_see_each_other_runs_corner_to_corner():
    # Arm 100 × 30 and a stub 30 × 40. Shrunk: far corners (98, 2) and (2, 38); the segment
    # between them passes (30, 30), the reflex corner, 2.34 m away on the inside (≥ 2 m).
    shape = Polygon([(0, 0), (100, 0), (100, 30), (30, 30), (30, 40), (0, 40)])
    assert run(shape) == pytest.approx(math.hypot(96, 36), rel=1e-9)


def test_an_l_whose_diagonal_is_blocked_runs_tangent_to_the_corner_arc():
    # Two arms 20 m wide and 100 m long. The longest run leaves the far corner (2, 98) of
    # one arm, grazes the 2 m arc round the reflex corner (20, 20) and ends on the far edge
    # (y = 2) of the other arm: 96 / sin(atan2(78, 18) + asin(2 / √6408)) = 97.989 m.
    shape = Polygon([(0, 0), (100, 0), (100, 20), (20, 20), (20, 100), (0, 100)])
    exact = tangent_chord((2, 98), (20, 20), -1, {1: 2.0, 0: 98.0})
    assert exact == pytest.approx(96 / math.sin(math.atan2(78, 18)
                                                + math.asin(2 / math.sqrt(6408))))
    assert run(shape) == pytest.approx(exact, abs=0.01)
    assert run(affinity.rotate(shape, 33, origin=(0, 0))) == pytest.approx(exact, abs=0.01)


def test_a_ring_gives_the_chord_tangent_to_the_grown_inner_circle():
    for outer, inner in ((50, 20), (80, 30)):
        ring = Point(0, 0).buffer(outer, 128).difference(Point(0, 0).buffer(inner, 128))
        exact = 2 * math.sqrt((outer - MARGIN_M) ** 2 - (inner + MARGIN_M) ** 2)
        assert run(ring) == pytest.approx(exact, rel=1e-3)


def test_a_hole_on_both_diagonals_makes_the_run_graze_its_corner():
    # A 20 m square hole in the middle of a 100 × 60 field blocks both diagonals; the
    # longest run goes from a corner (2, 2) past the 2 m arc round the hole's corner
    # (60, 20) to the far side.
    field = box(0, 0, 100, 60).difference(box(40, 20, 60, 40))
    exact = tangent_chord((2, 2), (60, 20), -1, {0: 98.0, 1: 58.0})
    assert 97 < exact < math.hypot(96, 56)
    assert run(field) == pytest.approx(exact, abs=0.01)


def test_a_hole_off_the_diagonal_does_not_shorten_it():
    field = box(0, 0, 100, 60).difference(box(10, 40, 20, 50))
    assert run(field) == pytest.approx(math.hypot(96, 56), rel=1e-9)


def test_a_multipolygon_is_measured_by_its_best_part():
    shape = MultiPolygon([box(0, 0, 30, 30), box(100, 0, 150, 10)])
    assert run(shape) == pytest.approx(math.hypot(46, 6), rel=1e-9)
    assert run(MultiPolygon([box(0, 0, 30, 30), box(100, 0, 103, 10)])) == pytest.approx(
        math.hypot(26, 26), rel=1e-9)


def test_a_shape_thinner_than_twice_the_margin_has_no_run():
    assert run(box(0, 0, 3, 3)) == 0.0
    assert run(box(0, 0, 200, 3.9)) == 0.0


def test_many_venues_at_once_match_one_by_one():
    shapes = [rect(105, 68, 17), Polygon([(0, 0), (100, 0), (100, 20), (20, 20), (20, 100),
                                          (0, 100)]),
              box(0, 0, 100, 60).difference(box(40, 20, 60, 40)), box(0, 0, 3, 3)]
    placed = np.array([at(affinity.translate(s, 500 * i, 0)) for i, s in enumerate(shapes)],
                      dtype=object)
    together = longest_straight_run(placed, MARGIN_M)
    alone = [float(longest_straight_run(placed[i:i + 1], MARGIN_M)[0])
             for i in range(len(shapes))]
    assert together == pytest.approx(alone, abs=1e-6)


def test_shrink_moves_every_edge_of_a_rectangle_in_by_the_margin():
    # 100 × 20 → the 96 × 16 rectangle 2 m inside it (a negative buffer keeps convex
    # corners square).
    shrunk = shrink(np.array([at(box(0, 0, 100, 20))], dtype=object), MARGIN_M)[0]
    assert shrunk.area == pytest.approx(96 * 16, rel=1e-9)
    assert shrunk.bounds == pytest.approx((X0 + 2, Y0 + 2, X0 + 98, Y0 + 18))
    assert shrink(np.array([at(box(0, 0, 100, 3.9))], dtype=object), MARGIN_M)[0].is_empty


def test_longest_chords_of_an_already_shrunk_rectangle_is_its_diagonal():
    # The 96 × 16 inner rectangle of a 100 × 20 one: its diagonal, as for the whole.
    inner = at(box(2, 2, 98, 18))
    found = longest_chords(np.array([inner, at(Point(0, 0)), at(LineString([(0, 0), (50, 0)])),
                                     Polygon()], dtype=object))
    assert found == pytest.approx([math.hypot(96, 16), 0.0, 0.0, 0.0], rel=1e-9)
    assert run(box(0, 0, 100, 20)) == pytest.approx(math.hypot(96, 16), rel=1e-9)


def test_longest_chords_of_a_shrunk_l_ends_mid_edge_past_the_reflex_corner():
    # An L taken as already shrunk (a sharp reflex corner, no margin): arms 10 m wide and
    # 60 m long. The longest chord leaves the far corner (0, 60), touches the reflex corner
    # (10, 10) and ends mid-edge at (12, 0): longer than either arm's diagonal, √3700 m.
    shape = at(Polygon([(0, 0), (60, 0), (60, 10), (10, 10), (10, 60), (0, 60)]))
    assert float(longest_chords(np.array([shape], dtype=object))[0]) == pytest.approx(
        math.hypot(12, 60), abs=1e-3)


# --- score_room -----------------------------------------------------------------------------

def test_a_closed_400_m_track_line_is_a_full_lap():
    oval = LineString([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100),
                       (X0, Y0)])
    result = scored({"kind": "track", "geometry": oval},
                    {"kind": "track", "geometry": oval, "width": "8 m"})
    assert result.loc[0, "longest_run_m"] == pytest.approx(400.0, abs=1.0)
    assert result.loc[0, "score"] == 100.0
    assert result.loc[0, "reason"] == "400 m lap: room for intervals"
    assert result.loc[0, "usable_area_m2"] == 2000.0  # the default 5 m of lanes
    assert result.loc[1, "usable_area_m2"] == 3200.0


def test_an_open_track_line_is_a_straight_of_its_length():
    straight = LineString([(X0, Y0), (X0 + 60, Y0), (X0 + 100, Y0)])
    result = scored({"kind": "track", "geometry": straight, "width": "6"},
                    {"kind": "track", "geometry": straight, "lanes": "8"})
    assert list(result["longest_run_m"]) == [pytest.approx(100.0)] * 2
    assert list(result["usable_area_m2"]) == [600.0, 976.0]  # 8 lanes of 1.22 m
    # Judged like any 600 m² place: the run is there, the room beside it is not.
    assert result.loc[0, "score"] == pytest.approx(58.2, abs=0.1)
    assert result.loc[0, "reason"] == ("100 m straight of track: room for one runner, little "
                                       "for anyone else")
    assert result.loc[1, "reason"] == ("100 m straight of track: room for backward strides "
                                       "and shuttles")


def test_a_track_ring_mapped_as_an_area_has_its_lap_along_the_inner_edge():
    ring = box(X0, Y0, X0 + 110, Y0 + 110).difference(box(X0 + 10, Y0 + 10, X0 + 100,
                                                          Y0 + 100))
    result = scored({"kind": "track", "geometry": ring},
                    {"kind": "track", "geometry": MultiPolygon(
                        [ring, box(X0 + 300, Y0, X0 + 310, Y0 + 10)])})
    # The kerb is 360 m round; the running line 0.30 m out from it.
    lap = 360 + 2 * math.pi * 0.3
    assert list(result["longest_run_m"]) == [pytest.approx(lap, abs=0.05)] * 2
    assert result.loc[0, "reason"].startswith("362 m lap (longest straight run")
    assert result.loc[0, "usable_area_m2"] == 110 ** 2 - 90 ** 2  # its lanes
    assert result.loc[0, "score"] == 100.0  # its longest straight run: 100 m or more


def _oval(inner_lap: float, lanes_m: float) -> object:
    """A standard oval's outline (two straights, two semicircles) whose inner edge is
    *inner_lap* metres round, with *lanes_m* of lanes outside it."""
    radius = 36.5
    straight = (inner_lap - 2 * math.pi * radius) / 2
    return LineString([(X0, Y0), (X0 + straight, Y0)]).buffer(radius + lanes_m,
                                                               quad_segs=256)


def test_a_track_outline_without_its_infield_laps_along_its_lanes_inner_edge():
    eight_lanes = _oval(398.1, 8 * 1.22)
    result = scored({"kind": "track", "geometry": eight_lanes, "lanes": "8"},
                    {"kind": "track", "geometry": eight_lanes})
    assert result.loc[0, "longest_run_m"] == pytest.approx(400.0, abs=0.5)
    assert result.loc[0, "reason"].startswith("400 m lap")
    assert result.loc[0, "usable_area_m2"] == pytest.approx(400 * 8 * 1.22, rel=0.01)
    # Lanes unmapped: four lanes' default width, so the inner edge is thought further out.
    assert result.loc[1, "longest_run_m"] == pytest.approx(398.1 + 2 * math.pi * (
        8 * 1.22 - 5.0 + 0.3), abs=0.5)


def test_a_jump_pit_or_pad_is_never_lapped():
    pit = box(X0, Y0, X0 + 9, Y0 + 9)  # compact, but 36 m round
    result = scored({"kind": "track", "geometry": pit}).loc[0]
    assert "lap" not in result["reason"]
    assert result["longest_run_m"] == pytest.approx(math.hypot(8.4, 8.4), abs=0.05)
    assert result["score"] == 0.0


def test_a_long_thin_track_area_is_a_straight_not_a_lap():
    sprint = box(X0, Y0, X0 + 120, Y0 + 6)
    result = scored({"kind": "track", "geometry": sprint}).loc[0]
    assert result["longest_run_m"] == pytest.approx(math.hypot(119.4, 5.4), abs=0.05)
    assert result["usable_area_m2"] == pytest.approx(119.4 * 5.4, abs=1)
    assert result["reason"] == ("Longest straight run 120 m inside a 645 m² open area: "
                                "room for backward strides and shuttles")


def test_room_says_the_same_of_the_same_run_and_area_whatever_the_kind():
    """A track's lanes are judged on the same tables as a lawn: a 255 m² strip is never
    room for end-to-end drills, and a bigger one never says less."""
    strips = [scored({"kind": kind, "geometry": LineString([(X0, Y0), (X0 + 118, Y0)])
                      if kind == "track" else box(X0, Y0, X0 + 122, Y0 + w + 4),
                      "width": str(w)}).loc[0]
              for kind in ("track", "grass") for w in (2.16, 4.92)]
    small_track, big_track, small_lawn, big_lawn = strips
    assert small_track["usable_area_m2"] == pytest.approx(255, abs=1)
    assert big_track["usable_area_m2"] == pytest.approx(581, abs=1)
    for small, big in ((small_track, big_track), (small_lawn, big_lawn)):
        assert small["score"] < big["score"] < 60
        assert small["reason"].endswith("room for one runner, little for anyone else")
        assert "end-to-end" not in big["reason"]
    assert small_track["score"] == pytest.approx(small_lawn["score"], abs=2)


def test_the_coach_s_scale():
    result = scored({"kind": "pitch", "geometry": at(box(0, 0, 105, 68))},
                    {"kind": "grass", "geometry": at(box(0, 0, 40, 20))},
                    {"kind": "pitch", "sport": "tennis", "geometry": at(box(0, 0, 36, 18))},
                    {"kind": "grass", "geometry": at(box(0, 0, 60, 6))},
                    {"kind": "grass", "geometry": at(box(0, 0, 12, 12))})
    pitch, lawn, tennis, verge, patch = result["score"]
    assert pitch == 100.0
    assert 50 <= lawn <= 65
    assert 25 <= tennis <= 40
    assert verge < 20  # below the veto: a long run with no room beside it
    assert patch <= 10
    assert list(result["score"]) == sorted(result["score"], reverse=True)


def test_reasons_cite_the_run_and_the_area():
    result = scored({"geometry": at(box(0, 0, 105, 68))},
                    {"kind": "grass", "geometry": at(box(0, 0, 60, 6))},
                    {"kind": "grass", "geometry": at(box(0, 0, 12, 12))},
                    {"kind": "grass", "geometry": at(box(0, 0, 3, 40))})
    assert list(result["reason"]) == [
        "Longest straight run 120 m inside a 6,464 m² open area: room for end-to-end drills",
        "Longest straight run 56 m inside a 112 m² open area: too narrow to share, "
        "no room to run backwards",
        "Longest straight run 11 m inside a 64 m² open area: no room to run backwards",
        "No open ground 2 m inside its edge: no room to run backwards",
    ]
    assert list(result["longest_run_m"]) == [119.6, 56.0, 11.3, 0.0]
    assert list(result["usable_area_m2"]) == [6464.0, 112.0, 64.0, 0.0]
    assert list(result["score"])[3] == 0.0


def test_a_bigger_field_never_scores_lower():
    sides = [8, 14, 20, 30, 40, 60, 80, 120, 200]
    result = scored(*({"kind": "grass", "geometry": at(box(0, 0, s, s * 0.6))}
                      for s in sides))
    assert list(result["score"]) == sorted(result["score"])
    assert list(result["longest_run_m"]) == sorted(result["longest_run_m"])
    assert result["score"].iloc[0] == 0.0 and result["score"].iloc[-1] == 100.0


def test_the_tables_rise_from_no_room_to_full_room():
    for table in (RUN_TABLE, LAP_TABLE, AREA_TABLE):
        xs, ys = zip(*table)
        assert list(xs) == sorted(xs) and list(ys) == sorted(ys)
        assert ys[0] == 0.0 and ys[-1] == 100.0


def test_columns_index_and_evidence_follow_the_input():
    result = scored({"geometry": at(box(0, 0, 50, 30))},
                    {"kind": "track", "geometry": LineString([(X0, Y0), (X0 + 80, Y0)])},
                    index=pd.Index([17, 4]))
    assert list(result.columns) == COLUMNS
    assert list(result.index) == [17, 4]
    assert set(result["evidence"]) == {"measured"}
    assert result.dtypes["score"] == float and result.dtypes["longest_run_m"] == float


def test_empty_input_gives_an_empty_frame_with_the_columns():
    empty = gpd.GeoDataFrame({"kind": [], "width": []}, geometry=[], crs=CRS)
    result = score_room(empty, None)
    assert result.empty and list(result.columns) == COLUMNS
