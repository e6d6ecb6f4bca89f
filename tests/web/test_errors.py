"""Every answer of the API is JSON: errors are ``{"error", "message"}`` (400, 404, 405, 413,
414, 429, 431, 500, 503, also when werkzeug's own server answers before the app), OPTIONS is
204 No Content with Allow."""

from __future__ import annotations

import json
import logging
import socket
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient

from venuefinder.errors import InputError, NotFoundError, SourceError, StoreUnavailable
from venuefinder.region import Region
from venuefinder.web.app import MAX_HEADER_BYTES, MAX_URL_BYTES, create_app, dev_server
from venuefinder.web.errors import (DOMAIN_STATUS, MAX_MESSAGE_CHARS, describe,
                                    error_response)

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


def test_head_works(client: FlaskClient) -> None:
    response = client.head(f"/api/venues?{NEAR}")
    assert response.status_code == 200 and response.is_json and not response.data


@pytest.mark.parametrize("url", ["/", "/api/venues", "/api/venues/way/1", "/api/places",
                                 "/api/basemap", "/api/openapi.json"])
def test_options_is_204_with_allow_and_no_html(client: FlaskClient, url: str) -> None:
    response = client.options(url)
    assert response.status_code == 204 and response.data == b""
    assert "Content-Type" not in response.headers
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}


def test_options_of_an_unknown_url_is_json_404(client: FlaskClient) -> None:
    assert_error(client.options("/api/nope"), 404, "not_found")


def test_url_over_the_limit_is_json_414(client: FlaskClient) -> None:
    padding = "x" * (MAX_URL_BYTES - len("/api/places?q=a&pad=") + 1)
    assert_error(client.get(f"/api/places?q=a&pad={padding}"), 414, "request_uri_too_long",
                 "the request URL is too long")
    assert client.get(f"/api/places?q=a&pad={padding[:-1]}").status_code == 200
    assert_error(client.get("/api/" + "x" * MAX_URL_BYTES), 414, "request_uri_too_long")


def test_headers_over_the_limit_are_json_431(client: FlaskClient) -> None:
    big = {"X-Pad": "y" * MAX_HEADER_BYTES}
    assert_error(client.get("/api/openapi.json", headers=big), 431,
                 "request_header_fields_too_large", "the request headers are too large")
    many = {f"X-Pad-{i}": "y" * 100 for i in range(MAX_HEADER_BYTES // 100)}
    assert_error(client.get("/", headers=many), 431, "request_header_fields_too_large")
    assert client.get("/api/openapi.json", headers={"X-Pad": "y" * 1000}).status_code == 200


def test_no_message_is_longer_than_the_cap(app: Flask) -> None:
    with app.app_context():
        body = error_response(400, "bad_request", "z" * 10_000).get_json()
    assert len(body["message"]) == MAX_MESSAGE_CHARS + 1 and body["message"].endswith("…")


def _raw_exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes to 127.0.0.1:*port*; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines)
    return int(status_line.split()[1]), headers, body


@pytest.fixture
def dev_port(app: Flask):
    """``venuefinder serve``'s server for the tiny app on a free loopback port."""
    server = dev_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_port
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("request_bytes, status, code", [
    # werkzeug's server (http.server) refuses these before the app runs.
    (b"GET /api/venues?" + b"x" * 70_000 + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414,
     "request_uri_too_long"),
    (b"GET / HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(101))
     + b"\r\n", 431, "request_header_fields_too_large"),
    (b"GET / HTTP/1.1\r\nX-Long: " + b"y" * 70_000 + b"\r\n\r\n", 431,
     "request_header_fields_too_large"),
    # and the app's own limits, through the same server
    (b"GET /api/places?q=a&pad=" + b"x" * MAX_URL_BYTES + b" HTTP/1.1\r\nHost: a\r\n"
     b"Connection: close\r\n\r\n", 414, "request_uri_too_long"),
])
def test_dev_server_answers_its_own_errors_in_json(dev_port: int, request_bytes: bytes,
                                                   status: int, code: str) -> None:
    got, headers, body = _raw_exchange(dev_port, request_bytes)
    assert got == status
    assert headers["Content-Type"] == "application/json"
    answer = json.loads(body)
    assert set(answer) == {"error", "message"} and answer["error"] == code


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
    # The settings refuse it as they are built (a ValidationError: a ValueError).
    with pytest.raises(ValueError, match="not a rate limit"):
        make_app(rate_limit="lots please")


@pytest.mark.parametrize("variable, value, message", [
    ("VENUEFINDER_RATE_LIMIT_STORAGE", "bogus://", "not a rate-limit storage URL"),
    ("VENUEFINDER_MAX_REQUEST_BYTES", "-1", "greater than 0"),
])
def test_create_app_refuses_bad_settings_in_one_line(region: Region, tmp_path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      variable: str, value: str,
                                                      message: str) -> None:
    """Not "unexpected ConfigurationError" at start-up, nor every write a 413 later."""
    monkeypatch.setenv(variable, value)
    with pytest.raises(InputError) as caught:
        create_app(None, region, instance_path=str(tmp_path / "instance"))
    assert str(caught.value).startswith(f"bad settings: {variable}={value}: ")
    assert message in str(caught.value) and "\n" not in str(caught.value)


def _broken(app: Flask, exc: Exception) -> None:
    """Make the venue queries of *app*'s region raise *exc*."""
    region: Region = app.extensions["venuefinder"]

    def fail(*args, **kwargs):
        raise exc

    for name in ("query", "near", "near_json", "candidates"):
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
    (StoreUnavailable("store unavailable: the disk is full"), 503, "store_unavailable"),
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
           "lat=1e-400&lon=-0", "lat=١٢&lon=٣", "min_score=1_0", "kind=,,,", "bbox=,,,",
           "point=1", "point[lat]=1", "lat=0&lon=180&radius=20000", "q=%ED%A0%80"]
    for path in ("/api/venues", "/api/places", "/api/basemap", "/api/venues/way/1",
                 "/api/openapi.json", "/"):
        for query in odd:
            status = client.get(f"{path}?{query}").status_code
            assert status < 500, (path, query, status)


def test_one_describer_for_every_error() -> None:
    from werkzeug.exceptions import MethodNotAllowed

    for kind, status, code in DOMAIN_STATUS:
        assert describe(kind("why")) == (status, code, "why", ())
    allowed = describe(MethodNotAllowed(valid_methods=["GET"]))
    assert (allowed.status, allowed.code, dict(allowed.headers)) == (
        405, "method_not_allowed", {"Allow": "GET"})
    assert describe(KeyError("secret"))[:3] == (
        500, "internal_error", "the server failed to answer this request; it has been logged")
