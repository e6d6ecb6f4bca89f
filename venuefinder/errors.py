"""Domain exceptions.

Each subclasses a built-in so that callers who do not know venuefinder still catch them
sensibly. The CLI maps them to exit codes in one place (``cli.py``) and the web app to HTTP
statuses in one place (``web/errors.py``).
"""

from __future__ import annotations


class VenuefinderError(Exception):
    """Base class of every error venuefinder raises on purpose."""


class InputError(VenuefinderError, ValueError):
    """The caller gave a bad value (coordinate, radius, DEM path, parameter).

    CLI exit code 2, HTTP 400.
    """


class SourceError(VenuefinderError, OSError):
    """A data source cannot be read: missing, empty, corrupt, not OSM, or unreachable.

    CLI exit code 1, HTTP 503 when it happens while serving.
    """


class NotFoundError(VenuefinderError, LookupError):
    """A requested object (venue id, place) does not exist. HTTP 404."""


class ConflictError(VenuefinderError):
    """The object's state does not allow this (confirming a report that is no longer open):
    HTTP 409."""


class ForbiddenError(VenuefinderError, PermissionError):
    """The caller lacks the secret this needs (a session's edit token, a sign-up's cancel
    token): HTTP 403."""


class StoreUnavailable(SourceError, RuntimeError):
    """The store cannot be opened or cannot write now: its database is read-only, its disk
    is full, or its server is out of resources or unreachable. CLI exit code 1, HTTP 503
    (``store_unavailable``): nothing was written, and a later try may succeed. Also a
    ``RuntimeError``: the one error a server that preloads the app (gunicorn) says in one
    line ("Error: …", exit 1) instead of a traceback."""
