"""Sources: the only rooms that read OSM data or rasters.

Every OSM source returns :class:`OsmData`: one GeoDataFrame of *features* in WGS84 plus the
counts of what clipping made it drop or repair. The features frame has one row per OSM
object that matters to venuefinder and these columns (``None`` where a tag is absent):

``id``
    ``"node/1"``, ``"way/2"`` or ``"relation/3"``.
``geometry``
    Point, (Multi)LineString or (Multi)Polygon in EPSG:4326.
``name``, and the tags in :data:`TAG_KEYS`
    Raw OSM tag values as strings.

``venues.py`` turns this frame into venues, roads, places and the basemap; sources never
decide what a venue is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # geopandas is slow to import; keep ``venuefinder --help`` fast
    import geopandas as gpd

#: Tags kept from OSM objects. Anything else is not used by any criterion or the map.
TAG_KEYS: tuple[str, ...] = (
    "name", "leisure", "landuse", "highway", "surface", "smoothness", "lit", "sport",
    "access", "incline", "maxspeed", "width", "area", "building", "natural", "waterway",
    "railway", "public_transport", "place", "motor_vehicle", "tracktype",
)


@dataclass
class ReadStats:
    """What a reader saw, and what clipping made it drop or repair."""

    objects: int = 0
    features: int = 0
    dropped_relations: int = 0
    dropped_ways: int = 0
    repaired_ways: int = 0
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (f"{self.features} features kept; clipping: {self.dropped_relations} incomplete "
                f"multipolygon relations dropped, {self.dropped_ways} ways dropped, "
                f"{self.repaired_ways} ways trimmed to their nodes inside the extract")


@dataclass
class OsmData:
    """Features of one region plus the reader's statistics."""

    features: "gpd.GeoDataFrame"
    stats: ReadStats
