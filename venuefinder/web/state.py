"""Where the app keeps what it loaded at start-up, and how views reach it.

``app.extensions["venuefinder"]`` is the :class:`~venuefinder.region.Region` (loaded once by
:func:`~venuefinder.web.create_app`); ``app.config["VENUEFINDER_SETTINGS"]`` is the
:class:`~venuefinder.config.Settings` it was loaded with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from ..config import Settings
    from ..region import Region
    from ..routes import WalkGraph
    from ..store.overlay import OverlayCache

EXTENSION_KEY = "venuefinder"
SETTINGS_KEY = "VENUEFINDER_SETTINGS"
#: ``app.extensions`` key of the worker's hazard overlay cache (see :mod:`.hazards`).
OVERLAY_KEY = "venuefinder.overlay"
#: ``app.extensions`` key of the walking graph's loader (:mod:`venuefinder.web.routes_api`).
GRAPH_KEY = "venuefinder.walkgraph"


def current_region() -> "Region":
    """The region of the app handling the current request."""
    return current_app.extensions[EXTENSION_KEY]


def current_settings() -> "Settings":
    """The settings of the app handling the current request."""
    return current_app.config[SETTINGS_KEY]


def current_overlay() -> "OverlayCache":
    """This worker's cache of the open hazard reports; ``.get()`` per request gives the
    overlay for the store as it is now (see :mod:`venuefinder.store.overlay`)."""
    return current_app.extensions[OVERLAY_KEY]


def current_graph() -> "WalkGraph":
    """The walking graph of the app's source (loaded once per process).

    Raises
    ------
    SourceError
        The source has none (an ingested venue file, ``overpass``) or cannot be read.
    """
    from ..errors import SourceError

    loader = current_app.extensions.get(GRAPH_KEY)
    if loader is None:
        raise SourceError("routes need an OSM extract as the source")
    return loader.get()
