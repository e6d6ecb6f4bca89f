"""Where the app keeps what it loaded at start-up, and how views reach it.

``app.extensions["venuefinder"]`` is the :class:`~venuefinder.region.Region` (loaded once by
:func:`~venuefinder.web.create_app`); ``app.config["VENUEFINDER_SETTINGS"]`` is the
:class:`~venuefinder.config.Settings` it was loaded with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

from ..errors import SourceError
from ..live import LiveReports, LiveView

if TYPE_CHECKING:
    from ..config import Settings
    from ..region import Region
    from ..routes import WalkGraph

EXTENSION_KEY = "venuefinder"
SETTINGS_KEY = "VENUEFINDER_SETTINGS"
#: ``app.extensions`` key of the worker's :class:`~venuefinder.live.LiveReports`.
LIVE_KEY = "venuefinder.live"
#: ``app.extensions`` key of the walking graph's loader (:mod:`venuefinder.web.routes_api`).
GRAPH_KEY = "venuefinder.walkgraph"


def current_region() -> "Region":
    """The region of the app handling the current request."""
    return current_app.extensions[EXTENSION_KEY]


def current_settings() -> "Settings":
    """The settings of the app handling the current request."""
    return current_app.config[SETTINGS_KEY]


def current_venues() -> LiveView:
    """The region as the open hazard reports make it now: what every view that shows venues
    answers from (see :mod:`venuefinder.live`)."""
    reports: LiveReports = current_app.extensions[LIVE_KEY]
    return reports.view()


def current_graph() -> "WalkGraph":
    """The walking graph of the app's source (loaded once per process).

    Raises
    ------
    SourceError
        The source has none (an ingested venue file, ``overpass``) or cannot be read.
    """
    loader = current_app.extensions.get(GRAPH_KEY)
    if loader is None:
        raise SourceError("routes need an OSM extract as the source")
    return loader.get()
