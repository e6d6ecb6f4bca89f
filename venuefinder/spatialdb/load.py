"""Loading a partitioned dataset into PostGIS: ``venuefinder load DIR --db URL``.

The dataset is read tile by tile through :class:`venuefinder.dataset.DatasetCatalog` (so
memory holds one tile at a time) and written with ``COPY`` (psycopg 3), all in ONE
transaction that first deletes the region of the same name: readers see the old region
until it commits and the new one after, never a mix, and a load that fails (a damaged
file, a lost connection) leaves the old region as it was.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

import numpy as np
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import delete, func, insert, select, text

from ..catalog import Box, TileInfo
from ..dataset import DatasetCatalog
from ..errors import SourceError
from ..routes import WalkGraph
from . import frames
from .db import LOAD_LOCK, database_errors, engine_for, parse_url, upgrade
from .models import PREFIX, SRID, TYPED, metadata, regions, tiles

#: The world, for an owned box's infinite sides.
WORLD: Box = (-180.0, -90.0, 180.0, 90.0)


def load_dataset(folder: Path, url: str,
                 progress: Optional[Callable[[Iterable, int], Iterable]] = None) -> dict:
    """Load the partitioned dataset in *folder* into the PostGIS database at *url*,
    replacing the region of the same name atomically (see the module).

    Parameters
    ----------
    folder
        The dataset (``venuefinder ingest SRC --out DIR``).
    url
        ``postgresql://…`` or ``postgresql+psycopg://…``; ``?region=NAME`` names the region
        (default: the folder's name).
    progress
        Wraps the iterator of tiles, given their count (a progress bar), as for
        :func:`venuefinder.partition.partitioned_ingest`.

    Returns
    -------
    dict
        ``region``, ``database``, ``tiles``, ``venues``, ``places``, ``basemap``,
        ``nodes``, ``edges`` (rows written) and ``seconds``.

    Raises
    ------
    InputError
        A malformed or non-PostgreSQL URL.
    SourceError
        *folder* is not a readable dataset, or the database cannot be reached or written
        (one line; nothing changed).
    """
    target = parse_url(url)
    source = DatasetCatalog(Path(folder))
    name = target.region or source.name
    started = time.perf_counter()
    engine = engine_for(target)
    try:
        upgrade(engine, target)
        counts = dict.fromkeys(("tiles", "venues", "places", "basemap", "nodes", "edges"), 0)
        with database_errors(target), engine.begin() as connection:
            connection.execute(select(func.pg_advisory_xact_lock(LOAD_LOCK,
                                                                 func.hashtext(name))))
            connection.execute(delete(regions).where(regions.c.name == name))
            region_id = connection.execute(
                insert(regions).values(name=name, manifest=source.manifest,
                                       geometry=from_shape(shapely.box(*source.bounds), SRID))
                .returning(regions.c.id)).scalar_one()
            cursor = connection.connection.dbapi_connection.cursor()
            listed = source.tiles()
            for seq, tile in enumerate(progress(listed, len(listed)) if progress else listed):
                for key, count in _load_tile(cursor, source, region_id, seq, tile).items():
                    counts[key] += count
                counts["tiles"] += 1
        with database_errors(target), engine.begin() as connection:
            # Fresh statistics, so the planner uses the new indexes at once.
            connection.execute(text("ANALYZE " + ", ".join(metadata.tables)))
    finally:
        engine.dispose()
    return {"region": name, "database": target.database, **counts,
            "seconds": round(time.perf_counter() - started, 2)}


def _load_tile(cursor: Any, source: DatasetCatalog, region_id: int, seq: int,
               tile: TileInfo) -> dict[str, int]:
    """Write one tile's rows; their counts."""
    venues = source.read_venues([tile.id])
    places = source.read_places([tile.id])
    basemap = source.read_layer("basemap", [tile.id])
    for layer, frame in (("places", places), ("basemap", basemap)):
        _check_columns(frame, layer, tile.id)
    cursor.execute(
        f"INSERT INTO {tiles.name} (region_id, tile_id, seq, owned, read, crs, venues, "
        "venue_bounds, geometry, venues_schema, places_schema, basemap_schema) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (region_id, tile.id, seq, list(tile.owned), list(tile.read), tile.crs, tile.venues,
         None if tile.venue_bounds is None else list(tile.venue_bounds),
         frames.ewkb(np.array([shapely.box(*_finite(tile.owned))]), SRID)[0], frames.describe(venues),
         frames.describe(places), frames.describe(basemap)))
    key = (region_id, tile.id)
    if len(venues):
        _copy(cursor, "venues", ["id", "attrs"], key,
              [venues["id"].tolist(), frames.json_documents(venues, ["id", "geometry"])],
              frames.ewkb(venues.geometry.to_numpy(), SRID))
    for layer, frame in (("places", places), ("basemap", basemap)):
        if len(frame):
            _copy(cursor, layer, TYPED[layer], key, frames.values(frame, TYPED[layer]),
                  frames.ewkb(frame.geometry.to_numpy(), SRID))
    graph = source.read_graph(tile.id)
    counts = {"venues": len(venues), "places": len(places), "basemap": len(basemap)}
    if graph is not None:
        counts.update(_load_graph(cursor, key, graph))
    return counts


def _load_graph(cursor: Any, key: tuple[int, str], graph: WalkGraph) -> dict[str, int]:
    """Write a tile's walking graph: its CRS, info and frame schemas, nodes, edges (their
    polylines and height profiles) and spot heights."""
    _check_columns(graph.nodes, "nodes", key[1])
    _check_columns(graph.edges, "edges", key[1])
    srid = graph.crs.to_epsg() or 0
    cursor.execute(
        f"INSERT INTO {PREFIX}graphs (region_id, tile_id, crs, srid, info, nodes_schema, "
        "edges_schema) VALUES (%s, %s, %s, %s, %s, %s, %s)",
        (*key, graph.crs.to_wkt(), srid, json.dumps(graph.info), frames.describe(graph.nodes),
         frames.describe(graph.edges)))
    nodes = graph.nodes
    _copy(cursor, "nodes", TYPED["nodes"], key, frames.values(nodes, TYPED["nodes"]),
          frames.ewkb(shapely.points(nodes["lon"].to_numpy(float), nodes["lat"].to_numpy(float)),
                      SRID))
    counts = np.diff(graph.coord_offsets)
    lines = shapely.linestrings(graph.coords, indices=np.repeat(np.arange(len(counts)), counts))
    heights = [part.tolist() for part in np.split(graph.heights, graph.height_offsets[1:-1])]
    _copy(cursor, "edges", [*TYPED["edges"], "heights"], key,
          [*frames.values(graph.edges, TYPED["edges"]), heights], frames.ewkb(lines, srid))
    spots = np.asarray(graph.spot_heights, dtype=float).reshape(-1, 3)
    if len(spots):
        _copy(cursor, "spot_heights", [], key, [],
              frames.ewkb(shapely.points(spots), srid))
    return {"nodes": len(nodes), "edges": len(graph.edges)}


def _copy(cursor: Any, table: str, names: Sequence[str], key: tuple[int, str],
          columns: Sequence[Sequence[Any]], geometry: Sequence[str]) -> None:
    """``COPY`` rows into ``geo_<table>``: the tile's key, ``seq`` from 0, *columns* and the
    hex EWKB *geometry*."""
    columns_sql = ", ".join(["region_id", "tile_id", "seq", *names, "geometry"])
    region_id, tile_id = key
    with cursor.copy(f"COPY {PREFIX}{table} ({columns_sql}) FROM STDIN") as copy:
        for seq, row in enumerate(zip(*columns, geometry)):
            copy.write_row((region_id, tile_id, seq, *row))


def _check_columns(frame: Any, layer: str, tile_id: str) -> None:
    """A frame's columns must all have a place in the schema (else a migration is due)."""
    extra = sorted(set(frame.columns) - set(TYPED[layer]) - {"geometry"})
    if extra:
        raise SourceError(f"tile {tile_id}'s {layer} has columns this venuefinder's PostGIS "
                          f"schema lacks ({', '.join(extra)[:120]}): load it with the "
                          "venuefinder that wrote it")


def _finite(box: Box) -> Box:
    """*box* with its infinite sides (an outer tile's) at the world's edge."""
    return tuple(v if math.isfinite(v) else w for v, w in zip(box, WORLD))  # type: ignore
