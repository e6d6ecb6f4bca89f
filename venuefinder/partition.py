"""Partitioned ingest: an extract cut into tiles, each scored on a Dask worker.

``venuefinder ingest SRC --out DIR`` (an ``--out`` without a file suffix) writes a
*partitioned dataset*: a folder holding, per tile, ``tiles/<id>/venues.parquet``,
``places.parquet`` and ``basemap.parquet`` (GeoParquet 1.1, WGS84, with a ``bbox`` covering
column so that readers can skip row groups) and its walking graph ``graph/``, and
``manifest.json`` naming the tiles, their bounds, the metric CRS each was scored in and its
counts.

How a tile gets the same answers as the whole extract:

* it is read with a halo around it: :data:`HALO_M`, the farthest anything that decides a
  venue's score, reasons or label looks (:func:`halo_m`), plus :data:`VENUE_REACH_M` for the
  venues it owns that cross its edge; when one reaches so far out that its edge plus
  :data:`HALO_M` leaves what was read, the tile is read again, wider;
* it is scored by the same pure function as the one-process ingest
  (:func:`venuefinder.prepare.score_features`), in its own local metric CRS (the UTM zone of
  the tile, :func:`venuefinder.venues.local_crs`), so a country several zones wide is
  measured without the distortion of one zone at its edges;
* each venue (place, basemap feature) is written by exactly one tile: the tile holding its
  representative point (:func:`owner`), so tiles never write one twice, and halos never
  lose one.

Why ``osmium extract`` (osmium-tool) reads a tile rather than a pyosmium filter in Python:
its ``smart`` strategy writes every way with a node in the box complete, and every
multipolygon with a member in it complete, in C++ and in two passes, so a venue crossing
the tile's edge keeps its whole geometry; a one-pass location filter cannot know a way's
outside nodes, nor a relation's outside members, without doing the same again by hand. The
file it writes is then read by :func:`venuefinder.sources.osm_file.read_extract` like any
extract. Cutting a tile reads the whole source, so tiles are cut in batches: one
``osmium extract --config`` pass writes every tile of a batch (:func:`cut_batch`, a Dask task
of its own that the batch's tiles wait for), and cutting costs batches × source, not tiles ×
source. The cuts lie in the dataset's temporary folder (``.cuts/``), which workers share as
they share the output folder; each is removed when its tile is done. A tile read again wider
cuts itself alone.

Each tile also keeps its walking graph, of everything it read (halo included: a route
from a tile may leave it), in the routes cache's format (``tiles/<id>/graph/``); choosing
or joining tiles for a route is the server's.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping, Optional, Sequence

import numpy as np

from . import venues as venue_rules
from .catalog import VENUE_REACH_M, Box, grown, owner
from .dataset import (DATASET_FORMAT, DATASET_VERSION, GRAPH, LAYERS, MANIFEST, TILE_FILES,
                      write_layer, write_venue_index)
from .diskcache import atomic_folder
from .errors import InputError, SourceError
from .heights import RADIUS_M as HEIGHTS_RADIUS_M
from .labels import PLACE_REACH_M, STREET_REACH_M
from .meeting import MEETING_MAX_M
from .prepare import score_features
from .routes.cache import load_or_build_graph
from .routes.cache import save as save_graph
from .scoring.combine import TRACK_FIRST_M
from .scoring.traffic import FENCE_REACH_M, SPEED_FACTOR_RANGE
from .sources import OsmData
from .sources.osm_file import check_extract_path, read_extract
from .vocabulary.roads import ROAD_CLASSES

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from distributed import Client

    from .config import Settings

#: How far a road is still looked at: the largest safe distance, at the fastest speed factor.
TRAFFIC_REACH_M = max(r.safe_distance_m for r in ROAD_CLASSES.values()) * SPEED_FACTOR_RANGE[1]


def halo_m() -> float:
    """The farthest (metres from a venue's edge) anything deciding a venue's answer looks:
    roads (:data:`TRAFFIC_REACH_M`), fences, the heights of the ground around it, its
    meeting point, the street or place its label names, and a running track's neighbours
    within :data:`~venuefinder.scoring.combine.TRACK_FIRST_M` (whose own scores look at
    their roads)."""
    return max(TRAFFIC_REACH_M, FENCE_REACH_M, HEIGHTS_RADIUS_M, MEETING_MAX_M,
               STREET_REACH_M, PLACE_REACH_M, TRACK_FIRST_M + TRAFFIC_REACH_M)


#: Read around each tile (see :func:`halo_m`).
HALO_M = halo_m()
#: ``--partitions auto``: about this much of the source per tile. A one-process ingest peaks
#: at about 13× its file (Helsinki ×100), so a tile with its halo stays near 0.5 GiB.
AUTO_TILE_BYTES = 32_000_000
#: Widest tile (degrees of longitude). A tile is measured in the UTM zone of its middle,
#: whose central meridian is up to 3° away: its far edge then lies at most 3° + 1° from it,
#: where the zone's scale is off by under 0.25 % (areas 0.5 %) even at the equator.
MAX_TILE_DEGREES = 2.0
#: A tile is read again, wider, at most this many times (a venue whose edge plus the halo
#: leaves what was read); each time takes in all the venues that did.
MAX_WIDENINGS = 3
#: At most this many tiles are cut in one pass over the source. One pass per tile read the
#: source tiles times over (Helsinki ×400: 244 s of 1,359 s); but libosmium keeps id sets per
#: extract that span the source's id range, so a pass's memory grows with its tiles: on real
#: ids about 2.4 GiB more a tile (halves of Andorra: 1 tile 3.1 GiB, 4 tiles 10.3 GiB;
#: renumbered, 75 and 155 MB). 3 keeps a pass near 8 GiB, two workers cutting at once 16 GiB.
CUT_BATCH = 3
#: Below this size a source is cut one tile a pass: reading it again costs less than the
#: id sets of a further extract in a pass (about 4 s a tile on real ids; reading goes at
#: 0.1–0.23 s a MB). Andorra (3 MB) in 4 tiles: 14.2 s one a pass, 19.4 s in 2 passes.
BATCH_MIN_SOURCE_BYTES = 100_000_000
#: The dataset's temporary folder of the batches' cuts (removed before it becomes the dataset).
CUTS = ".cuts"


@dataclass(frozen=True)
class Tile:
    """One tile: its place in the grid and the box it owns (WGS84 degrees). Edge tiles own
    everything beyond the grid on their outer sides (``-inf``/``inf``)."""

    row: int
    col: int
    owned: Box

    @property
    def id(self) -> str:
        return f"r{self.row}c{self.col}"


def grid(bounds: Box, rows: int, cols: int) -> list[Tile]:
    """*rows* × *cols* tiles covering *bounds* (west, south, east, north), row 0 south. Owned
    boxes are half-open and the outer ones unbounded, so every point has exactly one tile."""
    west, south, east, north = bounds
    xs = np.linspace(west, east, cols + 1)
    ys = np.linspace(south, north, rows + 1)
    xs[0], xs[-1], ys[0], ys[-1] = -np.inf, np.inf, -np.inf, np.inf
    return [Tile(r, c, (float(xs[c]), float(ys[r]), float(xs[c + 1]), float(ys[r + 1])))
            for r in range(rows) for c in range(cols)]


def grid_shape(bounds: Box, count: int) -> tuple[int, int]:
    """Rows and columns of at least *count* tiles, about square on the ground, and none
    wider than :data:`MAX_TILE_DEGREES` of longitude."""
    west, south, east, north = bounds
    mid = math.radians((south + north) / 2)
    wide = max((east - west) * math.cos(mid), 1e-9)
    high = max(north - south, 1e-9)
    cols = max(1, round(math.sqrt(count * wide / high)))
    cols = max(min(cols, count), math.ceil((east - west) / MAX_TILE_DEGREES - 1e-9))
    rows = math.ceil(count / cols)
    return rows, cols


def representative_points(geometries: "np.ndarray") -> tuple[np.ndarray, np.ndarray]:
    """A point on each geometry (WGS84): the same for the same geometry in every tile."""
    import shapely

    points = shapely.point_on_surface(np.asarray(geometries, dtype=object))
    return shapely.get_x(points), shapely.get_y(points)


def contains(outer: Box, inner: Box) -> bool:
    return (outer[0] <= inner[0] and outer[1] <= inner[1] and outer[2] >= inner[2]
            and outer[3] >= inner[3])


def union(a: Box, b: Box) -> Box:
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def extract_bounds(path: Path) -> Box:
    """The extract's bounds: its header's box, else one pass over its nodes."""
    import osmium

    box = osmium.io.Reader(str(path), osmium.osm.NOTHING).header().box()
    if box.valid():
        return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon,
                box.top_right.lat)
    west = south = math.inf
    east = north = -math.inf
    for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
        if node.location.valid():
            lon, lat = node.location.lon, node.location.lat
            west, east, south, north = min(west, lon), max(east, lon), min(south, lat), \
                max(north, lat)
    if west > east:
        raise SourceError(f"{path.name} holds no located nodes")
    return west, south, east, north


def tile_count(partitions: str | int, workers: int, size_bytes: int) -> int:
    """``--partitions``: a count, or ``auto``: enough tiles for every worker and for
    :data:`AUTO_TILE_BYTES` of the source per tile."""
    if str(partitions).lower() == "auto":
        return max(workers, math.ceil(size_bytes / AUTO_TILE_BYTES))
    return int(partitions)


def osmium_tool() -> str:
    """The ``osmium`` command (osmium-tool), or :class:`InputError` saying how to get it."""
    found = shutil.which("osmium")
    if found is None:
        raise InputError("a partitioned ingest needs osmium-tool (`apt-get install "
                         "osmium-tool`, or `make system-deps` as root)")
    return found


def cut(source: Path, box: Box, target: Path) -> None:
    """Write the part of *source* within *box* to *target*: ways and multipolygons that
    reach into it, whole (osmium-tool's ``smart`` strategy)."""
    cut_all(source, [(box, target)])


def cut_all(source: Path, parts: Sequence[tuple[Box, Path]]) -> None:
    """Write, in one pass over *source*, the part of it within each box to its path, as
    :func:`cut` does (``osmium extract --config`` with one extract a box)."""
    extracts = [{"output": str(target), "output_format": "pbf",
                 "bbox": [round(v, 7) for v in (max(box[0], -180.0), max(box[1], -90.0),
                                                 min(box[2], 180.0), min(box[3], 90.0))]}
                for box, target in parts]
    with tempfile.NamedTemporaryFile("w", prefix=".cut-", suffix=".json",
                                     dir=parts[0][1].parent) as config:
        json.dump({"extracts": extracts}, config)
        config.flush()
        run_extract(source, Path(config.name))


def run_extract(source: Path, config: Path) -> None:
    """One ``osmium extract`` pass over *source* writing the extracts of *config*."""
    done = subprocess.run([osmium_tool(), "extract", "--strategy", "smart", "--config",
                           str(config), "--overwrite", "--no-progress", str(source)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        detail = " ".join(done.stderr.split()) or "no message"
        raise SourceError(f"osmium extract of {source.name} failed: {detail[:300]}")


def batches(tiles: list[Tile], workers: int, source_bytes: int) -> list[list[Tile]]:
    """*tiles* in batches of even sizes, at most :data:`CUT_BATCH` each (one each for a
    source under :data:`BATCH_MIN_SOURCE_BYTES`) and at least one a worker (while one worker
    cut the whole source alone, the others would wait)."""
    most = CUT_BATCH if source_bytes >= BATCH_MIN_SOURCE_BYTES else 1
    count = min(len(tiles), max(math.ceil(len(tiles) / most), workers))
    size, more = divmod(len(tiles), count)
    starts = [i * size + min(i, more) for i in range(count + 1)]
    return [tiles[a:b] for a, b in zip(starts, starts[1:])]


def cut_batch(source: Path, tiles: list[Tile], bounds: Box, folder: Path) -> dict[str, Path]:
    """Cut each of *tiles* (its :func:`read_box`) from *source*, in one pass, into
    ``folder/.cuts/`` (runs on a worker); each tile's cut by its id."""
    cuts = folder / CUTS
    cuts.mkdir(exist_ok=True)
    parts = {tile.id: cuts / f"{tile.id}.osm.pbf" for tile in tiles}
    cut_all(source, [(read_box(tile, bounds), parts[tile.id]) for tile in tiles])
    return parts


@dataclass
class TileResult:
    """What a tile wrote: counts, the box read, the metric CRS it was scored in."""

    id: str
    owned: Box
    read: Box
    crs: Optional[str]
    venues: int
    places: int
    basemap: int
    objects: int
    widenings: int
    #: The walking graph's folder in the dataset; None: nothing to route on.
    graph: Optional[str] = None
    #: The box each layer it owns lies in (None: it owns none of that layer).
    extents: Optional[dict[str, Optional[Box]]] = None


def ingest_tile(source: Path, tile: Tile, tiles: list[Tile], bounds: Box, folder: Path,
                settings: "Settings", dem: Optional[Path] = None,
                cuts: Optional[Mapping[str, Path]] = None) -> TileResult:
    """Read, score and write one tile into ``folder/tiles/<id>/`` (runs on a worker).

    The tile is read around its owned box (:func:`read_box`): from its cut in *cuts* (of
    :func:`cut_batch`, removed here), else cut here; while a venue it owns comes nearer than
    :data:`HALO_M` to the edge of what was read, it is cut again, alone, taking that venue's
    surroundings in.
    """
    import geopandas as gpd

    read = read_box(tile, bounds)
    target = folder / "tiles" / tile.id
    target.mkdir(parents=True, exist_ok=True)
    empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    venues, places, basemap, crs, objects, graph = empty, empty, empty, None, 0, None
    batched = cuts[tile.id] if cuts else None
    with tempfile.TemporaryDirectory(prefix=f".{tile.id}-", dir=folder) as tmp:
        for widening in range(MAX_WIDENINGS + 1):
            # A rerun (its worker died) may find its batch's cut removed: it cuts alone.
            if widening == 0 and batched is not None and batched.is_file():
                part = batched
            else:
                part = Path(tmp) / f"{tile.id}.osm.pbf"
                cut(source, read, part)
            # What the one-process ingest reads (not the map's extra layers, which would
            # change some obstacle counts: answers must not depend on how work is split).
            osm = _read(part, for_map=False)
            if osm is None:  # sea, or a corner of the grid with nothing venuefinder uses
                break
            scored, _, crs, _ = score_features(osm, settings, dem, source.name)
            mine = _owned(scored.geometry.to_numpy(), tile, tiles)
            reach = _reach(scored.geometry.to_numpy()[mine])
            if reach is None or contains(read, reach) or widening == MAX_WIDENINGS:
                break
            read = union(read, reach)
        if osm is not None:
            venues = scored.loc[mine].reset_index(drop=True)
            objects = osm.stats.objects
            del osm, scored
            features = read_extract(part, for_map=True, parallel=False).features
            places = venue_rules.select_places(features, crs)
            places = _place_points(places.loc[_owned_points(
                places["lon"].to_numpy(dtype=float), places["lat"].to_numpy(dtype=float),
                tile, tiles)].reset_index(drop=True))
            basemap = venue_rules.select_basemap(features)
            basemap = basemap.loc[_owned(basemap.geometry.to_numpy(), tile, tiles)]
            del features
            graph = _write_graph(part, target, settings, dem)
    if batched is not None:
        batched.unlink(missing_ok=True)
    extents: dict[str, Optional[Box]] = {}
    for frame, name, layer in zip((venues, places, basemap), TILE_FILES, LAYERS):
        write_layer(frame.reset_index(drop=True), target / name)
        extents[layer] = (tuple(float(v) for v in frame.total_bounds)  # type: ignore[misc]
                          if len(frame) else None)
    return TileResult(tile.id, tile.owned, read, crs.to_string() if crs else None,
                      len(venues), len(places), len(basemap), objects, widening, graph,
                      extents)


def _write_graph(part: Path, target: Path, settings: "Settings",
                 dem: Optional[Path]) -> Optional[str]:
    """Write the walking graph of a tile's cut, halo and all (a route from the tile may
    leave it), as ``<target>/graph`` in the routes cache's format
    (:mod:`venuefinder.routes.cache`); its path in the dataset, None for a tile with
    nothing to route on."""
    try:
        graph = load_or_build_graph(settings, part, dem, use_cache=False)
    except SourceError:  # the cut was read already: it holds no walkable way
        return None
    save_graph(target, GRAPH, graph)
    if not (target / GRAPH / "meta.json").is_file():  # save only logs what it cannot write
        raise SourceError(f"cannot write the walking graph to {target / GRAPH}")
    return f"tiles/{target.name}/{GRAPH}"


def _read(part: Path, for_map: bool) -> Optional[OsmData]:
    """What a tile's cut holds (:func:`~venuefinder.sources.osm_file.read_extract`), None
    when it holds nothing venuefinder uses."""
    import osmium

    if next(iter(osmium.FileProcessor(str(part))), None) is None:
        return None
    osm = read_extract(part, for_map=for_map, parallel=False)
    return None if osm.features.empty else osm


def read_box(tile: Tile, bounds: Box) -> Box:
    """What is read for *tile* of a grid over *bounds*: its owned box grown by
    :data:`HALO_M` and :data:`VENUE_REACH_M`, and to the globe's edge on the sides where
    it owns all beyond the grid (a node outside an extract's header box is still read by
    its owner)."""
    finite = tuple(v if math.isfinite(v) else b for v, b in zip(tile.owned, bounds))
    box = grown(finite, HALO_M + VENUE_REACH_M)  # type: ignore[arg-type]
    world = (-180.0, -90.0, 180.0, 90.0)
    return tuple(w if not math.isfinite(o) else v  # type: ignore[return-value]
                 for v, o, w in zip(box, tile.owned, world))


def _owned(geometries: "np.ndarray", tile: Tile, tiles: list[Tile]) -> np.ndarray:
    x, y = representative_points(geometries)
    return _owned_points(x, y, tile, tiles)


def _owned_points(x: np.ndarray, y: np.ndarray, tile: Tile, tiles: list[Tile]) -> np.ndarray:
    return owner(x, y, tiles) == tiles.index(tile)


def _reach(geometries: "np.ndarray") -> Optional[Box]:
    """The box within :data:`HALO_M` of *geometries* (WGS84), None for none."""
    import shapely

    if len(geometries) == 0:
        return None
    return grown(tuple(shapely.total_bounds(geometries)), HALO_M)  # type: ignore[arg-type]


def _place_points(places: "pd.DataFrame") -> "gpd.GeoDataFrame":
    """Places (``lat``, ``lon`` columns) as a point layer, so GeoParquet readers can filter
    them by box too."""
    import geopandas as gpd

    return gpd.GeoDataFrame(places, geometry=gpd.points_from_xy(places["lon"], places["lat"]),
                            crs="EPSG:4326")


def partitioned_ingest(source: Path, out: Path, settings: "Settings", partitions: str | int,
                       workers: int, memory_limit: Optional[str] = None,
                       scheduler: Optional[str] = None, dem: Optional[Path] = None,
                       processes: bool = True,
                       progress: Optional[Callable[[Iterable, int], Iterable]] = None) -> dict:
    """Write the partitioned dataset of *source* to the folder *out* (see the module).

    Parameters
    ----------
    source
        The OSM extract.
    out
        The dataset folder; replaced whole when the ingest succeeds, untouched otherwise.
    settings
        Scoring settings (sent to every worker).
    partitions
        Tile count, or ``auto`` (:func:`tile_count`).
    workers, memory_limit, processes
        The ``LocalCluster`` started when no *scheduler* is given: worker processes (or
        threads, for tests), one thread each, and each one's memory limit (``4GiB``).
        With a *scheduler*, ``auto`` counts its workers' threads instead.
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``) to use instead; its
        workers must see *source* and *out* at the same paths.
    dem
        Elevation GeoTIFF, or ``auto``, as for the one-process ingest.
    progress
        Wraps the iterator of finished tiles, given their count (a progress bar).

    Returns
    -------
    dict
        The manifest written.
    """
    check_extract_path(source)
    osmium_tool()
    source = source.resolve()
    bounds = extract_bounds(source)
    with atomic_folder(out.parent.resolve(), out.name) as folder, \
            _client(workers, memory_limit, scheduler, processes) as client:
        from distributed import as_completed

        if scheduler:  # `auto` counts the running cluster's threads
            workers = max(1, sum(w["nthreads"] for w in
                                 client.scheduler_info()["workers"].values()))
        count = tile_count(partitions, workers, source.stat().st_size)
        tiles = grid(bounds, *grid_shape(bounds, count))
        futures = []
        for number, batch in enumerate(batches(tiles, workers, source.stat().st_size)):
            cuts = client.submit(cut_batch, source, batch, bounds, folder,
                                 key=f"venuefinder-cut-{number}-{folder.name}")
            futures += [client.submit(ingest_tile, source, tile, tiles, bounds, folder,
                                      settings, dem, cuts,
                                      key=f"venuefinder-tile-{tile.id}-{folder.name}")
                        for tile in batch]
        done = as_completed(futures)
        results = [future.result() for future in (progress(done, len(tiles)) if progress else done)]
        shutil.rmtree(folder / CUTS, ignore_errors=True)  # a recomputed batch's leftovers
        manifest = _manifest(source, bounds, tiles, results)
        write_venue_index(folder, [r.id for r in results if r.venues])
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))
    return manifest


@contextmanager
def _client(workers: int, memory_limit: Optional[str], scheduler: Optional[str],
            processes: bool) -> Iterator["Client"]:
    """A Dask client: of the cluster at *scheduler*, or of a new ``LocalCluster`` that ends
    with it."""
    import dask
    from distributed import Client, LocalCluster

    # The cluster's own chatter (workers starting, connections) is not the user's business.
    logging.getLogger("distributed").setLevel(logging.WARNING)
    if scheduler:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as exc:
            raise SourceError(f"cannot reach the Dask scheduler at {scheduler}: "
                              f"{str(exc).splitlines()[0][:200]}") from None
        with client:
            yield client
        return
    # Workers may fork: the reader and scorer use a second process on a big tile
    # (venuefinder.parallel), which a daemonic process may not start.
    with dask.config.set({"distributed.worker.daemon": False}):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes,
                               memory_limit=memory_limit or "auto", dashboard_address=None)
    with cluster, Client(cluster) as client:
        yield client


def _manifest(source: Path, bounds: Box, tiles: list[Tile],
              results: list[TileResult]) -> dict:
    by_id = {r.id: r for r in results}
    entries = []
    for tile in tiles:
        result = asdict(by_id[tile.id])
        # JSON has no infinity: an outer side (owning all beyond the grid) is null.
        result["owned"] = [None if not math.isfinite(v) else v for v in tile.owned]
        result["read"] = list(result["read"])
        result["extents"] = {layer: None if box is None else list(box)
                             for layer, box in result["extents"].items()}
        result["files"] = {name.split(".")[0]: f"tiles/{tile.id}/{name}" for name in TILE_FILES}
        entries.append(result)
    return {"format": DATASET_FORMAT, "version": DATASET_VERSION, "source": source.name,
            "bounds": list(bounds), "crs": "EPSG:4326", "halo_m": HALO_M,
            "venues": sum(r.venues for r in results), "tiles": entries}


def check_memory_limit(text: str) -> int:
    """``--memory-limit`` in bytes (``4GiB``, ``500MB``, ``2e9``), or :class:`InputError`."""
    from dask.utils import parse_bytes

    try:
        size = parse_bytes(text)
    except (ValueError, TypeError):
        size = 0
    if size <= 0:
        raise InputError(f"--memory-limit must be a size such as 4GiB or 500MB, got {text!r}")
    return size
