"""The walking graph's reader: ways with node ids, from an extract and from Overpass."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from venuefinder.errors import SourceError
from venuefinder.sources.walkways import fetch_walkways, read_walkways, walkways_from_osmnx

# Nodes 97-99 are "outside the file".
CLIPPED_OSM = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6" generator="hand">
  <node id="1" lat="60.1700" lon="24.9400" version="1"/>
  <node id="2" lat="60.1700" lon="24.9410" version="1"/>
  <node id="3" lat="60.1700" lon="24.9420" version="1">
    <tag k="highway" v="crossing"/><tag k="crossing" v="traffic_signals"/>
  </node>
  <node id="4" lat="60.1700" lon="24.9430" version="1"/>
  <node id="5" lat="60.1710" lon="24.9400" version="1"/>
  <node id="6" lat="60.1710" lon="24.9420" version="1"/>
  <node id="7" lat="60.1720" lon="24.9420" version="1"/>
  <node id="8" lat="60.1720" lon="24.9400" version="1"/>
  <node id="9" lat="60.1690" lon="24.9420" version="1">
    <tag k="highway" v="crossing"/><tag k="crossing" v="uncontrolled"/>
  </node>
  <way id="11" version="1">
    <nd ref="99"/><nd ref="1"/><nd ref="2"/><nd ref="98"/><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="footway"/><tag k="surface" v="asphalt"/><tag k="lit" v="yes"/>
  </way>
  <way id="12" version="1">
    <nd ref="98"/><nd ref="97"/><tag k="highway" v="residential"/>
  </way>
  <way id="13" version="1">
    <nd ref="9"/><nd ref="3"/><nd ref="6"/>
    <tag k="highway" v="primary"/><tag k="name" v="Runeberginkatu"/>
  </way>
  <way id="14" version="1">
    <nd ref="5"/><nd ref="6"/><nd ref="7"/><nd ref="8"/><nd ref="5"/>
    <tag k="leisure" v="track"/><tag k="surface" v="tartan"/>
  </way>
  <way id="15" version="1">
    <nd ref="5"/><nd ref="6"/><nd ref="99"/><nd ref="5"/><tag k="leisure" v="track"/>
  </way>
  <way id="16" version="1">
    <nd ref="1"/><nd ref="5"/><nd ref="8"/><nd ref="1"/>
    <tag k="leisure" v="pitch"/><tag k="sport" v="soccer"/>
  </way>
  <way id="17" version="1">
    <nd ref="1"/><nd ref="4"/><tag k="highway" v="platform"/>
  </way>
  <way id="18" version="1">
    <nd ref="2"/><nd ref="6"/><tag k="leisure" v="pitch"/>
  </way>
</osm>
"""


@pytest.fixture
def clipped(tmp_path: Path) -> Path:
    path = tmp_path / "clipped.osm"
    path.write_text(CLIPPED_OSM)
    return path


def runs(walkways) -> dict[int, list[list[int]]]:
    out: dict[int, list[list[int]]] = {}
    for row in walkways.ways.itertuples():
        out.setdefault(row.way_id, []).append(walkways.node_ids[row.start:row.stop].tolist())
    return out


def test_clipped_ways_keep_their_runs_with_node_ids(clipped):
    walkways = read_walkways(clipped)
    assert runs(walkways) == {11: [[1, 2], [3, 4]], 13: [[9, 3, 6]], 14: [[5, 6, 7, 8, 5]],
                              16: [[1, 5, 8, 1]]}
    roles = walkways.ways.groupby("way_id")["role"].first().to_dict()
    assert roles == {11: "path", 13: "road", 14: "track", 16: "field"}
    # Way 11 trimmed; way 12 (no node inside) and the cut ring 15 dropped; all counted.
    assert walkways.stats.repaired_ways == 1
    assert walkways.stats.dropped_ways == 2
    footway = walkways.ways.loc[walkways.ways["way_id"] == 11].iloc[0]
    assert (footway["surface"], footway["lit"], footway["highway"]) == ("asphalt", "yes",
                                                                        "footway")
    first = walkways.ways.iloc[0]
    assert walkways.lat[first["start"]] == pytest.approx(60.17)
    assert walkways.lon[first["start"]] == pytest.approx(24.94)
    assert dict(zip(walkways.crossings["node_id"], walkways.crossings["signalled"])) == {
        3: True, 9: False}


def test_osmnx_alone_cannot_read_a_clipped_extract(clipped):
    """Why this reader exists: osmnx's own XML reader refuses ways with missing nodes."""
    import osmnx as ox

    with pytest.raises(ValueError, match="missing nodes"):
        ox.graph_from_xml(clipped, retain_all=True)
    assert len(read_walkways(clipped).ways) == 5


@pytest.mark.parametrize("name, content, message", [
    ("missing.osm.pbf", None, "not found"),
    ("corrupt.osm.pbf", b"\x00\x00\x00\x0ethis is not a pbf at all" * 10, "cannot read"),
    ("nothing.osm", b"<?xml version='1.0'?><osm version='0.6'></osm>", "no paths, roads"),
])
def test_unreadable_sources_raise_source_error(tmp_path: Path, name, content, message):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(SourceError, match=message):
        read_walkways(path)


def test_embedded_helsinki_extract(helsinki_path: Path):
    walkways = read_walkways(helsinki_path)
    ways = walkways.ways
    assert set(ways["role"]) == {"path", "road", "field"}
    assert ((ways["stop"] - ways["start"]) >= 2).all()
    assert walkways.stats.dropped_ways > 0 and walkways.stats.repaired_ways > 0
    assert 24.93 < walkways.lon.min() < walkways.lon.max() < 24.96
    # Footways meet roads at shared nodes: the crossings a graph needs.
    role = np.repeat(ways["role"].to_numpy(), (ways["stop"] - ways["start"]).to_numpy())
    shared = np.intersect1d(walkways.node_ids[role == "road"], walkways.node_ids[role == "path"])
    assert len(shared) > 200
    assert walkways.crossings["signalled"].any()


def osmnx_like_graph() -> nx.MultiDiGraph:
    """An unsimplified osmnx graph: segments forwards, and backwards on two-way ways."""
    graph = nx.MultiDiGraph()
    for node, (x, y) in {1: (24.940, 60.170), 2: (24.941, 60.170), 3: (24.942, 60.170),
                         4: (24.942, 60.171), 5: (24.941, 60.171)}.items():
        graph.add_node(node, x=x, y=y)
    graph.nodes[2]["highway"] = "crossing"
    graph.nodes[2]["crossing"] = "traffic_signals"
    for u, v in ((3, 2), (2, 1)):  # drawn 3 → 2 → 1, stored out of order
        graph.add_edge(u, v, osmid=21, highway="footway", surface="gravel", reversed=False)
        graph.add_edge(v, u, osmid=21, highway="footway", surface="gravel", reversed=True)
    for u, v in ((2, 5), (5, 4), (4, 3), (3, 2)):  # a closed pitch, one way only
        graph.add_edge(u, v, osmid=22, leisure="pitch", reversed=False)
    graph.add_edge(1, 5, osmid=23, highway="primary", name=["A", "B"], reversed=False)
    graph.add_edge(1, 4, osmid=24, highway="bus_stop", reversed=False)
    return graph


def test_osmnx_graph_becomes_the_same_structure():
    walkways = walkways_from_osmnx(osmnx_like_graph())
    assert runs(walkways) == {21: [[3, 2, 1]], 22: [[2, 5, 4, 3, 2]], 23: [[1, 5]]}
    roles = walkways.ways.set_index("way_id")["role"].to_dict()
    assert roles == {21: "path", 22: "field", 23: "road"}
    assert walkways.ways.set_index("way_id").loc[23, "name"] == "A;B"
    row = walkways.ways.set_index("way_id").loc[21]
    assert walkways.lon[row["start"]] == pytest.approx(24.942)
    assert dict(zip(walkways.crossings["node_id"], walkways.crossings["signalled"])) == {
        2: True}


def test_fetch_walkways_from_a_recorded_overpass_answer(replay_server, tmp_path):
    """Every highway way of a real recorded answer comes back with its nodes in order."""
    recorded = json.loads((Path(__file__).parents[1] / "data" / "overpass_roads.json")
                          .read_text())
    replay_server.answer("/api/interpreter", 200, json.dumps(recorded))
    walkways = fetch_walkways(60.1661, 24.9397, 2000, replay_server.settings(tmp_path))
    got = runs(walkways)
    expected = {w["id"]: w["nodes"] for w in recorded["elements"]
                if w["type"] == "way" and "highway" in w.get("tags", {})}
    assert set(got) == set(expected)
    assert all(got[way_id] == [nodes] for way_id, nodes in expected.items())
    roles = walkways.ways.groupby("way_id")["role"].first()
    assert {"road", "path"} == set(roles)
    primary = walkways.ways.loc[walkways.ways["highway"] == "primary"]
    assert "Mannerheimintie" in set(primary["name"])
    queries = replay_server.posted()
    assert len(queries) == 2 and '["leisure"~"^(pitch|track)$"]' in queries[1]


def test_fetch_walkways_with_nothing_there_is_a_source_error(replay_server, tmp_path):
    replay_server.answer("/api/interpreter", 200, '{"version": 0.6, "elements": []}')
    with pytest.raises(SourceError, match="found no walkable way within 300 m"):
        fetch_walkways(60.1661, 24.9397, 300, replay_server.settings(tmp_path))


def test_routes_on_an_overpass_graph(replay_server, tmp_path):
    """`--source overpass`: the graph from the recorded answer routes the way there."""
    from venuefinder.routes import graph_for, way_to

    replay_server.answer("/api/interpreter", 200,
                         (Path(__file__).parents[1] / "data" / "overpass_roads.json").read_text())
    settings = replay_server.settings(tmp_path, source="overpass")
    graph = graph_for(settings, 60.1661, 24.9397, 1000)
    assert graph.info["source"] == "Overpass" and len(graph.edges) > 300
    route = way_to(graph, 60.1650, 24.9380, 60.1675, 24.9420)
    assert 250 < route.length_m < 900
    assert route.direction == "forwards"


def test_routes_need_ways_not_an_ingested_file(tmp_path):
    from venuefinder.config import Settings
    from venuefinder.errors import InputError
    from venuefinder.routes import graph_for

    settings = Settings(cache_dir=tmp_path, source=str(tmp_path / "venues.parquet"))
    with pytest.raises(InputError, match="routes need an OSM extract or overpass"):
        graph_for(settings, 60.17, 24.94, 1000)
