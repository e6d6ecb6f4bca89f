"""What a served region is read from when it is too big to hold whole: a tiled *catalog*.

A partitioned dataset (``venuefinder ingest SRC --out DIR``, :mod:`venuefinder.dataset`) and
a PostGIS database it was loaded into (``venuefinder load DIR --db URL``,
:mod:`venuefinder.spatialdb`) answer the same questions, through this one protocol, so the
server and the CLI read only the tiles a query needs and their memory does not grow with the
dataset.

A tile *owns* a box: every venue, place and basemap feature is stored by exactly one tile
(the one holding its representative point, :func:`venuefinder.partition.owner`); its walking
graph covers what the tile read (its owned box and a halo around it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional, Protocol, Sequence

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

    from .routes import WalkGraph

#: (west, south, east, north), WGS84 degrees.
Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class TileInfo:
    """One tile of a catalog.

    Attributes
    ----------
    id
        ``r<row>c<col>``.
    owned
        The box it owns; an outer side is ``-inf``/``inf`` (it owns all beyond the grid).
    read
        The box it read (owned box and halo): what its walking graph covers.
    crs
        The metric CRS it was scored in (a UTM zone, e.g. ``EPSG:32635``); None for a tile
        that holds nothing.
    venues
        How many venues it owns.
    """

    id: str
    owned: Box
    read: Box
    crs: Optional[str]
    venues: int


class Catalog(Protocol):
    """A tiled, scored region on disk or in a database (see the module)."""

    #: Where it was read from, for ``info`` and messages (a folder name, a database name).
    name: str
    #: The extract's bounds (WGS84).
    bounds: Box

    def tiles(self) -> list[TileInfo]:
        """Every tile, in grid order."""

    def read_venues(self, tile_ids: Sequence[str]) -> "gpd.GeoDataFrame":
        """The scored venues these tiles own (WGS84), in the columns ``ingest`` writes."""

    def read_places(self, tile_ids: Sequence[str]) -> "gpd.GeoDataFrame":
        """The named places these tiles own: ``name``, ``kind``, ``lat``, ``lon``, point
        geometry (WGS84)."""

    def read_basemap(self, box: Box) -> "gpd.GeoDataFrame":
        """Basemap features (``layer``, geometry; WGS84) that intersect *box*."""

    def venue_tile(self, venue_id: str) -> Optional[str]:
        """The id of the tile owning *venue_id*; None when no tile has it."""

    def search_places(self, text: str, limit: int) -> "pd.DataFrame":
        """Places whose name contains *text* (case-insensitive), at most *limit*, over every
        tile: ``name``, ``kind``, ``lat``, ``lon``."""

    def read_graph(self, tile_id: str) -> Optional["WalkGraph"]:
        """The walking graph of the tile (its read box), None when it has none."""
