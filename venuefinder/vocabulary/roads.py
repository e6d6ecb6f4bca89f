"""Roads with motor traffic, defined once: which ``highway=*`` values carry it, and per road
class what every room needs to know about it.

The traffic criterion (:mod:`venuefinder.scoring.traffic`) reads the safe distances and
floors; the walking graph (:mod:`venuefinder.routes.graph`) the busy classes and the order;
routing (:mod:`venuefinder.routes.network`) the costs of walking along and crossing; a
route's score (:mod:`venuefinder.routes.criteria`) the points a crossing takes off. A leaf
module: it imports nothing of venuefinder.

=========== ====== ===== ===== ==== ====== ======== ======
class       safe m floor speed busy walk × cross m  points
=========== ====== ===== ===== ==== ====== ======== ======
motorway    400    0     110   yes  never  400      30
trunk       300    0     90    yes  never  400      30
primary     200    0     50    yes  4.0    150      15
secondary   150    5     50    yes  4.0    120      12
tertiary    100    15    40    no   3.0    80       9
residential 60     30    30    no   2.0    40       6
service     30     45    20    no   2.0    20       3
=========== ====== ===== ===== ==== ====== ======== ======

Why: a runner who cannot see where they are going needs more room from faster, busier
roads (*safe m*, grown by ``maxspeed`` over the usual *speed*); a road touching a venue
scores its *floor* (a quiet service lane at the edge is less bad than a primary road);
*busy* roads are those whose traffic a runner beside them keeps 20 m from; the way there
may walk a road's edge or unmapped pavement at *walk ×* its length, never a motorway or a
trunk road; crossing one costs *cross m* metres of detour in routing and *points* per km
in a route's crossings score (both halved at lights).

Streets that may carry a loop (:data:`LOOP_STREETS`), where a town maps no separate
footway beside them; the first row a way fits is its kind:

============= ============================================ ====== ====== =====================
street        which ways                                   factor weight said
============= ============================================ ====== ====== =====================
pedestrian    ``highway=pedestrian``                       1.1    0.1    a pedestrian street
sidewalk      a road but a motorway or a trunk road, with  1.3    0.25   the sidewalk of …
              a sidewalk tagged on it
living_street ``highway=living_street``                    1.5    0.5    a living street
slow_street   ``highway=residential|unclassified`` at      2.0    0.75   a street of 30 km/h
              30 km/h or less                                            or less
============= ============================================ ====== ====== =====================

Why: a separate footway (factor 1, weight 0) is the runner's own; a pedestrian street has
delivery vans and crowds; a sidewalk is a footway a kerb away from the cars; on a living
street cars come at walking pace over the same ground; on a quiet 30 km/h street the runner
shares the carriageway with them. *factor* multiplies the routing cost of running along
it (the roadside and busy-road factors still apply); *weight* is the share of its length
taken off a route's traffic score (a stretch on any other road takes twice its length).
A way whose sidewalk is mapped as a way of its own (``sidewalk=separate``) is none of
these: its runners are on that footway.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class RoadClass:
    """What a road class means to a backward runner (see the module's table)."""

    #: Beyond this distance (metres, at the usual speed) the road no longer matters.
    safe_distance_m: float
    #: Traffic score of a venue the road touches.
    floor: float
    #: The class's usual speed (km/h): a mapped ``maxspeed`` scales the safe distance by it.
    usual_speed_kmh: float
    #: A runner beside it should keep away from its traffic.
    busy: bool
    #: Cost factor of walking along it on the way there; None: never walked.
    walk_factor: Optional[float]
    #: Metres of routing cost for crossing it.
    crossing_cost_m: float
    #: Points a crossing of it takes, per km of route, from the crossings score.
    crossing_points: float

    @property
    def walkable(self) -> bool:
        """Whether the way there may follow it."""
        return self.walk_factor is not None


#: Road class → what it means. Ordered worst first: ties in a score go to the worse class,
#: and a node where several roads meet is crossed as its worst.
ROAD_CLASSES: dict[str, RoadClass] = {
    "motorway": RoadClass(400.0, 0.0, 110.0, True, None, 400.0, 30.0),
    "trunk": RoadClass(300.0, 0.0, 90.0, True, None, 400.0, 30.0),
    "primary": RoadClass(200.0, 0.0, 50.0, True, 4.0, 150.0, 15.0),
    "secondary": RoadClass(150.0, 5.0, 50.0, True, 4.0, 120.0, 12.0),
    "tertiary": RoadClass(100.0, 15.0, 40.0, False, 3.0, 80.0, 9.0),
    "residential": RoadClass(60.0, 30.0, 30.0, False, 2.0, 40.0, 6.0),
    "service": RoadClass(30.0, 45.0, 20.0, False, 2.0, 20.0, 3.0),
}

#: ``highway=*`` carrying motor traffic → its road class (:data:`ROAD_CLASSES`).
#: Footways, cycleways, paths, steps, pedestrian streets and tracks (farm roads) are not here.
MOTOR_ROAD_CLASSES: dict[str, str] = {
    "motorway": "motorway", "motorway_link": "motorway",
    "trunk": "trunk", "trunk_link": "trunk",
    "primary": "primary", "primary_link": "primary",
    "secondary": "secondary", "secondary_link": "secondary",
    "tertiary": "tertiary", "tertiary_link": "tertiary",
    "unclassified": "residential", "residential": "residential", "road": "residential",
    "busway": "residential",
    "living_street": "service", "service": "service",
}

#: Road classes whose traffic a runner beside them should keep away from, worst first.
BUSY_CLASSES: tuple[str, ...] = tuple(c for c, rule in ROAD_CLASSES.items() if rule.busy)
#: Road classes a walker may not follow even on the way there.
NO_WALK_CLASSES: tuple[str, ...] = tuple(
    c for c, rule in ROAD_CLASSES.items() if not rule.walkable)


@dataclass(frozen=True)
class LoopStreet:
    """A kind of street a loop may follow (see the module's second table)."""

    #: ``highway=*`` values of this kind.
    highways: frozenset[str]
    #: The way must have a sidewalk tagged (:data:`SIDEWALK_TAGS`).
    sidewalk: bool
    #: The way's speed limit must be at most this (km/h); None: any.
    max_speed_kmh: Optional[float]
    #: Cost factor of running along it (a separate footway: 1).
    factor: float
    #: Share of its length taken off a route's traffic score (a separate footway: 0).
    weight: float
    #: How a reason names a stretch of it: of a named street (``{name}``), of an unnamed one.
    named: str
    unnamed: str

    def said(self, name: Optional[str]) -> str:
        """What a reason calls a stretch of this street."""
        return self.named.format(name=name) if name else self.unnamed


#: Street kind → what it is, best first: a way is of the first kind it fits.
LOOP_STREETS: dict[str, LoopStreet] = {
    "pedestrian": LoopStreet(frozenset({"pedestrian"}), False, None, 1.1, 0.1,
                             "{name}, a pedestrian street", "a pedestrian street"),
    "sidewalk": LoopStreet(
        frozenset(h for h, c in MOTOR_ROAD_CLASSES.items() if ROAD_CLASSES[c].walkable),
        True, None, 1.3, 0.25, "the sidewalk of {name}", "a street's sidewalk"),
    "living_street": LoopStreet(frozenset({"living_street"}), False, None, 1.5, 0.5,
                                "{name}, a living street", "a living street"),
    "slow_street": LoopStreet(frozenset({"residential", "unclassified"}), False, 30.0, 2.0,
                              0.75, "{name} (30 km/h or less)",
                              "a street of 30 km/h or less"),
}
#: Tags saying a sidewalk runs on a way, ``key → values``; ``sidewalk=separate`` (the
#: footway is a way of its own) is not one of them.
SIDEWALK_TAGS: dict[str, frozenset[str]] = {
    "sidewalk": frozenset({"both", "left", "right", "yes"}),
    "sidewalk:both": frozenset({"yes"}),
    "sidewalk:left": frozenset({"yes"}),
    "sidewalk:right": frozenset({"yes"}),
}
#: The value of any of the :data:`SIDEWALK_TAGS` keys saying the sidewalk is its own way.
SEPARATE_SIDEWALK = "separate"
#: Keys saying a street's speed limit, first found first: the sign's, then the zone's
#: (``zone:maxspeed=DE:30``, ``maxspeed:type=DE:zone30``, ``source:maxspeed=DE:zone30``).
SPEED_KEYS: tuple[str, ...] = ("maxspeed", "zone:maxspeed", "maxspeed:type",
                               "source:maxspeed")
#: Tags the walking graph reads of a street to tell its kind (beyond ``highway`` and
#: ``maxspeed``).
STREET_TAG_KEYS: tuple[str, ...] = (*SIDEWALK_TAGS, *SPEED_KEYS[1:])
