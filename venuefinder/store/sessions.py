"""Clubs, club sessions and sign-ups: the service functions the web calls.

Every function takes the :class:`~venuefinder.store.db.Store` first and, where time matters,
``now`` (timezone-aware; default now), so tests control the clock. Bad input raises
:class:`~venuefinder.errors.InputError` and stores nothing; an unknown slug or sign-up
:class:`~venuefinder.errors.NotFoundError`; a missing or wrong token
:class:`~venuefinder.errors.ForbiddenError`.

Rules:

* **Places**: a sign-up is confirmed while the confirmed ones are fewer than ``capacity``,
  else waitlisted. The count and the insert run in one write transaction holding the
  session's row lock (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite's ``BEGIN IMMEDIATE``
  takes the database's write lock first), so simultaneous sign-ups queue and none is lost
  or overbooked; the schema refuses ``confirmed > capacity`` as a last guard.
* **Waitlist**: when a confirmed sign-up is cancelled, or the capacity raised, the earliest
  waitlisted are promoted in sign-up order, in the same transaction. The confirmed are
  therefore always the first ``capacity`` of the sign-ups not cancelled, in sign-up order.
  The capacity cannot go below the confirmed count.
* **Edits** take the same row lock: a change of the session and sign-ups arriving meanwhile
  both stay. An edit changes only the fields it names.
* **Tokens**: ``secrets.token_urlsafe(32)``, shown once, stored as a SHA-256 hex digest and
  compared with ``hmac.compare_digest``. A session's edit token (one per weekly series)
  edits or cancels it and may cancel any of its sign-ups; a sign-up's cancel token cancels
  that sign-up; a club's edit token is needed to add a session to the club.
* **Slugs**: a session's is ``secrets.token_urlsafe(9)`` (12 characters, 72 random bits:
  unguessable); a club's is its name made readable (``helsinki-backwards``) plus six random
  hex digits, unique.
* **Text** (names, titles, notes) is stored as given, trimmed; names and titles are one line.
  Nothing is escaped here: a page escapes what it shows (``<script>`` stays text).
* **Checks** (:mod:`venuefinder.sessions.checks`): a session whose checks refuse (the venue far
  too small for the group or the plan) is not created, nor edited into being; warnings do
  not stop it. The web shows :meth:`SessionInfo.checks` of the venue as it is now.
* Nothing personal is asked for or kept: a display name and a role.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..errors import ForbiddenError, InputError, NotFoundError
from ..sessions.checks import Check, refusals, session_checks
from ..sessions.ical import CalendarEvent
from ..meeting import MEETING_MAX_M, distance_to_venue, venue_point
from ..sessions.pairing import ROLES, Pairing, pair_spotters
from ..sessions.plans import Plan, VenueRoom, build_plan
from ..sessions.timezones import aware_now, parse_start, venue_zone, weekly, zone
from .db import Store
from .models import (
    CLUB_NAME_MAX, MAX_CAPACITY, MAX_DURATION_MIN, MAX_GROUP, MEETING_NOTE_MAX, NAME_MAX,
    NOTES_MAX, TITLE_MAX, VENUE_NAME_MAX, Club, ClubSession, Signup,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

#: Shortest session (minutes): a warm-up and a few intervals.
MIN_DURATION_MIN = 10
#: Most occurrences of a weekly series (a year).
MAX_REPEAT_WEEKS = 52
#: Longest waitlist of one session: past it nobody is likely to get a place, and it bounds
#: what a flood of sign-ups can store.
MAX_WAITLIST = 200
#: Bytes of randomness of a token and of a session slug; hex digits of a club slug's suffix.
TOKEN_BYTES = 32
SESSION_SLUG_BYTES = 9
CLUB_SUFFIX_BYTES = 3
#: Longest readable part of a club slug.
CLUB_BASE_MAX = 40
#: Longest token accepted for checking (a real one is 43 characters).
TOKEN_MAX = 256
#: Fields :func:`update_session` changes.
EDITABLE: tuple[str, ...] = ("title", "start", "duration_min", "group_size", "capacity",
                             "plan", "meeting_point", "meeting_note", "notes")

_SESSION_SLUG = re.compile(r"[A-Za-z0-9_-]{12}")
_CLUB_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_VENUE_ID = re.compile(r"(node|way|relation)/\d{1,20}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # keeps tab, newline, CR
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


# -- what the web sees --------------------------------------------------------------------

@dataclass(frozen=True)
class ClubInfo:
    """A club as shown (no token)."""

    slug: str
    name: str
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "name": self.name}


@dataclass(frozen=True)
class NewClub:
    """A club just made, and its edit token (shown this once)."""

    club: ClubInfo
    edit_token: str

    def as_dict(self) -> dict[str, Any]:
        return {**self.club.as_dict(), "edit_token": self.edit_token}


@dataclass(frozen=True)
class SessionInfo:
    """A session as shown (no token). ``start`` and ``end`` are in the venue's zone ``tz``;
    ``meeting`` is ``(lat, lon)`` or None (meet at the venue's point ``lat``, ``lon``)."""

    slug: str
    series: str
    occurrence: int
    club: Optional[str]
    title: str
    venue_id: str
    venue_name: Optional[str]
    lat: float
    lon: float
    tz: str
    start: datetime
    end: datetime
    duration_min: int
    group_size: int
    capacity: int
    confirmed: int
    meeting: Optional[tuple[float, float]]
    meeting_note: Optional[str]
    plan: Plan
    notes: Optional[str]
    status: str
    version: int
    created_at: datetime
    updated_at: datetime

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    def checks(self, venue: Mapping[str, Any], lanes: Optional[int] = None) -> list[Check]:
        """The checks of this session against *venue* as it is now (its GeoJSON feature,
        e.g. ``region.venue(self.venue_id, overlay)``)."""
        return session_checks(_properties(venue), self.lat, self.lon, self.start,
                              self.duration_min, self.group_size, self.capacity, self.plan,
                              lanes)

    def event(self, url: Optional[str] = None) -> CalendarEvent:
        """This session for :func:`venuefinder.sessions.ical.calendar`; *url* its page."""
        return CalendarEvent(
            uid=f"{self.slug}@venuefinder", title=self.title,
            venue=self.venue_name or f"Venue {self.venue_id}", start=self.start,
            end=self.end, lat=self.lat, lon=self.lon, meeting=self.meeting,
            meeting_note=self.meeting_note, plan=self.plan, notes=self.notes,
            cancelled=self.cancelled, sequence=self.version - 1, stamp=self.updated_at,
            url=url)

    def as_dict(self, venue: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
        """The session as JSON data. With *venue* (its feature now), the plan's steps carry
        their ``venue_hint``."""
        room = None if venue is None else VenueRoom.of(_properties(venue))
        return {
            "slug": self.slug, "series": self.series, "occurrence": self.occurrence,
            "club": self.club, "title": self.title,
            "venue": {"id": self.venue_id, "name": self.venue_name, "lat": self.lat,
                      "lon": self.lon},
            "tz": self.tz, "start": self.start.isoformat(), "end": self.end.isoformat(),
            "duration_min": self.duration_min, "group_size": self.group_size,
            "capacity": self.capacity, "confirmed": self.confirmed,
            "meeting_point": None if self.meeting is None else
            {"lat": self.meeting[0], "lon": self.meeting[1]},
            "meeting_note": self.meeting_note, "plan": self.plan.as_dict(room),
            "notes": self.notes, "status": self.status, "version": self.version,
        }


@dataclass(frozen=True)
class SignupInfo:
    """A sign-up as shown: display name, role, status (no token)."""

    id: int
    name: str
    role: str
    status: str
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "status": self.status}


@dataclass(frozen=True)
class SessionDetail:
    """A session with its sign-ups (confirmed and waitlisted, in sign-up order) and the
    spotter pairs among the confirmed (keys: sign-up ids)."""

    session: SessionInfo
    signups: tuple[SignupInfo, ...]
    pairing: Pairing

    def signup(self, signup_id: int) -> Optional[SignupInfo]:
        return next((s for s in self.signups if s.id == signup_id), None)

    def partner(self, signup_id: int) -> Optional[SignupInfo]:
        """The sign-up paired with *signup_id*, or None."""
        other = self.pairing.partner(signup_id)
        return None if other is None else self.signup(int(other))  # type: ignore[arg-type]

    def as_dict(self, venue: Optional[Mapping[str, Any]] = None,
                checks: Optional[Sequence[Check]] = None) -> dict[str, Any]:
        """The API's session: :meth:`SessionInfo.as_dict` plus ``checks`` (when given),
        ``signups``, ``pairs`` (display names), ``unpaired`` (runners still without a
        spotter) and ``spare_spotters``."""
        data = self.session.as_dict(venue)
        if checks is not None:
            data["checks"] = [c.as_dict() for c in checks]
        data["signups"] = [s.as_dict() for s in self.signups]
        data["pairs"] = [{"needs_spotter": self.signup(int(r)).name,  # type: ignore
                          "can_spot": self.signup(int(s)).name}  # type: ignore
                         for r, s in self.pairing.pairs]
        data["unpaired"] = len(self.pairing.unpaired)
        data["spare_spotters"] = len(self.pairing.spare)
        return data


@dataclass(frozen=True)
class NewSession:
    """A session just made: the first occurrence, all of them (one for a single session),
    the edit token of the series (shown this once) and the first occurrence's checks."""

    session: SessionInfo
    occurrences: tuple[SessionInfo, ...]
    edit_token: str
    checks: tuple[Check, ...]

    def as_dict(self) -> dict[str, Any]:
        """``slug`` (the first occurrence), ``edit_token``, ``occurrences`` (every slug,
        in order) and ``checks``; the web adds the ``url``."""
        return {"slug": self.session.slug, "edit_token": self.edit_token,
                "occurrences": [o.slug for o in self.occurrences],
                "checks": [c.as_dict() for c in self.checks]}


@dataclass(frozen=True)
class NewSignup:
    """A sign-up just taken, its cancel token (shown this once), its spotter partner if
    paired, and its place in the waitlist (1 = next) when waitlisted."""

    signup: SignupInfo
    cancel_token: str
    pair: Optional[SignupInfo]
    waitlist_position: Optional[int]

    def as_dict(self) -> dict[str, Any]:
        """The sign-up with ``pair`` (the partner's display name or None),
        ``waitlist_position`` and ``cancel_token``."""
        return {**self.signup.as_dict(), "pair": None if self.pair is None else self.pair.name,
                "waitlist_position": self.waitlist_position, "cancel_token": self.cancel_token}


@dataclass(frozen=True)
class CancelledSignup:
    """A cancelled sign-up and the waitlisted sign-ups promoted in its place."""

    signup: SignupInfo
    promoted: tuple[SignupInfo, ...]

    def as_dict(self) -> dict[str, Any]:
        return {**self.signup.as_dict(), "promoted": [p.as_dict() for p in self.promoted]}


# -- clubs --------------------------------------------------------------------------------

def create_club(store: Store, name: str, now: Optional[datetime] = None) -> NewClub:
    """Make a club.

    Raises
    ------
    InputError
        A name that is empty, longer than :data:`CLUB_NAME_MAX` or not one line.
    """
    now = aware_now(now)
    name = _line(name, "club name", CLUB_NAME_MAX)
    base = _slug_base(name)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    for _ in range(8):  # a clash of the random suffix is rare; a clash 8 times, impossible
        slug = f"{base}-{secrets.token_hex(CLUB_SUFFIX_BYTES)}"
        try:
            with store.write() as session:
                club = Club(slug=slug, name=name, token_hash=_hash(token), created_at=now)
                session.add(club)
                session.flush()
                return NewClub(ClubInfo(club.slug, club.name, club.created_at), token)
        except IntegrityError:
            continue
    raise InputError("could not find a free club address; try again")  # pragma: no cover


def get_club(store: Store, slug: str) -> ClubInfo:
    """The club at *slug*.

    Raises
    ------
    NotFoundError
        No such club.
    """
    with store.read() as session:
        club = _club(session, slug)
        return ClubInfo(club.slug, club.name, club.created_at)


def club_sessions(store: Store, slug: str, now: Optional[datetime] = None
                  ) -> tuple[ClubInfo, list[SessionInfo]]:
    """A club and its sessions that have not ended (cancelled ones included, so that feeds
    carry the cancellation), soonest first.

    Raises
    ------
    NotFoundError
        No such club.
    """
    now = aware_now(now)
    with store.read() as session:
        club = _club(session, slug)
        rows = session.scalars(select(ClubSession).where(
            ClubSession.club_id == club.id, ClubSession.end_at > now)
            .order_by(ClubSession.start_at, ClubSession.id)).all()
        return (ClubInfo(club.slug, club.name, club.created_at),
                [_info(row, club.slug) for row in rows])


# -- sessions -----------------------------------------------------------------------------

def create_session(store: Store, venue: Mapping[str, Any], *, title: str,
                   start: "str | datetime", duration_min: int, group_size: int,
                   capacity: int, plan: Any,
                   meeting_point: Optional[Mapping[str, Any]] = None,
                   meeting_note: Optional[str] = None, notes: Optional[str] = None,
                   club: Optional[str] = None, club_token: Optional[str] = None,
                   repeat_weeks: Optional[int] = None,
                   now: Optional[datetime] = None) -> NewSession:
    """Make a session, or a weekly series of *repeat_weeks* sessions.

    Parameters
    ----------
    venue
        The venue's GeoJSON feature (``region.venue(id, overlay)``): its id, name, point
        and zone are kept; its properties feed the plan and the checks.
    title
        One line, at most :data:`~.models.TITLE_MAX` characters.
    start
        ISO 8601 with an offset, or wall-clock time at the venue (see
        :func:`venuefinder.sessions.timezones.parse_start`); after *now*.
    duration_min
        :data:`MIN_DURATION_MIN`–:data:`~.models.MAX_DURATION_MIN` minutes.
    group_size, capacity
        Expected runners and places, 1–200 each.
    plan
        ``"first-steps"``, ``"build-up"``, ``"yo-yo"`` or a list of steps
        (:func:`venuefinder.sessions.plans.build_plan`); a build-up series grows week by week.
    meeting_point
        ``{"lat", "lon"}`` within :data:`~venuefinder.meeting.MEETING_MAX_M` of the
        venue, or None (meet at the venue).
    meeting_note
        Why there / how to find it (a suggestion's reason, or the organiser's words).
    notes
        Free text, at most :data:`~.models.NOTES_MAX` characters.
    club, club_token
        A club's slug and its edit token, to list the session in its feed.
    repeat_weeks
        Number of weekly occurrences, 1–:data:`MAX_REPEAT_WEEKS` (None: 1).

    Raises
    ------
    InputError
        A bad value, a start in the past, or a check that refuses.
    NotFoundError
        No such club.
    ForbiddenError
        A club without its edit token, or with a wrong one.
    """
    now = aware_now(now)
    properties = _properties(venue)
    venue_id = _venue_id(properties)
    venue_name = " ".join(str(properties.get("name") or "").split())[:VENUE_NAME_MAX] or None
    lat, lon = venue_point(_geometry(venue))
    tz = venue_zone(lat, lon)
    fields = dict(
        title=_line(title, "title", TITLE_MAX),
        duration_min=_integer(duration_min, "duration_min", MIN_DURATION_MIN,
                              MAX_DURATION_MIN),
        group_size=_integer(group_size, "group_size", 1, MAX_GROUP),
        capacity=_integer(capacity, "capacity", 1, MAX_CAPACITY),
        meeting_note=_optional_line(meeting_note, "meeting_note", MEETING_NOTE_MAX),
        notes=_notes(notes),
    )
    meeting = _meeting(meeting_point, venue)
    weeks = 1 if repeat_weeks is None else _integer(repeat_weeks, "repeat_weeks", 1,
                                                    MAX_REPEAT_WEEKS)
    starts = weekly(parse_start(start, tz, now), weeks)
    room = VenueRoom.of(properties)
    plans = [build_plan(plan, room, week=k + 1) for k in range(weeks)]
    checks = session_checks(properties, lat, lon, starts[0], fields["duration_min"],
                            fields["group_size"], fields["capacity"], plans[0])
    _refuse(checks)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with store.write() as session:
        club_row = None
        if club is not None:
            club_row = _club(session, club)
            _authorise(club_token, club_row.token_hash, "the club's edit token")
        rows = []
        for k, (when, week_plan) in enumerate(zip(starts, plans)):
            slug = secrets.token_urlsafe(SESSION_SLUG_BYTES)
            row = ClubSession(
                slug=slug, series=rows[0].slug if rows else slug, occurrence=k + 1,
                club_id=None if club_row is None else club_row.id, venue_id=venue_id,
                venue_name=venue_name, lat=lat, lon=lon, tz=tz.key, start_at=when,
                end_at=when + timedelta(minutes=fields["duration_min"]), confirmed=0,
                meeting_lat=None if meeting is None else meeting[0],
                meeting_lon=None if meeting is None else meeting[1],
                plan=json.dumps(week_plan.to_record()), status="scheduled",
                token_hash=_hash(token), version=1, created_at=now, updated_at=now,
                **fields)
            session.add(row)
            rows.append(row)
        session.flush()
        infos = tuple(_info(r, None if club_row is None else club_row.slug) for r in rows)
    return NewSession(infos[0], infos, token, tuple(checks))


def get_session(store: Store, slug: str) -> SessionDetail:
    """A session with its sign-ups and spotter pairs.

    Raises
    ------
    NotFoundError
        No such session.
    """
    with store.read() as session:
        row = _session(session, slug, lock=False)
        return _detail(session, row)


def get_session_to_edit(store: Store, slug: str, token: Optional[str]) -> SessionDetail:
    """A session, for its organiser: only with its edit token (the edit page).

    Raises
    ------
    NotFoundError
        No such session.
    ForbiddenError
        A missing or wrong token.
    """
    with store.read() as session:
        row = _session(session, slug, lock=False)
        _authorise(token, row.token_hash, "the session's edit link (the one with ?token=…, "
                   "given when the session was made)")
        return _detail(session, row)


def update_session(store: Store, slug: str, token: Optional[str],
                   venue: Optional[Mapping[str, Any]] = None, now: Optional[datetime] = None,
                   **changes: Any) -> SessionDetail:
    """Change some of a session's fields (:data:`EDITABLE`; the others stay).

    Parameters
    ----------
    slug, token
        The session and its edit token.
    venue
        The session's venue feature as it is now: needed to change the plan, the group size
        or the meeting point (the plan's tie to the venue, the checks, the distance).
    changes
        Any of :data:`EDITABLE`, validated as in :func:`create_session`; None clears
        ``meeting_point``, ``meeting_note`` and ``notes``. A raised capacity promotes the
        waitlist; one below the confirmed sign-ups is refused. A new plan or group size is
        checked again, and refused when a check refuses.

    Raises
    ------
    NotFoundError
        No such session.
    ForbiddenError
        A missing or wrong edit token.
    InputError
        Nothing or an unknown field to change, a bad value, a cancelled session, a missing
        venue or one that is not the session's, or a check that refuses.
    """
    now = aware_now(now)
    unknown = sorted(str(k)[:30] for k in set(changes) - set(EDITABLE))
    if unknown:
        raise InputError(f"cannot change {', '.join(unknown)}: only {', '.join(EDITABLE)}")
    if not changes:
        raise InputError("nothing to change")
    properties = None if venue is None else _properties(venue)
    rechecked = "plan" in changes or "group_size" in changes
    if venue is None and (rechecked or changes.get("meeting_point") is not None):
        raise InputError("changing the plan, the group size or the meeting point needs the "
                         "venue")
    with store.write() as session:
        row = _session(session, slug, lock=True)
        _authorise(token, row.token_hash, "the session's edit token")
        if row.status == "cancelled":
            raise InputError("this session is cancelled and can no longer be changed")
        if properties is not None and _venue_id(properties) != row.venue_id:
            raise InputError(f"the venue given is not this session's ({row.venue_id})")
        tz = zone(row.tz)
        if "title" in changes:
            row.title = _line(changes["title"], "title", TITLE_MAX)
        if "start" in changes:
            row.start_at = parse_start(changes["start"], tz, now)
        if "duration_min" in changes:
            row.duration_min = _integer(changes["duration_min"], "duration_min",
                                        MIN_DURATION_MIN, MAX_DURATION_MIN)
        row.end_at = row.start_at + timedelta(minutes=row.duration_min)
        if "group_size" in changes:
            row.group_size = _integer(changes["group_size"], "group_size", 1, MAX_GROUP)
        if "capacity" in changes:
            capacity = _integer(changes["capacity"], "capacity", 1, MAX_CAPACITY)
            if capacity < row.confirmed:
                raise InputError(f"capacity {capacity} is below the {row.confirmed} "
                                 "confirmed sign-ups")
            row.capacity = capacity
        if "plan" in changes:
            plan = build_plan(changes["plan"], VenueRoom.of(properties), week=row.occurrence)
            row.plan = json.dumps(plan.to_record())
        if "meeting_point" in changes:
            meeting = _meeting(changes["meeting_point"], venue)
            row.meeting_lat, row.meeting_lon = meeting or (None, None)
        if "meeting_note" in changes:
            row.meeting_note = _optional_line(changes["meeting_note"], "meeting_note",
                                              MEETING_NOTE_MAX)
        if "notes" in changes:
            row.notes = _notes(changes["notes"])
        if rechecked:
            _refuse(session_checks(properties, row.lat, row.lon, row.start_at.astimezone(tz),
                                   row.duration_min, row.group_size, row.capacity,
                                   Plan.from_record(json.loads(row.plan))))
        _promote(session, row, now)
        row.version += 1
        row.updated_at = now
        session.flush()
        return _detail(session, row)


def cancel_session(store: Store, slug: str, token: Optional[str],
                   now: Optional[datetime] = None) -> SessionInfo:
    """Cancel a session (it stays, marked cancelled, on its page and in the feeds; sign-ups
    close). Cancelling again changes nothing.

    Raises
    ------
    NotFoundError
        No such session.
    ForbiddenError
        A missing or wrong edit token.
    """
    now = aware_now(now)
    with store.write() as session:
        row = _session(session, slug, lock=True)
        _authorise(token, row.token_hash, "the session's edit token")
        if row.status != "cancelled":
            row.status = "cancelled"
            row.version += 1
            row.updated_at = now
        return _info(row, _club_slug(session, row))


# -- sign-ups -----------------------------------------------------------------------------

def sign_up(store: Store, slug: str, name: str, role: str,
            now: Optional[datetime] = None) -> NewSignup:
    """Take a place at a session, or a place in its waitlist when it is full.

    Parameters
    ----------
    name
        Display name, one line of at most :data:`~.models.NAME_MAX` characters.
    role
        ``can_spot`` or ``needs_spotter``.

    Raises
    ------
    NotFoundError
        No such session.
    InputError
        A bad name or role, a session that is cancelled or has started, or a full waitlist
        (:data:`MAX_WAITLIST`).
    """
    now = aware_now(now)
    name = _line(name, "name", NAME_MAX)
    if role not in ROLES:
        raise InputError(f"role is one of {', '.join(ROLES)}, not {str(role)[:40]!r}")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with store.write() as session:
        row = _session(session, slug, lock=True)
        if row.status == "cancelled":
            raise InputError("this session is cancelled")
        if now >= row.start_at:
            raise InputError("this session has started: sign-ups are closed")
        confirmed = row.confirmed < row.capacity
        if confirmed:
            row.confirmed += 1
        elif session.scalar(select(func.count()).select_from(Signup).where(
                Signup.session_id == row.id, Signup.status == "waitlisted")) >= MAX_WAITLIST:
            raise InputError(f"this session is full and its waitlist too ({MAX_WAITLIST})")
        signup = Signup(session_id=row.id, name=name, role=role,
                        status="confirmed" if confirmed else "waitlisted",
                        token_hash=_hash(token), created_at=now, updated_at=now)
        session.add(signup)
        session.flush()
        detail = _detail(session, row)
        position = None
        if not confirmed:
            waitlist = [s.id for s in detail.signups if s.status == "waitlisted"]
            position = waitlist.index(signup.id) + 1
        return NewSignup(_signup(signup), token, detail.partner(signup.id), position)


def cancel_signup(store: Store, slug: str, signup_id: int, token: Optional[str],
                  now: Optional[datetime] = None) -> CancelledSignup:
    """Cancel a sign-up with its cancel token (or the session's edit token); a confirmed
    place goes to the earliest waitlisted. Cancelling again changes nothing.

    Raises
    ------
    NotFoundError
        No such session, or no such sign-up at it.
    ForbiddenError
        A missing or wrong token.
    """
    now = aware_now(now)
    if isinstance(signup_id, bool) or not isinstance(signup_id, int):
        raise NotFoundError(f"no sign-up {str(signup_id)[:20]!r}")
    with store.write() as session:
        row = _session(session, slug, lock=True)
        signup = session.scalar(select(Signup).where(Signup.id == signup_id,
                                                     Signup.session_id == row.id))
        if signup is None:
            raise NotFoundError(f"no sign-up {signup_id} at this session")
        if not (_matches(token, signup.token_hash) or _matches(token, row.token_hash)):
            raise ForbiddenError("cancelling a sign-up needs its cancel token")
        promoted: list[Signup] = []
        if signup.status != "cancelled":
            if signup.status == "confirmed":
                row.confirmed -= 1
            signup.status, signup.updated_at = "cancelled", now
            session.flush()
            promoted = _promote(session, row, now)
        return CancelledSignup(_signup(signup), tuple(_signup(s) for s in promoted))


# -- helpers ------------------------------------------------------------------------------

def _promote(session: "Session", row: ClubSession, now: datetime) -> list[Signup]:
    """Fill free places from the waitlist in sign-up order (the caller holds the lock)."""
    free = row.capacity - row.confirmed
    if free <= 0:
        return []
    waiting = session.scalars(select(Signup).where(
        Signup.session_id == row.id, Signup.status == "waitlisted")
        .order_by(Signup.id).limit(free)).all()
    for signup in waiting:
        signup.status, signup.updated_at = "confirmed", now
    row.confirmed += len(waiting)
    session.flush()
    return list(waiting)


def _detail(session: "Session", row: ClubSession) -> SessionDetail:
    signups = session.scalars(select(Signup).where(
        Signup.session_id == row.id, Signup.status != "cancelled").order_by(Signup.id)).all()
    infos = tuple(_signup(s) for s in signups)
    pairing = pair_spotters([(s.id, s.role) for s in infos if s.status == "confirmed"])
    # Confirmed first, then the waitlist, each in sign-up order.
    ordered = tuple(sorted(infos, key=lambda s: s.status != "confirmed"))
    return SessionDetail(_info(row, _club_slug(session, row)), ordered, pairing)


def _info(row: ClubSession, club_slug: Optional[str]) -> SessionInfo:
    tz = zone(row.tz)
    meeting = None if row.meeting_lat is None else (row.meeting_lat, row.meeting_lon)
    return SessionInfo(
        slug=row.slug, series=row.series, occurrence=row.occurrence, club=club_slug,
        title=row.title, venue_id=row.venue_id, venue_name=row.venue_name, lat=row.lat,
        lon=row.lon, tz=row.tz, start=row.start_at.astimezone(tz),
        end=row.end_at.astimezone(tz), duration_min=row.duration_min,
        group_size=row.group_size, capacity=row.capacity, confirmed=row.confirmed,
        meeting=meeting, meeting_note=row.meeting_note,
        plan=Plan.from_record(json.loads(row.plan)), notes=row.notes, status=row.status,
        version=row.version, created_at=row.created_at, updated_at=row.updated_at)


def _signup(row: Signup) -> SignupInfo:
    return SignupInfo(row.id, row.name, row.role, row.status, row.created_at)


def _session(session: "Session", slug: object, lock: bool) -> ClubSession:
    """The session row at *slug*; with *lock*, locked until commit (``FOR UPDATE`` on
    PostgreSQL; SQLite's write transaction holds the database lock already)."""
    if not isinstance(slug, str) or not _SESSION_SLUG.fullmatch(slug):
        raise NotFoundError("no such session")
    query = select(ClubSession).where(ClubSession.slug == slug)
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise NotFoundError("no such session")
    return row


def _club(session: "Session", slug: object) -> Club:
    if not isinstance(slug, str) or len(slug) > 64 or not _CLUB_SLUG.fullmatch(slug):
        raise NotFoundError("no such club")
    club = session.scalar(select(Club).where(Club.slug == slug))
    if club is None:
        raise NotFoundError(f"no club {slug}")
    return club


def _club_slug(session: "Session", row: ClubSession) -> Optional[str]:
    if row.club_id is None:
        return None
    return session.scalar(select(Club.slug).where(Club.id == row.club_id))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _matches(token: object, stored_hash: str) -> bool:
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        return False
    return hmac.compare_digest(_hash(token), stored_hash)


def _authorise(token: object, stored_hash: str, what: str) -> None:
    if not _matches(token, stored_hash):
        raise ForbiddenError(f"this needs {what}")


def _refuse(checks: Sequence[Check]) -> None:
    refused = refusals(checks)
    if refused:
        raise InputError("cannot publish this session: "
                         + "; ".join(f"{c.name}: {c.reason}" for c in refused))


def _properties(venue: Mapping[str, Any]) -> Mapping[str, Any]:
    properties = venue.get("properties") if isinstance(venue, Mapping) else None
    if not isinstance(properties, Mapping):
        raise InputError("a venue is a GeoJSON feature with properties")
    return properties


def _geometry(venue: Mapping[str, Any]) -> Mapping[str, Any]:
    geometry = venue.get("geometry")
    if not isinstance(geometry, Mapping):
        raise InputError("the venue has no geometry")
    return geometry


def _venue_id(properties: Mapping[str, Any]) -> str:
    venue_id = properties.get("id")
    if not isinstance(venue_id, str) or not _VENUE_ID.fullmatch(venue_id):
        raise InputError("the venue has no OSM id such as way/123")
    return venue_id


def _meeting(point: object, venue: Optional[Mapping[str, Any]]
             ) -> Optional[tuple[float, float]]:
    if point is None:
        return None
    if not isinstance(point, Mapping) or set(point) != {"lat", "lon"}:
        raise InputError('meeting_point is {"lat": …, "lon": …}')
    lat, lon = point["lat"], point["lon"]
    for value, what in ((lat, "lat"), (lon, "lon")):
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or value != value or value in (float("inf"), float("-inf")):
            raise InputError(f"meeting_point {what} must be a number")
    lat, lon = float(lat), float(lon)
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise InputError(f"meeting_point ({lat}, {lon}) is outside -90…90, -180…180")
    distance = distance_to_venue(_geometry(venue or {}), lat, lon)
    if distance > MEETING_MAX_M:
        raise InputError(f"the meeting point is {distance:,.0f} m from the venue: at most "
                         f"{MEETING_MAX_M:.0f} m")
    return lat, lon


def _integer(value: object, what: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{what} must be a whole number")
    if not low <= value <= high:
        raise InputError(f"{what} must be {low}–{high}, not {value}")
    return value


def _line(value: object, what: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{what} is required")
    text = unicodedata.normalize("NFC", value.strip())
    if _CONTROL.search(text):
        raise InputError(f"{what} must be one line of text")
    if len(text) > limit:
        raise InputError(f"{what} is {len(text)} characters; at most {limit}")
    return text


def _optional_line(value: object, what: str, limit: int) -> Optional[str]:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return _line(value, what, limit)


def _notes(value: object) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError("notes must be text")
    text = unicodedata.normalize("NFC", value.strip())
    if _CONTROL_MULTILINE.search(text):
        raise InputError("notes contain control characters")
    if len(text) > NOTES_MAX:
        raise InputError(f"notes are {len(text)} characters; at most {NOTES_MAX}")
    return text or None


def _slug_base(name: str) -> str:
    """"Töölö Backwards Runners!" → "toolo-backwards-runners" (ASCII; "club" when nothing
    of the name is Latin)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")[:CLUB_BASE_MAX].strip("-")
    return base or "club"

