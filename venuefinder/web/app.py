"""Application factory and a small server for ``venuefinder serve``.

Every answer but the pages is JSON: errors are ``{"error", "message"}``, or pages for the
views that answer pages (see :mod:`venuefinder.web.errors`), including the app's own 414 (URL over
:data:`MAX_URL_BYTES`) and 431 (headers over :data:`MAX_HEADER_BYTES`); ``OPTIONS`` answers
204 No Content with an ``Allow`` header. A server's own limits may answer before the app
does: werkzeug's (``venuefinder serve``) answers in the same JSON
(:class:`JsonErrorRequestHandler`), gunicorn's in HTML (see
:mod:`venuefinder.web.gunicorn_conf`, whose limits sit above the app's).
"""

from __future__ import annotations

import json
import logging
import mimetypes
import sys
from typing import Any, Optional, TextIO

import click
from flask import Flask, Response, request
from werkzeug import serving
from werkzeug.exceptions import (RequestEntityTooLarge, RequestHeaderFieldsTooLarge,
                                 RequestURITooLarge)
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.serving import WSGIRequestHandler

from .. import prepare
from ..config import Settings, load_settings
from ..region import Region
from ..serving import catalog_regions, is_catalog_source
from . import api, assets, mapview
from .errors import register_error_handlers, status_error
from .extensions import (STORE_KEY, init_limiter, init_secret, init_store,
                         rate_limit_enabled, store_reports)
from .guards import init_write_limit
from .hazards import register_hazards
from .models import LIMITS_KEY, ApiLimits
from .pages import init_pages
from .routes_api import init_routes
from .session_pages import register_session_pages
from .sessions_api import register_sessions_api
from .state import CATALOG_KEY, EXTENSION_KEY, SETTINGS_KEY, SUMMARY_KEY, RegionSummary

log = logging.getLogger("venuefinder.web")

# The page's scripts are ES modules, which browsers run only when served with a JavaScript
# type; Python's table comes from the system's (a Windows registry may say text/plain).
mimetypes.add_type("text/javascript", ".js")

#: Longest request target (path and query string, as sent) the app reads; a longer one is
#: a 414. Far above any URL the map or a client builds (a few hundred bytes).
MAX_URL_BYTES = 4096
#: Most bytes of request header lines (``Name: value``) the app reads; more is a 431.
MAX_HEADER_BYTES = 16384


class VenuefinderFlask(Flask):
    """Flask whose automatic ``OPTIONS`` answer is 204 No Content with ``Allow`` (Flask's
    own is a 200 with an empty text/html body, the one non-JSON answer of the API)."""

    def make_default_options_response(self) -> Response:
        response = super().make_default_options_response()
        response.status_code = 204
        del response.headers["Content-Type"]
        return response


def create_app(settings: Optional[Settings] = None,
               region: Optional[Region] = None,
               instance_path: Optional[str] = None) -> Flask:
    """Build the web app.

    Parameters
    ----------
    settings
        The run's settings; ``None`` reads them from the environment (``VENUEFINDER_*``,
        e.g. ``VENUEFINDER_SOURCE`` for another region or an ingested file).
    region
        An already prepared region; ``None`` loads it once here with
        :func:`~venuefinder.prepare.prepare_region` (disk-cached), or, for a catalog
        source (a partitioned dataset folder, a PostGIS database), opens the catalog, whose
        tiles are then read as queries need them
        (:class:`~venuefinder.catalog.CatalogRegions`, at most ``tile_cache`` held).
    instance_path
        Flask's instance folder (the default SQLite store and the app's secret); None:
        Flask's default. gunicorn takes it in the app string:
        ``'venuefinder.web:create_app(instance_path="/var/lib/venuefinder")'``.

    Returns
    -------
    flask.Flask
        With blueprints ``map`` (``/``), ``api``, ``hazards``, ``routes`` and
        ``sessions_api`` (``/api``), ``hazards_admin`` (``/admin``), ``session_pages``
        (``/sessions``, ``/s``, ``/c``, ``/clubs``) and ``session_feeds`` (``.ics``); the
        region is ``app.extensions["venuefinder"]`` (a catalog's regions
        ``app.extensions["venuefinder.catalog"]``), the settings
        ``app.config["VENUEFINDER_SETTINGS"]``.

    Raises
    ------
    SourceError, InputError
        When a setting is bad or the region or the store cannot be loaded (start-up fails,
        in one line, rather than serving errors).
    """
    if settings is None:
        settings = load_settings()
    # A region loaded here means serving: the walking graph is loaded now too (else on the
    # first route request, see venuefinder.web.routes_api).
    serving = region is None
    catalog = serving and is_catalog_source(settings.source)
    if region is None and not catalog:
        region = prepare.prepare_region(settings)

    app = VenuefinderFlask(__name__, instance_path=instance_path)
    app.config.update(
        MAX_CONTENT_LENGTH=settings.max_request_bytes,
        # Keep the serializer's key order (id, name, kind, score…) as the CLI writes it.
        JSON_SORT_KEYS=False,
        RATELIMIT_ENABLED=rate_limit_enabled(settings),
    )
    app.config[SETTINGS_KEY] = settings
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # The store (upgraded here, so serving always starts on the current schema) and the
    # live criteria's columns on the region.
    init_secret(app, settings)
    region = init_store(app, settings, region)
    init_write_limit(app, settings)
    if region is not None:
        app.extensions[EXTENSION_KEY] = region
        summary = RegionSummary.of_region(region)
    else:
        regions = catalog_regions(settings, store_reports(app.extensions[STORE_KEY]))
        app.extensions[CATALOG_KEY] = regions
        summary = RegionSummary.of_catalog(regions)  # type: ignore[arg-type]
    app.extensions[SUMMARY_KEY] = summary
    app.extensions[LIMITS_KEY] = ApiLimits.of(settings, summary.kinds)

    init_limiter(app, settings)
    register_error_handlers(app)
    app.before_request(_reject_large_heads)
    app.before_request(_reject_large_bodies)
    init_pages(app)

    app.register_blueprint(mapview.bp)
    app.register_blueprint(api.bp)
    register_hazards(app)
    register_sessions_api(app)
    register_session_pages(app)

    init_routes(app, settings, load_now=serving)
    _register_cli(app)
    _trust_proxies(app, settings.trusted_proxies)

    assets.warn_if_missing()
    log.info("venuefinder web app ready: %s, %d venues, tiles %s, rate limit %s",
             summary.info.get("source", "region"), summary.venue_count,
             settings.tiles if settings.tiles_enabled else "off (own basemap)",
             settings.rate_limit if rate_limit_enabled(settings) else "off")
    return app


def _trust_proxies(app: Flask, proxies: int) -> None:
    """Behind *proxies* reverse proxies, the client is the address that many hops back in
    ``X-Forwarded-For`` and the scheme the one in ``X-Forwarded-Proto`` (werkzeug's
    ProxyFix): rate limits and the per-client counts (gone, flag) then see real clients.
    With 0 the forwarded headers are ignored, as anyone can send them. ``X-Forwarded-Host``
    is never trusted: a proxy passes the Host on, and absolute URLs come from it.
    """
    if proxies:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies,  # type: ignore[method-assign]
                                x_proto=proxies, x_host=0, x_port=0, x_prefix=0)


def _reject_large_heads() -> None:
    """414 for a request target over :data:`MAX_URL_BYTES`, 431 for header lines over
    :data:`MAX_HEADER_BYTES`: the app's own limits, in JSON, under the server's."""
    environ = request.environ
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI")  # as sent, when known
    size = (len(target) if target is not None else
            len(environ.get("PATH_INFO", "")) + 1 + len(environ.get("QUERY_STRING", "")))
    if size > MAX_URL_BYTES:
        raise RequestURITooLarge()
    if sum(len(k) + len(v) + 4 for k, v in request.headers.items()) > MAX_HEADER_BYTES:
        raise RequestHeaderFieldsTooLarge()


def _reject_large_bodies() -> None:
    """413 for any request whose body is over ``MAX_CONTENT_LENGTH``.

    Why here: no view reads a body, and werkzeug only enforces the limit when a body is
    read, so without this a huge upload to any URL would be accepted and ignored.
    """
    limit = request.max_content_length
    if limit is None:
        return
    if request.content_length is not None:
        if request.content_length > limit:
            raise RequestEntityTooLarge()
    elif request.environ.get("wsgi.input_terminated") and "chunked" in request.headers.get(
            "Transfer-Encoding", "").lower():
        # No length announced: read one byte past the limit to know. werkzeug's own limited
        # stream stops quietly at the limit, so the raw input (which the server de-chunks and
        # terminates, as werkzeug's and gunicorn's do) is read.
        if len(request.environ["wsgi.input"].read(limit + 1)) > limit:
            raise RequestEntityTooLarge()


def _register_cli(app: Flask) -> None:
    """``flask --app 'venuefinder.web:create_app()' assets`` reports the vendor files."""
    @app.cli.command("assets")
    def assets_command() -> None:
        """Say whether the map's front-end files are installed (exit 1 when not)."""
        missing = assets.missing_vendor_files()
        if missing:
            click.echo(f"missing in {assets.VENDOR_DIR}: {', '.join(missing)}")
            click.echo(f"install them with: {assets.INSTALL_COMMAND}")
            raise SystemExit(1)
        click.echo(f"map assets installed in {assets.VENDOR_DIR}")


def serve(settings: Optional[Settings] = None, host: str = "127.0.0.1", port: int = 8000,
          out: TextIO = sys.stdout) -> None:
    """Load the region, then serve the app with werkzeug's threaded server until Ctrl+C.

    For production use gunicorn instead (see :mod:`venuefinder.web`).

    Parameters
    ----------
    settings
        As for :func:`create_app`.
    host, port
        Where to listen; port 0 picks a free port (the printed URL shows it).
    out
        Where the URL is printed.
    """
    server = dev_server(create_app(settings), host, port)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    print(f"venuefinder: serving on http://{shown}:{server.server_port}/ "
          f"(Ctrl+C to stop)", file=out, flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def dev_server(app: Flask, host: str, port: int) -> Any:
    """werkzeug's threaded server for *app*, answering its own errors in JSON
    (:class:`JsonErrorRequestHandler`); ``serve_forever()`` runs it."""
    server = serving.make_server(host, port, app, threaded=True)
    server.RequestHandlerClass = JsonErrorRequestHandler  # socketserver's handler attribute
    return server


class JsonErrorRequestHandler(WSGIRequestHandler):
    """werkzeug's request handler, answering the errors its server raises before the app
    (a request line over 64 KiB: 414; more than 100 headers or a header line over 64 KiB:
    431; a malformed request line: 400) with the app's JSON error body instead of HTML."""

    protocol_version = "HTTP/1.1"  # keep-alive, as werkzeug's threaded server uses

    def send_error(self, code: int, message: Optional[str] = None,
                   explain: Optional[str] = None) -> None:
        error, text = status_error(code)
        body = json.dumps({"error": error, "message": text}).encode()
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, message)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and code >= 200 and code not in (204, 304):
            self.wfile.write(body)
