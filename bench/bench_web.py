"""Load benchmark of the map API; prints figures, asserts nothing (see README: Speed).

Serves the ingested Helsinki x100 (made by bench_spine.py's extract, ingested here into the
git-ignored .cache/bench/) with gunicorn, the production server, and loads
``GET /api/venues`` (2 km radius, random points of the region) with wrk from a second
process at concurrency 8. Prints p50/p95/p99 latency, requests/s, and the first page's
bytes.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_spine import CACHE, VENUEFINDER, big_extract  # noqa: E402

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ingested(grid: int) -> Path | None:
    extract = big_extract(grid)
    if extract is None:
        return None
    out = CACHE / f"{extract.name.split('.')[0]}.parquet"
    if not out.exists() or out.stat().st_mtime < extract.stat().st_mtime:
        subprocess.run([VENUEFINDER, "ingest", str(extract), "--out", str(out)], check=True,
                       stderr=subprocess.DEVNULL)
    return out


def wait_until_up(url: str, proc: subprocess.Popen, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited during start-up")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


def first_page_bytes(base: str) -> tuple[int, int]:
    """Bytes of the map page's HTML, and of the HTML plus every local script, stylesheet
    and image it links (what a first visit downloads before any API call)."""
    html = urllib.request.urlopen(base + "/", timeout=10).read()
    total = len(html)
    for link in set(re.findall(rb'(?:src|href)="(/[^"]+)"', html)):
        try:
            total += len(urllib.request.urlopen(base + link.decode(), timeout=10).read())
        except OSError:
            pass
    return len(html), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()

    print(f"== GET /api/venues under load (Helsinki x{args.grid ** 2}, gunicorn, wrk)")
    if shutil.which("wrk") is None:
        print("  skipped: wrk is not installed (make system-deps installs it as root)")
        return
    source = ingested(args.grid)
    if source is None:
        return
    import geopandas as gpd

    west, south, east, north = gpd.read_parquet(source, columns=["geometry"]).total_bounds
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "VENUEFINDER_SOURCE": str(source), "VENUEFINDER_RATE_LIMIT": "none",
           "VENUEFINDER_TILES": "none"}
    server = subprocess.Popen(
        [GUNICORN, "--workers", str(args.workers), "--threads", str(args.threads), "--preload",
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "venuefinder.web:create_app()"], env=env)
    try:
        wait_until_up(base + "/api/openapi.json", server)
        html_bytes, total_bytes = first_page_bytes(base)
        wrk_env = {**os.environ, "BENCH_WEST": str(west), "BENCH_SOUTH": str(south),
                   "BENCH_EAST": str(east), "BENCH_NORTH": str(north)}
        script = str(Path(__file__).with_name("wrk_venues.lua"))
        # Warm-up, then the measured run.
        subprocess.run(["wrk", "-t2", f"-c{args.connections}", "-d3s", "-s", script, base],
                       env=wrk_env, capture_output=True, check=True)
        done = subprocess.run(["wrk", "-t2", f"-c{args.connections}", f"-d{args.seconds}s",
                               "-s", script, base], env=wrk_env, capture_output=True,
                              text=True, check=True)
        line = next(row for row in done.stdout.splitlines() if row.startswith("BENCH"))
        figures = dict(pair.split("=") for pair in line.split()[1:])
        print(f"  region: {source.name}, {args.workers} workers x {args.threads} threads, "
              f"wrk -c{args.connections} for {args.seconds} s")
        print(f"  latency p50 {float(figures['p50_ms']):.1f} ms, p95 "
              f"{float(figures['p95_ms']):.1f} ms, p99 {float(figures['p99_ms']):.1f} ms  "
              "(target p95 <= 25 ms)")
        print(f"  throughput {float(figures['rps']):.0f} requests/s "
              f"({figures['requests']} requests, {figures['errors']} errors, "
              f"{figures['non2xx']} non-2xx)")
        print(f"  first page: {html_bytes:,} bytes of HTML, {total_bytes:,} bytes with its "
              "local scripts and styles (target < 1 MB)")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
