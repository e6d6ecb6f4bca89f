"""Alembic environment of the PostGIS schema: runs on the connection
:func:`venuefinder.spatialdb.db.upgrade` passes in (already inside its locked transaction),
or on ``sqlalchemy.url`` when run otherwise. Its version table is
:data:`~venuefinder.spatialdb.models.VERSION_TABLE` and it sees only the ``geo_`` tables,
so the store's schema (its own history) may share the database."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from venuefinder.spatialdb.models import PREFIX, VERSION_TABLE, metadata


def include_name(name, type_, parent_names) -> bool:  # noqa: ANN001 - Alembic's hook
    """Only this schema's tables (not the store's, nor PostGIS's spatial_ref_sys)."""
    return type_ != "table" or name.startswith(PREFIX)


def run_migrations() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:  # noqa: ANN001 - a SQLAlchemy Connection
    context.configure(connection=connection, target_metadata=metadata,
                      version_table=VERSION_TABLE, include_name=include_name)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
