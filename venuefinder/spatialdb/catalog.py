"""A region loaded into PostGIS, answering as its dataset did: :class:`PostgisCatalog`."""

from __future__ import annotations

import json
from contextlib import contextmanager
from typing import Any, Iterator, Optional, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
from pyproj import CRS
from sqlalchemy import Connection
from sqlalchemy import text as sql

from ..catalog import PLACE_COLUMNS, Box, TileInfo, rank_places
from ..dataset import WGS84, join_tiles
from ..errors import SourceError
from ..routes import WalkGraph
from . import bulk, frames
from .db import database_errors, engine_for, parse_url, schema_revision
from .models import PREFIX, SRID, TYPED

#: Most regions a message lists by name.
NAMES_SHOWN = 5
#: A tile's rows (psycopg placeholders).
_OF_TILE = "WHERE region_id = %(region)s AND tile_id = %(tile)s"
#: A tile's graph arrays, packed (:func:`.bulk.packed`): per edge its seq and how many
#: points and heights it has, its polyline's points (a 2D LINESTRING's WKB past its 9 bytes
#: of header: x, y doubles) and its heights (:func:`.bulk.real_values`); per spot height
#: its seq and x, y, z.
GRAPH_ARRAYS = f"""SELECT * FROM
    (SELECT string_agg(int4send(seq) || int4send(ST_NPoints(geometry))
                       || int4send(cardinality(heights)), ''::bytea),
            string_agg(substring(ST_AsBinary(geometry, 'NDR') FROM 10), ''::bytea),
            string_agg(substring(array_send(heights) FROM 21), ''::bytea)
     FROM {PREFIX}edges {_OF_TILE}) AS e,
    (SELECT string_agg(int4send(seq), ''::bytea),
            string_agg(float8send(ST_X(geometry)) || float8send(ST_Y(geometry))
                       || float8send(ST_Z(geometry)), ''::bytea)
     FROM {PREFIX}spot_heights {_OF_TILE}) AS s"""


class PostgisCatalog:
    """The :class:`~venuefinder.catalog.Catalog` of a region in a PostGIS database.

    Every call reads in one ``REPEATABLE READ``, read-only transaction and finds the region
    by its name there: while ``venuefinder load`` replaces it, a call sees the old region
    or the new one, whole. Any number of catalogs (app servers) may read one database.

    Parameters
    ----------
    url
        ``postgresql://…`` or ``postgresql+psycopg://…`` (psycopg 3); ``?region=NAME``
        picks the region, needed only when the database holds several.

    Attributes
    ----------
    name
        The region's name.
    source
        The extract the region was ingested from (its file name).
    bounds
        The extract's bounds, as loaded when the catalog was opened.

    Raises
    ------
    InputError
        A malformed or non-PostgreSQL URL.
    SourceError
        The database cannot be reached, holds no region (or not the one named, or several
        and none named): one line.
    """

    def __init__(self, url: str) -> None:
        self._target = parse_url(url)
        self._engine = engine_for(self._target)
        self.name = self._target.region or ""
        try:
            with self._read(resolve=False) as (connection, _):
                self.name = self._pick(connection)
                manifest = connection.scalar(
                    sql(f"SELECT manifest FROM {PREFIX}regions WHERE name = :name"),
                    {"name": self.name})
        except Exception:
            self._engine.dispose()
            raise
        west, south, east, north = (float(v) for v in manifest["bounds"])
        self.bounds: Box = (west, south, east, north)
        self.source = str(manifest.get("source") or self.name)

    def close(self) -> None:
        """Close the catalog's database connections."""
        self._engine.dispose()

    # -- the protocol ---------------------------------------------------------------------
    def tiles(self) -> list[TileInfo]:
        """Every tile, in grid order."""
        with self._read() as (connection, region):
            rows = connection.execute(sql(
                f"SELECT tile_id, owned, read, crs, venues, venue_bounds FROM {PREFIX}tiles "
                "WHERE region_id = :region ORDER BY seq"), {"region": region}).all()
        return [TileInfo(id=r.tile_id, owned=tuple(r.owned), read=tuple(r.read), crs=r.crs,
                         venues=r.venues,
                         venue_bounds=None if r.venue_bounds is None else tuple(r.venue_bounds))
                for r in rows]

    def read_venues(self, tile_ids: Sequence[str]) -> gpd.GeoDataFrame:
        """The scored venues these tiles own (WGS84), in the columns ``ingest`` writes."""
        def tile_frame(schema: bytes, rows: dict[str, list[Any]]) -> gpd.GeoDataFrame:
            columns = frames.json_columns(rows["attrs"], schema, ("id", "geometry"))
            columns["id"] = rows["id"]
            return frames.rebuild(schema, columns, len(rows["id"]), rows["wkb"])

        return self._read_tiles(tile_ids, "venues", "id, attrs", tile_frame)

    def read_places(self, tile_ids: Sequence[str]) -> gpd.GeoDataFrame:
        """The named places these tiles own: ``name``, ``kind``, ``lat``, ``lon``, point
        geometry (WGS84)."""
        return self._read_tiles(tile_ids, "places", ", ".join(TYPED["places"]),
                                self._typed_frame("places"))

    def read_basemap(self, box: Box) -> gpd.GeoDataFrame:
        """Basemap features (``layer``, geometry; WGS84) whose bounding boxes intersect *box*
        (as the dataset's ``bbox`` covering and :meth:`venuefinder.region.Region.
        basemap_features` select them): the GiST index finds them (its boxes are rounded
        outwards), the exact extents keep them."""
        west, south, east, north = (max(min(v, limit), -limit)
                                    for v, limit in zip(box, (180.0, 90.0, 180.0, 90.0)))
        envelope = f"ST_MakeEnvelope(%(w)s, %(s)s, %(e)s, %(n)s, {SRID})"
        with self._read() as (connection, region):
            # No join to the tiles nor ORDER BY here: the planner, misjudging how many
            # features the exact extents keep, nested-looped and sorted on disk.
            found = _fetch(connection, (
                f"SELECT tile_id, seq, {', '.join(TYPED['basemap'])}, "
                f"ST_AsBinary(geometry) AS wkb FROM {PREFIX}basemap "
                f"WHERE region_id = %(region)s AND geometry && {envelope} "
                "AND ST_XMin(geometry) <= %(e)s AND ST_XMax(geometry) >= %(w)s "
                "AND ST_YMin(geometry) <= %(n)s AND ST_YMax(geometry) >= %(s)s"),
                {"region": region, "w": west, "s": south, "e": east, "n": north})
            schemas = self._schemas(connection, region, sorted(set(found["tile_id"])),
                                    "basemap")
        groups = _by_tile(found, list(schemas))
        build = self._typed_frame("basemap")
        parts = [build(schemas[tile_id], group) for tile_id, group in groups]
        if not parts:
            return gpd.GeoDataFrame({"layer": pd.Series([], dtype=str)},
                                    geometry=gpd.GeoSeries([], crs=WGS84))
        return join_tiles(parts)

    def venue_tile(self, venue_id: str) -> Optional[str]:
        """The id of the tile owning *venue_id*; None when no tile has it."""
        with self._read() as (connection, region):
            return connection.scalar(sql(
                f"SELECT tile_id FROM {PREFIX}venues WHERE region_id = :region AND id = :id"),
                {"region": region, "id": venue_id})

    def search_places(self, text: str, limit: int) -> pd.DataFrame:
        """Places whose name contains the text (case-insensitive, ``ILIKE``), at most
        *limit*, prefix matches first, then shorter names, then in tile and row order:
        :func:`venuefinder.catalog.rank_places`, over every tile."""
        needle = text.strip()
        if not needle or limit <= 0:
            return pd.DataFrame(columns=PLACE_COLUMNS)
        pattern = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._read() as (connection, region):
            rows = connection.execute(sql(
                f"SELECT p.name, p.kind, p.lat, p.lon FROM {PREFIX}places p "
                f"JOIN {PREFIX}tiles t USING (region_id, tile_id) "
                "WHERE p.region_id = :region AND p.name ILIKE :inside "
                "ORDER BY p.name ILIKE :prefix DESC, char_length(p.name), t.seq, p.seq "
                "LIMIT :limit"),
                {"region": region, "inside": f"%{pattern}%", "prefix": f"{pattern}%",
                 "limit": limit}).all()
        return rank_places(pd.DataFrame([tuple(r) for r in rows], columns=PLACE_COLUMNS),
                           needle, limit)

    def read_graph(self, tile_id: str) -> Optional[WalkGraph]:
        """The walking graph of the tile (its read box), None when it has none.

        The rows come as columns (:mod:`.bulk`): nodes and edges through ``COPY`` into
        Arrow, the edges' polylines and height profiles and the spot heights packed into
        a few ``bytea`` values (the bytes of their doubles and floats) on the server.
        """
        with self._read() as (connection, region):
            key = {"region": region, "tile": tile_id}
            self._schemas(connection, region, [tile_id], "venues")
            meta = connection.execute(sql(
                f"SELECT crs, info, nodes_schema, edges_schema FROM {PREFIX}graphs "
                "WHERE region_id = :region AND tile_id = :tile"), key).one_or_none()
            if meta is None:
                return None
            with connection.connection.dbapi_connection.cursor() as cursor:
                nodes, edges = (self._graph_rows(cursor, layer, schema, key)
                                for layer, schema in (("nodes", meta.nodes_schema),
                                                      ("edges", meta.edges_schema)))
                packed = bulk.packed(cursor, GRAPH_ARRAYS, key)
        edge_counts, coords, profiles, spot_seq, spots = packed
        order, points, lengths = bulk.numbers(edge_counts, ">i4", "edges", 3).T
        counts, coords = bulk.parts_in_order(order, points,
                                             bulk.numbers(coords, "<f8", "polylines", 2))
        sizes, heights = bulk.parts_in_order(order, lengths, bulk.real_values(profiles))
        spot_heights = bulk.in_order(bulk.numbers(spot_seq, ">i4", "spot heights"),
                                     bulk.numbers(spots, ">f8", "spot heights", 3))
        return WalkGraph(
            crs=CRS.from_user_input(meta.crs),
            nodes=nodes, edges=edges,
            coords=coords, coord_offsets=bulk.offsets(counts),
            heights=heights, height_offsets=bulk.offsets(sizes),
            spot_heights=spot_heights,
            info=json.loads(meta.info))

    # -- reading --------------------------------------------------------------------------
    @contextmanager
    def _read(self, resolve: bool = True) -> Iterator[tuple[Connection, int]]:
        """A read-only snapshot transaction, and the region's id in it (with *resolve*;
        else 0)."""
        with database_errors(self._target), self._engine.connect() as connection:
            connection.execution_options(isolation_level="REPEATABLE READ",
                                         postgresql_readonly=True)
            with connection.begin():
                yield connection, self._region_id(connection) if resolve else 0

    @staticmethod
    def _graph_rows(cursor: Any, layer: str, schema: bytes, key: dict[str, Any]) -> pd.DataFrame:
        """A tile's ``nodes`` or ``edges`` frame (:func:`.bulk.copy_columns`)."""
        types = frames.types(schema, TYPED[layer])
        table = bulk.rows_in_order(bulk.copy_columns(
            cursor, f"SELECT seq, {', '.join(types)} FROM {PREFIX}{layer} {_OF_TILE}", key,
            {"seq": pa.int32(), **types}))
        return frames.rebuild(schema, {name: table.column(name) for name in types},
                              table.num_rows)

    def _pick(self, connection: Connection) -> str:
        """The region this catalog serves: the one named, else the only one."""
        where = f"in the PostGIS database {self._target.shown}"
        names = [] if schema_revision(connection) is None else connection.scalars(
            sql(f"SELECT name FROM {PREFIX}regions ORDER BY name")).all()
        if not names:
            raise SourceError(f"no region is loaded {where}: load one with "
                              "`venuefinder load DIR --db URL`")
        listed = ", ".join(names[:NAMES_SHOWN]) + (", …" if len(names) > NAMES_SHOWN else "")
        if self._target.region is not None:
            if self._target.region not in names:
                raise SourceError(f"no region {self._target.region!r} {where} (it holds "
                                  f"{listed})")
            return self._target.region
        if len(names) > 1:
            raise SourceError(f"several regions are loaded {where} ({listed}): name one with "
                              "?region=NAME in the URL")
        return names[0]

    def _region_id(self, connection: Connection) -> int:
        found = connection.scalar(sql(f"SELECT id FROM {PREFIX}regions WHERE name = :name"),
                                  {"name": self.name})
        if found is None:
            raise SourceError(f"region {self.name!r} is no longer in the PostGIS database "
                              f"{self._target.shown}")
        return found

    def _schemas(self, connection: Connection, region: int, tile_ids: Sequence[str],
                 layer: str) -> dict[str, bytes]:
        """The tiles' schemas of *layer* by tile id, in grid order, or :class:`SourceError`
        naming a tile the region lacks."""
        found = dict(connection.execute(sql(
            f"SELECT tile_id, {layer}_schema FROM {PREFIX}tiles "
            "WHERE region_id = :region AND tile_id = ANY(:tiles) ORDER BY seq"),
            {"region": region, "tiles": list(tile_ids)}).all())
        missing = [t for t in tile_ids if t not in found]
        if missing:
            raise SourceError(f"region {self.name} has no tile {missing[0]!r}")
        return found

    def _read_tiles(self, tile_ids: Sequence[str], layer: str, columns: str,
                    tile_frame: Any) -> gpd.GeoDataFrame:
        """*layer*'s rows of these tiles, each tile's as its own frame (*tile_frame(schema,
        rows)*), joined as the dataset joins them."""
        tile_ids = list(tile_ids)
        with self._read() as (connection, region):
            schemas = self._schemas(connection, region, tile_ids, layer)
            found = _fetch(connection, (
                f"SELECT tile_id, seq, {columns}, ST_AsBinary(geometry) AS wkb "
                f"FROM {PREFIX}{layer} WHERE region_id = %(region)s AND tile_id = ANY(%(tiles)s)"),
                {"region": region, "tiles": tile_ids})
        by_tile = dict(_by_tile(found, tile_ids))
        empty = {name: [] for name in found}
        return join_tiles([tile_frame(schemas[t], by_tile.get(t, empty)) for t in tile_ids])

    @staticmethod
    def _typed_frame(layer: str) -> Any:
        """Builds one tile's frame of *layer* from rows of its typed columns and ``wkb``."""
        def build(schema: bytes, rows: dict[str, list[Any]]) -> gpd.GeoDataFrame:
            return frames.rebuild(schema, rows, len(rows["wkb"]), rows["wkb"])
        return build


def _fetch(connection: Connection, query: str, params: dict[str, Any]) -> dict[str, list[Any]]:
    """The rows of *query* (psycopg placeholders) as columns by name, for a few thousand
    rows (a graph's many go through :mod:`.bulk`). Fetched in binary: floats are parsed in
    C, not from text; ask for a geometry's WKB (``ST_AsBinary``: no SRID inside, which
    shapely would keep on every shape, and taking it off copies each)."""
    with connection.connection.dbapi_connection.cursor(binary=True) as cursor:
        cursor.execute(query, params)
        names = [column.name for column in cursor.description]
        rows = cursor.fetchall()
    return {name: list(values) for name, values in zip(names, zip(*rows))} if rows else \
        {name: [] for name in names}


def _by_tile(columns: dict[str, list[Any]],
             tile_ids: Sequence[str]) -> list[tuple[str, dict[str, list[Any]]]]:
    """Rows (columns by name, ``tile_id`` and ``seq`` among them) cut into each tile's, in
    the order of *tile_ids*, each tile's in ``seq`` order; tiles without rows left out."""
    rank = {tile_id: i for i, tile_id in enumerate(tile_ids)}
    keys = np.fromiter((rank[t] for t in columns["tile_id"]), dtype=np.int64,
                       count=len(columns["tile_id"]))
    order = np.lexsort((np.asarray(columns["seq"], dtype=np.int64), keys))
    parts = np.split(order, np.flatnonzero(np.diff(keys[order])) + 1) if len(order) else []
    return [(tile_ids[keys[part[0]]], {name: [values[i] for i in part]
                                       for name, values in columns.items()})
            for part in parts]
