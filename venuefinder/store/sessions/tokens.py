"""Tokens and slugs of clubs, sessions and sign-ups.

* **Tokens**: ``secrets.token_urlsafe(32)``, shown once, stored as a SHA-256 hex digest and
  compared with ``hmac.compare_digest``.
* **Slugs**: a session's is ``secrets.token_urlsafe(9)`` (12 characters, 72 random bits:
  unguessable); a club's is its name made readable (``helsinki-backwards``) plus six random
  hex digits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata

from ...errors import ForbiddenError
from ..models import SLUG_MAX

#: Bytes of randomness of a token and of a session slug; hex digits of a club slug's suffix.
TOKEN_BYTES = 32
SESSION_SLUG_BYTES = 9
CLUB_SUFFIX_BYTES = 3
#: Longest readable part of a club slug.
CLUB_BASE_MAX = 40
#: Longest token accepted for checking (a real one is 43 characters).
TOKEN_MAX = 256

_SESSION_SLUG = re.compile(r"[A-Za-z0-9_-]{12}")
_CLUB_SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def new_token() -> str:
    """A fresh edit or cancel token (shown once, stored as :func:`hash_token`)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """What the store keeps of a token: its SHA-256 hex digest."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: object, stored_hash: str) -> bool:
    """Whether *token* (anything a client sent) is the one behind *stored_hash*."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX:
        return False
    return hmac.compare_digest(hash_token(token), stored_hash)


def authorise(token: object, stored_hash: str, what: str) -> None:
    """Raise :class:`~venuefinder.errors.ForbiddenError` ("this needs *what*") unless
    *token* matches *stored_hash*."""
    if not token_matches(token, stored_hash):
        raise ForbiddenError(f"this needs {what}")


def new_session_slug() -> str:
    """A fresh session slug: 12 URL-safe characters, unguessable."""
    return secrets.token_urlsafe(SESSION_SLUG_BYTES)


def is_session_slug(slug: object) -> bool:
    """Whether *slug* has the shape of a session slug (anything else is no session)."""
    return isinstance(slug, str) and _SESSION_SLUG.fullmatch(slug) is not None


def club_slug_base(name: str) -> str:
    """"Töölö Backwards Runners!" → "toolo-backwards-runners" (ASCII; "club" when nothing
    of the name is Latin)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    base = _NOT_SLUG.sub("-", ascii_name.lower()).strip("-")[:CLUB_BASE_MAX].strip("-")
    return base or "club"


def new_club_slug(base: str) -> str:
    """*base* (:func:`club_slug_base`) with a random suffix of six hex digits."""
    return f"{base}-{secrets.token_hex(CLUB_SUFFIX_BYTES)}"


def is_club_slug(slug: object) -> bool:
    """Whether *slug* has the shape of a club slug (anything else is no club)."""
    return (isinstance(slug, str) and len(slug) <= SLUG_MAX
            and _CLUB_SLUG.fullmatch(slug) is not None)
