"""Benchmarks of routes: loop quality and speed; prints figures, asserts nothing.

1. walking-graph build: the embedded Helsinki extract (read + build, and a cached load),
   and Helsinki x100 (made as bench_spine.py makes it, in .cache/bench/) in a child process,
   with its peak RSS;
2. loops from random starts in the Helsinki extract (drawn uniformly in its box and snapped
   to the graph; a draw with no way within 300 m is drawn again) at 2, 5 and 10 km with 3
   alternatives: the share within ±5 % and ±10 % of the asked length, the retraced share,
   the share on ways with motor traffic, crossings per km (over all loops, and the median
   over the starts of each start's best loop: target <= 2), and the time per request with
   the graph built.

Anchors (from the issue): openrouteservice round trips miss the length by up to 2x, OsmAnd's
loops land at +2…7 % with 6–8 % out-and-back, BRouter at -15…+5 %.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_spine import big_extract, run_measured  # noqa: E402

#: The embedded extract's box (west, south, east, north).
HELSINKI_BOX = (24.935, 60.164, 24.953, 60.179)
LENGTHS_M = (2_000.0, 5_000.0, 10_000.0)

BUILD = """
import sys, time
from pathlib import Path
from venuefinder.routes.graph import build_graph
from venuefinder.sources.walkways import read_walkways
started = time.perf_counter()
walkways = read_walkways(Path(sys.argv[1]))
read = time.perf_counter() - started
graph = build_graph(walkways)
print(read, time.perf_counter() - started, len(graph.nodes), len(graph.edges))
"""


def bench_build(grid: int) -> None:
    from venuefinder.config import Settings, embedded_extract
    from venuefinder.routes import load_or_build_graph

    print("== walking graph build")
    wall, rss, out = run_measured([sys.executable, "-c", BUILD, str(embedded_extract())])
    read, total, nodes, edges = out.split()
    print(f"  Helsinki:       read {float(read):5.2f} s, read + build {float(total):5.2f} s, "
          f"{int(nodes):,} nodes, {int(edges):,} edges; peak RSS {rss:,.0f} MiB "
          "(target build <= 2 s)")
    with tempfile.TemporaryDirectory() as cache:
        settings = Settings(cache_dir=Path(cache))
        load_or_build_graph(settings)
        started = time.perf_counter()
        load_or_build_graph(settings)
        print(f"  Helsinki from the cache: {time.perf_counter() - started:.3f} s")
    extract = big_extract(grid)
    if extract is None:
        return
    wall, rss, out = run_measured([sys.executable, "-c", BUILD, str(extract)])
    read, total, nodes, edges = out.split()
    print(f"  Helsinki x{grid * grid}: read {float(read):5.2f} s, read + build "
          f"{float(total):5.2f} s, {int(nodes):,} nodes, {int(edges):,} edges; "
          f"peak RSS {rss:,.0f} MiB")


def random_starts(graph, count: int, seed: int) -> list[tuple[float, float]]:
    """Points drawn uniformly in the extract's box that have a loop way within 300 m."""
    import numpy as np

    from venuefinder.errors import SourceError
    from venuefinder.routes.network import snap

    rng = np.random.default_rng(seed)
    west, south, east, north = HELSINKI_BOX
    starts: list[tuple[float, float]] = []
    while len(starts) < count:
        lat, lon = rng.uniform(south, north), rng.uniform(west, east)
        try:
            snap(graph, lat, lon, "loop")
        except SourceError:
            continue
        starts.append((float(lat), float(lon)))
    return starts


def bench_loops(count: int, seed: int) -> None:
    import numpy as np

    from venuefinder.config import Settings
    from venuefinder.errors import NotFoundError
    from venuefinder.routes import find_loops, load_or_build_graph

    with tempfile.TemporaryDirectory() as cache:
        graph = load_or_build_graph(Settings(cache_dir=Path(cache)))
    starts = random_starts(graph, count, seed)
    find_loops(graph, *starts[0], 1000.0)  # imports and first-call set-up, not timed
    lengths = graph.edges["length_m"].to_numpy()
    print(f"== loops: {count} random starts in the Helsinki extract (seed {seed}), "
          "3 alternatives asked")
    print(f"  {'asked':>6}  {'loops':>5}  {'±5 %':>5}  {'±10 %':>5}  {'error':>13}  "
          f"{'retraced':>8}  {'lap+way':>7}  {'motor':>5}  {'cross/km':>8}  {'median':>6}  "
          f"{'laps':>4}  {'median':>7}  {'max':>6}")
    for asked in LENGTHS_M:
        for which in ("best", "all"):
            rows, times, missing, per_start = [], [], 0, []
            for lat, lon in starts:
                started = time.perf_counter()
                try:
                    routes = find_loops(graph, lat, lon, asked, alternatives=3)
                except NotFoundError:
                    missing += 1
                    continue
                times.append(time.perf_counter() - started)
                per_start.append(routes[0].crossings / (routes[0].length_m / 1000))
                for route in routes[:1] if which == "best" else routes:
                    unit = float(lengths[route.unit_edges].sum())
                    rows.append((route.length_m / asked - 1.0, route.retraced_m,
                                 route.length_m, unit, route.motor_m, route.crossings,
                                 route.laps is not None))
            if not rows:
                print(f"  {asked:6.0f}  no loop from any start")
                continue
            error = np.array([r[0] for r in rows])
            retraced, total, unit = (np.array([r[i] for r in rows]) for i in (1, 2, 3))
            motor = np.array([r[4] for r in rows])
            crossings = np.array([r[5] for r in rows])
            laps = np.array([r[6] for r in rows])
            print(f"  {asked:6.0f}  {which:>5}  {np.mean(np.abs(error) <= .05):5.0%}  "
                  f"{np.mean(np.abs(error) <= .10):5.0%}  "
                  f"{error.min():+6.1%}…{error.max():+5.1%}  "
                  f"{retraced.sum() / total.sum():8.1%}  {retraced.sum() / unit.sum():7.1%}  "
                  f"{motor.sum() / total.sum():5.1%}  "
                  f"{crossings.sum() / (total.sum() / 1000):8.1f}  "
                  f"{statistics.median(per_start):6.1f}  {laps.mean():4.0%}  "
                  f"{statistics.median(times) * 1000:5.0f}ms  {max(times) * 1000:4.0f}ms"
                  + (f"  ({missing} starts without a loop)" if missing else ""))
    print("  retraced: share of the whole run length run a second time (repeated laps are"
          " not retracing); lap+way: the same share of one lap plus the way to it and back;")
    print("  cross/km: road crossings per km over the loops; median: the median over the"
          " starts of the best loop's crossings per km (target <= 2);")
    print("  motor: share of length on ways with motor traffic (crossings are nodes, 0 m);"
          " laps: share of loops run as laps; times per request (3 alternatives), graph"
          " built; targets: all within 10 %, most within 5 %, retraced <= 5 %, motor 0,"
          " <= 1 s at 5 km")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=10)
    parser.add_argument("--starts", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=["build", "loops"])
    args = parser.parse_args()
    if args.only in (None, "build"):
        bench_build(args.grid)
    if args.only in (None, "loops"):
        bench_loops(args.starts, args.seed)


if __name__ == "__main__":
    main()
