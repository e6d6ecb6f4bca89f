"""A region loaded into PostGIS answers exactly as the partitioned dataset it came from."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from venuefinder.dataset import DatasetCatalog
from venuefinder.errors import SourceError
from venuefinder.spatialdb import PostgisCatalog, load_dataset
from venuefinder.spatialdb.db import engine_for, parse_url
from venuefinder.spatialdb.models import PREFIX, metadata

GRAPH_ARRAYS = ("coords", "coord_offsets", "heights", "height_offsets", "spot_heights")


@pytest.fixture(scope="module")
def loaded(database, helsinki_dataset):
    """(dataset catalog, PostGIS catalog) of the same region."""
    summary = load_dataset(helsinki_dataset, database)
    dataset = DatasetCatalog(helsinki_dataset)
    assert summary["region"] == "helsinki" and summary["tiles"] == len(dataset.tiles())
    assert summary["venues"] == sum(t.venues for t in dataset.tiles()) > 0
    catalog = PostgisCatalog(database)
    yield dataset, catalog
    catalog.close()


def tile_ids(dataset):
    return [t.id for t in dataset.tiles()]


def test_tiles_name_and_bounds(loaded):
    dataset, catalog = loaded
    assert catalog.tiles() == dataset.tiles()
    assert len(catalog.tiles()) >= 2
    assert catalog.bounds == dataset.bounds
    assert catalog.name == dataset.name == "helsinki"
    assert catalog.source == dataset.source == "Helsinki.osm.pbf"


def test_venues_and_places_as_the_dataset(loaded):
    dataset, catalog = loaded
    ids = tile_ids(dataset)
    for chosen in (ids, ids[:1], ids[1:], ids[::-1]):
        ours, theirs = catalog.read_venues(chosen), dataset.read_venues(chosen)
        pd.testing.assert_frame_equal(ours, theirs)
        assert ours.attrs == theirs.attrs
        assert ours["id"].tolist() == theirs["id"].tolist()
        assert ours["score"].tolist() == theirs["score"].tolist()
        reasons = [c for c in theirs.columns if c.startswith("reason_")]
        assert reasons and (ours[reasons].fillna("") == theirs[reasons].fillna("")).all().all()
        pd.testing.assert_frame_equal(catalog.read_places(chosen), dataset.read_places(chosen))
    # The infinite obstacle cap (no cap) survives JSON.
    assert np.isinf(catalog.read_venues(ids)["cap_obstacles"]).any()


def test_basemap_in_a_box(loaded):
    dataset, catalog = loaded
    west, south, east, north = dataset.bounds
    middle = (south + north) / 2
    boxes = [(west, south, east, north),  # everything
             (west + 0.004, middle - 0.003, west + 0.01, middle + 0.003),  # across a tile edge
             (24.9440, 60.1700, 24.9445, 60.1703),  # a small view
             (10.0, 10.0, 10.1, 10.1)]  # nowhere near
    counts = []
    for box in boxes:
        ours, theirs = catalog.read_basemap(box), dataset.read_basemap(box)
        counts.append(len(ours))
        if len(theirs):
            pd.testing.assert_frame_equal(ours, theirs)
        else:
            assert len(ours) == 0 and list(ours.columns) == ["layer", "geometry"]
    assert counts[0] > counts[1] > 0 and counts[3] == 0


def test_venue_tile(loaded):
    dataset, catalog = loaded
    for venue_id in dataset.read_venues(tile_ids(dataset))["id"]:
        assert catalog.venue_tile(venue_id) == dataset.venue_tile(venue_id) is not None
    assert catalog.venue_tile("way/1") is None


@pytest.mark.parametrize("query", ["kat", "Hel", "HAKA", "a", " puisto ", "zzzz", "%", "_",
                                   "", "   "])
def test_search_places(loaded, query):
    dataset, catalog = loaded
    for limit in (1, 5, 50):
        pd.testing.assert_frame_equal(catalog.search_places(query, limit),
                                      dataset.search_places(query, limit),
                                      check_index_type=False)


def test_search_places_orders_prefix_matches_first(loaded):
    _, catalog = loaded
    found = catalog.search_places("a", 20)["name"].str.casefold()
    assert len(found) == 20
    starts = found.str.startswith("a").to_numpy()
    assert starts.any() and not (np.diff(starts.astype(int)) > 0).any()


def test_walking_graph_as_the_dataset(loaded):
    dataset, catalog = loaded
    for tile_id in tile_ids(dataset):
        ours, theirs = catalog.read_graph(tile_id), dataset.read_graph(tile_id)
        assert ours.crs == theirs.crs and ours.info == theirs.info
        pd.testing.assert_frame_equal(ours.nodes, theirs.nodes)
        pd.testing.assert_frame_equal(ours.edges, theirs.edges)
        for name in GRAPH_ARRAYS:
            a, b = getattr(ours, name), getattr(theirs, name)
            assert a.dtype == b.dtype and a.shape == b.shape, name
            assert np.array_equal(a, b, equal_nan=True), name
        assert len(ours.edges) > 100


def test_an_unknown_tile_is_a_source_error(loaded):
    _, catalog = loaded
    for read in (lambda: catalog.read_venues(["r9c9"]), lambda: catalog.read_graph("r9c9")):
        with pytest.raises(SourceError, match="no tile 'r9c9'"):
            read()


def test_two_app_servers_answer_alike(loaded, database):
    dataset, one = loaded
    ids = tile_ids(dataset)
    other = PostgisCatalog(database.replace("postgresql+psycopg://", "postgresql://"))

    def answers(catalog):
        venues = catalog.read_venues(ids)
        graph = catalog.read_graph(ids[0])
        return (catalog.tiles(), venues["id"].tolist(), venues["score"].tolist(),
                catalog.search_places("kat", 5).to_dict("records"),
                len(catalog.read_basemap(catalog.bounds)), graph.coords.tobytes())

    try:
        with ThreadPoolExecutor(4) as pool:
            results = list(pool.map(answers, [one, other, one, other]))
    finally:
        other.close()
    assert all(result == results[0] for result in results)


def test_gist_index_on_every_geometry_and_btree_on_ids(database, loaded):
    engine = engine_for(parse_url(database))
    try:
        with engine.connect() as connection:
            indexes = connection.execute(text(
                "SELECT tablename, indexdef FROM pg_indexes WHERE tablename LIKE :prefix"),
                {"prefix": f"{PREFIX}%"}).all()
            gist = {row.tablename for row in indexes if "USING gist (geometry)" in row.indexdef}
            with_geometry = {t.name for t in metadata.sorted_tables if "geometry" in t.c}
            assert gist == with_geometry and len(gist) == 8
            btree = [row.indexdef for row in indexes if "USING btree" in row.indexdef]
            assert any("geo_venues" in d and "(region_id, id)" in d for d in btree)
            for table in ("geo_places", "geo_basemap", "geo_nodes", "geo_edges"):
                assert any(table in d and "(region_id, tile_id, seq)" in d for d in btree)
            # The planner uses the GiST index for a box (sequential scans off, so that a
            # small table's plan shows whether the index can serve).
            connection.execute(text("SET enable_seqscan = off"))
            plan = "\n".join(connection.execute(text(
                "EXPLAIN SELECT 1 FROM geo_basemap WHERE geometry && "
                "ST_MakeEnvelope(24.94, 60.17, 24.945, 60.175, 4326)")).scalars())
            assert "ix_geo_basemap_geometry" in plan
    finally:
        engine.dispose()


def test_the_models_match_the_migrations(database, loaded):
    engine = engine_for(parse_url(database))
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={
                "include_name": lambda name, type_, _: type_ != "table" or name.startswith(PREFIX)})
            assert compare_metadata(context, metadata) == []
            assert connection.scalar(text("SELECT version_num FROM spatialdb_version")) == "0001"
    finally:
        engine.dispose()
