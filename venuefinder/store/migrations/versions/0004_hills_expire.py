"""Open "steep hill" reports get a lifetime, as every other kind has.

Revision ID: 0004
Revises: 0003
Create Date: 2026-01-14

Hills used to live until resolved (``expires_at`` NULL), so one client's fake was
permanent. Now an unconfirmed hill lives 30 days from when it was last said to be there, one
that a second client confirmed 365 days. Rows only, no schema change: the open hills without
an expiry get ``seen_at`` plus their lifetime (already past for the stale ones, which then
stop counting at once). The numbers are written out here, not imported from the vocabulary:
a migration is a snapshot of its revision.

Downgrade gives open hills back their unending life.
"""

from datetime import timedelta
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

from venuefinder.store.models import UTCDateTime

revision: str = "0004"
down_revision: Union[str, Sequence[str], None] = "0003"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

UNCONFIRMED = timedelta(days=30)
CONFIRMED = timedelta(days=365)

hazards = sa.table("hazards", sa.column("id", sa.Integer()), sa.column("kind", sa.String()),
                   sa.column("status", sa.String()), sa.column("confirmations", sa.Integer()),
                   sa.column("seen_at", UTCDateTime()), sa.column("expires_at", UTCDateTime()))


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(hazards.c.id, hazards.c.confirmations, hazards.c.seen_at)
                        .where(hazards.c.kind == "hill", hazards.c.status == "open",
                               hazards.c.expires_at.is_(None))).all()
    for hazard_id, confirmations, seen_at in rows:
        lifetime = CONFIRMED if confirmations >= 2 else UNCONFIRMED
        bind.execute(sa.update(hazards).where(hazards.c.id == hazard_id)
                     .values(expires_at=seen_at + lifetime))


def downgrade() -> None:
    op.get_bind().execute(sa.update(hazards)
                          .where(hazards.c.kind == "hill", hazards.c.status == "open")
                          .values(expires_at=None))
