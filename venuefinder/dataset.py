"""A partitioned dataset on disk, read tile by tile: the :class:`~venuefinder.catalog.Catalog`
of a folder that ``venuefinder ingest SRC --out DIR`` wrote (:mod:`venuefinder.partition`).

The folder holds ``manifest.json`` (the tiles, the box each owns and read, the metric CRS
each was scored in, counts and the extent of what each owns), per tile
``tiles/<id>/venues.parquet``, ``places.parquet`` and ``basemap.parquet`` (GeoParquet 1.1,
WGS84, rows in Hilbert order in small row groups with a ``bbox`` covering column) and its
walking graph ``tiles/<id>/graph/``, and ``index/venue_ids.parquet``: every venue id with
its tile, sorted by id in small row groups, so that finding a venue's tile reads one row
group (the row groups' id statistics say which) rather than every venue.

Nothing here holds more than the tiles asked for: the server's memory does not grow with
the dataset (:class:`venuefinder.catalog.CatalogRegions` keeps a bounded number).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional, Sequence

import geopandas as gpd
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import shapely

from .catalog import Box, TileInfo, intersects, rank_places
from .errors import SourceError
from .routes.cache import load as load_graph

if TYPE_CHECKING:
    from .routes import WalkGraph

#: Files of the dataset.
MANIFEST = "manifest.json"
TILE_FILES = ("venues.parquet", "places.parquet", "basemap.parquet")
LAYERS = tuple(name.split(".")[0] for name in TILE_FILES)
GRAPH = "graph"
VENUE_INDEX = "index/venue_ids.parquet"
DATASET_FORMAT = "venuefinder-partitioned"
#: 2: the venue id index, each tile's extents, rows in Hilbert order.
DATASET_VERSION = 2
#: Rows per row group: a bbox (or id) filter then reads about this many rows of a file.
ROW_GROUP_ROWS = 2_000
#: Rows per row group of the venue id index (an id is found by reading one of them).
INDEX_ROW_GROUP_ROWS = 20_000
WGS84 = "EPSG:4326"
#: The GeoParquet 1.1 covering column of each layer (``xmin``, ``ymin``, ``xmax``, ``ymax``).
COVERING = "bbox"


def is_dataset_path(out: Path) -> bool:
    """Whether ``--out`` names a partitioned dataset: a path without a file suffix."""
    return out.suffix == ""


def is_dataset_source(source: str) -> bool:
    """Whether a ``--source`` names a partitioned dataset: a folder."""
    return Path(source).expanduser().is_dir()


def write_layer(frame: "gpd.GeoDataFrame", path: Path) -> None:
    """One tile's layer: GeoParquet 1.1 with the bbox covering column, rows in Hilbert
    order (near rows stay together) in row groups of :data:`ROW_GROUP_ROWS`, so a box
    filter skips most of a big tile."""
    if len(frame):
        order = frame.geometry.hilbert_distance(total_bounds=frame.total_bounds).argsort(
            kind="stable")
        frame = frame.iloc[order.to_numpy()].reset_index(drop=True)
    frame.to_parquet(path, write_covering_bbox=True, schema_version="1.1.0",
                     row_group_size=ROW_GROUP_ROWS)


def write_venue_index(folder: Path, tile_ids: Sequence[str]) -> None:
    """``index/venue_ids.parquet`` of the dataset in *folder*: every venue's id and tile
    (of these tiles, those holding venues), sorted by id (only the id columns are read, one
    tile at a time)."""
    parts = []
    for tile_id in tile_ids:
        ids = pq.read_table(folder / "tiles" / tile_id / TILE_FILES[0], columns=["id"])
        parts.append(pa.table({"id": ids["id"].cast(pa.large_string()),
                               "tile": pa.array([tile_id] * len(ids), pa.large_string())}))
    table = (pa.concat_tables(parts) if parts else
             pa.table({"id": pa.array([], pa.large_string()),
                       "tile": pa.array([], pa.large_string())}))
    (folder / VENUE_INDEX).parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table.sort_by("id"), folder / VENUE_INDEX,
                   row_group_size=INDEX_ROW_GROUP_ROWS)


def read_manifest(folder: Path) -> dict[str, Any]:
    """The manifest of the dataset in *folder*, checked.

    Raises
    ------
    SourceError
        No such folder, not a partitioned dataset, another format version, or a damaged
        manifest (one line, saying which).
    """
    if not folder.exists():
        raise SourceError(f"source not found: {folder}")
    path = folder / MANIFEST
    if not folder.is_dir() or not path.is_file():
        raise SourceError(f"{folder} is not a partitioned dataset (no {MANIFEST}; write one "
                          "with `venuefinder ingest SRC --out DIR`)")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("format") != DATASET_FORMAT:
            raise SourceError(f"{path} is not a venuefinder dataset manifest")
        if manifest.get("version") != DATASET_VERSION:
            raise SourceError(f"{folder} was written by another venuefinder (dataset version "
                              f"{manifest.get('version')!r}, this one reads "
                              f"{DATASET_VERSION}): ingest it again")
        for tile in manifest["tiles"]:
            _tile_info(tile)
            for layer in LAYERS:
                str(tile["files"][layer])
                _box(tile["extents"][layer])
        [float(v) for v in manifest["bounds"]]
    except SourceError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise SourceError(f"damaged dataset manifest {path}: {type(exc).__name__} "
                          f"{str(exc)[:120]}") from None
    return manifest


def read_dataset(folder: Path, layer: str = "venues") -> "gpd.GeoDataFrame":
    """One layer (``venues``, ``places``, ``basemap``) of a partitioned dataset, every tile
    (WGS84): for tests and tools, not the server (it holds the whole dataset)."""
    catalog = DatasetCatalog(folder)
    return catalog.read_layer(layer, [t.id for t in catalog.tiles()])


def join_tiles(frames: Sequence["gpd.GeoDataFrame"]) -> "gpd.GeoDataFrame":
    """Tiles' frames of one layer as one, as every catalog joins them (the PostGIS one too,
    so both give the same frame): the non-empty ones end to end, indexed afresh; when all
    are empty the first (its columns kept); no frames: an empty WGS84 frame."""
    full = [frame for frame in frames if len(frame)]
    if not full:
        return frames[0] if frames else gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=WGS84))
    return gpd.GeoDataFrame(pd.concat(full, ignore_index=True), geometry="geometry", crs=WGS84)


def _box(values: Optional[Sequence[Any]], infinite: bool = False) -> Optional[Box]:
    """A manifest box; an outer side (null) is infinite when *infinite*."""
    if values is None:
        return None
    if len(values) != 4:
        raise ValueError(f"a box has 4 sides, got {len(values)}")
    sides = (-math.inf, -math.inf, math.inf, math.inf)
    return tuple(float(v) if v is not None else  # type: ignore[return-value]
                 (side if infinite else math.nan) for v, side in zip(values, sides))


def _tile_info(tile: dict[str, Any]) -> TileInfo:
    return TileInfo(id=str(tile["id"]), owned=_box(tile["owned"], infinite=True),
                    read=_box(tile["read"]), crs=tile["crs"], venues=int(tile["venues"]),
                    venue_bounds=_box(tile["extents"]["venues"]))


class DatasetCatalog:
    """The :class:`~venuefinder.catalog.Catalog` of a partitioned dataset folder.

    Reads the manifest at once (so a bad folder fails at start-up, in one line) and every
    file only when a query needs it: a tile's layer, the row groups of a basemap file
    within a box, the one row group of the id index holding a venue.

    Parameters
    ----------
    folder
        The dataset (``venuefinder ingest SRC --out DIR``).

    Raises
    ------
    SourceError
        As :func:`read_manifest`.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder).expanduser()
        self.manifest = read_manifest(self.folder)
        self.name = self.folder.name
        self.source = str(self.manifest.get("source") or self.name)
        west, south, east, north = (float(v) for v in self.manifest["bounds"])
        self.bounds: Box = (west, south, east, north)
        self._entries = {str(t["id"]): t for t in self.manifest["tiles"]}
        self._tiles = [_tile_info(t) for t in self.manifest["tiles"]]

    # -- the protocol ---------------------------------------------------------------------
    def tiles(self) -> list[TileInfo]:
        """Every tile, in grid order."""
        return list(self._tiles)

    def read_venues(self, tile_ids: Sequence[str]) -> "gpd.GeoDataFrame":
        """The scored venues these tiles own (WGS84)."""
        return self.read_layer("venues", tile_ids)

    def read_places(self, tile_ids: Sequence[str]) -> "gpd.GeoDataFrame":
        """The named places these tiles own: ``name``, ``kind``, ``lat``, ``lon``, point
        geometry (WGS84)."""
        return self.read_layer("places", tile_ids)

    def read_basemap(self, box: Box) -> "gpd.GeoDataFrame":
        """Basemap features (``layer``, geometry; WGS84) whose bounding boxes intersect *box*
        (as :meth:`venuefinder.region.Region.basemap_features` selects them): of the tiles
        whose basemap reaches it, the rows the ``bbox`` covering column keeps."""
        wanted = [tid for tid, entry in self._entries.items()
                  if _reaches(entry, "basemap", box)]
        return self.read_layer("basemap", wanted, bbox=box)

    def venue_tile(self, venue_id: str) -> Optional[str]:
        """The tile owning *venue_id* (one row group of the id index is read)."""
        path = self.folder / VENUE_INDEX
        table = self._guarded(path, lambda: pq.read_table(
            path, columns=["tile"], filters=[("id", "==", venue_id)]))
        return str(table["tile"][0]) if table.num_rows else None

    def search_places(self, text: str, limit: int) -> "pd.DataFrame":
        """Places whose name contains *text* (case-insensitive), at most *limit*, prefix
        matches first then shorter names (as :meth:`venuefinder.region.Region.search_places`),
        over every tile: the names are scanned in batches, only matches kept."""
        columns = ["name", "kind", "lat", "lon"]
        needle = text.strip()
        if not needle or limit <= 0:
            return pd.DataFrame(columns=columns)
        paths = [str(self._path(tid, "places")) for tid in self._entries]
        # A first cut in Arrow (case-insensitive substring); the ordering rule is applied to
        # what it keeps.
        matches = pc.match_substring(pc.field("name"), needle, ignore_case=True)
        table = self._guarded(self.folder, lambda: pads.dataset(paths, format="parquet")
                              .to_table(columns=columns, filter=matches))
        return rank_places(table.to_pandas(), needle, limit)

    def read_graph(self, tile_id: str) -> Optional["WalkGraph"]:
        """The walking graph of the tile (its read box), None when it has none.

        Raises
        ------
        SourceError
            The manifest names a graph the folder does not hold readable.
        """
        entry = self._entry(tile_id)
        if not entry.get("graph"):
            return None
        folder = self.folder / entry["graph"]
        graph = load_graph(folder.parent, folder.name)
        if graph is None:
            raise SourceError(f"cannot read the walking graph {folder} of dataset {self.name}")
        return graph

    # -- reading --------------------------------------------------------------------------
    def read_layer(self, layer: str, tile_ids: Sequence[str],
                   bbox: Optional[Box] = None) -> "gpd.GeoDataFrame":
        """*layer* of these tiles (within *bbox*, by their covering boxes), one frame."""
        return join_tiles([self._read(self._path(tid, layer), bbox) for tid in tile_ids])

    def _entry(self, tile_id: str) -> dict[str, Any]:
        entry = self._entries.get(tile_id)
        if entry is None:
            raise SourceError(f"dataset {self.name} has no tile {tile_id!r}")
        return entry

    def _path(self, tile_id: str, layer: str) -> Path:
        return self.folder / self._entry(tile_id)["files"][layer]

    def _read(self, path: Path, bbox: Optional[Box]) -> "gpd.GeoDataFrame":
        """One GeoParquet file (only the rows whose ``bbox`` covering meets *bbox*: row
        groups whose statistics cannot are skipped), WGS84.

        Why not ``geopandas.read_parquet``: it parses the file's PROJJSON CRS each time
        (about 25 ms a file), and a dataset's files are all WGS84.
        """
        def read() -> "gpd.GeoDataFrame":
            table = pq.read_table(path, filters=None if bbox is None else _meets(bbox))
            if COVERING in table.column_names:
                table = table.drop_columns([COVERING])
            frame = table.to_pandas()
            geometry = shapely.from_wkb(frame.pop("geometry").to_numpy())
            return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometry, index=frame.index,
                                                                  crs=WGS84))

        return self._guarded(path, read)

    def _guarded(self, path: Path, read: Any) -> Any:
        """*read()*, a missing or damaged file as one :class:`SourceError` line."""
        try:
            return read()
        except FileNotFoundError:
            raise SourceError(f"dataset {self.name} lacks "
                              f"{_relative(path, self.folder)}: ingest it again") from None
        except Exception as exc:  # pyarrow/geopandas raise many types for a damaged file
            detail = " ".join(str(exc).split())[:160]
            raise SourceError(f"cannot read {_relative(path, self.folder)} of dataset "
                              f"{self.name}: {detail}") from None


def _relative(path: Path, folder: Path) -> str:
    try:
        return str(Path(path).relative_to(folder))
    except ValueError:
        return str(path)


def _meets(box: Box) -> "pc.Expression":
    """Rows whose covering box meets *box*."""
    west, south, east, north = box
    xmin, ymin, xmax, ymax = (pc.field(COVERING, side) for side in
                              ("xmin", "ymin", "xmax", "ymax"))
    return (xmin <= east) & (xmax >= west) & (ymin <= north) & (ymax >= south)


def _reaches(entry: dict[str, Any], layer: str, box: Box) -> bool:
    """Whether what the tile owns of *layer* (its extent; None: nothing) may reach *box*."""
    extent = _box(entry["extents"][layer])
    return extent is not None and intersects(extent, box)
