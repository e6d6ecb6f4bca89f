"""SQLAlchemy 2 models of the store. The schema is created by the Alembic migrations in
``migrations/`` (``db.upgrade``); these classes describe it for queries, and a test checks
the two agree.

Every time is timezone-aware UTC in Python. SQLite has no time zone type, so
:class:`UTCDateTime` stores naive UTC there (ISO text, which sorts and compares in time
order) and ``timestamptz`` on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from sqlalchemy import (
    BigInteger, CheckConstraint, DateTime, Dialect, Double, ForeignKey, Index, Integer,
    MetaData, String, Text, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from ..vocabulary.hazards import ACTIONS, CLIENT_MAX, DESCRIPTION_MAX, KINDS, SEVERITIES, STATUSES

#: Largest hazard id the ``hazards.id`` column holds (``Integer``: 32-bit signed on
#: PostgreSQL); a larger id names no hazard, and the store answers so without asking the
#: database (which would overflow on PostgreSQL).
HAZARD_ID_MAX = 2**31 - 1

#: Deterministic constraint names, so later migrations (batch mode on SQLite) can name them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, always UTC; naive datetimes are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Optional[datetime], dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: the store needs timezone-aware times")
        value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> Optional[datetime]:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Hazard(Base):
    """One hazard report (possibly confirmed by several people).

    ``confirmations`` counts the distinct clients who said the hazard is there, the
    reporter included: it starts at 1. ``seen_at`` is when someone last said so (the report
    or the latest confirmation); lifetimes and the criterion's ageing run from it.
    ``reporter`` is the opaque client id of the first reporter and is never shown.
    """

    __tablename__ = "hazards"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    severity: Mapped[str] = mapped_column(String(8))
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    description: Mapped[Optional[str]] = mapped_column(String(DESCRIPTION_MAX))
    status: Mapped[str] = mapped_column(String(8), default="open")
    confirmations: Mapped[int] = mapped_column(Integer, default=1)
    flags: Mapped[int] = mapped_column(Integer, default=0)
    reporter: Mapped[str] = mapped_column(String(CLIENT_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(_in("kind", KINDS), name="kind"),
        CheckConstraint(_in("severity", SEVERITIES), name="severity"),
        CheckConstraint(_in("status", STATUSES), name="status"),
        CheckConstraint("lat >= -90 AND lat <= 90", name="lat"),
        CheckConstraint("lon >= -180 AND lon <= 180", name="lon"),
        CheckConstraint(f"length(description) <= {DESCRIPTION_MAX}", name="description"),
        CheckConstraint("confirmations >= 1", name="confirmations"),
        CheckConstraint("flags >= 0", name="flags"),
        # Open hazards in a box (the criterion, dedupe) and any hazard in a box (near).
        Index(None, "status", "lat", "lon"),
        Index(None, "lat", "lon"),
    )


class Vote(Base):
    """What one client said about one hazard; one row per (hazard, client, action)."""

    __tablename__ = "hazard_votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    hazard_id: Mapped[int] = mapped_column(ForeignKey("hazards.id", ondelete="CASCADE"))
    client: Mapped[str] = mapped_column(String(CLIENT_MAX))
    action: Mapped[str] = mapped_column(String(8))
    reason: Mapped[Optional[str]] = mapped_column(String(DESCRIPTION_MAX))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        UniqueConstraint("hazard_id", "client", "action"),
        CheckConstraint(_in("action", ACTIONS), name="action"),
    )


class StoreVersion(Base):
    """A single row whose ``version`` every write transaction bumps (cache invalidation)."""

    __tablename__ = "store_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


# -- club sessions ---------------------------------------------------------------------------
# Limits the schema and the service functions (store/sessions/) share.

#: Longest club slug, club name, session title, venue name, meeting note, notes, display
#: name; a hex SHA-256 of a token; a session slug (``secrets.token_urlsafe(9)``: 12).
SLUG_MAX = 64
CLUB_NAME_MAX = 80
TITLE_MAX = 120
VENUE_NAME_MAX = 200
MEETING_NOTE_MAX = 200
NOTES_MAX = 2000
NAME_MAX = 40
TOKEN_HASH_LEN = 64
SESSION_SLUG_MAX = 16
#: Most places and expected runners of one session, and its longest duration (minutes).
MAX_CAPACITY = 200
MAX_GROUP = 200
MAX_DURATION_MIN = 360
SESSION_STATUSES: tuple[str, ...] = ("scheduled", "cancelled")
SIGNUP_STATUSES: tuple[str, ...] = ("confirmed", "waitlisted", "cancelled")
SIGNUP_ROLES: tuple[str, ...] = ("can_spot", "needs_spotter")


class Club(Base):
    """A club: a name, a readable unique slug (``/c/<slug>``) and its edit token's hash."""

    __tablename__ = "clubs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(SLUG_MAX), unique=True)
    name: Mapped[str] = mapped_column(String(CLUB_NAME_MAX))
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LEN))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClubSession(Base):
    """One session (one occurrence of a weekly series): where, when, the plan, the places.

    ``confirmed`` counts the confirmed sign-ups; the database itself refuses more than
    ``capacity`` of them. The venue's name (OSM's, else its label), label (what the map
    calls it; NULL for sessions made before labels were kept), point and zone are kept as
    they were when the session was made, so its page and calendars stand even if the map
    changes. ``series``
    is the slug of the series' first occurrence (its own for a single session); ``version``
    counts edits (the calendar's ``SEQUENCE`` + 1).
    """

    __tablename__ = "club_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(SESSION_SLUG_MAX), unique=True)
    series: Mapped[str] = mapped_column(String(SESSION_SLUG_MAX), index=True)
    occurrence: Mapped[int] = mapped_column(Integer)
    club_id: Mapped[Optional[int]] = mapped_column(ForeignKey("clubs.id"))
    title: Mapped[str] = mapped_column(String(TITLE_MAX))
    venue_id: Mapped[str] = mapped_column(String(32))
    venue_name: Mapped[Optional[str]] = mapped_column(String(VENUE_NAME_MAX))
    venue_label: Mapped[Optional[str]] = mapped_column(String(VENUE_NAME_MAX))
    lat: Mapped[float] = mapped_column(Double)
    lon: Mapped[float] = mapped_column(Double)
    tz: Mapped[str] = mapped_column(String(64))
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_min: Mapped[int] = mapped_column(Integer)
    group_size: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer)
    confirmed: Mapped[int] = mapped_column(Integer, default=0)
    meeting_lat: Mapped[Optional[float]] = mapped_column(Double)
    meeting_lon: Mapped[Optional[float]] = mapped_column(Double)
    meeting_note: Mapped[Optional[str]] = mapped_column(String(MEETING_NOTE_MAX))
    plan: Mapped[str] = mapped_column(Text)
    notes: Mapped[Optional[str]] = mapped_column(String(NOTES_MAX))
    status: Mapped[str] = mapped_column(String(10), default="scheduled")
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LEN))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint(_in("status", SESSION_STATUSES), name="status"),
        CheckConstraint(f"capacity >= 1 AND capacity <= {MAX_CAPACITY}", name="capacity"),
        CheckConstraint(f"group_size >= 1 AND group_size <= {MAX_GROUP}", name="group_size"),
        CheckConstraint(f"duration_min >= 1 AND duration_min <= {MAX_DURATION_MIN}",
                        name="duration_min"),
        # No overbooking, whatever the code does: the count never passes the places.
        CheckConstraint("confirmed >= 0 AND confirmed <= capacity", name="confirmed"),
        CheckConstraint("occurrence >= 1", name="occurrence"),
        CheckConstraint("version >= 1", name="version"),
        CheckConstraint("end_at > start_at", name="end_after_start"),
        CheckConstraint("lat >= -90 AND lat <= 90 AND lon >= -180 AND lon <= 180",
                        name="point"),
        CheckConstraint("(meeting_lat IS NULL) = (meeting_lon IS NULL)", name="meeting"),
        # A club's upcoming sessions.
        Index(None, "club_id", "start_at"),
    )


class Signup(Base):
    """One person's place (or place in the queue) at a session: a display name and a role,
    nothing else about them. Sign-up order is ``id`` order: sign-ups to one session are
    inserted under its row lock, so ids grow in the order they were taken.

    A confirmed runner who needs a spotter keeps theirs in ``spotter_id`` (a sign-up of the
    same session) while both stay; ``left_spotter_id`` is the spotter who last cancelled on
    them (:mod:`venuefinder.sessions.pairing`). ``client`` is who signed up, to limit one
    client's sign-ups at a session."""

    __tablename__ = "session_signups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("club_sessions.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    role: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(TOKEN_HASH_LEN))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    spotter_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("session_signups.id", ondelete="SET NULL"))
    left_spotter_id: Mapped[Optional[int]] = mapped_column(
        ForeignKey("session_signups.id", ondelete="SET NULL"))
    #: Who signed up, as the hazards' ``client`` (a keyed hash of the address, never the
    #: address): a client's sign-ups per session are limited. None before migration 0005.
    client: Mapped[Optional[str]] = mapped_column(String(CLIENT_MAX))

    __table_args__ = (
        CheckConstraint(_in("role", SIGNUP_ROLES), name="role"),
        CheckConstraint(_in("status", SIGNUP_STATUSES), name="status"),
        # A session's sign-ups by status in sign-up order (counts, the waitlist's head).
        Index(None, "session_id", "status", "id"),
        # A client's sign-ups at a session (the per-client limit).
        Index(None, "session_id", "client"),
    )
