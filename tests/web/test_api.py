"""The JSON API on the hand-made tiny region: contracts, defaults, filters, bad parameters."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from venuefinder.errors import InputError
from venuefinder.region import Region
from venuefinder.criteria import REGISTRY
from venuefinder.validate import (ECHO_CHARS, check_kinds, check_lat_lon, check_limit,
                                  check_radius, clip, parse_float, parse_int, parse_lat_lon)

from .regions import CENTER_LAT, CENTER_LON


def served(client: FlaskClient) -> Region:
    """The region the app serves: the fixture's, with the live criteria's defaults."""
    return client.application.extensions["venuefinder"]

NEAR = f"lat={CENTER_LAT}&lon={CENTER_LON}"


def ids(body: dict) -> list[str]:
    return [f["id"] for f in body["features"]]


def assert_error(response, status: int, code: str, message: str | None = None) -> dict:
    """A JSON error with this status and code (and this exact message when given)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"error", "message"}
    assert body["error"] == code
    assert body["message"]
    assert "Traceback" not in body["message"]
    if message is not None:
        assert body["message"] == message
    return body


def cli_message(func, *args) -> str:
    """The message the shared validator (and so the CLI) gives for these arguments."""
    with pytest.raises(InputError) as info:
        func(*args)
    return str(info.value)


# -- /api/venues --------------------------------------------------------------------------
def test_venues_is_a_feature_collection_best_first(client: FlaskClient) -> None:
    body = client.get(f"/api/venues?{NEAR}&radius=2000").get_json()
    assert body["type"] == "FeatureCollection"
    assert ids(body) == ["way/1", "relation/4", "way/3", "way/2"]  # 88, 77, 63, 42
    scores = [f["properties"]["score"] for f in body["features"]]
    assert scores == sorted(scores, reverse=True)
    first = body["features"][0]
    assert first["type"] == "Feature" and first["geometry"]["type"] == "Polygon"
    props = first["properties"]
    assert props["distance_m"] == 0.0  # the searched point is inside the pitch
    # Every criterion, the live hazards one included: the app has a store.
    assert set(props["scores"]) == set(props["reasons"]) == set(props["evidence"]) \
            == {c.name for c in REGISTRY}
    assert body["query"] == {"lat": CENTER_LAT, "lon": CENTER_LON, "radius_m": 2000.0,
                             "limit": 20, "min_score": None, "kinds": None,
                             "min_confidence": None}


def test_venues_features_are_the_shared_serializer_s(client: FlaskClient,
                                                     region: Region) -> None:
    """Same features as Region.near, which the CLI's ``--format geojson`` prints."""
    body = client.get(f"/api/venues?{NEAR}&radius=3000&limit=3").get_json()
    expected = served(client).near(CENTER_LAT, CENTER_LON, 3000, 3)
    assert body["features"] == expected["features"]
    # The serializer's key order is kept (no alphabetical re-sorting by the JSON provider).
    raw = client.get(f"/api/venues?{NEAR}&limit=1").get_data(as_text=True)
    assert raw.index('"id"') < raw.index('"name"') < raw.index('"kind"') < raw.index('"score"')


def test_venues_default_to_region_centre_only_when_both_absent(client: FlaskClient,
                                                               region: Region) -> None:
    body = client.get("/api/venues").get_json()
    assert (body["query"]["lat"], body["query"]["lon"]) == region.center
    assert body["query"]["radius_m"] == 2000.0  # settings.default_radius_m
    for only_one in ("lat=60.17", "lon=24.94"):
        assert_error(client.get(f"/api/venues?{only_one}"), 400, "bad_request",
                     "give both lat and lon, or neither (the region's centre)")


def test_venues_radius_limit_min_score(client: FlaskClient) -> None:
    assert ids(client.get(f"/api/venues?{NEAR}&radius=100").get_json()) == ["way/1"]
    assert ids(client.get(f"/api/venues?{NEAR}&radius=20000").get_json())[-1] == "way/2"
    assert len(client.get(f"/api/venues?{NEAR}&radius=20000").get_json()["features"]) == 5
    assert ids(client.get(f"/api/venues?{NEAR}&radius=20000&limit=2").get_json()) == [
        "way/1", "relation/4"]
    assert ids(client.get(f"/api/venues?{NEAR}&radius=20000&min_score=63").get_json()) == [
        "way/1", "relation/4", "way/3"]
    assert ids(client.get(f"/api/venues?{NEAR}&radius=20000&min_score=100").get_json()) == []


@pytest.mark.parametrize("kinds, expected", [
    ("kind=park", ["way/2"]),
    ("kind=park&kind=pitch", ["way/1", "way/2"]),
    ("kind=park,pitch", ["way/1", "way/2"]),
    ("kind=park,%20track&kind=grass", ["relation/4", "way/3", "way/2"]),
])
def test_venues_kind_repeats_or_commas(client: FlaskClient, kinds: str,
                                       expected: list[str]) -> None:
    body = client.get(f"/api/venues?{NEAR}&radius=20000&{kinds}").get_json()
    assert ids(body) == expected


@pytest.mark.parametrize("point", ["lat=-33.9&lon=18.4", "lat=0&lon=111", "lat=60.17&lon=-155",
                                   "lat=-90&lon=180"])
def test_venues_point_far_away_is_empty_not_an_error(client: FlaskClient, point: str) -> None:
    """Even where the region's UTM zone cannot place the point (the other side of the
    globe): no venue is near it, which is an answer, not a bad request."""
    response = client.get(f"/api/venues?{point}&radius=20000")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["features"] == [] and body["query"]["radius_m"] == 20000.0


def test_venues_from_outside_the_region_s_box_are_found(client: FlaskClient) -> None:
    """Skipping far points must not skip near ones: 4 km north of the region's box."""
    body = client.get(f"/api/venues?lat={CENTER_LAT + 0.04}&lon={CENTER_LON}&radius=5000")
    assert ids(body.get_json()) == ["way/1", "way/3", "way/2"]  # 4.4 to 4.5 km away


#: (query string, the message the shared validator gives) — the API must say the same.
BAD_VENUE_QUERIES = [
    ("lat=91&lon=24.9", cli_message(check_lat_lon, 91.0, 24.9)),
    ("lat=-90.5&lon=24.9", cli_message(check_lat_lon, -90.5, 24.9)),
    ("lat=60&lon=181", cli_message(check_lat_lon, 60.0, 181.0)),
    ("lat=60&lon=-180.01", cli_message(check_lat_lon, 60.0, -180.01)),
    ("lat=nan&lon=24.9", cli_message(parse_float, "nan", "latitude")),
    ("lat=60&lon=inf", cli_message(parse_float, "inf", "longitude")),
    ("lat=60&lon=-Infinity", cli_message(parse_float, "-Infinity", "longitude")),
    ("lat=1e400&lon=24", cli_message(parse_float, "1e400", "latitude")),
    ("lat=abc&lon=24.9", cli_message(parse_float, "abc", "latitude")),
    ("lat=&lon=24.9", cli_message(parse_float, "", "latitude")),
    ("lat=60,1&lon=24.9", cli_message(parse_float, "60,1", "latitude")),
    ("lat=0x10&lon=24.9", cli_message(parse_float, "0x10", "latitude")),
    (f"{NEAR}&radius=0", cli_message(check_radius, 0.0, 20_000.0)),
    (f"{NEAR}&radius=-5", cli_message(check_radius, -5.0, 20_000.0)),
    (f"{NEAR}&radius=20001", cli_message(check_radius, 20_001.0, 20_000.0)),
    (f"{NEAR}&radius=nan", cli_message(parse_float, "nan", "radius")),
    (f"{NEAR}&radius=far", cli_message(parse_float, "far", "radius")),
    (f"{NEAR}&limit=0", cli_message(check_limit, 0, 500)),
    (f"{NEAR}&limit=501", cli_message(check_limit, 501, 500)),
    (f"{NEAR}&limit=-1", cli_message(check_limit, -1, 500)),
    (f"{NEAR}&limit=2.5", "limit must be a whole number, got '2.5'"),
    (f"{NEAR}&limit=ten", "limit must be a whole number, got 'ten'"),
    (f"{NEAR}&limit=99999999999999999999", None),
    (f"{NEAR}&min_score=101", "min_score must be between 0 and 100, got 101"),
    (f"{NEAR}&min_score=-1", "min_score must be between 0 and 100, got -1"),
    (f"{NEAR}&min_score=high", None),
    (f"{NEAR}&kind=volcano", None),
    (f"{NEAR}&kind=park,volcano", None),
    ("lat=60.17&lat=60.18&lon=24.94", "lat given 2 times; give it once"),
    (f"{NEAR}&radius=100&radius=200", "radius given 2 times; give it once"),
    ("lat=%00&lon=24.9", None),
    ("lat=%F0%9F%8F%83&lon=24.9", None),
    ("lat=" + "9" * 3000 + "&lon=1", cli_message(parse_float, "9" * 3000, "latitude")),
    # Only plain ASCII decimals: float() and int() would read all of these.
    ("lat=%D9%A1%D9%A2&lon=24.9", cli_message(parse_float, "١٢", "latitude")),  # Arabic-Indic
    ("lat=%EF%BC%96%EF%BC%90&lon=24.9", cli_message(parse_float, "６０", "latitude")),  # full-width
    ("lat=6_0.17&lon=24.9", "latitude must be a number, got '6_0.17'"),
    ("lat=%2B60&lon=24.9", "latitude must be a number, got '+60'"),
    ("lat=%2060&lon=24.9", "latitude must be a number, got ' 60'"),
    ("lat=60.&lon=24.9", "latitude must be a number, got '60.'"),
    ("lat=.5&lon=24.9", "latitude must be a number, got '.5'"),
    (f"{NEAR}&radius=1_000", "radius must be a number, got '1_000'"),
    (f"{NEAR}&min_score=%EF%BC%95%EF%BC%90", "min_score must be a number, got '５０'"),
    (f"{NEAR}&min_confidence=1e999", "min_confidence must be a finite number, got '1e999'"),
    (f"{NEAR}&limit=%D9%A5", "limit must be a whole number, got '٥'"),
    (f"{NEAR}&limit=1_0", "limit must be a whole number, got '1_0'"),
    (f"{NEAR}&limit=%2B5", "limit must be a whole number, got '+5'"),
    (f"{NEAR}&limit=%205", "limit must be a whole number, got ' 5'"),
    (f"{NEAR}&limit=5.0", "limit must be a whole number, got '5.0'"),
    # An empty kind is a client's bug, not "every kind" (the document says so too).
    (f"{NEAR}&kind=", "kind must not be empty"),
    (f"{NEAR}&kind=park,", "kind must not be empty"),
    (f"{NEAR}&kind=park&kind=", "kind must not be empty"),
    (f"{NEAR}&kind=park,%09track", None),  # only spaces are dropped around a kind
]


@pytest.mark.parametrize("query, message", BAD_VENUE_QUERIES,
                         ids=[q[:40] for q, _ in BAD_VENUE_QUERIES])
def test_venues_bad_parameters_are_400_with_the_cli_s_message(client: FlaskClient, query: str,
                                                              message: str | None) -> None:
    body = assert_error(client.get(f"/api/venues?{query}"), 400, "bad_request", message)
    if "kind" in query and "volcano" in query:
        assert "unknown kind volcano" in body["message"]


def test_unknown_kind_names_the_known_ones(client: FlaskClient, region: Region) -> None:
    body = client.get(f"/api/venues?{NEAR}&kind=volcano").get_json()
    for kind in region.kinds:
        assert kind in body["message"]


# -- /api/venues/<id> ---------------------------------------------------------------------
def test_one_venue_by_id(client: FlaskClient, region: Region) -> None:
    for vid in ("way/1", "relation/4"):
        response = client.get(f"/api/venues/{vid}")
        assert response.status_code == 200
        body = response.get_json()
        assert body == served(client).venue(vid)
        assert body["type"] == "Feature" and body["id"] == vid
        assert body["properties"]["distance_m"] is None
    unnamed = client.get("/api/venues/relation/4").get_json()["properties"]
    assert unnamed["name"] is None and unnamed["osm_url"].endswith("/relation/4")


@pytest.mark.parametrize("vid", ["way/999", "node/1", "relation/1"])
def test_unknown_venue_is_404(client: FlaskClient, vid: str) -> None:
    assert_error(client.get(f"/api/venues/{vid}"), 404, "not_found",
                 f"no venue {vid} in this region")


@pytest.mark.parametrize("vid", ["way", "way/abc", "street/1", "way/1/2", "way/1%20", "..%2F1"])
def test_malformed_venue_id_is_400(client: FlaskClient, vid: str) -> None:
    body = assert_error(client.get(f"/api/venues/{vid}"), 400, "bad_request")
    assert "venue id must look like way/123" in body["message"]


# -- /api/places --------------------------------------------------------------------------
def test_places_offline(client: FlaskClient) -> None:
    body = client.get("/api/places?q=kai").get_json()
    assert body["source"] == "region" and body["query"] == "kai"
    assert [p["name"] for p in body["places"]] == ["Kaivokatu", "Kaivopuisto"]
    place = body["places"][1]
    assert set(place) == {"name", "kind", "lat", "lon"}
    assert (place["lat"], place["lon"]) == (CENTER_LAT, CENTER_LON)
    assert len(client.get("/api/places?q=ka&limit=2").get_json()["places"]) == 2
    assert client.get("/api/places?q=zzz").get_json() == {"query": "zzz", "source": "region",
                                                           "places": []}


@pytest.mark.parametrize("query, message", [
    ("", "q is required: a place name to look for (part of it, any case)"),
    ("q=", "q must not be empty"),
    ("q=%20%20", "q must not be empty"),
    ("q=%E3%80%80", "q must not be empty"),  # an ideographic space is a space too
    ("q=" + "a" * 201, "q is longer than 200 characters"),
    ("q=%20%20" + "a" * 199, "q is longer than 200 characters"),  # as sent, not stripped
    ("q=a%00b", "q must not contain control characters"),
    ("q=a&q=b", "q given 2 times; give it once"),
    ("q=ka&limit=0", "limit must be between 1 and 50, got 0"),
    ("q=ka&limit=51", "limit must be between 1 and 50, got 51"),
    ("q=ka&limit=x", "limit must be a whole number, got 'x'"),
    ("q=ka&limit=%EF%BC%95", "limit must be a whole number, got '５'"),
])
def test_places_bad_parameters(client: FlaskClient, query: str, message: str) -> None:
    assert_error(client.get(f"/api/places?{query}"), 400, "bad_request", message)


def test_places_asks_nominatim_only_when_configured_and_nothing_found(
        make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    import venuefinder.sources.geocode as geocode_module

    calls: list[str] = []

    def fake_geocode(query, settings, limit=10):
        calls.append(query)
        assert settings.nominatim_url == "http://127.0.0.1:9/nominatim"
        return [{"name": "Faraway", "kind": "city", "lat": 1.0, "lon": 2.0}] * 20

    monkeypatch.setattr(geocode_module, "geocode", fake_geocode)
    offline = make_app().test_client()
    assert offline.get("/api/places?q=zzz").get_json()["places"] == []
    assert calls == []  # no nominatim_url: never asked

    online = make_app(nominatim_url="http://127.0.0.1:9/nominatim").test_client()
    assert online.get("/api/places?q=kai").get_json()["source"] == "region"
    assert calls == []  # found offline: not asked
    body = online.get("/api/places?q=faraway&limit=3").get_json()
    assert calls == ["faraway"]
    assert body["source"] == "nominatim" and len(body["places"]) == 3


def test_places_geocoder_failure_is_503(make_app, monkeypatch: pytest.MonkeyPatch) -> None:
    import venuefinder.sources.geocode as geocode_module
    from venuefinder.errors import SourceError

    def down(query, settings, limit=10):
        raise SourceError("Nominatim at http://127.0.0.1:9 is unreachable")

    monkeypatch.setattr(geocode_module, "geocode", down)
    client = make_app(nominatim_url="http://127.0.0.1:9").test_client()
    assert_error(client.get("/api/places?q=nowhere"), 503, "source_unavailable",
                 "Nominatim at http://127.0.0.1:9 is unreachable")


# -- /api/basemap -------------------------------------------------------------------------
def test_basemap_one_feature_per_layer(client: FlaskClient) -> None:
    body = client.get("/api/basemap?bbox=24.9,60.15,25.0,60.2").get_json()
    assert body["type"] == "FeatureCollection" and body["truncated"] is False
    layers = [f["properties"]["layer"] for f in body["features"]]
    assert layers == ["green", "water", "building", "path", "road"]  # drawing order
    for item in body["features"]:
        assert item["geometry"]["type"] == "GeometryCollection"
        assert item["properties"]["count"] == 1
    road = body["features"][-1]["geometry"]["geometries"][0]
    for lon, lat in road["coordinates"]:  # rounded to the 1e-5 degree grid
        assert round(lon, 5) == lon and round(lat, 5) == lat


def test_basemap_outside_and_without_basemap(client: FlaskClient, make_app,
                                             region: Region) -> None:
    assert client.get("/api/basemap?bbox=10,10,10.1,10.1").get_json()["features"] == []
    bare = Region(venues=region.venues, places=region.places, basemap=None, crs=region.crs)
    body = make_app(bare).test_client().get("/api/basemap?bbox=24.9,60.15,25.0,60.2").get_json()
    assert body["features"] == [] and body["truncated"] is False


@pytest.mark.parametrize("query, message", [
    ("", "bbox is required: west,south,east,north in degrees (west < east, south < north; "
         "at most 0.5 wide and high)"),
    ("bbox=", "bbox must not be empty: west,south,east,north in degrees"),
    ("bbox=1,2,3", "bbox must be west,south,east,north, got '1,2,3'"),
    ("bbox=1,2,3,4,5", "bbox must be west,south,east,north, got '1,2,3,4,5'"),
    ("bbox=,,,", "west must be a number, got ''"),
    ("bbox=a,2,3,4", "west must be a number, got 'a'"),
    ("bbox=1,2,3,nan", cli_message(parse_float, "nan", "north")),
    ("bbox=24.9,60.1,25,%D9%A6%D9%A0.2", cli_message(parse_float, "٦٠.2", "north")),
    ("bbox=24.9,60.1,25,60.2&bbox=24.9,60.1,25,60.2", "bbox given 2 times; give it once"),
    ("bbox=24.9,91,25,92", "latitude 91.0 is outside -90..90"),
    ("bbox=-181,60,-180.5,60.1", "longitude -181.0 is outside -180..180"),
    ("bbox=25,60,24.9,60.1", "bbox must have west < east and south < north"),
    ("bbox=24.9,60.1,24.9,60.2", "bbox must have west < east and south < north"),
    ("bbox=24,60,25,60.1", "bbox is wider than 0.5 degrees; zoom in"),
])
def test_basemap_bad_bbox(client: FlaskClient, query: str, message: str) -> None:
    assert_error(client.get(f"/api/basemap?{query}"), 400, "bad_request", message)


def test_nothing_returns_nan(client: FlaskClient) -> None:
    """Strict JSON: NaN would break browsers' JSON.parse."""
    for url in (f"/api/venues?{NEAR}&radius=20000", "/api/venues/relation/4",
                "/api/places?q=ka", "/api/basemap?bbox=24.9,60.15,25.0,60.2"):
        text = client.get(url).get_data(as_text=True)
        assert "NaN" not in text and "Infinity" not in text, url


# -- what messages quote of the request -----------------------------------------------------
LONG = "x" * 3000


@pytest.mark.parametrize("url", [
    f"/api/venues?{NEAR}&kind={LONG}",
    f"/api/venues?{NEAR}&kind=park,{LONG[:1500]},{LONG[:1500]}y",
    f"/api/venues?lat={LONG}&lon=24.9",
    f"/api/venues?{NEAR}&limit={LONG}",
    f"/api/venues?{NEAR}&limit={'9' * 3000}",
    f"/api/venues/way/{LONG}",
    f"/api/basemap?bbox={LONG[:1500]},{LONG[:1500]}",
    f"/api/basemap?bbox=1,2,3,{LONG}",
])
def test_messages_quote_at_most_a_clip_of_the_input(client: FlaskClient, url: str) -> None:
    body = assert_error(client.get(url), 400, "bad_request")
    assert "x" * (ECHO_CHARS + 1) not in body["message"] and "9" * (ECHO_CHARS + 1) not in \
        body["message"]
    assert "…" in body["message"]
    assert len(body["message"]) < 300


@pytest.mark.parametrize("call", [
    lambda text: parse_float(text, "latitude"),
    lambda text: parse_int(text, "limit"),
    lambda text: parse_lat_lon(text),
    lambda text: check_kinds([text], ["park"]),
    lambda text: check_limit(int("9" * 1000), 500),
])
def test_shared_validators_clip_what_they_quote(call) -> None:
    """60 KB in, a sentence out: the CLI shares these messages."""
    with pytest.raises(InputError) as info:
        call("x" * 60_000)
    assert len(str(info.value)) < 200 and str(info.value).count("…") == 1


def test_clip() -> None:
    assert clip("short") == "short"
    assert clip("y" * ECHO_CHARS) == "y" * ECHO_CHARS
    assert clip("y" * (ECHO_CHARS + 1)) == "y" * ECHO_CHARS + "…"


@pytest.mark.parametrize("text, value", [("60.17", 60.17), ("-5", -5.0), ("0", 0.0),
                                         ("1e-05", 1e-05), ("1E+21", 1e21), ("-0.0", 0.0),
                                         ("007", 7.0)])
def test_plain_numbers_parse(text: str, value: float) -> None:
    assert parse_float(text, "x") == value


@pytest.mark.parametrize("text", ["١٢", "６０", "6_0.17", "+5", " 5", "5 ", "5.", ".5", "0x10",
                                  "1e", "1e+", "--1", "", "٣.٥",
                                  "𝟓", "5\n"])
def test_other_number_forms_are_refused(text: str) -> None:
    with pytest.raises(InputError, match="must be a number"):
        parse_float(text, "x")
    with pytest.raises(InputError, match="must be a whole number"):
        parse_int(text, "x")


def test_whole_numbers() -> None:
    assert parse_int("-12", "limit") == -12 and parse_int("0042", "limit") == 42
    for text in ("2.5", "1e3", "9" * 19):
        with pytest.raises(InputError, match="whole number"):
            parse_int(text, "limit")


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-Infinity", "+inf"])
def test_not_finite_numbers_are_named_so(text: str) -> None:
    with pytest.raises(InputError, match="must be a finite number"):
        parse_float(text, "x")
