"""The club-sessions API and its calendars: every route, the token rules, bad input, the
waitlist, the .ics files, the OpenAPI document and the write limit.

Runs on the tiny region (:mod:`tests.web.regions`) with its Kaivo Field (way/1) given room
(110 m straight, 5,000 m² usable; its suggested meeting point is its main entrance), on a new
SQLite store per test. Starts are a few days ahead of the real clock, at noon in Helsinki
(daylight).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from itertools import count
from typing import Any, Callable, Optional
from zoneinfo import ZoneInfo

import icalendar
import pytest
from flask import Blueprint, Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from venuefinder.region import Region
from venuefinder.store import sessions as S
from venuefinder.store.models import Club, ClubSession, Signup
from venuefinder.web.extensions import STORE_KEY

from ..sessions.features import venue as loose_venue
from .regions import CENTER_LAT, CENTER_LON, tiny_region_with_room
from .test_api import assert_error

HELSINKI = ZoneInfo("Europe/Helsinki")
#: A new client address for each sign-up.
ADDRESSES = (f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}" for n in count(1))


@pytest.fixture(scope="module")
def sessions_region() -> Region:
    return tiny_region_with_room(usable_area_m2=5000.0)


@pytest.fixture(scope="module")
def gate(sessions_region: Region) -> tuple[dict[str, float], str]:
    """The suggested meeting point at Kaivo Field: its main entrance, 60 m south of its
    centre, and the reason."""
    point = sessions_region.meeting_point("way/1")
    assert point.kind == "entrance" and "Kaivo Gate" in point.reason
    assert point.lat == pytest.approx(CENTER_LAT - 60 / 110_540, abs=1e-6)
    assert point.lon == pytest.approx(CENTER_LON, abs=1e-6)
    return {"lat": point.lat, "lon": point.lon}, point.reason


@pytest.fixture
def app(make_app: Callable[..., Flask], sessions_region: Region) -> Flask:
    return make_app(sessions_region)


def start_in(days: int = 3, hour: int = 12) -> str:
    """Wall-clock time at the venue, *days* from now."""
    day = datetime.now(HELSINKI) + timedelta(days=days)
    return f"{day:%Y-%m-%d}T{hour:02d}:00"


def session_body(**overrides: Any) -> dict[str, Any]:
    body = {"venue": "way/1", "title": "Backwards at Kaivo", "start": start_in(),
            "duration_min": 60, "capacity": 20, "group_size": 10, "plan": "first-steps"}
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not ...}


def create(client: FlaskClient, headers: Optional[dict] = None, **overrides: Any) -> dict:
    response = client.post("/api/sessions", json=session_body(**overrides), headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def sign_up(client: FlaskClient, slug: str, name: str, role: str = "can_spot") -> dict:
    """*name* signs up, from an address of their own (one address holds few sign-ups)."""
    response = client.post(f"/api/sessions/{slug}/signups", json={"name": name, "role": role},
                           environ_base={"REMOTE_ADDR": next(ADDRESSES)})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def counts(app: Flask) -> tuple[int, int, int]:
    """Rows of clubs, sessions and sign-ups in the store."""
    with app.extensions[STORE_KEY].read() as session:
        return tuple(session.scalar(select(func.count()).select_from(m))  # type: ignore
                     for m in (Club, ClubSession, Signup))


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    return client.get("/api/openapi.json").get_json()


def assert_schema(document: dict[str, Any], name: str, body: Any) -> None:
    """*body* matches ``components/schemas/<name>`` of the served document."""
    from openapi_schema_validator import OAS31Validator

    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    errors = sorted(OAS31Validator(schema).iter_errors(body), key=str)
    assert not errors, [e.message for e in errors[:3]]


# -- clubs --------------------------------------------------------------------------------

def test_a_club_is_made_with_its_slug_token_page_and_feed(client: FlaskClient,
                                                          document: dict) -> None:
    response = client.post("/api/clubs", json={"name": "Kaivo Backwards"})
    assert response.status_code == 201
    body = response.get_json()
    assert_schema(document, "Club", body)
    assert body["name"] == "Kaivo Backwards"
    assert body["slug"].startswith("kaivo-backwards-") and len(body["edit_token"]) >= 43
    assert body["url"] == f"http://localhost/c/{body['slug']}"
    assert body["feed"] == f"http://localhost/c/{body['slug']}.ics"


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "   "}, {"name": None},
                                  {"name": 5}, {"name": "a\nb"}, {"name": "x" * 81},
                                  {"name": "Club", "colour": "red"}, ["Club"]])
def test_a_bad_club_is_refused_and_nothing_stored(app: Flask, client: FlaskClient,
                                                  body: Any) -> None:
    assert_error(client.post("/api/clubs", json=body), 400, "bad_request")
    assert counts(app) == (0, 0, 0)


# -- creating sessions --------------------------------------------------------------------

def test_a_session_is_made_with_the_contract_members(app: Flask, client: FlaskClient,
                                                     document: dict) -> None:
    response = client.post("/api/sessions", json=session_body())
    assert response.status_code == 201
    body = response.get_json()
    assert_schema(document, "NewSession", body)
    slug = body["slug"]
    assert len(slug) == 12 and len(body["edit_token"]) >= 43
    assert body["url"] == f"http://localhost/s/{slug}"
    assert body["ics"] == f"http://localhost/s/{slug}.ics"
    assert body["edit_url"] == f"http://localhost/s/{slug}/edit?token={body['edit_token']}"
    assert client.get(body["edit_url"]).status_code == 200
    assert response.headers["Location"] == f"/api/sessions/{slug}"
    assert body["tz"] == "Europe/Helsinki"
    assert [o["slug"] for o in body["occurrences"]] == [slug]
    assert [c["name"] for c in body["checks"]] == ["fit", "run", "plan", "daylight",
                                                   "hazards", "score"]
    assert {c["level"] for c in body["checks"]} <= {"ok", "warn"}
    assert counts(app) == (0, 1, 0)

    got = client.get(f"/api/sessions/{slug}")
    assert got.status_code == 200
    session = got.get_json()
    assert_schema(document, "Session", session)
    assert session["title"] == "Backwards at Kaivo" and session["status"] == "scheduled"
    assert session["venue"]["id"] == "way/1" and session["venue"]["name"] == "Kaivo Field"
    assert session["venue"]["label"] == "Kaivo Field — football pitch"
    assert session["tz"] == "Europe/Helsinki"
    start = datetime.fromisoformat(session["start"])
    assert start.replace(tzinfo=None) == datetime.fromisoformat(start_in())
    assert start.utcoffset() == datetime.fromisoformat(start_in()).replace(
        tzinfo=HELSINKI).utcoffset()
    assert datetime.fromisoformat(session["end"]) - start == timedelta(minutes=60)
    # First steps: 5 min walking, then 6 × (1 min + 1 min recovery) = 17 min.
    assert session["plan"]["name"] == "first-steps" and session["plan"]["total_min"] == 17.0
    assert sum(s["total_s"] for s in session["plan"]["steps"]) == 17 * 60
    assert "110 m" in session["plan"]["steps"][1]["venue_hint"]
    assert [c["name"] for c in session["checks"]] == [c["name"] for c in body["checks"]]
    assert (session["signups"], session["pairs"], session["unpaired"]) == ([], [], 0)
    assert session["spotter_left"] == []
    assert session["url"] == body["url"] and session["ics"] == body["ics"]


def test_without_a_meeting_point_the_regions_suggestion_and_its_reason_are_kept(
        client: FlaskClient, gate: tuple[dict[str, float], str]) -> None:
    point, reason = gate
    body = create(client)
    assert body["meeting_point"] == point and body["meeting_note"] == reason
    session = client.get(f"/api/sessions/{body['slug']}").get_json()
    assert session["meeting_point"] == point and session["meeting_note"] == reason
    # The organiser's own words about the suggested point win over the reason.
    body = create(client, meeting_note="At the big gate")
    assert body["meeting_point"] == point and body["meeting_note"] == "At the big gate"


def test_a_meeting_point_chosen_on_the_map_is_kept_with_its_note(client: FlaskClient) -> None:
    point = {"lat": CENTER_LAT + 0.0003, "lon": CENTER_LON}
    body = create(client, meeting_point=point, meeting_note="By the blue bench")
    session = client.get(f"/api/sessions/{body['slug']}").get_json()
    assert session["meeting_point"] == point and session["meeting_note"] == "By the blue bench"


def test_a_weekly_series_lists_every_occurrence(client: FlaskClient) -> None:
    body = create(client, repeat_weeks=3, plan="build-up")
    occurrences = body["occurrences"]
    assert len(occurrences) == 3 and occurrences[0]["slug"] == body["slug"]
    starts = [datetime.fromisoformat(o["start"]) for o in occurrences]
    assert all(b.replace(tzinfo=None) - a.replace(tzinfo=None) == timedelta(weeks=1)
               for a, b in zip(starts, starts[1:]))
    for week, occurrence in enumerate(occurrences, start=1):
        assert occurrence["url"] == f"http://localhost/s/{occurrence['slug']}"
        session = client.get(f"/api/sessions/{occurrence['slug']}").get_json()
        assert session["plan"]["week"] == week and session["series"] == body["slug"]


BAD_SESSIONS = {
    "start in the past": dict(start=start_in(days=-1)),
    "start not a time": dict(start="next tuesday"),
    "start a number": dict(start=20250603),
    "group size 0": dict(group_size=0),
    "group size 10,000": dict(group_size=10_000),
    "group size text": dict(group_size="10"),
    "group size true": dict(group_size=True),
    "capacity 0": dict(capacity=0),
    "capacity float": dict(capacity=20.5),
    "duration 5": dict(duration_min=5),
    "no title": dict(title=...),
    "blank title": dict(title="   "),
    "title a list": dict(title=["a"]),
    "two-line title": dict(title="a\nb"),
    "long title": dict(title="x" * 121),
    "notes with a NUL": dict(notes="a\x00b"),
    "long notes": dict(notes="x" * 2001),
    "unknown plan": dict(plan="marathon"),
    "empty plan": dict(plan=[]),
    "junk in a step": dict(plan=[{"label": "walk", "minutes": 5, "speed": 9}]),
    "a step of 0 minutes": dict(plan=[{"label": "walk", "minutes": 0}]),
    "an own plan over six hours": dict(plan=[{"label": "walk", "minutes": 100, "repeat": 4}]),
    "meeting point 2 km away": dict(meeting_point={"lat": CENTER_LAT + 0.018,
                                                   "lon": CENTER_LON}),
    "meeting point junk": dict(meeting_point={"lat": CENTER_LAT, "lon": CENTER_LON, "x": 1}),
    "meeting point text": dict(meeting_point={"lat": "60.17", "lon": CENTER_LON}),
    "meeting point off the globe": dict(meeting_point={"lat": 91, "lon": CENTER_LON}),
    "repeat 0 weeks": dict(repeat_weeks=0),
    "repeat 53 weeks": dict(repeat_weeks=53),
    "a junk member": dict(colour="red"),
    "a malformed venue": dict(venue="way/1; DROP TABLE"),
    "a malformed club": dict(club="../etc"),
    "a venue far too small": dict(venue="way/2"),  # no room measured: refused by the fit
}


@pytest.mark.parametrize("bad", BAD_SESSIONS.values(), ids=BAD_SESSIONS.keys())
def test_bad_input_is_a_400_and_stores_nothing(app: Flask, client: FlaskClient,
                                               bad: dict) -> None:
    assert_error(client.post("/api/sessions", json=session_body(**bad)), 400, "bad_request")
    assert counts(app) == (0, 0, 0)


def test_a_whole_number_may_be_written_with_a_zero_fraction(client: FlaskClient) -> None:
    body = create(client, capacity=12.0, duration_min=60.0)  # JSON has one number type
    session = client.get(f"/api/sessions/{body['slug']}").get_json()
    assert (session["capacity"], session["duration_min"]) == (12, 60)
    assert isinstance(session["capacity"], int)


def test_the_400s_say_what_is_wrong(client: FlaskClient) -> None:
    def message(**bad: Any) -> str:
        return client.post("/api/sessions", json=session_body(**bad)).get_json()["message"]

    assert "in the past" in message(start=start_in(days=-1))
    assert message(group_size=0) == "group_size must be 1–200, not 0"
    assert message(group_size=10_000) == "group_size must be 1–200, not 10000"
    assert message(colour="red").startswith("colour: extra inputs are not permitted")
    assert message(venue="way/2").startswith("cannot publish this session: fit:")
    assert message(plan=[{"label": "Walk", "minutes": 5}, {"label": "Run", "minutes": 2,
                                                          "speed": 9}]) == \
        "plan step 2: speed: extra inputs are not permitted"
    assert message(plan=[{"label": "Walk", "minutes": 5, "pace": "sprint"}]) == \
        "plan step 1: pace is one of walk, half, jog, not 'sprint'"
    assert message(plan=["walk"]) == "plan step 1 must be an object with a label and minutes"


@pytest.mark.parametrize("raw", [
    b'{"venue": "way/1", "title": "T", "start": "2099-01-01T12:00", "duration_min": NaN,'
    b' "capacity": 20, "group_size": 10, "plan": "first-steps"}',
    b'{"venue": "way/1", "title": "T", "start": "2099-01-01T12:00", "duration_min": 60,'
    b' "capacity": 20, "group_size": 10, "plan": "first-steps",'
    b' "meeting_point": {"lat": NaN, "lon": 24.94}}',
    b'{"venue": "way/1", "title": "T", "start": "2099-01-01T12:00", "duration_min": 60,'
    b' "capacity": Infinity, "group_size": 10, "plan": "first-steps"}',
    b'{"venue": "way/1", "title": ',
    b'"just a string"',
])
def test_nan_infinity_and_broken_json_are_400(app: Flask, client: FlaskClient,
                                              raw: bytes) -> None:
    response = client.post("/api/sessions", data=raw, content_type="application/json")
    assert_error(response, 400, "bad_request")
    assert counts(app) == (0, 0, 0)


def test_not_json_is_415_and_too_large_is_413(app: Flask, client: FlaskClient) -> None:
    assert_error(client.post("/api/sessions", data="venue=way/1",
                             content_type="application/x-www-form-urlencoded"),
                 415, "unsupported_media_type")
    huge = json.dumps(session_body(notes="x" * 70_000))
    assert_error(client.post("/api/sessions", data=huge, content_type="application/json"),
                 413, "request_entity_too_large")
    assert_error(client.put("/api/sessions"), 405, "method_not_allowed")
    assert counts(app) == (0, 0, 0)


def test_an_unknown_venue_is_404(client: FlaskClient) -> None:
    assert_error(client.post("/api/sessions", json=session_body(venue="way/999")), 404,
                 "not_found")


def test_script_in_names_is_stored_and_returned_as_text(client: FlaskClient) -> None:
    script = "<script>alert(1)</script>"
    body = create(client, title=script, notes=f"{script}\nbring water")
    sign_up(client, body["slug"], script)
    session = client.get(f"/api/sessions/{body['slug']}")
    assert session.mimetype == "application/json"
    data = session.get_json()
    assert data["title"] == script and data["notes"] == f"{script}\nbring water"
    assert data["signups"][0]["name"] == script
    ics = icalendar.Calendar.from_ical(client.get(f"/s/{body['slug']}.ics").data)
    assert str(ics.walk("VEVENT")[0]["SUMMARY"]) == script


# -- clubs and their sessions -------------------------------------------------------------

def test_a_club_session_needs_the_clubs_token_in_the_header(app: Flask,
                                                            client: FlaskClient) -> None:
    club = client.post("/api/clubs", json={"name": "Kaivo Backwards"}).get_json()
    other = client.post("/api/clubs", json={"name": "Other"}).get_json()
    for headers in ({}, bearer("wrong"), bearer(other["edit_token"]),
                    {"Authorization": club["edit_token"]}):
        assert_error(client.post("/api/sessions", json=session_body(club=club["slug"]),
                                 headers=headers), 403, "forbidden")
    # In the body it is an unknown member, not a token.
    assert_error(client.post("/api/sessions", json=session_body(
        club=club["slug"], club_token=club["edit_token"])), 400, "bad_request")
    assert_error(client.post("/api/sessions", json=session_body(club="no-such-club-123456"),
                             headers=bearer(club["edit_token"])), 404, "not_found")
    assert counts(app) == (2, 0, 0)
    body = create(client, bearer(club["edit_token"]), club=club["slug"])
    assert client.get(f"/api/sessions/{body['slug']}").get_json()["club"] == club["slug"]


def test_the_club_feed_lists_the_clubs_sessions(client: FlaskClient) -> None:
    club = client.post("/api/clubs", json={"name": "Kaivo Backwards"}).get_json()
    token = bearer(club["edit_token"])
    mine = [create(client, token, club=club["slug"], title="Tuesday", start=start_in(2)),
            create(client, token, club=club["slug"], title="Thursday", start=start_in(4))]
    create(client, title="Not the club's")
    cancelled = mine[1]
    client.delete(f"/api/sessions/{cancelled['slug']}", headers=bearer(cancelled["edit_token"]))

    response = client.get(f"/c/{club['slug']}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    feed = icalendar.Calendar.from_ical(response.data)
    assert str(feed["X-WR-CALNAME"]) == "Kaivo Backwards"
    assert "REFRESH-INTERVAL" in feed
    events = feed.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == [f"{s['slug']}@venuefinder" for s in mine]
    assert [str(e["STATUS"]) for e in events] == ["CONFIRMED", "CANCELLED"]
    assert [str(e["URL"]) for e in events] == [s["url"] for s in mine]
    assert_error(client.get("/c/no-such-club-123456.ics"), 404, "not_found")
    assert_error(client.get("/c/Bad_Slug.ics"), 400, "bad_request")


# -- editing and cancelling ---------------------------------------------------------------

def test_patch_changes_only_what_is_sent_with_the_edit_token(client: FlaskClient,
                                                             document: dict) -> None:
    body = create(client, notes="Bring water")
    url = f"/api/sessions/{body['slug']}"
    response = client.patch(url, json={"title": "Moved indoors", "capacity": 12},
                            headers=bearer(body["edit_token"]))
    assert response.status_code == 200, response.get_json()
    changed = response.get_json()
    assert_schema(document, "Session", changed)
    assert (changed["title"], changed["capacity"], changed["notes"], changed["version"]) == (
        "Moved indoors", 12, "Bring water", 2)
    assert client.get(url).get_json() == changed
    cleared = client.patch(url, json={"notes": None, "meeting_point": None, "group_size": 12,
                                      "plan": [{"label": "Jog", "minutes": 2, "repeat": 3,
                                                "pace": "half"}]},
                           headers=bearer(body["edit_token"])).get_json()
    assert cleared["notes"] is None and cleared["meeting_point"] is None
    assert cleared["plan"]["name"] == "custom" and cleared["plan"]["total_min"] == 6.0
    assert cleared["group_size"] == 12


def test_edits_and_cancels_need_this_sessions_edit_token(client: FlaskClient) -> None:
    body, other = create(client), create(client)
    url = f"/api/sessions/{body['slug']}"
    before = client.get(url).get_json()
    for headers in ({}, bearer(""), bearer("wrong"), bearer(other["edit_token"]),
                    {"Authorization": f"Basic {body['edit_token']}"},
                    {"Authorization": body["edit_token"]}):
        assert_error(client.patch(url, json={"title": "Hijacked"}, headers=headers), 403,
                     "forbidden")
        assert_error(client.delete(url, headers=headers), 403, "forbidden")
    assert client.get(url).get_json() == before
    assert_error(client.patch("/api/sessions/AAAAAAAAAAAA", json={"title": "x"},
                              headers=bearer(body["edit_token"])), 404, "not_found")
    assert_error(client.get("/api/sessions/short"), 400, "bad_request")


@pytest.mark.parametrize("changes", [{}, {"title": None}, {"capacity": None},
                                     {"title": "x" * 121}, {"start": start_in(days=-1)},
                                     {"group_size": 10_000}, {"slug": "AAAAAAAAAAAA"},
                                     {"capacity": 1}])
def test_bad_edits_are_400_and_change_nothing(client: FlaskClient, changes: dict) -> None:
    body = create(client, capacity=3)
    for name in ("Ann", "Bo"):
        sign_up(client, body["slug"], name)
    url = f"/api/sessions/{body['slug']}"
    before = client.get(url).get_json()
    assert_error(client.patch(url, json=changes, headers=bearer(body["edit_token"])), 400,
                 "bad_request")
    assert client.get(url).get_json() == before


def test_capacity_below_the_sign_ups_is_refused_with_its_reason(client: FlaskClient) -> None:
    body = create(client, capacity=3)
    for name in ("Ann", "Bo", "Cy"):
        sign_up(client, body["slug"], name)
    response = client.patch(f"/api/sessions/{body['slug']}", json={"capacity": 2},
                            headers=bearer(body["edit_token"]))
    assert_error(response, 400, "bad_request",
                 "capacity 2 is below the 3 confirmed sign-ups")


def test_a_cancelled_session_shows_everywhere_and_takes_no_sign_ups(
        client: FlaskClient, document: dict) -> None:
    body = create(client)
    url = f"/api/sessions/{body['slug']}"
    response = client.delete(url, headers=bearer(body["edit_token"]))
    assert response.status_code == 200
    assert_schema(document, "Session", response.get_json())
    assert response.get_json()["status"] == "cancelled"
    assert client.get(url).get_json()["status"] == "cancelled"
    again = client.delete(url, headers=bearer(body["edit_token"]))
    assert again.status_code == 200 and again.get_json()["version"] == 2
    assert_error(client.post(f"{url}/signups", json={"name": "Ann", "role": "can_spot"}),
                 409, "conflict")
    assert_error(client.patch(url, json={"title": "Back on"},
                              headers=bearer(body["edit_token"])), 400, "bad_request")
    event = icalendar.Calendar.from_ical(client.get(f"/s/{body['slug']}.ics").data
                                         ).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"


# -- sign-ups -----------------------------------------------------------------------------

def test_sign_ups_fill_the_places_then_the_waitlist_and_pair_spotters(
        client: FlaskClient, document: dict) -> None:
    body = create(client, capacity=3)
    slug = body["slug"]
    ann = sign_up(client, slug, "Ann", "needs_spotter")
    assert_schema(document, "SignupReceipt", ann)
    assert (ann["status"], ann["pair"], ann["waitlist_position"]) == ("confirmed", None, None)
    bo = sign_up(client, slug, "Bo", "can_spot")
    assert (bo["status"], bo["pair"]) == ("confirmed", "Ann")
    cy = sign_up(client, slug, "Cy", "needs_spotter")
    assert (cy["status"], cy["pair"]) == ("confirmed", None)
    dee = sign_up(client, slug, "Dee", "can_spot")
    eve = sign_up(client, slug, "Eve", "can_spot")
    assert [(s["status"], s["waitlist_position"]) for s in (dee, eve)] == [
        ("waitlisted", 1), ("waitlisted", 2)]
    assert len({s["id"] for s in (ann, bo, cy, dee, eve)}) == 5

    response = client.get(f"/api/sessions/{slug}")
    session = response.get_json()
    assert [(s["name"], s["role"], s["status"]) for s in session["signups"]] == [
        ("Ann", "needs_spotter", "confirmed"), ("Bo", "can_spot", "confirmed"),
        ("Cy", "needs_spotter", "confirmed"), ("Dee", "can_spot", "waitlisted"),
        ("Eve", "can_spot", "waitlisted")]
    assert session["pairs"] == [{"needs_spotter": "Ann", "can_spot": "Bo"}]
    assert session["unpaired"] == 1 and session["confirmed"] == 3
    # Tokens are never shown again.
    text = response.get_data(as_text=True)
    assert "token" not in text
    assert not any(s[key] in text for s in (ann, bo, cy, dee, eve)
                   for key in ("cancel_token",))
    assert body["edit_token"] not in text


def test_a_pair_stays_and_a_runner_whose_spotter_left_is_named(client: FlaskClient,
                                                                document: dict) -> None:
    slug = create(client, capacity=5)["slug"]
    people = {name: sign_up(client, slug, name, role) for name, role in (
        ("Ann", "needs_spotter"), ("Bo", "can_spot"), ("Cy", "needs_spotter"),
        ("Dee", "can_spot"), ("Eve", "can_spot"))}
    client.delete(f"/api/sessions/{slug}/signups/{people['Ann']['id']}",
                  headers=bearer(people["Ann"]["cancel_token"]))
    session = client.get(f"/api/sessions/{slug}").get_json()
    assert_schema(document, "Session", session)
    assert session["pairs"] == [{"needs_spotter": "Cy", "can_spot": "Dee"}]  # not Bo
    client.delete(f"/api/sessions/{slug}/signups/{people['Dee']['id']}",
                  headers=bearer(people["Dee"]["cancel_token"]))
    session = client.get(f"/api/sessions/{slug}").get_json()
    assert session["spotter_left"] == ["Cy"]
    assert session["pairs"] == [{"needs_spotter": "Cy", "can_spot": "Bo"}]
    assert session["spare_spotters"] == 1


def test_cancelling_promotes_the_waitlist_in_sign_up_order(client: FlaskClient,
                                                           document: dict) -> None:
    body = create(client, capacity=2)
    slug = body["slug"]
    first, second = sign_up(client, slug, "Ann"), sign_up(client, slug, "Bo")
    waiting = [sign_up(client, slug, name) for name in ("Cy", "Dee", "Eve")]
    response = client.delete(f"/api/sessions/{slug}/signups/{second['id']}",
                             headers=bearer(second["cancel_token"]))
    assert response.status_code == 200
    assert_schema(document, "CancelledSignup", response.get_json())
    assert response.get_json()["status"] == "cancelled"
    assert [p["name"] for p in response.get_json()["promoted"]] == ["Cy"]
    # The session's edit token may cancel any sign-up.
    response = client.delete(f"/api/sessions/{slug}/signups/{first['id']}",
                             headers=bearer(body["edit_token"]))
    assert [p["name"] for p in response.get_json()["promoted"]] == ["Dee"]
    # A waitlisted one leaving promotes nobody.
    response = client.delete(f"/api/sessions/{slug}/signups/{waiting[2]['id']}",
                             headers=bearer(waiting[2]["cancel_token"]))
    assert response.get_json()["promoted"] == []
    session = client.get(f"/api/sessions/{slug}").get_json()
    assert [(s["name"], s["status"]) for s in session["signups"]] == [
        ("Cy", "confirmed"), ("Dee", "confirmed")]


def test_a_sign_up_is_cancelled_only_with_its_own_token(app: Flask,
                                                        client: FlaskClient) -> None:
    body = create(client)
    mine, theirs = sign_up(client, body["slug"], "Ann"), sign_up(client, body["slug"], "Bo")
    other_session = create(client)
    url = f"/api/sessions/{body['slug']}/signups/{mine['id']}"
    for headers in ({}, bearer("wrong"), bearer(theirs["cancel_token"]),
                    bearer(other_session["edit_token"]), {"Authorization":
                                                          mine["cancel_token"]}):
        assert_error(client.delete(url, headers=headers), 403, "forbidden")
    assert counts(app) == (0, 2, 2)
    assert_error(client.delete(f"/api/sessions/{other_session['slug']}/signups/{mine['id']}",
                               headers=bearer(mine["cancel_token"])), 404, "not_found")
    assert_error(client.delete(f"/api/sessions/{body['slug']}/signups/0",
                               headers=bearer(mine["cancel_token"])), 400, "bad_request")
    assert client.delete(url, headers=bearer(mine["cancel_token"])).status_code == 200
    assert client.get(f"/api/sessions/{body['slug']}").get_json()["confirmed"] == 1


@pytest.mark.parametrize("bad", [{}, {"name": "Ann"}, {"role": "can_spot"},
                                 {"name": "Ann", "role": "coach"},
                                 {"name": "", "role": "can_spot"},
                                 {"name": "x" * 41, "role": "can_spot"},
                                 {"name": "a\tb", "role": "can_spot"},
                                 {"name": 7, "role": "can_spot"},
                                 {"name": "Ann", "role": "can_spot", "email": "a@b.c"}])
def test_a_bad_sign_up_is_400_and_stores_nothing(app: Flask, client: FlaskClient,
                                                 bad: dict) -> None:
    body = create(client)
    assert_error(client.post(f"/api/sessions/{body['slug']}/signups", json=bad), 400,
                 "bad_request")
    assert counts(app) == (0, 1, 0)


def test_sign_ups_for_an_unknown_session_are_404(client: FlaskClient) -> None:
    assert_error(client.post("/api/sessions/AAAAAAAAAAAA/signups",
                             json={"name": "Ann", "role": "can_spot"}), 404, "not_found")


# -- calendars ----------------------------------------------------------------------------

def test_the_session_calendar_has_location_geo_and_meeting_point(
        client: FlaskClient, gate: tuple[dict[str, float], str]) -> None:
    (point, reason), body = gate, create(client)
    response = client.get(f"/s/{body['slug']}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    [event] = icalendar.Calendar.from_ical(response.data).walk("VEVENT")
    assert str(event["LOCATION"]) == "Kaivo Field — football pitch"  # its label
    assert (event["GEO"].latitude, event["GEO"].longitude) == (round(point["lat"], 6),
                                                               round(point["lon"], 6))
    assert reason in str(event["DESCRIPTION"])
    assert f"{point['lat']:.5f}, {point['lon']:.5f}" in str(event["DESCRIPTION"])
    assert str(event["URL"]) == body["url"] and str(event["STATUS"]) == "CONFIRMED"
    start = event.decoded("DTSTART")
    assert start.tzinfo is not None and str(start.tzinfo) == "Europe/Helsinki"
    assert start.replace(tzinfo=None) == datetime.fromisoformat(start_in())
    assert_error(client.get("/s/AAAAAAAAAAAA.ics"), 404, "not_found")


def test_the_calendar_route_leaves_the_session_page_to_its_blueprint(
        make_app: Callable[..., Flask], sessions_region: Region) -> None:
    app = make_app(sessions_region)
    if not any(r.rule.startswith("/s/<") and not r.rule.endswith(".ics")
               for r in app.url_map.iter_rules()):
        # The pages' blueprint is not mounted yet: a stand-in with its rule.
        pages = Blueprint("pages_stand_in", __name__)
        pages.add_url_rule("/s/<slug>", "page", lambda slug: f"page {slug}")
        app.register_blueprint(pages)
    urls = app.url_map.bind("localhost")
    endpoint, variables = urls.match("/s/Ab3_x-9QzK1m")
    assert not endpoint.startswith("session_feeds.")
    assert list(variables.values()) == ["Ab3_x-9QzK1m"]
    assert urls.match("/s/Ab3_x-9QzK1m.ics") == ("session_feeds.session_ics",
                                                 {"slug": "Ab3_x-9QzK1m"})
    assert urls.match("/c/kaivo-1a2b3c.ics") == ("session_feeds.club_ics",
                                                 {"slug": "kaivo-1a2b3c"})
    client = app.test_client()
    slug = create(client)["slug"]
    assert client.get(f"/s/{slug}").mimetype != "text/calendar"
    assert client.get(f"/s/{slug}.ics").mimetype == "text/calendar"


# -- the venue, the document, the limit ---------------------------------------------------

def test_a_session_whose_venue_left_the_region_is_still_shown(app: Flask,
                                                              client: FlaskClient) -> None:
    store = app.extensions[STORE_KEY]
    new = S.create_session(store, loose_venue(), title="Elsewhere", start=start_in(),
                           duration_min=60, group_size=10, capacity=20, plan="yo-yo")
    session = client.get(f"/api/sessions/{new.session.slug}").get_json()
    assert session["venue"]["id"] == "way/100" and session["checks"] == []
    assert session["plan"]["name"] == "yo-yo"
    assert client.patch(f"/api/sessions/{new.session.slug}", json={"notes": "Still on"},
                        headers=bearer(new.edit_token)).get_json()["notes"] == "Still on"


def test_the_openapi_document_lists_every_sessions_route(document: dict) -> None:
    paths = document["paths"]
    assert set(paths["/api/clubs"]) == {"post"}
    assert set(paths["/api/sessions"]) == {"post"}
    assert set(paths["/api/sessions/{slug}"]) == {"get", "patch", "delete"}
    assert set(paths["/api/sessions/{slug}/signups"]) == {"post"}
    assert set(paths["/api/sessions/{slug}/signups/{signup_id}"]) == {"delete"}
    assert set(paths["/s/{slug}.ics"]) == {"get"}
    assert set(paths["/c/{slug}.ics"]) == {"get"}
    assert "text/calendar" in paths["/s/{slug}.ics"]["get"]["responses"]["200"]["content"]
    assert "403" in paths["/api/sessions/{slug}"]["patch"]["responses"]
    body = document["components"]["schemas"]["SessionBody"]
    assert set(body["required"]) == {"venue", "title", "start", "duration_min", "capacity",
                                     "group_size", "plan"}
    assert body["properties"]["group_size"]["maximum"] == 200


def test_writes_are_rate_limited_per_client_in_their_own_scope(
        make_app: Callable[..., Flask], sessions_region: Region) -> None:
    app = make_app(sessions_region, rate_limit="1000 per minute",
                   write_rate_limit="4 per minute")
    client = app.test_client()
    slug = create(client)["slug"]
    statuses = [client.post(f"/api/sessions/{slug}/signups",
                            json={"name": f"R{i}", "role": "can_spot"}).status_code
                for i in range(4)]
    assert statuses == [201, 201, 201, 429]
    limited = client.post("/api/clubs", json={"name": "Late"})
    assert_error(limited, 429, "too_many_requests")
    assert int(limited.headers["Retry-After"]) > 0
    assert client.get(f"/api/sessions/{slug}").status_code == 200  # reads are not limited
    other = client.post("/api/clubs", json={"name": "Elsewhere"},
                        environ_base={"REMOTE_ADDR": "10.9.9.9"})
    assert other.status_code == 201  # another client has its own count
    hazard = client.post("/api/hazards", json={"kind": "pothole", "severity": "low",
                                               "lat": CENTER_LAT, "lon": CENTER_LON})
    assert hazard.status_code == 201  # the hazards' writes count apart
    assert counts(app) == (1, 1, 3)


def test_absolute_urls_come_from_the_public_url_never_the_host_header(
        make_app: Callable[..., Flask], sessions_region: Region) -> None:
    """Host reflection: with ``VENUEFINDER_PUBLIC_URL`` set, a request's Host (anyone may
    send one) never reaches a link in JSON, a calendar or a page; unset, links follow the
    request as before."""
    evil = {"Host": "evil.example"}
    client = make_app(sessions_region, public_url="https://runs.example.org").test_client()
    club = client.post("/api/clubs", json={"name": "Hosts"}, headers=evil).get_json()
    made = client.post("/api/sessions", json=session_body(club=club["slug"]),
                       headers={**evil, **bearer(club["edit_token"])}).get_json()
    slug = made["slug"]
    detail = client.get(f"/api/sessions/{slug}", headers=evil).get_json()
    urls = [club["url"], club["feed"], made["url"], made["edit_url"], made["ics"],
            *(o["url"] for o in made["occurrences"]), detail["url"], detail["ics"]]
    assert all(url.startswith("https://runs.example.org/") for url in urls), urls
    assert made["edit_url"] == (f"https://runs.example.org/s/{slug}/edit?token="
                                f"{made['edit_token']}")
    for url in (f"/s/{slug}.ics", f"/c/{club['slug']}.ics"):
        body = client.get(url, headers=evil).get_data(as_text=True)
        assert f"https://runs.example.org/s/{slug}" in body.replace("\r\n ", "")
        assert "evil.example" not in body
    for url in (f"/s/{slug}", f"/c/{club['slug']}"):
        page = client.get(url, headers=evil).get_data(as_text=True)
        assert "https://runs.example.org/" in page and "evil.example" not in page
    plain = make_app(sessions_region).test_client()
    made = plain.post("/api/sessions", json=session_body(), headers=evil).get_json()
    assert made["url"] == f"http://evil.example/s/{made['slug']}"


def test_one_address_holds_at_most_its_sign_ups_per_session(
        make_app: Callable[..., Flask], sessions_region: Region) -> None:
    """Sign-up squatting: past ``signups_per_client`` (3 by default) a client's sign-ups at
    a session answer 429 JSON and store nothing; other clients and other sessions are not
    touched."""
    app = make_app(sessions_region)
    client = app.test_client()
    slug, other = create(client, capacity=12)["slug"], create(client)["slug"]
    one = {"REMOTE_ADDR": "10.9.9.9"}
    answers = [client.post(f"/api/sessions/{slug}/signups",
                           json={"name": f"Squat {i}", "role": "can_spot"}, environ_base=one)
               for i in range(6)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429, 429]
    assert_error(answers[3], 429, "too_many_requests")
    assert "3 sign-ups from one address at one session" in answers[3].get_json()["message"]
    assert len(client.get(f"/api/sessions/{slug}").get_json()["signups"]) == 3
    assert sign_up(client, slug, "Bea")["status"] == "confirmed"
    assert client.post(f"/api/sessions/{other}/signups", json={"name": "Ann", "role": "can_spot"},
                       environ_base=one).status_code == 201
    assert make_app(sessions_region, signups_per_client=1).test_client().post(
        f"/api/sessions/{other}/signups", json={"name": "Ann", "role": "can_spot"},
        environ_base=one).status_code == 429
