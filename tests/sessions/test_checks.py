"""The checks before publishing: fit, run, plan time, daylight, hazards, score."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from venuefinder.sessions import checks as C
from venuefinder.sessions.plans import VenueRoom, build_plan

from .features import track, venue

HELSINKI = ZoneInfo("Europe/Helsinki")
OSLO = ZoneInfo("Europe/Oslo")
HEL = (60.1699, 24.9384)
TROMSO = (69.6496, 18.9560)
FIELD = VenueRoom("pitch", 110.0, 1000.0, None)
TRACK = VenueRoom("track", 400.0, 2000.0, 400.0)


def at(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)


# -- fit ------------------------------------------------------------------------------------

@pytest.mark.parametrize("group, level", [(1, "ok"), (10, "ok"), (11, "warn"), (40, "warn"),
                                          (41, "refuse"), (200, "refuse")])
def test_field_drills_want_100_m2_a_runner_and_refuse_under_25(group: int, level: str
                                                               ) -> None:
    check = C.check_fit(FIELD, group, group)
    assert (check.name, check.level) == ("fit", level)
    assert check.reason.startswith("1,000 m² of usable area: room for 10 at 100 m² each")
    if level == "refuse":
        assert "far too small" in check.reason


def test_a_full_session_can_only_warn() -> None:
    check = C.check_fit(FIELD, 5, 20)  # 5 expected: fine; 20 places: 50 m² each
    assert check.level == "warn" and "at the full 20 places each gets 50 m²" in check.reason
    assert C.check_fit(FIELD, 5, 10).level == "ok"
    assert C.check_fit(FIELD, 5, 200).level == "warn"  # 5 m² each at capacity: still warn


def test_a_track_fits_lanes_times_lap() -> None:
    ok = C.check_fit(TRACK, 80, 80)  # 4 assumed lanes × 400 m = 1,600 m: 20 m each
    assert ok.level == "ok"
    assert ok.reason.startswith("1,600 m of lane (4 lanes × 400 m lap, lanes assumed): "
                                "room for 80")
    assert C.check_fit(TRACK, 81, 81).level == "warn"
    assert C.check_fit(TRACK, 321, 321).level == "refuse"
    known = C.check_fit(TRACK, 100, 100, lanes=8)
    assert known.level == "ok" and "assumed" not in known.reason
    straight = C.check_fit(VenueRoom("track", 60.0, 300.0, None), 13, 13)
    assert straight.level == "warn" and "4 lanes × 60 m straight" in straight.reason


def test_a_track_counts_its_mapped_lanes() -> None:
    """The venue's ``lanes`` (an int, or the tag's text) replaces the 4 assumed lanes."""
    start = at(HELSINKI, 2025, 6, 3, 12, 0)
    plan = build_plan("first-steps", TRACK)
    for lanes, says in ((8, "8 lanes × 400 m lap)"), ("6", "6 lanes × 400 m lap)"),
                        (None, "4 lanes × 400 m lap, lanes assumed)"),
                        ("many", "4 lanes × 400 m lap, lanes assumed)"),
                        (4, "4 lanes × 400 m lap)")):
        fit = C.session_checks(track(400.0, lanes=lanes)["properties"], *HEL, start, 60, 100,
                               100, plan)[0]
        assert says in fit.reason
    eight = C.session_checks(track(400.0, lanes=8)["properties"], *HEL, start, 60, 100, 100,
                             plan)[0]
    assert eight.level == "ok"  # 3,200 m of lane: 32 m each (4 assumed lanes: 16, tight)


def test_a_group_larger_than_the_places_warns() -> None:
    check = C.check_fit(FIELD, 8, 6)  # room for 10, but 6 places for the 8 expected
    assert check.level == "warn"
    assert "the 8 expected are more than the 6 places: 2 would wait on the waitlist" \
        in check.reason
    assert C.check_fit(FIELD, 6, 6).level == "ok"
    assert C.check_fit(FIELD, 50, 6).level == "refuse"  # far too small stays a refusal


def test_no_room_at_all_refuses() -> None:
    assert C.check_fit(VenueRoom("grass", 0.0, 0.0, None), 1, 1).level == "refuse"


# -- run and plan ---------------------------------------------------------------------------

@pytest.mark.parametrize("plan, run, level", [
    ("yo-yo", 25.0, "refuse"), ("yo-yo", 30.0, "warn"), ("yo-yo", 59.0, "warn"),
    ("yo-yo", 60.0, "ok"), ("first-steps", 14.0, "refuse"), ("first-steps", 20.0, "warn"),
    ("first-steps", 30.0, "ok"), ("build-up", 19.0, "refuse"), ("build-up", 39.0, "warn"),
    ("build-up", 40.0, "ok"),
])
def test_the_run_must_suit_the_plan(plan: str, run: float, level: str) -> None:
    venue_room = VenueRoom("pitch", run, 5000.0, None)
    check = C.check_run(venue_room, build_plan(plan, venue_room))
    assert (check.name, check.level) == ("run", level)
    assert check.reason.startswith(f"Longest straight run {run:.0f} m")


def test_on_a_track_the_yo_yo_needs_the_straight_and_intervals_the_lap() -> None:
    yo_yo = C.check_run(TRACK, build_plan("yo-yo", TRACK))
    assert yo_yo.level == "ok"
    assert yo_yo.reason.startswith("The straight of this 400 m track (≈ 84 m): room for")
    small = VenueRoom("track", 120.0, 600.0, 120.0)  # straight ≈ 25 m
    assert C.check_run(small, build_plan("yo-yo", small)).level == "refuse"
    assert C.check_run(small, build_plan("build-up", small)).level == "ok"  # a 120 m lap


def test_a_plan_longer_than_the_session_warns() -> None:
    plan = build_plan("first-steps", FIELD)  # 17 min
    assert C.check_plan(plan, 17).level == "ok"
    long = C.check_plan(plan, 15)
    assert long.level == "warn" and long.reason.startswith("The plan takes 17 min, longer")
    assert C.check_plan(plan, 65).reason == "The plan takes 17 min of the 1 h 5 min session"


# -- daylight -------------------------------------------------------------------------------

def _dark(check: C.Check) -> int:
    match = re.search(r"(\d+) of its \d+ min are after dark", check.reason)
    return int(match.group(1)) if match else 0


def test_midsummer_sunset_in_helsinki_is_at_22_50() -> None:
    """The almanac: on 21 June 2025 the sun sets in Helsinki at 22:50 (EEST)."""
    before = C.check_daylight(*HEL, at(HELSINKI, 2025, 6, 21, 21, 45),
                              at(HELSINKI, 2025, 6, 21, 22, 45), None)
    assert before.level == "ok" and before.reason.startswith("All in daylight")
    assert re.search(r"sunset 22:(49|50|51)", before.reason)
    after = C.check_daylight(*HEL, at(HELSINKI, 2025, 6, 21, 22, 0),
                             at(HELSINKI, 2025, 6, 21, 23, 0), None)
    assert after.level == "warn" and 9 <= _dark(after) <= 12
    assert "Europe/Helsinki time" in after.reason


def test_a_winter_evening_is_dark_and_a_lit_venue_is_fine() -> None:
    start, end = at(HELSINKI, 2025, 12, 3, 18, 0), at(HELSINKI, 2025, 12, 3, 19, 0)
    lit = C.check_daylight(*HEL, start, end, "yes")
    assert lit.level == "ok" and lit.reason.startswith("All of it is after dark")
    assert "the venue is lit (lit=yes)" in lit.reason
    unlit = C.check_daylight(*HEL, start, end, "no")
    assert unlit.level == "warn" and "not lit (lit=no)" in unlit.reason
    unknown = C.check_daylight(*HEL, start, end, None)
    assert unknown.level == "warn" and "nobody has mapped whether" in unknown.reason
    sometimes = C.check_daylight(*HEL, start, end, "Mo-Fr 06:00-21:00")
    assert sometimes.level == "warn" and "only at some times" in sometimes.reason
    assert C.check_daylight(*HEL, start, end, "24/7").level == "ok"


def test_a_session_across_sunrise_counts_only_the_dark_part() -> None:
    # Helsinki, 3 December: sunrise about 09:00.
    check = C.check_daylight(*HEL, at(HELSINKI, 2025, 12, 3, 8, 30),
                             at(HELSINKI, 2025, 12, 3, 9, 30), "no")
    assert check.level == "warn" and 25 <= _dark(check) <= 35
    assert re.search(r"sunrise 0[89]:\d\d", check.reason)


def test_a_session_across_midnight() -> None:
    check = C.check_daylight(*HEL, at(HELSINKI, 2025, 12, 3, 23, 30),
                             at(HELSINKI, 2025, 12, 4, 0, 30), None)
    assert check.reason.startswith("All of it is after dark")


def test_midnight_sun_and_polar_night() -> None:
    summer = C.check_daylight(*TROMSO, at(OSLO, 2025, 6, 21, 23, 30),
                              at(OSLO, 2025, 6, 22, 0, 30), None)
    assert summer.level == "ok" and "the sun does not set that day" in summer.reason
    winter = C.check_daylight(*TROMSO, at(OSLO, 2025, 12, 21, 12, 0),
                              at(OSLO, 2025, 12, 21, 13, 0), "no")
    assert winter.level == "warn" and winter.reason.startswith("All of it is after dark")
    assert "the sun does not rise that day" in winter.reason


# -- hazards and score ----------------------------------------------------------------------

def test_open_hazard_reports_warn_and_are_named() -> None:
    none = C.check_hazards(venue()["properties"])
    assert none.level == "ok"
    two = C.check_hazards(venue(hazard_count=2, hazards="pothole, high, today; glass or "
                                "debris, low, 2 days ago")["properties"])
    assert two.level == "warn"
    assert two.reason.startswith("2 open hazard reports at the venue: pothole, high, today")
    unread = C.check_hazards(venue(hazard_count=None)["properties"])
    assert unread.level == "warn" and "could not be read" in unread.reason


@pytest.mark.parametrize("kwargs, level, text", [
    (dict(score=82.0, confidence=75.0), "ok", "Venue score 82/100 (among the safest), "
                                             "confidence 75 %"),
    (dict(score=60.0), "warn", "(fair)"),
    (dict(score=50.0), "warn", "(fair)"),
    (dict(score=80.0, confidence=30.0), "warn", "mostly guessed"),
])
def test_the_venue_score_and_confidence(kwargs: dict, level: str, text: str) -> None:
    check = C.check_score(venue(**kwargs)["properties"])
    assert check.level == level and text in check.reason


def test_a_venue_below_50_is_refused_naming_its_weakest_criterion() -> None:
    props = venue(score=0.0, scores={"traffic": 5.0, "flatness": 40.0, "room": 60.0})[
        "properties"]
    check = C.check_score(props)
    assert check.level == "refuse"
    assert check.reason.startswith("Venue score 0/100 (poor)")
    assert "its weakest criterion is traffic (5/100): Busy road 20 m away" in check.reason
    assert "choose another venue" in check.reason
    assert C.check_score(venue(score=49.9)["properties"]).level == "refuse"


def test_a_vetoed_venue_is_refused_whatever_its_score() -> None:
    check = C.check_score(venue(score=80.0, vetoed_by="traffic")["properties"])
    assert check.level == "refuse"
    assert "held down by traffic (70/100): Busy road 20 m away" in check.reason


@pytest.mark.parametrize("sport, says", [
    ("tennis", "A net crosses the tennis court"),
    ("soccer;basketball", "A hoop on a post stands at each end of the basketball court")])
def test_a_court_is_refused_naming_its_net_or_hoops(sport: str, says: str) -> None:
    """Whatever criterion is weakest, a court's check says what stands on it."""
    props = venue(score=45.0, sport=sport, obstacles=f"{says}, 2 benches",
                  scores={"traffic": 20.0, "obstacles": 30.0})["properties"]
    check = C.check_score(props)
    assert check.level == "refuse"
    assert f"{says}, 2 benches; its weakest criterion is traffic (20/100)" in check.reason
    weakest = venue(score=45.0, sport=sport, obstacles=says,
                    scores={"traffic": 90.0, "obstacles": 30.0})["properties"]
    assert C.check_score(weakest).reason.count(says) == 1
    # Not a court: a football pitch names only its weakest criterion.
    pitch = venue(score=45.0, sport="soccer", scores={"traffic": 90.0, "obstacles": 30.0})
    assert "its weakest criterion is obstacles (30/100): 2 benches" in \
        C.check_score(pitch["properties"]).reason


# -- together -------------------------------------------------------------------------------

def test_every_check_in_order_with_the_worst_level() -> None:
    props = track(400.0, lit="no", hazard_count=1, hazards="glass or debris, low, today")[
        "properties"]
    checks = C.session_checks(props, *HEL, at(HELSINKI, 2025, 12, 3, 18, 0), 60, 12, 20,
                              build_plan("yo-yo", VenueRoom.of(props)))
    assert [c.name for c in checks] == list(C.CHECK_NAMES)
    assert {c.name: c.level for c in checks} == {
        "fit": "ok", "run": "ok", "plan": "ok", "daylight": "warn", "hazards": "warn",
        "score": "ok"}
    assert C.worst(checks) == "warn" and C.refusals(checks) == []
    assert checks[0].as_dict() == {"name": "fit", "level": "ok", "reason": checks[0].reason}
    tiny = C.session_checks(venue(usable_area_m2=200.0)["properties"], *HEL,
                            at(HELSINKI, 2025, 6, 3, 18, 0), 60, 20, 20,
                            build_plan("first-steps", FIELD))
    assert C.worst(tiny) == "refuse" and [c.name for c in C.refusals(tiny)] == ["fit"]
    assert C.worst([]) == "ok"
    poor = C.session_checks(venue(score=0.0)["properties"], *HEL,
                            at(HELSINKI, 2025, 6, 3, 18, 0), 60, 10, 20,
                            build_plan("first-steps", FIELD))
    assert [c.name for c in C.refusals(poor)] == ["score"]


# -- the suggested start --------------------------------------------------------------------

@pytest.mark.parametrize("where, zone, month, expected", [
    (HEL, HELSINKI, 6, (10, 0)),  # long days: 10:00
    (HEL, HELSINKI, 12, (10, 30)),  # sunrise about 09:24: light an hour before the start
    (TROMSO, OSLO, 1, (11, 45)),  # about two hours of light: solar noon
    (TROMSO, OSLO, 12, (11, 30)),  # polar night: solar noon, its lightest
])
def test_the_suggested_start_is_tomorrow_in_daylight_at_the_venue(where, zone, month,
                                                                  expected) -> None:
    now = at(ZoneInfo("UTC"), 2025, month, 20, 12, 0)
    start = C.daylight_start(*where, zone, now)
    assert (start.date().day, (start.hour, start.minute)) == (21, expected)
    assert start.tzinfo is zone
    if where == HEL:  # a two-hour session from it is all in daylight, even unlit
        daylight = C.check_daylight(*where, start, start + C.LIGHT_AFTER, "no")
        assert daylight.level == "ok" and daylight.reason.startswith("All in daylight")


def test_tomorrow_is_the_venues() -> None:
    late = at(ZoneInfo("UTC"), 2025, 6, 1, 23, 30)  # 02:30 on 2 June in Helsinki
    assert C.daylight_start(*HEL, HELSINKI, late) == at(HELSINKI, 2025, 6, 3, 10, 0)
