"""Hazard reports, votes and the store version counter.

Revision ID: 0001
Revises:
Create Date: 2025-11-25

The allowed values are written out here, not imported from ``store.vocabulary``: a
migration is a snapshot of the schema at its revision, and a later change to the
vocabulary needs its own migration (a test checks head accepts exactly the vocabulary).
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from venuefinder.store.models import UTCDateTime

revision: str = "0001"
down_revision: Union[str, Sequence[str], None] = None
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

KINDS = ("pothole", "hill", "surface", "glass", "flooding", "dark", "obstacle", "other")
SEVERITIES = ("low", "medium", "high")
STATUSES = ("open", "resolved", "hidden")
ACTIONS = ("confirm", "gone", "flag")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "hazards",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("severity", sa.String(8), nullable=False),
        sa.Column("lat", sa.Double(), nullable=False),
        sa.Column("lon", sa.Double(), nullable=False),
        sa.Column("description", sa.String(500), nullable=True),
        sa.Column("status", sa.String(8), nullable=False),
        sa.Column("confirmations", sa.Integer(), nullable=False),
        sa.Column("flags", sa.Integer(), nullable=False),
        sa.Column("reporter", sa.String(128), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("seen_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazards")),
        sa.CheckConstraint(_in("kind", KINDS), name=op.f("ck_hazards_kind")),
        sa.CheckConstraint(_in("severity", SEVERITIES), name=op.f("ck_hazards_severity")),
        sa.CheckConstraint(_in("status", STATUSES), name=op.f("ck_hazards_status")),
        sa.CheckConstraint("lat >= -90 AND lat <= 90", name=op.f("ck_hazards_lat")),
        sa.CheckConstraint("lon >= -180 AND lon <= 180", name=op.f("ck_hazards_lon")),
        sa.CheckConstraint("length(description) <= 500", name=op.f("ck_hazards_description")),
        sa.CheckConstraint("confirmations >= 1", name=op.f("ck_hazards_confirmations")),
        sa.CheckConstraint("flags >= 0", name=op.f("ck_hazards_flags")),
    )
    op.create_index(op.f("ix_hazards_status_lat_lon"), "hazards", ["status", "lat", "lon"])
    op.create_index(op.f("ix_hazards_lat_lon"), "hazards", ["lat", "lon"])

    op.create_table(
        "hazard_votes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("hazard_id", sa.Integer(), nullable=False),
        sa.Column("client", sa.String(128), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hazard_votes")),
        sa.ForeignKeyConstraint(["hazard_id"], ["hazards.id"], ondelete="CASCADE",
                                name=op.f("fk_hazard_votes_hazard_id_hazards")),
        sa.UniqueConstraint("hazard_id", "client", "action",
                            name=op.f("uq_hazard_votes_hazard_id_client_action")),
        sa.CheckConstraint(_in("action", ACTIONS), name=op.f("ck_hazard_votes_action")),
    )

    version = op.create_table(
        "store_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_store_version")),
        sa.CheckConstraint("id = 1", name=op.f("ck_store_version_single_row")),
    )
    op.bulk_insert(version, [{"id": 1, "version": 0}])


def downgrade() -> None:
    op.drop_table("store_version")
    op.drop_table("hazard_votes")
    op.drop_index(op.f("ix_hazards_lat_lon"), table_name="hazards")
    op.drop_index(op.f("ix_hazards_status_lat_lon"), table_name="hazards")
    op.drop_table("hazards")
