"""geocode against a local server replaying real recorded Nominatim answers."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from venuefinder.config import Settings
from venuefinder.errors import InputError, SourceError
from venuefinder.sources.geocode import geocode


@pytest.fixture(autouse=True)
def no_usage_policy_pause(monkeypatch):
    """osmnx sleeps 1 s before each Nominatim request (the public server's usage policy);
    the local replay server needs no such courtesy."""
    import osmnx._nominatim

    monkeypatch.setattr(osmnx._nominatim, "time", SimpleNamespace(sleep=lambda s: None))


@pytest.fixture
def net_settings(replay_server, tmp_path: Path) -> Settings:
    return replay_server.settings(tmp_path / "cache")


def test_finds_a_park_with_its_coordinates(replay_server, net_settings):
    places = geocode("Vanha kirkkopuisto", net_settings)
    assert places == [{"name": "Vanha kirkkopuisto", "kind": "park",
                       "lat": 60.166085, "lon": 24.939745}]
    (method, path, _), = replay_server.requests
    params = parse_qs(urlsplit(path).query)
    assert method == "GET" and urlsplit(path).path == "/search"
    assert params["q"] == ["Vanha kirkkopuisto"] and params["format"] == ["json"]
    assert params["limit"] == ["10"]


def test_several_matches_best_first_and_a_suburb_is_a_suburb(net_settings):
    suburb, station = geocode("  Kamppi ", net_settings)
    # A boundary's type is just "administrative": the kind is what it bounds.
    assert suburb["name"] == "Kamppi" and suburb["kind"] == "suburb"
    assert suburb["lat"] == pytest.approx(60.1676, abs=1e-3)
    assert station["name"] == "Kamppi" and station["kind"] == "station"


def test_unknown_place_is_an_empty_list(net_settings):
    assert geocode("Atlantis", net_settings) == []


def test_answers_are_cached(replay_server, net_settings):
    first = geocode("Maria 01", net_settings)
    replay_server.stop()
    assert geocode("Maria 01", net_settings) == first
    assert first[0]["kind"] == "commercial"


def test_without_nominatim_url_search_stays_offline(replay_server, tmp_path):
    settings = replay_server.settings(tmp_path, nominatim_url=None)
    assert geocode("Vanha kirkkopuisto", settings) == []
    assert replay_server.requests == []


@pytest.mark.parametrize(("query", "limit"), [("", 10), ("   ", 10), ("Kamppi", 0),
                                              ("Kamppi", 41)])
def test_bad_queries_are_input_errors(net_settings, query, limit):
    with pytest.raises(InputError):
        geocode(query, net_settings, limit=limit)


@pytest.mark.parametrize(("status", "body", "expected"), [
    (500, "<html>oops</html>", "answered HTTP 500 Internal Server Error"),
    (429, "slow down", "is busy (HTTP 429 Too Many Requests)"),
    (200, "<html>oops</html>", "answered something that is not a list of places"),
    (200, '{"error": "bad request"}', "answered something that is not a list of places"),
    (200, '[{"osm_id": 1}]', "answered places without a name or coordinates"),
])
def test_bad_answers_are_source_errors(replay_server, net_settings, status, body, expected):
    replay_server.answer("/search", status, body)
    with pytest.raises(SourceError, match=re.escape(expected)) as err:
        geocode("Kamppi", net_settings)
    assert str(err.value).startswith(f"Nominatim at {replay_server.url} ")


def test_unreachable_server(closed_port_url, tmp_path):
    settings = Settings(cache_dir=tmp_path, nominatim_url=closed_port_url)
    with pytest.raises(SourceError, match=r"is unreachable: .*Connection refused"):
        geocode("Kamppi", settings)
