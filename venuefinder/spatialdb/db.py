"""The PostGIS database of a URL: parsing it, connecting, and migrating its schema.

URLs are ``postgresql://…`` or ``postgresql+psycopg://…`` (both psycopg 3, as the store's),
optionally with ``?region=NAME`` (which region to load or serve; see the package). Every
failure to reach or use the database is one :class:`~venuefinder.errors.SourceError` line
naming it, the password hidden.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, NoReturn, Optional

import psycopg
from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from ..errors import InputError, SourceError
from ..store.db import URL_ECHO_CHARS, make_engine
from ..validate import clip
from .models import VERSION_TABLE

#: The URL query parameter naming the region.
REGION_PARAM = "region"
#: Alembic's script folder, shipped inside the package.
MIGRATIONS = Path(__file__).with_name("migrations")
#: PostgreSQL advisory lock keys (the store's are 0x76660000…): one migration at a time;
#: one load of a region name at a time (the second key is the name's hash).
MIGRATION_LOCK = 0x76660010
LOAD_LOCK = 0x7666
#: Seconds to wait for the server before saying it cannot be reached.
CONNECT_TIMEOUT_S = 10


@dataclass(frozen=True)
class Target:
    """A parsed PostGIS URL.

    Attributes
    ----------
    url
        The database's URL for SQLAlchemy (psycopg 3), without the region parameter.
    region
        The ``?region=`` name, None when not given.
    """

    url: URL
    region: Optional[str]

    @property
    def database(self) -> str:
        return self.url.database or ""

    @property
    def shown(self) -> str:
        """The URL for messages, the password hidden."""
        return clip(self.url.render_as_string(hide_password=True), URL_ECHO_CHARS)


def parse_url(url: str) -> Target:
    """*url* as a :class:`Target`.

    Raises
    ------
    InputError
        Not a URL, not PostgreSQL (or another driver than psycopg), no database named, or
        a region parameter given twice or empty.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise InputError(f"not a database URL: {clip(url, URL_ECHO_CHARS)!r}") from None
    if parsed.drivername not in ("postgresql", "postgresql+psycopg"):
        raise InputError(f"a PostGIS database URL starts postgresql:// or postgresql+psycopg://,"
                         f" got {clip(parsed.drivername, URL_ECHO_CHARS)}://")
    if not parsed.database:
        raise InputError(f"the database URL names no database: "
                         f"{clip(parsed.render_as_string(), URL_ECHO_CHARS)}")
    region = parsed.query.get(REGION_PARAM)
    if region is not None and (not isinstance(region, str) or not region.strip()):
        raise InputError(f"?{REGION_PARAM}= names one region, once")
    return Target(parsed.difference_update_query([REGION_PARAM]),
                  region.strip() if region else None)


def engine_for(target: Target) -> Engine:
    """A pooled engine on *target* (psycopg 3), not yet connected."""
    return make_engine(target.url.render_as_string(hide_password=False),
                       connect_args={"connect_timeout": CONNECT_TIMEOUT_S})


def unavailable(target: Target, exc: BaseException) -> NoReturn:
    """Raise *exc* (a database error) as one :class:`SourceError` line naming *target*."""
    detail = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
    raise SourceError(f"PostGIS database {target.shown}: {detail}") from None


@contextmanager
def database_errors(target: Target) -> Iterator[None]:
    """Database errors inside the block (SQLAlchemy's, and psycopg's of a ``COPY``) become
    one :class:`SourceError` line."""
    try:
        yield
    except (SQLAlchemyError, psycopg.Error, OSError) as exc:
        if isinstance(exc, SourceError):
            raise
        unavailable(target, exc)


def ensure_postgis(connection: Connection, target: Target) -> None:
    """Install PostGIS in the database when it lacks it and the role may (a superuser,
    the database's owner on PostgreSQL 13+ for a trusted extension).

    Raises
    ------
    SourceError
        PostGIS is missing and cannot be installed: one line saying what to do.
    """
    if connection.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")):
        return
    try:
        with connection.begin_nested():
            connection.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
    except DBAPIError as exc:
        reason = " ".join(str(exc.orig).split())[:120]
        raise SourceError(f"PostGIS is not installed in database {target.database!r} and this "
                          f"role cannot install it ({reason}): run `CREATE EXTENSION postgis` "
                          "there as a superuser (Debian: postgresql-15-postgis-3)") from None


def upgrade(engine: Engine, target: Target, revision: str = "head") -> None:
    """Migrate the schema to *revision* (Alembic, version table
    :data:`~venuefinder.spatialdb.models.VERSION_TABLE`), installing PostGIS first when it
    may. One migration at a time (an advisory lock): a second caller waits, then finds the
    schema current."""
    _migrate(engine, target, "upgrade", revision)


def downgrade(engine: Engine, target: Target, revision: str) -> None:
    """Migrate the schema down to *revision* (``"base"``: drop every ``geo_`` table)."""
    _migrate(engine, target, "downgrade", revision)


def _migrate(engine: Engine, target: Target, direction: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with database_errors(target), engine.connect() as connection, connection.begin():
        connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
        ensure_postgis(connection, target)
        config.attributes["connection"] = connection
        getattr(command, direction)(config, revision)


def schema_revision(connection: Connection) -> Optional[str]:
    """The schema's Alembic revision, None when it was never migrated."""
    if not connection.scalar(text("SELECT to_regclass(:table) IS NOT NULL"),
                             {"table": VERSION_TABLE}):
        return None
    return connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}"))
