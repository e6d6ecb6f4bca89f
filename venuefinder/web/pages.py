"""What every answer and every HTML page share: the security headers, set by one
``after_request`` hook (:func:`add_security_headers`), with the pages' one
Content-Security-Policy (:func:`content_security_policy`) and its per-request nonce;
:func:`render_page`, which renders a template that extends ``base.html``; and
:func:`absolute_url`, the one maker of absolute links.

Why a CSP on every page: the pages must make no request outside the app (tests check it);
the policy makes the browser enforce that too, so a stray third-party link fails loudly.
Scripts are the app's own files (ES modules, see ``static/app.js``) and JSON blocks; the
only inline script is folium's map, which carries the request's nonce.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from flask import Flask, Response, g, render_template, request, url_for

from .state import current_settings

if TYPE_CHECKING:
    from ..config import Settings

#: ``flask.g`` attribute holding this request's CSP nonce.
_NONCE_ATTR = "venuefinder_csp_nonce"


def csp_nonce() -> str:
    """This request's nonce for an inline script (``{{ csp_nonce() }}`` in a template); new
    for every request, and the same one the response's policy names."""
    nonce = g.get(_NONCE_ATTR)
    if nonce is None:
        nonce = secrets.token_urlsafe(16)
        setattr(g, _NONCE_ATTR, nonce)
    return nonce


def content_security_policy(settings: "Settings", nonce: str) -> str:
    """The pages' policy: everything from the app itself (module scripts included: they are
    files under ``'self'``), inline scripts only with *nonce*, and the tile server's images.
    """
    images = "'self' data:"
    if settings.tiles_enabled:
        parts = urlsplit(str(settings.tiles))
        host = parts.netloc.replace("{s}.", "*.")
        if parts.scheme and host and "{" not in host:
            images += f" {parts.scheme}://{host}"
        else:
            images += " https:"
    return ("default-src 'self'; "
            f"script-src 'self' 'nonce-{nonce}'; "
            "style-src 'self' 'unsafe-inline'; "
            f"img-src {images}; "
            "connect-src 'self'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")


def add_security_headers(response: Response) -> Response:
    """Every answer: no MIME sniffing, no referrer outside the app; an HTML one: the CSP."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = content_security_policy(
            current_settings(), csp_nonce())
    return response


def render_page(template: str, status: int = 200, no_store: bool = True,
                **context: Any) -> Response:
    """*template* as an HTML response (its CSP is added by :func:`add_security_headers`).

    Parameters
    ----------
    no_store
        Keep it out of every cache: pages with a form carry the session's CSRF token, some
        a secret link.
    """
    response = Response(render_template(template, **context), status=status,
                        mimetype="text/html")
    if no_store:
        response.headers["Cache-Control"] = "no-store"
    return response


def absolute_url(endpoint: str, **values: Any) -> str:
    """Absolute URL of *endpoint* (``url_for``'s *values*), for JSON members, calendars and
    links to share: under ``VENUEFINDER_PUBLIC_URL`` when it is set, so that no Host header
    a client sends ends up in a link given to others; else from the request, as
    ``url_for(_external=True)``. The public URL is the app's root: its path replaces the
    request's script root."""
    public = current_settings().public_url
    if public is None:
        return url_for(endpoint, _external=True, **values)
    path = url_for(endpoint, **values)
    root = request.script_root
    if root and path.startswith(root + "/"):
        path = path[len(root):]
    return str(public).rstrip("/") + path


def init_pages(app: Flask) -> None:
    """Install the headers hook and the templates' ``csp_nonce()``."""
    app.after_request(add_security_headers)
    app.add_template_global(csp_nonce)
