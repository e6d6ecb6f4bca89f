"""A worker's hazard overlay with the re-scored venues remembered between requests.

:class:`~venuefinder.store.overlay.OverlayCache` rebuilds the overlay only when the store
changes, but :meth:`LiveOverlay.rescore <venuefinder.live.LiveOverlay.rescore>` still ran
the criteria and ``combine`` for every touched venue of every answer: with 10,000 open
reports around Helsinki x100 that is most venues of a 2 km answer, about 40 ms a request.
Between two writes the result only moves with the reports' age (half-lives of days) and
when a report expires, so :class:`MemoOverlay` keeps each venue's re-scored row until the
overlay changes, the first report expires, or :data:`RESCORE_TTL_S` passes; every row of
one such window is scored at the same instant, so answers agree with each other.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Optional

import pandas as pd

from ..store.overlay import OverlayCache

if TYPE_CHECKING:
    import geopandas as gpd
    import numpy as np

    from ..live import LiveOverlay

#: How long re-scored rows are reused at most: reports' weights fade with half-lives of days,
#: so a minute moves no score by more than its rounding.
RESCORE_TTL_S = 60.0


class MemoOverlay:
    """A :class:`~venuefinder.live.LiveOverlay` whose :meth:`rescore` remembers its rows
    (what :class:`~venuefinder.region.Region` calls: :meth:`touched` and :meth:`rescore`)."""

    def __init__(self, overlay: "LiveOverlay", ttl_s: float = RESCORE_TTL_S) -> None:
        self.overlay, self.ttl = overlay, timedelta(seconds=ttl_s)
        self._frame: Optional["gpd.GeoDataFrame"] = None
        self._since = self._until = datetime.min.replace(tzinfo=timezone.utc)
        self._lock = threading.Lock()
        expiries = overlay.hazards.get("expires_at")
        self._expiries = (pd.to_datetime(expiries.dropna(), utc=True).sort_values()
                          if expiries is not None else pd.Series([], dtype="datetime64[us, UTC]"))

    @property
    def version(self) -> Any:
        return self.overlay.version

    def touched(self, metric_geoms: "np.ndarray") -> "np.ndarray":
        return self.overlay.touched(metric_geoms)

    def window(self, now: Optional[datetime] = None) -> tuple[Any, datetime]:
        """(a key, the time its rows are scored at) for the current window: the region
        reuses everything it re-scored while the key stays the same."""
        now = now or datetime.now(timezone.utc)
        with self._lock:
            if not self._since <= now < self._until:
                self._frame, self._since, self._until = None, now, self._window_end(now)
            return (self.overlay._token, self._since), self._since

    def rescore(self, venues: "gpd.GeoDataFrame",
                now: Optional[datetime] = None) -> "gpd.GeoDataFrame":
        """*venues* (rows of the region, by their index) re-scored with the reports: the rows
        scored earlier in this window, and the others scored now."""
        now = now or datetime.now(timezone.utc)
        with self._lock:
            if not self._since <= now < self._until:
                self._frame, self._since, self._until = None, now, self._window_end(now)
            known = self._frame.index if self._frame is not None else pd.Index([])
            missing = venues.index.difference(known)
            if len(missing):
                fresh = _plain(self.overlay.rescore(venues.loc[missing], self._since))
                self._frame = fresh if self._frame is None else pd.concat([self._frame, fresh])
            return self._frame.loc[venues.index]

    def _window_end(self, now: datetime) -> datetime:
        """The sooner of the TTL and the first expiry after *now* (an expired report must
        stop counting at once)."""
        later = self._expiries[self._expiries > pd.Timestamp(now)]
        end = now + self.ttl
        return min(end, later.iloc[0].to_pydatetime()) if len(later) else end


def _plain(frame: "gpd.GeoDataFrame") -> "gpd.GeoDataFrame":
    """*frame* with Arrow-backed columns as NumPy objects: the region turns the rows of an
    answer into dicts, which iterates Arrow arrays one Python object at a time (measured:
    to_dict took 3x longer on them)."""
    arrow = [c for c, t in frame.dtypes.items()
             if c != frame.geometry.name
             and (isinstance(t, pd.StringDtype) or "pyarrow" in str(t))]
    return frame.astype({c: object for c in arrow}) if arrow else frame


class MemoOverlayCache(OverlayCache):
    """:class:`OverlayCache` handing out a :class:`MemoOverlay` per overlay it builds."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memo: Optional[MemoOverlay] = None

    def get(self) -> MemoOverlay:  # type: ignore[override]
        overlay = super().get()
        memo = self._memo
        if memo is None or memo.overlay is not overlay:
            memo = self._memo = MemoOverlay(overlay)
        return memo
