"""The club-session pages with Flask's client: the organiser's form, the shareable page,
sign-ups with pairs and the waitlist, the edit and cancel links, clubs, and bad input of
every kind answered with an HTML page and a reason (nothing stored).

The region is the tiny one with Kaivo Field (way/1, a lit 120 m square) measured by the
room criterion, so sessions there pass their checks; Sand Track (way/3) has no room
measured, so a session there is refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from html import unescape
from typing import Any, Callable
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from venuefinder.region import Region
from venuefinder.sessions.checks import check_daylight
from venuefinder.store.models import Club, ClubSession, Signup

from .regions import tiny_region_with_room
from .test_sessions_api import ADDRESSES

SCRIPT = "<script>alert(1)</script>"
HELSINKI = ZoneInfo("Europe/Helsinki")
#: A day a week ahead: in the future, within a year, whatever day the tests run.
DAY = (date.today() + timedelta(days=7)).isoformat()


@pytest.fixture(scope="module")
def region_with_room() -> Region:
    return tiny_region_with_room(usable_area_m2=12000.0)


@pytest.fixture
def app(make_app: Callable[..., Flask], region_with_room: Region) -> Flask:
    return make_app(region_with_room)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def csrf(client: FlaskClient) -> str:
    """The client's CSRF token (a page gives it and opens the cookie session)."""
    return re.search(r'name="csrf_token" value="([^"]+)"',
                     client.get("/clubs/new").get_data(as_text=True)).group(1)


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def form(**overrides: Any) -> dict[str, Any]:
    fields = {"venue": "way/1", "title": "Backwards on Tuesdays", "date": DAY,
              "time": "18:00", "duration_min": "60", "group_size": "8", "capacity": "12",
              "plan": "first-steps", "meeting_lat": "", "meeting_lon": "",
              "meeting_note": "", "notes": "", "repeat_weeks": "1", "club": "",
              "club_token": ""}
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def create(client: FlaskClient, **overrides: Any) -> tuple[str, str]:
    """Publish a session from the form; its slug and edit token."""
    response = client.post("/sessions/new", data={"csrf_token": csrf(client),
                                                  **form(**overrides)})
    assert response.status_code == 201, text(response)
    edit = unescape(re.search(r'id="edit-link" class="secret-link" href="([^"]+)"',
                              text(response)).group(1))
    slug, token = re.search(r"/s/([\w-]{12})/edit\?token=([\w-]+)$", edit).groups()
    return slug, token


def sign_up(client: FlaskClient, slug: str, name: str, role: str) -> Any:
    """*name* signs up from *client*'s browser, at an address of its own (one address holds
    few sign-ups)."""
    return client.post(f"/s/{slug}/signups", data={"csrf_token": csrf(client), "name": name,
                                                   "role": role},
                       environ_base={"REMOTE_ADDR": next(ADDRESSES)})


def count(app: Flask, model: Any) -> int:
    with app.extensions["venuefinder.store"].read() as session:
        return session.scalar(select(func.count()).select_from(model))


def assert_page(response: Any, status: int, *needles: str) -> str:
    """An HTML page with *status*, no-store, the pages' CSP, saying each of *needles* (in
    its markup or its text)."""
    assert response.status_code == status, text(response)[:3000]
    assert response.mimetype == "text/html"
    assert response.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    body = unescape(text(response))
    words = " ".join(unescape(re.sub(r"<[^>]+>", "", text(response))).split())
    for needle in needles:
        assert needle in body or needle in words, (needle, words[:3000])
    assert "Traceback" not in body
    return body


# -- the organiser's form -----------------------------------------------------------------

def test_the_form_shows_the_venue_s_zone_suggested_meeting_point_and_plans(
        client: FlaskClient, region_with_room: Region) -> None:
    suggestion = region_with_room.meeting_point("way/1")
    body = assert_page(client.get("/sessions/new?venue=way/1"), 200,
                       "Plan a group session at Kaivo Field — football pitch",
                       "Europe/Helsinki", suggestion.reason, "First steps (17 min)",
                       "1 min backwards at half speed ≈ 90 m ≈ one length of this venue's "
                       "110 m longest straight run")
    assert f'value="{suggestion.lat:.6f}"' in body and f'value="{suggestion.lon:.6f}"' in body
    # Scripts only from files; data in JSON blocks.
    for tag in re.findall(r"<script[^>]*>", body):
        assert 'src="/static/' in tag or 'type="application/json"' in tag, tag


def test_the_form_suggests_a_start_tomorrow_in_daylight_at_the_venue(
        client: FlaskClient) -> None:
    body = text(client.get("/sessions/new?venue=way/1"))
    day = re.search(r'id="date" name="date" type="date" required value="([^"]+)"', body)
    time = re.search(r'id="time" name="time" type="time" required value="([^"]+)"', body)
    start = datetime.fromisoformat(f"{day.group(1)}T{time.group(1)}").replace(
        tzinfo=HELSINKI)
    assert start.date() == datetime.now(HELSINKI).date() + timedelta(days=1)
    assert start.minute % 15 == 0
    daylight = check_daylight(60.17, 24.94, start, start + timedelta(minutes=60), "no")
    assert daylight.level == "ok", daylight.reason


def test_without_a_venue_the_form_asks_for_one(client: FlaskClient) -> None:
    assert_page(client.get("/sessions/new"), 200, "First choose the venue", "Venue id")


@pytest.mark.parametrize("venue, status, reason", [
    ("way/999", 404, "no venue way/999 in this region"),
    ("junk", 400, "venue"),
    (SCRIPT, 400, "venue"),
])
def test_an_unknown_or_malformed_venue_is_a_page_with_the_reason(
        client: FlaskClient, venue: str, status: int, reason: str) -> None:
    body = assert_page(client.get("/sessions/new", query_string={"venue": venue}), status,
                       reason)
    assert "<script>alert" not in text(client.get("/sessions/new",
                                                  query_string={"venue": venue}))
    assert body


def test_publishing_shows_the_edit_link_once_and_the_page_has_it_all(
        client: FlaskClient, app: Flask) -> None:
    response = client.post("/sessions/new", data={"csrf_token": csrf(client), **form(
        meeting_lat="60.169500", meeting_lon="24.940000", meeting_note="By the gate",
        notes="Bring water")})
    body = assert_page(response, 201, "Published: Backwards on Tuesdays",
                       "shown only this once", "Share this link")
    edit = re.search(r'id="edit-link" class="secret-link" href="([^"]+)"', body).group(1)
    slug, token = re.search(r"/s/([\w-]{12})/edit\?token=([\w-]+)$", edit).groups()
    assert count(app, ClubSession) == 1

    page = assert_page(client.get(f"/s/{slug}"), 200, "Backwards on Tuesdays",
                       "18:00–19:00 (Europe/Helsinki, UTC+0",
                       "At Kaivo Field — football pitch",
                       "Meet at 60.16950, 24.94000: By the gate", "Plan: First steps",
                       '<td class="plan-total" colspan="2">17 min</td>',
                       "6 × 1 min, 1 min walking recovery (12 min in all)",
                       "Bring water", f"/s/{slug}.ics",
                       "0 of 12 places taken", "I need a spotter", "I can spot")
    assert token not in page  # the edit token is shown once, on publishing only
    checks = re.findall(r'data-check="(\w+)"><span class="level">(\w+)</span>', page)
    assert [name for name, _ in checks] == ["fit", "run", "plan", "daylight", "hazards",
                                           "score"]
    assert dict(checks)["fit"] == "ok"


def test_a_refused_session_is_not_published_and_the_checks_say_why(
        client: FlaskClient, app: Flask) -> None:
    response = client.post("/sessions/new", data={"csrf_token": csrf(client),
                                                  **form(venue="way/3")})
    body = assert_page(response, 400, "Not published", "cannot publish this session",
                       "No usable room measured at this venue")
    assert re.search(r'class="check refuse" data-check="fit"', body)
    assert 'value="Backwards on Tuesdays"' in body  # the form keeps what was typed
    assert count(app, ClubSession) == 0


def test_a_poor_or_vetoed_venue_is_not_published_and_the_check_says_why(
        client: FlaskClient, app: Flask) -> None:
    """Busy Corner Park: 42/100, held down by traffic (a warning before: now refused)."""
    response = client.post("/sessions/new", data={"csrf_token": csrf(client),
                                                  **form(venue="way/2")})
    body = assert_page(response, 400, "Not published", "Venue score 42/100 (poor)",
                       "held down by traffic", "choose another venue")
    assert re.search(r'class="check refuse" data-check="score"', body)
    assert count(app, ClubSession) == 0


@pytest.mark.parametrize("overrides, reason", [
    ({"group_size": "0"}, "group_size must be 1–200, not 0"),
    ({"group_size": "10000"}, "group_size must be 1–200, not 10000"),
    ({"group_size": "eight"}, "expected group size must be a whole number, got 'eight'"),
    ({"capacity": "1.5"}, "capacity must be a whole number"),
    ({"meeting_lat": "NaN", "meeting_lon": "24.94"},
     "meeting point latitude must be a finite number, got 'NaN'"),
    ({"meeting_lat": "60.17"}, "give both latitude and longitude"),
    ({"meeting_lat": "60.2", "meeting_lon": "24.94"}, "from the venue: at most 500 m"),
    ({"date": "2020-01-01"}, "is in the past"),
    ({"date": "tomorrow"}, "give the day as YYYY-MM-DD"),
    ({"time": "25:61"}, "is not a real date and time"),
    ({"plan": "marathon"}, "plan: one of first-steps, build-up, yo-yo"),
    ({"title": ""}, "title is required"),
    ({"title": "x" * 121}, "title is 121 characters; at most 120"),
    ({"junk": "1"}, "unknown form field(s): junk"),
    ({SCRIPT: "1"}, "unknown form field(s): <script>alert(1)</script>"),
    ({"club": "no-such-club-123456", "club_token": "x"}, "no club no-such-club-123456"),
])
def test_bad_input_is_a_400_or_404_page_with_the_reason_and_nothing_stored(
        client: FlaskClient, app: Flask, overrides: dict[str, str], reason: str) -> None:
    response = client.post("/sessions/new", data={"csrf_token": csrf(client),
                                                  **form(**overrides)})
    assert_page(response, 404 if "club" in overrides else 400, reason)
    assert "<script>alert" not in text(response)
    assert count(app, ClubSession) == 0


def test_a_field_sent_twice_is_refused(client: FlaskClient, app: Flask) -> None:
    data = MultiDict([("csrf_token", csrf(client)), *form().items(), ("capacity", "13")])
    assert_page(client.post("/sessions/new", data=data), 400,
                "the form field capacity was sent 2 times")
    assert count(app, ClubSession) == 0


def test_an_own_plan_adds_up(client: FlaskClient) -> None:
    steps = {"step_label": ["Walk backwards", "Intervals", ""],
             "step_minutes": ["10", "2", ""], "step_repeat": ["", "5", ""],
             "step_recovery": ["", "1", ""], "step_pace": ["walk", "half", ""]}
    slug, _ = create(client, plan="custom", **steps)
    # 10 min + 5 × (2 + 1) min
    assert_page(client.get(f"/s/{slug}"), 200, "Plan: Own plan",
                '<td class="plan-total" colspan="2">25 min</td>',
                "5 × 2 min, 1 min walking recovery (15 min in all)")


def test_an_own_plan_with_a_bad_step_says_which(client: FlaskClient) -> None:
    steps = {"step_label": ["Intervals"], "step_minutes": ["two"], "step_repeat": ["1"],
             "step_recovery": ["0"], "step_pace": [""]}
    response = client.post("/sessions/new", data={"csrf_token": csrf(client),
                                                  **form(plan="custom", **steps)})
    assert_page(response, 400, "step 1: minutes must be a number, got 'two'")


def test_weekly_sessions_each_get_a_page(client: FlaskClient) -> None:
    response = client.post("/sessions/new", data={"csrf_token": csrf(client),
                                                  **form(repeat_weeks="3")})
    body = assert_page(response, 201, "3 sessions in all")
    slugs = re.findall(r'href="/s/([\w-]{12})">', body)
    assert len(set(slugs)) == 3
    assert_page(client.get(f"/s/{slugs[2]}"), 200, "week 3 of a weekly series")


# -- CSRF, rate limit, body size ----------------------------------------------------------

@pytest.mark.parametrize("url", ["/sessions/new", "/clubs/new", "/s/AAAAAAAAAAAA/signups",
                                 "/s/AAAAAAAAAAAA/edit", "/s/AAAAAAAAAAAA/cancel",
                                 "/s/AAAAAAAAAAAA/signups/1/cancel"])
@pytest.mark.parametrize("token", [None, "wrong"])
def test_a_post_without_the_csrf_token_is_refused(client: FlaskClient, app: Flask, url: str,
                                                  token: Any) -> None:
    csrf(client)  # the cookie session exists; the token sent is missing or wrong
    data = {**form(), "name": "Ann"} if url == "/sessions/new" else {"name": "Ann"}
    if token:
        data["csrf_token"] = token
    assert_page(client.post(url, data=data), 403, "CSRF token is missing or stale")
    assert count(app, ClubSession) == count(app, Club) == 0


def test_writes_are_rate_limited_per_client(make_app: Callable[..., Flask],
                                            region_with_room: Region) -> None:
    client = make_app(region_with_room, rate_limit="1000 per minute",
                      write_rate_limit="2 per minute").test_client()
    token = csrf(client)
    for name in ("One", "Two"):
        assert client.post("/clubs/new", data={"csrf_token": token,
                                               "name": name}).status_code == 201
    response = client.post("/clubs/new", data={"csrf_token": token, "name": "Three"})
    assert_page(response, 429, "too many requests")
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/clubs/new").status_code == 200  # reading is not a write


def test_an_oversized_body_is_a_413_page(client: FlaskClient, app: Flask) -> None:
    data = {"csrf_token": csrf(client), **form(notes="x" * 70_000)}
    assert_page(client.post("/sessions/new", data=data), 413, "too large")
    assert count(app, ClubSession) == 0


# -- sign-ups, pairs, the waitlist --------------------------------------------------------

def test_signing_up_pairs_a_runner_with_a_spotter(app: Flask, client: FlaskClient) -> None:
    slug, _ = create(client)
    runner, spotter = app.test_client(), app.test_client()

    response = sign_up(runner, slug, f"Ann {SCRIPT}", "needs_spotter")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/s/{slug}#you")
    page = assert_page(runner.get(f"/s/{slug}"), 200,
                       f"You're confirmed, Ann {SCRIPT} (needs a spotter); no spotter is "
                       "free yet", "1 runner still needs a spotter")
    assert "<script>alert" not in text(runner.get(f"/s/{slug}"))
    assert re.search(rf"/s/{slug}/signups/\d+/cancel\?token=[\w-]+", page)

    assert sign_up(spotter, slug, "Bo", "can_spot").status_code == 303
    page = assert_page(spotter.get(f"/s/{slug}"), 200, "You're confirmed, Bo (can spot), "
                       f"paired with Ann {SCRIPT}", f"Ann {SCRIPT} is spotted by Bo",
                       "0 runners still need a spotter", "2 of 12 places taken")
    assert "You're confirmed, Ann" not in page  # each browser sees only its own
    assert_page(runner.get(f"/s/{slug}"), 200, f"You're confirmed, Ann {SCRIPT} "
                "(needs a spotter), paired with Bo")
    # Someone else sees who is coming, and nobody's cancel link.
    other = assert_page(app.test_client().get(f"/s/{slug}"), 200, f"Ann {SCRIPT}", "Bo")
    assert "/cancel?token=" not in other and 'id="you"' not in other


def test_when_a_spotter_cancels_the_page_says_whose_and_the_next_free_one_spots(
        app: Flask, client: FlaskClient) -> None:
    slug, token = create(client)
    for name, role in (("Bea", "needs_spotter"), ("Cy", "can_spot"), ("Ann", "needs_spotter"),
                       ("Dan", "can_spot"), ("Eve", "can_spot")):
        assert sign_up(app.test_client(), slug, name, role).status_code == 303
    with app.extensions["venuefinder.store"].read() as session:
        cy = session.scalar(select(Signup.id).where(Signup.name == "Cy"))
    response = client.post(f"/s/{slug}/signups/{cy}/cancel",
                           data={"csrf_token": csrf(client), "token": token})
    assert response.status_code == 200
    page = assert_page(client.get(f"/s/{slug}"), 200,
                       "Bea's spotter left: Eve, the next free spotter, spots Bea now.",
                       "Bea is spotted by Eve", "Ann is spotted by Dan")
    assert "Ann's spotter left" not in page


@pytest.mark.parametrize("data, reason", [
    ({"name": "", "role": "can_spot"}, "name is required"),
    ({"name": "Ann", "role": "driver"}, "role is one of can_spot, needs_spotter"),
    ({"name": "Ann"}, "role is one of can_spot, needs_spotter"),
    ({"name": "x" * 41, "role": "can_spot"}, "name is 41 characters; at most 40"),
    ({"name": "Ann", "role": "can_spot", "email": "a@b.c"}, "unknown form field(s): email"),
])
def test_a_bad_sign_up_is_a_400_page_and_nothing_stored(
        app: Flask, client: FlaskClient, data: dict[str, str], reason: str) -> None:
    slug, _ = create(client)
    response = client.post(f"/s/{slug}/signups", data={"csrf_token": csrf(client), **data})
    assert_page(response, 400, reason)
    assert count(app, Signup) == 0


def test_the_waitlist_moves_up_when_someone_cancels(app: Flask, client: FlaskClient) -> None:
    slug, _ = create(client, capacity="1")
    first, second = app.test_client(), app.test_client()
    sign_up(first, slug, "Ann", "needs_spotter")
    sign_up(second, slug, "Bo", "can_spot")
    assert_page(second.get(f"/s/{slug}"), 200, "You're on the waitlist, Bo: number 1",
                "1 of 1 places taken, 1 on the waitlist",
                "The session is full: you will join the waitlist")

    cancel = unescape(re.search(r'class="cancel-link" href="([^"]+)"',
                                text(first.get(f"/s/{slug}"))).group(1))
    confirm = assert_page(first.get(cancel), 200, "Cancel Ann's sign-up?")
    token = re.search(r'name="token" value="([^"]+)"', confirm).group(1)
    action = re.search(r'<form method="post" action="([^"]+)" id="confirm-cancel"',
                       confirm).group(1)
    response = first.post(action, data={"csrf_token": csrf(first), "token": token})
    assert_page(response, 200, "Sign-up cancelled", "From the waitlist, Bo has the place")
    assert_page(second.get(f"/s/{slug}"), 200, "You're confirmed, Bo (can spot)",
                "1 of 1 places taken ·")
    page = text(first.get(f"/s/{slug}"))
    assert 'id="you"' not in page and 'id="waitlist"' not in page
    # Cancelling again: nothing left to cancel.
    assert_page(first.get(cancel), 200, "Nothing to cancel")


def test_a_sign_up_cannot_be_cancelled_without_its_token(app: Flask,
                                                         client: FlaskClient) -> None:
    slug, _ = create(client)
    sign_up(client, slug, "Ann", "needs_spotter")
    signup_id = re.search(rf"/s/{slug}/signups/(\d+)/cancel",
                          text(client.get(f"/s/{slug}"))).group(1)
    for token in ("", "wrong"):
        response = client.post(f"/s/{slug}/signups/{signup_id}/cancel",
                               data={"csrf_token": csrf(client), "token": token})
        assert_page(response, 403, "cancelling a sign-up needs its cancel token")
    assert_page(client.get(f"/s/{slug}"), 200, "1 of 12 places taken")


def test_unknown_sessions_and_clubs_are_404_pages(client: FlaskClient) -> None:
    assert_page(client.get("/s/AAAAAAAAAAAA"), 404, "no such session")
    assert_page(client.get("/c/no-such-club-123456"), 404, "no club no-such-club-123456")
    assert_page(client.get("/s/short"), 400, "a session's address looks like")
    assert_page(client.get("/s/AAAAAAAAAAAA/signups/1/cancel"), 404, "no such session")
    assert_page(client.get("/s/AAAAAAAAAAAA/signups/-1/cancel"), 400,
                "a sign-up id is a whole number")


# -- editing and cancelling ---------------------------------------------------------------

@pytest.mark.parametrize("query", ["", "?token=", "?token=wrong"])
def test_the_edit_page_needs_the_edit_token(client: FlaskClient, query: str) -> None:
    slug, _ = create(client)
    assert_page(client.get(f"/s/{slug}/edit{query}"), 403, "needs the session's edit link")


def test_editing_with_the_token_changes_what_was_changed(app: Flask,
                                                          client: FlaskClient) -> None:
    slug, token = create(client, title="Before")
    sign_up(app.test_client(), slug, "Ann", "needs_spotter")
    page = assert_page(client.get(f"/s/{slug}/edit?token={token}"), 200, "Edit: Before",
                       "Cancel this session")
    values = dict(re.findall(r'<input id="(\w+)" name="\w+"[^>]* value="([^"]*)"', page))
    assert values["title"] == "Before" and values["capacity"] == "12"
    data = {"csrf_token": csrf(client), "token": token, **{
        k: v for k, v in form(title=f"After {SCRIPT}", capacity="5").items()
        if k not in ("venue", "repeat_weeks", "club", "club_token")}}

    wrong = client.post(f"/s/{slug}/edit", data={**data, "token": "wrong"})
    assert_page(wrong, 403, "needs the session's edit link")
    response = client.post(f"/s/{slug}/edit", data=data)
    assert response.status_code == 303, text(response)
    page = assert_page(client.get(f"/s/{slug}"), 200, "Your changes are saved.",
                       f"After {SCRIPT}", "1 of 5 places taken")
    assert "<script>alert" not in text(client.get(f"/s/{slug}"))
    assert "Your changes are saved." not in text(client.get(f"/s/{slug}"))  # said once

    assert_page(client.post(f"/s/{slug}/edit", data=data), 400, "nothing was changed")
    below = client.post(f"/s/{slug}/edit", data={**data, "capacity": "0"})
    assert_page(below, 400, "capacity must be 1–200, not 0")
    assert client.post(f"/s/{slug}/edit", data={**data, "plan": "build-up"}).status_code == 303
    assert_page(client.get(f"/s/{slug}"), 200, "Plan: Build-up, week 1", f"After {SCRIPT}")


def test_cancelling_shows_on_the_page_and_closes_sign_ups(app: Flask,
                                                         client: FlaskClient) -> None:
    slug, token = create(client)
    assert_page(client.post(f"/s/{slug}/cancel", data={"csrf_token": csrf(client),
                                                       "token": "wrong"}), 403,
                "this needs the session's edit token")
    assert 'id="cancelled"' not in text(client.get(f"/s/{slug}"))
    response = client.post(f"/s/{slug}/cancel", data={"csrf_token": csrf(client),
                                                      "token": token})
    assert response.status_code == 303
    page = assert_page(client.get(f"/s/{slug}"), 200,
                       "Cancelled: this session will not take place",
                       "This session is cancelled: sign-ups are closed")
    assert 'id="signup-form"' not in page
    assert_page(sign_up(app.test_client(), slug, "Ann", "can_spot"), 400,
                "this session is cancelled")
    assert_page(client.get(f"/s/{slug}/edit?token={token}"), 200,
                "This session is cancelled: it can no longer be changed")
    assert count(app, Signup) == 0


# -- clubs --------------------------------------------------------------------------------

def test_a_club_shows_its_token_once_and_lists_its_sessions(app: Flask,
                                                            client: FlaskClient) -> None:
    response = client.post("/clubs/new", data={"csrf_token": csrf(client),
                                               "name": f"Töölö {SCRIPT}"})
    body = assert_page(response, 201, f"Töölö {SCRIPT} is ready", "shown only this once")
    assert "<script>alert" not in text(response)
    club = re.search(r'id="club-slug">([^<]+)<', body).group(1)
    club_token = re.search(r'id="club-token" class="secret-link">([^<]+)<', body).group(1)

    refused = client.post("/sessions/new", data={"csrf_token": csrf(client), **form(
        club=club, club_token="wrong")})
    assert_page(refused, 403, "this needs the club's edit token")
    assert count(app, ClubSession) == 0

    slug, _ = create(client, club=club, club_token=club_token, title="Club run")
    page = assert_page(client.get(f"/c/{club}"), 200, f"Töölö {SCRIPT}", "Club run",
                       f"http://localhost/c/{club}.ics", "0 of 12 places taken")
    assert f'href="/s/{slug}"' in page
    assert club_token not in page
    assert_page(client.get(f"/s/{slug}"), 200, f"a session of {club}")


def test_a_club_without_a_name_is_refused(app: Flask, client: FlaskClient) -> None:
    assert_page(client.post("/clubs/new", data={"csrf_token": csrf(client), "name": " "}),
                400, "club name is required")
    assert count(app, Club) == 0


def test_a_new_club_has_no_sessions_yet(client: FlaskClient) -> None:
    body = text(client.post("/clubs/new", data={"csrf_token": csrf(client), "name": "Quiet"}))
    club = re.search(r'id="club-slug">([^<]+)<', body).group(1)
    assert_page(client.get(f"/c/{club}"), 200, "No upcoming sessions.")


def test_the_pages_are_in_the_openapi_document_as_html(client: FlaskClient) -> None:
    paths = client.get("/api/openapi.json").get_json()["paths"]
    for path, method in [("/sessions/new", "get"), ("/sessions/new", "post"),
                         ("/s/{slug}", "get"), ("/s/{slug}/signups", "post"),
                         ("/s/{slug}/edit", "get"), ("/s/{slug}/edit", "post"),
                         ("/s/{slug}/cancel", "post"), ("/c/{slug}", "get"),
                         ("/clubs/new", "get"), ("/clubs/new", "post"),
                         ("/s/{slug}/signups/{signup_id}/cancel", "get"),
                         ("/s/{slug}/signups/{signup_id}/cancel", "post")]:
        responses = paths[path][method]["responses"]
        ok = next(status for status in responses if status.startswith(("2", "3")))
        assert list(responses[ok]["content"]) == ["text/html"], (path, method)


def test_empty_meeting_boxes_meet_where_the_api_would(client: FlaskClient,
                                                      region_with_room: Region) -> None:
    """No point chosen: the venue's suggested point and its reason, as the JSON API does."""
    slug, _ = create(client, meeting_lat="", meeting_lon="")
    point = region_with_room.meeting_point("way/1")
    assert_page(client.get(f"/s/{slug}"), 200,
                f"Meet at {point.lat:.5f}, {point.lon:.5f}: {point.reason}.")


def test_past_its_sign_ups_a_browser_gets_a_page_saying_so(app: Flask,
                                                           client: FlaskClient) -> None:
    slug, _ = create(client)
    here = {"REMOTE_ADDR": "10.8.8.8"}
    token = csrf(client)
    answers = [client.post(f"/s/{slug}/signups", data={"csrf_token": token, "name": f"R{i}",
                                                       "role": "can_spot"}, environ_base=here)
               for i in range(4)]
    assert [a.status_code for a in answers[:3]] == [303] * 3
    assert_page(answers[3], 429, "No more sign-ups from here: the limit is 3 sign-ups from "
                "one address at one session. Everyone else signs up for themselves.")
    assert count(app, Signup) == 3
