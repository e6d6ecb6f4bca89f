"""The one place where errors become HTTP responses: :func:`describe` turns any exception
into its status, code and message; :func:`handle_any` answers them as JSON
``{"error": "<code>", "message": "<sentence>"}``, or, for the views that answer pages (their
:class:`~venuefinder.web.openapi.Operation` says ``error_media_type="text/html"``: the club
sessions' pages and the hazards' admin page with its forms), as a page (``error.html``) with
the same status and message:

==========================================  ======  =========================
raised                                      status  ``error``
==========================================  ======  =========================
:class:`~venuefinder.errors.InputError`     400     ``bad_request``
:class:`~venuefinder.errors.NotFoundError`  404     ``not_found``
:class:`~venuefinder.errors.ForbiddenError` 403     ``forbidden``
:class:`~venuefinder.errors.ConflictError`  409     ``conflict``
:class:`~venuefinder.errors.StoreUnavailable` 503   ``store_unavailable``
:class:`~venuefinder.errors.SourceError`    503     ``source_unavailable``
werkzeug ``HTTPException`` (404, 405, …)    its     from its name (``method_not_allowed``)
anything else                               500     ``internal_error`` (no traceback)
==========================================  ======  =========================

The servers answer some requests before the app sees them, in their own format: werkzeug's
(``venuefinder serve``) does it in JSON too, through :func:`status_error`; gunicorn's are
HTML, see :mod:`venuefinder.web.gunicorn_conf`. Messages quote user input clipped (see
:func:`venuefinder.validate.clip`); :data:`MAX_MESSAGE_CHARS` bounds any message whatever
raised it.
"""

from __future__ import annotations

import logging
import re
from typing import NamedTuple

from flask import Flask, Response, current_app, jsonify, request
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from ..errors import (ConflictError, ForbiddenError, InputError, NotFoundError, SourceError,
                      StoreUnavailable, VenuefinderError)
from ..validate import clip
from .openapi import operation_of
from .pages import render_page

log = logging.getLogger("venuefinder.web")

#: Domain errors → (status, code). Checked in order; subclasses before their bases.
DOMAIN_STATUS: tuple[tuple[type[VenuefinderError], int, str], ...] = (
    (InputError, 400, "bad_request"),
    (NotFoundError, 404, "not_found"),
    (ForbiddenError, 403, "forbidden"),
    (ConflictError, 409, "conflict"),
    (StoreUnavailable, 503, "store_unavailable"),
    (SourceError, 503, "source_unavailable"),
)

#: Messages for HTTP errors whose werkzeug default text talks about the server's internals
#: or is too vague to act on.
_HTTP_MESSAGES = {
    404: "no such page or API endpoint; see /api/openapi.json",
    408: "the request body did not arrive in time",
    413: "the request body is too large",
    414: "the request URL is too long",
    431: "the request headers are too large",
    500: "the server failed to answer this request; it has been logged",
}


#: Longest message an error body carries (a last guard; echoes are clipped far shorter).
MAX_MESSAGE_CHARS = 600
#: An error page's heading by status.
HEADINGS = {400: "That did not work", 403: "Not allowed", 404: "Not found",
            413: "Too much sent", 429: "Too many requests, slow down",
            503: "Temporarily unavailable"}


class Described(NamedTuple):
    """What an error answers: its status, ``error`` code, message and kept headers."""

    status: int
    code: str
    message: str
    headers: tuple[tuple[str, str], ...] = ()


def error_response(status: int, code: str, message: str) -> Response:
    """A JSON error response."""
    response = jsonify(error=code, message=clip(message, MAX_MESSAGE_CHARS))
    response.status_code = status
    return response


def _code_of(exc: HTTPException) -> str:
    """``"Method Not Allowed"`` → ``"method_not_allowed"``."""
    name = exc.name or "error"
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def status_error(status: int) -> tuple[str, str]:
    """``(code, message)`` of the error body for an HTTP *status* answered without an
    exception (by the server itself), the same as the app gives for it."""
    exc_class = default_exceptions.get(status, InternalServerError)
    exc = exc_class()
    return _code_of(exc), _HTTP_MESSAGES.get(status) or exc.description or exc.name


def describe(exc: Exception) -> Described:
    """Status, code and message of any exception (logged when it is the server's fault):
    werkzeug's HTTP errors by their status (keeping their headers: Allow, Retry-After),
    venuefinder's own by :data:`DOMAIN_STATUS`, anything else a 500 without its details."""
    if isinstance(exc, HTTPException):
        status = exc.code or 500
        message = _HTTP_MESSAGES.get(status) or (exc.description or exc.name or "error")
        if status == 429:
            # flask-limiter's description is the limit itself ("600 per 1 minute").
            message = f"too many requests: the limit is {exc.description}; retry later"
        headers = tuple((key, value) for key, value in exc.get_headers()
                        if key.lower() != "content-type")
        return Described(status, _code_of(exc), message, headers)
    if isinstance(exc, VenuefinderError):
        for kind, status, code in DOMAIN_STATUS:
            if isinstance(exc, kind):
                if status >= 500:
                    log.error("%s: %s", type(exc).__name__, exc)
                return Described(status, code, str(exc))
    log.exception("unhandled error while serving a request", exc_info=exc)
    return Described(500, "internal_error", _HTTP_MESSAGES[500])


def error_page(described: Described) -> Response:
    """*described* as a page: the status's heading and the message."""
    return render_page("error.html", described.status,
                       heading=HEADINGS.get(described.status, "Something went wrong"),
                       message=clip(described.message, MAX_MESSAGE_CHARS))


def answers_pages() -> bool:
    """Whether the current request's view answers pages (its errors are pages too)."""
    rule = request.url_rule
    spec = operation_of(current_app, rule.endpoint) if rule is not None else None
    return spec is not None and spec.error_media_type == "text/html"


def handle_any(exc: Exception) -> Response:
    """One handler for ``Exception``, so that nothing escapes in werkzeug's own HTML."""
    described = describe(exc)
    response = (error_page(described) if answers_pages() else
                error_response(described.status, described.code, described.message))
    for key, value in described.headers:
        response.headers[key] = value
    return response


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on *app* (covers every blueprint and unrouted URLs)."""
    app.register_error_handler(Exception, handle_any)
