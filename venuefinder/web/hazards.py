"""Hazard reports on the web: the JSON API (blueprint ``hazards``, under ``/api``), the small
moderation page (blueprint ``hazards_admin``, ``/admin/hazards``), whose errors are pages.

=======================================  ===============================================
``POST /api/hazards``                    report (201), or confirm the open report of the
                                         same kind within 25 m (200, ``merged_into``)
``GET /api/hazards?lat=&lon=&radius=``   open reports near a point (GeoJSON)
``GET /api/hazards/<id>``                one report (hidden ones: 404)
``POST /api/hazards/<id>/confirm``       "still there" (409 when no longer open)
``POST /api/hazards/<id>/gone``          "gone": two clients resolve it
``POST /api/hazards/<id>/flag``          flag with a reason: three clients hide it
``DELETE /api/hazards/<id>``             admin: hide
``POST /api/hazards/<id>/restore``       admin: restore after review
``GET /api/hazards/flagged``             admin: hidden and flagged reports
``GET /admin/hazards``                   admin page (token form, or the header)
=======================================  ===============================================

Admin means ``Authorization: Bearer <settings.admin_token>`` (or, on the page, a session
opened with the token); without a configured token every admin request is a 403.

Why writes are CSRF-safe: see :mod:`venuefinder.web.guards` (JSON writes, the admin API's
Authorization header, the admin page's per-session form token).

Clients are identified to the store (one vote per client) by a SHA-256 of the app's secret
and the client's address (:func:`.extensions.client_id`); the address itself is never
stored.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from functools import partial
from typing import Any, Optional

from flask import (Blueprint, Flask, Response, current_app, jsonify, redirect, request, session,
                   url_for)
from werkzeug.exceptions import Forbidden, TooManyRequests

from ..errors import NotFoundError
from ..store import hazards as service
from ..vocabulary.hazards import (DEDUPE_RADIUS_M, DESCRIPTION_MAX, FLAGS_TO_HIDE, GONE_TO_RESOLVE,
                                  KIND_LABELS, REPORT_BUDGET, REPORT_BUDGET_RADIUS_M,
                                  SEVERITIES)
from .extensions import client_id, get_store
from .guards import WRITE_METHODS, bearer_token, check_csrf, csrf_token, limit_writes
from .hazard_models import (MAX_HAZARD_RADIUS_M, AdminActionPath, EmptyBody, FlagBody,
                            FlaggedReports, Hazard, HazardBody, HazardCollection, HazardPath,
                            HazardQuery, HazardReceipt, hazard_json)
from .openapi import operation
from .pages import render_page
from .state import current_settings

bp = Blueprint("hazards", __name__, url_prefix="/api")
admin_bp = Blueprint("hazards_admin", __name__, url_prefix="/admin")
#: The admin page's operations: HTML, and errors that are pages saying why.
admin_operation = partial(operation, tags=("admin", "pages"), ok_media_type="text/html",
                          error_media_type="text/html")
#: The report budget in words (the API's description and its 429 say it).
BUDGET = (f"{REPORT_BUDGET} new hazard reports per client within "
          f"{REPORT_BUDGET_RADIUS_M / 1000:g} km a day")



# -- wiring -------------------------------------------------------------------------------

def register_hazards(app: Flask) -> None:
    """Mount the blueprints, with the per-client write limit on their writes (after the
    app's limiter exists)."""
    for blueprint in (bp, admin_bp):
        limit_writes(app, blueprint, "hazard-writes", WRITE_METHODS)
    app.register_blueprint(bp)
    app.register_blueprint(admin_bp)


def _admin_token() -> Optional[str]:
    token = current_settings().admin_token
    value = token.get_secret_value() if token is not None else ""
    return value or None


def _token_ok(given: Optional[str]) -> bool:
    expected = _admin_token()
    return bool(expected and given) and hmac.compare_digest(str(given).encode(),
                                                            expected.encode())


def _require_admin() -> None:
    if not _token_ok(bearer_token()):
        raise Forbidden("this needs the admin token: Authorization: Bearer <token>")


# -- API ----------------------------------------------------------------------------------

@bp.post("/hazards")
@operation("reportHazard", "Report a hazard", body=HazardBody, ok=HazardReceipt,
           ok_status=201, ok_also=(200,), errors=(400,), tags=("hazards",),
           description=f"A report of the same kind within {DEDUPE_RADIUS_M:g} m of an open "
                       "one confirms it instead (200, `merged_into`). Rate-limited per "
                       f"client, and at most {BUDGET} (429 with Retry-After).",
           ok_description="The new report (201), or the confirmed one with `merged_into` "
                          "(200).")
def report(body: HazardBody) -> Response:
    try:
        hazard, merged = service.report_hazard(get_store(), body.kind, body.severity,
                                               body.lat, body.lon, body.description,
                                               client_id())
    except service.ReportBudgetError as spent:
        # A per-client limit, answered as the rate limits are (the describer's 429).
        raise TooManyRequests(
            BUDGET, retry_after=max(1, math.ceil(spent.retry_after.total_seconds()))) from None
    if merged is None:
        response = jsonify(hazard_json(hazard))
        response.status_code = 201
        response.headers["Location"] = url_for("hazards.get_one", hazard_id=hazard.id)
        return response
    return jsonify(hazard_json(hazard, merged_into=merged))


@bp.get("/hazards")
@operation("listHazards", "Open hazard reports near a point", query=HazardQuery,
           ok=HazardCollection, errors=(400,), tags=("hazards",),
           ok_description="GeoJSON FeatureCollection, nearest first.")
def near(query: HazardQuery) -> Response:
    found = service.hazards_near(get_store(), query.lat, query.lon, query.radius)
    features = [{"type": "Feature", "id": h.id,
                 "geometry": {"type": "Point", "coordinates": [h.lon, h.lat]},
                 "properties": hazard_json(h, distance_m=round(d, 1))} for h, d in found]
    return jsonify(type="FeatureCollection", features=features,
                   query={"lat": query.lat, "lon": query.lon, "radius_m": query.radius})


@bp.get("/hazards/flagged")
@operation("flaggedHazards", "Admin: hidden and flagged reports", ok=FlaggedReports,
           errors=(403,), tags=("hazards", "admin"))
def flagged() -> Response:
    _require_admin()
    return jsonify(hazards=[hazard_json(f.hazard, flags=f.hazard.flags, reasons=list(f.reasons))
                            for f in service.flagged_hazards(get_store())])


@bp.get("/hazards/<int:hazard_id>")
@operation("getHazard", "One hazard report", path=HazardPath, ok=Hazard, errors=(400, 404),
           tags=("hazards",), ok_description="The report (hidden ones are 404).")
def get_one(path: HazardPath) -> Response:
    hazard = service.get_hazard(get_store(), path.hazard_id)
    if hazard.status == "hidden":
        raise NotFoundError(f"hazard {hazard.id} is hidden pending review")
    return jsonify(hazard_json(hazard))


@bp.post("/hazards/<int:hazard_id>/confirm")
@operation("confirmHazard", "Still there", path=HazardPath, body=EmptyBody, ok=Hazard,
           errors=(400, 404, 409), tags=("hazards",),
           description="Renews the report's lifetime; a client counts once. 409 when the "
                       "report is no longer open (report it again).")
def confirm(path: HazardPath, body: EmptyBody) -> Response:
    return jsonify(hazard_json(service.confirm(get_store(), path.hazard_id, client_id())))


@bp.post("/hazards/<int:hazard_id>/gone")
@operation("hazardGone", "It is gone", path=HazardPath, body=EmptyBody, ok=Hazard,
           errors=(400, 404), tags=("hazards",),
           description=f"{GONE_TO_RESOLVE} distinct clients resolve an open report.")
def gone(path: HazardPath, body: EmptyBody) -> Response:
    return jsonify(hazard_json(service.mark_gone(get_store(), path.hazard_id,
                                                 client_id())))


@bp.post("/hazards/<int:hazard_id>/flag")
@operation("flagHazard", "Flag a wrong or abusive report", path=HazardPath, body=FlagBody,
           ok=Hazard, errors=(400, 404), tags=("hazards",),
           description=f"{FLAGS_TO_HIDE} distinct clients hide it pending review.")
def flag(path: HazardPath, body: FlagBody) -> Response:
    return jsonify(hazard_json(service.flag(get_store(), path.hazard_id, client_id(),
                                            body.reason)))


@bp.delete("/hazards/<int:hazard_id>")
@operation("hideHazard", "Admin: hide a report", path=HazardPath, ok=Hazard,
           errors=(400, 403, 404), tags=("hazards", "admin"))
def hide(path: HazardPath) -> Response:
    _require_admin()
    return jsonify(hazard_json(service.hide(get_store(), path.hazard_id)))


@bp.post("/hazards/<int:hazard_id>/restore")
@operation("restoreHazard", "Admin: restore a report after review", path=HazardPath,
           ok=Hazard, errors=(400, 403, 404), tags=("hazards", "admin"),
           description="Clears the flags; reopens it, or resolves it if enough clients said "
                       "it was gone.")
def restore(path: HazardPath) -> Response:
    _require_admin()
    return jsonify(hazard_json(service.restore(get_store(), path.hazard_id)))


# -- the admin page -----------------------------------------------------------------------

def _token_mark(token: str) -> str:
    """What the session keeps of the admin token: a keyed hash, so changing the token ends
    every admin session."""
    return hmac.new(str(current_app.secret_key).encode(), token.encode(),
                    hashlib.sha256).hexdigest()


def _page_admin() -> bool:
    if _token_ok(bearer_token()):
        return True
    token, mark = _admin_token(), session.get("admin")
    return bool(token and mark) and hmac.compare_digest(str(mark), _token_mark(token))


@admin_bp.get("/hazards")
@admin_operation("adminHazardsPage", "Admin: the moderation page",
                 ok_description="The flagged reports with hide/restore buttons, or a form "
                                "asking for the admin token.")
def admin_page() -> Response:
    admin = _page_admin()
    flagged = service.flagged_hazards(get_store()) if admin else []
    return render_page("admin_hazards.html", admin=admin, flagged=flagged,
                       csrf_token=csrf_token(), kind_labels=KIND_LABELS,
                       configured=_admin_token() is not None)


@admin_bp.post("/hazards/login")
@admin_operation("adminHazardsLogin", "Admin: open a session with the token",
                 ok_status=303, errors=(403,), ok_description="Back to the page, signed in.")
def admin_login() -> Response:
    check_csrf()
    token = request.form.get("token", "")
    if not _token_ok(token):
        raise Forbidden("wrong admin token")
    session["admin"] = _token_mark(token)
    return redirect(url_for("hazards_admin.admin_page"), 303)


# Any id and action reach the view, whose path model says what is wrong in a page (a
# converter would answer a JSON 404 before it).
@admin_bp.post("/hazards/<hazard_id>/<action>")
@admin_operation("adminHazardsAction", "Admin: hide or restore from the page",
                 path=AdminActionPath, ok_status=303, errors=(400, 403, 404),
                 ok_description="Back to the page.")
def admin_action(path: AdminActionPath) -> Response:
    check_csrf()
    if not _page_admin():
        raise Forbidden("sign in with the admin token first")
    action = service.hide if path.action == "hide" else service.restore
    action(get_store(), path.hazard_id)
    return redirect(url_for("hazards_admin.admin_page"), 303)


def hazard_page_config() -> dict[str, Any]:
    """What the map page's hazards script needs (embedded as JSON)."""
    return {"api": {"hazards": url_for("hazards.near")}, "kinds": KIND_LABELS,
            "maxRadius": MAX_HAZARD_RADIUS_M, "descriptionMax": DESCRIPTION_MAX}


@bp.app_context_processor
def _vocabulary() -> dict[str, Any]:
    """The form's choices and the script's config, for the map page's template."""
    return {"hazard_kinds": KIND_LABELS, "hazard_severities": SEVERITIES,
            "hazard_description_max": DESCRIPTION_MAX,
            "hazard_page_config": hazard_page_config}
