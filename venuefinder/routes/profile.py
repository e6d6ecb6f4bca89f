"""A route's ground in running order: its height profile, its grades, which way round it
turns, and its line in metres and in WGS84.

Grade is judged in the direction of travel over
:data:`~venuefinder.routes.graph.GRADE_WINDOW_M` of ground, on heights resampled every
:data:`RESAMPLE_M`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Optional

import numpy as np

from .graph import GRADE_WINDOW_M

if TYPE_CHECKING:
    from .graph import WalkGraph

#: Descent steeper than this (percent) is what the direction choice avoids.
STEEP_PCT = 4.0
#: Spacing of the route's height profile.
RESAMPLE_M = 5.0


@dataclass
class Profile:
    """Heights along a route in running order, resampled every :data:`RESAMPLE_M`."""

    distance: np.ndarray
    height: np.ndarray
    grade: np.ndarray  # over GRADE_WINDOW_M windows starting at each sample

    @classmethod
    def of(cls, graph: "WalkGraph", edges: np.ndarray, rev: np.ndarray) -> "Profile":
        """The profile of edges run in order (``rev``: run from ``v`` to ``u``)."""
        offsets = graph.height_offsets
        counts = np.diff(offsets)[edges]
        pos = np.repeat(np.arange(len(edges)), counts)
        k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
        c = counts[pos]
        index = offsets[edges][pos] + np.where(rev[pos], c - 1 - k, k)
        length = graph.edge_values("length_m")[edges]
        start = np.cumsum(length) - length
        distance = start[pos] + length[pos] * k / (c - 1)
        heights = graph.heights[index].astype(float)
        keep = ((k > 0) | (pos == 0)) & np.isfinite(heights)
        total = float(length.sum())
        if keep.sum() < 2 or total <= 0:
            return cls(np.zeros(0), np.zeros(0), np.zeros(0))
        grid = np.arange(0.0, total, RESAMPLE_M)
        grid = np.append(grid, total) if total - grid[-1] > 1e-6 else grid
        height = np.interp(grid, distance[keep], heights[keep])
        window = max(1, int(round(GRADE_WINDOW_M / RESAMPLE_M)))
        window = min(window, len(grid) - 1)
        grade = 100.0 * (height[window:] - height[:-window]) / (grid[window:] - grid[:-window])
        return cls(grid, height, grade)

    @property
    def has_heights(self) -> bool:
        return len(self.grade) > 0

    @property
    def steep_descent(self) -> float:
        """Descent steeper than :data:`STEEP_PCT`, weighted by how much steeper."""
        if not self.has_heights:
            return 0.0
        return float(np.maximum(-self.grade - STEEP_PCT, 0.0).sum() * RESAMPLE_M)

    @property
    def max_downhill(self) -> float:
        return float(max(0.0, -self.grade.min())) if self.has_heights else 0.0

    @property
    def p90(self) -> float:
        return float(np.percentile(np.abs(self.grade), 90)) if self.has_heights else 0.0

    @property
    def climb(self) -> float:
        return float(np.maximum(np.diff(self.height), 0).sum())

    @property
    def descent(self) -> float:
        return float(np.maximum(-np.diff(self.height), 0).sum())

    def stretches(self, steeper_than: float) -> list[dict[str, float]]:
        """Stretches whose windows descend more steeply than *steeper_than* percent:
        ``from_m``, ``to_m`` and ``grade_pct`` (the steepest window, signed: negative)."""
        steep = self.grade < -steeper_than
        if not steep.any():
            return []
        window = len(self.distance) - len(self.grade)
        out: list[dict[str, float]] = []
        for i in np.flatnonzero(steep):
            begin, end = self.distance[i], self.distance[i + window]
            if out and begin <= out[-1]["to_m"]:
                out[-1]["to_m"] = float(end)
                out[-1]["grade_pct"] = min(out[-1]["grade_pct"], float(self.grade[i]))
            else:
                out.append({"from_m": float(begin), "to_m": float(end),
                            "grade_pct": float(self.grade[i])})
        return [{"from_m": round(s["from_m"]), "to_m": round(s["to_m"]),
                 "grade_pct": round(s["grade_pct"], 1)} for s in out]


def turn(graph: "WalkGraph", circuit: tuple[np.ndarray, np.ndarray]) -> str:
    """``clockwise`` or ``anticlockwise``: the sign of the circuit's area (metric, y north)."""
    xy = metric_coords(graph, *circuit)
    if len(xy) < 3:
        return "clockwise"
    x, y = xy[:, 0], xy[:, 1]
    area = np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])
    return "anticlockwise" if area > 0 else "clockwise"


def metric_coords(graph: "WalkGraph", edges: np.ndarray, rev: np.ndarray) -> np.ndarray:
    """The polyline of a sequence of edges in running order (joints once)."""
    offsets = graph.coord_offsets
    counts = np.diff(offsets)[edges]
    pos = np.repeat(np.arange(len(edges)), counts)
    k = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    c = counts[pos]
    index = offsets[edges][pos] + np.where(rev[pos], c - 1 - k, k)
    keep = (k > 0) | (pos == 0)
    return graph.coords[index[keep]]


def heights_along(graph: "WalkGraph", edges: np.ndarray, rev: np.ndarray,
                  profile: Profile) -> Optional[np.ndarray]:
    """The profile's height at every point of :func:`metric_coords` (metres), or None
    without heights."""
    if not profile.has_heights:
        return None
    xy = metric_coords(graph, edges, rev)
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(xy, axis=0).T))])
    return np.interp(along, profile.distance, profile.height)


def wgs84_coords(graph: "WalkGraph", edges: np.ndarray, rev: np.ndarray) -> np.ndarray:
    """The polyline of :func:`metric_coords` as (lon, lat) rows."""
    from pyproj import Transformer

    key = "to_wgs84"
    if key not in graph._cache:
        graph._cache[key] = Transformer.from_crs(graph.crs, "EPSG:4326", always_xy=True)
    xy = metric_coords(graph, edges, rev)
    lon, lat = graph._cache[key].transform(xy[:, 0], xy[:, 1])
    return np.column_stack([lon, lat])
