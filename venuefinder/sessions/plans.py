"""Workout plans: steps with durations that add up, from the sport's templates or the
organiser's own, tied to the venue they are run on.

A plan is a list of :class:`Step`: a label, the duration of one repetition, how many
repetitions, the walking recovery after each, and optionally the pace it is run at. A
step lasts ``repeat × (minutes + recovery_min)`` (the recovery after the last repetition
counts: it is the walk back to the group), and the plan lasts the sum of its steps; times are
whole seconds, so the total adds up exactly.

The templates follow the usual advice for starting to run backwards: walk backwards first,
then short stretches at half speed with walking in between, and grow the time at speed
slowly (about 10 % a week, the common rule against overuse):

================  =============================================================================
``first-steps``   walk backwards 5 min, then 6 × 1 min at half speed, 1 min walking recovery
``build-up``      week *k* of :data:`BUILD_UP_WEEKS`: walk backwards 5 min, then 6 × an interval
                  that starts at 1 min and grows 10 % a week (rounded to 5 s), 1 min recovery;
                  after the last week it holds
``yo-yo``         walk backwards 5 min, then 10 lengths: the venue's straight forwards at an
                  easy jog, straight back backwards at half speed, 30 s to turn and breathe
================  =============================================================================

Tied to the venue (:class:`VenueRoom`): the yo-yo's length is the venue's longest straight run
(``longest_run_m`` from the room criterion; on a loop track its straight), at most
:data:`YOYO_MAX_M`; a step run at a known pace is shown as laps or straights of a track, or
lengths of a field's longest run ("1 min at half speed ≈ 90 m ≈ one straight of this track").

Paces (:data:`PACE_MPS`), assumed for a recreational runner: walking backwards 0.8 m/s (a
slow walk; backwards, people walk at about two thirds of their forward pace); half speed
backwards 1.5 m/s (about 11 min/km: half of the ~3 m/s a recreational runner reaches
running backwards flat out); an easy forward jog 2.5 m/s (9 km/h).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence, Union

from ..errors import InputError

#: Assumed speeds (m/s) by pace; see the module docstring.
PACE_MPS: dict[str, float] = {"walk": 0.8, "half": 1.5, "jog": 2.5}
PACE_LABELS: dict[str, str] = {
    "walk": "walking backwards", "half": "backwards at half speed", "jog": "forwards, easy",
}
TEMPLATES: tuple[str, ...] = ("first-steps", "build-up", "yo-yo")
TITLES: dict[str, str] = {
    "first-steps": "First steps", "build-up": "Build-up", "yo-yo": "Yo-yo", "custom": "Own plan",
}

#: Build-up: weeks of growth, first interval (s), weekly growth, rounding (s).
BUILD_UP_WEEKS = 12
BUILD_UP_FIRST_S = 60
BUILD_UP_GROWTH = 0.10
BUILD_UP_ROUND_S = 5
#: Yo-yo: lengths, recovery after each (s), longest length (a pitch: the drill's length, not
#: the whole of a 400 m park), rounding of one length's time (s).
YOYO_LENGTHS = 10
YOYO_RECOVERY_S = 30
YOYO_MAX_M = 100.0
YOYO_ROUND_S = 5

#: Straight share of a standard 400 m lap (two 84.39 m straights, two 115.61 m bends): the
#: straight of a loop track whose straights OSM does not give.
STRAIGHT_SHARE = 84.39 / 400.0

#: Longest run a plan needs (metres): (refuse below, fine from). Between them it is tight.
#: * first steps and own plans: 15 m is a handful of strides, nowhere to go backwards (the
#:   room criterion's zero); from 30 m a minute at half speed turns three times;
#: * build-up: longer intervals want longer stretches: 20 m (a beep test's shuttle) and 40 m
#:   (the shortest backpedal drills with room to stop);
#: * yo-yo: the length is the whole drill: under 30 m it is a shuttle run, from 60 m (an
#:   indoor sprint straight) it is the drill.
RUN_NEEDS: dict[str, tuple[float, float]] = {
    "first-steps": (15.0, 30.0), "build-up": (20.0, 40.0), "yo-yo": (30.0, 60.0),
    "custom": (15.0, 30.0),
}

#: Limits of an own plan.
MAX_STEPS = 30
LABEL_MAX = 80
MAX_STEP_MIN = 120.0
MAX_REPEAT = 50
MAX_RECOVERY_MIN = 30.0
MAX_TOTAL_MIN = 360.0

_STEP_KEYS = frozenset({"label", "minutes", "repeat", "recovery_min", "pace"})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LAP_REASON = re.compile(r"^[\d,]+(\.\d+)? m lap")


@dataclass(frozen=True)
class VenueRoom:
    """What a plan can use of a venue, from its feature's properties.

    Attributes
    ----------
    kind
        Venue kind (``track``, ``pitch``, ``park`` …).
    longest_run_m
        The room criterion's ``longest_run_m``: the longest straight run, or a loop
        track's lap.
    usable_area_m2
        The room criterion's ``usable_area_m2``.
    lap_m
        The lap of a loop track, else None.
    """

    kind: str
    longest_run_m: float
    usable_area_m2: float
    lap_m: Optional[float]

    @classmethod
    def of(cls, properties: Mapping[str, Any]) -> "VenueRoom":
        """From a venue feature's properties (:mod:`venuefinder.serialize`). A track is a
        loop when the room criterion measured a lap (its reason starts "400 m lap")."""
        kind = str(properties.get("kind") or "")
        run = float(properties.get("longest_run_m") or 0.0)
        area = float(properties.get("usable_area_m2") or 0.0)
        reason = str((properties.get("reasons") or {}).get("room") or "")
        is_loop = kind == "track" and run > 0 and bool(_LAP_REASON.match(reason))
        return cls(kind, run, area, run if is_loop else None)

    @property
    def is_track(self) -> bool:
        return self.kind == "track"

    @property
    def straight_m(self) -> float:
        """The longest straight: a loop track's estimated straight, else the longest run."""
        return self.lap_m * STRAIGHT_SHARE if self.lap_m is not None else self.longest_run_m

    def plan_run(self, plan_name: str) -> tuple[float, str]:
        """``(metres, what)`` a plan runs on here: the yo-yo a straight, the others the lap
        of a loop track or the longest straight run."""
        if plan_name == "yo-yo" and self.lap_m is not None:
            return self.straight_m, f"the straight of this {self.lap_m:,.0f} m track (≈ " \
                                    f"{self.straight_m:,.0f} m)"
        if self.lap_m is not None:
            return self.lap_m, f"{self.lap_m:,.0f} m lap"
        return self.longest_run_m, f"longest straight run {self.longest_run_m:,.0f} m"

    def hint(self, metres: float) -> Optional[str]:
        """*metres* as this venue's laps, straights or lengths ("one straight of this
        track (84 m)"); None when the venue has no run to measure by."""
        if metres <= 0 or self.longest_run_m <= 0:
            return None
        if self.lap_m is not None:
            if metres >= 0.75 * self.lap_m:
                laps = round(metres / self.lap_m * 4) / 4  # at least ¾ here
                return f"{_quarters(laps)} {'lap' if laps <= 1 else 'laps'} of this " \
                       f"{self.lap_m:,.0f} m track"
            n = _halves(metres / self.straight_m)
            return f"{_number(n)} {'straight' if n <= 1 else 'straights'} of this track " \
                   f"({self.straight_m:,.0f} m each)"
        n = _halves(metres / self.longest_run_m)
        what = "straight" if self.is_track else "longest straight run"
        turning = ", turning at each end" if n > 1 else ""
        return f"{_number(n)} {'length' if n <= 1 else 'lengths'} of this venue's " \
               f"{self.longest_run_m:,.0f} m {what}{turning}"


@dataclass(frozen=True)
class Step:
    """One step of a plan: *repeat* × (*seconds* at *pace*, then *recovery_s* walking)."""

    label: str
    seconds: int
    repeat: int = 1
    recovery_s: int = 0
    pace: Optional[str] = None

    @property
    def total_s(self) -> int:
        return self.repeat * (self.seconds + self.recovery_s)

    @property
    def distance_m(self) -> Optional[float]:
        """Distance of one repetition at the step's pace, None without a pace."""
        return None if self.pace is None else self.seconds * PACE_MPS[self.pace]

    def as_dict(self, room: Optional[VenueRoom] = None) -> dict[str, Any]:
        """The step as the API shows it, in minutes (2 decimals) and exact seconds; with
        *room*, ``venue_hint`` says what one repetition is at this venue (None when the step
        has no pace)."""
        data: dict[str, Any] = {
            "label": self.label, "minutes": _minutes(self.seconds), "repeat": self.repeat,
            "recovery_min": _minutes(self.recovery_s), "pace": self.pace,
            "total_min": _minutes(self.total_s), "seconds": self.seconds,
            "recovery_s": self.recovery_s, "total_s": self.total_s,
        }
        if room is not None:
            data["venue_hint"] = venue_hint(self, room)
        return data


@dataclass(frozen=True)
class Plan:
    """A session's workout: a template's or the organiser's steps.

    Attributes
    ----------
    name
        One of :data:`TEMPLATES`, or ``custom``.
    steps
        The steps, in order.
    week
        The build-up's week, else None.
    """

    name: str
    steps: tuple[Step, ...]
    week: Optional[int] = None

    @property
    def title(self) -> str:
        title = TITLES[self.name]
        return f"{title}, week {self.week}" if self.week is not None else title

    @property
    def total_s(self) -> int:
        return sum(step.total_s for step in self.steps)

    @property
    def total_min(self) -> float:
        return _minutes(self.total_s)

    def as_dict(self, room: Optional[VenueRoom] = None) -> dict[str, Any]:
        """``{"name", "title", "week", "total_min", "total_s", "steps": [...]}`` for the API
        (see :meth:`Step.as_dict`). Minutes are rounded to 2 decimals for reading; the
        ``*_s`` fields are exact whole seconds, which add up."""
        return {"name": self.name, "title": self.title, "week": self.week,
                "total_min": self.total_min, "total_s": self.total_s,
                "steps": [s.as_dict(room) for s in self.steps]}

    def to_record(self) -> dict[str, Any]:
        """The plan as the store keeps it (JSON data, whole seconds)."""
        return {"name": self.name, "week": self.week,
                "steps": [{"label": s.label, "seconds": s.seconds, "repeat": s.repeat,
                           "recovery_s": s.recovery_s, "pace": s.pace} for s in self.steps]}

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> "Plan":
        """The plan :meth:`to_record` gave."""
        return cls(record["name"], tuple(Step(**step) for step in record["steps"]),
                   record["week"])

    def lines(self) -> list[str]:
        """The plan as plain text lines (calendar descriptions), ending with the total."""
        lines = [f"{self.title}:"]
        for step in self.steps:
            text = f"- {step.label}: "
            text += (f"{step.repeat} × {duration_text(step.seconds)}" if step.repeat > 1
                     else duration_text(step.seconds))
            if step.recovery_s:
                text += f", {duration_text(step.recovery_s)} walking recovery"
            lines.append(text)
        lines.append(f"Total {duration_text(self.total_s)}")
        return lines


def build_plan(spec: Union[str, Sequence[Mapping[str, Any]]], room: VenueRoom,
               week: int = 1) -> Plan:
    """The plan of a session at a venue: a template by name, or the organiser's steps.

    Parameters
    ----------
    spec
        ``"first-steps"``, ``"build-up"``, ``"yo-yo"``, or a list of steps
        ``{"label", "minutes", "repeat"?, "recovery_min"?, "pace"?}`` (see
        :func:`parse_steps`).
    room
        The venue's room (the yo-yo's length).
    week
        Week of a weekly series, from 1 (the build-up's week; it holds after
        :data:`BUILD_UP_WEEKS`).

    Raises
    ------
    InputError
        An unknown template, a bad step list, or a yo-yo at a venue without a straight run.
    """
    if isinstance(spec, str):
        if spec == "first-steps":
            return first_steps()
        if spec == "build-up":
            return build_up(week)
        if spec == "yo-yo":
            return yo_yo(room)
        raise InputError(f"unknown plan {spec[:40]!r}: one of {', '.join(TEMPLATES)}, "
                         "or a list of steps")
    return Plan("custom", parse_steps(spec))


def first_steps() -> Plan:
    """Walk backwards 5 min, then 6 × 1 min at half speed with 1 min walking recovery."""
    return Plan("first-steps", (_warm_up(), Step(
        "Backwards at half speed, walk forwards to recover", 60, 6, 60, "half")))


def build_up(week: int) -> Plan:
    """Week *week* (from 1) of the build-up: the interval grows 10 % a week, then holds.

    Raises
    ------
    InputError
        *week* is not a whole number of at least 1.
    """
    if isinstance(week, bool) or not isinstance(week, int) or week < 1:
        raise InputError(f"a build-up week is a whole number from 1, not {week!r}")
    week = min(week, BUILD_UP_WEEKS)
    seconds = BUILD_UP_FIRST_S * (1.0 + BUILD_UP_GROWTH) ** (week - 1)
    seconds = int(round(seconds / BUILD_UP_ROUND_S) * BUILD_UP_ROUND_S)
    return Plan("build-up", (_warm_up(), Step(
        "Backwards at half speed, walk forwards to recover", seconds, 6, 60, "half")), week)


def yo_yo(room: VenueRoom) -> Plan:
    """Ten lengths of the venue's straight: forwards at an easy jog, back backwards at half
    speed, 30 s between.

    Raises
    ------
    InputError
        The venue has no straight run measured.
    """
    length = min(room.straight_m, YOYO_MAX_M)
    if length < 1.0:
        raise InputError("this venue has no straight run measured: no room for the yo-yo")
    seconds = length / PACE_MPS["jog"] + length / PACE_MPS["half"]
    seconds = max(int(round(seconds / YOYO_ROUND_S) * YOYO_ROUND_S), YOYO_ROUND_S)
    where = ("the straight of this track" if room.lap_m is not None
             else "this venue's straight" if room.is_track
             else "this venue's longest straight run")
    if room.straight_m > YOYO_MAX_M:
        where = f"a pitch's length: {where} is {room.straight_m:,.0f} m"
    label = f"{length:,.0f} m forwards, then straight back backwards ({where})"
    return Plan("yo-yo", (_warm_up(), Step(label, seconds, YOYO_LENGTHS, YOYO_RECOVERY_S)))


def parse_steps(steps: object) -> tuple[Step, ...]:
    """An own plan's steps, checked.

    Each step is ``{"label": text, "minutes": number, "repeat"?: whole number,
    "recovery_min"?: number, "pace"?: "walk" | "half" | "jog"}``; nothing else.

    Raises
    ------
    InputError
        Not a list of 1–:data:`MAX_STEPS` such steps, a value out of range, an unknown key,
        or a total over :data:`MAX_TOTAL_MIN` minutes.
    """
    if not isinstance(steps, (list, tuple)) or not steps:
        raise InputError("a plan is a template name or a non-empty list of steps")
    if len(steps) > MAX_STEPS:
        raise InputError(f"a plan has at most {MAX_STEPS} steps, not {len(steps)}")
    parsed = tuple(_step(raw, i + 1) for i, raw in enumerate(steps))
    total = sum(s.total_s for s in parsed)
    if total > MAX_TOTAL_MIN * 60:
        raise InputError(f"the plan lasts {duration_text(total)}: at most "
                         f"{duration_text(int(MAX_TOTAL_MIN * 60))}")
    return parsed


def venue_hint(step: Step, room: VenueRoom) -> Optional[str]:
    """What one repetition of *step* is at this venue ("1 min at half speed ≈ 90 m ≈ one
    straight of this track (84 m each)"), None when the step has no pace or the venue no
    run."""
    distance = step.distance_m
    if distance is None:
        return None
    there = room.hint(distance)
    if there is None:
        return None
    return (f"{duration_text(step.seconds)} {PACE_LABELS[step.pace]} ≈ {distance:,.0f} m ≈ "
            f"{there}")


def duration_text(seconds: int) -> str:
    """A duration as one reads it: ``45 s``, ``17 min``, ``1 min 30 s``, ``1 h``,
    ``1 h 5 min`` (never a clock time such as ``17:00``). The session pages' script
    (``web/static/sessions.js``, ``durationText``) writes them the same way."""
    hours, rest = divmod(int(round(seconds)), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{n} {unit}" for n, unit in ((hours, "h"), (minutes, "min"), (secs, "s")) if n]
    return " ".join(parts) or "0 min"


# -- helpers ------------------------------------------------------------------------------

def _warm_up() -> Step:
    return Step("Walk backwards", 300, pace="walk")


def _step(raw: object, n: int) -> Step:
    if not isinstance(raw, Mapping):
        raise InputError(f"step {n} must be an object with a label and minutes")
    unknown = sorted(str(k)[:20] for k in set(raw) - _STEP_KEYS)
    if unknown:
        raise InputError(f"step {n}: unknown field(s) {', '.join(unknown)}")
    label = raw.get("label")
    if not isinstance(label, str) or not label.strip():
        raise InputError(f"step {n} needs a label")
    label = label.strip()
    if len(label) > LABEL_MAX or _CONTROL.search(label):
        raise InputError(f"step {n}: a label is one line of at most {LABEL_MAX} characters")
    seconds = _seconds(raw.get("minutes"), f"step {n}: minutes", 0.0, MAX_STEP_MIN)
    if seconds < 1:
        raise InputError(f"step {n}: minutes must be more than 0")
    repeat = raw.get("repeat", 1)
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
        raise InputError(f"step {n}: repeat is a whole number 1–{MAX_REPEAT}")
    recovery = _seconds(raw.get("recovery_min", 0), f"step {n}: recovery_min", 0.0,
                        MAX_RECOVERY_MIN)
    pace = raw.get("pace")
    if pace is not None and pace not in PACE_MPS:
        raise InputError(f"step {n}: pace is one of {', '.join(PACE_MPS)}")
    return Step(label, seconds, repeat, recovery, pace)


def _seconds(value: object, what: str, low: float, high: float) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) \
            or not math.isfinite(value):
        raise InputError(f"{what} must be a number")
    if not low <= value <= high:
        raise InputError(f"{what} must be {low:g}–{high:g}, not {value:g}")
    return int(round(value * 60))


def _minutes(seconds: int) -> float:
    return round(seconds / 60.0, 2)


def _halves(x: float) -> float:
    return max(round(x * 2) / 2, 0.5)


def _number(n: float) -> str:
    """0.5 → "half a", 1 → "one", 2.5 → "2½"."""
    if n == 0.5:
        return "half a"
    if n == 1:
        return "one"
    whole = int(n)
    return f"{whole}½" if n - whole else str(whole)


def _quarters(n: float) -> str:
    """0.75 → "¾", 1 → "one", 1.25 → "1¼"."""
    if n == 1:
        return "one"
    whole = int(n)
    part = {0.0: "", 0.25: "¼", 0.5: "½", 0.75: "¾"}[n - whole]
    return f"{whole or ''}{part}" if part else str(whole)
