"""The hazard API: every route, bad input, moderation, limits, and the effect on venues.

Runs on the tiny region (:mod:`tests.web.regions`) with a new SQLite store per test; the
store's own rules (expiry, dedupe, votes) are tested in ``tests/store``.
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from venuefinder.errors import StoreUnavailable
from venuefinder.store.db import connect_store, open_store
from venuefinder.vocabulary.hazards import DESCRIPTION_MAX, KINDS, REPORT_BUDGET
from venuefinder.web.guards import WRITE_LIMIT_KEY
from venuefinder.web.extensions import STORE_KEY, store_url

from ..store.conftest import PG_ENV, _unavailable
from ..store.test_db import make_read_only
from .regions import CENTER_LAT, CENTER_LON

TOKEN = "s3cret-admin-token"
#: Inside way/1 (Kaivo Field, the tiny region's best venue).
AT_KAIVO = {"lat": CENTER_LAT, "lon": CENTER_LON}
ADMIN = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def app(make_app) -> Flask:
    return make_app(admin_token=TOKEN)


def post(client: FlaskClient, url: str, body: Any = None, addr: str = "10.0.0.1",
         **kwargs: Any):
    return client.post(url, json={} if body is None else body,
                       environ_base={"REMOTE_ADDR": addr}, **kwargs)


def report(client: FlaskClient, addr: str = "10.0.0.1", **fields: Any):
    body = {"kind": "pothole", "severity": "high", **AT_KAIVO, **fields}
    return post(client, "/api/hazards", body, addr)


def stored(app: Flask) -> list[tuple]:
    """Every hazard and vote row, as the database holds them."""
    with app.extensions[STORE_KEY].engine.connect() as connection:
        from sqlalchemy import text

        hazards = connection.execute(text("SELECT * FROM hazards ORDER BY id")).all()
        votes = connection.execute(text("SELECT * FROM hazard_votes ORDER BY id")).all()
    return [tuple(r) for r in hazards] + [tuple(r) for r in votes]


def kaivo(client: FlaskClient) -> dict[str, Any]:
    return client.get("/api/venues/way/1").get_json()["properties"]


# -- reporting ----------------------------------------------------------------------------

def test_report_answers_201_with_the_contract_members(client: FlaskClient) -> None:
    response = report(client, description="deep one")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert set(body) >= {"id", "kind", "severity", "lat", "lon", "status", "confirmations",
                         "created_at", "expires_at"}
    assert "merged_into" not in body and "reporter" not in body
    assert (body["kind"], body["severity"], body["status"], body["confirmations"]) == (
        "pothole", "high", "open", 1)
    assert body["description"] == "deep one"
    assert response.headers["Location"].endswith(f"/api/hazards/{body['id']}")
    assert client.get(f"/api/hazards/{body['id']}").get_json() == body


def test_a_second_report_nearby_confirms_the_first(client: FlaskClient) -> None:
    first = report(client).get_json()
    again = report(client, addr="10.0.0.2", lat=CENTER_LAT + 0.0001, severity="low")
    assert again.status_code == 200
    body = again.get_json()
    assert body["merged_into"] == first["id"] == body["id"]
    assert body["confirmations"] == 2 and body["severity"] == "high"


def test_the_store_gets_a_hash_of_the_address_never_the_address(app: Flask,
                                                                client: FlaskClient) -> None:
    report(client, addr="203.0.113.77")
    rows = stored(app)
    assert rows and not any("203.0.113.77" in str(value) for row in rows for value in row)
    hashes = {value for row in rows for value in row
              if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value)}
    assert len(hashes) == 1


def test_near_lists_open_reports_as_geojson_nearest_first(client: FlaskClient) -> None:
    far = report(client, kind="glass", lat=CENTER_LAT + 0.003).get_json()
    close = report(client, kind="dark").get_json()
    body = client.get(f"/api/hazards?lat={CENTER_LAT}&lon={CENTER_LON}&radius=1000").get_json()
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == [close["id"], far["id"]]
    feature = body["features"][0]
    assert feature["geometry"] == {"type": "Point", "coordinates": [CENTER_LON, CENTER_LAT]}
    assert feature["properties"]["distance_m"] == 0.0
    small = client.get(f"/api/hazards?lat={CENTER_LAT}&lon={CENTER_LON}&radius=100")
    assert [f["id"] for f in small.get_json()["features"]] == [close["id"]]


def test_get_unknown_hazard_is_404(client: FlaskClient) -> None:
    response = client.get("/api/hazards/999")
    assert response.status_code == 404
    assert response.get_json() == {"error": "not_found", "message": "no hazard 999"}


# -- effect on the venues -----------------------------------------------------------------

def test_a_high_report_shows_in_the_venue_at_once_and_gone_twice_restores_it(
        client: FlaskClient) -> None:
    before = kaivo(client)
    assert before["scores"]["hazards"] == 100 and before["hazard_count"] == 0
    hazard = report(client).get_json()
    after = kaivo(client)
    assert after["hazard_count"] == 1
    assert after["scores"]["hazards"] < 100 and after["score"] < 75  # never green
    assert "pothole" in after["reasons"]["hazards"]
    listed = client.get(f"/api/venues?lat={CENTER_LAT}&lon={CENTER_LON}&radius=500")
    assert {f["id"]: f["properties"]["score"] for f in listed.get_json()["features"]}[
        "way/1"] == after["score"]
    assert post(client, f"/api/hazards/{hazard['id']}/gone", addr="10.0.0.8").get_json()[
        "status"] == "open"
    assert post(client, f"/api/hazards/{hazard['id']}/gone", addr="10.0.0.9").get_json()[
        "status"] == "resolved"
    assert kaivo(client) == before


def test_confirm_counts_a_client_once_and_409s_when_resolved(client: FlaskClient) -> None:
    hazard = report(client).get_json()
    url = f"/api/hazards/{hazard['id']}/confirm"
    assert post(client, url).get_json()["confirmations"] == 1  # the reporter
    assert post(client, url, addr="10.0.0.2").get_json()["confirmations"] == 2
    for addr in ("10.0.0.3", "10.0.0.4"):
        post(client, f"/api/hazards/{hazard['id']}/gone", addr=addr)
    response = post(client, url, addr="10.0.0.5")
    assert response.status_code == 409
    assert "resolved" in response.get_json()["message"]


# -- moderation ---------------------------------------------------------------------------

def test_three_flags_hide_a_report_and_the_admin_restores_it(client: FlaskClient) -> None:
    hazard = report(client).get_json()
    url = f"/api/hazards/{hazard['id']}/flag"
    for i, addr in enumerate(("10.0.1.1", "10.0.1.1", "10.0.1.2", "10.0.1.3")):
        body = post(client, url, {"reason": f"fake {i}"}, addr=addr).get_json()
    assert body["status"] == "hidden"
    assert kaivo(client)["hazard_count"] == 0
    assert client.get(f"/api/hazards/{hazard['id']}").status_code == 404
    near = client.get(f"/api/hazards?lat={CENTER_LAT}&lon={CENTER_LON}").get_json()
    assert near["features"] == []
    flagged = client.get("/api/hazards/flagged", headers=ADMIN).get_json()["hazards"]
    assert [(h["id"], h["flags"], h["reasons"]) for h in flagged] == [
        (hazard["id"], 3, ["fake 0", "fake 2", "fake 3"])]
    restored = client.post(f"/api/hazards/{hazard['id']}/restore", headers=ADMIN)
    assert restored.status_code == 200 and restored.get_json()["status"] == "open"
    assert kaivo(client)["hazard_count"] == 1


def test_admin_hides_with_delete(client: FlaskClient) -> None:
    hazard = report(client).get_json()
    response = client.delete(f"/api/hazards/{hazard['id']}", headers=ADMIN)
    assert response.status_code == 200 and response.get_json()["status"] == "hidden"
    assert kaivo(client)["hazard_count"] == 0


@pytest.mark.parametrize("method, path", [
    ("DELETE", "/api/hazards/{id}"), ("POST", "/api/hazards/{id}/restore"),
    ("GET", "/api/hazards/flagged")])
@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"},
                                     {"Authorization": TOKEN}, {"Authorization": "Bearer "}])
def test_admin_routes_need_the_token(app: Flask, client: FlaskClient, method: str, path: str,
                                     headers: dict[str, str]) -> None:
    hazard = report(client).get_json()
    before = stored(app)
    response = client.open(path.format(id=hazard["id"]), method=method, headers=headers)
    assert response.status_code == 403
    assert response.get_json()["error"] == "forbidden"
    assert stored(app) == before


def test_no_admin_token_configured_means_no_admin(make_app) -> None:
    client = make_app().test_client()
    hazard = report(client).get_json()
    assert client.delete(f"/api/hazards/{hazard['id']}",
                         headers={"Authorization": "Bearer "}).status_code == 403
    assert client.delete(f"/api/hazards/{hazard['id']}",
                         headers={"Authorization": "Bearer None"}).status_code == 403


# -- bad input changes nothing --------------------------------------------------------------

BAD_BODIES = [
    ({"kind": "pothole", "severity": "high", "lat": 91, "lon": 24.9}, "latitude 91.0 is outside"),
    ({"kind": "pothole", "severity": "high", "lat": 60.1, "lon": -180.5}, "longitude -180.5"),
    ({"kind": "volcano", "severity": "high", "lat": 60.1, "lon": 24.9}, "unknown kind 'volcano'"),
    ({"kind": "pothole", "severity": "extreme", "lat": 60.1, "lon": 24.9}, "unknown severity"),
    ({"kind": "pothole", "severity": "high", "lat": "60.1", "lon": 24.9}, "lat must be a JSON"),
    ({"kind": "pothole", "severity": "high", "lat": True, "lon": 24.9}, "lat must be a JSON"),
    ({"kind": "pothole", "severity": "high", "lat": 60.1, "lon": 24.9,
      "description": "x" * (DESCRIPTION_MAX + 1)}, f"at most {DESCRIPTION_MAX}"),
    ({"kind": "pothole", "severity": "high", "lat": 60.1, "lon": 24.9, "description": 5},
     "description must be text"),
    ({"kind": "pothole", "severity": "high", "lat": 60.1, "lon": 24.9, "reporter": "x"},
     "reporter: extra inputs are not permitted"),
    ({"severity": "high", "lat": 60.1, "lon": 24.9}, "kind is required"),
    ([1, 2], "the request: input should be"),
]


@pytest.mark.parametrize("body, message", BAD_BODIES)
def test_bad_reports_are_400_and_store_nothing(app: Flask, client: FlaskClient, body: Any,
                                               message: str) -> None:
    response = post(client, "/api/hazards", body)
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"] == "bad_request"
    assert message in response.get_json()["message"]
    assert stored(app) == []


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_coordinates_are_400(app: Flask, client: FlaskClient, literal: str) -> None:
    data = '{"kind": "pothole", "severity": "high", "lat": %s, "lon": 24.9}' % literal
    response = client.post("/api/hazards", data=data, content_type="application/json")
    assert response.status_code == 400
    assert "finite" in response.get_json()["message"]
    assert stored(app) == []


def test_writes_need_the_json_content_type(app: Flask, client: FlaskClient) -> None:
    hazard = report(client).get_json()
    before = stored(app)
    form = client.post("/api/hazards", data={"kind": "glass", "severity": "low", "lat": "60",
                                             "lon": "24"})
    assert form.status_code == 415
    for action in ("confirm", "gone", "flag"):
        response = client.post(f"/api/hazards/{hazard['id']}/{action}",
                               environ_base={"REMOTE_ADDR": "10.9.9.9"})
        assert response.status_code == 415, action
    assert client.post("/api/hazards", data="{", content_type="application/json"
                       ).status_code == 400
    assert stored(app) == before


def test_a_body_over_the_limit_is_413(app: Flask, client: FlaskClient) -> None:
    """The app's body limit (``max_request_bytes``, 64 KiB) holds any valid report: 500
    characters escaped as surrogate pairs are 6 KB."""
    limit = app.config["VENUEFINDER_SETTINGS"].max_request_bytes
    escaped = json.dumps({"kind": "pothole", "severity": "high", **AT_KAIVO,
                          "description": "\U0001f573" * DESCRIPTION_MAX})
    assert len(escaped) < limit
    assert client.post("/api/hazards", data=escaped, content_type="application/json"
                       ).status_code == 201
    body = json.dumps({"kind": "pothole", "severity": "high", **AT_KAIVO,
                       "pad": "x" * limit})
    response = client.post("/api/hazards", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"] == "request_entity_too_large"
    assert len(stored(app)) == 2  # the escaped report and its vote


@pytest.mark.parametrize("url", ["/api/hazards/0", "/api/hazards/99999999999999999999"])
def test_hazard_ids_out_of_range_are_400(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 400


@pytest.mark.parametrize("query, message", [
    ("lat=91&lon=24.9", "latitude"), ("lat=60.1", "lon is required"),
    ("lat=60.1&lon=24.9&radius=50000", "radius"), ("lat=nan&lon=24.9", "finite")])
def test_bad_near_queries_are_400(client: FlaskClient, query: str, message: str) -> None:
    response = client.get(f"/api/hazards?{query}")
    assert response.status_code == 400
    assert message in response.get_json()["message"]


@pytest.fixture(params=["sqlite", "postgresql"])
def any_database(request: pytest.FixtureRequest, tmp_path) -> str:
    """A store URL of each backend (PostgreSQL: the store tests' database, whatever it
    holds; skipped without it, failed under CI=true)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'any.db'}"
    url = os.environ.get(PG_ENV, "")
    if not url:
        _unavailable(f"{PG_ENV} is not set (`make test` sets up PostgreSQL when root)")
    return url


@pytest.mark.parametrize("hazard_id", [2**31 - 1, 2**31, 2**63 - 1])
def test_ids_past_the_column_are_404_on_every_route(make_app, any_database: str,
                                                    hazard_id: int) -> None:
    """Ids the API parses but the column cannot hold (PostgreSQL's integer overflowed into
    a 500) are no hazard, on both databases, in the API and the admin page's forms."""
    client = make_app(admin_token=TOKEN, database_url=any_database).test_client()
    url = f"/api/hazards/{hazard_id}"
    answers = [client.get(url), post(client, f"{url}/confirm"), post(client, f"{url}/gone"),
               post(client, f"{url}/flag", {"reason": "x"}),
               client.delete(url, headers=ADMIN), post(client, f"{url}/restore", headers=ADMIN)]
    assert [(a.status_code, a.get_json()["error"]) for a in answers] == [(404, "not_found")] * 6
    csrf = _csrf(client.get("/admin/hazards").get_data(as_text=True))
    for action in ("hide", "restore"):
        page = client.post(f"/admin/hazards/{hazard_id}/{action}", data={"csrf_token": csrf},
                           headers=ADMIN)
        assert page.status_code == 404 and page.mimetype == "text/html"


def test_a_store_that_stops_writing_answers_503(make_app, any_database: str) -> None:
    """A database that turns read-only while serving (or a full disk, tested in
    tests/store/test_db.py): every write is a 503 "store unavailable", reads still work."""
    app = make_app(admin_token=TOKEN, database_url=any_database)
    client = app.test_client()
    hazard = report(client).get_json()
    make_read_only(app.extensions[STORE_KEY].engine)
    for answer in (report(client, lat=AT_KAIVO["lat"] + 0.01),
                   post(client, f"/api/hazards/{hazard['id']}/confirm", addr="10.0.0.2")):
        assert answer.status_code == 503, answer.get_json()
        assert answer.get_json()["error"] == "store_unavailable"
        assert answer.get_json()["message"].startswith("store unavailable: the database is "
                                                       "read-only")
    assert client.get(f"/api/hazards/{hazard['id']}").status_code == 200


def test_a_read_only_database_stops_start_up(make_app, tmp_path) -> None:
    path = tmp_path / "kept.db"
    connect_store(f"sqlite:///{path}").engine.dispose()
    with pytest.raises(StoreUnavailable, match="cannot write to the store at .*read-only"):
        make_app(database_url=f"sqlite:///file:{path}?mode=ro&uri=true")


def test_unknown_hazard_writes_are_404_and_store_nothing(app: Flask,
                                                         client: FlaskClient) -> None:
    for action in ("confirm", "gone"):
        assert post(client, f"/api/hazards/5/{action}").status_code == 404
    assert post(client, "/api/hazards/5/flag", {"reason": "x"}).status_code == 404
    assert stored(app) == []


# -- rate limits --------------------------------------------------------------------------

def test_writes_are_rate_limited_per_client_with_retry_after(make_app) -> None:
    app = make_app(rate_limit="1000 per minute")
    app.config[WRITE_LIMIT_KEY] = "3 per minute"
    client = app.test_client()
    kinds = iter(KINDS)
    statuses = [report(client, kind=next(kinds)).status_code for _ in range(3)]
    hazard_count = len(stored(app))
    limited = report(client, kind=next(kinds))
    assert statuses == [201, 201, 201]
    assert limited.status_code == 429
    assert limited.get_json()["error"] == "too_many_requests"
    assert int(limited.headers["Retry-After"]) > 0
    assert len(stored(app)) == hazard_count  # the refused report stored nothing
    # Votes share the budget; another client has its own; reads are not limited by it.
    assert post(client, "/api/hazards/1/gone").status_code == 429
    assert report(client, addr="10.0.0.2", kind=next(kinds)).status_code == 201
    assert client.get("/api/hazards/1").status_code == 200


def test_a_clients_report_budget_per_area_is_a_429_with_retry_after(make_app) -> None:
    app = make_app(rate_limit="1000 per minute")
    app.config[WRITE_LIMIT_KEY] = "none"
    client = app.test_client()
    spots = [{"lat": CENTER_LAT + i * 0.0004, "lon": CENTER_LON} for i in range(-5, 6)]
    assert [report(client, **spot).status_code for spot in spots[:REPORT_BUDGET]] == \
        [201] * REPORT_BUDGET
    before = stored(app)
    refused = report(client, **spots[REPORT_BUDGET])
    assert refused.status_code == 429
    assert refused.get_json()["error"] == "too_many_requests"
    assert f"{REPORT_BUDGET} new hazard reports per client" in refused.get_json()["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 24 * 3600
    assert stored(app) == before
    # Another client, or confirming an existing report, is not refused.
    assert report(client, addr="10.0.0.2", **spots[REPORT_BUDGET]).status_code == 201
    assert report(client, **spots[0]).status_code == 200
    assert post(client, "/api/hazards/1/confirm").status_code == 200


def test_one_client_cannot_sink_a_venue_but_two_can(client: FlaskClient) -> None:
    before = kaivo(client)["score"]
    assert report(client).status_code == 201
    one = kaivo(client)
    assert 0 < one["score"] < before and one["vetoed_by"] is None
    # A hill also speaks to flatness (see the scoring tests): the flood leaves it out.
    kinds = [k for k in KINDS if k != "hill"]
    for i in range(1, REPORT_BUDGET):
        assert report(client, kind=kinds[i % len(kinds)],
                      lat=CENTER_LAT + i * 0.00004).status_code == 201
    flood = kaivo(client)
    assert flood["score"] == one["score"] and flood["hazard_count"] == 1
    assert report(client, addr="10.0.0.2", kind="glass",
                  lat=CENTER_LAT - 0.0003).status_code == 201
    two = kaivo(client)
    assert two["vetoed_by"] == "hazards" and two["hazard_count"] == 2


def test_write_limit_can_be_switched_off(make_app) -> None:
    app = make_app(rate_limit="1000 per minute")
    app.config[WRITE_LIMIT_KEY] = "none"
    client = app.test_client()
    assert all(report(client, kind="glass", lat=CENTER_LAT + i * 0.001).status_code == 201
               for i in range(40))


# -- text is escaped where it is shown ----------------------------------------------------

SCRIPT = "<script>alert('x')</script><img src=x onerror=alert(1)>"


def test_admin_page_escapes_descriptions_and_reasons(client: FlaskClient) -> None:
    hazard = report(client, description=SCRIPT).get_json()
    assert client.get(f"/api/hazards/{hazard['id']}").get_json()["description"] == SCRIPT
    post(client, f"/api/hazards/{hazard['id']}/flag", {"reason": SCRIPT})
    page = client.get("/admin/hazards", headers=ADMIN)
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<script>" not in html and "<img" not in html
    assert html.count("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;") == 2


# -- the admin page -----------------------------------------------------------------------

def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_admin_page_asks_for_the_token_then_hides_and_restores(app: Flask,
                                                               client: FlaskClient) -> None:
    hazard = report(client).get_json()
    post(client, f"/api/hazards/{hazard['id']}/flag", {"reason": "wrong place"})
    page = client.get("/admin/hazards").get_data(as_text=True)
    assert 'name="token"' in page and "wrong place" not in page
    csrf = _csrf(page)
    assert client.post("/admin/hazards/login",
                       data={"csrf_token": csrf, "token": "nope"}).status_code == 403
    assert client.post("/admin/hazards/login",
                       data={"csrf_token": "forged", "token": TOKEN}).status_code == 403
    signed_in = client.post("/admin/hazards/login", data={"csrf_token": csrf, "token": TOKEN})
    assert signed_in.status_code == 303
    page = client.get("/admin/hazards").get_data(as_text=True)
    assert "wrong place" in page and 'name="token"' not in page
    url = f"/admin/hazards/{hazard['id']}/hide"
    before = stored(app)
    assert client.post(url, data={}).status_code == 403  # no CSRF token
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 403
    assert stored(app) == before
    assert client.post(url, data={"csrf_token": _csrf(page)}).status_code == 303
    assert client.get(f"/api/hazards/{hazard['id']}").status_code == 404
    restore = f"/admin/hazards/{hazard['id']}/restore"
    assert client.post(restore, data={"csrf_token": _csrf(page)}).status_code == 303
    assert client.get(f"/api/hazards/{hazard['id']}").get_json()["status"] == "open"


def test_admin_page_forms_need_a_session_or_the_header(app: Flask, make_app) -> None:
    client = app.test_client()
    hazard = report(client).get_json()
    csrf = _csrf(client.get("/admin/hazards").get_data(as_text=True))
    before = stored(app)
    response = client.post(f"/admin/hazards/{hazard['id']}/hide", data={"csrf_token": csrf})
    assert response.status_code == 403 and stored(app) == before
    response = client.post(f"/admin/hazards/{hazard['id']}/hide", data={"csrf_token": csrf},
                           headers=ADMIN)
    assert response.status_code == 303


def test_admin_page_errors_are_pages(client: FlaskClient) -> None:
    csrf = _csrf(client.get("/admin/hazards").get_data(as_text=True))
    for response in (client.post("/admin/hazards/login", data={"csrf_token": csrf,
                                                                "token": "nope"}),
                     client.post("/admin/hazards/1/hide", data={"csrf_token": "forged"})):
        assert response.status_code == 403 and response.mimetype == "text/html"
        assert response.headers["Cache-Control"] == "no-store"
        assert "script-src 'self'" in response.headers["Content-Security-Policy"]
        assert 'id="error-heading">Not allowed<' in response.get_data(as_text=True)
    assert "wrong admin token" in client.post(
        "/admin/hazards/login", data={"csrf_token": csrf, "token": "nope"}).get_data(as_text=True)


# -- wiring -------------------------------------------------------------------------------

def test_default_store_is_sqlite_in_the_instance_folder(tmp_path, make_app) -> None:
    from venuefinder.config import Settings

    assert store_url(Settings(), str(tmp_path)) == f"sqlite:///{tmp_path / 'venuefinder.db'}"
    assert store_url(Settings(database_url="postgresql://x/y"), "/i") == "postgresql://x/y"


def test_every_worker_sees_a_write_by_another(app: Flask, make_app, tmp_path) -> None:
    """Two apps on one database stand for two gunicorn workers: a report written through
    one shows in the other's next answer, with no restart."""
    other = make_app(admin_token=TOKEN).test_client()
    client = app.test_client()
    assert kaivo(other)["hazard_count"] == 0
    report(client)
    assert kaivo(other)["hazard_count"] == 1


def test_the_schema_is_upgraded_at_start_up(app: Flask) -> None:
    store = open_store(str(app.extensions[STORE_KEY].engine.url))
    try:
        assert store.version() >= 0
    finally:
        store.engine.dispose()


def test_a_malformed_write_limit_fails_at_start_up() -> None:
    from venuefinder.errors import InputError
    from venuefinder.web.guards import checked_write_limit

    assert checked_write_limit("5 per second") == "5 per second"
    assert checked_write_limit("none") == "none"
    with pytest.raises(InputError, match="is not a rate limit"):
        checked_write_limit("thirty a minute")
