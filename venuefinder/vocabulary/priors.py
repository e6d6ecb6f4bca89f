"""What each kind of venue is believed to be when nothing is measured or mapped, defined once.

The flatness, obstacles and surface criteria each fall back on a prior by kind: a score
and the sentence that justifies it (the reason says it is a guess). Kept side by side so a
kind's three beliefs are read, and changed, together. A leaf module: it imports nothing
of venuefinder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple


class Prior(NamedTuple):
    """A score 0–100 believed without evidence, and why."""

    score: float
    why: str


@dataclass(frozen=True)
class KindPriors:
    """A kind's priors, one per criterion that has one."""

    #: Ground levelness with no DEM and no ``incline``.
    flatness: Prior
    #: Score when nothing is mapped in it: what usually stands there.
    obstacles: Prior
    #: Score when its ``surface`` is not mapped: what the ground usually is.
    surface: Prior


#: Venue kind (:data:`venuefinder.vocabulary.KINDS`) → its priors.
KIND_PRIORS: dict[str, KindPriors] = {
    "track": KindPriors(
        Prior(95.0, "athletics tracks are built level"),
        Prior(95.0, "running tracks are kept clear"),
        Prior(75.0, "running tracks are usually synthetic")),
    "pitch": KindPriors(
        Prior(90.0, "pitches are built level"),
        Prior(90.0, "pitches are kept clear"),
        Prior(65.0, "pitches are usually grass or turf")),
    "stadium": KindPriors(
        Prior(90.0, "stadium fields are built level"),
        Prior(85.0, "stadium fields are kept clear, stands and fittings around them"),
        Prior(70.0, "stadiums usually have a synthetic track or turf")),
    "recreation_ground": KindPriors(
        Prior(70.0, "recreation grounds are often levelled but not always"),
        Prior(80.0, "recreation grounds may have goals and benches"),
        Prior(60.0, "recreation grounds are usually mown grass")),
    "village_green": KindPriors(
        Prior(60.0, "a village green is not known to be flat"),
        Prior(80.0, "village greens may have benches and trees"),
        Prior(60.0, "village greens are usually mown grass")),
    "common": KindPriors(
        Prior(60.0, "a common is not known to be flat"),
        Prior(75.0, "commons may have trees and paths"),
        Prior(50.0, "common land: grass of unknown evenness")),
    "grass": KindPriors(
        Prior(60.0, "a grass area is not known to be flat"),
        Prior(80.0, "lawns may have trees, lamps and benches"),
        Prior(60.0, "mapped as grass, length and evenness unknown")),
    "park": KindPriors(
        Prior(55.0, "a park is not known to be flat"),
        Prior(70.0, "parks usually have paths, trees and benches"),
        Prior(50.0, "parks mix lawns, paths and beds")),
    "meadow": KindPriors(
        Prior(50.0, "a meadow is not known to be flat"),
        Prior(70.0, "meadows may hide rocks and ditches"),
        Prior(35.0, "meadows have long grass and tussocks")),
}
#: A court's unmapped surface (a pitch whose sport is a
#: :data:`~venuefinder.vocabulary.COURT_SPORTS` one): what courts of that sport are made
#: of, not "pitches are usually grass or turf". Hard courts are hard.
COURT_SURFACE_PRIORS: dict[str, Prior] = {
    **dict.fromkeys(("basketball", "streetball", "netball", "korfball"), Prior(
        60.0, "courts with hoops are usually asphalt or acrylic: even but hard")),
    **dict.fromkeys(("beachvolleyball", "beach_volleyball", "footvolley"), Prior(
        30.0, "beach courts are sand: soft and uneven")),
    **dict.fromkeys(("tennis", "padel", "pickleball", "paddle_tennis"), Prior(
        60.0, "courts for racket sports are usually hard, clay or turf")),
}
#: The surface prior of any other court.
COURT_SURFACE_PRIOR = Prior(60.0, "courts are usually a hard surface: asphalt or acrylic")
#: The priors of a kind not in :data:`KIND_PRIORS`.
UNKNOWN_KIND_PRIORS = KindPriors(
    Prior(50.0, "this kind of place is not known to be flat"),
    Prior(70.0, "unknown ground"),
    Prior(45.0, "unknown ground"))


def priors_of(kind: object) -> KindPriors:
    """The priors of a venue kind (:data:`UNKNOWN_KIND_PRIORS` for any other)."""
    return KIND_PRIORS.get(kind, UNKNOWN_KIND_PRIORS)  # type: ignore[arg-type]


def court_surface_prior(sport: str) -> Prior:
    """The surface prior of a court of *sport* (a court sport's value)."""
    return COURT_SURFACE_PRIORS.get(sport, COURT_SURFACE_PRIOR)
