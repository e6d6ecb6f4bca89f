"""Serving from PostGIS: a partitioned dataset loaded into a spatial database.

``venuefinder load DIR --db URL`` (:func:`load_dataset`) copies a partitioned dataset
(:mod:`venuefinder.dataset`) — venues, places, basemap and every tile's walking graph — into
PostGIS; ``--source URL`` serves from it (:class:`PostgisCatalog`, the same
:class:`~venuefinder.catalog.Catalog` the folder answers through, with the same answers).

URLs
----
``postgresql://user:password@host:port/database`` or ``postgresql+psycopg://…`` (both
psycopg 3). The database holds any number of *regions*, each under a name:

* ``load`` names the region ``?region=NAME`` when the URL says so, else after the dataset's
  folder (``…/helsinki`` → ``helsinki``); loading a name again replaces that region in one
  transaction (readers see the old one until it commits, then the new one; a failed load
  changes nothing);
* a catalog serves the region ``?region=NAME`` names, else the only one loaded (a database
  holding several asks for the name, in one line).

What lives where
----------------
Tables ``geo_regions`` (name, manifest, bounds, loaded_at), ``geo_tiles`` (owned and read
boxes, CRS), ``geo_venues``, ``geo_places``, ``geo_basemap``, and per tile its walking
graph: ``geo_graphs``, ``geo_nodes``, ``geo_edges``, ``geo_spot_heights``
(:mod:`.models`). Alembic migrations (``migrations/``, with GeoAlchemy2) create them,
recording their revision in the ``spatialdb_version`` table: the hazard and session store
(:mod:`venuefinder.store`, its own history in ``alembic_version``) may share the database.
PostGIS must be installed in the database, or installable by the role (it is in
``template1`` when ``make postgres`` set the server up).
"""

from .catalog import PostgisCatalog
from .load import load_dataset

__all__ = ["PostgisCatalog", "load_dataset"]
