"""Clubs, sessions and sign-ups in the store, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from zoneinfo import ZoneInfo

import icalendar
import pytest
from sqlalchemy import event, func, inspect, select, text, update
from sqlalchemy.exc import IntegrityError

from venuefinder.errors import ForbiddenError, InputError, NotFoundError
from venuefinder.sessions.ical import calendar
from venuefinder.store import sessions as S
from venuefinder.store.sessions import service
from venuefinder.store.db import Store, downgrade, upgrade
from venuefinder.store.models import Club, ClubSession, Signup

from ..sessions.features import track, venue
from .conftest import NOW

HELSINKI = ZoneInfo("Europe/Helsinki")
START = "2025-06-03T18:00"  # a Tuesday, 2 days after NOW, in daylight
FIELD = venue()


@pytest.fixture
def db(store: Store) -> Store:
    """The store, with the session tables empty on PostgreSQL too (the shared fixture
    empties the hazard tables only)."""
    if not store.is_sqlite:
        with store.engine.begin() as connection:
            connection.execute(text("TRUNCATE session_signups, club_sessions, clubs "
                                    "RESTART IDENTITY CASCADE"))
    return store


def make(store: Store, feature: dict = FIELD, **overrides: Any) -> S.NewSession:
    fields = dict(title="Backwards on Tuesdays", start=START, duration_min=60,
                  group_size=10, capacity=20, plan="first-steps", now=NOW)
    fields.update(overrides)
    return S.create_session(store, feature, **fields)


def rows(store: Store, model=ClubSession, **where: Any) -> list:
    with store.read() as session:
        return list(session.scalars(select(model).filter_by(**where).order_by(model.id)))


def statuses(store: Store, slug: str) -> dict[str, list[int]]:
    """Sign-up ids by status (cancelled included), in sign-up order."""
    with store.read() as session:
        session_id = session.scalar(select(ClubSession.id).where(ClubSession.slug == slug))
        found = session.execute(select(Signup.status, Signup.id).where(
            Signup.session_id == session_id).order_by(Signup.id)).all()
    out: dict[str, list[int]] = {"confirmed": [], "waitlisted": [], "cancelled": []}
    for status, signup_id in found:
        out[status].append(signup_id)
    return out


# -- clubs ----------------------------------------------------------------------------------

def test_a_club_gets_a_readable_unique_slug_and_a_secret_token(db: Store) -> None:
    first = S.create_club(db, "  Töölö Backwards Runners! ", NOW)
    second = S.create_club(db, "Töölö Backwards Runners!", NOW)
    assert first.club.name == "Töölö Backwards Runners!"
    assert first.club.slug.startswith("toolo-backwards-runners-")
    assert len(first.club.slug) == len("toolo-backwards-runners-") + 6
    assert first.club.slug != second.club.slug
    assert len(first.edit_token) >= 43 and first.edit_token != second.edit_token
    [row, _] = rows(db, Club)
    assert row.token_hash == hashlib.sha256(first.edit_token.encode()).hexdigest()
    assert S.get_club(db, first.club.slug) == first.club
    assert S.create_club(db, "Бег назад", NOW).club.slug.startswith("club-")


@pytest.mark.parametrize("name", ["", "   ", "a\nb", "x" * 81, None, 5, "a\x00b", "\u202e"])
def test_a_bad_club_name_is_refused(db: Store, name) -> None:
    with pytest.raises(InputError):
        S.create_club(db, name, NOW)
    assert rows(db, Club) == []


@pytest.mark.parametrize("slug", ["nope-123456", "../etc", "", "A" * 70, None])
def test_an_unknown_club_is_not_found(db: Store, slug) -> None:
    with pytest.raises(NotFoundError):
        S.get_club(db, slug)


# -- creating sessions ----------------------------------------------------------------------

def test_a_session_keeps_the_venue_its_zone_and_the_plan(db: Store) -> None:
    new = make(db, meeting_point={"lat": 60.17505, "lon": 24.94505},
               meeting_note="The gate in the venue's fence", notes="Water!")
    s = new.session
    assert len(s.slug) == 12 and s.series == s.slug and s.occurrence == 1
    assert s.start == datetime(2025, 6, 3, 18, 0, tzinfo=HELSINKI)
    assert s.start.utcoffset() == timedelta(hours=3) and s.tz == "Europe/Helsinki"
    assert s.end - s.start == timedelta(minutes=60)
    assert (s.venue_id, s.venue_name) == ("way/100", "Kaisaniemi field")
    assert s.meeting == (60.17505, 24.94505) and s.notes == "Water!"
    assert s.plan.name == "first-steps" and s.plan.total_min == 17.0
    assert (s.capacity, s.group_size, s.confirmed, s.status, s.version) == (
        20, 10, 0, "scheduled", 1)
    assert [c.name for c in new.checks] == ["fit", "run", "plan", "daylight", "hazards",
                                           "score"]
    assert all(c.level == "ok" for c in new.checks)
    detail = S.get_session(db, s.slug)
    assert detail.session == s and detail.signups == ()
    [row] = rows(db)
    assert row.token_hash == hashlib.sha256(new.edit_token.encode()).hexdigest()


def test_an_unnamed_venue_is_called_by_its_label_in_the_calendar_too(db: Store) -> None:
    s = make(db, venue(name=None)).session
    assert s.venue_name == "Football pitch in Kaisaniemen puisto"
    event = icalendar.Calendar.from_ical(calendar([s.event()], "s")).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == "Football pitch in Kaisaniemen puisto"


def test_a_named_venue_is_called_by_its_label_on_pages_and_in_the_calendar(db: Store) -> None:
    """``venue_name`` stays the OSM name (the JSON's ``venue.name``); the label is kept
    beside it and is what the pages and the calendar's LOCATION say."""
    label = "Töölön kenttä — football pitch"
    s = make(db, venue(name="Töölön kenttä", label=label)).session
    assert (s.venue_name, s.venue_label, s.venue_called) == ("Töölön kenttä", label, label)
    event = icalendar.Calendar.from_ical(calendar([s.event()], "s")).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == label
    assert S.get_session(db, s.slug).as_dict()["venue"] == {
        "id": "way/100", "name": "Töölön kenttä", "label": label, "lat": s.lat, "lon": s.lon}


def test_a_session_made_before_labels_were_kept_shows_its_name(db: Store) -> None:
    slug = make(db).session.slug
    downgrade(db, "0002")  # no venue_label column: as before labels were kept
    upgrade(db)
    s = S.get_session(db, slug).session
    assert s.venue_label is None and s.venue_called == "Kaisaniemi field"
    assert s.as_dict()["venue"]["label"] == "Kaisaniemi field"
    event = icalendar.Calendar.from_ical(calendar([s.event()], "s")).walk("VEVENT")[0]
    assert str(event["LOCATION"]) == "Kaisaniemi field"


def test_a_start_with_an_offset_is_shown_in_the_venues_zone(db: Store) -> None:
    s = make(db, start="2025-06-03T15:00:00Z").session
    assert s.start.isoformat() == "2025-06-03T18:00:00+03:00"


def test_a_weekly_build_up_series_grows_week_by_week(db: Store) -> None:
    club = S.create_club(db, "Kaisaniemi Backwards", NOW)
    new = make(db, plan="build-up", repeat_weeks=4, club=club.club.slug,
               club_token=club.edit_token)
    assert [o.occurrence for o in new.occurrences] == [1, 2, 3, 4]
    assert {o.series for o in new.occurrences} == {new.session.slug}
    assert len({o.slug for o in new.occurrences}) == 4
    assert [o.start.day for o in new.occurrences] == [3, 10, 17, 24]
    assert [o.plan.week for o in new.occurrences] == [1, 2, 3, 4]
    assert [o.plan.steps[1].seconds for o in new.occurrences] == [60, 65, 75, 80]
    found, listed = S.club_sessions(db, club.club.slug, NOW)
    assert found == club.club and [o.slug for o in listed] == [o.slug for o in new.occurrences]
    assert all(o.club == club.club.slug for o in listed)
    # One edit token for the series.
    S.update_session(db, new.occurrences[3].slug, new.edit_token, FIELD, now=NOW, title="Last")
    later = datetime(2025, 6, 10, 15, 30, tzinfo=timezone.utc)  # the second is under way
    assert [o.occurrence for o in S.club_sessions(db, club.club.slug, later)[1]] == [2, 3, 4]


def test_a_club_session_needs_the_clubs_token(db: Store) -> None:
    club = S.create_club(db, "Kaisaniemi Backwards", NOW)
    for token in (None, "", "wrong", S.create_club(db, "Other", NOW).edit_token):
        with pytest.raises(ForbiddenError):
            make(db, club=club.club.slug, club_token=token)
    with pytest.raises(NotFoundError):
        make(db, club="no-such-club-123456", club_token=club.edit_token)
    assert rows(db) == []


BAD_SESSIONS = {
    "start in the past": dict(start="2025-05-31T18:00"),
    "start not a time": dict(start="next tuesday"),
    "group size 0": dict(group_size=0),
    "group size 10,000": dict(group_size=10_000),
    "group size text": dict(group_size="10"),
    "capacity 0": dict(capacity=0),
    "capacity 201": dict(capacity=201),
    "capacity float": dict(capacity=20.5),
    "duration 5": dict(duration_min=5),
    "duration 361": dict(duration_min=361),
    "no title": dict(title="  "),
    "two-line title": dict(title="a\nb"),
    "long title": dict(title="x" * 121),
    "long notes": dict(notes="x" * 2001),
    "control character in notes": dict(notes="a\x00b"),
    "NUL in the title": dict(title="a\x00b"),
    "NUL in the meeting note": dict(meeting_note="gate\x00"),
    "bidi controls alone as a title": dict(title=" \u202e\u2066\u2069 "),
    "unknown plan": dict(plan="marathon"),
    "junk in a step": dict(plan=[{"label": "walk", "minutes": 5, "speed": 9}]),
    "meeting point 2 km away": dict(meeting_point={"lat": 60.193, "lon": 24.945}),
    "meeting point junk": dict(meeting_point={"lat": 60.175, "lon": 24.945, "x": 1}),
    "meeting point text": dict(meeting_point={"lat": "60.175", "lon": 24.945}),
    "repeat 0 weeks": dict(repeat_weeks=0),
    "repeat 53 weeks": dict(repeat_weeks=53),
    "far too small": dict(group_size=41),  # 1,000 m² / 41 runners: under 25 m² each
}


@pytest.mark.parametrize("bad", BAD_SESSIONS.values(), ids=BAD_SESSIONS.keys())
def test_bad_input_raises_and_stores_nothing(db: Store, bad: dict) -> None:
    feature = venue(usable_area_m2=1000.0)  # room for 10; 41 get under 25 m² each
    with pytest.raises(InputError):
        make(db, feature, **bad)
    assert rows(db) == []


def test_text_is_kept_as_the_one_rule_makes_it(db: Store) -> None:
    """Line breaks as line feeds (a browser sends CRLF; CR was refused), unpaired bidi
    controls removed (a display name with a right-to-left override turned the page's own
    words around it), NUL refused before anything is stored (PostgreSQL's text cannot
    hold it)."""
    new = make(db, notes="Bring water.\r\nMeet early.\rThanks", title="Run \u202eback")
    assert new.session.notes == "Bring water.\nMeet early.\nThanks"
    assert new.session.title == "Run back"
    changed = S.update_session(db, new.session.slug, new.edit_token, notes="a\r\nb", now=NOW)
    assert changed.session.notes == "a\nb"
    signup = S.sign_up(db, new.session.slug, "Alice \u202e(needs a spotter)", "can_spot",
                       now=NOW)
    assert signup.signup.name == "Alice (needs a spotter)"
    assert S.sign_up(db, new.session.slug, "\u2067Dana\u2069", "can_spot",
                     now=NOW).signup.name == "\u2067Dana\u2069"
    for bad in ("Al\x00ice", "\u202e "):
        with pytest.raises(InputError):
            S.sign_up(db, new.session.slug, bad, "can_spot", now=NOW)
    with pytest.raises(InputError, match="control characters"):
        S.update_session(db, new.session.slug, new.edit_token, notes="a\x00", now=NOW)
    assert len(rows(db, Signup)) == 2
    assert rows(db)[0].notes == "a\nb"


def test_a_venue_far_too_small_is_refused_with_its_reason(db: Store) -> None:
    with pytest.raises(InputError, match=r"cannot publish this session: fit: .*far too "
                                         r"small"):
        make(db, venue(usable_area_m2=200.0), group_size=20, capacity=20)
    with pytest.raises(InputError, match=r"run: .*too short for the yo-yo"):
        make(db, venue(longest_run_m=25.0), plan="yo-yo")
    assert rows(db) == []
    tight = make(db, venue(usable_area_m2=800.0), group_size=10)  # 80 m² each: warns only
    assert {c.name: c.level for c in tight.checks}["fit"] == "warn"


def test_a_poor_or_vetoed_venue_is_refused_with_its_reason(db: Store) -> None:
    """A 0/100 park is not published with a warning: it is refused, naming why."""
    with pytest.raises(InputError, match=r"cannot publish this session: score: Venue score "
                                         r"0/100 \(poor\).*its weakest criterion is traffic"):
        make(db, venue(kind="park", score=0.0, scores={"traffic": 0.0, "room": 60.0}))
    with pytest.raises(InputError, match=r"score: .*held down by traffic"):
        make(db, venue(score=80.0, vetoed_by="traffic"))
    with pytest.raises(InputError, match=r"A net crosses the tennis court"):
        make(db, venue(score=45.0, sport="tennis", obstacles="A net crosses the tennis court",
                       scores={"obstacles": 30.0, "traffic": 90.0}))
    assert rows(db) == []


def test_a_tracks_mapped_lanes_make_room_for_the_group(db: Store) -> None:
    """100 runners on a 400 m track: 16 m of lane each on 4 assumed lanes (tight), 32 m on
    its 8 mapped lanes."""
    assumed = make(db, track(400.0), group_size=100, capacity=100).checks[0]
    assert assumed.level == "warn" and "4 lanes × 400 m lap, lanes assumed" in assumed.reason
    mapped = make(db, track(400.0, lanes=8), group_size=100, capacity=100)
    assert mapped.checks[0].level == "ok" and "8 lanes × 400 m lap)" in mapped.checks[0].reason
    shown = mapped.session.checks(track(400.0, lanes="8"))[0]
    assert shown.level == "ok"


def test_a_group_larger_than_the_places_is_warned(db: Store) -> None:
    fit = make(db, group_size=12, capacity=10).checks[0]
    assert fit.level == "warn" and "2 would wait on the waitlist" in fit.reason


def test_a_feature_that_is_not_a_venue_is_refused(db: Store) -> None:
    for feature in ({}, {"properties": {"id": "123"}, "geometry": FIELD["geometry"]},
                    {"properties": FIELD["properties"]}):
        with pytest.raises(InputError):
            make(db, feature)


def test_text_is_kept_as_given(db: Store) -> None:
    new = make(db, title="<script>alert(1)</script>", notes="<b>bold</b>\nline two")
    signup = S.sign_up(db, new.session.slug, "<script>x</script>", "can_spot", NOW)
    detail = S.get_session(db, new.session.slug)
    assert detail.session.title == "<script>alert(1)</script>"
    assert detail.session.notes == "<b>bold</b>\nline two"
    assert detail.signups[0].name == signup.signup.name == "<script>x</script>"


# -- sign-ups -------------------------------------------------------------------------------

def test_beyond_capacity_sign_ups_are_waitlisted(db: Store) -> None:
    slug = make(db, capacity=3).session.slug
    taken = [S.sign_up(db, slug, f"runner {i}", "can_spot", NOW) for i in range(5)]
    assert [t.signup.status for t in taken] == ["confirmed"] * 3 + ["waitlisted"] * 2
    assert [t.waitlist_position for t in taken] == [None, None, None, 1, 2]
    assert len({t.cancel_token for t in taken}) == 5
    detail = S.get_session(db, slug)
    assert detail.session.confirmed == 3
    assert [s.name for s in detail.signups] == [f"runner {i}" for i in range(5)]


def test_the_waitlist_has_an_end(db: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(service, "MAX_WAITLIST", 2)
    slug = make(db, capacity=1).session.slug
    for i in range(3):
        S.sign_up(db, slug, f"r{i}", "can_spot", NOW)
    with pytest.raises(InputError, match="waitlist"):
        S.sign_up(db, slug, "one too many", "can_spot", NOW)
    assert len(S.get_session(db, slug).signups) == 3


def test_cancelling_a_confirmed_place_promotes_the_first_waitlisted(db: Store) -> None:
    slug = make(db, capacity=2).session.slug
    taken = [S.sign_up(db, slug, f"r{i}", "can_spot", NOW) for i in range(4)]
    done = S.cancel_signup(db, slug, taken[0].signup.id, taken[0].cancel_token, NOW)
    assert done.signup.status == "cancelled"
    assert [p.id for p in done.promoted] == [taken[2].signup.id]
    # A waitlisted sign-up leaving frees no place.
    done = S.cancel_signup(db, slug, taken[3].signup.id, taken[3].cancel_token, NOW)
    assert done.promoted == ()
    again = S.cancel_signup(db, slug, taken[3].signup.id, taken[3].cancel_token, NOW)
    assert again.signup.status == "cancelled" and again.promoted == ()
    assert statuses(db, slug) == {"confirmed": [taken[1].signup.id, taken[2].signup.id],
                                  "waitlisted": [],
                                  "cancelled": [taken[0].signup.id, taken[3].signup.id]}
    assert S.get_session(db, slug).session.confirmed == 2


def test_the_cancel_token_rules(db: Store) -> None:
    new = make(db)
    other = make(db)
    mine = S.sign_up(db, new.session.slug, "me", "can_spot", NOW)
    theirs = S.sign_up(db, new.session.slug, "them", "can_spot", NOW)
    for token in (None, "", "x" * 300, theirs.cancel_token, other.edit_token):
        with pytest.raises(ForbiddenError):
            S.cancel_signup(db, new.session.slug, mine.signup.id, token, NOW)
    with pytest.raises(NotFoundError):  # a sign-up of another session
        S.cancel_signup(db, other.session.slug, mine.signup.id, mine.cancel_token, NOW)
    with pytest.raises(NotFoundError):
        S.cancel_signup(db, new.session.slug, 999, mine.cancel_token, NOW)
    # The organiser's edit token may cancel anyone's.
    S.cancel_signup(db, new.session.slug, theirs.signup.id, new.edit_token, NOW)
    S.cancel_signup(db, new.session.slug, mine.signup.id, mine.cancel_token, NOW)
    assert S.get_session(db, new.session.slug).signups == ()


@pytest.mark.parametrize("name, role", [("", "can_spot"), ("a\tb", "can_spot"),
                                        ("x" * 41, "can_spot"), (None, "can_spot"),
                                        ("Ann", "coach"), ("Ann", None)])
def test_a_bad_sign_up_is_refused(db: Store, name, role) -> None:
    slug = make(db).session.slug
    with pytest.raises(InputError):
        S.sign_up(db, slug, name, role, NOW)
    assert rows(db, Signup) == []


def test_no_sign_ups_to_a_cancelled_or_started_session(db: Store) -> None:
    new = make(db)
    started = datetime(2025, 6, 3, 15, 0, tzinfo=timezone.utc)  # 18:00 in Helsinki
    with pytest.raises(InputError, match="started"):
        S.sign_up(db, new.session.slug, "late", "can_spot", started)
    S.cancel_session(db, new.session.slug, new.edit_token, NOW)
    with pytest.raises(InputError, match="cancelled"):
        S.sign_up(db, new.session.slug, "Ann", "can_spot", NOW)
    for slug in ("AAAAAAAAAAAA", "short", "../../etc/pa", None):
        with pytest.raises(NotFoundError):
            S.sign_up(db, slug, "Ann", "can_spot", NOW)


def test_runners_are_paired_with_spotters_in_sign_up_order(db: Store) -> None:
    slug = make(db, capacity=5).session.slug
    roles = ["needs_spotter", "needs_spotter", "can_spot", "needs_spotter", "can_spot",
             "can_spot"]  # the last is waitlisted: not paired
    taken = [S.sign_up(db, slug, f"p{i}", role, NOW) for i, role in enumerate(roles)]
    assert taken[2].pair.name == "p0" and taken[4].pair.name == "p1"
    assert taken[3].pair is None and taken[5].pair is None
    data = S.get_session(db, slug).as_dict(FIELD)
    assert data["pairs"] == [{"needs_spotter": "p0", "can_spot": "p2"},
                             {"needs_spotter": "p1", "can_spot": "p4"}]
    assert data["unpaired"] == 1 and data["spare_spotters"] == 0
    # p0 leaves: p1 keeps p4; p0's spotter p2 is free for p3; p5 is promoted, spare.
    S.cancel_signup(db, slug, taken[0].signup.id, taken[0].cancel_token, NOW)
    data = S.get_session(db, slug).as_dict(FIELD)
    assert data["pairs"] == [{"needs_spotter": "p1", "can_spot": "p4"},
                             {"needs_spotter": "p3", "can_spot": "p2"}]
    assert data["unpaired"] == 0 and data["spare_spotters"] == 1
    assert data["spotter_left"] == []


def test_a_confirmed_pair_never_changes_while_both_stay(db: Store) -> None:
    """Whoever else leaves or comes, in any order."""
    slug = make(db, capacity=8).session.slug
    names = [("Ann", "needs_spotter"), ("Bea", "needs_spotter"), ("Cy", "can_spot"),
             ("Dan", "can_spot"), ("Eve", "needs_spotter"), ("Fay", "can_spot")]
    taken = {n: S.sign_up(db, slug, n, role, NOW) for n, role in names}
    pairs = lambda: {p["needs_spotter"]: p["can_spot"]  # noqa: E731
                     for p in S.get_session(db, slug).as_dict()["pairs"]}
    assert pairs() == {"Ann": "Cy", "Bea": "Dan", "Eve": "Fay"}
    S.cancel_signup(db, slug, taken["Ann"].signup.id, taken["Ann"].cancel_token, NOW)
    assert pairs() == {"Bea": "Dan", "Eve": "Fay"}  # not Bea with Cy, Eve with Dan
    S.sign_up(db, slug, "Gus", "needs_spotter", NOW)
    assert pairs() == {"Bea": "Dan", "Eve": "Fay", "Gus": "Cy"}


def test_when_a_spotter_cancels_the_page_says_whose_and_the_next_free_spotter_pairs(
        db: Store) -> None:
    new = make(db, capacity=4)
    slug = new.session.slug
    bea = S.sign_up(db, slug, "Bea", "needs_spotter", NOW)
    cy = S.sign_up(db, slug, "Cy", "can_spot", NOW)
    ann = S.sign_up(db, slug, "Ann", "needs_spotter", NOW)
    dan = S.sign_up(db, slug, "Dan", "can_spot", NOW)
    S.sign_up(db, slug, "Fay", "can_spot", NOW)  # waitlisted: the 5th of 4 places
    assert (cy.pair.name, dan.pair.name) == ("Bea", "Ann")
    done = S.cancel_signup(db, slug, cy.signup.id, cy.cancel_token, NOW)
    assert [p.name for p in done.promoted] == ["Fay"]
    detail = S.get_session(db, slug)
    data = detail.as_dict()
    assert data["spotter_left"] == ["Bea"]
    assert data["pairs"] == [{"needs_spotter": "Bea", "can_spot": "Fay"},
                             {"needs_spotter": "Ann", "can_spot": "Dan"}]
    assert detail.spotter_left == (bea.signup.id,) and ann.signup.id not in detail.spotter_left
    # Fay leaves too and nobody is free: Bea waits, and the page still says why.
    fay = next(s for s in detail.signups if s.name == "Fay")
    S.cancel_signup(db, slug, fay.id, new.edit_token, NOW)
    data = S.get_session(db, slug).as_dict()
    assert data["spotter_left"] == ["Bea"] and data["unpaired"] == 1
    assert data["pairs"] == [{"needs_spotter": "Ann", "can_spot": "Dan"}]


def test_the_api_views_of_what_was_made(db: Store) -> None:
    club = S.create_club(db, "Club", NOW)
    assert club.as_dict() == {"slug": club.club.slug, "name": "Club",
                              "edit_token": club.edit_token}
    new = make(db, capacity=1, repeat_weeks=2)
    data = new.as_dict()
    assert data["slug"] == new.session.slug and data["edit_token"] == new.edit_token
    assert data["occurrences"] == [o.slug for o in new.occurrences]
    assert [c["name"] for c in data["checks"]][0] == "fit"
    first = S.sign_up(db, new.session.slug, "Ann", "needs_spotter", NOW)
    second = S.sign_up(db, new.session.slug, "Bob", "can_spot", NOW)
    assert first.as_dict() == {"id": first.signup.id, "name": "Ann", "role": "needs_spotter",
                               "status": "confirmed", "pair": None, "waitlist_position": None,
                               "cancel_token": first.cancel_token}
    assert second.as_dict()["status"] == "waitlisted"
    assert second.as_dict()["waitlist_position"] == 1
    done = S.cancel_signup(db, new.session.slug, first.signup.id, first.cancel_token, NOW)
    assert done.as_dict()["status"] == "cancelled"
    assert [p["name"] for p in done.as_dict()["promoted"]] == ["Bob"]


def test_the_api_view_of_a_session(db: Store) -> None:
    new = make(db, feature=track(400.0))
    S.sign_up(db, new.session.slug, "Ann", "needs_spotter", NOW)
    detail = S.get_session(db, new.session.slug)
    feature = track(400.0, hazard_count=1, hazards="glass or debris, low, today")
    data = detail.as_dict(feature, detail.session.checks(feature))
    assert data["start"] == "2025-06-03T18:00:00+03:00" and data["tz"] == "Europe/Helsinki"
    assert data["plan"]["total_min"] == 17.0 and data["plan"]["total_s"] == 1020
    assert data["plan"]["steps"][1]["venue_hint"].endswith(
        "one straight of this track (84 m each)")
    assert {c["name"]: c["level"] for c in data["checks"]}["hazards"] == "warn"
    assert data["signups"] == [{"id": 1, "name": "Ann", "role": "needs_spotter",
                                "status": "confirmed"}]
    assert data["unpaired"] == 1 and "token_hash" not in str(data)


# -- editing and cancelling -----------------------------------------------------------------

def test_only_the_edit_token_edits_or_cancels(db: Store) -> None:
    new = make(db)
    other = make(db)
    for token in (None, "", "nope", other.edit_token):
        with pytest.raises(ForbiddenError):
            S.update_session(db, new.session.slug, token, FIELD, now=NOW, title="Hijack")
        with pytest.raises(ForbiddenError):
            S.cancel_session(db, new.session.slug, token, NOW)
    assert S.get_session(db, new.session.slug).session == new.session


def test_an_edit_changes_only_what_it_names(db: Store) -> None:
    new = make(db, notes="keep me", meeting_point={"lat": 60.1751, "lon": 24.9451})
    detail = S.update_session(db, new.session.slug, new.edit_token, FIELD, now=NOW,
                              title="Yo-yo night", plan="yo-yo", start="2025-06-04T19:30",
                              duration_min=45)
    s = detail.session
    assert (s.title, s.plan.name, s.duration_min, s.version) == ("Yo-yo night", "yo-yo", 45, 2)
    assert s.start == datetime(2025, 6, 4, 19, 30, tzinfo=HELSINKI)
    assert s.end == s.start + timedelta(minutes=45)
    assert s.notes == "keep me" and s.meeting == (60.1751, 24.9451)
    # Without the venue: anything but the plan, the group size and a meeting point.
    cleared = S.update_session(db, new.session.slug, new.edit_token, now=NOW,
                               meeting_point=None, notes=None).session
    assert cleared.meeting is None and cleared.notes is None and cleared.version == 3
    for change in (dict(plan="build-up"), dict(group_size=5),
                   dict(meeting_point={"lat": 60.1751, "lon": 24.9451})):
        with pytest.raises(InputError, match="needs the venue"):
            S.update_session(db, new.session.slug, new.edit_token, now=NOW, **change)


def test_bad_edits_are_refused_and_change_nothing(db: Store) -> None:
    new = make(db, capacity=5)
    slug, token = new.session.slug, new.edit_token
    for i in range(3):
        S.sign_up(db, slug, f"r{i}", "can_spot", NOW)
    bad = [dict(capacity=2), dict(group_size=0), dict(group_size=10_000),
           dict(start="2025-05-01T10:00"), dict(colour="red"), dict(),
           dict(plan=[{"label": "x"}]), dict(title="")]
    for change in bad:
        with pytest.raises(InputError):
            S.update_session(db, slug, token, FIELD, now=NOW, **change)
    with pytest.raises(InputError, match="not this session's"):
        S.update_session(db, slug, token, venue(venue_id="way/7"), now=NOW, title="x")
    with pytest.raises(InputError, match="far too small"):
        S.update_session(db, slug, token, venue(usable_area_m2=1000.0), now=NOW,
                         group_size=50)
    after = S.get_session(db, slug).session
    assert (after.capacity, after.group_size, after.version) == (5, 10, 1)


def test_raising_the_capacity_promotes_the_waitlist_in_order(db: Store) -> None:
    new = make(db, capacity=2)
    taken = [S.sign_up(db, new.session.slug, f"r{i}", "can_spot", NOW) for i in range(5)]
    S.update_session(db, new.session.slug, new.edit_token, FIELD, now=NOW, capacity=4)
    ids = [t.signup.id for t in taken]
    assert statuses(db, new.session.slug) == {"confirmed": ids[:4], "waitlisted": ids[4:],
                                              "cancelled": []}
    S.update_session(db, new.session.slug, new.edit_token, FIELD, now=NOW, capacity=4)


def test_cancelling_shows_on_the_page_and_in_the_feeds(db: Store) -> None:
    club = S.create_club(db, "Kaisaniemi Backwards", NOW)
    new = make(db, club=club.club.slug, club_token=club.edit_token)
    S.sign_up(db, new.session.slug, "Ann", "can_spot", NOW)
    cancelled = S.cancel_session(db, new.session.slug, new.edit_token, NOW)
    assert cancelled.status == "cancelled" and cancelled.version == 2
    assert S.cancel_session(db, new.session.slug, new.edit_token, NOW).version == 2
    with pytest.raises(InputError, match="cancelled"):
        S.update_session(db, new.session.slug, new.edit_token, FIELD, now=NOW, title="x")
    detail = S.get_session(db, new.session.slug)
    assert detail.session.cancelled and len(detail.signups) == 1
    _, listed = S.club_sessions(db, club.club.slug, NOW)
    feed = icalendar.Calendar.from_ical(calendar([s.event() for s in listed], "club",
                                                 feed=True))
    [vevent] = feed.walk("VEVENT")
    assert str(vevent["status"]) == "CANCELLED" and int(vevent["sequence"]) == 1
    single = icalendar.Calendar.from_ical(calendar([detail.session.event("u")], "s"))
    assert str(single.walk("VEVENT")[0]["uid"]) == f"{new.session.slug}@venuefinder"


def test_tokens_are_never_stored(db: Store) -> None:
    new = make(db)
    signup = S.sign_up(db, new.session.slug, "Ann", "can_spot", NOW)
    club = S.create_club(db, "Club", NOW)
    with db.engine.connect() as connection:
        dump = " ".join(str(row) for table in ("clubs", "club_sessions", "session_signups")
                        for row in connection.execute(text(f"SELECT * FROM {table}")))
    for token in (new.edit_token, signup.cancel_token, club.edit_token):
        assert token not in dump
        assert hashlib.sha256(token.encode()).hexdigest() in dump


def test_the_sessions_migration_goes_down_and_up_again(db: Store) -> None:
    make(db)
    downgrade(db, "0001")
    tables = set(inspect(db.engine).get_table_names())
    assert {"hazards", "hazard_votes", "store_version"} <= tables
    assert not tables & {"clubs", "club_sessions", "session_signups"}
    upgrade(db)
    assert rows(db) == [] and make(db).session.confirmed == 0


def test_the_schema_refuses_overbooking_whatever_the_code_does(db: Store) -> None:
    slug = make(db, capacity=1).session.slug
    S.sign_up(db, slug, "Ann", "can_spot", NOW)
    with pytest.raises(IntegrityError), db.engine.begin() as connection:
        connection.execute(update(ClubSession).where(ClubSession.slug == slug)
                           .values(confirmed=ClubSession.confirmed + 1))


# -- concurrency ----------------------------------------------------------------------------

@pytest.fixture
def racy(db: Store) -> Store:
    """The store with a pause after every read of the session tables, so that without the
    locks concurrent check-then-write transactions would surely interleave."""
    def pause(conn, cursor, statement, *args) -> None:
        if statement.lstrip().startswith("SELECT") and (
                "FROM club_sessions" in statement or "FROM session_signups" in statement):
            time.sleep(0.002)

    event.listen(db.engine, "after_cursor_execute", pause)
    return db


def _in_parallel(tasks: list[Callable[[], Any]]) -> list:
    barrier = threading.Barrier(len(tasks))

    def run(task: Callable[[], Any]) -> Any:
        barrier.wait()
        return task()

    with ThreadPoolExecutor(max_workers=len(tasks)) as pool:
        return list(pool.map(run, tasks))


def _sign_up(store: Store, slug: str, i: int) -> Callable[[], S.NewSignup]:
    return lambda: S.sign_up(store, slug, f"runner {i}", "can_spot", NOW)


def test_a_hundred_sign_ups_for_twenty_places(racy: Store) -> None:
    store = racy
    slug = make(store, capacity=20, group_size=20).session.slug
    taken = _in_parallel([_sign_up(store, slug, i) for i in range(100)])
    assert sorted(t.signup.status for t in taken) == ["confirmed"] * 20 + ["waitlisted"] * 80
    assert sorted(t.waitlist_position for t in taken if t.waitlist_position) == list(
        range(1, 81))
    state = statuses(store, slug)
    ids = sorted(t.signup.id for t in taken)
    assert len(ids) == 100 and state["confirmed"] == ids[:20]
    assert state["waitlisted"] == ids[20:]
    assert S.get_session(store, slug).session.confirmed == 20

    by_id = {t.signup.id: t for t in taken}
    leaving = state["confirmed"][::4]  # 5 confirmed places freed at once
    done = _in_parallel([lambda i=i: S.cancel_signup(store, slug, i, by_id[i].cancel_token,
                                                     NOW) for i in leaving])
    promoted = sorted(p.id for d in done for p in d.promoted)
    assert promoted == ids[20:25]  # exactly 5, the earliest waitlisted
    state = statuses(store, slug)
    assert len(state["confirmed"]) == 20 and state["waitlisted"] == ids[25:]
    assert state["cancelled"] == leaving


def test_edits_while_sign_ups_arrive_lose_neither(racy: Store) -> None:
    store = racy
    new = make(store, capacity=20, group_size=20)
    slug, token = new.session.slug, new.edit_token

    def edit(i: int) -> Callable[[], Any]:
        if i == 10:
            return lambda: S.update_session(store, slug, token, FIELD, now=NOW, capacity=30)
        return lambda: S.update_session(store, slug, token, FIELD, now=NOW,
                                        notes=f"edit {i}", title=f"Title {i}")

    tasks = [_sign_up(store, slug, i) for i in range(100)] + [edit(i) for i in range(20)]
    _in_parallel(tasks)
    detail = S.get_session(store, slug)
    assert detail.session.version == 1 + 20 and detail.session.capacity == 30
    assert detail.session.notes.startswith("edit ") and detail.session.title.startswith("Title")
    state = statuses(store, slug)
    ids = sorted(state["confirmed"] + state["waitlisted"])
    assert len(ids) == 100 and state["confirmed"] == ids[:30] and state["waitlisted"] == ids[30:]


_WORKER = """
import sys, threading
from datetime import datetime, timezone
from venuefinder.store.db import open_store
from venuefinder.store.sessions import sign_up
store = open_store(sys.argv[1])
slug, worker = sys.argv[2], int(sys.argv[3])
now = datetime(2025, 6, 1, 12, tzinfo=timezone.utc)
barrier = threading.Barrier(25)
answers = [None] * 25
def run(i):
    barrier.wait()
    answers[i] = sign_up(store, slug, f"w{worker}-{i}", "can_spot", now).signup.status
threads = [threading.Thread(target=run, args=(i,)) for i in range(25)]
for t in threads: t.start()
for t in threads: t.join()
print(*answers, sep=chr(10))
"""


def test_four_worker_processes_do_not_overbook(db: Store) -> None:
    """As under gunicorn: separate processes, each with its own engine and pool."""
    slug = make(db, capacity=20, group_size=20).session.slug
    url = db.engine.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    workers = [subprocess.Popen([sys.executable, "-c", _WORKER, url, slug, str(w)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env=env) for w in range(4)]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert all(w.returncode == 0 for w in workers), [err for _, err in outputs]
    answers = [line for out, _ in outputs for line in out.split()]
    assert sorted(answers) == ["confirmed"] * 20 + ["waitlisted"] * 80
    state = statuses(db, slug)
    ids = sorted(state["confirmed"] + state["waitlisted"])
    assert len(ids) == 100 and state["confirmed"] == ids[:20]
    with db.read() as session:
        assert session.scalar(select(func.count()).select_from(Signup)) == 100


def test_one_client_holds_at_most_its_limit_of_sign_ups_even_in_a_burst(racy: Store) -> None:
    """Sign-up squatting: one address filled a 12-place session and 47 waitlist places in
    0.7 s. Counted under the session's lock: 60 at once from one client leave 3."""
    store = racy
    slug = make(store, capacity=12, group_size=12).session.slug

    def attempt(i: int) -> Any:
        try:
            return S.sign_up(store, slug, f"squat {i}", "can_spot", NOW, client="c1",
                             per_client=3)
        except S.SignupLimitError as exc:
            return exc

    answers = _in_parallel([lambda i=i: attempt(i) for i in range(60)])
    taken = [a for a in answers if isinstance(a, S.NewSignup)]
    assert len(taken) == 3
    assert all("at most 3 sign-ups from one address" in str(a) for a in answers
               if not isinstance(a, S.NewSignup))
    assert [s.client for s in rows(store, Signup)] == ["c1"] * 3
    # Others still get places; a cancelled sign-up frees one of the client's three.
    assert S.sign_up(store, slug, "Bea", "can_spot", NOW, client="c2",
                     per_client=3).signup.status == "confirmed"
    S.cancel_signup(store, slug, taken[0].signup.id, taken[0].cancel_token, NOW)
    assert S.sign_up(store, slug, "again", "can_spot", NOW, client="c1", per_client=3)
    with pytest.raises(S.SignupLimitError):
        S.sign_up(store, slug, "more", "can_spot", NOW, client="c1", per_client=3)
    # Without a client (the store's own callers) there is no limit.
    assert S.sign_up(store, slug, "Cy", "can_spot", NOW)
