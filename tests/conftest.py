"""Shared fixtures. Under CI=true a skipped test fails: CI must run everything.

``make test`` runs the suite on both cores (pytest-xdist, a file per worker at a time); each
worker then gets its own PostgreSQL database, so no worker empties another's tables.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from venuefinder.config import Settings, embedded_extract

TEST_DATA = Path(__file__).parent / "data"
PG_ENV = "VENUEFINDER_TEST_DATABASE_URL"
#: Tries of CREATE DATABASE while its template is busy, half a second apart.
CREATE_ATTEMPTS = 10


def pytest_configure(config: pytest.Config) -> None:  # noqa: D103 - pytest hook
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = os.environ.get(PG_ENV)
    if worker and url:
        os.environ[PG_ENV] = _worker_database(url, worker)


def create_database(connection: Connection, name: str, template: str = "template1") -> None:
    """``CREATE DATABASE`` on an autocommit *connection*, tried again for a few seconds while
    PostgreSQL says the template is busy (another test worker creating one from it)."""
    for attempt in range(CREATE_ATTEMPTS):
        try:
            connection.execute(text(f'CREATE DATABASE "{name}" TEMPLATE {template}'))
            return
        except OperationalError as exc:
            if "is being accessed by other users" not in str(exc) or \
                    attempt == CREATE_ATTEMPTS - 1:
                raise
            time.sleep(0.5)


def _worker_database(url: str, worker: str) -> str:
    """The URL of this xdist worker's own database beside the one of *url*, created when
    missing (the role may create databases: `make postgres`). Unreachable: *url* as given,
    and the PostgreSQL tests say why they cannot run."""
    base = make_url(url)
    own = base.set(database=f"{base.database}_{worker}")
    engine = create_engine(base, isolation_level="AUTOCOMMIT",
                           connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            exists = connection.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                       {"name": own.database})
            if not exists:
                create_database(connection, own.database)
    except SQLAlchemyError:
        return url
    finally:
        engine.dispose()
    return own.render_as_string(hide_password=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):  # noqa: D103 - pytest hook
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI", "").lower() == "true":
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped under CI=true, which must run every test: {reason}"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Default settings with a private cache folder and no network tiles."""
    return Settings(cache_dir=tmp_path / "cache", tiles="none")


@pytest.fixture(scope="session")
def helsinki_path() -> Path:
    return embedded_extract()


@pytest.fixture(scope="session")
def helsinki_region(tmp_path_factory: pytest.TempPathFactory):
    """The embedded Helsinki region, parsed and scored once per test session."""
    from venuefinder.prepare import prepare_region

    cache = tmp_path_factory.mktemp("region-cache")
    return prepare_region(Settings(cache_dir=cache, tiles="none"))
