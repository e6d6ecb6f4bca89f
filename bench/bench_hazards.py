"""Hazard benchmarks; prints figures, asserts nothing (see README: Speed).

1. ``GET /api/venues`` on the ingested Helsinki x100 (as ``bench_web.py`` makes it) under
   the production command (gunicorn with ``venuefinder.web.gunicorn_conf``), wrk at
   concurrency 8, 2 km radius at random points: first with an empty store, then with
   10,000 open hazards, each placed beside a random venue (so that answers really are
   re-scored). Prints both p95s side by side (target with hazards: p95 <= 25 ms).
2. ``POST /api/hazards`` throughput (wrk, random points, concurrency 8) on SQLite and, when
   ``VENUEFINDER_BENCH_DATABASE_URL`` or ``VENUEFINDER_TEST_DATABASE_URL`` names one,
   PostgreSQL (its hazard tables are emptied: never point it at a live store).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Optional

sys.path.insert(0, str(Path(__file__).parent))
from bench_web import GUNICORN, free_port, ingested, wait_until_up  # noqa: E402

HERE = Path(__file__).parent
HAZARDS = 10_000
#: PostgreSQL for the POST figure: its own database when given, else the tests' one.
PG_ENVS = ("VENUEFINDER_BENCH_DATABASE_URL", "VENUEFINDER_TEST_DATABASE_URL")


def seed_hazards(url: str, source: Path, count: int, seed: int = 8) -> None:
    """*count* open hazards, each within ~30 m of a random venue of *source*, in one
    write transaction (a bench set-up, not the API's path)."""
    import geopandas as gpd
    import numpy as np

    from venuefinder.store.db import connect_store
    from venuefinder.store.hazards import _expiry
    from venuefinder.store.models import Hazard
    from venuefinder.vocabulary.hazards import KINDS, SEVERITIES

    rng = np.random.default_rng(seed)
    points = gpd.read_parquet(source, columns=["geometry"]).geometry.representative_point()
    picked = points.iloc[rng.integers(0, len(points), count)]
    lats = picked.y.to_numpy() + rng.uniform(-0.0003, 0.0003, count)
    lons = picked.x.to_numpy() + rng.uniform(-0.0005, 0.0005, count)
    kinds = rng.choice([k for k in KINDS if k != "hill"], count)
    severities = rng.choice(SEVERITIES, count)
    now = datetime.now(timezone.utc)
    store = connect_store(url)
    try:
        with store.write() as session:
            session.add_all([Hazard(kind=str(k), severity=str(s), lat=float(a), lon=float(o),
                                    description="bench", status="open", confirmations=1,
                                    flags=0, reporter=f"bench-{i}", created_at=now,
                                    updated_at=now, seen_at=now, expires_at=_expiry(str(k), now))
                             for i, (k, s, a, o) in enumerate(zip(kinds, severities, lats,
                                                                  lons))])
    finally:
        store.engine.dispose()


def empty_store(url: str) -> None:
    from sqlalchemy import text

    from venuefinder.store.db import connect_store

    store = connect_store(url)
    try:
        with store.write() as session:
            session.execute(text("DELETE FROM hazard_votes"))
            session.execute(text("DELETE FROM hazards"))
    finally:
        store.engine.dispose()


def wrk(script: str, base: str, bounds: tuple[float, ...], connections: int,
        seconds: int, warmup: int) -> dict[str, float]:
    west, south, east, north = bounds
    env = {**os.environ, "BENCH_WEST": str(west), "BENCH_SOUTH": str(south),
           "BENCH_EAST": str(east), "BENCH_NORTH": str(north)}
    path = str(HERE / script)
    subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{warmup}s", "-s", path, base],
                   env=env, capture_output=True, check=True)  # warm-up
    done = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "-s", path,
                           base], env=env, capture_output=True, text=True, check=True)
    line = next(row for row in done.stdout.splitlines() if row.startswith("BENCH"))
    return {k: float(v) for k, v in (pair.split("=") for pair in line.split()[1:])}


class Server:
    """The production command serving *source* on the store at *url*."""

    def __init__(self, source: Path, url: str, workers: int, instance: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "VENUEFINDER_SOURCE": str(source), "VENUEFINDER_TILES": "none",
               # wrk_hazards.lua names each report's client in X-Forwarded-For.
               "VENUEFINDER_TRUSTED_PROXIES": "1",
               "VENUEFINDER_RATE_LIMIT": "none", "DATABASE_URL": url,
               "XDG_RUNTIME_DIR": str(instance)}
        app = f"venuefinder.web:create_app(instance_path={str(instance)!r})"
        self.process = subprocess.Popen(
            [GUNICORN, "-c", "python:venuefinder.web.gunicorn_conf", "--workers", str(workers),
             "--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", app], env=env)
        wait_until_up(self.base + "/api/openapi.json", self.process)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def line(figures: dict[str, float]) -> str:
    return (f"p50 {figures['p50_ms']:.1f} ms, p95 {figures['p95_ms']:.1f} ms, "
            f"p99 {figures['p99_ms']:.1f} ms, {figures['rps']:.0f} requests/s "
            f"({figures['requests']:.0f} requests, {figures['errors']:.0f} errors, "
            f"{figures['non2xx']:.0f} non-2xx)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--hazards", type=int, default=HAZARDS)
    parser.add_argument("--warmup", type=int, default=10,
                        help="seconds of load before measuring (each worker fills its memo "
                             "of re-scored venues, see venuefinder.live.LiveView)")
    args = parser.parse_args()

    print(f"== hazards: GET /api/venues with and without {args.hazards:,} open reports, "
          "POST /api/hazards throughput")
    if shutil.which("wrk") is None:
        print("  skipped: wrk is not installed (make system-deps installs it as root)")
        return
    source = ingested(args.grid)
    if source is None:
        return
    import geopandas as gpd

    bounds = tuple(float(v) for v in
                   gpd.read_parquet(source, columns=["geometry"]).total_bounds)
    with tempfile.TemporaryDirectory(prefix="venuefinder-bench-") as tmp:
        instance = Path(tmp)
        sqlite = f"sqlite:///{instance / 'venuefinder.db'}"
        figures: dict[str, dict[str, float]] = {}
        for label, count in (("no hazards", 0), (f"{args.hazards:,} open hazards",
                                                  args.hazards)):
            empty_store(sqlite)
            if count:
                seed_hazards(sqlite, source, count)
            server = Server(source, sqlite, args.workers, instance)
            try:
                figures[label] = wrk("wrk_venues.lua", server.base, bounds, args.connections,
                                     args.seconds, args.warmup)
            finally:
                server.stop()
        print(f"  region: {source.name}; production command, {args.workers} gevent workers; "
              f"wrk -c{args.connections} for {args.seconds} s after {args.warmup} s of "
              "warm-up, 2 km radius")
        for label, result in figures.items():
            print(f"  GET /api/venues, {label}: {line(result)}")
        p95 = [r["p95_ms"] for r in figures.values()]
        print(f"  p95 without / with hazards: {p95[0]:.1f} ms / {p95[-1]:.1f} ms "
              "(target with hazards <= 25 ms)")

        postgres = next((os.environ[e] for e in PG_ENVS if os.environ.get(e)), None)
        databases: list[tuple[str, Optional[str]]] = [("SQLite", sqlite),
                                                      ("PostgreSQL", postgres)]
        for name, url in databases:
            if not url:
                print(f"  POST /api/hazards on {name}: skipped (set {PG_ENVS[0]})")
                continue
            empty_store(url)
            server = Server(source, url, args.workers, instance)
            try:
                result = wrk("wrk_hazards.lua", server.base, bounds, args.connections,
                             args.seconds, 3)
            finally:
                server.stop()
            print(f"  POST /api/hazards on {name}: {result['rps']:.0f} requests/s; "
                  f"{line(result)}")
            empty_store(url)


if __name__ == "__main__":
    main()
