"""Prepare a scored region from a source: read, select, score, and cache on disk.

``prepare_region`` is the one entry point the CLI and the web app use; ``build_region``
scores features a source already read (Overpass, ``ingest``). Sources accepted
(``settings.source``): an OSM extract (.osm.pbf/.osm/.osm.gz/.osm.bz2), or a file written by
``venuefinder ingest`` (.parquet/.gpkg: venues already scored; place search then uses the
venues' own names and there is no basemap).
"""

from __future__ import annotations

import logging
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import geopandas as gpd
import pandas as pd

from .. import venues as venue_rules
from ..criteria import scored_columns
from ..errors import InputError, SourceError
from ..heights import select_heights
from ..labels import venue_labels
from ..meeting import MEETING_COLUMNS, suggest_meeting_points
from ..parallel import Forked, spare_core
from ..region import Region
from ..scoring import PARALLEL_MIN_VENUES, ScoringContext, score_geometry, score_venues
from ..sources.dem import Elevation
from ..sources.elevation import checked_dem, load_elevation
from ..sources.osm_file import check_extract_path, read_extract
from ..venues import local_crs
from . import cache

if TYPE_CHECKING:
    import numpy as np
    from pyproj import CRS

    from ..config import Settings
    from ..sources import OsmData

log = logging.getLogger(__name__)

INGESTED_SUFFIXES = (".parquet", ".geoparquet", ".gpkg")


def build_region(osm: "OsmData", settings: "Settings", dem_path: Optional[Path] = None,
                 source_name: str = "") -> Region:
    """Features of a source → scored :class:`Region`.

    Parameters
    ----------
    osm
        What a source read.
    settings
        Weights, thresholds, and the terrain-tile settings for ``dem_path = "auto"``.
    dem_path
        Optional elevation GeoTIFF, or ``auto`` for terrain tiles over the venues' bounds.
    source_name
        For ``info``.
    """
    scored, roads, crs, dem = score_features(osm, settings, dem_path, source_name)
    features = osm.features
    info = {"source": source_name, "venues": len(scored), "roads": len(roads),
            "objects": osm.stats.objects, "dropped_relations": osm.stats.dropped_relations,
            "dropped_ways": osm.stats.dropped_ways, "repaired_ways": osm.stats.repaired_ways,
            "dem": dem.source if dem is not None else None,
            "left_out": dict(scored.attrs.get("left_out", {}))}
    return Region(venues=scored, places=venue_rules.select_places(features, crs),
                  basemap=venue_rules.select_basemap(features), crs=crs, info=info)


def score_features(osm: "OsmData", settings: "Settings", dem_path: Optional[Path] = None,
                   source_name: str = "") -> tuple["gpd.GeoDataFrame", "gpd.GeoDataFrame",
                                                   "CRS", Optional[Elevation]]:
    """Features of a source → (scored venues in WGS84, motor roads in the metric CRS, the
    metric CRS, the elevation used). The venues carry their ``label``
    (:func:`venuefinder.labels.venue_labels`). What ``ingest`` writes; :func:`build_region`
    adds the query index, places and basemap around it."""

    features = osm.features
    if features.empty:
        raise SourceError(f"{source_name or 'the source'} holds no map features venuefinder uses")
    crs = venue_rules.local_crs(features)
    candidates = venue_rules.select_venues(features, settings, crs)
    # On a big region the meeting points, and the criteria that need nothing but the venues
    # for most of them, are worked out on the second core while the context is built and
    # the others score; this process then takes the rest of the venues.
    apart = len(candidates) >= PARALLEL_MIN_VENUES and spare_core()
    with ExitStack() as stack:
        if apart:  # one process: a third would only share the two cores
            split = int(len(candidates) * FORKED_GEOMETRY_SHARE)
            job = stack.enter_context(Forked(_venue_only_work, features, candidates, crs,
                                             split))
        roads = venue_rules.select_roads(features).to_crs(crs)
        dem = load_elevation(dem_path, crs, candidates.total_bounds, settings)
        # Only what lies near a venue can stand in it, ring it or enclose it: cut the rest
        # before projecting (most of a city's trees, lamps and paths are elsewhere).
        near = venue_rules.near_venues(features, candidates)
        context = ScoringContext(
            crs=crs, roads=roads, settings=settings, dem=dem,
            obstacles=venue_rules.select_obstacles(near, candidates["id"].to_numpy(), crs),
            barriers=venue_rules.select_barriers(near, crs),
            enclosures=venue_rules.select_enclosures(features, crs),
            heights=select_heights(features, crs))
        scored = score_venues(candidates, context, apart=(lambda: _joined(
            score_geometry(candidates.iloc[split:], crs), job)) if apart else None)
        points, labels = job.result()[1:] if apart else (
            meeting_points(features, candidates, crs), venue_labels(candidates, features, crs))
    scored = _with_columns(scored, points)
    scored["label"] = labels
    return scored, roads, crs, dem


#: Share of the venues whose geometry-only criteria the forked process scores beside the
#: meeting points and labels: measured on Helsinki x100 so that both processes finish about
#: together (room 1.9 s, meeting points 1.0 s, labels 0.9 s there; the other criteria and
#: their context 2.6 s). score_features 4.03-4.41 s at 0.5, 3.79-4.13 s at 0.65
#: (2026-12-05).
FORKED_GEOMETRY_SHARE = 0.65


def _venue_only_work(features: "gpd.GeoDataFrame", venues: "gpd.GeoDataFrame", crs: "CRS",
                     split: int) -> tuple[dict[str, "pd.DataFrame"], "pd.DataFrame",
                                          "np.ndarray"]:
    """What needs the venues and the features but no scoring context: the geometry-only
    criteria of the first *split* venues, and the meeting points and labels of all."""
    return (score_geometry(venues.iloc[:split], crs), meeting_points(features, venues, crs),
            venue_labels(venues, features, crs))


def _joined(rest: dict[str, "pd.DataFrame"], job: Forked) -> dict[str, "pd.DataFrame"]:
    """Each criterion's rows of the first venues (*job*'s, :func:`_venue_only_work`), then
    of the *rest*, scored here before waiting on *job*, which is then mostly done."""
    first = job.result()[0]
    return {name: pd.concat([first[name], rest[name]]) for name in first}


def meeting_points(features: "gpd.GeoDataFrame", venues: "gpd.GeoDataFrame",
                   crs: "CRS") -> "pd.DataFrame":
    """The suggested meeting point of each of *venues* (WGS84) among *features* (WGS84):
    :func:`venuefinder.meeting.suggest_meeting_points` in *crs*."""
    return suggest_meeting_points(venues.geometry.to_crs(crs).to_numpy(),
                                  venue_rules.select_access(features, venues, crs))


def with_meeting_points(venues: "gpd.GeoDataFrame", access: "gpd.GeoDataFrame"
                        ) -> "gpd.GeoDataFrame":
    """*venues* (WGS84) with the suggested meeting point of each: ``meeting_lat``,
    ``meeting_lon``, ``meeting_kind``, ``meeting_reason``, found among *access* (entrances,
    gates and paths in the metric CRS, :func:`venuefinder.venues.select_access`)."""
    return _with_columns(venues, suggest_meeting_points(
        venues.geometry.to_crs(access.crs).to_numpy(), access))


def _with_columns(venues: "gpd.GeoDataFrame", points: "pd.DataFrame") -> "gpd.GeoDataFrame":
    venues = venues.copy()
    for column in MEETING_COLUMNS:
        venues[f"meeting_{column}"] = points[column].to_numpy()
    return venues


def prepare_region(settings: "Settings", progress: Optional[Callable[[int], None]] = None,
                   use_cache: bool = True) -> Region:
    """The region named by ``settings.source`` (default: embedded Helsinki), scored.

    An OSM extract is parsed and scored once, then kept in ``settings.cache_dir`` keyed by
    the file's path, size and mtime, the DEM's, and the scoring settings.
    """
    path = settings.source_path()
    if str(settings.source or "").lower() == "overpass":
        raise InputError("the overpass source needs a point: use `venues --near` with it")
    if path.name.lower().endswith(INGESTED_SUFFIXES):
        return load_ingested(path)
    dem_path = checked_dem(settings.dem)
    check_extract_path(path)
    key = cache.region_key(path, dem_path, settings)
    if use_cache:
        cached = cache.load(settings.cache_dir, key)
        if cached is not None:
            return cached
    region = build_region(read_extract(path, progress), settings, dem_path, path.name)
    if use_cache:
        cache.save(settings.cache_dir, key, region)
    return region


def load_ingested(path: Path) -> Region:
    """A region from a file written by ``venuefinder ingest``."""
    if not path.is_file():
        raise SourceError(f"source not found: {path}")
    try:
        if path.suffix.lower() == ".gpkg":
            venues = gpd.read_file(path, layer="venues")
        else:
            venues = gpd.read_parquet(path)
    except Exception as exc:  # pyogrio/pyarrow raise many types for a bad file
        raise SourceError(f"cannot read {path.name}: {str(exc).splitlines()[0][:200]}") from None
    if not {"id", "kind", "score", "area_m2"} <= set(venues.columns):
        raise SourceError(f"{path.name} is not a venuefinder ingest file "
                          "(no id, kind, score and area_m2 columns)")
    missing = [c for c in (*scored_columns(), "label") if c not in venues.columns]
    if missing:
        raise SourceError(f"{path.name} was ingested by an older venuefinder (missing "
                          f"{', '.join(missing[:4])}{'…' if len(missing) > 4 else ''}): "
                          "re-ingest it with `venuefinder ingest`")
    venues = venues.to_crs("EPSG:4326")
    crs = local_crs(venues)
    named = venues.loc[venues["name"].notna()]
    points = named.geometry.to_crs(crs).representative_point().to_crs("EPSG:4326")
    places = pd.DataFrame({"name": named["name"].to_numpy(), "kind": named["kind"].to_numpy(),
                           "lat": points.y.round(6).to_numpy(),
                           "lon": points.x.round(6).to_numpy()})
    return Region(venues=venues, places=places, basemap=None, crs=crs,
                  info={"source": path.name, "venues": len(venues), "ingested": True})
