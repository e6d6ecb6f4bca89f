"""The plain words a runner reads for OSM tags, defined once: what to call a venue, the place
it lies in, a road, an entrance or a gate.

:mod:`venuefinder.labels` names every venue from these words; the traffic criterion and the
meeting points say roads, paths, entrances and gates with them, so that no sentence a
runner reads carries a raw tag (``living_street``, ``barrier=gate``). A leaf module: it
imports nothing of venuefinder.
"""

from __future__ import annotations

from typing import Optional

# -- venues ----------------------------------------------------------------------------------
#: Venue kind (:data:`venuefinder.vocabulary.KINDS`) → what to call it when its sport says
#: nothing more.
KIND_WORDS: dict[str, str] = {
    "track": "Running track", "pitch": "Playing field", "stadium": "Stadium",
    "recreation_ground": "Recreation ground", "park": "Park", "village_green": "Village green",
    "common": "Common", "grass": "Lawn", "meadow": "Meadow",
}
#: A venue of no known kind.
UNKNOWN_KIND_WORD = "Open space"
#: ``sport=*`` (its first value) → what to call a pitch of it.
PITCH_SPORT_WORDS: dict[str, str] = {
    "soccer": "Football pitch", "football": "Football pitch", "futsal": "Futsal court",
    "american_football": "American football field", "australian_football": "Football oval",
    "gaelic_games": "Gaelic games pitch", "rugby": "Rugby pitch",
    "rugby_union": "Rugby pitch", "rugby_league": "Rugby pitch",
    "field_hockey": "Hockey pitch", "hockey": "Hockey pitch", "lacrosse": "Lacrosse field",
    "cricket": "Cricket ground", "baseball": "Baseball field", "softball": "Softball field",
    "athletics": "Athletics field", "running": "Running field",
    "multi": "Multi-sport pitch", "fitness": "Fitness area", "exercise": "Exercise area",
    "tennis": "Tennis court", "basketball": "Basketball court",
    "streetball": "Streetball court", "volleyball": "Volleyball court",
    "beachvolleyball": "Beach volleyball court", "badminton": "Badminton court",
    "padel": "Padel court", "paddle_tennis": "Paddle tennis court",
    "pickleball": "Pickleball court", "netball": "Netball court", "handball": "Handball court",
    "table_tennis": "Table tennis tables", "squash": "Squash court",
    "ice_hockey": "Ice rink", "ice_skating": "Ice rink", "boules": "Boules pitch",
    "petanque": "Pétanque pitch", "bowls": "Bowling green", "golf": "Golf ground",
    "disc_golf": "Disc golf ground", "archery": "Archery ground", "frisbee": "Frisbee field",
    "ultimate": "Ultimate field", "dog_agility": "Dog agility field",
}
#: ``sport=*`` (its first value) → what to call a track of it.
TRACK_SPORT_WORDS: dict[str, str] = {
    "athletics": "Athletics track", "running": "Running track", "jogging": "Running track",
}
#: Kind → ``sport=*`` words read for it (the other kinds are named by kind alone).
SPORT_WORDS: dict[str, dict[str, str]] = {
    "pitch": PITCH_SPORT_WORDS, "track": TRACK_SPORT_WORDS,
}


def venue_word(kind: str, sport: Optional[str]) -> str:
    """What to call a venue of *kind* whose first ``sport`` value is *sport* (or None):
    ``("pitch", "soccer")`` → ``"Football pitch"``."""
    words = SPORT_WORDS.get(kind, {})
    if sport and sport in words:
        return words[sport]
    return KIND_WORDS.get(kind, UNKNOWN_KIND_WORD)


# -- the places venues lie in ---------------------------------------------------------------
#: ``key → value → (word, preposition)``: named areas a venue lying inside is said to be
#: "in" or "at" (``Lawn in Kaisaniemenpuisto``, ``Football pitch at Estadi Comunal``), and
#: what to call an unnamed one (``at a sports centre``).
CONTEXT_AREAS: dict[str, dict[str, tuple[str, str]]] = {
    "leisure": {
        "park": ("park", "in"), "garden": ("garden", "in"), "common": ("common", "at"),
        "recreation_ground": ("recreation ground", "in"),
        "nature_reserve": ("nature reserve", "in"), "stadium": ("stadium", "at"),
        "sports_centre": ("sports centre", "at"), "track": ("track", "at"),
        "pitch": ("pitch", "at"),
    },
    "landuse": {
        "recreation_ground": ("recreation ground", "in"),
        "village_green": ("village green", "at"),
    },
    "amenity": {
        "school": ("school", "at"), "college": ("college", "at"),
        "university": ("university", "at"), "kindergarten": ("kindergarten", "at"),
    },
}
#: Unnamed areas worth saying (``at a stadium``): where a group would recognise the place.
NAMED_ONLY_CONTEXT = frozenset({"park", "garden", "common", "recreation ground",
                                "nature reserve", "track", "pitch", "village green"})

#: ``place=*`` nodes a venue with no nearer context is said to be near (``Meadow near
#: Sispony``): settlements and the named parts of them, not a country or a city block.
NEAR_PLACES = frozenset({
    "city", "town", "village", "hamlet", "suburb", "quarter", "neighbourhood",
    "isolated_dwelling", "farm", "locality",
})

# -- roads, paths and ways in ---------------------------------------------------------------
#: ``highway=*`` → what a runner calls it (a noun phrase without an article).
HIGHWAY_WORDS: dict[str, str] = {
    "motorway": "motorway", "motorway_link": "motorway slip road",
    "trunk": "trunk road", "trunk_link": "trunk slip road",
    "primary": "primary road", "primary_link": "primary slip road",
    "secondary": "secondary road", "secondary_link": "secondary slip road",
    "tertiary": "tertiary road", "tertiary_link": "tertiary slip road",
    "unclassified": "minor road", "residential": "residential street", "road": "road",
    "busway": "busway", "living_street": "living street", "service": "service road",
    "track": "farm track", "pedestrian": "pedestrian street", "footway": "footpath",
    "path": "path", "cycleway": "cycle path", "bridleway": "bridleway", "steps": "steps",
    "corridor": "indoor corridor",
}
#: ``entrance=*`` → what to call the entrance.
ENTRANCE_WORDS: dict[str, str] = {
    "main": "main entrance", "secondary": "side entrance", "yes": "entrance",
}
#: ``barrier=*`` one walks through → what to call it.
GATE_WORDS: dict[str, str] = {
    "gate": "gate", "kissing_gate": "kissing gate", "swing_gate": "swing gate",
    "entrance": "gap",
}


def highway_word(highway: object) -> str:
    """What a runner calls a way of ``highway=*`` *highway* (``unclassified`` → ``minor
    road``); an unlisted value is a ``road``."""
    return HIGHWAY_WORDS.get(highway, "road") if isinstance(highway, str) else "road"


def tag_words(value: str) -> str:
    """A mapped value as words (``paving_stones`` → ``paving stones``), for values with no
    entry of their own in these tables."""
    return value.replace("_", " ")


def with_article(phrase: str) -> str:
    """*phrase* after ``a`` or ``an`` (by its first letter: ``an indoor corridor``)."""
    return f"{'an' if phrase[:1].lower() in 'aeiou' else 'a'} {phrase}"
