"""The app's extensions and how views reach them (Flask's ``get_db`` pattern): the store
(:func:`get_store`) with the worker's live view of its hazard reports, the rate limiter
(:func:`get_limiter`) and the app's secret, which keys the client hashes
(:func:`client_id`) and the session cookie. :func:`~venuefinder.web.create_app` sets them
up with :func:`init_secret`, :func:`init_store` and :func:`init_limiter`.

Why the limiter is made per app rather than once at import: its limits and storage come
from the app's settings, and tests build many apps with different ones.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import weakref
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Optional

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from limits.errors import ConfigurationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from ..catalog import Reports
from ..config import limit_off
from ..errors import InputError
from ..live import LiveReports, region_with_live
from ..store.db import Store, connect_store
from ..store.hazards import open_hazards_in_bbox
from ..validate import clip
from .state import LIVE_KEY

if TYPE_CHECKING:
    from ..config import Settings
    from ..region import Region

#: ``app.extensions`` key of the store (the live view's is :data:`.state.LIVE_KEY`).
STORE_KEY = "venuefinder.store"
#: ``app.extensions`` key of the rate limiter.
LIMITER_KEY = "venuefinder.limiter"
#: File in the instance folder holding the app's secret (client hashes, sessions), made
#: once so that every worker and restart agrees.
SECRET_FILE = "secret_key"
SQLITE_FILE = "venuefinder.db"


# -- the secret ---------------------------------------------------------------------------

def init_secret(app: Flask, settings: "Settings") -> None:
    """Give *app* its secret (kept in the instance folder unless configured) and its
    session cookie's flags: ``SameSite=Lax`` and ``HttpOnly`` always (set, not defaulted:
    Flask defines every key, with no SameSite), ``Secure`` when the public URL is https."""
    os.makedirs(app.instance_path, exist_ok=True)
    if not app.secret_key:
        app.secret_key = _instance_secret(Path(app.instance_path) / SECRET_FILE)
    public_url = settings.public_url
    app.config.update(SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SECURE=public_url is not None
                      and public_url.scheme == "https")


def client_id() -> str:
    """The requesting client, as the store knows it: SHA-256 of the secret and address."""
    address = request.remote_addr or "unknown"
    return hmac.new(str(current_app.secret_key).encode(), address.encode(),
                    hashlib.sha256).hexdigest()


def _instance_secret(path: Path) -> str:
    """The secret kept in *path*, made on first use (``O_EXCL``: the first worker wins)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


# -- the store ----------------------------------------------------------------------------

def store_url(settings: "Settings", instance_path: str) -> str:
    """The configured database URL, or SQLite in the instance folder."""
    if settings.database_url:
        return settings.database_url
    return f"sqlite:///{Path(instance_path) / SQLITE_FILE}"


def init_store(app: Flask, settings: "Settings",
               region: Optional["Region"]) -> Optional["Region"]:
    """Open (and upgrade) the store and give the app a per-worker live view of *region*
    (None: a catalog's, whose regions each get their own from :func:`store_reports`);
    returns *region* with the live criteria's default columns, to serve.

    Raises
    ------
    InputError, SourceError
        A bad database URL, or a database that cannot be opened or written (a read-only
        file: :class:`~venuefinder.errors.StoreUnavailable`), so start-up fails.
    """
    os.makedirs(app.instance_path, exist_ok=True)
    url = store_url(settings, app.instance_path)
    _make_sqlite_folder(url)
    store = connect_store(url)
    try:
        store.check_writable()
    except Exception:
        store.engine.dispose()
        raise
    _dispose_after_fork(store)
    app.extensions[STORE_KEY] = store
    if region is None:
        return None
    region = region_with_live(region, settings)
    app.extensions[LIVE_KEY] = LiveReports(region, settings, *store_reports(store))
    return region


def store_reports(store: Store) -> Reports:
    """The store's version and its reader of the open hazard reports in a box: what a
    live view reads."""
    return store.version, partial(open_hazards_in_bbox, store)


def get_store() -> Store:
    """The store of the app handling the current request."""
    return current_app.extensions[STORE_KEY]


def _make_sqlite_folder(url: str) -> None:
    """SQLite creates its file but not the folder holding it."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return  # connect_store says why
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def _dispose_after_fork(store: Store) -> None:
    """A forked worker (gunicorn's preload) must not reuse the parent's pooled connections."""
    ref = weakref.ref(store.engine)

    def dispose() -> None:
        engine = ref()
        if engine is not None:
            engine.dispose(close=False)

    os.register_at_fork(after_in_child=dispose)


# -- the rate limiter ---------------------------------------------------------------------

def rate_limit_enabled(settings: "Settings") -> bool:
    """Whether ``settings.rate_limit`` asks for a limit."""
    return not limit_off(settings.rate_limit)


def init_limiter(app: Flask, settings: "Settings") -> None:
    """flask-limiter: one limit per client address and route (``settings.rate_limit``).

    In-memory storage is per process: behind gunicorn with N workers a client may get up to
    N times the limit, which is acceptable for a guard against runaway clients. The settings
    checked the limit's syntax (flask-limiter parses lazily: a typo would fail every request).

    Raises
    ------
    InputError
        The storage cannot be used (its client library is not installed).
    """
    limits = [settings.rate_limit] if rate_limit_enabled(settings) else []
    try:
        app.extensions[LIMITER_KEY] = Limiter(
            get_remote_address, app=app, default_limits=limits,
            # memory:// is per worker; redis://… shares the counts between them.
            storage_uri=settings.rate_limit_storage,
            headers_enabled=True,
            # Static files are cheap and a page load fetches several at once.
            default_limits_exempt_when=lambda: request.endpoint == "static")
    except ConfigurationError as exc:
        raise InputError(f"rate_limit_storage {clip(settings.rate_limit_storage)!r} cannot be "
                         f"used: {' '.join(str(exc).split())}") from None


def get_limiter(app: Flask) -> Optional[Limiter]:
    """*app*'s limiter (None before :func:`init_limiter`)."""
    return app.extensions.get(LIMITER_KEY)
