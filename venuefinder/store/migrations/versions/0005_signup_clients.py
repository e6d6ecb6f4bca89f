"""Sign-ups keep who signed up (the client's keyed hash), to limit one client's sign-ups at
a session.

Revision ID: 0005
Revises: 0004
Create Date: 2026-01-20

One address filled a 12-place session and 47 waitlist places in 0.7 s. A sign-up now keeps
its client (as hazard reports do: a keyed hash of the address, never the address), indexed
with its session. Sign-ups made before have none and count for nobody. The width is written
out here, not imported: a migration is a snapshot of its revision.

Downgrade drops the column and its index.
"""

from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: Union[str, Sequence[str], None] = "0004"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

CLIENT_MAX = 128
INDEX = "ix_session_signups_session_id_client"


def upgrade() -> None:
    op.add_column("session_signups", sa.Column("client", sa.String(CLIENT_MAX), nullable=True))
    op.create_index(op.f(INDEX), "session_signups", ["session_id", "client"])


def downgrade() -> None:
    op.drop_index(op.f(INDEX), table_name="session_signups")
    with op.batch_alter_table("session_signups") as batch:
        batch.drop_column("client")
