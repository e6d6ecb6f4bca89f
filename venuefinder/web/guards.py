"""What every write on the web goes through: the per-client write limit, bearer tokens,
and CSRF tokens for the HTML forms.

Why JSON writes need no CSRF token: they need ``Content-Type: application/json`` (a
cross-site form cannot send it, and a cross-site ``fetch`` with it is preflighted and
refused, the app sending no CORS headers), and the tokens that open edits travel in the
Authorization header, which browsers never add by themselves. HTML forms carry a
per-session token instead (:func:`csrf_token`, :func:`check_csrf`).
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING, Iterable, Optional

from flask import current_app, request, session
from werkzeug.exceptions import Forbidden

from ..config import checked_rate_limit, limit_off
from .extensions import get_limiter

if TYPE_CHECKING:
    from flask import Blueprint, Flask

    from ..config import Settings

#: ``app.config`` key of the per-client write limit (flask-limiter syntax, or "none").
WRITE_LIMIT_KEY = "VENUEFINDER_WRITE_RATE_LIMIT"
#: Methods the per-client write limit counts (the sessions' API adds PATCH).
WRITE_METHODS = ("POST", "DELETE")


def checked_write_limit(value: str) -> str:
    """*value* if it is a rate limit or "none" (see :func:`venuefinder.config.checked_rate_limit`)."""
    return checked_rate_limit(value, "write_rate_limit", "30 per minute")


def init_write_limit(app: "Flask", settings: "Settings") -> None:
    """Keep ``settings.write_rate_limit``, checked, for :func:`limit_writes`."""
    app.config[WRITE_LIMIT_KEY] = checked_write_limit(settings.write_rate_limit)


def limit_writes(app: "Flask", blueprint: "Blueprint", scope: str,
                 methods: Iterable[str]) -> None:
    """Put *blueprint*'s *methods* under the per-client write limit, counted in *scope*
    (after the app's limiter exists; nothing when it has none)."""
    limiter = get_limiter(app)
    if limiter is not None:
        limiter.shared_limit(_write_limit, scope=scope, methods=list(methods),
                             override_defaults=False, exempt_when=_writes_unlimited)(blueprint)


def _write_limit() -> str:
    return current_app.config[WRITE_LIMIT_KEY]


def _writes_unlimited() -> bool:
    return limit_off(current_app.config.get(WRITE_LIMIT_KEY))


def bearer_token() -> Optional[str]:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def csrf_token() -> str:
    """This browser session's CSRF token, for a form's hidden field ``csrf_token``."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf() -> None:
    """Refuse (403) a form post without this session's CSRF token."""
    expected, given = session.get("csrf"), request.form.get("csrf_token", "")
    if not expected or not hmac.compare_digest(str(given).encode(), str(expected).encode()):
        # 403, as for a wrong token: the request is refused, not malformed.
        raise Forbidden("the form's CSRF token is missing or stale: reload the page")
