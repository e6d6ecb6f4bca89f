"""The walking graph on disk, beside the scored region, so a second run does not rebuild it.

An entry is a folder in ``settings.cache_dir`` named by :func:`graph_key`: the extract's
path, size and mtime, the DEM's (for ``auto``, the terrain tiles' URL and zoom), the code
that builds the graph and the cache format. It holds the two frames as Parquet, the ragged
arrays as ``.npz`` and the CRS in ``meta.json``; it is written to a temporary folder and
renamed into place (:func:`venuefinder.diskcache.atomic_folder`), so a crash never leaves
half an entry, and an unreadable entry is ignored and rebuilt. The graph does not depend on the scoring settings, so changing a
weight keeps it.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Optional

import numpy as np
import pandas as pd
from pyproj import CRS

from ..diskcache import atomic_folder, code_fingerprint, entry_key, file_identity
from ..sources.elevation import checked_dem, load_elevation
from ..sources.osm_file import check_extract_path
from ..sources.walkways import read_walkways
from .graph import WalkGraph, build_graph, utm_crs

if TYPE_CHECKING:
    from ..config import Settings

log = logging.getLogger(__name__)

#: Bump when the cached files' content or meaning changes.
FORMAT = 2
_ARRAYS = ("coords", "coord_offsets", "heights", "height_offsets", "spot_heights")
#: The code a cached graph depends on: what reads the ways and what builds the graph.
CODE_ROOTS = ("venuefinder.sources.walkways", "venuefinder.routes.graph")


def graph_key(source: Path, dem: Optional[Path], settings: "Settings") -> str:
    """Cache key of a walking graph: changes with the extract, the DEM or the code."""
    dem_identity = file_identity(dem)
    if dem_identity == ["auto"]:
        dem_identity += [settings.terrain_url, settings.terrain_zoom]
    identity = {"format": FORMAT, "code": code_fingerprint(CODE_ROOTS),
                "source": file_identity(source), "dem": dem_identity}
    return entry_key(f"{source.name}-walkgraph", identity)


def load(cache_dir: Path, key: str) -> Optional[WalkGraph]:
    """The cached graph, or None when absent or unreadable."""
    folder = Path(cache_dir) / key
    if not (folder / "meta.json").is_file():
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text())
        with np.load(folder / "arrays.npz", allow_pickle=False) as arrays:
            ragged = {name: arrays[name] for name in _ARRAYS}
        return WalkGraph(crs=CRS.from_user_input(meta["crs"]),
                         nodes=pd.read_parquet(folder / "nodes.parquet"),
                         edges=pd.read_parquet(folder / "edges.parquet"),
                         info=meta["info"], **ragged)
    except Exception as exc:  # a damaged entry must never stop the app: rebuild instead
        log.warning("ignoring unreadable walking-graph cache %s: %s", folder, exc)
        return None


def save(cache_dir: Path, key: str, graph: WalkGraph) -> None:
    """Store *graph* under *key*; failures to write only log (the cache is optional)."""
    try:
        with atomic_folder(Path(cache_dir), key) as tmp:
            graph.nodes.to_parquet(tmp / "nodes.parquet")
            graph.edges.to_parquet(tmp / "edges.parquet")
            np.savez(tmp / "arrays.npz", **{name: getattr(graph, name) for name in _ARRAYS})
            (tmp / "meta.json").write_text(json.dumps({"crs": graph.crs.to_wkt(),
                                                       "info": graph.info}))
    except OSError as exc:
        log.warning("could not write the walking-graph cache in %s: %s", cache_dir, exc)


def load_or_build_graph(settings: "Settings", source_path: Optional[Path] = None,
                        dem: Optional[Path] = None,
                        progress: Optional[Callable[[int], None]] = None,
                        use_cache: bool = True) -> WalkGraph:
    """The walking graph of an extract, from the cache or built (and then cached).

    Parameters
    ----------
    settings
        ``cache_dir``, and the terrain-tile settings for ``dem="auto"``.
    source_path
        The extract; default ``settings.source_path()`` (the embedded Helsinki one).
    dem
        An elevation GeoTIFF, ``"auto"`` for terrain tiles over the ways, or None.
    progress
        Passed to the reader.

    Raises
    ------
    SourceError
        The extract cannot be read.
    InputError
        The DEM cannot be read.
    """
    path = Path(source_path) if source_path is not None else settings.source_path()
    check_extract_path(path)
    dem = checked_dem(dem)
    key = graph_key(path, dem, settings)
    if use_cache:
        cached = load(settings.cache_dir, key)
        if cached is not None:
            return cached
    walkways = read_walkways(path, progress)
    crs = utm_crs(walkways.lon, walkways.lat)
    bounds = (walkways.lon.min(), walkways.lat.min(), walkways.lon.max(), walkways.lat.max())
    elevation = load_elevation(dem, crs, bounds, settings)
    graph = build_graph(walkways, crs, elevation, path.name)
    if use_cache:
        save(settings.cache_dir, key, graph)
    return graph
