"""Loading: a region replaced atomically while readers read, a failed load changing nothing,
several regions by name, and every bad input as one clear line."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy import text

from venuefinder.dataset import DatasetCatalog, write_layer
from venuefinder.errors import InputError, SourceError
from venuefinder.spatialdb import PostgisCatalog, load_dataset
from venuefinder.store.db import make_engine

from .conftest import fresh_database

#: Seconds each tile's load is held up in the atomicity test, so readers read meanwhile.
TILE_PAUSE_S = 0.4


def one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert message and "\n" not in message and "Traceback" not in message
    return message


def smaller_copy(dataset: Path, folder: Path) -> Path:
    """A copy of *dataset* (same folder name) whose first tile keeps two of its venues."""
    copy = folder / dataset.name
    shutil.copytree(dataset, copy)
    first = DatasetCatalog(copy).tiles()[0].id
    path = copy / "tiles" / first / "venues.parquet"
    write_layer(gpd.read_parquet(path).iloc[:2], path)
    return copy


def with_region(url: str, name: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}region={name}"


def test_a_reload_replaces_the_region_atomically(database, helsinki_dataset, tmp_path):
    load_dataset(helsinki_dataset, database)
    catalog = PostgisCatalog(database)
    ids = [t.id for t in catalog.tiles()]
    old = frozenset(catalog.read_venues(ids)["id"])
    newer = smaller_copy(helsinki_dataset, tmp_path)
    new = frozenset(DatasetCatalog(newer).read_venues(ids)["id"])
    assert new < old and len(new) > 0

    seen: list[tuple[float, float, frozenset]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            started = time.monotonic()
            venues = frozenset(catalog.read_venues(ids)["id"])
            seen.append((started, time.monotonic(), venues))

    last_tile = []  # when the last tile was handed to the loader: it had not committed

    def slowly(tiles, count):
        for tile in tiles:
            time.sleep(TILE_PAUSE_S)
            last_tile[:] = [time.monotonic()]
            yield tile

    reader = threading.Thread(target=read)
    reader.start()
    try:
        began = time.monotonic()
        summary = load_dataset(newer, database, progress=slowly)
        done = time.monotonic()
        time.sleep(0.3)
    finally:
        stop.set()
        reader.join()
        catalog.close()
    assert summary["venues"] == len(new)
    assert all(venues in (old, new) for _, _, venues in seen), "a mix or nothing was seen"
    during = [venues for start, end, venues in seen if start > began and end < last_tile[0]]
    after = [venues for start, _, venues in seen if start > done]
    assert len(during) >= 3 and set(during) == {old}  # the old region, while loading
    assert after and set(after) == {new}


def test_a_failed_load_leaves_the_region_as_it_was(database, helsinki_dataset, tmp_path):
    load_dataset(helsinki_dataset, database)
    damaged = tmp_path / helsinki_dataset.name
    shutil.copytree(helsinki_dataset, damaged)
    last = DatasetCatalog(damaged).tiles()[-1].id
    (damaged / "tiles" / last / "basemap.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(SourceError) as failed:
        load_dataset(damaged, database)
    assert "basemap.parquet" in one_line(failed)
    dataset = DatasetCatalog(helsinki_dataset)
    catalog = PostgisCatalog(database)
    try:
        ids = [t.id for t in dataset.tiles()]
        pd.testing.assert_frame_equal(catalog.read_venues(ids), dataset.read_venues(ids))
        assert len(catalog.read_basemap(dataset.bounds)) == len(dataset.read_basemap(
            dataset.bounds))
    finally:
        catalog.close()


def test_regions_by_name(database, helsinki_dataset, tmp_path):
    smaller = smaller_copy(helsinki_dataset, tmp_path)
    load_dataset(helsinki_dataset, with_region(database, "full"))
    load_dataset(smaller, with_region(database, "small"))
    with pytest.raises(SourceError) as several:
        PostgisCatalog(database)
    assert "?region=NAME" in one_line(several) and "small" in str(several.value)
    with pytest.raises(SourceError) as unknown:
        PostgisCatalog(with_region(database, "nowhere"))
    assert "'nowhere'" in one_line(unknown)
    full, small = (PostgisCatalog(with_region(database, n)) for n in ("full", "small"))
    try:
        ids = [t.id for t in full.tiles()]
        assert (full.name, small.name) == ("full", "small")
        assert len(small.read_venues(ids)) < len(full.read_venues(ids))
    finally:
        full.close()
        small.close()
    engine = make_engine(database)
    with engine.begin() as connection:  # leave this module's other tests one region
        connection.execute(text("DELETE FROM geo_regions WHERE name IN ('full', 'small')"))
    engine.dispose()


@pytest.mark.parametrize("url", ["nonsense", "mysql://u:p@localhost/db", "sqlite:///x.db",
                                 "postgresql+asyncpg://u@localhost/db",
                                 "postgresql://u@localhost",
                                 "postgresql://u@h/db?region=a&region=b"])
def test_a_bad_url_is_an_input_error(url, helsinki_dataset):
    for call in (lambda: load_dataset(helsinki_dataset, url), lambda: PostgisCatalog(url)):
        with pytest.raises(InputError) as bad:
            call()
        one_line(bad)


def test_an_unreachable_database_is_a_source_error(helsinki_dataset):
    url = "postgresql+psycopg://venuefinder:s3cret@127.0.0.1:1/nowhere"
    for call in (lambda: load_dataset(helsinki_dataset, url), lambda: PostgisCatalog(url)):
        with pytest.raises(SourceError) as unreachable:
            call()
        message = one_line(unreachable)
        assert "127.0.0.1" in message and "s3cret" not in message


def test_a_folder_that_is_not_a_dataset_is_a_source_error(database, tmp_path):
    for folder in (tmp_path, tmp_path / "missing"):
        with pytest.raises(SourceError) as bad:
            load_dataset(folder, database)
        one_line(bad)


def test_an_empty_database_has_no_region(server_url):
    with fresh_database(server_url) as url:
        with pytest.raises(SourceError) as empty:
            PostgisCatalog(url)
        assert "no region is loaded" in one_line(empty)


def test_a_database_without_postgis_says_so(server_url, helsinki_dataset):
    with fresh_database(server_url, template="template0") as url:
        with pytest.raises(SourceError) as missing:
            load_dataset(helsinki_dataset, url)
        assert "PostGIS is not installed" in one_line(missing)
