"""Fixtures of the web tests, shaped like Flask's tutorial: ``app``, ``client``, ``runner``.

``app`` serves the hand-made :func:`tests.web.regions.tiny_region` with tiles off and no rate
limit; tests that need other settings build their own with :func:`make_app`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from venuefinder.config import Settings
from venuefinder.region import Region
from venuefinder.web import create_app

from .regions import synthetic_region, tiny_region


def web_settings(tmp_path: Path, **overrides: Any) -> Settings:
    """Test settings: private cache, tiles off (no request leaves the app), no rate limit."""
    values: dict[str, Any] = {"cache_dir": tmp_path / "cache", "tiles": "none",
                              "rate_limit": "none", "nominatim_url": None,
                              # the hazard store: a new SQLite file per test
                              "database_url": f"sqlite:///{tmp_path / 'venuefinder.db'}"}
    values.update(overrides)
    return Settings(**values)


@pytest.fixture(scope="session")
def region() -> Region:
    return tiny_region()


@pytest.fixture(scope="session")
def big_region() -> Region:
    """5,000 synthetic venues."""
    return synthetic_region(5000)


@pytest.fixture
def make_app(tmp_path: Path, region: Region) -> Callable[..., Flask]:
    """``make_app(region=None, **settings)`` → an app with these settings overridden."""

    def factory(region_: Region | None = None, **overrides: Any) -> Flask:
        app = create_app(web_settings(tmp_path, **overrides), region_ or region,
                         instance_path=str(tmp_path / "instance"))
        app.config["TESTING"] = True
        return app

    return factory


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()
