"""The store's engines: a database that cannot write says so as StoreUnavailable (the web
answers 503, the server refuses to start), on SQLite and PostgreSQL.

How a test makes a database unwritable, honestly and as root (which chmod does not stop):
SQLite opened read-only through its URI (``?mode=ro&uri=true``, a database URL like any
other), or a connection with ``PRAGMA query_only`` (the same SQLITE_READONLY error a read-only
file gives); a full disk as SQLite's ``max_page_count`` at the file's size (the SQLITE_FULL
a full disk gives); PostgreSQL with ``default_transaction_read_only`` (a standby's error).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from venuefinder.errors import SourceError, StoreUnavailable
from venuefinder.store.db import Store, connect_store, open_store
from venuefinder.store.hazards import report_hazard

from .conftest import NOW


def make_read_only(engine: Engine) -> None:
    """From now on no connection of *engine* can write (its pool is emptied)."""
    sqlite = engine.dialect.name == "sqlite"

    @event.listens_for(engine, "connect")
    def no_writes(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA query_only=ON" if sqlite
                       else "SET default_transaction_read_only = on")
        cursor.close()
        if not sqlite:
            dbapi_connection.commit()

    engine.dispose()


@pytest.fixture
def unwritable(store: Store) -> Iterator[Store]:
    """Another store on *store*'s database, whose connections cannot write."""
    other = open_store(store.engine.url.render_as_string(hide_password=False))
    make_read_only(other.engine)
    yield other
    other.engine.dispose()


def _report(store: Store, client: str = "a") -> Any:
    return report_hazard(store, "glass", "high", 60.17, 24.94, "broken bottles", client, NOW)


def test_a_write_to_a_read_only_database_is_store_unavailable(store: Store,
                                                              unwritable: Store) -> None:
    with pytest.raises(StoreUnavailable, match="^store unavailable: the database is "
                                               "read-only; nothing was written"):
        _report(unwritable)
    assert isinstance(StoreUnavailable("x"), SourceError)  # CLI exit 1
    assert store.version() == 0


def test_the_start_up_probe_finds_a_read_only_database(store: Store,
                                                       unwritable: Store) -> None:
    store.check_writable()
    with pytest.raises(StoreUnavailable, match="cannot write to the store at .*: the "
                                               "database is read-only"):
        unwritable.check_writable()
    assert store.version() == 0  # the probe writes nothing


def test_a_read_only_sqlite_file_fails_the_probe(tmp_path: Path) -> None:
    path = tmp_path / "venuefinder.db"
    connect_store(f"sqlite:///{path}").engine.dispose()
    store = connect_store(f"sqlite:///file:{path}?mode=ro&uri=true")
    try:
        with pytest.raises(StoreUnavailable, match="read-only"):
            store.check_writable()
    finally:
        store.engine.dispose()


def test_a_full_disk_is_store_unavailable(tmp_path: Path) -> None:
    store = connect_store(f"sqlite:///{tmp_path / 'venuefinder.db'}")

    @event.listens_for(store.engine, "connect")
    def full(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        pages = cursor.execute("PRAGMA page_count").fetchone()[0]
        cursor.execute(f"PRAGMA max_page_count={pages}")
        cursor.close()

    store.engine.dispose()
    try:
        with pytest.raises(StoreUnavailable, match="the disk is full"):
            for i in range(200):
                _report(store, f"client-{i}")
    finally:
        store.engine.dispose()


def test_other_database_errors_are_not_store_unavailable(store: Store) -> None:
    with pytest.raises((ProgrammingError, OperationalError)) as caught:
        with store.write() as session:
            session.execute(text("SELECT * FROM no_such_table"))
    assert not isinstance(caught.value, StoreUnavailable)
