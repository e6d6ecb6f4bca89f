"""The `venuefinder` command: contracts for output, exit codes and error lines."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from venuefinder.cli import main
from venuefinder.cli.commands import format_table
from venuefinder.criteria import REGISTRY
from venuefinder.scoring.combine import NEAR_TIE

NEAR = "60.1699,24.9384"


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("VENUEFINDER_CACHE_DIR", str(tmp_path / "cache"))
    return CliRunner()


def _ok(result) -> None:
    assert result.exit_code == 0, result.output + str(result.exception)


def test_venues_geojson_contract(runner: CliRunner):
    result = runner.invoke(main, ["venues", "--near", NEAR, "--radius", "1500", "--limit", "8",
                                  "--format", "geojson"])
    _ok(result)
    collection = json.loads(result.stdout)
    assert collection["type"] == "FeatureCollection"
    features = collection["features"]
    assert 1 <= len(features) <= 8
    scores = [f["properties"]["score"] for f in features]
    # Best first: by score, near-ties (NEAR_TIE points) going to the better-evidenced venue.
    assert all(later - earlier <= NEAR_TIE for earlier, later in zip(scores, scores[1:]))
    for feature in features:
        props = feature["properties"]
        assert props["id"].split("/")[0] in {"way", "relation"}
        assert set(props["scores"]) == set(props["reasons"]) == set(props["evidence"]) \
            == {c.name for c in REGISTRY if not c.live}
        assert all(0 <= s <= 100 for s in props["scores"].values())
        assert all(isinstance(r, str) and r for r in props["reasons"].values())
        assert 0 <= props["distance_m"] <= 1500
        assert props["kind"] and "name" in props
        lon, lat = _first_coordinate(feature["geometry"])
        assert 24.9 < lon < 25.0 and 60.1 < lat < 60.2  # WGS84, lon/lat order


def test_venues_default_limit_is_the_cli_setting(runner: CliRunner,
                                                  monkeypatch: pytest.MonkeyPatch):
    args = ["venues", "--near", NEAR, "--radius", "3000", "--format", "geojson"]
    result = runner.invoke(main, args)
    _ok(result)
    assert len(json.loads(result.stdout)["features"]) == 10  # README: default 10
    monkeypatch.setenv("VENUEFINDER_CLI_DEFAULT_LIMIT", "3")
    result = runner.invoke(main, args)
    _ok(result)
    assert len(json.loads(result.stdout)["features"]) == 3


def _first_coordinate(geometry: dict) -> list[float]:
    coords = geometry["coordinates"]
    while isinstance(coords[0], list):
        coords = coords[0]
    return coords


def test_venues_table_is_readable(runner: CliRunner):
    result = runner.invoke(main, ["venues", "--near", NEAR, "--radius", "1500", "--limit", "3"])
    _ok(result)
    assert "Safest places within 1500 m" in result.stdout
    assert "traffic:" in result.stdout and "surface:" in result.stdout


def test_venues_are_listed_by_their_labels(runner: CliRunner):
    args = ["venues", "--near", NEAR, "--radius", "3000", "--limit", "30"]
    geojson = runner.invoke(main, [*args, "--format", "geojson"])
    table = runner.invoke(main, args)
    _ok(geojson)
    _ok(table)
    labels = [f["properties"]["label"] for f in json.loads(geojson.stdout)["features"]]
    assert len(labels) == 30 and len(set(labels)) == 30
    assert all(label and "unnamed" not in label.lower() for label in labels)
    assert all(label in table.stdout for label in labels)
    assert "unnamed" not in table.stdout


def _feature(reasons: dict, evidence: dict) -> dict:
    return {"properties": {
        "label": "Lawn by Unioninkatu", "kind": "grass", "score": 70.0, "confidence": 50,
        "distance_m": 120.0, "vetoed_by": None, "note": None,
        "osm_url": "https://www.openstreetmap.org/way/1",
        "scores": {c: 70.0 for c in reasons}, "reasons": reasons, "evidence": evidence}}


def test_table_says_a_guess_once_and_nothing_reported_is_no_guess():
    text = format_table([_feature(
        {"surface": "Grass, usually", "obstacles": "None mapped; x (a guess by kind)",
         "traffic": "A minor road is 40 m away", "hazards": "No open hazard reports"},
        {"surface": "prior", "obstacles": "prior", "traffic": "measured",
         "hazards": "prior"})], 60.17, 24.94, 500)
    assert "surface: Grass, usually [a guess]" in text
    assert "obstacles: None mapped; x (a guess by kind)\n" in text
    assert "hazards: No open hazard reports\n" in text
    assert "Lawn by Unioninkatu" in text


def test_filters(runner: CliRunner):
    result = runner.invoke(main, ["venues", "--near", NEAR, "--radius", "3000", "--kind",
                                  "pitch", "--min-score", "50", "--format", "geojson"])
    _ok(result)
    props = [f["properties"] for f in json.loads(result.stdout)["features"]]
    assert props and all(p["kind"] == "pitch" and p["score"] >= 50 for p in props)


def test_far_away_point_finds_nothing(runner: CliRunner):
    result = runner.invoke(main, ["venues", "--near", "0,0", "--radius", "1000"])
    _ok(result)
    assert "No venues within 1000 m" in result.stdout


BAD_INPUT = [
    (["--near", "91,24.9"], "latitude"),
    (["--near", "-90.5,24.9"], "latitude"),
    (["--near", "60.1,181"], "longitude"),
    (["--near", "nan,24.9"], "finite"),
    (["--near", "60.1,inf"], "finite"),
    (["--near", "abc,24.9"], "number"),
    (["--near", "60.1"], "LAT,LON"),
    (["--near", "60.1,"], "LAT,LON"),
    (["--near", NEAR, "--radius", "0"], "radius"),
    (["--near", NEAR, "--radius", "-5"], "radius"),
    (["--near", NEAR, "--radius", "nan"], "radius"),
    (["--near", NEAR, "--radius", "1e9"], "maximum"),
    (["--near", NEAR, "--radius", "ten"], "radius"),
    (["--near", NEAR, "--limit", "0"], "limit"),
    (["--near", NEAR, "--min-score", "101"], "min_score"),
    (["--near", NEAR, "--kind", "motorway"], "unknown kind"),
    (["--near", NEAR, "--format", "xml"], "format"),
    (["--radius", "100"], "--near"),
]


@pytest.mark.parametrize("args, message", BAD_INPUT)
def test_bad_input_exits_2_with_one_line(runner: CliRunner, args, message):
    result = runner.invoke(main, ["venues", *args])
    assert result.exit_code == 2, result.output
    assert message.lower() in result.stderr.lower()
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args, message", [
    (["venues", "--near", "abc,24.9"], "Invalid value for '--near'"),
    (["route", "--near", NEAR, "--length", "3,000"], "'3,000' is not a valid float"),
    (["route", "--near", NEAR, "--alternatives", "1.5"], "'1.5' is not a valid integer"),
    (["venues", "--near", NEAR, "--limit", "1e3"], "'1e3' is not a valid integer"),
    (["venues"], "Missing option '--near'"),
    (["--bogus"], "No such option '--bogus'"),
    (["nope"], "No such command 'nope'"),
])
def test_usage_errors_are_the_one_error_line(runner: CliRunner, args, message):
    """Click's own usage errors too: one line as the README promises, not click's
    three-line block (Usage, Try, Error)."""
    result = runner.invoke(main, args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("venuefinder: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Usage:" not in result.stderr


@pytest.mark.parametrize("url", ["sqlite:///" + "x" * 5000, "y" * 5000, "z" * 5000 + "://"])
def test_a_huge_store_url_is_cut_in_the_error(runner: CliRunner, url: str):
    result = runner.invoke(main, ["venues", "--near", NEAR, "--store", url])
    assert result.exit_code in (1, 2), result.output
    assert len(result.stderr.strip().splitlines()) == 1 and len(result.stderr) < 400


def test_a_huge_bad_value_is_cut_in_the_error(runner: CliRunner):
    result = runner.invoke(main, ["venues", "--near", NEAR, "--limit", "9" * 5000 + "x"])
    assert result.exit_code == 2 and len(result.stderr) < 500


def test_unreadable_dem_exits_2(runner: CliRunner, tmp_path: Path):
    junk = tmp_path / "dem.tif"
    junk.write_text("not a raster")
    for dem in (junk, tmp_path / "missing.tif"):
        result = runner.invoke(main, ["venues", "--near", NEAR, "--dem", str(dem)])
        assert result.exit_code == 2, result.output
        assert "dem" in result.stderr.lower()


@pytest.mark.parametrize("name, content", [
    ("missing.osm.pbf", None), ("empty.osm.pbf", b""),
    ("corrupt.osm.pbf", b"\x00\x00\x00\x0enot a pbf" * 20), ("notes.txt", b"hello"),
    ("bad.parquet", b"PAR1 garbage"),
])
def test_unreadable_source_exits_1(runner: CliRunner, tmp_path: Path, name, content):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    result = runner.invoke(main, ["venues", "--source", str(path), "--near", NEAR])
    assert result.exit_code == 1, result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output


def test_ingest_writes_geoparquet_and_geopackage(runner: CliRunner, tmp_path: Path,
                                                 helsinki_path: Path):
    import geopandas as gpd

    for out in (tmp_path / "helsinki.parquet", tmp_path / "helsinki.gpkg"):
        result = runner.invoke(main, ["ingest", str(helsinki_path), "--out", str(out)])
        _ok(result)
        assert "incomplete multipolygon relations dropped" in result.stderr
        venues = gpd.read_parquet(out) if out.suffix == ".parquet" else gpd.read_file(out)
        assert len(venues) > 20
        assert {"id", "kind", "score", "score_traffic", "reason_traffic"} <= set(venues.columns)
    # The ingested file is itself a source for `venues`.
    result = runner.invoke(main, ["venues", "--source", str(tmp_path / "helsinki.parquet"),
                                  "--near", NEAR, "--format", "geojson"])
    _ok(result)
    assert json.loads(result.stdout)["features"]


def test_ingest_refuses_unknown_output_and_keeps_old_file(runner: CliRunner, tmp_path: Path,
                                                          helsinki_path: Path):
    result = runner.invoke(main, ["ingest", str(helsinki_path), "--out", str(tmp_path / "x.csv")])
    assert result.exit_code == 2 and ".parquet" in result.stderr
    result = runner.invoke(main, ["ingest", str(helsinki_path), "--out",
                                  str(tmp_path / "nope" / "x.parquet")])
    assert result.exit_code == 2 and "does not exist" in result.stderr
    old = tmp_path / "keep.parquet"
    old.write_bytes(b"previous output")
    result = runner.invoke(main, ["ingest", str(tmp_path / "missing.osm.pbf"), "--out", str(old)])
    assert result.exit_code == 1
    assert old.read_bytes() == b"previous output"


def test_console_script_prints_one_line_never_a_traceback(tmp_path: Path):
    env = {**os.environ, "VENUEFINDER_CACHE_DIR": str(tmp_path)}
    exe = Path(sys.executable).with_name("venuefinder")
    done = subprocess.run([str(exe), "venues", "--near", "95,0"], capture_output=True,
                          text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    done = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "venues" in done.stdout


def test_junk_settings_in_the_environment_exit_2(runner: CliRunner, monkeypatch):
    monkeypatch.setenv("VENUEFINDER_VETO_BELOW", "lots")
    result = runner.invoke(main, ["venues", "--near", NEAR])
    assert result.exit_code == 2 and "bad settings" in result.stderr


def test_a_dem_that_misses_the_region_is_said_in_the_reasons(runner: CliRunner):
    dem = Path(__file__).parent / "data" / "helsinki_lapinlahti_2021.tif"
    result = runner.invoke(main, ["venues", "--near", NEAR, "--radius", "1500", "--dem",
                                  str(dem), "--format", "geojson", "--limit", "3"])
    _ok(result)
    reasons = [f["properties"]["reasons"]["flatness"]
               for f in json.loads(result.stdout)["features"]]
    assert reasons and all("does not cover" in r for r in reasons)


def test_venues_with_a_store_carry_its_open_hazard_reports(runner: CliRunner, tmp_path: Path):
    from venuefinder.store.db import connect_store
    from venuefinder.store.hazards import report_hazard

    args = ["venues", "--near", NEAR, "--radius", "1500", "--limit", "1", "--format",
            "geojson"]
    first = json.loads(runner.invoke(main, args).stdout)["features"][0]
    lon, lat = _first_coordinate(first["geometry"])
    url = f"sqlite:///{tmp_path / 'store.db'}"
    report_hazard(connect_store(url), "glass", "high", lat, lon, "broken bottles", "client-a")
    result = runner.invoke(main, [*args, "--limit", "200", "--store", url])
    _ok(result)
    props = {f["id"]: f["properties"] for f in json.loads(result.stdout)["features"]}
    hit = props[first["id"]]
    assert hit["scores"]["hazards"] < 40
    assert hit["reasons"]["hazards"].startswith("glass or debris, high")
    assert hit["score"] < first["properties"]["score"]
    assert all("hazards" in p["scores"] for p in props.values())


def test_an_unreachable_store_exits_1_with_one_line(runner: CliRunner):
    result = runner.invoke(main, ["venues", "--near", NEAR, "--store",
                                  "postgresql://nobody:secret@127.0.0.1:9/none"])
    assert result.exit_code == 1
    assert result.stderr.startswith("venuefinder: error: cannot open the store at")
    assert "secret" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_route_loop_geojson_contract(runner: CliRunner):
    result = runner.invoke(main, ["route", "--near", NEAR, "--length", "3000",
                                  "--alternatives", "2", "--format", "geojson"])
    _ok(result)
    features = json.loads(result.stdout)["features"]
    assert 1 <= len(features) <= 2
    for feature in features:
        props = feature["properties"]
        assert feature["geometry"]["type"] == "LineString"
        assert 2700 <= props["length_m"] <= 3300
        assert {"score", "reasons", "warnings", "length_m", "climb_m", "descent_m",
                "max_downhill_pct", "direction", "forward_stretches", "laps"} <= set(props)
        coords = feature["geometry"]["coordinates"]
        assert coords[0] == coords[-1]  # a closed loop


def test_route_gpx_and_the_way_there(runner: CliRunner):
    import gpxpy

    result = runner.invoke(main, ["route", "--near", NEAR, "--length", "2000",
                                  "--alternatives", "1", "--format", "gpx"])
    _ok(result)
    assert gpxpy.parse(result.stdout).tracks
    there = runner.invoke(main, ["route", "--near", NEAR, "--to", "way/28238099",
                                 "--format", "geojson"])
    _ok(there)
    assert json.loads(there.stdout)["features"][0]["properties"]["length_m"] > 0


@pytest.mark.parametrize("args, code, message", [
    (["--length", "399"], 2, "length must be between"),
    (["--length", "3000", "--to", "way/1"], 2, "give --length"),
    ([], 2, "give --length"),
    (["--length", "3000", "--alternatives", "9"], 2, "alternatives"),
])
def test_route_bad_input_exits_2(runner: CliRunner, args, code, message):
    result = runner.invoke(main, ["route", "--near", NEAR, *args])
    assert result.exit_code == code and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_route_far_from_any_way_exits_1(runner: CliRunner):
    result = runner.invoke(main, ["route", "--near", "60.0,25.5", "--length", "3000"])
    assert result.exit_code == 1
    assert "no walkable way within 300 m" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


# --- a partitioned dataset as the source ---------------------------------------------------

from .test_dataset import helsinki_dataset  # noqa: E402,F401 - the shared fixture

#: Points near where the dataset's 4 tiles meet (24.94429535, 60.171634) and elsewhere.
DATASET_POINTS = ("60.171634,24.94429535", "60.1719,24.9440", "60.1712,24.9447", NEAR,
                  "60.1650,24.9360")


def _venue_answers(result) -> list:
    """Ids, scores, distances and reasons but the obstacle count (the served extract also
    counts the map's extra layers, which an ingest leaves out: tests/test_serving.py)."""
    return [(f["id"], f["properties"]["score"], f["properties"]["distance_m"],
             {k: v for k, v in f["properties"]["reasons"].items() if k != "obstacles"})
            for f in json.loads(result.stdout)["features"]]


def test_venues_from_a_dataset_are_the_extracts(runner: CliRunner, helsinki_dataset: Path,
                                                monkeypatch: pytest.MonkeyPatch):
    for near in DATASET_POINTS:
        args = ["venues", "--near", near, "--radius", "600", "--limit", "30", "--format",
                "geojson"]
        whole = runner.invoke(main, args)
        parted = runner.invoke(main, [*args, "--source", str(helsinki_dataset)])
        _ok(whole), _ok(parted)
        assert _venue_answers(parted) == _venue_answers(whole) != []
    monkeypatch.setenv("VENUEFINDER_SOURCE", str(helsinki_dataset))
    table = runner.invoke(main, ["venues", "--near", NEAR, "--radius", "600"])
    _ok(table)
    assert table.stdout.startswith("Safest places within 600 m")


def test_routes_from_a_dataset(runner: CliRunner, helsinki_dataset: Path):
    source = ["--source", str(helsinki_dataset)]
    loop = runner.invoke(main, ["route", *source, "--near", "60.17,24.94", "--length", "1000",
                                "--alternatives", "1", "--format", "geojson"])
    _ok(loop)
    assert 900 <= json.loads(loop.stdout)["features"][0]["properties"]["length_m"] <= 1100
    venue = json.loads(runner.invoke(main, ["venues", *source, "--near", NEAR, "--limit", "1",
                                            "--format", "geojson"]).stdout)["features"][0]
    there = runner.invoke(main, ["route", *source, "--near", "60.17,24.94", "--to",
                                 venue["id"], "--format", "gpx"])
    _ok(there)
    assert there.stdout.startswith("<?xml") and "<trk>" in there.stdout
    unknown = runner.invoke(main, ["route", *source, "--near", "60.17,24.94", "--to",
                                   "way/1"])
    assert unknown.exit_code == 1 and "no venue way/1" in unknown.stderr


@pytest.mark.parametrize("make, code, says", [
    (lambda tmp: tmp / "missing", 1, "source not found"),
    (lambda tmp: tmp, 1, "is not a partitioned dataset"),
    (lambda tmp: (tmp / "manifest.json").write_text("{oops") and tmp, 1,
     "damaged dataset manifest"),
    (lambda tmp: "mysql://user@host/db", 2, "VENUEFINDER_SOURCE"),
    (lambda tmp: "postgresql://user@host:port/db", 2, "not a database URL"),
])
def test_a_bad_dataset_or_database_source_is_one_line(runner: CliRunner, tmp_path: Path,
                                                      make, code, says):
    source = str(make(tmp_path))
    for command in (["venues", "--near", NEAR], ["route", "--near", NEAR, "--length", "1000"]):
        result = runner.invoke(main, [*command, "--source", source])
        assert result.exit_code == code, result.output
        assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


from .test_serving import loaded_database  # noqa: E402,F401 - a database holding it


def test_load_and_serve_from_postgis(runner: CliRunner, loaded_database: str,  # noqa: F811
                                     helsinki_dataset: Path):  # noqa: F811
    args = ["venues", "--near", "60.171634,24.94429535", "--radius", "600", "--format",
            "geojson"]
    from_db = runner.invoke(main, [*args, "--source", loaded_database])
    from_folder = runner.invoke(main, [*args, "--source", str(helsinki_dataset)])
    _ok(from_db), _ok(from_folder)
    assert _venue_answers(from_db) == _venue_answers(from_folder) != []
    # Loading again replaces the region, in one line.
    again = runner.invoke(main, ["load", str(helsinki_dataset), "--db", loaded_database])
    _ok(again)
    assert "loaded" in again.stderr and "helsinki-dataset" in again.stderr
    loop = runner.invoke(main, ["route", "--source", loaded_database, "--near", "60.17,24.94",
                                "--length", "1000", "--alternatives", "1", "--format", "gpx"])
    _ok(loop)
    assert "<trk>" in loop.stdout


@pytest.mark.parametrize("db, code, says", [
    ("mysql://user@host/db", 2, "postgresql://"),
    ("postgresql://nobody:secret@127.0.0.1:9/none", 1, "connection"),
])
def test_load_refuses_a_bad_or_unreachable_database(runner: CliRunner, helsinki_dataset,  # noqa: F811
                                                    db, code, says):
    result = runner.invoke(main, ["load", str(helsinki_dataset), "--db", db])
    assert result.exit_code == code, result.output
    assert says in result.stderr and "secret" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_load_refuses_a_folder_that_is_no_dataset(runner: CliRunner, tmp_path: Path):
    result = runner.invoke(main, ["load", str(tmp_path), "--db",
                                  "postgresql://nobody@127.0.0.1:9/none"])
    assert result.exit_code == 1 and "not a partitioned dataset" in result.stderr
