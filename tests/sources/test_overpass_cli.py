"""`venuefinder venues --source overpass` end to end against the local replay server."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from venuefinder.cli import main


def test_venues_from_live_overpass(replay_server, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("VENUEFINDER_OVERPASS_URL", f"{replay_server.url}/api")
    monkeypatch.setenv("VENUEFINDER_CACHE_DIR", str(tmp_path))
    result = CliRunner().invoke(main, ["venues", "--source", "overpass", "--near",
                                       "60.1661,24.9397", "--radius", "300",
                                       "--format", "geojson"])
    assert result.exit_code == 0, result.output
    features = json.loads(result.stdout)["features"]
    ids = {f["properties"]["id"] for f in features}
    assert "way/28238099" in ids  # Vanha kirkkopuisto
    park = next(f for f in features if f["properties"]["id"] == "way/28238099")
    # The recorded street network is there: the traffic reason names a real street.
    assert " m away" in park["properties"]["reasons"]["traffic"] or \
        "0 m" in park["properties"]["reasons"]["traffic"]
    assert replay_server.posted()


def test_unreachable_overpass_exits_1(closed_port_url: str, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("VENUEFINDER_OVERPASS_URL", f"{closed_port_url}/api")
    monkeypatch.setenv("VENUEFINDER_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("VENUEFINDER_HTTP_TIMEOUT_S", "3")
    result = CliRunner().invoke(main, ["venues", "--source", "overpass", "--near",
                                       "60.1661,24.9397", "--radius", "300"])
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
