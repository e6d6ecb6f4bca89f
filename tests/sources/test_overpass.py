"""fetch_region against a local server replaying real recorded Overpass answers.

The answers (tests/data/overpass_*.json) cover Vanha kirkkopuisto, Helsinki; every query
here is a 200 m "radius" around it, inside both of them.
"""

from __future__ import annotations

import math
import re
import socket
import time
from pathlib import Path

import numpy as np
import pytest
import shapely

from venuefinder import venues
from venuefinder.errors import InputError, SourceError
from venuefinder.sources import TAG_KEYS
from venuefinder.sources.overpass import _to_features, fetch_region
from venuefinder.vocabulary import GATE_BARRIERS, obstacle_categories

PARK = (60.1661, 24.9397)  # Vanha kirkkopuisto, way/28238099
RADIUS_M = 200.0


@pytest.fixture
def net_settings(replay_server, tmp_path: Path):
    return replay_server.settings(tmp_path / "cache")


def fetch(settings):
    return fetch_region(PARK[0], PARK[1], RADIUS_M, settings)


def test_features_frame_follows_the_sources_contract(replay_server, net_settings):
    data = fetch(net_settings)
    features = data.features

    assert list(features.columns) == ["id", *TAG_KEYS, "geometry"]
    assert features.crs == "EPSG:4326"
    assert features["id"].is_unique
    assert features["id"].str.fullmatch(r"(node|way|relation)/\d+").all()
    types = set(features.geometry.geom_type)
    assert types <= {"Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
    minx, miny, maxx, maxy = features.total_bounds  # degrees, not metres
    assert 24.9 < minx < maxx < 24.96 and 60.15 < miny < maxy < 60.18
    assert 0 < data.stats.features == len(features) <= data.stats.objects

    park = features.loc[features["id"] == "way/28238099"].iloc[0]
    assert park["name"] == "Vanha kirkkopuisto"
    assert park["leisure"] == "park"
    assert park.geometry.contains(shapely.Point(PARK[1], PARK[0]))

    roads = features.loc[features["highway"].notna()]
    assert {"primary", "residential", "tertiary"} <= set(roads["highway"])
    assert set(roads.geometry.geom_type) <= {"LineString", "MultiLineString"}
    assert "Bulevardi" in set(roads["name"])
    assert features["building"].notna().any()

    # Nodes that only carry a highway tag (crossings, signals) are not features, as in
    # read_extract: only named places and stations, obstacles (lamps, trees, benches),
    # entrances and gates are.
    nodes = features.loc[features["id"].str.startswith("node/")]
    assert len(nodes)
    placed = (nodes["name"].notna() & nodes[["place", "railway", "public_transport"]].notna()
              .any(axis=1)).to_numpy()
    assert (placed | (obstacle_categories(nodes, np.zeros(len(nodes), dtype=bool)) != "")
            | nodes["entrance"].notna().to_numpy()
            | nodes["barrier"].eq("gate").to_numpy()).all()


def test_two_queries_with_an_integer_timeout_after_reading_status(replay_server,
                                                                  net_settings):
    fetch(net_settings)
    venue_query, road_query = replay_server.posted()
    assert "'leisure'='park'" in venue_query and "highway" not in venue_query
    assert "'highway'" in road_query and "'building'" in road_query
    # Overpass rejects a fractional [timeout:...]; osmnx copies requests_timeout into it.
    assert venue_query.startswith("[out:json][timeout:5];")
    paths = [path for _, path, _ in replay_server.requests]
    assert paths.count("/api/status") >= 2  # our probe, then osmnx's rate limiter


def test_frame_mirrors_read_extract(net_settings, helsinki_path):
    """Same columns, objects, tags and shapes as the local-file reader on the same OSM data
    (the venue answer was made from the embedded extract)."""
    from osmnx.utils_geo import bbox_from_point

    from venuefinder.sources.osm_file import read_extract
    from venuefinder.sources.overpass import VENUE_TAGS

    live = fetch(net_settings).features
    local = read_extract(helsinki_path).features
    assert list(live.columns) == list(local.columns)
    assert live["leisure"].dtype == local["leisure"].dtype

    box = shapely.box(*bbox_from_point(PARK, RADIUS_M))

    def venue_tagged(frame):
        tagged = np.logical_or.reduce([frame[key].isin(values).to_numpy()
                                       for key, values in VENUE_TAGS.items()])
        return frame.loc[tagged & frame.intersects(box).to_numpy()].set_index("id")

    live, local = venue_tagged(live), venue_tagged(local)
    assert sorted(live.index) == sorted(local.index)
    assert {"way/28238099", "way/123911186", "way/28330071"} <= set(live.index)
    for osm_id in live.index:
        a, b = live.loc[osm_id], local.loc[osm_id]
        for key in TAG_KEYS:
            assert (a[key] == b[key]) or (a[key] != a[key] and b[key] != b[key]), key
        assert a.geometry.symmetric_difference(b.geometry).area < 1e-12


def test_venues_and_roads_come_out_of_it(net_settings):
    features = fetch(net_settings).features
    crs = venues.local_crs(features)
    found = venues.select_venues(features, net_settings, crs)
    assert "way/28238099" in set(found["id"])
    assert found.set_index("id").loc["way/28238099", "kind"] == "park"
    roads = venues.select_roads(features)
    assert len(roads) > 50 and roads["maxspeed_kmh"].notna().any()


def test_osmnx_settings_and_dns_are_left_as_found(net_settings):
    import osmnx as ox

    before = (ox.settings.overpass_url, ox.settings.requests_timeout, ox.settings.cache_folder,
              ox.settings.requests_kwargs, socket.getaddrinfo)
    fetch(net_settings)
    after = (ox.settings.overpass_url, ox.settings.requests_timeout, ox.settings.cache_folder,
             ox.settings.requests_kwargs, socket.getaddrinfo)
    assert after == before


def test_cached_answers_work_when_the_server_is_gone(replay_server, net_settings):
    first = fetch(net_settings)
    assert any((Path(net_settings.cache_dir) / "osmnx").glob("*.json"))
    replay_server.stop()
    started = time.monotonic()
    again = fetch(net_settings)
    assert time.monotonic() - started < 5  # no blind 60 s rate-limit pause
    assert list(again.features["id"]) == list(first.features["id"])


def test_nothing_matching_is_an_empty_result(replay_server, net_settings):
    replay_server.answer("/api/interpreter", 200, '{"version": 0.6, "elements": []}')
    data = fetch(net_settings)
    assert len(data.features) == 0
    assert list(data.features.columns) == ["id", *TAG_KEYS, "geometry"]
    assert data.stats.features == 0 and data.stats.objects == 0
    assert "found nothing" in data.stats.notes[0]


def test_unreachable_server_fails_fast(closed_port_url, tmp_path):
    from venuefinder.config import Settings

    settings = Settings(cache_dir=tmp_path, overpass_url=closed_port_url, http_timeout_s=5)
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        fetch(settings)
    assert time.monotonic() - started < 5  # osmnx alone would first sleep 60 s
    message = str(err.value)
    assert message.startswith(f"Overpass at {closed_port_url} is unreachable: ")
    assert "Connection refused" in message and "\n" not in message


GARBAGE = "<html><body>Internal error: out of coffee</body></html>"
REMARK = ('{"version": 0.6, "elements": [], "remark": "runtime error: Query timed out in '
          '\\"query\\" at line 1 after 5 seconds."}')


@pytest.mark.parametrize(("status", "body", "expected"), [
    (500, GARBAGE, "answered HTTP 500 Internal Server Error"),
    (200, GARBAGE, "answered something that is not Overpass JSON"),
    (200, "[1, 2, 3]", "answered something that is not Overpass JSON"),
    (200, '{"version": 0.6}', "answered JSON that is not an Overpass result"),
    (200, REMARK, 'could not complete the query: runtime error: Query timed out in "query"'),
    (429, "rate limited", "is busy (HTTP 429 Too Many Requests)"),
])
def test_bad_answers_are_source_errors(replay_server, net_settings, status, body, expected):
    replay_server.answer("/api/interpreter", status, body, content_type="text/html")
    replay_server.answer("/api/status", status, body, content_type="text/html")
    started = time.monotonic()
    with pytest.raises(SourceError, match=re.escape(expected)) as err:
        fetch(net_settings)
    assert time.monotonic() - started < 5  # neither the 60 s pause nor the 55 s retries
    assert str(err.value).startswith(f"Overpass at {replay_server.url}/api ")
    assert "\n" not in str(err.value)
    assert not any((Path(net_settings.cache_dir) / "osmnx").glob("*.json"))


def test_slow_server_times_out(replay_server, tmp_path):
    settings = replay_server.settings(tmp_path, http_timeout_s=1)
    replay_server.answer("/api/interpreter", 200, '{"elements": []}', delay_s=3)
    with pytest.raises(SourceError, match=r"did not answer within 1 s"):
        fetch(settings)


@pytest.mark.parametrize(("lat", "lon", "radius"), [
    (91.0, 24.9, 100.0), (60.0, 181.0, 100.0), (60.0, 24.9, 0.0), (60.0, 24.9, 20_001.0),
    (math.nan, 24.9, 100.0),
])
def test_bad_queries_are_input_errors(replay_server, net_settings, lat, lon, radius):
    with pytest.raises(InputError):
        fetch_region(lat, lon, radius, net_settings)
    assert replay_server.requests == []


def test_every_gate_the_file_reader_keeps_is_kept() -> None:
    """Gates are meeting points whatever their kind (the vocabulary's GATE_BARRIERS), from
    Overpass as from an extract; a barrier that is neither gate nor obstacle is not."""
    import geopandas as gpd
    import pandas as pd

    values = [*sorted(GATE_BARRIERS), "cattle_grid"]
    index = pd.MultiIndex.from_arrays([["node"] * len(values), range(1, len(values) + 1)],
                                      names=["element", "id"])
    raw = gpd.GeoDataFrame({"barrier": values},
                           geometry=[shapely.Point(24.94, 60.166)] * len(values),
                           index=index, crs="EPSG:4326")
    features, objects = _to_features([raw])
    assert objects == len(values)
    assert sorted(features["barrier"]) == sorted(GATE_BARRIERS)


def test_a_closed_track_that_is_also_a_footway_is_read_as_its_line() -> None:
    """As the file reader reads it: a ring (its lap), with every venue tag, hence a venue."""
    import geopandas as gpd
    import pandas as pd

    from venuefinder.config import Settings

    oval = shapely.Polygon([(24.95, 60.18), (24.952, 60.18), (24.952, 60.181), (24.95, 60.181)])
    index = pd.MultiIndex.from_arrays([["way", "way"], [52, 53]], names=["element", "id"])
    raw = gpd.GeoDataFrame({"leisure": ["track", "track"], "highway": ["footway", None],
                            "lanes": ["5", None], "surface": ["tartan", None]},
                           geometry=[oval, oval], index=index, crs="EPSG:4326")
    features, _ = _to_features([raw])
    found = features.set_index("id")
    assert found.loc["way/52"].geometry.geom_type == "LineString"
    assert found.loc["way/52"].geometry.is_closed
    assert found.loc["way/53"].geometry.geom_type == "Polygon"
    crs = venues.local_crs(features)
    chosen = venues.select_venues(features, Settings(), crs).set_index("id")
    assert chosen.loc["way/52", "lanes"] == "5" and chosen.loc["way/52", "kind"] == "track"
