"""Text people write, on the web, on SQLite and PostgreSQL: one rule
(:func:`venuefinder.validate.user_text`) wherever the API or a form takes text.

* A NUL (or another control character) is a 400 and stores nothing: a hazard's description
  and a flag's reason were a 500 on PostgreSQL (its text cannot hold NUL) and stored on
  SQLite.
* Line breaks: a browser sends a text area's as CRLF, and the notes' check refused CR, so
  two-line notes could not be published from the form, nor a session with notes edited
  from its page.
* Bidi: a display name's unclosed right-to-left override turned the page's own words
  around (``(rettops a sdeen) Alice``): such controls are removed when stored, and every
  page isolates what users wrote (``<bdi>``).
"""

from __future__ import annotations

import os
import re
from html import unescape
from typing import Any, Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from venuefinder.store.db import open_store, upgrade
from venuefinder.store.models import Club, ClubSession, Hazard, Signup, Vote

from ..store.conftest import PG_ENV, _unavailable
from .regions import CENTER_LAT, CENTER_LON, tiny_region_with_room
from .test_session_pages import csrf, form
from .test_sessions_api import bearer, session_body

NUL = "\x00"
RLO = "\u202e"
TOKEN = "user-text-admin-token"


@pytest.fixture(params=["sqlite", "postgresql"])
def app(request: pytest.FixtureRequest, make_app: Callable[..., Flask]) -> Flask:
    """The app with room measured at Kaivo Field, on each database (PostgreSQL: the store
    tests' database, emptied)."""
    overrides: dict[str, Any] = {"admin_token": TOKEN}
    if request.param == "postgresql":
        overrides["database_url"] = empty_postgres()
    return make_app(tiny_region_with_room(usable_area_m2=12000.0), **overrides)


def empty_postgres() -> str:
    """The store tests' PostgreSQL database, migrated, without hazards or sessions (another
    test's reports would score the venue down); skipped without it, failed under CI=true."""
    url = os.environ.get(PG_ENV, "")
    if not url:
        _unavailable(f"{PG_ENV} is not set (`make test` sets up PostgreSQL when root)")
    store = open_store(url)
    try:
        upgrade(store)
        with store.engine.begin() as connection:
            connection.execute(text("TRUNCATE hazard_votes, hazards, session_signups, "
                                    "club_sessions, clubs RESTART IDENTITY CASCADE"))
    finally:
        store.engine.dispose()
    return url


def counts(app: Flask) -> tuple[int, ...]:
    with app.extensions["venuefinder.store"].read() as session:
        return tuple(session.scalar(select(func.count()).select_from(m))
                     for m in (Hazard, Vote, Club, ClubSession, Signup))


def new_session(client: FlaskClient, **overrides: Any) -> dict:
    response = client.post("/api/sessions", json=session_body(**overrides))
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def page_form(client: FlaskClient, url: str, **fields: Any):
    return client.post(url, data={"csrf_token": csrf(client), **fields})


def test_nul_anywhere_is_a_400_and_stores_nothing(app: Flask) -> None:
    client = app.test_client()
    hazard = client.post("/api/hazards", json={"kind": "glass", "severity": "low",
                                               "lat": CENTER_LAT, "lon": CENTER_LON})
    assert hazard.status_code == 201, hazard.get_json()
    hazard_id = hazard.get_json()["id"]
    made = new_session(client)
    before = counts(app)
    answers = {
        "description": client.post("/api/hazards", json={
            "kind": "pothole", "severity": "high", "lat": CENTER_LAT + 0.001,
            "lon": CENTER_LON, "description": f"deep{NUL}hole"}),
        "reason": client.post(f"/api/hazards/{hazard_id}/flag", json={"reason": f"x{NUL}"}),
        "club name": client.post("/api/clubs", json={"name": f"Club{NUL}"}),
        "title": client.post("/api/sessions", json=session_body(title=f"a{NUL}b")),
        "notes": client.post("/api/sessions", json=session_body(notes=f"a\n{NUL}")),
        "meeting_note": client.post("/api/sessions", json=session_body(
            meeting_note=f"gate{NUL}")),
        "edit": client.patch(f"/api/sessions/{made['slug']}", json={"notes": NUL},
                             headers=bearer(made["edit_token"])),
        "name": client.post(f"/api/sessions/{made['slug']}/signups",
                            json={"name": f"Ann{NUL}", "role": "can_spot"}),
    }
    for what, answer in answers.items():
        assert answer.status_code == 400, (what, answer.get_json())
        assert "control characters" in answer.get_json()["message"], what
    pages = {
        "form title": page_form(client, "/sessions/new", **form(title=f"a{NUL}")),
        "form notes": page_form(client, "/sessions/new", **form(notes=f"a\r\n{NUL}")),
        "club form": page_form(client, "/clubs/new", name=f"Club{NUL}"),
        "sign-up form": page_form(client, f"/s/{made['slug']}/signups", name=f"A{NUL}",
                                  role="can_spot"),
    }
    for what, answer in pages.items():
        assert answer.status_code == 400 and answer.mimetype == "text/html", what
        assert "control characters" in answer.get_data(as_text=True), what
    assert counts(app) == before
    assert client.get(f"/api/sessions/{made['slug']}").get_json()["notes"] is None


def test_two_line_notes_are_published_and_edited_from_the_pages(app: Flask) -> None:
    """As a browser sends a text area: CRLF."""
    client = app.test_client()
    made = page_form(client, "/sessions/new", **form(notes="Bring water.\r\nMeet early."))
    assert made.status_code == 201, unescape(made.get_data(as_text=True))[-2000:]
    edit = unescape(re.search(r'id="edit-link" class="secret-link" href="([^"]+)"',
                              made.get_data(as_text=True)).group(1))
    slug, token = re.search(r"/s/([\w-]{12})/edit\?token=([\w-]+)$", edit).groups()
    assert client.get(f"/api/sessions/{slug}").get_json()["notes"] == \
        "Bring water.\nMeet early."
    # The edit page shows the notes; the browser sends them back as CRLF with a new title.
    page = client.get(f"/s/{slug}/edit?token={token}")
    assert page.status_code == 200
    fields = form(title="Backwards, two lines", notes="Bring water.\r\nMeet early.")
    del fields["venue"], fields["repeat_weeks"], fields["club"], fields["club_token"]
    saved = page_form(client, f"/s/{slug}/edit", token=token, **fields)
    assert saved.status_code == 303, unescape(saved.get_data(as_text=True))[-2000:]
    data = client.get(f"/api/sessions/{slug}").get_json()
    assert (data["title"], data["notes"]) == ("Backwards, two lines", "Bring water.\nMeet early.")
    # The API takes CR too, and keeps line feeds.
    made = new_session(client, notes="one\r\ntwo\rthree")
    assert client.get(f"/api/sessions/{made['slug']}").get_json()["notes"] == "one\ntwo\nthree"


def unisolated(html: str, value: str) -> int:
    """Times *value* shows in *html* outside ``<bdi>``, a form box's value, a text area and
    the title's FSI … PDI."""
    return (html.count(value) - html.count(f"<bdi>{value}</bdi>")
            - html.count(f'value="{value}"') - html.count(f">{value}</textarea>")
            - html.count(f"\u2068{value}\u2069"))


def test_an_unclosed_override_in_a_name_is_removed_and_user_text_is_isolated(
        app: Flask) -> None:
    client = app.test_client()
    club = client.post("/api/clubs", json={"name": "Zed Club"}).get_json()
    response = client.post("/api/sessions", json=session_body(
        title="Zed Title", notes="Zed Notes", meeting_note="Zed Gate", club=club["slug"]),
        headers=bearer(club["edit_token"]))
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    slug = made["slug"]
    signups = [client.post(f"/api/sessions/{slug}/signups", json={"name": name, "role": role},
                           environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).get_json()
               for n, (name, role) in enumerate([(f"Alice {RLO}(needs a spotter)", "can_spot"),
                                                 ("Zed Runner", "needs_spotter")], start=1)]
    assert signups[0]["name"] == "Alice (needs a spotter)"
    page = client.get(f"/s/{slug}").get_data(as_text=True)
    assert RLO not in page
    pages = [page, client.get(f"/c/{club['slug']}").get_data(as_text=True),
             client.get(f"/s/{slug}/edit?token={made['edit_token']}").get_data(as_text=True),
             client.get(f"/s/{slug}/signups/{signups[1]['id']}/cancel").get_data(as_text=True)]
    for html in pages:
        for value in ("Zed Club", "Zed Title", "Zed Notes", "Zed Gate", "Zed Runner",
                      "Alice (needs a spotter)"):
            assert unisolated(html, value) == 0, (value, html)
    assert "<bdi>Zed Runner</bdi>" in pages[0] and "<bdi>Zed Title</bdi>" in pages[0]
    hazard = client.post("/api/hazards", json={"kind": "glass", "severity": "low",
                                               "lat": CENTER_LAT, "lon": CENTER_LON,
                                               "description": "Zed Glass"}).get_json()
    client.post(f"/api/hazards/{hazard['id']}/flag", json={"reason": "Zed Reason"})
    admin = client.get("/admin/hazards", headers={"Authorization": f"Bearer {TOKEN}"})
    html = admin.get_data(as_text=True)
    assert "Zed Glass" in html and "Zed Reason" in html
    assert unisolated(html, "Zed Glass") == 0 and unisolated(html, "Zed Reason") == 0
