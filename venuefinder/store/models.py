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
    MetaData, String, UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from .vocabulary import ACTIONS, CLIENT_MAX, DESCRIPTION_MAX, KINDS, SEVERITIES, STATUSES

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
