"""Sources: the only rooms that read OSM data or rasters.

Every OSM source returns :class:`OsmData`: one GeoDataFrame of *features* in WGS84 plus the
counts of what clipping made it drop or repair. The features frame has one row per OSM
object that matters to venuefinder and these columns :

``id``
    ``"node/1"``, ``"way/2"`` or ``"relation/3"``.
``geometry``
    Point, (Multi)LineString or (Multi)Polygon in EPSG:4326.
``name``, and the tags in :data:`~venuefinder.vocabulary.TAG_KEYS`
    Raw OSM tag values, pandas ``str`` dtype (missing tags are NaN).

``venues.py`` turns this frame into venues, roads, places and the basemap; sources never
decide what a venue is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from ..vocabulary import TAG_KEYS

if TYPE_CHECKING:  # geopandas is slow to import; keep ``venuefinder --help`` fast
    import geopandas as gpd

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


def features_frame(ids: list[str], geoms: list[object],
                   tag_rows: list[dict[str, str]]) -> "gpd.GeoDataFrame":
    """Build the features frame from parallel lists.

    Parameters
    ----------
    ids
        ``"way/1"``-style ids.
    geoms
        Shapely geometries, hex WKB strings (pyosmium's), or ``(lon, lat)`` tuples for
        points; WGS84.
    tag_rows
        Per object, its tags (only :data:`TAG_KEYS` are kept).
    """
    import geopandas as gpd
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import shapely

    geometry = np.empty(len(geoms), dtype=object)
    geometry[:] = geoms
    kinds = np.fromiter((2 if isinstance(g, str) else 1 if isinstance(g, tuple) else 0
                         for g in geoms), np.int8, len(geoms))
    if (kinds == 2).any():
        # GEOS parses binary WKB three times faster than hex, and bytes.fromhex is cheap.
        geometry[kinds == 2] = shapely.from_wkb([bytes.fromhex(g) for g in geometry[kinds == 2]])
    if (kinds == 1).any():
        coords = np.array(geometry[kinds == 1].tolist(), dtype=float).reshape(-1, 2)
        geometry[kinds == 1] = shapely.points(coords)
    # Column by column through Arrow: a city's features are hundreds of thousands of rows
    # of mostly missing tags, which a row-wise frame converts ten times slower. One dtype
    # for every tag column, even one no object has (else it would be float).
    dtype = pd.StringDtype(na_value=np.nan)
    values: dict[str, list[Optional[str]]] = {key: [None] * len(tag_rows) for key in TAG_KEYS}
    for i, row in enumerate(tag_rows):
        for key, value in row.items():
            if key in values and isinstance(value, str):  # NaN: a frame's missing tag
                values[key][i] = value
    columns: dict[str, Any] = {"id": ids}
    for key in TAG_KEYS:
        columns[key] = dtype.__from_arrow__(pa.array(values[key], type=pa.large_string()))
    frame = pd.DataFrame(columns)
    frame["id"] = frame["id"].astype(dtype)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326")
