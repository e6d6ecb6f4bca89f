"""No hazard report or sign-up is lost: real traffic at the production command (gunicorn,
several gevent workers) on SQLite and on PostgreSQL.

* 500 concurrent reports at distinct points from 16 threads: exactly 500 stored, each
  acknowledged one readable. The same for 500 sign-ups to 5 sessions of 20 places, each
  from its own client (behind one trusted proxy): each session's first 20 confirmed, the
  rest waitlisted in order.
* ``kill -9`` of the master and every worker in the middle of a write burst (reports, and
  sign-ups): after a restart the database opens (and passes SQLite's integrity check), and
  every report or sign-up that got a 201 is there.
* Failed requests (bad bodies, wrong tokens, a hit rate limit) change nothing stored.

Everything runs on 127.0.0.1 with a tiny extract written here; loops are bounded in count
and time, and every server started is stopped (its process group, by id) at the end.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pytest
from sqlalchemy import text

from venuefinder.store.db import connect_store, open_store, upgrade

from ..store.conftest import PG_ENV, _unavailable
from .test_production import GUNICORN, _free_port, tiny_osm

REPORTS = 500
THREADS = 16
WORKERS = 4
TOKEN = "no-loss-admin-token"
#: Centre of the tiny extract's fields; reports go on a grid over 1 km apart (more than the
#: 25 m within which a report of the same kind confirms another, and than the area of one
#: client's daily report budget).
LAT0, LON0 = 60.160, 24.920
STEP_LAT, STEP_LON = 0.01, 0.02


#: Sign-ups: sessions, and the places of each (its waitlist takes the rest: at most 200).
SESSIONS = 5
PLACES = 20
SESSION_VENUE = "way/100"


def grid_point(i: int) -> tuple[float, float]:
    return round(LAT0 + (i // 25) * STEP_LAT, 7), round(LON0 + (i % 25) * STEP_LON, 7)


class Server:
    """The production command on a free loopback port, in its own process group."""

    def __init__(self, tmp_path: Path, url: str, cache: Path, **env: str) -> None:
        self.tmp_path, self.url, self.cache, self.extra = tmp_path, url, cache, env
        self.process: Optional[subprocess.Popen] = None
        self.port = 0

    def start(self) -> "Server":
        source = self.tmp_path / "tiny.osm"
        if not source.exists():
            source.write_text(tiny_osm(), encoding="utf-8")
        self.port = _free_port()
        env = {**os.environ, "VENUEFINDER_SOURCE": str(source), "VENUEFINDER_TILES": "none",
               "VENUEFINDER_CACHE_DIR": str(self.cache), "DATABASE_URL": self.url,
               "VENUEFINDER_RATE_LIMIT": "none", "VENUEFINDER_ADMIN_TOKEN": TOKEN,
               "XDG_RUNTIME_DIR": str(self.tmp_path), **self.extra}
        app = f"venuefinder.web:create_app(instance_path={str(self.tmp_path / 'instance')!r})"
        self.log = (self.tmp_path / "gunicorn.log").open("ab")
        self.process = subprocess.Popen(
            [str(GUNICORN), "-c", "python:venuefinder.web.gunicorn_conf", "--workers",
             str(WORKERS), "--bind", f"127.0.0.1:{self.port}", app],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while True:
            assert self.process.poll() is None, (self.tmp_path / "gunicorn.log").read_text()
            try:
                if request(self.port, "GET", "/api/openapi.json", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not come up within 60 s"
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once (its process group)."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.log.close()


def request(port: int, method: str, path: str, body: Any = None, timeout: float = 10,
            headers: Optional[dict[str, str]] = None) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = None if body is None else (body if isinstance(body, bytes)
                                          else json.dumps(body).encode())
        sent = {"Content-Type": "application/json"} if data is not None else {}
        connection.request(method, path, body=data, headers={**sent, **(headers or {})})
        response = connection.getresponse()
        raw = response.read()
        try:
            return response.status, json.loads(raw)
        except ValueError:
            return response.status, raw
    finally:
        connection.close()


def new_session(port: int) -> str:
    """A session of :data:`PLACES` places two days ahead; its slug."""
    day = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 2 * 86400))
    status, body = request(port, "POST", "/api/sessions", {
        "venue": SESSION_VENUE, "title": "No loss", "start": f"{day}T12:00",
        "duration_min": 60, "capacity": PLACES, "group_size": PLACES, "plan": "first-steps"})
    assert status == 201, body
    return body["slug"]


def sign_up(port: int, slug: str, i: int) -> tuple[int, Any]:
    """Sign-up *i*, from a client of its own (the address the trusted proxy forwards)."""
    return request(port, "POST", f"/api/sessions/{slug}/signups",
                   {"name": f"Runner {i:04d}", "role": "needs_spotter" if i % 2 else "can_spot"},
                   headers={"X-Forwarded-For": f"10.{i // 65536 % 256}.{i // 256 % 256}."
                                               f"{i % 256}"}, timeout=60)


def report(port: int, i: int, kind: str = "pothole") -> tuple[int, Any]:
    lat, lon = grid_point(i)
    return request(port, "POST", "/api/hazards",
                   {"kind": kind, "severity": "medium", "lat": lat, "lon": lon,
                    "description": f"report {i}"})


def snapshot(url: str) -> dict[str, list[tuple]]:
    """Every row of the store's tables, in a stable order."""
    store = open_store(url)
    try:
        with store.engine.connect() as connection:
            return {table: [tuple(r) for r in connection.execute(
                        text(f"SELECT * FROM {table} ORDER BY id"))]
                    for table in ("hazards", "hazard_votes")}
    finally:
        store.engine.dispose()


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One scoring cache for every server here: the tiny region is scored once."""
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed beside {sys.executable}")
    pytest.importorskip("gevent", reason="gevent (the production worker) is not installed")
    return tmp_path_factory.mktemp("no-loss-cache")


def empty_store_url(backend: str, tmp_path: Path, tables: str) -> str:
    """An empty, migrated store on *backend* (``sqlite`` in *tmp_path*, or ``postgresql``:
    the store tests' database with *tables* emptied; skipped without it, failed under
    CI=true)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'venuefinder.db'}"
    elif not (url := os.environ.get(PG_ENV, "")):
        _unavailable(f"{PG_ENV} is not set (`make test` sets up PostgreSQL when root)")
    store = open_store(url)
    try:
        upgrade(store)
        if not store.is_sqlite:
            with store.engine.begin() as connection:
                connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    finally:
        store.engine.dispose()
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated store of each backend, its hazard tables emptied."""
    return empty_store_url(request.param, tmp_path, "hazard_votes, hazards, session_signups, "
                           "club_sessions, clubs")


#: The server's settings: one trusted proxy (sign-ups come from many clients through it).
BEHIND_PROXY = {"VENUEFINDER_TRUSTED_PROXIES": "1"}


@pytest.fixture
def server(tmp_path: Path, database: str, cache: Path) -> Iterator[Server]:
    running = Server(tmp_path, database, cache, **BEHIND_PROXY).start()
    yield running
    running.stop()


def test_500_concurrent_reports_are_all_stored_and_readable(server: Server,
                                                            database: str) -> None:
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(lambda i: report(server.port, i), range(REPORTS)))
    assert [status for status, _ in answers] == [201] * REPORTS, \
        [a for a in answers if a[0] != 201][:3]
    ids = [body["id"] for _, body in answers]
    assert len(set(ids)) == REPORTS
    assert sorted(r[0] for r in snapshot(database)["hazards"]) == sorted(ids)

    def read(i: int) -> bool:
        status, body = request(server.port, "GET", f"/api/hazards/{ids[i]}")
        return status == 200 and (body["lat"], body["lon"]) == grid_point(i) and \
            body["description"] == f"report {i}"

    with ThreadPoolExecutor(THREADS) as pool:
        assert all(pool.map(read, range(REPORTS)))


def burst_then_kill(server: Server, write: Callable[[int], tuple[int, Any]], limit: int,
                    what: str) -> dict[Any, int]:
    """Writes ``write(i)`` for i = 0, 1, … below *limit* from 8 threads, kills the server
    (kill -9) once 100 are acknowledged, and checks the kill cut requests in flight and
    that every failure was the server's (5xx); returns the acknowledged writes, id → i."""
    acknowledged: dict[Any, int] = {}
    failures: list[str] = []
    cut: list[int] = []  # requests the kill interrupted
    lock = threading.Lock()
    stop = threading.Event()
    counter = iter(range(10**6))

    def fire() -> None:
        while not stop.is_set():
            with lock:
                i = next(counter)
            if i >= limit:
                return
            try:
                status, body = write(i)
            # The server is gone: before answering, or in the middle of its answer (an
            # answer cut short is no acknowledgement).
            except (OSError, http.client.HTTPException):
                cut.append(i)
                return
            if status == 201:
                with lock:
                    acknowledged[body["id"]] = i
            else:
                failures.append(f"{status} {body!r}"[:200])

    threads = [threading.Thread(target=fire) for _ in range(8)]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 20
        while len(acknowledged) < 100 and time.monotonic() < deadline:
            time.sleep(0.01)
        server.kill()  # writes are still coming in
        killed_at = len(acknowledged)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=20)
        server.stop()
    assert killed_at >= 100, f"only {killed_at} {what} acknowledged in 20 s"
    assert cut, "the kill must interrupt requests in flight"
    assert not [f for f in failures if not f.startswith("5")], failures[:3]
    return acknowledged


def check_after_crash(database: str) -> None:
    """The database after the kill: intact (SQLite), and it opens and upgrades."""
    if database.startswith("sqlite"):
        store = open_store(database)
        with store.engine.connect() as connection:
            assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"
        store.engine.dispose()
    connect_store(database).engine.dispose()


def test_kill_9_mid_burst_loses_no_acknowledged_report(tmp_path: Path, database: str,
                                                       cache: Path) -> None:
    server = Server(tmp_path, database, cache).start()
    # hazard id → grid index
    acknowledged = burst_then_kill(server, lambda i: report(server.port, i), 5000, "reports")
    check_after_crash(database)
    restarted = Server(tmp_path, database, cache).start()
    try:
        for hazard_id, i in sorted(acknowledged.items()):
            status, body = request(restarted.port, "GET", f"/api/hazards/{hazard_id}")
            assert status == 200, (hazard_id, status, body)
            assert (body["lat"], body["lon"]) == grid_point(i)
        # And the restarted server takes new reports.
        assert report(restarted.port, 9999, kind="glass")[0] == 201
    finally:
        restarted.stop()


def signup_rows(url: str) -> dict[str, list[tuple[int, str, str]]]:
    """Every sign-up as stored, by session slug: (id, name, status) in sign-up order."""
    store = open_store(url)
    try:
        with store.engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT s.slug, u.id, u.name, u.status FROM session_signups u "
                "JOIN club_sessions s ON s.id = u.session_id ORDER BY u.id")).all()
    finally:
        store.engine.dispose()
    out: dict[str, list[tuple[int, str, str]]] = {}
    for slug, signup_id, name, status in rows:
        out.setdefault(slug, []).append((signup_id, name, status))
    return out


def test_500_concurrent_sign_ups_are_all_stored_and_readable(server: Server,
                                                             database: str) -> None:
    slugs = [new_session(server.port) for _ in range(SESSIONS)]
    with ThreadPoolExecutor(THREADS) as pool:
        answers = list(pool.map(lambda i: sign_up(server.port, slugs[i % SESSIONS], i),
                                range(REPORTS)))
    assert [status for status, _ in answers] == [201] * REPORTS, \
        [a for a in answers if a[0] != 201][:3]
    ids = {body["id"]: i for i, (_, body) in enumerate(answers)}
    assert len(ids) == REPORTS
    stored = signup_rows(database)
    assert sorted(stored) == sorted(slugs)
    for slug in slugs:
        rows = stored[slug]
        assert len(rows) == REPORTS // SESSIONS
        assert all(name == f"Runner {ids[signup_id]:04d}" for signup_id, name, _ in rows)
        # The first PLACES to have signed up hold the places; the rest wait in order.
        assert [status for _, _, status in rows] == (
            ["confirmed"] * PLACES + ["waitlisted"] * (len(rows) - PLACES))

    def read(slug: str) -> bool:
        status, body = request(server.port, "GET", f"/api/sessions/{slug}")
        return status == 200 and body["confirmed"] == PLACES and \
            sorted(s["id"] for s in body["signups"]) == [r[0] for r in stored[slug]]

    assert all(map(read, slugs))


def test_kill_9_mid_burst_loses_no_acknowledged_sign_up(tmp_path: Path, database: str,
                                                        cache: Path) -> None:
    server = Server(tmp_path, database, cache, **BEHIND_PROXY).start()
    slugs = [new_session(server.port) for _ in range(SESSIONS)]
    signed = burst_then_kill(server, lambda i: sign_up(server.port, slugs[i % SESSIONS], i),
                             SESSIONS * 200,  # within every session's places and waitlist
                             "sign-ups")
    acknowledged = {sign_up_id: slugs[i % SESSIONS] for sign_up_id, i in signed.items()}
    check_after_crash(database)
    restarted = Server(tmp_path, database, cache, **BEHIND_PROXY).start()
    try:
        for slug in slugs:
            status, body = request(restarted.port, "GET", f"/api/sessions/{slug}")
            assert status == 200, body
            listed = [s["id"] for s in body["signups"]]
            mine = sorted(i for i, s in acknowledged.items() if s == slug)
            assert set(mine) <= set(listed), sorted(set(mine) - set(listed))[:5]
            # Places never overbooked, and the confirmed are the earliest.
            confirmed = [s["id"] for s in body["signups"] if s["status"] == "confirmed"]
            assert body["confirmed"] == len(confirmed) <= PLACES
            assert confirmed == sorted(listed)[:len(confirmed)]
        # And the restarted server takes new sign-ups.
        assert sign_up(restarted.port, slugs[0], 99_999)[0] == 201
    finally:
        restarted.stop()


def test_failed_requests_change_nothing_stored(tmp_path: Path, database: str,
                                               cache: Path) -> None:
    server = Server(tmp_path, database, cache,
                    VENUEFINDER_RATE_LIMIT="100000 per minute").start()
    try:
        status, first = report(server.port, 0)
        assert status == 201
        before = snapshot(database)
        path = f"/api/hazards/{first['id']}"
        bad = [
            ("POST", "/api/hazards", {"kind": "pothole", "severity": "high", "lat": 95,
                                      "lon": 24.9}, {}, 400),
            ("POST", "/api/hazards", {"kind": "lava", "severity": "high", "lat": 60,
                                      "lon": 24.9}, {}, 400),
            ("POST", "/api/hazards", b'{"kind": "pothole", "lat": NaN}', {}, 400),
            ("POST", "/api/hazards", b"x" * 70_000, {}, 413),
            ("POST", "/api/hazards", b"kind=pothole", {"Content-Type":
                                                       "application/x-www-form-urlencoded"}, 415),
            ("POST", f"{path}/gone", b"", {"Content-Type": "text/plain"}, 415),
            ("POST", f"{path}/flag", {"reason": "r" * 501}, {}, 400),
            ("POST", "/api/hazards/424242/confirm", {}, {}, 404),
            ("DELETE", path, None, {}, 403),
            ("DELETE", path, None, {"Authorization": "Bearer wrong"}, 403),
            ("POST", f"{path}/restore", None, {"Authorization": f"Bearer {TOKEN}x"}, 403),
        ]
        for method, url, body, headers, expected in bad:
            status, answer = request(server.port, method, url, body, headers=headers)
            assert status == expected, (method, url, status, answer)
        assert snapshot(database) == before

        # The write limit (30 per minute per client and worker): the refused reports store
        # nothing, the accepted ones are all there.
        with ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda i: report(server.port, 1 + i, kind="dark"),
                                    range(40 * WORKERS)))
        statuses = [status for status, _ in answers]
        assert set(statuses) == {201, 429}
        accepted = {body["id"] for status, body in answers if status == 201}
        hazard_ids = {r[0] for r in snapshot(database)["hazards"]} - {first["id"]}
        assert hazard_ids == accepted
    finally:
        server.stop()
