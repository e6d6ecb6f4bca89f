"""Hazards: open reports by runners of potholes, glass, flooding… on or near the venue.

The live criterion: its input is the store's open-hazard frame
(:func:`venuefinder.store.hazards.open_hazards_in_bbox`), applied per request, not cached
with the region. Pure: no database here; the vocabulary comes from
:mod:`venuefinder.vocabulary.hazards`, the one place it is defined.

A report counts when its point lies on the venue or within :data:`REACH_M` of its edge (a
runner going backwards drifts that far off a marked area without noticing). Each counted
report takes a share ``p`` off the score, and shares multiply: ``score = 100 × Π(1 − p)``.
``p`` lies in its severity's range (:data:`PENALTY`), placed by a weight in 0–1:

    weight = KIND_WEIGHT[kind] × (1 − ½^confirmations) × ½^(age / half-life)

* ``confirmations`` counts the people who said it is there (the reporter included): one
  person's report weighs ½, two ¾, three ⅞ of a fully trusted one.
* ``age`` runs from when someone last said it is there (``seen_at``, else ``created_at``);
  the half-life is half the report's lifetime in the store
  (:func:`~venuefinder.vocabulary.hazards.lifetime`: glass 1.5 days, potholes 45, an
  unconfirmed hill 15). Older unconfirmed reports weigh less; a confirmation makes a
  report fresh again.

One high-severity report brings the score below 40 whatever its age (its range starts at
0.62, so the score is at most 38) and sets ``high_severity``.

One client cannot sink a venue alone (the numbers are in :mod:`venuefinder.vocabulary.hazards`):

* **A client counts once per venue**: of one client's open reports near a venue (the
  frame's ``reporter``), only its worst counts; the reason says how many more there are.
* **The heaviest effects need two clients**
  (:data:`~venuefinder.vocabulary.hazards.CORROBORATING_CLIENTS`): the ``cap`` of
  :data:`HIGH_SEVERITY_CAP` (which ``combine`` applies: such a venue is never green) needs
  high-severity reports from two clients or one confirmed by another; a veto (a score
  below ``veto_below``) needs two clients' reports or one confirmed report, else the score
  stops at ``veto_below``. A client's own word still counts at once: the report lowers the
  score and is listed.

The clients behind a venue's counted reports are at least as many as the reports (one per
client) and as the most confirmations one of them has; that lower bound is what is
checked, so no client id is needed beyond "same or not".

In the combined score the criterion has no weight (a place nobody reported on is not
better for it); instead :data:`PENALTY_SHARE` of what the reports took off comes off the
combined score (``penalty``), and a score below the veto threshold vetoes as any other.

Evidence: ``tagged`` when reports count: they are people's observations of the place, like
a mapper's tag, and not a measurement. With none the score is 100 with evidence ``prior``:
the absence of reports says little (most places are never reported on either way), so it
must not raise the venue's confidence.

A "steep hill" report also says how level the ground is, which is the flatness criterion's
question: :func:`with_hill_reports` lowers a venue's flatness to the slope its severity
names (:data:`HILL_SLOPE_PCT`), with the report as its reason and evidence ``tagged``, so
the card never says "built level" beside "steep hill". The steepest (high: 8 %, a score of
20) needs two clients like the other heavy effects; until then a high hill report counts as
a medium one (6 %). Here the report weighs least (:data:`KIND_WEIGHT`), and its line says
where the slope is counted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Optional

import numpy as np

from ..clock import aware
from ..errors import InputError
from ..vocabulary.hazards import CORROBORATING_CLIENTS, KIND_LABELS, KINDS, SEVERITIES, lifetime
from .flatness import slope_to_score

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd
    from pyproj import CRS

    from . import ScoringContext

#: Reports this close to a venue's edge (metres) count for it.
REACH_M = 15.0
#: Share of the score one report takes off, by severity: (least, most), reached at weight
#: 0 and 1. The high range starts above 0.6 so that one such report alone scores below 40.
PENALTY: dict[str, tuple[float, float]] = {
    "low": (0.08, 0.25),
    "medium": (0.25, 0.55),
    "high": (0.62, 0.95),
}
#: How much each kind matters to someone running backwards at a given severity: a trip or
#: a fall (pothole, glass, obstacle, water or ice) fully; uneven ground a little less; a
#: hill (it lowers flatness, where slope is scored) and darkness (only at night) least.
KIND_WEIGHT: dict[str, float] = {
    "pothole": 1.0, "glass": 1.0, "obstacle": 1.0, "flooding": 1.0,
    "surface": 0.8, "other": 0.7, "dark": 0.6, "hill": 0.6,
}
#: Share of what reports take off this criterion's score that comes off the combined score
#: (the criterion has no weight in the mean: no reports must not raise a place's score).
PENALTY_SHARE = 0.3
#: Most the combined score may be with an open high-severity report: below green (75).
HIGH_SEVERITY_CAP = 74.0
NO_REPORTS = "No open hazard reports"
#: The slope (percent) a "steep hill" report says the ground has, by severity, read through
#: the flatness table: low 4 % ("clearly sloped", 70), medium 6 % (past the 5 % at which a
#: walkway is a ramp, 45), high 8 % (the steepest ramp allowed, 20: at the veto threshold
#: but not under it, so a hill report never vetoes a place on its own). The high slope
#: needs two clients; until then a high report counts as medium.
HILL_SLOPE_PCT: dict[str, float] = {"low": 4.0, "medium": 6.0, "high": 8.0}
#: What a hill report's line in this criterion's reason adds: where its slope is scored.
HILL_NOTE = "its slope counted in flatness"

_DAY = np.timedelta64(1, "D")


def report_weight(kinds: "np.ndarray", confirmations: "np.ndarray",
                  age_days: "np.ndarray") -> "np.ndarray":
    """Weight (0–1) of reports, as in the module docstring."""
    kinds = np.asarray(kinds, dtype=object)
    confirmations = np.maximum(np.asarray(confirmations, dtype=float), 1.0)
    half_life = np.array([lifetime(k, c) / 2 / timedelta(days=1)
                          for k, c in zip(kinds, confirmations)], dtype=float)
    kind_weight = np.array([KIND_WEIGHT[k] for k in kinds], dtype=float)
    confirmed = 1.0 - 0.5 ** confirmations
    fresh = 0.5 ** (np.maximum(np.asarray(age_days, dtype=float), 0.0) / half_life)
    return kind_weight * confirmed * fresh


def score_hazards(venues: "gpd.GeoDataFrame", context: "ScoringContext") -> "pd.DataFrame":
    """The registry's entry point: :func:`hazard_scores` with the open reports in
    ``context.extra["hazards"]`` (none when absent), the time in ``context.extra["now"]``
    and the settings' veto threshold.
    """
    import pandas as pd

    hazards = context.extra.get("hazards")
    if hazards is None:
        hazards = pd.DataFrame({c: [] for c in ("kind", "severity", "lat", "lon",
                                                "confirmations", "created_at", "reporter")})
    return hazard_scores(venues, hazards, context.crs, context.extra.get("now"),
                         veto_below=context.settings.veto_below)


def hazard_scores(venues_metric: "gpd.GeoDataFrame", hazards: "pd.DataFrame",
                  crs: "CRS | str", now: Optional[datetime] = None, *,
                  veto_below: float) -> "pd.DataFrame":
    """Score each venue by the open hazard reports on or within :data:`REACH_M` of it.

    Parameters
    ----------
    venues_metric
        Venues in the metric CRS *crs*.
    hazards
        Open reports, columns as :func:`venuefinder.store.hazards.open_hazards_in_bbox`
        (``kind``, ``severity``, ``lat``, ``lon`` WGS84, ``confirmations``, ``created_at``,
        ``reporter``: equal for reports of the same client; optionally ``seen_at`` and
        ``expires_at``; times tz-aware). Reports expired at *now* are left out, so a cached
        frame stays right as time passes.
    crs
        The region's metric CRS.
    now
        Timezone-aware time of scoring; default now in UTC.
    veto_below
        The settings' veto threshold: the least a venue scores while one client alone
        stands behind its reports.

    Returns
    -------
    pandas.DataFrame
        Index ``venues_metric.index``: ``score`` (0–100), ``reason`` (the reports, worst
        first: "pothole, high, confirmed by 2, 3 days ago; glass or debris, low, today"),
        ``evidence`` (``tagged`` or ``prior``), ``high_severity`` (bool: a high report
        counts), ``hazard_count`` (int: the reports counted, one per client), ``penalty``
        (points off the combined score: :data:`PENALTY_SHARE` of what the reports took off
        this score), ``cap`` (:data:`HIGH_SEVERITY_CAP` when two clients stand behind a high
        report, else 100) and ``cap_note`` (str or None).

    Raises
    ------
    InputError
        A naive *now*, or a report of unknown kind or severity.
    """
    import pandas as pd

    now = aware(now)
    n = len(venues_metric)
    reports = _current(hazards, now)
    venue_idx, report_idx = _pairs(venues_metric, reports, crs)

    kinds = reports["kind"].to_numpy(dtype=object)[report_idx]
    severity = reports["severity"].to_numpy(dtype=object)[report_idx]
    confirmations = reports["confirmations"].to_numpy(dtype=float)[report_idx]
    reporter = _reporters(reports)[report_idx]
    age_days = _age_days(reports, now)[report_idx]
    weight = report_weight(kinds, confirmations, age_days)
    low = np.array([PENALTY[s][0] for s in severity], dtype=float)
    high = np.array([PENALTY[s][1] for s in severity], dtype=float)
    penalty = low + (high - low) * weight

    # One count per client and venue: its worst report (ties: the oldest id).
    ids = reports["id"].to_numpy()[report_idx] if "id" in reports else report_idx
    order = np.lexsort((ids, -penalty, reporter, venue_idx))
    first = np.ones(len(order), dtype=bool)
    first[1:] = ((venue_idx[order][1:] != venue_idx[order][:-1])
                 | (reporter[order][1:] != reporter[order][:-1]))
    counted = np.zeros(len(order), dtype=bool)
    counted[order[first]] = True
    more = np.bincount(venue_idx[~counted], minlength=n)
    venue_idx, kinds, severity = venue_idx[counted], kinds[counted], severity[counted]
    confirmations, age_days, penalty = (confirmations[counted], age_days[counted],
                                        penalty[counted])

    kept = np.exp(np.bincount(venue_idx, weights=np.log1p(-penalty), minlength=n))
    count = np.bincount(venue_idx, minlength=n)
    is_high = severity == "high"
    corroborated = _corroborated(venue_idx, np.ones(len(venue_idx), bool), confirmations, n)
    capped = _corroborated(venue_idx, is_high, confirmations, n)
    # One client's word lowers the score at once but never vetoes: it stops at the threshold.
    score = 100.0 * kept
    score = np.where((count > 0) & ~corroborated, np.maximum(score, veto_below), score)

    # Reasons, worst report first; a loop only over the few (venue, report) pairs.
    reasons = np.full(n, NO_REPORTS, dtype=object)
    parts: dict[int, list[str]] = {}
    for i in np.lexsort((-penalty, venue_idx)):
        text = _describe(kinds[i], severity[i], int(confirmations[i]), age_days[i])
        parts.setdefault(int(venue_idx[i]), []).append(
            f"{text} ({HILL_NOTE})" if kinds[i] == "hill" else text)
    for v, texts in parts.items():
        if more[v]:
            texts.append(f"{more[v]} more by the same {'person' if count[v] == 1 else 'people'}"
                         " (a person's reports here count once: the worst)")
        reasons[v] = "; ".join(texts)

    return pd.DataFrame({
        "score": np.round(score, 1),
        "reason": reasons,
        "evidence": np.where(count > 0, "tagged", "prior").astype(object),
        "high_severity": np.bincount(venue_idx, weights=is_high, minlength=n) > 0,
        "hazard_count": count,
        "penalty": np.round((100.0 - score) * PENALTY_SHARE, 1),
        "cap": np.where(capped, HIGH_SEVERITY_CAP, 100.0),
        "cap_note": np.where(capped, "An open high-severity hazard that two people reported or "
                             f"confirmed: at most {HIGH_SEVERITY_CAP:.0f}", None).astype(object),
    }, index=venues_metric.index)


def _corroborated(venue_idx: "np.ndarray", which: "np.ndarray", confirmations: "np.ndarray",
                  n: int) -> "np.ndarray":
    """Per venue: whether :data:`CORROBORATING_CLIENTS` clients stand behind the counted
    reports *which* selects (one report per client, so their number; or one report's own
    confirmations, each a distinct client)."""
    reports = np.bincount(venue_idx[which], minlength=n)
    most = np.zeros(n)
    np.maximum.at(most, venue_idx[which], confirmations[which])
    return np.maximum(reports, most) >= CORROBORATING_CLIENTS


def _current(hazards: "pd.DataFrame", now: datetime) -> "pd.DataFrame":
    """The reports still open at *now*, checked against the vocabulary."""
    import pandas as pd

    reports = hazards
    if "expires_at" in reports and len(reports):
        expires = pd.to_datetime(reports["expires_at"], utc=True)
        reports = reports[expires.isna() | (expires > pd.Timestamp(now))]
    unknown = sorted(set(reports["kind"]) - set(KINDS))
    if unknown:
        raise InputError(f"unknown hazard kind(s) {unknown}: one of {', '.join(KINDS)}")
    unknown = sorted(set(reports["severity"]) - set(SEVERITIES))
    if unknown:
        raise InputError(f"unknown severity {unknown}: one of {', '.join(SEVERITIES)}")
    return reports


def _pairs(venues: "gpd.GeoDataFrame", reports: "pd.DataFrame",
           crs: "CRS | str") -> tuple["np.ndarray", "np.ndarray"]:
    """(venue position, report position) of every report within reach of a venue."""
    import geopandas as gpd
    import shapely

    if not len(venues) or not len(reports):
        return np.zeros(0, dtype=int), np.zeros(0, dtype=int)
    # geopandas caches the transformer: building one costs ~20 ms, a request's whole budget.
    points = gpd.points_from_xy(reports["lon"].to_numpy(dtype=float),
                                reports["lat"].to_numpy(dtype=float), crs="EPSG:4326")
    tree = shapely.STRtree(venues.geometry.to_numpy())
    report_idx, venue_idx = tree.query(np.asarray(points.to_crs(crs)), predicate="dwithin",
                                       distance=REACH_M)
    return venue_idx, report_idx


def with_hill_reports(flatness: "pd.DataFrame", venues_metric: "gpd.GeoDataFrame",
                      hazards: "pd.DataFrame", crs: "CRS | str",
                      now: Optional[datetime] = None) -> "pd.DataFrame":
    """The flatness criterion's frame with the open "steep hill" reports applied.

    A venue a hill report is within :data:`REACH_M` of scores at most the flatness of the
    steepest report's slope (:data:`HILL_SLOPE_PCT`; the high one only when two clients
    stand behind it, else the medium one); when that lowers it, the reason is the report
    and the evidence ``tagged`` (a measurement or a mapped slope it overrides is kept after
    it; a prior is dropped: "built level" is what the runner contradicts). When the score
    was already lower, the report is added to the reason.

    Parameters
    ----------
    flatness
        ``score``, ``reason``, ``evidence`` on ``venues_metric.index``.
    venues_metric, hazards, crs, now
        As for :func:`hazard_scores`.

    Returns
    -------
    pandas.DataFrame
        A copy of *flatness* (the same object when no hill report touches a venue).
    """
    now = aware(now)
    reports = _current(hazards, now)
    reports = reports[reports["kind"].to_numpy(dtype=object) == "hill"]
    venue_idx, report_idx = _pairs(venues_metric, reports, crs)
    if not len(venue_idx):
        return flatness
    n = len(venues_metric)
    severity = reports["severity"].to_numpy(dtype=object)[report_idx]
    confirmations = reports["confirmations"].to_numpy(dtype=float)[report_idx]
    is_high = severity == "high"
    # Clients behind a venue's high reports: distinct reporters, or one report's confirmations.
    pairs = np.unique(np.column_stack([venue_idx, _reporters(reports)[report_idx]])[is_high],
                      axis=0)
    witnesses = np.bincount(pairs[:, 0], minlength=n)
    np.maximum.at(witnesses, venue_idx[is_high], confirmations[is_high].astype(int))
    held = is_high & (witnesses[venue_idx] < CORROBORATING_CLIENTS)
    named = np.array([HILL_SLOPE_PCT[s] for s in severity], dtype=float)
    slope = np.where(held, HILL_SLOPE_PCT["medium"], named)
    steepest = np.zeros(n)
    np.maximum.at(steepest, venue_idx, slope)
    waiting = np.bincount(venue_idx, weights=held, minlength=n) > 0
    cap = np.where(steepest > 0, slope_to_score(steepest), np.inf)
    old = flatness["score"].to_numpy(dtype=float)
    lowered = cap < old

    out = flatness.copy()
    out["score"] = np.round(np.where(lowered, cap, old), 1)
    out["evidence"] = np.where(lowered, "tagged", flatness["evidence"].to_numpy(dtype=object))
    # Reasons: a loop over the few (venue, report) pairs, steepest first.
    age_days = _age_days(reports, now)[report_idx]
    lines: dict[int, list[str]] = {}
    for i in np.lexsort((-named, venue_idx)):
        lines.setdefault(int(venue_idx[i]), []).append(
            _describe("hill", severity[i], int(confirmations[i]), age_days[i]))
    reasons = flatness["reason"].to_numpy(dtype=object).copy()
    evidence = flatness["evidence"].to_numpy(dtype=object)
    for v, texts in lines.items():
        reported = f"Reported here: {'; '.join(texts)}"
        scored = f"scored as a {steepest[v]:.0f}% slope"
        if waiting[v] and steepest[v] < HILL_SLOPE_PCT["high"]:
            scored += f" ({HILL_SLOPE_PCT['high']:.0f}% once someone else confirms it)"
        if not lowered[v]:
            reasons[v] = f"{reasons[v]}; also reported here: {'; '.join(texts)}"
        elif evidence[v] == "prior":
            reasons[v] = f"{reported}; {scored} instead of the guess ({old[v]:.0f})"
        else:
            reasons[v] = f"{reported}; {scored} (before the report: {reasons[v]})"
    out["reason"] = reasons
    return out


def _reporters(reports: "pd.DataFrame") -> "np.ndarray":
    """The reports' clients as small ints: equal for the same client."""
    import pandas as pd

    return pd.factorize(reports["reporter"])[0].astype(np.int64)


def _age_days(reports: "pd.DataFrame", now: datetime) -> "np.ndarray":
    """Days since someone last said each report is there (``seen_at``, else ``created_at``)."""
    import pandas as pd

    seen = reports["seen_at" if "seen_at" in reports else "created_at"]
    return (pd.Timestamp(now) - seen).to_numpy() / _DAY


def _describe(kind: str, severity: str, confirmations: int, age_days: float) -> str:
    parts = [KIND_LABELS[kind], severity]
    if confirmations > 1:
        parts.append(f"confirmed by {confirmations - 1}")
    days = int(max(age_days, 0.0) // 1)
    parts.append("today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago")
    return ", ".join(parts)
