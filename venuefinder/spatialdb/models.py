"""The PostGIS schema of loaded regions, as SQLAlchemy Core tables (GeoAlchemy2 geometry).

The Alembic migrations in ``migrations/`` create it (:func:`venuefinder.spatialdb.db.upgrade`);
these tables describe it for the loader and the catalog, and a test checks the two agree.
Every table is named ``geo_…``, so the hazard and session store (:mod:`venuefinder.store`,
its own Alembic history and version table) may live in the same database.

One region (a partitioned dataset, loaded under a name) is a :data:`regions` row; every
other row hangs from one of its tiles, keyed ``(region_id, tile_id, seq)``: ``seq`` is the
row's place in its tile's frame, so a tile reads back in the order it was written. Deleting
the region row deletes the rest (``ON DELETE CASCADE``).

Geometry is WGS84 (SRID 4326) but for the walking graph's edges and spot heights, which
keep the tile's metric CRS (the graph's own coordinates, exactly: routing measures in them),
with the graph's SRID. Every geometry has a GiST index.

How a frame comes back with its own dtypes: each tile keeps, per frame, its Arrow schema
(``*_schema``, :mod:`venuefinder.spatialdb.frames`). Venue attributes depend on the
criteria (``score_<criterion>``, ``reason_<criterion>``…), so they live in one JSONB
document per venue (``attrs``); the other frames' columns are fixed by their code and are
typed columns here (:data:`TYPED`).
"""

from __future__ import annotations

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger, Boolean, Column, DateTime, Double, ForeignKeyConstraint, Index, Integer,
    LargeBinary, MetaData, PrimaryKeyConstraint, REAL, Table, Text, func,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB

#: Every table's name starts so: what this package owns in a shared database.
PREFIX = "geo_"
#: Alembic's version table of this schema (the store keeps ``alembic_version``).
VERSION_TABLE = "spatialdb_version"
#: WGS84.
SRID = 4326

metadata = MetaData(naming_convention={
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def _geometry(kind: str, srid: int = SRID) -> Geometry:
    # The GiST index is declared with the table (below), where a test can see it.
    return Geometry(kind, srid=srid, spatial_index=False)


def _gist(table: str) -> Index:
    return Index(f"ix_{table}_geometry", "geometry", postgresql_using="gist")


def _tile_key(parent: str = "geo_tiles") -> tuple:
    """The key columns of a row of a tile, its primary key and its tile's foreign key."""
    return (Column("region_id", Integer, nullable=False),
            Column("tile_id", Text, nullable=False),
            Column("seq", Integer, nullable=False),
            PrimaryKeyConstraint("region_id", "tile_id", "seq"),
            ForeignKeyConstraint(["region_id", "tile_id"],
                                 [f"{parent}.region_id", f"{parent}.tile_id"],
                                 ondelete="CASCADE"))


regions = Table(
    "geo_regions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    # The dataset's manifest.json as it was loaded (bounds, tiles, counts, halo).
    Column("manifest", JSONB, nullable=False),
    # The extract's bounds (the manifest holds the exact numbers).
    Column("geometry", _geometry("POLYGON"), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False, server_default=func.now()),
    _gist("geo_regions"),
)

tiles = Table(
    "geo_tiles", metadata,
    Column("region_id", Integer, nullable=False),
    Column("tile_id", Text, nullable=False),
    # Grid order: tiles() and every multi-tile read follow it.
    Column("seq", Integer, nullable=False),
    # (west, south, east, north); an outer side of the owned box is ±Infinity.
    Column("owned", ARRAY(Double), nullable=False),
    Column("read", ARRAY(Double), nullable=False),
    Column("crs", Text),
    Column("venues", Integer, nullable=False),
    # The box its venues lie in (null: it owns none).
    Column("venue_bounds", ARRAY(Double)),
    # The owned box, cut to the globe.
    Column("geometry", _geometry("POLYGON"), nullable=False),
    Column("venues_schema", LargeBinary, nullable=False),
    Column("places_schema", LargeBinary, nullable=False),
    Column("basemap_schema", LargeBinary, nullable=False),
    PrimaryKeyConstraint("region_id", "tile_id"),
    ForeignKeyConstraint(["region_id"], ["geo_regions.id"], ondelete="CASCADE"),
    Index("ix_geo_tiles_region_id_seq", "region_id", "seq", unique=True),
    _gist("geo_tiles"),
)

venues = Table(
    "geo_venues", metadata,
    Column("region_id", Integer, nullable=False),
    Column("tile_id", Text, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("id", Text, nullable=False),
    # Every other column ``ingest`` writes, by name (null ones left out; see frames).
    Column("attrs", JSONB, nullable=False),
    Column("geometry", _geometry("GEOMETRY"), nullable=False),
    # A venue id is one venue in a region: the key venue_tile() reads by.
    PrimaryKeyConstraint("region_id", "id"),
    ForeignKeyConstraint(["region_id", "tile_id"], ["geo_tiles.region_id", "geo_tiles.tile_id"],
                         ondelete="CASCADE"),
    Index("ix_geo_venues_region_id_tile_id_seq", "region_id", "tile_id", "seq", unique=True),
    _gist("geo_venues"),
)

places = Table(
    "geo_places", metadata,
    *_tile_key(),
    Column("name", Text),
    Column("kind", Text),
    Column("lat", Double),
    Column("lon", Double),
    Column("geometry", _geometry("POINT"), nullable=False),
    _gist("geo_places"),
)

basemap = Table(
    "geo_basemap", metadata,
    *_tile_key(),
    Column("layer", Text),
    Column("geometry", _geometry("GEOMETRY"), nullable=False),
    _gist("geo_basemap"),
)

graphs = Table(
    "geo_graphs", metadata,
    Column("region_id", Integer, nullable=False),
    Column("tile_id", Text, nullable=False),
    # The graph's metric CRS (WKT, as the routes cache keeps it) and its EPSG code, the
    # SRID of its edges and spot heights (0: none).
    Column("crs", Text, nullable=False),
    Column("srid", Integer, nullable=False),
    # WalkGraph.info as JSON text (as the routes cache's meta.json).
    Column("info", Text, nullable=False),
    Column("nodes_schema", LargeBinary, nullable=False),
    Column("edges_schema", LargeBinary, nullable=False),
    PrimaryKeyConstraint("region_id", "tile_id"),
    ForeignKeyConstraint(["region_id", "tile_id"], ["geo_tiles.region_id", "geo_tiles.tile_id"],
                         ondelete="CASCADE"),
)

nodes = Table(
    "geo_nodes", metadata,
    *_tile_key("geo_graphs"),
    Column("osm_id", BigInteger),
    Column("x", Double),
    Column("y", Double),
    Column("lon", Double),
    Column("lat", Double),
    Column("crossing_class", Text),
    Column("crossing_name", Text),
    Column("signalled", Boolean),
    Column("geometry", _geometry("POINT"), nullable=False),
    _gist("geo_nodes"),
)

edges = Table(
    "geo_edges", metadata,
    *_tile_key("geo_graphs"),
    Column("u", BigInteger),
    Column("v", BigInteger),
    Column("way_id", BigInteger),
    *(Column(name, Text) for name in ("kind", "highway", "name", "surface", "smoothness", "lit",
                                      "footway")),
    Column("width_m", Double),
    Column("loop_ok", Boolean),
    Column("walk_ok", Boolean),
    Column("road_class", Text),
    Column("street", Text),
    *(Column(name, Double) for name in ("length_m", "surface_score", "grade_pct",
                                        "max_grade_pct", "min_grade_pct", "busy_share",
                                        "road_share")),
    Column("near_road", Text),
    Column("near_road_class", Text),
    # The height profile from u to v (WalkGraph.heights of the edge; NaN: no DEM there).
    Column("heights", ARRAY(REAL), nullable=False),
    # The polyline from u to v in the graph's metric CRS (SRID geo_graphs.srid).
    Column("geometry", _geometry("LINESTRING", -1), nullable=False),
    _gist("geo_edges"),
)

spot_heights = Table(
    "geo_spot_heights", metadata,
    *_tile_key("geo_graphs"),
    # Metric x, y and the height in metres (WalkGraph.spot_heights), SRID geo_graphs.srid.
    Column("geometry", _geometry("POINTZ", -1), nullable=False),
    _gist("geo_spot_heights"),
)

#: The frames stored in typed columns: table, and the columns that are not its key or
#: geometry (a frame column outside them needs a migration).
TYPED = {name: [c.name for c in table.columns
                if c.name not in ("region_id", "tile_id", "seq", "geometry", "heights")]
         for name, table in (("places", places), ("basemap", basemap), ("nodes", nodes),
                             ("edges", edges))}
