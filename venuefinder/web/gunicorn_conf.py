"""gunicorn settings for production::

    gunicorn -c python:venuefinder.web.gunicorn_conf --bind 0.0.0.0:8000 \\
        'venuefinder.web:create_app()'

Command-line flags override these (``--workers 4``, ``--bind``…).

Why gevent workers, not threads
-------------------------------
A threaded worker (``--workers 2 --threads 4``) gives a connection a thread as soon as its
first byte arrives, and the thread then waits, blocking, for the rest of the headers: 8
clients sending their headers a byte a second (slowloris) hold all 8 threads for as long as
they like, and nobody else is answered. A gevent worker waits for headers in a greenlet
(a few KB, :data:`worker_connections` of them per worker), and reads each request's line and
headers under a deadline of :data:`keepalive` seconds (gunicorn's gevent worker bounds
reading the next request by its keep-alive time): a slow client is dropped after that, and
the others are answered meanwhile. ``tests/web/test_production.py`` runs this command
against 32 slow connections.

Slow bodies
-----------
gunicorn reads a request's body only as the app asks for it, with no deadline: a client that
announces 1,000 bytes, sends 10 and stalls held its greenlet and connection for good, and a
few thousand of them made normal requests time out. :func:`pre_request` gives every body a
deadline (:data:`body_timeout`, the ``VENUEFINDER_BODY_TIMEOUT_S`` setting, from the end of
the headers): a read past it answers 408 and closes the connection. A client may have
:data:`slow_bodies_per_client` bodies arriving at once per worker (the
``VENUEFINDER_SLOW_BODIES_PER_CLIENT`` setting); beyond that a new one is cut at once.
Bodies are at most 64 KiB (``VENUEFINDER_MAX_REQUEST_BYTES``), so even a slow phone sends
one in well under a second: only stalled or dripping clients meet these limits. Behind a
proxy that buffers bodies (nginx's default) they arrive at once and never count.

A request is short CPU work (a spatial query on a region shared by the workers, about
1 ms), so one request runs at a time per worker and :data:`workers` sets the parallelism;
:func:`post_request` keeps the turns fair. A determined flood of connections still needs a
proxy or firewall in front (connection limits per client); this keeps a handful of slow
clients from taking the site down.

Why patch here
--------------
gevent's ``patch_all()`` makes sockets, locks, threads and ``select`` cooperative. gunicorn
patches each worker when it starts, but ``preload_app`` builds the app in the master before
that: whatever it creates then (a SQLAlchemy pool's locks, psycopg's choice of wait function,
made when psycopg is first imported) would stay blocking. Patching as this file loads, before
the app, avoids that (measured: ten concurrent ``SELECT pg_sleep(1)`` through a pool made
at preload took 1.1 s in one worker patched here, 10.1 s with only gunicorn's patching). The cost: thread pools become greenlets, so scoring a raw extract at
start-up uses one core instead of two (an ingested file or the disk cache needs no scoring).

What the server answers itself
------------------------------
gunicorn answers some requests before the app, with a small HTML page: a request line over
:data:`limit_request_line` bytes (414), more than :data:`limit_request_fields` headers or one
over :data:`limit_request_field_size` bytes (431), a malformed request (400). These limits
sit above the app's own (:data:`venuefinder.web.app.MAX_URL_BYTES` = 4096,
:data:`~venuefinder.web.app.MAX_HEADER_BYTES` = 16384), so a request between the two gets
the app's JSON 414/431, and only grossly oversized or malformed ones get gunicorn's HTML.
"""

import socket
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Optional

import gevent
from gevent import monkey

monkey.patch_all()

# After patching:
from gunicorn.glogging import Logger  # noqa: E402
from flask import Flask  # noqa: E402
from werkzeug.exceptions import RequestTimeout  # noqa: E402

from venuefinder.config import load_settings  # noqa: E402
from venuefinder.errors import InputError, VenuefinderError  # noqa: E402
from venuefinder.store.db import connect_store  # noqa: E402
from venuefinder.web.extensions import SQLITE_FILE, store_url  # noqa: E402
from venuefinder.web.app import MAX_HEADER_BYTES  # noqa: E402
from venuefinder.web.logs import RedactSecrets, redact_secrets  # noqa: E402
from venuefinder.web.routes_api import ROUTE_POOL_KEY  # noqa: E402

try:
    #: The settings, checked before gunicorn starts: a bad one is one line and exit 2 here,
    #: not a traceback from every worker.
    SETTINGS = load_settings()
except InputError as exc:
    print(f"venuefinder: error: {exc}", file=sys.stderr)
    sys.exit(2)

def _store_to_probe() -> Optional[str]:
    """The store the app will open: the configured one, or the SQLite file already in the
    default instance folder (a new one is made by the app; one given by
    ``create_app(instance_path=…)`` the app alone knows, and probes itself)."""
    if SETTINGS.database_url:
        return SETTINGS.database_url
    default = Path(Flask("venuefinder.web.app").instance_path) / SQLITE_FILE
    return store_url(SETTINGS, str(default.parent)) if default.is_file() else None


# A store that cannot write stops here in one line; gunicorn would print the app's traceback.
_url = _store_to_probe()
if _url:
    try:
        _store = connect_store(_url)
        try:
            _store.check_writable()
        finally:
            _store.engine.dispose()
    except VenuefinderError as exc:
        print(f"venuefinder: error: {exc}", file=sys.stderr)
        sys.exit(1)

worker_class = "gevent"
#: One worker per core of the 2-core machines the project runs on.
workers = 2
#: Open connections per worker (slow ones included).
worker_connections = 1000
#: Load (and score) the region once, before forking: the workers share it.
preload_app = True
#: Seconds a connection may stay idle between requests, and the deadline for reading a
#: request's line and headers.
keepalive = 5
#: A worker silent this long is restarted (gevent workers report while requests wait).
timeout = 30
graceful_timeout = 30
#: gunicorn's maximum; the app answers a URL over 4096 bytes itself, in JSON.
limit_request_line = 8190
limit_request_fields = 100
#: One header may use the app's whole header budget; the app answers beyond it in JSON.
limit_request_field_size = MAX_HEADER_BYTES
#: Seconds a request's body may take to arrive in full, from the end of its headers.
body_timeout = SETTINGS.body_timeout_s
#: Bodies one client address may have arriving at once, per worker.
slow_bodies_per_client = SETTINGS.slow_bodies_per_client


class RedactingLogger(Logger):
    """gunicorn's logger, with every atom of its access-log lines (the request line, the
    query, the Referer, every header) and its error log ("Error handling request /s/…")
    rid of the edit and cancel links' tokens (:mod:`venuefinder.web.logs`)."""

    def __init__(self, cfg: Any) -> None:
        super().__init__(cfg)
        self.error_log.addFilter(RedactSecrets())

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict:
        return {key: redact_secrets(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}


#: Access-log lines never carry a token.
logger_class = RedactingLogger

#: This worker's bodies still arriving, by client address (each worker has its own: the
#: counter is empty when the master forks).
_arriving: Counter[str] = Counter()


class DeadlineBody:
    """gunicorn's request body (``wsgi.input``) whose reads end at a deadline.

    A read past the deadline cuts the request: the connection closes after the answer
    (reads from it end), and the app gets werkzeug's 408, which it answers in JSON. A read
    after the answer (gunicorn skipping an unread body before the next request) just ends.
    """

    def __init__(self, req: Any, client: str, deadline: float) -> None:
        self.req, self.body, self.client, self.deadline = req, req.body, client, deadline
        self.left = _content_length(req)
        self.answered = self.released = False
        _arriving[client] += 1

    def read(self, size: Optional[int] = None) -> bytes:
        return self._timed(self.body.read, b"", size)

    def readline(self, size: Optional[int] = None) -> bytes:
        return self._timed(self.body.readline, b"", size)

    def readlines(self, size: Optional[int] = None) -> list[bytes]:
        return self._timed(self.body.readlines, [], size)

    def __iter__(self) -> "DeadlineBody":
        return self

    def __next__(self) -> bytes:
        line = self.readline()
        if not line:
            raise StopIteration
        return line

    def release(self) -> None:
        """No longer arriving (read in full, cut, or the request answered)."""
        if not self.released:
            self.released = True
            _arriving[self.client] -= 1
            if _arriving[self.client] <= 0:
                del _arriving[self.client]

    def _timed(self, read: Callable[..., Any], empty: Any, size: Optional[int]) -> Any:
        remaining = self.deadline - time.monotonic()
        if remaining > 0:
            with gevent.Timeout(remaining, False):  # False: leave the block silently
                data = read(size)
                if self.left is not None:
                    self.left -= len(data) if isinstance(data, bytes) else sum(map(len, data))
                if not data or (self.left is not None and self.left <= 0):
                    self.release()
                return data
        return self._cut(empty)

    def _cut(self, empty: Any) -> Any:
        self.release()
        self.req.must_close = True
        try:
            self.req.unreader.sock.shutdown(socket.SHUT_RD)
        except OSError:  # already closed by the client
            pass
        if self.answered:
            return empty
        raise RequestTimeout("the request body did not arrive in time")


def _content_length(req: Any) -> Optional[int]:
    for name, value in req.headers:
        if name == "CONTENT-LENGTH":
            return int(value)  # gunicorn has checked it
    return None


def _has_body(req: Any) -> bool:
    length = _content_length(req)
    return bool(length) or (length is None and any(
        name == "TRANSFER-ENCODING" for name, _ in req.headers))


def pre_request(worker: object, req: Any) -> None:
    """Give the request's body its deadline, or none at all when its client already has
    :data:`slow_bodies_per_client` arriving in this worker (see the module's docstring)."""
    if not _has_body(req):
        return
    client = str(req.peer_addr[0]) if isinstance(req.peer_addr, tuple) else str(req.peer_addr)
    now = time.monotonic()
    deadline = now if _arriving[client] >= slow_bodies_per_client else now + body_timeout
    req.body = DeadlineBody(req, client, deadline)


def when_ready(server: object) -> None:
    """Let what loading the app started finish before the workers fork: flask-limiter's
    in-memory storage starts a 10 ms timer (a greenlet, once patched), and one still pending
    at the fork fails in each worker with a KeyError from ``threading``."""
    gevent.sleep(0.05)


def post_request(worker: object, req: Any, environ: object, resp: object) -> None:
    """Release the request's body from the per-client count, then give the worker's other
    connections their turn. A greenlet only yields when a read would block, and a fast
    client's next request is already there: without this, one keep-alive connection kept a
    worker to itself (measured with wrk, 2 connections on 1 worker: p95 154 ms against
    3.9 ms with it)."""
    body = getattr(req, "body", None)
    if isinstance(body, DeadlineBody):
        body.answered = True
        body.release()
    gevent.sleep(0)


def worker_exit(server: object, worker: Any) -> None:
    """Stop the worker's route pool (its searches are cancelled) rather than wait at exit
    for searches nobody will read (:mod:`venuefinder.web.route_pool`)."""
    app = getattr(worker, "wsgi", None)
    pool = getattr(app, "extensions", {}).get(ROUTE_POOL_KEY)
    if pool is not None:
        pool.shutdown()
