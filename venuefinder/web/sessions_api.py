"""Club sessions on the web: the JSON API (blueprint ``sessions_api``, under ``/api``) and the
iCalendar files (blueprint ``session_feeds``).

=========================================  ==============================================
``POST /api/clubs``                        make a club (201: slug, edit token)
``POST /api/sessions``                     make a session or weekly series (201: slug,
                                           edit token, page url, checks, occurrences)
``GET /api/sessions/<slug>``               the session: plan, checks, sign-ups, pairs
``PATCH /api/sessions/<slug>``             change some fields (edit token)
``DELETE /api/sessions/<slug>``            cancel: it stays, marked cancelled (edit token)
``POST /api/sessions/<slug>/signups``      sign up (201: confirmed or waitlisted, pair,
                                           cancel token)
``DELETE /api/sessions/<slug>/signups/<id>``  cancel a sign-up (its cancel token, or the
                                           session's edit token): the promoted ones
``GET /s/<slug>.ics``                      one session's iCalendar file
``GET /c/<slug>.ics``                      a club's subscribable feed of upcoming sessions
=========================================  ==============================================

Secrets travel as ``Authorization: Bearer <token>`` only, never in a URL or body: the
session's edit token for ``PATCH``/``DELETE``, a sign-up's cancel token to cancel it, and a
club's edit token to add a session to the club (``"club": slug`` in the body). A missing or
wrong token is a 403. Tokens are shown once, in the 201 that made them.

Why writes are CSRF-safe: bodies must be ``application/json`` (a cross-site form cannot send
it; a cross-site ``fetch`` with it is preflighted and refused), and the token-guarded writes
need the Authorization header, which a browser never adds by itself. Writes are
rate-limited per client with the hazards' ``write_rate_limit``, in their own scope.

The pages ``/s/<slug>`` and ``/c/<slug>`` belong to another blueprint: ``/s/<slug>.ics`` has
a static suffix, which werkzeug's router prefers over ``/s/<slug>`` whatever the order of
registration, and ``/s/<slug>`` never reaches it. The ``url`` members are those pages'
absolute URLs (:func:`~.pages.absolute_url`: under ``VENUEFINDER_PUBLIC_URL`` when set).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from flask import Blueprint, Flask, Response, jsonify, url_for
from werkzeug.exceptions import Conflict

from ..errors import InputError, NotFoundError
from ..sessions.ical import calendar
from ..store import sessions as service
from . import session_service
from .session_service import sign_up_client
from .extensions import get_store
from .guards import WRITE_METHODS, bearer_token, limit_writes
from .openapi import operation
from .pages import absolute_url
from .session_models import (CancelledSignup, Club, ClubBody, ClubPath, NewSession, Session,
                             SessionBody, SessionChanges, SessionPath, SignupBody, SignupPath,
                             SignupReceipt)
from .state import venues_of

if TYPE_CHECKING:
    from ..store.sessions import SessionDetail

bp = Blueprint("sessions_api", __name__, url_prefix="/api")
feeds = Blueprint("session_feeds", __name__)

#: Methods the per-client write limit counts.
SESSION_WRITE_METHODS = (*WRITE_METHODS, "PATCH")
CALENDAR_MIMETYPE = "text/calendar"


def register_sessions_api(app: Flask) -> None:
    """Mount the API and the feeds, with the per-client write limit (scope
    ``session-writes``) on the API's writes; call after the app's limiter exists."""
    limit_writes(app, bp, "session-writes", SESSION_WRITE_METHODS)
    app.register_blueprint(bp)
    app.register_blueprint(feeds)


# -- helpers ------------------------------------------------------------------------------

def session_page(slug: str) -> str:
    """Absolute URL of a session's page (:mod:`venuefinder.web.session_pages`)."""
    return absolute_url("session_pages.session_page", slug=slug)


def club_page(slug: str) -> str:
    """Absolute URL of a club's page (:mod:`venuefinder.web.session_pages`)."""
    return absolute_url("session_pages.club_page", slug=slug)


def _venue(venue_id: str) -> dict[str, Any]:
    """The venue's feature as it is now (open hazard reports included); NotFoundError when
    the region has none with that id."""
    return venues_of(venue_id).venue(venue_id)


def _venue_now(venue_id: str) -> Optional[dict[str, Any]]:
    """:func:`_venue`, or None when the region no longer has it (a session outlives a
    re-prepared region: it is still shown, without checks)."""
    try:
        return _venue(venue_id)
    except NotFoundError:
        return None


def _session_json(detail: "SessionDetail") -> dict[str, Any]:
    info = detail.session
    venue = _venue_now(info.venue_id)
    data = detail.as_dict(venue, [] if venue is None else info.checks(venue))
    data["url"] = session_page(info.slug)
    data["ics"] = absolute_url("session_feeds.session_ics", slug=info.slug)
    return data


def _calendar_response(body: bytes, filename: str) -> Response:
    response = Response(body, mimetype=CALENDAR_MIMETYPE)
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    # Calendars must see a cancellation or an edit on their next fetch.
    response.headers["Cache-Control"] = "no-cache"
    return response


# -- clubs --------------------------------------------------------------------------------

@bp.post("/clubs")
@operation("createClub", "Make a club", body=ClubBody, ok=Club, ok_status=201,
           errors=(400,), tags=("sessions",),
           description="The edit token is shown only in this answer: it adds sessions to "
                       "the club. Rate-limited per client.",
           ok_description="The club, its page and feed, and its edit token.")
def create_club(body: ClubBody) -> Response:
    new = service.create_club(get_store(), body.name)
    slug = new.club.slug
    response = jsonify({**new.as_dict(), "url": club_page(slug),
                        "feed": absolute_url("session_feeds.club_ics", slug=slug)})
    response.status_code = 201
    return response


# -- sessions -----------------------------------------------------------------------------

@bp.post("/sessions")
@operation("createSession", "Make a session, or a weekly series", body=SessionBody,
           ok=NewSession, ok_status=201, errors=(400, 403, 404), tags=("sessions",),
           description="Refused (400, with the reason) when a check refuses: the venue far "
                       "too small for the group or the plan; warnings do not stop it. A "
                       "start without an offset is wall-clock time in the venue's zone. "
                       "With `club`, the club's edit token goes in `Authorization: Bearer "
                       "<token>` (403 without it). Unknown venue or club: 404. The edit "
                       "token is shown only in this answer. Rate-limited per client.",
           ok_description="The first occurrence's slug, page and checks, every occurrence, "
                          "and the series' edit token.")
def create_session(body: SessionBody) -> Response:
    new = session_service.create_session(body, _venue(body.venue), bearer_token())
    first = new.session
    data = {**new.as_dict(), "url": session_page(first.slug),
            "edit_url": absolute_url("session_pages.edit_session", slug=first.slug,
                                     token=new.edit_token),
            "ics": absolute_url("session_feeds.session_ics", slug=first.slug),
            "tz": first.tz,
            "occurrences": [{"slug": o.slug, "url": session_page(o.slug),
                             "start": o.start.isoformat()} for o in new.occurrences],
            "meeting_point": None if first.meeting is None else
            {"lat": first.meeting[0], "lon": first.meeting[1]},
            "meeting_note": first.meeting_note}
    response = jsonify(data)
    response.status_code = 201
    response.headers["Location"] = url_for("sessions_api.get_session", slug=first.slug)
    return response


@bp.get("/sessions/<slug>")
@operation("getSession", "One session", path=SessionPath, ok=Session, errors=(400, 404),
           tags=("sessions",),
           ok_description="The session in its venue's zone, with the plan (steps and total), "
                          "the checks against the venue now, the sign-ups (display names, "
                          "roles, status; never tokens), spotter pairs and how many are "
                          "unpaired. A cancelled one shows `status: cancelled`.")
def get_session(path: SessionPath) -> Response:
    return jsonify(_session_json(service.get_session(get_store(), path.slug)))


@bp.patch("/sessions/<slug>")
@operation("updateSession", "Change a session", path=SessionPath, body=SessionChanges,
           ok=Session, errors=(400, 403, 404), tags=("sessions",),
           description="Needs the session's edit token: `Authorization: Bearer <token>` "
                       "(403 without it or with a wrong one). Only the members sent change; "
                       "sign-ups taken meanwhile stay. A new plan or group size is checked "
                       "again; a capacity below the confirmed sign-ups is refused. "
                       "Rate-limited per client.",
           ok_description="The session as changed.")
def update_session(path: SessionPath, body: SessionChanges) -> Response:
    store = get_store()
    changes = body.changes()
    venue = _venue_now(service.get_session(store, path.slug).session.venue_id)
    detail = service.update_session(store, path.slug, bearer_token(), venue, **changes)
    return jsonify(_session_json(detail))


@bp.delete("/sessions/<slug>")
@operation("cancelSession", "Cancel a session", path=SessionPath, ok=Session,
           errors=(400, 403, 404), tags=("sessions",),
           description="Needs the session's edit token: `Authorization: Bearer <token>`. "
                       "The session stays, marked cancelled, on its page and in the feeds; "
                       "sign-ups close. Cancelling again changes nothing. Rate-limited per "
                       "client.",
           ok_description="The cancelled session.")
def cancel_session(path: SessionPath) -> Response:
    store = get_store()
    service.cancel_session(store, path.slug, bearer_token())
    return jsonify(_session_json(service.get_session(store, path.slug)))


# -- sign-ups -----------------------------------------------------------------------------

@bp.post("/sessions/<slug>/signups")
@operation("signUp", "Sign up for a session", path=SessionPath, body=SignupBody,
           ok=SignupReceipt, ok_status=201, errors=(400, 404, 409), tags=("sessions",),
           description="A place while there are places, else a place on the waitlist "
                       "(promoted in sign-up order when a place frees). 409 when the session "
                       "is cancelled, has started, or its waitlist is full; 429 when this "
                       "client already holds its sign-ups at the session (the "
                       "`signups_per_client` setting, 3 by default). The cancel token is "
                       "shown only in this answer. Rate-limited per client.",
           ok_description="The sign-up: confirmed or waitlisted, its spotter partner if "
                          "paired, and its cancel token.")
def sign_up(path: SessionPath, body: SignupBody) -> Response:
    try:
        new = sign_up_client(path.slug, body)
    except InputError as exc:  # name and role are checked: what is left is the session's state
        raise Conflict(str(exc)) from None
    response = jsonify(new.as_dict())
    response.status_code = 201
    return response


@bp.delete("/sessions/<slug>/signups/<int:signup_id>")
@operation("cancelSignup", "Cancel a sign-up", path=SignupPath, ok=CancelledSignup,
           errors=(400, 403, 404), tags=("sessions",),
           description="Needs the sign-up's cancel token (or the session's edit token): "
                       "`Authorization: Bearer <token>`. A confirmed place goes to the "
                       "earliest waitlisted. Cancelling again changes nothing. Rate-limited "
                       "per client.",
           ok_description="The cancelled sign-up and the sign-ups promoted in its place.")
def cancel_signup(path: SignupPath) -> Response:
    cancelled = service.cancel_signup(get_store(), path.slug, path.signup_id, bearer_token())
    return jsonify(cancelled.as_dict())


# -- calendars ----------------------------------------------------------------------------

@feeds.get("/s/<slug>.ics")
@operation("sessionCalendar", "One session as an iCalendar file", path=SessionPath,
           ok_media_type=CALENDAR_MIMETYPE, errors=(400, 404), tags=("sessions",),
           ok_description="One VEVENT: time in the venue's zone, location, geo (the meeting "
                          "point), the plan and the page; STATUS:CANCELLED when cancelled.")
def session_ics(path: SessionPath) -> Response:
    info = service.get_session(get_store(), path.slug).session
    body = calendar([info.event(session_page(info.slug))], info.title)
    return _calendar_response(body, f"session-{info.slug}.ics")


@feeds.get("/c/<slug>.ics")
@operation("clubCalendar", "A club's subscribable calendar", path=ClubPath,
           ok_media_type=CALENDAR_MIMETYPE, errors=(400, 404), tags=("sessions",),
           ok_description="The club's sessions that have not ended, soonest first "
                          "(cancelled ones marked so); asks to be fetched hourly.")
def club_ics(path: ClubPath) -> Response:
    club, sessions = service.club_sessions(get_store(), path.slug)
    body = calendar([s.event(session_page(s.slug)) for s in sessions], club.name, feed=True)
    return _calendar_response(body, f"{club.slug}.ics")
