"""Store fixtures: every store test runs on SQLite (a file in tmp_path) and on PostgreSQL.

PostgreSQL comes from ``VENUEFINDER_TEST_DATABASE_URL`` (``make test`` installs, starts and
provisions it when root). Without it the PostgreSQL variants skip with one line saying why;
under ``CI=true`` they fail instead, because CI must run them.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from venuefinder.store.db import Store, make_engine, open_store, upgrade

from ..conftest import PG_ENV

BACKENDS = ("sqlite", "postgresql")
#: A fixed clock for the tests.
NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"PostgreSQL store tests cannot run under CI=true: {reason}")
    pytest.skip(f"PostgreSQL store tests skipped: {reason}")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test database's URL, reachable, with an empty public schema at the start."""
    url = os.environ.get(PG_ENV)
    if not url:
        _unavailable(f"{PG_ENV} is not set (`make test` sets up PostgreSQL when root)")
    engine = make_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.begin() as connection:
            # Whatever an earlier run left behind: start from nothing.
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    except OperationalError as exc:
        _unavailable(f"cannot connect to {engine.url}: {str(exc.orig).splitlines()[0]}")
    finally:
        engine.dispose()
    return url


def backend_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL of *backend* for one test: a new SQLite file, or the PostgreSQL one."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'venuefinder.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A migrated, empty store (version 0) on each backend."""
    url = backend_url(request.param, request, tmp_path)
    opened = open_store(url)
    upgrade(opened)
    if not opened.is_sqlite:
        with opened.engine.begin() as connection:
            connection.execute(text("TRUNCATE hazard_votes, hazards RESTART IDENTITY"))
            connection.execute(text("UPDATE store_version SET version = 0"))
    yield opened
    opened.engine.dispose()
