"""Production robustness: the documented gunicorn command under a slowloris attack, and
``venuefinder ingest`` writing to a full disk.

The server runs on 127.0.0.1 (a free port) with a tiny extract written here; every loop is
bounded in count and time, and the server is stopped at the end whatever happens.
"""

from __future__ import annotations

import gc
import http.client
import json
import math
import os
import select
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import pytest
from click.testing import CliRunner

from venuefinder.cli import main
from venuefinder.cli.ingest import write_venues
from venuefinder.errors import InputError

GUNICORN = Path(sys.executable).with_name("gunicorn")
#: The production command (README), less ``--bind``.
PRODUCTION = [str(GUNICORN), "-c", "python:venuefinder.web.gunicorn_conf",
              "venuefinder.web:create_app()"]
SLOW_CONNECTIONS = 32
#: How long the slow clients keep at it, reopening what the server drops (seconds).
SLOW_FOR_S = 9
FAST_REQUESTS = 20
#: Each fast request must be answered within this; a server whose workers the slow clients
#: hold never answers it.
FAST_TIMEOUT_S = 5.0
#: The server's body deadline in these tests (VENUEFINDER_BODY_TIMEOUT_S; 30 s by default).
BODY_TIMEOUT_S = 2.0


def _square(lat: float, lon: float, half_m: float) -> list[tuple[float, float]]:
    dlat = half_m / 110_540
    dlon = half_m / (111_320 * math.cos(math.radians(lat)))
    return [(lat - dlat, lon - dlon), (lat - dlat, lon + dlon), (lat + dlat, lon + dlon),
            (lat + dlat, lon - dlon)]


def tiny_osm() -> str:
    """An OSM XML extract: three 80 m fields and a street in central Helsinki, one place."""
    fields = [("pitch", "Kenttä", 60.170, 24.940), ("park", "Puisto", 60.172, 24.945),
              ("track", "Rata", 60.168, 24.936)]
    nodes, ways = [], []
    for i, (kind, name, lat, lon) in enumerate(fields):
        ids = [1000 + 10 * i + k for k in range(4)]
        nodes += [(nid, a, b, {}) for nid, (a, b) in zip(ids, _square(lat, lon, 40))]
        ways.append((100 + i, ids + ids[:1], {"leisure": kind, "name": name,
                                              "surface": "grass"}))
    nodes += [(2000, 60.169, 24.930, {}), (2001, 60.169, 24.950, {}),
              (3000, 60.171, 24.941, {"place": "suburb", "name": "Kaivopuisto"})]
    ways.append((200, [2000, 2001], {"highway": "residential", "name": "Katu"}))

    def tags(values: dict[str, str]) -> str:
        return "".join(f'<tag k="{k}" v="{v}"/>' for k, v in values.items())

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    lines += [f'<node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}">{tags(t)}</node>'
              for nid, lat, lon, t in nodes]
    lines += [f'<way id="{wid}" version="1">' + "".join(f'<nd ref="{r}"/>' for r in refs)
              + tags(t) + "</way>" for wid, refs, t in ways]
    return "\n".join([*lines, "</osm>"])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str, timeout: float,
         source: Optional[str] = None) -> tuple[int, bytes]:
    """GET *path*, from the loopback address *source* when given (a client of its own)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                            source_address=source and (source, 0))
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


@contextmanager
def _production(tmp_path: Path, **env: Optional[str]) -> Iterator[int]:
    """The production command on a free loopback port, with *env* added (None: removed;
    its cache and control socket under *tmp_path*); its port."""
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed beside {sys.executable}")
    pytest.importorskip("gevent", reason="gevent (the production worker) is not installed")
    port = _free_port()
    added = {"VENUEFINDER_TILES": "none", "VENUEFINDER_CACHE_DIR": str(tmp_path / "cache"),
             # gunicorn's control socket goes here rather than in ~/.gunicorn
             "XDG_RUNTIME_DIR": str(tmp_path), **env}
    env = {k: v for k, v in {**os.environ, **added}.items() if v is not None}
    log = (tmp_path / "gunicorn.log").open("wb")
    server = subprocess.Popen([*PRODUCTION[:-1], "--bind", f"127.0.0.1:{port}", PRODUCTION[-1]],
                              env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                if _get(port, "/api/openapi.json", 2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not come up within 60 s"
            time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.fixture(scope="module")
def production_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The production command serving a tiny extract on a free loopback port."""
    tmp_path = tmp_path_factory.mktemp("production")
    source = tmp_path / "tiny.osm"
    source.write_text(tiny_osm(), encoding="utf-8")
    with _production(tmp_path, VENUEFINDER_SOURCE=str(source),
                     VENUEFINDER_BODY_TIMEOUT_S=str(BODY_TIMEOUT_S)) as port:
        yield port


class SlowClients:
    """Connections that send a request's line and headers one byte a second, reopening each
    one the server drops, so that *count* are open at every tick."""

    def __init__(self, port: int, count: int) -> None:
        self.port, self.count = port, count
        self.payload = (b"GET /api/venues?lat=60.17&lon=24.94 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + b"X-Slow: " + b"z" * 200)
        self.sockets: dict[socket.socket, int] = {}  # socket → bytes sent
        self.opened = self.dropped = 0

    def _open(self) -> None:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
        sock.sendall(self.payload[:1])
        self.sockets[sock] = 1
        self.opened += 1

    def tick(self) -> None:
        """Drop what the server closed (and reopen it), send the next byte on the rest."""
        readable, _, _ = select.select(list(self.sockets), [], [], 0)
        for sock in readable:
            if sock.recv(4096) == b"":  # closed by the server
                del self.sockets[sock]
                sock.close()
                self.dropped += 1
        while len(self.sockets) < self.count:
            self._open()
        for sock, sent in list(self.sockets.items()):
            try:
                sock.sendall(self.payload[sent:sent + 1])
                self.sockets[sock] = sent + 1
            except OSError:  # closed between select and send: reopened next tick
                del self.sockets[sock]
                sock.close()
                self.dropped += 1

    def close(self) -> None:
        for sock in self.sockets:
            sock.close()


def test_production_command_serves_others_during_slowloris(production_server: int) -> None:
    port = production_server
    slow = SlowClients(port, SLOW_CONNECTIONS)
    answered: list[int] = []
    try:
        slow.tick()  # 32 connections, each holding a partial request line
        started = time.monotonic()
        for i in range(FAST_REQUESTS):
            status, body = _get(port, f"/api/venues?lat=60.17&lon=24.94&limit={i % 5 + 1}",
                                FAST_TIMEOUT_S)
            assert status == 200 and json.loads(body)["type"] == "FeatureCollection"
            answered.append(status)
            if i % 5 == 4:
                slow.tick()
        open_during_fast_requests = len(slow.sockets)
        # Keep it up past the header deadline: the server drops slow clients by itself.
        while time.monotonic() - started < SLOW_FOR_S:
            time.sleep(1)
            slow.tick()
    finally:
        slow.close()
    assert answered == [200] * FAST_REQUESTS
    assert open_during_fast_requests == SLOW_CONNECTIONS
    assert slow.dropped >= SLOW_CONNECTIONS, "slow headers must time out (gunicorn keepalive)"


#: The route flood: this many 15 km loop requests open at once from one client, for this
#: long; meanwhile another client's venue searches must each answer within the timeout,
#: and half of them within the median (measured: 4 ms with the route pool; 270 ms with
#: the searches in the request, which hold a gevent worker 0.3-1 s each).
FLOOD = 6
FLOOD_FOR_S = 8.0
PROBE_TIMEOUT_S = 2.0
PROBE_MEDIAN_S = 0.1


def test_production_command_serves_others_during_a_route_flood(tmp_path: Path) -> None:
    """6 concurrent 15 km loop requests from one client (new starts, paced under the rate
    limit) on the embedded Helsinki extract: another client's /api/venues still answers
    quickly, because searches run in the route pool, not in the gevent workers."""
    import threading

    with _production(tmp_path, VENUEFINDER_SOURCE=None) as port:
        for k in range(4):  # each worker's pool started, its graph loaded
            assert _get(port, "/api/routes/loop?lat=60.1699&lon=24.9384&length=2000", 60,
                        f"127.0.1.{k + 1}")[0] == 200
        stop = threading.Event()
        statuses: list[int] = []

        def flood(k: int) -> None:
            n = 0
            while not stop.is_set():
                n += 1
                # A new start each time, within the extract's ways (the cache never helps).
                lat, lon = 60.165 + 0.0013 * ((k * 7 + n) % 10), 24.936 + 0.0016 * (n % 10)
                try:
                    statuses.append(_get(port, f"/api/routes/loop?lat={lat:.4f}&lon={lon:.4f}"
                                               "&length=15000", 30, "127.0.0.3")[0])
                except OSError:
                    statuses.append(0)
                stop.wait(FLOOD / 9.0)  # the client stays under 600 requests a minute

        threads = [threading.Thread(target=flood, args=(k,)) for k in range(FLOOD)]
        for thread in threads:
            thread.start()
        took: list[float] = []
        try:
            time.sleep(1.0)
            end = time.monotonic() + FLOOD_FOR_S
            while time.monotonic() < end:
                started = time.monotonic()
                status, body = _get(port, "/api/venues?lat=60.168&lon=24.94&radius=2000",
                                    PROBE_TIMEOUT_S, "127.0.0.2")
                assert status == 200 and json.loads(body)["type"] == "FeatureCollection"
                took.append(time.monotonic() - started)
                time.sleep(0.1)
        finally:
            stop.set()
            for thread in threads:
                thread.join(60)
    assert sorted(took)[len(took) // 2] <= PROBE_MEDIAN_S, took
    assert 200 in statuses and 429 in statuses  # searches ran; the client was held to 2
    assert set(statuses) <= {200, 404, 429}, statuses


def _stalled_body(port: int) -> socket.socket:
    """A connection that sent a write's headers announcing 1,000 bytes, then 10, and
    stalls."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    sock.sendall(b"POST /api/hazards HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
                 b'{"kind": ')
    return sock


def _cut_after(sock: socket.socket, within: float) -> tuple[float, bytes]:
    """Seconds until the server closed *sock* (at most *within*: then inf), and what it
    answered before."""
    start, answer = time.monotonic(), b""
    sock.settimeout(0.1)
    while time.monotonic() - start < within:
        try:
            data = sock.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return time.monotonic() - start, answer
        if not data:
            return time.monotonic() - start, answer
        answer += data
    return math.inf, answer


def test_a_stalled_body_is_cut_at_the_deadline_and_others_are_served(
        production_server: int) -> None:
    port = production_server
    stalled = _stalled_body(port)
    try:
        start = time.monotonic()
        # Meanwhile, normal requests are answered at once.
        while time.monotonic() - start < BODY_TIMEOUT_S - 0.5:
            began = time.monotonic()
            assert _get(port, "/api/venues?lat=60.17&lon=24.94", FAST_TIMEOUT_S)[0] == 200
            assert time.monotonic() - began < 1.0
            time.sleep(0.2)
        _, answer = _cut_after(stalled, BODY_TIMEOUT_S + 3)
        cut_at = time.monotonic() - start
    finally:
        stalled.close()
    assert BODY_TIMEOUT_S - 0.5 < cut_at < BODY_TIMEOUT_S + 3, "not cut at the deadline"
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408"), answer
    assert json.loads(body)["error"] == "request_timeout"


def test_a_client_may_stall_only_a_few_bodies_at_once(production_server: int) -> None:
    """Beyond SLOW_BODIES_PER_CLIENT (4) per worker (2 workers), a client's new stalled
    bodies are cut at once; other requests are still answered."""
    stalled = [_stalled_body(port=production_server) for _ in range(12)]
    try:
        cut_at_once = 0
        for sock in stalled:
            waited, answer = _cut_after(sock, 0.3)
            cut_at_once += waited < 0.3 and answer.startswith(b"HTTP/1.1 408")
        assert cut_at_once >= 12 - 2 * 4
        assert _get(production_server, "/api/openapi.json", FAST_TIMEOUT_S)[0] == 200
    finally:
        for sock in stalled:
            sock.close()


def _raw(port: int, request: bytes) -> tuple[int, str, bytes]:
    """Status, content type and body of the answer to raw request bytes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):  # every request here asks to close
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    types = [line.split(": ", 1)[1] for line in lines if line.lower().startswith("content-type")]
    return int(lines[0].split()[1]), (types or [""])[0], body


def _request(target: bytes, headers: bytes = b"") -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + \
        b"Connection: close\r\n\r\n"


@pytest.mark.parametrize("request_bytes, status, content_type", [
    # Over the app's limits, under gunicorn's: the app's JSON.
    (_request(b"/api/places?q=a&pad=" + b"x" * 5000), 414, "application/json"),
    (_request(b"/", b"X-Pad: " + b"y" * 9000 + b"\r\nX-Pad-2: " + b"y" * 9000 + b"\r\n"), 431,
     "application/json"),
    (_request(b"/nope", b"X-Many: 1\r\n" * 60), 404, "application/json"),
    # Over gunicorn's own limits: its HTML, before the app (documented in gunicorn_conf).
    (_request(b"/api/places?q=a&pad=" + b"x" * 9000), 414, "text/html"),
    (_request(b"/", b"X-Many: 1\r\n" * 101), 431, "text/html"),
    (_request(b"/", b"X-Pad: " + b"y" * 17000 + b"\r\n"), 431, "text/html"),
])
def test_who_answers_oversized_requests(production_server: int, request_bytes: bytes,
                                        status: int, content_type: str) -> None:
    got, got_type, body = _raw(production_server, request_bytes)
    assert (got, got_type) == (status, content_type)
    if content_type == "application/json":
        assert set(json.loads(body)) == {"error", "message"}


# -- ingest on a full disk -------------------------------------------------------------------
@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB tmpfs with about 8 KB left (root only; CI runs as root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a 1 MB tmpfs needs root")
    mount = tmp_path / "full"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    try:
        stat = os.statvfs(mount)
        (mount / "filler").write_bytes(b"\0" * (stat.f_bavail * stat.f_frsize - 8192))
        yield mount
    finally:
        gc.collect()  # pyarrow leaves its failed file open until collected
        subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.parametrize("name", ["x.gpkg", "x.parquet"])
def test_ingest_to_a_full_disk_exits_2_and_leaves_nothing(full_disk: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          name: str) -> None:
    monkeypatch.setenv("VENUEFINDER_CACHE_DIR", str(tmp_path / "cache"))
    source = tmp_path / "tiny.osm"
    source.write_text(tiny_osm(), encoding="utf-8")
    result = CliRunner().invoke(main, ["ingest", str(source), "--out", str(full_disk / name)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines()[-1] == (
        f"venuefinder: error: cannot write {full_disk / name}: No space left on device")
    assert sorted(p.name for p in full_disk.iterdir()) == ["filler"]


@pytest.fixture
def venues():
    import geopandas as gpd
    from shapely.geometry import box

    return gpd.GeoDataFrame({"id": ["way/1"], "score": [80.0]},
                            geometry=[box(24.9, 60.1, 24.91, 60.11)], crs="EPSG:4326")


def _failing_writer(tmp: list[Path], exc: BaseException):
    """A writer that leaves half a file, then fails as a full disk makes it fail."""

    def write(self, path, *args, **kwargs):
        Path(path).write_bytes(b"half a file")
        tmp.append(Path(path))
        raise exc

    return write


@pytest.mark.parametrize("method, name, exc, reason", [
    ("to_file", "x.gpkg", "FeatureError", "No space left on device"),
    ("to_file", "x.gpkg", "DataSourceError", "No space left on device"),
    ("to_file", "x.gpkg", "FieldError", "Could not add field"),
    ("to_parquet", "x.parquet", "ENOSPC", "No space left on device"),
])
def test_write_venues_fails_in_one_line_and_cleans_up(venues, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      method: str, name: str, exc: str,
                                                      reason: str) -> None:
    """The full disk simulated, where no tmpfs can be mounted; the previous output stays."""
    import geopandas as gpd
    import pyogrio.errors

    error = {"FeatureError": pyogrio.errors.FeatureError(
                 "Could not add feature to layer at index 3: failed to execute insert : "
                 "database or disk is full"),
             "DataSourceError": pyogrio.errors.DataSourceError(
                 "sqlite3_open(x) failed: database or disk is full"),
             "FieldError": pyogrio.errors.FieldError("Could not add field\nsecond line"),
             "ENOSPC": OSError(28, "No space left on device")}[exc]
    written: list[Path] = []
    monkeypatch.setattr(gpd.GeoDataFrame, method, _failing_writer(written, error))
    out = tmp_path / name
    out.write_bytes(b"previous output")
    with pytest.raises(InputError) as info:
        write_venues(venues, out)
    assert str(info.value) == f"cannot write {out}: {reason}"
    assert written and not written[0].exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]
    assert out.read_bytes() == b"previous output"


def test_write_venues_cleans_up_on_ctrl_c(venues, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import geopandas as gpd

    monkeypatch.setattr(gpd.GeoDataFrame, "to_parquet",
                        _failing_writer([], KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_venues(venues, tmp_path / "x.parquet")
    assert list(tmp_path.iterdir()) == []
