"""Clubs, club sessions and sign-ups.

Revision ID: 0002
Revises: 0001
Create Date: 2025-12-02

As in 0001 the allowed values and limits are written out here, a snapshot of the schema at
this revision (a test checks head matches the models).
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from venuefinder.store.models import UTCDateTime

revision: str = "0002"
down_revision: Union[str, Sequence[str], None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SESSION_STATUSES = ("scheduled", "cancelled")
SIGNUP_STATUSES = ("confirmed", "waitlisted", "cancelled")
SIGNUP_ROLES = ("can_spot", "needs_spotter")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "clubs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(64), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clubs")),
        sa.UniqueConstraint("slug", name=op.f("uq_clubs_slug")),
    )

    op.create_table(
        "club_sessions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("slug", sa.String(16), nullable=False),
        sa.Column("series", sa.String(16), nullable=False),
        sa.Column("occurrence", sa.Integer(), nullable=False),
        sa.Column("club_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("venue_id", sa.String(32), nullable=False),
        sa.Column("venue_name", sa.String(200), nullable=True),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("tz", sa.String(64), nullable=False),
        sa.Column("start_at", UTCDateTime(), nullable=False),
        sa.Column("end_at", UTCDateTime(), nullable=False),
        sa.Column("duration_min", sa.Integer(), nullable=False),
        sa.Column("group_size", sa.Integer(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("confirmed", sa.Integer(), nullable=False),
        sa.Column("meeting_lat", sa.Double(), nullable=True),
        sa.Column("meeting_lon", sa.Double(), nullable=True),
        sa.Column("meeting_note", sa.String(200), nullable=True),
        sa.Column("plan", sa.Text(), nullable=False),
        sa.Column("notes", sa.String(2000), nullable=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_club_sessions")),
        sa.UniqueConstraint("slug", name=op.f("uq_club_sessions_slug")),
        sa.ForeignKeyConstraint(["club_id"], ["clubs.id"],
                                name=op.f("fk_club_sessions_club_id_clubs")),
        sa.CheckConstraint(_in("status", SESSION_STATUSES), name=op.f("ck_club_sessions_status")),
        sa.CheckConstraint("capacity >= 1 AND capacity <= 200",
                           name=op.f("ck_club_sessions_capacity")),
        sa.CheckConstraint("group_size >= 1 AND group_size <= 200",
                           name=op.f("ck_club_sessions_group_size")),
        sa.CheckConstraint("duration_min >= 1 AND duration_min <= 360",
                           name=op.f("ck_club_sessions_duration_min")),
        sa.CheckConstraint("confirmed >= 0 AND confirmed <= capacity",
                           name=op.f("ck_club_sessions_confirmed")),
        sa.CheckConstraint("occurrence >= 1", name=op.f("ck_club_sessions_occurrence")),
        sa.CheckConstraint("version >= 1", name=op.f("ck_club_sessions_version")),
        sa.CheckConstraint("end_at > start_at", name=op.f("ck_club_sessions_end_after_start")),
        sa.CheckConstraint("lat >= -90 AND lat <= 90 AND lon >= -180 AND lon <= 180",
                           name=op.f("ck_club_sessions_point")),
        sa.CheckConstraint("(meeting_lat IS NULL) = (meeting_lon IS NULL)",
                           name=op.f("ck_club_sessions_meeting")),
    )
    op.create_index(op.f("ix_club_sessions_series"), "club_sessions", ["series"])
    op.create_index(op.f("ix_club_sessions_club_id_start_at"), "club_sessions",
                    ["club_id", "start_at"])

    op.create_table(
        "session_signups",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_signups")),
        sa.ForeignKeyConstraint(["session_id"], ["club_sessions.id"], ondelete="CASCADE",
                                name=op.f("fk_session_signups_session_id_club_sessions")),
        sa.CheckConstraint(_in("role", SIGNUP_ROLES), name=op.f("ck_session_signups_role")),
        sa.CheckConstraint(_in("status", SIGNUP_STATUSES),
                           name=op.f("ck_session_signups_status")),
    )
    op.create_index(op.f("ix_session_signups_session_id_status_id"), "session_signups",
                    ["session_id", "status", "id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_session_signups_session_id_status_id"),
                  table_name="session_signups")
    op.drop_table("session_signups")
    op.drop_index(op.f("ix_club_sessions_club_id_start_at"), table_name="club_sessions")
    op.drop_index(op.f("ix_club_sessions_series"), table_name="club_sessions")
    op.drop_table("club_sessions")
    op.drop_table("clubs")
