"""The walking graph cached beside the region; a DEM in another projected CRS."""

from __future__ import annotations

import logging
import os

import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from pyproj import Transformer

from venuefinder.config import Settings
from venuefinder.errors import InputError, SourceError
from venuefinder.routes import load_or_build_graph
from venuefinder.routes import cache as graph_cache

from .conftest import X0, Y0, Map


@pytest.fixture
def extract(tmp_path):
    m = Map()
    m.way([(0, 0), (200, 0), (200, 100), (0, 100), (0, 0)], step=10, highway="footway")
    m.way([(0, -50), (0, 0)], highway="footway", lit="yes")
    return m.write_osm(tmp_path / "square.osm")


def test_built_once_then_read_from_the_cache(extract, tmp_path, monkeypatch):
    settings = Settings(cache_dir=tmp_path / "cache")
    built = load_or_build_graph(settings, extract)
    (entry,) = [p for p in settings.cache_dir.iterdir() if not p.name.startswith(".")]
    assert entry.name.startswith("square.osm-walkgraph-")

    def no_reading(*args, **kwargs):
        raise AssertionError("the extract was read again")

    monkeypatch.setattr("venuefinder.routes.cache.read_walkways", no_reading)
    cached = load_or_build_graph(settings, extract)
    pd.testing.assert_frame_equal(cached.edges, built.edges, check_dtype=False)
    pd.testing.assert_frame_equal(cached.nodes, built.nodes, check_dtype=False)
    assert np.array_equal(cached.coords, built.coords)
    assert np.array_equal(cached.height_offsets, built.height_offsets)
    assert cached.crs == built.crs
    assert cached.info == built.info


def test_a_changed_extract_or_dem_is_a_new_entry(extract, tmp_path):
    settings = Settings(cache_dir=tmp_path)
    key = graph_cache.graph_key(extract, None, settings)
    os.utime(extract, (1_000_000, 1_000_000))
    assert graph_cache.graph_key(extract, None, settings) != key
    assert graph_cache.graph_key(extract, "auto", settings) != graph_cache.graph_key(
        extract, None, settings)


def test_a_damaged_entry_is_rebuilt(extract, tmp_path, caplog):
    settings = Settings(cache_dir=tmp_path / "cache")
    load_or_build_graph(settings, extract)
    key = graph_cache.graph_key(extract, None, settings)
    (settings.cache_dir / key / "edges.parquet").write_bytes(b"not parquet")
    with caplog.at_level(logging.WARNING):
        graph = load_or_build_graph(settings, extract)
    assert "ignoring unreadable walking-graph cache" in caplog.text
    assert len(graph.edges) > 0


def test_unreadable_sources_and_dems_are_the_usual_errors(extract, tmp_path):
    settings = Settings(cache_dir=tmp_path)
    with pytest.raises(SourceError, match="source not found"):
        load_or_build_graph(settings, tmp_path / "missing.osm.pbf")
    with pytest.raises(InputError, match="DEM not found"):
        load_or_build_graph(settings, extract, tmp_path / "missing.tif")


def test_a_dem_in_another_projected_crs_gives_grades(extract, tmp_path):
    """Heights rise 5 % eastwards in EPSG:3879 (Helsinki GK25); the graph is in UTM 35N."""
    to_gk25 = Transformer.from_crs("EPSG:3067", "EPSG:3879", always_xy=True)
    east0, north0 = to_gk25.transform(X0 - 300, Y0 + 300)
    pixel = 2.0
    cols = rows = 400
    x = east0 + (np.arange(cols) + 0.5) * pixel
    heights = np.tile(10.0 + 0.05 * (x - east0), (rows, 1)).astype(np.float32)
    tif = tmp_path / "ramp_gk25.tif"
    with rasterio.open(tif, "w", driver="GTiff", width=cols, height=rows, count=1,
                       dtype="float32", crs="EPSG:3879",
                       transform=Affine.translation(east0, north0)
                       @ Affine.scale(pixel, -pixel)) as dst:
        dst.write(heights, 1)
    graph = load_or_build_graph(Settings(cache_dir=tmp_path / "cache"), extract, tif)
    assert graph.crs.to_epsg() == 32635
    assert graph.info["dem"] == "ramp_gk25.tif"
    edges = graph.edges
    xy = graph.nodes[["x", "y"]].to_numpy()
    dx = xy[edges["v"], 0] - xy[edges["u"], 0]
    dy = xy[edges["v"], 1] - xy[edges["u"], 1]
    eastward = (np.abs(dy) < 1) & (dx > 5)
    northward = (np.abs(dx) < 3) & (np.abs(dy) > 5)
    assert eastward.sum() >= 4 and northward.sum() >= 4
    assert np.allclose(edges.loc[eastward, "grade_pct"], 5.0, atol=0.3)
    assert np.allclose(edges.loc[northward, "grade_pct"], 0.0, atol=0.3)
