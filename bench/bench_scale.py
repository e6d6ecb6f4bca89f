"""Scale benchmarks; prints figures, asserts nothing (see README: Speed, Scale).

1. the one-process ingest of Helsinki x100 against a bare pyosmium pass with areas over the
   same file (bench_spine's runs and measurement, alternating, median ratio);
2. Helsinki x400 (``../shared/tools/tile_extract.py --grid 20`` into the git-ignored
   .cache/bench/) ingested as a partitioned dataset (``--partitions auto``) with 1 and 2
   Dask workers, each run a subprocess whose process tree is sampled with psutil: wall
   time, speed-up, peak memory per worker (the worker process and its children: its
   osmium cuts, its forked reader and scorer), and the objects per second of one tile
   against a bare pyosmium pass over that tile's cut, cut as the ingest cuts it;
3. a server (``venuefinder serve --source DIR``) answering venues at random points, basemap
   boxes and place searches from the x400 dataset: its memory after start-up and after the
   queries, against a server of the embedded Helsinki given the same queries.

The x400 file is renumbered (``osmium renumber``) before it is ingested: tile_extract.py
offsets each copy's ids by 10^10, so ids reach 4 x 10^12, and libosmium's id sets, which
allocate by id range, make one ``osmium extract`` of it need more than this machine's
24 GiB (one cut of x100 was killed by the kernel at 23 GB). Real extracts have ids below
about 1.3 x 10^10 whatever their size; the figure of a real-id cut is measured on Andorra.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))
from bench_spine import (BARE_PASS, CACHE, INGEST_RUNS, SHARED, VENUEFINDER,  # noqa: E402
                         big_extract, run_measured)
from bench_web import free_port, wait_until_up  # noqa: E402

from venuefinder.partition import AUTO_TILE_BYTES, MANIFEST, TILE_FILES, cut  # noqa: E402

MIB = 2 ** 20
#: How often the ingest's and the server's process trees are sampled (seconds).
SAMPLE_S = 0.25
#: The ingest is stopped (its process group killed) when its tree takes more than this
#: share of the memory available when it started: the machine is shared.
MEMORY_BUDGET = 0.8
#: A real extract (real ids), for the memory of one cut.
ANDORRA = SHARED / "data" / "osm" / "andorra-latest.osm.pbf"
#: Queries fired at each server.
VENUE_QUERIES = 200
BASEMAP_QUERIES = 20
PLACE_QUERIES = ("kamppi", "tori", "katu", "puisto", "ranta")
#: Each basemap box's side (degrees).
BASEMAP_BOX = 0.02
#: A dataset server is also measured keeping at most this many tiles (VENUEFINDER_TILE_CACHE).
SMALL_TILE_CACHE = 2


# -- the extract ------------------------------------------------------------------------
def dense_extract(grid: int) -> Path | None:
    """Helsinki x grid², its ids renumbered densely (see the module), made once."""
    extract = big_extract(grid)
    if extract is None:
        return None
    target = extract.with_name(extract.name.replace(".osm.pbf", "-dense.osm.pbf"))
    if target.exists() and target.stat().st_mtime >= extract.stat().st_mtime:
        return target
    print(f"  renumbering {extract.name} into {target.name} ...", flush=True)
    partial = target.with_name(".partial-" + target.name)
    subprocess.run(["osmium", "renumber", "--no-progress", "--overwrite", "-o", str(partial),
                    str(extract)], check=True)
    partial.replace(target)
    return target


# -- process trees ------------------------------------------------------------------------
def _rss_pss(proc: psutil.Process) -> tuple[int, int]:
    info = proc.memory_full_info()
    return info.rss, info.pss


@dataclass
class Cut:
    """One ``osmium extract`` seen running under a worker."""

    tile: str
    worker: int
    start: float
    end: float
    peak_rss: int = 0


@dataclass
class WorkerPeak:
    """Peaks of one Dask worker: its own process, and its whole tree (RSS summed, which
    counts the pages a forked child shares with the worker twice; PSS summed does not)."""

    own_rss: int = 0
    tree_rss: int = 0
    tree_pss: int = 0


@dataclass
class Watched:
    """What sampling a process tree saw."""

    wall: float = 0.0
    workers: dict[int, WorkerPeak] = field(default_factory=dict)
    cuts: dict[int, Cut] = field(default_factory=dict)
    main_rss: int = 0
    tree_rss: int = 0
    tree_pss: int = 0
    aborted: str = ""


def _is_worker(proc: psutil.Process) -> bool:
    """A Dask worker process: a child started by multiprocessing's spawn (not its resource
    tracker)."""
    command = " ".join(proc.cmdline())
    return "spawn_main" in command


def _cut_tiles(command: list[str]) -> str:
    """The tiles an ``osmium extract`` command cuts (``r0c0+r0c1``): its ``--output``, or the
    outputs its ``--config`` names (a batch, cut in one pass)."""
    if "--output" in command:
        return Path(command[command.index("--output") + 1]).name.split(".")[0]
    try:
        config = json.loads(Path(command[command.index("--config") + 1]).read_text())
    except (OSError, ValueError):
        return "?"
    return "+".join(Path(e["output"]).name.split(".")[0] for e in config["extracts"])


def sample_tree(root: psutil.Process, seen: Watched, budget: int) -> None:
    """One sample of *root*'s tree into *seen*; kills *root*'s process group over *budget*."""
    now = time.time()
    total_rss = total_pss = 0
    try:
        rss, pss = _rss_pss(root)
        seen.main_rss = max(seen.main_rss, rss)
        total_rss, total_pss = rss, pss
        children = root.children()
    except psutil.Error:
        return
    for child in children:
        try:
            if not _is_worker(child):
                rss, pss = _rss_pss(child)
                total_rss, total_pss = total_rss + rss, total_pss + pss
                continue
            peak = seen.workers.setdefault(child.pid, WorkerPeak())
            own_rss, own_pss = _rss_pss(child)
            tree_rss, tree_pss = own_rss, own_pss
            for below in child.children(recursive=True):
                try:
                    rss, pss = _rss_pss(below)
                    command = below.cmdline()
                except psutil.Error:
                    continue
                tree_rss, tree_pss = tree_rss + rss, tree_pss + pss
                if below.name() == "osmium" and "extract" in command:
                    found = seen.cuts.get(below.pid) or seen.cuts.setdefault(below.pid, Cut(
                        _cut_tiles(command), child.pid, below.create_time(), now))
                    found.end, found.peak_rss = now, max(found.peak_rss, rss)
        except psutil.Error:
            continue
        peak.own_rss = max(peak.own_rss, own_rss)
        peak.tree_rss = max(peak.tree_rss, tree_rss)
        peak.tree_pss = max(peak.tree_pss, tree_pss)
        total_rss, total_pss = total_rss + tree_rss, total_pss + tree_pss
    seen.tree_rss = max(seen.tree_rss, total_rss)
    seen.tree_pss = max(seen.tree_pss, total_pss)
    if total_rss > budget and not seen.aborted:
        seen.aborted = (f"stopped: the ingest's processes took {total_rss / MIB:,.0f} MiB, "
                        f"over {budget / MIB:,.0f} MiB")
        os.killpg(root.pid, signal.SIGKILL)


def run_watched(cmd: list[str], log: Path) -> Watched:
    """Run *cmd* in its own process group, sampling its tree until it ends."""
    seen = Watched()
    budget = int(psutil.virtual_memory().available * MEMORY_BUDGET)
    started = time.perf_counter()
    with open(log, "w") as stderr:
        proc = subprocess.Popen(cmd, stdout=stderr, stderr=stderr, start_new_session=True)
        root = psutil.Process(proc.pid)
        while proc.poll() is None:
            sample_tree(root, seen, budget)
            time.sleep(SAMPLE_S)
    seen.wall = time.perf_counter() - started
    if proc.returncode != 0 and not seen.aborted:
        seen.aborted = f"failed (exit {proc.returncode}; see {log})"
    return seen


# -- 1. the one-process ingest ----------------------------------------------------------
@dataclass
class OneProcess:
    size_mb: float
    objects: int
    bare: float
    ingest: float
    ratio: float
    ratios: list[float]
    bare_rss: float
    ingest_rss: float


def bench_one_process(grid: int) -> OneProcess | None:
    print(f"== one-process ingest of Helsinki x{grid * grid} against a bare pyosmium pass "
          "with areas", flush=True)
    extract = big_extract(grid)
    if extract is None:
        return None
    bare_runs, ingest_runs, bare_rss, ingest_rss = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "venues.parquet"
        # Alternating: this machine's speed drifts within minutes (see bench_spine).
        for _ in range(INGEST_RUNS):
            bare, rss, count = run_measured([sys.executable, "-c", BARE_PASS, str(extract)])
            bare_runs.append(bare)
            bare_rss.append(rss)
            ingest, rss, _ = run_measured([VENUEFINDER, "ingest", str(extract), "--out",
                                           str(out)])
            ingest_runs.append(ingest)
            ingest_rss.append(rss)
    ratios = sorted(i / b for i, b in zip(ingest_runs, bare_runs))
    result = OneProcess(extract.stat().st_size / 1e6, int(count), statistics.median(bare_runs),
                        statistics.median(ingest_runs), statistics.median(ratios), ratios,
                        max(bare_rss), max(ingest_rss))
    print(f"  bare pass {result.bare:.2f} s, ingest {result.ingest:.2f} s (medians of "
          f"{INGEST_RUNS}): {result.ratio:.2f}x (runs "
          f"{', '.join(f'{r:.2f}' for r in ratios)}; target <= 2x, aim 1.5x)", flush=True)
    return result


# -- 2. the partitioned ingest ------------------------------------------------------------
@dataclass
class Partitioned:
    workers: int
    seen: Watched
    manifest: dict
    tile_seconds: dict[str, float]
    tile_worker: dict[str, int]
    cut_seconds: dict[str, float]


def bench_partitioned(extract: Path, workers: int, out: Path) -> Partitioned | None:
    print(f"== partitioned ingest of {extract.name}, --partitions auto --workers {workers}",
          flush=True)
    log = out.with_name(out.name + ".log")
    seen = run_watched([VENUEFINDER, "ingest", str(extract), "--out", str(out),
                        "--partitions", "auto", "--workers", str(workers)], log)
    if seen.aborted:
        print(f"  {seen.aborted}")
        return None
    manifest = json.loads((out / MANIFEST).read_text())
    # A tile runs from its first cut's start until its last file is written.
    tile_seconds, tile_worker, cut_seconds = {}, {}, {}
    for tile in manifest["tiles"]:
        cuts = sorted((c for c in seen.cuts.values() if tile["id"] in c.tile.split("+")),
                      key=lambda c: c.start)
        if not cuts:
            continue
        last = max((out / "tiles" / tile["id"] / name).stat().st_mtime for name in TILE_FILES)
        tile_seconds[tile["id"]] = last - cuts[0].start
        tile_worker[tile["id"]] = cuts[0].worker
        cut_seconds[tile["id"]] = sum(c.end - c.start for c in cuts)
    result = Partitioned(workers, seen, manifest, tile_seconds, tile_worker, cut_seconds)
    print(f"  {len(manifest['tiles'])} tiles, {manifest['venues']:,} venues, "
          f"{sum(t['objects'] for t in manifest['tiles']):,} objects reached Python (halos "
          f"included), wall {seen.wall:.1f} s", flush=True)
    for pid, peak in seen.workers.items():
        mine = [t for t, w in tile_worker.items() if w == pid]
        print(f"  worker {pid}: tiles {', '.join(sorted(mine)) or '-'} in "
              f"{sum(tile_seconds[t] for t in mine):.1f} s; peak RSS own "
              f"{peak.own_rss / MIB:,.0f} MiB, tree {peak.tree_rss / MIB:,.0f} MiB "
              f"(PSS {peak.tree_pss / MIB:,.0f} MiB)", flush=True)
    cuts = list(seen.cuts.values())
    if cuts:
        print(f"  osmium cuts: {len(cuts)}, {statistics.median(c.end - c.start for c in cuts):.1f} "
              f"s median, peak RSS {max(c.peak_rss for c in cuts) / MIB:,.0f} MiB")
    return result


@dataclass
class TileBare:
    tile: str
    cut_s: float
    bare_s: float
    bare_objects: int
    bare_rss: float


def bench_tile_bare(extract: Path, run: Partitioned) -> TileBare:
    """A bare pyosmium pass over the cut of the tile that read the most, cut as the ingest
    cuts it (median of INGEST_RUNS)."""
    tile = max(run.manifest["tiles"], key=lambda t: t["objects"])
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        part = Path(tmp) / f"{tile['id']}.osm.pbf"
        started = time.perf_counter()
        cut(extract, tuple(tile["read"]), part)
        cut_s = time.perf_counter() - started
        runs = [run_measured([sys.executable, "-c", BARE_PASS, str(part)])
                for _ in range(INGEST_RUNS)]
    bare = TileBare(tile["id"], cut_s, statistics.median(r[0] for r in runs),
                    int(runs[0][2]), max(r[1] for r in runs))
    print(f"  tile {bare.tile}: cut alone {bare.cut_s:.1f} s; bare pass over its cut "
          f"{bare.bare_s:.2f} s, {bare.bare_objects:,} objects with areas", flush=True)
    return bare


def andorra_cut() -> tuple[float, float] | None:
    """Seconds and peak RSS (MiB) of one cut of a real extract (real ids): half of Andorra."""
    if not ANDORRA.exists():
        return None
    with tempfile.TemporaryDirectory(dir=CACHE) as tmp:
        wall, rss, _ = run_measured(["osmium", "extract", "--strategy", "smart", "--bbox",
                                     "1.40,42.42,1.60,42.66", "--no-progress", "--output",
                                     str(Path(tmp) / "half.osm.pbf"), str(ANDORRA)])
    return wall, rss


# -- 3. serving -----------------------------------------------------------------------------
@dataclass
class Served:
    label: str
    start_rss: int
    end_rss: int
    peak_rss: int
    queries: int
    failed: int
    seconds: float


def tree_rss(proc: psutil.Process) -> int:
    total = 0
    for one in [proc, *proc.children(recursive=True)]:
        try:
            total += one.memory_info().rss
        except psutil.Error:
            pass
    return total


def bench_server(label: str, source: Path | None, bounds: tuple[float, float, float, float],
                 extra_env: dict[str, str] | None = None, seed: int = 17) -> Served | None:
    """Serve *source* (None: the embedded Helsinki); fire the queries; RSS before/after."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "VENUEFINDER_RATE_LIMIT": "none", "VENUEFINDER_TILES": "none",
           **(extra_env or {})}
    cmd = [VENUEFINDER, "serve", "--host", "127.0.0.1", "--port", str(port)]
    if source is not None:
        cmd += ["--source", str(source)]
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(cmd, env=env, stdout=log, stderr=log,
                                  start_new_session=True)
        proc = psutil.Process(server.pid)
        try:
            try:
                wait_until_up(base + "/api/openapi.json", server, timeout_s=600)
            except SystemExit as exc:
                log.seek(0)
                print(f"  {label}: {exc}: {log.read().strip()[-300:]}")
                return None
            time.sleep(1.0)
            start_rss = peak = tree_rss(proc)
            rng = random.Random(seed)
            west, south, east, north = bounds
            urls = [f"{base}/api/venues?lat={rng.uniform(south, north):.6f}"
                    f"&lon={rng.uniform(west, east):.6f}&radius=2000"
                    for _ in range(VENUE_QUERIES)]
            for _ in range(BASEMAP_QUERIES):
                x = rng.uniform(west, max(west, east - BASEMAP_BOX))
                y = rng.uniform(south, max(south, north - BASEMAP_BOX))
                urls.append(f"{base}/api/basemap?bbox={x:.6f},{y:.6f},{x + BASEMAP_BOX:.6f},"
                            f"{y + BASEMAP_BOX:.6f}")
            urls += [f"{base}/api/places?q={q}" for q in PLACE_QUERIES]
            rng.shuffle(urls)
            failed = 0
            started = time.perf_counter()
            for url in urls:
                try:
                    urllib.request.urlopen(url, timeout=120).read()
                except OSError:
                    failed += 1
                peak = max(peak, tree_rss(proc))
            seconds = time.perf_counter() - started
            end_rss = tree_rss(proc)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    served = Served(label, start_rss, end_rss, max(peak, end_rss), len(urls), failed, seconds)
    print(f"  {label}: RSS after start-up {start_rss / MIB:,.0f} MiB, after {len(urls)} "
          f"queries ({failed} failed, {seconds:.1f} s) {end_rss / MIB:,.0f} MiB, peak "
          f"{served.peak_rss / MIB:,.0f} MiB", flush=True)
    return served


# -- the table ------------------------------------------------------------------------------
def table(rows: list[tuple[str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print("| " + "what".ljust(width) + " | measured |")
    print("|-" + "-" * width + "-|---|")
    for what, figure in rows:
        print(f"| {what.ljust(width)} | {figure} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=20, help="the partitioned source: x grid²")
    parser.add_argument("--one-process-grid", type=int, default=10)
    parser.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    parser.add_argument("--only", choices=["one-process", "partitioned", "serve"])
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"== scale (2 cores shared with other engineers' work: load average "
          f"{load[0]:.1f} at the start; times may drift by tens of percent)", flush=True)
    rows: list[tuple[str, str]] = []
    # The one-process ingest first, while this process is small (see bench_spine).
    if args.only in (None, "one-process"):
        one = bench_one_process(args.one_process_grid)
        if one is not None:
            rows.append((f"one-process ingest, Helsinki x{args.one_process_grid ** 2} "
                         f"({one.size_mb:.0f} MB, {one.objects / 1e6:.1f} M objects)",
                         f"{one.ingest:.2f} s vs bare pass {one.bare:.2f} s: **{one.ratio:.2f}x** "
                         f"(runs {', '.join(f'{r:.2f}' for r in one.ratios)}); peak RSS "
                         f"{one.ingest_rss:,.0f} MiB vs {one.bare_rss:,.0f} MiB"))
    extract = None
    if args.only in (None, "partitioned"):
        print(f"== partitioned ingest of Helsinki x{args.grid ** 2}", flush=True)
        extract = dense_extract(args.grid)
    dataset = CACHE / f"helsinki-x{args.grid ** 2}-dataset"
    if extract is not None and args.only in (None, "partitioned"):
        size = extract.stat().st_size
        bare, bare_rss, count = run_measured([sys.executable, "-c", BARE_PASS, str(extract)])
        objects = int(count)
        print(f"  {extract.name}: {size / 1e6:.0f} MB, {objects:,} objects with areas; bare "
              f"pass {bare:.1f} s", flush=True)
        rows.append((f"Helsinki x{args.grid ** 2}, ids renumbered ({size / 1e6:.0f} MB, "
                     f"{objects / 1e6:.1f} M objects)",
                     f"bare pyosmium pass with areas {bare:.1f} s: {objects / bare:,.0f} "
                     f"objects/s (peak RSS {bare_rss:,.0f} MiB)"))
        runs: dict[int, Partitioned] = {}
        for workers in (int(w) for w in args.workers.split(",")):
            out = CACHE / f"helsinki-x{args.grid ** 2}-w{workers}"
            run = bench_partitioned(extract, workers, out)
            if run is None:
                rows.append((f"partitioned ingest, {workers} worker(s)", "failed: see above"))
                continue
            runs[workers] = run
            tiles = run.manifest["tiles"]
            peak = max(run.seen.workers.values(), key=lambda p: p.tree_rss)
            speedup = (f"speed-up **{runs[1].seen.wall / run.seen.wall:.2f}x**; "
                       if 1 in runs and workers != 1 else "")
            rate = objects / run.seen.wall / workers
            rows.append((f"partitioned ingest, {workers} worker(s), {len(tiles)} tiles "
                         f"(--partitions auto)",
                         f"wall **{run.seen.wall:.1f} s** ({run.seen.wall / bare:.1f}x the bare "
                         f"pass over the file); {speedup}**{rate:,.0f} source objects/s per "
                         f"worker**; peak per worker: own {peak.own_rss / MIB:,.0f} MiB, with "
                         f"its children **{peak.tree_rss / MIB:,.0f} MiB** RSS "
                         f"({peak.tree_pss / MIB:,.0f} MiB PSS); all processes "
                         f"{run.seen.tree_rss / MIB:,.0f} MiB RSS; osmium cuts "
                         f"{sum(c.end - c.start for c in run.seen.cuts.values()):.0f} s ({len(run.seen.cuts)} passes) of "
                         f"{sum(run.tile_seconds.values()):.0f} s of tiles"))
        if runs:
            first = runs[min(runs)]
            tile_bare = bench_tile_bare(extract, first)
            seconds = first.tile_seconds[tile_bare.tile]
            cutting = first.cut_seconds[tile_bare.tile]
            n = tile_bare.bare_objects
            rows.append((f"tile {tile_bare.tile} ({n / 1e6:.2f} M objects in its cut, halo "
                         f"included), {min(runs)} worker(s)",
                         f"{seconds:.1f} s in the ingest ({cutting:.1f} s of it cutting): "
                         f"{n / seconds:,.0f} objects/s; bare pass over its cut "
                         f"{tile_bare.bare_s:.2f} s: {n / tile_bare.bare_s:,.0f} objects/s; "
                         f"ratio **{seconds / tile_bare.bare_s:.1f}x** "
                         f"({(seconds - cutting) / tile_bare.bare_s:.1f}x without the cut; the "
                         f"cut alone {tile_bare.cut_s:.1f} s)"))
            # The last run's dataset is kept for serving; the others go.
            shutil.rmtree(dataset, ignore_errors=True)
            for workers in runs:
                out = CACHE / f"helsinki-x{args.grid ** 2}-w{workers}"
                if workers == max(runs):
                    out.replace(dataset)
                else:
                    shutil.rmtree(out)
        real = andorra_cut()
        if real is not None:
            rows.append(("one osmium cut of a real extract (half of Andorra, real ids)",
                         f"{real[0]:.1f} s, peak RSS {real[1]:,.0f} MiB"))
    if args.only in (None, "serve"):
        print("== server memory: a dataset against the embedded Helsinki", flush=True)
        if not (dataset / MANIFEST).is_file():
            print(f"  skipped: no dataset at {dataset} (run the partitioned part first)")
        else:
            bounds = tuple(json.loads((dataset / MANIFEST).read_text())["bounds"])
            small = bench_server("embedded Helsinki", None, (24.935, 60.164, 24.953, 60.179))
            big = [bench_server(f"Helsinki x{args.grid ** 2} dataset", dataset, bounds),
                   bench_server(f"Helsinki x{args.grid ** 2} dataset, "
                                f"VENUEFINDER_TILE_CACHE={SMALL_TILE_CACHE}", dataset, bounds,
                                {"VENUEFINDER_TILE_CACHE": str(SMALL_TILE_CACHE)})]
            for served in (small, *big):
                if served is not None:
                    rows.append((f"server of {served.label}",
                                 f"RSS after start-up {served.start_rss / MIB:,.0f} MiB, after "
                                 f"{served.queries} queries ({served.seconds:.0f} s) "
                                 f"{served.end_rss / MIB:,.0f} MiB (peak "
                                 f"{served.peak_rss / MIB:,.0f} MiB; {served.failed} failed)"))
                    if small is not None and served is not small:
                        rows.append(("  ratio to the embedded Helsinki's server",
                                     f"after start-up **{served.start_rss / small.start_rss:.2f}x**"
                                     f", after the queries **{served.end_rss / small.end_rss:.2f}x**"))
    load = os.getloadavg()
    print(f"== scale: figures (load average {load[0]:.1f} at the end; 2 shared cores)")
    if rows:
        table(rows)


if __name__ == "__main__":
    main()
