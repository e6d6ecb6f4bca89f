"""Clubs, club sessions and sign-ups: the service functions the web calls.

Every function takes the :class:`~venuefinder.store.db.Store` first and, where time matters,
``now`` (timezone-aware; default now), so tests control the clock. Bad input raises
:class:`~venuefinder.errors.InputError` and stores nothing; an unknown slug or sign-up
:class:`~venuefinder.errors.NotFoundError`; a missing or wrong token
:class:`~venuefinder.errors.ForbiddenError`. Nothing personal is asked for or kept: a display
name and a role.

* :mod:`.service` — the functions, each one transaction (places, waitlist, edits, checks);
* :mod:`.records` — what they return (:class:`SessionInfo`, :class:`SessionDetail`, …);
* :mod:`.validation` — the field checks (text, numbers, the venue, the meeting point);
* :mod:`.tokens` — tokens (hashed, compared in constant time) and slugs.

This package exports the functions, the records, :data:`~.service.EDITABLE` and the limits
the web reads.
"""

from .records import (
    CancelledSignup, ClubInfo, NewClub, NewSession, NewSignup, SessionDetail, SessionInfo,
    SignupInfo,
)
from .service import (
    EDITABLE, MAX_REPEAT_WEEKS, MIN_DURATION_MIN, SignupLimitError, cancel_session,
    cancel_signup, club_sessions, create_club, create_session, get_club, get_session,
    get_session_to_edit, sign_up, update_session,
)
from .tokens import TOKEN_MAX

__all__ = [
    "EDITABLE", "MAX_REPEAT_WEEKS", "MIN_DURATION_MIN", "TOKEN_MAX", "CancelledSignup",
    "ClubInfo", "NewClub", "NewSession", "NewSignup", "SessionDetail", "SessionInfo",
    "SignupInfo", "SignupLimitError", "cancel_session", "cancel_signup", "club_sessions",
    "create_club", "create_session", "get_club", "get_session", "get_session_to_edit",
    "sign_up", "update_session",
]
