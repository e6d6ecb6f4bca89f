"""The routes API (``/api/routes/…``) on the embedded Helsinki extract's walking graph, with
the hand-made venues of :func:`tests.web.regions.tiny_region` (central Helsinki).

One app per module: the graph is built once (under a second) into a shared cache; the
hazard test gets its own app (and store) reading that cache.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pyproj import Transformer
from shapely.geometry import Point, shape

from venuefinder.web import create_app

from .conftest import web_settings
from .regions import CRS, tiny_region
from .test_api import assert_error

#: By the railway station: dense footways all round.
START = (60.1699, 24.9384)
LOOP = f"lat={START[0]}&lon={START[1]}"
TO_METRIC = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
PROPERTIES = {"kind", "score", "reasons", "warnings", "length_m", "climb_m", "descent_m",
              "max_downhill_pct", "direction", "forward_stretches", "laps", "retraced_m",
              "crossings"}


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("routes-cache")


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, cache: Path) -> Flask:
    # Searches in the request, uncached: the tests below replace find_loops in this process.
    app = create_app(web_settings(tmp_path_factory.mktemp("routes"), cache_dir=cache,
                                  route_workers=0, route_cache_size=0), tiny_region())
    app.config["TESTING"] = True
    return app


@pytest.fixture(scope="module")
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module")
def document(client: FlaskClient) -> dict[str, Any]:
    return client.get("/api/openapi.json").get_json()


def metres(lon_lat_a: Any, lon_lat_b: Any) -> float:
    (ax, bx), (ay, by) = TO_METRIC.transform([lon_lat_a[0], lon_lat_b[0]],
                                             [lon_lat_a[1], lon_lat_b[1]])
    return math.hypot(ax - bx, ay - by)


def conforms(document: dict[str, Any], name: str, body: Any) -> None:
    from openapi_schema_validator import OAS31Validator

    schema = {"$ref": f"#/components/schemas/{name}", "components": document["components"]}
    errors = sorted(OAS31Validator(schema).iter_errors(body), key=str)
    assert not errors, [e.message for e in errors[:3]]


def test_loops_are_closed_lines_of_the_asked_length_best_first(
        client: FlaskClient, document: dict[str, Any]) -> None:
    response = client.get(f"/api/routes/loop?{LOOP}&length=3000")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    conforms(document, "RouteCollection", body)
    assert body["query"] == {"lat": START[0], "lon": START[1], "length": 3000.0, "lit": False,
                             "alternatives": 3}
    features = body["features"]
    assert 1 <= len(features) <= 3
    scores = [f["properties"]["score"] for f in features]
    assert scores == sorted(scores, reverse=True)
    for feature in features:
        props, line = feature["properties"], feature["geometry"]["coordinates"]
        assert feature["geometry"]["type"] == "LineString"
        assert set(props) == PROPERTIES and props["kind"] == "loop"
        assert 2700 <= props["length_m"] <= 3300
        assert props["direction"] in ("clockwise", "anticlockwise")
        assert line[0] == line[-1]  # back where it started
        assert metres(line[0], START[::-1]) <= 300
        assert {"length", "traffic", "surface"} <= set(props["reasons"])
        assert all(isinstance(w, str) for w in props["warnings"])


def test_fewer_alternatives_and_light(client: FlaskClient) -> None:
    body = client.get(f"/api/routes/loop?{LOOP}&length=2000&alternatives=1&lit=true"
                      ).get_json()
    assert len(body["features"]) == 1
    assert body["query"]["lit"] is True and body["query"]["alternatives"] == 1
    assert "lit" in body["features"][0]["properties"]["reasons"]


def test_gpx_holds_the_same_loops_in_running_order(client: FlaskClient) -> None:
    import gpxpy

    # lit=true: the answer does not depend on whether the sun has set meanwhile.
    query = f"{LOOP}&length=2000&lit=true"
    features = client.get(f"/api/routes/loop?{query}").get_json()["features"]
    response = client.get(f"/api/routes/loop.gpx?{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/gpx+xml"
    assert response.headers["Content-Disposition"] == 'attachment; filename="loops.gpx"'
    gpx = gpxpy.parse(response.get_data(as_text=True))
    assert gpx.version == "1.1"
    assert len(gpx.tracks) == len(features)
    for track, feature in zip(gpx.tracks, features):
        points = [(p.longitude, p.latitude) for p in track.segments[0].points]
        line = feature["geometry"]["coordinates"]
        assert len(points) == len(line)
        assert all(math.isclose(a, b, abs_tol=1e-6) for p, c in zip(points, line)
                   for a, b in zip(p, c))
        assert feature["properties"]["direction"] in track.description


def test_way_there_walks_forwards_to_the_venue(client: FlaskClient,
                                               document: dict[str, Any]) -> None:
    here = (60.1650, 24.9384)
    response = client.get(f"/api/routes/to?lat={here[0]}&lon={here[1]}&venue=way/2")
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    conforms(document, "RouteCollection", body)
    assert body["query"] == {"lat": here[0], "lon": here[1], "venue": "way/2"}
    [feature] = body["features"]
    props, line = feature["properties"], feature["geometry"]["coordinates"]
    assert props["kind"] == "way_to" and props["direction"] == "forwards"
    assert props["forward_stretches"] == [] and props["laps"] is None
    assert metres(line[0], here[::-1]) <= 300
    venue = client.get("/api/venues/way/2").get_json()["geometry"]
    outline = shape(venue)
    end = Point(line[-1])
    # Within 300 m of the venue's outline, as the end snaps to the graph (WGS84 → metres).
    nearest = outline.exterior.interpolate(outline.exterior.project(end)) \
        if not outline.contains(end) else end
    assert metres(line[-1], (nearest.x, nearest.y)) <= 300
    assert props["length_m"] >= metres(line[0], line[-1])


@pytest.mark.parametrize("query, message", [
    (f"{LOOP}&length=399", "length must be between 400 and 15,000 m, got 399"),
    (f"{LOOP}&length=15001", "length must be between 400 and 15,000 m, got 15001"),
    (f"{LOOP}&length=far", None),
    (f"{LOOP}&length=inf", None),
    (LOOP, None),
    (f"{LOOP}&length=1000&length=2000", "length given 2 times; give it once"),
    ("lat=91&lon=24.9&length=2000", None),
    (f"{LOOP}&length=2000&alternatives=0", "alternatives must be between 1 and 3, got 0"),
    (f"{LOOP}&length=2000&alternatives=4", "alternatives must be between 1 and 3, got 4"),
    (f"{LOOP}&length=2000&alternatives=1.5", None),
    (f"{LOOP}&length=2000&lit=yes", "lit must be true or false, got 'yes'"),
])
@pytest.mark.parametrize("path", ["/api/routes/loop", "/api/routes/loop.gpx"])
def test_bad_loop_requests_are_400(client: FlaskClient, path: str, query: str,
                                   message: str | None) -> None:
    assert_error(client.get(f"{path}?{query}"), 400, "bad_request", message)


@pytest.mark.parametrize("query, message", [
    (f"{LOOP}&venue=way/1x", "venue id must look like way/123, got 'way/1x'"),
    (LOOP, None),
    ("lat=60.17&venue=way/1", None),
])
def test_bad_way_there_requests_are_400(client: FlaskClient, query: str,
                                        message: str | None) -> None:
    assert_error(client.get(f"/api/routes/to?{query}"), 400, "bad_request", message)


def test_way_there_from_inside_the_venue_is_400(client: FlaskClient) -> None:
    venue = shape(client.get("/api/venues/way/2").get_json()["geometry"])
    inside = venue.representative_point()
    response = client.get(f"/api/routes/to?lat={inside.y}&lon={inside.x}&venue=way/2")
    body = assert_error(response, 400, "bad_request")
    assert "where you are" in body["message"]


@pytest.mark.parametrize("url, message", [
    ("/api/routes/loop?lat=0&lon=0&length=2000",
     "no walkable way within 300 m of 0.00000,0.00000"),
    ("/api/routes/loop.gpx?lat=-45&lon=170&length=2000",
     "no walkable way within 300 m of -45.00000,170.00000"),
    ("/api/routes/to?lat=0&lon=0&venue=way/2", "no walkable way within 300 m of 0.00000,0.00000"),
    (f"/api/routes/to?{LOOP}&venue=way/999999", None),
])
def test_nothing_there_is_404(client: FlaskClient, document: dict[str, Any], url: str,
                              message: str | None) -> None:
    response = client.get(url)
    assert_error(response, 404, "not_found", message)
    conforms(document, "Error", response.get_json())


@pytest.mark.parametrize("source, why", [
    ("venues.parquet", "venues.parquet holds venues only"),
    ("overpass", "not overpass"),
])
def test_a_source_without_ways_is_503(tmp_path: Path, source: str, why: str) -> None:
    app = create_app(web_settings(tmp_path, source=source), tiny_region())
    client = app.test_client()
    for url in (f"/api/routes/loop?{LOOP}&length=2000", f"/api/routes/loop.gpx?{LOOP}&length=2000",
                f"/api/routes/to?{LOOP}&venue=way/2"):
        body = assert_error(client.get(url), 503, "source_unavailable")
        assert why in body["message"]
    # Bad input is still bad input.
    assert_error(client.get(f"/api/routes/loop?{LOOP}&length=1"), 400, "bad_request")


def test_the_document_lists_the_routes(document: dict[str, Any]) -> None:
    for path, operation_id in [("/api/routes/loop", "findLoops"),
                               ("/api/routes/loop.gpx", "findLoopsGpx"),
                               ("/api/routes/to", "wayTo")]:
        item = document["paths"][path]["get"]
        assert item["operationId"] == operation_id
        assert {"400", "404", "503"} <= set(item["responses"])
    gpx = document["paths"]["/api/routes/loop.gpx"]["get"]["responses"]["200"]
    assert list(gpx["content"]) == ["application/gpx+xml"]
    length = next(p for p in document["paths"]["/api/routes/loop"]["get"]["parameters"]
                  if p["name"] == "length")
    assert length["required"] and (length["schema"]["minimum"],
                                   length["schema"]["maximum"]) == (400, 15000)


def test_open_hazard_reports_are_avoided_or_warned_of(tmp_path: Path, cache: Path) -> None:
    app = create_app(web_settings(tmp_path, cache_dir=cache), tiny_region())
    client = app.test_client()
    url = "/api/routes/to?lat=60.1650&lon=24.9384&venue=way/2"
    before = client.get(url).get_json()["features"][0]
    assert before["properties"]["reasons"]["hazards"] == "no open hazard reports on the way"
    line = before["geometry"]["coordinates"]
    lon, lat = line[len(line) // 2]
    report = client.post("/api/hazards", json={"kind": "glass", "severity": "high",
                                               "lat": lat, "lon": lon})
    assert report.status_code == 201, report.get_data(as_text=True)
    after = client.get(url).get_json()["features"][0]
    rerouted = after["geometry"]["coordinates"] != line
    warned = any(w.startswith("hazard: glass") for w in after["properties"]["warnings"])
    assert rerouted or warned


def test_the_graph_is_loaded_once_per_app(app: Flask) -> None:
    from venuefinder.web.state import GRAPH_KEY

    loader = app.extensions[GRAPH_KEY]
    assert loader.get() is loader.get()


def test_serving_loads_the_graph_at_start_up(tmp_path: Path, cache: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """An app that loads its region itself (serving) has its graph before any request."""
    import venuefinder.prepare
    import venuefinder.routes

    calls: list[Any] = []
    real = venuefinder.routes.load_or_build_graph
    monkeypatch.setattr(venuefinder.prepare, "prepare_region", lambda settings: tiny_region())
    monkeypatch.setattr(venuefinder.routes, "load_or_build_graph",
                        lambda *args: calls.append(args) or real(*args))
    create_app(web_settings(tmp_path, cache_dir=cache))
    assert len(calls) == 1
    create_app(web_settings(tmp_path, cache_dir=cache), tiny_region())
    assert len(calls) == 1  # a prepared region given: loaded on the first route request


def test_a_graph_that_fails_at_start_up_leaves_the_venues_serving(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import venuefinder.prepare

    monkeypatch.setattr(venuefinder.prepare, "prepare_region", lambda settings: tiny_region())
    app = create_app(web_settings(tmp_path, source=str(tmp_path / "gone.osm.pbf")))
    client = app.test_client()
    assert client.get("/api/venues").status_code == 200
    body = assert_error(client.get(f"/api/routes/loop?{LOOP}&length=2000"), 503,
                        "source_unavailable")
    assert "gone.osm.pbf" in body["message"]


@pytest.mark.parametrize("path", ["/api/routes/loop", "/api/routes/loop.gpx"])
def test_no_loop_is_404_naming_the_nearest_laps(client: FlaskClient, document: dict[str, Any],
                                                monkeypatch: pytest.MonkeyPatch,
                                                path: str) -> None:
    """Without a loop, the 404 names the nearest venues with laps: a region venue by its
    label, any other by the walking graph's."""
    from venuefinder import routes

    suggestions = [{"id": "way/1", "label": "Field", "distance": 420, "laps": 5},
                   {"id": "way/777", "label": "Running track", "distance": 900, "laps": 5}]

    def no_loop(*args: Any, **kwargs: Any) -> None:
        raise routes.NoLoopError("no closed loop of 2000 m (±10%) from 60.16990,24.93840: "
                                 "the paths there are too few", suggestions)

    monkeypatch.setattr(routes, "find_loops", no_loop)
    response = client.get(f"{path}?{LOOP}&length=2000")
    assert response.status_code == 404 and response.is_json
    body = response.get_json()
    assert set(body) == {"error", "message", "suggestions"}
    assert body["error"] == "not_found"
    region_label = client.get("/api/venues/way/1").get_json()["properties"]["label"]
    assert body["message"] == (
        "no closed loop of 2000 m (±10%) from 60.16990,24.93840: the paths there are too "
        f"few; laps near: {region_label} (way/1, 0.4 km away: 5 laps), Running track "
        "(way/777, 0.9 km away: 5 laps)")
    assert body["suggestions"] == [
        {"id": "way/1", "label": region_label, "distance": 420, "laps": 5},
        {"id": "way/777", "label": "Running track", "distance": 900, "laps": 5}]
    conforms(document, "NoLoopError", body)
    schema = document["paths"][path]["get"]["responses"]["404"]["content"][
        "application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/NoLoopError"}


def test_no_walkable_way_is_a_404_the_no_loop_schema_allows(
        client: FlaskClient, document: dict[str, Any]) -> None:
    response = client.get("/api/routes/loop?lat=0&lon=0&length=2000")
    conforms(document, "NoLoopError", response.get_json())


def _blocking_app(tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch,
                  **limits: Any) -> tuple[Flask, Any, Any]:
    """An app whose loop searches wait for *release* (set *started* when one runs)."""
    import threading

    from venuefinder.web import route_pool

    started, release = threading.Event(), threading.Event()

    def search(*args: Any) -> list:
        started.set()
        release.wait(10)
        return []

    monkeypatch.setattr(route_pool, "_search", search)
    app = create_app(web_settings(tmp_path, cache_dir=cache, route_workers=0, **limits),
                     tiny_region())
    return app, started, release


def _in_thread(app: Flask, address: str, query: str) -> Any:
    import threading

    answers: list[Any] = []
    thread = threading.Thread(target=lambda: answers.append(app.test_client().get(
        f"/api/routes/loop?{query}", environ_base={"REMOTE_ADDR": address})))
    thread.start()
    return thread, answers


def test_a_client_beyond_its_concurrent_route_searches_is_429(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app, started, release = _blocking_app(tmp_path, cache, monkeypatch,
                                          route_concurrency_per_client=1)
    thread, answers = _in_thread(app, "10.0.0.1", f"{LOOP}&length=2000")
    assert started.wait(10)
    try:
        refused = app.test_client().get(f"/api/routes/loop?{LOOP}&length=3000",
                                        environ_base={"REMOTE_ADDR": "10.0.0.1"})
        assert refused.status_code == 429 and refused.is_json
        assert refused.get_json()["error"] == "too_many_requests"
        assert int(refused.headers["Retry-After"]) > 0
    finally:
        release.set()
        thread.join(10)
    assert answers[0].status_code == 200


def test_a_full_route_queue_is_503_with_retry_after(
        tmp_path: Path, cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app, started, release = _blocking_app(tmp_path, cache, monkeypatch, route_queue=1)
    thread, answers = _in_thread(app, "10.0.0.1", f"{LOOP}&length=2000")
    assert started.wait(10)
    try:
        refused = app.test_client().get(f"/api/routes/loop?{LOOP}&length=3000",
                                        environ_base={"REMOTE_ADDR": "10.0.0.2"})
        assert refused.status_code == 503 and refused.is_json
        assert int(refused.headers["Retry-After"]) > 0
    finally:
        release.set()
        thread.join(10)
    assert answers[0].status_code == 200


def test_the_same_loop_request_is_answered_from_the_cache_in_a_pool_process(
        tmp_path: Path, cache: Path) -> None:
    """A real pool process (spawned, graph loaded from the cache) answers the first request;
    the same start (within ~10 m), length and options do not reach the pool again."""
    from venuefinder.web.routes_api import ROUTE_POOL_KEY

    app = create_app(web_settings(tmp_path, cache_dir=cache, route_workers=1),
                     tiny_region())
    pool = app.extensions[ROUTE_POOL_KEY]
    try:
        client = app.test_client()
        first = client.get(f"/api/routes/loop?{LOOP}&length=2000")
        assert first.status_code == 200 and first.get_json()["features"]
        near = f"lat={START[0] + 0.00002}&lon={START[1]}"
        second = client.get(f"/api/routes/loop?{near}&length=2000")
        assert second.status_code == 200
        assert second.get_json()["features"] == first.get_json()["features"]
        assert pool.searches == 1
        assert client.get(f"/api/routes/loop?{LOOP}&length=2500").status_code == 200
        assert pool.searches == 2
        at_sea = "lat=60.14&lon=24.99&length=2000"  # no way within 300 m: kept as well
        assert [client.get(f"/api/routes/loop?{at_sea}").status_code
                for _ in range(2)] == [404, 404]
        assert pool.searches == 3
    finally:
        pool.shutdown()
