"""Every error is JSON ``{"error", "message"}``: 404, 405, 413, 429, 500, 503."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient

from venuefinder.errors import InputError, NotFoundError, SourceError
from venuefinder.region import Region
from venuefinder.web.errors import DOMAIN_STATUS

from .test_api import NEAR, assert_error


@pytest.mark.parametrize("url", ["/nope", "/api", "/api/", "/api/nope", "/api/venues/",
                                 "/static/nope.js", "/api/openapi.yaml"])
def test_unknown_url_is_json_404(client: FlaskClient, url: str) -> None:
    assert_error(client.get(url), 404, "not_found",
                 "no such page or API endpoint; see /api/openapi.json")


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize("url", ["/", "/api/venues", "/api/venues/way/1", "/api/places",
                                 "/api/basemap", "/api/openapi.json"])
def test_wrong_method_is_json_405_with_allow(client: FlaskClient, method: str, url: str) -> None:
    response = getattr(client, method)(url)
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_head_and_options_work(client: FlaskClient) -> None:
    assert client.head(f"/api/venues?{NEAR}").status_code == 200
    assert client.options("/api/venues").status_code == 200


def test_body_over_max_request_bytes_is_413(make_app) -> None:
    client = make_app(max_request_bytes=1024).test_client()
    big = b"x" * 2048
    for method, url in (("post", "/api/venues"), ("get", "/api/venues"), ("post", "/nope"),
                        ("put", "/")):
        response = getattr(client, method)(url, data=big,
                                           content_type="application/octet-stream")
        assert_error(response, 413, "request_entity_too_large",
                     "the request body is too large")
    # A body under the limit on a GET is ignored, not an error.
    assert client.get(f"/api/venues?{NEAR}", data=b"x" * 100).status_code == 200


def test_chunked_body_over_limit_is_413(make_app) -> None:
    """A body without Content-Length (chunked) is limited while it is read."""
    import json

    from werkzeug.test import EnvironBuilder, run_wsgi_app

    app = make_app(max_request_bytes=1024)
    environ = EnvironBuilder(path="/api/venues", method="POST", data=b"y" * 4096).get_environ()
    del environ["CONTENT_LENGTH"]
    environ["HTTP_TRANSFER_ENCODING"] = "chunked"
    environ["wsgi.input_terminated"] = True  # what a server sets after de-chunking
    body_iter, status, headers = run_wsgi_app(app, environ, buffered=True)
    assert status.startswith("413")
    assert json.loads(b"".join(body_iter))["error"] == "request_entity_too_large"


def test_rate_limit_is_json_429_with_retry_after(make_app) -> None:
    client = make_app(rate_limit="2 per minute").test_client()
    assert client.get(f"/api/venues?{NEAR}").status_code == 200
    assert client.get(f"/api/venues?{NEAR}").status_code == 200
    response = client.get(f"/api/venues?{NEAR}")
    body = assert_error(response, 429, "too_many_requests")
    assert "2 per 1 minute" in body["message"]
    assert int(response.headers["Retry-After"]) > 0
    # Static files are not counted (a page load fetches several at once).
    for _ in range(5):
        assert client.get("/static/app.js").status_code == 200


@pytest.mark.parametrize("off", ["none", "off", "", "0"])
def test_rate_limit_can_be_switched_off(make_app, off: str) -> None:
    app = make_app(rate_limit=off)
    assert app.config["RATELIMIT_ENABLED"] is False
    client = app.test_client()
    assert all(client.get(f"/api/venues?{NEAR}").status_code == 200 for _ in range(30))


def test_bad_rate_limit_fails_at_start_up(make_app) -> None:
    with pytest.raises(InputError, match="not a rate limit"):
        make_app(rate_limit="lots please")


def _broken(app: Flask, exc: Exception) -> None:
    """Make the venue queries of *app*'s region raise *exc*."""
    region: Region = app.extensions["venuefinder"]

    def fail(*args, **kwargs):
        raise exc

    for name in ("query", "near", "near_json"):
        setattr(region, name, fail)


def test_unexpected_exception_is_json_500_without_traceback(
        make_app, region: Region, caplog: pytest.LogCaptureFixture) -> None:
    import copy

    app = make_app(copy.copy(region))
    _broken(app, ZeroDivisionError("secret internals /etc/passwd"))
    with caplog.at_level(logging.ERROR, logger="venuefinder.web"):
        response = app.test_client().get(f"/api/venues?{NEAR}")
    body = assert_error(response, 500, "internal_error",
                        "the server failed to answer this request; it has been logged")
    assert "secret" not in response.get_data(as_text=True)
    assert "ZeroDivisionError" in caplog.text  # logged with its traceback for operators
    assert body


@pytest.mark.parametrize("exc, status, code", [
    (InputError("bad value"), 400, "bad_request"),
    (NotFoundError("no such thing"), 404, "not_found"),
    (SourceError("extract unreadable"), 503, "source_unavailable"),
])
def test_domain_errors_map_in_one_place(make_app, region: Region, exc: Exception, status: int,
                                        code: str) -> None:
    import copy

    app = make_app(copy.copy(region))
    _broken(app, exc)
    assert_error(app.test_client().get(f"/api/venues?{NEAR}"), status, code, str(exc))
    assert (type(exc), status, code) in DOMAIN_STATUS


def test_bad_requests_never_500(client: FlaskClient) -> None:
    """A fuzz of odd query strings on every endpoint: 2xx or 4xx, never 5xx."""
    odd = ["", "lat", "lat=", "=", "&&&", "lat=1&lon", "lat[]=1&lon[]=2", "kind=%FF",
           "q=%FF%FE", "bbox=%FF", "limit=%2B5", "limit= 5", "radius=1e-300", "q=%0A",
           "lat=1e-400&lon=-0", "lat=١٢&lon=٣", "min_score=1_0", "kind=,,,", "bbox=,,,"]
    for path in ("/api/venues", "/api/places", "/api/basemap", "/api/venues/way/1",
                 "/api/openapi.json", "/"):
        for query in odd:
            status = client.get(f"{path}?{query}").status_code
            assert status < 500, (path, query, status)
