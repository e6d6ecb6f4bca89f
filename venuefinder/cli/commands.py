"""The bodies of the ``venuefinder`` commands but ``ingest`` (:mod:`.ingest`): validate, call
the library, print.

:mod:`venuefinder.cli` parses the command line and maps the errors raised here to exit codes;
it imports this module only when a command runs (see its ``_commands``).
"""

from __future__ import annotations

import json
import logging
import time
from functools import partial
from pathlib import Path
from typing import Any, Optional

import click

from .. import routes, validate
from ..clock import utc_now
from ..config import Settings, load_settings
from ..catalog import CatalogRegions, Reports
from ..criteria import REGISTRY
from ..errors import InputError
from ..live import LiveReports, region_with_live
from ..prepare import build_region, prepare_region
from ..region import Region
from ..scoring.combine import displayed
from ..serving import catalog_regions
from ..spatialdb import load_dataset
from ..sources.overpass import fetch_region
from ..store.db import connect_store
from ..store.hazards import open_hazards_in_bbox
from ..vocabulary import KINDS
from ..web import serve as serve_app
from .progress import tile_bar

#: Roads beyond the search radius still make venues at its edge unsafe: fetch this much more.
OVERPASS_MARGIN_M = 500.0


def venues(source: Optional[str], dem: Optional[Path], near: tuple[float, float],
           radius: Optional[float], limit: Optional[int], min_score: Optional[float],
           min_confidence: Optional[float], kinds: tuple[str, ...], store: Optional[str],
           fmt: str) -> None:
    """``venuefinder venues``: the safest venues near a point, printed."""
    settings = load_settings(source=source, dem=dem, database_url=store)
    lat, lon = near
    radius_m = validate.check_radius(
        settings.default_radius_m if radius is None else radius, settings.max_radius_m)
    count = validate.check_limit(
        settings.cli_default_limit if limit is None else limit, settings.max_limit)
    validate.check_min_score(min_score)
    validate.check_min_confidence(min_confidence)
    validate.check_kinds(kinds or None, KINDS)
    reports = _store_reports(settings)
    catalog = catalog_regions(settings, reports)
    answer: Any
    if catalog is not None:  # the tiles around the point, with the reports over them
        answer = catalog.near(lat, lon, radius_m).view()
    else:
        answer = region = _region_for(settings, lat, lon, radius_m)
        if reports is not None:
            answer = LiveReports(region_with_live(region, settings), settings,
                                 *reports).view()
    started = time.perf_counter()
    collection = answer.near(lat, lon, radius_m, count, min_score, kinds or None,
                             min_confidence)
    query_ms = (time.perf_counter() - started) * 1000
    logging.getLogger(__name__).info("query took %.1f ms", query_ms)
    collection["query"] = {"lat": lat, "lon": lon, "radius_m": radius_m,
                           "query_ms": round(query_ms, 2)}
    if fmt == "geojson":
        click.echo(json.dumps(collection, ensure_ascii=False))
    else:
        click.echo(format_table(collection["features"], lat, lon, radius_m))


def route(source: Optional[str], dem: Optional[Path], near: tuple[float, float],
          length: Optional[float], venue_id: Optional[str], lit: bool, alternatives: int,
          store: Optional[str], fmt: str) -> None:
    """``venuefinder route``: safe loops from a point, or the way there to a venue."""
    settings = load_settings(source=source, dem=dem, database_url=store)
    lat, lon = near
    if (length is None) == (venue_id is None):
        raise InputError("give --length METRES for a loop or --to VENUE_ID for the way there")
    if length is not None:  # exit 2 before anything is read
        routes.check_loop_request(lat, lon, length, alternatives)
    reach = (length / 2 if length is not None else settings.max_radius_m) + 500.0
    catalog = catalog_regions(settings)
    # A catalog's route runs on the graph of the tile owning its start (its halo around).
    graph = (catalog.graph_near(lat, lon) if catalog is not None else
             routes.graph_for(settings, lat, lon, reach, settings.dem))
    hazards = None
    if settings.database_url:
        hazards = open_hazards_in_bbox(connect_store(settings.database_url), *graph.bounds)
    if venue_id is None:
        found = routes.find_loops(
            graph, lat, lon, length, lit=lit, alternatives=alternatives, hazards=hazards,
            after_sunset=routes.is_dark(lat, lon, utc_now()))
    else:
        venue = _venue(catalog, settings, lat, lon, venue_id)
        target = routes.venue_target(graph, venue["geometry"], lat, lon)
        found = [routes.way_to(graph, lat, lon, *target, hazards=hazards)]
    if fmt == "geojson":
        click.echo(json.dumps(routes.routes_feature_collection(found), ensure_ascii=False))
    elif fmt == "gpx":
        click.echo(routes.to_gpx(found))
    else:
        click.echo(routes.routes_table(found, lat, lon))


def load(folder: Path, db: str) -> None:
    """``venuefinder load``: a partitioned dataset into PostGIS, replacing its region."""
    with tile_bar(f"loading {folder.name}") as progress:
        loaded = load_dataset(folder, db, progress=progress)
    click.echo(f"loaded {loaded['venues']} venues, {loaded['places']} places, "
               f"{loaded['basemap']} basemap features and {loaded['edges']} walking-graph "
               f"edges in {loaded['tiles']} tiles as region {loaded['region']!r} into "
               f"{loaded['database']} ({loaded['seconds']:.1f} s)", err=True)


def serve(source: Optional[str], dem: Optional[Path], host: str, port: int) -> None:
    """``venuefinder serve``: the map on http://HOST:PORT."""
    serve_app(load_settings(source=source, dem=dem), host, port)


def _store_reports(settings: Settings) -> Optional[Reports]:
    """The hazard store's version and report reader, when ``--store`` (or DATABASE_URL)
    names one."""
    if not settings.database_url:
        return None
    hazards = connect_store(settings.database_url)
    return hazards.version, partial(open_hazards_in_bbox, hazards)


def _venue(catalog: Optional[CatalogRegions], settings: Settings, lat: float, lon: float,
           venue_id: str) -> dict[str, Any]:
    """The venue's feature: from the catalog's tile holding it, or the whole region."""
    if catalog is not None:
        return catalog.of_venue(venue_id).region.venue(venue_id)
    return _region_for(settings, lat, lon, settings.max_radius_m).venue(venue_id)


def _region_for(settings: Settings, lat: float, lon: float, radius_m: float) -> Region:
    if str(settings.source or "").lower() != "overpass":
        return prepare_region(settings)
    osm = fetch_region(lat, lon, radius_m + OVERPASS_MARGIN_M, settings)
    return build_region(osm, settings, settings.dem, "Overpass")


def format_table(features: list[dict[str, Any]], lat: float, lon: float,
                 radius_m: float) -> str:
    """A readable table: one line per venue, by its label, with a column per criterion of
    the registry, its reasons under it (a guess by kind said once; a live criterion with
    nothing reported is no guess)."""
    if not features:
        return f"No venues within {radius_m:g} m of {lat:.5f},{lon:.5f}."
    criteria = [c for c in REGISTRY if c.name in features[0]["properties"]["scores"]]
    live = {c.name for c in REGISTRY if c.live}
    heads = " ".join(f"{c.label:>{max(len(c.label), 4)}}" for c in criteria)
    # Labels are whole (cut, two could read alike): the column is as wide as the longest.
    width = max(len("place"), *(len(f["properties"]["label"]) for f in features))
    lines = [f"Safest places within {radius_m:g} m of {lat:.5f},{lon:.5f} (best first):", "",
             f"{'#':>2}  {'score':>5}  {'conf':>4}  {'place':<{width}} {'kind':<17} "
             f"{'dist':>7}  {heads}"]
    for rank, feat in enumerate(features, 1):
        p = feat["properties"]
        cells = " ".join(f"{p['scores'][c.name]:>{max(len(c.label), 4)}.0f}" for c in criteria)
        veto = f"  vetoed by {p['vetoed_by']}" if p["vetoed_by"] else ""
        lines.append(f"{rank:>2}  {displayed(p['score']):>5.0f}  {p['confidence']:>3}%  "
                     f"{p['label']:<{width}} {p['kind']:<17} {p['distance_m']:>6.0f}m  "
                     f"{cells}{veto}")
        for criterion, reason in p["reasons"].items():
            guess = (" [a guess]" if p["evidence"].get(criterion) == "prior"
                     and criterion not in live and "guess" not in reason else "")
            lines.append(f"{'':>11}{criterion}: {reason}{guess}")
        if p.get("note"):
            lines.append(f"{'':>11}note: {p['note']}")
        lines.append(f"{'':>11}{p['osm_url']}")
    return "\n".join(lines)
