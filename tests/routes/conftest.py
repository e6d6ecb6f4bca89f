"""Hand-made maps whose routes we know: nodes at metric points (EPSG:3067, Finland), ways
with OSM tags, turned into :class:`~venuefinder.sources.walkways.Walkways` and a graph."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Callable, Optional

import numpy as np
import pandas as pd
import pytest
from affine import Affine
from pyproj import CRS as ProjCRS
from pyproj import Transformer

from venuefinder.routes.graph import WalkGraph, build_graph
from venuefinder.sources import ReadStats
from venuefinder.sources.dem import Elevation
from venuefinder.sources.walkways import TAG_KEYS, Walkways, way_role

CRS = ProjCRS.from_epsg(3067)
#: Central Helsinki in EPSG:3067; hand-made points are metres east and north of it.
X0, Y0 = 385_000.0, 6_672_000.0
_TO_WGS84 = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)


def latlon(x: float, y: float) -> tuple[float, float]:
    """WGS84 (lat, lon) of a point *x*, *y* metres east and north of (X0, Y0)."""
    lon, lat = _TO_WGS84.transform(X0 + x, Y0 + y)
    return lat, lon


class Map:
    """A hand-made OSM map. Points are metres east and north of (X0, Y0); ways get a node
    at every given point and every ``step`` metres between, and ways meet where they share
    a point (the same node)."""

    def __init__(self) -> None:
        self._ids: dict[tuple[float, float], int] = {}
        self._xy: dict[int, tuple[float, float]] = {}
        self.ways: list[tuple[int, list[int], dict[str, str]]] = []
        self.relations: list[tuple[int, list[tuple[int, str]], dict[str, str]]] = []
        self.crossings: list[tuple[int, bool]] = []
        self.node_tags: dict[int, dict[str, str]] = {}

    def node(self, x: float, y: float) -> int:
        key = (round(x, 3), round(y, 3))
        if key not in self._ids:
            self._ids[key] = len(self._ids) + 1
            self._xy[self._ids[key]] = key
        return self._ids[key]

    def way(self, points: list[tuple[float, float]], step: float = 20.0, **tags: str) -> int:
        """Add a way through *points* (a ring when the last equals the first); its id."""
        ids = [self.node(*points[0])]
        for (ax, ay), (bx, by) in zip(points[:-1], points[1:]):
            parts = max(1, math.ceil(math.hypot(bx - ax, by - ay) / step))
            for k in range(1, parts + 1):
                ids.append(self.node(ax + (bx - ax) * k / parts, ay + (by - ay) * k / parts))
        way_id = 1000 + len(self.ways)
        self.ways.append((way_id, ids, tags))
        return way_id

    def relation(self, members: list[tuple[int, str]], **tags: str) -> int:
        """Add a relation of ways ``(way id, role)`` (written by :meth:`write_osm` only);
        its id."""
        relation_id = 5000 + len(self.relations)
        self.relations.append((relation_id, members, tags))
        return relation_id

    def peak(self, x: float, y: float, ele: float) -> None:
        """Map a summit with its height (``natural=peak``, ``ele``): one of the extract's
        own heights."""
        self.node_tags[self.node(x, y)] = {"natural": "peak", "ele": f"{ele:g}"}

    def signals(self, x: float, y: float) -> None:
        """Map a crossing with lights at an existing point."""
        self.crossings.append((self._ids[(round(x, 3), round(y, 3))], True))

    def walkways(self) -> Walkways:
        rows, refs = [], []
        for way_id, ids, tags in self.ways:
            closed = len(ids) > 2 and ids[0] == ids[-1]
            role = way_role(tags, closed)
            if role is None:
                continue
            rows.append({"way_id": way_id, "role": role, "start": len(refs),
                         "stop": len(refs) + len(ids),
                         **{k: tags.get(k) for k in TAG_KEYS}})
            refs.extend(ids)
        xy = np.array([self._xy[i] for i in refs], dtype=float)
        lon, lat = _TO_WGS84.transform(X0 + xy[:, 0], Y0 + xy[:, 1])
        crossings = pd.DataFrame({"node_id": np.array([c[0] for c in self.crossings], np.int64),
                                  "signalled": np.array([c[1] for c in self.crossings], bool)})
        peaks = [(*self._xy[i], float(tags["ele"])) for i, tags in self.node_tags.items()]
        peak_xy = np.array(peaks, dtype=float).reshape(-1, 3)
        peak_lon, peak_lat = _TO_WGS84.transform(X0 + peak_xy[:, 0], Y0 + peak_xy[:, 1])
        return Walkways(ways=pd.DataFrame(rows), node_ids=np.array(refs, dtype=np.int64),
                        lon=np.asarray(lon), lat=np.asarray(lat), crossings=crossings,
                        stats=ReadStats(features=len(rows)),
                        heights=np.column_stack([peak_lon, peak_lat, peak_xy[:, 2]]))

    def write_osm(self, path: Path) -> Path:
        """The map as an OSM XML file (WGS84), for the extract reader."""
        from xml.sax.saxutils import quoteattr

        lines = ["<?xml version='1.0' encoding='UTF-8'?>", '<osm version="0.6">']
        for node_id, (x, y) in self._xy.items():
            lat, lon = latlon(x, y)
            tags = "".join(f"<tag k={quoteattr(k)} v={quoteattr(v)}/>"
                           for k, v in self.node_tags.get(node_id, {}).items())
            lines.append(f'  <node id="{node_id}" lat="{lat:.8f}" lon="{lon:.8f}" '
                         f'version="1">{tags}</node>')
        for way_id, ids, tags in self.ways:
            lines.append(f'  <way id="{way_id}" version="1">')
            lines += [f'    <nd ref="{i}"/>' for i in ids]
            lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
            lines.append("  </way>")
        for relation_id, members, tags in self.relations:
            lines.append(f'  <relation id="{relation_id}" version="1">')
            lines += [f'    <member type="way" ref="{ref}" role="{role}"/>'
                      for ref, role in members]
            lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
            lines.append("  </relation>")
        lines.append("</osm>")
        path.write_text("\n".join(lines), encoding="utf-8")
        return path

    def graph(self, dem: Optional[Elevation] = None) -> WalkGraph:
        return build_graph(self.walkways(), CRS, dem, "hand-made")


def dem_of(height: Callable[[np.ndarray, np.ndarray], np.ndarray],
           extent: tuple[float, float, float, float] = (-800, -800, 800, 800),
           pixel: float = 2.0) -> Elevation:
    """A DEM in EPSG:3067 (a projected CRS) with ``height(x, y)`` at pixel centres, x and y
    in metres from (X0, Y0)."""
    west, south, east, north = extent
    cols, rows = int((east - west) / pixel), int((north - south) / pixel)
    x = west + (np.arange(cols) + 0.5) * pixel
    y = north - (np.arange(rows) + 0.5) * pixel
    grid_x, grid_y = np.meshgrid(x, y)
    transform = Affine.translation(X0 + west, Y0 + north) @ Affine.scale(pixel, -pixel)
    return Elevation(heights=height(grid_x, grid_y).astype(np.float32), transform=transform,
                     crs=CRS, source="hand-made DEM")


def diamond(angle_deg: float, near: float = 230.0, far: float = 420.0,
            spread_deg: float = 35.0) -> list[tuple[float, float]]:
    """A closed diamond from the origin out towards *angle_deg* (0 = east) and back."""
    def at(r: float, a: float) -> tuple[float, float]:
        return (r * math.cos(math.radians(a)), r * math.sin(math.radians(a)))

    return [(0.0, 0.0), at(near, angle_deg + spread_deg), at(far, angle_deg),
            at(near, angle_deg - spread_deg), (0.0, 0.0)]


def perimeter(points: list[tuple[float, float]]) -> float:
    return sum(math.dist(a, b) for a, b in zip(points[:-1], points[1:]))


@pytest.fixture
def make_map() -> Callable[[], Map]:
    return Map
