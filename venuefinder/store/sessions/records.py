"""What the session service functions return: clubs, sessions and sign-ups as the web
shows them (never a token, except the one a ``New…`` record carries to show once)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Mapping, Optional, Sequence

from ...sessions.checks import Check, session_checks
from ...sessions.ical import CalendarEvent
from ...sessions.pairing import Pairing
from ...sessions.plans import Plan, VenueRoom
from ...sessions.timezones import zone
from ..models import Club, ClubSession, Signup
from .validation import venue_properties


@dataclass(frozen=True)
class ClubInfo:
    """A club as shown (no token)."""

    slug: str
    name: str
    created_at: datetime

    @classmethod
    def of(cls, row: Club) -> "ClubInfo":
        return cls(row.slug, row.name, row.created_at)

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
    ``meeting`` is ``(lat, lon)`` or None (meet at the venue's point ``lat``, ``lon``).
    ``venue_name`` is the venue's OSM name (else its label), ``venue_label`` what the map
    calls it (None for a session made before labels were kept): pages and calendars say
    :attr:`venue_called`."""

    slug: str
    series: str
    occurrence: int
    club: Optional[str]
    title: str
    venue_id: str
    venue_name: Optional[str]
    venue_label: Optional[str]
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

    @classmethod
    def of(cls, row: ClubSession, club_slug: Optional[str]) -> "SessionInfo":
        """The session in *row*, of the club *club_slug* (or None)."""
        tz = zone(row.tz)
        meeting = None if row.meeting_lat is None else (row.meeting_lat, row.meeting_lon)
        return cls(
            slug=row.slug, series=row.series, occurrence=row.occurrence, club=club_slug,
            title=row.title, venue_id=row.venue_id, venue_name=row.venue_name,
            venue_label=row.venue_label, lat=row.lat,
            lon=row.lon, tz=row.tz, start=row.start_at.astimezone(tz),
            end=row.end_at.astimezone(tz), duration_min=row.duration_min,
            group_size=row.group_size, capacity=row.capacity, confirmed=row.confirmed,
            meeting=meeting, meeting_note=row.meeting_note,
            plan=Plan.from_record(json.loads(row.plan)), notes=row.notes, status=row.status,
            version=row.version, created_at=row.created_at, updated_at=row.updated_at)

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def venue_called(self) -> str:
        """What the session's pages and calendars call the venue: its label, else its name,
        else its id."""
        return self.venue_label or self.venue_name or f"Venue {self.venue_id}"

    def checks(self, venue: Mapping[str, Any]) -> list[Check]:
        """The checks of this session against *venue* as it is now (its GeoJSON feature,
        e.g. ``region.venue(self.venue_id, overlay)``; a track's mapped lanes count)."""
        return session_checks(venue_properties(venue), self.lat, self.lon, self.start,
                              self.duration_min, self.group_size, self.capacity, self.plan)

    def event(self, url: Optional[str] = None) -> CalendarEvent:
        """This session for :func:`venuefinder.sessions.ical.calendar`; *url* its page."""
        return CalendarEvent(
            uid=f"{self.slug}@venuefinder", title=self.title,
            venue=self.venue_called, start=self.start,
            end=self.end, lat=self.lat, lon=self.lon, meeting=self.meeting,
            meeting_note=self.meeting_note, plan=self.plan, notes=self.notes,
            cancelled=self.cancelled, sequence=self.version - 1, stamp=self.updated_at,
            url=url)

    def as_dict(self, venue: Optional[Mapping[str, Any]] = None) -> dict[str, Any]:
        """The session as JSON data. With *venue* (its feature now), the plan's steps carry
        their ``venue_hint``."""
        room = None if venue is None else VenueRoom.of(venue_properties(venue))
        return {
            "slug": self.slug, "series": self.series, "occurrence": self.occurrence,
            "club": self.club, "title": self.title,
            "venue": {"id": self.venue_id, "name": self.venue_name,
                      "label": self.venue_called, "lat": self.lat, "lon": self.lon},
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

    @classmethod
    def of(cls, row: Signup) -> "SignupInfo":
        return cls(row.id, row.name, row.role, row.status, row.created_at)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "role": self.role, "status": self.status}


@dataclass(frozen=True)
class SessionDetail:
    """A session with its sign-ups (confirmed and waitlisted, in sign-up order), the
    spotter pairs among the confirmed (keys: sign-up ids) and the confirmed runners whose
    spotter left them (sign-up ids, in sign-up order)."""

    session: SessionInfo
    signups: tuple[SignupInfo, ...]
    pairing: Pairing
    spotter_left: tuple[int, ...] = ()

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
        spotter), ``spare_spotters`` and ``spotter_left`` (display names of the runners
        whose spotter cancelled on them)."""
        data = self.session.as_dict(venue)
        if checks is not None:
            data["checks"] = [c.as_dict() for c in checks]
        data["signups"] = [s.as_dict() for s in self.signups]
        data["pairs"] = [{"needs_spotter": self.signup(int(r)).name,  # type: ignore
                          "can_spot": self.signup(int(s)).name}  # type: ignore
                         for r, s in self.pairing.pairs]
        data["unpaired"] = len(self.pairing.unpaired)
        data["spare_spotters"] = len(self.pairing.spare)
        data["spotter_left"] = [self.signup(r).name for r in self.spotter_left]  # type: ignore
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
