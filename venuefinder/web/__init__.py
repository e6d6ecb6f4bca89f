"""The venuefinder web app: a map of safe places to learn running backwards, and a JSON API.

Run it
------
Development (what ``venuefinder serve`` does)::

    venuefinder serve --host 127.0.0.1 --port 8000

Production, with gunicorn and the project's config (:mod:`venuefinder.web.gunicorn_conf`:
gevent workers that slow clients cannot hold, and ``preload``, which loads and scores the
region once, before the workers fork, so they share it)::

    gunicorn -c python:venuefinder.web.gunicorn_conf --bind 0.0.0.0:8000 \\
        'venuefinder.web:create_app()'

Configuration is one :class:`~venuefinder.config.Settings` object read from the environment
(``VENUEFINDER_<NAME>``), for example:

``VENUEFINDER_SOURCE=/data/estonia-latest.osm.pbf``
    serve another region (any OSM extract), scored once at start-up and cached;
``VENUEFINDER_SOURCE=/data/estonia.parquet``
    serve a file written by ``venuefinder ingest`` (already scored: fast start-up; no
    basemap, so keep tiles on);
``VENUEFINDER_TILES=none``
    no raster tiles: the map draws the extract's own light basemap (``/api/basemap``);
``VENUEFINDER_TILES=https://tiles.example.org/{z}/{x}/{y}.png`` and
``VENUEFINDER_TILES_ATTRIBUTION=...``
    another tile server;
``VENUEFINDER_RATE_LIMIT=none``
    no rate limit (benchmarks); the default is ``600 per minute`` per client and route;
``VENUEFINDER_NOMINATIM_URL=https://nominatim.example.org``
    ask Nominatim for place names the region does not know.

The map's front-end files (Leaflet) are served by the app itself from ``static/vendor``;
install them from a source checkout with ``npm ci --prefix web && python
web/install_assets.py`` (see :mod:`venuefinder.web.assets`).
"""

from __future__ import annotations

from .app import create_app, serve

__all__ = ["create_app", "serve"]
