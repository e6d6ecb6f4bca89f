"""Which elevation a run uses: a GeoTIFF checked before any work, or terrain tiles (``auto``).

The region's criteria and the walking graph both ask here, so a DEM setting means the same
thing to both.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Optional, Sequence

import numpy as np

from ..errors import InputError
from .dem import Elevation, load_dem
from .terrain import load_terrain

if TYPE_CHECKING:
    from pyproj import CRS

    from ..config import Settings


def is_auto_dem(dem: object) -> bool:
    """Whether the DEM setting asks for terrain tiles (``auto``)."""
    return dem is not None and str(dem).strip().lower() == "auto"


def check_dem_path(dem: Path) -> Path:
    """*dem* when it is a readable file; else InputError saying what it is instead."""
    if not dem.exists():
        raise InputError(f"DEM not found: {dem}")
    if dem.is_dir():
        raise InputError(f"DEM {dem} is a directory, not a GeoTIFF file")
    if not dem.is_file():
        raise InputError(f"DEM {dem} is not a regular file (a pipe or device?); give a GeoTIFF")
    return dem


def checked_dem(dem: Optional[Path]) -> Optional[Path]:
    """The DEM setting, with a file checked (:func:`check_dem_path`); None and ``auto`` as
    they are."""
    if dem is None or is_auto_dem(dem):
        return dem
    return check_dem_path(Path(dem))


def load_elevation(dem: Optional[Path], crs: "CRS", bounds: Sequence[float],
                   settings: "Settings") -> Optional[Elevation]:
    """The elevation for scoring: a GeoTIFF, terrain tiles over *bounds* (WGS84 west,
    south, east, north) for ``auto``, or None."""
    if dem is None:
        return None
    if is_auto_dem(dem):
        if not np.all(np.isfinite(bounds)):
            return None  # no venues: nothing to measure
        return load_terrain(tuple(float(b) for b in bounds), crs,
                            url_template=settings.terrain_url, zoom=settings.terrain_zoom,
                            cache_dir=settings.terrain_cache(),
                            timeout_s=settings.http_timeout_s,
                            max_tiles=settings.terrain_max_tiles)
    return load_dem(dem, crs)
