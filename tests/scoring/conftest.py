"""Hand-built venues and roads in a metric CRS (EPSG:3067, Finland) whose answers we know."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import LineString, box

from venuefinder.config import Settings
from venuefinder.scoring import ScoringContext
from venuefinder.venues import VENUE_COLUMNS

CRS = "EPSG:3067"
X0, Y0 = 385_000.0, 6_672_000.0


def make_venues(*rows: dict) -> gpd.GeoDataFrame:
    """Venue rows with every schema column; geometry in EPSG:3067."""
    records = []
    for i, row in enumerate(rows):
        record = {c: None for c in VENUE_COLUMNS}
        record.update({"id": f"way/{i + 1}", "kind": "pitch", "area_m2": 10_000.0})
        record.update(row)
        records.append(record)
    return gpd.GeoDataFrame(records, geometry="geometry", crs=CRS)


def make_roads(*rows: dict) -> gpd.GeoDataFrame:
    """Motor roads (``name``, ``road_class``, ``maxspeed_kmh``, ``geometry``) in EPSG:3067."""
    records = [{"id": f"way/{100 + i}", "name": None, "highway": r.get("road_class"),
                "maxspeed_kmh": np.nan, **r} for i, r in enumerate(rows)]
    if not records:
        return gpd.GeoDataFrame({"id": [], "name": [], "highway": [], "road_class": [],
                                 "maxspeed_kmh": []}, geometry=[], crs=CRS)
    return gpd.GeoDataFrame(records, geometry="geometry", crs=CRS)


def field_square(size: float = 100.0, dx: float = 0.0) -> object:
    """A square field with its east edge at X0 + dx + size."""
    return box(X0 + dx, Y0, X0 + dx + size, Y0 + size)


def road_east_of_field(distance: float, size: float = 100.0) -> LineString:
    """A north-south road *distance* metres east of :func:`field_square`'s east edge."""
    x = X0 + size + distance
    return LineString([(x, Y0 - 500), (x, Y0 + 500)])


@pytest.fixture
def context_for():
    def build(roads: gpd.GeoDataFrame | None = None, **settings) -> ScoringContext:
        return ScoringContext(crs=CRS, roads=make_roads() if roads is None else roads,
                              settings=Settings(**settings))
    return build
