"""Hills without a DEM, from the extract's own heights: the CLI's and the API's loops warn
on a hilly start."""

from __future__ import annotations

from click.testing import CliRunner

from venuefinder.cli import main

from .conftest import latlon
from .test_loops import rectangle_with_peaks

HILLY_WARNING = "hilly area: the direction to run could not be chosen"


def hilly_extract(tmp_path):
    """A footway rectangle between summits 1,020 and 1,480 m high, as an OSM file."""
    m = rectangle_with_peaks((600, 0, 1480.0), (-600, 0, 1020.0))
    return m.write_osm(tmp_path / "hills.osm")


def test_the_cli_warns_on_a_hilly_start(tmp_path, monkeypatch):
    monkeypatch.setenv("VENUEFINDER_CACHE_DIR", str(tmp_path / "cache"))
    lat, lon = latlon(0, 0)
    result = CliRunner().invoke(main, ["route", "--source", str(hilly_extract(tmp_path)),
                                       "--near", f"{lat},{lon}", "--length", "1000"])
    assert result.exit_code == 0, result.output
    assert f"! {HILLY_WARNING}" in result.output
    assert "the area is hilly (heights 1,020–1,480 m within 2 km)" in result.output


def test_the_api_warns_on_a_hilly_start(tmp_path):
    from venuefinder.config import Settings
    from venuefinder.web import create_app

    settings = Settings(source=str(hilly_extract(tmp_path)), cache_dir=tmp_path / "cache")
    client = create_app(settings).test_client()
    lat, lon = latlon(0, 0)
    answer = client.get(f"/api/routes/loop?lat={lat}&lon={lon}&length=1000")
    assert answer.status_code == 200, answer.get_json()
    (loop,) = answer.get_json()["features"][:1]
    assert loop["properties"]["warnings"][0].startswith(HILLY_WARNING)
