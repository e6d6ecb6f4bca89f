"""Route flood benchmark (issue 16 item 12); prints figures, asserts nothing (README: Speed).

The production command (gunicorn with ``venuefinder.web.gunicorn_conf``, its defaults: 2
gevent workers, rate limits on) serves the embedded Helsinki extract. The flood: :data:`FLOOD`
15 km loop requests kept open at once, each from a new start (so the answer cache never
helps), the next sent when one is answered (a 429 or 503 too: its ``Retry-After`` is
ignored), paced to stay under the 600 per minute rate limit, as in the issue. Another
client (127.0.0.2) asks ``GET /api/venues`` around random points about :data:`PROBE_PER_S`
times a second, first on an idle server, then during each flood: from one client (the
issue's figure; target: flood p95 <= max(150 ms, 5 x idle p95)), and from six clients at
one request each (the per-client limit cannot help there: only the pool does).
"""

from __future__ import annotations

import argparse
import http.client
import math
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_web import GUNICORN, free_port, wait_until_up  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
#: Concurrent loop requests of the flooding client, and their length.
FLOOD = 6
LOOP_M = 15_000
PROBE_PER_S = 8.0
#: Central Helsinki: the embedded extract's venues and ways.
LAT, LON, SPREAD = 60.168, 24.94, 0.012
#: Requests per second one flooding client sends at most (600 per minute is 10).
FLOOD_PER_S = 9.0
PROBE_CLIENT = "127.0.0.2"


def get(port: int, path: str, source: str, timeout: float = 60.0) -> tuple[int, float]:
    """(status, seconds) of one GET from the loopback address *source*."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                            source_address=(source, 0))
    started = time.perf_counter()
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    finally:
        connection.close()


def probe(port: int, seconds: float, rng: random.Random) -> list[float]:
    """Milliseconds of ``/api/venues`` answers over *seconds*, at about PROBE_PER_S (a
    request answered otherwise than 200 counts as infinitely slow)."""
    times = []
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        lat, lon = LAT + rng.uniform(-SPREAD, SPREAD), LON + rng.uniform(-SPREAD, SPREAD)
        status, took = get(port, f"/api/venues?lat={lat:.5f}&lon={lon:.5f}&radius=2000",
                           PROBE_CLIENT)
        times.append(took * 1000.0 if status == 200 else math.inf)
        time.sleep(max(0.0, 1.0 / PROBE_PER_S - took))
    return times


def flood(port: int, stop: threading.Event, counts: dict[int, int], seed: int,
          client: str, per_s: float) -> None:
    """Loop requests from *client*, one at a time, at most *per_s* a second."""
    rng = random.Random(seed)
    while not stop.is_set():
        lat, lon = LAT + rng.uniform(-SPREAD, SPREAD), LON + rng.uniform(-SPREAD, SPREAD)
        try:
            status, took = get(port, f"/api/routes/loop?lat={lat:.5f}&lon={lon:.5f}"
                                     f"&length={LOOP_M}", client)
        except OSError:
            status, took = 0, 0.0
        counts[status] = counts.get(status, 0) + 1
        stop.wait(max(0.0, 1.0 / per_s - took))


def flooded(port: int, seconds: float, rng: random.Random,
            clients: list[str]) -> tuple[list[float], dict[int, int]]:
    """The probe's times during a flood of FLOOD requests from *clients* (in turn)."""
    stop, counts = threading.Event(), {}
    per_client = FLOOD // len(clients)
    threads = [threading.Thread(target=flood, args=(
        port, stop, counts, k, clients[k % len(clients)], FLOOD_PER_S / per_client))
        for k in range(FLOOD)]
    for thread in threads:
        thread.start()
    time.sleep(2.0)  # the flood under way
    try:
        return probe(port, seconds, rng), counts
    finally:
        stop.set()
        for thread in threads:
            thread.join(120)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="each phase's length")
    args = parser.parse_args()
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "VENUEFINDER_TILES": "none",
               "VENUEFINDER_CACHE_DIR": str(ROOT / ".cache" / "bench" / "flood"),
               "VENUEFINDER_DATABASE_URL": f"sqlite:///{tmp}/flood.db",
               "XDG_RUNTIME_DIR": tmp}
        env.pop("VENUEFINDER_SOURCE", None)
        server = subprocess.Popen(
            [GUNICORN, "-c", "python:venuefinder.web.gunicorn_conf", "--bind",
             f"127.0.0.1:{port}", "venuefinder.web:create_app()"],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until_up(f"http://127.0.0.1:{port}/api/openapi.json", server)
            rng = random.Random(16)
            for k in range(4):  # each worker's pool up and its graph loaded
                get(port, f"/api/routes/loop?lat={LAT}&lon={LON}&length=2000",
                    f"127.0.1.{k + 1}")
            idle = probe(port, args.seconds, rng)
            one = flooded(port, args.seconds, rng, ["127.0.0.3"])
            six = flooded(port, args.seconds, rng, [f"127.0.2.{k + 1}" for k in range(FLOOD)])
        finally:
            server.terminate()
            server.wait(30)
    idle_p95 = percentile(idle, 0.95)
    target = max(150.0, 5.0 * idle_p95)
    print(f"route flood ({FLOOD} concurrent {LOOP_M / 1000:g} km loop requests, production "
          "command, embedded Helsinki): another client's /api/venues")
    print(f"  idle:                p50 {statistics.median(idle):6.1f} ms, p95 {idle_p95:6.1f} "
          f"ms ({len(idle)} requests, {sum(map(math.isinf, idle))} not 200)")
    for name, (busy, counts) in (("flood, one client", one), ("flood, six clients", six)):
        busy_p95 = percentile(busy, 0.95)
        print(f"  {name + ':':20} p50 {statistics.median(busy):6.1f} ms, p95 {busy_p95:6.1f} "
              f"ms ({len(busy)} requests, {sum(map(math.isinf, busy))} not 200); p95 {busy_p95 / idle_p95:.1f}x idle; target "
              f"<= {target:.0f} ms: {'met' if busy_p95 <= target else 'MISSED'}; loops "
              "answered " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))


if __name__ == "__main__":
    main()
