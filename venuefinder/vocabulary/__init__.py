"""The OSM tag vocabulary: every key and value a room of venuefinder reads, defined once.

Readers (:mod:`venuefinder.sources.osm_file`, :mod:`venuefinder.sources.overpass`) build
their filters from these tables; :mod:`venuefinder.venues` and the criteria classify
features with them. A leaf package: it imports nothing of venuefinder. Beside this module,
:mod:`.roads` holds the road classes (``MOTOR_ROAD_CLASSES`` is re-exported here),
:mod:`.priors` what each kind of venue is believed to be when nothing is mapped, and
:mod:`.hazards` the hazard reports' vocabulary.

Also here, one rule each: a multi-valued tag's values (:func:`tag_values`,
:func:`first_value`, :func:`first_value_in`) and a venue's id (:data:`VENUE_ID_PATTERN`).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np

from .roads import MOTOR_ROAD_CLASSES

if TYPE_CHECKING:
    import pandas as pd

# -- venues --------------------------------------------------------------------------------
#: ``leisure=*`` → venue kind.
VENUE_LEISURE_KINDS: dict[str, str] = {
    "track": "track", "pitch": "pitch", "stadium": "stadium",
    "recreation_ground": "recreation_ground", "park": "park", "common": "common",
}
#: ``landuse=*`` → venue kind.
VENUE_LANDUSE_KINDS: dict[str, str] = {
    "recreation_ground": "recreation_ground", "grass": "grass", "meadow": "meadow",
    "village_green": "village_green",
}
#: Every venue kind, best-kept ground first.
KINDS: tuple[str, ...] = (
    "track", "pitch", "stadium", "recreation_ground", "park", "village_green", "common",
    "grass", "meadow",
)
#: ``access`` values that make a place not open to us.
EXCLUDED_ACCESS = frozenset({"private", "no"})
#: ``access`` values that open a place to the public (a meadow among them is no farmland).
PUBLIC_ACCESS = frozenset({"yes", "permissive", "public", "designated"})
#: Sports whose ground is unsafe or not open for running, whatever the kind of place: a
#: ``leisure=track`` for one of them is a track for another sport (ski pistes mapped as
#: tracks, cycling and BMX or trial tracks, motor, karting, horse and dog racing).
EXCLUDED_SPORTS = frozenset({
    "motor", "karting", "motocross", "speedway", "rc_car", "four_wheel_drive",
    "horse_racing", "harness_racing", "equestrian", "dog_racing", "greyhound_racing",
    "cycling", "bmx", "mtb", "trial", "skiing", "ski_jumping", "cross_country_skiing",
    "toboggan", "bobsleigh", "luge", "skateboard", "climbing", "swimming", "shooting",
    "water_ski", "model_aerodrome",
})
#: ``sport`` values of a running track proper (with a synthetic surface, also any track).
RUNNING_SPORTS = frozenset({"running", "athletics", "jogging"})
SYNTHETIC_SURFACES = frozenset({"tartan", "synthetic", "rubber"})
#: ``athletics=*`` and ``sport=*`` values of a jump's runway or pit: a short straight of
#: sand and tartan ending in a pit, bar or box, never a running track.
JUMP_EVENTS = frozenset({"long_jump", "triple_jump", "high_jump", "pole_vault"})
#: What stands on a court of each sport, across or around where one runs: a net across
#: the middle, a hoop's post at each end, walls all round. A backward runner cannot see it.
COURT_FIXTURES: dict[str, str] = {
    **dict.fromkeys(("tennis", "volleyball", "beachvolleyball", "beach_volleyball",
                     "badminton", "padel", "table_tennis", "pickleball", "sepak_takraw",
                     "paddle_tennis", "footvolley"), "net"),
    **dict.fromkeys(("basketball", "streetball", "netball", "korfball"), "hoop"),
    **dict.fromkeys(("squash", "racquetball", "fives"), "wall"),
}
#: Sports whose pitch has a net across the middle.
NET_SPORTS = frozenset(s for s, fixture in COURT_FIXTURES.items() if fixture == "net")
#: Sports played on a court (a net, hoops or walls on it).
COURT_SPORTS = frozenset(COURT_FIXTURES)

# -- roads and ways ------------------------------------------------------------------------
#: ``highway=*`` ways for people on foot or bike, without motor traffic.
PATH_CLASSES = frozenset({
    "footway", "cycleway", "path", "pedestrian", "steps", "track", "bridleway", "corridor",
})

# -- what stands in a runner's way -----------------------------------------------------------
#: (key, value) → obstacle category, for points, lines and areas mapped inside a venue.
#: ``None`` as the value means any value of the key (read from ways and areas only: a
#: reader filters nodes by exact tag pairs, in C++).
OBSTACLE_TAGS: dict[tuple[str, str | None], str] = {
    ("natural", "tree"): "tree",
    ("natural", "tree_row"): "tree row",
    ("natural", "shrub"): "shrub",
    ("natural", "rock"): "rock",
    ("natural", "stone"): "rock",
    ("amenity", "bench"): "bench",
    ("leisure", "picnic_table"): "bench",
    ("amenity", "waste_basket"): "bin",
    ("amenity", "bicycle_parking"): "bicycle stand",
    ("amenity", "drinking_water"): "fountain",
    ("amenity", "fountain"): "fountain",
    ("highway", "street_lamp"): "lamp",
    ("man_made", "street_lamp"): "lamp",
    ("power", "pole"): "pole",
    ("power", "tower"): "pole",
    ("man_made", "flagpole"): "pole",
    ("man_made", "mast"): "pole",
    ("barrier", "bollard"): "bollard",
    ("barrier", "block"): "bollard",
    ("barrier", "kerb"): "kerb",
    ("barrier", "fence"): "fence",
    ("barrier", "wall"): "wall",
    ("barrier", "hedge"): "hedge",
    ("barrier", "retaining_wall"): "wall",
    ("leisure", "playground"): "playground",
    **{("playground", v): "playground equipment" for v in (
        "swing", "basketswing", "slide", "sandpit", "climbingframe", "climbingwall", "seesaw",
        "springy", "structure", "playhouse", "roundabout", "zipwire", "balancebeam",
        "horizontal_bar", "trampoline", "activitypanel", "rope_traverse", "table")},
    ("natural", "water"): "water",
    ("waterway", None): "water",
    ("landuse", "basin"): "water",
    ("landuse", "reservoir"): "water",
    ("building", None): "building",
    ("man_made", "sculpture"): "sculpture",
    ("tourism", "artwork"): "sculpture",
    ("historic", "memorial"): "sculpture",
}
#: ``highway=*`` ways that bring people walking or cycling across a venue.
CROSSING_PATHS: dict[str, str] = {
    "footway": "footpath", "path": "footpath", "pedestrian": "footpath",
    "bridleway": "footpath", "steps": "steps", "cycleway": "cycleway", "track": "footpath",
}

# -- what separates a venue from the road ----------------------------------------------------
#: ``barrier=*`` values that ring a venue and keep a runner off the road beside it.
ENCLOSING_BARRIERS = frozenset({"fence", "wall"})
#: ``leisure=*`` areas whose fields are enclosed (a stadium's stands, a sports centre's fence).
ENCLOSURE_LEISURE = frozenset({"stadium", "sports_centre"})

# -- where a group meets -----------------------------------------------------------------------
#: ``entrance=*`` values for people arriving (not ``service``, ``emergency``, ``exit``, nor a
#: building's ``staircase`` or ``home``).
MEETING_ENTRANCES = frozenset({"yes", "main", "secondary"})
#: ``barrier=*`` values one walks through: a way in through a venue's fence.
GATE_BARRIERS = frozenset({"gate", "kissing_gate", "swing_gate", "entrance"})

# -- what readers keep ------------------------------------------------------------------------
#: Tags kept from OSM objects. Anything else is used by no criterion and not by the map.
TAG_KEYS: tuple[str, ...] = (
    "name", "leisure", "landuse", "highway", "surface", "smoothness", "lit", "sport",
    "access", "incline", "maxspeed", "width", "area", "building", "natural", "waterway",
    "railway", "public_transport", "place", "motor_vehicle", "tracktype",
    "barrier", "amenity", "man_made", "power", "playground", "tourism", "historic", "foot",
    "entrance", "lanes", "athletics", "piste:type",
)
#: Named nodes read for place search (stations, place names): ``key → values`` (``None``:
#: any value). An extract's reader keeps a named node with any value of these keys (a
#: filter by key costs it nothing); Overpass is asked for stations alone, not every stop.
PLACE_NODE_TAGS: dict[str, "frozenset[str] | None"] = {
    "place": None,
    "railway": frozenset({"station", "halt"}),
    "public_transport": frozenset({"station"}),
}
PLACE_NODE_KEYS: tuple[str, ...] = tuple(PLACE_NODE_TAGS)
#: Keys whose nodes may be an obstacle or a meeting point (an entrance or a gate).
OBSTACLE_NODE_KEYS: tuple[str, ...] = tuple(sorted(
    {k for k, _ in OBSTACLE_TAGS} | {"entrance", "barrier"}))
#: Node tags that make a meeting point (an entrance, a gate), as ``(key, value)`` pairs.
MEETING_NODE_TAGS: tuple[tuple[str, str], ...] = (
    *(("entrance", v) for v in sorted(MEETING_ENTRANCES)),
    *(("barrier", v) for v in sorted(GATE_BARRIERS)))
#: Keys of ways read as lines: roads and paths, fences and tree rows.
LINE_WAY_KEYS: tuple[str, ...] = ("highway", "leisure", "barrier", "natural")
#: Keys of closed ways and multipolygons read as areas for venues, enclosures and obstacles.
AREA_KEYS: tuple[str, ...] = ("leisure", "landuse", "highway", "building", "natural",
                              "waterway", "amenity")
#: Keys only the map reads: water and rails drawn as lines.
MAP_WAY_KEYS: tuple[str, ...] = ("waterway", "railway")
#: Ways kept as lines, ``key → values`` (``None``: any value): roads and paths, fences,
#: water and rails, a track drawn as its running line, a tree row.
LINE_TAGS: dict[str, "frozenset[str] | None"] = {
    "highway": None, "barrier": None, "waterway": None, "railway": None,
    "leisure": frozenset({"track"}), "natural": frozenset({"tree_row"}),
}
#: Keys of multipolygon relations assembled as areas (venues; buildings and water for the
#: map and as obstacles).
RELATION_KEYS: tuple[str, ...] = ("leisure", "landuse", "building", "natural", "waterway")



# -- walkable ways (the routes' walking graph) -------------------------------------------------
#: ``highway=*`` ways a loop may follow: no motor traffic, and a way one can run backwards
#: on. Of :data:`PATH_CLASSES`, steps and indoor corridors are left to the way there.
RUNNABLE_PATH_CLASSES = frozenset({
    "footway", "path", "pedestrian", "track", "bridleway", "cycleway"})
#: ``foot=*`` values that open a way to people on foot (a cycleway needs one of them for a
#: loop; ``foot=no`` closes any way).
FOOT_ALLOWED = frozenset({"yes", "designated", "permissive"})
#: ``leisure=*`` values whose closed ways are run round as laps: a running track, and the
#: edge of a pitch or field.
LAP_LEISURE = frozenset({"track", "pitch"})
#: Tags read of a walkable way, a road or a lap ring for the walking graph.
WALKWAY_TAG_KEYS: tuple[str, ...] = (
    "name", "highway", "surface", "smoothness", "lit", "width", "foot", "access",
    "motor_vehicle", "maxspeed", "footway", "leisure", "sport", "area")
#: ``lit=*`` values saying a way is lit (``no`` says it is not; anything else is unmapped).
LIT_YES = frozenset({"yes", "24/7", "automatic", "limited"})
#: Node tags that mark where a road is crossed, and ``crossing=*`` values with lights.
CROSSING_NODE_TAGS: tuple[tuple[str, str], ...] = (
    ("highway", "crossing"), ("highway", "traffic_signals"))
SIGNALLED_CROSSINGS = frozenset({"traffic_signals"})


# -- what the basemap draws ----------------------------------------------------------------
#: Areas drawn green on the basemap (when tiles are off), as ``key → values``.
MAP_GREEN_TAGS: dict[str, frozenset[str]] = {
    "leisure": frozenset({"park", "garden"}),
    "landuse": frozenset({"grass", "forest", "meadow"}),
    "natural": frozenset({"wood"}),
}
#: Areas drawn as water besides any ``waterway=*``, as ``key → values``.
MAP_WATER_TAGS: dict[str, frozenset[str]] = {
    "natural": frozenset({"water"}),
    "landuse": frozenset({"basin", "reservoir"}),
}

# -- one rule each ---------------------------------------------------------------------------
#: An OSM object as venuefinder names a venue: ``way/123``. At most 20 digits (OSM ids are
#: 64-bit), ASCII digits only (``\d`` would let other scripts' digits through).
VENUE_ID_PATTERN = r"^(node|way|relation)/[0-9]{1,20}$"
VENUE_ID = re.compile(VENUE_ID_PATTERN)


def is_venue_id(text: object) -> bool:
    """Whether *text* is a venue id (:data:`VENUE_ID_PATTERN`)."""
    return isinstance(text, str) and VENUE_ID.fullmatch(text) is not None


#: The first value of a ``a;b`` tag: leading separators and spaces skipped, up to the next
#: ``;``, without trailing spaces.
_FIRST_VALUE = r"^[\s;]*([^;]*[^;\s])"


def first_value(values: "pd.Series") -> "pd.Series":
    """The first value of each multi-valued OSM tag (``sport=soccer;athletics`` → ``soccer``),
    lower-cased and stripped: the one rule for ``;``-separated values.

    OSM values are lower-case by convention; a value differing only in case is the same
    value mapped carelessly, so it is lower-cased before it is compared. An empty value
    (``""``, ``" ; "``) is no value.

    Parameters
    ----------
    values
        Tag values (text; missing as NaN or None).

    Returns
    -------
    pandas.Series
        ``string`` dtype on the same index, ``<NA>`` where the tag has no value.
    """
    return values.astype("string").str.lower().str.extract(_FIRST_VALUE, expand=False)


def tag_values(values: "pd.Series") -> "pd.Series":
    """Every value of each multi-valued OSM tag, lower-cased and stripped, one row each
    (the rule of :func:`first_value`): ``a;b`` → two rows. The index is each value's row
    position in *values* (0, 1, …), in the tag's order; empty values are left out."""
    parts = (values.reset_index(drop=True).astype("string").str.lower().str.split(";")
             .explode().str.strip())
    return parts[parts.notna() & (parts != "")]


def first_value_in(values: "pd.Series", allowed: "frozenset[str]") -> np.ndarray:
    """Per tag, its first value (:func:`tag_values`) that is in *allowed*, ``""`` for none
    (``sport=soccer;tennis`` in :data:`NET_SPORTS` → ``tennis``)."""
    parts = tag_values(values)
    hits = parts[parts.isin(allowed)]
    hits = hits[~hits.index.duplicated(keep="first")]
    out = np.full(len(values), "", dtype=object)
    out[hits.index.to_numpy(dtype=np.int64)] = hits.to_numpy(dtype=object)
    return out


def obstacle_categories(tags: "pd.DataFrame", lines: "np.ndarray") -> "np.ndarray":
    """Obstacle category of every feature (:data:`OBSTACLE_TAGS`, then paths that bring
    people across: :data:`CROSSING_PATHS`, when the feature is a line), ``""`` for none.

    Parameters
    ----------
    tags
        One column per OSM key (missing keys are fine), one row per feature.
    lines
        Whether each feature is a (multi)line.

    Returns
    -------
    numpy.ndarray
        The category of each row (the first matching row of the vocabulary wins).
    """
    conditions, choices = [], []
    for (key, value), category in OBSTACLE_TAGS.items():
        if key not in tags:
            continue
        column = tags[key]
        conditions.append((column.notna() if value is None else column.eq(value)).to_numpy(
            dtype=bool, na_value=False))
        choices.append(category)
    if "highway" in tags:
        for highway, category in CROSSING_PATHS.items():
            conditions.append(tags["highway"].eq(highway).to_numpy(dtype=bool, na_value=False)
                              & lines)
            choices.append(category)
    if not conditions:
        return np.full(len(tags), "", dtype=object)
    return np.select(conditions, choices, default="").astype(object)
