"""Club sessions on the web, as pages (blueprint ``session_pages``): the organiser's form, the
shareable page with its sign-up form, the edit page, the clubs' pages. Server-rendered from
:mod:`venuefinder.store.sessions`; a form's boxes become the JSON API's request body and are
checked by the same model (:mod:`.session_models`), and a new session is made as the API
makes it (:mod:`.session_service`: the same default meeting point).

===========================================  ==============================================
``GET /sessions/new?venue=way/123``          the organiser's form (no venue: a box for an id)
``POST /sessions/new``                       publish: the shareable link and the secret edit
                                             link, shown once (201)
``GET /s/<slug>``                            the shareable page: map, time in the venue's
                                             zone, plan, checks, who is coming, pairs, sign-up
``POST /s/<slug>/signups``                   sign up; 303 back to the page, which tells this
                                             browser its status, partner and cancel link
``GET|POST /s/<slug>/signups/<id>/cancel``   confirm, then cancel a sign-up (``?token=``: its
                                             cancel token, or the session's edit token)
``GET|POST /s/<slug>/edit?token=``           edit (the session's edit token only)
``POST /s/<slug>/cancel``                    cancel the session (the edit token)
``GET /c/<slug>``                            a club's sessions that have not ended, its feed
``GET|POST /clubs/new``                      make a club; its edit token, shown once
===========================================  ==============================================

Every answer is HTML, errors too (a page with the reason; a form that fails is shown again
with its values and the reason; :mod:`.errors` decides the status): 400 bad input or a
check that refuses, 403 a missing or wrong token (edit token, or the form's CSRF token, as
the hazards' admin page), 404, 413, 429. Forms carry the per-session CSRF token; a form
field the page does not have, or one given twice, is a 400. POSTs are rate-limited per
client (scope ``session-pages``, the ``write_rate_limit`` setting). Every page is
``no-store``: they carry CSRF tokens, some a secret token.

Where a browser's own sign-ups are kept: the signed session cookie remembers the sign-up id
and cancel token of the last :data:`REMEMBERED_SIGNUPS` sign-ups made from it, so the page
keeps telling that browser "you're confirmed, paired with …" and its cancel link; the
cookie is HttpOnly, and the token is that browser's own.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Mapping, Optional, Union

from flask import Blueprint, Flask, Response, redirect, request, session, url_for
from pydantic import Field
from werkzeug.exceptions import TooManyRequests

from ..errors import ForbiddenError, InputError, NotFoundError
from ..meeting import MEETING_MAX_M, venue_point
from ..sessions.checks import Check, check_run, daylight_start, session_checks
from ..sessions.pairing import ROLE_LABELS, ROLES
from ..sessions.plans import (PACE_LABELS, TEMPLATES, TITLES, Plan, VenueRoom, build_plan,
                              duration_text, parse_steps)
from ..sessions.timezones import aware_now, parse_start, venue_zone
from ..store import sessions as service
from ..store.models import (CLUB_NAME_MAX, MAX_CAPACITY, MAX_DURATION_MIN, MAX_GROUP,
                            MEETING_NOTE_MAX, NAME_MAX, NOTES_MAX, TITLE_MAX)
from ..validate import line_feeds, parse_float, parse_int
from . import session_service
from .assets import missing_vendor_files
from .errors import describe
from .extensions import get_store
from .guards import check_csrf, csrf_token, limit_writes
from .logs import install_werkzeug_filter
from .mapview import BASEMAP_MIN_ZOOM
from .models import RequestModel, VenueId
from .openapi import operation
from .pages import absolute_url, render_page
from .params import validated
from .session_models import (ClubBody, ClubPath, SessionBody, SessionChanges, SessionPath,
                             SignupBody, SignupPath)
from .state import current_settings, current_summary, region_of, venues_of

if TYPE_CHECKING:
    from ..store.sessions import SessionDetail, SessionInfo

bp = Blueprint("session_pages", __name__)

#: The pages' operations: HTML, and errors that are pages saying why.
page_operation = partial(operation, tags=("pages",), ok_media_type="text/html",
                         error_media_type="text/html")

#: Sign-ups a browser's cookie remembers (id and cancel token; about 80 bytes each).
REMEMBERED_SIGNUPS = 20
#: Blank step rows the form offers below a plan's steps, for an own plan without scripts.
SPARE_STEP_ROWS = 2
#: The form's first guesses (the start: tomorrow in daylight at the venue,
#: :func:`~venuefinder.sessions.checks.daylight_start`).
DEFAULTS: dict[str, Any] = {"duration_min": "60", "group_size": "8", "capacity": "12",
                            "plan": "first-steps", "repeat_weeks": "1"}
#: Role names as a list of who is coming says them.
ROLE_SHORT = {"can_spot": "can spot", "needs_spotter": "needs a spotter"}

_STEP_FIELDS = ("step_label", "step_minutes", "step_repeat", "step_recovery", "step_pace")
_SESSION_FIELDS = frozenset({"title", "date", "time", "duration_min", "group_size", "capacity",
                             "plan", "meeting_lat", "meeting_lon", "meeting_note", "notes",
                             *_STEP_FIELDS})
_NEW_FIELDS = _SESSION_FIELDS | {"venue", "repeat_weeks", "club", "club_token"}
_EDIT_FIELDS = _SESSION_FIELDS | {"token"}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}")


# -- query models (the path models are the API's) ------------------------------------------

class NewSessionQuery(RequestModel):
    """Parameters of ``GET /sessions/new``."""

    venue: Optional[VenueId] = Field(None, description="The venue (OSM type/id), when "
                                     "picked on the map or the list.", examples=["way/123"])


class TokenQuery(RequestModel):
    """The secret a link carries (``?token=``)."""

    token: Optional[str] = Field(None, max_length=service.TOKEN_MAX,
                                 description="The edit or cancel token the link was given.")


# -- wiring -------------------------------------------------------------------------------

def register_session_pages(app: Flask) -> None:
    """Mount the pages, with the per-client write limit on their POSTs (after the app's
    limiter exists); their edit and cancel links carry tokens, which werkzeug's access log
    (``venuefinder serve``) then redacts (gunicorn's: its config's logger)."""
    limit_writes(app, bp, "session-pages", ("POST",))
    install_werkzeug_filter()
    app.register_blueprint(bp)


# -- the organiser's form -----------------------------------------------------------------

@bp.get("/sessions/new")
@page_operation("newSessionPage", "The organiser's form for a group session",
                query=NewSessionQuery, errors=(400, 404),
                ok_description="The form for the venue given, or a box to give one.")
def new_session(query: NewSessionQuery) -> Response:
    if query.venue is None:
        return _page("session_new.html", venue=None, form={})
    feature = venues_of(query.venue).venue(query.venue)
    return _new_form(feature, dict(DEFAULTS))


@bp.post("/sessions/new")
@page_operation("createSessionPage", "Publish a session from the form", ok_status=201,
                errors=(400, 403, 404),
                ok_description="The shareable link and the secret edit link (shown once).")
def create_session() -> Response:
    check_csrf()
    form = _fields(_NEW_FIELDS, lists=frozenset(_STEP_FIELDS))
    venue_id = form.get("venue", "").strip()
    if not venue_id:
        raise InputError("choose a venue: its id such as way/123, or from the map")
    feature = venues_of(venue_id).venue(venue_id)
    try:
        new = session_service.create_session(_session_body(form, venue_id), feature,
                                             form.get("club_token", "").strip() or None)
    except (InputError, ForbiddenError, NotFoundError) as exc:
        return _new_form(feature, form, error=exc)
    slug = new.session.slug
    return _page("session_new.html", 201, created=new, venue=feature,
                 share_url=absolute_url(".session_page", slug=slug),
                 edit_url=absolute_url(".edit_session", slug=slug, token=new.edit_token),
                 when=_when(new.session), ics_url=_ics_url(slug))


def _new_form(feature: Mapping[str, Any], form: Mapping[str, Any],
              error: Optional[Exception] = None) -> Response:
    """The form for *feature* with *form*'s values (and *error*'s reason, with the checks
    of those values where they can be worked out)."""
    properties = feature["properties"]
    lat, lon = venue_point(feature["geometry"])
    form = dict(form)
    tz = venue_zone(lat, lon)
    start = daylight_start(lat, lon, tz, aware_now(None))
    form.setdefault("date", f"{start:%Y-%m-%d}")
    form.setdefault("time", f"{start:%H:%M}")
    suggestion = None
    if "meeting_lat" not in form:  # first view: the suggested point, with its reason
        suggestion = region_of(properties["id"]).meeting_point(properties["id"])
        point, note = session_service.suggested_meeting(properties["id"])
        form.update(meeting_lat=f"{point['lat']:.6f}", meeting_lon=f"{point['lon']:.6f}",
                    meeting_note=note)
    room = VenueRoom.of(properties)
    templates = _templates(room)
    return _page("session_new.html", _status(error), venue=feature, form=form,
                 error=error, checks=_preview_checks(feature, form) if error else None,
                 tz=tz.key, suggestion=suggestion, templates=templates,
                 plan_rows={t["name"]: t["rows"] for t in templates if "rows" in t},
                 steps=_step_rows(form, room),
                 map_config=_map_config(feature, _form_point(form), pick=True))


# -- the shareable page and sign-ups ------------------------------------------------------

@bp.get("/s/<slug>")
@page_operation("sessionPage", "A session's shareable page", path=SessionPath,
                errors=(400, 404),
                ok_description="Map, time, plan, checks, who is coming, spotter pairs and "
                               "the sign-up form.")
def session_page(path: SessionPath) -> Response:
    return _session_page(service.get_session(get_store(), path.slug))


@bp.post("/s/<slug>/signups")
@page_operation("signUpPage", "Sign up from the session's page", path=SessionPath,
                ok_status=303, errors=(400, 403, 404),
                ok_description="Back to the page, which says where you stand and gives "
                               "your cancel link.")
def sign_up(path: SessionPath) -> Response:
    check_csrf()
    form = _fields(frozenset({"name", "role"}))
    try:
        body = validated(SignupBody, _present(name=_text(form, "name"),
                                              role=form.get("role", "")))
        new = session_service.sign_up_client(path.slug, body)
    except (InputError, TooManyRequests) as exc:
        return _session_page(service.get_session(get_store(), path.slug), form=form,
                             error=exc)
    mine = [entry for entry in session.get("signups", []) if entry[1] != new.signup.id]
    session["signups"] = [*mine, [path.slug, new.signup.id, new.cancel_token]][
        -REMEMBERED_SIGNUPS:]
    return redirect(url_for(".session_page", slug=path.slug, _anchor="you"), 303)


@bp.get("/s/<slug>/signups/<signup_id>/cancel")
@page_operation("cancelSignupPage", "Confirm cancelling a sign-up", path=SignupPath,
                query=TokenQuery, errors=(400, 404), ok_description="A button to confirm.")
def cancel_signup_page(path: SignupPath, query: TokenQuery) -> Response:
    detail = service.get_session(get_store(), path.slug)
    signup = detail.signup(path.signup_id)
    return _page("signup_cancel.html", detail=detail, signup=signup,
                 signup_id=path.signup_id, token=query.token or "",
                 when=_when(detail.session))


@bp.post("/s/<slug>/signups/<signup_id>/cancel")
@page_operation("cancelSignupFromPage", "Cancel a sign-up", path=SignupPath,
                errors=(400, 403, 404),
                ok_description="Cancelled; who took the place from the waitlist.")
def cancel_signup(path: SignupPath) -> Response:
    check_csrf()
    form = _fields(frozenset({"token"}))
    done = service.cancel_signup(get_store(), path.slug, path.signup_id,
                                 form.get("token") or None)
    session["signups"] = [e for e in session.get("signups", []) if e[1] != path.signup_id]
    detail = service.get_session(get_store(), path.slug)
    return _page("signup_cancel.html", detail=detail, done=done, signup=done.signup,
                 signup_id=path.signup_id, when=_when(detail.session))


def _session_page(detail: "SessionDetail", form: Optional[Mapping[str, str]] = None,
                  error: Optional[Exception] = None) -> Response:
    info = detail.session
    feature = _venue_feature(info.venue_id)
    checks = None if feature is None else info.checks(feature)
    data = detail.as_dict(feature, checks)
    meeting = info.meeting or (info.lat, info.lon)
    open_ = not info.cancelled and aware_now(None) < info.start
    notice = session.pop("notice", None)
    return _page("session.html", _status(error), detail=detail, s=info, data=data,
                 venue=feature, when=_when(info), form=form or {}, error=error,
                 signups_open=open_, mine=_my_signups(detail),
                 share_url=absolute_url(".session_page", slug=info.slug),
                 ics_url=_ics_url(info.slug),
                 club_url=info.club and url_for(".club_page", slug=info.club),
                 map_config=_map_config(feature, meeting, centre=(info.lat, info.lon)),
                 notice=notice[1] if notice and notice[0] == info.slug else None)


def _my_signups(detail: "SessionDetail") -> list[dict[str, Any]]:
    """This browser's sign-ups at the session (still standing), where each stands."""
    slug = detail.session.slug
    mine = []
    waitlist = [s.id for s in detail.signups if s.status == "waitlisted"]
    for entry_slug, signup_id, token in session.get("signups", []):
        signup = detail.signup(signup_id) if entry_slug == slug else None
        if signup is None:
            continue
        mine.append({"signup": signup, "partner": detail.partner(signup_id),
                     "position": waitlist.index(signup_id) + 1
                     if signup_id in waitlist else None,
                     "cancel_url": url_for(".cancel_signup_page", slug=slug,
                                           signup_id=signup_id, token=token)})
    return mine


# -- editing and cancelling ---------------------------------------------------------------

@bp.get("/s/<slug>/edit")
@page_operation("editSessionPage", "The organiser's edit page", path=SessionPath,
                query=TokenQuery, errors=(400, 403, 404),
                ok_description="The edit form and the cancel button.")
def edit_session(path: SessionPath, query: TokenQuery) -> Response:
    detail = service.get_session_to_edit(get_store(), path.slug, query.token)
    return _edit_form(detail, query.token or "", _current_values(detail.session))


@bp.post("/s/<slug>/edit")
@page_operation("updateSessionPage", "Save the edit form", path=SessionPath, ok_status=303,
                errors=(400, 403, 404), ok_description="Back to the shareable page.")
def update_session(path: SessionPath) -> Response:
    check_csrf()
    form = _fields(_EDIT_FIELDS, lists=frozenset(_STEP_FIELDS))
    token = form.get("token", "")
    detail = service.get_session_to_edit(get_store(), path.slug, token)
    info = detail.session
    feature = _venue_feature(info.venue_id)  # None: the store refuses what needs it, saying so
    try:
        changes = _changes(info, form)
        service.update_session(get_store(), path.slug, token, feature, **changes)
    except InputError as exc:
        return _edit_form(detail, token, form, error=exc)
    session["notice"] = [path.slug, "Your changes are saved."]
    return redirect(url_for(".session_page", slug=path.slug), 303)


@bp.post("/s/<slug>/cancel")
@page_operation("cancelSessionPage", "Cancel the session", path=SessionPath, ok_status=303,
                errors=(400, 403, 404),
                ok_description="Back to the page, which says it is cancelled.")
def cancel_session(path: SessionPath) -> Response:
    check_csrf()
    form = _fields(frozenset({"token"}))
    service.cancel_session(get_store(), path.slug, form.get("token") or None)
    return redirect(url_for(".session_page", slug=path.slug), 303)


def _edit_form(detail: "SessionDetail", token: str, form: Mapping[str, Any],
               error: Optional[Exception] = None) -> Response:
    info = detail.session
    feature = _venue_feature(info.venue_id)
    room = VenueRoom.of(feature["properties"]) if feature else VenueRoom("", 0.0, 0.0, None)
    templates = _templates(room)
    return _page("session_edit.html", _status(error), detail=detail, s=info, token=token,
                 form=form, error=error, when=_when(info), venue=feature,
                 templates=templates,
                 plan_rows={t["name"]: t["rows"] for t in templates if "rows" in t},
                 steps=_step_rows(form, room, info.plan),
                 map_config=_map_config(feature, _form_point(form),
                                        centre=(info.lat, info.lon), pick=True))


def _current_values(info: "SessionInfo") -> dict[str, Any]:
    """The edit form's values for the session as it is."""
    meeting = info.meeting
    return {"title": info.title, "date": f"{info.start:%Y-%m-%d}",
            "time": f"{info.start:%H:%M}", "duration_min": str(info.duration_min),
            "group_size": str(info.group_size), "capacity": str(info.capacity),
            "plan": info.plan.name, "meeting_note": info.meeting_note or "",
            "meeting_lat": "" if meeting is None else f"{meeting[0]:.6f}",
            "meeting_lon": "" if meeting is None else f"{meeting[1]:.6f}",
            "notes": info.notes or ""}


def _changes(info: "SessionInfo", form: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of *form* that differ from the session (an edit changes only those).

    Raises
    ------
    InputError
        A bad value, or nothing changed.
    """
    current = _current_values(info)
    changes: dict[str, Any] = {}
    for name in ("title", "meeting_note", "notes"):
        value = line_feeds(form.get(name, ""))
        if value.strip() != current[name]:
            changes[name] = value or None
    if (form.get("date"), form.get("time")) != (current["date"], current["time"]):
        changes["start"] = _start(form)
    for name, what in (("duration_min", "duration"), ("group_size", "expected group size"),
                       ("capacity", "capacity")):
        value = _whole(form, name, what)
        if value != int(current[name]):
            changes[name] = value
    plan = _plan(form)
    if plan != info.plan.name and not (isinstance(plan, list) and info.plan.name == "custom"
                                       and parse_steps(plan) == info.plan.steps):
        changes["plan"] = plan
    meeting = _meeting(form)
    if meeting != _form_point(current, as_dict=True):
        changes["meeting_point"] = meeting
    if not changes:
        raise InputError("nothing was changed")
    return validated(SessionChanges, changes, flat=False).changes()


# -- clubs --------------------------------------------------------------------------------

@bp.get("/c/<slug>")
@page_operation("clubPage", "A club's public page", path=ClubPath, errors=(400, 404),
                ok_description="Its sessions that have not ended, and its calendar feed.")
def club_page(path: ClubPath) -> Response:
    club, sessions = service.club_sessions(get_store(), path.slug)
    return _page("club.html", club=club,
                 sessions=[{"s": s, "when": _when(s),
                            "url": url_for(".session_page", slug=s.slug)} for s in sessions],
                 feed_url=absolute_url("session_feeds.club_ics", slug=club.slug))


@bp.get("/clubs/new")
@page_operation("newClubPage", "The form to make a club", ok_description="A name box.")
def new_club() -> Response:
    return _page("club_new.html", form={})


@bp.post("/clubs/new")
@page_operation("createClubPage", "Make a club from the form", ok_status=201,
                errors=(400, 403),
                ok_description="The club's page link and its edit token (shown once).")
def create_club() -> Response:
    check_csrf()
    form = _fields(frozenset({"name"}))
    try:
        if _text(form, "name") is None:
            raise InputError("club name is required")
        body = validated(ClubBody, {"name": form["name"]})
        new = service.create_club(get_store(), body.name)
    except InputError as exc:
        return _page("club_new.html", 400, form=form, error=exc)
    return _page("club_new.html", 201, created=new,
                 club_url=absolute_url(".club_page", slug=new.club.slug),
                 new_session_url=absolute_url(".new_session"))


# -- reading forms ------------------------------------------------------------------------

def _fields(allowed: frozenset[str], lists: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The POSTed form: each field of *allowed* once (a string), those of *lists* as lists.

    Raises
    ------
    InputError
        A field the form does not have, or one given twice.
    """
    names = set(request.form) - {"csrf_token"}
    unknown = sorted(name[:30] for name in names - allowed)
    if unknown:
        raise InputError(f"unknown form field(s): {', '.join(unknown[:5])}")
    form: dict[str, Any] = {}
    for name in names:
        values = request.form.getlist(name)
        if name in lists:
            form[name] = values
        elif len(values) > 1:
            raise InputError(f"the form field {name} was sent {len(values)} times")
        else:
            form[name] = values[0]
    return form


def _session_body(form: Mapping[str, Any], venue_id: str) -> SessionBody:
    """The organiser's form as the API's body, checked by the same model: the boxes become
    the members (number boxes numbers, the date and time boxes the start, the plan's select
    and step rows the plan, the two coordinates the meeting point), a blank box an absent
    member; a box that is not what it should be is named in the form's words.

    Raises
    ------
    InputError
        The first bad box or member.
    """
    return validated(SessionBody, _present(
        venue=venue_id, title=_text(form, "title"), start=_start(form),
        duration_min=_whole(form, "duration_min", "duration"),
        group_size=_whole(form, "group_size", "expected group size"),
        capacity=_whole(form, "capacity", "capacity"), plan=_plan(form),
        meeting_point=_meeting(form), meeting_note=_text(form, "meeting_note"),
        notes=_text(form, "notes", lines=True), club=form.get("club", "").strip() or None,
        repeat_weeks=_whole(form, "repeat_weeks", "weeks", default=1)), flat=False)


def _present(**members: Any) -> dict[str, Any]:
    """*members* without the absent ones (None)."""
    return {name: value for name, value in members.items() if value is not None}


def _text(form: Mapping[str, Any], name: str, lines: bool = False) -> Optional[str]:
    """A text box as sent (a text area's line breaks, CRLF in a form, as line feeds with
    *lines*); None when it is blank."""
    value = form.get(name, "")
    if lines:
        value = line_feeds(value)
    return value if value.strip() else None


def _start(form: Mapping[str, Any]) -> str:
    """The start as the venue's wall-clock time, from the date and time boxes."""
    day, time = form.get("date", "").strip(), form.get("time", "").strip()
    if not _DATE.fullmatch(day):
        raise InputError("date: give the day as YYYY-MM-DD")
    if not _TIME.fullmatch(time):
        raise InputError("start time: give it as HH:MM (24-hour clock)")
    start = f"{day}T{time}"
    try:
        datetime.fromisoformat(start)
    except ValueError:
        raise InputError(f"start {start!r} is not a real date and time") from None
    return start


def _whole(form: Mapping[str, Any], name: str, what: str,
           default: Optional[int] = None) -> int:
    text = str(form.get(name, "")).strip()
    if not text and default is not None:
        return default
    return parse_int(text, what)




def _meeting(form: Mapping[str, Any]) -> Optional[dict[str, float]]:
    """The meeting point's boxes: both empty meet at the venue."""
    lat, lon = str(form.get("meeting_lat", "")).strip(), str(form.get("meeting_lon", "")).strip()
    if not lat and not lon:
        return None
    if not lat or not lon:
        raise InputError("meeting point: give both latitude and longitude, or neither "
                         "(meet at the venue)")
    return {"lat": parse_float(lat, "meeting point latitude"),
            "lon": parse_float(lon, "meeting point longitude")}


def _plan(form: Mapping[str, Any]) -> Union[str, list[dict[str, Any]]]:
    """A template's name, or the own plan in the step rows (blank rows left out)."""
    name = form.get("plan", "")
    if name in TEMPLATES:
        return name
    if name != "custom":
        raise InputError(f"plan: one of {', '.join(TEMPLATES)} or your own steps")
    columns = [form.get(field, []) for field in _STEP_FIELDS]
    if len({len(column) for column in columns}) > 1:
        raise InputError("plan: every step needs all of its boxes")
    steps = []
    for n, (label, minutes, repeat, recovery, pace) in enumerate(zip(*columns), start=1):
        if not label.strip() and not minutes.strip():
            continue
        step: dict[str, Any] = {"label": label,
                                "minutes": parse_float(minutes.strip(), f"step {n}: minutes")}
        if repeat.strip():
            step["repeat"] = parse_int(repeat.strip(), f"step {n}: repeats")
        if recovery.strip():
            step["recovery_min"] = parse_float(recovery.strip(), f"step {n}: recovery")
        if pace.strip():
            step["pace"] = pace.strip()
        steps.append(step)
    if not steps:
        raise InputError("plan: your own plan needs at least one step")
    return steps


def _form_point(form: Mapping[str, Any], as_dict: bool = False) -> Any:
    """The form's meeting point as ``(lat, lon)`` (or ``{"lat", "lon"}``), None when the
    boxes are empty or not numbers (the map then shows none)."""
    try:
        point = _meeting(form)
    except InputError:
        return None
    if point is None or as_dict:
        return point
    return point["lat"], point["lon"]


def _preview_checks(feature: Mapping[str, Any],
                    form: Mapping[str, Any]) -> Optional[list[Check]]:
    """The checks of the form's values, shown with an error; None when the values are out
    of the store's ranges or too broken to check."""
    properties = feature["properties"]
    lat, lon = venue_point(feature["geometry"])
    try:
        start = parse_start(_start(form), venue_zone(lat, lon))
        plan = build_plan(_plan(form), VenueRoom.of(properties))
        duration = _whole(form, "duration_min", "duration")
        group = _whole(form, "group_size", "group size")
        capacity = _whole(form, "capacity", "capacity")
    except InputError:
        return None
    if not (service.MIN_DURATION_MIN <= duration <= MAX_DURATION_MIN
            and 1 <= group <= MAX_GROUP and 1 <= capacity <= MAX_CAPACITY):
        return None
    return session_checks(properties, lat, lon, start, duration, group, capacity, plan)


# -- what the templates get ---------------------------------------------------------------

def _page(template: str, status: int = 200, **context: Any) -> Response:
    """A page: rendered with the CSRF token and the form limits, never stored by caches."""
    return render_page(template, status, csrf_token=csrf_token(),
                       limits=_LIMITS, role_labels=ROLE_LABELS, role_short=ROLE_SHORT,
                       roles=ROLES, pace_labels=PACE_LABELS, plan_titles=TITLES,
                       leaflet=not missing_vendor_files(), **context)


_LIMITS = {"title": TITLE_MAX, "name": NAME_MAX, "club_name": CLUB_NAME_MAX,
           "notes": NOTES_MAX, "meeting_note": MEETING_NOTE_MAX, "group": MAX_GROUP,
           "capacity": MAX_CAPACITY, "duration": MAX_DURATION_MIN,
           "duration_min": service.MIN_DURATION_MIN, "weeks": service.MAX_REPEAT_WEEKS,
           "meeting_m": MEETING_MAX_M}


def _status(error: Optional[Exception]) -> int:
    """A form's status: 200, or shown again after *error* with the error's own status (400
    a bad value or a check that refuses, 403 a wrong club token, 404 an unknown club)."""
    return 200 if error is None else describe(error).status


def _venue_feature(venue_id: str) -> Optional[dict[str, Any]]:
    """The venue as it is now; None when the region no longer has it."""
    try:
        return venues_of(venue_id).venue(venue_id)
    except NotFoundError:
        return None


def _when(info: "SessionInfo") -> str:
    """"Tuesday 3 June 2025, 18:00–19:00 (Europe/Helsinki, UTC+03:00)"."""
    start, end = info.start, info.end
    day = f"{start:%A} {start.day} {start:%B %Y}"
    until = f"{end:%H:%M}" if end.date() == start.date() else \
        f"{end:%A} {end.day} {end:%B} {end:%H:%M}"
    offset = start.utcoffset() or timedelta(0)
    sign = "+" if offset >= timedelta(0) else "-"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{day}, {start:%H:%M}–{until} ({info.tz}, UTC{sign}{minutes // 60:02d}:" \
           f"{minutes % 60:02d})"


def _ics_url(slug: str) -> str:
    """The session's calendar file: its page's URL plus ``.ics``."""
    return url_for(".session_page", slug=slug) + ".ics"


def _templates(room: VenueRoom) -> list[dict[str, Any]]:
    """Each template at this venue: its steps and total (with what each step is here) and
    whether the venue's run suits it; or why it cannot be run here."""
    out = []
    for name in TEMPLATES:
        try:
            plan = build_plan(name, room)
        except InputError as exc:
            out.append({"name": name, "title": TITLES[name], "error": str(exc)})
            continue
        out.append({"name": name, "title": plan.title, "plan": plan.as_dict(room),
                    "run": check_run(room, plan), "rows": _rows(plan)})
    return out


def _step_rows(form: Mapping[str, Any], room: VenueRoom,
               current: Optional[Plan] = None) -> list[dict[str, str]]:
    """The step rows to show: the form's own (after an error), else the chosen template's
    (or *current* plan's) steps; then :data:`SPARE_STEP_ROWS` blank rows."""
    if form.get("step_label"):
        columns = [form.get(field, []) for field in _STEP_FIELDS]
        rows = [dict(zip(("label", "minutes", "repeat", "recovery", "pace"), values))
                for values in zip(*columns)
                if values[0].strip() or values[1].strip()]
    else:
        if current is not None and form.get("plan") == current.name:
            plan = current
        else:
            try:
                plan = build_plan(form.get("plan") if form.get("plan") in TEMPLATES
                                  else "first-steps", room)
            except InputError:
                plan = build_plan("first-steps", room)
        rows = _rows(plan)
    blank = {"label": "", "minutes": "", "repeat": "", "recovery": "", "pace": ""}
    return rows + [dict(blank) for _ in range(SPARE_STEP_ROWS)]


def _rows(plan: Plan) -> list[dict[str, str]]:
    """A plan's steps as the form's step rows show them."""
    return [{"label": s.label, "minutes": _minutes_text(s.seconds), "repeat": str(s.repeat),
             "recovery": _minutes_text(s.recovery_s), "pace": s.pace or ""}
            for s in plan.steps]


def _minutes_text(seconds: int) -> str:
    """Seconds as the minutes box shows them: 300 → "5", 90 → "1.5", 0 → "0"."""
    return f"{seconds / 60:.2f}".rstrip("0").rstrip(".")


def _map_config(feature: Optional[Mapping[str, Any]], meeting: Optional[tuple[float, float]],
                centre: Optional[tuple[float, float]] = None,
                pick: bool = False) -> dict[str, Any]:
    """What ``sessions.js`` draws: the venue's shape, the meeting point, the basemap
    tiles, and the extract's own basemap (its API, from which zoom) for when tiles are off
    or unreachable, as on the map page; *pick*: a click moves the meeting point (the form's
    boxes)."""
    settings = current_settings()
    return {"venue": None if feature is None else feature["geometry"],
            "point": None if centre is None else list(centre),
            "meeting": None if meeting is None else list(meeting), "pick": pick,
            "tiles": settings.tiles if settings.tiles_enabled else None,
            "attribution": settings.tiles_attribution,
            "basemap": url_for("api.basemap") if current_summary().has_basemap else None,
            "basemapMinZoom": BASEMAP_MIN_ZOOM}


# Durations on the pages read as the plan's text says them ("17 min", "1 h 5 min").
bp.add_app_template_filter(duration_text, "duration")
