"""A partitioned dataset read tile by tile (venuefinder.dataset): only the files and row
groups a question needs, the same venues and places as the whole extract, and one line for a
folder that is missing, not a dataset or damaged.

:func:`helsinki_dataset` (the embedded Helsinki extract in 4 tiles) is built once per test
process and shared by tests/test_serving.py, tests/web/test_dataset_serving.py and
tests/test_cli.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import shapely

from venuefinder.catalog import intersects
from venuefinder.config import embedded_extract, load_settings
from venuefinder.dataset import (DATASET_VERSION, MANIFEST, ROW_GROUP_ROWS, VENUE_INDEX,
                                 DatasetCatalog, read_dataset, write_layer)
from venuefinder.errors import SourceError

needs_osmium = pytest.mark.skipif(shutil.which("osmium") is None,
                                  reason="osmium-tool is not installed (make system-deps)")
TILES = 4


@pytest.fixture(scope="session")
def helsinki_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The embedded Helsinki extract as a partitioned dataset of 4 tiles (threads, no
    processes), built once per test process (its folder is reused when this fixture is
    imported into another module)."""
    if shutil.which("osmium") is None:
        pytest.skip("osmium-tool is not installed (make system-deps)")
    from venuefinder.partition import partitioned_ingest

    out = tmp_path_factory.getbasetemp() / "helsinki-dataset"
    if not (out / MANIFEST).is_file():
        partitioned_ingest(embedded_extract(), out, load_settings(), TILES, workers=2,
                           processes=False)
    return out


@pytest.fixture
def copy_of(helsinki_dataset: Path, tmp_path: Path):
    """A private copy of the dataset to damage."""
    def make() -> Path:
        target = tmp_path / "copy"
        shutil.copytree(helsinki_dataset, target)
        return target
    return make


class Opened:
    """Records the files a catalog reads (its one reader of GeoParquet files)."""

    def __init__(self, catalog: DatasetCatalog, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        read = catalog._read

        def spy(path, bbox):
            self.paths.append(str(Path(path).relative_to(catalog.folder)))
            return read(path, bbox)

        monkeypatch.setattr(catalog, "_read", spy)


def test_the_manifest_names_tiles_extents_and_the_id_index(helsinki_dataset):
    catalog = DatasetCatalog(helsinki_dataset)
    manifest = json.loads((helsinki_dataset / MANIFEST).read_text())
    assert manifest["version"] == DATASET_VERSION
    tiles = catalog.tiles()
    assert [t.id for t in tiles] == ["r0c0", "r0c1", "r1c0", "r1c1"]
    assert sum(t.venues for t in tiles) == manifest["venues"] > 0
    for tile in tiles:
        venues = catalog.read_venues([tile.id])
        assert len(venues) == tile.venues
        west, south, east, north = tile.venue_bounds
        assert np.allclose(venues.total_bounds, tile.venue_bounds)
        assert tile.crs == "EPSG:32635"
    index = pq.ParquetFile(helsinki_dataset / VENUE_INDEX)
    ids = index.read().column("id").to_pylist()
    assert ids == sorted(ids) and len(ids) == manifest["venues"]


def test_a_venues_tile_is_found_without_reading_venues(helsinki_dataset, monkeypatch):
    catalog = DatasetCatalog(helsinki_dataset)
    owners = {vid: t.id for t in catalog.tiles() for vid in catalog.read_venues([t.id])["id"]}

    def no_reading(*args, **kwargs):
        raise AssertionError("venue_tile read a GeoParquet file")

    monkeypatch.setattr(gpd, "read_parquet", no_reading)
    for vid, tile_id in owners.items():
        assert catalog.venue_tile(vid) == tile_id
    assert catalog.venue_tile("way/1") is None


def test_the_id_index_is_read_by_row_group_statistics(tmp_path):
    """A big index is found in by its row groups' id statistics: a lookup reads one."""
    from venuefinder.dataset import INDEX_ROW_GROUP_ROWS
    import pyarrow as pa

    rows = 3 * INDEX_ROW_GROUP_ROWS
    ids = sorted(f"way/{i}" for i in range(rows))
    pq.write_table(pa.table({"id": ids, "tile": ["t"] * rows}), tmp_path / "ix.parquet",
                   row_group_size=INDEX_ROW_GROUP_ROWS)
    meta = pq.ParquetFile(tmp_path / "ix.parquet").metadata
    ranges = [(meta.row_group(g).column(0).statistics.min,
               meta.row_group(g).column(0).statistics.max) for g in range(meta.num_row_groups)]
    assert len(ranges) == 3 and all(a <= b for a, b in ranges)
    # Disjoint ranges: an equality filter keeps one row group.
    assert sum(lo <= ids[rows // 2] <= hi for lo, hi in ranges) == 1


def test_layers_are_in_hilbert_order_in_small_row_groups(tmp_path):
    rng = np.random.default_rng(1)
    count = 3 * ROW_GROUP_ROWS
    frame = gpd.GeoDataFrame({"layer": ["road"] * count},
                             geometry=gpd.points_from_xy(rng.uniform(24, 25, count),
                                                         rng.uniform(60, 61, count)),
                             crs="EPSG:4326")
    write_layer(frame, tmp_path / "b.parquet")
    assert pq.ParquetFile(tmp_path / "b.parquet").metadata.num_row_groups == 3
    box = (24.0, 60.0, 24.2, 60.2)
    inside = gpd.read_parquet(tmp_path / "b.parquet", bbox=box)
    # Near rows share row groups: a small box reads far fewer rows than the file holds.
    assert len(inside) < count / 2
    truth = frame.loc[frame.intersects(shapely.box(*box))]
    assert len(inside.loc[inside.intersects(shapely.box(*box))]) == len(truth)


def test_read_dataset_is_every_tile(helsinki_dataset):
    catalog = DatasetCatalog(helsinki_dataset)
    venues = read_dataset(helsinki_dataset)
    assert len(venues) == sum(t.venues for t in catalog.tiles())
    assert venues["id"].is_unique and venues.crs.to_epsg() == 4326


def test_the_basemap_of_a_box_reads_only_the_tiles_reaching_it(helsinki_dataset,
                                                              monkeypatch):
    catalog = DatasetCatalog(helsinki_dataset)
    everything = read_dataset(helsinki_dataset, "basemap")
    box = (24.936, 60.1645, 24.938, 60.1655)  # a corner of the south-west tile
    opened = Opened(catalog, monkeypatch)
    found = catalog.read_basemap(box)
    # Bounding boxes that meet the box, as the whole region's basemap query selects.
    truth = everything.loc[everything.envelope.intersects(shapely.box(*box))]
    assert len(found) == len(truth) > 0
    assert sorted(found.geometry.to_wkb()) == sorted(truth.geometry.to_wkb())
    reaching = {t["id"] for t in catalog.manifest["tiles"]
                if intersects(t["extents"]["basemap"], box)}
    assert {p.split("/")[1] for p in opened.paths} == reaching
    assert len(reaching) < TILES  # the other tiles' files were never opened


def test_place_search_finds_what_the_whole_extract_finds(helsinki_dataset, helsinki_region):
    catalog = DatasetCatalog(helsinki_dataset)
    for text in ("katu", "KAT", "puisto", "Rautatie", "zzz"):
        found = catalog.search_places(text, 500)
        whole = pd.DataFrame(helsinki_region.search_places(text, 500),
                             columns=["name", "kind", "lat", "lon"])
        assert list(found.columns) == ["name", "kind", "lat", "lon"]
        key = ["name", "kind", "lat", "lon"]
        assert sorted(map(tuple, found[key].round(6).values.tolist())) == \
            sorted(map(tuple, whole[key].round(6).values.tolist()))
        # The same ordering rule: prefix matches first, then shorter names.
        rank = [(not n.casefold().startswith(text.casefold()), len(n)) for n in found["name"]]
        assert rank == sorted(rank)
    assert len(catalog.search_places("katu", 3)) == 3


def test_each_tile_has_its_walking_graph(helsinki_dataset):
    catalog = DatasetCatalog(helsinki_dataset)
    graph = catalog.read_graph("r0c0")
    assert graph is not None and len(graph.edges) > 0


# --- bad input: one line -------------------------------------------------------------------

def _one_line(exc: pytest.ExceptionInfo) -> str:
    text = str(exc.value)
    assert "\n" not in text and text
    return text


def test_a_missing_folder_is_a_source_error(tmp_path):
    with pytest.raises(SourceError) as exc:
        DatasetCatalog(tmp_path / "nope")
    assert "not found" in _one_line(exc)


def test_a_folder_that_is_no_dataset_is_a_source_error(tmp_path):
    with pytest.raises(SourceError) as exc:
        DatasetCatalog(tmp_path)
    assert "not a partitioned dataset" in _one_line(exc)


@pytest.mark.parametrize("text, says", [
    ("{not json", "damaged dataset manifest"),
    ('{"format": "venuefinder-partitioned", "version": 2}', "damaged dataset manifest"),
    ('{"format": "something-else", "version": 2, "tiles": []}', "not a venuefinder"),
    ('{"format": "venuefinder-partitioned", "version": 1, "tiles": []}', "ingest it again"),
    ('[1, 2]', "damaged dataset manifest"),
])
def test_a_damaged_manifest_is_a_source_error(tmp_path, text, says):
    (tmp_path / MANIFEST).write_text(text)
    with pytest.raises(SourceError) as exc:
        DatasetCatalog(tmp_path)
    assert says in _one_line(exc)


def test_a_damaged_or_missing_tile_file_is_a_source_error(copy_of):
    folder = copy_of()
    catalog = DatasetCatalog(folder)
    (folder / "tiles/r0c0/venues.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(SourceError) as exc:
        catalog.read_venues(["r0c0"])
    assert "tiles/r0c0/venues.parquet" in _one_line(exc)
    (folder / VENUE_INDEX).unlink()
    with pytest.raises(SourceError) as exc:
        catalog.venue_tile("way/1")
    assert "lacks index/venue_ids.parquet" in _one_line(exc)
    shutil.rmtree(folder / "tiles/r1c1/graph")
    with pytest.raises(SourceError) as exc:
        catalog.read_graph("r1c1")
    assert "walking graph" in _one_line(exc)
