"""Routes on the web (blueprint ``routes``, under ``/api``): safe loops to run backwards and
the way there to a venue, from :mod:`venuefinder.routes`.

=====================================================  =====================================
``GET /api/routes/loop?lat=&lon=&length=&lit=&``       loops from a point, best first
``alternatives=``                                      (GeoJSON FeatureCollection)
``GET /api/routes/loop.gpx?…``                         the same loops as GPX 1.1
``GET /api/routes/to?lat=&lon=&venue=``                the way there to a venue (GeoJSON)
=====================================================  =====================================

Errors as elsewhere (:mod:`venuefinder.web.errors`): 400 a bad parameter (a length outside
400-15,000 m); 404 no walkable way within 300 m of the point, an unknown venue, no loop or
no walking route; 503 when the source has no walking graph (an ingested venue file, or
``overpass``, which has no region-wide one). Without a loop, the 404 also names the
nearest venues with laps (:class:`~venuefinder.web.route_models.NoLoopError`:
``suggestions``), by the region's labels. Loops are searched off the request loop, limited
and cached by :mod:`venuefinder.web.route_pool`: 429 when the client has its searches
running, 503 when the worker's route queue is full, both with ``Retry-After``.

The graph is loaded once per process by :class:`GraphLoader`: at start-up when the app
loads its region itself (serving), else on the first route request (tests and tools that
hand the app a prepared region do not pay for it). The store's open hazard reports over the
graph are avoided.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Optional

from flask import Blueprint, Flask, Response, current_app, jsonify

from ..clock import utc_now
from ..config import Settings
from ..errors import InputError, NotFoundError, SourceError, VenuefinderError
from ..prepare import INGESTED_SUFFIXES
from .. import routes
from ..routes import Route, WalkGraph
from ..store.hazards import open_hazards_in_bbox
from ..validate import clip
from .errors import MAX_MESSAGE_CHARS, describe, error_response, status_error
from .extensions import STORE_KEY, client_id
from .openapi import operation
from .route_models import LoopQuery, NoLoopError, RouteCollection, WayToQuery
from .route_pool import RETRY_AFTER_S, RoutePool, RoutesBusy, TooManyRoutes
from .state import CATALOG_KEY, GRAPH_KEY, graph_near, region_of

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger("venuefinder.web")
bp = Blueprint("routes", __name__, url_prefix="/api")

GPX_MEDIA_TYPE = "application/gpx+xml"
#: ``app.extensions`` key of the app's :class:`~venuefinder.web.route_pool.RoutePool`.
ROUTE_POOL_KEY = "venuefinder.route_pool"


class GraphLoader:
    """The walking graph of the app's source, loaded on first use, once per process.

    Why not in ``create_app`` always: every test app would pay for the graph (0.9 s for the
    embedded Helsinki extract, 0.04 s from the disk cache).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._graph: Optional[WalkGraph] = None
        self._lock = threading.Lock()

    @property
    def unavailable(self) -> Optional[str]:
        """Why the source has no walking graph, or None when it has one."""
        if str(self.settings.source or "").lower() == "overpass":
            return "routes need an OSM extract as the source, not overpass"
        name = self.settings.source_path().name
        if name.lower().endswith(INGESTED_SUFFIXES):
            return f"routes need an OSM extract as the source; {name} holds venues only"
        return None

    def get(self) -> WalkGraph:
        """The graph (read from the cache beside the region, or built and cached).

        Raises
        ------
        SourceError
            The source has no walking graph, or the extract cannot be read.
        InputError
            The configured DEM cannot be read.
        """
        if self._graph is None:
            with self._lock:  # one build per process, however many requests wait for it
                if self._graph is None:
                    why = self.unavailable
                    if why:
                        raise SourceError(why)
                    self._graph = routes.load_or_build_graph(self.settings,
                                                      self.settings.source_path(),
                                                      self.settings.dem)
        return self._graph


def init_routes(app: Flask, settings: Settings, load_now: bool) -> None:
    """Give *app* a :class:`GraphLoader` (loading the graph now when *load_now* and the
    source has one; a failure is logged, and each route request tries again and answers
    its error) and mount the blueprint."""
    loader = GraphLoader(settings)
    # A catalog's graphs are its tiles', read with the tiles a route needs.
    if load_now and CATALOG_KEY not in app.extensions and loader.unavailable is None:
        try:
            loader.get()
        except VenuefinderError as exc:  # the venues still serve; routes answer the error
            log.warning("routes unavailable until the walking graph loads: %s", exc)
    app.extensions[GRAPH_KEY] = loader
    app.extensions[ROUTE_POOL_KEY] = RoutePool(settings)
    app.register_blueprint(bp)


def _hazards(graph: WalkGraph) -> Optional["pd.DataFrame"]:
    """The store's open hazard reports over the graph; None without a store.

    Why the store and not the worker's overlay cache: the cache holds the reports around
    the region's venues, the graph may reach farther, and a route request (0.1-0.5 s) can
    afford the one indexed query.
    """
    store = current_app.extensions.get(STORE_KEY)
    if store is None:
        return None
    return open_hazards_in_bbox(store, *graph.bounds)


def _loops(query: LoopQuery) -> list[Route]:
    graph = graph_near(query.lat, query.lon)  # here too: its errors (503), hazards' bounds
    pool: RoutePool = current_app.extensions[ROUTE_POOL_KEY]
    try:
        return pool.loops(client_id(), graph, query.lat, query.lon, query.length,
                          lit=query.lit, alternatives=query.alternatives, hazards=_hazards(graph),
                          after_sunset=routes.is_dark(query.lat, query.lon, utc_now()))
    except SourceError as exc:  # the graph is loaded: only "no walkable way within 300 m"
        raise NotFoundError(str(exc)) from None


@bp.errorhandler(routes.NoLoopError)
def no_loop(exc: routes.NoLoopError) -> tuple[Response, int]:
    """404 naming the nearest venues with laps, each by its label in the region (the walking
    graph's plain one for a ring the region does not hold as a venue)."""
    labels: dict[str, str] = {}
    for suggestion in exc.suggestions:
        try:
            labels[suggestion["id"]] = region_of(suggestion["id"]).venue(
                suggestion["id"])["properties"]["label"]
        except (InputError, NotFoundError):
            continue
    named = exc.relabelled(labels)
    described = describe(named)
    body = NoLoopError(error=described.code,
                       message=clip(described.message, MAX_MESSAGE_CHARS),
                       suggestions=named.suggestions)
    return jsonify(body.model_dump()), described.status


@bp.errorhandler(RoutesBusy)
@bp.errorhandler(TooManyRoutes)
def routes_refused(exc: VenuefinderError) -> Response:
    """503 when the route queue is full, 429 when the client has its searches running;
    both say when to try again."""
    status = 503 if isinstance(exc, RoutesBusy) else 429
    response = error_response(status, status_error(status)[0], str(exc))
    response.headers["Retry-After"] = str(RETRY_AFTER_S)
    return response


LOOP_DESCRIPTION = (
    "Loops start and end at the nearest way a loop may use (footways, paths, tracks, "
    "pedestrian streets, running tracks; roads only crossed), each within ±10 % of "
    "`length`; each is drawn in the direction to run it (fewer steep descents backwards), "
    "with `forward_stretches` to run forwards. 404: no such way within 300 m, or no loop "
    "(then `suggestions` names the nearest tracks and fields with laps); 429: the client "
    "already has its route searches running; 503: the region's source has no walking graph "
    "(an ingested venue file), or the route searches are busy (both with Retry-After).")


@bp.get("/routes/loop")
@operation("findLoops", "Safe loops to run backwards from a point, best first",
           query=LoopQuery, ok=RouteCollection, errors=(400, 404, 503),
           error_models={404: NoLoopError}, description=LOOP_DESCRIPTION,
           ok_description="GeoJSON FeatureCollection of LineStrings (WGS84) in running "
                          "direction, best first; `query` echoes the checked parameters.")
def loop(query: LoopQuery) -> Response:
    """Up to ``alternatives`` loops of about ``length`` metres from (lat, lon)."""
    return jsonify(routes.routes_feature_collection(_loops(query), query=query.model_dump()))


@bp.get("/routes/loop.gpx")
@operation("findLoopsGpx", "The same loops as GPX 1.1", query=LoopQuery,
           errors=(400, 404, 503), error_models={404: NoLoopError},
           description=LOOP_DESCRIPTION,
           ok_description="GPX 1.1, one track per loop, best first, in running direction.",
           ok_media_type=GPX_MEDIA_TYPE)
def loop_gpx(query: LoopQuery) -> Response:
    """The loops of :func:`loop` as a GPX download."""
    return Response(routes.to_gpx(_loops(query)), mimetype=GPX_MEDIA_TYPE,
                    headers={"Content-Disposition": 'attachment; filename="loops.gpx"'})


@bp.get("/routes/to")
@operation("wayTo", "The safest walk from a point to a venue", query=WayToQuery,
           ok=RouteCollection, errors=(400, 404, 503),
           description="To the nearest point of the venue's outline, on the same safety "
                       "costs as loops, but roads may be walked (at a cost) and it is "
                       "walked forwards. 400: you are already there; 404: unknown venue, "
                       "no walkable way within 300 m of either end, or no route; 503: the "
                       "region's source has no walking graph.",
           ok_description="GeoJSON FeatureCollection of one LineString (WGS84) from the "
                          "point to the venue; `query` echoes the checked parameters.")
def way_there(query: WayToQuery) -> Response:
    """The way there from (lat, lon) to ``venue``."""
    graph = graph_near(query.lat, query.lon)
    venue = region_of(query.venue).venue(query.venue)  # NotFoundError: 404
    target = routes.venue_target(graph, venue["geometry"], query.lat, query.lon)
    try:
        route = routes.way_to(graph, query.lat, query.lon, *target, hazards=_hazards(graph))
    except SourceError as exc:  # as in _loops: no walkable way near an end
        raise NotFoundError(str(exc)) from None
    return jsonify(routes.routes_feature_collection([route], query=query.model_dump()))
