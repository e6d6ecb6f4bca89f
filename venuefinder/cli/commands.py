"""The bodies of the ``venuefinder`` commands: validate, call the library, print.

:mod:`venuefinder.cli` parses the command line and maps the errors raised here to exit codes;
it imports this module only when a command runs (see its ``_commands``).
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from functools import partial
from pathlib import Path
from typing import Any, Optional

import click
from pyogrio.errors import DataLayerError, DataSourceError
from tqdm import tqdm

from .. import routes, validate
from ..clock import utc_now
from ..config import Settings, load_settings
from ..catalog import CatalogRegions, Reports
from ..criteria import REGISTRY
from ..dataset import MANIFEST, is_dataset_path
from ..errors import InputError
from ..live import LiveReports, region_with_live
from ..partition import check_memory_limit, partitioned_ingest
from ..prepare import build_region, prepare_region, score_features
from ..region import Region
from ..scoring.combine import displayed
from ..serving import catalog_regions
from ..spatialdb import load_dataset
from ..sources.elevation import check_dem_path, is_auto_dem
from ..sources.osm_file import check_extract_path, read_extract
from ..sources.overpass import fetch_region
from ..store.db import connect_store
from ..store.hazards import open_hazards_in_bbox
from ..vocabulary import KINDS
from ..web import serve as serve_app

OUTPUT_SUFFIXES = (".parquet", ".geoparquet", ".gpkg")
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


def ingest(source: str, dem: Optional[Path], out: Path, partitions: Optional[int | str] = None,
           workers: Optional[int] = None, memory_limit: Optional[str] = None,
           scheduler: Optional[str] = None) -> None:
    """``venuefinder ingest``: every venue of an extract, scored, into a file, or into a
    partitioned dataset (an ``--out`` without a suffix, :mod:`venuefinder.partition`)."""
    cluster_options = (partitions, workers, memory_limit, scheduler)
    if is_dataset_path(out):
        return _ingest_partitioned(source, dem, out, partitions or "auto", workers,
                                   memory_limit, scheduler)
    if any(option is not None for option in cluster_options):
        raise InputError("--partitions, --workers, --memory-limit and --scheduler write a "
                         f"partitioned dataset: give --out a folder (no suffix), not {out.name!r}")
    if not out.name.lower().endswith(OUTPUT_SUFFIXES):
        raise InputError(f"--out must end in {', '.join(OUTPUT_SUFFIXES)}, got {out.name!r}")
    if not out.parent.resolve().is_dir():
        raise InputError(f"output folder does not exist: {out.parent}")
    settings = load_settings(source=source, dem=dem)
    if dem is not None and not is_auto_dem(dem):
        check_dem_path(dem)
    path = settings.source_path()
    check_extract_path(path)
    with tqdm(desc=f"reading {path.name}", unit=" objects", unit_scale=True,
              disable=None, file=sys.stderr) as bar:
        osm = read_extract(path, bar.update, for_map=False)
    click.echo(f"read {path.name}: {osm.stats.objects} objects; {osm.stats.summary()}",
               err=True)
    steps = tqdm(total=2, desc="scoring", disable=None, file=sys.stderr)
    scored = score_features(osm, settings, dem, path.name)[0]
    steps.update(1)
    steps.set_description(f"writing {out.name}")
    write_venues(scored, out)
    steps.update(1)
    steps.close()
    click.echo(f"wrote {len(scored)} scored venues to {out}", err=True)


def _ingest_partitioned(source: str, dem: Optional[Path], out: Path, partitions: int | str,
                        workers: Optional[int], memory_limit: Optional[str],
                        scheduler: Optional[str]) -> None:
    """The partitioned ingest of :func:`ingest`: tiles scored on a Dask cluster."""
    if not out.parent.resolve().is_dir():
        raise InputError(f"output folder does not exist: {out.parent}")
    if out.exists() and not (out / MANIFEST).is_file():
        raise InputError(f"--out {out} exists and is not a partitioned dataset: "
                         "not replacing it")
    if scheduler is not None and (workers is not None or memory_limit is not None):
        raise InputError("--workers and --memory-limit start a local cluster: a running one "
                         "(--scheduler) has its own workers")
    if memory_limit is not None:
        check_memory_limit(memory_limit)
    settings = load_settings(source=source, dem=dem)
    if dem is not None and not is_auto_dem(dem):
        check_dem_path(dem)
    path = settings.source_path()
    workers = workers or (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                          else os.cpu_count() or 1)
    with tqdm(desc=f"tiles of {path.name}", unit=" tiles", disable=None,
              file=sys.stderr) as bar:
        def progress(done: Any, total: int) -> Any:
            bar.total = total
            bar.refresh()
            for future in done:
                bar.update(1)
                yield future

        manifest = partitioned_ingest(path, out, settings, partitions, workers, memory_limit,
                                      scheduler, dem, progress=progress)
    click.echo(f"wrote {manifest['venues']} scored venues in {len(manifest['tiles'])} tiles "
               f"to {out}", err=True)


def load(folder: Path, db: str) -> None:
    """``venuefinder load``: a partitioned dataset into PostGIS, replacing its region."""
    with tqdm(desc=f"loading {folder.name}", unit=" tiles", disable=None,
              file=sys.stderr) as bar:
        def progress(tiles: Any, total: int) -> Any:
            bar.total = total
            bar.refresh()
            for tile in tiles:
                yield tile
                bar.update(1)

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


def write_venues(venues: Any, out: Path) -> None:
    """Write scored venues by suffix, through a temporary file so a failure leaves any
    previous output intact and nothing else behind.

    Raises
    ------
    InputError
        The file cannot be written (a full disk, no permission): one line, the reason.
        pyarrow raises ``OSError``; GDAL, through pyogrio, its own errors (a full disk is
        a ``FeatureError`` "database or disk is full", or a ``DataSourceError`` when even
        creating the file fails).
    """
    tmp = out.with_name(f".{out.stem}.tmp{out.suffix}")
    try:
        if out.suffix.lower() == ".gpkg":
            tmp.unlink(missing_ok=True)
            venues.to_file(tmp, layer="venues", driver="GPKG")
        else:
            venues.to_parquet(tmp)
        tmp.replace(out)
    except BaseException as exc:  # Ctrl+C too: a half-written file must not stay
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):  # pyarrow's strerror wraps the errno's text in its own
            reason = os.strerror(exc.errno) if exc.errno else exc.strerror or str(exc)
            raise InputError(f"cannot write {out}: {reason}") from None
        if isinstance(exc, (DataSourceError, DataLayerError)):
            text = str(exc)
            full = "disk is full" in text or "No space left" in text
            reason = "No space left on device" if full else text.splitlines()[0][:200]
            raise InputError(f"cannot write {out}: {reason}") from None
        raise
