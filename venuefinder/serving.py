"""Which catalog a ``--source`` names, opened: a partitioned dataset folder
(:class:`~venuefinder.dataset.DatasetCatalog`) or a PostGIS database
(``postgresql://…``, ``venuefinder.spatialdb.PostgisCatalog``).

Any other source (an OSM extract, an ingested file, ``overpass``) is a whole region, held in
memory by :mod:`venuefinder.prepare`; a catalog is served tile by tile
(:class:`~venuefinder.catalog.CatalogRegions`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from .catalog import Catalog, CatalogRegions, Reports
from .config import Settings, is_database_source
from .dataset import DatasetCatalog, is_dataset_path
from .spatialdb import PostgisCatalog


def is_catalog_source(source: Optional[str]) -> bool:
    """Whether *source* names a catalog: a PostGIS URL, a folder, or a path without a
    file suffix (a dataset folder, perhaps missing: opening it says so)."""
    if source is None or source.strip().lower() == "overpass":
        return False
    if is_database_source(source):
        return True
    path = Path(source).expanduser()
    return path.is_dir() or is_dataset_path(path)


def open_catalog(source: str) -> Catalog:
    """The catalog *source* names (see :func:`is_catalog_source`).

    Raises
    ------
    SourceError
        A missing folder, a folder that is not a dataset or is damaged, a database that
        cannot be reached or holds no region.
    """
    if is_database_source(source):
        return PostgisCatalog(source)
    return DatasetCatalog(Path(source))


def catalog_regions(settings: Settings, reports: Optional[Reports] = None
                    ) -> Optional[CatalogRegions]:
    """The on-demand regions of ``settings.source`` when it names a catalog (holding at most
    ``settings.tile_cache`` tiles; *reports*: the store's hazard reports to lay over them),
    None for a whole-region source."""
    if not is_catalog_source(settings.source):
        return None
    return CatalogRegions(open_catalog(str(settings.source)), settings, settings.tile_cache,
                          reports)
