"""A session keeps its venue's label; a runner's spotter is kept (and who left them).

Revision ID: 0003
Revises: 0002
Create Date: 2026-01-12

* ``club_sessions.venue_label``: what the venue is called on the map (its label), for the
  session's pages and calendars; NULL for sessions made before (they show ``venue_name``).
* ``session_signups.spotter_id``: a confirmed runner's spotter, kept while both stay, so a
  pair never changes because someone else left; ``left_spotter_id``: the spotter who last
  left this runner, so the page can say so. Both sign-ups of the same session; a sign-up is
  never deleted alone (only with its session), and SET NULL keeps that safe anyway.

SQLite cannot add a foreign key to a table: batch mode rebuilds ``session_signups`` there.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: Union[str, Sequence[str], None] = "0002"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

SPOTTER_COLUMNS = ("spotter_id", "left_spotter_id")


def upgrade() -> None:
    op.add_column("club_sessions", sa.Column("venue_label", sa.String(200), nullable=True))
    with op.batch_alter_table("session_signups") as batch:
        for column in SPOTTER_COLUMNS:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_session_signups_{column}_session_signups"), "session_signups",
                [column], ["id"], ondelete="SET NULL")


def downgrade() -> None:
    with op.batch_alter_table("session_signups") as batch:
        for column in SPOTTER_COLUMNS:
            batch.drop_constraint(op.f(f"fk_session_signups_{column}_session_signups"),
                                  type_="foreignkey")
            batch.drop_column(column)
    with op.batch_alter_table("club_sessions") as batch:
        batch.drop_column("venue_label")
