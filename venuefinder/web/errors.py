"""The one place where errors become HTTP responses.

Every error the app returns is JSON ``{"error": "<code>", "message": "<sentence>"}``:

==========================================  ======  =========================
raised                                      status  ``error``
==========================================  ======  =========================
:class:`~venuefinder.errors.InputError`     400     ``bad_request``
:class:`~venuefinder.errors.NotFoundError`  404     ``not_found``
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

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException, InternalServerError, default_exceptions

from ..errors import ForbiddenError, InputError, NotFoundError, SourceError, VenuefinderError
from ..validate import clip

log = logging.getLogger("venuefinder.web")

#: Domain errors → (status, code). Checked in order; subclasses before their bases.
DOMAIN_STATUS: tuple[tuple[type[VenuefinderError], int, str], ...] = (
    (InputError, 400, "bad_request"),
    (NotFoundError, 404, "not_found"),
    (ForbiddenError, 403, "forbidden"),
    (SourceError, 503, "source_unavailable"),
)

#: Messages for HTTP errors whose werkzeug default text talks about the server's internals
#: or is too vague to act on.
_HTTP_MESSAGES = {
    404: "no such page or API endpoint; see /api/openapi.json",
    413: "the request body is too large",
    414: "the request URL is too long",
    431: "the request headers are too large",
    500: "the server failed to answer this request; it has been logged",
}


#: Longest message an error body carries (a last guard; echoes are clipped far shorter).
MAX_MESSAGE_CHARS = 600


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


def handle_http(exc: HTTPException) -> Response:
    """werkzeug's HTTP errors (404, 405, 413, 429 …) as JSON, keeping their headers (Allow,
    Retry-After)."""
    status = exc.code or 500
    message = _HTTP_MESSAGES.get(status) or (exc.description or exc.name or "error")
    if status == 429:
        # flask-limiter's description is the limit itself ("600 per 1 minute").
        message = f"too many requests: the limit is {exc.description}; retry later"
    response = error_response(status, _code_of(exc), message)
    for key, value in exc.get_headers():
        if key.lower() != "content-type":
            response.headers[key] = value
    return response


def handle_domain(exc: VenuefinderError) -> Response:
    """venuefinder's own errors, by :data:`DOMAIN_STATUS`."""
    for kind, status, code in DOMAIN_STATUS:
        if isinstance(exc, kind):
            if status >= 500:
                log.error("%s: %s", type(exc).__name__, exc)
            return error_response(status, code, str(exc))
    return handle_unexpected(exc)


def handle_unexpected(exc: Exception) -> Response:
    """Anything else: logged with its traceback, answered without it."""
    log.exception("unhandled error while serving a request", exc_info=exc)
    return error_response(500, "internal_error", _HTTP_MESSAGES[500])


def handle_any(exc: Exception) -> Response:
    """Dispatch by type. One handler for ``Exception`` so that nothing escapes as HTML."""
    if isinstance(exc, HTTPException):
        return handle_http(exc)
    if isinstance(exc, VenuefinderError):
        return handle_domain(exc)
    return handle_unexpected(exc)


def register_error_handlers(app: Flask) -> None:
    """Install the handlers on *app* (covers every blueprint and unrouted URLs)."""
    app.register_error_handler(Exception, handle_any)
