"""The web app serving a partitioned dataset (``VENUEFINDER_SOURCE=DIR``): the API, the map
page, routes and session pages answer as from the extract, hazard reports lie over the
assembled regions, and a server holds no more tiles than its cache."""

from __future__ import annotations

import re

from pathlib import Path

import pytest

from venuefinder.errors import SourceError
from venuefinder.web import create_app
from venuefinder.web.state import CATALOG_KEY

from ..test_dataset import helsinki_dataset  # noqa: F401 - the shared fixture
from .conftest import web_settings

POINTS = [(60.171634, 24.94429535), (60.1699, 24.9384), (60.1650, 24.9360),
          (60.1719, 24.9440)]


@pytest.fixture
def make(tmp_path: Path):
    def factory(source: str, **overrides):
        app = create_app(web_settings(tmp_path, source=source, route_workers=0, **overrides),
                         instance_path=str(tmp_path / "instance"))
        app.config["TESTING"] = True
        return app
    return factory


@pytest.fixture
def dataset_app(make, helsinki_dataset):
    return make(str(helsinki_dataset), tile_cache=3)


@pytest.fixture
def whole(tmp_path: Path, helsinki_region):
    app = create_app(web_settings(tmp_path / "whole", route_workers=0), helsinki_region,
                     instance_path=str(tmp_path / "whole-instance"))
    app.config["TESTING"] = True
    return app.test_client()


def _venues(client, lat, lon, radius):
    body = client.get(f"/api/venues?lat={lat}&lon={lon}&radius={radius}&limit=50").json
    return [(f["id"], f["properties"]["score"], f["properties"]["distance_m"],
             {k: v for k, v in f["properties"]["reasons"].items() if k != "obstacles"})
            for f in body["features"]]


def test_the_api_answers_as_from_the_extract(dataset_app, whole):
    client = dataset_app.test_client()
    for lat, lon in POINTS:
        for radius in (200, 1000):
            assert _venues(client, lat, lon, radius) == _venues(whole, lat, lon, radius)
    first = client.get("/api/venues?lat=60.1699&lon=24.9384&radius=1000&limit=1").json
    vid = first["features"][0]["id"]
    one = client.get(f"/api/venues/{vid}")
    assert one.status_code == 200 and one.json["id"] == vid
    assert one.json["properties"]["score"] == whole.get(f"/api/venues/{vid}").json[
        "properties"]["score"]
    assert client.get("/api/venues/way/1").status_code == 404
    assert client.get("/api/venues/nonsense").status_code == 400
    # No point given: the dataset's middle.
    assert client.get("/api/venues?radius=2000").status_code == 200
    # Far from the dataset: nothing, without reading a tile for it.
    far = client.get("/api/venues?lat=10&lon=10&radius=1000")
    assert far.status_code == 200 and far.json["features"] == []


def test_places_basemap_and_the_map_page(dataset_app, whole):
    client = dataset_app.test_client()
    places = client.get("/api/places?q=katu&limit=5").json
    assert places["source"] == "region" and len(places["places"]) == 5
    assert {p["name"] for p in places["places"]} <= {
        p["name"] for p in whole.get("/api/places?q=katu&limit=50").json["places"]}
    box = "24.940,60.168,24.944,60.171"
    mine, theirs = (c.get(f"/api/basemap?bbox={box}").json for c in (client, whole))
    assert [(f["properties"]["layer"], f["properties"]["count"]) for f in mine["features"]] \
        == [(f["properties"]["layer"], f["properties"]["count"]) for f in theirs["features"]]
    page = client.get("/")
    assert page.status_code == 200
    # Named after its extract, as the extract's own server names it (not the folder).
    heading = re.compile(r'<span class="region">([^<,]+)')
    assert heading.search(page.get_data(as_text=True))[1] == \
        heading.search(whole.get("/").get_data(as_text=True))[1] == "Helsinki"


def test_routes_from_the_dataset(dataset_app):
    client = dataset_app.test_client()
    loop = client.get("/api/routes/loop?lat=60.17&lon=24.94&length=1000&alternatives=1")
    assert loop.status_code == 200 and loop.json["features"]
    length = loop.json["features"][0]["properties"]["length_m"]
    assert 900 <= length <= 1100
    gpx = client.get("/api/routes/loop.gpx?lat=60.17&lon=24.94&length=1000&alternatives=1")
    assert gpx.status_code == 200 and b"<trk>" in gpx.data
    vid = client.get("/api/venues?lat=60.1699&lon=24.9384&radius=1000&limit=1").json[
        "features"][0]["id"]
    there = client.get(f"/api/routes/to?lat=60.17&lon=24.94&venue={vid}")
    assert there.status_code == 200 and len(there.json["features"]) == 1
    assert client.get("/api/routes/to?lat=60.17&lon=24.94&venue=way/1").status_code == 404


def test_session_pages_from_the_dataset(dataset_app):
    client = dataset_app.test_client()
    vid = client.get("/api/venues?lat=60.1699&lon=24.9384&radius=1000&limit=1").json[
        "features"][0]["id"]
    page = client.get(f"/sessions/new?venue={vid}")
    assert page.status_code == 200 and vid.encode() in page.data
    assert client.get("/sessions/new?venue=way/1").status_code == 404


def test_hazard_reports_lie_over_the_assembled_regions(dataset_app):
    client = dataset_app.test_client()
    query = "/api/venues?lat=60.1699&lon=24.9384&radius=1000&limit=1"
    first = client.get(query).json["features"][0]
    lon, lat = first["properties"]["meeting_point"]["lon"], \
        first["properties"]["meeting_point"]["lat"]
    report = client.post("/api/hazards", json={"kind": "glass", "severity": "high",
                                               "lat": lat, "lon": lon})
    assert report.status_code == 201, report.json
    after = client.get(f"/api/venues/{first['id']}").json["properties"]
    assert after["score"] < first["properties"]["score"]
    assert after["reasons"]["hazards"].startswith("glass or debris, high")
    listed = {f["id"]: f for f in client.get(query.replace("limit=1", "limit=50")).json[
        "features"]}
    assert listed[first["id"]]["properties"]["score"] == after["score"]


def test_the_server_holds_at_most_its_tile_cache(dataset_app):
    client = dataset_app.test_client()
    regions = dataset_app.extensions[CATALOG_KEY]
    assert regions.capacity == 3
    for i in range(6):
        for j in range(6):
            lat, lon = 60.1640 + 0.0030 * i, 24.9350 + 0.0036 * j
            assert client.get(f"/api/venues?lat={lat}&lon={lon}&radius=80").status_code == 200
            assert regions.loaded <= 3
    client.get("/api/routes/loop?lat=60.17&lon=24.94&length=1000&alternatives=1")
    assert regions.loaded <= 3


def test_a_bad_dataset_fails_start_up_in_one_line(make, tmp_path):
    for source, says in ((tmp_path / "missing", "not found"),
                         (tmp_path, "not a partitioned dataset")):
        with pytest.raises(SourceError, match=says) as exc:
            make(str(source))
        assert "\n" not in str(exc.value)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "manifest.json").write_text("{oops")
    with pytest.raises(SourceError, match="damaged dataset manifest"):
        make(str(tmp_path / "bad"))


def test_a_damaged_tile_answers_503(make, helsinki_dataset, tmp_path):
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(helsinki_dataset, copy)
    app = make(str(copy))
    for tile in (copy / "tiles").iterdir():
        (tile / "venues.parquet").write_bytes(b"damaged")
    answer = app.test_client().get("/api/venues?lat=60.17&lon=24.94&radius=3000")
    assert answer.status_code == 503
    assert "venues.parquet" in answer.json["message"]


from ..test_serving import loaded_database  # noqa: E402,F401 - a database holding it


def test_a_postgis_source_answers_as_the_dataset(make, dataset_app,
                                                 loaded_database):  # noqa: F811
    from_db = make(loaded_database).test_client()
    from_folder = dataset_app.test_client()
    for lat, lon in POINTS:
        assert _venues(from_db, lat, lon, 500) == _venues(from_folder, lat, lon, 500) != []
    vid = _venues(from_folder, *POINTS[1], 500)[0][0]
    assert from_db.get(f"/api/venues/{vid}").json == from_folder.get(f"/api/venues/{vid}").json
    box = "24.940,60.168,24.944,60.171"
    assert from_db.get(f"/api/basemap?bbox={box}").json["features"]
    assert from_db.get("/api/places?q=katu").json["places"]
    loop = from_db.get("/api/routes/loop?lat=60.17&lon=24.94&length=1000&alternatives=1")
    assert loop.status_code == 200
