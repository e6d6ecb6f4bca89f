"""Hazard reports: the service functions the web and CLI call (never raw SQL in views).

Every function takes the :class:`~venuefinder.store.db.Store` first and, where time
matters, ``now`` (timezone-aware; default: now in UTC), so tests control the clock. Every
write is one transaction (:meth:`Store.write`) that validates first, so a bad value raises
:class:`~venuefinder.errors.InputError` and stores nothing; an unknown id raises
:class:`~venuefinder.errors.NotFoundError`.

Rules (numbers in :mod:`.vocabulary`):

* **Open** means ``status == "open"`` and not expired (``expires_at`` NULL or after
  ``now``). Resolved, hidden and expired reports are never open.
* **Dedupe**: a report of the same kind within :data:`DEDUPE_RADIUS_M` of an open report
  confirms the nearest such one instead of adding a row: ``confirmations`` + 1 (once per
  client), lifetime renewed from now, severity raised to the worse of the two, and the
  description kept (filled in if it had none). The check and the insert run in one write
  transaction holding the database's write lock (SQLite) or an advisory lock (PostgreSQL),
  so simultaneous reports of one spot cannot both insert.
* **Confirmations** count distinct clients who said the hazard is there, the reporter
  included, so a new report has 1. A client confirming again renews the lifetime (it is
  fresh news) but does not count twice. Only an open report can be confirmed; one that
  expired or was resolved is reported anew. The lifetime is the kind's
  (:func:`~venuefinder.vocabulary.hazards.lifetime`): longer for a hill once a second client
  stands behind it.
* **Budget**: a client adds at most :data:`REPORT_BUDGET` new reports within
  :data:`REPORT_BUDGET_RADIUS_M` in :data:`REPORT_BUDGET_WINDOW` (whatever became of them);
  one more raises :class:`ReportBudgetError`. Confirming, also by reporting again, is not
  limited by it (a client counts once per report anyway). Checked in the report's write
  transaction, under its lock, so simultaneous reports cannot overdraw it.
* **Gone**: :data:`GONE_TO_RESOLVE` distinct clients resolve an open report.
* **Flags**: :data:`FLAGS_TO_HIDE` distinct clients hide a report until an admin looks;
  :func:`restore` clears the flag count (the admin has reviewed those flags; the same
  clients cannot flag again) and reopens it, or resolves it if enough clients said gone.
  The admin's review counts as one confirmation (:data:`ADMIN_CLIENT`): with the reporter,
  two stand behind it, as the heaviest effects of a report need.
* ``reporter`` (an opaque client id) is stored for dedupe and abuse handling and never
  leaves this module: :class:`HazardReport` has no such field, and the scoring frame only
  says which reports share a client (a number per frame).

Spatial queries use a plain indexed ``(status, lat, lon)`` bounding box, then the exact
WGS84 ellipsoidal distance (``pyproj.Geod``, vectorised) in Python. PostGIS is not needed
at this size: with 10 000 hazards around Helsinki, :func:`hazards_near` (500 m) took about
1 ms and a 1 km² :func:`open_hazards_in_bbox` about 3 ms, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Optional, Sequence

import numpy as np
from sqlalchemy import ColumnElement, func, or_, select, true

from ..clock import aware
from ..errors import ConflictError, InputError, NotFoundError
from ..validate import user_text
from ..vocabulary.hazards import (
    CLIENT_MAX,
    DEDUPE_RADIUS_M,
    DESCRIPTION_MAX,
    FLAGS_TO_HIDE,
    GONE_TO_RESOLVE,
    HAZARD_QUERY_MAX_RADIUS_M,
    KINDS,
    REPORT_BUDGET,
    REPORT_BUDGET_RADIUS_M,
    REPORT_BUDGET_WINDOW,
    SEVERITIES,
    lifetime,
)
from .db import REPORT_LOCK, Store
from .models import HAZARD_ID_MAX, Hazard, Vote

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.orm import Session

#: Columns of :func:`open_hazards_in_bbox` (what the ``hazards`` criterion reads).
FRAME_COLUMNS: tuple[str, ...] = ("id", "kind", "severity", "lat", "lon", "confirmations",
                                  "created_at", "seen_at", "expires_at", "description",
                                  "reporter")
#: The client an admin's review confirms a report as: never a client id (those are
#: SHA-256 hex digests), so it counts once beside any client.
ADMIN_CLIENT = "admin"

# Smallest metres per radian of latitude (the meridian's curvature radius at the equator)
# and the equatorial radius, for bounding boxes that surely hold a radius; 1 % margin.
_MERIDIAN_MIN_M = 6_335_439.0
_EQUATOR_M = 6_378_137.0
_MARGIN = 1.01


@dataclass(frozen=True)
class HazardReport:
    """A hazard as the web and CLI see it (no reporter id).

    ``flags`` is for the admin view; ``seen_at`` is when someone last said it is there.
    """

    id: int
    kind: str
    severity: str
    lat: float
    lon: float
    description: Optional[str]
    status: str
    confirmations: int
    flags: int
    created_at: datetime
    updated_at: datetime
    seen_at: datetime
    expires_at: Optional[datetime]

    def is_open(self, now: Optional[datetime] = None) -> bool:
        """Open and not expired at *now*."""
        return self.status == "open" and not _expired(self.expires_at, aware(now))

    @classmethod
    def of(cls, row: Hazard) -> "HazardReport":
        return cls(row.id, row.kind, row.severity, row.lat, row.lon, row.description,
                   row.status, row.confirmations, row.flags, row.created_at, row.updated_at,
                   row.seen_at, row.expires_at)


class ReportBudgetError(InputError):
    """The client has used its :data:`REPORT_BUDGET` here; it may report again after
    ``retry_after`` (a :class:`~datetime.timedelta`). The web answers it 429."""

    def __init__(self, message: str, retry_after: timedelta) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class FlaggedHazard:
    """A report for the admin list with the flaggers' reasons (empty ones left out)."""

    hazard: HazardReport
    reasons: tuple[str, ...]


# -- writes -------------------------------------------------------------------------------

def report_hazard(store: Store, kind: str, severity: str, lat: float, lon: float,
                  description: Optional[str], client: str, now: Optional[datetime] = None
                  ) -> tuple[HazardReport, Optional[int]]:
    """Record a hazard, or confirm the open one of the same kind within 25 m.

    Parameters
    ----------
    store
        The store.
    kind, severity
        One of :data:`KINDS` / :data:`SEVERITIES`.
    lat, lon
        WGS84 degrees.
    description
        Free text, at most :data:`DESCRIPTION_MAX` characters; blank means none.
    client
        Opaque client id (a hash of the address), never shown.
    now
        Timezone-aware time of the report.

    Returns
    -------
    tuple
        ``(hazard, merged_into)``: the new or confirmed hazard, and the id it was merged
        into (None when a new row was created).

    Raises
    ------
    InputError
        A bad kind, severity, coordinate, description, client or time.
    ReportBudgetError
        A new report past the client's budget here (nothing is stored).
    """
    now = aware(now)
    kind, severity = _choice(kind, KINDS, "kind"), _choice(severity, SEVERITIES, "severity")
    lat, lon = _coordinates(lat, lon)
    description = _text(description, "description")
    client = _client(client)
    with store.write(lock=REPORT_LOCK) as session:
        nearby = _near(session, lat, lon, DEDUPE_RADIUS_M, lock=True,
                       where=[Hazard.kind == kind, *_open_clause(now)])
        if nearby:
            hazard = nearby[0][0]
            _witness(session, hazard, client, now)
            hazard.severity = max(hazard.severity, severity, key=SEVERITIES.index)
            hazard.description = hazard.description or description
            return HazardReport.of(hazard), hazard.id
        _spend_budget(session, client, lat, lon, now)
        hazard = Hazard(kind=kind, severity=severity, lat=lat, lon=lon,
                        description=description, status="open", confirmations=1, flags=0,
                        reporter=client, created_at=now, updated_at=now, seen_at=now,
                        expires_at=_expiry(kind, now))
        session.add(hazard)
        session.flush()
        session.add(Vote(hazard_id=hazard.id, client=client, action="confirm", created_at=now))
        return HazardReport.of(hazard), None


def confirm(store: Store, hazard_id: int, client: str,
            now: Optional[datetime] = None) -> HazardReport:
    """"Still there": renew the lifetime from *now*; count the client once.

    Raises
    ------
    NotFoundError
        No such hazard.
    ConflictError
        The hazard is not open (resolved, hidden or expired: report it again).
    InputError
        A bad client or time.
    """
    now, client = aware(now), _client(client)
    with store.write() as session:
        hazard = _locked(session, hazard_id)
        if hazard.status != "open" or _expired(hazard.expires_at, now):
            state = "expired" if hazard.status == "open" else hazard.status
            raise ConflictError(f"hazard {hazard_id} is {state}: report it again if it is there")
        _witness(session, hazard, client, now)
        return HazardReport.of(hazard)


def mark_gone(store: Store, hazard_id: int, client: str,
              now: Optional[datetime] = None) -> HazardReport:
    """"It is gone": once :data:`GONE_TO_RESOLVE` distinct clients say so, an open report is
    resolved. A client counts once; saying it of a report that is not open is recorded and
    changes nothing.

    Raises
    ------
    NotFoundError
        No such hazard.
    InputError
        A bad client or time.
    """
    now, client = aware(now), _client(client)
    with store.write() as session:
        hazard = _locked(session, hazard_id)
        if _vote(session, hazard, client, "gone", None, now):
            hazard.updated_at = now
        if hazard.status == "open" and _count(session, hazard.id, "gone") >= GONE_TO_RESOLVE:
            hazard.status = "resolved"
        return HazardReport.of(hazard)


def flag(store: Store, hazard_id: int, client: str, reason: Optional[str],
         now: Optional[datetime] = None) -> HazardReport:
    """Flag a report as wrong or abusive; :data:`FLAGS_TO_HIDE` distinct clients since the
    last review hide it pending review.

    Raises
    ------
    NotFoundError
        No such hazard.
    InputError
        A reason over :data:`DESCRIPTION_MAX` characters, a bad client or time.
    """
    now, client, reason = aware(now), _client(client), _text(reason, "reason")
    with store.write() as session:
        hazard = _locked(session, hazard_id)
        if _vote(session, hazard, client, "flag", reason, now):
            hazard.flags += 1
            hazard.updated_at = now
            if hazard.flags >= FLAGS_TO_HIDE:
                hazard.status = "hidden"
        return HazardReport.of(hazard)


def hide(store: Store, hazard_id: int, now: Optional[datetime] = None) -> HazardReport:
    """Admin: hide a report (it stops counting and showing) until :func:`restore`.

    Raises
    ------
    NotFoundError
        No such hazard.
    """
    now = aware(now)
    with store.write() as session:
        hazard = _locked(session, hazard_id)
        hazard.status, hazard.updated_at = "hidden", now
        return HazardReport.of(hazard)


def restore(store: Store, hazard_id: int, now: Optional[datetime] = None) -> HazardReport:
    """Admin: the flags were reviewed and the report stands. Clears the flag count and
    reopens it, or resolves it if :data:`GONE_TO_RESOLVE` clients had said it was gone.
    The admin counts once among its confirmations (:data:`ADMIN_CLIENT`); the lifetime is
    not renewed.

    Raises
    ------
    NotFoundError
        No such hazard.
    """
    now = aware(now)
    with store.write() as session:
        hazard = _locked(session, hazard_id)
        gone = _count(session, hazard.id, "gone") >= GONE_TO_RESOLVE
        hazard.status = "resolved" if gone else "open"
        hazard.flags, hazard.updated_at = 0, now
        if _vote(session, hazard, ADMIN_CLIENT, "confirm", None, now):
            hazard.confirmations += 1
        return HazardReport.of(hazard)


# -- reads --------------------------------------------------------------------------------

def get_hazard(store: Store, hazard_id: int) -> HazardReport:
    """The report with this id, whatever its status (the caller decides what to show).

    Raises
    ------
    NotFoundError
        No such hazard.
    """
    hazard_id = _id(hazard_id)
    with store.read() as session:
        hazard = session.get(Hazard, hazard_id)
        if hazard is None:
            raise NotFoundError(f"no hazard {hazard_id}")
        return HazardReport.of(hazard)


def hazards_near(store: Store, lat: float, lon: float, radius_m: float,
                 now: Optional[datetime] = None, include_closed: bool = False
                 ) -> list[tuple[HazardReport, float]]:
    """Reports within *radius_m* metres, nearest first, with their distance in metres.

    Parameters
    ----------
    include_closed
        Also resolved and expired reports. Hidden ones are never listed here (see
        :func:`flagged_hazards`).

    Raises
    ------
    InputError
        Bad coordinates, a radius outside (0,
        :data:`~venuefinder.vocabulary.hazards.HAZARD_QUERY_MAX_RADIUS_M`], or a bad time.
    """
    now = aware(now)
    lat, lon = _coordinates(lat, lon)
    radius_m = _radius(radius_m)
    where = [Hazard.status != "hidden"] if include_closed else _open_clause(now)
    with store.read() as session:
        return [(HazardReport.of(h), d)
                for h, d in _near(session, lat, lon, radius_m, lock=False, where=where)]


def open_hazards_in_bbox(store: Store, west: float, south: float, east: float, north: float,
                         now: Optional[datetime] = None) -> "pd.DataFrame":
    """Open reports in a WGS84 box, as a frame for the ``hazards`` criterion.

    ``west > east`` means a box across the antimeridian.

    Returns
    -------
    pandas.DataFrame
        One row per open report, columns :data:`FRAME_COLUMNS` (times tz-aware UTC;
        ``reporter`` a number, the same for reports of the same client in this frame, never
        the client's id).

    Raises
    ------
    InputError
        Coordinates out of range, ``south > north``, or a bad time.
    """
    import pandas as pd

    now = aware(now)
    south, west = _coordinates(south, west)
    north, east = _coordinates(north, east)
    if south > north:
        raise InputError(f"south ({south}) is north of north ({north})")
    columns = [getattr(Hazard, c) for c in FRAME_COLUMNS]
    query = select(*columns).where(*_open_clause(now), Hazard.lat.between(south, north),
                                   _lon_clause(west, east)).order_by(Hazard.id)
    with store.read() as session:
        rows = session.execute(query).all()
    frame = pd.DataFrame.from_records([tuple(r) for r in rows], columns=list(FRAME_COLUMNS))
    frame["reporter"] = pd.factorize(frame["reporter"])[0].astype("int64")
    frame = frame.astype({"id": "int64", "confirmations": "int64", "lat": "float64",
                          "lon": "float64", "kind": object, "severity": object,
                          "description": object})
    for column in ("created_at", "seen_at", "expires_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True).dt.as_unit("us")
    return frame


def flagged_hazards(store: Store) -> list[FlaggedHazard]:
    """Admin list: hidden reports and reports with flags, hidden first, most flags first."""
    with store.read() as session:
        hazards = session.scalars(
            select(Hazard).where(or_(Hazard.status == "hidden", Hazard.flags > 0))
            .order_by((Hazard.status == "hidden").desc(), Hazard.flags.desc(), Hazard.id)
        ).all()
        reasons: dict[int, list[str]] = {h.id: [] for h in hazards}
        if hazards:
            for hazard_id, reason in session.execute(
                    select(Vote.hazard_id, Vote.reason)
                    .where(Vote.hazard_id.in_(reasons), Vote.action == "flag",
                           Vote.reason.is_not(None))
                    .order_by(Vote.id)):
                reasons[hazard_id].append(reason)
        return [FlaggedHazard(HazardReport.of(h), tuple(reasons[h.id])) for h in hazards]


# -- helpers ------------------------------------------------------------------------------

def _witness(session: "Session", hazard: Hazard, client: str, now: datetime) -> None:
    """Someone says the hazard is there: count them once; renew its lifetime."""
    if _vote(session, hazard, client, "confirm", None, now):
        hazard.confirmations += 1
    hazard.seen_at = max(hazard.seen_at, now)
    hazard.updated_at = now
    renewed = _expiry(hazard.kind, now, hazard.confirmations)
    hazard.expires_at = max(hazard.expires_at or renewed, renewed)


def _spend_budget(session: "Session", client: str, lat: float, lon: float,
                  now: datetime) -> None:
    """Raise :class:`ReportBudgetError` when *client* already added :data:`REPORT_BUDGET`
    reports within :data:`REPORT_BUDGET_RADIUS_M` of the point in the last
    :data:`REPORT_BUDGET_WINDOW`. The caller holds the report lock."""
    since = now - REPORT_BUDGET_WINDOW
    recent = _near(session, lat, lon, REPORT_BUDGET_RADIUS_M, lock=False,
                   where=[Hazard.reporter == client, Hazard.created_at > since])
    if len(recent) < REPORT_BUDGET:
        return
    # The budget frees up when enough of them have left the window for one more.
    freed = sorted(h.created_at for h, _ in recent)[len(recent) - REPORT_BUDGET]
    raise ReportBudgetError(
        f"at most {REPORT_BUDGET} new hazard reports per client within "
        f"{REPORT_BUDGET_RADIUS_M / 1000:g} km a day: this client has made {len(recent)} "
        "here; confirming an existing report is still possible",
        freed + REPORT_BUDGET_WINDOW - now)


def _vote(session: "Session", hazard: Hazard, client: str, action: str,
          reason: Optional[str], now: datetime) -> bool:
    """Record the vote; False when this client already cast it. The caller holds the
    hazard's row lock (or SQLite's write lock), so check-then-insert cannot race."""
    exists = session.scalar(select(Vote.id).where(
        Vote.hazard_id == hazard.id, Vote.client == client, Vote.action == action))
    if exists is not None:
        return False
    session.add(Vote(hazard_id=hazard.id, client=client, action=action, reason=reason,
                     created_at=now))
    return True


def _count(session: "Session", hazard_id: int, action: str) -> int:
    session.flush()
    return int(session.scalar(select(func.count()).select_from(Vote).where(
        Vote.hazard_id == hazard_id, Vote.action == action)) or 0)


def _locked(session: "Session", hazard_id: int) -> Hazard:
    """The hazard's row, locked until commit (``FOR UPDATE``; SQLite's write lock is
    already held)."""
    hazard_id = _id(hazard_id)
    hazard = session.scalar(select(Hazard).where(Hazard.id == hazard_id).with_for_update())
    if hazard is None:
        raise NotFoundError(f"no hazard {hazard_id}")
    return hazard


def _near(session: "Session", lat: float, lon: float, radius_m: float, lock: bool,
          where: Sequence[ColumnElement[bool]]) -> list[tuple[Hazard, float]]:
    """Hazards matching *where* within *radius_m*: an indexed box, then exact distances."""
    from pyproj import Geod

    dlat = math.degrees(radius_m / _MERIDIAN_MIN_M) * _MARGIN
    edge = min(abs(lat) + dlat, 90.0)
    cos_edge = math.cos(math.radians(edge))
    dlon = 360.0 if cos_edge < 1e-9 else math.degrees(
        radius_m / (_EQUATOR_M * cos_edge)) * _MARGIN
    query = select(Hazard).where(*where, Hazard.lat.between(lat - dlat, lat + dlat),
                                 _lon_clause(lon - dlon, lon + dlon)).order_by(Hazard.id)
    if lock:
        query = query.with_for_update()
    candidates = session.scalars(query).all()
    if not candidates:
        return []
    lats = np.array([h.lat for h in candidates])
    lons = np.array([h.lon for h in candidates])
    _, _, distance = Geod(ellps="WGS84").inv(np.full(len(lats), lon), np.full(len(lats), lat),
                                              lons, lats)
    # Stable sort: equal distances keep id order, so the oldest report absorbs a duplicate.
    order = np.argsort(distance, kind="stable")
    return [(candidates[i], float(distance[i])) for i in order if distance[i] <= radius_m]


def _lon_clause(west: float, east: float) -> ColumnElement[bool]:
    """Longitude between *west* and *east*, across the antimeridian when they wrap."""
    if east - west >= 360.0:
        return true()
    if west < -180.0:
        west += 360.0
    if east > 180.0:
        east -= 360.0
    if west <= east:
        return Hazard.lon.between(west, east)
    return or_(Hazard.lon >= west, Hazard.lon <= east)


def _open_clause(now: datetime) -> list[ColumnElement[bool]]:
    return [Hazard.status == "open",
            or_(Hazard.expires_at.is_(None), Hazard.expires_at > now)]


def _expired(expires_at: Optional[datetime], now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


def _expiry(kind: str, now: datetime, confirmations: int = 1) -> datetime:
    return now + lifetime(kind, confirmations)


def _choice(value: object, allowed: tuple[str, ...], what: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise InputError(f"unknown {what} {value!r}: one of {', '.join(allowed)}")
    return value


def _number(value: object, what: str) -> float:
    if isinstance(value, bool):
        raise InputError(f"{what} must be a number, not {value!r}")
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(f"{what} must be a number, not {value!r}") from None
    if not math.isfinite(number):
        raise InputError(f"{what} must be finite, not {value!r}")
    return number


def _coordinates(lat: object, lon: object) -> tuple[float, float]:
    lat_f, lon_f = _number(lat, "latitude"), _number(lon, "longitude")
    if not -90.0 <= lat_f <= 90.0:
        raise InputError(f"latitude {lat_f} is outside -90…90")
    if not -180.0 <= lon_f <= 180.0:
        raise InputError(f"longitude {lon_f} is outside -180…180")
    return lat_f, lon_f


def _radius(radius_m: object) -> float:
    radius = _number(radius_m, "radius")
    if not 0.0 < radius <= HAZARD_QUERY_MAX_RADIUS_M:
        raise InputError(f"radius {radius} m is outside (0, {HAZARD_QUERY_MAX_RADIUS_M:.0f}] m")
    return radius


def _text(value: object, what: str) -> Optional[str]:
    if value is None:
        return None
    if not isinstance(value, str):
        raise InputError(f"{what} must be text, not {type(value).__name__}")
    text = user_text(value, what, lines=True)
    if len(text) > DESCRIPTION_MAX:
        raise InputError(f"{what} is {len(text)} characters; at most {DESCRIPTION_MAX}")
    return text or None


def _client(client: object) -> str:
    if not isinstance(client, str) or not client.strip():
        raise InputError("a client id is required")
    if len(client) > CLIENT_MAX:
        raise InputError(f"client id longer than {CLIENT_MAX} characters")
    return client


def _id(hazard_id: object) -> int:
    """*hazard_id* as an int the ``hazards.id`` column can hold.

    Raises
    ------
    InputError
        Not a whole number.
    NotFoundError
        Outside 1 to :data:`~.models.HAZARD_ID_MAX`: no hazard can have it.
    """
    if isinstance(hazard_id, bool) or not isinstance(hazard_id, (int, np.integer)):
        raise InputError(f"a hazard id is a whole number, not {hazard_id!r}")
    if not 1 <= hazard_id <= HAZARD_ID_MAX:
        raise NotFoundError(f"no hazard {hazard_id}")
    return int(hazard_id)
