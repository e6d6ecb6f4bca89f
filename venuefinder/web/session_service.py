"""What the club sessions' JSON API (:mod:`.sessions_api`) and pages (:mod:`.session_pages`)
both do with a checked request: the meeting point a new session gets when none was chosen,
making the session from a :class:`~.session_models.SessionBody`, and signing up as the
requesting client (its sign-ups at a session limited).

The meeting point's rule, decided here once: a point chosen on the map is kept with its
note; without one, the venue's suggested meeting point (the region's: an entrance, a gate
in its fence, its edge nearest a footpath; else the venue's middle), its reason kept as the
note unless the organiser wrote one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping, Optional

from werkzeug.exceptions import TooManyRequests

from ..store import sessions as service
from ..store.models import MEETING_NOTE_MAX
from .extensions import client_id, get_store
from .session_models import SessionBody, SignupBody
from .state import current_settings, region_of

if TYPE_CHECKING:
    from ..store.sessions import NewSession, NewSignup


def suggested_meeting(venue_id: str) -> tuple[dict[str, float], str]:
    """The region's suggested meeting point at the venue and its reason, clipped to what a
    meeting note holds."""
    point = region_of(venue_id).meeting_point(venue_id)
    reason = point.reason
    if len(reason) > MEETING_NOTE_MAX:
        reason = reason[:MEETING_NOTE_MAX - 1] + "…"
    return {"lat": point.lat, "lon": point.lon}, reason


def create_session(body: SessionBody, venue: Mapping[str, Any],
                   club_token: Optional[str]) -> "NewSession":
    """Make the session (or weekly series) *body* asks for at *venue* (its feature as it is
    now); *club_token* opens the club *body* names.

    Raises
    ------
    InputError, ForbiddenError, NotFoundError
        As :func:`venuefinder.store.sessions.create_session`.
    """
    meeting: Optional[dict[str, float]] = (None if body.meeting_point is None
                                           else body.meeting_point.model_dump())
    note = body.meeting_note
    if meeting is None:
        meeting, reason = suggested_meeting(body.venue)
        note = note or reason
    plan = body.plan if isinstance(body.plan, str) else [
        step.model_dump(exclude_unset=True) for step in body.plan]
    return service.create_session(
        get_store(), venue, title=body.title, start=body.start,
        duration_min=body.duration_min, group_size=body.group_size, capacity=body.capacity,
        plan=plan, meeting_point=meeting, meeting_note=note, notes=body.notes,
        club=body.club, club_token=club_token if body.club is not None else None,
        repeat_weeks=body.repeat_weeks)


def sign_up_client(slug: str, body: SignupBody) -> "NewSignup":
    """Sign up for the session at *slug* as the requesting client, which may hold
    ``signups_per_client`` sign-ups there.

    Raises
    ------
    TooManyRequests
        The client holds them already (429, as the rate limits answer).
    InputError, NotFoundError
        As :func:`venuefinder.store.sessions.sign_up`.
    """
    limit = current_settings().signups_per_client
    try:
        return service.sign_up(get_store(), slug, body.name, body.role, client=client_id(),
                               per_client=limit)
    except service.SignupLimitError:
        # The limit itself, as flask-limiter's 429s say theirs.
        raise TooManyRequests(f"{limit} sign-ups from one address at one session") from None
