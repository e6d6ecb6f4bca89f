"""Engines, sessions, locking write transactions and migrations, from a database URL.

* **SQLite** (``sqlite:///path/venuefinder.db``, the default the web app puts in its
  instance folder): every connection gets ``journal_mode=WAL`` (readers never block the
  writer), ``synchronous=FULL``, ``busy_timeout`` (:data:`BUSY_TIMEOUT_MS`) and
  ``foreign_keys=ON``. Write transactions start with ``BEGIN IMMEDIATE``: they take the
  database's write lock before their first read, so a check-then-write (dedupe, "one vote
  per client") cannot interleave with another writer, and a waiting writer queues on
  ``busy_timeout`` instead of failing with "database is locked" when a deferred
  transaction tries to upgrade its read lock.

  ``synchronous=FULL`` rather than ``NORMAL``: both keep every committed transaction
  through a ``kill -9`` of the process (the WAL is written before COMMIT returns); FULL
  also syncs the WAL to disk on every commit, so an acknowledged hazard report survives a
  power cut or a kernel crash too. Reports are written at human rates, so one fsync per
  commit costs nothing that matters.
* **PostgreSQL** (``postgresql+psycopg://user:password@host/db``; a bare ``postgresql://``
  means psycopg 3 too): write transactions that must not race on rows that do not exist
  yet (two reports of one spot) take a transaction-scoped advisory lock
  (``pg_advisory_xact_lock``); votes lock the hazard's row with ``SELECT … FOR UPDATE``.

Every write transaction bumps the single :class:`~.models.StoreVersion` row before it
commits, so :meth:`Store.version` (one primary-key read) tells any web worker whether its
cached open-hazard frame is stale.
"""

from __future__ import annotations

import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Optional, Union

from sqlalchemy import Engine, create_engine, event, func, select, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import InputError, StoreUnavailable
from ..validate import clip
from .models import StoreVersion

#: How long a SQLite writer waits for the write lock before giving up.
BUSY_TIMEOUT_MS = 15_000
#: Execution option that makes the next SQLite transaction ``BEGIN IMMEDIATE``.
_WRITE = "venuefinder_write"
#: PostgreSQL advisory lock keys (arbitrary 64-bit numbers private to venuefinder).
REPORT_LOCK = 0x76660001
MIGRATION_LOCK = 0x76660000
#: Most characters of a database URL an error message quotes (a path's worth; the rest of
#: a longer one is cut, see :func:`venuefinder.validate.clip`).
URL_ECHO_CHARS = 120
#: Alembic's script folder, shipped inside the package.
MIGRATIONS = Path(__file__).with_name("migrations")


@dataclass(frozen=True)
class Store:
    """An engine and its sessions: what every service function takes first.

    Attributes
    ----------
    engine
        The SQLAlchemy engine (pooled; share one per process).
    sessions
        Session factory (``expire_on_commit=False``: rows read stay readable after commit).
    """

    engine: Engine
    sessions: sessionmaker[Session]

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only transaction (a consistent snapshot on both databases' defaults)."""
        with self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def write(self, lock: Optional[int] = None) -> Iterator[Session]:
        """One atomic write transaction: committed when the block ends, rolled back (and
        the version not bumped) when it raises.

        Parameters
        ----------
        lock
            PostgreSQL advisory lock key held until commit, for check-then-insert on rows
            that may not exist yet. SQLite needs none: ``BEGIN IMMEDIATE`` already
            serialises writers.
        """
        try:
            with self.sessions() as session:
                session.connection(execution_options={_WRITE: True})
                if lock is not None and not self.is_sqlite:
                    session.execute(select(func.pg_advisory_xact_lock(lock)))
                yield session
                session.execute(update(StoreVersion).where(StoreVersion.id == 1)
                                .values(version=StoreVersion.version + 1))
                session.commit()
        except DBAPIError as exc:
            reason = _cannot_write(exc)
            if reason is None:
                raise
            raise StoreUnavailable(f"store unavailable: {reason}; nothing was written, try "
                                   "again later") from exc

    def check_writable(self) -> None:
        """Try a write and roll it back (a server that cannot write stops at start-up
        instead of failing every write).

        Raises
        ------
        StoreUnavailable
            The database is read-only (or cannot write for another reason it says, see
            :data:`_CANNOT_WRITE`), in one line naming it (the password hidden).
        """
        with self.sessions() as session:
            try:
                session.connection(execution_options={_WRITE: True})
                session.execute(update(StoreVersion).where(StoreVersion.id == 1)
                                .values(version=StoreVersion.version))
            except DBAPIError as exc:
                reason = _cannot_write(exc)
                if reason is None:
                    raise
                shown = clip(self.engine.url.render_as_string(hide_password=True),
                             URL_ECHO_CHARS)
                raise StoreUnavailable(f"cannot write to the store at {shown}: "
                                       f"{reason}") from exc
            session.rollback()

    def version(self) -> int:
        """The store-wide write counter: changes after every committed write."""
        with self.read() as session:
            return int(session.scalar(select(StoreVersion.version)
                                      .where(StoreVersion.id == 1)) or 0)


#: SQLSTATEs (PostgreSQL) and SQLite error names that mean the database cannot write now,
#: by prefix, and what the error says of them.
_CANNOT_WRITE = (
    ("SQLITE_READONLY", "the database is read-only"),
    ("SQLITE_FULL", "the disk is full"),
    ("SQLITE_IOERR", "the disk failed to write"),
    ("25006", "the database is read-only"),  # read_only_sql_transaction (a standby)
    ("53100", "the disk is full"),  # disk_full: "could not extend file"
    ("53", "the database server is out of resources"),
    ("58030", "the disk failed to write"),  # io_error
    ("08", "the database server cannot be reached"),  # connection_exception
)


def _cannot_write(exc: DBAPIError) -> Optional[str]:
    """Why the database cannot write now, when *exc* says so (read-only, disk full, out of
    resources, unreachable); None for any other error."""
    orig = exc.orig
    code = getattr(orig, "sqlite_errorname", None) or getattr(orig, "sqlstate", None) or ""
    return next((reason for prefix, reason in _CANNOT_WRITE if code.startswith(prefix)), None)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for a SQLite or PostgreSQL URL, set up as the module docstring says.

    Raises
    ------
    InputError
        The URL is malformed or names another database.
    """
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise InputError(f"not a database URL: {clip(url, URL_ECHO_CHARS)!r}") from exc
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = create_engine(parsed, **kwargs)
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if backend == "postgresql":
        if parsed.drivername == "postgresql":
            parsed = parsed.set(drivername="postgresql+psycopg")
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    raise InputError(f"unsupported database {clip(backend, URL_ECHO_CHARS)!r}: use sqlite:/// "
                     "or postgresql://")


def open_store(url: str, **kwargs: Any) -> Store:
    """A :class:`Store` on *url* (engine keyword arguments pass through)."""
    engine = make_engine(url, **kwargs)
    return Store(engine, sessionmaker(engine, expire_on_commit=False))


def connect_store(url: str, **kwargs: Any) -> Store:
    """A store on *url*, its schema upgraded, checked to answer.

    Raises
    ------
    InputError
        A malformed or unsupported URL.
    StoreUnavailable
        The database cannot be reached or opened (one line, the password hidden).
    """
    from sqlalchemy.exc import SQLAlchemyError

    store = open_store(url, **kwargs)
    try:
        upgrade(store)
        store.version()
    except (SQLAlchemyError, OSError) as exc:
        store.engine.dispose()
        shown = clip(make_url(url).render_as_string(hide_password=True), URL_ECHO_CHARS)
        detail = " ".join(str(getattr(exc, "orig", None) or exc).split())[:200]
        raise StoreUnavailable(f"cannot open the store at {shown}: {detail}") from None
    return store


def upgrade(target: Union[str, Store], revision: str = "head") -> None:
    """Migrate the database to *revision* (Alembic), creating it on first use.

    Safe to call from every worker at start-up: the migration runs in one write
    transaction (``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so a second
    caller waits and then finds the schema current.
    """
    _migrate(target, "upgrade", revision)


def downgrade(target: Union[str, Store], revision: str) -> None:
    """Migrate the database down to *revision* (``"base"``: drop everything)."""
    _migrate(target, "downgrade", revision)


def _migrate(target: Union[str, Store], direction: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    store = open_store(target) if isinstance(target, str) else target
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    try:
        with store.engine.connect() as connection:
            connection.execution_options(**{_WRITE: True})
            with connection.begin():
                if not store.is_sqlite:
                    connection.execute(select(func.pg_advisory_xact_lock(MIGRATION_LOCK)))
                config.attributes["connection"] = connection
                getattr(command, direction)(config, revision)
    finally:
        if isinstance(target, str):
            store.engine.dispose()


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # SQLAlchemy emits BEGIN itself (see _sqlite_begin), so sqlite3 must not.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # The wait comes first, so that every statement below waits for a lock another worker
    # holds (e.g. while it migrates the schema at start-up).
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    _switch_to_wal(cursor)
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _switch_to_wal(cursor: Any) -> None:
    # Workers starting together once got "database is locked" from this statement despite
    # the busy timeout (CI, 2026-12-04), so it is retried until the same deadline.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _sqlite_begin(connection: Any) -> None:
    immediate = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
