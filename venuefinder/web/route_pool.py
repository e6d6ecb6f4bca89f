"""Route searches off the request loop: a bounded process pool, a per-client limit and a
cache of answers.

A loop search is CPU-bound (0.1-3 s for 15 km); run in a gevent worker it holds the hub and
every other client's request waits behind it. Here each search runs in one of
``settings.route_workers`` pool processes, made lazily in the serving process (after
gunicorn forks) with the ``spawn`` start method, so no gevent hub or lock is copied into
them; each pool process loads the walking graph once, in its initializer, from the cache
beside the region (never pickled per request), or for a catalog source opens the catalog
and reads the graph of the tile owning each search's start (keeping ``tile_cache`` of
them), runs at a lower priority than the serving workers, and ends when its serving
process is gone (even one killed).

Limits (settings): at most ``route_queue`` searches waiting or running per serving
process (beyond: :class:`RoutesBusy`, a 503 with ``Retry-After``), at most
``route_concurrency_per_client`` at once from one client (beyond: :class:`TooManyRoutes`,
a 429 with ``Retry-After``). Answers are kept in an LRU of ``route_cache_size`` entries,
keyed by the start rounded to about 10 m, the length and options, and the open hazard
reports' fingerprint, so a repeated request does not reach the pool (an answer "no loop
here" is kept too).

A request waits for its search without blocking gevent's hub (in gevent's thread pool);
under ``venuefinder serve`` (threads) it simply waits.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import time
from collections import OrderedDict
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any, Optional, Union

from .. import routes
from ..catalog import CatalogRegions
from ..config import Settings
from ..errors import VenuefinderError
from ..serving import catalog_regions

if TYPE_CHECKING:
    import pandas as pd

    from ..routes import Route, WalkGraph

#: Seconds a refused client is told to wait before trying again.
RETRY_AFTER_S = 5
#: Decimal places of the start's lat/lon in the cache key: 1e-4° is about 10 m.
KEY_DECIMALS = 4
#: Niceness added to pool processes: on a busy machine the serving workers come first.
POOL_NICENESS = 10
#: Seconds between a pool process's checks that its serving process still lives.
PARENT_CHECK_S = 1.0

_graph: Optional["WalkGraph"] = None  # the pool process's walking graph
_catalog: Optional[CatalogRegions] = None  # or its catalog's, by tile


class RoutesBusy(VenuefinderError):
    """Every place in the route queue is taken (503, ``Retry-After``)."""


class TooManyRoutes(VenuefinderError):
    """The client already has its allowance of route searches running (429,
    ``Retry-After``)."""


def _start_pool_process(settings: Settings, parent: int) -> None:
    """Pool initializer: leave with the serving process *parent* (killed, it cannot stop
    its pool), yield the CPU to the serving workers (a search may wait, a page should
    not), then load the graph."""
    global _graph, _catalog
    threading.Thread(target=_exit_with, args=(parent,), daemon=True).start()
    os.nice(POOL_NICENESS)
    _catalog = catalog_regions(settings)
    if _catalog is None:
        _graph = routes.load_or_build_graph(settings, settings.source_path(), settings.dem)


def _exit_with(parent: int) -> None:
    """End this pool process once *parent* is gone (it is then re-parented)."""
    while os.getppid() == parent:
        time.sleep(PARENT_CHECK_S)
    os._exit(0)


def _search(graph: "WalkGraph", lat: float, lon: float, length: float, lit: bool,
            alternatives: int, hazards: Optional["pd.DataFrame"],
            after_sunset: bool) -> list["Route"]:
    """:func:`venuefinder.routes.find_loops` with the pool's arguments."""
    return routes.find_loops(graph, lat, lon, length, lit=lit, alternatives=alternatives,
                             hazards=hazards, after_sunset=after_sunset)


def _find_loops(lat: float, lon: float, *args: Any) -> list["Route"]:
    """In a pool process: :func:`_search` on its graph (its catalog's tile's there)."""
    graph = _catalog.graph_near(lat, lon) if _catalog is not None else _graph
    assert graph is not None, "the pool's initializer loads the graph"
    return _search(graph, lat, lon, *args)


def hazards_fingerprint(hazards: Optional["pd.DataFrame"]) -> str:
    """A short digest of the open hazard reports a search avoids (their ids, kinds,
    severities and places): a report opened or closed changes it."""
    if hazards is None or hazards.empty:
        return ""
    columns = [c for c in ("id", "kind", "severity", "lat", "lon") if c in hazards]
    text = hazards[columns].sort_values(columns[0]).to_csv(index=False)
    return hashlib.blake2b(text.encode(), digest_size=8).hexdigest()


class RoutePool:
    """The serving process's route pool, its limits and its cache (see the module
    docstring). One per app; the executor is made on first use in each process."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._executor: Optional[ProcessPoolExecutor] = None
        self._pid = 0
        self._lock = threading.Lock()
        self._waiting = 0
        self._per_client: dict[str, int] = {}
        #: Answers by request: the loops, or the error the search raised (no loop there).
        self._cache: OrderedDict[tuple, Union[list["Route"], VenuefinderError]] = OrderedDict()
        self.searches = 0  # searches sent to the pool (tests read it)

    def loops(self, client: str, graph: "WalkGraph", lat: float, lon: float, length: float,
              *, lit: bool, alternatives: int, hazards: Optional["pd.DataFrame"],
              after_sunset: bool) -> list["Route"]:
        """Loops as :func:`venuefinder.routes.find_loops`, from the cache or the pool
        (*graph*, the serving process's, is searched only when ``route_workers`` is 0).

        Raises
        ------
        TooManyRoutes
            *client* has ``route_concurrency_per_client`` searches running already.
        RoutesBusy
            ``route_queue`` searches are waiting or running in this process, or a pool
            process died (the pool is made again for the next request).
        VenuefinderError
            As :func:`~venuefinder.routes.find_loops`.
        """
        key = (round(lat, KEY_DECIMALS), round(lon, KEY_DECIMALS), float(length), bool(lit),
               int(alternatives), bool(after_sunset), hazards_fingerprint(hazards))
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                found = self._cache[key]
                if isinstance(found, VenuefinderError):
                    raise found.with_traceback(None)
                return found
            if self._per_client.get(client, 0) >= self.settings.route_concurrency_per_client:
                raise TooManyRoutes(
                    f"at most {self.settings.route_concurrency_per_client} route searches "
                    "at once per client; try again shortly")
            if self._waiting >= self.settings.route_queue:
                raise RoutesBusy("route searches are busy; try again shortly")
            self._waiting += 1
            self._per_client[client] = self._per_client.get(client, 0) + 1
        try:
            found = self._run(graph, lat, lon, length, lit, alternatives, hazards,
                              after_sunset)
        except VenuefinderError as exc:  # no loop there: as lasting as an answer
            found = exc
        finally:
            with self._lock:
                self._waiting -= 1
                self._per_client[client] -= 1
                if not self._per_client[client]:
                    del self._per_client[client]
        with self._lock:
            self._cache[key] = found
            while len(self._cache) > self.settings.route_cache_size:
                self._cache.popitem(last=False)
        if isinstance(found, VenuefinderError):
            raise found
        return found

    def _run(self, graph: "WalkGraph", *args: Any) -> list["Route"]:
        """:func:`_find_loops` in the pool (:func:`_search` on *graph* in this process when
        ``route_workers`` is 0), waited for without blocking gevent's hub."""
        self.searches += 1
        if self.settings.route_workers == 0:
            return _search(graph, *args)
        executor = self._pool()
        try:
            return _wait(executor.submit(_find_loops, *args))
        except BrokenProcessPool:  # a pool process was killed (out of memory…)
            with self._lock:
                if self._executor is executor:
                    self._executor = None
            raise RoutesBusy("route searches are restarting; try again shortly") from None

    def _pool(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None or self._pid != os.getpid():  # new, or forked
                self._executor = ProcessPoolExecutor(
                    max_workers=self.settings.route_workers,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_pool_process, initargs=(self.settings, os.getpid()))
                self._pid = os.getpid()
            return self._executor

    def shutdown(self) -> None:
        """Stop the pool's processes (a worker's exit)."""
        with self._lock:
            if self._executor is not None and self._pid == os.getpid():
                self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None


def _wait(future: Future) -> Any:
    """The future's result; under gevent, waited for in its thread pool so that the hub
    serves other requests meanwhile."""
    try:
        from gevent import monkey  # lazy: gevent is only there in production
    except ImportError:
        return future.result()
    if not monkey.is_module_patched("threading"):
        return future.result()
    import gevent

    return gevent.get_hub().threadpool.spawn(future.result).get()
