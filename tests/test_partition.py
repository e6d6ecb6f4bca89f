"""Partitioned ingest (venuefinder.partition): the tiling math on hand-built boxes, and the
same answers as the one-process ingest on the embedded Helsinki extract, on a local Dask
cluster (threads) and on real `dask scheduler` / `dask worker` processes on 127.0.0.1."""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely

from venuefinder import dataset, partition
from venuefinder.config import embedded_extract, load_settings
from venuefinder.routes.cache import load as load_graph
from venuefinder.routes.cache import load_or_build_graph
from venuefinder.partition import (HALO_M, TRAFFIC_REACH_M, Tile, grid, grid_shape, grown,
                                   owner, read_box, representative_points, tile_count)

needs_osmium = pytest.mark.skipif(shutil.which("osmium") is None,
                                  reason="osmium-tool is not installed (make system-deps)")
VENUEFINDER = str(Path(sys.executable).with_name("venuefinder"))
SHARED = Path(__file__).resolve().parents[2] / "shared"


# --- tiling math ---------------------------------------------------------------------------

def test_halo_covers_every_reach():
    # Roads at the fastest speed factor, the label's nearest place, a track's neighbours.
    assert TRAFFIC_REACH_M == 400.0 * 1.6
    assert HALO_M >= 3_000.0
    assert HALO_M >= 1_500.0 + TRAFFIC_REACH_M


def test_grid_covers_the_plane_once():
    tiles = grid((0.0, 0.0, 4.0, 2.0), 2, 2)
    assert [t.id for t in tiles] == ["r0c0", "r0c1", "r1c0", "r1c1"]
    assert tiles[0].owned == (-math.inf, -math.inf, 2.0, 1.0)
    assert tiles[3].owned == (2.0, 1.0, math.inf, math.inf)
    # Points on the inner edges, at the corners and far outside: each has one owner.
    x = np.array([2.0, 2.0, 0.0, 4.0, -50.0, 50.0, 1.0, 3.0])
    y = np.array([1.0, 0.5, 0.0, 2.0, -50.0, 50.0, 1.5, 0.2])
    assert owner(x, y, tiles).tolist() == [3, 1, 0, 3, 0, 3, 2, 1]


def test_every_venue_is_owned_once_by_its_representative_point():
    tiles = grid((0.0, 0.0, 1.0, 1.0), 1, 2)
    # An L-shaped venue across the edge x = 0.5: its centroid lies outside it, its
    # representative point inside, on the left.
    ell = shapely.Polygon([(0.1, 0.1), (0.6, 0.1), (0.6, 0.2), (0.2, 0.2), (0.2, 0.9),
                           (0.1, 0.9)])
    right = shapely.box(0.55, 0.4, 0.9, 0.6)
    line = shapely.LineString([(0.3, 0.5), (0.8, 0.5)])
    geoms = np.array([ell, right, line], dtype=object)
    x, y = representative_points(geoms)
    owners = owner(x, y, tiles)
    assert owners.tolist() == [0, 1, owners[2]]
    assert np.bincount(owners, minlength=2).sum() == len(geoms)
    assert (owners >= 0).all()


def test_grown_box_is_at_least_the_metres_wide():
    box = grown((24.0, 60.0, 25.0, 61.0), 3_000.0)
    # 3 km of latitude is under 0.0272°; of longitude at 61° N under 0.0556°.
    assert 24.0 - box[0] >= 3_000.0 / (111_320.0 * math.cos(math.radians(61.0))) - 1e-12
    assert 60.0 - box[1] >= 3_000.0 / 111_694.0
    assert grown((179.99, 89.99, 180.0, 90.0), 3_000.0)[2:] == (180.0, 90.0)


def test_read_box_reaches_the_globe_edge_on_outer_sides():
    tiles = grid((10.0, 50.0, 12.0, 52.0), 2, 2)
    box = read_box(tiles[0], (10.0, 50.0, 12.0, 52.0))
    assert box[:2] == (-180.0, -90.0)
    assert box[2] > 11.0 and box[3] > 51.0
    inner = read_box(Tile(1, 1, (11.0, 51.0, 12.0, 52.0)), (10.0, 50.0, 12.0, 52.0))
    assert inner[0] < 11.0 and inner[2] > 12.0


def test_tile_count_and_shape():
    assert tile_count("auto", 2, 1_000) == 2
    assert tile_count("auto", 2, 10 * partition.AUTO_TILE_BYTES) == 10
    assert tile_count(5, 2, 10) == 5
    rows, cols = grid_shape((0.0, 0.0, 2.0, 1.0), 2)  # wide near the equator: two columns
    assert (rows, cols) == (1, 2)
    rows, cols = grid_shape((0.0, 0.0, 1.0, 1.0), 4)
    assert rows * cols >= 4 and (rows, cols) == (2, 2)


def test_batches_are_even_bounded_and_one_a_worker_at_least(monkeypatch):
    monkeypatch.setattr(partition, "CUT_BATCH", 3)
    big = partition.BATCH_MIN_SOURCE_BYTES
    tiles = grid((0.0, 0.0, 7.0, 1.0), 1, 7)
    for workers, size, sizes in ((1, big, [3, 2, 2]), (4, big, [2, 2, 2, 1]),
                                 (9, big, [1] * 7), (1, big - 1, [1] * 7)):
        parts = partition.batches(tiles, workers, size)
        assert [len(p) for p in parts] == sizes
        assert [t for p in parts for t in p] == tiles


# --- cutting -------------------------------------------------------------------------------

class Extracts:
    """Records each ``osmium extract`` pass (its config's extracts), then runs it."""

    def __init__(self, monkeypatch):
        self.passes: list[list[dict]] = []
        run = partition.run_extract

        def recorded(source, config):
            self.passes.append(json.loads(Path(config).read_text())["extracts"])
            run(source, config)

        monkeypatch.setattr(partition, "run_extract", recorded)


def objects(path: Path) -> set[tuple[str, int]]:
    import osmium

    return {(o.type_str(), o.id) for o in osmium.FileProcessor(str(path))}


@needs_osmium
def test_one_pass_cuts_every_box_as_each_alone(tmp_path, monkeypatch):
    source = embedded_extract()
    west, south, east, north = partition.extract_bounds(source)
    step = (east - west) / 4
    boxes = [(west + i * step, south, west + (i + 1) * step, north) for i in range(4)]
    parts = [(box, tmp_path / f"{i}.osm.pbf") for i, box in enumerate(boxes)]
    extracts = Extracts(monkeypatch)
    partition.cut_all(source, parts)
    assert len(extracts.passes) == 1
    assert [e["output"] for e in extracts.passes[0]] == [str(path) for _, path in parts]
    for box, path in parts:
        alone = tmp_path / f"alone-{path.name}"
        partition.cut(source, box, alone)
        assert objects(path) == objects(alone)
    assert len({frozenset(objects(path)) for _, path in parts}) == len(parts)


# --- the same answers ----------------------------------------------------------------------

NUMBER = re.compile(r"(-?\d+(?:[.,]\d+)*)(\s?m²|\s?m\b)?")


def same_reason(one: str, other: str) -> bool:
    """Equal but for distances within 1 m (and areas within 0.5 %)."""
    if not isinstance(one, str) or not isinstance(other, str):
        return (one != one and other != other) or one == other  # both NaN, or equal
    if NUMBER.sub("#", one) != NUMBER.sub("#", other):
        return False
    for a, b in zip(NUMBER.finditer(one), NUMBER.finditer(other)):
        x, y = (float(m.group(1).replace(",", "")) for m in (a, b))
        unit = (a.group(2) or "").strip()
        if unit != (b.group(2) or "").strip():
            return False
        if unit == "m" and abs(x - y) > 1.0 or unit == "m²" and abs(x - y) > 0.005 * max(x, 1):
            return False
        if not unit and x != y:
            return False
    return True


def differences(one, parted) -> list[str]:
    """How a partitioned dataset's venues differ from the one-process ingest's."""
    problems = []
    ids, pids = list(one["id"]), list(parted["id"])
    if len(pids) != len(set(pids)):
        problems.append("a venue written twice")
    if set(ids) != set(pids):
        problems.append(f"ids differ: {sorted(set(ids) ^ set(pids))[:5]}")
    a = one.set_index("id")
    b = parted.set_index("id").reindex(a.index)
    worst = float(np.nanmax(np.abs(a["score"] - b["score"]))) if len(a) else 0.0
    if worst > 0.5:
        problems.append(f"scores differ by {worst}")
    for column in [c for c in a.columns if c.startswith("reason_")]:
        for vid, x, y in zip(a.index, a[column], b[column]):
            if not same_reason(x, y):
                problems.append(f"{vid} {column}: {x!r} vs {y!r}")
    return problems


@pytest.fixture(scope="module")
def one_process(tmp_path_factory):
    out = tmp_path_factory.mktemp("one") / "helsinki.parquet"
    run_cli("ingest", str(embedded_extract()), "--out", str(out))
    import geopandas as gpd

    return gpd.read_parquet(out)


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([VENUEFINDER, *args],
                          capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_same_reason_tolerates_only_distances():
    assert same_reason("Simonkatu (tertiary road, 30 km/h) is 6 m away",
                       "Simonkatu (tertiary road, 30 km/h) is 7 m away")
    assert not same_reason("Simonkatu (tertiary road, 30 km/h) is 6 m away",
                           "Simonkatu (tertiary road, 40 km/h) is 6 m away")
    assert not same_reason("is 6 m away", "is 8 m away")
    assert not same_reason("Mannerheimintie is 6 m away", "Simonkatu is 6 m away")


@needs_osmium
def test_partitioned_ingest_gives_the_same_answers(tmp_path, one_process):
    out = tmp_path / "helsinki"
    manifest = partition.partitioned_ingest(
        embedded_extract(), out, load_settings(), 2, workers=2, processes=False)
    assert len(manifest["tiles"]) == 2
    assert json.loads((out / "manifest.json").read_text()) == manifest
    for tile in manifest["tiles"]:
        assert tile["crs"] == "EPSG:32635"  # Helsinki's UTM zone
        for name in dataset.TILE_FILES:
            meta = json.loads(__import__("pyarrow.parquet", fromlist=["x"]).read_schema(
                out / "tiles" / tile["id"] / name).metadata[b"geo"])
            assert meta["version"] == "1.1.0"
            assert "covering" in meta["columns"]["geometry"]
    parted = dataset.read_dataset(out)
    assert manifest["venues"] == len(parted) == len(one_process)
    assert differences(one_process, parted) == []
    # Places and basemap: each written by one tile, none lost.
    places = dataset.read_dataset(out, "places")
    assert len(places) == sum(t["places"] for t in manifest["tiles"]) > 0
    assert not places.duplicated(["name", "kind", "lat", "lon"]).any()
    assert len(dataset.read_dataset(out, "basemap")) > 0
    # The walking graph of each tile, halo and all: here the halo holds the whole extract.
    whole = load_or_build_graph(load_settings(), embedded_extract(), use_cache=False)
    for tile in manifest["tiles"]:
        graph = load_graph(out / "tiles" / tile["id"], "graph")
        assert tile["graph"] == f"tiles/{tile['id']}/graph"
        assert len(graph.edges) == len(whole.edges) and len(graph.nodes) == len(whole.nodes)


@needs_osmium
def test_cli_rejects_bad_partition_options(tmp_path):
    for args, says in ((["--partitions", "zero"], "tile count"),
                       (["--workers", "0"], "--workers"),
                       (["--memory-limit", "lots"], "--memory-limit")):
        done = subprocess.run([VENUEFINDER, "ingest",
                               str(embedded_extract()), "--out", str(tmp_path / "d"), *args],
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 2, done.stderr
        assert says in done.stderr and len(done.stderr.strip().splitlines()) == 1
    done = subprocess.run([VENUEFINDER, "ingest",
                           str(embedded_extract()), "--out", str(tmp_path / "x.parquet"),
                           "--workers", "2"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "folder" in done.stderr
    done = subprocess.run([VENUEFINDER, "ingest", str(embedded_extract()), "--out",
                           str(tmp_path / "d"), "--scheduler", "tcp://127.0.0.1:1",
                           "--workers", "2"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "running one" in done.stderr


NOT_DAEMONIC = {"DASK_DISTRIBUTED__WORKER__DAEMON": "False"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@needs_osmium
def test_partitioned_ingest_on_a_running_cluster(tmp_path, one_process):
    dask = Path(sys.executable).with_name("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    logs = [open(tmp_path / name, "w") for name in ("scheduler.log", "worker.log")]
    scheduler = subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port",
                                  str(port), "--no-dashboard"], stdout=logs[0], stderr=logs[0])
    worker = None
    try:
        # Workers may fork (a big tile is scored on two processes): not daemonic.
        worker = subprocess.Popen([str(dask), "worker", address, "--host", "127.0.0.1",
                                   "--nworkers", "1", "--nthreads", "2", "--no-dashboard"],
                                  stdout=logs[1], stderr=logs[1],
                                  env={**os.environ, **NOT_DAEMONIC})
        out = tmp_path / "helsinki"
        run_cli("ingest", str(embedded_extract()), "--out", str(out), "--partitions", "2",
                "--scheduler", address)
        parted = dataset.read_dataset(out)
        assert differences(one_process, parted) == []
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        for log in logs:
            log.close()


@pytest.mark.slow
@needs_osmium
@pytest.mark.skipif(not (SHARED / "data/osm/andorra-latest.osm.pbf").is_file(),
                    reason="../shared/data/osm/andorra-latest.osm.pbf is absent")
def test_andorra_same_answers(tmp_path):
    import geopandas as gpd

    source = SHARED / "data/osm/andorra-latest.osm.pbf"
    run_cli("ingest", str(source), "--out", str(tmp_path / "one.parquet"))
    run_cli("ingest", str(source), "--out", str(tmp_path / "andorra"), "--partitions", "2",
            "--workers", "2")
    assert differences(gpd.read_parquet(tmp_path / "one.parquet"),
                       dataset.read_dataset(tmp_path / "andorra")) == []


# --- a region three UTM zones wide ---------------------------------------------------------

#: Longitudes of the synthetic venues near the equator: zones 31, 32 and 33, their edges,
#: and a gap (an empty tile).
WIDE_LONS = (0.3, 2.9, 5.9, 6.1, 9.0, 11.9, 12.1, 17.7)
WIDE_LAT = 0.5
TRACK_WIDTH_M = 6.0


def write_wide_region(path: Path) -> None:
    """Per longitude, a square pitch about 110 m wide and, north of it, a straight running
    track 0.003° long (a line with a width), as OSM XML."""
    import osmium

    ids = iter(range(1, 10_000))
    nodes, ways = [], []  # osmium-tool wants nodes first, then ways, each by id
    for lon in WIDE_LONS:
        corners = [(lon, WIDE_LAT), (lon + 0.001, WIDE_LAT), (lon + 0.001, WIDE_LAT + 0.001),
                   (lon, WIDE_LAT + 0.001)]
        track = [(lon, WIDE_LAT + 0.002), (lon + 0.003, WIDE_LAT + 0.002)]
        refs = [next(ids) for _ in corners + track]
        nodes += [osmium.osm.mutable.Node(id=ref, location=xy, version=1)
                  for ref, xy in zip(refs, corners + track)]
        ways += [dict(nodes=refs[:4] + refs[:1],
                      tags={"leisure": "pitch", "sport": "soccer", "surface": "grass"}),
                 dict(nodes=refs[4:], tags={"leisure": "track", "sport": "running",
                                            "width": str(TRACK_WIDTH_M)})]
    with osmium.SimpleWriter(str(path)) as writer:
        for node in nodes:
            writer.add_node(node)
        for way_id, way in enumerate(ways, start=1):
            writer.add_way(osmium.osm.mutable.Way(id=way_id, version=1, **way))


def geodesic_m2(geometries) -> np.ndarray:
    """Area of each polygon, length × track width of each line, on the WGS84 ellipsoid."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    return np.array([abs(geod.geometry_area_perimeter(g)[0]) if g.geom_type.endswith("Polygon")
                     else geod.geometry_length(g) * TRACK_WIDTH_M for g in geometries])


@needs_osmium
def test_a_region_three_zones_wide_is_measured_within_half_a_percent(tmp_path):
    from venuefinder.prepare import score_features
    from venuefinder.sources.osm_file import read_extract

    source = tmp_path / "wide.osm"
    write_wide_region(source)
    manifest = partition.partitioned_ingest(source, tmp_path / "wide", load_settings(),
                                            "auto", workers=2, processes=False)
    assert {t["crs"] for t in manifest["tiles"]} >= {"EPSG:32631", "EPSG:32632", "EPSG:32633"}
    assert any(t["crs"] is None and t["venues"] == 0 for t in manifest["tiles"])
    parted = dataset.read_dataset(tmp_path / "wide")
    assert len(parted) == 2 * len(WIDE_LONS)
    error = parted["area_m2"].to_numpy() / geodesic_m2(parted.geometry) - 1
    assert np.abs(error).max() < 0.005, error
    # One zone for all (the one-process ingest) is off by more at the edges.
    whole = score_features(read_extract(source), load_settings())[0]
    assert np.abs(whole["area_m2"].to_numpy() / geodesic_m2(whole.geometry) - 1).max() > 0.005


@needs_osmium
def test_the_source_is_read_once_a_batch(tmp_path, monkeypatch):
    source = tmp_path / "wide.osm"
    write_wide_region(source)
    monkeypatch.setattr(partition, "BATCH_MIN_SOURCE_BYTES", 0)  # a small file, batched
    extracts = Extracts(monkeypatch)
    manifest = partition.partitioned_ingest(source, tmp_path / "out" / "wide", load_settings(),
                                            "auto", workers=1, processes=False)
    ids = [t["id"] for t in manifest["tiles"]]
    assert len(ids) > partition.CUT_BATCH
    batched = [p for p in extracts.passes if Path(p[0]["output"]).parent.name == partition.CUTS]
    assert len(batched) == math.ceil(len(ids) / partition.CUT_BATCH)
    assert sorted(Path(e["output"]).name.split(".")[0] for p in batched for e in p) == sorted(ids)
    # Only a tile read again wider cuts itself alone.
    assert len(extracts.passes) - len(batched) == sum(t["widenings"] for t in manifest["tiles"])
    # The cuts are gone, and nothing but the dataset is left.
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["wide"]
    assert not (tmp_path / "out" / "wide" / partition.CUTS).exists()
    assert len(dataset.read_dataset(tmp_path / "out" / "wide")) == 2 * len(WIDE_LONS)
