"""PostGIS fixtures: a fresh database per test module, and one small partitioned dataset.

PostgreSQL comes from ``VENUEFINDER_TEST_DATABASE_URL`` (``make test`` sets it up, PostGIS in
``template1``); without it these tests skip in one line (under ``CI=true`` a skip fails).
Each module creates its own database ``venuefinder_sdb_<random>`` through that URL's role
(it has CREATEDB) and drops it after, so modules may run in parallel (pytest-xdist) and
never touch the store tests' database.
"""

from __future__ import annotations

import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from venuefinder import partition
from venuefinder.config import embedded_extract, load_settings
from venuefinder.store.db import make_engine

from ..conftest import PG_ENV, create_database

#: Tiles of the test dataset: enough for reads across tiles, few enough to build in seconds.
PARTITIONS = 3


@pytest.fixture(scope="session")
def server_url() -> str:
    """The test server's URL (any database on it), checked to answer."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"PostGIS tests skipped: {PG_ENV} is not set (`make test` sets it)")
    engine = make_engine(url, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except OperationalError as exc:
        pytest.skip(f"PostGIS tests skipped: cannot connect: {str(exc.orig).splitlines()[0]}")
    finally:
        engine.dispose()
    return url


@contextmanager
def fresh_database(server_url: str, template: str = "template1") -> Iterator[str]:
    """A new, empty database on the test server (dropped after); its URL. From
    ``template1`` it has PostGIS (``make postgres``), from ``template0`` nothing."""
    name = f"venuefinder_sdb_{secrets.token_hex(4)}"
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        create_database(connection, name, template)
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(scope="module")
def database(server_url: str) -> Iterator[str]:
    """This module's own database."""
    with fresh_database(server_url) as url:
        yield url


@pytest.fixture(scope="session")
def helsinki_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded Helsinki extract as a partitioned dataset of :data:`PARTITIONS` tiles."""
    if shutil.which("osmium") is None:
        pytest.skip("osmium-tool is not installed (make system-deps)")
    out = tmp_path_factory.mktemp("spatialdb") / "helsinki"
    partition.partitioned_ingest(embedded_extract(), out, load_settings(), PARTITIONS,
                                 workers=2, processes=False)
    return out
