"""Alembic environment: runs on the connection :func:`venuefinder.store.db.upgrade` passes
in (already inside its locked transaction), or on ``sqlalchemy.url`` when run otherwise."""

from __future__ import annotations

from alembic import context

from venuefinder.store.db import open_store
from venuefinder.store.models import Base


def run_migrations() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    store = open_store(config.get_main_option("sqlalchemy.url"))
    try:
        with store.engine.begin() as connection:
            _run(connection)
    finally:
        store.engine.dispose()


def _run(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        # SQLite cannot ALTER most things: later migrations rebuild tables in batch mode.
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
