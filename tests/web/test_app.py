"""The application factory, its configuration from the environment, and ``serve``."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import request

from venuefinder.config import Settings
from venuefinder.errors import SourceError
from venuefinder.region import Region
from venuefinder.web import create_app, serve

from .regions import CENTER_LAT, CENTER_LON, tiny_region


def test_factory_keeps_region_and_settings_on_the_app(app, region: Region) -> None:
    served = app.extensions["venuefinder"]  # the region, with the live criteria's defaults
    assert served.venues["id"].tolist() == region.venues["id"].tolist()
    assert (served.venues["score"] == region.venues["score"]).all()
    assert "score_hazards" in served.venues
    settings = app.config["VENUEFINDER_SETTINGS"]
    assert isinstance(settings, Settings)
    assert app.config["MAX_CONTENT_LENGTH"] == settings.max_request_bytes
    assert set(app.blueprints) == {"map", "api", "hazards", "hazards_admin", "routes",
                                   "sessions_api", "session_feeds", "session_pages"}


def test_factory_reads_settings_from_the_environment_and_loads_once(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import venuefinder.prepare as region_module

    calls: list[Settings] = []

    def fake_prepare(settings: Settings, *args, **kwargs) -> Region:
        calls.append(settings)
        return tiny_region()

    monkeypatch.setattr(region_module, "prepare_region", fake_prepare)
    monkeypatch.setenv("VENUEFINDER_SOURCE", str(tmp_path / "estonia.osm.pbf"))
    monkeypatch.setenv("VENUEFINDER_TILES", "none")
    monkeypatch.setenv("VENUEFINDER_RATE_LIMIT", "3 per minute")
    monkeypatch.setenv("VENUEFINDER_MAX_REQUEST_BYTES", "2048")
    monkeypatch.setenv("VENUEFINDER_CACHE_DIR", str(tmp_path / "cache"))
    app = create_app()
    assert len(calls) == 1 and calls[0].source == str(tmp_path / "estonia.osm.pbf")
    assert app.config["MAX_CONTENT_LENGTH"] == 2048
    client = app.test_client()
    for _ in range(3):
        assert client.get("/api/venues").status_code == 200
    assert client.get("/api/venues").status_code == 429
    assert len(calls) == 1  # loaded at start-up, never per request


def test_factory_serves_an_ingested_file(tmp_path: Path) -> None:
    """``VENUEFINDER_SOURCE=file.parquet`` (what ``venuefinder ingest`` writes) works too."""
    path = tmp_path / "ingested.parquet"
    tiny_region().venues.to_parquet(path)
    app = create_app(Settings(source=str(path), cache_dir=tmp_path, tiles="none"))
    client = app.test_client()
    body = client.get(f"/api/venues?lat={CENTER_LAT}&lon={CENTER_LON}&limit=1").get_json()
    assert body["features"][0]["id"] == "way/1"
    assert client.get("/api/places?q=kaivo").get_json()["places"][0]["name"] == "Kaivo Field"
    assert client.get("/api/basemap?bbox=24.9,60.15,25,60.2").get_json()["features"] == []
    assert client.get("/").status_code == 200


def test_factory_fails_at_start_up_on_a_bad_source(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="not found"):
        create_app(Settings(source=str(tmp_path / "missing.osm.pbf"), cache_dir=tmp_path))


def test_factory_loads_the_embedded_helsinki_region(tmp_path: Path) -> None:
    app = create_app(Settings(cache_dir=tmp_path / "cache", tiles="none"))
    region = app.extensions["venuefinder"]
    assert region.info["source"] == "Helsinki.osm.pbf" and len(region.venues) > 10
    body = app.test_client().get("/api/venues?lat=60.1699&lon=24.9384&radius=1500").get_json()
    assert body["features"]


def test_api_features_equal_the_cli_s_geojson(tmp_path: Path, monkeypatch) -> None:
    """``GET /api/venues`` and ``venuefinder venues --format geojson`` give the same features."""
    from venuefinder.cli import main

    cache = tmp_path / "cache"
    store = f"sqlite:///{tmp_path / 'store.db'}"  # the same (empty) store for both
    monkeypatch.setenv("VENUEFINDER_CACHE_DIR", str(cache))
    result = CliRunner().invoke(main, ["venues", "--near", "60.1699,24.9384", "--radius",
                                       "1500", "--limit", "5", "--format", "geojson",
                                       "--store", store])
    assert result.exit_code == 0, result.output
    cli = json.loads(result.stdout)
    app = create_app(Settings(cache_dir=cache, tiles="none", rate_limit="none",
                              database_url=store))
    api = app.test_client().get(
        "/api/venues?lat=60.1699&lon=24.9384&radius=1500&limit=5").get_json()
    assert api["features"] == cli["features"] and len(api["features"]) == 5


class _FakeServer:
    def __init__(self, host: str, port: int, app, threaded: bool = False) -> None:
        self.host, self.app, self.threaded = host, app, threaded
        self.server_port = port or 54321
        self.closed = False

    def serve_forever(self) -> None:
        raise KeyboardInterrupt  # as Ctrl+C does

    def server_close(self) -> None:
        self.closed = True


@pytest.mark.parametrize("host, port, url", [
    ("127.0.0.1", 8123, "http://127.0.0.1:8123/"),
    ("0.0.0.0", 0, "http://127.0.0.1:54321/"),
    ("::1", 8000, "http://[::1]:8000/"),
])
def test_serve_prints_the_url_and_stops_on_ctrl_c(monkeypatch, tmp_path: Path, host: str,
                                                  port: int, url: str) -> None:
    import werkzeug.serving

    import venuefinder.prepare as region_module

    servers: list[_FakeServer] = []

    def fake_make_server(*args, **kwargs):
        servers.append(_FakeServer(*args, **kwargs))
        return servers[-1]

    monkeypatch.setattr(werkzeug.serving, "make_server", fake_make_server)
    monkeypatch.setattr(region_module, "prepare_region", lambda settings: tiny_region())
    out = io.StringIO()
    serve(Settings(cache_dir=tmp_path, tiles="none"), host, port, out=out)
    assert url in out.getvalue()
    (server,) = servers
    assert server.threaded and server.closed and server.host == host
    assert server.app.extensions["venuefinder"].info["source"] == "tiny-test-region"


def test_skip_or_fail_fails_under_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    """The browser tests' skips must fail in CI (CI=true), and only skip elsewhere."""
    from .e2e_support import skip_or_fail

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        skip_or_fail("no chromium")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="no chromium"):
        skip_or_fail("no chromium")


# -- behind a reverse proxy ---------------------------------------------------------------

#: The proxy's own address, from which every request arrives.
PROXY = "127.0.0.1"
AT_KAIVO = {"kind": "pothole", "severity": "high", "lat": CENTER_LAT, "lon": CENTER_LON}


def _gone_twice(make_app, proxies: int) -> str:
    """A report, then "gone" from two clients that differ only in X-Forwarded-For; the
    report's status after."""
    client = make_app(trusted_proxies=proxies).test_client()
    proxied = {"REMOTE_ADDR": PROXY}
    hazard = client.post("/api/hazards", json=AT_KAIVO, environ_base=proxied,
                         headers={"X-Forwarded-For": "198.51.100.7"}).get_json()
    for address in ("203.0.113.1", "203.0.113.2"):
        answer = client.post(f"/api/hazards/{hazard['id']}/gone", json={},
                             environ_base=proxied, headers={"X-Forwarded-For": address})
    return answer.get_json()["status"]


def test_forwarded_addresses_are_ignored_without_trusted_proxies(make_app) -> None:
    """By default anyone could forge X-Forwarded-For: the two are one client."""
    assert _gone_twice(make_app, 0) == "open"


def test_behind_one_proxy_each_forwarded_address_is_a_client(make_app) -> None:
    assert _gone_twice(make_app, 1) == "resolved"


def test_behind_one_proxy_rate_limits_are_per_real_client(make_app) -> None:
    client = make_app(trusted_proxies=1, rate_limit="2 per minute").test_client()
    url = f"/api/venues?lat={CENTER_LAT}&lon={CENTER_LON}"

    def get(address: str, forged: str = "") -> int:
        chain = f"{forged}, {address}" if forged else address
        return client.get(url, environ_base={"REMOTE_ADDR": PROXY},
                          headers={"X-Forwarded-For": chain}).status_code

    assert [get("203.0.113.1") for _ in range(3)] == [200, 200, 429]
    # Another client is not limited; a forged hop before the proxy's changes nothing.
    assert get("203.0.113.2") == 200
    assert get("203.0.113.1", forged="192.0.2.99") == 429


@pytest.mark.parametrize("proxies, scheme", [(0, "http"), (1, "https")])
def test_the_forwarded_scheme_counts_only_behind_a_proxy(make_app, proxies: int,
                                                         scheme: str) -> None:
    app = make_app(trusted_proxies=proxies)
    app.add_url_rule("/scheme-probe", "scheme_probe", lambda: request.scheme)
    answer = app.test_client().get("/scheme-probe", headers={"X-Forwarded-Proto": "https"})
    assert answer.text == scheme


# -- the session cookie -------------------------------------------------------------------

@pytest.mark.parametrize("public_url, secure", [
    (None, False), ("http://runs.example.org", False), ("https://runs.example.org", True)])
def test_the_session_cookie_is_samesite_lax_and_secure_over_https(
        make_app, public_url: str | None, secure: bool) -> None:
    """The admin page's form puts a CSRF token in the session, which sets the cookie."""
    client = make_app(public_url=public_url).test_client()
    cookie = client.get("/admin/hazards").headers["Set-Cookie"]
    flags = {part.strip().split("=")[0].lower(): part for part in cookie.split(";")}
    assert flags["samesite"].strip() == "SameSite=Lax" and "httponly" in flags
    assert ("secure" in flags) is secure
