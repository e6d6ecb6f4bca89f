"""The room criterion's longest straight run against exact answers, and its speed.

Prints figures, asserts nothing. Run from the repository root::

    .venv/bin/python bench/room_accuracy.py [--x100] [--random N]

Exact answers:

* rectangles at any angle: the diagonal of the rectangle shrunk by the margin,
  ``hypot(L − 4, W − 4)``;
* an annulus: the chord tangent to the grown inner circle, ``2·sqrt(R'² − r'²)`` with
  ``R' = R − 2`` and ``r' = r + 2``;
* L-shapes, a U, rectangles with holes, random polygons and Helsinki's venues: a brute-force
  reference on the same shrunk polygon. A longest chord always touches two vertices (else it
  could slide or turn and grow), but it need not *end* at them (the chord of a blocked L ends
  mid-edge), so every pair of vertices gives the line through them, cut by the polygon, and
  the piece holding the pair is a candidate (pieces a float's width apart are joined, and
  the line is also tried 1e-7 m to either side, for lines along an edge; pieces GEOS returns
  outside the polygon are dropped). O(n³): slow, exact. Checking only vertex-to-vertex
  segments with ``covers`` would miss the chords that end mid-edge.

The margin's rounded corners are drawn by GEOS with 8 segments per quarter circle, so a
chord grazing one may pass up to 1 cm inside the true 2 m: the reference shares the
polygon, the closed forms do not (the annulus and the hole's tangent chord in the tests).

``--x100`` also times Helsinki x100 (``.cache/bench/helsinki-x100.osm.pbf``, made by
``bench/bench_spine.py``), whose reading alone takes half a minute.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, MultiPolygon, Point, Polygon, box

from venuefinder.scoring.room import MARGIN_M, score_room
from venuefinder.scoring.straight_run import longest_straight_run, shrink

ROOT = Path(__file__).resolve().parents[1]
X100 = ROOT / ".cache" / "bench" / "helsinki-x100.osm.pbf"


def brute_force(shape: object, gap: float = 1e-6, side: float = 1e-7) -> float:
    """Exact longest straight run of *shape* (on the polygon :func:`shrink` gives)."""
    polygon = shrink(np.array([shape], dtype=object), MARGIN_M)[0]
    if polygon.is_empty:
        return 0.0
    points = np.unique(shapely.get_coordinates(polygon), axis=0)
    a, b = np.triu_indices(len(points), k=1)
    start, span = points[a], np.hypot(*(points[b] - points[a]).T)
    u = (points[b] - start) / span[:, None]
    normal = np.column_stack([-u[:, 1], u[:, 0]])
    start = np.concatenate([start, start + side * normal, start - side * normal])
    u, span = np.tile(u, (3, 1)), np.tile(span, 3)
    bounds = np.array(polygon.bounds)
    reach = 2.0 * float(np.hypot(*(bounds[2:] - bounds[:2])))
    far = start - u * reach
    lines = shapely.linestrings(np.stack([far, start + u * (span + reach)[:, None]], axis=1))
    grown = polygon.buffer(1e-6)
    shapely.prepare(grown)
    best = 0.0
    for lo in range(0, len(lines), 50_000):
        chunk = slice(lo, lo + 50_000)
        pieces, line = shapely.get_parts(shapely.intersection(lines[chunk], polygon),
                                         return_index=True)
        # GEOS 3.14's overlay can return a bogus piece running far outside for a line
        # (nearly) along an edge: keep the pieces that lie in the polygon.
        real = shapely.covers(grown, pieces)
        pieces, line = pieces[real], line[real]
        ends, piece = shapely.get_coordinates(pieces, return_index=True)
        line = line[piece] + lo
        t = ((ends - far[line]) * u[line]).sum(axis=1)  # distance along the line
        first = np.r_[0, np.flatnonzero(np.diff(piece)) + 1]
        lows, highs = np.minimum.reduceat(t, first), np.maximum.reduceat(t, first)
        owner = line[first]
        order = np.lexsort((lows, owner))
        lows, highs, owner = lows[order], highs[order], owner[order]
        i = 0
        while i < len(owner):  # join pieces of one line closer than `gap`
            j, high = i, highs[i]
            while j + 1 < len(owner) and owner[j + 1] == owner[i] and lows[j + 1] - high <= gap:
                j += 1
                high = max(high, highs[j])
            k = owner[i]
            if lows[i] <= reach + gap and high >= reach + span[k] - gap:  # holds the pair
                best = max(best, high - lows[i])
            i = j + 1
    return float(best)


def hand_cases() -> list[tuple[str, object, float, str]]:
    """(name, shape, exact answer, how it was found)."""
    cases = []
    for length, width in ((105, 68), (60, 40), (36, 18), (60, 6), (400, 8)):
        for angle in (0, 17, 45, 73):
            shape = affinity.rotate(box(0, 0, length, width), angle, origin=(0, 0))
            cases.append((f"rectangle {length}x{width} at {angle} deg", shape,
                          math.hypot(length - 2 * MARGIN_M, width - 2 * MARGIN_M), "formula"))
    for outer, inner in ((50, 20), (80, 30), (120, 15)):
        ring = Point(0, 0).buffer(outer, 128).difference(Point(0, 0).buffer(inner, 128))
        cases.append((f"annulus {outer}/{inner} m", ring,
                       2 * math.sqrt((outer - MARGIN_M) ** 2 - (inner + MARGIN_M) ** 2),
                       "formula"))
    l_blocked = Polygon([(0, 0), (100, 0), (100, 20), (20, 20), (20, 100), (0, 100)])
    shapes = {
        "L 100 m arms, 20 m wide": l_blocked,
        "same L turned 33 deg": affinity.rotate(l_blocked, 33, origin=(0, 0)),
        "L 120x90, 50 m notch": Polygon([(0, 0), (120, 0), (120, 50), (50, 50), (50, 90),
                                         (0, 90)]),
        "L 100x30 with a 30x10 stub": Polygon([(0, 0), (100, 0), (100, 30), (30, 30),
                                               (30, 40), (0, 40)]),
        "U 100x80": Polygon([(0, 0), (100, 0), (100, 80), (70, 80), (70, 20), (30, 20),
                             (30, 80), (0, 80)]),
        "100x60 with a central 20 m hole": box(0, 0, 100, 60).difference(box(40, 20, 60, 40)),
        "120x80 with an off-centre hole": box(0, 0, 120, 80).difference(box(70, 50, 90, 65)),
        "150x90 with three holes": box(0, 0, 150, 90).difference(shapely.union_all(
            [box(30, 30, 45, 45), box(80, 50, 95, 60), box(110, 15, 118, 40)])),
        "two lawns (MultiPolygon)": MultiPolygon([box(0, 0, 30, 30),
                                                  box(100, 0, 150, 10)]),
    }
    for name, shape in shapes.items():
        cases.append((name, shape, brute_force(shape), "brute force"))
    return cases


def random_shapes(n: int, seed: int) -> list[object]:
    """Stars, thick random walks, unions of turned rectangles, fields with holes and
    MultiPolygons: harder than most venues."""
    rng = np.random.default_rng(seed)
    shapes = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            k = rng.integers(5, 30)
            angle, radius = np.sort(rng.uniform(0, 2 * np.pi, k)), rng.uniform(15, 150, k)
            shape = Polygon(np.c_[radius * np.cos(angle), radius * np.sin(angle)])
        elif kind == 1:
            walk = np.cumsum(rng.normal(0, 40, (rng.integers(3, 8), 2)), axis=0)
            shape = LineString(walk).buffer(rng.uniform(4, 20), quad_segs=4,
                                            join_style=rng.choice(["round", "mitre"]))
        elif kind == 2:
            corners = rng.uniform(0, 80, (rng.integers(2, 5), 2))
            shape = shapely.union_all([affinity.rotate(
                box(x, y, x + rng.uniform(8, 60), y + rng.uniform(8, 60)), rng.uniform(0, 90))
                for x, y in corners])
        elif kind == 3:
            width, height = rng.uniform(40, 200, 2)
            shape = box(0, 0, width, height)
            for _ in range(rng.integers(1, 8)):
                cx, cy = rng.uniform(0, 1, 2) * [width, height]
                hx, hy = rng.uniform(1, 8, 2)
                shape = shape.difference(affinity.rotate(box(cx - hx, cy - hy, cx + hx,
                                                              cy + hy), rng.uniform(0, 90)))
        else:
            shape = MultiPolygon([affinity.translate(affinity.rotate(
                box(0, 0, *rng.uniform(6, 80, 2)), rng.uniform(0, 180)), 300 * j, 0)
                for j in range(rng.integers(2, 4))])
        shapes.append(shape if shape.is_valid else shape.buffer(0))
    return shapes


def helsinki():
    from venuefinder import venues as venue_rules
    from venuefinder.config import Settings, embedded_extract
    from venuefinder.sources.osm_file import read_extract

    features = read_extract(embedded_extract()).features
    crs = venue_rules.local_crs(features)
    return venue_rules.select_venues(features, Settings(), crs).to_crs(crs)


def errors(found: np.ndarray, exact: np.ndarray) -> str:
    error = found - exact
    relative = error / np.where(exact > 0, exact, 1.0)
    return (f"max |error| {np.abs(error).max() * 1000:8.2f} mm ({np.abs(relative).max():.4%}), "
            f"mean {np.abs(error).mean() * 1000:6.2f} mm ({np.abs(relative).mean():.5%}); "
            f"largest overestimate {max(error.max(), 0) * 1000:.2f} mm")


def timed(call, repeats: int) -> tuple[float, float]:
    """Best wall and CPU seconds of *repeats* calls."""
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        call()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return min(wall), min(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--x100", action="store_true", help="also time Helsinki x100")
    parser.add_argument("--random", type=int, default=100,
                        help="random shapes per seed (the reference takes ~0.3 s each)")
    args = parser.parse_args()

    print("== accuracy: longest straight run (m) against exact answers")
    cases = hand_cases()
    found = longest_straight_run(np.array([c[1] for c in cases], dtype=object), MARGIN_M)
    print(f"  {'shape':<36} {'exact':>9} {'found':>9} {'error':>9}  exact from")
    for (name, _, exact, how), got in zip(cases, found):
        print(f"  {name:<36} {exact:9.4f} {got:9.4f} {got - exact:+9.4f}  {how}")
    exact = np.array([c[2] for c in cases])
    print(f"  hand-made shapes ({len(cases)}): {errors(found, exact)}")

    venues = helsinki()
    groups = {f"random shapes ({args.random}, seed {seed})": random_shapes(args.random, seed)
              for seed in (11, 23)}
    groups[f"Helsinki's {len(venues)} venues"] = list(venues.geometry)
    for name, shapes in groups.items():
        geoms = np.array(shapes, dtype=object)
        reference = np.array([brute_force(s) for s in shapes])
        print(f"  {name}: {errors(longest_straight_run(geoms, MARGIN_M), reference)}")

    print("== speed: score_room (best of the runs; wall and CPU seconds)")
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from bench_spine import synthetic

    squares, _ = synthetic(100_000, 10)
    wall, cpu = timed(lambda: score_room(squares, None), 3)
    print(f"  100,000 squares of 20-150 m (convex fast path): {wall:.2f} s wall, {cpu:.2f} s "
          "CPU   (target <= 2 s)")
    wall, cpu = timed(lambda: score_room(venues, None), 5)
    print(f"  Helsinki's {len(venues)} venues: {wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")
    rng = np.random.default_rng(3)
    angle = np.linspace(0, 2 * np.pi, 4000, endpoint=False)
    radius = 500 + 30 * np.sin(7 * angle) + rng.standard_normal(4000).cumsum() / 2
    park = Polygon(np.c_[radius * np.cos(angle), radius * np.sin(angle)]).difference(
        shapely.union_all([Point(x, y).buffer(rng.uniform(3, 15))
                           for x, y in rng.uniform(-300, 300, (40, 2))]))
    wall, cpu = timed(lambda: longest_straight_run(np.array([park]), MARGIN_M), 3)
    print(f"  a 1 km park of {shapely.get_num_coordinates(park):,} vertices and 40 ponds: "
          f"{wall * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU")
    if args.x100:
        if not X100.exists():
            print(f"  skipped Helsinki x100: {X100} is absent (bench/bench_spine.py makes it)")
            return
        from venuefinder import venues as venue_rules
        from venuefinder.config import Settings
        from venuefinder.sources.osm_file import read_extract

        features = read_extract(X100).features
        crs = venue_rules.local_crs(features)
        big = venue_rules.select_venues(features, Settings(), crs).to_crs(crs)
        wall, cpu = timed(lambda: score_room(big, None), 2)
        print(f"  Helsinki x100, {len(big):,} venues: {wall:.2f} s wall, {cpu:.2f} s CPU")


if __name__ == "__main__":
    main()
