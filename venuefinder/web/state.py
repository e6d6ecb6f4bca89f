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

EXTENSION_KEY = "venuefinder"
SETTINGS_KEY = "VENUEFINDER_SETTINGS"


def current_region() -> "Region":
    """The region of the app handling the current request."""
    return current_app.extensions[EXTENSION_KEY]


def current_settings() -> "Settings":
    """The settings of the app handling the current request."""
    return current_app.config[SETTINGS_KEY]
