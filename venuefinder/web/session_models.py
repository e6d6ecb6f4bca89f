"""Request and response models of the club-sessions API (:mod:`venuefinder.web.sessions_api`):
the one place its JSON shapes are defined, in the style of
:mod:`venuefinder.web.hazard_models`.

Each field's type carries a ``Field`` constraint (what the OpenAPI document shows) and a
before-validator giving one clear sentence, so a bad value is a 400 saying what is wrong.
Bodies are strict: numbers are JSON numbers (not text, not booleans), whole numbers have no
fraction (``10.0`` is 10, as in JSON Schema), NaN and infinities are refused, unknown members
are an error.
Text is checked as it was sent (its length and characters), so the document's limits are
exactly the API's, and passed on as :func:`venuefinder.validate.user_text` keeps it (line
breaks as line feeds, unpaired bidi controls removed; ``<script>`` stays: a page escapes
what it shows).

What a schema cannot say is checked by the store (:mod:`venuefinder.store.sessions`) and
answered 400 with its reason: a start in the past or over a year ahead, a wall-clock time
that a clock change skips or repeats, a check that refuses (the venue far too small for the
group or the plan, below 50 or vetoed), an own plan over six hours, a meeting point over
500 m from the venue, a capacity below the confirmed sign-ups.
"""

from __future__ import annotations

import math
import re
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BeforeValidator, ConfigDict, Field, ValidationError

from ..errors import InputError
from ..sessions.checks import CHECK_NAMES, LEVELS
from ..meeting import MEETING_MAX_M
from ..sessions.pairing import ROLES
from ..sessions.plans import (LABEL_MAX, MAX_RECOVERY_MIN, MAX_REPEAT, MAX_STEP_MIN, MAX_STEPS,
                              PACE_MPS, TEMPLATES)
from ..store.models import (CLUB_NAME_MAX, MAX_CAPACITY, MAX_DURATION_MIN, MAX_GROUP,
                            MEETING_NOTE_MAX, NAME_MAX, NOTES_MAX, SESSION_STATUSES,
                            SIGNUP_STATUSES, SLUG_MAX, TITLE_MAX)
from ..store.sessions import MAX_REPEAT_WEEKS, MIN_DURATION_MIN
from ..validate import LINE_PATTERN, TEXT_PATTERN, clip, user_text
from .hazard_models import JsonBody, JsonLatitude, JsonLongitude
from .models import VENUE_ID_PATTERN, RequestModel, ResponseModel, VenueId
from .params import error_message

#: A session's slug (``secrets.token_urlsafe(9)``) and a club's (``name-1a2b3c``).
SESSION_SLUG_PATTERN = r"^[A-Za-z0-9_-]{12}$"
CLUB_SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
#: ISO 8601 date and time, optional seconds, fraction and offset, as
#: :func:`venuefinder.sessions.timezones.parse_start` reads it (ASCII digits, fields in their
#: ranges; the day of the month is checked there).
START_PATTERN = (r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3])"
                 r":[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
                 r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])?$")
#: Largest sign-up id (the store's 32-bit key).
MAX_SIGNUP_ID = 2**31 - 1
#: Shortest step of an own plan: one second.
MIN_STEP_MIN = 1 / 60


# -- field rules --------------------------------------------------------------------------

def _line(what: str, limit: int) -> Any:
    """One line of text, at most *limit* characters as sent, not blank."""

    def check(value: object) -> object:
        if not isinstance(value, str):
            raise InputError(f"{what} must be text, not {_json_type(value)}")
        text = user_text(value, what)
        if not text:
            raise InputError(f"{what} must not be empty")
        # The store counts the clean form; a few characters grow under NFC.
        length = max(len(value), len(text))
        if length > limit:
            raise InputError(f"{what} is {length} characters; at most {limit}")
        return text

    return Annotated[str, Field(min_length=1, max_length=limit, pattern=LINE_PATTERN),
                     BeforeValidator(check)]


def _notes(value: object) -> object:
    if not isinstance(value, str):
        raise InputError(f"notes must be text, not {_json_type(value)}")
    text = user_text(value, "notes", lines=True)
    length = max(len(value), len(text))
    if length > NOTES_MAX:
        raise InputError(f"notes are {length} characters; at most {NOTES_MAX}")
    return text


def _whole(what: str, low: int, high: int) -> Any:
    """A JSON integer from *low* to *high* (``10.0`` included)."""

    def check(value: object) -> object:
        # JSON has one number type: 10.0 is the integer 10 (as JSON Schema reads it).
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise InputError(f"{what} must be a whole number, not {clip(repr(value))}")
        if not low <= value <= high:
            raise InputError(f"{what} must be {low}–{high}, not {value}")
        return value

    return Annotated[int, Field(ge=low, le=high), BeforeValidator(check)]


def _number(what: str, low: float, high: float, low_text: Optional[str] = None) -> Any:
    """A finite JSON number from *low* (said as *low_text*) to *high*."""

    def check(value: object) -> object:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{what} must be a JSON number, not {clip(repr(value))}")
        if not math.isfinite(value):
            raise InputError(f"{what} must be a finite number, not {clip(repr(value))}")
        if not low <= value <= high:
            raise InputError(f"{what} must be {low_text or f'{low:g}'}–{high:g}, not "
                             f"{value:g}")
        return value

    return Annotated[float, Field(ge=low, le=high, allow_inf_nan=False),
                     BeforeValidator(check)]


def _pattern(what: str, pattern: str, limit: int, example: str) -> Any:
    compiled = re.compile(pattern)

    def check(value: object) -> object:
        # fullmatch: "$" alone would let a trailing newline through, as JSON Schema does not.
        if not isinstance(value, str) or len(value) > limit or not compiled.fullmatch(value):
            raise InputError(f"{what} looks like {example}, not {clip(repr(value))}")
        return value

    return Annotated[str, Field(max_length=limit, pattern=pattern), BeforeValidator(check)]


def _choice(allowed: tuple[str, ...], what: str) -> Any:
    def check(value: object) -> object:
        if not isinstance(value, str) or value not in allowed:
            raise InputError(f"{what} is one of {', '.join(allowed)}, not "
                             f"{clip(repr(value))}")
        return value

    return Annotated[Literal[allowed], BeforeValidator(check)]  # type: ignore[valid-type]


def _plan(value: object) -> object:
    """A template's name, or a list of steps checked here one by one, so that a bad step's
    message names it (the union would report the templates' names instead)."""
    if isinstance(value, list):
        if not 1 <= len(value) <= MAX_STEPS:
            raise InputError(f"an own plan has 1–{MAX_STEPS} steps, not {len(value)}")
        steps = []
        for n, step in enumerate(value, start=1):
            if not isinstance(step, dict):
                raise InputError(f"plan step {n} must be an object with a label and minutes")
            try:
                steps.append(PlanStep.model_validate(step))
            except ValidationError as exc:
                raise InputError(f"plan step {n}: "
                                 f"{error_message(PlanStep, exc.errors()[0])}") from None
        return steps
    if not isinstance(value, str) or value not in TEMPLATES:
        raise InputError(f"plan is one of {', '.join(TEMPLATES)} or a list of steps "
                         f'{{"label", "minutes"}}, not {clip(repr(value))}')
    return value


def _json_type(value: object) -> str:
    return {bool: "true/false", int: "a number", float: "a number", list: "a list",
            dict: "an object", type(None): "null"}.get(type(value), type(value).__name__)


Title = _line("title", TITLE_MAX)
ClubName = _line("name", CLUB_NAME_MAX)
DisplayName = _line("name", NAME_MAX)
MeetingNote = _line("meeting_note", MEETING_NOTE_MAX)
StepLabel = _line("label", LABEL_MAX)
Notes = Annotated[str, Field(max_length=NOTES_MAX, pattern=TEXT_PATTERN),
                  BeforeValidator(_notes)]
Start = _pattern("start", START_PATTERN, 32, "2025-06-03T18:00 or 2025-06-03T18:00+03:00")
SessionSlug = _pattern("a session's address", SESSION_SLUG_PATTERN, 12, "Ab3_x-9QzK1m")
ClubSlug = _pattern("a club's address", CLUB_SLUG_PATTERN, SLUG_MAX, "helsinki-runners-1a2b3c")
Duration = _whole("duration_min", MIN_DURATION_MIN, MAX_DURATION_MIN)
GroupSize = _whole("group_size", 1, MAX_GROUP)
Capacity = _whole("capacity", 1, MAX_CAPACITY)
RepeatWeeks = _whole("repeat_weeks", 1, MAX_REPEAT_WEEKS)
Role = _choice(ROLES, "role")
Pace = _choice(tuple(PACE_MPS), "pace")


# -- request bodies -----------------------------------------------------------------------

class MeetingPointBody(JsonBody):
    """A meeting point chosen on the map."""

    lat: JsonLatitude = Field(description="Latitude, -90..90.")
    lon: JsonLongitude = Field(description="Longitude, -180..180.")


class PlanStep(JsonBody):
    """One step of an own plan: *repeat* × (*minutes* at *pace*, then *recovery_min*
    walking)."""

    label: StepLabel = Field(description="What to do, e.g. \"Backwards at half speed\".")
    minutes: _number("minutes", MIN_STEP_MIN, MAX_STEP_MIN, "1/60") = Field(  # type: ignore
        description="One repetition, minutes (whole seconds count).")
    repeat: _whole("repeat", 1, MAX_REPEAT) = Field(  # type: ignore[valid-type]
        None, description="Repetitions (default 1).")
    recovery_min: _number("recovery_min", 0.0, MAX_RECOVERY_MIN) = Field(  # type: ignore
        None, description="Walking recovery after each repetition, minutes (default 0).")
    pace: Pace = Field(  # type: ignore[valid-type]
        None, description="walk, half (half speed backwards) or jog (forwards): shows the "
                          "step as laps or lengths of the venue.")


Steps = Annotated[list[PlanStep], Field(min_length=1, max_length=MAX_STEPS)]
PlanSpec = Annotated[Union[Literal[TEMPLATES], Steps],  # type: ignore[valid-type]
                     BeforeValidator(_plan)]


class ClubBody(JsonBody):
    """Body of ``POST /api/clubs``."""

    name: ClubName = Field(description=f"The club's name, one line of at most "
                                       f"{CLUB_NAME_MAX} characters.")


class SessionBody(JsonBody):
    """Body of ``POST /api/sessions``."""

    venue: VenueId = Field(description="The venue's OSM id.", examples=["way/123"])
    title: Title = Field(description=f"One line, at most {TITLE_MAX} characters.")
    start: Start = Field(description="ISO 8601: with an offset (that instant) or without "
                                     "(wall-clock time at the venue, in its zone).")
    duration_min: Duration = Field(description="Minutes.")
    capacity: Capacity = Field(description="Places; later sign-ups go on the waitlist.")
    group_size: GroupSize = Field(description="Expected runners (the fit check weighs it).")
    plan: PlanSpec = Field(description="A template (first-steps, build-up, yo-yo) or the "
                                       "steps of an own plan.")
    meeting_point: Optional[MeetingPointBody] = Field(
        None, description=f"Chosen on the map, within {MEETING_MAX_M:.0f} m of the venue; "
                          "absent or null: the point suggested from OSM (an entrance, a gate "
                          "in the fence, the edge nearest a footpath), its reason kept as "
                          "`meeting_note`.")
    meeting_note: Optional[MeetingNote] = Field(  # type: ignore[valid-type]
        None, description="How to find the meeting point.")
    notes: Optional[Notes] = Field(None, description=f"Free text, at most {NOTES_MAX} "
                                                     "characters.")
    club: Optional[ClubSlug] = Field(  # type: ignore[valid-type]
        None, description="List the session in this club's feed: needs the club's edit "
                          "token as `Authorization: Bearer <token>`.")
    repeat_weeks: Optional[RepeatWeeks] = Field(  # type: ignore[valid-type]
        None, description="Weekly occurrences, 1 (default) to "
                          f"{MAX_REPEAT_WEEKS}; a build-up plan grows week by week.")


class SessionChanges(JsonBody):
    """Body of ``PATCH /api/sessions/<slug>``: the members to change, at least one; the
    others stay. Null clears `meeting_point` (meet at the venue), `meeting_note` and
    `notes`; the other members cannot be null."""

    model_config = ConfigDict(frozen=True, extra="forbid", regex_engine="python-re",
                              json_schema_extra={"minProperties": 1})

    title: Title = Field(None, description="New title.")
    start: Start = Field(None, description="New start (as when creating).")
    duration_min: Duration = Field(None, description="Minutes.")
    capacity: Capacity = Field(None, description="Places: not below the confirmed "
                                                 "sign-ups; more promotes the waitlist.")
    group_size: GroupSize = Field(None, description="Expected runners.")
    plan: PlanSpec = Field(None, description="A template or an own plan's steps.")
    meeting_point: Optional[MeetingPointBody] = Field(None, description="Chosen on the map; "
                                                                        "null: the venue.")
    meeting_note: Optional[MeetingNote] = Field(  # type: ignore[valid-type]
        None, description="How to find it.")
    notes: Optional[Notes] = Field(None, description="Free text.")

    def changes(self) -> dict[str, Any]:
        """The members sent, as the store takes them.

        Raises
        ------
        InputError
            None sent.
        """
        changes = self.model_dump(exclude_unset=True)
        if not changes:
            raise InputError("nothing to change: send at least one of "
                             + ", ".join(type(self).model_fields))
        return changes


class SignupBody(JsonBody):
    """Body of ``POST /api/sessions/<slug>/signups``. Nothing else is asked for."""

    name: DisplayName = Field(description=f"Display name, at most {NAME_MAX} characters "
                                          "(shown to everyone).")
    role: Role = Field(description="can_spot (I can spot) or needs_spotter (I need a "
                                   "spotter).")


# -- paths --------------------------------------------------------------------------------

def _signup_id(value: object) -> int:
    text = str(value)
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_SIGNUP_ID:
        raise InputError(f"a sign-up id is a whole number from 1 to {MAX_SIGNUP_ID}, got "
                         f"{clip(text)!r}")
    return int(text)


class SessionPath(RequestModel):
    """The variable of ``/api/sessions/<slug>`` and ``/s/<slug>.ics``."""

    slug: SessionSlug = Field(description="The session's address.",  # type: ignore
                              examples=["Ab3_x-9QzK1m"])


class SignupPath(SessionPath):
    """The variables of ``/api/sessions/<slug>/signups/<id>``."""

    signup_id: Annotated[int, Field(ge=1, le=MAX_SIGNUP_ID), BeforeValidator(_signup_id)] = \
        Field(description="The sign-up's id.", examples=[1])


class ClubPath(RequestModel):
    """The variable of ``/c/<slug>.ics``."""

    slug: ClubSlug = Field(description="The club's address.",  # type: ignore[valid-type]
                           examples=["helsinki-runners-1a2b3c"])


# -- responses ----------------------------------------------------------------------------

class Club(ResponseModel):
    """A club just made. The edit token is shown this once: keep it to add sessions."""

    slug: str = Field(pattern=CLUB_SLUG_PATTERN)
    name: str
    edit_token: str
    url: str = Field(description="The club's page.")
    feed: str = Field(description="The club's subscribable iCalendar feed.")


class CheckResult(ResponseModel):
    """One check before publishing."""

    name: Literal[CHECK_NAMES]  # type: ignore[valid-type]
    level: Literal[LEVELS] = Field(  # type: ignore[valid-type]
        description="refuse: not published; warn: published, with this reason on the page.")
    reason: str


class LatLon(ResponseModel):
    lat: float
    lon: float


class Occurrence(ResponseModel):
    """One session of a weekly series."""

    slug: str = Field(pattern=SESSION_SLUG_PATTERN)
    url: str = Field(description="Its page.")
    start: str = Field(description="ISO 8601 with the offset of the venue's zone.")


class NewSession(ResponseModel):
    """A session (or weekly series) just made. The edit token is shown this once: it edits
    and cancels every occurrence (`Authorization: Bearer <edit_token>`)."""

    slug: str = Field(pattern=SESSION_SLUG_PATTERN, description="The first occurrence.")
    edit_token: str
    url: str = Field(description="The first occurrence's page, to share.")
    edit_url: str = Field(description="The organiser's edit page (secret: it holds the "
                                      "edit token).")
    ics: str = Field(description="Its iCalendar file.")
    tz: str = Field(description="The venue's time zone (IANA), in which times are given.")
    occurrences: list[Occurrence] = Field(description="Every occurrence, in order.")
    checks: list[CheckResult]
    meeting_point: Optional[LatLon] = Field(description="Null: meet at the venue.")
    meeting_note: Optional[str] = Field(description="The meeting point's reason.")


class StepOut(ResponseModel):
    label: str
    minutes: float
    repeat: int
    recovery_min: float
    pace: Optional[str]
    total_min: float
    seconds: int
    recovery_s: int
    total_s: int
    venue_hint: Optional[str] = Field(None, description="One repetition as laps or lengths "
                                                        "of this venue.")


class PlanOut(ResponseModel):
    name: Literal[(*TEMPLATES, "custom")]  # type: ignore[valid-type]
    title: str
    week: Optional[int]
    total_min: float = Field(description="The steps' total (2 decimals; total_s is exact).")
    total_s: int
    steps: list[StepOut]


class VenueRef(ResponseModel):
    id: str = Field(pattern=VENUE_ID_PATTERN)
    name: Optional[str] = Field(description="Its OSM name (else, for an unnamed venue, its "
                                            "label).")
    label: str = Field(description="What the map calls it (the venue's label when the "
                                   "session was made): what the pages and calendars say.")
    lat: float
    lon: float


class SignupOut(ResponseModel):
    """A sign-up as everyone sees it: display name, role, status."""

    id: int
    name: str = Field(description="As written: show as text.")
    role: Literal[ROLES]  # type: ignore[valid-type]
    status: Literal[SIGNUP_STATUSES]  # type: ignore[valid-type]


class Pair(ResponseModel):
    needs_spotter: str
    can_spot: str


class Session(ResponseModel):
    """A session with its plan, checks, sign-ups (confirmed first, then the waitlist, each in
    sign-up order) and spotter pairs. Times are in the venue's zone `tz`."""

    slug: str = Field(pattern=SESSION_SLUG_PATTERN)
    series: str
    occurrence: int = Field(ge=1)
    club: Optional[str]
    title: str
    venue: VenueRef
    tz: str
    start: str
    end: str
    duration_min: int
    group_size: int
    capacity: int
    confirmed: int
    meeting_point: Optional[LatLon] = Field(description="Null: meet at the venue.")
    meeting_note: Optional[str]
    plan: PlanOut
    notes: Optional[str]
    status: Literal[SESSION_STATUSES]  # type: ignore[valid-type]
    version: int
    checks: list[CheckResult] = Field(description="Against the venue as it is now; empty "
                                                  "when the region no longer has it.")
    signups: list[SignupOut]
    pairs: list[Pair] = Field(description="Runners and their spotters, in the runners' "
                                          "sign-up order; a pair stays while both stay.")
    unpaired: int = Field(ge=0, description="Confirmed runners still without a spotter.")
    spare_spotters: int = Field(ge=0)
    spotter_left: list[str] = Field(description="Confirmed runners whose spotter cancelled "
                                                "on them (each takes the next free spotter).")
    url: str = Field(description="The session's page.")
    ics: str = Field(description="Its iCalendar file.")


class SignupReceipt(SignupOut):
    """A sign-up just taken. The cancel token is shown this once."""

    pair: Optional[str] = Field(description="The spotter partner's display name, if paired.")
    waitlist_position: Optional[int] = Field(description="1 = next, when waitlisted.")
    cancel_token: str


class CancelledSignup(SignupOut):
    """A cancelled sign-up and the waitlisted ones promoted in its place, in sign-up
    order."""

    promoted: list[SignupOut]
