"""A local HTTP server replaying recorded Overpass and Nominatim answers (no internet).

It answers like the real services, on 127.0.0.1 and a free port:

* ``GET /status``: the Overpass status page, with free slots (osmnx reads it to rate-limit);
* ``POST /interpreter``: ``tests/data/overpass_venues.json`` for the venue query (it asks
  for ``leisure``), ``tests/data/overpass_roads.json`` for the road and basemap query (it
  asks for ``highway``), an Overpass-style 400 error for anything else;
* ``GET /search?q=...``: ``tests/data/nominatim_<name>.json`` for the recorded places, an
  empty list for other names.

Tests can replace the answer of one path with :meth:`ReplayServer.answer`, and read the
requests it received (method, path with query string, body) in
:attr:`ReplayServer.requests`.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator, Optional
from urllib.parse import parse_qs, urlsplit

import pytest

from venuefinder.config import Settings

DATA = Path(__file__).resolve().parents[1] / "data"

#: The real status page's layout; osmnx reads the first word of line 5.
STATUS_PAGE = (
    "Connected as: 2130706433\n"
    "Current time: 2024-08-21T08:00:00Z\n"
    "Announced endpoint: none\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)
NOMINATIM_ANSWERS = {
    "vanha kirkkopuisto": "nominatim_vanha_kirkkopuisto.json",
    "kamppi": "nominatim_kamppi.json",
    "maria 01": "nominatim_maria_01.json",
}


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = "application/json"
    delay_s: float = 0.0


@dataclass
class ReplayServer:
    """Base URL of the running server, the requests it saw, and per-path overrides."""

    url: str
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    overrides: dict[str, Reply] = field(default_factory=dict)
    _server: Optional[ThreadingHTTPServer] = None

    def answer(self, path: str, status: int, body: bytes | str,
               content_type: str = "application/json", delay_s: float = 0.0) -> None:
        """Answer every request to *path* with this (after *delay_s*) instead of the
        recorded answer."""
        data = body.encode() if isinstance(body, str) else body
        self.overrides[path] = Reply(status, data, content_type, delay_s)

    def posted(self, path: str = "/api/interpreter") -> list[str]:
        """Overpass queries POSTed to *path*, decoded."""
        return [parse_qs(body)["data"][0] for method, p, body in self.requests
                if method == "POST" and p == path]

    def stop(self) -> None:
        """Shut the server down; its port then refuses connections."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def settings(self, cache_dir: Path, **overrides: object) -> Settings:
        """Settings pointing Overpass and Nominatim at this server."""
        values: dict[str, object] = dict(
            cache_dir=cache_dir, overpass_url=f"{self.url}/api", nominatim_url=self.url,
            http_timeout_s=5, tiles="none")
        values.update(overrides)
        return Settings(**values)


def _recorded_reply(method: str, path: str, query: dict[str, list[str]], body: str) -> Reply:
    if method == "GET" and path.endswith("/status"):
        return Reply(200, STATUS_PAGE.encode(), "text/plain")
    if method == "POST" and path.endswith("/interpreter"):
        ql = parse_qs(body).get("data", [""])[0]
        if "leisure" in ql:
            return Reply(200, (DATA / "overpass_venues.json").read_bytes())
        if "highway" in ql:
            return Reply(200, (DATA / "overpass_roads.json").read_bytes())
        return Reply(400, b"<html><body><p>Error: line 1: parse error</p></body></html>",
                     "text/html")
    if method == "GET" and path.endswith("/search"):
        name = NOMINATIM_ANSWERS.get(query.get("q", [""])[0].strip().lower())
        return Reply(200, (DATA / name).read_bytes() if name else b"[]")
    return Reply(404, b"not found", "text/plain")


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode() if length else ""
            server.requests.append((method, self.path, body))
            reply = server.overrides.get(parts.path) or _recorded_reply(
                method, parts.path, parse_qs(parts.query), body)
            time.sleep(reply.delay_s)
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)

        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            self._reply("GET")

        def do_POST(self) -> None:  # noqa: N802
            self._reply("POST")

        def log_message(self, format: str, *args: object) -> None:  # keep pytest output clean
            pass

    return Handler


@pytest.fixture
def replay_server() -> Iterator[ReplayServer]:
    """A running replay server on 127.0.0.1; stopped after the test."""
    replay = ReplayServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(replay))
    httpd.daemon_threads = True
    replay.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    replay._server = httpd
    # A short poll keeps shutdown() (teardown) from waiting the default 0.5 s.
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    yield replay
    replay.stop()
    thread.join(timeout=5)


@pytest.fixture
def closed_port_url() -> str:
    """A URL on 127.0.0.1 where nothing listens (connections are refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
