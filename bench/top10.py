"""The region review: what a running coach would read first, on real extracts.

For the embedded Helsinki extract and, from ../shared (skipped when absent), Andorra and
North Bayreuth, each prepared as `venuefinder venues` prepares it (cached under
.cache/bench/regions):

1. the top 10 around a few centres (the region's middle and its two busiest 2 km cells),
   with label, score, confidence and the reasons;
2. the real running tracks the extract holds, found here from the raw tags with a rule of
   this review's own (``leisure=track`` with no sport, for running or athletics, or with a
   synthetic surface; not a jump runway; at least 100 m round or long), how many are venues,
   and how many of those that nothing vetoes (no criterion below 50) rank first among the
   venues within 1.5 km of them;
3. how many top-10 entries are buildings, courts, farm meadows or strips (under 10 m wide);
4. loops from each real track and from the centres: crossings per km of the best loop, and
   how often laps of the track itself are among the answers from a track.

    .venv/bin/python bench/top10.py [--limit 10] [--dem PATH|auto] [--loop-m 2000]

Prints figures and tables; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import osmium
import shapely
from pyproj import Transformer
from shapely.geometry import shape

from venuefinder.cli.commands import format_table
from venuefinder.config import Settings, embedded_extract
from venuefinder.errors import VenuefinderError
from venuefinder.prepare import prepare_region
from venuefinder.region import Region
from venuefinder.routes import (
    find_loops,
    load_or_build_graph,
    routes_feature_collection,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "osm"
#: This review's own oracle of a running track (independent of the product's vocabulary).
RUNNING_SPORTS = {"running", "athletics", "multi"}
SYNTHETIC = {"tartan", "synthetic", "rubber", "acrylic", "pu", "polyurethane", "tartan;grass"}
JUMPS = {"long_jump", "triple_jump", "high_jump", "pole_vault"}
COURT_SPORTS = {"tennis", "basketball", "streetball", "volleyball", "beach_volleyball",
                "badminton", "padel", "netball", "table_tennis", "squash", "handball"}
FIRST_WITHIN_M = 1500.0
MIN_TRACK_M = 100.0
STRIP_WIDTH_M = 10.0


@dataclass
class RawTags:
    """What the review needs from the raw extract, by OSM id (``way/1``)."""

    tracks: dict[str, shapely.Geometry] = field(default_factory=dict)
    buildings: set[str] = field(default_factory=set)
    courts: set[str] = field(default_factory=set)
    farm_meadows: set[str] = field(default_factory=set)


class _Scan(osmium.SimpleHandler):
    def __init__(self) -> None:
        super().__init__()
        self.raw = RawTags()
        self._wkb = osmium.geom.WKBFactory()

    def _note(self, oid: str, tags: osmium.osm.TagList, geom) -> None:
        get = tags.get
        if get("building"):
            self.raw.buildings.add(oid)
        sports = {s.strip().lower() for s in (get("sport") or "").split(";") if s.strip()}
        if sports & COURT_SPORTS:
            self.raw.courts.add(oid)
        if get("landuse") == "meadow" and not get("leisure") and get("access") not in (
                "yes", "public", "permissive"):
            self.raw.farm_meadows.add(oid)
        if get("leisure") == "track" and geom is not None:
            running = (not sports or bool(sports & RUNNING_SPORTS)
                       or (get("surface") or "").lower() in SYNTHETIC)
            jump = (get("athletics") or "") in JUMPS or bool(sports & JUMPS)
            if running and not jump:
                self.raw.tracks[oid] = geom

    def way(self, w) -> None:
        if not (w.tags.get("leisure") == "track" or w.tags.get("building")
                or w.tags.get("sport") or w.tags.get("landuse") == "meadow"):
            return
        try:
            geom = shapely.from_wkb(self._wkb.create_linestring(w))
        except Exception:  # clipped: nodes outside the extract
            geom = None
        self._note(f"way/{w.id}", w.tags, geom)

    def area(self, a) -> None:
        if a.from_way():
            return  # seen as a way
        try:
            geom = shapely.from_wkb(self._wkb.create_multipolygon(a))
        except Exception:
            geom = None
        self._note(f"relation/{a.orig_id()}", a.tags, geom)


def raw_tags(path: Path) -> RawTags:
    scan = _Scan()
    scan.apply_file(str(path), locations=True)
    return scan.raw


def regions() -> list[tuple[str, Path]]:
    found = [("Helsinki (embedded)", embedded_extract())]
    for name, file in (("Andorra", "andorra-latest.osm.pbf"),
                       ("North Bayreuth", "north-bayreuth.osm.gz")):
        path = SHARED / file
        if path.exists():
            found.append((name, path))
        else:
            print(f"(skipped {name}: {path} is absent)")
    return found


def centres(region: Region) -> list[tuple[float, float]]:
    """The region's middle and the middles of its two busiest 2 km cells."""
    points = region.venues.geometry.representative_point()
    to_metric = Transformer.from_crs("EPSG:4326", region.crs, always_xy=True)
    x, y = to_metric.transform(points.x.to_numpy(), points.y.to_numpy())
    cells: dict[tuple[int, int], list[int]] = {}
    for i, key in enumerate(zip((np.asarray(x) // 2000).astype(int),
                                (np.asarray(y) // 2000).astype(int))):
        cells.setdefault(key, []).append(i)
    busiest = sorted(cells.values(), key=len, reverse=True)[:2]
    found = [region.center]
    for rows in busiest:
        found.append((float(points.y.iloc[rows].mean()), float(points.x.iloc[rows].mean())))
    return found


def review(name: str, path: Path, args: argparse.Namespace) -> dict[str, object]:
    settings = Settings(source=str(path), dem=args.dem,
                        cache_dir=ROOT / ".cache" / "bench" / "regions")
    region = prepare_region(settings)
    raw = raw_tags(path)
    to_metric = Transformer.from_crs("EPSG:4326", region.crs, always_xy=True)
    raw.tracks = {oid: geom for oid, geom in raw.tracks.items()
                  if _metric(geom, to_metric).length >= MIN_TRACK_M}
    venues = region.venues
    ids = set(venues["id"])
    print(f"\n===== {name}: {len(venues)} venues")
    top: list[dict] = []
    for lat, lon in centres(region):
        collection = region.near(lat, lon, 3000, args.limit)
        print(f"\n-- top {args.limit} within 3 km of {lat:.5f},{lon:.5f}")
        print(format_table(collection["features"], lat, lon, 3000))
        top += collection["features"]
    seen = {f["id"]: f for f in top}
    silly = {
        "buildings": sum(i in raw.buildings for i in seen),
        "courts": sum(i in raw.courts for i in seen),
        "farm meadows": sum(i in raw.farm_meadows for i in seen),
        "strips": sum(_is_strip(f["properties"]) for f in seen.values()),
    }
    tracks_as_venues = [t for t in raw.tracks if t in ids]
    # The rule (issue 15): a track nothing vetoes and with no criterion below 50 comes first.
    static = [c for c in venues.columns if c.startswith("score_") and c != "score_hazards"]
    safe = set(venues.loc[venues["vetoed_by"].isna()
                          & (venues[static].min(axis=1) >= 50), "id"])
    safe_tracks = [t for t in tracks_as_venues if t in safe]
    first = 0
    for track_id in safe_tracks:
        point = region.venues.geometry.iloc[region.row_of(track_id)].representative_point()
        hits = region.query(point.y, point.x, FIRST_WITHIN_M, 1)
        first += bool(hits) and venues["id"].iloc[hits[0][0]] == track_id
    crossings, laps_offered, loops_from = _loops(region, settings, tracks_as_venues, args)
    summary = {
        "region": name, "venues": len(venues),
        "left out": ", ".join(f"{k} {v}" for k, v in region.info.get("left_out", {}).items()),
        "tracks": len(raw.tracks),
        "tracks as venues": len(tracks_as_venues),
        "safe tracks first within 1.5 km": f"{first}/{len(safe_tracks)}",
        "top entries": len(seen), **silly,
        "crossings/km (median best loop)": (round(statistics.median(crossings), 2)
                                            if crossings else None),
        "own laps offered from a track": f"{laps_offered}/{loops_from}",
    }
    print(f"\n-- {name} in figures")
    for key, value in summary.items():
        print(f"  {key}: {value}")
    return summary


def _is_strip(props: dict) -> bool:
    run, usable = props.get("longest_run_m"), props.get("usable_area_m2")
    if not run or not usable or props.get("kind") == "track":
        return False
    return usable / run < STRIP_WIDTH_M


def _loops(region: Region, settings: Settings, tracks: list[str],
           args: argparse.Namespace) -> tuple[list[float], int, int]:
    """Crossings per km of the best loop from each track and each centre; how many loops
    from a track offer laps of that very track (a loop that is laps and lies within 15 m
    of it)."""
    try:
        graph = load_or_build_graph(settings)
    except VenuefinderError as exc:
        print(f"  (no walking graph: {exc})")
        return [], 0, 0
    to_metric = Transformer.from_crs("EPSG:4326", region.crs, always_xy=True)
    per_km, offered = [], 0
    starts = [(t, region.venues.geometry.iloc[region.row_of(t)]) for t in tracks]
    starts += [(None, shapely.Point(lon, lat)) for lat, lon in centres(region)]
    for track_id, geom in starts:
        point = geom.representative_point()
        try:
            loops = find_loops(graph, point.y, point.x, args.loop_m, alternatives=3)
        except VenuefinderError:
            continue
        features = routes_feature_collection(loops)["features"]
        if not features:
            continue
        best = features[0]["properties"]
        per_km.append(best["crossings"] / max(best["length_m"] / 1000.0, 1e-9))
        if track_id:
            track = _metric(geom, to_metric)
            ring = (track.boundary if track.area > 0 else track).buffer(15.0)
            offered += any(f["properties"]["laps"]
                           and ring.contains(_metric(shape(f["geometry"]), to_metric))
                           for f in features)
    return per_km, offered, len(tracks)


def _metric(geom: shapely.Geometry, to_metric: Transformer) -> shapely.Geometry:
    return shapely.transform(geom, lambda xy: np.column_stack(
        to_metric.transform(xy[:, 0], xy[:, 1])))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--dem", default=None)
    parser.add_argument("--loop-m", type=float, default=2000.0)
    args = parser.parse_args()
    rows = [review(name, path, args) for name, path in regions()]
    print("\n===== region review")
    keys = list(rows[0])
    print(" | ".join(keys))
    for row in rows:
        print(" | ".join(str(row[k]) for k in keys))


if __name__ == "__main__":
    main()
