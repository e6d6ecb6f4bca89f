"""The hazard and session store and a loaded region in ONE database: each keeps its own
Alembic history and tables, and both work."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import inspect, text

from venuefinder.spatialdb import PostgisCatalog, load_dataset
from venuefinder.spatialdb.db import downgrade as down
from venuefinder.spatialdb.db import engine_for, parse_url
from venuefinder.spatialdb.db import upgrade as up
from venuefinder.spatialdb.models import VERSION_TABLE, metadata
from venuefinder.store.db import open_store
from venuefinder.store.db import upgrade as upgrade_store
from venuefinder.store.hazards import open_hazards_in_bbox, report_hazard

from .conftest import fresh_database

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=timezone.utc)


def test_the_store_and_a_region_share_a_database(database, helsinki_dataset):
    upgrade_store(database)  # the store first, then the region, then the store again
    load_dataset(helsinki_dataset, database)
    upgrade_store(database)
    store = open_store(database)
    catalog = PostgisCatalog(database)
    try:
        tables = set(inspect(store.engine).get_table_names())
        assert set(metadata.tables) <= tables
        assert {"hazards", "alembic_version", VERSION_TABLE} <= tables
        with store.engine.connect() as connection:
            assert connection.scalar(text(f"SELECT version_num FROM {VERSION_TABLE}")) == "0001"
            store_head = connection.scalar(text("SELECT version_num FROM alembic_version"))
        assert store_head and store_head != "0001"
        west, south, east, north = catalog.bounds
        lat, lon = (south + north) / 2, (west + east) / 2
        report_hazard(store, "glass", "high", lat, lon, None, "tester", now=NOW)
        hazards = open_hazards_in_bbox(store, west, south, east, north, now=NOW)
        assert len(hazards) == 1 and store.version() == 1
        assert sum(t.venues for t in catalog.tiles()) == len(
            catalog.read_venues([t.id for t in catalog.tiles()])) > 0
        # A second load leaves the store's rows alone.
        load_dataset(helsinki_dataset, database)
        assert len(open_hazards_in_bbox(store, west, south, east, north, now=NOW)) == 1
    finally:
        catalog.close()
        store.engine.dispose()


def test_migrations_up_down_and_up_leave_the_store_alone(server_url):
    with fresh_database(server_url) as url:
        upgrade_store(url)
        target = parse_url(url)
        engine = engine_for(target)
        try:
            up(engine, target)
            up(engine, target)  # at head already: nothing to do
            geo = {t for t in inspect(engine).get_table_names() if t.startswith("geo_")}
            assert geo == set(metadata.tables)
            down(engine, target, "base")
            tables = set(inspect(engine).get_table_names())
            assert not {t for t in tables if t.startswith("geo_")}
            assert {"hazards", "alembic_version", VERSION_TABLE} <= tables
            up(engine, target)
            assert set(metadata.tables) <= set(inspect(engine).get_table_names())
        finally:
            engine.dispose()
