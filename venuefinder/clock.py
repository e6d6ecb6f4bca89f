"""The one clock: what time it is, in UTC, and a caller's "now" checked to be a time.

Every room that asks the time asks here, so a test can pass its own ``now`` down and a
reader finds one rule for a naive datetime (refused: its zone would be a guess).
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from .errors import InputError


def utc_now() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def aware(now: Optional[datetime]) -> datetime:
    """*now* in UTC, or the current time when it is None.

    Raises
    ------
    InputError
        *now* is not a timezone-aware datetime.
    """
    if now is None:
        return utc_now()
    if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
        raise InputError(f"now must be a timezone-aware datetime, not {now!r}")
    return now.astimezone(timezone.utc)
