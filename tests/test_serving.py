"""Serving a catalog on demand (venuefinder.catalog.CatalogRegions, venuefinder.serving):
the same venues, scores and reasons as the whole extract, near tile edges too, from the
tiles a query needs only, never holding more than the tile cache."""

from __future__ import annotations

import json
import os

import pytest

from venuefinder.catalog import CatalogRegions, grown, intersects
from venuefinder.config import load_settings
from venuefinder.dataset import DatasetCatalog
from venuefinder.errors import InputError, NotFoundError, SourceError
from venuefinder.serving import catalog_regions, is_catalog_source, open_catalog

from .test_dataset import Opened, helsinki_dataset  # noqa: F401 - the shared fixture

#: The corner where Helsinki's 4 tiles meet, and points around it and elsewhere.
EDGE_LON, EDGE_LAT = 24.94429535, 60.171634
POINTS = [(EDGE_LAT, EDGE_LON), (EDGE_LAT + 0.0003, EDGE_LON - 0.0003),
          (EDGE_LAT - 0.0002, EDGE_LON + 0.0001), (60.1699, 24.9384), (60.1650, 24.9360),
          (60.1780, 24.9520)]


@pytest.fixture
def regions(helsinki_dataset):
    return CatalogRegions(DatasetCatalog(helsinki_dataset), load_settings(), capacity=8)


@pytest.fixture(scope="module")
def whole(helsinki_region):
    """The whole extract's region (without a store: no live criteria's columns)."""
    return helsinki_region


def _answer(view, lat, lon, radius):
    """Ids, scores, reasons (but the obstacle count: see below), distances and labels, best
    first."""
    return [(p["id"], p["score"], p["distance_m"], p["label"],
             {k: v for k, v in p["reasons"].items() if k != "obstacles"})
            for p in (f["properties"] for f in view.near(lat, lon, radius, 500)["features"])]


@pytest.mark.parametrize("radius", [150.0, 400.0, 2000.0])
def test_the_same_venues_as_the_whole_extract(regions, whole, radius):
    for lat, lon in POINTS:
        served = regions.near(lat, lon, radius)
        assert _answer(served.view(), lat, lon, radius) == \
            _answer(whole, lat, lon, radius), (lat, lon, radius)


def test_a_venue_by_id_from_its_tile(regions, whole):
    """The same feature, but that the served extract counts the obstacles of the map's
    extra layers too, which an ingest (one-process or partitioned) leaves out: here one
    fountain and one building more in one big park."""
    differ = []
    for vid in whole.venues["id"]:
        served = regions.of_venue(vid)
        mine, theirs = (f["properties"] for f in (served.region.venue(vid), whole.venue(vid)))
        if mine["obstacle_count"] != theirs["obstacle_count"]:
            differ.append(vid)
            assert mine["obstacle_count"] < theirs["obstacle_count"]
        for key in ("obstacle_count", "reasons"):
            mine.pop(key), theirs.pop(key)
        assert mine == theirs
        assert served.region.meeting_point(vid) == whole.meeting_point(vid)
        assert len(served.tiles) == 1
    assert len(differ) <= 1
    with pytest.raises(NotFoundError):
        regions.of_venue("way/1")
    with pytest.raises(InputError):
        regions.of_venue("nonsense")


def test_places_and_basemap(regions, whole):
    found = regions.search_places("katu", 5)
    assert len(found) == 5 and all("katu" in p["name"].casefold() for p in found)
    assert set(found[0]) == {"name", "kind", "lat", "lon"}
    box = (24.940, 60.168, 24.944, 60.171)
    assert _layers(regions.box(box).basemap_features(*box)) == \
        _layers(whole.basemap_features(*box))


def _layers(collection):
    """A basemap answer's layers, in drawing order, each its parts in any order."""
    return [(f["properties"]["layer"], f["properties"]["count"],
             sorted(json.dumps(g, sort_keys=True) for g in f["geometry"]["geometries"]))
            for f in collection["features"]], collection["truncated"]


def test_a_query_reads_only_the_tiles_its_venues_may_come_from(helsinki_dataset,
                                                              monkeypatch):
    catalog = DatasetCatalog(helsinki_dataset)
    regions = CatalogRegions(catalog, load_settings(), capacity=8)
    opened = Opened(catalog, monkeypatch)
    lat, lon = 60.1648, 24.9358  # the south-west corner
    served = regions.near(lat, lon, 50.0)
    circle = grown((lon, lat, lon, lat), 50.0)
    needed = {t.id for t in catalog.tiles() if intersects(t.venue_reach(), circle)}
    assert set(served.tiles) == needed and 0 < len(needed) < 4
    assert {p.split("/")[1] for p in opened.paths} == needed
    assert {p.split("/")[2] for p in opened.paths} == {"venues.parquet", "places.parquet"}


def test_the_tiles_held_stay_within_the_cache(helsinki_dataset, monkeypatch):
    catalog = DatasetCatalog(helsinki_dataset)
    regions = CatalogRegions(catalog, load_settings(), capacity=2)
    opened = Opened(catalog, monkeypatch)
    west, south, east, north = catalog.bounds
    steps = 6
    for i in range(steps + 1):
        for j in range(steps + 1):
            lat = south + (north - south) * i / steps
            lon = west + (east - west) * j / steps
            regions.near(lat, lon, 60.0)
            assert regions.loaded <= 2
    for vid in catalog.read_venues(["r1c1"])["id"][:3]:
        regions.of_venue(vid)
        assert regions.loaded <= 2
    regions.graph_near(60.17, 24.94)
    assert regions.loaded <= 2
    # A query needing more tiles than the cache holds is answered, the last ones kept.
    served = regions.near(60.17, 24.944, 3000.0)
    assert len(served.tiles) == 4 and sum(len(p.region.venues) for p in served.parts) > 0
    assert regions.loaded == 2
    # What is held is reused: asking again opens nothing.
    regions.near(60.1648, 24.9358, 50.0)
    count = len(opened.paths)
    regions.near(60.1648, 24.9358, 50.0)
    assert len(opened.paths) == count


def test_a_tile_is_held_once_whatever_tiles_it_is_asked_with(helsinki_dataset,
                                                             monkeypatch):
    """The cache holds tiles, not sets of tiles: a tile read for a query over four tiles is
    not read again for a query over it alone or over it and a neighbour, and counts once."""
    catalog = DatasetCatalog(helsinki_dataset)
    regions = CatalogRegions(catalog, load_settings(), capacity=4)
    opened = Opened(catalog, monkeypatch)
    corner = regions.near(EDGE_LAT, EDGE_LON, 400.0)
    assert len(corner.tiles) == 4 and regions.loaded == 4
    read = len(opened.paths)
    assert read == 8  # each tile's venues and places, once
    held = {part.tiles: part.region for part in corner.parts}
    for lat, lon in POINTS[3:]:
        for radius in (50.0, 400.0):
            served = regions.near(lat, lon, radius)
            assert all(part.region is held[part.tiles] for part in served.parts)
    assert len(opened.paths) == read and regions.loaded == 4


def test_a_point_far_from_every_venue_is_an_empty_answer(regions):
    served = regions.near(61.5, 26.0, 100.0)
    assert served.tiles == () and served.view().near(61.5, 26.0, 100.0, 10)["features"] == []


def test_the_routes_graph_is_the_start_tiles(regions, helsinki_dataset):
    graph = regions.graph_near(60.165, 24.936)
    assert graph.bounds[0] < 24.936 < graph.bounds[2]
    assert regions.graph_near(60.165, 24.936) is graph  # kept


def test_open_catalog_dispatches_a_folder(helsinki_dataset, tmp_path):
    assert is_catalog_source(str(helsinki_dataset))
    assert is_catalog_source(str(tmp_path / "missing-dataset"))
    assert is_catalog_source("postgresql://u@h/db")
    assert is_catalog_source("postgresql+psycopg://u@h/db")
    for whole in (None, "overpass", "x.osm.pbf", "venues.parquet", "a.gpkg"):
        assert not is_catalog_source(whole)
    assert isinstance(open_catalog(str(helsinki_dataset)), DatasetCatalog)
    with pytest.raises(SourceError, match="not found"):
        open_catalog(str(tmp_path / "missing-dataset"))
    settings = load_settings(source=str(helsinki_dataset), tile_cache=3)
    served = catalog_regions(settings)
    assert served is not None and served.capacity == 3
    assert catalog_regions(load_settings()) is None



# --- a PostGIS database as the catalog -----------------------------------------------------

@pytest.fixture(scope="module")
def loaded_database(helsinki_dataset):  # noqa: F811
    """A new database holding the dataset (``load``), dropped after the module; its URL.
    PostgreSQL from VENUEFINDER_TEST_DATABASE_URL (``make test`` sets it)."""
    from tests.spatialdb.conftest import PG_ENV, fresh_database
    from venuefinder.spatialdb import load_dataset

    server = os.environ.get(PG_ENV)
    if not server:
        pytest.skip(f"PostGIS tests skipped: {PG_ENV} is not set (`make test` sets it)")
    with fresh_database(server) as url:
        load_dataset(helsinki_dataset, url)
        yield url


def test_open_catalog_dispatches_a_database_alike(loaded_database, helsinki_dataset):  # noqa: F811
    from venuefinder.spatialdb import PostgisCatalog

    catalog = open_catalog(loaded_database)
    assert isinstance(catalog, PostgisCatalog)
    settings = load_settings()
    from_db = CatalogRegions(catalog, settings, capacity=4)
    from_folder = CatalogRegions(DatasetCatalog(helsinki_dataset), settings, capacity=4)
    for lat, lon in POINTS:
        assert _answer(from_db.near(lat, lon, 400.0).view(), lat, lon, 400.0) == \
            _answer(from_folder.near(lat, lon, 400.0).view(), lat, lon, 400.0) != []
    assert from_db.search_places("katu", 50) == from_folder.search_places("katu", 50)
    assert from_db.graph_near(60.17, 24.94).edges.shape == \
        from_folder.graph_near(60.17, 24.94).edges.shape
    assert from_db.loaded <= 4
