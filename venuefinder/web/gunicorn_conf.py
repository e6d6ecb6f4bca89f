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

import sys

import gevent
from gevent import monkey

monkey.patch_all()

# After patching:
from venuefinder.config import load_settings  # noqa: E402
from venuefinder.errors import InputError  # noqa: E402
from venuefinder.web.app import MAX_HEADER_BYTES  # noqa: E402

try:
    #: The settings, checked before gunicorn starts: a bad one is one line and exit 2 here,
    #: not a traceback from every worker.
    SETTINGS = load_settings()
except InputError as exc:
    print(f"venuefinder: error: {exc}", file=sys.stderr)
    sys.exit(2)

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


def when_ready(server: object) -> None:
    """Let what loading the app started finish before the workers fork: flask-limiter's
    in-memory storage starts a 10 ms timer (a greenlet, once patched), and one still pending
    at the fork fails in each worker with a KeyError from ``threading``."""
    gevent.sleep(0.05)


def post_request(worker: object, req: object, environ: object, resp: object) -> None:
    """Give the worker's other connections their turn after each request. A greenlet only
    yields when a read would block, and a fast client's next request is already there: without
    this, one keep-alive connection kept a worker to itself (measured with wrk, 2 connections
    on 1 worker: p95 154 ms against 3.9 ms with it)."""
    gevent.sleep(0)
