"""The Alembic migrations: they build the schema the models describe, on both databases."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import insert, inspect, text, update
from sqlalchemy.exc import DataError, IntegrityError

from venuefinder.store.db import MIGRATIONS, downgrade, make_engine, open_store, upgrade
from venuefinder.store.models import Base, ClubSession, Hazard, Signup, Vote
from venuefinder.vocabulary.hazards import KINDS, SEVERITIES, STATUSES

from .conftest import BACKENDS, NOW, backend_url

TABLES = {"hazards", "hazard_votes", "store_version", "alembic_version", "clubs",
          "club_sessions", "session_signups"}


@pytest.fixture(params=BACKENDS)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database with nothing in it."""
    url = backend_url(request.param, request, tmp_path)
    if request.param == "postgresql":
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    return url


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_the_migrations_ship_inside_the_package() -> None:
    package = Path(__import__("venuefinder").__file__).parent
    assert MIGRATIONS.is_relative_to(package)
    for name in ("env.py", "script.py.mako"):
        assert (MIGRATIONS / name).is_file()
    revisions = list(ScriptDirectory(str(MIGRATIONS)).walk_revisions())
    assert len(revisions) >= 4  # hazards, sessions, labels and spotters, hills expire
    for revision in revisions:
        assert Path(revision.path).resolve().is_relative_to(MIGRATIONS.resolve())


def test_upgrade_creates_the_schema_once(empty_url: str) -> None:
    assert _tables(empty_url) == set()
    upgrade(empty_url)
    upgrade(empty_url)  # at head already: nothing to do
    assert _tables(empty_url) == TABLES
    store = open_store(empty_url)
    assert store.version() == 0
    store.engine.dispose()


def test_the_models_match_the_migrations(empty_url: str) -> None:
    upgrade(empty_url)
    engine = make_engine(empty_url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    engine.dispose()


def test_downgrade_to_base_and_up_again(empty_url: str) -> None:
    upgrade(empty_url)
    downgrade(empty_url, "base")
    assert _tables(empty_url) == {"alembic_version"}
    upgrade(empty_url)
    assert _tables(empty_url) == TABLES


def test_workers_upgrading_at_once_do_not_collide(empty_url: str) -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda _: upgrade(empty_url), range(4)))
    assert _tables(empty_url) == TABLES


def _row(**overrides) -> dict:
    row = dict(kind="pothole", severity="low", lat=60.0, lon=25.0, description=None,
               status="open", confirmations=1, flags=0, reporter="r", created_at=NOW,
               updated_at=NOW, seen_at=NOW, expires_at=None)
    row.update(overrides)
    return row


#: Rows the database itself refuses, not only the service's checks.
BAD_ROWS = {
    "kind": dict(kind="lava"),
    "severity": dict(severity="extreme"),
    "status": dict(status="deleted"),
    "latitude": dict(lat=91.0),
    "longitude": dict(lon=-180.5),
    "description": dict(description="x" * 501),
    "confirmations": dict(confirmations=0),
    "flags": dict(flags=-1),
    "kind missing": dict(kind=None),
}


def test_the_schema_accepts_the_whole_vocabulary(empty_url: str) -> None:
    upgrade(empty_url)
    store = open_store(empty_url)
    good = ([_row(kind=k) for k in KINDS] + [_row(severity=s) for s in SEVERITIES]
            + [_row(status=s) for s in STATUSES] + [_row(description="x" * 500)])
    with store.engine.begin() as connection:
        connection.execute(insert(Hazard), good)
    with store.engine.connect() as connection:
        assert connection.scalar(text("SELECT count(*) FROM hazards")) == len(good)
    store.engine.dispose()


@pytest.mark.parametrize("bad", BAD_ROWS.values(), ids=BAD_ROWS.keys())
def test_the_schema_refuses_a_bad_hazard(empty_url: str, bad: dict) -> None:
    upgrade(empty_url)
    store = open_store(empty_url)
    with pytest.raises((IntegrityError, DataError)), store.engine.begin() as connection:
        connection.execute(insert(Hazard), [_row(**bad)])
    store.engine.dispose()


def test_the_schema_refuses_a_bad_vote(empty_url: str) -> None:
    upgrade(empty_url)
    store = open_store(empty_url)
    with store.engine.begin() as connection:
        connection.execute(insert(Hazard), [_row()])
    vote = dict(hazard_id=1, client="c", action="confirm", created_at=NOW)
    for bad in (dict(hazard_id=999),  # no such hazard (SQLite: foreign_keys=ON)
                dict(action="vote")):
        with pytest.raises(IntegrityError), store.engine.begin() as connection:
            connection.execute(insert(Vote), [{**vote, **bad}])
    with store.engine.begin() as connection:
        connection.execute(insert(Vote), [vote])
    with pytest.raises(IntegrityError), store.engine.begin() as connection:
        connection.execute(insert(Vote), [vote])  # one vote per (hazard, client, action)
    store.engine.dispose()


def test_the_sign_ups_table_keeps_its_rules_after_0003(empty_url: str) -> None:
    """0003 rebuilds ``session_signups`` on SQLite (to add the spotter keys): its checks,
    its session's foreign key and its index stay, and a spotter must be a sign-up."""
    upgrade(empty_url)
    store = open_store(empty_url)
    session = dict(slug="s1", series="s1", occurrence=1, title="t", venue_id="way/1",
                   lat=60.0, lon=25.0, tz="Europe/Helsinki", start_at=NOW,
                   end_at=NOW.replace(hour=13), duration_min=60, group_size=1, capacity=5,
                   confirmed=0, plan="{}", status="scheduled", token_hash="h", version=1,
                   created_at=NOW, updated_at=NOW)
    signup = dict(session_id=1, name="Ann", role="needs_spotter", status="confirmed",
                  token_hash="h", created_at=NOW, updated_at=NOW)
    with store.engine.begin() as connection:
        connection.execute(insert(ClubSession), [session])
        connection.execute(insert(Signup), [signup, {**signup, "role": "can_spot"}])
        connection.execute(update(Signup).where(Signup.id == 1).values(spotter_id=2))
    for bad in (dict(role="coach"), dict(status="gone"), dict(session_id=99),
                dict(spotter_id=99), dict(left_spotter_id=99)):
        with pytest.raises(IntegrityError), store.engine.begin() as connection:
            connection.execute(insert(Signup), [{**signup, **bad}])
    indexes = {i["name"] for i in inspect(store.engine).get_indexes("session_signups")}
    assert "ix_session_signups_session_id_status_id" in indexes
    store.engine.dispose()


def test_sqlite_runs_in_wal_mode_with_full_sync(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'venuefinder.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        pragma = lambda name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("synchronous") == 2  # FULL
        assert pragma("foreign_keys") == 1
        assert pragma("busy_timeout") >= 1000
    engine.dispose()
