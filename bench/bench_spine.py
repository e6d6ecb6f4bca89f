"""Benchmarks of the venue spine; prints figures, asserts nothing (see README: Speed).

1. ingest of Helsinki x100 (made with ../shared/tools/tile_extract.py --grid 10 into the
   git-ignored .cache/bench/) against a bare pyosmium pass with areas over the same file,
   alternating, three times, as the median ratio; peak RSS of the ingest process;
2. scoring alone (every static criterion, obstacles included): 10k and 100k synthetic
   venues against 100k and 1M road segments, as a ratio to one ``geopandas.sjoin_nearest``
   of the same venues to the same roads, measured in the same run;
3. `venuefinder venues --near` on the embedded default: whole-process time cold (empty
   cache) and cached, the query time inside it, and `venuefinder --help`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / ".cache" / "bench"
SHARED = ROOT.parent / "shared"
VENUEFINDER = str(Path(sys.executable).with_name("venuefinder"))

BARE_PASS = """
import sys, osmium
n = 0
for obj in osmium.FileProcessor(sys.argv[1]).with_areas():
    n += 1
print(n)
"""


#: Alternating runs of the bare pass and the ingest; the median ratio is the figure.
INGEST_RUNS = 3


def run_measured(cmd: list[str], env: dict | None = None) -> tuple[float, float, str]:
    """Wall seconds, peak RSS (MiB) and stdout of a child process."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env={**os.environ, **(env or {})})
    out = proc.stdout.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(cmd)}")
    return wall, usage.ru_maxrss / 1024, out


def big_extract(grid: int) -> Path | None:
    target = CACHE / f"helsinki-x{grid * grid}.osm.pbf"
    if target.exists():
        return target
    tool = SHARED / "tools" / "tile_extract.py"
    if not tool.exists():
        print(f"  skipped: {tool} is absent (the scale benchmark needs ../shared)")
        return None
    from venuefinder.config import embedded_extract

    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"  making {target.name} with tile_extract.py --grid {grid} ...", flush=True)
    subprocess.run([sys.executable, str(tool), str(embedded_extract()), str(target),
                    "--grid", str(grid)], check=True)
    return target


def bench_ingest(grid: int) -> None:
    print(f"== ingest: Helsinki x{grid * grid}")
    extract = big_extract(grid)
    if extract is None:
        return
    size_mb = extract.stat().st_size / 1e6
    # The two alternate, RUNS times: this machine's speed drifts by tens of percent within
    # minutes, and a ratio of runs taken side by side follows it.
    bare_runs, ingest_runs = [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "venues.parquet"
        for _ in range(INGEST_RUNS):
            bare, bare_rss, count = run_measured([sys.executable, "-c", BARE_PASS, str(extract)])
            ingest, rss, _ = run_measured([VENUEFINDER, "ingest", str(extract), "--out",
                                           str(out)])
            bare_runs.append(bare)
            ingest_runs.append(ingest)
        import geopandas as gpd

        venues = len(gpd.read_parquet(out))
    ratios = sorted(i / b for i, b in zip(ingest_runs, bare_runs))
    bare, ingest = statistics.median(bare_runs), statistics.median(ingest_runs)
    print(f"  file {size_mb:.0f} MB, {int(count):,} objects (with areas), {venues:,} venues")
    print(f"  bare pyosmium pass with areas: {bare:6.2f} s median of {INGEST_RUNS} "
          f"(peak RSS {bare_rss:,.0f} MiB)")
    print(f"  venuefinder ingest:            {ingest:6.2f} s median of {INGEST_RUNS} "
          f"(peak RSS {rss:,.0f} MiB)")
    print(f"  ratio ingest / bare pass:      {statistics.median(ratios):6.2f}x median "
          f"(runs {', '.join(f'{r:.2f}' for r in ratios)}; target <= 2x; "
          "RSS target <= 4096 MiB)")


def synthetic(n_venues: int, n_segments: int, seed: int = 1):
    """Venues (20-150 m squares) and 2-point road segments at the same density at any size."""
    import geopandas as gpd
    import numpy as np
    import shapely

    from venuefinder.config import Settings
    from venuefinder.scoring import ScoringContext
    from venuefinder.vocabulary.roads import ROAD_CLASSES
    from venuefinder.venues import VENUE_COLUMNS

    rng = np.random.default_rng(seed)
    side = 100.0 * np.sqrt(n_venues)  # 10k venues on 10 km x 10 km
    x0, y0 = 385_000.0, 6_672_000.0
    size = rng.uniform(20, 150, n_venues)
    vx, vy = x0 + rng.uniform(0, side, n_venues), y0 + rng.uniform(0, side, n_venues)
    venues = gpd.GeoDataFrame({c: None for c in VENUE_COLUMNS if c != "geometry"} | {
        "id": [f"way/{i}" for i in range(n_venues)],
        "kind": rng.choice(["pitch", "park", "grass", "track", "meadow"], n_venues),
        "surface": rng.choice([None, "grass", "tartan", "asphalt"], n_venues),
        "area_m2": size ** 2,
    }, geometry=shapely.box(vx, vy, vx + size, vy + size), crs="EPSG:3067")
    rx, ry = x0 + rng.uniform(0, side, n_segments), y0 + rng.uniform(0, side, n_segments)
    angle = rng.uniform(0, np.pi, n_segments)
    length = rng.uniform(10, 60, n_segments)
    ends = np.column_stack([rx + length * np.cos(angle), ry + length * np.sin(angle)])
    coords = np.stack([np.column_stack([rx, ry]), ends], axis=1)
    road_class = rng.choice(list(ROAD_CLASSES), n_segments, p=[.01, .02, .07, .1, .2, .3, .3])
    roads = gpd.GeoDataFrame({
        "id": [f"way/{i}" for i in range(n_segments)],
        "name": rng.choice([None, "Testikatu", "Mannerheimintie"], n_segments),
        "highway": road_class,
        "road_class": road_class,
        "maxspeed_kmh": rng.choice([np.nan, 30.0, 40.0, 50.0, 80.0], n_segments),
    }, geometry=shapely.linestrings(coords), crs="EPSG:3067")
    # What stands in and around venues at a city's density: a tree or bench per venue, a
    # path per ten, a fence around one in ten, a stadium around one in fifty.
    n_points = n_venues
    px, py = x0 + rng.uniform(0, side, n_points), y0 + rng.uniform(0, side, n_points)
    n_paths = n_venues // 10
    ax, ay = x0 + rng.uniform(0, side, n_paths), y0 + rng.uniform(0, side, n_paths)
    path_ends = np.column_stack([ax + rng.uniform(-80, 80, n_paths),
                                 ay + rng.uniform(-80, 80, n_paths)])
    obstacles = gpd.GeoDataFrame({
        "id": [f"node/{i}" for i in range(n_points + n_paths)],
        "category": [*rng.choice(["tree", "bench", "lamp", "bollard"], n_points),
                     *["footpath"] * n_paths],
        "name": None,
    }, geometry=[*shapely.points(px, py),
                 *shapely.linestrings(np.stack([np.column_stack([ax, ay]), path_ends], 1))],
        crs="EPSG:3067")
    fenced = rng.choice(n_venues, n_venues // 10, replace=False)
    barriers = gpd.GeoDataFrame({"id": [f"way/f{i}" for i in fenced], "barrier": "fence"},
                                geometry=shapely.boundary(shapely.buffer(
                                    venues.geometry.to_numpy()[fenced], 2.0)),
                                crs="EPSG:3067")
    enclosed = rng.choice(n_venues, n_venues // 50, replace=False)
    enclosures = gpd.GeoDataFrame({"id": [f"way/s{i}" for i in enclosed],
                                   "leisure": "stadium", "name": None},
                                  geometry=shapely.buffer(venues.geometry.to_numpy()[enclosed],
                                                          30.0), crs="EPSG:3067")
    return venues, ScoringContext(crs=venues.crs, roads=roads, settings=Settings(),
                                  obstacles=obstacles, barriers=barriers,
                                  enclosures=enclosures)


def bench_scoring() -> None:
    import geopandas as gpd

    from venuefinder.criteria import REGISTRY
    from venuefinder.scoring import score_venues

    static = [c.name for c in REGISTRY if not c.live]
    print(f"== scoring alone ({', '.join(static)}; flatness without DEM; combine)")
    # Warm-up, not timed: the first call of each pays imports and one-off set-up.
    venues, context = synthetic(1_000, 10_000)
    gpd.sjoin_nearest(venues[["geometry"]], context.roads[["geometry"]])
    score_venues(venues, context)
    timings = {}
    # The target is the 100k case; the 10k case shows the fixed costs.
    for n_venues, n_segments in ((10_000, 100_000), (100_000, 1_000_000)):
        venues, context = synthetic(n_venues, n_segments)
        started = time.perf_counter()
        joined = gpd.sjoin_nearest(venues[["geometry"]], context.roads[["geometry"]],
                                   distance_col="distance_m")
        baseline = time.perf_counter() - started
        assert len(joined) >= n_venues
        started = time.perf_counter()
        scored = score_venues(venues, context)
        timings[n_venues] = time.perf_counter() - started
        assert len(scored) == n_venues
        print(f"  {n_venues:>7,} venues x {n_segments:>9,} road segments: "
              f"{timings[n_venues]:6.2f} s; one sjoin_nearest of the same: {baseline:6.2f} s; "
              f"ratio {timings[n_venues] / baseline:4.2f}x"
              + (" (target <= 2.5x)" if n_venues == 100_000 else ""))
    print(f"  growth 10k -> 100k: {timings[100_000] / timings[10_000]:.1f}x for 10x the data "
          "(linear = 10x)")


def bench_query(repeats: int) -> None:
    print("== `venuefinder venues --near` on the embedded default")
    args = [VENUEFINDER, "venues", "--near", "60.1699,24.9384", "--radius", "1500",
            "--format", "geojson"]
    cold, warm, query_cold, query_warm = [], [], [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            env = {"VENUEFINDER_CACHE_DIR": cache}
            wall, _, out = run_measured(args, env)
            cold.append(wall)
            query_cold.append(json.loads(out)["query"]["query_ms"])
            wall, _, out = run_measured(args, env)
            warm.append(wall)
            query_warm.append(json.loads(out)["query"]["query_ms"])
    helps = [run_measured([VENUEFINDER, "--help"])[0] for _ in range(repeats)]
    med = statistics.median
    print(f"  cold (parse + score + cache write): process {med(cold):.2f} s, "
          f"query {med(query_cold):.1f} ms   (target process <= 2 s)")
    print(f"  cached:                            process {med(warm):.2f} s, "
          f"query {med(query_warm):.1f} ms   (target query <= 50 ms)")
    print(f"  venuefinder --help:                process {med(helps):.2f} s   (target <= 0.5 s)")
    print(f"  (medians of {repeats} runs)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--only", choices=["ingest", "scoring", "query"])
    args = parser.parse_args()
    # Ingest first: on Linux a child's peak RSS starts from its parent's at fork, so the
    # RSS figures are only the child's own while this process is still small.
    if args.only in (None, "ingest"):
        bench_ingest(args.grid)
    if args.only in (None, "query"):
        bench_query(args.repeats)
    if args.only in (None, "scoring"):
        bench_scoring()


if __name__ == "__main__":
    main()
