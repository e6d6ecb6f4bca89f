"""The extract's own heights: which OSM objects carry a height of the ground, defined once.

Without a DEM, the ``ele`` (metres above sea level) that mappers put on summits, passes,
survey points, trail signposts, settlements and contour lines is the only height an
extract holds;
:mod:`venuefinder.heights` reads it to tell a hilly area from a flat one. Readers
(:mod:`venuefinder.sources.osm_file`, :mod:`venuefinder.sources.overpass`) keep these
objects with their height as the geometry's third coordinate (``z``, metres, from
:func:`ele_metres`): a height is a coordinate, and the features frame's columns stay the
tags. Only heights have a ``z``. A leaf module: it imports nothing of venuefinder.
"""

from __future__ import annotations

import re
from typing import Any, Optional

#: The key holding a height.
ELE = "ele"
#: Objects whose ``ele`` is a height of the ground, ``key → values``: summits and passes,
#: survey points (measured), trail signposts (their plates give the height), settlements
#: (the height of their centre: often the one height of a valley floor, where the sports
#: grounds are), and contour lines (``contour=depth`` is under water: not ground anyone
#: runs on).
HEIGHT_TAGS: dict[str, frozenset[str]] = {
    "natural": frozenset({"peak", "saddle", "hill", "volcano"}),
    "mountain_pass": frozenset({"yes"}),
    "man_made": frozenset({"survey_point"}),
    "information": frozenset({"guidepost"}),
    "place": frozenset({"city", "town", "village", "hamlet", "suburb", "quarter",
                        "neighbourhood", "locality", "isolated_dwelling"}),
    "contour": frozenset({"elevation"}),
}
#: :data:`HEIGHT_TAGS` as ``(key, value)`` pairs, for tag filters.
HEIGHT_TAG_PAIRS: tuple[tuple[str, str], ...] = tuple(
    (key, value) for key, values in HEIGHT_TAGS.items() for value in sorted(values))

#: A height as mappers write it: ``1234``, ``1234.5``, ``1234 m``, ``12,5`` (a decimal
#: comma; ``1,234`` with three digits after it is read as a thousands separator), or in
#: feet (``4000 ft``, ``4000'``).
_ELE_RE = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*(m|ft|feet|')?\s*$", re.IGNORECASE)
_THOUSANDS_RE = re.compile(r"^(\s*[+-]?\d{1,3}),(\d{3})(?!\d)")
_FOOT_M = 0.3048


def height_of(tags: Any) -> Optional[float]:
    """The height of the ground (metres) an object's tags give, or None: its ``ele`` when
    one of :data:`HEIGHT_TAGS` makes it one (*tags*: anything with ``.get``, a pyosmium tag
    list or a dict)."""
    ele = tags.get(ELE)
    if ele is None or not any(tags.get(key) in values for key, values in HEIGHT_TAGS.items()):
        return None
    return ele_metres(ele)


def ele_metres(value: Optional[str]) -> Optional[float]:
    """An ``ele`` value → metres, None when it is not a height.

    The first of several values (``1200;1210``) is taken; feet are converted.
    """
    if value is None:
        return None
    text = _THOUSANDS_RE.sub(r"\1\2", str(value).split(";")[0])
    match = _ELE_RE.match(text)
    if not match:
        return None
    number = float(match.group(1).replace(",", "."))
    unit = (match.group(2) or "m").lower()
    return number * _FOOT_M if unit != "m" else number
