"""The parsed and scored region on disk, so a second run answers without re-reading OSM.

A cache entry is a folder named by :func:`region_key` (the extract's path, size and mtime,
the DEM's, the scoring settings, the cache format, and the code: every module that
:mod:`venuefinder.prepare` imports, see :func:`venuefinder.diskcache.code_fingerprint`)
holding GeoParquet files, written atomically; an unreadable entry is ignored and rebuilt.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Optional

import geopandas as gpd
import pandas as pd
from pyproj import CRS

from ..diskcache import atomic_folder, code_fingerprint, entry_key, file_identity
from ..region import Region

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger(__name__)

#: Bump when the cached files' content or meaning changes.
FORMAT = 2
#: The code a cached region depends on: the preparing package and all it imports.
CODE_ROOTS = ("venuefinder.prepare",)


def region_key(source: Path, dem: Optional[Path], settings: "Settings") -> str:
    """Cache key of a region: changes when the file, the DEM, the scoring settings or the
    code that prepares it do."""
    dem_identity = file_identity(dem)
    if dem_identity == ["auto"]:
        dem_identity += [settings.terrain_url, settings.terrain_zoom]
    identity = {"format": FORMAT, "code": code_fingerprint(CODE_ROOTS),
                "source": file_identity(source), "dem": dem_identity,
                "scoring": settings.scoring_fingerprint()}
    return entry_key(source.name, identity)


def load(cache_dir: Path, key: str) -> Optional[Region]:
    """The cached region, or None when absent or unreadable."""
    folder = cache_dir / key
    if not (folder / "meta.json").is_file():
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text())
        venues = gpd.read_parquet(folder / "venues.parquet")
        places = pd.read_parquet(folder / "places.parquet")
        basemap = gpd.read_parquet(folder / "basemap.parquet")
        return Region(venues=venues, places=places, basemap=basemap,
                      crs=CRS.from_user_input(meta["crs"]), info=meta["info"])
    except Exception as exc:  # a damaged entry must never stop the app: rebuild instead
        log.warning("ignoring unreadable cache entry %s: %s", folder, exc)
        return None


def save(cache_dir: Path, key: str, region: Region) -> None:
    """Store *region* under *key*; failures to write only log (the cache is optional)."""
    try:
        with atomic_folder(cache_dir, key) as tmp:
            region.venues.to_parquet(tmp / "venues.parquet")
            region.places.to_parquet(tmp / "places.parquet")
            region.basemap.to_parquet(tmp / "basemap.parquet")
            meta = {"crs": region.crs.to_string(), "info": region.info}
            (tmp / "meta.json").write_text(json.dumps(meta))
    except OSError as exc:
        log.warning("could not write the region cache in %s: %s", cache_dir, exc)
