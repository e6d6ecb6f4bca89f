"""Workout plans: totals that add up, the templates, own plans, and the tie to the venue."""

from __future__ import annotations

import math

import pytest

from venuefinder.errors import InputError
from venuefinder.sessions import plans as P
from venuefinder.sessions.plans import Plan, Step, VenueRoom, build_plan

from .features import track, venue

FIELD = VenueRoom("pitch", 110.0, 5000.0, None)
TRACK = VenueRoom("track", 400.0, 2000.0, 400.0)


def room(longest_run_m: float, kind: str = "pitch") -> VenueRoom:
    return VenueRoom(kind, longest_run_m, 1000.0, None)


# -- templates and totals -------------------------------------------------------------------

def test_first_steps_is_5_min_walking_then_6_by_1_min_with_1_min_recovery() -> None:
    plan = build_plan("first-steps", FIELD)
    walk, intervals = plan.steps
    assert (walk.seconds, walk.repeat, walk.pace) == (300, 1, "walk")
    assert (intervals.seconds, intervals.repeat, intervals.recovery_s, intervals.pace) == (
        60, 6, 60, "half")
    assert plan.total_s == 300 + 6 * (60 + 60) and plan.total_min == 17.0


@pytest.mark.parametrize("name", P.TEMPLATES)
def test_the_total_is_the_sum_of_the_steps(name: str) -> None:
    data = build_plan(name, FIELD, week=4).as_dict(FIELD)
    assert sum(s["total_s"] for s in data["steps"]) == data["total_s"]
    assert data["total_min"] == round(data["total_s"] / 60, 2)
    for step in data["steps"]:
        assert step["total_s"] == step["repeat"] * (step["seconds"] + step["recovery_s"])
        assert step["minutes"] == round(step["seconds"] / 60, 2)


def test_the_build_up_grows_about_ten_percent_a_week_then_holds() -> None:
    seconds = [build_plan("build-up", FIELD, week=w).steps[1].seconds for w in range(1, 15)]
    assert seconds[:4] == [60, 65, 75, 80]  # 60 × 1.1^(w-1), to 5 s: 60, 66, 72.6, 79.9
    assert all(b > a for a, b in zip(seconds[:11], seconds[1:12]))
    assert all(b <= a * 1.17 for a, b in zip(seconds[:11], seconds[1:12]))
    assert seconds[11] == 170 and seconds[12] == seconds[13] == 170  # week 12, then holds
    plan = build_plan("build-up", FIELD, week=3)
    assert plan.week == 3 and plan.title == "Build-up, week 3"
    assert plan.total_s == 300 + 6 * (75 + 60)


@pytest.mark.parametrize("week", [0, -1, 1.5, True])
def test_a_build_up_week_starts_at_one(week) -> None:
    with pytest.raises(InputError):
        P.build_up(week)


def test_the_yo_yo_runs_the_venues_longest_run() -> None:
    plan = build_plan("yo-yo", room(80.0))
    lengths = plan.steps[1]
    assert lengths.label.startswith("80 m forwards, then straight back backwards")
    # 80 m at 2.5 m/s plus 80 m at 1.5 m/s = 85.3 s, to 5 s.
    assert (lengths.seconds, lengths.repeat, lengths.recovery_s) == (85, 10, 30)
    assert plan.total_s == 300 + 10 * (85 + 30)


def test_the_yo_yo_is_a_pitchs_length_on_a_big_park() -> None:
    lengths = build_plan("yo-yo", room(250.0, "park")).steps[1]
    assert lengths.label.startswith("100 m forwards")
    assert "250 m" in lengths.label


def test_the_yo_yo_on_a_track_runs_its_straight() -> None:
    lengths = build_plan("yo-yo", TRACK).steps[1]
    assert lengths.label.startswith("84 m forwards")  # 400 m × 84.39/400
    assert "straight of this track" in lengths.label


def test_no_yo_yo_without_a_run() -> None:
    with pytest.raises(InputError, match="no straight run"):
        build_plan("yo-yo", room(0.0))


def test_an_unknown_template_is_refused() -> None:
    with pytest.raises(InputError, match="unknown plan"):
        build_plan("marathon", FIELD)


# -- own plans ------------------------------------------------------------------------------

def test_an_own_plan_adds_up() -> None:
    plan = build_plan([{"label": "Walk", "minutes": 4},
                       {"label": "Strides", "minutes": 0.5, "repeat": 8, "recovery_min": 1.5,
                        "pace": "half"},
                       {"label": "Chat", "minutes": 2.25}], FIELD)
    assert plan.name == "custom" and plan.title == "Own plan"
    assert plan.total_s == 240 + 8 * (30 + 90) + 135
    assert plan.as_dict()["total_min"] == 22.25


BAD_PLANS = {
    "not a list": "run fast",
    "empty": [],
    "not an object": ["walk"],
    "no label": [{"minutes": 5}],
    "blank label": [{"label": "  ", "minutes": 5}],
    "two-line label": [{"label": "a\nb", "minutes": 5}],
    "long label": [{"label": "x" * 81, "minutes": 5}],
    "no minutes": [{"label": "walk"}],
    "zero minutes": [{"label": "walk", "minutes": 0}],
    "negative minutes": [{"label": "walk", "minutes": -1}],
    "text minutes": [{"label": "walk", "minutes": "5"}],
    "bool minutes": [{"label": "walk", "minutes": True}],
    "NaN minutes": [{"label": "walk", "minutes": float("nan")}],
    "too long a step": [{"label": "walk", "minutes": 121}],
    "repeat 0": [{"label": "walk", "minutes": 1, "repeat": 0}],
    "fractional repeat": [{"label": "walk", "minutes": 1, "repeat": 1.5}],
    "long recovery": [{"label": "walk", "minutes": 1, "recovery_min": 31}],
    "unknown pace": [{"label": "walk", "minutes": 1, "pace": "sprint"}],
    "junk field": [{"label": "walk", "minutes": 1, "colour": "red"}],
    "too many steps": [{"label": "walk", "minutes": 1}] * 31,
    "over six hours": [{"label": "walk", "minutes": 100, "repeat": 4}],
}


@pytest.mark.parametrize("spec", BAD_PLANS.values(), ids=BAD_PLANS.keys())
def test_a_bad_own_plan_is_refused(spec) -> None:
    with pytest.raises(InputError):
        build_plan(spec, FIELD)


def test_the_stored_record_gives_the_same_plan() -> None:
    for plan in (build_plan("build-up", FIELD, week=5), build_plan("yo-yo", TRACK),
                 build_plan([{"label": "x", "minutes": 1.1, "pace": "walk"}], FIELD)):
        assert Plan.from_record(plan.to_record()) == plan


def test_plan_lines_end_with_the_total() -> None:
    lines = build_plan("first-steps", FIELD).lines()
    assert lines[0] == "First steps:"
    assert lines[2].endswith("6 × 1 min, 1 min walking recovery")
    assert lines[-1] == "Total 17 min"


@pytest.mark.parametrize("seconds, text", [
    (45, "45 s"), (60, "1 min"), (65, "1 min 5 s"), (1020, "17 min"), (3600, "1 h"),
    (3900, "1 h 5 min"), (3930, "1 h 5 min 30 s"), (0, "0 min")])
def test_durations_read_as_durations_never_as_clock_times(seconds: int, text: str) -> None:
    assert P.duration_text(seconds) == text


def test_a_long_plan_says_its_hours() -> None:
    plan = build_plan([{"label": "easy", "minutes": 40, "repeat": 2, "recovery_min": 5}],
                      FIELD)
    assert plan.lines()[1] == "- easy: 2 × 40 min, 5 min walking recovery"
    assert plan.lines()[-1] == "Total 1 h 30 min"


# -- tied to the venue ----------------------------------------------------------------------

def test_a_minute_at_half_speed_is_one_straight_of_a_400_m_track() -> None:
    interval = build_plan("first-steps", TRACK).steps[1]
    assert P.venue_hint(interval, TRACK) == (
        "1 min backwards at half speed ≈ 90 m ≈ one straight of this track (84 m each)")


def test_longer_distances_on_a_track_are_laps() -> None:
    assert TRACK.hint(480.0) == "1¼ laps of this 400 m track"
    assert TRACK.hint(400.0) == "one lap of this 400 m track"
    assert TRACK.hint(300.0) == "¾ lap of this 400 m track"
    assert TRACK.hint(240.0) == "3 straights of this track (84 m each)"


def test_on_a_field_distances_are_lengths_of_its_run() -> None:
    assert room(30.0).hint(90.0) == ("3 lengths of this venue's 30 m longest straight run, "
                                     "turning at each end")
    assert room(200.0).hint(90.0) == "half a length of this venue's 200 m longest straight run"
    assert room(60.0).hint(90.0).startswith("1½ lengths")
    assert room(0.0).hint(90.0) is None


def test_a_step_without_a_pace_has_no_hint() -> None:
    assert P.venue_hint(Step("Stretch", 120), FIELD) is None
    steps = build_plan("first-steps", FIELD).as_dict(FIELD)["steps"]
    assert [s["venue_hint"] is not None for s in steps] == [True, True]
    assert "venue_hint" not in build_plan("first-steps", FIELD).as_dict()["steps"][0]


def test_venue_room_from_feature_properties() -> None:
    loop = VenueRoom.of(track(400.0)["properties"])
    assert loop.lap_m == 400.0 and loop.is_track
    assert math.isclose(loop.straight_m, 84.39)
    field = VenueRoom.of(venue(longest_run_m=95.0, usable_area_m2=3000.0)["properties"])
    assert (field.kind, field.longest_run_m, field.usable_area_m2, field.lap_m) == (
        "pitch", 95.0, 3000.0, None)
    straight = VenueRoom.of(venue(kind="track", longest_run_m=100.0,
                                  room="100 m straight of track: room")["properties"])
    assert straight.lap_m is None and straight.straight_m == 100.0


def test_the_room_criterion_reason_says_which_tracks_are_loops() -> None:
    """VenueRoom.of reads the lap from the room criterion's own reason: if that wording
    changes, this test fails."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from venuefinder.scoring.room import score_room

    angles = np.linspace(0.0, 2.0 * np.pi, 200)
    radius = 400.0 / (2.0 * np.pi)
    oval = shapely.LineString(np.column_stack([385_000 + radius * np.cos(angles),
                                               6_672_000 + radius * np.sin(angles)]))
    straight = shapely.LineString([(386_000, 6_672_000), (386_100, 6_672_000)])
    venues = gpd.GeoDataFrame({"kind": ["track", "track"], "width": [None, None]},
                              geometry=[oval, straight], crs="EPSG:3067")
    scored = score_room(venues, None)  # type: ignore[arg-type]
    rooms = [VenueRoom.of({"kind": "track", "longest_run_m": row.longest_run_m,
                           "usable_area_m2": row.usable_area_m2,
                           "reasons": {"room": row.reason}}) for row in scored.itertuples()]
    assert rooms[0].lap_m is not None and math.isclose(rooms[0].lap_m, 400.0, rel_tol=0.01)
    assert rooms[1].lap_m is None and math.isclose(rooms[1].longest_run_m, 100.0)
