"""Edit and cancel tokens never reach an access log: the log of real requests carrying one
(in the query, and in the Referer a page opened from the link sends), from
``venuefinder serve``'s server (werkzeug) and from the production command (gunicorn with
the project's config), holds ``token=[redacted]`` and never the token."""

from __future__ import annotations

import http.client
import logging
import threading
from pathlib import Path
from typing import Callable, Iterator

import pytest
from flask import Flask

from venuefinder.web.app import dev_server
from venuefinder.web.logs import REDACTED, redact_secrets

from .regions import tiny_region_with_room
from .test_no_loss import Server, cache, request  # noqa: F401 (cache: a fixture)
from .test_sessions_api import session_body
from .test_sessions_concurrency import new_session


@pytest.mark.parametrize("line, shown", [
    ("GET /s/AbC/edit?token=s3cr3t HTTP/1.1", "GET /s/AbC/edit?token=[redacted] HTTP/1.1"),
    ('"GET /s/a/signups/3/cancel?x=1&%74oken=s3cr3t&y=2" "http://h/s/a/edit?token=s3cr3t#m"',
     '"GET /s/a/signups/3/cancel?x=1&%74oken=[redacted]&y=2" '
     '"http://h/s/a/edit?token=[redacted]#m"'),
    ("POST /x?edit_token=s3cr3t&cancel_token=s3cr3t", "POST /x?edit_token=[redacted]"
                                                      "&cancel_token=[redacted]"),
    ("GET /api/venues?lat=60.1&lon=24.9&tokens=2", "GET /api/venues?lat=60.1&lon=24.9&tokens=2"),
])
def test_secret_query_values_are_redacted(line: str, shown: str) -> None:
    assert redact_secrets(line) == shown


def _get(port: int, path: str, referer: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Referer": referer})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


@pytest.fixture
def dev(make_app: Callable[..., Flask]) -> Iterator[tuple[Flask, int]]:
    """``venuefinder serve``'s server for the app, on a free port, in a thread."""
    app = make_app(tiny_region_with_room(usable_area_m2=12000.0))
    server = dev_server(app, "127.0.0.1", 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, server.server_port
    server.shutdown()
    server.server_close()


def test_venuefinder_serve_logs_no_token(dev: tuple[Flask, int],
                                         caplog: pytest.LogCaptureFixture) -> None:
    app, port = dev
    client = app.test_client()
    made = client.post("/api/sessions", json=session_body()).get_json()
    signup = client.post(f"/api/sessions/{made['slug']}/signups",
                         json={"name": "Ann", "role": "can_spot"}).get_json()
    edit = f"/s/{made['slug']}/edit?token={made['edit_token']}"
    cancel = f"/s/{made['slug']}/signups/{signup['id']}/cancel?token={signup['cancel_token']}"
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        assert _get(port, edit, f"http://127.0.0.1:{port}{edit}") == 200
        assert _get(port, cancel, f"http://127.0.0.1:{port}{edit}") == 200
    logged = "\n".join(r.getMessage() for r in caplog.records if r.name == "werkzeug")
    assert f"/edit?token={REDACTED}" in logged and f"/cancel?token={REDACTED}" in logged
    for secret in (made["edit_token"], signup["cancel_token"]):
        assert secret not in logged and secret not in caplog.text


def test_the_production_command_logs_no_token(tmp_path: Path, cache: Path) -> None:  # noqa
    access = tmp_path / "access.log"
    server = Server(tmp_path, f"sqlite:///{tmp_path / 'store.db'}", cache,
                    GUNICORN_CMD_ARGS=f"--access-logfile {access} --access-logformat "
                                      "'\"%(r)s\" %(s)s q=%(q)s f=%(f)s ref=%({referer}i)s'")
    server.start()
    try:
        made = new_session(server.port)
        status, signup = request(server.port, "POST", f"/api/sessions/{made['slug']}/signups",
                                 {"name": "Ann", "role": "can_spot"})
        assert status == 201, signup
        edit = f"/s/{made['slug']}/edit?token={made['edit_token']}"
        assert _get(server.port, edit, f"http://127.0.0.1:{server.port}{edit}") == 200
        cancel = (f"/s/{made['slug']}/signups/{signup['id']}/cancel?token="
                  f"{signup['cancel_token']}")
        assert _get(server.port, cancel, f"http://127.0.0.1:{server.port}{edit}") == 200
    finally:
        server.stop()
    logged = access.read_text(encoding="utf-8")
    assert f"/edit?token={REDACTED}" in logged and f"q=token={REDACTED}" in logged
    assert f"ref=http://127.0.0.1:{server.port}/s/{made['slug']}/edit?token={REDACTED}" in logged
    everything = logged + (tmp_path / "gunicorn.log").read_text(encoding="utf-8")
    for secret in (made["edit_token"], signup["cancel_token"]):
        assert secret not in everything
