"""The room criterion's longest-run algorithm against exact answers, and its speed.

Exact answers: rectangles (any angle: the diagonal of the rectangle shrunk by the margin),
an annulus (the chord tangent to the grown inner circle: 2·sqrt(R'² − r'²)); for L-shapes
and rectangles with a hole, a brute-force reference: every pair of points sampled every
0.25 m along the boundary of the same shrunk shape whose segment lies inside it.

    .venv/bin/python bench/room_accuracy.py
"""

from __future__ import annotations

import math
import time

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import Point, Polygon, box

from venuefinder.scoring.room import MARGIN_M, longest_straight_run, shrink


def brute_force(shape: object, step: float = 0.25) -> float:
    shrunk = shrink(np.array([shape]))[0]
    rings = [shrunk.exterior, *shrunk.interiors]
    points = np.concatenate([shapely.get_coordinates(
        shapely.segmentize(ring, step)) for ring in rings])
    points = np.unique(points, axis=0)
    a, b = np.triu_indices(len(points), k=1)
    length = np.hypot(*(points[b] - points[a]).T)
    order = np.argsort(-length)
    shapely.prepare(shrunk)
    for lo in range(0, len(order), 200_000):  # longest first: stop at the first inside
        chunk = order[lo:lo + 200_000]
        inside = shapely.covers(shrunk, shapely.linestrings(
            np.stack([points[a[chunk]], points[b[chunk]]], axis=1)))
        if inside.any():
            return float(length[chunk[np.argmax(inside)]])
    return 0.0


def cases() -> list[tuple[str, object, float]]:
    found = []
    for length, width in ((105, 68), (60, 40), (36, 18), (60, 6), (400, 8)):
        for angle in (0, 17, 45, 73):
            shape = affinity.rotate(box(0, 0, length, width), angle, origin=(0, 0))
            found.append((f"rectangle {length}x{width} at {angle} deg", shape,
                          math.hypot(length - 2 * MARGIN_M, width - 2 * MARGIN_M)))
    for outer, inner in ((50, 20), (80, 30)):
        ring = Point(0, 0).buffer(outer, 128).difference(Point(0, 0).buffer(inner, 128))
        found.append((f"annulus {outer}/{inner} m", ring,
                      2 * math.sqrt((outer - MARGIN_M) ** 2 - (inner + MARGIN_M) ** 2)))
    l_shape = Polygon([(0, 0), (100, 0), (100, 20), (20, 20), (20, 100), (0, 100)])
    wide_l = Polygon([(0, 0), (120, 0), (120, 50), (50, 50), (50, 90), (0, 90)])
    holed = box(0, 0, 100, 60).difference(box(40, 20, 60, 40))
    off_hole = box(0, 0, 120, 80).difference(box(70, 50, 90, 65))
    for name, shape in (("L-shape 100/20", l_shape), ("L-shape 120x90/50", wide_l),
                        ("rectangle with a central hole", holed),
                        ("rectangle with an off-centre hole", off_hole)):
        found.append((name, shape, brute_force(shape)))
    return found


def main() -> None:
    errors = []
    print(f"{'shape':<36} {'exact':>8} {'found':>8} {'error':>8}")
    for name, shape, exact in cases():
        got = float(longest_straight_run(np.array([shape]))[0])
        errors.append((abs(got - exact), abs(got - exact) / exact))
        print(f"{name:<36} {exact:8.2f} {got:8.2f} {got - exact:+8.2f}")
    absolute, relative = np.array(errors).T
    print(f"max |error| {absolute.max():.2f} m ({relative.max():.1%}); "
          f"mean {absolute.mean():.2f} m ({relative.mean():.2%}) over {len(errors)} shapes")

    rng = np.random.default_rng(1)
    n = 100_000
    side = rng.uniform(20, 150, n)
    x, y = rng.uniform(0, 3e4, n), rng.uniform(0, 3e4, n)
    squares = shapely.box(x, y, x + side, y + side)
    started = time.perf_counter()
    longest_straight_run(squares)
    print(f"100,000 squares of 20-150 m: {time.perf_counter() - started:.2f} s")

    from venuefinder import venues as venue_rules
    from venuefinder.config import Settings, embedded_extract
    from venuefinder.sources.osm_file import read_extract

    features = read_extract(embedded_extract()).features
    crs = venue_rules.local_crs(features)
    real = venue_rules.select_venues(features, Settings(), crs).to_crs(crs)
    started = time.perf_counter()
    for _ in range(10):
        longest_straight_run(real.geometry.to_numpy())
    print(f"Helsinki's {len(real)} real venues: "
          f"{(time.perf_counter() - started) / 10 * 1000:.1f} ms")


if __name__ == "__main__":
    main()
