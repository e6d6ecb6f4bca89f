"""The parsed and scored region on disk, so a second run answers without re-reading OSM.

A cache entry is a folder named by :func:`region_key` (the extract's path, size and mtime,
the DEM's, the scoring settings, the scoring code and the cache format) holding GeoParquet
files. It is written to a temporary folder and renamed into place, so a crash never leaves a half entry;
an unreadable entry is ignored and rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Optional

if TYPE_CHECKING:
    from ..config import Settings
    from ..region import Region

log = logging.getLogger(__name__)

#: Bump when the cached files' content or meaning changes.
FORMAT = 2


def _file_identity(path: Optional[Path]) -> Optional[list[object]]:
    if path is None:
        return None
    if str(path).strip().lower() == "auto":
        return ["auto"]
    stat = path.stat()
    return [str(path.resolve()), stat.st_size, stat.st_mtime_ns]


def _code_fingerprint() -> str:
    """Hash of the code that decides what a region holds (reader, venue rules, criteria),
    so that a changed rule never serves scores cached by the old one."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted([package / "venues.py", package / "vocabulary.py",
                        package / "prepare.py", package / "sources" / "osm_file.py",
                        *(package / "scoring").glob("*.py")]):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def region_key(source: Path, dem: Optional[Path], settings: "Settings") -> str:
    """Cache key of a region: changes when the file, the DEM, the scoring settings or the
    scoring code do."""
    dem_identity = _file_identity(dem)
    if dem_identity == ["auto"]:
        dem_identity += [settings.terrain_url, settings.terrain_zoom]
    identity = {"format": FORMAT, "code": _code_fingerprint(),
                "source": _file_identity(source), "dem": dem_identity,
                "scoring": settings.scoring_fingerprint()}
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode()).hexdigest()
    return f"{source.name}-{digest[:20]}"


def load(cache_dir: Path, key: str) -> Optional["Region"]:
    """The cached region, or None when absent or unreadable."""
    folder = cache_dir / key
    if not (folder / "meta.json").is_file():
        return None
    try:
        import geopandas as gpd
        import pandas as pd
        from pyproj import CRS

        from ..region import Region

        meta = json.loads((folder / "meta.json").read_text())
        venues = gpd.read_parquet(folder / "venues.parquet")
        places = pd.read_parquet(folder / "places.parquet")
        basemap = gpd.read_parquet(folder / "basemap.parquet")
        return Region(venues=venues, places=places, basemap=basemap,
                      crs=CRS.from_user_input(meta["crs"]), info=meta["info"])
    except Exception as exc:  # a damaged entry must never stop the app: rebuild instead
        log.warning("ignoring unreadable cache entry %s: %s", folder, exc)
        return None


def save(cache_dir: Path, key: str, region: "Region") -> None:
    """Store *region* under *key*; failures to write only log (the cache is optional)."""
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=cache_dir))
        region.venues.to_parquet(tmp / "venues.parquet")
        region.places.to_parquet(tmp / "places.parquet")
        region.basemap.to_parquet(tmp / "basemap.parquet")
        meta = {"crs": region.crs.to_string(), "info": region.info}
        (tmp / "meta.json").write_text(json.dumps(meta))
        target = cache_dir / key
        if target.exists():
            shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
    except OSError as exc:
        log.warning("could not write the region cache in %s: %s", cache_dir, exc)
        shutil.rmtree(locals().get("tmp", cache_dir / ".none"), ignore_errors=True)
