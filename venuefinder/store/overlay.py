"""The open hazard reports of a region as a live overlay, cached until the store changes.

Each web worker keeps one :class:`OverlayCache`: per request it asks the store for its
version (one primary-key read) and rebuilds the overlay only when a write, in any worker or
process, bumped it. So a report shows on every worker's next answer, with no restart and
without reading every report per request.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import TYPE_CHECKING, Optional

from .db import Store
from .hazards import open_hazards_in_bbox

if TYPE_CHECKING:
    from ..config import Settings
    from ..live import LiveOverlay
    from ..region import Region

#: Margin (degrees, ~100 m) around the region's venues within which reports are read.
BBOX_MARGIN_DEG = 0.001


def region_overlay(store: Store, region: "Region", settings: "Settings",
                   now: Optional[datetime] = None) -> "LiveOverlay":
    """The open reports around *region*'s venues, as a :class:`~venuefinder.live.LiveOverlay`
    stamped with the store version read before them (a write in between only causes one
    more rebuild, never a stale overlay)."""
    from ..live import LiveOverlay

    version = store.version()
    west, south, east, north = region.bounds
    hazards = open_hazards_in_bbox(store, max(west - BBOX_MARGIN_DEG, -180.0),
                                   max(south - BBOX_MARGIN_DEG, -90.0),
                                   min(east + BBOX_MARGIN_DEG, 180.0),
                                   min(north + BBOX_MARGIN_DEG, 90.0), now)
    return LiveOverlay(hazards, region.crs, settings, version=version)


class OverlayCache:
    """One worker's overlay, rebuilt when the store's version moves.

    Reports expire with time as well as with writes: the criterion drops reports expired at
    the request's ``now``, so a cached frame never counts an expired one.
    """

    def __init__(self, store: Store, region: "Region", settings: "Settings") -> None:
        self.store, self.region, self.settings = store, region, settings
        self._overlay: Optional["LiveOverlay"] = None
        self._lock = threading.Lock()

    def get(self) -> "LiveOverlay":
        """The overlay for the store as it is now."""
        version = self.store.version()
        overlay = self._overlay
        if overlay is not None and overlay.version == version:
            return overlay
        with self._lock:
            if self._overlay is None or self._overlay.version != version:
                self._overlay = region_overlay(self.store, self.region, self.settings)
            return self._overlay
