"""No overbooking, nothing lost: concurrent sign-ups, cancellations and edits at the
production command (gunicorn, several gevent workers) on SQLite and on PostgreSQL.

* 100 concurrent sign-ups for 20 places: exactly 20 confirmed, 80 waitlisted, all 100
  stored, and the confirmed are the first 20 in sign-up order.
* Cancelling 5 confirmed at once promotes exactly 5: the 5 earliest waitlisted.
* Editing the session (title, notes, capacity) while sign-ups arrive loses neither: every
  edit is counted in the version and the last one stands; every sign-up is stored, and the
  confirmed are the first ``capacity`` in sign-up order.

The server harness is :mod:`tests.web.test_no_loss`'s; the PostgreSQL variants use
``VENUEFINDER_TEST_DATABASE_URL`` and skip without it (fail under ``CI=true``), as the store
tests do.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Iterator
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import text

from venuefinder.store.db import open_store

from .test_no_loss import (Server, cache,  # noqa: F401 (cache: a shared fixture)
                           empty_store_url, request)

PLACES = 20
SIGNUPS = 100
CANCELS = 5
THREADS = 32
#: The tiny extract's pitch "Kenttä" (an 80 m square in central Helsinki).
VENUE = "way/100"


def signup_rows(url: str, slug: str) -> list[tuple[int, str, str]]:
    """``(id, name, status)`` of the session's sign-ups, in sign-up order, as stored."""
    store = open_store(url)
    try:
        with store.engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(
                "SELECT s.id, s.name, s.status FROM session_signups s JOIN club_sessions c "
                "ON c.id = s.session_id WHERE c.slug = :slug ORDER BY s.id"), {"slug": slug})]
    finally:
        store.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated store of each backend, its session and hazard tables emptied
    (reports left by other tests could score the venue down and refuse the session)."""
    return empty_store_url(request.param, tmp_path, "session_signups, club_sessions, clubs, "
                           "hazard_votes, hazards")


@pytest.fixture
def server(tmp_path: Path, database: str, cache: Path) -> Iterator[Server]:  # noqa: F811
    # Every request comes from 127.0.0.1, standing for many people: no per-client limit.
    running = Server(tmp_path, database, cache, VENUEFINDER_WRITE_RATE_LIMIT="none",
                     VENUEFINDER_SIGNUPS_PER_CLIENT="100000").start()
    yield running
    running.stop()


def new_session(port: int, capacity: int = PLACES) -> dict[str, Any]:
    """A session two days ahead at noon, at the venue's wall-clock time."""
    day = datetime.now(ZoneInfo("Europe/Helsinki")) + timedelta(days=2)
    status, body = request(port, "POST", "/api/sessions", {
        "venue": VENUE, "title": "Concurrency", "start": f"{day:%Y-%m-%d}T12:00",
        "duration_min": 60, "capacity": capacity, "group_size": capacity,
        "plan": "first-steps"})
    assert status == 201, body
    return body


def sign_up(port: int, slug: str, i: int) -> tuple[int, Any]:
    role = "needs_spotter" if i % 2 else "can_spot"
    return request(port, "POST", f"/api/sessions/{slug}/signups",
                   {"name": f"Runner {i:03d}", "role": role}, timeout=60)


def test_100_concurrent_sign_ups_for_20_places_and_5_cancellations(server: Server,
                                                                     database: str) -> None:
    slug = new_session(server.port)["slug"]
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(lambda i: sign_up(server.port, slug, i), range(SIGNUPS)))
    assert [status for status, _ in answers] == [201] * SIGNUPS, \
        [a for a in answers if a[0] != 201][:3]
    receipts = [body for _, body in answers]
    assert sum(r["status"] == "confirmed" for r in receipts) == PLACES
    assert sum(r["status"] == "waitlisted" for r in receipts) == SIGNUPS - PLACES
    assert sorted(r["waitlist_position"] for r in receipts if r["status"] == "waitlisted") \
        == list(range(1, SIGNUPS - PLACES + 1))

    stored = signup_rows(database, slug)
    assert len(stored) == SIGNUPS
    assert {name for _, name, _ in stored} == {f"Runner {i:03d}" for i in range(SIGNUPS)}
    # The confirmed are the first 20 to have signed up, the others wait in order.
    assert [status for _, _, status in stored] == (["confirmed"] * PLACES
                                                    + ["waitlisted"] * (SIGNUPS - PLACES))
    by_id = {r["id"]: r for r in receipts}
    assert {i for i, _, status in stored if status == "confirmed"} == {
        i for i, r in by_id.items() if r["status"] == "confirmed"}

    status, session = request(server.port, "GET", f"/api/sessions/{slug}")
    assert status == 200 and session["confirmed"] == PLACES
    assert len(session["signups"]) == SIGNUPS

    # Five confirmed cancel at once: the five earliest waitlisted take their places.
    leaving = [i for i, _, _ in stored[:PLACES]][3:3 + CANCELS]
    waitlisted = [i for i, _, status in stored if status == "waitlisted"]

    def cancel(signup_id: int) -> tuple[int, Any]:
        return request(server.port, "DELETE", f"/api/sessions/{slug}/signups/{signup_id}",
                       headers={"Authorization": f"Bearer {by_id[signup_id]['cancel_token']}"},
                       timeout=60)

    with ThreadPoolExecutor(CANCELS) as pool:
        cancelled = list(pool.map(cancel, leaving))
    assert [status for status, _ in cancelled] == [200] * CANCELS, cancelled[:2]
    promoted = [p["id"] for _, body in cancelled for p in body["promoted"]]
    assert len(promoted) == CANCELS and sorted(promoted) == waitlisted[:CANCELS]

    after = signup_rows(database, slug)
    assert len(after) == SIGNUPS
    confirmed = [i for i, _, status in after if status == "confirmed"]
    assert confirmed == [i for i, _, _ in stored if i not in leaving][:PLACES]
    assert [i for i, _, status in after if status == "cancelled"] == leaving
    assert request(server.port, "GET", f"/api/sessions/{slug}")[1]["confirmed"] == PLACES


def test_edits_while_sign_ups_arrive_lose_neither(server: Server, database: str) -> None:
    created = new_session(server.port)
    slug, token = created["slug"], created["edit_token"]
    edits = [{"title": f"Edit {k}", "notes": f"Note {k}"} for k in range(20)]
    edits[10]["capacity"] = 30  # raised mid-way: promotes from the waitlist
    edit_answers: list[tuple[int, Any]] = []
    started = threading.Event()

    def edit() -> None:
        started.wait(10)
        for change in edits:
            edit_answers.append(request(server.port, "PATCH", f"/api/sessions/{slug}",
                                        change, timeout=60,
                                        headers={"Authorization": f"Bearer {token}"}))

    editor = threading.Thread(target=edit)
    editor.start()

    def sign_up_started(i: int) -> tuple[int, Any]:
        started.set()
        return sign_up(server.port, slug, i)

    try:
        with ThreadPoolExecutor(THREADS) as pool:
            answers = list(pool.map(sign_up_started, range(60)))
    finally:
        editor.join(timeout=120)
    assert [status for status, _ in edit_answers] == [200] * len(edits), edit_answers[:2]
    assert [status for status, _ in answers] == [201] * 60, \
        [a for a in answers if a[0] != 201][:3]

    status, session = request(server.port, "GET", f"/api/sessions/{slug}")
    assert status == 200
    assert (session["title"], session["notes"], session["capacity"]) == ("Edit 19",
                                                                          "Note 19", 30)
    assert session["version"] == 1 + len(edits)
    stored = signup_rows(database, slug)
    assert len(stored) == 60
    assert {name for _, name, _ in stored} == {f"Runner {i:03d}" for i in range(60)}
    assert [status for _, _, status in stored] == ["confirmed"] * 30 + ["waitlisted"] * 30
    assert session["confirmed"] == 30 and len(session["signups"]) == 60
