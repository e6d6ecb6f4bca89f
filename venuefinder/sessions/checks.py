"""The checks before a session is published, each with a level and its reason.

Levels: ``ok``; ``warn`` (publish, but the page says why); ``refuse`` (not published: the
venue far too small for the group or the plan, or a venue the map does not recommend).

==========  =======================================================================
check       what it weighs
==========  =======================================================================
fit         the group against the room: usable area per runner
            (:data:`AREA_PER_RUNNER_M2` for field drills), or on a track lanes × lap
            (or straight) per runner (:data:`TRACK_M_PER_RUNNER`); the expected group
            decides the level, the capacity can add a warning (a full session), and
            so does an expected group larger than the places (some would wait)
run         the venue's longest straight run (a loop track: its lap; for the yo-yo its
            straight) against what the plan needs (:data:`~.plans.RUN_NEEDS`)
plan        the plan's total against the session's duration (warn when longer)
daylight    sunrise and sunset at the venue on the day (astral), in the venue's zone,
            against start and end; any part after dark is fine on a lit venue
            (``lit=yes`` …) and a warning when it is not lit or nobody mapped it
hazards     open hazard reports at the venue (from the store, via the venue's
            ``hazard_count`` and ``reasons.hazards``): a warning naming them
score       the venue's score and confidence: refused below :data:`REFUSE_BELOW` or
            when vetoed (naming its weakest criterion's reason, and a court's net,
            hoops or walls), a warning below green (:data:`GOOD_SCORE`) or when
            mostly guessed
==========  =======================================================================

Fit thresholds, per runner: ``ok`` from the need, ``refuse`` under a quarter of it:

* field drills: 100 m² (a 10 m square each: room to run backwards without drifting into
  anyone), refuse under 25 m² (a 5 m square: collisions);
* a track: 20 m of lane (13 s apart at half speed backwards), refuse under 5 m. Its
  ``lanes`` when mapped (:func:`~venuefinder.venues.track_lanes`: a whole number 1–12);
  OSM rarely maps them, so otherwise :data:`DEFAULT_LANES` is assumed (the 5 m default
  width of a track drawn as a line), and the reason says so.

A new session's suggested start (:func:`daylight_start`) is in daylight: tomorrow at
:data:`DEFAULT_START` at the venue, else the nearest quarter hour with light from
:data:`LIGHT_BEFORE` before it to :data:`LIGHT_AFTER` after it, else solar noon.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any, Mapping, Optional, Sequence

from ..venues import track_lanes
from ..vocabulary import COURT_SPORTS, first_value_in
from .plans import RUN_NEEDS, Plan, VenueRoom, duration_text

LEVELS: tuple[str, ...] = ("ok", "warn", "refuse")
#: Order of the checks on the page and in the API.
CHECK_NAMES: tuple[str, ...] = ("fit", "run", "plan", "daylight", "hazards", "score")

AREA_PER_RUNNER_M2 = 100.0
AREA_REFUSE_M2 = 25.0
TRACK_M_PER_RUNNER = 20.0
TRACK_REFUSE_M = 5.0
DEFAULT_LANES = 4

#: Plans as a sentence names them.
PLAN_IN_TEXT: dict[str, str] = {"first-steps": "first steps", "build-up": "the build-up",
                                "yo-yo": "the yo-yo", "custom": "this plan"}

#: The sun's centre this far below the horizon (degrees, geometric) is sunset: refraction
#: and the sun's radius, as astral's sunrise and sunset use.
SUNSET_ELEVATION_DEG = -0.833
#: ``lit=*`` values meaning lit whenever it is dark, and meaning not lit.
LIT_YES = frozenset({"yes", "24/7", "automatic", "sunset-sunrise", "dusk-dawn"})
LIT_NO = frozenset({"no", "disused"})

#: A new session's suggested start, local time (a morning most clubs can make), and the
#: light it needs before (the warm-up, arriving) and after it (the session, the way home).
DEFAULT_START = time(10, 0)
LIGHT_BEFORE = timedelta(hours=1)
LIGHT_AFTER = timedelta(hours=2)

#: The map's green: a venue scored this or more is among the safest.
GOOD_SCORE = 75.0
#: The map's amber line: below it a venue is not recommended, and no session is published
#: there (nor at a vetoed one, which is below it anyway).
REFUSE_BELOW = 50.0
#: Below this confidence (%) the score rests mostly on guesses from the venue's kind.
MIN_CONFIDENCE = 50.0


@dataclass(frozen=True)
class Check:
    """One check: ``name`` (of :data:`CHECK_NAMES`), ``level`` (of :data:`LEVELS`) and the
    sentence behind it."""

    name: str
    level: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "level": self.level, "reason": self.reason}


def session_checks(properties: Mapping[str, Any], lat: float, lon: float, start: datetime,
                   duration_min: int, group_size: int, capacity: int,
                   plan: Plan) -> list[Check]:
    """Every check of a session at a venue, in :data:`CHECK_NAMES` order.

    Parameters
    ----------
    properties
        The venue feature's properties (:mod:`venuefinder.serialize`; with the live hazards
        criterion when a store is read).
    lat, lon
        A point on the venue, WGS84.
    start
        Aware, in the venue's zone (times in reasons are that zone's).
    duration_min, group_size, capacity
        The session's.
    plan
        Its plan.
    """
    room = VenueRoom.of(properties)
    end = start + timedelta(minutes=duration_min)
    return [check_fit(room, group_size, capacity, mapped_lanes(properties)),
            check_run(room, plan),
            check_plan(plan, duration_min),
            check_daylight(lat, lon, start, end, properties.get("lit")),
            check_hazards(properties), check_score(properties)]


def mapped_lanes(properties: Mapping[str, Any]) -> Optional[int]:
    """The venue's mapped ``lanes`` (a track's), None when unmapped or not a whole number
    1–12 (:func:`~venuefinder.venues.track_lanes`)."""
    import pandas as pd

    lanes = track_lanes(pd.Series([properties.get("lanes")], dtype=object))[0]
    return None if math.isnan(lanes) else int(lanes)


def refusals(checks: Sequence[Check]) -> list[Check]:
    """The checks that refuse publishing."""
    return [c for c in checks if c.level == "refuse"]


def worst(checks: Sequence[Check]) -> str:
    """The worst level among *checks* (``ok`` for none)."""
    return max((c.level for c in checks), key=LEVELS.index, default="ok")


def check_fit(room: VenueRoom, group_size: int, capacity: int,
              lanes: Optional[int] = None) -> Check:
    """Does the group fit the venue? (See the module docstring for the thresholds.)"""
    if room.is_track and room.longest_run_m > 0:
        assumed = "" if lanes else ", lanes assumed"
        lanes = lanes or DEFAULT_LANES
        length = room.lap_m if room.lap_m is not None else room.longest_run_m
        space = lanes * length
        need, floor, unit = TRACK_M_PER_RUNNER, TRACK_REFUSE_M, "m of lane"
        what = (f"{space:,.0f} m of lane ({lanes} lanes × {length:,.0f} m "
                f"{'lap' if room.lap_m is not None else 'straight'}{assumed})")
    else:
        space = room.usable_area_m2
        need, floor, unit = AREA_PER_RUNNER_M2, AREA_REFUSE_M2, "m²"
        what = f"{space:,.0f} m² of usable area"
    if space <= 0:
        return Check("fit", "refuse", "No usable room measured at this venue: nowhere for "
                     "a group to run backwards")
    fits = int(space // need)
    per_runner = space / group_size
    level = _fit_level(per_runner, need, floor)
    reason = (f"{what}: room for {fits} at {need:,.0f} {unit} each; the {group_size} "
              f"expected get {per_runner:,.0f} {unit} each")
    if level == "warn":
        reason += ": tight, keep the group spread out"
    elif level == "refuse":
        reason += (f", under {floor:,.0f} {unit}: far too small for this group; choose a "
                   f"bigger venue or a smaller group")
    per_place = space / capacity
    if capacity > group_size and level == "ok" and _fit_level(per_place, need, floor) != "ok":
        level = "warn"
        reason += (f"; at the full {capacity} places each gets {per_place:,.0f} {unit}: "
                   "tight")
    if group_size > capacity:
        level = "refuse" if level == "refuse" else "warn"
        waiting = group_size - capacity
        reason += (f"; the {group_size} expected are more than the {capacity} places: "
                   f"{waiting} would wait on the waitlist (add places, or expect fewer)")
    return Check("fit", level, reason)


def check_run(room: VenueRoom, plan: Plan) -> Check:
    """Is the venue's run long enough for the plan? (:data:`~.plans.RUN_NEEDS`)"""
    metres, what = room.plan_run(plan.name)
    refuse_below, ok_from = RUN_NEEDS[plan.name]
    name = PLAN_IN_TEXT[plan.name]
    what = what[0].upper() + what[1:]
    if metres >= ok_from:
        return Check("run", "ok", f"{what}: room for {name} (from {ok_from:,.0f} m)")
    if metres >= refuse_below:
        return Check("run", "warn", f"{what}: short for {name} (it suits {ok_from:,.0f} m "
                     "or more): expect many turns, and turn facing the way you go")
    return Check("run", "refuse", f"{what}: too short for {name}, which needs at least "
                 f"{refuse_below:,.0f} m")


def check_plan(plan: Plan, duration_min: int) -> Check:
    """Does the plan fit in the session?"""
    total = plan.total_s
    if total <= duration_min * 60:
        return Check("plan", "ok", f"The plan takes {duration_text(total)} of the "
                     f"{duration_text(duration_min * 60)} session")
    return Check("plan", "warn", f"The plan takes {duration_text(total)}, longer than the "
                 f"{duration_text(duration_min * 60)} session: shorten it or the session "
                 "will run over")


def check_daylight(lat: float, lon: float, start: datetime, end: datetime,
                   lit: Optional[str]) -> Check:
    """Is it light at the venue from *start* to *end* (aware, in the venue's zone), and if
    not, is the venue lit?"""
    from astral import Observer

    observer = Observer(latitude=lat, longitude=lon)
    zone = start.tzinfo
    dark = _dark_minutes(observer, start, end)
    day = _sun_day(observer, start.date(), zone)
    where = getattr(zone, "key", str(zone))
    if dark == 0:
        return Check("daylight", "ok", f"All in daylight ({day}, {where} time)")
    total = math.ceil((end - start).total_seconds() / 60.0)
    when = ("All of it is after dark" if dark >= total
            else f"{dark} of its {total} min are after dark")
    reason = f"{when} ({day}, {where} time)"
    value = (lit or "").strip()
    if value in LIT_YES:
        return Check("daylight", "ok", f"{reason}; the venue is lit (lit={value})")
    if value in LIT_NO:
        return Check("daylight", "warn", f"{reason}, and the venue is not lit (lit={value}): "
                     "start earlier, or bring lights and wear something bright")
    if value:
        return Check("daylight", "warn", f"{reason}; the venue is lit only at some times "
                     f"(lit={value[:40]}): check the lights will be on")
    return Check("daylight", "warn", f"{reason}, and nobody has mapped whether the venue is "
                 "lit: look before you go, or bring lights")


def daylight_start(lat: float, lon: float, zone: tzinfo, now: datetime) -> datetime:
    """Tomorrow's suggested start at the venue, in daylight (see the module docstring).

    Parameters
    ----------
    lat, lon
        A point on the venue, WGS84.
    zone
        The venue's zone; the start is aware in it.
    now
        Aware; "tomorrow" is the venue's.
    """
    from astral import Observer
    from astral.sun import noon

    observer = Observer(latitude=lat, longitude=lon)
    day = now.astimezone(zone).date() + timedelta(days=1)
    start = datetime.combine(day, DEFAULT_START, tzinfo=zone)
    quarter = timedelta(minutes=15)
    # 10:00, 10:15, 09:45, 10:30, … over the whole day: the nearest start with light.
    for k in range(2 * 24 * 4):
        candidate = start + quarter * ((k + 1) // 2) * (1 if k % 2 else -1)
        if candidate.date() == day and _dark_minutes(
                observer, candidate - LIGHT_BEFORE, candidate + LIGHT_AFTER) == 0:
            return candidate
    midday = noon(observer, day, tzinfo=zone)  # a polar night: its lightest moment
    return midday.replace(minute=midday.minute - midday.minute % 15, second=0,
                          microsecond=0)


def check_hazards(properties: Mapping[str, Any]) -> Check:
    """Open hazard reports at the venue, as the live hazards criterion counted them."""
    count = properties.get("hazard_count")
    if count is None:
        return Check("hazards", "warn", "Hazard reports could not be read for this venue: "
                     "look before you run")
    if count == 0:
        return Check("hazards", "ok", "No open hazard reports at the venue")
    detail = (properties.get("reasons") or {}).get("hazards") or ""
    plural = "report" if count == 1 else "reports"
    return Check("hazards", "warn", f"{count} open hazard {plural} at the venue: {detail}; "
                 "check the ground before the group runs")


def check_score(properties: Mapping[str, Any]) -> Check:
    """The venue's current score and confidence: a venue below :data:`REFUSE_BELOW`, or
    vetoed, is refused, and the reason says why (:func:`_why_unsafe`)."""
    score = float(properties.get("score") or 0.0)
    confidence = float(properties.get("confidence") or 0.0)
    vetoed = properties.get("vetoed_by")
    band = ("among the safest" if score >= GOOD_SCORE
            else "fair" if score >= REFUSE_BELOW else "poor")
    reason = f"Venue score {score:.0f}/100 ({band}), confidence {confidence:.0f} %"
    if vetoed or score < REFUSE_BELOW:
        return Check("score", "refuse", f"{reason}: {_why_unsafe(properties, vetoed)}; not "
                     "a place for a group running backwards: choose another venue")
    level = "ok" if score >= GOOD_SCORE else "warn"
    if confidence < MIN_CONFIDENCE:
        reason += "; mostly guessed from the kind of place, so look at it first"
        level = "warn"
    return Check("score", level, reason)


# -- helpers ------------------------------------------------------------------------------

def _why_unsafe(properties: Mapping[str, Any], vetoed: Optional[str]) -> str:
    """Why a venue is not recommended: what stands on a court (its obstacles reason: "A net
    crosses the tennis court"), then the criterion that vetoed it, else its weakest."""
    scores = properties.get("scores") or {}
    reasons = properties.get("reasons") or {}
    parts = []
    if _is_court(properties) and reasons.get("obstacles"):
        parts.append(str(reasons["obstacles"]))
    weakest = vetoed or min(scores, key=lambda c: scores[c], default=None)
    if weakest is not None and not (parts and weakest == "obstacles"):
        head = "held down by" if vetoed else "its weakest criterion is"
        points = f" ({float(scores[weakest]):.0f}/100)" if weakest in scores else ""
        why = reasons.get(weakest)
        parts.append(f"{head} {weakest}{points}" + (f": {why}" if why else ""))
    return "; ".join(parts) or f"below {REFUSE_BELOW:.0f}"


def _is_court(properties: Mapping[str, Any]) -> bool:
    """A pitch whose sport is played on a court (a net, hoops or walls on it), the rule
    of the obstacles criterion."""
    import pandas as pd

    sport = first_value_in(pd.Series([properties.get("sport")], dtype=object), COURT_SPORTS)
    return properties.get("kind") == "pitch" and bool(sport[0])


def _fit_level(per_runner: float, need: float, floor: float) -> str:
    return "ok" if per_runner >= need else "warn" if per_runner >= floor else "refuse"


def _dark_minutes(observer: Any, start: datetime, end: datetime) -> int:
    """Whole minutes (rounded up) of [start, end] with the sun down.

    The sunrises and sunsets of the days around split the span into pieces of constant
    light; the sun's elevation in the middle of each says whether it is dark (which also
    covers polar days and nights, when there are no sunrises or sunsets at all).
    """
    from astral.sun import elevation, sunrise, sunset

    zone = start.tzinfo
    cuts = {start, end}
    day = start.date() - timedelta(days=1)
    while day <= end.date() + timedelta(days=1):
        for event in (sunrise, sunset):
            try:
                moment = event(observer, day, tzinfo=zone)
            except ValueError:  # the sun does not rise or set that day
                continue
            if start < moment < end:
                cuts.add(moment)
        day += timedelta(days=1)
    points = sorted(cuts)
    dark = 0.0
    for a, b in zip(points, points[1:]):
        middle = a + (b - a) / 2
        if elevation(observer, middle, with_refraction=False) < SUNSET_ELEVATION_DEG:
            dark += (b - a).total_seconds()
    return math.ceil(dark / 60.0 - 1e-9)


def _sun_day(observer: Any, day: date, zone: Any) -> str:
    """"sunrise 04:05, sunset 22:37", or the polar day or night, for the reason."""
    from astral.sun import elevation, sunrise, sunset

    parts = []
    for word, event in (("sunrise", sunrise), ("sunset", sunset)):
        try:
            parts.append(f"{word} {event(observer, day, tzinfo=zone):%H:%M}")
        except ValueError:
            pass
    if parts:
        return ", ".join(parts)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=zone)
    up = elevation(observer, noon, with_refraction=False) >= SUNSET_ELEVATION_DEG
    return "the sun does not set that day" if up else "the sun does not rise that day"

