"""Validation of user input, shared by the CLI and the web API (same rules, same messages).

Numbers are plain ASCII decimals (:data:`NUMBER_PATTERN`, :data:`INTEGER_PATTERN`). Python's
``float()`` and ``int()`` also read Arabic-Indic or full-width digits, underscores
(``6_0.17``), surrounding whitespace, ``nan``, ``inf`` and ``0x`` forms: no client means to
send those, and accepting them would make the CLI, the API and its OpenAPI document disagree.

A message that quotes user input quotes at most :data:`ECHO_CHARS` characters of it
(:func:`clip`): a 60 KB parameter must not come back whole.
"""

from __future__ import annotations

import math
import re
import unicodedata
from typing import Iterable, Optional

from .errors import InputError

#: A number as a client writes it: optional minus, ASCII digits, optional fraction and
#: exponent (``60.17``, ``-5``, ``1e-05``, ``1e+21``), as JavaScript's and Python's own
#: number-to-text give it.
NUMBER_PATTERN = r"-?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?"
#: A whole number: optional minus and ASCII digits.
INTEGER_PATTERN = r"-?[0-9]+"
#: Most digits of a whole number (beyond any limit, and keeps ``int()`` cheap).
MAX_INTEGER_DIGITS = 18
#: Most characters of user input quoted back in a message.
ECHO_CHARS = 48

LAT_RANGE = (-90.0, 90.0)
LON_RANGE = (-180.0, 180.0)
#: Range of scores and confidences (min_score, min_confidence).
SCORE_RANGE = (0.0, 100.0)

_NUMBER = re.compile(NUMBER_PATTERN)
_NOT_FINITE = re.compile(r"[+-]?(nan|inf(inity)?)", re.IGNORECASE)
_INTEGER = re.compile(INTEGER_PATTERN)


def clip(text: object, limit: int = ECHO_CHARS) -> str:
    """User input as a message may quote it: at most *limit* characters, then ``…``."""
    text = str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def parse_float(text: object, what: str) -> float:
    """A finite float from plain ASCII decimal text, else :class:`InputError` naming *what*."""
    text = str(text)
    if not _NUMBER.fullmatch(text):
        if _NOT_FINITE.fullmatch(text):
            raise InputError(f"{what} must be a finite number, got {clip(text)!r}")
        raise InputError(f"{what} must be a number, got {clip(text)!r}")
    value = float(text)
    if not math.isfinite(value):  # 1e400
        raise InputError(f"{what} must be a finite number, got {clip(text)!r}")
    return value


def parse_int(text: object, what: str) -> int:
    """A whole number from plain ASCII digits, else :class:`InputError` naming *what*."""
    text = str(text)
    if not _INTEGER.fullmatch(text):
        raise InputError(f"{what} must be a whole number, got {clip(text)!r}")
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise InputError(f"{what} must be a whole number of at most {MAX_INTEGER_DIGITS} "
                         f"digits, got {clip(text)!r}")
    return int(text)


def check_latitude(lat: float) -> float:
    """A WGS84 latitude in -90..90; returns it unchanged."""
    if not math.isfinite(lat):
        raise InputError("latitude and longitude must be finite numbers")
    if not LAT_RANGE[0] <= lat <= LAT_RANGE[1]:
        raise InputError(f"latitude {lat} is outside -90..90")
    return lat


def check_longitude(lon: float) -> float:
    """A WGS84 longitude in -180..180; returns it unchanged."""
    if not math.isfinite(lon):
        raise InputError("latitude and longitude must be finite numbers")
    if not LON_RANGE[0] <= lon <= LON_RANGE[1]:
        raise InputError(f"longitude {lon} is outside -180..180")
    return lon


def check_lat_lon(lat: float, lon: float) -> tuple[float, float]:
    """Check a WGS84 coordinate; returns it unchanged."""
    return check_latitude(lat), check_longitude(lon)


def parse_lat_lon(text: str) -> tuple[float, float]:
    """``"60.17,24.94"`` → ``(60.17, 24.94)``."""
    parts = [p for p in str(text).replace(" ", "").split(",")]
    if len(parts) != 2 or not all(parts):
        raise InputError(f"expected LAT,LON (e.g. 60.1699,24.9384), got {clip(text)!r}")
    return check_lat_lon(parse_float(parts[0], "latitude"), parse_float(parts[1], "longitude"))


def check_radius(radius_m: float, max_radius_m: float) -> float:
    """A search radius in metres: positive and at most *max_radius_m*."""
    if not math.isfinite(radius_m) or radius_m <= 0:
        raise InputError(f"radius must be a positive number of metres, got {radius_m}")
    if radius_m > max_radius_m:
        raise InputError(f"radius {radius_m:g} m is above the maximum of {max_radius_m:g} m")
    return radius_m


def check_limit(limit: int, max_limit: int) -> int:
    """A result count between 1 and *max_limit*."""
    if limit < 1 or limit > max_limit:
        raise InputError(f"limit must be between 1 and {max_limit}, got {clip(limit)}")
    return limit


def check_min_score(min_score: Optional[float]) -> Optional[float]:
    """A minimum score in 0..100 (or None)."""
    if min_score is not None and not (math.isfinite(min_score)
                                      and SCORE_RANGE[0] <= min_score <= SCORE_RANGE[1]):
        raise InputError(f"min_score must be between 0 and 100, got {min_score:g}")
    return min_score


def check_min_confidence(min_confidence: Optional[float]) -> Optional[float]:
    """A minimum confidence in 0..100 (or None)."""
    if min_confidence is not None and not (math.isfinite(min_confidence)
                                           and SCORE_RANGE[0] <= min_confidence
                                           <= SCORE_RANGE[1]):
        raise InputError(f"min_confidence must be between 0 and 100, got {min_confidence:g}")
    return min_confidence


def check_kinds(kinds: Optional[Iterable[str]], known: Iterable[str]) -> Optional[list[str]]:
    """Venue kinds to keep, spaces around each dropped; each must be a known kind.

    An empty kind is an error, not "every kind": ``kind=`` is more likely a client's bug
    (an unset variable) than a wish, and the OpenAPI document says so.
    """
    if kinds is None:
        return None
    known = list(known)
    wanted = [str(k).strip(" ") for k in kinds]
    if not wanted or not all(wanted):
        raise InputError("kind must not be empty")
    unknown = sorted(set(wanted) - set(known))
    if unknown:
        raise InputError(f"unknown kind {clip(', '.join(unknown))}; known: {', '.join(known)}")
    return wanted


# -- text people write --------------------------------------------------------------------
# Names, titles, notes, club names, hazard descriptions and flag reasons: one rule, used by
# the web's request models (their patterns and checks) and by the store.

#: Bidi embeddings and overrides (LRE, RLE, LRO, RLO), closed by PDF; and isolates (LRI, RLI,
#: FSI), closed by PDI. An unclosed one turns the page's own words around it ("(rettops a
#: sdeen) Alice"). LRM and RLM mark a direction without opening anything: they stay.
BIDI_EMBEDDINGS = "\u202a\u202b\u202d\u202e"
BIDI_PDF = "\u202c"
BIDI_ISOLATES = "\u2066\u2067\u2068"
BIDI_PDI = "\u2069"
BIDI_CONTROLS = BIDI_EMBEDDINGS + BIDI_PDF + BIDI_ISOLATES + BIDI_PDI
#: Characters no user text holds, as a regex class body: C0 controls, DEL and C1 controls,
#: NUL among them, which PostgreSQL's text cannot hold.
CONTROL_CLASS = r"\x00-\x1f\x7f-\x9f"
#: The same, for text of several lines: tab, line feed and carriage return allowed (line
#: breaks are kept as line feeds, :func:`user_text`).
TEXT_CONTROL_CLASS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"
#: Lone surrogates, refused too (they have no UTF-8: PostgreSQL refuses them); left out of
#: the documented patterns, which JSON Schema validators' regex engines cannot compile with
#: them (a JSON text holds them only as a lone escape, such as ``"\\ud800"``).
_SURROGATES = r"\ud800-\udfff"
#: What ``str.strip()`` removes outside the control characters (all of it is below U+3001).
_SPACES = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()
                  and not re.match(f"[{CONTROL_CLASS}]", ch))
#: White space and bidi controls as a regex class body, in ``\\uXXXX`` escapes (the patterns
#: go into the OpenAPI document).
_BLANK = "".join(f"\\u{ord(ch):04x}" for ch in _SPACES + BIDI_CONTROLS)
#: One line, not blank: no control character, and something other than white space and bidi
#: controls (which :func:`user_text` would leave empty).
LINE_PATTERN = f"^[^{CONTROL_CLASS}]*[^{CONTROL_CLASS}{_BLANK}][^{CONTROL_CLASS}]*$"
#: Text of several lines (possibly blank).
TEXT_PATTERN = f"^[^{TEXT_CONTROL_CLASS}]*$"

_LINE_CONTROL = re.compile(f"[{CONTROL_CLASS}{_SURROGATES}]")
_TEXT_CONTROL = re.compile(f"[{TEXT_CONTROL_CLASS}{_SURROGATES}]")
_LINE_BREAK = re.compile(r"\r\n?")
_NOT_BLANK = re.compile(f"[^{_BLANK}\\s]")


def user_text(value: object, what: str, lines: bool = False) -> str:
    """Text a person wrote, as it is kept and shown: line breaks as line feeds (with
    *lines*: a browser sends CRLF), unpaired bidi controls removed
    (:func:`strip_unpaired_bidi`), NFC, trimmed; ``""`` when nothing but white space and bidi
    controls is left. Checks characters only; lengths are the caller's.

    Raises
    ------
    InputError
        Not text, or a control character (NUL included): any with *lines* = False, any but
        tab and line breaks with *lines*.
    """
    if not isinstance(value, str):
        raise InputError(f"{what} must be text")
    if lines:
        text = line_feeds(value)
        if _TEXT_CONTROL.search(text):
            raise InputError(f"{what} must not contain control characters (line breaks and "
                             "tabs are fine)")
    else:
        text = value
        if _LINE_CONTROL.search(text):
            raise InputError(f"{what} must be one line of text (no control characters)")
    text = unicodedata.normalize("NFC", strip_unpaired_bidi(text)).strip()
    return text if _NOT_BLANK.search(text) else ""


def line_feeds(text: str) -> str:
    """*text* with its line breaks as line feeds (CRLF and CR, as browsers and old Macs send
    them, become LF)."""
    return _LINE_BREAK.sub("\n", text)


def strip_unpaired_bidi(text: str) -> str:
    """*text* without the bidi controls that open nothing they close, or close nothing they
    opened (Unicode's UAX #9 pairing: a PDF closes the innermost embedding unless an isolate
    opened since; a PDI closes the innermost isolate and any embedding opened within it;
    a paragraph's end closes everything). What stays is balanced within each line."""
    drop: set[int] = set()
    stack: list[tuple[int, bool]] = []  # (index, opens an isolate)
    for i, ch in enumerate(text):
        if ch in BIDI_EMBEDDINGS or ch in BIDI_ISOLATES:
            stack.append((i, ch in BIDI_ISOLATES))
        elif ch == BIDI_PDF:
            if stack and not stack[-1][1]:
                stack.pop()
            else:
                drop.add(i)
        elif ch == BIDI_PDI:
            if any(isolate for _, isolate in stack):
                while not stack[-1][1]:  # embeddings left open inside the isolate
                    drop.add(stack.pop()[0])
                stack.pop()
            else:
                drop.add(i)
        elif unicodedata.bidirectional(ch) == "B":  # a paragraph separator: a line break
            drop.update(j for j, _ in stack)
            stack.clear()
    drop.update(j for j, _ in stack)
    return "".join(ch for i, ch in enumerate(text) if i not in drop) if drop else text
