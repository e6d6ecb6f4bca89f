"""The service functions: clubs, club sessions and sign-ups, each in one transaction.

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
* **Spotters** (:mod:`venuefinder.sessions.pairing`): every change of the confirmed pairs
  them again from the pairs kept (``Signup.spotter_id``), in the same transaction: a pair
  stays while both stay; a runner whose spotter cancels keeps who left
  (``left_spotter_id``, the page says so) and takes the next free spotter.
* **One client's sign-ups** at a session (not cancelled) are at most ``per_client``
  (the web's setting), counted under the same lock: one address cannot fill the places and
  the waitlist.
* **Edits** take the same row lock: a change of the session and sign-ups arriving meanwhile
  both stay. An edit changes only the fields it names.
* **Tokens** (:mod:`.tokens`): a session's edit token (one per weekly series) edits or
  cancels it and may cancel any of its sign-ups; a sign-up's cancel token cancels that
  sign-up; a club's edit token is needed to add a session to the club.
* **Checks** (:mod:`venuefinder.sessions.checks`): a session whose checks refuse (the venue
  far too small for the group or the plan, below 50 or vetoed) is not created, nor edited
  into being; warnings do not stop it. The web shows
  :meth:`~.records.SessionInfo.checks` of the venue as it is now.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Mapping, Optional, Sequence

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ...clock import aware
from ...errors import ForbiddenError, InputError, NotFoundError
from ...meeting import venue_point
from ...sessions.checks import session_checks
from ...sessions.pairing import ROLES, Pairing, pair_spotters
from ...sessions.plans import Plan, VenueRoom, build_plan
from ...sessions.timezones import parse_start, venue_zone, weekly, zone
from ..db import Store
from ..models import (
    CLUB_NAME_MAX, MAX_CAPACITY, MAX_DURATION_MIN, MAX_GROUP, MEETING_NOTE_MAX, NAME_MAX,
    TITLE_MAX, VENUE_NAME_MAX, Club, ClubSession, Signup,
)
from .records import (
    CancelledSignup, ClubInfo, NewClub, NewSession, NewSignup, SessionDetail, SessionInfo,
    SignupInfo,
)
from .tokens import (
    authorise, club_slug_base, hash_token, is_club_slug, is_session_slug, new_club_slug,
    new_session_slug, new_token, token_matches,
)
from .validation import (
    meeting_point_of, notes_text, one_line, optional_line, refuse, venue_geometry, venue_id_of,
    venue_properties, whole_number,
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
#: Fields :func:`update_session` changes.
EDITABLE: tuple[str, ...] = ("title", "start", "duration_min", "group_size", "capacity",
                             "plan", "meeting_point", "meeting_note", "notes")


# -- clubs --------------------------------------------------------------------------------

def create_club(store: Store, name: str, now: Optional[datetime] = None) -> NewClub:
    """Make a club.

    Raises
    ------
    InputError
        A name that is empty, longer than :data:`CLUB_NAME_MAX` or not one line.
    """
    now = aware(now)
    name = one_line(name, "club name", CLUB_NAME_MAX)
    base = club_slug_base(name)
    token = new_token()
    for _ in range(8):  # a clash of the random suffix is rare; a clash 8 times, impossible
        slug = new_club_slug(base)
        try:
            with store.write() as session:
                club = Club(slug=slug, name=name, token_hash=hash_token(token), created_at=now)
                session.add(club)
                session.flush()
                return NewClub(ClubInfo.of(club), token)
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
        return ClubInfo.of(_club(session, slug))


def club_sessions(store: Store, slug: str, now: Optional[datetime] = None
                  ) -> tuple[ClubInfo, list[SessionInfo]]:
    """A club and its sessions that have not ended (cancelled ones included, so that feeds
    carry the cancellation), soonest first.

    Raises
    ------
    NotFoundError
        No such club.
    """
    now = aware(now)
    with store.read() as session:
        club = _club(session, slug)
        rows = session.scalars(select(ClubSession).where(
            ClubSession.club_id == club.id, ClubSession.end_at > now)
            .order_by(ClubSession.start_at, ClubSession.id)).all()
        return ClubInfo.of(club), [SessionInfo.of(row, club.slug) for row in rows]


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
        The venue's GeoJSON feature (``region.venue(id, overlay)``): its id, name, label,
        point and zone are kept; its properties feed the plan and the checks (a track's
        mapped ``lanes`` among them).
    title
        One line, at most :data:`~venuefinder.store.models.TITLE_MAX` characters.
    start
        ISO 8601 with an offset, or wall-clock time at the venue (see
        :func:`venuefinder.sessions.timezones.parse_start`); after *now*.
    duration_min
        :data:`MIN_DURATION_MIN`–:data:`~venuefinder.store.models.MAX_DURATION_MIN`
        minutes.
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
        Free text, at most :data:`~venuefinder.store.models.NOTES_MAX` characters.
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
    now = aware(now)
    properties = venue_properties(venue)
    venue_id = venue_id_of(properties)
    # An unnamed venue is called by its label (``Lawn by Unioninkatu``), never "Venue way/1".
    venue_name = _venue_text(properties.get("name") or properties.get("label"))
    venue_label = _venue_text(properties.get("label"))
    lat, lon = venue_point(venue_geometry(venue))
    tz = venue_zone(lat, lon)
    fields = dict(
        title=one_line(title, "title", TITLE_MAX),
        duration_min=whole_number(duration_min, "duration_min", MIN_DURATION_MIN,
                                  MAX_DURATION_MIN),
        group_size=whole_number(group_size, "group_size", 1, MAX_GROUP),
        capacity=whole_number(capacity, "capacity", 1, MAX_CAPACITY),
        meeting_note=optional_line(meeting_note, "meeting_note", MEETING_NOTE_MAX),
        notes=notes_text(notes),
    )
    meeting = meeting_point_of(meeting_point, venue)
    weeks = 1 if repeat_weeks is None else whole_number(repeat_weeks, "repeat_weeks", 1,
                                                        MAX_REPEAT_WEEKS)
    starts = weekly(parse_start(start, tz, now), weeks)
    room = VenueRoom.of(properties)
    plans = [build_plan(plan, room, week=k + 1) for k in range(weeks)]
    checks = session_checks(properties, lat, lon, starts[0], fields["duration_min"],
                            fields["group_size"], fields["capacity"], plans[0])
    refuse(checks)
    token = new_token()
    with store.write() as session:
        club_row = None
        if club is not None:
            club_row = _club(session, club)
            authorise(club_token, club_row.token_hash, "the club's edit token")
        rows = []
        for k, (when, week_plan) in enumerate(zip(starts, plans)):
            slug = new_session_slug()
            row = ClubSession(
                slug=slug, series=rows[0].slug if rows else slug, occurrence=k + 1,
                club_id=None if club_row is None else club_row.id, venue_id=venue_id,
                venue_name=venue_name, venue_label=venue_label, lat=lat, lon=lon,
                tz=tz.key, start_at=when,
                end_at=when + timedelta(minutes=fields["duration_min"]), confirmed=0,
                meeting_lat=None if meeting is None else meeting[0],
                meeting_lon=None if meeting is None else meeting[1],
                plan=json.dumps(week_plan.to_record()), status="scheduled",
                token_hash=hash_token(token), version=1, created_at=now, updated_at=now,
                **fields)
            session.add(row)
            rows.append(row)
        session.flush()
        club_slug = None if club_row is None else club_row.slug
        infos = tuple(SessionInfo.of(r, club_slug) for r in rows)
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
        authorise(token, row.token_hash, "the session's edit link (the one with ?token=…, "
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
    now = aware(now)
    unknown = sorted(str(k)[:30] for k in set(changes) - set(EDITABLE))
    if unknown:
        raise InputError(f"cannot change {', '.join(unknown)}: only {', '.join(EDITABLE)}")
    if not changes:
        raise InputError("nothing to change")
    properties = None if venue is None else venue_properties(venue)
    rechecked = "plan" in changes or "group_size" in changes
    if venue is None and (rechecked or changes.get("meeting_point") is not None):
        raise InputError("changing the plan, the group size or the meeting point needs the "
                         "venue")
    with store.write() as session:
        row = _session(session, slug, lock=True)
        authorise(token, row.token_hash, "the session's edit token")
        if row.status == "cancelled":
            raise InputError("this session is cancelled and can no longer be changed")
        if properties is not None and venue_id_of(properties) != row.venue_id:
            raise InputError(f"the venue given is not this session's ({row.venue_id})")
        tz = zone(row.tz)
        if "title" in changes:
            row.title = one_line(changes["title"], "title", TITLE_MAX)
        if "start" in changes:
            row.start_at = parse_start(changes["start"], tz, now)
        if "duration_min" in changes:
            row.duration_min = whole_number(changes["duration_min"], "duration_min",
                                            MIN_DURATION_MIN, MAX_DURATION_MIN)
        row.end_at = row.start_at + timedelta(minutes=row.duration_min)
        if "group_size" in changes:
            row.group_size = whole_number(changes["group_size"], "group_size", 1, MAX_GROUP)
        if "capacity" in changes:
            capacity = whole_number(changes["capacity"], "capacity", 1, MAX_CAPACITY)
            if capacity < row.confirmed:
                raise InputError(f"capacity {capacity} is below the {row.confirmed} "
                                 "confirmed sign-ups")
            row.capacity = capacity
        if "plan" in changes:
            plan = build_plan(changes["plan"], VenueRoom.of(properties), week=row.occurrence)
            row.plan = json.dumps(plan.to_record())
        if "meeting_point" in changes:
            meeting = meeting_point_of(changes["meeting_point"], venue)
            row.meeting_lat, row.meeting_lon = meeting or (None, None)
        if "meeting_note" in changes:
            row.meeting_note = optional_line(changes["meeting_note"], "meeting_note",
                                             MEETING_NOTE_MAX)
        if "notes" in changes:
            row.notes = notes_text(changes["notes"])
        if rechecked:
            refuse(session_checks(properties, row.lat, row.lon, row.start_at.astimezone(tz),
                                  row.duration_min, row.group_size, row.capacity,
                                  Plan.from_record(json.loads(row.plan))))
        _promote(session, row, now)
        _pair(session, row)
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
    now = aware(now)
    with store.write() as session:
        row = _session(session, slug, lock=True)
        authorise(token, row.token_hash, "the session's edit token")
        if row.status != "cancelled":
            row.status = "cancelled"
            row.version += 1
            row.updated_at = now
        return SessionInfo.of(row, _club_slug(session, row))


# -- sign-ups -----------------------------------------------------------------------------

class SignupLimitError(InputError):
    """The client has its limit of sign-ups at this session (not cancelled); the web
    answers 429."""


def sign_up(store: Store, slug: str, name: str, role: str,
            now: Optional[datetime] = None, client: Optional[str] = None,
            per_client: Optional[int] = None) -> NewSignup:
    """Take a place at a session, or a place in its waitlist when it is full.

    Parameters
    ----------
    name
        Display name, one line of at most :data:`~venuefinder.store.models.NAME_MAX`
        characters.
    role
        ``can_spot`` or ``needs_spotter``.
    client, per_client
        Who signs up (the web's keyed hash of the address) and how many of their sign-ups
        (not cancelled) one session takes: one address cannot fill the places and the
        waitlist. Counted under the session's lock, so a burst cannot pass it. None: no
        limit.

    Raises
    ------
    NotFoundError
        No such session.
    SignupLimitError
        *client* has *per_client* sign-ups at this session already.
    InputError
        A bad name or role, a session that is cancelled or has started, or a full waitlist
        (:data:`MAX_WAITLIST`).
    """
    now = aware(now)
    name = one_line(name, "name", NAME_MAX)
    if role not in ROLES:
        raise InputError(f"role is one of {', '.join(ROLES)}, not {str(role)[:40]!r}")
    token = new_token()
    with store.write() as session:
        row = _session(session, slug, lock=True)
        if row.status == "cancelled":
            raise InputError("this session is cancelled")
        if now >= row.start_at:
            raise InputError("this session has started: sign-ups are closed")
        if client is not None and per_client is not None and session.scalar(
                select(func.count()).select_from(Signup).where(
                    Signup.session_id == row.id, Signup.client == client,
                    Signup.status != "cancelled")) >= per_client:
            raise SignupLimitError(
                f"at most {per_client} sign-ups from one address at a session, and this "
                f"address has {per_client}: everyone else signs up for themselves")
        confirmed = row.confirmed < row.capacity
        if confirmed:
            row.confirmed += 1
        elif session.scalar(select(func.count()).select_from(Signup).where(
                Signup.session_id == row.id, Signup.status == "waitlisted")) >= MAX_WAITLIST:
            raise InputError(f"this session is full and its waitlist too ({MAX_WAITLIST})")
        signup = Signup(session_id=row.id, name=name, role=role,
                        status="confirmed" if confirmed else "waitlisted",
                        token_hash=hash_token(token), client=client, created_at=now,
                        updated_at=now)
        session.add(signup)
        session.flush()
        _pair(session, row)
        detail = _detail(session, row)
        position = None
        if not confirmed:
            waitlist = [s.id for s in detail.signups if s.status == "waitlisted"]
            position = waitlist.index(signup.id) + 1
        return NewSignup(SignupInfo.of(signup), token, detail.partner(signup.id), position)


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
    now = aware(now)
    if isinstance(signup_id, bool) or not isinstance(signup_id, int):
        raise NotFoundError(f"no sign-up {str(signup_id)[:20]!r}")
    with store.write() as session:
        row = _session(session, slug, lock=True)
        signup = session.scalar(select(Signup).where(Signup.id == signup_id,
                                                     Signup.session_id == row.id))
        if signup is None:
            raise NotFoundError(f"no sign-up {signup_id} at this session")
        if not (token_matches(token, signup.token_hash)
                or token_matches(token, row.token_hash)):
            raise ForbiddenError("cancelling a sign-up needs its cancel token")
        promoted: list[Signup] = []
        if signup.status != "cancelled":
            if signup.status == "confirmed":
                row.confirmed -= 1
            signup.status, signup.updated_at = "cancelled", now
            signup.spotter_id = None  # their spotter is free for the next runner
            session.flush()
            promoted = _promote(session, row, now)
            _pair(session, row)
        return CancelledSignup(SignupInfo.of(signup),
                               tuple(SignupInfo.of(s) for s in promoted))


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


def _pair(session: "Session", row: ClubSession) -> None:
    """Pair the confirmed again from the pairs kept, and keep the new pairs and who lost
    their spotter (the caller holds the lock)."""
    confirmed = session.scalars(select(Signup).where(
        Signup.session_id == row.id, Signup.status == "confirmed").order_by(Signup.id)).all()
    pairing = _pairing(confirmed)
    left = dict(pairing.left)
    for signup in confirmed:
        if signup.role == "needs_spotter":
            signup.spotter_id = pairing.partner(signup.id)  # type: ignore[assignment]
            signup.left_spotter_id = left.get(signup.id, signup.left_spotter_id)
    session.flush()


def _pairing(confirmed: Sequence[Signup]) -> Pairing:
    """The pairs of the *confirmed* (in sign-up order), keeping those kept."""
    return pair_spotters([(s.id, s.role) for s in confirmed],
                         {s.id: s.spotter_id for s in confirmed if s.spotter_id is not None})


def _detail(session: "Session", row: ClubSession) -> SessionDetail:
    signups = session.scalars(select(Signup).where(
        Signup.session_id == row.id, Signup.status != "cancelled").order_by(Signup.id)).all()
    confirmed = [s for s in signups if s.status == "confirmed"]
    left = tuple(s.id for s in confirmed if s.left_spotter_id is not None)
    infos = tuple(SignupInfo.of(s) for s in signups)
    # Confirmed first, then the waitlist, each in sign-up order.
    ordered = tuple(sorted(infos, key=lambda s: s.status != "confirmed"))
    return SessionDetail(SessionInfo.of(row, _club_slug(session, row)), ordered,
                         _pairing(confirmed), left)


def _venue_text(value: object) -> Optional[str]:
    """A venue's name or label as kept: one line, spaces collapsed, at most
    :data:`~venuefinder.store.models.VENUE_NAME_MAX` characters; None for none."""
    return " ".join(str(value or "").split())[:VENUE_NAME_MAX] or None


def _session(session: "Session", slug: object, lock: bool) -> ClubSession:
    """The session row at *slug*; with *lock*, locked until commit (``FOR UPDATE`` on
    PostgreSQL; SQLite's write transaction holds the database lock already)."""
    if not is_session_slug(slug):
        raise NotFoundError("no such session")
    query = select(ClubSession).where(ClubSession.slug == slug)
    if lock:
        query = query.with_for_update()
    row = session.scalar(query)
    if row is None:
        raise NotFoundError("no such session")
    return row


def _club(session: "Session", slug: object) -> Club:
    if not is_club_slug(slug):
        raise NotFoundError("no such club")
    club = session.scalar(select(Club).where(Club.slug == slug))
    if club is None:
        raise NotFoundError(f"no club {slug}")
    return club


def _club_slug(session: "Session", row: ClubSession) -> Optional[str]:
    if row.club_id is None:
        return None
    return session.scalar(select(Club.slug).where(Club.id == row.club_id))
