"""Settings: every value is checked when the settings are built, and a bad one fails
start-up in one line naming its environment variable (never at the first request)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from venuefinder.config import Settings, load_settings
from venuefinder.errors import InputError

GUNICORN = Path(sys.executable).with_name("gunicorn")
VENUEFINDER = Path(sys.executable).with_name("venuefinder")


@pytest.mark.parametrize("name, value, message", [
    ("rate_limit_storage", "bogus://", "not a rate-limit storage URL: one of"),
    ("rate_limit_storage", "localhost:6379", "not a rate-limit storage URL"),
    ("max_request_bytes", -1, "greater than 0"),
    ("max_request_bytes", 0, "greater than 0"),
    ("rate_limit", "lots", "not a rate limit such as '600 per minute'"),
    ("write_rate_limit", "30 a minute", "not a rate limit such as '30 per minute'"),
    ("overpass_url", "overpass-api.de/api", "not an http:// or https:// URL"),
    ("nominatim_url", "ftp://nominatim.example.org", "not an http:// or https:// URL"),
    ("tiles", "https://tile.example.org/{z}/{x}.png", "lacks {y}"),
    ("terrain_url", "tiles/{z}/{x}/{y}.png", "not an http:// or https:// URL"),
    ("database_url", "no database", "not a database URL"),
    ("public_url", "ftp://runs.example.org", "URL scheme should be 'http' or 'https'"),
    ("trusted_proxies", -1, "greater than or equal to 0"),
    ("body_timeout_s", 0, "greater than 0"),
    ("default_radius_m", 30_000, "is above VENUEFINDER_MAX_RADIUS_M"),
])
def test_a_bad_setting_is_one_line_naming_its_variable(name: str, value: object,
                                                       message: str) -> None:
    with pytest.raises(InputError) as caught:
        load_settings(**{name: value})
    text = str(caught.value)
    assert text.startswith("bad settings: VENUEFINDER_") and message in text
    assert "\n" not in text and len(text) < 400


@pytest.mark.parametrize("name, value", [
    ("rate_limit_storage", "memory://"), ("rate_limit_storage", "redis://cache:6379/0"),
    ("rate_limit_storage", "rediss://cache:6380"), ("rate_limit_storage", "memcached://m:11211"),
    ("rate_limit", "none"), ("rate_limit", "10 per second; 600 per minute"),
    ("tiles", "none"), ("tiles", ""), ("tiles", "https://{s}.tiles.example.org/{z}/{x}/{y}.png"),
    ("public_url", "https://runs.example.org"), ("trusted_proxies", 2),
    ("database_url", "postgresql://user:pw@db/venuefinder"),
])
def test_good_settings_pass(name: str, value: object) -> None:
    assert load_settings(**{name: value}) is not None


def test_secrets_are_never_echoed() -> None:
    with pytest.raises(InputError) as caught:
        load_settings(database_url="postgresql://user:hunter2@db:notaport/x")
    assert "hunter2" not in str(caught.value)


def test_the_environment_is_checked_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VENUEFINDER_RATE_LIMIT_STORAGE", "bogus://")
    with pytest.raises(InputError, match="VENUEFINDER_RATE_LIMIT_STORAGE=bogus://"):
        load_settings()
    monkeypatch.delenv("VENUEFINDER_RATE_LIMIT_STORAGE")
    assert Settings().rate_limit_storage == "memory://"


def _run(command: list[str], tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=tmp_path,
                          env={**os.environ, "VENUEFINDER_CACHE_DIR": str(tmp_path / "cache"),
                               "XDG_RUNTIME_DIR": str(tmp_path), **env})


@pytest.mark.parametrize("variable, value", [("VENUEFINDER_RATE_LIMIT_STORAGE", "bogus://"),
                                             ("VENUEFINDER_MAX_REQUEST_BYTES", "-1")])
def test_the_servers_refuse_to_start_in_one_line(tmp_path: Path, variable: str,
                                                 value: str) -> None:
    """`venuefinder serve` and the production command stop before loading anything."""
    serve = _run([str(VENUEFINDER), "serve", "--port", "5999"], tmp_path, **{variable: value})
    assert serve.returncode == 2, serve.stderr
    assert serve.stderr.startswith("venuefinder: error: bad settings")
    assert len(serve.stderr.strip().splitlines()) == 1
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed beside {sys.executable}")
    pytest.importorskip("gevent", reason="gevent (the production worker) is not installed")
    production = _run([str(GUNICORN), "-c", "python:venuefinder.web.gunicorn_conf",
                       "--bind", "127.0.0.1:0", "venuefinder.web:create_app()"], tmp_path,
                      **{variable: value})
    assert production.returncode == 2, production.stderr
    ours = [line for line in production.stderr.splitlines() if line.startswith("venuefinder")]
    assert len(ours) == 1 and ours[0].startswith(
        f"venuefinder: error: bad settings: {variable}={value}: ")
    assert "Traceback" not in production.stderr


def test_the_production_command_stops_in_one_line_on_a_read_only_store(tmp_path: Path
                                                                        ) -> None:
    """A configured database that cannot write: one line and exit 1, no traceback."""
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed beside {sys.executable}")
    path = tmp_path / "store.db"
    subprocess.run([sys.executable, "-c", "import sys; from venuefinder.store.db import "
                    "connect_store; connect_store(sys.argv[1])", f"sqlite:///{path}"],
                   check=True, timeout=120)
    production = _run([str(GUNICORN), "-c", "python:venuefinder.web.gunicorn_conf",
                       "--bind", "127.0.0.1:0", "venuefinder.web:create_app()"], tmp_path,
                      DATABASE_URL=f"sqlite:///file:{path}?mode=ro&uri=true")
    assert production.returncode == 1, production.stderr
    ours = [line for line in production.stderr.splitlines() if line.startswith("venuefinder")]
    assert len(ours) == 1 and "read-only" in ours[0], production.stderr
    assert "Traceback" not in production.stderr


def test_the_production_command_stops_in_one_line_on_a_store_of_its_own_folder(
        tmp_path: Path) -> None:
    """A store the app alone knows (``create_app(instance_path=…)``) that cannot be opened:
    gunicorn's one "Error: …" line and exit 1, no traceback."""
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed beside {sys.executable}")
    instance = tmp_path / "instance"
    (instance / "venuefinder.db").mkdir(parents=True)  # a folder where the file should be
    production = _run([str(GUNICORN), "-c", "python:venuefinder.web.gunicorn_conf",
                       "--bind", "127.0.0.1:0",
                       f"venuefinder.web:create_app(instance_path={str(instance)!r})"],
                      tmp_path)
    assert production.returncode == 1, production.stderr
    assert "Traceback" not in production.stderr
    said = [line for line in production.stderr.splitlines() if "cannot open the store" in line]
    assert len(said) == 1, production.stderr


@pytest.mark.parametrize("source", ["postgresql://u:pw@db.example/venuefinder?region=fi",
                                    "postgresql+psycopg://u@127.0.0.1:5432/v", "finland",
                                    "/data/finland", "x.osm.pbf", "overpass"])
def test_a_source_may_be_a_dataset_folder_or_a_postgis_url(source):
    assert load_settings(source=source).source == source


@pytest.mark.parametrize("source, says", [
    ("mysql://u:hunter2@db/v", "must be a PostGIS database"),
    ("https://example.org/finland", "must be a PostGIS database"),
    ("postgresql://u:hunter2@db:port/v", "not a database URL"),
])
def test_another_url_source_is_one_line_without_its_password(source, says):
    with pytest.raises(InputError, match=says) as exc:
        load_settings(source=source)
    assert "VENUEFINDER_SOURCE" in str(exc.value) and "hunter2" not in str(exc.value)


@pytest.mark.parametrize("value", ["0", "-1", "many"])
def test_the_tile_cache_is_a_positive_count(monkeypatch, value):
    monkeypatch.setenv("VENUEFINDER_TILE_CACHE", value)
    with pytest.raises(InputError, match="VENUEFINDER_TILE_CACHE"):
        load_settings()
